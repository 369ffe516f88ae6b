//! The establishment as Préau sees it: people from the national exports,
//! their ENT accounts, divisions, groups and functions.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::ErrorCode;

/// Unité Administrative Immatriculée: 7 digits and a check letter
/// (`0011068F`). The letter is the 7-digit number modulo 23 mapped onto
/// `ABCDEFGHJKLMNPRSTUVWXYZ` (no I, O, Q).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uai(String);

const UAI_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UaiError {
    #[error("UAI « {0} » : 7 chiffres puis une lettre attendus")]
    Shape(String),
    #[error("UAI « {value} » : lettre de contrôle {expected} attendue")]
    CheckLetter { value: String, expected: char },
}

impl ErrorCode for UaiError {
    fn code(&self) -> &'static str {
        match self {
            UaiError::Shape(_) => "UAI_SHAPE",
            UaiError::CheckLetter { .. } => "UAI_CHECK_LETTER",
        }
    }
}

impl Uai {
    pub fn parse(raw: &str) -> Result<Uai, UaiError> {
        let value = raw.trim().to_ascii_uppercase();
        let bytes = value.as_bytes();
        if bytes.len() != 8 || !bytes[..7].iter().all(u8::is_ascii_digit) || !bytes[7].is_ascii_uppercase() {
            return Err(UaiError::Shape(raw.to_string()));
        }
        let expected = Self::check_letter(&value[..7]);
        if bytes[7] as char != expected {
            return Err(UaiError::CheckLetter { value, expected });
        }
        Ok(Uai(value))
    }

    /// Check letter for a 7-digit UAI body. The caller guarantees 7 ASCII digits.
    pub fn check_letter(digits: &str) -> char {
        let n: u64 = digits.bytes().fold(0, |acc, d| acc * 10 + u64::from(d - b'0'));
        UAI_LETTERS[(n % 23) as usize] as char
    }

    /// Builds a valid UAI from its 7-digit body (demo and tests).
    pub fn from_digits(digits: &str) -> Result<Uai, UaiError> {
        if digits.len() != 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UaiError::Shape(digits.to_string()));
        }
        Ok(Uai(format!("{digits}{}", Self::check_letter(digits))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uai {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Uai {
    type Error = UaiError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Uai::parse(&value)
    }
}

impl From<Uai> for String {
    fn from(value: Uai) -> Self {
        value.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstablishmentKind {
    College,
    Lycee,
}

impl EstablishmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EstablishmentKind::College => "college",
            EstablishmentKind::Lycee => "lycee",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "college" => Some(Self::College),
            "lycee" => Some(Self::Lycee),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Establishment {
    pub uai: Uai,
    pub name: String,
    pub kind: EstablishmentKind,
    pub city: String,
    /// First year of the school year: 2026 for 2026-2027.
    pub school_year: i32,
}

/// ENT profiles (the directory's, as in the Skolengo admin screens).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    Eleve,
    /// Parent or other responsable (représentant légal, personne en charge).
    Responsable,
    Enseignant,
    NonEnseignant,
    PersonnelCollectivite,
    /// Autre / invité.
    Invite,
    MaitreDeStage,
    Inspecteur,
}

impl Profile {
    pub const ALL: [Profile; 8] = [
        Profile::Eleve,
        Profile::Responsable,
        Profile::Enseignant,
        Profile::NonEnseignant,
        Profile::PersonnelCollectivite,
        Profile::Invite,
        Profile::MaitreDeStage,
        Profile::Inspecteur,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Eleve => "eleve",
            Profile::Responsable => "responsable",
            Profile::Enseignant => "enseignant",
            Profile::NonEnseignant => "non_enseignant",
            Profile::PersonnelCollectivite => "personnel_collectivite",
            Profile::Invite => "invite",
            Profile::MaitreDeStage => "maitre_de_stage",
            Profile::Inspecteur => "inspecteur",
        }
    }

    pub fn parse(s: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Staff in the sense of the home counts: everyone employed who is not a teacher.
    pub fn is_staff(self) -> bool {
        matches!(self, Profile::NonEnseignant | Profile::PersonnelCollectivite)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    M,
    F,
}

/// A fonction as STS-Web and AAF give it: a fonction code (`ENS`, `DIR`,
/// `EDU`, `DOC`, `ADF`, `MDS`, `ORI`, `AED`…) and an optional discipline or
/// speciality code (`L0202`, `D0010`, `E0030`…) with its label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Function {
    pub code: String,
    pub discipline: Option<String>,
    pub label: String,
}

/// A civil person known from the school's exports (SIECLE, STS-Web, AAF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Source identifier, unique within the establishment (e.g. `ELV000123`).
    pub id: String,
    pub profile: Profile,
    pub sex: Option<Sex>,
    /// Nom d'usage (what the person is called day to day).
    pub usage_name: String,
    /// Nom de naissance / nom de famille.
    pub birth_name: String,
    /// Given names in civil-status order; may hold compound ones ("Jean-Baptiste").
    pub given_names: Vec<String>,
    /// Index into `given_names` of the prénom usuel (any of them, Code civil art. 57).
    pub usual_given_name: usize,
    /// ISO date `AAAA-MM-JJ`.
    pub birth_date: Option<String>,
    pub ine: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    /// Division codes (classes) the person belongs to (pupils) or teaches in.
    pub divisions: Vec<String>,
    pub functions: Vec<Function>,
    /// Every establishment the person is attached to (teachers may have two).
    pub establishments: Vec<Uai>,
    /// A pupil who left (SIECLE date de sortie) but is still in the exports.
    pub left: bool,
}

impl Person {
    pub fn usual_name(&self) -> &str {
        self.given_names
            .get(self.usual_given_name)
            .or_else(|| self.given_names.first())
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// How a responsable relates to a pupil (SIECLE NIVEAU_RESPONSABILITE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponsibilityLevel {
    /// Représentant légal (1): full access.
    Legal,
    /// Personne en charge (2): foster family, access to the schooling record.
    InCharge,
    /// Personne à contacter (3): no access.
    Contact,
}

impl ResponsibilityLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponsibilityLevel::Legal => "legal",
            ResponsibilityLevel::InCharge => "in_charge",
            ResponsibilityLevel::Contact => "contact",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "legal" => Some(Self::Legal),
            "in_charge" => Some(Self::InCharge),
            "contact" => Some(Self::Contact),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Responsibility {
    pub responsable_id: String,
    pub pupil_id: String,
    pub level: ResponsibilityLevel,
    /// SIECLE CODE_PARENTE (10 mère, 20 père, 50 tuteur, 39 autre membre de la famille…).
    pub relationship: String,
}

/// An account of the ENT directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Identifiant ENT.
    pub id: String,
    pub login: String,
    /// The person this account belongs to, when known.
    pub person_id: Option<String>,
    pub profile: Profile,
    pub usage_name: String,
    pub birth_name: String,
    pub given_names: Vec<String>,
    pub birth_date: Option<String>,
    pub ine: Option<String>,
    pub email: Option<String>,
    pub classes: Vec<String>,
    pub functions: Vec<Function>,
    pub establishments: Vec<Uai>,
    /// ENT ids of the children (for responsables).
    pub children: Vec<String>,
}

/// A school level as the home view and the rules speak of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// Short code shown to users and used as a key: `6e`, `5e`, `4e`, `3e`, `2de`, `1re`, `Tle`.
    pub code: String,
    /// MEF code of the level (SIECLE/STS nomenclature), e.g. `10010012110`.
    pub mef: String,
    pub label: String,
    /// Order for display (6e before 5e…).
    pub rank: u32,
}

/// A division (class).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Division {
    /// Code as in SIECLE Structures and STS-Web (`6A`, `2DE3`).
    pub code: String,
    pub label: String,
    /// Level code (see `Level::code`).
    pub level: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// Teaching group from the timetable (parties, options, LV2…).
    Enseignement,
    Libre,
    Niveau,
    Classe,
    Fonction,
    Gar,
}

