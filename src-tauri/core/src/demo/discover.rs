//! « Découvrir avec un établissement fictif »: the demo collège made in the
//! app as a school's would be — its exports written, then imported through
//! the real import, with its progress — and marked fictional in its store, so
//! that every view can say so and one click removes it.

use std::path::Path;

use crate::formats::source::Input;
use crate::import::{import_files, ImportError, ImportProgress};
use crate::model::{EstablishmentKind, Uai};
use crate::progress::CancelToken;
use crate::secrets::DbKey;
use crate::store::{store_path, Store, StoreError};

/// The seed of the fictional collège: the same establishment every time.
const SEED: u64 = 1;

/// The first fictional UAI (0999001…0999099, a range no real school has) free in `data_dir`,
/// or the fictional establishment already there.
fn free_uai(data_dir: &Path, key: &DbKey) -> Result<Uai, StoreError> {
    for n in 1..100u32 {
        let Ok(uai) = Uai::from_digits(&format!("0999{n:03}")) else { continue };
        if !store_path(data_dir, &uai).exists() {
            return Ok(uai);
        }
        if Store::open(data_dir, &uai, key).and_then(|s| s.is_fictional()).unwrap_or(false) {
            return Ok(uai);
        }
    }
    Err(StoreError::Refused {
        code: "DEMO_NO_UAI",
        message: "aucun UAI fictif libre (0999001 à 0999099) dans le dossier des données".into(),
    })
}

/// Makes the fictional collège in `data_dir` (or returns the one there) and
/// returns its UAI. Its exports are written to a scratch folder beside the
/// stores, imported, then removed; nothing is left half-made.
pub fn discover(
    data_dir: &Path,
    key: &DbKey,
    actor: &str,
    cancel: &CancelToken,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<Uai, ImportError> {
    let uai = free_uai(data_dir, key)?;
    let path = store_path(data_dir, &uai);
    if path.exists() {
        return Ok(uai);
    }
    let data = super::generate(&uai, EstablishmentKind::College, SEED);
    let scratch = data_dir.join(format!(".decouverte-{}", std::process::id()));
    let io = |source: std::io::Error| StoreError::Io { path: scratch.clone(), source };
    let written = super::write_demo_files(&data, &scratch).map_err(io)?;
    // What a collège's secretariat holds: SIECLE, STS-Web, the timetable in
    // clear, the ENT directory and the Pronote logins (not the same data twice
    // in a ZIP, nor the AAF feed the academy sends the ENT).
    let wanted = |name: &str| {
        ["ElevesSansAdresses.xml", "ResponsablesAvecAdresses.xml", "Structures.xml", "Nomenclature.xml", "_Enclair.xml"]
            .iter()
            .any(|end| name.ends_with(end))
            || ["sts_emp_", "export_annuaire_ENT_", "identifiants_pronote_"].iter().any(|start| name.starts_with(start))
    };
    let inputs: Vec<Input> = written
        .iter()
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| wanted(n) && !n.ends_with(".zip")))
        .map(|p| Input::file(p.clone()))
        .collect();
    let made = (|| -> Result<(), ImportError> {
        let mut store = Store::open_or_create(data_dir, &uai, key, actor)?;
        store.set_fictional(actor)?;
        let outcome = import_files(&mut store, &inputs, actor, cancel, progress)?;
        if !outcome.committed {
            return Err(ImportError::Store(StoreError::Refused {
                code: "DEMO_NOT_IMPORTED",
                message: "les exports de l'établissement fictif n'ont pas pu être importés".into(),
            }));
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    if let Err(e) = made {
        // Nothing half-made: the store goes with the failed import.
        let _ = remove_files(&path);
        return Err(e);
    }
    Ok(uai)
}

fn remove_files(path: &Path) -> std::io::Result<()> {
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_os_string();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
    std::fs::remove_file(path)
}

/// Removes a fictional establishment's store; a real one is refused.
pub fn remove(data_dir: &Path, uai: &Uai, key: &DbKey) -> Result<(), StoreError> {
    let store = Store::open(data_dir, uai, key)?;
    if !store.is_fictional()? {
        return Err(StoreError::Refused {
            code: "DEMO_NOT_FICTIONAL",
            message: format!("l'établissement {uai} n'est pas l'établissement fictif : il n'est pas supprimé"),
        });
    }
    let path = store.path().to_path_buf();
    drop(store);
    remove_files(&path).map_err(|source| StoreError::Io { path, source })
}
