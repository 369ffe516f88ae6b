//! The Synchronisation view: the server's address and token, "Tester la
//! connexion", pull, the pending changes and the conflicts, push.

use preau_core::audit;
use std::collections::BTreeMap;

use preau_core::store::{AccountName, LastSync, OutboxChange, Resolution};
use preau_core::sync::{self, worklist, Client};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use super::{blocking, open};
use crate::error::IpcError;
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct Overview {
    pub server: Option<String>,
    /// Whether a token is at hand (keychain or environment).
    pub token: bool,
    /// Whether that token is the environment's (`PREAU_SCIM_TOKEN`), none being kept for this server.
    pub token_from_env: bool,
    pub pending: Vec<Pending>,
    /// Each conflict with its base, mine and theirs side by side.
    pub conflicts: Vec<sync::ConflictView>,
    /// The accounts the conflicts' membership rows are about, by their id.
    pub conflict_members: BTreeMap<String, AccountName>,
    pub last: Option<LastSync>,
    pub snapshot: Counts,
    pub connector: sync::Connector,
    /// How the waiting changes will be confirmed.
    pub delivery: sync::Delivery,
}

/// A change waiting to be sent, with the people it is about named from the
/// store, so the view never shows an account's id.
#[derive(Debug, Serialize)]
pub struct Pending {
    #[serde(flatten)]
    pub change: OutboxChange,
    /// The account a `User` change is about, when the store knows it.
    pub who: Option<AccountName>,
    /// The accounts a membership change adds or removes, by their id.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub members: BTreeMap<String, AccountName>,
}

/// The account ids a membership change names (`members` operations).
fn member_ids(payload: &str) -> Vec<String> {
    let Ok(body) = serde_json::from_str::<serde_json::Value>(payload) else { return Vec::new() };
    let ops = body["Operations"].as_array().map(Vec::as_slice).unwrap_or_default();
    ops.iter()
        .filter(|op| op["path"] == "members")
        .filter_map(|op| op["value"].as_array())
        .flatten()
        .filter_map(|m| m["externalId"].as_str().or_else(|| m["value"].as_str()).map(str::to_string))
        .collect()
}

fn named(store: &preau_core::store::Store, pending: Vec<OutboxChange>) -> Result<Vec<Pending>, IpcError> {
    let members: Vec<Vec<String>> = pending.iter().map(|c| member_ids(&c.payload)).collect();
    let ids = pending
        .iter()
        .filter(|c| c.resource == "User")
        .map(|c| c.target.as_str())
        .chain(members.iter().flatten().map(String::as_str));
    let names = store.account_names(ids)?;
    Ok(pending
        .into_iter()
        .zip(members)
        .map(|(change, ids)| Pending {
            who: (change.resource == "User").then(|| names.get(&change.target).cloned()).flatten(),
            members: ids.into_iter().filter_map(|id| names.get(&id).cloned().map(|n| (id, n))).collect(),
            change,
        })
        .collect())
}

#[derive(Debug, Serialize)]
pub struct Counts {
    pub users: usize,
    pub groups: usize,
    pub visibility_rules: usize,
}

#[tauri::command]
pub async fn sync_overview(state: State<'_, AppState>, uai: String) -> Result<Overview, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let (conflicts, pending): (Vec<_>, Vec<_>) = store.outbox()?.into_iter().partition(|c| c.state == "conflict");
        let server = store.sync_url()?;
        let kept = server.as_deref().is_some_and(|url| {
            st.secrets().get(&sync::token_name(&uai, url)).ok().flatten().is_some_and(|t| !t.trim().is_empty())
        });
        let token = server.as_deref().is_some_and(|url| sync::token(st.secrets(), &uai, url).is_ok());
        let conflicts: Vec<sync::ConflictView> = conflicts.iter().filter_map(sync::conflict_view).collect();
        let members: Vec<&str> =
            conflicts.iter().flat_map(|c| c.rows.iter().filter_map(|r| r.member.as_deref())).collect();
        let conflict_members = store.account_names(members)?.into_iter().collect();
        Ok(Overview {
            connector: sync::Connector::of(&store)?,
            delivery: sync::delivery(&store)?,
            token,
            token_from_env: token && !kept,
            server,
            pending: named(&store, pending)?,
            conflicts,
            conflict_members,
            last: store.last_sync()?,
            snapshot: Counts {
                users: store.snapshot_count("User")?,
                groups: store.snapshot_count("Group")?,
                visibility_rules: store.snapshot_count("VisibilityRule")?,
            },
        })
    })
    .await
}

