//! The Annuaire's changes: creating an account no national feed gives
//! (after looking through the whole ENT for one that exists), adding or
//! removing a function + discipline (with the messaging node it moves the
//! person into, shown first), and the pupils an AESH or tutor follows. Each
//! is queued for the ENT in the transaction that records it.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{EstablishmentData, Function, Profile};
use crate::reconcile::{self, Category, LoadError, SourceRecord};
use crate::store::{functions_patch, HandAccount, Store, StoreError, UserPatch};
use crate::text::fold;
use crate::visibility::functions;

/// What the administrator typed to create an account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAccount {
    pub profile: Option<Profile>,
    /// `M.` or `Mme`.
    pub civility: Option<String>,
    pub nom: String,
    pub prenom: String,
    pub email: Option<String>,
    pub phones: Vec<String>,
    pub functions: Vec<Function>,
    /// Group ids of the establishment.
    pub groups: Vec<String>,
    /// The day it ends (AAAA-MM-JJ), or `None` with `perenne`.
    pub until: Option<String>,
    pub perenne: bool,
    pub reason: String,
}

/// An account (or a person of the establishment) that may be the one about to be created.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Likely {
    pub account: Option<String>,
    pub person: Option<String>,
    pub nom: String,
    pub prenom: String,
    pub profil: &'static str,
    pub etablissements: Vec<String>,
    /// Why it looks like the same person, in words.
    pub reasons: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("{} compte(s) de l'ENT ressemblent à celui à créer : vérifiez qu'il n'existe pas déjà", likely.len())]
    LikelyExisting { likely: Vec<Likely> },
    #[error(transparent)]
    Load(#[from] LoadError),
}

impl From<StoreError> for EditError {
    fn from(e: StoreError) -> Self {
        EditError::Load(LoadError::from(e))
    }
}

impl crate::ErrorCode for EditError {
    fn code(&self) -> &'static str {
        match self {
            EditError::Invalid { code, .. } => code,
            EditError::LikelyExisting { .. } => "ACCOUNT_LIKELY_EXISTS",
            EditError::Load(e) => e.code(),
        }
    }
}

fn invalid(code: &'static str, message: impl Into<String>) -> EditError {
    EditError::Invalid { code, message: message.into() }
}

/// The profiles an account may be created with: pupils and parents come from
/// EduConnect, teachers and staff of the Éducation nationale from the AAF.
pub const CREATABLE: [Profile; 4] =
    [Profile::Invite, Profile::NonEnseignant, Profile::PersonnelCollectivite, Profile::MaitreDeStage];

fn check_date(text: &str, today: &str) -> Result<String, EditError> {
    let d = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| invalid("ACCOUNT_BAD_DATE", format!("« {text} » n'est pas une date AAAA-MM-JJ")))?;
    let iso = d.format("%Y-%m-%d").to_string();
    if iso.as_str() <= today {
        return Err(invalid(
            "ACCOUNT_BAD_DATE",
            format!("la date de fin {} est déjà passée", crate::formats::date_iso_to_fr(&iso)),
        ));
    }
    Ok(iso)
}

/// An end date typed for an account: a day to come, as AAAA-MM-JJ.
pub fn end_date(text: &str) -> Result<String, EditError> {
    check_date(text, &today())
}

