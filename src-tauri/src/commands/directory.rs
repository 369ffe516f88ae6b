//! Annuaire: the search (establishment or « tout l'ENT », whose index is
//! kept between keystrokes), a person's fiche, the list as CSV, creating an
//! account after the whole-ENT check, functions, AESH links, the end of a
//! hand-made account, and the incident-ticket assistant.

use preau_core::audit;
use preau_core::directory::{self, codes, edit, fiche, Criteria, Hit};
use preau_core::model::{Function, Profile};
use preau_core::reconcile;
use preau_core::store::Store;
use preau_core::ticket;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::{Runtime, State, WebviewWindow};

use super::{blocking, open, population};
use crate::error::IpcError;
use crate::state::AppState;

/// What the academy index is built from: the directory imported, the server's last pull.
fn stamp(store: &Store) -> Result<String, IpcError> {
    let batch = store.latest_batches()?.into_iter().find(|b| b.format == "ent-directory").map(|b| b.id);
    let pulled = store.last_sync()?.map(|l| l.at);
    Ok(format!("{batch:?}|{pulled:?}|{}", store.snapshot_count("User")?))
}

/// The whole ENT's index, kept between keystrokes; `None` while no directory was imported or pulled.
fn academy_index(st: &AppState, store: &Store, uai: &str) -> Result<Option<Arc<reconcile::Directory>>, IpcError> {
    match st.directory_index(uai, &stamp(store)?, || Ok(reconcile::directory_from_store(store)?)) {
        Ok(d) => Ok(Some(d)),
        Err(e) if e.code == "MATCH_NO_DIRECTORY" => Ok(None),
        Err(e) => Err(e),
    }
}

fn search_in(
    st: &AppState,
    uai: &str,
    query: &str,
    scope: &str,
    c: Criteria,
    limit: usize,
) -> Result<Vec<Hit>, IpcError> {
    let store = open(st, uai)?;
    let f = c.filters().map_err(|p| IpcError::new("DIRECTORY_UNKNOWN_PROFILE", format!("profil inconnu : {p}")))?;
    let limit = limit.clamp(1, 2000);
    if scope == "academie" {
        return Ok(academy_index(st, &store, uai)?
            .map(|dir| directory::academy(&dir, query, &f, limit))
            .unwrap_or_default());
    }
    // The journal's head (its hash chains every entry): every change to the store moves it.
    let stamp = store.audit_entries(1)?.first().map(|e| e.hash.clone()).unwrap_or_default();
    let people = st.people(uai, &stamp, || {
        directory::People::load(&store)?.ok_or_else(|| {
            IpcError::new("NO_POPULATION", format!("aucune population pour {uai} : importez d'abord l'établissement"))
        })
    })?;
    Ok(people.search(query, &f, limit))
}

#[derive(Debug, Serialize)]
pub struct Found {
    pub hits: Vec<Hit>,
    /// The whole ENT's directory holds accounts (else « tout l'ENT » has nothing to search).
    pub academy_accounts: usize,
}

#[tauri::command]
pub async fn directory_search(
    state: State<'_, AppState>,
    uai: String,
    query: String,
    scope: String,
    criteria: Option<Criteria>,
    limit: Option<usize>,
) -> Result<Found, IpcError> {
    blocking(&state, move |st| {
        let hits = search_in(st, &uai, &query, &scope, criteria.unwrap_or_default(), limit.unwrap_or(50))?;
        let academy_accounts = if scope == "academie" {
            let store = open(st, &uai)?;
            academy_index(st, &store, &uai)?.map_or(0, |d| d.len())
        } else {
            0
        };
        Ok(Found { hits, academy_accounts })
    })
    .await
}

