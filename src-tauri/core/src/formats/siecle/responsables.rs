//! `BEE_RESPONSABLES` records: PERSONNE, RESPONSABLE_ELEVE (both the old
//! `RESP_LEGAL` and the 2018 `NIVEAU_RESPONSABILITE` layouts), ADRESSE.

use serde::{Deserialize, Serialize};

use super::super::xml::Element;
use super::reader::State;
use super::{key, reason, text, Outcome, Rec, SiecleRecord};
use crate::model::ResponsibilityLevel;

/// A responsable (`PERSONNE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Personne {
    /// `@PERSONNE_ID`, the key RESPONSABLE_ELEVE points at.
    pub personne_id: String,
    /// `NOM`: the family name in files from before SIECLE 15.5.
    pub nom: Option<String>,
    pub nom_de_famille: Option<String>,
    pub nom_usage: Option<String>,
    /// May be absent for an institution (ASE…).
    pub prenom: Option<String>,
    /// `M.`, `MME`.
    pub lc_civilite: Option<String>,
    pub ll_civilite: Option<String>,
    pub tel_personnel: Option<String>,
    pub tel_portable: Option<String>,
    pub tel_professionnel: Option<String>,
    pub mel: Option<String>,
    pub accepte_sms: Option<String>,
    /// Points at `ADRESSE@ADRESSE_ID` (shared by a household).
    pub adresse_id: Option<String>,
    pub code_profession: Option<String>,
    pub communication_adresse: Option<String>,
}

impl Personne {
    pub fn family_name(&self) -> &str {
        self.nom_de_famille.as_deref().or(self.nom.as_deref()).unwrap_or("")
    }

    pub fn usage_name(&self) -> &str {
        self.nom_usage.as_deref().unwrap_or_else(|| self.family_name())
    }
}

/// A link between a pupil and a responsable (`RESPONSABLE_ELEVE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponsableEleve {
    pub eleve_id: String,
    pub personne_id: String,
    /// Old layout (before 30/03/2018): `1`/`2` first/second legal
    /// representative, `0` other responsable.
    pub resp_legal: Option<String>,
    /// New layout: `1` représentant légal, `2` personne en charge, `3` personne à contacter.
    pub niveau_responsabilite: Option<String>,
    /// `10` mère, `20` père, `50` tuteur, `51` ASE… (kept as written).
    pub code_parente: Option<String>,
    pub resp_financier: Option<String>,
    pub paie_frais_scolaires: Option<String>,
    pub pers_paiment: Option<String>,
    pub pers_contact: Option<String>,
}

impl ResponsableEleve {
    /// The responsibility, from whichever layout the file uses. An old
    /// `RESP_LEGAL=0` says only « not legal »: it maps to the least access.
    pub fn level(&self) -> Option<ResponsibilityLevel> {
        match (self.niveau_responsabilite.as_deref(), self.resp_legal.as_deref()) {
            (Some("1"), _) => Some(ResponsibilityLevel::Legal),
            (Some("2"), _) => Some(ResponsibilityLevel::InCharge),
            (Some("3"), _) => Some(ResponsibilityLevel::Contact),
            (None, Some("1" | "2")) => Some(ResponsibilityLevel::Legal),
            (None, Some("0")) => Some(ResponsibilityLevel::Contact),
            _ => None,
        }
    }

    /// Rank of a legal representative (1 or 2) in the old layout; the new
    /// layout has no order (GEPI ranks first the one paying school fees).
    pub fn rank(&self) -> Option<u8> {
        match self.resp_legal.as_deref() {
            Some("1") => Some(1),
            Some("2") => Some(2),
            _ => None,
        }
    }
}

/// A postal address (`ADRESSE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adresse {
    pub adresse_id: String,
    pub ligne1_adresse: Option<String>,
    pub ligne2_adresse: Option<String>,
    pub ligne3_adresse: Option<String>,
    pub ligne4_adresse: Option<String>,
    /// Absent for a foreign address.
    pub code_postal: Option<String>,
    pub libelle_postal: Option<String>,
    pub code_departement: Option<String>,
    pub code_pays: Option<String>,
    pub ll_pays: Option<String>,
    pub commune_etrangere: Option<String>,
}

