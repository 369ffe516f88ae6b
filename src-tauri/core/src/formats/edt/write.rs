//! Writing a clear `ExportEmploiDuTemps` the way Index Education's sample
//! looks: UTF-8, the namespace and schema location, sections in XSD order,
//! the sample's indentation (two spaces per level, tabs of four), and each
//! `Semaines` followed by its `<!--Domaine : [...]-->` comment.

use super::{weeks_domain, Course, CourseRef, EdtRecord, Membership, Pupil, Responsable, Teacher};
use crate::formats::xml::escape;
use crate::formats::FileHeader;

const NS: &str = "http://www.index-education.com/exportemploidutemps";

/// The two shapes real exports come in. The content is the same; the
/// 2012 exports spell Pronote's id `IdPN` and indent with tabs of four
/// (`  `, `\t`, `\t  `, `\t\t`…), the 2013 ones write `IDPN` as the XSD
/// does and indent with two spaces per level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Edt2012,
    Edt2013,
}

impl Layout {
    fn pad(self, depth: usize) -> String {
        match self {
            Layout::Edt2012 => {
                let mut s = "\t".repeat(depth / 2);
                if depth % 2 == 1 {
                    s.push_str("  ");
                }
                s
            }
            Layout::Edt2013 => "  ".repeat(depth),
        }
    }

    fn id_pn(self) -> &'static str {
        match self {
            Layout::Edt2012 => "IdPN",
            Layout::Edt2013 => "IDPN",
        }
    }
}

