//! Native file dialogs: choosing the files to import, saving an export. The
//! webview never names a path to write: it offers a name, the user chooses
//! where. Tests answer the dialogs through `DialogOverride`.

use std::path::{Path, PathBuf};

use tauri::{Runtime, State, WebviewWindow};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder, FilePath};

use crate::error::IpcError;
use crate::state::AppState;

/// Extensions of the files Préau reads (SIECLE, STS, EDT, UDT, AAF: XML or
/// ZIP; ENT directory, Pronote identifiers, UDT: CSV or text).
const IMPORT_EXTENSIONS: &[&str] = &["xml", "zip", "csv", "txt"];

fn to_path(file: FilePath) -> Result<PathBuf, IpcError> {
    file.into_path().map_err(|e| IpcError::new("DIALOG_PATH", e.to_string()))
}

/// Runs a blocking dialog off the IPC thread (the plugin hops to the main thread itself).
async fn show<T, F>(work: F) -> Result<T, IpcError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(work).await.map_err(|e| IpcError::new("INTERNAL", e.to_string()))
}

fn dialog<R: Runtime>(window: &WebviewWindow<R>, title: &str) -> FileDialogBuilder<R> {
    window.dialog().file().set_parent(window).set_title(title)
}

/// The files the user chose to import (several at once), or an empty list
/// when the dialog was closed.
#[tauri::command]
pub async fn pick_import_files<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
) -> Result<Vec<String>, IpcError> {
    if let Some(paths) = &state.dialogs().pick {
        return Ok(paths.iter().map(|p| p.display().to_string()).collect());
    }
    let builder = dialog(&window, "Choisir les fichiers à importer")
        .add_filter("Exports SIECLE, STS-Web, EDT, annuaire, Pronote (XML, ZIP, CSV, TXT)", IMPORT_EXTENSIONS)
        .add_filter("Tous les fichiers", &["*"]);
    let chosen = show(move || builder.blocking_pick_files()).await?.unwrap_or_default();
    chosen.into_iter().map(|f| to_path(f).map(|p| p.display().to_string())).collect()
}

/// A file name safe on every system: the last component of what the UI
/// suggests, without the characters Windows refuses.
fn safe_file_name(suggested: &str) -> String {
    let last = suggested.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String =
        last.chars().map(|c| if c.is_control() || "<>:\"|?*".contains(c) { '_' } else { c }).collect();
    let cleaned = cleaned.trim().trim_matches('.').to_string();
    if cleaned.is_empty() {
        "export.csv".to_string()
    } else {
        cleaned
    }
}

fn write_text(path: &Path, contents: &str) -> Result<String, IpcError> {
    std::fs::write(path, contents.as_bytes()).map_err(|e| {
        IpcError::new("FILE_WRITE", format!("écriture de {} impossible : {e}", path.display()))
            .with("path", path.display().to_string())
    })?;
    Ok(path.display().to_string())
}

/// Saves `contents` (an export the UI built) where the user chooses, under
/// `suggestedName` by default; the path written, or null when the dialog was closed.
#[tauri::command]
pub async fn save_text_file<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    suggested_name: String,
    contents: String,
) -> Result<Option<String>, IpcError> {
    let name = safe_file_name(&suggested_name);
    if let Some(dir) = &state.dialogs().save_dir {
        return write_text(&dir.join(&name), &contents).map(Some);
    }
    let extension = Path::new(&name).extension().and_then(|e| e.to_str()).unwrap_or("csv").to_string();
    let builder = dialog(&window, "Enregistrer l'export")
        .set_file_name(&name)
        .add_filter(format!("Fichier {}", extension.to_uppercase()), &[extension.as_str()]);
    let chosen = show(move || builder.blocking_save_file()).await?;
    let Some(file) = chosen else { return Ok(None) };
    let path = to_path(file)?;
    let written = write_text(&path, &contents)?;
    Ok(Some(written))
}

/// Where the user chose to save a file offered as `suggested` (tests: the
/// save folder of `DialogOverride`, under that name); `None` when closed.
pub async fn pick_save_path<R: Runtime>(
    window: &WebviewWindow<R>,
    state: &AppState,
    suggested: &str,
    title: &str,
) -> Result<Option<PathBuf>, IpcError> {
    let name = safe_file_name(suggested);
    if let Some(dir) = &state.dialogs().save_dir {
        return Ok(Some(dir.join(name)));
    }
    let builder = dialog(window, title).set_file_name(&name);
    match show(move || builder.blocking_save_file()).await? {
        Some(file) => Ok(Some(to_path(file)?)),
        None => Ok(None),
    }
}

/// A backup file to restore, chosen by the user (tests: the first file of
/// `DialogOverride::pick`); `None` when closed.
pub async fn pick_backup_file<R: Runtime>(
    window: &WebviewWindow<R>,
    state: &AppState,
) -> Result<Option<PathBuf>, IpcError> {
    if let Some(paths) = &state.dialogs().pick {
        return Ok(paths.first().cloned());
    }
    let builder = dialog(window, "Choisir la sauvegarde à restaurer")
        .add_filter("Sauvegardes de Préau", &[preau_core::store::BACKUP_EXTENSION])
        .add_filter("Tous les fichiers", &["*"]);
    match show(move || builder.blocking_pick_file()).await? {
        Some(file) => Ok(Some(to_path(file)?)),
        None => Ok(None),
    }
}

/// A PNG image chosen by the user (tests: the first file of
/// `DialogOverride::pick`); `None` when closed.
pub async fn pick_png<R: Runtime>(window: &WebviewWindow<R>, state: &AppState) -> Result<Option<PathBuf>, IpcError> {
    if let Some(paths) = &state.dialogs().pick {
        return Ok(paths.first().cloned());
    }
    let builder = dialog(window, "Choisir une capture d'écran").add_filter("Images PNG", &["png"]);
    match show(move || builder.blocking_pick_file()).await? {
        Some(file) => Ok(Some(to_path(file)?)),
        None => Ok(None),
    }
}

/// The folder the user chose to write files into, or `None` when the dialog
/// was closed (tests: the save folder of `DialogOverride`).
pub async fn pick_folder<R: Runtime>(
    window: &WebviewWindow<R>,
    state: &AppState,
    title: &str,
) -> Result<Option<PathBuf>, IpcError> {
    if let Some(dir) = &state.dialogs().save_dir {
        return Ok(Some(dir.clone()));
    }
    let builder = dialog(window, title);
    match show(move || builder.blocking_pick_folder()).await? {
        Some(folder) => Ok(Some(to_path(folder)?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn suggested_names_cannot_leave_the_chosen_folder() {
        assert_eq!(safe_file_name("rejets.csv"), "rejets.csv");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\Windows\\x.csv"), "x.csv");
        assert_eq!(safe_file_name("a:b?.csv"), "a_b_.csv");
        assert_eq!(safe_file_name(".."), "export.csv");
        assert_eq!(safe_file_name(""), "export.csv");
    }
}
