//! `BEE_ELEVES` records: ELEVE, OPTION, STRUCTURES_ELEVE.

use serde::{Deserialize, Serialize};

use super::super::xml::Element;
use super::reader::State;
use super::{key, reason, text, Outcome, Rec, SiecleRecord};
use crate::model::Sex;

/// A pupil (`ELEVE`). Dates are ISO `AAAA-MM-JJ`; codes stay strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eleve {
    /// `@ELEVE_ID`: SIECLE's internal id, the key of every other section.
    pub eleve_id: String,
    /// `@ELENOET`: « numéro élève établissement ».
    pub elenoet: Option<String>,
    /// `ID_NATIONAL`: the INE (11 characters; the RNIE one since 2017).
    pub ine: Option<String>,
    pub ine_bea: Option<String>,
    pub ine_rnie: Option<String>,
    pub id_eleve_etab: Option<String>,
    /// `NOM`: the family name in files from before SIECLE 15.5 (2015).
    pub nom: Option<String>,
    pub nom_de_famille: Option<String>,
    /// Only filled when it differs from the family name.
    pub nom_usage: Option<String>,
    pub prenom: String,
    pub prenom2: Option<String>,
    pub prenom3: Option<String>,
    /// `1` masculin, `2` féminin.
    pub code_sexe: Option<String>,
    pub date_naiss: Option<String>,
    pub doublement: Option<String>,
    /// `100` = France.
    pub code_pays: Option<String>,
    pub code_departement_naiss: Option<String>,
    pub code_commune_insee_naiss: Option<String>,
    pub ville_naiss: Option<String>,
    pub mel: Option<String>,
    pub date_sortie: Option<String>,
    pub code_regime: Option<String>,
    pub date_entree: Option<String>,
    pub code_motif_sortie: Option<String>,
    pub code_mef: Option<String>,
    pub code_statut: Option<String>,
    pub scolarite_an_dernier: Option<ScolariteAnDernier>,
}

impl Eleve {
    /// Nom de famille, from either layout.
    pub fn family_name(&self) -> &str {
        self.nom_de_famille.as_deref().or(self.nom.as_deref()).unwrap_or("")
    }

    /// Nom d'usage, which defaults to the family name.
    pub fn usage_name(&self) -> &str {
        self.nom_usage.as_deref().unwrap_or_else(|| self.family_name())
    }

    pub fn given_names(&self) -> Vec<&str> {
        std::iter::once(self.prenom.as_str())
            .chain(self.prenom2.as_deref())
            .chain(self.prenom3.as_deref())
            .filter(|p| !p.is_empty())
            .collect()
    }

    pub fn sex(&self) -> Option<Sex> {
        match self.code_sexe.as_deref() {
            Some("1") => Some(Sex::M),
            Some("2") => Some(Sex::F),
            _ => None,
        }
    }
}

/// Last year's schooling (`SCOLARITE_AN_DERNIER`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScolariteAnDernier {
    pub code_structure: Option<String>,
    /// UAI of last year's establishment.
    pub code_rne: Option<String>,
    pub sigle: Option<String>,
    pub denom_princ: Option<String>,
    pub denom_compl: Option<String>,
    pub ll_commune_insee: Option<String>,
}

/// A pupil's options (`OPTION` with its `OPTIONS_ELEVE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionsEleve {
    pub eleve_id: String,
    pub elenoet: Option<String>,
    pub options: Vec<OptionEleve>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionEleve {
    pub num_option: Option<String>,
    /// `S` (obligatoire), `O` (facultative), `F`…
    pub code_modalite_elect: Option<String>,
    pub code_matiere: String,
}

/// A pupil's division and groups (`STRUCTURES_ELEVE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StructuresEleve {
    pub eleve_id: String,
    pub elenoet: Option<String>,
    pub structures: Vec<StructureRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructureRef {
    /// Division or group code (`4A`, `4e 1`, `42`; `Inactifs` is SIECLE's
    /// pseudo-division of pupils who left).
    pub code_structure: String,
    pub type_structure: StructureKind,
}

/// `TYPE_STRUCTURE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StructureKind {
    #[serde(rename = "D")]
    Division,
    #[serde(rename = "G")]
    Groupe,
}

impl StructureKind {
    pub fn code(self) -> &'static str {
        match self {
            StructureKind::Division => "D",
            StructureKind::Groupe => "G",
        }
    }
}

