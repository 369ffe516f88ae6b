//! The Skolengo connector: Skolengo has no administration interface a program
//! can reach, so the pending changes become the steps an administrator
//! follows in its web console, in the console's own menus and words, one item
//! per resource and screen. An item ticked « fait » confirms every change it
//! carries (they leave the outbox, journaled); « impossible » keeps its reason
//! and stops counting as pending delivery until it is taken up again.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::directory::codes;
use crate::model::{Function, Profile};
use crate::store::{AccountName, HandAccount, OutboxChange, Store, StoreError, ENT_GROUP, ENT_USER, HAND_PREFIX};
use crate::visibility::{self, VProfile};

/// The console's screens, in the order a visit takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Screen {
    IdentifiantsPronote,
    EmploiDuTemps,
    Fiche,
    Groupes,
    FichesEleves,
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
            Screen::FichesEleves => "fiches_eleves",
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
            Screen::FichesEleves => "Scolarité > Fiches élèves",
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
    /// The accounts created in Préau.
    hand: HashMap<String, HandAccount>,
    /// An account's functions as the ENT has them (its directory as imported),
    /// read only when a change sets functions.
    functions: HashMap<String, Vec<Function>>,
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

/// « PERSONNELS MEDICO-SOCIAUX — P9222 SERVICE SOCIAL DES ELEVES », as the
/// fiche's « Fonctions/disciplines de poste » shows a function.
fn function_words(code: &str, discipline: Option<&str>) -> String {
    let function = codes::function_label(code).unwrap_or(code);
    match discipline.filter(|d| !d.is_empty() && *d != "-") {
        Some(d) => match codes::discipline_label(d) {
            Some(label) => format!("« {function} — {d} {label} »"),
            None => format!("« {function} — {d} »"),
        },
        None => format!("« {function} »"),
    }
}

/// The `[{code, discipline}]` a functions PATCH (or a created user) carries.
fn function_list(value: Option<&serde_json::Value>) -> Vec<(String, Option<String>)> {
    value
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|f| Some((f["code"].as_str()?.to_string(), f["discipline"].as_str().map(str::to_string))))
        .collect()
}

fn same_function(a: &(String, Option<String>), b: &(String, Option<String>)) -> bool {
    a.0 == b.0 && a.1.as_deref().unwrap_or("") == b.1.as_deref().unwrap_or("")
}

