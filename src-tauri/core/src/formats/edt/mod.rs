//! Index Education's timetable export "vers l'ENT" (EDT and Pronote,
//! formats.md §3.1–3.2): the clear `ExportEmploiDuTemps` document, read in
//! full, and the encrypted `EXPORT_INDEX_EDUCATION` container, of which Préau
//! reads only the clear header — the content is encrypted for the ENT's key.

mod clear;
mod container;
mod demo;
mod timetable;
mod write;

use serde::{Deserialize, Serialize};

use super::detect::Detected;
use super::source::{Ctl, Input};
use super::xml::{Attrs, Element, XmlEvent, XmlReader};
use super::{FormatError, Item, Parsed};
use compact_str::CompactString;

pub use container::{write_container, Container};
pub use demo::{demo_files, demo_records};
pub(crate) use demo::{digits, fold_upper};
pub(crate) use timetable::{weeks_domain, Calendar};
pub use write::{write, write_layout, Layout};

/// Every reason code this module emits, with its French explanation.
pub const REJECT_REASONS: &[(&str, &str)] = &[
    ("REQUIRED_MISSING", "valeur obligatoire absente (Ident, Nom, Jour…)"),
    ("DUPLICATE_IDENT", "identifiant (Ident) déjà utilisé par un autre élément du même type"),
    ("DATE_INVALID", "date invalide (aaaa-mm-jj attendu)"),
    ("SEX_INVALID", "sexe invalide (Masculin ou Feminin attendu)"),
    ("RESP_LEGAL_INVALID", "rang de responsable légal invalide (1 ou 2 attendu)"),
    ("NUMBER_INVALID", "jour ou numéro de place invalide (nombre entier attendu, jour de 1 à 7)"),
    ("WEEKS_INVALID", "semaines invalides (masque de semaines attendu : un nombre entier)"),
];

/// One element of the export, as the file gives it. Identifiers (`Ident`,
/// `IDPN`…) stay strings; dates are ISO `aaaa-mm-jj` as in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EdtRecord {
    SchoolYear(SchoolYear),
    TimeGrid(TimeGrid),
    Subject(Subject),
    Teacher(Teacher),
    Class(Class),
    Group(Group),
    Room(Room),
    Pupil(Pupil),
    Course(Course),
}

/// `AnneeScolaire`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolYear {
    /// `DateDebut`.
    pub start: Option<String>,
    /// `DateFin`.
    pub end: Option<String>,
    /// `DatePremierJourSemaine1`: week 1 of the `Semaines` masks starts that day.
    pub week1: Option<String>,
}

/// `GrilleHoraire`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeGrid {
    /// `NombrePlacesParJour`.
    pub places_per_day: Option<String>,
    /// `DureePlace`, in minutes.
    pub place_minutes: Option<String>,
    /// `JoursOuvres/Jour` (1 = first day of the week).
    pub days: Vec<String>,
    pub places: Vec<Place>,
}

/// `PlacesParJour/Place` (the first place of the day is number 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub number: String,
    /// `LibelleHeureDebut` (`08:00:00`).
    pub start: String,
    /// `LibelleHeureFin`.
    pub end: String,
}

/// `Matieres/Matiere`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub ident: String,
    pub code: String,
    pub label: String,
}

/// `Professeurs/Professeur`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Teacher {
    pub ident: String,
    pub last_name: String,
    pub first_name: String,
    pub postal_code: Option<String>,
    pub birth_date: Option<String>,
    /// `IDSTS`: STS-Web `INDIVIDU@ID`.
    pub id_sts: Option<String>,
    /// `IDPN` (also written `IdPN`): Pronote's unique id.
    pub id_pn: Option<String>,
    /// `IDCAS`: the ENT login known to EDT/Pronote.
    pub id_cas: Option<String>,
}

/// `Classes/Classe` with the idents of its `PartieDeClasse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Class {
    pub ident: String,
    pub name: String,
    pub parts: Vec<String>,
}

/// `Groupes/Groupe`: whole classes and class parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub ident: String,
    pub name: String,
    pub classes: Vec<String>,
    pub parts: Vec<String>,
}

/// `Salles/Salle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub ident: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Masculin,
    Feminin,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Masculin => "Masculin",
            Sex::Feminin => "Feminin",
        }
    }
}

/// `Eleves/Eleve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pupil {
    pub ident: String,
    pub last_name: String,
    pub first_name: String,
    pub birth_date: Option<String>,
    pub sex: Option<Sex>,
    pub postal_code: Option<String>,
    /// `NumeroNational`: SIECLE `ID_NATIONAL` (INE).
    pub national_id: Option<String>,
    /// `IDSconet`: SIECLE `ELEVE_ID`.
    pub id_sconet: Option<String>,
    pub id_pn: Option<String>,
    pub id_cas: Option<String>,
    /// `IDEtablissement`: SIECLE `ID_ELEVE_ETAB`.
    pub id_establishment: Option<String>,
    pub responsables: Vec<Responsable>,
    pub classes: Vec<Membership>,
    pub parts: Vec<Membership>,
}

