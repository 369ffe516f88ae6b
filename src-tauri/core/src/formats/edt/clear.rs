//! The clear `ExportEmploiDuTemps` document, streamed section by section:
//! each item element (`Professeur`, `Eleve`, `Cours`…) is read as a small
//! tree, checked, and handed on.

use std::collections::HashSet;

use super::{
    attr, element, local, Class, Course, CourseRef, EdtRecord, Group, Membership, Place, Pupil, Responsable, Room,
    SchoolYear, Sex, Subject, Teacher, TimeGrid,
};
use crate::formats::xml::{Element, XmlEvent, XmlReader};
use crate::formats::{date_iso, FileHeader, FormatError, Item, Reject};
use compact_str::CompactString;

type Sink<'s> = &'s mut dyn FnMut(Item<EdtRecord>) -> Result<(), FormatError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Section {
    Subjects,
    Teachers,
    Classes,
    Groups,
    Rooms,
    Pupils,
    Courses,
}

impl Section {
    fn parse(name: &str) -> Option<Section> {
        Some(match name {
            "Matieres" => Section::Subjects,
            "Professeurs" => Section::Teachers,
            "Classes" => Section::Classes,
            "Groupes" => Section::Groups,
            "Salles" => Section::Rooms,
            "Eleves" => Section::Pupils,
            "Cours" => Section::Courses,
            _ => return None,
        })
    }

    fn item(self) -> &'static str {
        match self {
            Section::Subjects => "Matiere",
            Section::Teachers => "Professeur",
            Section::Classes => "Classe",
            Section::Groups => "Groupe",
            Section::Rooms => "Salle",
            Section::Pupils => "Eleve",
            Section::Courses => "Cours",
        }
    }
}

struct State {
    header: Option<FileHeader>,
    header_sent: bool,
    section: Option<Section>,
    seen: HashSet<(Section, String)>,
    file: String,
}

pub(super) fn read(
    reader: &mut XmlReader<'_, '_>,
    root: &[(CompactString, CompactString)],
    sink: Sink<'_>,
) -> Result<(), FormatError> {
    let mut st = State {
        header: Some(FileHeader { uai: attr(root, "UAI"), version: attr(root, "Version"), ..FileHeader::default() }),
        header_sent: false,
        section: None,
        seen: HashSet::new(),
        file: reader.file().to_string(),
    };
    while let Some(ev) = reader.next_event()? {
        match ev {
            XmlEvent::Start { name, attrs } => {
                let depth = reader.depth();
                let location = reader.location();
                let tag = local(&name).to_string();
                if depth == 2 {
                    match tag.as_str() {
                        "AnneeScolaire" => {
                            let e = element(reader, name, attrs)?;
                            st.school_year(&e, &location, sink)?;
                        }
                        "GrilleHoraire" => {
                            st.require_header()?;
                            let e = element(reader, name, attrs)?;
                            sink(Item::Record(EdtRecord::TimeGrid(time_grid(&e)), location))?;
                        }
                        other => match Section::parse(other) {
                            Some(section) => {
                                st.require_header()?;
                                st.section = Some(section);
                            }
                            None => reader.skip()?,
                        },
                    }
                } else if depth == 3 && st.section.is_some_and(|s| s.item() == tag) {
                    let e = element(reader, name, attrs)?;
                    if let Some(section) = st.section {
                        st.item(section, &e, location, sink)?;
                    }
                } else {
                    reader.skip()?;
                }
            }
            XmlEvent::End => match reader.depth() {
                0 => break,
                1 => st.section = None,
                _ => {}
            },
            XmlEvent::Text(_) => {}
        }
    }
    st.require_header()
}

impl State {
    /// The header goes out with `AnneeScolaire`, which the XSD puts first:
    /// without it the school year, and the meaning of `Semaines`, is unknown.
    fn require_header(&self) -> Result<(), FormatError> {
        if self.header_sent {
            return Ok(());
        }
        Err(FormatError::MissingElement {
            file: self.file.clone(),
            element: "ExportEmploiDuTemps/AnneeScolaire".into(),
        })
    }

