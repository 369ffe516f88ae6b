//! Préau's desktop shell: a Tauri window over preau-core. Commands live in
//! `commands` (a `pub` command at the top of lib.rs trips E0255).

mod commands;
mod error;
mod state;

pub use error::IpcError;
pub use state::AppState;

/// Registers the state and the commands on any runtime, so tests can use the mock one.
pub fn builder<R: tauri::Runtime>(b: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    b.manage(state).invoke_handler(tauri::generate_handler![
        commands::app_info,
        commands::list_establishments,
        commands::establishment_status,
        commands::audit_log,
        commands::audit_verify,
    ])
}

pub fn run() {
    let app = builder(tauri::Builder::default(), AppState::from_env());
    if let Err(e) = app.run(tauri::generate_context!("tauri.conf.json")) {
        eprintln!("Préau n'a pas pu démarrer : {e}");
        std::process::exit(1);
    }
}
