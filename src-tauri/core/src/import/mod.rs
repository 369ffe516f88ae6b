//! Importing the school's files: detect each one, refuse what cannot be
//! used (unreadable, wrong establishment or year, already imported), then
//! read them all into one store transaction — batches, records, rejects —
//! check across records, update the population, compute the data-quality
//! findings, and commit with an audit entry. Any failure or a cancel rolls
//! everything back.

mod checks;
mod findings;
mod fresh;
pub(crate) mod project;
mod read;
mod timetable;

use serde::Serialize;

use crate::formats::any::read_typed;
use crate::formats::csvtable::ColumnPreset;
use crate::formats::detect::{detect, Detected};
use crate::formats::siecle::SiecleRecord;
use crate::formats::source::{Ctl, Input};
use crate::formats::{mapping, FileHeader, Format, FormatError, Item, Reject};
use crate::model::{Establishment, EstablishmentData, Uai};
use crate::progress::CancelToken;
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
    /// Something to know about a file that is imported all the same (the
    /// same data arriving twice).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
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
            notice: None,
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
    /// Files refused while read (by input index, code, French message).
    Files(Vec<(usize, String, String)>),
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
/// Any refused file leaves the store as it was.
pub fn import_files_with(
    store: &mut Store,
    inputs: &[Input],
    presets: &[Option<ColumnPreset>],
    actor: &str,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportOutcome, ImportError> {
    import_selection(store, inputs, presets, Refused::WriteNothing, actor, cancel, progress)
}

/// The operation's choice of files once every one was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Any refusal leaves the store as it was (each report says why).
    WriteNothing,
    /// The files that can be imported are, as one operation; the refused
    /// ones are left out, each report saying why.
    Skip,
}