/// The whole ENT's directory, or none while no export was imported and nothing pulled.
fn whole_ent(store: &Store) -> Result<Option<reconcile::Directory>, LoadError> {
    match reconcile::directory_from_store(store) {
        Ok(d) => Ok(Some(d)),
        Err(LoadError::NoDirectory) => Ok(None),
        Err(e) => Err(e),
    }
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

fn likely(a: crate::formats::ent_directory::DirectoryAccount, reasons: Vec<String>) -> Likely {
    Likely {
        account: Some(a.ent_id),
        person: None,
        nom: a.last_name,
        prenom: a.first_name,
        profil: a.profile.as_str(),
        etablissements: a.establishments,
        reasons,
    }
}

/// The accounts of the whole ENT (and the people of the establishment) that
/// may be the person about to be created, whatever their profile: the
/// reconciliation engine's candidates, and the same names.
pub fn likely_existing(store: &Store, new: &NewAccount) -> Result<Vec<Likely>, LoadError> {
    let uai = store.uai().to_string();
    let mut out: Vec<Likely> = Vec::new();
    if let Some(dir) = whole_ent(store)?.filter(|d| !d.is_empty()) {
        let mut seen = BTreeSet::new();
        // A social worker may be « personnel » or « invité » elsewhere: every category is asked.
        for category in [Category::Personnel, Category::Enseignant, Category::MaitreDeStage, Category::Responsable] {
            let s = SourceRecord {
                row: 1,
                id: "nouveau".into(),
                category,
                last_name: new.nom.clone(),
                first_name: new.prenom.clone(),
                birth_date: None,
                ine: None,
                email: new.email.clone(),
                classes: Vec::new(),
                children: Vec::new(),
            };
            for d in reconcile::reconcile(&[s], &dir, &reconcile::Scope::Academy(Some(uai.clone()))) {
                for c in d.candidates.into_iter().filter(|c| c.score >= 4.0) {
                    if !seen.insert(c.account.clone()) {
                        continue;
                    }
                    if let Some(a) = dir.find(&c.account).and_then(|i| dir.account(i)) {
                        out.push(likely(a, c.reasons));
                    }
                }
            }
        }
        // The same names, whatever the engine made of them.
        for i in dir.search(&format!("{} {}", new.nom, new.prenom), None, 20) {
            let Some(a) = dir.account(i) else { continue };
            if seen.insert(a.ent_id.clone()) && fold(&a.last_name) == fold(&new.nom) {
                out.push(likely(a, vec!["mêmes nom et prénom".into()]));
            }
        }
    }
    // A person of the establishment's files (or created here) of that name.
    if let Some(data) = store.load_population()? {
        let accounts_of = crate::groups::accounts_of_people(&data);
        for p in data.people.iter().filter(|p| !p.left) {
            let same = fold(&p.usage_name) == fold(&new.nom) || fold(&p.birth_name) == fold(&new.nom);
            let given = p.given_names.iter().any(|g| fold(g) == fold(&new.prenom));
            if same && given {
                let account = accounts_of.get(p.id.as_str()).and_then(|a| a.first()).map(|a| a.to_string());
                if account.as_ref().is_some_and(|a| out.iter().any(|l| l.account.as_ref() == Some(a))) {
                    continue;
                }
                out.push(Likely {
                    account,
                    person: Some(p.id.clone()),
                    nom: p.usage_name.clone(),
                    prenom: p.usual_name().to_string(),
                    profil: p.profile.as_str(),
                    etablissements: vec![uai.clone()],
                    reasons: vec!["déjà dans l'établissement, mêmes nom et prénom".into()],
                });
            }
        }
    }
    Ok(out)
}

/// A login by the ENT's convention (`prenom.nom`, then numbered) that no
/// account known here holds: the establishment's, the ENT directory's, the
/// server's as last pulled, and the server's own when it can be asked.
pub fn free_login(
    store: &Store,
    data: &EstablishmentData,
    nom: &str,
    prenom: &str,
    on_server: Option<&dyn Fn(&str) -> bool>,
) -> Result<String, LoadError> {
    use crate::demo::names::login_part;
    let mut taken: BTreeSet<String> = data.accounts.iter().map(|a| a.login.to_lowercase()).collect();
    let dir = whole_ent(store)?;
    let (given, name) = (login_part(prenom), login_part(nom));
    let base = match (given.is_empty(), name.is_empty()) {
        (false, false) => format!("{given}.{name}"),
        (true, false) => name,
        (false, true) => given,
        (true, true) => "utilisateur".into(),
    };
    if let Some(dir) = &dir {
        for i in dir.search(&format!("{nom} {prenom}"), None, 200) {
            if let Some(l) = dir.account(i).and_then(|a| a.login) {
                taken.insert(l.to_lowercase());
            }
        }
    }
    for row in store.snapshot("User")? {
        let body: serde_json::Value = serde_json::from_str(&row.body).unwrap_or_default();
        if let Some(l) = body["userName"].as_str() {
            taken.insert(l.to_lowercase());
        }
    }
    Ok((0..)
        .map(|n: u32| if n == 0 { base.clone() } else { format!("{base}{}", n + 1) })
        .find(|c| !taken.contains(c) && !on_server.is_some_and(|held| held(c)))
        .unwrap_or(base))
}

/// What creating an account did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Created {
    pub account: HandAccount,
    /// The messaging nodes its functions place it in.
    pub nodes: Vec<String>,
}

