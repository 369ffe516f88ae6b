//! Writes `sts_emp` files as STS-Web does: ISO-8859-15 with its declaration,
//! the root `STS_EDT` alone on the second line (GEPI checks for it), one
//! element per line, the sections in their real order.

use super::{Division, Groupe, Individu, Parametres, Service, StsRecord};
use crate::formats::xml::{encode_for, escape};

/// Escapes as the exports do: apostrophes and quotes stay literal in text
/// (`N'DIAYE`), quotes are escaped inside attributes.
fn escaped(text: &str, attribute: bool) -> String {
    let out = escape(text).replace("&apos;", "'");
    if attribute {
        out
    } else {
        out.replace("&quot;", "\"")
    }
}

/// An indented XML text being built.
struct Out(String);

impl Out {
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.0.push_str("  ");
        }
    }

    fn tag(&mut self, depth: usize, name: &str, attrs: &[(&str, Option<&str>)], close: &str) {
        self.indent(depth);
        self.0.push('<');
        self.0.push_str(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                self.0.push_str(&format!(" {k}=\"{}\"", escaped(v, true)));
            }
        }
        self.0.push_str(close);
        self.0.push('\n');
    }

    fn open(&mut self, depth: usize, name: &str, attrs: &[(&str, Option<&str>)]) {
        self.tag(depth, name, attrs, ">");
    }

    fn empty(&mut self, depth: usize, name: &str, attrs: &[(&str, Option<&str>)]) {
        self.tag(depth, name, attrs, "/>");
    }

    fn close(&mut self, depth: usize, name: &str) {
        self.indent(depth);
        self.0.push_str(&format!("</{name}>\n"));
    }

    /// `<NAME>text</NAME>`, left out when there is no text.
    fn leaf(&mut self, depth: usize, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.indent(depth);
            self.0.push_str(&format!("<{name}>{}</{name}>\n", escaped(t, false)));
        }
    }
}

/// The bytes of an `sts_emp` file holding `records` (each section written in
/// the file's order whatever the order of `records`).
pub fn write(records: &[StsRecord]) -> Vec<u8> {
    let mut out = Out(String::with_capacity(64 * 1024 + records.len() * 600));
    out.0.push_str("<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n");
    out.open(0, "STS_EDT", &[]);
    for r in records {
        if let StsRecord::Parametres(p) = r {
            parametres(&mut out, p);
        }
    }
    out.open(1, "NOMENCLATURES", &[]);
    section(&mut out, records, "MATIERES", |out, r| match r {
        StsRecord::Matiere(m) => {
            out.open(3, "MATIERE", &[("CODE", Some(&m.code))]);
            out.leaf(4, "CODE_GESTION", m.code_gestion.as_deref());
            out.leaf(4, "LIBELLE_COURT", m.libelle_court.as_deref());
            out.leaf(4, "LIBELLE_LONG", m.libelle_long.as_deref());
            out.leaf(4, "LIBELLE_EDITION", m.libelle_edition.as_deref());
            out.close(3, "MATIERE");
            true
        }
        _ => false,
    });
    section(&mut out, records, "CIVILITES", |out, r| match r {
        StsRecord::Civilite(c) => {
            out.open(3, "CIVILITE", &[("CODE", Some(&c.code))]);
            out.leaf(4, "LIBELLE_COURT", c.libelle_court.as_deref());
            out.leaf(4, "LIBELLE_LONG", c.libelle_long.as_deref());
            out.close(3, "CIVILITE");
            true
        }
        _ => false,
    });
    section(&mut out, records, "MEFS", |out, r| match r {
        StsRecord::Mef(m) => {
            out.open(3, "MEF", &[("CODE", Some(&m.code))]);
            out.leaf(4, "FORMATION", m.formation.as_deref());
            out.leaf(4, "LIBELLE_LONG", m.libelle_long.as_deref());
            out.leaf(4, "LIBELLE_EDITION", m.libelle_edition.as_deref());
            out.close(3, "MEF");
            true
        }
        _ => false,
    });
    out.close(1, "NOMENCLATURES");
    out.open(1, "DONNEES", &[]);
    section(&mut out, records, "INDIVIDUS", |out, r| match r {
        StsRecord::Individu(i) => {
            individu(out, i);
            true
        }
        _ => false,
    });
    out.open(2, "STRUCTURE", &[]);
    section_at(&mut out, 3, records, "DIVISIONS", |out, r| match r {
        StsRecord::Division(d) => {
            division(out, d);
            true
        }
        _ => false,
    });
    section_at(&mut out, 3, records, "GROUPES", |out, r| match r {
        StsRecord::Groupe(g) => {
            groupe(out, g);
            true
        }
        _ => false,
    });
    out.close(2, "STRUCTURE");
    out.close(1, "DONNEES");
    out.close(0, "STS_EDT");
    encode_for(&out.0, encoding_rs::ISO_8859_15)
}