/// Like [`import_files_with`]; `refused` says what a refusal does to the
/// other files. Every file is checked before anything is written, and every
/// refusal is reported at once.
pub fn import_selection(
    store: &mut Store,
    inputs: &[Input],
    presets: &[Option<ColumnPreset>],
    refused: Refused,
    actor: &str,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportOutcome, ImportError> {
    let saved = stored_presets(store)?;
    let establishment = store.establishment()?;
    let uai = store.uai().clone();
    let mut used_presets: Vec<Option<ColumnPreset>> = presets.to_vec();
    used_presets.resize(inputs.len(), None);
    let mut reports: Vec<FileReport> = inputs.iter().map(|i| FileReport::new(i.name())).collect();
    let mut detected: Vec<Option<(Detected, String)>> = Vec::with_capacity(inputs.len());
    let count = inputs.len();
    // 1. Detection and refusals, before anything is written.
    let mut seen_hashes: Vec<String> = Vec::new();
    // The document's own hash (a ZIP's single entry, else the file), by input.
    let mut contents: Vec<Option<String>> = Vec::with_capacity(inputs.len());
    // Every file is hashed whole: side by side, on as many threads as cores.
    let mut hashes: Vec<Option<Result<String, FormatError>>> = hash_all(inputs, cancel).into_iter().map(Some).collect();
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
        contents.push(None);
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
        let hashed = hashes[index].take().unwrap_or_else(|| input.sha256(cancel)).and_then(|hash| {
            let content = match d.entry {
                Some(entry) => entry_sha256(input, entry, cancel)?,
                None => hash.clone(),
            };
            Ok((hash, content))
        });
        let (hash, content) = match hashed {
            Ok(h) => h,
            Err(FormatError::Cancelled) => return Err(ImportError::Cancelled),
            Err(e) => {
                report.fail(e.code(), e.to_string());
                detected.push(None);
                continue;
            }
        };
        let previous = match store.batch_by_hash(&hash)? {
            Some(b) => Some(b),
            None if content != hash => store.batch_by_hash(&content)?,
            None => None,
        };
        if let Some(previous) = previous {
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
        if let Some(first) = contents.iter().position(|c| c.as_deref() == Some(content.as_str())) {
            // An export and the ZIP holding it: the same data, once is enough.
            report.fail(
                "IMPORT_SAME_DATA_TWICE",
                format!("mêmes données que « {} » (un fichier et l'archive qui le contient)", inputs[first].name()),
            );
            detected.push(None);
            continue;
        }
        // The file's header, read now: a file for another school, another
        // year, or that cannot say which school it is for, is refused here.
        match probe(input, &d, used_presets[index].as_ref(), cancel) {
            Ok(Some(h)) => {
                if let Some((code, message)) = checks::header(d.format, &h, &uai, establishment.as_ref()) {
                    report.fail(&code, message);
                    detected.push(None);
                    continue;
                }
            }
            Ok(None) => {}
            Err(FormatError::Cancelled) => return Err(ImportError::Cancelled),
            Err(e) => {
                report.fail(e.code(), e.to_string());
                detected.push(None);
                continue;
            }
        }
        seen_hashes.push(hash.clone());
        contents[index] = Some(content);
        detected.push(Some((d, hash)));
    }
    aaf_notices(inputs, &detected, &mut reports);
    loop {
        let refusals = reports.iter().any(|r| r.error.is_some());
        let nothing = detected.iter().all(Option::is_none);
        if nothing {
            // Counts of a reading that was rolled back would say what is not there.
            for r in &mut reports {
                r.read = 0;
                r.rejected = 0;
                r.rejects.clear();
                r.batch_id = None;
            }
            return Ok(ImportOutcome { files: reports, committed: false, findings: Vec::new() });
        }
        for (report, d) in reports.iter_mut().zip(&detected) {
            if d.is_some() {
                report.read = 0;
                report.rejected = 0;
                report.rejects.clear();
                report.batch_id = None;
            }
        }
        // 2. Reading, checks, projection and findings in one transaction.
        // When files are refused already and nothing is to be written, the
        // others are still read (then rolled back), so that a file refused
        // only once read is said now too.
        let attempt = Operation {
            dry: refusals && refused == Refused::WriteNothing,
            inputs,
            detected: &detected,
            presets: &used_presets,
            uai: &uai,
            establishment: establishment.as_ref(),
            actor,
            cancel,
        }
        .run(store, &mut reports, progress)?;
        match attempt {
            Some(found) => {
                for (report, d) in reports.iter_mut().zip(&detected) {
                    report.applied = d.is_some();
                }
                return Ok(ImportOutcome { files: reports, committed: true, findings: found });
            }
            // Files refused while read: they are left out and the others
            // read again, or nothing is written.
            None => {
                for (report, d) in reports.iter_mut().zip(detected.iter_mut()) {
                    report.batch_id = None;
                    if report.error.is_some() {
                        *d = None;
                    }
                }
                if refused == Refused::WriteNothing {
                    for r in &mut reports {
                        r.read = 0;
                        r.rejected = 0;
                        r.rejects.clear();
                    }
                    return Ok(ImportOutcome { files: reports, committed: false, findings: Vec::new() });
                }
            }
        }
    }
}

/// The SHA-256 of every input, in input order, computed on worker threads.
fn hash_all(inputs: &[Input], cancel: &CancelToken) -> Vec<Result<String, FormatError>> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4).min(inputs.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<Result<String, FormatError>>> = (0..inputs.len()).map(|_| None).collect();
    let done = std::sync::Mutex::new(&mut out);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(input) = inputs.get(i) else { return };
                let hash = input.sha256(cancel);
                if let Ok(mut done) = done.lock() {
                    if let Some(slot) = done.get_mut(i) {
                        *slot = Some(hash);
                    }
                }
            });
        }
    });
    // A slot left empty (a worker that could not store it) is hashed here.
    out.into_iter().zip(inputs).map(|(h, input)| h.unwrap_or_else(|| input.sha256(cancel))).collect()
}

/// The hash of a ZIP entry's content, to know an export from the archive
/// holding it.
fn entry_sha256(input: &Input, entry: usize, cancel: &CancelToken) -> Result<String, FormatError> {
    use sha2::{Digest, Sha256};
    let mut progress = crate::progress::NoProgress;
    let mut ctl = Ctl { cancel, progress: &mut progress };
    input.with_raw(Some(entry), &mut ctl, |raw, _| {
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = raw.read(&mut buf).map_err(|e| input.read_error(&e, "archive"))?;
            if n == 0 {
                break;
            }
            hasher.update(buf.get(..n).unwrap_or_default());
        }
        Ok(hex::encode(hasher.finalize()))
    })
}

