//! The typed records the operation has just read, kept in memory for the
//! population and the findings. A format the operation did not bring comes
//! from its latest stored batch, whose file is read again.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use super::checks::CrossChecks;
use crate::formats::any::{read_typed, AnyRecord};
use crate::formats::csvtable::ColumnPreset;
use crate::formats::detect::detect;
use crate::formats::source::{Ctl, Input};
use crate::formats::{edt::EdtRecord, ent_directory::DirectoryAccount, siecle::SiecleRecord, sts::StsRecord};
use crate::formats::{mapping, Format, Item};
use crate::progress::{CancelToken, NoProgress};
use crate::store::{BatchSummary, ImportTx, StoreError};

/// Records by batch, for the formats the population and findings use.
#[derive(Default)]
pub(super) struct Fresh {
    siecle: BTreeMap<i64, Vec<SiecleRecord>>,
    sts: BTreeMap<i64, Vec<StsRecord>>,
    directory: BTreeMap<i64, Vec<DirectoryAccount>>,
    edt: BTreeMap<i64, Vec<EdtRecord>>,
}

/// Whether records of `format` are kept (the others only go to the store).
pub(super) fn kept(format: Format) -> bool {
    !matches!(format, Format::Aaf | Format::Udt | Format::PronoteIds)
}

impl Fresh {
    /// Declares a batch of the operation, so that an empty file counts as read,
    /// with room for the records a file of `bytes` may hold: records are large,
    /// and a list grown by doubling copies them all again each time.
    pub fn open(&mut self, batch: i64, format: Format, bytes: u64) {
        // A record takes a few hundred bytes of its file at least; past the
        // cap the list grows as usual.
        let room = usize::try_from(bytes / 200).unwrap_or(usize::MAX).min(50_000);
        match format {
            Format::SiecleEleves
            | Format::SiecleResponsables
            | Format::SiecleStructures
            | Format::SiecleNomenclature => {
                self.siecle.entry(batch).or_default().reserve(room);
            }
            Format::Sts => {
                self.sts.entry(batch).or_default().reserve(room);
            }
            Format::EntDirectory => {
                self.directory.entry(batch).or_default().reserve(room);
            }
            Format::Edt => {
                self.edt.entry(batch).or_default().reserve(room);
            }
            Format::Aaf | Format::Udt | Format::PronoteIds => {}
        }
    }

    pub fn push(&mut self, batch: i64, record: AnyRecord) {
        match record {
            AnyRecord::Siecle(r) => self.siecle.entry(batch).or_default().push(r),
            AnyRecord::Sts(r) => self.sts.entry(batch).or_default().push(r),
            AnyRecord::Directory(r) => self.directory.entry(batch).or_default().push(r),
            AnyRecord::Edt(r) => self.edt.entry(batch).or_default().push(r),
            AnyRecord::Aaf(_) | AnyRecord::Pronote(_) | AnyRecord::Udt(_) => {}
        }
    }
}

/// A record type the operation keeps.
pub(super) trait Kept: Clone + DeserializeOwned {
    fn bucket(fresh: &Fresh) -> &BTreeMap<i64, Vec<Self>>;
    fn from_any(record: AnyRecord) -> Option<Self>;
}

/// `Kept` for a record type: its bucket in `Fresh`, its `AnyRecord` variant.
macro_rules! kept {
    ($record:ty, $bucket:ident, $variant:ident) => {
        impl Kept for $record {
            fn bucket(fresh: &Fresh) -> &BTreeMap<i64, Vec<Self>> {
                &fresh.$bucket
            }
            fn from_any(record: AnyRecord) -> Option<Self> {
                match record {
                    AnyRecord::$variant(r) => Some(r),
                    _ => None,
                }
            }
        }
    };
}

kept!(SiecleRecord, siecle, Siecle);
kept!(StsRecord, sts, Sts);
kept!(DirectoryAccount, directory, Directory);
kept!(EdtRecord, edt, Edt);

/// Records of a batch from before files were kept: stored one by one as JSON.
fn from_rows<R: DeserializeOwned>(tx: &ImportTx<'_>, batch: i64) -> Result<Vec<R>, StoreError> {
    let mut out = Vec::new();
    for (seq, _, _, value) in tx.records(batch)? {
        let r = serde_json::from_value(value).map_err(|e| StoreError::Data {
            table: "import_record",
            row: format!("lot {batch}, n° {seq}"),
            field: "data",
            value: e.to_string(),
        })?;
        out.push(r);
    }
    Ok(out)
}

/// The records a batch's kept file gives when read again with the same
/// reader, column mapping and checks as when it was imported.
pub(super) fn reread(summary: &BatchSummary, bytes: Vec<u8>) -> Result<Vec<AnyRecord>, StoreError> {
    let unreadable = |value: String| StoreError::Data {
        table: "import_file",
        row: format!("lot {} ({})", summary.id, summary.file_name),
        field: "data",
        value,
    };
    let input = Input::bytes(&summary.file_name, bytes);
    let preset: Option<ColumnPreset> = match summary.preset.as_deref() {
        Some(json) => Some(serde_json::from_str(json).map_err(|e| unreadable(e.to_string()))?),
        None => None,
    };
    let detected = match &preset {
        Some(p) => mapping::fits(&input, p).ok_or_else(|| unreadable(format!("modèle « {} »", p.name)))?,
        None => detect(&input).map_err(|e| unreadable(e.to_string()))?,
    };
    if detected.format.as_str() != summary.format {
        return Err(unreadable(format!("{} au lieu de {}", detected.format.as_str(), summary.format)));
    }
    let cancel = CancelToken::new();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let mut checks = CrossChecks::default();
    let mut out = Vec::new();
    read_typed(&input, &detected, preset.as_ref(), &mut ctl, &mut |item| {
        if let Item::Record(record, location) = item {
            if checks.check(detected.format, &record, &location).is_none() {
                out.push(record);
            }
        }
        Ok(())
    })
    .map_err(|e| unreadable(e.to_string()))?;
    Ok(out)
}

fn from_file<R: Kept>(tx: &ImportTx<'_>, batch: i64) -> Result<Option<Vec<R>>, StoreError> {
    let Some(summary) = tx.batch(batch)? else { return Ok(None) };
    let Some(bytes) = tx.batch_file(batch)? else { return Ok(None) };
    Ok(Some(reread(&summary, bytes)?.into_iter().filter_map(R::from_any).collect()))
}

/// The records of the latest batch of `format`, if any: this operation's
/// when it read one, else the store's.
pub(super) fn latest<'f, R: Kept>(
    tx: &ImportTx<'_>,
    fresh: &'f Fresh,
    format: Format,
) -> Result<Option<Cow<'f, [R]>>, StoreError> {
    let Some(batch) = tx.latest_batch(format.as_str())? else { return Ok(None) };
    if let Some(records) = R::bucket(fresh).get(&batch) {
        return Ok(Some(Cow::Borrowed(records.as_slice())));
    }
    let records = match from_file(tx, batch)? {
        Some(records) => records,
        None => from_rows(tx, batch)?,
    };
    Ok(Some(Cow::Owned(records)))
}