    fn school_year(&mut self, e: &Element, location: &str, sink: Sink<'_>) -> Result<(), FormatError> {
        let mut rejects = Vec::new();
        let year = SchoolYear {
            start: date(e, "DateDebut", location, &mut rejects),
            end: date(e, "DateFin", location, &mut rejects),
            week1: date(e, "DatePremierJourSemaine1", location, &mut rejects),
        };
        if let Some(mut header) = self.header.take() {
            header.school_year = year.start.as_deref().and_then(first_year);
            sink(Item::Header(header))?;
            self.header_sent = true;
        }
        for r in rejects {
            sink(Item::Reject(r))?;
        }
        sink(Item::Record(EdtRecord::SchoolYear(year), location.to_string()))
    }

    fn item(&mut self, section: Section, e: &Element, location: String, sink: Sink<'_>) -> Result<(), FormatError> {
        let location = match attr(&e.attrs, "Ident") {
            Some(id) => format!("{location}[Ident={id}]"),
            None => location,
        };
        let mut rejects = Vec::new();
        let record = match section {
            Section::Subjects => subject(e, &location, &mut rejects).map(EdtRecord::Subject),
            Section::Teachers => teacher(e, &location, &mut rejects).map(EdtRecord::Teacher),
            Section::Classes => class(e, &location, &mut rejects).map(EdtRecord::Class),
            Section::Groups => group(e, &location, &mut rejects).map(EdtRecord::Group),
            Section::Rooms => room(e, &location, &mut rejects).map(EdtRecord::Room),
            Section::Pupils => pupil(e, &location, &mut rejects).map(EdtRecord::Pupil),
            Section::Courses => course(e, &location, &mut rejects).map(EdtRecord::Course),
        };
        // A second element with the same Ident would be ambiguous: the first wins.
        let record = record.filter(|r| match ident_of(r) {
            Some(id) if !self.seen.insert((section, id.to_string())) => {
                rejects.push(Reject::new(location.as_str(), "Ident", id, "DUPLICATE_IDENT"));
                false
            }
            _ => true,
        });
        for r in rejects {
            sink(Item::Reject(r))?;
        }
        match record {
            Some(r) => sink(Item::Record(r, location)),
            None => Ok(()),
        }
    }
}

fn ident_of(r: &EdtRecord) -> Option<&str> {
    Some(match r {
        EdtRecord::Subject(x) => &x.ident,
        EdtRecord::Teacher(x) => &x.ident,
        EdtRecord::Class(x) => &x.ident,
        EdtRecord::Group(x) => &x.ident,
        EdtRecord::Room(x) => &x.ident,
        EdtRecord::Pupil(x) => &x.ident,
        _ => return None,
    })
}

/// 2026 for a year starting in September 2026 (or in January 2027).
fn first_year(iso: &str) -> Option<i32> {
    let year: i32 = iso.get(..4)?.parse().ok()?;
    let month: u32 = iso.get(5..7)?.parse().ok()?;
    Some(if month >= 7 { year } else { year - 1 })
}

fn opt(e: &Element, name: &str) -> Option<String> {
    attr(&e.attrs, name)
}

/// A required attribute; its absence rejects the record.
fn required(e: &Element, name: &str, location: &str, rejects: &mut Vec<Reject>) -> Option<String> {
    let value = opt(e, name);
    if value.is_none() {
        rejects.push(Reject::new(location, &format!("{}@{name}", e.name), "", "REQUIRED_MISSING"));
    }
    value
}

/// An `xs:date` (a time-zone suffix is tolerated); blank is `None`, an
/// invalid date is rejected and the field left blank.
fn date(e: &Element, name: &str, location: &str, rejects: &mut Vec<Reject>) -> Option<String> {
    let raw = opt(e, name)?;
    let zone_ok = raw.get(10..).is_some_and(|z| z.is_empty() || z.starts_with(['+', '-', 'Z']));
    let day = raw.get(..10).filter(|_| zone_ok);
    let iso = day.and_then(date_iso);
    if iso.is_none() {
        rejects.push(Reject::new(location, &format!("{}@{name}", e.name), &raw, "DATE_INVALID"));
    }
    iso
}