/// Reads `input` up to its first record: its header, and whatever its reader
/// finds wrong before (an encrypted EDT export is known there).
fn probe(
    input: &Input,
    detected: &Detected,
    preset: Option<&ColumnPreset>,
    cancel: &CancelToken,
) -> Result<Option<FileHeader>, FormatError> {
    let stop = CancelToken::new();
    let mut progress = crate::progress::NoProgress;
    let mut ctl = Ctl { cancel: &stop, progress: &mut progress };
    let mut header = None;
    let mut reached = false;
    let read = read_typed(input, detected, preset, &mut ctl, &mut |item| {
        if cancel.is_cancelled() {
            return Err(FormatError::Cancelled);
        }
        match item {
            Item::Header(h) => {
                header = Some(h);
                Ok(())
            }
            Item::Record(..) | Item::Reject(_) => {
                // Enough seen: the rest is read with the operation.
                reached = true;
                stop.cancel();
                Err(FormatError::Cancelled)
            }
        }
    });
    match read {
        Ok(()) => Ok(header),
        Err(FormatError::Cancelled) if reached => Ok(header),
        Err(e) => Err(e),
    }
}

/// The AAF files of a category that come as a complete file and a delta in
/// the same operation: said on the delta (the same people twice when the
/// complete file is as recent).
fn aaf_notices(inputs: &[Input], detected: &[Option<(Detected, String)>], reports: &mut [FileReport]) {
    let names: Vec<Option<crate::formats::aaf::AafFileName>> = inputs
        .iter()
        .zip(detected)
        .zip(reports.iter())
        .map(|((input, d), r)| match d {
            Some((d, _)) if d.format == Format::Aaf => {
                crate::formats::aaf::parse_file_name(r.zip_entry.as_deref().unwrap_or(&input.name()))
            }
            _ => None,
        })
        .collect();
    for (i, delta) in names.iter().enumerate() {
        let Some(delta) = delta.as_ref().filter(|n| !n.full) else { continue };
        let complete = names.iter().enumerate().find_map(|(j, n)| {
            n.as_ref().filter(|n| n.full && n.category == delta.category && n.prefix == delta.prefix).map(|n| (j, n))
        });
        let Some((j, complete)) = complete else { continue };
        let name = reports[j].file.clone();
        let notice = match (&delta.date, &complete.date) {
            (Some(d), Some(c)) if d <= c => format!(
                "delta du {} déjà compris dans le fichier complet « {name} » du {} : les mêmes données arrivent deux fois",
                crate::formats::date_iso_to_fr(d),
                crate::formats::date_iso_to_fr(c)
            ),
            _ => format!(
                "delta importé avec le fichier complet « {name} » : les personnes qu'il change y sont déjà, il s'applique après lui"
            ),
        };
        if let Some(r) = reports.get_mut(i) {
            r.notice = Some(notice);
        }
    }
}

/// What the second step works on.
struct Operation<'a> {
    /// Read to find refusals only: rolled back in any case.
    dry: bool,
    inputs: &'a [Input],
    detected: &'a [Option<(Detected, String)>],
    presets: &'a [Option<ColumnPreset>],
    uai: &'a Uai,
    establishment: Option<&'a Establishment>,
    actor: &'a str,
    cancel: &'a CancelToken,
}

