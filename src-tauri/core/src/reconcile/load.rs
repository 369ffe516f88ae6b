//! Where reconciliation gets its two sides: files given directly (no store
//! needed), or the latest batches the store keeps.

use super::structures::{timetable_structures, Structure};
use super::{from_edt, from_pronote, Directory, SourceRecord};
use crate::formats::any::AnyRecord;
use crate::formats::source::Input;
use crate::formats::{edt, ent_directory, pronote_ids, Format, FormatError};
use crate::store::{Store, StoreError};
use crate::ErrorCode;

/// Which file is reconciled with the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Pronote,
    Edt,
}

impl SourceKind {
    fn format(self) -> Format {
        match self {
            SourceKind::Pronote => Format::PronoteIds,
            SourceKind::Edt => Format::Edt,
        }
    }

    fn what(self) -> &'static str {
        match self {
            SourceKind::Pronote => "fichier d'identifiants Pronote",
            SourceKind::Edt => "export EDT vers l'ENT",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("aucun {what} importé pour cet établissement : importez-le d'abord")]
    NoSource { what: &'static str },
    #[error("aucun export de l'annuaire ENT importé pour cet établissement : importez-le d'abord")]
    NoDirectory,
}

impl ErrorCode for LoadError {
    fn code(&self) -> &'static str {
        match self {
            LoadError::Format(e) => e.code(),
            LoadError::Store(e) => e.code(),
            LoadError::NoSource { .. } => "MATCH_NO_SOURCE",
            LoadError::NoDirectory => "MATCH_NO_DIRECTORY",
        }
    }
}

/// The source records of a file, which must be of `kind` (checked by content).
pub fn source_from_file(kind: SourceKind, input: &Input) -> Result<Vec<SourceRecord>, LoadError> {
    Ok(match kind {
        SourceKind::Pronote => from_pronote(&pronote_ids::read_all(input)?.records),
        SourceKind::Edt => from_edt(&edt::read_all(input)?.records),
    })
}

/// The directory from an ENT directory export.
pub fn directory_from_file(input: &Input) -> Result<Directory, LoadError> {
    Ok(Directory::build(ent_directory::read_all(input)?.records))
}

fn latest(store: &Store, format: Format) -> Result<Option<Vec<AnyRecord>>, StoreError> {
    let Some(batch) = store.latest_batches()?.into_iter().find(|b| b.format == format.as_str()) else {
        return Ok(None);
    };
    crate::import::stored_records(store, batch.id).map(Some)
}

/// The source records of the latest batch of `kind` in the store.
pub fn source_from_store(kind: SourceKind, store: &Store) -> Result<Vec<SourceRecord>, LoadError> {
    let records = latest(store, kind.format())?.ok_or(LoadError::NoSource { what: kind.what() })?;
    Ok(match kind {
        SourceKind::Pronote => from_pronote(
            &records
                .into_iter()
                .filter_map(|r| match r {
                    AnyRecord::Pronote(u) => Some(u),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        SourceKind::Edt => from_edt(
            &records
                .into_iter()
                .filter_map(|r| match r {
                    AnyRecord::Edt(e) => Some(e),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
    })
}

/// The directory from the latest ENT directory export in the store.
pub fn directory_from_store(store: &Store) -> Result<Directory, LoadError> {
    let records = latest(store, Format::EntDirectory)?.ok_or(LoadError::NoDirectory)?;
    Ok(Directory::build(
        records
            .into_iter()
            .filter_map(|r| match r {
                AnyRecord::Directory(a) => Some(a),
                _ => None,
            })
            .collect(),
    ))
}

/// The ENT's divisions (the class names its accounts carry) and groups (the
/// establishment's groups in the store, when given).
pub fn ent_structures(directory: &Directory, groups: &[crate::model::Group]) -> Vec<Structure> {
    let mut names: Vec<String> =
        (0..directory.len()).filter_map(|i| directory.account(i)).flat_map(|a| a.classes.iter().cloned()).collect();
    names.sort();
    names.dedup();
    let mut out: Vec<Structure> =
        names.into_iter().map(|n| Structure { id: n.clone(), name: n, group: false }).collect();
    out.extend(groups.iter().map(|g| Structure { id: g.id.clone(), name: g.name.clone(), group: true }));
    out
}

/// The timetable's classes and groups from an EDT export file.
pub fn timetable_from_file(input: &Input) -> Result<Vec<Structure>, LoadError> {
    Ok(timetable_structures(&edt::read_all(input)?.records))
}

/// The timetable's classes and groups (latest EDT batch) and the ENT's (the
/// directory's classes and the store's groups).
pub fn structures_from_store(
    store: &Store,
    directory: &Directory,
) -> Result<(Vec<Structure>, Vec<Structure>), LoadError> {
    let records = latest(store, Format::Edt)?.ok_or(LoadError::NoSource { what: SourceKind::Edt.what() })?;
    let edt: Vec<edt::EdtRecord> = records
        .into_iter()
        .filter_map(|r| match r {
            AnyRecord::Edt(e) => Some(e),
            _ => None,
        })
        .collect();
    let groups = store.load_population()?.map(|p| p.groups).unwrap_or_default();
    Ok((timetable_structures(&edt), ent_structures(directory, &groups)))
}
