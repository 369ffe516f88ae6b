//! SIECLE « Base élèves établissement » (BEE) XML exports: `ElevesSansAdresses`
//! / `ElevesAvecAdresses` (`BEE_ELEVES`), `ResponsablesAvecAdresses`
//! (`BEE_RESPONSABLES`), `Structures` (`BEE_STRUCTURES`) and `Nomenclature`
//! (`BEE_NOMENCLATURES`), plain or zipped (formats.md §1).
//!
//! One reader for the four files: records are handed over as they are read,
//! in file order, as `SiecleRecord`s faithful to the file (the importer joins
//! ELEVE, STRUCTURES_ELEVE, PERSONNE and RESPONSABLE_ELEVE). Checks that need
//! other files (same INE twice, two « responsable légal 1 ») are the importer's.

mod demo;
mod eleves;
mod nomenclature;
mod reader;
mod responsables;
mod structures;
mod write;

use serde::{Deserialize, Serialize};

use super::detect::Detected;
use super::source::{Ctl, Input};
use super::xml::Element;
use super::{date_fr_to_iso, Format, FormatError, Item, Location, Parsed, Reject};

pub use demo::{
    demo_files, demo_header, demo_records, elenoet, eleve_id, personne_id, write_responsables_legacy,
    ResponsablesLayout,
};
pub use eleves::{Eleve, OptionEleve, OptionsEleve, ScolariteAnDernier, StructureKind, StructureRef, StructuresEleve};
pub use nomenclature::{Matiere, Mef};
pub use responsables::{Adresse, Personne, ResponsableEleve};
pub use structures::{Division, Groupe};
pub use write::{write, write_encoded, OutputEncoding};

/// One record of a BEE export, as the file states it.
// Records travel to the sink one at a time: boxing the larger ones would
// only add an allocation per record.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum SiecleRecord {
    /// `BEE_ELEVES/DONNEES/ELEVES/ELEVE`.
    Eleve(Eleve),
    /// `BEE_ELEVES/DONNEES/OPTIONS/OPTION`.
    Options(OptionsEleve),
    /// `BEE_ELEVES/DONNEES/STRUCTURES/STRUCTURES_ELEVE`.
    Structures(StructuresEleve),
    /// `BEE_RESPONSABLES/DONNEES/PERSONNES/PERSONNE`.
    Personne(Personne),
    /// `BEE_RESPONSABLES/DONNEES/RESPONSABLES/RESPONSABLE_ELEVE`.
    Responsable(ResponsableEleve),
    /// `BEE_RESPONSABLES/DONNEES/ADRESSES/ADRESSE`.
    Adresse(Adresse),
    /// `BEE_STRUCTURES/DONNEES/DIVISIONS/DIVISION`.
    Division(Division),
    /// `BEE_STRUCTURES/DONNEES/GROUPES/GROUPE`.
    Groupe(Groupe),
    /// `BEE_NOMENCLATURES/DONNEES/MEFS/MEF`.
    Mef(Mef),
    /// `BEE_NOMENCLATURES/DONNEES/MATIERES/MATIERE`.
    Matiere(Matiere),
}

impl SiecleRecord {
    /// The record's kind, as serialised in its `record` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            SiecleRecord::Eleve(_) => "eleve",
            SiecleRecord::Options(_) => "options",
            SiecleRecord::Structures(_) => "structures",
            SiecleRecord::Personne(_) => "personne",
            SiecleRecord::Responsable(_) => "responsable",
            SiecleRecord::Adresse(_) => "adresse",
            SiecleRecord::Division(_) => "division",
            SiecleRecord::Groupe(_) => "groupe",
            SiecleRecord::Mef(_) => "mef",
            SiecleRecord::Matiere(_) => "matiere",
        }
    }
}

/// Reason codes of this module's rejects.
pub(crate) mod reason {
    pub const REQUIRED_MISSING: &str = "REQUIRED_MISSING";
    pub const ID_DUPLICATE: &str = "ID_DUPLICATE";
    pub const DATE_INVALID: &str = "DATE_INVALID";
    pub const SEX_INVALID: &str = "SEX_INVALID";
    pub const INE_INVALID: &str = "INE_INVALID";
    pub const STRUCTURE_TYPE_UNKNOWN: &str = "STRUCTURE_TYPE_UNKNOWN";
    pub const ELEVE_UNKNOWN: &str = "ELEVE_UNKNOWN";
    pub const ELEVE_REJECTED: &str = "ELEVE_REJECTED";
    pub const PERSONNE_UNKNOWN: &str = "PERSONNE_UNKNOWN";
    pub const PERSONNE_REJECTED: &str = "PERSONNE_REJECTED";
    pub const NIVEAU_RESPONSABILITE_INVALID: &str = "NIVEAU_RESPONSABILITE_INVALID";
    pub const RESP_LEGAL_INVALID: &str = "RESP_LEGAL_INVALID";
}