/// A profile as the console's « Profil » list names it.
fn console_profile(p: Profile) -> String {
    match p {
        Profile::NonEnseignant => "Non enseignant".into(),
        Profile::Invite => "Invité".into(),
        other => {
            let label = crate::reconcile::profile_label(other);
            let mut chars = label.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
        }
    }
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
        "User" if sets(":follows") => Screen::FichesEleves,
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
        Screen::Fiche => user_fiche(Console::Skolengo, open, target, changes, &ops, names),
        Screen::FichesEleves => aesh_steps(open, target, &ops, names),
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

/// One PatchOp operation: `op`, `path`, `value`.
type Op = (String, String, Option<serde_json::Value>);

/// The value the operations on `path` end on: `None` when none touches it,
/// `Some(None)` when the last one removes it.
fn last_value(ops: &[Op], path: &str) -> Option<Option<serde_json::Value>> {
    ops.iter().rev().find(|(_, p, _)| p == path).map(|(op, _, v)| if op == "remove" { None } else { v.clone() })
}

/// The pupils `ops` add to and take from a `follows` list, the last word winning.
fn follows_of(ops: &[Op]) -> (Vec<String>, Vec<String>) {
    let path = format!("{ENT_USER}:follows");
    let (mut joins, mut leaves): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for (op, _, value) in ops.iter().filter(|(_, p, _)| *p == path) {
        let listed = strings(value);
        let (add_to, take_from) = if op == "remove" { (&mut leaves, &mut joins) } else { (&mut joins, &mut leaves) };
        for id in listed {
            take_from.retain(|x| x != &id);
            if !add_to.contains(&id) {
                add_to.push(id);
            }
        }
    }
    (joins, leaves)
}

/// The places in the messaging directory a `nodes` value names.
fn places(value: &Option<serde_json::Value>) -> String {
    strings(value).iter().map(|n| format!("« {} »", visibility::label(n))).collect::<Vec<_>>().join(", ")
}

/// The steps on a person's fiche, in `console`'s words: the account created
/// (the form's fields, never a password), its functions, its place in the
/// messaging directory, its end or closure, identifiers; in Open ENT NG, the
/// pupils an AESH follows too.
fn user_fiche(
    console: Console,
    open: String,
    target: &str,
    changes: &[&OutboxChange],
    ops: &[Op],
    names: &Names,
) -> (String, String, Vec<String>) {
    let ng = console == Console::EntNg;
    let (functions_path, nodes_path, end_path, follows_path) = (
        format!("{ENT_USER}:functions"),
        format!("{ENT_USER}:nodes"),
        format!("{ENT_USER}:endDate"),
        format!("{ENT_USER}:follows"),
    );
    let person = names.person(target);
    let created: Option<serde_json::Value> = changes
        .iter()
        .find(|c| c.resource == "User" && c.op == "create")
        .and_then(|c| serde_json::from_str(&c.payload).ok());
    let functions = last_value(ops, &functions_path);
    let nodes = last_value(ops, &nodes_path);
    let end = last_value(ops, &end_path);
    let closed = last_value(ops, "active").is_some_and(|v| v.and_then(|v| v.as_bool()) == Some(false));
    let section = if ng { "« Fonction(s) »" } else { "« Fonctions/disciplines de poste »" };
    let mut steps = vec![open];
    let mut action = if closed { "Fermer le compte" } else { "Modifier la fiche" };

    if let Some(body) = &created {
        action = "Créer l'utilisateur";
        let hand = names.hand.get(target);
        let nom = hand.map_or_else(|| body["name"]["familyName"].as_str().unwrap_or("").to_string(), |h| h.nom.clone());
        let prenom =
            hand.map_or_else(|| body["name"]["givenName"].as_str().unwrap_or("").to_string(), |h| h.prenom.clone());
        let profile = hand.map(|h| h.profile).or_else(|| body[ENT_USER]["profile"].as_str().and_then(Profile::parse));
        let mut fields = Vec::new();
        if let Some(p) = profile {
            fields.push(format!("Profil « {} »", console_profile(p)));
        }
        if let Some(c) = body["name"]["honorificPrefix"].as_str() {
            fields.push(format!("Civilité « {c} »"));
        }
        fields.push(format!("Prénom « {prenom} »"));
        fields.push(format!("{} « {} »", if ng { "Nom de famille" } else { "Nom" }, nom.to_uppercase()));
        if let Some(mail) = body["emails"][0]["value"].as_str() {
            fields.push(format!("{} « {mail} »", if ng { "Courriel" } else { "Mail" }));
        }
        for phone in body["phoneNumbers"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(v) = phone["value"].as_str() {
                fields.push(format!("Téléphone professionnel « {v} »"));
            }
        }
        let who = format!("{} {prenom}", nom.to_uppercase());
        if ng {
            steps.push(format!("Cliquez sur « Créer un utilisateur » : {}.", fields.join(", ")));
            steps.push(
                "Préau ne gère pas les mots de passe : la personne active son compte comme l'ENT le prévoit (code \
                 d'activation)."
                    .into(),
            );
        } else {
            steps.push(format!(
                "Vérifiez d'abord, par la « recherche avancée » sur tout l'ENT, que « {who} » n'y a pas déjà un compte."
            ));
            steps.push("Cliquez sur « Créer un utilisateur ».".into());
            steps.push(format!("Informations générales : {}.", fields.join(", ")));
            let login = body["userName"].as_str().map(|l| format!(" (Préau attend « {l} »)")).unwrap_or_default();
            steps.push(format!(
                "Informations de connexion : le login est généré à partir du nom et du prénom{login}. Préau ne gère \
                 pas les mots de passe : le mot de passe est l'affaire de l'ENT, remis à la personne selon la \
                 procédure de l'établissement."
            ));
        }
        let until = match &end {
            Some(v) => v.as_ref().and_then(|v| v.as_str()).map(str::to_string),
            None => body[ENT_USER]["endDate"].as_str().map(str::to_string),
        };
        if !ng {
            steps.push(match &until {
                Some(d) => {
                    format!("Disponibilité : Compte pérenne « Non », jusqu'au {}.", crate::formats::date_iso_to_fr(d))
                }
                None => "Disponibilité : Compte pérenne « Oui ».".into(),
            });
        }
        let groups: Vec<String> =
            changes.iter().filter(|c| c.resource == "Group").map(|c| names.group(&c.target)).collect();
        if !groups.is_empty() {
            steps.push(format!("Rattachements, Groupes : ajoutez {}.", groups.join(", ")));
        }
        let list = match &functions {
            Some(v) => function_list(v.as_ref()),
            None => function_list(body[ENT_USER].get("functions")),
        };
        if !list.is_empty() {
            let words: Vec<String> = list.iter().map(|(c, d)| function_words(c, d.as_deref())).collect();
            steps.push(format!("{section} : ajoutez {}.", words.join(", ")));
        }
        if let Some(Some(v)) = &nodes {
            if ng {
                steps.push(format!(
                    "Dans « Groupe(s) manuel(s) », « Ajouter un groupe » : le groupe de {}.",
                    places(&Some(v.clone()))
                ));
            } else {
                steps.push(format!(
                    "Dans la messagerie, la personne apparaîtra alors sous {}.",
                    places(&Some(v.clone()))
                ));
            }
        }
        if ng {
            if let Some(d) = &until {
                steps.push(format!(
                    "La console n'a pas de date de fin de compte : le {}, bloquez-le (« Bloquer le compte »).",
                    crate::formats::date_iso_to_fr(d)
                ));
            }
        }
        steps.push(if ng { "Cliquez sur « Créer ».".into() } else { "Enregistrez.".into() });
        if closed {
            steps.push(if ng {
                "Puis, sur sa fiche, cliquez sur « Bloquer le compte » : il a été fermé dans Préau depuis.".into()
            } else {
                "Puis désactivez le compte dans sa fiche : il a été fermé dans Préau depuis.".into()
            });
        }
        return (action.to_string(), person, steps);
    }

    steps.push(format!("Cherchez {person} et ouvrez sa fiche."));
    if let Some(v) = &functions {
        let after = function_list(v.as_ref());
        let words = |list: &[(String, Option<String>)]| -> String {
            list.iter().map(|(c, d)| function_words(c, d.as_deref())).collect::<Vec<_>>().join(", ")
        };
        let before: Option<Vec<(String, Option<String>)>> = names
            .functions
            .get(target)
            .map(|list| list.iter().map(|f| (f.code.clone(), f.discipline.clone())).collect());
        match before {
            Some(before) => {
                let added: Vec<_> =
                    after.iter().filter(|a| !before.iter().any(|b| same_function(a, b))).cloned().collect();
                let removed: Vec<_> =
                    before.iter().filter(|b| !after.iter().any(|a| same_function(a, b))).cloned().collect();
                if !added.is_empty() {
                    steps.push(format!("Dans {section}, ajoutez {}.", words(&added)));
                }
                if !removed.is_empty() {
                    steps.push(if ng {
                        format!("Dans {section}, retirez {}.", words(&removed))
                    } else {
                        format!("Dans {section}, enlevez {} (« Enlever »).", words(&removed))
                    });
                }
                if added.is_empty() && removed.is_empty() {
                    steps.push(format!("Dans {section}, vérifiez que la liste est : {}.", words(&after)));
                }
            }
            None if after.is_empty() => steps.push(format!("Dans {section}, enlevez toutes les fonctions.")),
            None => steps.push(format!(
                "Dans {section}, la liste doit être : {} ; ajoutez ce qui manque, enlevez le reste.",
                words(&after)
            )),
        }
        if ng {
            steps.push(
                "Si la console ne les modifie pas pour ce compte, le prochain fichier Personnels (colonne « Fonction ») \
                 les apporte : vérifiez-les alors dans sa fiche."
                    .into(),
            );
        }
    }
    match &nodes {
        None => {}
        Some(v) if ng => steps.push(match v {
            Some(v) if !strings(&Some(v.clone())).is_empty() => {
                format!(
                    "Dans « Groupe(s) manuel(s) », « Ajouter un groupe » : le groupe de {}.",
                    places(&Some(v.clone()))
                )
            }
            _ => "Dans « Groupe(s) manuel(s) », retirez le groupe qui le place dans la messagerie de l'établissement \
                  (« Supprimer le groupe »)."
                .into(),
        }),
        // Skolengo places a person in the messaging by their functions.
        Some(v) if functions.is_some() => steps.push(match v {
            Some(v) if !strings(&Some(v.clone())).is_empty() => {
                format!("Dans la messagerie, la personne apparaîtra alors sous {}.", places(&Some(v.clone())))
            }
            _ => "Dans la messagerie, la personne n'apparaîtra plus sous une fonction de l'établissement.".into(),
        }),
        Some(v) => steps.push(match v {
            Some(v) if !strings(&Some(v.clone())).is_empty() => format!(
                "Dans « Fonctions/disciplines de poste », donnez la fonction et la discipline de poste qui le placent \
                 dans {} (Mon établissement).",
                places(&Some(v.clone()))
            ),
            _ => "Dans « Fonctions/disciplines de poste », retirez la fonction qui le place dans la messagerie de \
                  l'établissement."
                .into(),
        }),
    }
    if let Some(v) = &end {
        let day = v.as_ref().and_then(|v| v.as_str()).map(crate::formats::date_iso_to_fr);
        steps.push(match (ng, day) {
            (false, Some(d)) => format!("Dans « Disponibilité », Compte pérenne « Non », jusqu'au {d}."),
            (false, None) => "Dans « Disponibilité », Compte pérenne « Oui ».".into(),
            (true, Some(d)) => {
                format!("La console n'a pas de date de fin de compte : le {d}, bloquez-le (« Bloquer le compte »).")
            }
            (true, None) => "Le compte est désormais pérenne : il n'est plus à bloquer à une date.".into(),
        });
    }
    if closed {
        steps.push(if ng {
            "Cliquez sur « Bloquer le compte » : la personne n'accède plus à l'ENT, le compte reste.".into()
        } else {
            "Désactivez le compte : la personne n'accède plus à l'ENT, le compte reste dans l'annuaire.".into()
        });
    }
    let (joins, leaves) = follows_of(ops);
    if ng && (!joins.is_empty() || !leaves.is_empty()) {
        action = "Élèves suivis par un AESH";
        steps.push(
            "La console d'administration n'a pas de lien entre un AESH (ou un tuteur) et les élèves qu'il suit : \
             donnez-lui l'accès par le moyen que l'ENT prévoit (un groupe manuel avec ces élèves, par exemple), ou \
             marquez l'élément « impossible »."
                .into(),
        );
        if !joins.is_empty() {
            steps.push(format!("Élèves qu'il suit désormais : {}.", pupils(&joins, names).join(", ")));
        }
        if !leaves.is_empty() {
            steps.push(format!("Élèves qu'il ne suit plus : {}.", pupils(&leaves, names).join(", ")));
        }
    }
    for (_, path, value) in ops {
        if [&functions_path, &nodes_path, &end_path, &follows_path].contains(&path)
            || path == "active"
            || path == "members"
        {
            continue;
        }
        if let Some(source) = path.strip_prefix(&format!("{ENT_USER}:")) {
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
    (action.to_string(), person, steps)
}

/// Pupils as the « Fiches élèves » list shows them: « NOM Prénom (3A) ».
fn pupils(ids: &[String], names: &Names) -> Vec<String> {
    ids.iter()
        .map(|id| match names.accounts.get(id) {
            Some(a) if !a.classes.is_empty() => format!("« {} ({}) »", a.name, a.classes.join(", ")),
            Some(a) => format!("« {} »", a.name),
            None => format!("l'élève de compte ENT {id}"),
        })
        .collect()
}

/// An AESH (or tutor) following pupils, in Skolengo: « Scolarité › Fiches
/// élèves », each pupil's fiche, « Associer un AESH » (the training's §4.2).
fn aesh_steps(open: String, target: &str, ops: &[Op], names: &Names) -> (String, String, Vec<String>) {
    let aesh = names.person(target);
    let (joins, leaves) = follows_of(ops);
    let mut steps = vec![
        open,
        "Il faut le droit de modifier les fiches élèves (direction, éducation) : sinon, dans « administration des \
         services », service « Fiches élèves », ajoutez-vous avec le droit de modification."
            .to_string(),
    ];
    for p in pupils(&joins, names) {
        steps.push(format!(
            "Sélectionnez l'élève {p} ; sur sa fiche, cliquez sur « Associer un AESH » et choisissez {aesh}."
        ));
    }
    for p in pupils(&leaves, names) {
        steps.push(format!("Sélectionnez l'élève {p} ; sur sa fiche, retirez {aesh} de ses AESH associés."));
    }
    let action = match (joins.is_empty(), leaves.is_empty()) {
        (false, true) => "Associer un AESH",
        (true, false) => "Dissocier un AESH",
        _ => "Associer et dissocier un AESH",
    };
    (action.to_string(), aesh, steps)
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
        Screen::NgUtilisateurs => user_fiche(Console::EntNg, open, target, changes, ops, names),
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
    // In Skolengo a group joined by an account still to create is a field of its creation form.
    let creating: std::collections::BTreeSet<&str> =
        outbox.iter().filter(|c| c.resource == "User" && c.op == "create").map(|c| c.target.as_str()).collect();
    let new_groups: std::collections::BTreeSet<&str> =
        outbox.iter().filter(|c| c.resource == "Group" && c.op == "create").map(|c| c.target.as_str()).collect();
    let joins_creation = |change: &OutboxChange| -> Option<String> {
        if console != Console::Skolengo || change.resource != "Group" || new_groups.contains(change.target.as_str()) {
            return None;
        }
        match patched(change).as_slice() {
            [(op, path, value)] if op == "add" && path == "members" => match strings(value).as_slice() {
                [account] if creating.contains(account.as_str()) => Some(account.clone()),
                _ => None,
            },
            _ => None,
        }
    };
    let mut groups: BTreeMap<(Screen, String, String), Vec<&OutboxChange>> = BTreeMap::new();
    for change in &outbox {
        let key = match joins_creation(change) {
            Some(account) => (Screen::Fiche, "User".to_string(), account),
            None => (screen_of(change, console), change.resource.clone(), change.target.clone()),
        };
        groups.entry(key).or_default().push(change);
    }
    let mut people: Vec<String> = Vec::new();
    let mut sets_functions: Vec<&str> = Vec::new();
    for change in &outbox {
        if change.resource == "User" {
            people.push(change.target.clone());
        }
        for (_, path, value) in patched(change) {
            if path == "members" || path == format!("{ENT_USER}:follows") {
                people.extend(strings(&value));
            }
            if change.resource == "User" && path == format!("{ENT_USER}:functions") {
                sets_functions.push(change.target.as_str());
            }
        }
    }
    let hand: HashMap<String, HandAccount> = if outbox.iter().any(|c| c.target.starts_with(HAND_PREFIX)) {
        store.hand_accounts()?.into_iter().map(|h| (h.id.clone(), h)).collect()
    } else {
        HashMap::new()
    };
    let mut accounts = store.account_names(people.iter().map(String::as_str))?;
    for h in hand.values() {
        accounts.entry(h.id.clone()).or_insert_with(|| AccountName {
            name: format!("{} {}", h.nom.to_uppercase(), h.prenom),
            profile: Some(h.profile.as_str().to_string()),
            classes: Vec::new(),
        });
    }
    // What the ENT shows of an account's functions, to say what to add and what to take away:
    // the population is read only when a change sets functions.
    let functions: HashMap<String, Vec<Function>> = if sets_functions.iter().any(|t| !hand.contains_key(*t)) {
        match store.load_population()? {
            Some(data) => data
                .accounts
                .into_iter()
                .filter(|a| sets_functions.contains(&a.id.as_str()) && !hand.contains_key(&a.id))
                .map(|a| (a.id, a.functions))
                .collect(),
            None => HashMap::new(),
        }
    } else {
        HashMap::new()
    };
    let names = Names {
        uai: store.uai().to_string(),
        establishment: match console {
            Console::EntNg => store.establishment()?.map(|e| e.name).unwrap_or_else(|| store.uai().to_string()),
            Console::Skolengo => String::new(),
        },
        accounts,
        // Read only when an account's establishment decides a step (its rapprochement).
        establishments: if groups.keys().any(|(screen, ..)| {
            matches!(screen, Screen::IdentifiantsPronote | Screen::EmploiDuTemps | Screen::NgPronote)
        }) {
            store.account_establishments()?
        } else {
            HashMap::new()
        },
        groups: store.group_names()?,
        hand,
        functions,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::edit;
    use crate::model::{EstablishmentData, EstablishmentKind, Uai};

    const ACTOR: &str = "test@worklist";

    fn store(connector: &str) -> (tempfile::TempDir, Store, EstablishmentData) {
        let dir = tempfile::tempdir().unwrap();
        let uai = Uai::parse("0999001W").unwrap();
        let key = crate::secrets::DbKey::from_hex(&"2a".repeat(32)).unwrap();
        let mut store = Store::open_or_create(dir.path(), &uai, &key, ACTOR).unwrap();
        let data = crate::demo::generate(&uai, EstablishmentKind::College, 4);
        store.replace_population(&data, ACTOR, "TEST", &serde_json::json!({})).unwrap();
        store.set_sync_connector(connector, ACTOR).unwrap();
        // The ENT's directory, as a pull would have left it: where a creation looks for the person first.
        let rows = crate::sync::as_pulled(&data);
        store.replace_snapshot(&rows, "https://ent.example.fr/scim/v2", ACTOR).unwrap();
        (dir, store, data)
    }

    fn social_worker(store: &mut Store, group: &str) -> String {
        let new = edit::NewAccount {
            profile: Some(Profile::NonEnseignant),
            civility: Some("Mme".into()),
            nom: "Quenardel".into(),
            prenom: "Ysaline".into(),
            email: Some("y.quenardel@example.fr".into()),
            phones: vec!["0102030405".into()],
            functions: vec![codes::parse("MDS/P9222").unwrap()],
            groups: vec![group.to_string()],
            until: Some("2099-07-31".into()),
            perenne: false,
            reason: "assistante sociale".into(),
        };
        edit::create(store, &new, true, None, ACTOR).unwrap().account.id
    }

    fn text(item: &Item) -> String {
        item.steps.join("\n")
    }

    #[test]
    fn an_account_created_in_preau_is_the_creation_form_without_a_password() {
        let (_dir, mut store, data) = store("skolengo");
        let group = &data.groups[0];
        let id = social_worker(&mut store, &group.id);
        let items = worklist(&store).unwrap();
        assert_eq!(items.len(), 1, "the creation, its node and its group in one item: {items:#?}");
        let item = &items[0];
        assert_eq!((item.screen, item.action.as_str()), (Screen::Fiche, "Créer l'utilisateur"));
        assert_eq!(item.changes.len(), store.outbox().unwrap().len(), "ticked, it confirms all three");
        assert!(item.target.contains("QUENARDEL Ysaline"), "{}", item.target);
        let t = text(item);
        for expected in [
            "Annuaire > Rechercher un utilisateur",
            "recherche avancée",
            "« Créer un utilisateur »",
            "Profil « Non enseignant », Civilité « Mme », Prénom « Ysaline », Nom « QUENARDEL », Mail « y.quenardel@example.fr », Téléphone professionnel « 0102030405 »",
            "Préau ne gère pas les mots de passe",
            "Compte pérenne « Non », jusqu'au 31/07/2099",
            &format!("Groupes : ajoutez « {} »", group.name),
            "« Fonctions/disciplines de poste » : ajoutez « PERSONNELS MEDICO-SOCIAUX — P9222 SERVICE SOCIAL DES ELEVES »",
            "Dans la messagerie, la personne apparaîtra alors sous",
        ] {
            assert!(t.contains(expected), "{expected} in:\n{t}");
        }
        assert!(!t.to_lowercase().contains("mot de passe :"), "no password is given: {t}");

        // Made in the console: ticked, the outbox empties. Then extended and closed: the fiche.
        assert_eq!(mark_done(&mut store, std::slice::from_ref(&item.id), ACTOR).unwrap(), item.changes.len());
        assert!(store.outbox().unwrap().is_empty());
        store.set_hand_account_end(&id, None, false, ACTOR).unwrap();
        let t = text(&worklist(&store).unwrap().into_iter().find(|i| i.status == Status::AFaire).unwrap());
        assert!(t.contains("Dans « Disponibilité », Compte pérenne « Oui »."), "{t}");
        store.set_hand_account_end(&id, None, true, ACTOR).unwrap();
        let item = worklist(&store).unwrap().into_iter().find(|i| i.status == Status::AFaire).unwrap();
        assert_eq!(item.action, "Fermer le compte");
        assert!(text(&item).contains("Désactivez le compte"), "{}", text(&item));
    }

    #[test]
    fn a_function_added_is_the_fiches_function_and_discipline() {
        let (_dir, mut store, data) = store("skolengo");
        let staff = data
            .people
            .iter()
            .find(|p| {
                p.profile == Profile::NonEnseignant
                    && !p.functions.iter().any(|f| f.code == "MDS")
                    && crate::groups::accounts_of_people(&data).contains_key(p.id.as_str())
            })
            .unwrap();
        let f = codes::parse("MDS/P9222").unwrap();
        edit::change_function(&mut store, &staff.id, &f, true, ACTOR).unwrap();
        let items = worklist(&store).unwrap();
        assert_eq!(items.len(), 1, "{items:#?}");
        let t = text(&items[0]);
        assert!(
            t.contains(
                "Dans « Fonctions/disciplines de poste », ajoutez « PERSONNELS MEDICO-SOCIAUX — P9222 SERVICE SOCIAL DES ELEVES »."
            ),
            "{t}"
        );
        assert!(!t.contains("enlevez"), "only what changed: {t}");

        // A hand-made account's function taken away: the list it keeps (none).
        let id = social_worker(&mut store, &data.groups[0].id);
        let creation = worklist(&store).unwrap().into_iter().find(|i| i.action == "Créer l'utilisateur").unwrap();
        mark_done(&mut store, &[creation.id], ACTOR).unwrap();
        edit::change_function(&mut store, &id, &f, false, ACTOR).unwrap();
        let item = worklist(&store).unwrap().into_iter().find(|i| i.target.contains("QUENARDEL")).unwrap();
        let t = text(&item);
        assert!(t.contains("enlevez toutes les fonctions"), "{t}");
        assert!(t.contains("n'apparaîtra plus sous une fonction"), "{t}");
    }

    fn two_pupils(data: &EstablishmentData) -> Vec<&crate::model::Person> {
        let accounts = crate::groups::accounts_of_people(data);
        data.people
            .iter()
            .filter(|p| p.profile == Profile::Eleve && !p.left && accounts.contains_key(p.id.as_str()))
            .take(2)
            .collect()
    }

    #[test]
    fn an_aesh_is_associated_on_each_pupils_fiche() {
        let (_dir, mut store, data) = store("skolengo");
        let aesh = data
            .people
            .iter()
            .find(|p| {
                p.profile == Profile::NonEnseignant
                    && crate::groups::accounts_of_people(&data).contains_key(p.id.as_str())
            })
            .unwrap();
        let pupils = two_pupils(&data);
        let ids: Vec<String> = pupils.iter().map(|p| p.id.clone()).collect();
        assert_eq!(edit::follow(&mut store, &aesh.id, &ids, true, ACTOR).unwrap(), 2);
        let items = worklist(&store).unwrap();
        assert_eq!(items.len(), 1, "{items:#?}");
        let item = &items[0];
        assert_eq!((item.screen, item.action.as_str()), (Screen::FichesEleves, "Associer un AESH"));
        assert_eq!(item.screen.path(), "Scolarité > Fiches élèves");
        let t = text(item);
        for p in &pupils {
            let pupil = format!(
                "Sélectionnez l'élève « {} {} ({}) » ; sur sa fiche, cliquez sur « Associer un AESH » et choisissez",
                p.usage_name.to_uppercase(),
                p.usual_name(),
                p.divisions.join(", ")
            );
            assert!(t.contains(&pupil), "{pupil} in:\n{t}");
        }
        assert!(t.contains("administration des services"), "the right to change pupils' fiches: {t}");

        // In Open ENT NG, the console has no such link: said on the AESH's fiche.
        store.set_sync_connector("ent-ng", ACTOR).unwrap();
        let items = worklist(&store).unwrap();
        assert_eq!(items.len(), 1, "{items:#?}");
        assert_eq!(items[0].screen, Screen::NgUtilisateurs);
        assert!(text(&items[0]).contains("n'a pas de lien entre un AESH"), "{}", text(&items[0]));
    }

    #[test]
    fn open_ent_ng_blocks_what_skolengo_deactivates() {
        let (_dir, mut store, data) = store("ent-ng");
        let id = social_worker(&mut store, &data.groups[0].id);
        // The files carry the creation; the rest is done by hand.
        let out = tempfile::tempdir().unwrap();
        let written = super::super::ent_ng::write(&mut store, out.path(), false, ACTOR).unwrap();
        super::super::ent_ng::confirm(&mut store, &written.export.unwrap().export, ACTOR).unwrap();
        let made: Vec<String> = worklist(&store).unwrap().into_iter().map(|i| i.id).collect();
        mark_done(&mut store, &made, ACTOR).unwrap();
        store.set_hand_account_end(&id, Some("2099-06-30"), false, ACTOR).unwrap();
        store.set_hand_account_end(&id, None, true, ACTOR).unwrap();
        let items = worklist(&store).unwrap();
        let fiche = items.iter().find(|i| i.status == Status::AFaire).unwrap();
        assert_eq!(fiche.screen, Screen::NgUtilisateurs);
        let t = text(fiche);
        assert!(t.contains("le 30/06/2099, bloquez-le (« Bloquer le compte »)"), "{t}");
        assert!(t.contains("Cliquez sur « Bloquer le compte »"), "{t}");
        assert_eq!(fiche.action, "Fermer le compte");
    }
}
