//! The school's export files: one module per format, each with a streaming
//! `read` (records handed to a sink as they are parsed, rejects with their
//! location) and a `write` that produces files of the real shape. Shared
//! plumbing: `source` (files, zip entries, encodings, limits, progress,
//! cancel), `xml` (a path-tracking pull parser over quick-xml), `detect`
//! (what a file is, by content only).

pub mod aaf;
pub mod any;
pub mod csvtable;
pub mod detect;
pub mod edt;
pub mod ent_directory;
pub mod mapping;
pub mod pronote_ids;
pub mod siecle;
pub mod source;
pub mod sts;
pub mod udt;
pub mod xml;

use serde::{Deserialize, Serialize};

use crate::ErrorCode;

/// Every format Préau reads. The string forms are the command-line contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Format {
    #[serde(rename = "siecle-eleves")]
    SiecleEleves,
    #[serde(rename = "siecle-responsables")]
    SiecleResponsables,
    #[serde(rename = "siecle-structures")]
    SiecleStructures,
    #[serde(rename = "siecle-nomenclature")]
    SiecleNomenclature,
    #[serde(rename = "sts")]
    Sts,
    #[serde(rename = "edt")]
    Edt,
    #[serde(rename = "udt")]
    Udt,
    #[serde(rename = "aaf")]
    Aaf,
    #[serde(rename = "ent-directory")]
    EntDirectory,
    #[serde(rename = "pronote-ids")]
    PronoteIds,
}

impl Format {
    pub const ALL: [Format; 10] = [
        Format::SiecleEleves,
        Format::SiecleResponsables,
        Format::SiecleStructures,
        Format::SiecleNomenclature,
        Format::Sts,
        Format::Edt,
        Format::Udt,
        Format::Aaf,
        Format::EntDirectory,
        Format::PronoteIds,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::SiecleEleves => "siecle-eleves",
            Format::SiecleResponsables => "siecle-responsables",
            Format::SiecleStructures => "siecle-structures",
            Format::SiecleNomenclature => "siecle-nomenclature",
            Format::Sts => "sts",
            Format::Edt => "edt",
            Format::Udt => "udt",
            Format::Aaf => "aaf",
            Format::EntDirectory => "ent-directory",
            Format::PronoteIds => "pronote-ids",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Where in a file a record or a problem sits: a line, an element path, or
/// both (`ligne 57, ELEVE[ELEVE_ID=1234]`). Shown as is to the user.
pub type Location = String;

/// A record the reader could not accept. The import report keeps every one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    pub location: Location,
    pub field: String,
    pub value: String,
    /// Stable reason code (`DATE_INVALID`, `REQUIRED_MISSING`, `INE_DUPLICATE`…), translated by the UI.
    pub reason: String,
}

impl Reject {
    pub fn new(location: impl Into<String>, field: &str, value: &str, reason: &str) -> Reject {
        // Values are shown to people and stored: keep them short.
        let value: String = value.chars().take(200).collect();
        Reject { location: location.into(), field: field.to_string(), value, reason: reason.to_string() }
    }
}

/// What a file says about itself (BEE `PARAMETRES`, STS `UAJ`, EDT header…).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHeader {
    pub uai: Option<String>,
    /// First year of the school year (2026 for 2026-2027).
    pub school_year: Option<i32>,
    /// When the file was produced, as the file writes it.
    pub exported_at: Option<String>,
    /// Producing software and version, when stated.
    pub software: Option<String>,
    /// Format version (`VERSION` attribute, AAF `versionAF`…).
    pub version: Option<String>,
}

/// What a reader hands its sink, in file order: the header (at most once,
/// before any record when the format has one), records, rejects.
#[derive(Debug, Clone, PartialEq)]
pub enum Item<R> {
    Header(FileHeader),
    Record(R, Location),
    Reject(Reject),
}

/// Everything a read produced, gathered (tests, small files, writers' round trips).
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<R> {
    pub header: FileHeader,
    pub records: Vec<R>,
    pub rejects: Vec<Reject>,
}

impl<R> Default for Parsed<R> {
    fn default() -> Self {
        Parsed { header: FileHeader::default(), records: Vec::new(), rejects: Vec::new() }
    }
}