#[derive(Debug, Serialize)]
pub struct Choices {
    pub classes: Vec<String>,
    pub groups: Vec<(String, String)>,
    /// (code, label) of the fonctions and disciplines known.
    pub functions: Vec<codes::Code>,
    pub disciplines: Vec<(&'static str, codes::Code)>,
    /// Subjects taught here: (discipline code, label).
    pub subjects: Vec<(String, String)>,
    pub creatable: Vec<&'static str>,
    pub pupils: Vec<(String, String)>,
}

#[tauri::command]
pub async fn directory_choices(state: State<'_, AppState>, uai: String) -> Result<Choices, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let mut subjects = std::collections::BTreeMap::new();
        for p in &data.people {
            for f in p.functions.iter().filter(|f| f.code == "ENS") {
                if let Some(d) = &f.discipline {
                    subjects.entry(d.clone()).or_insert_with(|| f.label.clone());
                }
            }
        }
        let mut pupils: Vec<(String, String)> = data
            .people
            .iter()
            .filter(|p| p.profile == Profile::Eleve && !p.left)
            .map(|p| (p.id.clone(), format!("{} {} ({})", p.usage_name, p.usual_name(), p.divisions.join(", "))))
            .collect();
        pupils.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(Choices {
            classes: data.divisions.iter().map(|d| d.code.clone()).collect(),
            groups: data.groups.iter().map(|g| (g.id.clone(), g.name.clone())).collect(),
            functions: codes::FUNCTIONS.to_vec(),
            disciplines: codes::DISCIPLINES.to_vec(),
            subjects: subjects.into_iter().collect(),
            creatable: edit::CREATABLE.iter().map(|p| p.as_str()).collect(),
            pupils,
        })
    })
    .await
}

#[tauri::command]
pub async fn directory_fiche(state: State<'_, AppState>, uai: String, id: String) -> Result<fiche::Fiche, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        fiche::fiche(&store, &id)?.ok_or_else(|| {
            IpcError::new("PERSON_UNKNOWN", format!("aucune personne ni aucun compte « {id} » dans l'établissement"))
        })
    })
    .await
}

/// The search's results as a CSV list where the user chooses; the path, or null when the dialog was closed.
#[tauri::command]
pub async fn directory_csv<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    uai: String,
    query: String,
    scope: String,
    criteria: Option<Criteria>,
) -> Result<Option<String>, IpcError> {
    let st = state.inner().clone();
    let Some(path) = super::files::pick_save_path(&window, &st, "liste-annuaire.csv", "Enregistrer la liste").await?
    else {
        return Ok(None);
    };
    blocking(&state, move |st| {
        let hits = search_in(st, &uai, &query, &scope, criteria.unwrap_or_default(), 100_000)?;
        std::fs::write(&path, directory::csv(&hits)).map_err(|e| {
            IpcError::new("FILE_WRITE", format!("écriture de {} impossible : {e}", path.display()))
                .with("path", path.display().to_string())
        })?;
        Ok(Some(path.display().to_string()))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct NewAccount {
    pub profile: String,
    pub civility: Option<String>,
    pub nom: String,
    pub prenom: String,
    pub email: Option<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    /// `CODE` or `CODE/DISCIPLINE`.
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    pub until: Option<String>,
    #[serde(default)]
    pub perenne: bool,
    #[serde(default)]
    pub reason: String,
}

/// A field left empty is no value.
fn clean(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn function_of(text: &str) -> Result<Function, IpcError> {
    codes::parse(text).ok_or_else(|| {
        IpcError::new("FUNCTION_CODE", format!("« {text} » : une fonction s'écrit CODE ou CODE/DISCIPLINE"))
            .with("text", text)
    })
}

fn new_account(n: NewAccount) -> Result<edit::NewAccount, IpcError> {
    Ok(edit::NewAccount {
        profile: Profile::parse(n.profile.trim()),
        civility: clean(n.civility),
        nom: n.nom,
        prenom: n.prenom,
        email: clean(n.email),
        phones: n.phones,
        functions: n.functions.iter().map(|f| function_of(f)).collect::<Result<_, _>>()?,
        groups: n.groups,
        until: clean(n.until),
        perenne: n.perenne,
        reason: n.reason,
    })
}

/// The whole ENT's accounts that may be the one about to be created.
#[tauri::command]
pub async fn directory_likely(
    state: State<'_, AppState>,
    uai: String,
    account: NewAccount,
) -> Result<Vec<edit::Likely>, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        Ok(edit::likely_existing(&store, &new_account(account)?)?)
    })
    .await
}

#[tauri::command]
pub async fn directory_create(
    state: State<'_, AppState>,
    uai: String,
    account: NewAccount,
    force: bool,
) -> Result<edit::Created, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let on_server = preau_core::sync::server_logins(&store, st.secrets());
        Ok(edit::create(&mut store, &new_account(account)?, force, on_server.as_deref(), &audit::actor("app"))?)
    })
    .await
}

