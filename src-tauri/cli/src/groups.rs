//! `preau-cli groups …`: free groups, rule-populated groups, the GAR managers.

use std::path::{Path, PathBuf};

use preau_core::groups::{self, Context, GarRole, ManagedGroup, Origin, Rule};
use preau_core::model::{EstablishmentData, GroupKind};
use preau_core::store::{NewGroup, Store};

use crate::commands::{data_dir, json_line, key, print_line, uai};
use crate::Failure;

fn usage(message: String) -> Failure {
    Failure { exit: 2, code: "CLI_USAGE", message }
}

fn open(dir: Option<PathBuf>, raw_uai: &str) -> Result<(Store, String, EstablishmentData), Failure> {
    let u = uai(raw_uai)?;
    let store = Store::open(&data_dir(dir)?, &u, &key()?)?;
    let data = store.load_population()?.ok_or_else(|| Failure {
        exit: 2,
        code: "NO_POPULATION",
        message: format!("aucune population pour {u} : importez ou générez d'abord l'établissement"),
    })?;
    Ok((store, u.to_string(), data))
}

fn actor() -> String {
    preau_core::audit::actor("cli")
}

fn parse_rule(text: &str) -> Result<Rule, Failure> {
    Rule::parse(text).map_err(|e| Failure { exit: 2, code: "GROUP_RULE", message: e.to_string() })
}

fn name_of(data: &EstablishmentData, person: &str) -> String {
    data.people
        .iter()
        .find(|p| p.id == person)
        .map_or_else(|| person.to_string(), |p| format!("{} {}", p.usage_name, p.usual_name()))
}

fn line(g: &ManagedGroup) -> serde_json::Value {
    serde_json::json!({
        "id": g.id,
        "name": g.name,
        "kind": g.kind.as_str(),
        "members": g.members.len(),
        "auto": g.count(Origin::Auto),
        "manual": g.count(Origin::Manual),
        "locked": g.lock_delete,
        "rule": g.rule.as_ref().map(Rule::text),
    })
}

pub fn list(dir: Option<PathBuf>, raw_uai: &str, json: bool) -> Result<u8, Failure> {
    let (store, _, _) = open(dir, raw_uai)?;
    for g in store.managed_groups()? {
        if json {
            json_line(&line(&g))?;
        } else {
            print_line(&format!(
                "{} — {} ({}) : {} membres ({} par règle, {} à la main){}",
                g.id,
                g.name,
                g.kind.as_str(),
                g.members.len(),
                g.count(Origin::Auto),
                g.count(Origin::Manual),
                if g.lock_delete { ", verrouillé" } else { "" }
            ))?;
        }
    }
    Ok(0)
}

pub fn show(dir: Option<PathBuf>, raw_uai: &str, group: &str, json: bool) -> Result<u8, Failure> {
    let (store, _, data) = open(dir, raw_uai)?;
    let g = store.managed_group(group)?;
    let diff = groups::evaluate(&g, &Context::new(&data));
    if json {
        let members: Vec<serde_json::Value> = g
            .members
            .iter()
            .map(|m| {
                serde_json::json!({
                    "person": m.person,
                    "name": name_of(&data, &m.person),
                    "origin": m.origin,
                    "role": m.role,
                    "since": m.since,
                    "active_from": m.role.and_then(|_| groups::active_from(&m.since)),
                })
            })
            .collect();
        let mut out = line(&g);
        out["members_list"] = serde_json::json!(members);
        out["pending"] = serde_json::json!(diff);
        json_line(&out)?;
        return Ok(0);
    }
    print_line(&format!("{} — {} ({}), {} membres", g.id, g.name, g.kind.as_str(), g.members.len()))?;
    if let Some(r) = &g.rule {
        print_line(&format!("Règle : {}", r.text()))?;
    }
    for m in &g.members {
        let role = match m.role {
            Some(GarRole::Responsable) => " — responsable d'affectation",
            Some(GarRole::Gestionnaire) => " — gestionnaire",
            None => "",
        };
        let origin = if m.origin == Origin::Auto { "règle" } else { "à la main" };
        print_line(&format!("  {} ({origin}){role}", name_of(&data, &m.person)))?;
    }
    if !diff.is_empty() {
        print_line(&format!(
            "À réévaluer : {} entrant(s), {} sortant(s) (`groups evaluate --apply`)",
            diff.entrants.len(),
            diff.sortants.len()
        ))?;
    }
    Ok(0)
}

