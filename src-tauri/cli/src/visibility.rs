//! `preau-cli visibility …`: qui voit qui and qui fait quoi, headless.

use std::path::PathBuf;

use preau_core::store::Store;
use preau_core::visibility::{self, functions, simulate, Change, VProfile};

use crate::commands::{data_dir, json_line, key, print_line, uai};
use crate::Failure;

fn usage(message: String) -> Failure {
    Failure { exit: 2, code: "CLI_USAGE", message }
}

fn open(dir: Option<PathBuf>, raw_uai: &str) -> Result<(Store, String), Failure> {
    let uai = uai(raw_uai)?;
    let store = Store::open(&data_dir(dir)?, &uai, &key()?)?;
    Ok((store, uai.to_string()))
}

fn population(store: &Store, uai: &str) -> Result<preau_core::model::EstablishmentData, Failure> {
    store.load_population()?.ok_or_else(|| Failure {
        exit: 2,
        code: "NO_POPULATION",
        message: format!("aucune population pour {uai} : importez ou générez d'abord l'établissement"),
    })
}

fn computed_functions(store: &Store, uai: &str) -> Result<functions::Functions, Failure> {
    let data = population(store, uai)?;
    Ok(functions::compute(&data, &store.function_rules()?, &store.function_manual()?))
}

/// One line per cell: the profile, the node, whether the profile sees it
/// here, and whether it does on the server (as last pulled or pushed).
pub fn show(dir: Option<PathBuf>, raw_uai: &str, json: bool) -> Result<u8, Failure> {
    let (store, _) = open(dir, raw_uai)?;
    let local = store.visibility_matrix()?;
    let server = preau_core::sync::server_matrix(&store)?;
    if json {
        for node in visibility::TREE {
            for p in VProfile::ALL {
                json_line(&serde_json::json!({
                    "profile": p.code(),
                    "node": node,
                    "visible": local.visible(p, node),
                    "server": server.visible(p, node),
                }))?;
            }
        }
        return Ok(0);
    }
    let width = 34;
    let heads = ["Autre", "Élève", "Enseign.", "Non ens.", "Parent", "Collect."];
    print_line(&format!("{:width$} {}", "Nœud", heads.iter().map(|h| format!("{h:>9} ")).collect::<String>()))?;
    for node in visibility::TREE {
        let name = format!("{}{}", "  ".repeat(visibility::depth(node)), visibility::label(node));
        let cells: String = VProfile::ALL
            .iter()
            .map(|&p| {
                let mark = if local.visible(p, node) { "vu" } else { "masqué" };
                let differs = if local.visible(p, node) != server.visible(p, node) { "*" } else { " " };
                format!("{:>9}{differs}", mark)
            })
            .collect();
        print_line(&format!("{name:width$} {cells}"))?;
    }
    print_line(
        "* : diffère du serveur (en attente d'envoi, ou modifié sur le serveur depuis la dernière récupération)",
    )?;
    Ok(0)
}

/// Shows the changes and their side effects, then (unless `dry_run`) applies them and queues them.
fn apply(
    mut store: Store,
    uai: &str,
    changes: Vec<Change>,
    origin: &str,
    dry_run: bool,
    json: bool,
) -> Result<u8, Failure> {
    let current = store.visibility_matrix()?;
    let (rules, manual) = (store.function_rules()?, store.function_manual()?);
    let f = store.load_population()?.map(|d| functions::compute(&d, &rules, &manual));
    let members = |node: &str| f.as_ref().map_or(1, |f| f.members(node).len());
    let warnings = visibility::warnings(&current, &changes, &members);
    let queued =
        if dry_run { 0 } else { store.apply_visibility(uai, &changes, origin, &preau_core::audit::actor("cli"))? };
    if json {
        json_line(
            &serde_json::json!({ "changes": changes, "warnings": warnings, "queued": queued, "applied": !dry_run }),
        )?;
        return Ok(0);
    }
    if changes.is_empty() {
        print_line("Aucun changement : la grille est déjà dans cet état.")?;
        return Ok(0);
    }
    for c in &changes {
        print_line(&format!(
            "{} {} pour le profil {}",
            if c.visible { "Afficher" } else { "Masquer" },
            c.node.replace('/', " › "),
            c.profile.label()
        ))?;
    }
    for w in &warnings {
        print_line(&format!("Attention : {}", w.message))?;
    }
    print_line(&if dry_run {
        "Rien n'est appliqué (--dry-run).".to_string()
    } else {
        format!("{queued} modification(s) en attente d'envoi au serveur ENT (Synchronisation).")
    })?;
    Ok(0)
}