/// A `<NAME>` list at depth 2 holding the records `item` writes (left out when empty).
fn section(out: &mut Out, records: &[StsRecord], name: &str, item: impl FnMut(&mut Out, &StsRecord) -> bool) {
    section_at(out, 2, records, name, item)
}

fn section_at(
    out: &mut Out,
    depth: usize,
    records: &[StsRecord],
    name: &str,
    mut item: impl FnMut(&mut Out, &StsRecord) -> bool,
) {
    let mut body = Out(String::new());
    let mut any = false;
    for r in records {
        any |= item(&mut body, r);
    }
    if any {
        out.open(depth, name, &[]);
        out.0.push_str(&body.0);
        out.close(depth, name);
    }
}

fn parametres(out: &mut Out, p: &Parametres) {
    out.open(1, "PARAMETRES", &[]);
    out.open(2, "UAJ", &[("CODE", Some(&p.uai))]);
    if p.academie_code.is_some() || p.academie_libelle.is_some() {
        out.open(3, "ACADEMIE", &[]);
        out.leaf(4, "CODE", p.academie_code.as_deref());
        out.leaf(4, "LIBELLE", p.academie_libelle.as_deref());
        out.close(3, "ACADEMIE");
    }
    for (name, value) in [
        ("SIGLE", &p.sigle),
        ("DENOM_PRINC", &p.denom_princ),
        ("DENOM_COMPL", &p.denom_compl),
        ("CODE_NATURE", &p.code_nature),
        ("CODE_CATEGORIE", &p.code_categorie),
        ("ADRESSE", &p.adresse),
        ("COMMUNE", &p.commune),
        ("CODE_POSTAL", &p.code_postal),
        ("BOITE_POSTALE", &p.boite_postale),
        ("CEDEX", &p.cedex),
        ("TELEPHONE", &p.telephone),
        ("STATUT", &p.statut),
        ("ETABLISSEMENT_SENSIBLE", &p.etablissement_sensible),
    ] {
        out.leaf(3, name, value.as_deref());
    }
    out.close(2, "UAJ");
    if p.annee.is_some() || p.date_debut.is_some() || p.date_fin.is_some() {
        out.open(2, "ANNEE_SCOLAIRE", &[("ANNEE", p.annee.as_deref())]);
        out.leaf(3, "DATE_DEBUT", p.date_debut.as_deref());
        out.leaf(3, "DATE_FIN", p.date_fin.as_deref());
        out.close(2, "ANNEE_SCOLAIRE");
    }
    out.close(1, "PARAMETRES");
}

