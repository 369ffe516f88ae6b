//! UDT ("Emploi du temps UDT"), a ZIP of `UDCal_NN.xml` files plus
//! `semaines.xml` (formats.md §3.3). No vendor specification was found
//! [NF]: element and attribute names (`prof@code`, `eleve@naissance`,
//! `ele_gpe@ele`…) come from the Open ENT NG importer, which matches row
//! elements wherever they sit. The root element of each file is not known;
//! Préau writes the file's stem (`<UDCal_04>`, `<semaines>`), detects UDT
//! by such roots (`UDCal…`, `semaines`), and reads rows at any depth.

mod demo;
mod write;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::detect::Detected;
use super::edt::{attr, element, local};
use super::source::{xml_encoding, Ctl, Input};
use super::xml::{Element, XmlEvent, XmlReader};
use super::{date_fr_to_iso, FileHeader, FormatError, Item, Parsed, Reject};
use crate::model::Uai;

pub use demo::{demo_files, demo_records};
pub use write::write;

/// Every reason code this module emits, with its French explanation.
pub const REJECT_REASONS: &[(&str, &str)] = &[
    ("REQUIRED_MISSING", "valeur obligatoire absente (code, ele…)"),
    ("DUPLICATE_CODE", "code déjà utilisé par un autre élément du même type"),
    ("DATE_INVALID", "date invalide (jj/mm/aaaa attendu)"),
];

/// Whether an XML root element belongs to a UDT file: `UDCal_NN`,
/// `UDCal_NN_WW` (any case), `semaines`, or a plain `UDT` wrapper — the
/// real roots are unverified, so every plausible one is taken.
pub fn is_udt_root(root: &str) -> bool {
    let lower = root.to_ascii_lowercase();
    lower == "semaines" || lower == "udt" || lower.starts_with("udcal")
}