#[tauri::command]
pub async fn directory_function(
    state: State<'_, AppState>,
    uai: String,
    person: String,
    function: String,
    add: bool,
    apply: bool,
) -> Result<edit::FunctionPreview, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let f = function_of(&function)?;
        if apply {
            Ok(edit::change_function(&mut store, &person, &f, add, &audit::actor("app"))?)
        } else {
            Ok(edit::preview_function(&store, &person, &f, add)?)
        }
    })
    .await
}

#[tauri::command]
pub async fn directory_follow(
    state: State<'_, AppState>,
    uai: String,
    follower: String,
    pupils: Vec<String>,
    add: bool,
) -> Result<usize, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        Ok(edit::follow(&mut store, &follower, &pupils, add, &audit::actor("app"))?)
    })
    .await
}

#[tauri::command]
pub async fn directory_end(
    state: State<'_, AppState>,
    uai: String,
    id: String,
    until: Option<String>,
    close: bool,
) -> Result<(), IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let until = match clean(until) {
            Some(d) => Some(edit::end_date(&d)?),
            None => None,
        };
        Ok(store.set_hand_account_end(&id, until.as_deref(), close, &audit::actor("app"))?)
    })
    .await
}

/// The rules the draft breaks (none: it can be written).
#[tauri::command]
pub async fn ticket_check(
    state: State<'_, AppState>,
    uai: String,
    ticket: ticket::Draft,
) -> Result<Vec<ticket::Broken>, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        Ok(ticket::check(&ticket::Draft { screenshot: None, ..ticket }, &data))
    })
    .await
}

/// Writes the ticket into a folder the user chooses (a new folder named
/// after it inside), with a screenshot file the user picked, if any.
#[tauri::command]
pub async fn ticket_write<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    uai: String,
    ticket: ticket::Draft,
    screenshot: Option<String>,
) -> Result<Option<ticket::Written>, IpcError> {
    let st = state.inner().clone();
    let Some(folder) = super::files::pick_folder(&window, &st, "Dossier où écrire le ticket").await? else {
        return Ok(None);
    };
    blocking(&state, move |st| {
        let png = match screenshot {
            Some(p) => Some(std::fs::read(&p).map_err(|e| {
                IpcError::new("TICKET_SCREENSHOT", format!("lecture de la capture {p} impossible : {e}"))
                    .with("path", p)
            })?),
            None => None,
        };
        let mut store = open(st, &uai)?;
        let stamp = chrono::Local::now().format("%Y-%m-%d-%H%M%S");
        let out = folder.join(format!("ticket-{stamp}"));
        Ok(Some(ticket::write(&mut store, &ticket::Draft { screenshot: png, ..ticket }, &out, &audit::actor("app"))?))
    })
    .await
}

/// A screenshot (PNG) to attach, chosen by the user; its path, or null.
#[tauri::command]
pub async fn ticket_pick_screenshot<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
) -> Result<Option<String>, IpcError> {
    let st = state.inner().clone();
    Ok(super::files::pick_png(&window, &st).await?.map(|p| p.display().to_string()))
}
