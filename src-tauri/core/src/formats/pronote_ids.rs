//! Pronote's users with their Pronote identifiers (CSV), in the six
//! categories of the ENT's Pronote matching step. No public specification
//! exists (formats.md §4 [NF]): the table is header-driven and tolerant, and
//! the user can map unknown headers by hand.

mod demo;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::csvtable::{self, label_key, opt, parse_date, split_list, ColumnDef, ColumnPreset, CsvStyle, Row, TableDef};
use super::detect::Detected;
use super::source::{Ctl, Input};
use super::{date_iso_to_fr, Format, FormatError, Item, Parsed, Reject};

pub use demo::{demo_files, records_of};

/// Pronote's user populations, as the ENT's matching steps name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PronoteCategory {
    Enseignant,
    Eleve,
    Responsable,
    MaitreDeStage,
    InspecteurPedagogique,
    Personnel,
}

impl PronoteCategory {
    pub const ALL: [PronoteCategory; 6] = [
        PronoteCategory::Enseignant,
        PronoteCategory::Eleve,
        PronoteCategory::Responsable,
        PronoteCategory::MaitreDeStage,
        PronoteCategory::InspecteurPedagogique,
        PronoteCategory::Personnel,
    ];

    /// The label written in the `Catégorie` column (singular).
    pub fn label(self) -> &'static str {
        match self {
            PronoteCategory::Enseignant => "Enseignant",
            PronoteCategory::Eleve => "Élève",
            PronoteCategory::Responsable => "Responsable",
            PronoteCategory::MaitreDeStage => "Maître de stage",
            PronoteCategory::InspecteurPedagogique => "Inspecteur pédagogique",
            PronoteCategory::Personnel => "Personnel",
        }
    }

    /// A category cell, singular or plural, any case or accents, with the
    /// common aliases (`Professeur`, `Parent`, `Inspecteur`…).
    pub fn parse(text: &str) -> Option<PronoteCategory> {
        let key = label_key(text);
        Some(match key.as_str() {
            "enseignant" | "enseignants" | "professeur" | "professeurs" | "prof" | "profs" => Self::Enseignant,
            "eleve" | "eleves" => Self::Eleve,
            "responsable"
            | "responsables"
            | "parent"
            | "parents"
            | "responsablelegal"
            | "responsableslegaux"
            | "representantlegal"
            | "representantslegaux" => Self::Responsable,
            "maitredestage" | "maitresdestage" | "tuteurdestage" | "tuteursdestage" | "entreprise" => {
                Self::MaitreDeStage
            }
            "inspecteur"
            | "inspecteurs"
            | "inspecteurpedagogique"
            | "inspecteurspedagogiques"
            | "ipr"
            | "iaipr"
            | "ien" => Self::InspecteurPedagogique,
            "personnel"
            | "personnels"
            | "personneladministratif"
            | "personnelsadministratifs"
            | "nonenseignant"
            | "personnelnonenseignant"
            | "personnelsnonenseignants" => Self::Personnel,
            _ => return None,
        })
    }
}

/// One Pronote user as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PronoteUser {
    /// Identifiant (Pronote's id of the user, e.g. `KVX8NTH4DPQ3SYU7`).
    pub pronote_id: String,
    pub category: PronoteCategory,
    pub last_name: String,
    pub first_name: String,
    /// ISO `AAAA-MM-JJ`.
    pub birth_date: Option<String>,
    pub classes: Vec<String>,
    pub ine: Option<String>,
    /// Pronote ids of the children (responsables).
    pub children: Vec<String>,
}

pub const TABLE: TableDef = TableDef {
    format: Format::PronoteIds,
    columns: &[
        ColumnDef {
            field: "pronote_id",
            label: "Identifiant",
            aliases: &["Identifiant Pronote", "Id Pronote", "IDPN", "Identifiant PRONOTE unique", "Numéro Pronote"],
            required: true,
        },
        ColumnDef {
            field: "category",
            label: "Catégorie",
            aliases: &["Catégorie d'utilisateur", "Type d'utilisateur", "Population", "Espace", "Profil"],
            required: true,
        },
        ColumnDef { field: "last_name", label: "Nom", aliases: &["Nom d'usage", "Nom usuel"], required: true },
        ColumnDef { field: "first_name", label: "Prénom", aliases: &["Prénom usuel", "Prénoms"], required: true },
        ColumnDef {
            field: "birth_date",
            label: "Date de naissance",
            aliases: &["Date naissance", "Naissance", "Né(e) le", "Né le"],
            required: false,
        },
        ColumnDef {
            field: "classes",
            label: "Classe",
            aliases: &["Classes", "Division", "Divisions"],
            required: false,
        },
        ColumnDef {
            field: "ine",
            label: "INE",
            aliases: &["N° INE", "Numéro INE", "Identifiant national", "Identifiant national élève", "ID_NATIONAL"],
            required: false,
        },
        ColumnDef {
            field: "children",
            label: "Enfants",
            aliases: &["Enfant", "Identifiants des enfants", "Identifiants Pronote des enfants"],
            required: false,
        },
    ],
};

/// Every reject reason this reader emits.
pub const REJECT_REASONS: &[(&str, &str)] = &[
    ("REQUIRED_MISSING", "valeur obligatoire absente (identifiant, catégorie ou nom)"),
    ("ID_DUPLICATE", "identifiant Pronote déjà vu plus haut dans le fichier (ligne ignorée)"),
    (
        "CATEGORY_UNKNOWN",
        "catégorie inconnue (enseignants, élèves, responsables, maîtres de stage, inspecteurs pédagogiques, personnels)",
    ),
    ("DATE_INVALID", "date de naissance invalide (jj/mm/aaaa attendu) ; la personne est gardée sans date"),
];