/// One row of a UDT file. Codes stay strings; dates become ISO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UdtRecord {
    /// Text elements `annee`, `debut_eleve`, `fin_eleve` (dates made ISO).
    Setting { name: String, value: String },
    /// `init`: `premiere_semaine_ISO`, `duree_seq` (minutes).
    Init { first_iso_week: Option<String>, sequence_minutes: Option<String> },
    /// `semaines/semaine@num`: ISO week numbers of the school year.
    Weeks { numbers: Vec<String> },
    /// `fermeture`: `debut`, `fin`.
    Closure { start: Option<String>, end: Option<String> },
    /// `demi_seq`.
    Slot(Slot),
    /// `salle`.
    Room { code: String, name: String },
    /// `prof`.
    Teacher(Teacher),
    /// `mat`: `code`, `libelle`, `code_sts`.
    Subject { code: String, label: String, code_sts: Option<String> },
    /// `div`.
    Division(Division),
    /// `eleve`.
    Pupil(Pupil),
    /// `gpe`: a group within a division (the ENT names it `{div} Gr {code}`).
    Group(Group),
    /// `rgpmt`: a named gathering of a division's group or of a division.
    Regroupement(Regroupement),
    /// `ele_gpe`: a pupil in a division, or in one of its groups.
    Membership(Membership),
    /// `fiche`.
    Fiche(Fiche),
    /// `ligfiche` (in `UDCal_12.xml` or the week file `UDCal_12_WW.xml`).
    FicheLine(FicheLine),
    /// `coens`: a co-teacher of a fiche line.
    CoTeaching { fiche_line: Option<String>, teacher: Option<String>, epj: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// `code_jour`.
    pub day: Option<String>,
    pub code: Option<String>,
    /// `code_site`.
    pub site: Option<String>,
    /// `hre_deb`.
    pub start: Option<String>,
    /// `hre_fin`.
    pub end: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Teacher {
    pub code: String,
    pub last_name: String,
    pub first_name: String,
    pub civility: Option<String>,
    /// `date_naissance`.
    pub birth_date: Option<String>,
    /// `epj`: what the ENT uses as the teacher's external id.
    pub epj: Option<String>,
    /// `mail`.
    pub email: Option<String>,
    /// `code_matppl`: main subject; staff who teach nothing have none.
    pub main_subject: Option<String>,
    pub id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Division {
    pub code: String,
    pub name: Option<String>,
    pub code_gep: Option<String>,
    pub code_sts: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pupil {
    pub code: String,
    pub last_name: String,
    pub first_name: String,
    /// `naissance`.
    pub birth_date: Option<String>,
    /// `code_div`, when the row gives it.
    pub division: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub code: String,
    /// `code_div`.
    pub division: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub code_sts: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regroupement {
    pub code: Option<String>,
    pub id: Option<String>,
    pub name: Option<String>,
    /// `code_div`.
    pub division: Option<String>,
    /// `code_gpe`.
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// `ele`: the pupil's code.
    pub pupil: String,
    /// `code_div`.
    pub division: Option<String>,
    /// `gpe`: the group's code within the division.
    pub group: Option<String>,
    /// `theorique` ("0" rows are ignored by the ENT).
    pub theoretical: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fiche {
    pub code: Option<String>,
    /// `jour`.
    pub day: Option<String>,
    /// `demi_seq`.
    pub slot: Option<String>,
    pub site: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FicheLine {
    pub code: Option<String>,
    /// `fic`.
    pub fiche: Option<String>,
    /// `div`, `mat`, `prof`, `salle`, `gpe`, `rgpmt`, `idgpe`.
    pub division: Option<String>,
    pub subject: Option<String>,
    pub teacher: Option<String>,
    pub room: Option<String>,
    pub group: Option<String>,
    pub regroupement: Option<String>,
    pub group_id: Option<String>,
    /// The week of a `UDCal_12_WW.xml` file.
    pub week: Option<String>,
}

/// Where a file comes in reading order: calendar and parameters first, as
/// the ENT's importer reads them, then structures, then the timetable.
pub(crate) fn file_rank(name: &str) -> (usize, String) {
    const ORDER: &[&str] = &[
        "udcal_24", "udcal_00", "semaines", "udcal_03", "udcal_04", "udcal_05", "udcal_07", "udcal_08", "udcal_10",
        "udcal_19", "udcal_13", "udcal_21", "udcal_23", "udcal_11", "udcal_12",
    ];
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).to_ascii_lowercase();
    let stem = base.strip_suffix(".xml").unwrap_or(&base).to_string();
    let rank = ORDER.iter().position(|o| *o == stem).unwrap_or_else(|| {
        if stem.starts_with("udcal_12_") {
            ORDER.len()
        } else if stem.starts_with("udcal_23_") {
            ORDER.len() + 1
        } else {
            ORDER.len() + 2
        }
    });
    (rank, stem)
}

/// The week number of a `UDCal_12_WW.xml` file.
fn week_of(name: &str) -> Option<String> {
    let (_, stem) = file_rank(name);
    stem.strip_prefix("udcal_12_").filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())).map(String::from)
}

/// The UAI in the archive's name (`UDT_0999001W.zip`), as the ENT's own
/// importer finds it: the files carry none that is known.
fn uai_in_name(name: &str) -> Option<String> {
    let b = name.as_bytes();
    (0..b.len().saturating_sub(7)).find_map(|i| {
        let w = b.get(i..i + 8)?;
        let shape = w.iter().take(7).all(u8::is_ascii_digit) && w.get(7).is_some_and(u8::is_ascii_alphabetic);
        let text = std::str::from_utf8(w).ok()?;
        shape.then(|| Uai::parse(text).ok()).flatten().map(|u| u.to_string())
    })
}

/// Items held back until the header, which needs `annee` from the calendar
/// files read first.
struct Out<'s> {
    sink: &'s mut dyn FnMut(Item<UdtRecord>) -> Result<(), FormatError>,
    header: Option<FileHeader>,
    held: Vec<Item<UdtRecord>>,
}

impl Out<'_> {
    fn push(&mut self, item: Item<UdtRecord>) -> Result<(), FormatError> {
        let Some(header) = self.header.as_mut() else { return (self.sink)(item) };
        if let Item::Record(UdtRecord::Setting { name, value }, _) = &item {
            if name == "annee" && header.school_year.is_none() {
                header.school_year = value.get(..4).and_then(|y| y.parse().ok());
            }
        }
        self.held.push(item);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), FormatError> {
        if let Some(header) = self.header.take() {
            (self.sink)(Item::Header(header))?;
            for item in std::mem::take(&mut self.held) {
                (self.sink)(item)?;
            }
        }
        Ok(())
    }
}

/// Reads every UDT file of the archive (`detected.entries`), or the input
/// itself when it is a lone `UDCal_NN.xml`.
pub fn read(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    sink: &mut dyn FnMut(Item<UdtRecord>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    let mut files: Vec<(Option<usize>, String)> = if detected.entries.is_empty() {
        vec![(detected.entry, input.name())]
    } else {
        detected.entries.iter().map(|e| (Some(e.index), e.name.clone())).collect()
    };
    files.sort_by_key(|(_, name)| file_rank(name));
    let header = FileHeader { uai: uai_in_name(&input.name()), ..FileHeader::default() };
    let mut out = Out { sink, header: Some(header), held: Vec::new() };
    let mut seen = HashSet::new();
    let in_zip = !detected.entries.is_empty();
    for (entry, name) in &files {
        if file_rank(name).0 > 1 {
            out.flush()?;
        }
        let encoding = match entry {
            Some(i) if in_zip => xml_encoding(&input.head(Some(*i), 4096)?, name)?,
            _ => detected.encoding,
        };
        let context = Entry { name: if in_zip { Some(name.as_str()) } else { None }, week: week_of(name) };
        input
            .with_text(*entry, encoding, ctl, |text| read_file(input, text, &context, &mut seen, &mut out))
            .map_err(|e| if in_zip { in_entry(e, name) } else { e })?;
    }
    out.flush()
}

/// Detects and reads `input` whole, without progress (tests, fuzzing).
pub fn read_all(input: &Input) -> Result<Parsed<UdtRecord>, FormatError> {
    super::read_all_as(input, |f| f == super::Format::Udt, "une archive UDT", read)
}

/// Names the archive entry in an error's location.
fn in_entry(e: FormatError, entry: &str) -> FormatError {
    let at = |location: String| format!("{entry}, {location}");
    match e {
        FormatError::Xml { file, location, message } => FormatError::Xml { file, location: at(location), message },
        FormatError::Truncated { file, location } => FormatError::Truncated { file, location: at(location) },
        FormatError::TooDeep { file, location, limit } => FormatError::TooDeep { file, location: at(location), limit },
        FormatError::TooLarge { file, location, limit } => {
            FormatError::TooLarge { file, location: at(location), limit }
        }
        FormatError::Entities { file, location } => FormatError::Entities { file, location: at(location) },
        FormatError::BadEncoding { file, encoding, location } => {
            FormatError::BadEncoding { file, encoding, location: at(location) }
        }
        other => other,
    }
}

struct Entry<'n> {
    name: Option<&'n str>,
    week: Option<String>,
}

const ROWS: &[&str] = &[
    "annee",
    "debut_eleve",
    "fin_eleve",
    "init",
    "semaines",
    "fermeture",
    "demi_seq",
    "salle",
    "prof",
    "mat",
    "div",
    "eleve",
    "gpe",
    "rgpmt",
    "ele_gpe",
    "fiche",
    "ligfiche",
    "coens",
];

fn read_file(
    input: &Input,
    text: &mut super::source::TextStream<'_>,
    entry: &Entry<'_>,
    seen: &mut HashSet<(&'static str, String)>,
    out: &mut Out<'_>,
) -> Result<(), FormatError> {
    let mut reader = XmlReader::new(input, text);
    while let Some(ev) = reader.next_event()? {
        let XmlEvent::Start { name, attrs } = ev else { continue };
        let tag = local(&name).to_ascii_lowercase();
        let Some(&row) = ROWS.iter().find(|r| **r == tag) else { continue };
        let mut location = match entry.name {
            Some(file) => format!("{file}, {}", reader.location()),
            None => reader.location(),
        };
        if let Some(code) = attr(&attrs, "code").or_else(|| attr(&attrs, "ele")) {
            location = format!("{location}[{}={code}]", if row == "ele_gpe" { "ele" } else { "code" });
        }
        let e = element(&mut reader, name, attrs)?;
        let mut rejects = Vec::new();
        let record = record(row, &e, entry, &location, &mut rejects);
        let record = record.filter(|r| match key_of(r) {
            Some((kind, key)) if !seen.insert((kind, key.clone())) => {
                rejects.push(Reject::new(location.as_str(), &format!("{row}@code"), &key, "DUPLICATE_CODE"));
                false
            }
            _ => true,
        });
        for r in rejects {
            out.push(Item::Reject(r))?;
        }
        if let Some(r) = record {
            out.push(Item::Record(r, location))?;
        }
    }
    Ok(())
}

/// The identity a second row of the same kind must not reuse.
fn key_of(r: &UdtRecord) -> Option<(&'static str, String)> {
    Some(match r {
        UdtRecord::Room { code, .. } => ("salle", code.clone()),
        UdtRecord::Teacher(t) => ("prof", t.code.clone()),
        UdtRecord::Subject { code, .. } => ("mat", code.clone()),
        UdtRecord::Division(d) => ("div", d.code.clone()),
        UdtRecord::Pupil(p) => ("eleve", p.code.clone()),
        UdtRecord::Group(g) => ("gpe", format!("{} {}", g.division, g.code)),
        _ => return None,
    })
}

fn opt(e: &Element, name: &str) -> Option<String> {
    attr(&e.attrs, name)
}

fn required(e: &Element, name: &str, loc: &str, rj: &mut Vec<Reject>) -> Option<String> {
    let v = opt(e, name);
    if v.is_none() {
        rj.push(Reject::new(loc, &format!("{}@{name}", e.name), "", "REQUIRED_MISSING"));
    }
    v
}

/// A `dd/MM/yyyy` value made ISO; an invalid one is rejected (blank kept).
fn date(raw: Option<String>, field: &str, loc: &str, rj: &mut Vec<Reject>) -> Option<String> {
    let raw = raw?;
    let iso = date_fr_to_iso(&raw);
    if iso.is_none() {
        rj.push(Reject::new(loc, field, &raw, "DATE_INVALID"));
    }
    iso
}

fn record(row: &str, e: &Element, entry: &Entry<'_>, loc: &str, rj: &mut Vec<Reject>) -> Option<UdtRecord> {
    let o = |name: &str| opt(e, name);
    Some(match row {
        "annee" => {
            UdtRecord::Setting { name: row.into(), value: Some(e.text.trim().to_string()).filter(|t| !t.is_empty())? }
        }
        "debut_eleve" | "fin_eleve" => {
            let raw = Some(e.text.trim().to_string()).filter(|t| !t.is_empty());
            UdtRecord::Setting { name: row.into(), value: date(raw, row, loc, rj)? }
        }
        "init" => UdtRecord::Init { first_iso_week: o("premiere_semaine_ISO"), sequence_minutes: o("duree_seq") },
        "semaines" => UdtRecord::Weeks { numbers: e.children.iter().filter_map(|w| opt(w, "num")).collect() },
        "fermeture" => UdtRecord::Closure {
            start: date(o("debut"), "fermeture@debut", loc, rj),
            end: date(o("fin"), "fermeture@fin", loc, rj),
        },
        "demi_seq" => UdtRecord::Slot(Slot {
            day: o("code_jour"),
            code: o("code"),
            site: o("code_site"),
            start: o("hre_deb"),
            end: o("hre_fin"),
        }),
        "salle" => UdtRecord::Room { code: required(e, "code", loc, rj)?, name: o("nom").unwrap_or_default() },
        "prof" => {
            let code = required(e, "code", loc, rj)?;
            let birth = o("date_naissance").or_else(|| o("naissance"));
            UdtRecord::Teacher(Teacher {
                code,
                last_name: o("nom").unwrap_or_default(),
                first_name: o("prenom").unwrap_or_default(),
                civility: o("civilite"),
                birth_date: date(birth, "prof@date_naissance", loc, rj),
                epj: o("epj"),
                email: o("mail"),
                main_subject: o("code_matppl"),
                id: o("id"),
            })
        }
        "mat" => UdtRecord::Subject {
            code: required(e, "code", loc, rj)?,
            label: o("libelle").unwrap_or_default(),
            code_sts: o("code_sts"),
        },
        "div" => UdtRecord::Division(Division {
            code: required(e, "code", loc, rj)?,
            name: o("nom"),
            code_gep: o("code_gep"),
            code_sts: o("code_sts"),
        }),
        "eleve" => {
            let code = required(e, "code", loc, rj)?;
            UdtRecord::Pupil(Pupil {
                code,
                last_name: o("nom").unwrap_or_default(),
                first_name: o("prenom").unwrap_or_default(),
                birth_date: date(o("naissance"), "eleve@naissance", loc, rj),
                division: o("code_div"),
            })
        }
        "gpe" => {
            let code = required(e, "code", loc, rj);
            let division = required(e, "code_div", loc, rj);
            UdtRecord::Group(Group {
                code: code?,
                division: division?,
                id: o("id"),
                name: o("nom"),
                code_sts: o("code_sts"),
            })
        }
        "rgpmt" => UdtRecord::Regroupement(Regroupement {
            code: o("code"),
            id: o("id"),
            name: o("nom"),
            division: o("code_div"),
            group: o("code_gpe"),
        }),
        "ele_gpe" => UdtRecord::Membership(Membership {
            pupil: required(e, "ele", loc, rj)?,
            division: o("code_div"),
            group: o("gpe"),
            theoretical: o("theorique"),
        }),
        "fiche" => UdtRecord::Fiche(Fiche { code: o("code"), day: o("jour"), slot: o("demi_seq"), site: o("site") }),
        "ligfiche" => UdtRecord::FicheLine(FicheLine {
            code: o("code"),
            fiche: o("fic"),
            division: o("div"),
            subject: o("mat"),
            teacher: o("prof"),
            room: o("salle"),
            group: o("gpe"),
            regroupement: o("rgpmt"),
            group_id: o("idgpe"),
            week: entry.week.clone(),
        }),
        "coens" => UdtRecord::CoTeaching { fiche_line: o("lignefic"), teacher: o("prof"), epj: o("epj") },
        _ => return None,
    })
}