/// Every reason code this module emits, with its French explanation.
pub const REJECT_REASONS: &[(&str, &str)] = &[
    (reason::REQUIRED_MISSING, "champ obligatoire absent ou vide (identifiant, nom, prénom, code)"),
    (
        reason::ID_DUPLICATE,
        "identifiant déjà présent plus haut dans le fichier : seule la première occurrence est gardée",
    ),
    (reason::DATE_INVALID, "date invalide (jj/mm/aaaa attendu)"),
    (reason::SEX_INVALID, "code sexe invalide (1 = masculin, 2 = féminin attendu) : le sexe est laissé vide"),
    (reason::INE_INVALID, "INE mal formé (11 caractères, chiffres et lettres, attendus) : l'INE est laissé vide"),
    (
        reason::STRUCTURE_TYPE_UNKNOWN,
        "type de structure inconnu (D = division, G = groupe attendu) : structure ignorée",
    ),
    (reason::ELEVE_UNKNOWN, "ELEVE_ID absent de la liste des élèves du fichier"),
    (reason::ELEVE_REJECTED, "l'élève correspondant a été écarté plus haut dans le fichier"),
    (reason::PERSONNE_UNKNOWN, "PERSONNE_ID absent de la liste des personnes du fichier"),
    (reason::PERSONNE_REJECTED, "la personne correspondante a été écartée plus haut dans le fichier"),
    (
        reason::NIVEAU_RESPONSABILITE_INVALID,
        "niveau de responsabilité invalide (1 représentant légal, 2 personne en charge, 3 personne à contacter)",
    ),
    (reason::RESP_LEGAL_INVALID, "RESP_LEGAL invalide (1 ou 2 représentant légal, 0 autre responsable)"),
];

/// Whether a format is one of the four BEE exports.
pub fn is_siecle(format: Format) -> bool {
    matches!(
        format,
        Format::SiecleEleves | Format::SiecleResponsables | Format::SiecleStructures | Format::SiecleNomenclature
    )
}

/// Streams the BEE export `detected` points at (plain or inside a ZIP) to
/// `sink`: the header first, then records and rejects in file order.
pub fn read(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    sink: &mut dyn FnMut(Item<SiecleRecord>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    reader::read(input, detected, ctl, sink)
}

/// Detects and reads a whole BEE export (tests, fuzzing, small files).
pub fn read_all(input: &Input) -> Result<Parsed<SiecleRecord>, FormatError> {
    super::read_all_as(input, is_siecle, "un export XML de SIECLE", read)
}

/// What reading one record element gave: its rejects and, unless a problem
/// was fatal, the record.
pub(crate) struct Outcome {
    pub rejects: Vec<Reject>,
    pub record: Option<(SiecleRecord, Location)>,
}

/// Problems found in one record element. A *dropping* problem leaves the
/// record out; a *blanking* one keeps it with the field empty.
pub(crate) struct Rec {
    pub loc: Location,
    pub rejects: Vec<Reject>,
    pub dropped: bool,
}

impl Rec {
    /// `ligne 57, ELEVE[ELEVE_ID=1234]`: the line and the record's key.
    pub fn new(line: u64, element: &str, key: &str, id: Option<&str>) -> Rec {
        let loc = match id {
            Some(id) => format!("ligne {line}, {element}[{key}={id}]"),
            None => format!("ligne {line}, {element}"),
        };
        Rec { loc, rejects: Vec::new(), dropped: false }
    }

    pub fn drop_with(&mut self, field: &str, value: &str, reason: &str) {
        self.rejects.push(Reject::new(self.loc.clone(), field, value, reason));
        self.dropped = true;
    }

    pub fn blank_with(&mut self, field: &str, value: &str, reason: &str) {
        self.rejects.push(Reject::new(self.loc.clone(), field, value, reason));
    }

    /// A required text: absent or empty drops the record.
    pub fn required(&mut self, el: &Element, name: &str) -> String {
        match text(el, name) {
            Some(t) => t,
            None => {
                self.drop_with(name, "", reason::REQUIRED_MISSING);
                String::new()
            }
        }
    }

    /// An optional `jj/mm/aaaa` date, as ISO. An invalid date drops the
    /// record: guessing a birth or leaving date is worse than asking for a fix.
    pub fn date(&mut self, el: &Element, name: &str) -> Option<String> {
        let raw = text(el, name)?;
        let iso = date_fr_to_iso(&raw);
        if iso.is_none() {
            self.drop_with(name, &raw, reason::DATE_INVALID);
        }
        iso
    }

    /// The rejects alone, when no record could even be built.
    pub fn finish_none(self) -> Outcome {
        Outcome { rejects: self.rejects, record: None }
    }

    pub fn finish(self, record: SiecleRecord) -> Outcome {
        let record = (!self.dropped).then_some((record, self.loc));
        Outcome { rejects: self.rejects, record }
    }
}

/// Trimmed text of a child element; `None` when absent or empty.
pub(crate) fn text(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).map(str::to_string)
}

/// A key given as an attribute (`<ELEVE ELEVE_ID="…">`) or, tolerated, as a
/// child element.
pub(crate) fn key(el: &Element, name: &str) -> Option<String> {
    el.attr(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).or_else(|| text(el, name))
}

/// Texts of `wrapper/item/leaf` lists (`MEFS_APPARTENANCE/MEF_APPARTENANCE/CODE_MEF`).
pub(crate) fn list(el: &Element, wrapper: &str, item: &str, leaf: &str) -> Vec<String> {
    el.children(wrapper)
        .flat_map(|w| w.children(item))
        .filter_map(|i| i.child_text(leaf).or_else(|| i.attr(leaf).map(str::trim).filter(|t| !t.is_empty())))
        .map(str::to_string)
        .collect()
}
