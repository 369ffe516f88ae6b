//! The Skolengo connector: Skolengo has no administration interface a program
//! can reach, so the pending changes become the steps an administrator
//! follows in its web console, in the console's own menus and words, one item
//! per resource and screen. An item ticked « fait » confirms every change it
//! carries (they leave the outbox, journaled); « impossible » keeps its reason
//! and stops counting as pending delivery until it is taken up again.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{AccountName, OutboxChange, Store, StoreError, ENT_GROUP, ENT_USER};
use crate::visibility::{self, VProfile};

/// The console's screens, in the order a visit takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Screen {
    IdentifiantsPronote,
    EmploiDuTemps,
    Fiche,
    Groupes,
    QuiVoitQui,
    // Open ENT NG's administration console (its own words: `admin` module's i18n).
    NgPronote,
    NgEmploiDuTemps,
    NgUtilisateurs,
    NgGroupes,
    NgCommunication,
}

impl Screen {
    pub fn code(self) -> &'static str {
        match self {
            Screen::IdentifiantsPronote => "identifiants_pronote",
            Screen::EmploiDuTemps => "emploi_du_temps",
            Screen::Fiche => "fiche",
            Screen::Groupes => "groupes",
            Screen::QuiVoitQui => "qui_voit_qui",
            Screen::NgPronote => "ng_pronote",
            Screen::NgEmploiDuTemps => "ng_emploi_du_temps",
            Screen::NgUtilisateurs => "ng_utilisateurs",
            Screen::NgGroupes => "ng_groupes",
            Screen::NgCommunication => "ng_communication",
        }
    }

    /// Where the console has it, as its « Vous êtes ici » says.
    pub fn path(self) -> &'static str {
        match self {
            Screen::IdentifiantsPronote => "Administration > Importer les identifiants Pronote",
            Screen::EmploiDuTemps => "Données de vie scolaire > Bilans d'import d'emploi du temps",
            Screen::Fiche => "Annuaire > Rechercher un utilisateur",
            Screen::Groupes => "Annuaire > Groupes",
            Screen::QuiVoitQui => "Messagerie > Qui voit qui",
            Screen::NgPronote => "PRONOTE > rapprochement des comptes de l'ENT",
            Screen::NgEmploiDuTemps => "Gérer mon établissement > Emploi du temps",
            Screen::NgUtilisateurs => "Utilisateurs > Utilisateurs de mon établissement",
            Screen::NgGroupes => "Groupes",
            Screen::NgCommunication => "Groupes > Groupes de profil",
        }
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    AFaire,
    Fait,
    Impossible,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::AFaire => "a_faire",
            Status::Fait => "fait",
            Status::Impossible => "impossible",
        }
    }
}

/// One thing to do in the console: a resource on one screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stable while its changes are pending.
    pub id: String,
    pub screen: Screen,
    /// What to do, in a few words (« Créer le groupe »).
    pub action: String,
    /// The person, group or profile concerned, named as the console shows it.
    pub target: String,
    pub steps: Vec<String>,
    pub status: Status,
    /// Why it could not be done, for an item marked « impossible ».
    pub reason: Option<String>,
    /// The outbox changes the item carries.
    pub changes: Vec<i64>,
}

/// What the items are drawn from: the names the console shows.
struct Names {
    uai: String,
    /// The establishment's name, as Open ENT NG's profile groups carry it.
    establishment: String,
    accounts: HashMap<String, AccountName>,
    establishments: HashMap<String, Vec<String>>,
    groups: HashMap<String, String>,
}

impl Names {
    fn person(&self, id: &str) -> String {
        match self.accounts.get(id) {
            Some(a) => {
                let mut extra: Vec<String> = Vec::new();
                if let Some(p) = a.profile.as_deref().and_then(crate::model::Profile::parse) {
                    extra.push(crate::reconcile::profile_label(p).to_string());
                }
                if !a.classes.is_empty() {
                    extra.push(a.classes.join(", "));
                }
                if extra.is_empty() {
                    format!("« {} »", a.name)
                } else {
                    format!("« {} » ({})", a.name, extra.join(", "))
                }
            }
            None => format!("le compte d'identifiant ENT {id}"),
        }
    }

