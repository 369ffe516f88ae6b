//! BEE files as SIECLE writes them: ISO-8859-15 with its declaration, the
//! root's `VERSION`, `PARAMETRES`, `DONNEES` sections in the file's order,
//! dates `jj/mm/aaaa`, codes as strings, two-space indentation.

use super::super::xml::{encode_for, escape};
use super::super::{date_iso_to_fr, FileHeader, Format};
use super::{
    Adresse, Division, Eleve, Groupe, Matiere, Mef, OptionsEleve, Personne, ResponsableEleve, SiecleRecord,
    StructuresEleve,
};

/// The bytes' encoding: real exports are Latin-9; files re-saved by hand
/// come back as UTF-8, often with a BOM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputEncoding {
    Latin9,
    Utf8Bom,
    Utf8,
}

/// Writes one BEE file (the records of other files are ignored), in ISO-8859-15.
pub fn write(format: Format, header: &FileHeader, records: &[SiecleRecord]) -> Vec<u8> {
    write_encoded(format, header, records, OutputEncoding::Latin9)
}

/// `write` in the given encoding. A format that is not a BEE file gives no bytes.
pub fn write_encoded(format: Format, header: &FileHeader, records: &[SiecleRecord], enc: OutputEncoding) -> Vec<u8> {
    let (root, version) = match format {
        Format::SiecleEleves => ("BEE_ELEVES", "3.1"),
        Format::SiecleResponsables => ("BEE_RESPONSABLES", "3.1"),
        Format::SiecleStructures => ("BEE_STRUCTURES", "2.0"),
        Format::SiecleNomenclature => ("BEE_NOMENCLATURES", "3.1"),
        _ => return Vec::new(),
    };
    let declared = match enc {
        OutputEncoding::Latin9 => "ISO-8859-15",
        OutputEncoding::Utf8Bom | OutputEncoding::Utf8 => "UTF-8",
    };
    let mut w = Xml { out: format!("<?xml version=\"1.0\" encoding=\"{declared}\"?>\n"), depth: 0 };
    w.open(root, &[("VERSION", Some(header.version.as_deref().unwrap_or(version)))]);
    parametres(&mut w, header);
    w.open("DONNEES", &[]);
    macro_rules! section {
        ($name:literal, $variant:ident, $f:ident) => {{
            w.open($name, &[]);
            for r in records {
                if let SiecleRecord::$variant(x) = r {
                    $f(&mut w, x);
                }
            }
            w.close($name);
        }};
    }
    match format {
        Format::SiecleEleves => {
            section!("ELEVES", Eleve, eleve);
            section!("OPTIONS", Options, options);
            section!("STRUCTURES", Structures, structures);
        }
        Format::SiecleResponsables => {
            section!("PERSONNES", Personne, personne);
            section!("RESPONSABLES", Responsable, responsable);
            section!("ADRESSES", Adresse, adresse);
        }
        Format::SiecleStructures => {
            section!("DIVISIONS", Division, division);
            section!("GROUPES", Groupe, groupe);
        }
        _ => {
            section!("MEFS", Mef, mef);
            section!("MATIERES", Matiere, matiere);
        }
    }
    w.close("DONNEES");
    w.close(root);
    match enc {
        OutputEncoding::Latin9 => encode_for(&w.out, encoding_rs::ISO_8859_15),
        OutputEncoding::Utf8Bom => [&b"\xef\xbb\xbf"[..], w.out.as_bytes()].concat(),
        OutputEncoding::Utf8 => w.out.into_bytes(),
    }
}

/// An indented element writer.
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                self.out.push_str(&format!(" {k}=\"{}\"", escape(v)));
            }
        }
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str(&format!("</{name}>\n"));
    }

    fn leaf(&mut self, name: &str, value: &str) {
        self.indent();
        self.out.push_str(&format!("<{name}>{}</{name}>\n", escape(value)));
    }

    fn opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.leaf(name, v);
        }
    }

    /// An ISO date written `jj/mm/aaaa`.
    fn date(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.leaf(name, &date_iso_to_fr(v));
        }
    }

    /// `wrapper/item/leaf` lists; nothing when empty.
    fn list(&mut self, wrapper: &str, item: &str, leaf: &str, values: &[String]) {
        if values.is_empty() {
            return;
        }
        self.open(wrapper, &[]);
        for v in values {
            self.open(item, &[]);
            self.leaf(leaf, v);
            self.close(item);
        }
        self.close(wrapper);
    }
}

