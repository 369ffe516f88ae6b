//! Accueil: what needs the administrator today, and the establishment's
//! backup — written where the user chooses under a passphrase chosen then,
//! restored from a file after a preview of what it would replace.

use std::path::PathBuf;

use preau_core::audit;
use preau_core::home::{self, Today};
use preau_core::model::Uai;
use preau_core::store::{self, BackupInfo, RestorePreview, Restored};
use tauri::{Runtime, State, WebviewWindow};

use super::{blocking, open};
use crate::error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub async fn home_today(state: State<'_, AppState>, uai: String) -> Result<Today, IpcError> {
    blocking(&state, move |st| Ok(home::today(&open(st, &uai)?, chrono::Utc::now())?)).await
}

/// A backup written: where, and what it holds.
#[derive(Debug, serde::Serialize)]
pub struct BackupWritten {
    pub path: String,
    pub info: BackupInfo,
}

/// Asks where to write the backup, then writes it under `passphrase`;
/// `null` when the dialog was closed.
#[tauri::command]
pub async fn backup_write<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    uai: String,
    passphrase: String,
) -> Result<Option<BackupWritten>, IpcError> {
    // Refused before the dialog: no file chosen for nothing.
    if passphrase.chars().count() < store::MIN_PASSPHRASE {
        return Err(
            IpcError::new("BACKUP_WEAK_PASSPHRASE", "phrase de passe trop courte").with("min", store::MIN_PASSPHRASE)
        );
    }
    let name = format!("{}-{}.{}", Uai::parse(&uai)?, chrono::Local::now().format("%Y-%m-%d"), store::BACKUP_EXTENSION);
    let Some(path) = super::files::pick_save_path(&window, &state, &name, "Enregistrer la sauvegarde").await? else {
        return Ok(None);
    };
    blocking(&state, move |st| {
        let info = open(st, &uai)?.backup(&path, &passphrase, &audit::actor("app"))?;
        Ok(Some(BackupWritten { path: path.display().to_string(), info }))
    })
    .await
}

/// The backup file to restore, chosen by the user; `null` when closed.
#[tauri::command]
pub async fn backup_pick<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
) -> Result<Option<String>, IpcError> {
    Ok(super::files::pick_backup_file(&window, &state).await?.map(|p| p.display().to_string()))
}

/// What restoring `file` would bring, and the establishment it would replace.
#[tauri::command]
pub async fn restore_preview(
    state: State<'_, AppState>,
    file: String,
    passphrase: String,
) -> Result<RestorePreview, IpcError> {
    blocking(&state, move |st| {
        Ok(store::restore_preview(st.data_dir()?, &PathBuf::from(file), &passphrase, &st.db_key()?)?)
    })
    .await
}

/// Restores `file`; an establishment already there only with `replace`.
#[tauri::command]
pub async fn restore_apply(
    state: State<'_, AppState>,
    file: String,
    passphrase: String,
    replace: bool,
) -> Result<Restored, IpcError> {
    blocking(&state, move |st| {
        Ok(store::restore(
            st.data_dir()?,
            &PathBuf::from(file),
            &passphrase,
            &st.db_key()?,
            replace,
            &audit::actor("app"),
        )?)
    })
    .await
}

/// « Découvrir avec un établissement fictif »: the fictional collège made and
/// imported, its progress sent on `channel`; its UAI.
#[tauri::command]
pub async fn demo_discover(
    state: State<'_, AppState>,
    channel: tauri::ipc::Channel<preau_core::import::ImportProgress>,
) -> Result<String, IpcError> {
    let run = state.begin_import()?;
    blocking(&state, move |st| {
        let mut progress = |p| {
            let _ = channel.send(p);
        };
        let uai = preau_core::demo::discover::discover(
            st.data_dir()?,
            &st.db_key()?,
            &audit::actor("app"),
            run.cancel_token(),
            &mut progress,
        )?;
        drop(run);
        Ok(uai.to_string())
    })
    .await
}

/// Removes the fictional establishment (a real one is refused).
#[tauri::command]
pub async fn demo_remove(state: State<'_, AppState>, uai: String) -> Result<(), IpcError> {
    blocking(&state, move |st| {
        Ok(preau_core::demo::discover::remove(st.data_dir()?, &Uai::parse(&uai)?, &st.db_key()?)?)
    })
    .await
}