/// Checks what was typed, then (unless `force`) refuses while the whole ENT
/// holds likely existing accounts; else records the account and queues its
/// creation, its nodes and its groups.
/// `on_server` answers whether a login is already held on the ENT's server
/// (see `sync::server_logins`), when it can be asked.
pub fn create(
    store: &mut Store,
    new: &NewAccount,
    force: bool,
    on_server: Option<&dyn Fn(&str) -> bool>,
    actor: &str,
) -> Result<Created, EditError> {
    let profile = new.profile.ok_or_else(|| invalid("ACCOUNT_NO_PROFILE", "choisissez le profil du compte"))?;
    if !CREATABLE.contains(&profile) {
        let why = match profile {
            Profile::Eleve | Profile::Responsable => "les comptes des élèves et des parents viennent de SIECLE et d'ÉduConnect ; pour une famille d'accueil, déclarez-la « personne en charge » dans SIECLE, ou créez un compte invité",
            _ => "les comptes des enseignants et des personnels de l'Éducation nationale viennent de l'AAF (STS-Web)",
        };
        return Err(invalid(
            "ACCOUNT_PROFILE_NOT_CREATABLE",
            format!("un compte « {} » ne se crée pas à la main : {why}", reconcile::profile_label(profile)),
        ));
    }
    let nom = new.nom.trim();
    let prenom = new.prenom.trim();
    if nom.is_empty() || prenom.is_empty() {
        return Err(invalid("ACCOUNT_NO_NAME", "le nom et le prénom sont obligatoires"));
    }
    if let Some(c) = &new.civility {
        if c != "M." && c != "Mme" {
            return Err(invalid("ACCOUNT_BAD_CIVILITY", format!("civilité « {c} » : M. ou Mme")));
        }
    }
    if let Some(e) = new.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        let ok = e.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !e.contains(' '));
        if !ok {
            return Err(invalid("ACCOUNT_BAD_EMAIL", format!("« {e} » n'est pas une adresse électronique")));
        }
    }
    let until =
        match (&new.until, new.perenne) {
            (Some(_), true) => {
                return Err(invalid(
                    "ACCOUNT_END_TWICE",
                    "un compte pérenne n'a pas de date de fin : choisissez l'un ou l'autre",
                ))
            }
            (None, false) => return Err(invalid(
                "ACCOUNT_NO_END",
                "dites si le compte est pérenne ou jusqu'à quand il sert (aucun fichier national ne le renouvellera)",
            )),
            (Some(d), false) => Some(check_date(d, &today())?),
            (None, true) => None,
        };
    let data = store
        .load_population()?
        .ok_or_else(|| invalid("ACCOUNT_NO_POPULATION", "importez d'abord les fichiers de l'établissement"))?;
    for g in &new.groups {
        if !data.groups.iter().any(|x| &x.id == g) {
            return Err(invalid("ACCOUNT_UNKNOWN_GROUP", format!("aucun groupe « {g} » dans l'établissement")));
        }
    }
    let likely = likely_existing(store, new)?;
    if !likely.is_empty() && !force {
        return Err(EditError::LikelyExisting { likely });
    }
    let login = free_login(store, &data, nom, prenom, on_server)?;
    let h = HandAccount {
        id: store.next_hand_id()?,
        profile,
        civility: new.civility.clone(),
        nom: nom.to_string(),
        prenom: prenom.to_string(),
        email: new.email.clone().filter(|e| !e.trim().is_empty()),
        phones: new.phones.iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
        functions: new.functions.clone(),
        groups: new.groups.clone(),
        login,
        until: until.clone(),
        reason: new.reason.trim().to_string(),
        created_at: crate::store::now(),
        actor: actor.to_string(),
        closed_at: None,
    };
    let account = h.account(&data);
    let mut body = crate::sync::user_body(&account);
    body[crate::store::ENT_USER]["handMade"] = serde_json::json!(true);
    if let Some(u) = &until {
        body[crate::store::ENT_USER]["endDate"] = serde_json::json!(u);
    }
    if let Some(c) = &h.civility {
        body["name"]["honorificPrefix"] = serde_json::json!(c);
    }
    if !h.phones.is_empty() {
        body["phoneNumbers"] = serde_json::Value::Array(
            h.phones.iter().map(|p| serde_json::json!({ "value": p, "type": "work" })).collect(),
        );
    }
    // Its nodes, computed over the population with it.
    let mut after = data.clone();
    after.people.push(h.person(&data));
    after.accounts.push(account);
    let nodes = nodes_of(store, &after, &h.id)?;
    let nodes_patch = (!nodes.is_empty()).then(|| nodes_body(&nodes));
    let forced: Vec<String> =
        if force { likely.iter().filter_map(|l| l.account.clone().or(l.person.clone())).collect() } else { Vec::new() };
    store.create_hand_account(&h, &body, nodes_patch.as_ref(), &forced, actor)?;
    Ok(Created { account: h, nodes })
}