/// `Eleve/Responsable` (at most two in the XSD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Responsable {
    pub ident: String,
    /// `RespLegal`: 1 or 2.
    pub legal_rank: Option<u8>,
    pub last_name: String,
    pub first_name: String,
    /// `Civilite`: `M.`, `Mme`, or the couple's `M,Mme`.
    pub civility: Option<String>,
    /// `Adresse1`…`Adresse4`, in order; a missing line in the middle is "".
    pub address: Vec<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub id_pn: Option<String>,
    pub id_cas: Option<String>,
}

/// `Eleve/Classe` or `Eleve/PartieDeClasse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub ident: String,
    /// `DateEntree`.
    pub from: Option<String>,
    /// `DateSortie`.
    pub to: Option<String>,
}

/// `Cours/Cours`: a weekly slot and who and what it involves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    /// `Jour`, 1 = the weekday of `DatePremierJourSemaine1`.
    pub day: u8,
    /// `NumeroPlaceDebut` (0-based).
    pub first_place: u16,
    /// `NombrePlaces`.
    pub places: u16,
    /// `Matiere@Ident`.
    pub subject: Option<String>,
    pub teachers: Vec<CourseRef>,
    pub classes: Vec<CourseRef>,
    pub parts: Vec<CourseRef>,
    pub groups: Vec<CourseRef>,
    pub rooms: Vec<CourseRef>,
}

/// A participant of a course and the weeks it takes part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseRef {
    pub ident: String,
    /// `Semaines`: decimal bit mask, bit n set ⇔ week n of the year.
    pub weeks: Option<String>,
}

/// Reads an EDT export, clear or encrypted (by its root element; detection
/// sets `detected.encrypted` for the latter). An encrypted container yields
/// its header, then `Err(FormatError::EncryptedEdt)`.
pub fn read(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    sink: &mut dyn FnMut(Item<EdtRecord>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    input.with_text(detected.entry, detected.encoding, ctl, |text| {
        let mut reader = XmlReader::new(input, text);
        let Some(root) = next_start(&mut reader)? else {
            return Err(FormatError::Empty { file: input.name() });
        };
        match root {
            (name, attrs) if local(&name) == "ExportEmploiDuTemps" => clear::read(&mut reader, &attrs, sink)?,
            (name, _) if local(&name) == "EXPORT_INDEX_EDUCATION" => return container::read(&mut reader, sink),
            _ => return Err(FormatError::MissingElement { file: input.name(), element: "ExportEmploiDuTemps".into() }),
        }
        // Anything after the root must still be well-formed.
        while reader.next_event()?.is_some() {}
        Ok(())
    })
}

/// Detects and reads `input` whole, without progress (tests, fuzzing).
pub fn read_all(input: &Input) -> Result<Parsed<EdtRecord>, FormatError> {
    super::read_all_as(input, |f| f == super::Format::Edt, "un export EDT / Pronote vers l'ENT", read)
}

/// The first start tag (the root), if any.
fn next_start(reader: &mut XmlReader<'_, '_>) -> Result<Option<(CompactString, Attrs)>, FormatError> {
    while let Some(ev) = reader.next_event()? {
        if let XmlEvent::Start { name, attrs } = ev {
            return Ok(Some((name, attrs)));
        }
    }
    Ok(None)
}

/// An element name without its namespace prefix (`ns1:Cours` → `Cours`).
pub(crate) fn local(name: &str) -> &str {
    // A byte scan: names are short, and this runs for every attribute lookup.
    match name.bytes().rposition(|b| b == b':') {
        Some(i) => name.get(i + 1..).unwrap_or(name),
        None => name,
    }
}

/// Reads the element just started, with prefixes dropped from every name.
pub(crate) fn element(
    reader: &mut XmlReader<'_, '_>,
    name: CompactString,
    attrs: Attrs,
) -> Result<Element, FormatError> {
    fn strip(e: &mut Element) {
        if e.name.contains(':') {
            e.name = local(&e.name).into();
        }
        e.children.iter_mut().for_each(strip);
    }
    let mut e = reader.read_element(name, attrs)?;
    strip(&mut e);
    Ok(e)
}

/// An attribute by name, ignoring ASCII case (Pronote writes `IdPN` where
/// the XSD says `IDPN`); trimmed, `None` when absent or blank.
pub(crate) fn attr(attrs: &[(CompactString, CompactString)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(k, _)| {
            // `name` or `prefix:name`, without scanning the key for its prefix.
            let (k, n) = (k.as_bytes(), name.as_bytes());
            k.len() >= n.len()
                && k[k.len() - n.len()..].eq_ignore_ascii_case(n)
                && (k.len() == n.len() || k[k.len() - n.len() - 1] == b':')
        })
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}