#[allow(clippy::too_many_arguments)]
pub fn create(
    dir: Option<PathBuf>,
    raw_uai: &str,
    name: Option<&str>,
    template: Option<&str>,
    kind: Option<&str>,
    rule: Option<&str>,
    lock_delete: bool,
    lock_recompose: bool,
    json: bool,
) -> Result<u8, Failure> {
    let (mut store, u, data) = open(dir, raw_uai)?;
    let mut new = NewGroup { name: String::new(), kind: GroupKind::Libre, rule: None, lock_delete, lock_recompose };
    if let Some(t) = template {
        let all = groups::templates(data.establishment.kind);
        let found = all.iter().find(|x| x.name == t).ok_or_else(|| {
            usage(format!(
                "modèle inconnu : « {t} » (attendu : {})",
                all.iter().map(|x| x.name).collect::<Vec<_>>().join(", ")
            ))
        })?;
        new.name = found.label.clone();
        new.kind = found.kind;
        new.rule = found.rule.as_deref().map(parse_rule).transpose()?;
        new.lock_delete |= found.lock_delete;
    }
    if let Some(n) = name {
        new.name = n.to_string();
    }
    if let Some(k) = kind {
        new.kind = GroupKind::parse(k)
            .ok_or_else(|| usage(format!("type de groupe inconnu : « {k} » (libre, niveau, classe, fonction, gar)")))?;
    }
    if let Some(r) = rule {
        new.rule = Some(parse_rule(r)?);
    }
    let g = store.create_group(&u, &new, &actor())?;
    // Asked for with its rule: populated now, the count said.
    let diff = groups::evaluate(&g, &Context::new(&data));
    let added = store.apply_group_diff(&g.id, &diff, &data, &actor())?;
    let g = store.managed_group(&g.id)?;
    if json {
        json_line(&line(&g))?;
    } else {
        print_line(&format!(
            "Groupe créé : {} — {} ({added} membre(s) selon la règle), en attente d'envoi.",
            g.id, g.name
        ))?;
    }
    Ok(0)
}

pub fn delete(dir: Option<PathBuf>, raw_uai: &str, group: &str) -> Result<u8, Failure> {
    let (mut store, _, _) = open(dir, raw_uai)?;
    store.delete_group(group, &actor())?;
    print_line(&format!("Groupe {group} supprimé (suppression en attente d'envoi)."))?;
    Ok(0)
}

pub fn add(
    dir: Option<PathBuf>,
    raw_uai: &str,
    group: &str,
    people: &[String],
    csv: Option<&Path>,
    role: Option<&str>,
    json: bool,
) -> Result<u8, Failure> {
    let (mut store, _, data) = open(dir, raw_uai)?;
    let role = match role {
        None => None,
        Some("responsable") => Some(GarRole::Responsable),
        Some("gestionnaire") => Some(GarRole::Gestionnaire),
        Some(other) => return Err(usage(format!("rôle inconnu : « {other} » (responsable, gestionnaire)"))),
    };
    let mut all: Vec<String> = people.to_vec();
    let mut problems = Vec::new();
    if let Some(path) = csv {
        let bytes = std::fs::read(path).map_err(|e| Failure {
            exit: 2,
            code: "FORMAT_IO",
            message: format!("{} : {e}", path.display()),
        })?;
        let found = groups::csv::people_from_csv(&bytes, &data).map_err(|p| Failure {
            exit: 2,
            code: "GROUP_CSV",
            message: format!("{}, ligne {} : {}", path.display(), p.line, p.message),
        })?;
        all.extend(found.people);
        problems = found.problems;
    }
    let (added, already, without) = store.add_group_members(group, &all, role, &data, &actor())?;
    if json {
        json_line(
            &serde_json::json!({ "added": added, "already": already, "without_account": without, "problems": problems }),
        )?;
    } else {
        print_line(&format!("{added} ajouté(s), {already} déjà membre(s), {without} sans compte ENT."))?;
        for p in &problems {
            print_line(&format!("Ligne {} : {}", p.line, p.message))?;
        }
    }
    Ok(if problems.is_empty() { 0 } else { 1 })
}