fn nodes_body(nodes: &[String]) -> serde_json::Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "path": format!("{}:nodes", crate::store::ENT_USER), "value": nodes }],
    })
}

/// The function nodes `person` is listed in over `data`.
fn nodes_of(store: &Store, data: &EstablishmentData, person: &str) -> Result<Vec<String>, StoreError> {
    let computed = functions::compute(data, &store.function_rules()?, &store.function_manual()?);
    Ok(computed.nodes.iter().filter(|n| n.members.iter().any(|m| m.person == person)).map(|n| n.node.clone()).collect())
}

/// What a function change will do, shown before it is queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionPreview {
    pub person: String,
    pub name: String,
    pub function: Function,
    pub add: bool,
    /// The nodes the person is listed in now, and after.
    pub before: Vec<String>,
    pub after: Vec<String>,
    /// Their ENT account, which the change is queued for (none: nothing to send yet).
    pub account: Option<String>,
    /// Nothing would change (already there, or already absent).
    pub unchanged: bool,
}

fn functions_after(data: &EstablishmentData, person: &str, f: &Function, add: bool) -> EstablishmentData {
    let mut after = data.clone();
    if let Some(p) = after.people.iter_mut().find(|p| p.id == person) {
        let same = |x: &Function| {
            x.code == f.code && x.discipline.as_deref().unwrap_or("") == f.discipline.as_deref().unwrap_or("")
        };
        p.functions.retain(|x| !same(x));
        if add {
            p.functions.push(f.clone());
        }
    }
    after
}