    /// People by their first class (« 3A (25) : « BLANC Hugo », … »), then
    /// those without one: the console adds members class by class.
    fn by_class(&self, ids: &[String]) -> Vec<String> {
        let mut classes: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut others = Vec::new();
        for id in ids {
            match self.accounts.get(id) {
                Some(a) if !a.classes.is_empty() => {
                    classes.entry(a.classes[0].clone()).or_default().push(format!("« {} »", a.name));
                }
                _ => others.push(self.person(id)),
            }
        }
        let mut out: Vec<String> = classes
            .into_iter()
            .map(|(class, names)| format!("{class} ({}) : {}", names.len(), names.join(", ")))
            .collect();
        if !others.is_empty() {
            out.push(others.join(", "));
        }
        out
    }

    fn group(&self, id: &str) -> String {
        match self.groups.get(id) {
            Some(name) => format!("« {name} »"),
            None => format!("le groupe {id}"),
        }
    }

    fn in_establishment(&self, account: &str) -> bool {
        self.establishments.get(account).is_some_and(|list| list.iter().any(|u| u == &self.uai))
    }
}

/// The attribute a PatchOp sets, and its value (`None` when it removes it).
fn patched(change: &OutboxChange) -> Vec<(String, String, Option<serde_json::Value>)> {
    let body: serde_json::Value = serde_json::from_str(&change.payload).unwrap_or_default();
    body["Operations"]
        .as_array()
        .map(|ops| {
            ops.iter()
                .map(|op| {
                    let value = op.get("value").cloned();
                    (op["op"].as_str().unwrap_or("").to_string(), op["path"].as_str().unwrap_or("").to_string(), value)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Which screen a change is done on.
fn screen_of(change: &OutboxChange, console: Console) -> Screen {
    let paths: Vec<String> = patched(change).into_iter().map(|(_, path, _)| path).collect();
    let sets = |suffix: &str| paths.iter().any(|p| p.ends_with(suffix));
    if console == Console::EntNg {
        return match change.resource.as_str() {
            "VisibilityRule" => Screen::NgCommunication,
            "Group" if sets(":edtName") => Screen::NgEmploiDuTemps,
            "Group" => Screen::NgGroupes,
            "User" if sets(":pronoteId") => Screen::NgPronote,
            "User" if sets(":edtId") => Screen::NgEmploiDuTemps,
            _ => Screen::NgUtilisateurs,
        };
    }
    match change.resource.as_str() {
        "VisibilityRule" => Screen::QuiVoitQui,
        "Group" if sets(":edtName") => Screen::EmploiDuTemps,
        "Group" => Screen::Groupes,
        "User" if sets(":pronoteId") => Screen::IdentifiantsPronote,
        "User" if sets(":edtId") => Screen::EmploiDuTemps,
        _ => Screen::Fiche,
    }
}

/// A short id, the same for the same screen and resource.
fn item_id(screen: Screen, resource: &str, target: &str) -> String {
    let digest = Sha256::digest(format!("{}|{resource}|{target}", screen.code()).as_bytes());
    format!("T{}", &hex::encode(digest)[..8])
}

fn strings(v: &Option<serde_json::Value>) -> Vec<String> {
    match v {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string).or_else(|| i["externalId"].as_str().map(str::to_string)))
            .collect(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// « 1 membre », « 3 membres ».
fn members(n: usize) -> String {
    if n == 1 {
        "1 membre".to_string()
    } else {
        format!("{n} membres")
    }
}

/// The item of the changes on one resource and screen.
fn item(screen: Screen, resource: &str, target: &str, changes: &[&OutboxChange], names: &Names) -> Item {
    let ops: Vec<(String, String, Option<serde_json::Value>)> = changes.iter().flat_map(|c| patched(c)).collect();
    let open = format!("Ouvrez {}.", screen.path());
    let (action, who, steps) = match screen {
        Screen::QuiVoitQui => {
            // `UAI|Profil|Mon établissement/Direction/…`
            let mut parts = target.splitn(3, '|');
            let (_, profile, node) = (parts.next(), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let profile = VProfile::parse(profile).map_or(profile.to_string(), |p| p.label().to_string());
            let visible = ops.iter().rev().find_map(|(_, _, v)| v.as_ref().and_then(serde_json::Value::as_bool));
            let (action, eye) = match visible {
                Some(false) => ("Fermer l'œil", "pour le fermer : ce contact est caché"),
                _ => ("Ouvrir l'œil", "pour l'ouvrir : ce contact est visible"),
            };
            let where_ = node.split('/').collect::<Vec<_>>().join(" › ");
            (
                action.to_string(),
                format!("profil « {profile} », « {} »", visibility::label(node)),
                vec![
                    open,
                    format!("Choisissez le profil d'utilisateurs « {profile} »."),
                    format!("Dans l'arbre, « {where_} » : cliquez sur l'œil {eye}."),
                ],
            )
        }
        Screen::Groupes => {
            let group = names.group(target);
            if changes.iter().any(|c| c.op == "delete") {
                (
                    "Supprimer le groupe".into(),
                    group.clone(),
                    vec![open, format!("Cherchez le groupe {group} et supprimez-le.")],
                )
            } else {
                let (mut joins, mut leaves) = (Vec::new(), Vec::new());
                for (op, path, value) in &ops {
                    if path == "members" {
                        if op == "remove" {
                            leaves.extend(strings(value));
                        } else {
                            joins.extend(strings(value));
                        }
                    }
                }
                let created = changes.iter().any(|c| c.op == "create");
                let mut steps = vec![open];
                let action = if created {
                    let body: serde_json::Value = changes
                        .iter()
                        .find(|c| c.op == "create")
                        .and_then(|c| serde_json::from_str(&c.payload).ok())
                        .unwrap_or_default();
                    let name = body["displayName"].as_str().map_or(group.clone(), |n| format!("« {n} »"));
                    let kind = body[ENT_GROUP]["kind"].as_str().unwrap_or("");
                    steps.push(format!("Cliquez sur « Créer un groupe » et nommez-le {name}."));
                    if kind == "gar" {
                        steps.push("Choisissez le type « affectation des ressources » (le groupe du GAR).".into());
                    }
                    "Créer le groupe".to_string()
                } else {
                    steps.push(format!("Cherchez le groupe {group} et ouvrez son peuplement."));
                    "Modifier le peuplement".to_string()
                };
                for (verb, ids) in [("Ajoutez", &joins), ("Retirez", &leaves)] {
                    if ids.is_empty() {
                        continue;
                    }
                    let lines = names.by_class(ids);
                    if lines.len() == 1 {
                        steps.push(format!("{verb} {} : {}.", members(ids.len()), lines[0]));
                    } else {
                        steps.push(format!("{verb} {}, classe par classe :", members(ids.len())));
                        steps.extend(lines.into_iter().map(|l| format!("— {l}.")));
                    }
                }
                steps.push("Enregistrez.".into());
                (action, group, steps)
            }
        }
        Screen::Fiche => {
            let person = names.person(target);
            let mut steps = vec![open, format!("Cherchez {person} et ouvrez sa fiche.")];
            for (op, path, value) in &ops {
                if path == &format!("{ENT_USER}:nodes") {
                    let nodes = strings(value);
                    if op == "remove" || nodes.is_empty() {
                        steps.push(
                            "Dans « Fonctions/disciplines de poste », retirez la fonction qui le place dans la \
                             messagerie de l'établissement."
                                .into(),
                        );
                    } else {
                        let places: Vec<String> =
                            nodes.iter().map(|n| format!("« {} »", visibility::label(n))).collect();
                        steps.push(format!(
                            "Dans « Fonctions/disciplines de poste », donnez la fonction et la discipline de poste \
                             qui le placent dans {} (Mon établissement).",
                            places.join(", ")
                        ));
                    }
                } else if let Some(source) = path.strip_prefix(&format!("{ENT_USER}:")) {
                    let what = source.trim_end_matches("Id");
                    steps.push(match value.as_ref().and_then(serde_json::Value::as_str) {
                        Some(v) => format!("Renseignez l'identifiant {what} « {v} »."),
                        None => format!("Retirez l'identifiant {what} de ce compte : il appartient à un autre."),
                    });
                } else {
                    steps.push(format!("Modifiez « {path} »."));
                }
            }
            steps.push("Enregistrez.".into());
            ("Modifier la fiche".to_string(), person, steps)
        }
        Screen::NgPronote
        | Screen::NgEmploiDuTemps
        | Screen::NgUtilisateurs
        | Screen::NgGroupes
        | Screen::NgCommunication => ng_steps(screen, resource, target, changes, &ops, names),
        Screen::IdentifiantsPronote | Screen::EmploiDuTemps => {
            let is_group = resource == "Group";
            let who = if is_group { names.group(target) } else { names.person(target) };
            let value = ops.iter().rev().find_map(|(_, _, v)| v.as_ref().and_then(serde_json::Value::as_str));
            let mut steps = vec![open];
            let action = match value {
                None => {
                    steps.push(format!("Retirez le rapprochement de {who} : son identifiant va à un autre compte."));
                    "Défaire un rapprochement".to_string()
                }
                Some(id) => {
                    if screen == Screen::IdentifiantsPronote {
                        steps.push("Importez le fichier des identifiants exporté de Pronote.".into());
                    }
                    if !is_group && names.in_establishment(target) {
                        steps.push(format!(
                            "{who} est reconnu dans l'établissement : la console le rapproche d'elle-même ; \
                             vérifiez-le à son étape."
                        ));
                    } else {
                        steps.push(format!(
                            "{who} n'est pas reconnu dans l'établissement : à son étape, faites la « recherche \
                             avancée » sur « tout l'ENT » et choisissez ce compte (identifiant {id} à lui rapprocher)."
                        ));
                    }
                    "Rapprocher le compte".to_string()
                }
            };
            (action, who, steps)
        }
    };
    Item {
        id: item_id(screen, resource, target),
        screen,
        action,
        target: who,
        steps,
        status: Status::AFaire,
        reason: None,
        changes: changes.iter().map(|c| c.id).collect(),
    }
}

/// Open ENT NG's profile group of a messaging profile (« Élèves de … »).
fn ng_profile_group(profile: &str, establishment: &str) -> String {
    let who = match VProfile::parse(profile) {
        Some(VProfile::Eleve) => "Élèves",
        Some(VProfile::Parent) => "Parents",
        Some(VProfile::Enseignant) => "Enseignants",
        _ => "Personnels",
    };
    format!("« {who} de {establishment} »")
}

/// An item's action, target and steps in Open ENT NG's administration
/// console (the words of its `admin` module, `docs/ent-ng-csv.md`).
fn ng_steps(
    screen: Screen,
    resource: &str,
    target: &str,
    changes: &[&OutboxChange],
    ops: &[(String, String, Option<serde_json::Value>)],
    names: &Names,
) -> (String, String, Vec<String>) {
    let open = format!("Ouvrez la console d'administration, {}.", screen.path());
    match screen {
        Screen::NgCommunication => {
            let mut parts = target.splitn(3, '|');
            let (_, profile, node) = (parts.next(), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let label = VProfile::parse(profile).map_or(profile.to_string(), |p| p.label().to_string());
            let group = ng_profile_group(profile, &names.establishment);
            let place = visibility::label(node);
            let visible = ops.iter().rev().find_map(|(_, _, v)| v.as_ref().and_then(serde_json::Value::as_bool));
            let (action, step) = match visible {
                Some(false) => (
                    "Supprimer le droit de communication",
                    format!(
                        "Dans « Qui les membres du groupe peuvent-ils voir », sur le groupe de « {place} » : \
                         « Supprimer le droit de communication », puis confirmez."
                    ),
                ),
                _ => (
                    "Ajouter un droit de communication",
                    format!(
                        "Dans « Qui les membres du groupe peuvent-ils voir » : « Ajouter un droit de communication » \
                         vers le groupe de « {place} », puis confirmez."
                    ),
                ),
            };
            (
                action.to_string(),
                format!("profil « {label} », « {place} »"),
                vec![open, format!("Ouvrez le groupe {group}, puis « Règles de communication du groupe »."), step],
            )
        }
        Screen::NgGroupes => {
            let group = names.group(target);
            let mut steps = vec![open];
            if changes.iter().any(|c| c.op == "delete") {
                steps.push(format!("Ouvrez le groupe {group}, cliquez sur « Supprimer » et confirmez."));
                return ("Supprimer le groupe".into(), group, steps);
            }
            let created = changes.iter().find(|c| c.op == "create");
            let body: serde_json::Value =
                created.and_then(|c| serde_json::from_str(&c.payload).ok()).unwrap_or_default();
            let action = if created.is_some() {
                let name = body["displayName"].as_str().map_or(group.clone(), |n| format!("« {n} »"));
                steps.push(format!(
                    "Parmi les « Groupes manuels », cliquez sur « Créer un groupe », « Nom du groupe » : {name}, puis \
                     « Créer »."
                ));
                "Créer le groupe"
            } else {
                steps.push(format!(
                    "Ouvrez le groupe {group} (parmi les « Groupes scolarité » s'il vient des fichiers, sinon parmi \
                     les « Groupes manuels »)."
                ));
                "Modifier les membres"
            };
            let (mut joins, mut leaves) = (Vec::new(), Vec::new());
            for (op, path, value) in ops {
                if path == "members" {
                    if op == "remove" {
                        leaves.extend(strings(value));
                    } else {
                        joins.extend(strings(value));
                    }
                }
            }
            if !joins.is_empty() || !leaves.is_empty() {
                steps.push("Cliquez sur « Gérer les utilisateurs du groupe ».".into());
            }
            for (ids, verb, button) in [
                (&joins, "Ajoutez", "« Ajouter au groupe les utilisateurs sélectionnés en orange »"),
                (&leaves, "Retirez", "« Retirer du groupe les utilisateurs sélectionnés en bleu »"),
            ] {
                if ids.is_empty() {
                    continue;
                }
                steps.push(format!("{verb} {} : sélectionnez-les puis {button} :", members(ids.len())));
                steps.extend(names.by_class(ids).into_iter().map(|l| format!("— {l}.")));
            }
            let ext = &body[ENT_GROUP];
            if ext["kind"].as_str() == Some("gar") {
                steps.push(
                    "C'est le groupe du GAR : dans « Services > Rôles applicatifs », attribuez-lui le rôle \
                     « Médiacentre - Accès »."
                        .into(),
                );
            }
            if ext["locks"]["noDeletion"].as_bool() == Some(true)
                || ext["locks"]["noRecomposition"].as_bool() == Some(true)
            {
                steps.push(
                    "Cette console n'a pas de verrou de groupe : ce groupe est à garder tel quel (ni supprimé, ni \
                     recomposé)."
                        .into(),
                );
            }
            (action.to_string(), group, steps)
        }
        Screen::NgUtilisateurs => {
            let person = names.person(target);
            let mut steps = vec![open, format!("Cherchez {person} et ouvrez sa fiche.")];
            for (op, path, value) in ops {
                if path == &format!("{ENT_USER}:nodes") {
                    let nodes = strings(value);
                    if op == "remove" || nodes.is_empty() {
                        steps.push(
                            "Dans « Groupe(s) manuel(s) », retirez le groupe qui le place dans la messagerie de \
                             l'établissement (« Supprimer le groupe »)."
                                .into(),
                        );
                    } else {
                        let places: Vec<String> =
                            nodes.iter().map(|n| format!("« {} »", visibility::label(n))).collect();
                        steps.push(format!(
                            "Dans « Groupe(s) manuel(s) », « Ajouter un groupe » : le groupe de {}.",
                            places.join(", ")
                        ));
                    }
                } else {
                    steps.push(format!("Modifiez « {path} »."));
                }
            }
            steps.push("Enregistrez.".into());
            ("Modifier la fiche".to_string(), person, steps)
        }
        _ => {
            // Identifiers of Pronote and of the timetable.
            let is_group = resource == "Group";
            let who = if is_group { names.group(target) } else { names.person(target) };
            let value = ops.iter().rev().find_map(|(_, _, v)| v.as_ref().and_then(serde_json::Value::as_str));
            let mut steps = vec![open];
            let action = match (screen, value) {
                (_, None) => {
                    steps.push(format!("Retirez le rapprochement de {who} : son identifiant va à un autre compte."));
                    "Défaire un rapprochement"
                }
                (Screen::NgPronote, Some(id)) => {
                    steps.push(
                        "Open ENT NG ne garde pas les identifiants Pronote : le rapprochement se fait dans PRONOTE, \
                         avec les comptes exportés de la console (« Imports / Exports > Exporter des comptes »)."
                            .into(),
                    );
                    steps.push(format!("Rapprochez {who} de l'identifiant Pronote {id}."));
                    "Rapprocher le compte"
                }
                (_, Some(id)) => {
                    steps.push("Importez le fichier d'emploi du temps (« Importer »).".into());
                    steps.push(if is_group {
                        format!("Dans « Correspondance des groupes non reconnus », associez « {id} » au groupe {who}.")
                    } else {
                        format!("Dans le rapport de chargement, vérifiez que {who} est reconnu (identifiant {id}).")
                    });
                    "Rapprocher l'emploi du temps"
                }
            };
            (action.to_string(), who, steps)
        }
    }
}

/// The console a worklist is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Console {
    Skolengo,
    /// Open ENT NG: what its CSV files cannot carry.
    EntNg,
}

/// The console of the establishment's connector (Skolengo's unless Open ENT NG's).
pub fn console(store: &Store) -> Result<Console, StoreError> {
    Ok(match super::Connector::of(store)? {
        super::Connector::EntNg => Console::EntNg,
        _ => Console::Skolengo,
    })
}

/// The pending changes as the console's worklist, screen by screen. For Open
/// ENT NG, the changes its CSV files carry are left out: the import confirms them.
pub fn worklist(store: &Store) -> Result<Vec<Item>, StoreError> {
    let console = console(store)?;
    let carried =
        if console == Console::EntNg { super::ent_ng::carried_now(store)? } else { std::collections::BTreeSet::new() };
    worklist_without(store, console, &carried)
}

/// The worklist of `console` without the changes in `carried` (those Open
/// ENT NG's files carry), for a caller that has them already.
pub(super) fn worklist_without(
    store: &Store,
    console: Console,
    carried: &std::collections::BTreeSet<i64>,
) -> Result<Vec<Item>, StoreError> {
    let mut outbox = store.outbox()?;
    outbox.retain(|c| !carried.contains(&c.id));
    let mut groups: BTreeMap<(Screen, String, String), Vec<&OutboxChange>> = BTreeMap::new();
    for change in &outbox {
        groups
            .entry((screen_of(change, console), change.resource.clone(), change.target.clone()))
            .or_default()
            .push(change);
    }
    let mut people: Vec<String> = Vec::new();
    for change in &outbox {
        if change.resource == "User" {
            people.push(change.target.clone());
        }
        for (_, path, value) in patched(change) {
            if path == "members" {
                people.extend(strings(&value));
            }
        }
    }
    let names = Names {
        uai: store.uai().to_string(),
        establishment: match console {
            Console::EntNg => store.establishment()?.map(|e| e.name).unwrap_or_else(|| store.uai().to_string()),
            Console::Skolengo => String::new(),
        },
        accounts: store.account_names(people.iter().map(String::as_str))?,
        // Read only when an account's establishment decides a step (its rapprochement).
        establishments: if groups.keys().any(|(screen, ..)| {
            matches!(screen, Screen::IdentifiantsPronote | Screen::EmploiDuTemps | Screen::NgPronote)
        }) {
            store.account_establishments()?
        } else {
            HashMap::new()
        },
        groups: store.group_names()?,
    };
    let marks = store.worklist_marks()?;
    let mut items: Vec<Item> = groups
        .iter()
        .map(|((screen, resource, target), changes)| item(*screen, resource, target, changes, &names))
        .collect();
    for item in &mut items {
        if let Some(reason) = marks.get(&item.id) {
            item.status = Status::Impossible;
            item.reason = Some(reason.clone());
        }
    }
    // The items done stay listed, as they were ticked, until the list is cleared.
    for done in store.worklist_done_items()? {
        if let Ok(mut item) = serde_json::from_str::<Item>(&done) {
            if !items.iter().any(|i| i.id == item.id) {
                item.status = Status::Fait;
                item.changes.clear();
                items.push(item);
            }
        }
    }
    // Screen by screen, then by what the console shows.
    items.sort_by(|a, b| (a.screen, &a.target).cmp(&(b.screen, &b.target)));
    Ok(items)
}

/// Where the list stands: items done, and items in all.
pub fn progress(items: &[Item]) -> (usize, usize) {
    (items.iter().filter(|i| i.status == Status::Fait).count(), items.len())
}

/// Forgets the items done; returns how many.
pub fn clear_done(store: &mut Store) -> Result<usize, StoreError> {
    store.worklist_clear_done()
}

/// Why a worklist action was refused.
#[derive(Debug, thiserror::Error)]
pub enum WorklistError {
    #[error("aucun élément « {id} » à faire dans la liste de travail (déjà fait, ou retiré)")]
    Unknown { id: String },
    #[error("dites pourquoi l'élément « {id} » est impossible")]
    NoReason { id: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl crate::ErrorCode for WorklistError {
    fn code(&self) -> &'static str {
        match self {
            WorklistError::Unknown { .. } => "WORKLIST_UNKNOWN_ITEM",
            WorklistError::NoReason { .. } => "WORKLIST_NO_REASON",
            WorklistError::Store(e) => e.code(),
        }
    }
}

/// The items among `items` still to do (or marked impossible) with these ids.
fn pick(items: &[Item], ids: &[String]) -> Result<Vec<Item>, WorklistError> {
    ids.iter()
        .map(|id| {
            items
                .iter()
                .find(|i| &i.id == id && i.status != Status::Fait)
                .cloned()
                .ok_or_else(|| WorklistError::Unknown { id: id.to_string() })
        })
        .collect()
}

fn find(store: &Store, id: &str) -> Result<Item, WorklistError> {
    let mut found = pick(&worklist(store)?, &[id.to_string()])?;
    Ok(found.remove(0))
}

fn detail(item: &Item) -> serde_json::Value {
    serde_json::json!({ "item": item.id, "screen": item.screen.code(), "action": item.action, "name": item.target })
}

/// The administrator did these items in the console: every change they carry
/// leaves the outbox. Returns how many changes were confirmed.
pub fn mark_done(store: &mut Store, ids: &[String], actor: &str) -> Result<usize, WorklistError> {
    // The list is drawn once, whatever the number of items ticked.
    let items = pick(&worklist(store)?, ids)?;
    let mut confirmed = 0;
    for item in items {
        let snapshot =
            serde_json::to_string(&Item { status: Status::Fait, reason: None, ..item.clone() }).map_err(|e| {
                StoreError::Data { table: "worklist_mark", row: item.id.clone(), field: "item", value: e.to_string() }
            })?;
        confirmed += store.worklist_done(&item.id, &item.changes, &snapshot, &detail(&item), actor)?;
    }
    Ok(confirmed)
}

/// The item cannot be done in the console: its reason is kept, and it stops
/// counting as pending delivery until it is taken up again.
pub fn mark_impossible(store: &mut Store, id: &str, reason: &str, actor: &str) -> Result<(), WorklistError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(WorklistError::NoReason { id: id.to_string() });
    }
    let item = find(store, id)?;
    Ok(store.worklist_mark(&item.id, Some(reason), &detail(&item), actor)?)
}

/// An item marked « impossible » is to be done after all.
pub fn retry(store: &mut Store, id: &str, actor: &str) -> Result<(), WorklistError> {
    let item = find(store, id)?;
    Ok(store.worklist_mark(&item.id, None, &detail(&item), actor)?)
}

/// The worklist as a checklist for a spreadsheet (`;`, BOM, formula-safe):
/// one row per item, its steps in one cell, one per line.
pub fn checklist_csv(items: &[Item]) -> Vec<u8> {
    let mut csv = crate::people_csv::PeopleCsv::new(&[
        "Fait",
        "Écran",
        "À faire",
        "Qui ou quoi",
        "Étapes",
        "État",
        "Raison",
        "Élément",
    ]);
    for i in items {
        let state = match i.status {
            Status::AFaire => "à faire",
            Status::Fait => "fait",
            Status::Impossible => "impossible",
        };
        let steps: Vec<String> = i.steps.iter().enumerate().map(|(n, s)| format!("{}. {s}", n + 1)).collect();
        csv.row(&[
            if i.status == Status::Fait { "☑" } else { "☐" },
            i.screen.path(),
            &i.action,
            &i.target,
            &steps.join("\n"),
            state,
            i.reason.as_deref().unwrap_or(""),
            &i.id,
        ]);
    }
    csv.into_bytes()
}