pub fn remove(dir: Option<PathBuf>, raw_uai: &str, group: &str, people: &[String]) -> Result<u8, Failure> {
    let (mut store, _, data) = open(dir, raw_uai)?;
    let n = store.remove_group_members(group, people, &data, &actor())?;
    print_line(&format!("{n} retiré(s) du groupe (en attente d'envoi)."))?;
    Ok(0)
}

pub fn rule(dir: Option<PathBuf>, raw_uai: &str, group: &str, text: Option<&str>, json: bool) -> Result<u8, Failure> {
    let (mut store, _, data) = open(dir, raw_uai)?;
    let rule = text.map(parse_rule).transpose()?;
    store.set_group_rule(group, rule.as_ref(), &actor())?;
    let g = store.managed_group(group)?;
    let ctx = Context::new(&data);
    let selects = rule.as_ref().map_or(0, |r| ctx.select(r).len());
    let diff = groups::evaluate(&g, &ctx);
    if json {
        json_line(
            &serde_json::json!({ "group": g.id, "rule": rule.as_ref().map(Rule::text), "selects": selects, "pending": diff }),
        )?;
    } else {
        print_line(&format!(
            "Règle enregistrée : elle sélectionne {selects} personne(s) ; {} entrant(s), {} sortant(s) à appliquer (`groups evaluate --apply`).",
            diff.entrants.len(),
            diff.sortants.len()
        ))?;
    }
    Ok(0)
}

/// Every rule group's diff against the population now; with `apply`, queued.
pub fn evaluate(
    dir: Option<PathBuf>,
    raw_uai: &str,
    group: Option<&str>,
    apply: bool,
    json: bool,
) -> Result<u8, Failure> {
    let (mut store, _, data) = open(dir, raw_uai)?;
    let all = store.managed_groups()?;
    if let Some(id) = group {
        store.managed_group(id)?;
    }
    let chosen: Vec<ManagedGroup> = all.into_iter().filter(|g| group.is_none_or(|id| g.id == id)).collect();
    let diffs: Vec<(ManagedGroup, groups::Diff)> =
        groups::evaluate_all(&chosen, &data).into_iter().map(|(g, d)| (g.clone(), d)).collect();
    for (g, d) in &diffs {
        let applied = if apply { store.apply_group_diff(&g.id, d, &data, &actor())? } else { 0 };
        if json {
            json_line(&serde_json::json!({
                "group": g.id,
                "name": g.name,
                "entrants": d.entrants,
                "sortants": d.sortants,
                "applied": apply,
                "queued": applied,
            }))?;
        } else {
            let names = |v: &[String]| v.iter().map(|p| name_of(&data, p)).collect::<Vec<_>>().join(", ");
            print_line(&format!("{} — {} :", g.id, g.name))?;
            if !d.entrants.is_empty() {
                print_line(&format!("  entrants ({}) : {}", d.entrants.len(), names(&d.entrants)))?;
            }
            if !d.sortants.is_empty() {
                print_line(&format!("  sortants ({}) : {}", d.sortants.len(), names(&d.sortants)))?;
            }
        }
    }
    if !json {
        print_line(&match (diffs.len(), apply) {
            (0, _) => "Aucun groupe à réévaluer.".to_string(),
            (n, true) => format!("{n} groupe(s) mis à jour, en attente d'envoi."),
            (n, false) => format!("{n} groupe(s) à réévaluer ; rien n'est appliqué sans --apply."),
        })?;
    }
    Ok(0)
}