impl<R> Parsed<R> {
    /// A sink that gathers into `self`.
    pub fn push(&mut self, item: Item<R>) -> Result<(), FormatError> {
        match item {
            Item::Header(h) => self.header = h,
            Item::Record(r, _) => self.records.push(r),
            Item::Reject(r) => self.rejects.push(r),
        }
        Ok(())
    }
}

/// Detects `input`, checks that `accepts` its format (else `Unknown`, saying
/// the file is not `what`), and reads it whole with `read` (tests, fuzzing,
/// small files).
pub fn read_all_as<R>(
    input: &source::Input,
    accepts: impl Fn(Format) -> bool,
    what: &str,
    read: impl FnOnce(
        &source::Input,
        &detect::Detected,
        &mut source::Ctl<'_>,
        &mut dyn FnMut(Item<R>) -> Result<(), FormatError>,
    ) -> Result<(), FormatError>,
) -> Result<Parsed<R>, FormatError> {
    let mut parsed = Parsed::default();
    with_detected(input, accepts, what, |input, detected, ctl| {
        read(input, detected, ctl, &mut |item| parsed.push(item))
    })?;
    Ok(parsed)
}

/// Detects a file, checks that it is of an accepted format, then runs
/// `work` on it (no progress, no cancel).
pub fn with_detected<T>(
    input: &source::Input,
    accepts: impl Fn(Format) -> bool,
    what: &str,
    work: impl FnOnce(&source::Input, &detect::Detected, &mut source::Ctl<'_>) -> Result<T, FormatError>,
) -> Result<T, FormatError> {
    let detected = detect::detect(input)?;
    if !accepts(detected.format) {
        return Err(FormatError::Unknown {
            file: input.name(),
            hint: format!("fichier {} et non {what}", detected.format.as_str()),
        });
    }
    let cancel = crate::progress::CancelToken::new();
    let mut progress = crate::progress::NoProgress;
    let mut ctl = source::Ctl { cancel: &cancel, progress: &mut progress };
    work(input, &detected, &mut ctl)
}

/// Why a file could not be read at all. Record-level problems are `Reject`s.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("lecture du fichier {file} impossible : {message}")]
    Io { file: String, message: String },
    #[error("lecture annulée")]
    Cancelled,
    #[error("le fichier {file} est vide")]
    Empty { file: String },
    #[error("le fichier {file} n'est pas un fichier texte, XML, CSV ou ZIP")]
    Binary { file: String },
    #[error("format du fichier {file} non reconnu : {hint}")]
    Unknown { file: String, hint: String },
    #[error("XML mal formé dans {file} ({location}) : {message}")]
    Xml { file: String, location: Location, message: String },
    #[error("le fichier {file} s'arrête avant la fin du document ({location})")]
    Truncated { file: String, location: Location },
    #[error("imbrication XML trop profonde dans {file} ({location}) : plus de {limit} niveaux")]
    TooDeep { file: String, location: Location, limit: usize },
    #[error("ligne ou élément démesuré dans {file} ({location}) : plus de {limit} octets")]
    TooLarge { file: String, location: Location, limit: u64 },
    #[error("le fichier {file} déclare une DTD avec des entités ({location}) : refusé par sécurité")]
    Entities { file: String, location: Location },
    #[error("encodage « {encoding} » de {file} non pris en charge")]
    UnsupportedEncoding { file: String, encoding: String },
    #[error("octets invalides pour l'encodage {encoding} dans {file} ({location})")]
    BadEncoding { file: String, encoding: String, location: Location },
    #[error("archive ZIP illisible ({file}) : {message}")]
    Zip { file: String, message: String },
    #[error("l'archive {file} ne contient aucun fichier reconnu")]
    ZipNothingUsable { file: String },
    #[error("élément obligatoire absent de {file} : {element}")]
    MissingElement { file: String, element: String },
    #[error("colonnes obligatoires absentes de {file} : {columns}")]
    MissingColumns { file: String, columns: String },
    #[error(
        "{file} est un export EDT chiffré pour l'ENT (UAI {uai}, {date}, {software}) : seul l'ENT destinataire peut \
         le déchiffrer ; Préau n'en lit que l'en-tête. Pour l'importer dans Préau, il faut la version « en clair » de \
         cet export (fichier …_Enclair.xml), à demander à Index Éducation ou à l'éditeur de l'ENT."
    )]
    EncryptedEdt { file: String, uai: String, date: String, software: String },
}