const ID_ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The Pronote-style identifier Préau's demo gives a person: 16 upper-case
/// alphanumerics (like the IDPN of the timetable export, `KVX8NTH4DPQ3SYU7`).
/// Derivation, shared with the EDT module: the first 16 bytes of
/// SHA-256(`"pronote:" + person_id`), each byte modulo 36 mapped onto
/// `0-9A-Z`. Deterministic, so every demo file agrees.
pub fn pronote_id(person_id: &str) -> String {
    let digest = Sha256::digest(format!("pronote:{person_id}").as_bytes());
    digest.iter().take(16).map(|b| ID_ALPHABET.get(usize::from(b % 36)).map_or('0', |c| char::from(*c))).collect()
}

/// Reads the file, recognising the columns from the header.
pub fn read(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    sink: &mut dyn FnMut(Item<PronoteUser>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    read_with(input, detected, ctl, None, sink)
}

/// Reads the file with the user's column mapping (`preset`) when given.
pub fn read_with(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    preset: Option<&ColumnPreset>,
    sink: &mut dyn FnMut(Item<PronoteUser>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    csvtable::read_records(input, detected, ctl, &TABLE, preset, parse_row, sink)
}

/// One row to a record. A missing id or name, an unknown category and a
/// repeated id leave the row out; a bad date only blanks the date.
fn parse_row(row: &Row<'_>, seen: &mut csvtable::Seen, rejects: &mut Vec<Reject>) -> Option<PronoteUser> {
    let loc = row.location();
    let reject = |rejects: &mut Vec<Reject>, field: &str, value: &str, reason: &str| {
        rejects.push(Reject::new(loc.clone(), &row.label(field), value, reason));
    };
    let pronote_id = row.get("pronote_id");
    if pronote_id.is_empty() {
        reject(rejects, "pronote_id", "", "REQUIRED_MISSING");
        return None;
    }
    if !seen.first(pronote_id) {
        reject(rejects, "pronote_id", pronote_id, "ID_DUPLICATE");
        return None;
    }
    let last_name = row.get("last_name");
    if last_name.is_empty() {
        reject(rejects, "last_name", "", "REQUIRED_MISSING");
        return None;
    }
    let raw_category = row.get("category");
    if raw_category.is_empty() {
        reject(rejects, "category", "", "REQUIRED_MISSING");
        return None;
    }
    let Some(category) = PronoteCategory::parse(raw_category) else {
        reject(rejects, "category", raw_category, "CATEGORY_UNKNOWN");
        return None;
    };
    let birth_date = parse_date(row.get("birth_date")).unwrap_or_else(|_| {
        reject(rejects, "birth_date", row.get("birth_date"), "DATE_INVALID");
        None
    });
    Some(PronoteUser {
        pronote_id: pronote_id.to_string(),
        category,
        last_name: last_name.to_string(),
        first_name: row.get("first_name").to_string(),
        birth_date,
        classes: split_list(row.get("classes")),
        ine: opt(row.get("ine")).map(|s| s.to_uppercase()),
        children: split_list(row.get("children")),
    })
}

/// Detects and reads a whole file (tests, fuzzing, small files).
pub fn read_all(input: &Input) -> Result<Parsed<PronoteUser>, FormatError> {
    super::read_all_as(input, |f| f == Format::PronoteIds, "un fichier d'identifiants Pronote", read)
}

/// The canonical column order (fields).
pub const COLUMNS: &[&str] =
    &["pronote_id", "category", "last_name", "first_name", "birth_date", "classes", "ine", "children"];

fn cell(rec: &PronoteUser, field: &str) -> String {
    match field {
        "pronote_id" => rec.pronote_id.clone(),
        "category" => rec.category.label().to_string(),
        "last_name" => rec.last_name.clone(),
        "first_name" => rec.first_name.clone(),
        "birth_date" => rec.birth_date.as_deref().map(date_iso_to_fr).unwrap_or_default(),
        "classes" => rec.classes.join(", "),
        "ine" => rec.ine.clone().unwrap_or_default(),
        "children" => rec.children.join(", "),
        _ => String::new(),
    }
}

/// The file with canonical headers, `;`, in the given layout
/// (`CsvStyle::UTF8_BOM` or `CsvStyle::WINDOWS_1252`).
pub fn write(records: &[PronoteUser], style: CsvStyle) -> Vec<u8> {
    write_with(records, COLUMNS, style)
}

/// The file with the given columns (fields, in order).
pub fn write_with(records: &[PronoteUser], columns: &[&str], style: CsvStyle) -> Vec<u8> {
    let labels: Vec<String> = columns.iter().map(|f| TABLE.label(f)).collect();
    let header: Vec<&str> = labels.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = records.iter().map(|r| columns.iter().map(|f| cell(r, f)).collect()).collect();
    csvtable::write_table(&header, &rows, style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_are_tolerant() {
        for (text, c) in [
            ("enseignants", PronoteCategory::Enseignant),
            ("Professeur", PronoteCategory::Enseignant),
            ("ÉLÈVES", PronoteCategory::Eleve),
            ("Parent", PronoteCategory::Responsable),
            ("maitres de stage", PronoteCategory::MaitreDeStage),
            ("Inspecteurs pédagogiques", PronoteCategory::InspecteurPedagogique),
            ("Personnels", PronoteCategory::Personnel),
        ] {
            assert_eq!(PronoteCategory::parse(text), Some(c), "{text}");
        }
        for c in PronoteCategory::ALL {
            assert_eq!(PronoteCategory::parse(c.label()), Some(c));
        }
    }
}
