//! Importing the school's files: detect each one, refuse what cannot be
//! used (unreadable, wrong establishment or year, already imported), then
//! read them all into one store transaction — batches, records, rejects —
//! check across records, update the population, compute the data-quality
//! findings, and commit with an audit entry. Any failure or a cancel rolls
//! everything back.

mod checks;
mod findings;
mod project;
mod timetable;

use serde::Serialize;

use crate::formats::csvtable::ColumnPreset;
use crate::formats::detect::{detect, Detected};
use crate::formats::source::{Ctl, Input};
use crate::formats::{any, mapping, Format, FormatError, Item, Reject};
use crate::progress::{CancelToken, Progress};
use crate::store::{Finding, NewBatch, Store, StoreError};
use crate::ErrorCode;

pub use checks::IMPORT_REJECT_REASONS;
pub use findings::FINDING_CODES;

/// How many rejects a report carries per file (all are stored).
pub const REPORT_REJECTS: usize = 1000;

/// One file's result, as the CLI prints it and the UI shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileReport {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_entry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    pub read: u64,
    pub rejected: u64,
    pub rejects: Vec<Reject>,
    /// Error code when the file could not be used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Whether the file's content is now in the store.
    pub applied: bool,
    /// The column preset a CSV table was read with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<i64>,
}

impl FileReport {
    fn new(file: String) -> Self {
        FileReport {
            file,
            format: None,
            zip_entry: None,
            encoding: None,
            read: 0,
            rejected: 0,
            rejects: Vec::new(),
            error: None,
            message: None,
            applied: false,
            preset: None,
            batch_id: None,
        }
    }

    fn fail(&mut self, code: &str, message: String) {
        self.error = Some(code.to_string());
        self.message = Some(message);
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    pub files: Vec<FileReport>,
    /// True when the store now holds every file; false when nothing was written.
    pub committed: bool,
    pub findings: Vec<Finding>,
}

/// Where the work stands, for a progress bar.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportProgress {
    pub file_index: usize,
    pub file_count: usize,
    pub file: String,
    /// `detection`, `lecture`, `controles`, `constats`.
    pub phase: &'static str,
    pub done: u64,
    pub total: u64,
}

/// A problem that stops the whole operation after reading began.
#[derive(Debug)]
enum Abort {
    File { index: usize, code: String, message: String },
    Store(StoreError),
    Cancelled,
}

impl From<StoreError> for Abort {
    fn from(e: StoreError) -> Self {
        Abort::Store(e)
    }
}

/// Errors of the operation as a whole (the store itself failing).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("import annulé : rien n'a été écrit")]
    Cancelled,
}

impl ErrorCode for ImportError {
    fn code(&self) -> &'static str {
        match self {
            ImportError::Store(e) => e.code(),
            ImportError::Cancelled => "IMPORT_CANCELLED",
        }
    }
}

struct ProgressAdapter<'p> {
    inner: &'p mut dyn FnMut(ImportProgress),
    index: usize,
    count: usize,
    file: String,
}

impl Progress for ProgressAdapter<'_> {
    fn update(&mut self, done: u64, total: u64) {
        (self.inner)(ImportProgress {
            file_index: self.index,
            file_count: self.count,
            file: self.file.clone(),
            phase: "lecture",
            done,
            total,
        })
    }
}