pub(super) fn personne(el: &Element, line: u64, state: &mut State) -> Outcome {
    let id = key(el, "PERSONNE_ID");
    let mut rec = Rec::new(line, "PERSONNE", "PERSONNE_ID", id.as_deref());
    let Some(personne_id) = id else {
        rec.drop_with("PERSONNE_ID", "", reason::REQUIRED_MISSING);
        return rec.finish_none();
    };
    if state.personnes.known(&personne_id) {
        rec.drop_with("PERSONNE_ID", &personne_id, reason::ID_DUPLICATE);
        return rec.finish_none();
    }
    let nom = text(el, "NOM");
    let nom_de_famille = text(el, "NOM_DE_FAMILLE");
    if nom.is_none() && nom_de_famille.is_none() {
        rec.drop_with("NOM_DE_FAMILLE", "", reason::REQUIRED_MISSING);
    }
    let record = Personne {
        personne_id: personne_id.clone(),
        nom,
        nom_de_famille,
        nom_usage: text(el, "NOM_USAGE"),
        prenom: text(el, "PRENOM"),
        lc_civilite: text(el, "LC_CIVILITE"),
        ll_civilite: text(el, "LL_CIVILITE"),
        tel_personnel: text(el, "TEL_PERSONNEL"),
        tel_portable: text(el, "TEL_PORTABLE"),
        tel_professionnel: text(el, "TEL_PROFESSIONNEL"),
        mel: text(el, "MEL"),
        accepte_sms: text(el, "ACCEPTE_SMS"),
        adresse_id: key(el, "ADRESSE_ID"),
        code_profession: text(el, "CODE_PROFESSION"),
        communication_adresse: text(el, "COMMUNICATION_ADRESSE"),
    };
    state.personnes.record(personne_id, !rec.dropped);
    rec.finish(SiecleRecord::Personne(record))
}

pub(super) fn responsable(el: &Element, line: u64, state: &mut State) -> Outcome {
    let personne_id = key(el, "PERSONNE_ID");
    let eleve_id = key(el, "ELEVE_ID");
    let shown = format!("{}/{}", eleve_id.as_deref().unwrap_or("?"), personne_id.as_deref().unwrap_or("?"));
    let mut rec = Rec::new(line, "RESPONSABLE_ELEVE", "ELEVE_ID/PERSONNE_ID", Some(&shown));
    let eleve_id = eleve_id.unwrap_or_else(|| {
        rec.drop_with("ELEVE_ID", "", reason::REQUIRED_MISSING);
        String::new()
    });
    let personne_id = match personne_id {
        None => {
            rec.drop_with("PERSONNE_ID", "", reason::REQUIRED_MISSING);
            String::new()
        }
        // PERSONNES come before RESPONSABLES: a dangling link is caught here.
        Some(p) if state.personnes.seen && !state.personnes.accepted.contains(&p) => {
            let why = if state.personnes.rejected.contains(&p) {
                reason::PERSONNE_REJECTED
            } else {
                reason::PERSONNE_UNKNOWN
            };
            rec.drop_with("PERSONNE_ID", &p, why);
            p
        }
        Some(p) => p,
    };
    // The level decides what the responsable may see: a doubtful one drops the link.
    let niveau = text(el, "NIVEAU_RESPONSABILITE");
    let resp_legal = text(el, "RESP_LEGAL");
    if let Some(n) = niveau.as_deref().filter(|n| !matches!(*n, "1" | "2" | "3")) {
        rec.drop_with("NIVEAU_RESPONSABILITE", n, reason::NIVEAU_RESPONSABILITE_INVALID);
    }
    if let Some(r) = resp_legal.as_deref().filter(|r| !matches!(*r, "0" | "1" | "2")) {
        rec.drop_with("RESP_LEGAL", r, reason::RESP_LEGAL_INVALID);
    }
    if niveau.is_none() && resp_legal.is_none() {
        rec.drop_with("NIVEAU_RESPONSABILITE", "", reason::REQUIRED_MISSING);
    }
    let record = ResponsableEleve {
        eleve_id,
        personne_id,
        resp_legal,
        niveau_responsabilite: niveau,
        code_parente: text(el, "CODE_PARENTE"),
        resp_financier: text(el, "RESP_FINANCIER"),
        paie_frais_scolaires: text(el, "PAIE_FRAIS_SCOLAIRES"),
        pers_paiment: text(el, "PERS_PAIMENT"),
        pers_contact: text(el, "PERS_CONTACT"),
    };
    rec.finish(SiecleRecord::Responsable(record))
}

pub(super) fn adresse(el: &Element, line: u64, state: &mut State) -> Outcome {
    let id = key(el, "ADRESSE_ID");
    let mut rec = Rec::new(line, "ADRESSE", "ADRESSE_ID", id.as_deref());
    let Some(adresse_id) = id else {
        rec.drop_with("ADRESSE_ID", "", reason::REQUIRED_MISSING);
        return rec.finish_none();
    };
    if state.adresses.known(&adresse_id) {
        rec.drop_with("ADRESSE_ID", &adresse_id, reason::ID_DUPLICATE);
        return rec.finish_none();
    }
    state.adresses.record(adresse_id.clone(), true);
    let record = Adresse {
        adresse_id,
        ligne1_adresse: text(el, "LIGNE1_ADRESSE"),
        ligne2_adresse: text(el, "LIGNE2_ADRESSE"),
        ligne3_adresse: text(el, "LIGNE3_ADRESSE"),
        ligne4_adresse: text(el, "LIGNE4_ADRESSE"),
        code_postal: text(el, "CODE_POSTAL"),
        libelle_postal: text(el, "LIBELLE_POSTAL"),
        code_departement: text(el, "CODE_DEPARTEMENT"),
        code_pays: text(el, "CODE_PAYS"),
        ll_pays: text(el, "LL_PAYS"),
        commune_etrangere: text(el, "COMMUNE_ETRANGERE"),
    };
    rec.finish(SiecleRecord::Adresse(record))
}