fn individu(out: &mut Out, i: &Individu) {
    out.open(3, "INDIVIDU", &[("ID", Some(&i.id)), ("TYPE", i.kind.as_deref())]);
    out.leaf(4, "SEXE", i.sexe.as_deref());
    out.leaf(4, "CIVILITE", i.civilite.as_deref());
    out.leaf(4, "NOM_USAGE", Some(&i.nom_usage));
    out.leaf(4, "NOM_PATRONYMIQUE", i.nom_patronymique.as_deref());
    out.leaf(4, "PRENOM", i.prenom.as_deref());
    out.leaf(4, "DATE_NAISSANCE", i.date_naissance.as_deref());
    out.leaf(4, "GRADE", i.grade.as_deref());
    out.leaf(4, "FONCTION", i.fonction.as_deref());
    if !i.profs_principaux.is_empty() {
        out.open(4, "PROFS_PRINC", &[]);
        for pp in &i.profs_principaux {
            out.open(5, "PROF_PRINC", &[]);
            out.leaf(6, "CODE_STRUCTURE", Some(&pp.code_structure));
            out.leaf(6, "DATE_DEBUT", pp.date_debut.as_deref());
            out.leaf(6, "DATE_FIN", pp.date_fin.as_deref());
            out.close(5, "PROF_PRINC");
        }
        out.close(4, "PROFS_PRINC");
    }
    if !i.disciplines.is_empty() {
        out.open(4, "DISCIPLINES", &[]);
        for d in &i.disciplines {
            out.open(5, "DISCIPLINE", &[("CODE", Some(&d.code))]);
            out.leaf(6, "LIBELLE_COURT", d.libelle_court.as_deref());
            out.leaf(6, "NB_HEURES", d.nb_heures.as_deref());
            out.close(5, "DISCIPLINE");
        }
        out.close(4, "DISCIPLINES");
    }
    out.close(3, "INDIVIDU");
}

fn division(out: &mut Out, d: &Division) {
    out.open(4, "DIVISION", &[("CODE", Some(&d.code))]);
    out.leaf(5, "LIBELLE_LONG", d.libelle_long.as_deref());
    out.leaf(5, "EFFECTIF_PREVU", d.effectif_prevu.as_deref());
    refs(out, "MEFS_APPARTENANCE", "MEF_APPARTENANCE", &d.mefs);
    services(out, &d.services);
    out.close(4, "DIVISION");
}

fn groupe(out: &mut Out, g: &Groupe) {
    out.open(4, "GROUPE", &[("CODE", Some(&g.code))]);
    out.leaf(5, "LIBELLE_LONG", g.libelle_long.as_deref());
    out.leaf(5, "EFFECTIF_PREVU", g.effectif_prevu.as_deref());
    refs(out, "DIVISIONS_APPARTENANCE", "DIVISION_APPARTENANCE", &g.divisions);
    refs(out, "MEFS_APPARTENANCE", "MEF_APPARTENANCE", &g.mefs);
    services(out, &g.services);
    out.close(4, "GROUPE");
}

fn refs(out: &mut Out, wrapper: &str, item: &str, codes: &[String]) {
    if codes.is_empty() {
        return;
    }
    out.open(5, wrapper, &[]);
    for c in codes {
        out.empty(6, item, &[("CODE", Some(c))]);
    }
    out.close(5, wrapper);
}

fn services(out: &mut Out, services: &[Service]) {
    if services.is_empty() {
        return;
    }
    out.open(5, "SERVICES", &[]);
    for s in services {
        let attrs = [("CODE_MATIERE", Some(s.code_matiere.as_str())), ("CODE_MOD_COURS", s.code_mod_cours.as_deref())];
        if s.enseignants.is_empty() {
            out.empty(6, "SERVICE", &attrs);
            continue;
        }
        out.open(6, "SERVICE", &attrs);
        out.open(7, "ENSEIGNANTS", &[]);
        for e in &s.enseignants {
            out.empty(8, "ENSEIGNANT", &[("ID", Some(&e.id)), ("TYPE", e.kind.as_deref())]);
        }
        out.close(7, "ENSEIGNANTS");
        out.close(6, "SERVICE");
    }
    out.close(5, "SERVICES");
}
