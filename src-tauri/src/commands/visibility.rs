//! Qui voit qui: the grid with what differs from the server, a change (or a
//! preset) previewed with its side effects before it is queued, the
//! simulator, and qui fait quoi (function nodes, hand corrections, alerts).

use preau_core::audit;
use preau_core::model::EstablishmentData;
use preau_core::store::Store;
use preau_core::visibility::{self, functions, simulate, Change, VProfile};
use serde::Serialize;
use tauri::State;

use super::{blocking, open, population};
use crate::error::IpcError;
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct ProfileInfo {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Serialize)]
pub struct NodeInfo {
    pub path: &'static str,
    pub label: &'static str,
    pub depth: usize,
    pub function: bool,
    /// People in a function node (none for the class nodes, which depend on who looks).
    pub members: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct Cell {
    pub profile: VProfile,
    pub node: &'static str,
    /// The cell's own eye.
    pub eye: bool,
    /// Whether the profile sees the node (its eye and its ancestors').
    pub visible: bool,
    /// The closed ancestor hiding it, when it is not its own eye.
    pub hidden_by: Option<&'static str>,
    /// Whether the server sees it so too (as last pulled or pushed).
    pub server: bool,
}

#[derive(Debug, Serialize)]
pub struct Grid {
    pub establishment: String,
    pub profiles: Vec<ProfileInfo>,
    pub nodes: Vec<NodeInfo>,
    pub cells: Vec<Cell>,
    pub presets: Vec<visibility::Preset>,
    /// Changes of eyes waiting to be sent.
    pub pending: usize,
}

fn computed(store: &Store, data: &EstablishmentData) -> Result<functions::Functions, IpcError> {
    Ok(functions::compute(data, &store.function_rules()?, &store.function_manual()?))
}

#[tauri::command]
pub async fn visibility_grid(state: State<'_, AppState>, uai: String) -> Result<Grid, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let f = computed(&store, &data)?;
        let local = store.visibility_matrix()?;
        let server = preau_core::sync::server_matrix(&store)?;
        let nodes = visibility::TREE
            .iter()
            .map(|&path| NodeInfo {
                path,
                label: visibility::label(path),
                depth: visibility::depth(path),
                function: visibility::is_function_node(path),
                members: visibility::is_function_node(path).then(|| f.members(path).len()),
            })
            .collect();
        let cells = visibility::TREE
            .iter()
            .flat_map(|&node| {
                VProfile::ALL.map(|p| Cell {
                    profile: p,
                    node,
                    eye: local.eye(p, node),
                    visible: local.visible(p, node),
                    hidden_by: local.hidden_by(p, node).filter(|by| *by != node),
                    server: server.visible(p, node),
                })
            })
            .collect();
        Ok(Grid {
            establishment: data.establishment.name.clone(),
            profiles: VProfile::ALL.iter().map(|p| ProfileInfo { code: p.code(), label: p.label() }).collect(),
            nodes,
            cells,
            presets: visibility::PRESETS.to_vec(),
            pending: store.outbox()?.iter().filter(|c| c.resource == "VisibilityRule").count(),
        })
    })
    .await
}

#[derive(Debug, Serialize)]
pub struct Preview {
    pub changes: Vec<Change>,
    pub warnings: Vec<visibility::Warning>,
}

fn preview_of(store: &Store, uai: &str, changes: Vec<Change>) -> Result<Preview, IpcError> {
    let data = population(store, uai)?;
    let f = computed(store, &data)?;
    let current = store.visibility_matrix()?;
    let warnings = visibility::warnings(&current, &changes, &|n| f.members(n).len());
    Ok(Preview { changes, warnings })
}

/// What flipping one eye would do, before anything is queued.
#[tauri::command]
pub async fn visibility_preview(
    state: State<'_, AppState>,
    uai: String,
    profile: String,
    node: String,
    visible: bool,
) -> Result<Preview, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let p = VProfile::parse(&profile)
            .ok_or_else(|| IpcError::new("VISIBILITY_PROFILE", format!("profil inconnu : {profile}")))?;
        let n = visibility::node(&node)
            .ok_or_else(|| IpcError::new("VISIBILITY_NODE", format!("nœud inconnu : {node}")))?;
        let current = store.visibility_matrix()?;
        let changes = if current.eye(p, n) == visible {
            Vec::new()
        } else {
            vec![Change { profile: p, node: n.to_string(), visible }]
        };
        preview_of(&store, &uai, changes)
    })
    .await
}

/// A preset as the change list it makes, with its side effects.
#[tauri::command]
pub async fn visibility_preset(state: State<'_, AppState>, uai: String, name: String) -> Result<Preview, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let changes = visibility::preset(&name, &store.visibility_matrix()?)
            .ok_or_else(|| IpcError::new("VISIBILITY_PRESET", format!("préréglage inconnu : {name}")))?;
        preview_of(&store, &uai, changes)
    })
    .await
}

/// Applies previewed changes; each is queued for the server. Returns how many.
#[tauri::command]
pub async fn visibility_apply(
    state: State<'_, AppState>,
    uai: String,
    changes: Vec<Change>,
    origin: String,
) -> Result<usize, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        for c in &changes {
            if visibility::node(&c.node) != Some(c.node.as_str()) {
                return Err(IpcError::new("VISIBILITY_NODE", format!("nœud inconnu : {}", c.node)));
            }
        }
        let code = preau_core::model::Uai::parse(&uai)?.to_string();
        Ok(store.apply_visibility(&code, &changes, &origin, &audit::actor("app"))?)
    })
    .await
}