/// Saves the server's address, and the token in the keychain when one is
/// given: both or nothing.
#[tauri::command]
pub async fn sync_configure(
    state: State<'_, AppState>,
    uai: String,
    url: String,
    token: Option<String>,
) -> Result<String, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        Ok(sync::configure(&mut store, st.secrets(), &uai, &url, token.as_deref(), &audit::actor("app"))?)
    })
    .await
}

fn client(st: &AppState, uai: &str) -> Result<(preau_core::store::Store, Client), IpcError> {
    let store = open(st, uai)?;
    let url = store.sync_url()?.ok_or_else(|| sync::SyncError::NotConfigured { uai: uai.to_string() })?;
    let token = sync::token(st.secrets(), uai, &url)?;
    let client = sync::block_on(Client::connect(&url, &token))??;
    Ok((store, client))
}

/// "Tester la connexion": what the server offers, or why it cannot be used.
/// The address and token as typed are tried when given (saved or not); the
/// saved ones otherwise. Nothing is saved.
#[tauri::command]
pub async fn sync_test(
    state: State<'_, AppState>,
    uai: String,
    url: Option<String>,
    token: Option<String>,
) -> Result<sync::Capabilities, IpcError> {
    blocking(&state, move |st| {
        let url = match url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(typed) => Client::checked_url(typed)?,
            None => {
                let store = open(st, &uai)?;
                store.sync_url()?.ok_or_else(|| sync::SyncError::NotConfigured { uai: uai.to_string() })?
            }
        };
        let token = match token.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(typed) => typed.to_string(),
            None => sync::token(st.secrets(), &uai, &url)?,
        };
        Ok(sync::block_on(Client::connect(&url, &token))??.caps)
    })
    .await
}

/// Pulls the server's directory, reporting each page received.
#[tauri::command]
pub async fn sync_pull(
    state: State<'_, AppState>,
    uai: String,
    channel: Channel<sync::PullProgress>,
) -> Result<sync::Pulled, IpcError> {
    blocking(&state, move |st| {
        let (mut store, client) = client(st, &uai)?;
        let mut progress = |p: sync::PullProgress| {
            let _ = channel.send(p);
        };
        Ok(sync::block_on(sync::pull(&client, &mut store, &uai, &audit::actor("app"), &mut progress))??)
    })
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct PushProgress {
    pub done: usize,
    pub total: usize,
}

/// Sends the pending changes, reporting each one; [`sync_cancel`] stops it
/// after the change under way (what was sent stays sent).
#[tauri::command]
pub async fn sync_push(
    state: State<'_, AppState>,
    uai: String,
    channel: Channel<PushProgress>,
) -> Result<sync::Pushed, IpcError> {
    let cancel = state.begin_push();
    blocking(&state, move |st| {
        let (mut store, client) = client(st, &uai)?;
        let mut progress = |done, total| {
            let _ = channel.send(PushProgress { done, total });
        };
        let stop = || cancel.is_cancelled();
        let pushed = sync::block_on(sync::push(&client, &mut store, &audit::actor("app"), &stop, &mut progress))??;
        store.record_push(pushed.sent, pushed.conflicts == 0 && pushed.missing == 0)?;
        Ok(pushed)
    })
    .await
}

/// Settles a conflict: `mine`, `theirs`, or `merge` with the user's value
/// for each attribute (`[path, value]` pairs).
#[tauri::command]
pub async fn sync_resolve(
    state: State<'_, AppState>,
    uai: String,
    id: i64,
    keep: String,
    values: Option<Vec<(String, serde_json::Value)>>,
) -> Result<(), IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let choice = match keep.as_str() {
            "mine" => Resolution::Mine,
            "theirs" => Resolution::Theirs,
            "merge" => {
                let change = store
                    .outbox()?
                    .into_iter()
                    .find(|c| c.id == id && c.state == "conflict")
                    .ok_or_else(|| IpcError::new("SYNC_NO_CONFLICT", format!("aucun conflit n° {id}")))?;
                Resolution::Merge(sync::merged_patch(&change, &values.unwrap_or_default()))
            }
            other => return Err(IpcError::new("SYNC_KEEP", format!("choix inconnu : {other}"))),
        };
        Ok(store.resolve_conflict(id, choice, &audit::actor("app"))?)
    })
    .await
}

/// Asks the running push to stop; false when none runs.
#[tauri::command]
pub fn sync_cancel(state: State<'_, AppState>) -> bool {
    state.cancel_push()
}

/// Withdraws one pending change before it is sent.
#[tauri::command]
pub async fn sync_reject(state: State<'_, AppState>, uai: String, id: i64) -> Result<(), IpcError> {
    blocking(&state, move |st| Ok(open(st, &uai)?.outbox_reject(id, &audit::actor("app"))?)).await
}