impl ErrorCode for FormatError {
    fn code(&self) -> &'static str {
        match self {
            FormatError::Io { .. } => "FORMAT_IO",
            FormatError::Cancelled => "FORMAT_CANCELLED",
            FormatError::Empty { .. } => "FORMAT_EMPTY",
            FormatError::Binary { .. } => "FORMAT_BINARY",
            FormatError::Unknown { .. } => "FORMAT_UNKNOWN",
            FormatError::Xml { .. } => "FORMAT_XML_MALFORMED",
            FormatError::Truncated { .. } => "FORMAT_XML_TRUNCATED",
            FormatError::TooDeep { .. } => "FORMAT_XML_TOO_DEEP",
            FormatError::TooLarge { .. } => "FORMAT_TOO_LARGE",
            FormatError::Entities { .. } => "FORMAT_XML_ENTITIES",
            FormatError::UnsupportedEncoding { .. } => "FORMAT_ENCODING_UNSUPPORTED",
            FormatError::BadEncoding { .. } => "FORMAT_ENCODING_INVALID",
            FormatError::Zip { .. } => "FORMAT_ZIP",
            FormatError::ZipNothingUsable { .. } => "FORMAT_ZIP_NOTHING_USABLE",
            FormatError::MissingElement { .. } => "FORMAT_MISSING_ELEMENT",
            FormatError::MissingColumns { .. } => "FORMAT_MISSING_COLUMNS",
            FormatError::EncryptedEdt { .. } => "FORMAT_EDT_ENCRYPTED",
        }
    }
}

/// `aaaa-mm-jj` from checked parts; `None` when not a real calendar date.
/// (Built by hand: readers call this for every date of every record.)
fn iso_of(y: &str, m: &str, d: &str) -> Option<String> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
    let mut out = String::with_capacity(10);
    for part in [y, "-", m, "-", d] {
        out.push_str(part);
    }
    Some(out)
}

/// French dates as exports write them (`jj/mm/aaaa`) to ISO `aaaa-mm-jj`;
/// `None` when the text is not a real calendar date.
pub fn date_fr_to_iso(text: &str) -> Option<String> {
    let mut parts = text.trim().split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    iso_of(y, m, d)
}

/// ISO `aaaa-mm-jj` (STS, EDT) checked; `None` when not a real date.
pub fn date_iso(text: &str) -> Option<String> {
    let mut parts = text.trim().split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    iso_of(y, m, d)
}

/// ISO `aaaa-mm-jj` to the exports' `jj/mm/aaaa` (writers).
pub fn date_iso_to_fr(iso: &str) -> String {
    match chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => iso.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_fr_to_iso("02/04/2013").as_deref(), Some("2013-04-02"));
        assert_eq!(date_fr_to_iso("31/02/2013"), None);
        assert_eq!(date_fr_to_iso("00/00/2013"), None);
        assert_eq!(date_fr_to_iso("2/4/2013"), None);
        assert_eq!(date_iso("2013-04-02").as_deref(), Some("2013-04-02"));
        assert_eq!(date_iso("2013-13-02"), None);
        assert_eq!(date_iso(" 2013-04-02 ").as_deref(), Some("2013-04-02"));
        assert_eq!(date_iso("2013-4-02"), None);
        assert_eq!(date_iso("+013-04-02"), None);
        assert_eq!(date_fr_to_iso("29/02/2024").as_deref(), Some("2024-02-29"));
        assert_eq!(date_fr_to_iso("29/02/2023"), None);
        assert_eq!(date_fr_to_iso("02/04/2013/1"), None);
        assert_eq!(date_iso_to_fr("2013-04-02"), "02/04/2013");
        for f in Format::ALL {
            assert_eq!(Format::parse(f.as_str()), Some(f));
        }
    }
}

/// What a format module writes for the demo establishment: files (name and
/// bytes, as the school would receive them) and, for `truth.json`, the
/// identifier each person carries in these files.
#[derive(Debug, Clone, Default)]
pub struct DemoFiles {
    pub files: Vec<(String, Vec<u8>)>,
    /// (person id in `EstablishmentData`, identifier kind such as `siecle_eleve_id`, value).
    pub ids: Vec<(String, String, String)>,
}
