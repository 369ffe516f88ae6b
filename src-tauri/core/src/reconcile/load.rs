//! Where reconciliation gets its two sides: files given directly (no store
//! needed), or the latest batches the store keeps.

use super::structures::{timetable_structures, Structure};
use super::{from_edt, from_pronote, Directory, DirectoryBuilder, SourceRecord};
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
    #[error(
        "aucun annuaire ENT pour cet établissement : importez son export, ou récupérez celui du serveur (Synchronisation)"
    )]
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
/// The file is read and checked on this thread while another builds the
/// index, in batches of rows packed into one text.
pub fn directory_from_file(input: &Input) -> Result<Directory, LoadError> {
    const BATCH: usize = 2048;
    let (tx, rx) = std::sync::mpsc::sync_channel::<ent_directory::PackedRows>(8);
    std::thread::scope(|scope| {
        let building = scope.spawn(move || {
            let mut builder = DirectoryBuilder::new();
            for batch in rx {
                batch.for_each(&mut |a| builder.push_row(a));
            }
            builder
        });
        let mut batch = ent_directory::PackedRows::default();
        let read = ent_directory::for_each_row(input, &mut |a| {
            batch.push(a);
            if batch.len() == BATCH {
                // The builder only stops early by panicking, which the join below reports.
                let _ = tx.send(std::mem::take(&mut batch));
            }
        });
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
        drop(tx);
        let builder = building.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read?;
        Ok(builder.finish())
    })
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
    let mut builder = DirectoryBuilder::new();
    match latest(store, Format::EntDirectory)? {
        Some(records) => {
            for r in &records {
                if let AnyRecord::Directory(a) = r {
                    builder.push(a);
                }
            }
        }
        // No export imported: the server's directory as last pulled, when there is one.
        None => {
            let pulled: Vec<ent_directory::DirectoryAccount> = store
                .snapshot("User")?
                .iter()
                .filter_map(|row| serde_json::from_str(&row.body).ok())
                .filter_map(|body| crate::sync::directory_account(&body))
                .collect();
            if pulled.is_empty() {
                return Err(LoadError::NoDirectory);
            }
            for a in &pulled {
                builder.push(a);
            }
        }
    }
    Ok(builder.finish())
}

/// The ENT's divisions (the class names its accounts carry) and groups (the
/// establishment's groups in the store, when given).
pub fn ent_structures(directory: &Directory, groups: &[crate::model::Group]) -> Vec<Structure> {
    ent_structures_in(directory, groups, None)
}

/// As [`ent_structures`], the classes of establishment `uai` apart from the
/// ones only other establishments' accounts carry (`elsewhere`).
pub fn ent_structures_in(directory: &Directory, groups: &[crate::model::Group], uai: Option<&str>) -> Vec<Structure> {
    let all = directory.class_names();
    let own = uai.map(|u| directory.class_names_in(u)).filter(|own| !own.is_empty());
    let mut out: Vec<Structure> = all
        .into_iter()
        .map(|n| {
            let elsewhere = own.as_ref().is_some_and(|own| own.binary_search(&n).is_err());
            Structure { id: n.clone(), name: n, group: false, elsewhere }
        })
        .collect();
    out.extend(groups.iter().map(|g| Structure {
        id: g.id.clone(),
        name: g.name.clone(),
        group: true,
        elsewhere: false,
    }));
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
    let uai = store.uai().to_string();
    Ok((timetable_structures(&edt), ent_structures_in(directory, &groups, Some(&uai))))
}