fn time_grid(e: &Element) -> TimeGrid {
    let days = e
        .child("JoursOuvres")
        .map(|j| j.children("Jour").map(|d| d.text.trim().to_string()).filter(|d| !d.is_empty()).collect())
        .unwrap_or_default();
    let places = e
        .child("PlacesParJour")
        .map(|p| {
            p.children("Place")
                .map(|pl| Place {
                    number: opt(pl, "Numero").unwrap_or_default(),
                    start: opt(pl, "LibelleHeureDebut").unwrap_or_default(),
                    end: opt(pl, "LibelleHeureFin").unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    TimeGrid { places_per_day: opt(e, "NombrePlacesParJour"), place_minutes: opt(e, "DureePlace"), days, places }
}

fn subject(e: &Element, loc: &str, rj: &mut Vec<Reject>) -> Option<Subject> {
    let ident = required(e, "Ident", loc, rj)?;
    let code = opt(e, "Code").unwrap_or_default();
    let label = opt(e, "Libelle").unwrap_or_default();
    Some(Subject { ident, code, label })
}

fn teacher(e: &Element, loc: &str, rj: &mut Vec<Reject>) -> Option<Teacher> {
    let ident = required(e, "Ident", loc, rj)?;
    let last_name = required(e, "Nom", loc, rj)?;
    Some(Teacher {
        ident,
        last_name,
        first_name: opt(e, "Prenom").unwrap_or_default(),
        postal_code: opt(e, "CodePostal"),
        birth_date: date(e, "DateNaissance", loc, rj),
        id_sts: opt(e, "IDSTS"),
        id_pn: opt(e, "IDPN"),
        id_cas: opt(e, "IDCAS"),
    })
}

/// Idents of the `name` children; one without an Ident is rejected alone.
fn refs(e: &Element, name: &str, loc: &str, rj: &mut Vec<Reject>) -> Vec<String> {
    e.children(name).filter_map(|c| required(c, "Ident", loc, rj)).collect()
}

fn class(e: &Element, loc: &str, rj: &mut Vec<Reject>) -> Option<Class> {
    let ident = required(e, "Ident", loc, rj)?;
    let name = required(e, "Nom", loc, rj)?;
    Some(Class { ident, name, parts: refs(e, "PartieDeClasse", loc, rj) })
}

fn group(e: &Element, loc: &str, rj: &mut Vec<Reject>) -> Option<Group> {
    let ident = required(e, "Ident", loc, rj)?;
    let name = required(e, "Nom", loc, rj)?;
    Some(Group { ident, name, classes: refs(e, "Classe", loc, rj), parts: refs(e, "PartieDeClasse", loc, rj) })
}

fn room(e: &Element, loc: &str, rj: &mut Vec<Reject>) -> Option<Room> {
    let ident = required(e, "Ident", loc, rj)?;
    let name = required(e, "Nom", loc, rj)?;
    Some(Room { ident, name })
}

fn pupil(e: &Element, loc: &str, rj: &mut Vec<Reject>) -> Option<Pupil> {
    let ident = required(e, "Ident", loc, rj)?;
    let last_name = required(e, "Nom", loc, rj)?;
    // Kept with the sex blank: the rest of the pupil is still good.
    let sex = opt(e, "Sexe").and_then(|s| match s.to_lowercase().as_str() {
        "masculin" => Some(Sex::Masculin),
        "feminin" | "féminin" => Some(Sex::Feminin),
        _ => {
            rj.push(Reject::new(loc, "Eleve@Sexe", &s, "SEX_INVALID"));
            None
        }
    });
    let memberships = |name: &str, rj: &mut Vec<Reject>| -> Vec<Membership> {
        e.children(name)
            .filter_map(|m| {
                let ident = required(m, "Ident", loc, rj)?;
                Some(Membership { ident, from: date(m, "DateEntree", loc, rj), to: date(m, "DateSortie", loc, rj) })
            })
            .collect()
    };
    let classes = memberships("Classe", rj);
    let parts = memberships("PartieDeClasse", rj);
    Some(Pupil {
        ident,
        last_name,
        first_name: opt(e, "Prenom").unwrap_or_default(),
        birth_date: date(e, "DateNaissance", loc, rj),
        sex,
        postal_code: opt(e, "CodePostal"),
        national_id: opt(e, "NumeroNational"),
        id_sconet: opt(e, "IDSconet"),
        id_pn: opt(e, "IDPN"),
        id_cas: opt(e, "IDCAS"),
        id_establishment: opt(e, "IDEtablissement"),
        responsables: e.children("Responsable").filter_map(|r| responsable(r, loc, rj)).collect(),
        classes,
        parts,
    })
}

fn responsable(e: &Element, loc: &str, rj: &mut Vec<Reject>) -> Option<Responsable> {
    let ident = required(e, "Ident", loc, rj)?;
    let legal_rank = opt(e, "RespLegal").and_then(|r| match r.as_str() {
        "1" => Some(1),
        "2" => Some(2),
        _ => {
            rj.push(Reject::new(loc, "Responsable@RespLegal", &r, "RESP_LEGAL_INVALID"));
            None
        }
    });
    let mut address: Vec<String> =
        ["Adresse1", "Adresse2", "Adresse3", "Adresse4"].iter().map(|a| opt(e, a).unwrap_or_default()).collect();
    while address.last().is_some_and(String::is_empty) {
        address.pop();
    }
    Some(Responsable {
        ident,
        legal_rank,
        last_name: opt(e, "Nom").unwrap_or_default(),
        first_name: opt(e, "Prenom").unwrap_or_default(),
        civility: opt(e, "Civilite"),
        address,
        postal_code: opt(e, "CodePostal"),
        city: opt(e, "Ville"),
        id_pn: opt(e, "IDPN"),
        id_cas: opt(e, "IDCAS"),
    })
}

/// A required small number within `range`; else the course is rejected.
fn number<T: std::str::FromStr + PartialOrd>(
    e: &Element,
    name: &str,
    range: std::ops::RangeInclusive<T>,
    loc: &str,
    rj: &mut Vec<Reject>,
) -> Option<T> {
    let raw = required(e, name, loc, rj)?;
    let value = raw.parse::<T>().ok().filter(|v| range.contains(v));
    if value.is_none() {
        rj.push(Reject::new(loc, &format!("Cours@{name}"), &raw, "NUMBER_INVALID"));
    }
    value
}

fn course(e: &Element, loc: &str, rj: &mut Vec<Reject>) -> Option<Course> {
    // Evaluate all three so that every bad field is reported.
    let day = number(e, "Jour", 1u8..=7, loc, rj);
    let first_place = number(e, "NumeroPlaceDebut", 0u16..=u16::MAX, loc, rj);
    let places = number(e, "NombrePlaces", 0u16..=u16::MAX, loc, rj);
    let course_refs = |name: &str, rj: &mut Vec<Reject>| -> Vec<CourseRef> {
        e.children(name)
            .filter_map(|c| {
                let ident = required(c, "Ident", loc, rj)?;
                // Kept without weeks: who takes part is still known.
                let weeks = opt(c, "Semaines").filter(|w| {
                    let ok = w.bytes().all(|b| b.is_ascii_digit()) && w.parse::<u64>().is_ok();
                    if !ok {
                        rj.push(Reject::new(loc, &format!("{name}@Semaines"), w, "WEEKS_INVALID"));
                    }
                    ok
                });
                Some(CourseRef { ident, weeks })
            })
            .collect()
    };
    let teachers = course_refs("Professeur", rj);
    let classes = course_refs("Classe", rj);
    let parts = course_refs("PartieDeClasse", rj);
    let groups = course_refs("Groupe", rj);
    let rooms = course_refs("Salle", rj);
    Some(Course {
        day: day?,
        first_place: first_place?,
        places: places?,
        subject: e.child("Matiere").and_then(|m| opt(m, "Ident")),
        teachers,
        classes,
        parts,
        groups,
        rooms,
    })
}
