//! Groupes: the list with what a re-evaluation would change, templates,
//! create / rename / delete, the member picker with its filters, bulk add
//! from a CSV, the rule editor's live count, GAR roles.

use preau_core::audit;
use preau_core::groups::{self, Context, GarRole, ManagedGroup, Origin, Rule};
use preau_core::model::{EstablishmentData, GroupKind, Person, Profile};
use preau_core::store::NewGroup;
use serde::{Deserialize, Serialize};
use tauri::State;

use super::{blocking, open, population};
use crate::error::IpcError;
use crate::state::AppState;

fn rule_of(text: &str) -> Result<Rule, IpcError> {
    Rule::parse(text).map_err(|e| IpcError::new("GROUP_RULE", e.to_string()).with("position", e.position))
}

#[derive(Debug, Serialize)]
pub struct GroupLine {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub rule: Option<String>,
    pub lock_delete: bool,
    pub lock_recompose: bool,
    pub members: usize,
    pub auto: usize,
    pub manual: usize,
    /// What a re-evaluation would change now.
    pub entrants: usize,
    pub sortants: usize,
}

#[derive(Debug, Serialize)]
pub struct Choices {
    pub levels: Vec<String>,
    pub classes: Vec<String>,
    /// Discipline codes with a label.
    pub disciplines: Vec<(String, String)>,
    pub functions: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
pub struct Overview {
    pub groups: Vec<GroupLine>,
    pub templates: Vec<groups::Template>,
    pub choices: Choices,
    pub gar_helpers_max: usize,
}

fn line(g: &ManagedGroup, ctx: &Context<'_>) -> GroupLine {
    let diff = groups::evaluate(g, ctx);
    GroupLine {
        id: g.id.clone(),
        name: g.name.clone(),
        kind: g.kind.as_str(),
        rule: g.rule.as_ref().map(Rule::text),
        lock_delete: g.lock_delete,
        lock_recompose: g.lock_recompose,
        members: g.members.len(),
        auto: g.count(Origin::Auto),
        manual: g.count(Origin::Manual),
        entrants: diff.entrants.len(),
        sortants: diff.sortants.len(),
    }
}

fn choices(data: &EstablishmentData) -> Choices {
    let mut disciplines = std::collections::BTreeMap::new();
    let mut functions = std::collections::BTreeMap::new();
    for p in &data.people {
        for f in &p.functions {
            functions.entry(f.code.clone()).or_insert_with(|| f.code.clone());
            if let Some(d) = &f.discipline {
                if d != "-" {
                    disciplines.entry(d.clone()).or_insert_with(|| f.label.clone());
                }
            }
        }
    }
    Choices {
        levels: data.levels.iter().map(|l| l.code.clone()).collect(),
        classes: data.divisions.iter().map(|d| d.code.clone()).collect(),
        disciplines: disciplines.into_iter().collect(),
        functions: functions.into_iter().collect(),
    }
}

#[tauri::command]
pub async fn groups_overview(state: State<'_, AppState>, uai: String) -> Result<Overview, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let ctx = Context::new(&data);
        Ok(Overview {
            groups: store.managed_groups()?.iter().map(|g| line(g, &ctx)).collect(),
            templates: groups::templates(data.establishment.kind),
            choices: choices(&data),
            gar_helpers_max: groups::GAR_HELPERS_MAX,
        })
    })
    .await
}

#[derive(Debug, Serialize)]
pub struct PersonLine {
    pub id: String,
    pub name: String,
    pub profile: &'static str,
    pub detail: String,
}

fn profile_label(p: Profile) -> &'static str {
    match p {
        Profile::Eleve => "Élève",
        Profile::Responsable => "Parent",
        Profile::Enseignant => "Enseignant",
        Profile::NonEnseignant => "Non enseignant",
        Profile::PersonnelCollectivite => "Personnel de collectivité",
        Profile::Invite => "Invité",
        Profile::MaitreDeStage => "Maître de stage",
        Profile::Inspecteur => "Inspecteur",
    }
}