/// The text so far, the layout, and how it spells Pronote's id.
struct Out(String, Layout, &'static str);

impl Out {
    fn line(&mut self, depth: usize, text: &str) {
        self.0.push_str(&self.1.pad(depth));
        self.0.push_str(text);
        self.0.push('\n');
    }
}

/// ` Name="value"` for each present attribute, in order.
fn attrs(pairs: &[(&str, Option<&str>)]) -> String {
    let mut s = String::new();
    for (name, value) in pairs {
        if let Some(v) = value {
            s.push_str(&format!(" {name}=\"{}\"", escape(v)));
        }
    }
    s
}

/// The document for `records`, grouped into sections in XSD order (records
/// of one kind keep their order). `header` gives `UAI` and `Version`. The
/// XSD's `IDPN` with the 2012 indentation, as Index Education's sample.
pub fn write(header: &FileHeader, records: &[EdtRecord]) -> Vec<u8> {
    write_as(header, records, Layout::Edt2012, "IDPN")
}

/// The document in one of the real exports' layouts.
pub fn write_layout(header: &FileHeader, records: &[EdtRecord], layout: Layout) -> Vec<u8> {
    write_as(header, records, layout, layout.id_pn())
}

fn write_as(header: &FileHeader, records: &[EdtRecord], layout: Layout, id_pn: &'static str) -> Vec<u8> {
    let mut o = Out(String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"), layout, id_pn);
    o.0.push_str(&format!(
        "<ExportEmploiDuTemps xmlns=\"{NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"{NS} http://telechargement.index-education.com/export/ExportEmploiDuTemps.xsd\"{}>\n",
        attrs(&[
            ("Version", Some(header.version.as_deref().unwrap_or("1.1"))),
            ("UAI", Some(header.uai.as_deref().unwrap_or(""))),
        ])
    ));
    if let Some(y) = records.iter().find_map(|r| if let EdtRecord::SchoolYear(y) = r { Some(y) } else { None }) {
        let a = attrs(&[
            ("DateDebut", y.start.as_deref()),
            ("DateFin", y.end.as_deref()),
            ("DatePremierJourSemaine1", y.week1.as_deref()),
        ]);
        o.line(1, &format!("<AnneeScolaire{a}/>"));
    }
    if let Some(g) = records.iter().find_map(|r| if let EdtRecord::TimeGrid(g) = r { Some(g) } else { None }) {
        let a =
            attrs(&[("NombrePlacesParJour", g.places_per_day.as_deref()), ("DureePlace", g.place_minutes.as_deref())]);
        o.line(1, &format!("<GrilleHoraire{a}>"));
        o.line(2, "<JoursOuvres>");
        for d in &g.days {
            o.line(3, &format!("<Jour>{}</Jour>", escape(d)));
        }
        o.line(2, "</JoursOuvres>");
        o.line(2, "<PlacesParJour>");
        for p in &g.places {
            let a = attrs(&[
                ("Numero", Some(&p.number)),
                ("LibelleHeureDebut", Some(&p.start)),
                ("LibelleHeureFin", Some(&p.end)),
            ]);
            o.line(3, &format!("<Place{a}/>"));
        }
        o.line(2, "</PlacesParJour>");
        o.line(1, "</GrilleHoraire>");
    }
    section(&mut o, "Matieres", records, |o, r| match r {
        EdtRecord::Subject(s) => {
            let a = attrs(&[("Ident", Some(&s.ident)), ("Code", Some(&s.code)), ("Libelle", Some(&s.label))]);
            o.line(2, &format!("<Matiere{a}/>"));
            true
        }
        _ => false,
    });
    section(&mut o, "Professeurs", records, |o, r| match r {
        EdtRecord::Teacher(t) => {
            teacher(o, t);
            true
        }
        _ => false,
    });
    section(&mut o, "Classes", records, |o, r| match r {
        EdtRecord::Class(c) => {
            let a = attrs(&[("Ident", Some(&c.ident)), ("Nom", Some(&c.name))]);
            idents(o, &format!("<Classe{a}"), "</Classe>", &[("PartieDeClasse", &c.parts)]);
            true
        }
        _ => false,
    });
    section(&mut o, "Groupes", records, |o, r| match r {
        EdtRecord::Group(g) => {
            let a = attrs(&[("Ident", Some(&g.ident)), ("Nom", Some(&g.name))]);
            idents(o, &format!("<Groupe{a}"), "</Groupe>", &[("Classe", &g.classes), ("PartieDeClasse", &g.parts)]);
            true
        }
        _ => false,
    });
    section(&mut o, "Salles", records, |o, r| match r {
        EdtRecord::Room(s) => {
            o.line(2, &format!("<Salle{}/>", attrs(&[("Ident", Some(&s.ident)), ("Nom", Some(&s.name))])));
            true
        }
        _ => false,
    });
    section(&mut o, "Eleves", records, |o, r| match r {
        EdtRecord::Pupil(p) => {
            pupil(o, p);
            true
        }
        _ => false,
    });
    section(&mut o, "Cours", records, |o, r| match r {
        EdtRecord::Course(c) => {
            course(o, c);
            true
        }
        _ => false,
    });
    o.0.push_str("</ExportEmploiDuTemps>\n");
    o.0.into_bytes()
}

/// A section element with the records `item` writes (it says which it took).
fn section(o: &mut Out, name: &str, records: &[EdtRecord], mut item: impl FnMut(&mut Out, &EdtRecord) -> bool) {
    let mark = o.0.len();
    o.line(1, &format!("<{name}>"));
    let mut any = false;
    for r in records {
        any |= item(o, r);
    }
    if any {
        o.line(1, &format!("</{name}>"));
    } else {
        o.0.truncate(mark);
        o.line(1, &format!("<{name}/>"));
    }
}

/// An element holding only `<Child Ident="…"/>` children.
fn idents(o: &mut Out, open: &str, close: &str, children: &[(&str, &Vec<String>)]) {
    if children.iter().all(|(_, ids)| ids.is_empty()) {
        o.line(2, &format!("{open}/>"));
        return;
    }
    o.line(2, &format!("{open}>"));
    for (name, ids) in children {
        for id in ids.iter() {
            o.line(3, &format!("<{name} Ident=\"{}\"/>", escape(id)));
        }
    }
    o.line(2, close);
}

fn teacher(o: &mut Out, t: &Teacher) {
    let a = attrs(&[
        ("Ident", Some(&t.ident)),
        ("Nom", Some(&t.last_name)),
        ("Prenom", Some(&t.first_name)),
        ("CodePostal", t.postal_code.as_deref()),
        ("DateNaissance", t.birth_date.as_deref()),
        ("IDSTS", t.id_sts.as_deref()),
        (o.2, t.id_pn.as_deref()),
        ("IDCAS", t.id_cas.as_deref()),
    ]);
    o.line(2, &format!("<Professeur{a}/>"));
}

fn pupil(o: &mut Out, p: &Pupil) {
    let a = attrs(&[
        ("Ident", Some(&p.ident)),
        ("Nom", Some(&p.last_name)),
        ("Prenom", Some(&p.first_name)),
        // Required by the XSD; Pronote writes it empty when unknown.
        ("DateNaissance", Some(p.birth_date.as_deref().unwrap_or(""))),
        ("Sexe", p.sex.map(|s| s.as_str())),
        ("CodePostal", p.postal_code.as_deref()),
        ("NumeroNational", p.national_id.as_deref()),
        ("IDSconet", p.id_sconet.as_deref()),
        (o.2, p.id_pn.as_deref()),
        ("IDCAS", p.id_cas.as_deref()),
        ("IDEtablissement", p.id_establishment.as_deref()),
    ]);
    if p.responsables.is_empty() && p.classes.is_empty() && p.parts.is_empty() {
        o.line(2, &format!("<Eleve{a}/>"));
        return;
    }
    o.line(2, &format!("<Eleve{a}>"));
    for r in &p.responsables {
        responsable(o, r);
    }
    for (name, list) in [("Classe", &p.classes), ("PartieDeClasse", &p.parts)] {
        for m in list {
            membership(o, name, m);
        }
    }
    o.line(2, "</Eleve>");
}

fn responsable(o: &mut Out, r: &Responsable) {
    let rank = r.legal_rank.map(|n| n.to_string());
    let line = |i: usize| r.address.get(i).map(String::as_str).filter(|l| i == 0 || !l.is_empty());
    let a = attrs(&[
        ("Ident", Some(&r.ident)),
        ("RespLegal", rank.as_deref()),
        ("Nom", Some(&r.last_name)),
        ("Prenom", Some(&r.first_name)),
        ("Civilite", r.civility.as_deref()),
        ("Adresse1", Some(line(0).unwrap_or(""))),
        ("Adresse2", line(1)),
        ("Adresse3", line(2)),
        ("Adresse4", line(3)),
        ("CodePostal", r.postal_code.as_deref()),
        ("Ville", r.city.as_deref()),
        (o.2, r.id_pn.as_deref()),
        ("IDCAS", r.id_cas.as_deref()),
    ]);
    o.line(3, &format!("<Responsable{a}/>"));
}

fn membership(o: &mut Out, name: &str, m: &Membership) {
    let a = attrs(&[("Ident", Some(&m.ident)), ("DateEntree", m.from.as_deref()), ("DateSortie", m.to.as_deref())]);
    o.line(3, &format!("<{name}{a}/>"));
}

fn course(o: &mut Out, c: &Course) {
    let a = format!(" Jour=\"{}\" NumeroPlaceDebut=\"{}\" NombrePlaces=\"{}\"", c.day, c.first_place, c.places);
    o.line(2, &format!("<Cours{a}>"));
    if let Some(s) = &c.subject {
        o.line(3, &format!("<Matiere Ident=\"{}\"/>", escape(s)));
    }
    for (name, list) in [
        ("Professeur", &c.teachers),
        ("Classe", &c.classes),
        ("PartieDeClasse", &c.parts),
        ("Groupe", &c.groups),
        ("Salle", &c.rooms),
    ] {
        for r in list {
            course_ref(o, name, r);
        }
    }
    o.line(2, "</Cours>");
}

fn course_ref(o: &mut Out, name: &str, r: &CourseRef) {
    let a = attrs(&[("Ident", Some(&r.ident)), ("Semaines", r.weeks.as_deref())]);
    match r.weeks.as_deref().and_then(weeks_domain) {
        Some(domain) => {
            o.line(3, &format!("<{name}{a}>"));
            o.line(4, &format!("<!--Domaine : {domain}-->"));
            o.line(3, &format!("</{name}>"));
        }
        None => o.line(3, &format!("<{name}{a}/>")),
    }
}