/// Creates on the server what the establishment has and the server lacks;
/// what it refuses comes back named, with a free login proposed for a taken one.
#[tauri::command]
pub async fn sync_publish(state: State<'_, AppState>, uai: String) -> Result<sync::Published, IpcError> {
    blocking(&state, move |st| {
        let (store, client) = client(st, &uai)?;
        let data = store.load_population()?.ok_or_else(|| sync::SyncError::NoPopulation { uai: uai.clone() })?;
        Ok(sync::block_on(sync::publish(&client, &data))??)
    })
    .await
}

/// Gives a refused account the login the administrator accepted or typed;
/// the next publish creates the account with it.
#[tauri::command]
pub async fn sync_set_login(
    state: State<'_, AppState>,
    uai: String,
    account: String,
    login: String,
) -> Result<LoginSet, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let (changed, note) = sync::set_login(&mut store, st.secrets(), &account, &login, &audit::actor("app"))?;
        Ok(LoginSet { changed, unchecked: note })
    })
    .await
}

/// A login given, and why it could not be checked on the server, if it could not.
#[derive(Debug, Serialize)]
pub struct LoginSet {
    #[serde(flatten)]
    pub changed: preau_core::store::LoginChanged,
    pub unchecked: Option<String>,
}

/// Chooses how the establishment's changes reach its ENT: `scim` (a server),
/// `skolengo` (the console's worklist) or `ent-ng` (Open ENT NG's CSV files,
/// and a worklist for the rest).
#[tauri::command]
pub async fn sync_set_connector(state: State<'_, AppState>, uai: String, connector: String) -> Result<(), IpcError> {
    blocking(&state, move |st| {
        if sync::Connector::parse(&connector).is_none() {
            return Err(IpcError::new("SYNC_UNKNOWN_CONNECTOR", format!("connecteur inconnu : {connector}")));
        }
        let mut store = open(st, &uai)?;
        if store.sync_connector()?.as_deref().unwrap_or("scim") != connector {
            store.set_sync_connector(&connector, &audit::actor("app"))?;
        }
        Ok(())
    })
    .await
}

/// The Skolengo console's worklist, screen by screen, with where it stands.
#[derive(Debug, Serialize)]
pub struct Worklist {
    pub items: Vec<worklist::Item>,
    pub done: usize,
    pub total: usize,
}

#[tauri::command]
pub async fn sync_worklist(state: State<'_, AppState>, uai: String) -> Result<Worklist, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let items = worklist::worklist(&store)?;
        let (done, total) = worklist::progress(&items);
        Ok(Worklist { items, done, total })
    })
    .await
}

/// What the administrator says of an item: `done`, `impossible` (with its
/// reason) or `retry`; or `clear` to forget the items done.
#[tauri::command]
pub async fn sync_worklist_mark(
    state: State<'_, AppState>,
    uai: String,
    mark: String,
    id: Option<String>,
    reason: Option<String>,
) -> Result<(), IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let actor = audit::actor("app");
        let id = id.unwrap_or_default();
        match mark.as_str() {
            "done" => worklist::mark_done(&mut store, std::slice::from_ref(&id), &actor).map(|_| ())?,
            "impossible" => worklist::mark_impossible(&mut store, &id, reason.as_deref().unwrap_or(""), &actor)?,
            "retry" => worklist::retry(&mut store, &id, &actor)?,
            "clear" => worklist::clear_done(&mut store).map(|_| ())?,
            other => return Err(IpcError::new("WORKLIST_UNKNOWN_MARK", format!("action inconnue : {other}"))),
        }
        Ok(())
    })
    .await
}

/// The worklist as a checklist CSV (text, `;`, with its BOM) for the save dialog.
#[tauri::command]
pub async fn sync_worklist_csv(state: State<'_, AppState>, uai: String) -> Result<String, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let bytes = worklist::checklist_csv(&worklist::worklist(&store)?);
        String::from_utf8(bytes).map_err(|e| IpcError::new("INTERNAL", e.to_string()))
    })
    .await
}

/// An export for Open ENT NG as the view shows it (without its rows' fingerprints).
#[derive(Debug, Serialize)]
pub struct EntNgExportView {
    pub id: String,
    pub written_at: String,
    pub delta: bool,
    pub folder: String,
    pub files: serde_json::Value,
    pub changes: usize,
    pub imported_at: Option<String>,
}

