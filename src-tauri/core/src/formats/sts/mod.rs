//! STS-Web « emplois du temps » export `sts_emp_<UAI>_<ANNEE>.xml` (root
//! `STS_EDT`, ISO-8859-15; formats.md §2): the establishment's parameters,
//! the subject / MEF / civility nomenclatures, the staff (`INDIVIDU`) with
//! their fonction and disciplines de poste, and the divisions and groups
//! with their teaching services.
//!
//! Records are handed over in file order, faithful to the file; joining
//! services to people is the importer's work. The look-alike `emp_sts`
//! (`EDT_STS`, sent by timetable software *to* STS-Web) is refused by
//! detection with an explanation.

mod demo;
mod reader;
mod write;

use serde::{Deserialize, Serialize};

use super::detect::Detected;
use super::source::{Ctl, Input};
use super::{Format, FormatError, Item, Parsed};

pub use demo::{demo_files, demo_records, individu_id, subject_for_discipline, Subject, SUBJECTS};
pub use write::write;

/// One record of an `sts_emp` export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum StsRecord {
    /// `PARAMETRES`: the establishment and the school year (also given as the header).
    Parametres(Parametres),
    /// `NOMENCLATURES/MATIERES/MATIERE`.
    Matiere(Matiere),
    /// `NOMENCLATURES/CIVILITES/CIVILITE`.
    Civilite(Civilite),
    /// `NOMENCLATURES/MEFS/MEF`.
    Mef(Mef),
    /// `DONNEES/INDIVIDUS/INDIVIDU`.
    Individu(Individu),
    /// `DONNEES/STRUCTURE/DIVISIONS/DIVISION`.
    Division(Division),
    /// `DONNEES/STRUCTURE/GROUPES/GROUPE`.
    Groupe(Groupe),
}

/// `PARAMETRES`: `UAJ@CODE` with its details, `ANNEE_SCOLAIRE@ANNEE` and its dates (ISO).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Parametres {
    pub uai: String,
    pub academie_code: Option<String>,
    pub academie_libelle: Option<String>,
    pub sigle: Option<String>,
    pub denom_princ: Option<String>,
    pub denom_compl: Option<String>,
    pub code_nature: Option<String>,
    pub code_categorie: Option<String>,
    pub adresse: Option<String>,
    pub commune: Option<String>,
    pub code_postal: Option<String>,
    pub boite_postale: Option<String>,
    pub cedex: Option<String>,
    pub telephone: Option<String>,
    pub statut: Option<String>,
    pub etablissement_sensible: Option<String>,
    /// First year of the school year, as written (`2026` for 2026-2027).
    pub annee: Option<String>,
    pub date_debut: Option<String>,
    pub date_fin: Option<String>,
}

/// A subject (`MATIERE@CODE`, 6 characters with leading zeros).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matiere {
    pub code: String,
    pub code_gestion: Option<String>,
    pub libelle_court: Option<String>,
    pub libelle_long: Option<String>,
    pub libelle_edition: Option<String>,
}

/// A civility code (`1` M., `2` Mme, `3` Mlle).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Civilite {
    pub code: String,
    pub libelle_court: Option<String>,
    pub libelle_long: Option<String>,
}

/// A MEF (`MEF@CODE`, 11 characters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mef {
    pub code: String,
    pub formation: Option<String>,
    pub libelle_long: Option<String>,
    pub libelle_edition: Option<String>,
}

/// A member of staff. `local` individuals (entered in the establishment) may
/// lack sex, birth name, birth date and fonction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Individu {
    /// `INDIVIDU@ID`: the EPP id, the same in every establishment the person works in.
    pub id: String,
    /// `INDIVIDU@TYPE`: `epp`, `local` or (since 2017) `dir`.
    pub kind: Option<String>,
    /// `SEXE`: `1` man, `2` woman.
    pub sexe: Option<String>,
    /// `CIVILITE` code (see the CIVILITES nomenclature).
    pub civilite: Option<String>,
    pub nom_usage: String,
    pub nom_patronymique: Option<String>,
    pub prenom: Option<String>,
    /// ISO `AAAA-MM-JJ`.
    pub date_naissance: Option<String>,
    pub grade: Option<String>,
    /// Fonction code (`ENS`, `DIR`, `EDU`, `DOC`…).
    pub fonction: Option<String>,
    pub profs_principaux: Vec<ProfPrinc>,
    pub disciplines: Vec<Discipline>,
}