fn parametres(w: &mut Xml, h: &FileHeader) {
    w.open("PARAMETRES", &[]);
    w.opt("UAJ", h.uai.as_deref());
    w.opt("ANNEE_SCOLAIRE", h.school_year.map(|y| y.to_string()).as_deref());
    // `exported_at` is the HORODATAGE (`jj/mm/aaaa hh:mm:ss`); DATE_EXPORT is its date.
    if let Some(at) = h.exported_at.as_deref() {
        w.leaf("DATE_EXPORT", at.split_whitespace().next().unwrap_or(at));
        w.leaf("HORODATAGE", at);
    }
    w.close("PARAMETRES");
}

fn eleve(w: &mut Xml, e: &Eleve) {
    w.open("ELEVE", &[("ELEVE_ID", Some(e.eleve_id.as_str())), ("ELENOET", e.elenoet.as_deref())]);
    w.opt("ID_NATIONAL", e.ine.as_deref());
    w.opt("INE_BEA", e.ine_bea.as_deref());
    w.opt("INE_RNIE", e.ine_rnie.as_deref());
    w.opt("ID_ELEVE_ETAB", e.id_eleve_etab.as_deref());
    w.opt("NOM", e.nom.as_deref());
    w.opt("NOM_DE_FAMILLE", e.nom_de_famille.as_deref());
    w.opt("NOM_USAGE", e.nom_usage.as_deref());
    w.leaf("PRENOM", &e.prenom);
    w.opt("PRENOM2", e.prenom2.as_deref());
    w.opt("PRENOM3", e.prenom3.as_deref());
    w.date("DATE_NAISS", e.date_naiss.as_deref());
    w.opt("DOUBLEMENT", e.doublement.as_deref());
    w.opt("CODE_PAYS", e.code_pays.as_deref());
    w.opt("CODE_DEPARTEMENT_NAISS", e.code_departement_naiss.as_deref());
    w.opt("CODE_COMMUNE_INSEE_NAISS", e.code_commune_insee_naiss.as_deref());
    w.opt("VILLE_NAISS", e.ville_naiss.as_deref());
    w.opt("MEL", e.mel.as_deref());
    w.date("DATE_SORTIE", e.date_sortie.as_deref());
    w.opt("CODE_REGIME", e.code_regime.as_deref());
    w.date("DATE_ENTREE", e.date_entree.as_deref());
    w.opt("CODE_MOTIF_SORTIE", e.code_motif_sortie.as_deref());
    w.opt("CODE_SEXE", e.code_sexe.as_deref());
    w.opt("CODE_MEF", e.code_mef.as_deref());
    w.opt("CODE_STATUT", e.code_statut.as_deref());
    if let Some(s) = &e.scolarite_an_dernier {
        w.open("SCOLARITE_AN_DERNIER", &[]);
        w.opt("CODE_STRUCTURE", s.code_structure.as_deref());
        w.opt("CODE_RNE", s.code_rne.as_deref());
        w.opt("SIGLE", s.sigle.as_deref());
        w.opt("DENOM_PRINC", s.denom_princ.as_deref());
        w.opt("DENOM_COMPL", s.denom_compl.as_deref());
        w.opt("LL_COMMUNE_INSEE", s.ll_commune_insee.as_deref());
        w.close("SCOLARITE_AN_DERNIER");
    }
    w.close("ELEVE");
}

fn options(w: &mut Xml, o: &OptionsEleve) {
    w.open("OPTION", &[("ELEVE_ID", Some(o.eleve_id.as_str())), ("ELENOET", o.elenoet.as_deref())]);
    for opt in &o.options {
        w.open("OPTIONS_ELEVE", &[]);
        w.opt("NUM_OPTION", opt.num_option.as_deref());
        w.opt("CODE_MODALITE_ELECT", opt.code_modalite_elect.as_deref());
        w.leaf("CODE_MATIERE", &opt.code_matiere);
        w.close("OPTIONS_ELEVE");
    }
    w.close("OPTION");
}

fn structures(w: &mut Xml, s: &StructuresEleve) {
    w.open("STRUCTURES_ELEVE", &[("ELEVE_ID", Some(s.eleve_id.as_str())), ("ELENOET", s.elenoet.as_deref())]);
    for st in &s.structures {
        w.open("STRUCTURE", &[]);
        w.leaf("CODE_STRUCTURE", &st.code_structure);
        w.leaf("TYPE_STRUCTURE", st.type_structure.code());
        w.close("STRUCTURE");
    }
    w.close("STRUCTURES_ELEVE");
}