pub fn set(
    dir: Option<PathBuf>,
    raw_uai: &str,
    profile: &str,
    node: &str,
    visible: bool,
    dry_run: bool,
    json: bool,
) -> Result<u8, Failure> {
    let p = VProfile::parse(profile).ok_or_else(|| {
        usage(format!(
            "profil inconnu : « {profile} » (attendu : {})",
            VProfile::ALL.iter().map(|p| p.code()).collect::<Vec<_>>().join(", ")
        ))
    })?;
    let n = visibility::node(node)
        .ok_or_else(|| usage(format!("nœud inconnu : « {node} » (voir `preau-cli visibility show`)")))?;
    let (store, uai) = open(dir, raw_uai)?;
    let current = store.visibility_matrix()?;
    let changes = if current.eye(p, n) == visible {
        Vec::new()
    } else {
        vec![Change { profile: p, node: n.to_string(), visible }]
    };
    apply(store, &uai, changes, "qui voit qui", dry_run, json)
}

pub fn preset(dir: Option<PathBuf>, raw_uai: &str, name: &str, dry_run: bool, json: bool) -> Result<u8, Failure> {
    let (store, uai) = open(dir, raw_uai)?;
    let current = store.visibility_matrix()?;
    let changes = visibility::preset(name, &current).ok_or_else(|| {
        usage(format!(
            "préréglage inconnu : « {name} » (attendu : {})",
            visibility::PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
        ))
    })?;
    apply(store, &uai, changes, &format!("préréglage {name}"), dry_run, json)
}

pub fn simulate(dir: Option<PathBuf>, raw_uai: &str, user: &str, to: Option<&str>, json: bool) -> Result<u8, Failure> {
    let (store, uai) = open(dir, raw_uai)?;
    let data = population(&store, &uai)?;
    let f = functions::compute(&data, &store.function_rules()?, &store.function_manual()?);
    let m = store.visibility_matrix()?;
    let unknown =
        |id: &str| Failure { exit: 2, code: "UNKNOWN_PERSON", message: format!("personne inconnue : « {id} »") };
    if let Some(to) = to {
        let verdict = simulate::can_write(&data, &m, &f, user, to)
            .ok_or_else(|| unknown(if data.people.iter().any(|p| p.id == user) { to } else { user }))?;
        if json {
            json_line(&verdict)?;
        } else {
            print_line(&verdict.reason)?;
        }
        return Ok(0);
    }
    let sim = simulate::simulate(&data, &m, &f, user).ok_or_else(|| unknown(user))?;
    if json {
        json_line(&sim)?;
        return Ok(0);
    }
    print_line(&format!("{} (profil {}) voit :", sim.name, sim.profile.label()))?;
    for n in &sim.visible {
        let people = if n.people.is_empty() { String::new() } else { format!(" — {} personne(s)", n.people.len()) };
        print_line(&format!("  {}{people}", n.node.replace('/', " › ")))?;
    }
    if !sim.hidden.is_empty() {
        print_line("Masqués :")?;
        for h in &sim.hidden {
            print_line(&format!("  {} (par « {} »)", h.node.replace('/', " › "), h.by.replace('/', " › ")))?;
        }
    }
    Ok(0)
}

pub fn functions(dir: Option<PathBuf>, raw_uai: &str, queue: bool, json: bool) -> Result<u8, Failure> {
    let (mut store, uai) = open(dir, raw_uai)?;
    let f = computed_functions(&store, &uai)?;
    if queue {
        // The nodes' composition, sent to the accounts' `nodes` on the server.
        let data = population(&store, &uai)?;
        let changes = store.node_membership_changes(&functions::account_nodes(&data, &f))?;
        let queued = store.queue_node_memberships(&changes, "qui fait quoi", &preau_core::audit::actor("cli"))?;
        if json {
            json_line(&serde_json::json!({ "queued": queued, "changes": changes }))?;
        } else {
            print_line(&format!("{queued} compte(s) à mettre à jour sur le serveur ENT (en attente d'envoi)."))?;
        }
        return Ok(0);
    }
    if json {
        for n in &f.nodes {
            json_line(&serde_json::json!({ "node": n.node, "members": n.members }))?;
        }
        for a in &f.alerts {
            json_line(
                &serde_json::json!({ "alert": a.code, "node": a.node, "people": a.people, "message": a.message }),
            )?;
        }
        return Ok(0);
    }
    for n in &f.nodes {
        let names: Vec<&str> = n.members.iter().map(|m| m.name.as_str()).collect();
        print_line(&format!("{} ({}) : {}", n.node.replace('/', " › "), names.len(), names.join(", ")))?;
    }
    for a in &f.alerts {
        print_line(&format!("Alerte : {}", a.message))?;
    }
    Ok(0)
}
