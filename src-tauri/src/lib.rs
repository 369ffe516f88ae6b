//! Préau's desktop shell: a Tauri window over preau-core. Commands live in
//! `commands` (a `pub` command at the top of lib.rs trips E0255).

mod commands;
mod error;
mod state;

pub use error::IpcError;
pub use state::{AppState, DialogOverride};

/// Registers the state, the dialog plugin (used from Rust only: the webview
/// gets no dialog permission) and the commands on any runtime, so tests can
/// use the mock one.
pub fn builder<R: tauri::Runtime>(b: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    b.plugin(tauri_plugin_dialog::init()).manage(state).invoke_handler(tauri::generate_handler![
        commands::app_info,
        commands::app_ready,
        commands::unlock,
        commands::list_establishments,
        commands::establishment_status,
        commands::create_establishment,
        commands::audit_log,
        commands::audit_verify,
        commands::files::pick_import_files,
        commands::files::save_text_file,
        commands::imports::import_files,
        commands::imports::cancel_import,
        commands::imports::import_history,
        commands::imports::batch_rejects,
        commands::imports::findings,
        commands::imports::reject_reasons,
        commands::mapping::csv_mapping_proposal,
        commands::mapping::save_column_preset,
        commands::mapping::column_presets,
        commands::matching::match_open,
        commands::matching::match_step,
        commands::matching::match_decide,
        commands::matching::match_undo,
        commands::matching::match_search,
        commands::matching::match_preview,
        commands::matching::match_apply,
        commands::matching::match_export,
        commands::sync::sync_overview,
        commands::sync::sync_configure,
        commands::sync::sync_test,
        commands::sync::sync_pull,
        commands::sync::sync_push,
        commands::sync::sync_resolve,
        commands::sync::sync_reject,
        commands::sync::sync_cancel,
        commands::sync::sync_publish,
        commands::sync::sync_set_login,
        commands::sync::sync_set_connector,
        commands::sync::sync_worklist,
        commands::sync::sync_worklist_mark,
        commands::sync::sync_worklist_csv,
        commands::home::home_today,
        commands::home::backup_write,
        commands::home::backup_pick,
        commands::home::restore_preview,
        commands::home::restore_apply,
        commands::home::demo_discover,
        commands::home::demo_remove,
        commands::sync::establishment_from_server,
        commands::sync::ent_ng_state,
        commands::sync::ent_ng_write,
        commands::sync::ent_ng_confirm,
        commands::visibility::visibility_grid,
        commands::visibility::visibility_preview,
        commands::visibility::visibility_preset,
        commands::visibility::visibility_apply,
        commands::visibility::visibility_people,
        commands::visibility::visibility_simulate,
        commands::visibility::visibility_functions,
        commands::visibility::visibility_function_member,
        commands::visibility::visibility_node_changes,
        commands::visibility::visibility_queue_nodes,
        commands::visibility::visibility_set_rules,
        commands::directory::directory_search,
        commands::directory::directory_choices,
        commands::directory::directory_fiche,
        commands::directory::directory_csv,
        commands::directory::directory_likely,
        commands::directory::directory_create,
        commands::directory::directory_function,
        commands::directory::directory_follow,
        commands::directory::directory_end,
        commands::directory::ticket_check,
        commands::directory::ticket_write,
        commands::directory::ticket_pick_screenshot,
        commands::groups::groups_overview,
        commands::groups::group_detail,
        commands::groups::group_rule_count,
        commands::groups::group_create,
        commands::groups::group_rename,
        commands::groups::group_delete,
        commands::groups::group_set_rule,
        commands::groups::group_apply,
        commands::groups::group_people,
        commands::groups::group_add,
        commands::groups::group_add_csv,
        commands::groups::group_remove,
        commands::rentree::rentree_checklist,
        commands::rentree::rentree_set_step,
        commands::rentree::rentree_set_settings,
        commands::rentree::rentree_transition_preview,
        commands::rentree::rentree_transition,
    ])
}

pub fn run() {
    let app = builder(tauri::Builder::default(), AppState::from_env());
    if let Err(e) = app.run(tauri::generate_context!("tauri.conf.json")) {
        eprintln!("Préau n'a pas pu démarrer : {e}");
        std::process::exit(1);
    }
}
