//! Thin IPC adapters over preau-core: parse the arguments, open the store,
//! return the core's values. No domain logic here. Imports are in `imports`,
//! the column-mapping step in `mapping`, the reconciliation wizard in
//! `matching`, the native file dialogs in `files`.

pub mod directory;
pub mod files;
pub mod groups;
pub mod home;
pub mod imports;
pub mod mapping;
pub mod matching;
pub mod rentree;
pub mod sync;
pub mod visibility;

use preau_core::audit::{self, AuditEntry, AuditVerdict};
use preau_core::model::Uai;
use preau_core::store::{self, Counts, EstablishmentEntry, Store};
use serde::Serialize;
use tauri::State;

use crate::error::IpcError;
use crate::state::AppState;

/// Journal page size when the UI does not say, and the most it may ask for.
const AUDIT_DEFAULT_LIMIT: usize = 200;
const AUDIT_MAX_LIMIT: usize = 10_000;

/// Runs store work off the IPC thread so the window never freezes on disk or keychain access.
async fn blocking<T, F>(state: &AppState, work: F) -> Result<T, IpcError>
where
    T: Send + 'static,
    F: FnOnce(&AppState) -> Result<T, IpcError> + Send + 'static,
{
    let state = state.clone();
    tauri::async_runtime::spawn_blocking(move || work(&state))
        .await
        .map_err(|e| IpcError::new("INTERNAL", e.to_string()))?
}

/// The establishment's population, or why the view needs an import first.
fn population(store: &Store, uai: &str) -> Result<preau_core::model::EstablishmentData, IpcError> {
    store.load_population()?.ok_or_else(|| {
        IpcError::new("NO_POPULATION", format!("aucune population pour {uai} : importez d'abord l'établissement"))
    })
}

fn open(state: &AppState, raw_uai: &str) -> Result<Store, IpcError> {
    let uai = Uai::parse(raw_uai)?;
    let key = state.db_key()?;
    Ok(Store::open(state.data_dir()?, &uai, &key)?)
}

#[derive(Debug, Serialize)]
pub struct AppInfo {
    pub version: &'static str,
    pub data_dir: Option<String>,
    pub data_dir_error: Option<IpcError>,
    pub key_source: &'static str,
    /// No keychain: the passphrase of the stores is to be given before anything else.
    pub locked: bool,
    /// Whether the data folder already holds stores (the passphrase then opens them).
    pub has_stores: bool,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        data_dir: state.data_dir().ok().map(|d| d.display().to_string()),
        data_dir_error: state.data_dir_error(),
        key_source: state.key_source(),
        locked: state.needs_passphrase() && !state.unlocked(),
        has_stores: state.data_dir().ok().and_then(|d| std::fs::read_dir(d).ok()).is_some_and(|mut entries| {
            entries.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".preau")))
        }),
    }
}

/// The passphrase of this session's stores, on a PC without a keychain;
/// true when it opened existing ones, false when it will protect the first.
#[tauri::command]
pub async fn unlock(state: State<'_, AppState>, passphrase: String) -> Result<bool, IpcError> {
    blocking(&state, move |st| st.unlock(&passphrase)).await
}

/// Set to any value, the app says on its standard output when its first
/// view is interactive (the establishment list rendered), then quits: what
/// the start-up benchmark and the installed package's test measure.
pub const STARTUP_PROBE_ENV: &str = "PREAU_STARTUP_PROBE";

/// The UI's first view is on screen and answers.
#[tauri::command]
pub fn app_ready<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    if std::env::var_os(STARTUP_PROBE_ENV).is_some() {
        println!("preau: première vue prête");
        app.exit(0);
    }
}

#[tauri::command]
pub async fn list_establishments(state: State<'_, AppState>) -> Result<Vec<EstablishmentEntry>, IpcError> {
    blocking(&state, |st| {
        let key = st.db_key()?;
        Ok(store::list_establishments(st.data_dir()?, &key)?)
    })
    .await
}

/// The establishment `create_establishment` opened; `created` is false when
/// its store was already there.
#[derive(Debug, Serialize)]
pub struct CreatedEstablishment {
    pub uai: String,
    pub created: bool,
}

/// Creates an empty store for the UAI the user typed (how a real school
/// starts: its data then comes from its own exports). An existing store is
/// left as it is. `UAI_SHAPE` or `UAI_CHECK_LETTER` for a mistyped UAI.
#[tauri::command]
pub async fn create_establishment(state: State<'_, AppState>, uai: String) -> Result<CreatedEstablishment, IpcError> {
    blocking(&state, move |st| {
        let uai = Uai::parse(&uai)?;
        let dir = st.data_dir()?;
        let key = st.db_key()?;
        let created = !store::store_path(dir, &uai).exists();
        Store::open_or_create(dir, &uai, &key, &audit::actor("app"))?;
        Ok(CreatedEstablishment { uai: uai.to_string(), created })
    })
    .await
}

#[tauri::command]
pub async fn establishment_status(state: State<'_, AppState>, uai: String) -> Result<Counts, IpcError> {
    blocking(&state, move |st| Ok(open(st, &uai)?.counts()?)).await
}

#[tauri::command]
pub async fn audit_log(
    state: State<'_, AppState>,
    uai: String,
    limit: Option<usize>,
) -> Result<Vec<AuditEntry>, IpcError> {
    let limit = limit.unwrap_or(AUDIT_DEFAULT_LIMIT).clamp(1, AUDIT_MAX_LIMIT);
    blocking(&state, move |st| Ok(open(st, &uai)?.audit_entries(limit)?)).await
}

#[tauri::command]
pub async fn audit_verify(state: State<'_, AppState>, uai: String) -> Result<AuditVerdict, IpcError> {
    blocking(&state, move |st| Ok(open(st, &uai)?.audit_verify()?)).await
}