impl Operation<'_> {
    /// Reads the accepted files into one transaction and commits it: the
    /// findings; `None` when some files were refused while read (their
    /// reports say why; nothing was written), or for a dry run.
    fn run(
        &self,
        store: &mut Store,
        reports: &mut [FileReport],
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<Option<Vec<Finding>>, ImportError> {
        let Operation { dry, inputs, detected, presets, uai, establishment, actor, cancel } = *self;
        let count = inputs.len();
        let mut tx = store.begin_import()?;
        let result = (|| -> Result<Vec<Finding>, Abort> {
            // Every batch row first, in file order; then the files are read side
            // by side and stored here as their items arrive.
            let mut files: Vec<FileState> = Vec::new();
            let mut jobs: Vec<read::Job<'_>> = Vec::new();
            let mut fresh = fresh::Fresh::default();
            for (index, input) in inputs.iter().enumerate() {
                let Some((d, hash)) = &detected[index] else { continue };
                let report = &mut reports[index];
                let meta = NewBatch {
                    file_name: input.name(),
                    sha256: hash.clone(),
                    format: d.format.as_str().to_string(),
                    zip_entry: report.zip_entry.clone(),
                    encoding: d.encoding.name().to_string(),
                    actor: actor.to_string(),
                    bytes: input.len().unwrap_or(0),
                    preset: presets[index].as_ref().and_then(|p| serde_json::to_string(p).ok()),
                    ..NewBatch::default()
                };
                let batch = tx.add_batch(&meta)?;
                report.batch_id = Some(batch);
                fresh.open(batch, d.format, input.len().unwrap_or(0));
                files.push(FileState {
                    index,
                    batch,
                    format: d.format,
                    meta,
                    seq: 0,
                    checks: checks::CrossChecks::default(),
                    done: 0,
                    total: input.len().unwrap_or(0),
                    refused: false,
                });
                jobs.push(read::Job {
                    input,
                    detected: d,
                    preset: presets[index].as_ref(),
                    keep: fresh::kept(d.format),
                    first: project::feeds_population(d.format),
                });
            }
            let batches: Vec<(i64, Format)> = files.iter().map(|f| (f.batch, f.format)).collect();
            // The population is built as soon as the files feeding it are read
            // (they are read first); while others (a timetable…) still are, it
            // is written then too, else beside the findings' computation.
            let mut feeding = files.iter().filter(|f| project::feeds_population(f.format)).count();
            let mut unfinished = files.len();
            // The population built early, and whether it is written already.
            let mut early: Option<(Option<EstablishmentData>, bool)> = None;
            let mut refusals: Vec<(usize, String, String)> = Vec::new();
            let read = read::read_all(&jobs, cancel, &mut |event| match event {
                read::Event::Finished { job } => {
                    unfinished -= 1;
                    if !project::feeds_population(files[job].format) {
                        return Ok(());
                    }
                    feeding -= 1;
                    if feeding == 0 && !dry && refusals.is_empty() && !files.iter().any(|f| f.refused) {
                        let built = project::build(&tx, uai, &batches, &fresh)?;
                        let write_now = unfinished > 0;
                        if let (Some(data), true) = (&built, write_now) {
                            tx.replace_population(data)?;
                        }
                        early = Some((built, write_now));
                    }
                    Ok(())
                }
                read::Event::Chunk { job, n, packed } => Ok(tx.add_file_chunk(files[job].batch, n, &packed)?),
                read::Event::Progress { job, done, total } => {
                    let file = &mut files[job];
                    file.done = done;
                    file.total = total.max(done);
                    progress(ImportProgress {
                        file_index: file.index,
                        file_count: count,
                        file: inputs[file.index].name(),
                        phase: "lecture",
                        done: files.iter().map(|f| f.done).sum(),
                        total: files.iter().map(|f| f.total).sum(),
                    });
                    Ok(())
                }
                read::Event::Item { job, item } => {
                    let file = &mut files[job];
                    if file.refused {
                        return Ok(());
                    }
                    let report = &mut reports[file.index];
                    file.seq += 1;
                    match item {
                        Item::Header(h) => {
                            if let Some((code, message)) = checks::header(file.format, &h, uai, establishment) {
                                file.refused = true;
                                refusals.push((file.index, code, message));
                                return Ok(());
                            }
                            file.meta.file_uai = h.uai;
                            file.meta.school_year = h.school_year;
                            file.meta.exported_at = h.exported_at;
                            file.meta.software = h.software;
                            file.meta.version = h.version;
                            tx.set_batch_header(file.batch, &file.meta)?;
                        }
                        Item::Record(record, location) => {
                            let fault = record.as_ref().and_then(|r| file.checks.check(file.format, r, &location));
                            match fault {
                                Some(rej) => {
                                    report.rejected += 1;
                                    tx.add_reject(file.batch, file.seq, &rej)?;
                                    if report.rejects.len() < REPORT_REJECTS {
                                        report.rejects.push(rej);
                                    }
                                }
                                None => {
                                    report.read += 1;
                                    if let Some(record) = record {
                                        fresh.push(file.batch, record);
                                    }
                                }
                            }
                        }
                        Item::Reject(rej) => {
                            report.rejected += 1;
                            tx.add_reject(file.batch, file.seq, &rej)?;
                            if report.rejects.len() < REPORT_REJECTS {
                                report.rejects.push(rej);
                            }
                        }
                    }
                    Ok(())
                }
            });
            match read {
                Ok(failures) => {
                    for (job, error) in failures {
                        if let Some(f) = files.get(job) {
                            refusals.push((f.index, error.code().to_string(), error.to_string()));
                        }
                    }
                }
                Err(read::Stopped::Handler(abort)) => return Err(abort),
                Err(read::Stopped::Cancelled) => return Err(Abort::Cancelled),
            }
            if !refusals.is_empty() || dry {
                refusals.sort_by_key(|r| r.0);
                refusals.dedup_by_key(|r| r.0);
                return Err(Abort::Files(refusals));
            }
            // A cancel counts until the commit: the work after the reading is
            // long on big files and must not outrun the button.
            let go_on = || if cancel.is_cancelled() { Err(Abort::Cancelled) } else { Ok(()) };
            go_on()?;
            progress(ImportProgress {
                file_index: count,
                file_count: count,
                file: String::new(),
                phase: "controles",
                done: 0,
                total: 0,
            });
            for file in &files {
                let report = &reports[file.index];
                tx.finish_batch(file.batch, report.read, report.rejected)?;
            }
            let (built, written) = match early {
                Some(early) => early,
                None => (project::build(&tx, uai, &batches, &fresh)?, false),
            };
            go_on()?;
            progress(ImportProgress {
                file_index: count,
                file_count: count,
                file: String::new(),
                phase: "constats",
                done: 0,
                total: 0,
            });
            // The findings are computed beside the writing of the population
            // (when it is not written yet).
            let stored = if built.is_none() { tx.population()? } else { None };
            let timetable = timetable::inputs(&tx, &fresh)?;
            let population = built.as_ref().or(stored.as_ref());
            let responsables = match population {
                Some(_) => fresh::latest::<SiecleRecord>(&tx, &fresh, Format::SiecleResponsables)?,
                None => None,
            };
            let found = std::thread::scope(|scope| {
                let findings =
                    scope.spawn(|| findings::compute(population, responsables.as_deref(), timetable.as_ref()));
                let written = match (&built, written) {
                    (Some(data), false) => tx.replace_population(data),
                    _ => Ok(()),
                };
                let found = findings.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                written.map(|()| found)
            })?;
            // Freeing every record takes a while: other threads do it while this
            // one finishes the operation.
            std::thread::spawn(move || drop((fresh, built, stored)));
            go_on()?;
            tx.replace_findings(&found)?;
            go_on()?;
            Ok(found)
        })();
        match result {
            Ok(found) => {
                let detail = serde_json::json!({
                    "operation": tx.operation(),
                    "files": reports.iter().filter(|r| r.error.is_none()).map(|r| serde_json::json!({
                        "file": r.file, "format": r.format, "read": r.read, "rejected": r.rejected,
                    })).collect::<Vec<_>>(),
                });
                tx.commit(actor, &detail)?;
                Ok(Some(found))
            }
            Err(abort) => {
                drop(tx); // rolls back
                match abort {
                    Abort::Cancelled => Err(ImportError::Cancelled),
                    Abort::Store(e) => Err(ImportError::Store(e)),
                    Abort::Files(refusals) => {
                        for (index, code, message) in refusals {
                            if let Some(r) = reports.get_mut(index) {
                                r.fail(&code, message);
                            }
                        }
                        Ok(None)
                    }
                }
            }
        }
    }
}