fn person_line(p: &Person) -> PersonLine {
    let detail = if p.profile == Profile::Eleve || p.divisions.len() <= 3 {
        p.divisions.iter().filter(|d| !d.contains(' ')).cloned().collect::<Vec<_>>().join(", ")
    } else {
        p.functions.iter().map(|f| f.label.clone()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(", ")
    };
    PersonLine {
        id: p.id.clone(),
        name: format!("{} {}", p.usage_name, p.usual_name()),
        profile: profile_label(p.profile),
        detail,
    }
}

#[derive(Debug, Serialize)]
pub struct MemberLine {
    #[serde(flatten)]
    pub person: PersonLine,
    pub origin: Origin,
    pub role: Option<GarRole>,
    pub since: String,
    pub active_from: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Detail {
    #[serde(flatten)]
    pub line: GroupLine,
    pub members_list: Vec<MemberLine>,
    pub entrants_list: Vec<PersonLine>,
    pub sortants_list: Vec<PersonLine>,
}

#[tauri::command]
pub async fn group_detail(state: State<'_, AppState>, uai: String, id: String) -> Result<Detail, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let ctx = Context::new(&data);
        let g = store.managed_group(&id)?;
        let diff = groups::evaluate(&g, &ctx);
        let find = |id: &str| data.people.iter().find(|p| p.id == id);
        let people = |ids: &[String]| ids.iter().filter_map(|i| find(i)).map(person_line).collect::<Vec<_>>();
        let mut members_list: Vec<MemberLine> = g
            .members
            .iter()
            .map(|m| MemberLine {
                person: find(&m.person).map(person_line).unwrap_or(PersonLine {
                    id: m.person.clone(),
                    name: m.person.clone(),
                    profile: "",
                    detail: "plus dans la population".into(),
                }),
                origin: m.origin,
                role: m.role,
                since: m.since.clone(),
                active_from: m.role.and_then(|_| groups::active_from(&m.since)),
            })
            .collect();
        members_list.sort_by(|a, b| a.person.name.cmp(&b.person.name));
        Ok(Detail {
            line: line(&g, &ctx),
            members_list,
            entrants_list: people(&diff.entrants),
            sortants_list: people(&diff.sortants),
        })
    })
    .await
}

#[derive(Debug, Serialize)]
pub struct RuleCount {
    pub count: usize,
    pub text: String,
}

/// The rule editor's live count (or where the rule cannot be read).
#[tauri::command]
pub async fn group_rule_count(state: State<'_, AppState>, uai: String, rule: String) -> Result<RuleCount, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let r = rule_of(&rule)?;
        Ok(RuleCount { count: Context::new(&data).select(&r).len(), text: r.text() })
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct Creation {
    pub template: Option<String>,
    pub name: String,
    pub kind: Option<String>,
    pub rule: Option<String>,
    #[serde(default)]
    pub lock_delete: bool,
    #[serde(default)]
    pub lock_recompose: bool,
}

/// Creates a group and, when it has a rule, populates it (the count was shown first).
#[tauri::command]
pub async fn group_create(state: State<'_, AppState>, uai: String, group: Creation) -> Result<String, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let template = group
            .template
            .as_deref()
            .and_then(|t| groups::templates(data.establishment.kind).into_iter().find(|x| x.name == t));
        let rule = match group.rule.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(text) => Some(rule_of(text)?),
            None => None,
        };
        let kind = match (&group.kind, &template) {
            (Some(k), _) => {
                GroupKind::parse(k).ok_or_else(|| IpcError::new("GROUP_KIND", format!("type inconnu : {k}")))?
            }
            (None, Some(t)) => t.kind,
            (None, None) => GroupKind::Libre,
        };
        let new = NewGroup {
            name: group.name.clone(),
            kind,
            rule,
            lock_delete: group.lock_delete || template.as_ref().is_some_and(|t| t.lock_delete),
            lock_recompose: group.lock_recompose,
        };
        let code = preau_core::model::Uai::parse(&uai)?.to_string();
        let g = store.create_group(&code, &new, &audit::actor("app"))?;
        let diff = groups::evaluate(&g, &Context::new(&data));
        store.apply_group_diff(&g.id, &diff, &data, &audit::actor("app"))?;
        Ok(g.id)
    })
    .await
}

#[tauri::command]
pub async fn group_rename(state: State<'_, AppState>, uai: String, id: String, name: String) -> Result<(), IpcError> {
    blocking(&state, move |st| Ok(open(st, &uai)?.rename_group(&id, &name, &audit::actor("app"))?)).await
}

#[tauri::command]
pub async fn group_delete(state: State<'_, AppState>, uai: String, id: String) -> Result<(), IpcError> {
    blocking(&state, move |st| Ok(open(st, &uai)?.delete_group(&id, &audit::actor("app"))?)).await
}

/// Sets (or, empty, clears) a group's rule; members change only by applying the diff.
#[tauri::command]
pub async fn group_set_rule(state: State<'_, AppState>, uai: String, id: String, rule: String) -> Result<(), IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let r = if rule.trim().is_empty() { None } else { Some(rule_of(&rule)?) };
        Ok(store.set_group_rule(&id, r.as_ref(), &audit::actor("app"))?)
    })
    .await
}