pub fn preview_function(store: &Store, person: &str, f: &Function, add: bool) -> Result<FunctionPreview, EditError> {
    let data = store
        .load_population()?
        .ok_or_else(|| invalid("ACCOUNT_NO_POPULATION", "importez d'abord les fichiers de l'établissement"))?;
    let Some(p) = data.people.iter().find(|p| p.id == person) else {
        return Err(invalid("PERSON_UNKNOWN", format!("aucune personne « {person} » dans l'établissement")));
    };
    if matches!(p.profile, Profile::Eleve | Profile::Responsable) {
        return Err(invalid(
            "FUNCTION_NOT_FOR_PROFILE",
            format!(
                "{} {} est {} : les fonctions sont celles des personnels",
                p.usual_name(),
                p.usage_name,
                reconcile::profile_label(p.profile)
            ),
        ));
    }
    let has = p
        .functions
        .iter()
        .any(|x| x.code == f.code && x.discipline.as_deref().unwrap_or("") == f.discipline.as_deref().unwrap_or(""));
    let after = functions_after(&data, person, f, add);
    let account = crate::groups::accounts_of_people(&data).get(person).and_then(|a| a.first()).map(|a| a.to_string());
    Ok(FunctionPreview {
        person: person.to_string(),
        name: format!("{} {}", p.usual_name(), p.usage_name),
        function: f.clone(),
        add,
        before: nodes_of(store, &data, person)?,
        after: nodes_of(store, &after, person)?,
        account,
        unchanged: has == add,
    })
}

/// Adds or removes the function, and queues the account's functions and nodes.
pub fn change_function(
    store: &mut Store,
    person: &str,
    f: &Function,
    add: bool,
    actor: &str,
) -> Result<FunctionPreview, EditError> {
    let preview = preview_function(store, person, f, add)?;
    if preview.unchanged {
        return Ok(preview);
    }
    let data = store.load_population()?.ok_or_else(|| invalid("ACCOUNT_NO_POPULATION", "aucune population"))?;
    let after = functions_after(&data, person, f, add);
    let mut patches = Vec::new();
    let mut bodies = Vec::new();
    if let Some(account) = &preview.account {
        let list = after.people.iter().find(|p| p.id == person).map(|p| p.functions.clone()).unwrap_or_default();
        // A creation still waiting carries its functions: a patch would be sent on an account not made yet
        // only after it, which the push orders anyway.
        bodies.push(functions_patch(&list));
        if preview.before != preview.after {
            bodies.push(if preview.after.is_empty() {
                serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{ "op": "remove", "path": format!("{}:nodes", crate::store::ENT_USER) }],
                })
            } else {
                nodes_body(&preview.after)
            });
        }
        for b in bodies.iter() {
            patches.push(UserPatch { account, body: b.clone() });
        }
    }
    store.change_function(person, &preview.name, f, add, &patches, actor)?;
    Ok(preview)
}

/// Links (or unlinks) an AESH or tutor to pupils; the number of links changed.
pub fn follow(
    store: &mut Store,
    follower: &str,
    pupils: &[String],
    add: bool,
    actor: &str,
) -> Result<usize, EditError> {
    let data = store
        .load_population()?
        .ok_or_else(|| invalid("ACCOUNT_NO_POPULATION", "importez d'abord les fichiers de l'établissement"))?;
    let Some(f) = data.people.iter().find(|p| p.id == follower) else {
        return Err(invalid("PERSON_UNKNOWN", format!("aucune personne « {follower} » dans l'établissement")));
    };
    if matches!(f.profile, Profile::Eleve) {
        return Err(invalid(
            "FOLLOWER_IS_PUPIL",
            format!("{} {} est élève : seul un AESH ou un tuteur suit un élève", f.usual_name(), f.usage_name),
        ));
    }
    if pupils.is_empty() {
        return Err(invalid("FOLLOW_NO_PUPIL", "choisissez au moins un élève"));
    }
    let accounts_of = crate::groups::accounts_of_people(&data);
    let mut list = Vec::new();
    for p in pupils {
        if !super::fiche::is_pupil(&data, p) {
            return Err(invalid("FOLLOW_NOT_A_PUPIL", format!("« {p} » n'est pas un élève de l'établissement")));
        }
        list.push((p.clone(), accounts_of.get(p.as_str()).and_then(|a| a.first()).map(|a| a.to_string())));
    }
    let follower_account = accounts_of.get(follower).and_then(|a| a.first()).map(|a| a.to_string());
    Ok(store.set_follows(follower, follower_account.as_deref(), &list, add, actor)?)
}