#[derive(Debug, Serialize)]
pub struct PersonInfo {
    pub id: String,
    pub name: String,
    pub profile: VProfile,
    pub profile_label: &'static str,
    pub detail: String,
}

/// People whose name holds `query` (for the simulator and the hand corrections), 30 at most.
#[tauri::command]
pub async fn visibility_people(
    state: State<'_, AppState>,
    uai: String,
    query: String,
) -> Result<Vec<PersonInfo>, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let words: Vec<String> = query.split_whitespace().map(preau_core::text::fold).collect();
        let mut out: Vec<PersonInfo> = data
            .people
            .iter()
            .filter(|p| !p.left)
            .filter(|p| {
                let hay = preau_core::text::fold(&format!("{} {} {}", p.usage_name, p.given_names.join(" "), p.id));
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .take(30)
            .map(|p| {
                let profile = VProfile::of(p.profile);
                let detail = if !p.divisions.is_empty() && p.divisions.len() <= 3 {
                    p.divisions.join(", ")
                } else {
                    p.functions.iter().map(|f| f.label.clone()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(", ")
                };
                PersonInfo {
                    id: p.id.clone(),
                    name: format!("{} {}", p.usage_name, p.usual_name()),
                    profile,
                    profile_label: profile.label(),
                    detail,
                }
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    })
    .await
}

#[derive(Debug, Serialize)]
pub struct Simulated {
    pub simulation: simulate::Simulation,
    pub verdict: Option<simulate::Verdict>,
}

/// What `user` sees; with `to`, whether they can write to that person.
#[tauri::command]
pub async fn visibility_simulate(
    state: State<'_, AppState>,
    uai: String,
    user: String,
    to: Option<String>,
) -> Result<Simulated, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let f = computed(&store, &data)?;
        let m = store.visibility_matrix()?;
        let unknown = |id: &str| IpcError::new("UNKNOWN_PERSON", format!("personne inconnue : {id}"));
        let simulation = simulate::simulate(&data, &m, &f, &user).ok_or_else(|| unknown(&user))?;
        let verdict = match to.filter(|t| !t.is_empty()) {
            Some(to) => Some(simulate::can_write(&data, &m, &f, &user, &to).ok_or_else(|| unknown(&to))?),
            None => None,
        };
        Ok(Simulated { simulation, verdict })
    })
    .await
}

#[tauri::command]
pub async fn visibility_functions(state: State<'_, AppState>, uai: String) -> Result<functions::Functions, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        computed(&store, &data)
    })
    .await
}

/// A hand correction of a function node: `true` adds, `false` takes out, `null` drops the correction.
#[tauri::command]
pub async fn visibility_function_member(
    state: State<'_, AppState>,
    uai: String,
    node: String,
    person: String,
    member: Option<bool>,
) -> Result<(), IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let n = visibility::node(&node)
            .filter(|n| visibility::is_function_node(n))
            .ok_or_else(|| IpcError::new("VISIBILITY_NODE", format!("nœud de fonction inconnu : {node}")))?;
        Ok(store.set_function_member(n, &person, member, &audit::actor("app"))?)
    })
    .await
}

/// The accounts whose function nodes on the server would change (preview).
#[tauri::command]
pub async fn visibility_node_changes(
    state: State<'_, AppState>,
    uai: String,
) -> Result<Vec<preau_core::store::NodeChange>, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let f = computed(&store, &data)?;
        Ok(store.node_membership_changes(&functions::account_nodes(&data, &f))?)
    })
    .await
}

/// Queues the function nodes' composition for the server; returns how many accounts.
#[tauri::command]
pub async fn visibility_queue_nodes(state: State<'_, AppState>, uai: String) -> Result<usize, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let f = computed(&store, &data)?;
        let changes = store.node_membership_changes(&functions::account_nodes(&data, &f))?;
        Ok(store.queue_node_memberships(&changes, "qui fait quoi", &audit::actor("app"))?)
    })
    .await
}

/// Replaces the fonction + discipline → node mapping (each node checked).
#[tauri::command]
pub async fn visibility_set_rules(
    state: State<'_, AppState>,
    uai: String,
    rules: Vec<functions::FunctionRule>,
) -> Result<(), IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let mut clean = Vec::with_capacity(rules.len());
        for r in rules {
            let node = visibility::node(&r.node)
                .filter(|n| visibility::is_function_node(n))
                .ok_or_else(|| IpcError::new("VISIBILITY_NODE", format!("nœud de fonction inconnu : {}", r.node)))?;
            let code = r.code.trim().to_uppercase();
            if code.is_empty() {
                return Err(IpcError::new("VISIBILITY_RULE", "un code fonction est requis (DIR, EDU, AED…)"));
            }
            let discipline = r.discipline.map(|d| d.trim().to_uppercase()).filter(|d| !d.is_empty());
            clean.push(functions::FunctionRule { code, discipline, node: node.to_string() });
        }
        Ok(store.set_function_rules(&clean, &audit::actor("app"))?)
    })
    .await
}