/// Applies the re-evaluation the user just saw; returns how many members changed.
#[tauri::command]
pub async fn group_apply(state: State<'_, AppState>, uai: String, id: String) -> Result<usize, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let g = store.managed_group(&id)?;
        let diff = groups::evaluate(&g, &Context::new(&data));
        Ok(store.apply_group_diff(&id, &diff, &data, &audit::actor("app"))?)
    })
    .await
}

#[derive(Debug, Deserialize, Default)]
pub struct Filters {
    pub profile: Option<String>,
    pub level: Option<String>,
    pub class: Option<String>,
    pub discipline: Option<String>,
    pub function: Option<String>,
    pub name: Option<String>,
}

/// The member picker: the people matching every filter given (name accent-insensitive), 500 at most.
#[tauri::command]
pub async fn group_people(
    state: State<'_, AppState>,
    uai: String,
    filters: Filters,
) -> Result<Vec<PersonLine>, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let mut parts = Vec::new();
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        if let Some(p) = given(&filters.profile) {
            parts.push(format!("profil:{p}"));
        }
        if let Some(v) = given(&filters.level) {
            parts.push(format!("niveau:{v}"));
        }
        if let Some(v) = given(&filters.class) {
            parts.push(format!("classe:{}", v.replace(' ', "")));
        }
        if let Some(v) = given(&filters.discipline) {
            parts.push(format!("discipline:{v}"));
        }
        if let Some(v) = given(&filters.function) {
            parts.push(format!("fonction:{v}"));
        }
        let rule = if parts.is_empty() { None } else { Some(rule_of(&parts.join(" et "))?) };
        let ctx = Context::new(&data);
        let words: Vec<String> = given(&filters.name)
            .map(|n| n.split_whitespace().map(preau_core::text::fold).collect())
            .unwrap_or_default();
        let mut out: Vec<PersonLine> = data
            .people
            .iter()
            .filter(|p| !p.left)
            .filter(|p| rule.as_ref().is_none_or(|r| ctx.matches(r, p)))
            .filter(|p| {
                let hay = preau_core::text::fold(&format!(
                    "{} {} {} {}",
                    p.usage_name,
                    p.birth_name,
                    p.given_names.join(" "),
                    p.id
                ));
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .take(500)
            .map(person_line)
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    })
    .await
}

#[derive(Debug, Serialize)]
pub struct Added {
    pub added: usize,
    pub already: usize,
    pub without_account: usize,
    pub problems: Vec<groups::csv::CsvProblem>,
}

fn role_of(role: Option<&str>) -> Result<Option<GarRole>, IpcError> {
    match role {
        None | Some("") => Ok(None),
        Some("responsable") => Ok(Some(GarRole::Responsable)),
        Some("gestionnaire") => Ok(Some(GarRole::Gestionnaire)),
        Some(other) => Err(IpcError::new("GROUP_ROLE", format!("rôle inconnu : {other}"))),
    }
}

#[tauri::command]
pub async fn group_add(
    state: State<'_, AppState>,
    uai: String,
    id: String,
    people: Vec<String>,
    role: Option<String>,
) -> Result<Added, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let (added, already, without_account) =
            store.add_group_members(&id, &people, role_of(role.as_deref())?, &data, &audit::actor("app"))?;
        Ok(Added { added, already, without_account, problems: Vec::new() })
    })
    .await
}

/// Bulk add from a CSV's bytes (read by the window); lines naming nobody, or several, are reported.
#[tauri::command]
pub async fn group_add_csv(
    state: State<'_, AppState>,
    uai: String,
    id: String,
    bytes: Vec<u8>,
    name: String,
) -> Result<Added, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        let found = groups::csv::people_from_csv(&bytes, &data).map_err(|p| {
            IpcError::new("GROUP_CSV", format!("{name}, ligne {} : {}", p.line, p.message)).with("line", p.line)
        })?;
        let (added, already, without_account) =
            store.add_group_members(&id, &found.people, None, &data, &audit::actor("app"))?;
        Ok(Added { added, already, without_account, problems: found.problems })
    })
    .await
}

#[tauri::command]
pub async fn group_remove(
    state: State<'_, AppState>,
    uai: String,
    id: String,
    people: Vec<String>,
) -> Result<usize, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let data = population(&store, &uai)?;
        Ok(store.remove_group_members(&id, &people, &data, &audit::actor("app"))?)
    })
    .await
}
