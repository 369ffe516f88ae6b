//! The AAF feed (Annuaire Académique Fédérateur): `ficAlimMENESR` XML files,
//! one per category and chunk (`ENT_<UAI>_Complet_<AAAAMMJJ>_Eleve_0000.xml`,
//! `…_Delta_…`), UTF-8 with the `ficAlimMENESR.dtd` SYSTEM doctype and a
//! `<!-- versionAF="AAF-VE…" -->` comment (formats.md §5).
//!
//! Each `addRequest` / `modifyRequest` / `deleteRequest` becomes one
//! `AafRequest`: the category, the identifier and the attributes in file
//! order with their values. Values stay as written (`$`-joined composites
//! included; `values` has the typed readers) except birth dates, turned to
//! ISO. A Complet file lists everyone; a Delta only the changes.

mod demo;
mod reader;
mod values;
mod write;

use serde::{Deserialize, Serialize};

use super::detect::Detected;
use super::source::{Ctl, Input};
use super::{Format, FormatError, Item, Parsed};

pub use demo::{
    demo_delta, demo_files, demo_requests, eleve_struct_rattach_id, export_date, person_jointure, structure_jointure,
};
pub use values::{
    parse_date, parse_file_name, parse_fonction, parse_pers_rel_eleve, parse_structure_ref, parse_structure_subject,
    AafFileName, PersRelEleve, PersonFonction, StructureRef, StructureSubject,
};
pub use write::{write, write_chunks, CHUNK_BYTES, VERSION};

/// What a request asks of the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Add,
    Modify,
    Delete,
}

impl RequestKind {
    /// The request's element name.
    pub fn element(self) -> &'static str {
        match self {
            RequestKind::Add => "addRequest",
            RequestKind::Modify => "modifyRequest",
            RequestKind::Delete => "deleteRequest",
        }
    }
}

/// `operationalAttributes`: what kind of entry a request is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AafCategory {
    Eleve,
    PersEducNat,
    PersRelEleve,
    EtabEducNat,
    MefEducNat,
    /// Written `MatEducNat` inside the files, `MatiereEducNat` in their names.
    MatiereEducNat,
    Other(String),
}

impl AafCategory {
    pub fn parse(value: &str) -> AafCategory {
        match value.trim() {
            "Eleve" => AafCategory::Eleve,
            "PersEducNat" => AafCategory::PersEducNat,
            "PersRelEleve" => AafCategory::PersRelEleve,
            "EtabEducNat" => AafCategory::EtabEducNat,
            "MefEducNat" => AafCategory::MefEducNat,
            "MatEducNat" | "MatiereEducNat" => AafCategory::MatiereEducNat,
            other => AafCategory::Other(other.to_string()),
        }
    }

    /// The name used in file names (`…_MatiereEducNat_0000.xml`).
    pub fn as_str(&self) -> &str {
        match self {
            AafCategory::Eleve => "Eleve",
            AafCategory::PersEducNat => "PersEducNat",
            AafCategory::PersRelEleve => "PersRelEleve",
            AafCategory::EtabEducNat => "EtabEducNat",
            AafCategory::MefEducNat => "MefEducNat",
            AafCategory::MatiereEducNat => "MatiereEducNat",
            AafCategory::Other(s) => s,
        }
    }

    /// The `operationalAttributes/attr@name` and value the files use.
    pub fn operational(&self) -> (&'static str, &str) {
        match self {
            AafCategory::EtabEducNat => ("categorieStructure", "EtabEducNat"),
            AafCategory::MefEducNat => ("categorieMef", "MefEducNat"),
            AafCategory::MatiereEducNat => ("categorieMatiere", "MatEducNat"),
            other => ("categoriePersonne", other.as_str()),
        }
    }
}

/// One `attr` (add) or `modification` (modify) with its values; `<value/>`
/// gives an empty string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AafAttribute {
    pub name: String,
    /// `modification@operation` (`replace`); `None` for an `addRequest`.
    pub operation: Option<String>,
    pub values: Vec<String>,
}

/// One request of a `ficAlimMENESR` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AafRequest {
    pub kind: RequestKind,
    pub category: AafCategory,
    /// `identifier/id` (the `ENTPersonJointure`, `ENTStructureJointure`…).
    pub id: String,
    pub attributes: Vec<AafAttribute>,
}

impl AafRequest {
    pub fn attribute(&self, name: &str) -> Option<&AafAttribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The non-empty values of an attribute.
    pub fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.attribute(name).into_iter().flat_map(|a| a.values.iter()).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The first non-empty value of an attribute.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.values(name).next()
    }
}

/// Attributes holding a `jj/mm/aaaa` date: ISO in records, French in files.
pub const DATE_ATTRIBUTES: &[&str] = &["ENTPersonDateNaissance"];

/// Reason codes of this module's rejects.
pub(crate) mod reason {
    pub const REQUIRED_MISSING: &str = "REQUIRED_MISSING";
    pub const CATEGORY_MISSING: &str = "CATEGORY_MISSING";
    pub const ID_DUPLICATE: &str = "ID_DUPLICATE";
    pub const DATE_INVALID: &str = "DATE_INVALID";
    pub const COMPOSITE_INVALID: &str = "COMPOSITE_INVALID";
}

/// Every reason code this module emits, with its French explanation.
pub const REJECT_REASONS: &[(&str, &str)] = &[
    (reason::REQUIRED_MISSING, "requête sans identifiant (identifier/id) : ignorée"),
    (reason::CATEGORY_MISSING, "requête sans catégorie (operationalAttributes) : ignorée"),
    (
        reason::ID_DUPLICATE,
        "ajout d'un identifiant déjà ajouté plus haut dans le fichier : seule la première requête est gardée",
    ),
    (reason::DATE_INVALID, "date invalide (jj/mm/aaaa attendu) : la valeur est laissée vide"),
    (
        reason::COMPOSITE_INVALID,
        "valeur composée mal formée (champs séparés par $ attendus) : la valeur est laissée vide",
    ),
];

/// Streams the AAF file `detected` points at (plain or zipped) to `sink`:
/// the header (version from the `versionAF` comment; UAI and date from the
/// file name when it follows the usual pattern), then requests and rejects.
pub fn read(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    sink: &mut dyn FnMut(Item<AafRequest>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    reader::read(input, detected, ctl, sink)
}

/// Detects and reads a whole AAF file (tests, fuzzing, small files).
pub fn read_all(input: &Input) -> Result<Parsed<AafRequest>, FormatError> {
    super::read_all_as(input, |f| f == Format::Aaf, "un fichier AAF (ficAlimMENESR)", read)
}