fn personne(w: &mut Xml, p: &Personne) {
    w.open("PERSONNE", &[("PERSONNE_ID", Some(p.personne_id.as_str()))]);
    w.opt("NOM", p.nom.as_deref());
    w.opt("NOM_DE_FAMILLE", p.nom_de_famille.as_deref());
    w.opt("NOM_USAGE", p.nom_usage.as_deref());
    w.opt("PRENOM", p.prenom.as_deref());
    w.opt("LC_CIVILITE", p.lc_civilite.as_deref());
    w.opt("LL_CIVILITE", p.ll_civilite.as_deref());
    w.opt("TEL_PERSONNEL", p.tel_personnel.as_deref());
    w.opt("TEL_PORTABLE", p.tel_portable.as_deref());
    w.opt("TEL_PROFESSIONNEL", p.tel_professionnel.as_deref());
    w.opt("MEL", p.mel.as_deref());
    w.opt("ACCEPTE_SMS", p.accepte_sms.as_deref());
    w.opt("ADRESSE_ID", p.adresse_id.as_deref());
    w.opt("CODE_PROFESSION", p.code_profession.as_deref());
    w.opt("COMMUNICATION_ADRESSE", p.communication_adresse.as_deref());
    w.close("PERSONNE");
}

fn responsable(w: &mut Xml, r: &ResponsableEleve) {
    w.open("RESPONSABLE_ELEVE", &[]);
    w.leaf("ELEVE_ID", &r.eleve_id);
    w.leaf("PERSONNE_ID", &r.personne_id);
    w.opt("RESP_LEGAL", r.resp_legal.as_deref());
    w.opt("NIVEAU_RESPONSABILITE", r.niveau_responsabilite.as_deref());
    w.opt("CODE_PARENTE", r.code_parente.as_deref());
    w.opt("RESP_FINANCIER", r.resp_financier.as_deref());
    w.opt("PAIE_FRAIS_SCOLAIRES", r.paie_frais_scolaires.as_deref());
    w.opt("PERS_PAIMENT", r.pers_paiment.as_deref());
    w.opt("PERS_CONTACT", r.pers_contact.as_deref());
    w.close("RESPONSABLE_ELEVE");
}

fn adresse(w: &mut Xml, a: &Adresse) {
    w.open("ADRESSE", &[("ADRESSE_ID", Some(a.adresse_id.as_str()))]);
    w.opt("LIGNE1_ADRESSE", a.ligne1_adresse.as_deref());
    w.opt("LIGNE2_ADRESSE", a.ligne2_adresse.as_deref());
    w.opt("LIGNE3_ADRESSE", a.ligne3_adresse.as_deref());
    w.opt("LIGNE4_ADRESSE", a.ligne4_adresse.as_deref());
    w.opt("CODE_POSTAL", a.code_postal.as_deref());
    w.opt("LIBELLE_POSTAL", a.libelle_postal.as_deref());
    w.opt("CODE_DEPARTEMENT", a.code_departement.as_deref());
    w.opt("CODE_PAYS", a.code_pays.as_deref());
    w.opt("LL_PAYS", a.ll_pays.as_deref());
    w.opt("COMMUNE_ETRANGERE", a.commune_etrangere.as_deref());
    w.close("ADRESSE");
}

fn division(w: &mut Xml, d: &Division) {
    w.open("DIVISION", &[("CODE_STRUCTURE", Some(d.code_structure.as_str()))]);
    w.opt("LIBELLE_LONG", d.libelle_long.as_deref());
    w.list("MEFS_APPARTENANCE", "MEF_APPARTENANCE", "CODE_MEF", &d.mefs);
    w.close("DIVISION");
}

fn groupe(w: &mut Xml, g: &Groupe) {
    w.open("GROUPE", &[("CODE_STRUCTURE", Some(g.code_structure.as_str()))]);
    w.opt("LIBELLE_LONG", g.libelle_long.as_deref());
    w.list("DIVISIONS_APPARTENANCE", "DIVISION_APPARTENANCE", "CODE_STRUCTURE", &g.divisions);
    w.list("MEFS_APPARTENANCE", "MEF_APPARTENANCE", "CODE_MEF", &g.mefs);
    w.close("GROUPE");
}

fn mef(w: &mut Xml, m: &Mef) {
    w.open("MEF", &[("CODE_MEF", Some(m.code_mef.as_str()))]);
    w.opt("FORMATION", m.formation.as_deref());
    w.opt("LIBELLE_LONG", m.libelle_long.as_deref());
    w.opt("LIBELLE_EDITION", m.libelle_edition.as_deref());
    w.opt("CODE_MEFSTAT", m.code_mefstat.as_deref());
    w.opt("MEF_RATTACHEMENT", m.mef_rattachement.as_deref());
    w.close("MEF");
}

fn matiere(w: &mut Xml, m: &Matiere) {
    w.open("MATIERE", &[("CODE_MATIERE", Some(m.code_matiere.as_str()))]);
    w.opt("CODE_GESTION", m.code_gestion.as_deref());
    w.opt("LIBELLE_COURT", m.libelle_court.as_deref());
    w.opt("LIBELLE_LONG", m.libelle_long.as_deref());
    w.opt("LIBELLE_EDITION", m.libelle_edition.as_deref());
    w.close("MATIERE");
}