/// Imports `inputs` into `store` as one operation.
pub fn import_files(
    store: &mut Store,
    inputs: &[Input],
    actor: &str,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportOutcome, ImportError> {
    let presets = vec![None; inputs.len()];
    import_files_with(store, inputs, &presets, actor, cancel, progress)
}

/// The stored column presets, parsed (unreadable ones are skipped).
fn stored_presets(store: &Store) -> Result<Vec<ColumnPreset>, StoreError> {
    Ok(store.column_presets()?.into_iter().filter_map(|row| serde_json::from_str(&row.columns).ok()).collect())
}

/// Like [`import_files`], with a column mapping for some of the files (CSV
/// tables whose headers Préau does not recognise). A file that is not
/// recognised and has no mapping gets the first saved preset that fits it.
pub fn import_files_with(
    store: &mut Store,
    inputs: &[Input],
    presets: &[Option<ColumnPreset>],
    actor: &str,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportOutcome, ImportError> {
    let saved = stored_presets(store)?;
    let mut used_presets: Vec<Option<ColumnPreset>> = presets.to_vec();
    used_presets.resize(inputs.len(), None);
    let mut reports: Vec<FileReport> = inputs.iter().map(|i| FileReport::new(i.name())).collect();
    let mut detected: Vec<Option<(Detected, String)>> = Vec::with_capacity(inputs.len());
    let count = inputs.len();
    // 1. Detection and refusals, before anything is written.
    let mut seen_hashes: Vec<String> = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        progress(ImportProgress {
            file_index: index,
            file_count: count,
            file: input.name(),
            phase: "detection",
            done: 0,
            total: 0,
        });
        if cancel.is_cancelled() {
            return Err(ImportError::Cancelled);
        }
        let report = &mut reports[index];
        let given = used_presets[index].clone();
        let d = match (given, detect(input)) {
            (Some(preset), _) => match mapping::fits(input, &preset) {
                Some(d) => {
                    report.preset = Some(preset.name.clone());
                    d
                }
                None => {
                    report.fail(
                        "IMPORT_PRESET_DOES_NOT_FIT",
                        format!(
                            "le modèle de colonnes « {} » ne correspond pas aux colonnes de ce fichier",
                            preset.name
                        ),
                    );
                    detected.push(None);
                    continue;
                }
            },
            (None, Ok(d)) => d,
            (None, Err(e)) => match saved.iter().find_map(|p| mapping::fits(input, p).map(|d| (p, d))) {
                Some((p, d)) if matches!(e, FormatError::Unknown { .. }) => {
                    report.preset = Some(p.name.clone());
                    used_presets[index] = Some(p.clone());
                    d
                }
                _ => {
                    report.fail(e.code(), e.to_string());
                    detected.push(None);
                    continue;
                }
            },
        };
        let summary = d.summary(input);
        report.format = Some(d.format);
        report.zip_entry = summary.zip_entry;
        report.encoding = Some(summary.encoding);
        let hash = match input.sha256(cancel) {
            Ok(h) => h,
            Err(FormatError::Cancelled) => return Err(ImportError::Cancelled),
            Err(e) => {
                report.fail(e.code(), e.to_string());
                detected.push(None);
                continue;
            }
        };
        if let Some(previous) = store.batch_by_hash(&hash)? {
            report.fail(
                "IMPORT_ALREADY_IMPORTED",
                format!(
                    "fichier déjà importé le {} (sous le nom {})",
                    french_date(&previous.imported_at),
                    previous.file_name
                ),
            );
            detected.push(None);
            continue;
        }
        if seen_hashes.contains(&hash) {
            report.fail("IMPORT_SAME_FILE_TWICE", "le même fichier est donné deux fois".into());
            detected.push(None);
            continue;
        }
        seen_hashes.push(hash.clone());
        detected.push(Some((d, hash)));
    }
    if reports.iter().any(|r| r.error.is_some()) {
        return Ok(ImportOutcome { files: reports, committed: false, findings: Vec::new() });
    }
    // 2. Reading, checks, projection and findings in one transaction.
    let establishment = store.establishment()?;
    let uai = store.uai().clone();
    let mut tx = store.begin_import()?;
    let result = (|| -> Result<Vec<Finding>, Abort> {
        let mut batches = Vec::new();
        for (index, input) in inputs.iter().enumerate() {
            let Some((d, hash)) = &detected[index] else { continue };
            let report = &mut reports[index];
            let mut batch_meta = NewBatch {
                file_name: input.name(),
                sha256: hash.clone(),
                format: d.format.as_str().to_string(),
                zip_entry: report.zip_entry.clone(),
                encoding: d.encoding.name().to_string(),
                actor: actor.to_string(),
                bytes: input.len().unwrap_or(0),
                ..NewBatch::default()
            };
            let batch = tx.add_batch(&batch_meta)?;
            report.batch_id = Some(batch);
            let mut adapter = ProgressAdapter { inner: progress, index, count, file: input.name() };
            let mut ctl = Ctl { cancel, progress: &mut adapter };
            let mut seq: u64 = 0;
            let mut header_problem: Option<(String, String)> = None;
            let mut store_error: Option<StoreError> = None;
            let read = any::read_json_with(input, d, used_presets[index].as_ref(), &mut ctl, &mut |item| {
                seq += 1;
                let r = match item {
                    Item::Header(h) => {
                        header_problem = checks::header(&h, &uai, establishment.as_ref());
                        batch_meta.file_uai = h.uai;
                        batch_meta.school_year = h.school_year;
                        batch_meta.exported_at = h.exported_at;
                        batch_meta.software = h.software;
                        batch_meta.version = h.version;
                        if header_problem.is_some() {
                            return Err(FormatError::Cancelled);
                        }
                        tx.set_batch_header(batch, &batch_meta)
                    }
                    Item::Record((kind, json), location) => {
                        report.read += 1;
                        tx.add_record(batch, seq, &kind, &location, &json)
                    }
                    Item::Reject(rej) => {
                        report.rejected += 1;
                        if report.rejects.len() < REPORT_REJECTS {
                            report.rejects.push(rej.clone());
                        }
                        tx.add_reject(batch, seq, &rej)
                    }
                };
                r.map_err(|e| {
                    store_error = Some(e);
                    FormatError::Cancelled
                })
            });
            if let Some(e) = store_error {
                return Err(Abort::Store(e));
            }
            if let Some((code, message)) = header_problem {
                return Err(Abort::File { index, code, message });
            }
            match read {
                Ok(()) => {}
                Err(FormatError::Cancelled) => return Err(Abort::Cancelled),
                Err(e) => return Err(Abort::File { index, code: e.code().to_string(), message: e.to_string() }),
            }
            batches.push((index, batch, d.format));
        }
        progress(ImportProgress {
            file_index: count,
            file_count: count,
            file: String::new(),
            phase: "controles",
            done: 0,
            total: 0,
        });
        for (index, batch, format) in &batches {
            let extra = checks::records(&mut tx, *batch, *format)?;
            let report = &mut reports[*index];
            report.read = report.read.saturating_sub(extra.len() as u64);
            report.rejected += extra.len() as u64;
            for rej in extra {
                if report.rejects.len() < REPORT_REJECTS {
                    report.rejects.push(rej);
                }
            }
            tx.finish_batch(*batch, report.read, report.rejected)?;
        }
        let population = project::apply(&mut tx, &uai, &batches.iter().map(|(_, b, f)| (*b, *f)).collect::<Vec<_>>())?;
        progress(ImportProgress {
            file_index: count,
            file_count: count,
            file: String::new(),
            phase: "constats",
            done: 0,
            total: 0,
        });
        let found = findings::compute(&tx, population)?;
        tx.replace_findings(&found)?;
        Ok(found)
    })();
    match result {
        Ok(found) => {
            let detail = serde_json::json!({
                "operation": tx.operation(),
                "files": reports.iter().map(|r| serde_json::json!({
                    "file": r.file, "format": r.format, "read": r.read, "rejected": r.rejected,
                })).collect::<Vec<_>>(),
            });
            tx.commit(actor, &detail)?;
            for r in &mut reports {
                r.applied = true;
            }
            Ok(ImportOutcome { files: reports, committed: true, findings: found })
        }
        Err(abort) => {
            drop(tx); // rolls back
            match abort {
                Abort::Cancelled => Err(ImportError::Cancelled),
                Abort::Store(e) => Err(ImportError::Store(e)),
                Abort::File { index, code, message } => {
                    for r in &mut reports {
                        r.batch_id = None;
                    }
                    if let Some(r) = reports.get_mut(index) {
                        r.fail(&code, message);
                    }
                    Ok(ImportOutcome { files: reports, committed: false, findings: Vec::new() })
                }
            }
        }
    }
}

/// `2026-09-01T08:00:00.000Z` → `01/09/2026`.
fn french_date(rfc3339: &str) -> String {
    rfc3339.get(..10).map(crate::formats::date_iso_to_fr).unwrap_or_else(|| rfc3339.to_string())
}