/// Where Open ENT NG's files stand: the exports written (newest first), and
/// how many waiting changes the next files would carry.
#[derive(Debug, Serialize)]
pub struct EntNgState {
    pub exports: Vec<EntNgExportView>,
    pub carried: usize,
    /// Whether an export was ever confirmed imported (a delta then has a base).
    pub imported: bool,
}

fn export_view(r: preau_core::store::EntNgRecord) -> EntNgExportView {
    EntNgExportView {
        id: r.id,
        written_at: r.written_at,
        delta: r.delta,
        folder: r.folder,
        files: r.files,
        changes: r.changes.len(),
        imported_at: r.imported_at,
    }
}

#[tauri::command]
pub async fn ent_ng_state(state: State<'_, AppState>, uai: String) -> Result<EntNgState, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let exports: Vec<EntNgExportView> = sync::ent_ng::exports(&store)?.into_iter().map(export_view).collect();
        let imported = exports.iter().any(|e| e.imported_at.is_some());
        Ok(EntNgState { exports, carried: sync::ent_ng::carried_now(&store)?.len(), imported })
    })
    .await
}

/// What writing the files did, for the view.
#[derive(Debug, Serialize)]
pub struct EntNgWritten {
    /// `None` when a delta found nothing new.
    pub export: Option<EntNgExportView>,
    pub folder: String,
    /// People the ENT holds from an earlier import and the files no longer carry.
    pub gone: usize,
    /// Files over the console's one-megabyte limit.
    pub oversized: Vec<String>,
}

/// Asks where to write the files, then writes them (every row, or with
/// `delta` what changed since the last import); `null` when the dialog was closed.
#[tauri::command]
pub async fn ent_ng_write<R: tauri::Runtime>(
    window: tauri::WebviewWindow<R>,
    state: State<'_, AppState>,
    uai: String,
    delta: bool,
) -> Result<Option<EntNgWritten>, IpcError> {
    let title = "Choisir le dossier des fichiers pour Open ENT NG";
    let Some(folder) = super::files::pick_folder(&window, &state, title).await? else { return Ok(None) };
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let written = sync::ent_ng::write(&mut store, &folder, delta, &audit::actor("app"))?;
        let gone = written.export.as_ref().map_or(0, |e| e.gone.len());
        let export = match &written.export {
            Some(e) => sync::ent_ng::exports(&store)?.into_iter().find(|r| r.id == e.export).map(export_view),
            None => None,
        };
        Ok(Some(EntNgWritten { export, folder: written.folder, gone, oversized: written.oversized }))
    })
    .await
}

/// The administrator imported the export in the ENT's console: the changes
/// its files carry are confirmed. Returns how many.
#[tauri::command]
pub async fn ent_ng_confirm(state: State<'_, AppState>, uai: String, export: String) -> Result<usize, IpcError> {
    blocking(&state, move |st| Ok(sync::ent_ng::confirm(&mut open(st, &uai)?, &export, &audit::actor("app"))?)).await
}

/// « Récupérer depuis le serveur ENT »: a PC with no store for the UAI starts
/// from the server alone — the store created, the address and token kept,
/// the establishment's accounts, groups and eyes pulled, with progress. If
/// anything fails, a store this call created is removed: nothing half-made.
#[tauri::command]
pub async fn establishment_from_server(
    state: State<'_, AppState>,
    uai: String,
    url: String,
    token: String,
    channel: Channel<sync::PullProgress>,
) -> Result<sync::Pulled, IpcError> {
    blocking(&state, move |st| {
        let uai = preau_core::model::Uai::parse(&uai)?;
        let dir = st.data_dir()?;
        let key = st.db_key()?;
        let path = preau_core::store::store_path(dir, &uai);
        let existed = path.exists();
        let actor = audit::actor("app");
        let code = uai.to_string();
        let made = (|| -> Result<sync::Pulled, IpcError> {
            let mut store = preau_core::store::Store::open_or_create(dir, &uai, &key, &actor)?;
            let token = Some(token.as_str()).filter(|t| !t.trim().is_empty());
            let url = sync::configure(&mut store, st.secrets(), &code, &url, token, &actor)?;
            let token = sync::token(st.secrets(), &code, &url)?;
            let client = sync::block_on(Client::connect(&url, &token))??;
            let mut progress = |p: sync::PullProgress| {
                let _ = channel.send(p);
            };
            Ok(sync::block_on(sync::pull(&client, &mut store, &code, &actor, &mut progress))??)
        })();
        if made.is_err() && !existed {
            for suffix in ["", "-wal", "-shm"] {
                let mut side = path.as_os_str().to_os_string();
                side.push(suffix);
                let _ = std::fs::remove_file(side);
            }
        }
        made
    })
    .await
}