/// One file of the operation while it is read.
struct FileState {
    /// Position among the inputs.
    index: usize,
    batch: i64,
    format: Format,
    meta: NewBatch,
    /// Items seen so far (the header counts), numbering records and rejects.
    seq: u64,
    checks: checks::CrossChecks,
    done: u64,
    total: u64,
    /// Refused on its header: the rest of it is not looked at.
    refused: bool,
}

/// The records of a stored batch, read again from the file it keeps (the
/// importer's checks applied, so they are the records the import kept).
pub fn stored_records(store: &Store, batch: i64) -> Result<Vec<crate::formats::any::AnyRecord>, StoreError> {
    let summary = store.batch(batch)?.ok_or_else(|| StoreError::Data {
        table: "import_batch",
        row: format!("lot {batch}"),
        field: "id",
        value: "lot inconnu".into(),
    })?;
    let bytes = store.batch_file(batch)?.ok_or_else(|| StoreError::Data {
        table: "import_file",
        row: format!("lot {batch} ({})", summary.file_name),
        field: "data",
        value: "fichier non conservé (import d'une version antérieure) : réimportez-le".into(),
    })?;
    fresh::reread(&summary, bytes)
}

/// `2026-09-01T08:00:00.000Z` → `01/09/2026`.
fn french_date(rfc3339: &str) -> String {
    rfc3339.get(..10).map(crate::formats::date_iso_to_fr).unwrap_or_else(|| rfc3339.to_string())
}