/// INE shape: 11 ASCII letters or digits (10 digits + key letter, or the
/// RNIE's 9 digits + 2 letters, among others).
pub(crate) fn ine_is_valid(ine: &str) -> bool {
    ine.len() == 11 && ine.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub(super) fn eleve(el: &Element, line: u64, state: &mut State) -> Outcome {
    let id = key(el, "ELEVE_ID");
    let mut rec = Rec::new(line, "ELEVE", "ELEVE_ID", id.as_deref());
    let Some(eleve_id) = id else {
        rec.drop_with("ELEVE_ID", "", reason::REQUIRED_MISSING);
        return rec.finish_none();
    };
    if state.eleves.known(&eleve_id) {
        rec.drop_with("ELEVE_ID", &eleve_id, reason::ID_DUPLICATE);
        return rec.finish_none();
    }
    let nom = text(el, "NOM");
    let nom_de_famille = text(el, "NOM_DE_FAMILLE");
    if nom.is_none() && nom_de_famille.is_none() {
        rec.drop_with("NOM_DE_FAMILLE", "", reason::REQUIRED_MISSING);
    }
    let prenom = rec.required(el, "PRENOM");
    // A malformed INE or sex code keeps the pupil with the field empty: a
    // pupil without INE or sex is a normal, known case downstream.
    let mut ine = |field: &str| {
        let v = text(el, field)?;
        if ine_is_valid(&v) {
            Some(v)
        } else {
            rec.blank_with(field, &v, reason::INE_INVALID);
            None
        }
    };
    let (ine, ine_bea, ine_rnie) = (ine("ID_NATIONAL"), ine("INE_BEA"), ine("INE_RNIE"));
    let code_sexe = text(el, "CODE_SEXE").and_then(|s| {
        if s == "1" || s == "2" {
            Some(s)
        } else {
            rec.blank_with("CODE_SEXE", &s, reason::SEX_INVALID);
            None
        }
    });
    let date_naiss = rec.date(el, "DATE_NAISS");
    let date_entree = rec.date(el, "DATE_ENTREE");
    let date_sortie = rec.date(el, "DATE_SORTIE");
    let elenoet = key(el, "ELENOET");
    let scolarite_an_dernier = el.child("SCOLARITE_AN_DERNIER").map(|s| ScolariteAnDernier {
        code_structure: text(s, "CODE_STRUCTURE"),
        code_rne: text(s, "CODE_RNE"),
        sigle: text(s, "SIGLE"),
        denom_princ: text(s, "DENOM_PRINC"),
        denom_compl: text(s, "DENOM_COMPL"),
        ll_commune_insee: text(s, "LL_COMMUNE_INSEE"),
    });
    let record = Eleve {
        eleve_id: eleve_id.clone(),
        elenoet: elenoet.clone(),
        ine,
        ine_bea,
        ine_rnie,
        id_eleve_etab: text(el, "ID_ELEVE_ETAB"),
        nom,
        nom_de_famille,
        nom_usage: text(el, "NOM_USAGE"),
        prenom,
        prenom2: text(el, "PRENOM2"),
        prenom3: text(el, "PRENOM3"),
        code_sexe,
        date_naiss,
        doublement: text(el, "DOUBLEMENT"),
        code_pays: text(el, "CODE_PAYS"),
        code_departement_naiss: text(el, "CODE_DEPARTEMENT_NAISS"),
        code_commune_insee_naiss: text(el, "CODE_COMMUNE_INSEE_NAISS"),
        ville_naiss: text(el, "VILLE_NAISS"),
        mel: text(el, "MEL"),
        date_sortie,
        code_regime: text(el, "CODE_REGIME"),
        date_entree,
        code_motif_sortie: text(el, "CODE_MOTIF_SORTIE"),
        code_mef: text(el, "CODE_MEF"),
        code_statut: text(el, "CODE_STATUT"),
        scolarite_an_dernier,
    };
    if !rec.dropped {
        if let Some(n) = elenoet {
            state.elenoet.insert(n, eleve_id.clone());
        }
    }
    state.eleves.record(eleve_id, !rec.dropped);
    rec.finish(SiecleRecord::Eleve(record))
}

/// The pupil an OPTION or STRUCTURES_ELEVE is about, checked against the
/// ELEVES section when the file had one before.
fn pupil_ref(el: &Element, line: u64, state: &State) -> (Rec, String, Option<String>) {
    let elenoet = key(el, "ELENOET");
    let id = key(el, "ELEVE_ID").or_else(|| elenoet.as_ref().and_then(|n| state.elenoet.get(n).cloned()));
    let mut rec = Rec::new(line, &el.name, "ELEVE_ID", id.as_deref());
    let Some(id) = id else {
        rec.drop_with("ELEVE_ID", "", reason::REQUIRED_MISSING);
        return (rec, String::new(), elenoet);
    };
    if state.eleves.seen && !state.eleves.accepted.contains(&id) {
        let why = if state.eleves.rejected.contains(&id) { reason::ELEVE_REJECTED } else { reason::ELEVE_UNKNOWN };
        rec.drop_with("ELEVE_ID", &id, why);
    }
    (rec, id, elenoet)
}

pub(super) fn options(el: &Element, line: u64, state: &mut State) -> Outcome {
    let (mut rec, eleve_id, elenoet) = pupil_ref(el, line, state);
    let mut options = Vec::new();
    for o in el.children("OPTIONS_ELEVE") {
        match text(o, "CODE_MATIERE") {
            Some(code_matiere) => options.push(OptionEleve {
                num_option: text(o, "NUM_OPTION"),
                code_modalite_elect: text(o, "CODE_MODALITE_ELECT"),
                code_matiere,
            }),
            // That option alone is left out; the pupil's other options stay.
            None => rec.blank_with("CODE_MATIERE", "", reason::REQUIRED_MISSING),
        }
    }
    rec.finish(SiecleRecord::Options(OptionsEleve { eleve_id, elenoet, options }))
}

pub(super) fn structures(el: &Element, line: u64, state: &mut State) -> Outcome {
    let (mut rec, eleve_id, elenoet) = pupil_ref(el, line, state);
    let mut structures = Vec::new();
    for s in el.children("STRUCTURE") {
        // A bad structure is left out; the pupil's other structures stay.
        let Some(code_structure) = text(s, "CODE_STRUCTURE") else {
            rec.blank_with("CODE_STRUCTURE", "", reason::REQUIRED_MISSING);
            continue;
        };
        let type_structure = match text(s, "TYPE_STRUCTURE").as_deref() {
            Some("D") => StructureKind::Division,
            Some("G") => StructureKind::Groupe,
            Some(other) => {
                rec.blank_with("TYPE_STRUCTURE", other, reason::STRUCTURE_TYPE_UNKNOWN);
                continue;
            }
            None => {
                rec.blank_with("TYPE_STRUCTURE", "", reason::REQUIRED_MISSING);
                continue;
            }
        };
        structures.push(StructureRef { code_structure, type_structure });
    }
    rec.finish(SiecleRecord::Structures(StructuresEleve { eleve_id, elenoet, structures }))
}
