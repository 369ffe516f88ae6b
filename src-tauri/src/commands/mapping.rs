//! The column-mapping step for CSV tables whose headers Préau does not
//! recognise: what a file's header holds with the core's guesses, and the
//! establishment's saved column presets (which the import then applies by
//! itself to files that fit them).

use preau_core::audit;
use preau_core::formats::csvtable::ColumnPreset;
use preau_core::formats::mapping::{self, MappingProposal};
use preau_core::formats::source::Input;
use serde::Serialize;
use tauri::State;

use super::{blocking, open};
use crate::error::IpcError;
use crate::state::AppState;

/// The header of the CSV file at `path` and, for each table Préau can read
/// it as, the columns it would use. `MAPPING_NOT_A_TABLE` when the file is
/// no table (an archive, an XML document, a single column).
#[tauri::command]
pub async fn csv_mapping_proposal(path: String) -> Result<MappingProposal, IpcError> {
    tauri::async_runtime::spawn_blocking(move || proposal(&Input::file(&path)))
        .await
        .map_err(|e| IpcError::new("INTERNAL", e.to_string()))?
}

fn proposal(input: &Input) -> Result<MappingProposal, IpcError> {
    let not_a_table = || {
        IpcError::new("MAPPING_NOT_A_TABLE", format!("{} n'est pas un tableau CSV", input.name()))
            .with("file", input.name())
    };
    if input.is_zip()? {
        return Err(not_a_table());
    }
    let proposal = mapping::propose(input)?;
    let cells = proposal.header.iter().filter(|h| !h.trim().is_empty()).count();
    let markup = proposal.header.first().is_some_and(|h| h.trim_start().starts_with('<'));
    if cells < 2 || markup {
        return Err(not_a_table());
    }
    Ok(proposal)
}

/// One column of a saved preset: the field, its canonical French header,
/// the header text expected in the file.
#[derive(Debug, Clone, Serialize)]
pub struct PresetColumn {
    pub field: String,
    pub label: String,
    pub header: String,
}

/// A saved preset as the Imports view lists it; `columns`, in the table's
/// field order, is null when the stored mapping cannot be read.
#[derive(Debug, Clone, Serialize)]
pub struct PresetEntry {
    pub name: String,
    pub format: String,
    pub saved_at: String,
    pub columns: Option<Vec<PresetColumn>>,
}

fn columns_of(preset: ColumnPreset) -> Vec<PresetColumn> {
    let def = mapping::table(preset.table);
    let rank = |field: &str| def.and_then(|d| d.columns.iter().position(|c| c.field == field)).unwrap_or(usize::MAX);
    let mut columns: Vec<PresetColumn> = preset
        .columns
        .into_iter()
        .map(|(field, header)| PresetColumn {
            label: def.map_or_else(|| field.clone(), |d| d.label(&field)),
            field,
            header,
        })
        .collect();
    columns.sort_by_key(|c| rank(&c.field));
    columns
}

fn entries(store: &preau_core::store::Store) -> Result<Vec<PresetEntry>, IpcError> {
    Ok(store
        .column_presets()?
        .into_iter()
        .map(|row| PresetEntry {
            columns: serde_json::from_str::<ColumnPreset>(&row.columns).ok().map(columns_of),
            name: row.name,
            format: row.format,
            saved_at: row.saved_at,
        })
        .collect())
}

/// The preset as it will be stored (name trimmed), or why it cannot be: a
/// table the mapping step does not target, no name, an unknown field, a
/// required field left out, one header given to two fields.
fn checked(mut preset: ColumnPreset) -> Result<ColumnPreset, IpcError> {
    let table = preset.table.as_str();
    let Some(def) = mapping::table(preset.table) else {
        return Err(IpcError::new("MAPPING_TABLE_UNKNOWN", format!("aucun modèle de colonnes pour {table}"))
            .with("table", table));
    };
    preset.name = preset.name.trim().to_string();
    if preset.name.is_empty() {
        return Err(IpcError::new("MAPPING_NAME_EMPTY", "le modèle de colonnes n'a pas de nom"));
    }
    preset.columns = preset.columns.into_iter().map(|(field, header)| (field, header.trim().to_string())).collect();
    if let Some((field, _)) = preset.columns.iter().find(|(_, header)| header.is_empty()) {
        return Err(IpcError::new("MAPPING_HEADER_EMPTY", format!("colonne sans titre pour {}", def.label(field)))
            .with("field", field.as_str())
            .with("label", def.label(field)));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (field, header) in &preset.columns {
        if seen.contains(&header.as_str()) {
            return Err(IpcError::new("MAPPING_COLUMN_TWICE", format!("la colonne « {header} » sert deux fois"))
                .with("field", field.as_str())
                .with("header", header.as_str()));
        }
        seen.push(header);
    }
    // The core's own reading of a preset: unknown fields, then required ones left out.
    let header: Vec<String> = preset.columns.values().cloned().collect();
    let map = preset.apply(def, &header).map_err(|e| IpcError::from_error(&e))?;
    let missing = map.missing_required(def);
    if !missing.is_empty() {
        return Err(IpcError::new(
            "MAPPING_REQUIRED_MISSING",
            format!("colonnes obligatoires non associées : {}", missing.join(", ")),
        )
        .with("fields", missing.join(", ")));
    }
    Ok(preset)
}

/// Saves `preset` in the establishment's store (replacing one of the same
/// name) and returns every saved preset.
#[tauri::command]
pub async fn save_column_preset(
    state: State<'_, AppState>,
    uai: String,
    preset: ColumnPreset,
) -> Result<Vec<PresetEntry>, IpcError> {
    blocking(&state, move |st| {
        let preset = checked(preset)?;
        let json = serde_json::to_string(&preset).map_err(|e| IpcError::new("INTERNAL", e.to_string()))?;
        let mut store = open(st, &uai)?;
        store.save_column_preset(&preset.name, preset.table.as_str(), &json, &audit::actor("app"))?;
        entries(&store)
    })
    .await
}

/// The establishment's saved column presets, by name.
#[tauri::command]
pub async fn column_presets(state: State<'_, AppState>, uai: String) -> Result<Vec<PresetEntry>, IpcError> {
    blocking(&state, move |st| entries(&open(st, &uai)?)).await
}