impl GroupKind {
    pub const ALL: [GroupKind; 6] =
        [Self::Enseignement, Self::Libre, Self::Niveau, Self::Classe, Self::Fonction, Self::Gar];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Enseignement => "enseignement",
            GroupKind::Libre => "libre",
            GroupKind::Niveau => "niveau",
            GroupKind::Classe => "classe",
            GroupKind::Fonction => "fonction",
            GroupKind::Gar => "gar",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub kind: GroupKind,
    /// Division codes the group draws from (SIECLE DIVISIONS_APPARTENANCE).
    pub divisions: Vec<String>,
    /// Person ids.
    pub members: Vec<String>,
}

/// Everything an establishment's store holds about its population, as one value:
/// what the demo generator produces and what an import batch assembles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstablishmentData {
    pub establishment: Establishment,
    pub levels: Vec<Level>,
    pub divisions: Vec<Division>,
    pub people: Vec<Person>,
    pub responsibilities: Vec<Responsibility>,
    pub accounts: Vec<Account>,
    pub groups: Vec<Group>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uai_check_letter_accepts_real_codes() {
        // Published UAIs (annuaire de l'éducation).
        for ok in ["0011068F", "0690026D", "0750655E"] {
            assert!(Uai::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Uai::parse(" 0011068f ").map(|u| u.to_string()), Ok("0011068F".into()));
    }

    #[test]
    fn uai_rejects_bad_letter_and_shape() {
        assert_eq!(Uai::parse("0011068G").unwrap_err().code(), "UAI_CHECK_LETTER");
        assert_eq!(Uai::parse("001106F").unwrap_err().code(), "UAI_SHAPE");
        assert_eq!(Uai::parse("00110681").unwrap_err().code(), "UAI_SHAPE");
        assert_eq!(Uai::parse("").unwrap_err().code(), "UAI_SHAPE");
        assert_eq!(Uai::parse("ééééééé1").unwrap_err().code(), "UAI_SHAPE");
    }

    #[test]
    fn uai_parse_never_panics_and_accepts_exactly_one_letter() {
        // Arbitrary byte strings (lossily decoded) from a fixed LCG: no panic, ever.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let len = (x % 12) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (x >> 33) as u8
                })
                .collect();
            let _ = Uai::parse(&String::from_utf8_lossy(&bytes));
        }
        for body in ["0000000", "0999001", "9999999", "0011068"] {
            let valid: Vec<char> = ('A'..='Z').filter(|c| Uai::parse(&format!("{body}{c}")).is_ok()).collect();
            assert_eq!(valid.len(), 1, "{body}: {valid:?}");
        }
    }

    #[test]
    fn uai_from_digits_round_trips() {
        let u = Uai::from_digits("0999001").unwrap();
        assert_eq!(Uai::parse(u.as_str()), Ok(u));
    }
}
