//! Importing the school's files: the import itself (progress through a
//! channel, cancellable), the history of batches, their rejects, the
//! data-quality findings, and the French texts of the reject reasons.

use std::collections::HashMap;

use preau_core::audit;
use preau_core::formats::csvtable::ColumnPreset;
use preau_core::formats::source::Input;
use preau_core::formats::{self, Format, Reject};
use preau_core::import::{self, ImportOutcome, ImportProgress};
use preau_core::store::{BatchSummary, Finding};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use super::{blocking, open};
use crate::error::IpcError;
use crate::state::AppState;

/// Imports `paths` into the establishment's store as one operation, streaming
/// where the work stands through `channel`. `presets` optionally gives, by
/// path, the column mapping to read a CSV table with (the saved presets
/// apply by themselves to unrecognised files that fit them). Every file is
/// checked first: a refused file is a report with its error code, and then
/// nothing is written unless `skip_refused` asks for the acceptable files to
/// be imported without the refused ones. A cancel is `IMPORT_CANCELLED`.
#[tauri::command]
pub async fn import_files(
    state: State<'_, AppState>,
    uai: String,
    paths: Vec<String>,
    presets: Option<HashMap<String, ColumnPreset>>,
    skip_refused: Option<bool>,
    channel: Channel<ImportProgress>,
) -> Result<ImportOutcome, IpcError> {
    if paths.is_empty() {
        return Err(IpcError::new("IMPORT_NO_FILES", "aucun fichier à importer"));
    }
    let run = state.begin_import()?;
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let inputs: Vec<Input> = paths.iter().map(Input::file).collect();
        let presets = presets.unwrap_or_default();
        let presets: Vec<Option<ColumnPreset>> = paths.iter().map(|p| presets.get(p).cloned()).collect();
        // A closed window must not stop the import half-way: send errors are ignored.
        let mut progress = |p: ImportProgress| {
            let _ = channel.send(p);
        };
        let refused = if skip_refused.unwrap_or(false) { import::Refused::Skip } else { import::Refused::WriteNothing };
        let outcome = import::import_selection(
            &mut store,
            &inputs,
            &presets,
            refused,
            &audit::actor("app"),
            run.cancel_token(),
            &mut progress,
        )?;
        drop(run);
        Ok(outcome)
    })
    .await
}

/// Asks the running import to stop; false when none was running.
#[tauri::command]
pub fn cancel_import(state: State<'_, AppState>) -> bool {
    state.cancel_import()
}

/// Every import batch of the establishment, the most recent first.
#[tauri::command]
pub async fn import_history(state: State<'_, AppState>, uai: String) -> Result<Vec<BatchSummary>, IpcError> {
    blocking(&state, move |st| Ok(open(st, &uai)?.batches()?)).await
}

/// All the rejects of one batch, in file order.
#[tauri::command]
pub async fn batch_rejects(state: State<'_, AppState>, uai: String, batch_id: i64) -> Result<Vec<Reject>, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        if !store.batches()?.iter().any(|b| b.id == batch_id) {
            return Err(IpcError::new("IMPORT_BATCH_NOT_FOUND", format!("aucun lot d'import n° {batch_id}"))
                .with("batchId", batch_id));
        }
        Ok(store.batch_rejects(batch_id)?)
    })
    .await
}

/// The data-quality findings computed after the last import.
#[tauri::command]
pub async fn findings(state: State<'_, AppState>, uai: String) -> Result<Vec<Finding>, IpcError> {
    blocking(&state, move |st| Ok(open(st, &uai)?.findings()?)).await
}

/// A reject reason's French text for one format (the same code may say
/// different things in different formats), or for any format when the
/// importer's checks across records gave it.
#[derive(Debug, Clone, Serialize)]
pub struct ReasonText {
    pub format: Option<&'static str>,
    pub code: &'static str,
    pub text: &'static str,
}

/// Each format's reject reasons, as its module declares them.
fn reasons_by_format() -> Vec<(Format, &'static [(&'static str, &'static str)])> {
    use Format::*;
    let siecle = formats::siecle::REJECT_REASONS;
    vec![
        (SiecleEleves, siecle),
        (SiecleResponsables, siecle),
        (SiecleStructures, siecle),
        (SiecleNomenclature, siecle),
        (Sts, formats::sts::REJECT_REASONS),
        (Edt, formats::edt::REJECT_REASONS),
        (Udt, formats::udt::REJECT_REASONS),
        (Aaf, formats::aaf::REJECT_REASONS),
        (EntDirectory, formats::ent_directory::REJECT_REASONS),
        (PronoteIds, formats::pronote_ids::REJECT_REASONS),
    ]
}

/// Every (format, code, French text) the importer and the readers may give
/// a rejected row; the importer's own, valid for any format, first.
#[tauri::command]
pub fn reject_reasons() -> Vec<ReasonText> {
    let importer = import::IMPORT_REJECT_REASONS.iter().map(|(code, text)| ReasonText { format: None, code, text });
    let readers = reasons_by_format().into_iter().flat_map(|(format, list)| {
        list.iter().map(move |(code, text)| ReasonText { format: Some(format.as_str()), code, text })
    });
    importer.chain(readers).collect()
}