impl Individu {
    /// Whether STS-Web lists this person as teaching (`ENS`, or no fonction
    /// at all, as GEPI reads it).
    pub fn is_teacher(&self) -> bool {
        matches!(self.fonction.as_deref(), None | Some("ENS"))
    }
}

/// `PROFS_PRINC/PROF_PRINC`: professeur principal of a division.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfPrinc {
    pub code_structure: String,
    pub date_debut: Option<String>,
    pub date_fin: Option<String>,
}

/// `DISCIPLINES/DISCIPLINE@CODE`: discipline de poste (`L1300`…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discipline {
    pub code: String,
    pub libelle_court: Option<String>,
    /// Weekly hours, as written (`18`, `18.00`).
    pub nb_heures: Option<String>,
}

/// A division (class) with its MEFs and teaching services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Division {
    pub code: String,
    pub libelle_long: Option<String>,
    pub effectif_prevu: Option<String>,
    /// `MEFS_APPARTENANCE/MEF_APPARTENANCE@CODE`.
    pub mefs: Vec<String>,
    pub services: Vec<Service>,
}

/// A teaching group with the divisions it draws from and its services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Groupe {
    pub code: String,
    pub libelle_long: Option<String>,
    pub effectif_prevu: Option<String>,
    /// `DIVISIONS_APPARTENANCE/DIVISION_APPARTENANCE@CODE`.
    pub divisions: Vec<String>,
    /// `MEFS_APPARTENANCE/MEF_APPARTENANCE@CODE`.
    pub mefs: Vec<String>,
    pub services: Vec<Service>,
}

/// `SERVICES/SERVICE`: a subject taught to the structure, and by whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub code_matiere: String,
    /// Teaching modality (`CG` cours général, …).
    pub code_mod_cours: Option<String>,
    pub enseignants: Vec<Enseignant>,
}

/// `ENSEIGNANTS/ENSEIGNANT`: a reference to an `INDIVIDU@ID`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enseignant {
    pub id: String,
    pub kind: Option<String>,
}

/// Reason codes of this module's rejects.
pub(crate) mod reason {
    pub const REQUIRED_MISSING: &str = "REQUIRED_MISSING";
    pub const ID_DUPLICATE: &str = "ID_DUPLICATE";
    pub const CODE_DUPLICATE: &str = "CODE_DUPLICATE";
    pub const DATE_INVALID: &str = "DATE_INVALID";
    pub const YEAR_INVALID: &str = "YEAR_INVALID";
    pub const SEX_INVALID: &str = "SEX_INVALID";
    pub const TEACHER_UNKNOWN: &str = "TEACHER_UNKNOWN";
}

/// Every reason code this module emits, with its French explanation.
pub const REJECT_REASONS: &[(&str, &str)] = &[
    (
        reason::REQUIRED_MISSING,
        "identifiant, code ou nom d'usage absent : l'enregistrement (ou le service, l'enseignant) est ignoré",
    ),
    (
        reason::ID_DUPLICATE,
        "individu déjà présent plus haut dans le fichier avec le même ID : seul le premier est gardé",
    ),
    (reason::CODE_DUPLICATE, "code déjà présent plus haut dans le fichier : seule la première occurrence est gardée"),
    (reason::DATE_INVALID, "date invalide (aaaa-mm-jj attendu) : la date est laissée vide"),
    (reason::YEAR_INVALID, "année scolaire invalide (aaaa entre 1900 et 2200 attendu) : l'année est laissée vide"),
    (reason::SEX_INVALID, "code sexe invalide (1 = homme, 2 = femme attendu) : le sexe est laissé vide"),
    (reason::TEACHER_UNKNOWN, "enseignant de service absent des individus du fichier : la référence est ignorée"),
];

/// Streams the `sts_emp` export `detected` points at (plain or zipped) to
/// `sink`: the header (from `PARAMETRES`), then records and rejects in file order.
pub fn read(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    sink: &mut dyn FnMut(Item<StsRecord>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    reader::read(input, detected, ctl, sink)
}

/// Detects and reads a whole `sts_emp` export (tests, fuzzing, small files).
pub fn read_all(input: &Input) -> Result<Parsed<StsRecord>, FormatError> {
    super::read_all_as(input, |f| f == Format::Sts, "l'export sts_emp de STS-Web", read)
}
