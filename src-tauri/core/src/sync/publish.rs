//! `publish` (seed an empty or partial server from the local establishment)
//! and `pull` (the server's view of the establishment, with ETags, into the
//! store's directory snapshot).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::client::Client;
use super::{SyncError, CORE_GROUP, CORE_USER, ENT_GROUP, ENT_USER};
use crate::model::{Account, EstablishmentData, Group, Profile};
use crate::store::{SnapshotRow, Store};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Published {
    pub users_created: usize,
    pub groups_created: usize,
    /// Already on the server (same `externalId`).
    pub present: usize,
    /// What the server refused, each named; the others were created.
    pub refused: Vec<Refused>,
}

/// A resource the server refused to create, named.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refused {
    /// `User` or `Group`.
    pub resource: String,
    pub external_id: String,
    /// The login or the group's name, as sent.
    pub name: String,
    /// The person (« Prénom NOM ») or the group, as people read it.
    pub display_name: String,
    /// The HTTP status the server gave it (0: no answer for it).
    pub status: u16,
    /// RFC 7644 §3.12's `scimType` (`uniqueness`, `invalidValue`…), when given.
    pub scim_type: Option<String>,
    pub detail: String,
    /// For a login another account already holds on the server: a free one
    /// by the ENT's convention (prénom.nom, then a number).
    pub proposed_login: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pulled {
    pub users: usize,
    pub groups: usize,
    pub visibility_rules: usize,
}

fn profile_code(p: Profile) -> &'static str {
    match p {
        Profile::Eleve => "Eleve",
        Profile::Responsable => "Responsable",
        Profile::Enseignant => "Enseignant",
        Profile::NonEnseignant => "NonEnseignant",
        Profile::PersonnelCollectivite => "PersonnelCollectivite",
        Profile::Invite => "Invite",
        Profile::MaitreDeStage => "MaitreDeStage",
        Profile::Inspecteur => "Inspecteur",
    }
}

/// A SCIM User as pulled from the server, read back as a directory account
/// (the inverse of [`user_body`]): what reconciliation uses when the
/// directory comes from the server rather than from an exported file.
/// `None` for a User without the ENT extension's profile or any name.
pub fn directory_account(body: &Value) -> Option<crate::formats::ent_directory::DirectoryAccount> {
    let ext = &body[ENT_USER];
    let profile_text = ext["profile"].as_str()?;
    let profile = Profile::ALL.into_iter().find(|p| profile_code(*p) == profile_text)?;
    let text = |v: &Value| v.as_str().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    let list =
        |v: &Value| -> Vec<String> { v.as_array().map(|a| a.iter().filter_map(&text).collect()).unwrap_or_default() };
    let last_name = text(&body["name"]["familyName"])?;
    let ent_id = text(&body["externalId"]).or_else(|| text(&body["id"]))?;
    Some(crate::formats::ent_directory::DirectoryAccount {
        ent_id,
        login: text(&body["userName"]),
        last_name,
        birth_name: None,
        first_name: text(&body["name"]["givenName"]).unwrap_or_default(),
        profile,
        birth_date: text(&ext["birthDate"]),
        classes: list(&ext["classes"]),
        establishments: list(&ext["establishments"]).into_iter().map(|u| u.to_uppercase()).collect(),
        ine: text(&ext["ine"]),
        children: list(&ext["children"]),
        email: body["emails"].as_array().and_then(|e| e.iter().find_map(|m| text(&m["value"]))),
    })
}

/// A local account as a SCIM User (empty values left out).
pub fn user_body(a: &Account) -> Value {
    let mut ext = Map::new();
    let strings = |v: &[String]| json!(v);
    ext.insert("establishments".into(), json!(a.establishments.iter().map(|u| u.to_string()).collect::<Vec<_>>()));
    ext.insert("profile".into(), json!(profile_code(a.profile)));
    if !a.classes.is_empty() {
        ext.insert("classes".into(), strings(&a.classes));
    }
    if !a.functions.is_empty() {
        let functions: Vec<Value> = a
            .functions
            .iter()
            .map(|f| match &f.discipline {
                Some(d) => json!({ "code": f.code, "discipline": d }),
                None => json!({ "code": f.code }),
            })
            .collect();
        ext.insert("functions".into(), Value::Array(functions));
    }
    if let Some(d) = &a.birth_date {
        ext.insert("birthDate".into(), json!(d));
    }
    if let Some(ine) = &a.ine {
        ext.insert("ine".into(), json!(ine));
    }
    if !a.children.is_empty() {
        ext.insert("children".into(), strings(&a.children));
    }
    let mut user = json!({
        "schemas": [CORE_USER, ENT_USER],
        "externalId": a.id,
        "userName": a.login,
        "name": { "familyName": a.usage_name, "givenName": a.given_names.join(" ") },
        "displayName": format!("{} {}", a.given_names.join(" "), a.usage_name).trim().to_string(),
        "active": true,
    });
    if let Some(e) = &a.email {
        user["emails"] = json!([{ "value": e, "type": "work", "primary": true }]);
    }
    user[ENT_USER] = Value::Object(ext);
    user
}

/// A local group as a SCIM Group, its members by the server's ids.
pub(super) fn group_body(g: &Group, uai: &str, members: &[&str]) -> Value {
    let mut group = json!({
        "schemas": [CORE_GROUP, ENT_GROUP],
        "externalId": g.id,
        "displayName": g.name,
    });
    if !members.is_empty() {
        group["members"] = Value::Array(members.iter().map(|id| json!({ "value": id })).collect());
    }
    group[ENT_GROUP] = json!({ "kind": g.kind.as_str(), "establishment": uai });
    group
}

fn filter_uai(path: &str, uai: &str) -> String {
    format!("{path} eq \"{}\"", uai.replace('"', ""))
}

/// The resources the server already holds for this establishment: `externalId` → id.
async fn present(client: &Client, endpoint: &str, filter: &str) -> Result<BTreeMap<String, String>, SyncError> {
    Ok(client
        .list_all(endpoint, Some(filter))
        .await?
        .iter()
        .filter_map(|r| Some((r.body["externalId"].as_str()?.to_string(), r.body["id"].as_str()?.to_string())))
        .collect())
}

/// The status of a Bulk result (a string per RFC 7644 §3.7.3, a number from some servers).
pub(super) fn bulk_status(op: &Value) -> Option<u16> {
    op["status"].as_str().and_then(|s| s.trim().parse::<u16>().ok()).or(op["status"].as_u64().map(|n| n as u16))
}

/// Each result of a Bulk answer by its `bulkId`, which must be one of
/// `sent`. A result that names no operation sent, or one named twice, makes
/// the whole answer unusable: nothing is taken as done on a guess.
pub(super) fn bulk_results<'a>(
    answer: &'a Value,
    sent: &[String],
    what: &str,
) -> Result<BTreeMap<String, &'a Value>, SyncError> {
    let bad = |message: String| SyncError::BadResponse { what: what.to_string(), message };
    let mut out = BTreeMap::new();
    for (k, op) in answer["Operations"].as_array().map(Vec::as_slice).unwrap_or(&[]).iter().enumerate() {
        let Some(id) = op["bulkId"].as_str() else {
            let target = op["location"].as_str().or(op["path"].as_str()).unwrap_or("?");
            return Err(bad(format!(
                "le résultat n° {} ({} {target}) ne porte pas de bulkId : impossible de savoir à quelle opération envoyée il répond ; rien n'est tenu pour fait",
                k + 1,
                op["method"].as_str().unwrap_or("?")
            )));
        };
        if !sent.iter().any(|s| s == id) {
            return Err(bad(format!(
                "le résultat n° {} répond à « {id} », qui n'a pas été envoyé ; rien n'est tenu pour fait",
                k + 1
            )));
        }
        if out.insert(id.to_string(), op).is_some() {
            return Err(bad(format!("deux résultats répondent à « {id} » ; rien n'est tenu pour fait")));
        }
    }
    Ok(out)
}

/// A resource `body` the server refused with `status`.
fn refused(resource: &str, body: &Value, status: u16, scim_type: Option<&str>, detail: &str) -> Refused {
    Refused {
        resource: resource.to_string(),
        external_id: body["externalId"].as_str().unwrap_or("").to_string(),
        name: body["userName"].as_str().or(body["displayName"].as_str()).unwrap_or("").to_string(),
        display_name: body["displayName"].as_str().or(body["userName"].as_str()).unwrap_or("").to_string(),
        status,
        scim_type: scim_type.map(str::to_string),
        detail: detail.to_string(),
        proposed_login: None,
    }
}

/// Creates `bodies` at `endpoint` (`/Users`), in Bulk requests when the
/// server offers Bulk, one by one otherwise. A resource the server refuses
/// is named and the others go on. Returns how many were created, and the refused.
async fn create_all(
    client: &Client,
    endpoint: &str,
    resource: &str,
    bodies: Vec<Value>,
) -> Result<(usize, Vec<Refused>), SyncError> {
    let mut created = 0;
    let mut refusals = Vec::new();
    let Some(max_ops) = client.caps.bulk else {
        for b in &bodies {
            match client.post(endpoint, b).await {
                Ok(_) => created += 1,
                // This resource refused (invalid, taken…): the others still go.
                Err(SyncError::Http { status, detail, .. }) if matches!(status, 400 | 409 | 413 | 422) => {
                    refusals.push(refused(resource, b, status, None, &detail))
                }
                Err(e) => return Err(e),
            }
        }
        return Ok((created, refusals));
    };
    // Under the payload limit with room for the envelope.
    let budget = client.caps.bulk_payload.saturating_sub(4096).max(64 * 1024);
    let mut batch: Vec<Value> = Vec::new();
    let mut size = 0;
    let mut pending: Vec<Vec<Value>> = Vec::new();
    for b in bodies {
        let len = b.to_string().len();
        if !batch.is_empty() && (batch.len() == max_ops || size + len > budget) {
            pending.push(std::mem::take(&mut batch));
            size = 0;
        }
        size += len;
        batch.push(b);
    }
    if !batch.is_empty() {
        pending.push(batch);
    }
    let what = format!("POST /Bulk ({endpoint})");
    for ops in pending {
        let ids: Vec<String> = (0..ops.len()).map(|k| format!("b{k}")).collect();
        let operations: Vec<Value> = ops
            .iter()
            .zip(&ids)
            .map(|(data, id)| json!({ "method": "POST", "path": endpoint, "bulkId": id, "data": data }))
            .collect();
        // No `failOnErrors`: the server goes through every operation (RFC
        // 7644 §3.7.3), so that one refused resource does not hold back the others.
        let request = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "Operations": operations,
        });
        let answer = client.post("/Bulk", &request).await?.body;
        let results = bulk_results(&answer, &ids, &what)?;
        for (data, id) in ops.iter().zip(&ids) {
            match results.get(id) {
                Some(op) => match bulk_status(op) {
                    Some(200..=299) => created += 1,
                    status => refusals.push(refused(
                        resource,
                        data,
                        status.unwrap_or(0),
                        op["response"]["scimType"].as_str(),
                        op["response"]["detail"].as_str().unwrap_or(""),
                    )),
                },
                None => {
                    refusals.push(refused(resource, data, 0, None, "le serveur n'a pas répondu pour cette ressource"))
                }
            }
        }
    }
    Ok((created, refusals))
}

/// A login by the ENT's convention (`prenom.nom`, then `prenom.nom1`,
/// `prenom.nom2`…) that neither the server nor `taken` holds.
async fn free_login(client: &Client, a: &Account, taken: &BTreeSet<String>) -> Result<Option<String>, SyncError> {
    use crate::demo::names::login_part;
    let given = login_part(a.given_names.first().map_or("", String::as_str));
    let name = login_part(&a.usage_name);
    let base = match (given.is_empty(), name.is_empty()) {
        (false, false) => format!("{given}.{name}"),
        (true, false) => name,
        (false, true) => given,
        (true, true) => return Ok(None),
    };
    for n in 0..100u32 {
        let candidate = if n == 0 { base.clone() } else { format!("{base}{n}") };
        if taken.contains(&candidate) {
            continue;
        }
        let filter = format!("userName eq \"{candidate}\"");
        if client.list_all("/Users", Some(&filter)).await?.is_empty() {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// Who else holds `login` on the server: the holder's `externalId` (else its
/// id), or `None` when the login is free or already `account`'s own.
pub async fn login_holder(client: &Client, login: &str, account: &str) -> Result<Option<String>, SyncError> {
    let escaped = login.trim().replace('\\', "\\\\").replace('"', "\\\"");
    let found = client.list_all("/Users", Some(&format!("userName eq \"{escaped}\""))).await?;
    Ok(found.iter().find_map(|u| {
        let id = u.body["externalId"].as_str().or(u.body["id"].as_str()).unwrap_or("?");
        (id != account).then(|| id.to_string())
    }))
}

/// Creates on the server every account and group of the local
/// establishment that it lacks (by `externalId`). Running it again creates
/// nothing. What the server refuses is named in [`Published::refused`]
/// (with a free login proposed when the login is taken); the rest is created.
pub async fn publish(client: &Client, data: &EstablishmentData) -> Result<Published, SyncError> {
    let uai = data.establishment.uai.to_string();
    let users_filter = filter_uai(&format!("{ENT_USER}:establishments"), &uai);
    let users_there = present(client, "/Users", &users_filter).await?;
    let ours: Vec<&Account> =
        data.accounts.iter().filter(|a| a.establishments.iter().any(|e| e.to_string() == uai)).collect();
    let missing_users: Vec<Value> =
        ours.iter().filter(|a| !users_there.contains_key(&a.id)).map(|a| user_body(a)).collect();
    let groups_there = present(client, "/Groups", &filter_uai(&format!("{ENT_GROUP}:establishment"), &uai)).await?;
    let present = users_there.len() + groups_there.len();
    let (users_created, mut refused) = create_all(client, "/Users", "User", missing_users).await?;
    // A login taken on the server (by another establishment's account, the
    // academy sharing one server): a free one by the convention is proposed.
    let logins: BTreeSet<String> = data.accounts.iter().map(|a| a.login.to_lowercase()).collect();
    for r in refused.iter_mut().filter(|r| r.status == 409 || r.scim_type.as_deref() == Some("uniqueness")) {
        if let Some(a) = ours.iter().find(|a| a.id == r.external_id) {
            r.proposed_login = free_login(client, a, &logins).await?;
        }
    }
    let missing_groups: Vec<&Group> = data.groups.iter().filter(|g| !groups_there.contains_key(&g.id)).collect();
    let mut groups_created = 0;
    if !missing_groups.is_empty() {
        // A new group comes with its members, by the ids the server gave the accounts.
        let ids = if users_created > 0 { self::present(client, "/Users", &users_filter).await? } else { users_there };
        let mut by_person: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for a in &ours {
            if let (Some(p), Some(id)) = (a.person_id.as_deref(), ids.get(&a.id)) {
                by_person.entry(p).or_default().push(id);
            }
        }
        let bodies: Vec<Value> = missing_groups
            .iter()
            .map(|g| {
                let members: BTreeSet<&str> =
                    g.members.iter().flat_map(|p| by_person.get(p.as_str()).into_iter().flatten().copied()).collect();
                group_body(g, &uai, &members.into_iter().collect::<Vec<_>>())
            })
            .collect();
        let (made, refused_groups) = create_all(client, "/Groups", "Group", bodies).await?;
        groups_created = made;
        refused.extend(refused_groups);
    }
    Ok(Published { users_created, groups_created, present, refused })
}

/// Where a pull stands: the kind of resource being received, how many of
/// them so far, and how many the server has.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PullProgress {
    pub resource: &'static str,
    pub done: usize,
    pub total: usize,
}

/// The server's users, groups and visibility rules of `uai`, with their
/// ETags, replace the store's snapshot in one transaction; `progress` hears
/// after each page.
pub async fn pull(
    client: &Client,
    store: &mut Store,
    uai: &str,
    actor: &str,
    progress: &mut dyn FnMut(PullProgress),
) -> Result<Pulled, SyncError> {
    let rows = |listed: Vec<super::client::Listed>, resource: &str| -> Vec<SnapshotRow> {
        listed
            .into_iter()
            .filter_map(|l| {
                Some(SnapshotRow {
                    resource: resource.to_string(),
                    id: l.body["id"].as_str()?.to_string(),
                    external_id: l.body["externalId"].as_str().map(str::to_string),
                    etag: l.etag,
                    body: l.body.to_string(),
                })
            })
            .collect()
    };
    let mut fetch = async |endpoint: &str, resource: &'static str, filter: String| {
        progress(PullProgress { resource, done: 0, total: 0 });
        let mut tell = |done, total| progress(PullProgress { resource, done, total });
        client.list_pages(endpoint, Some(&filter), &mut tell).await.map(|l| rows(l, resource))
    };
    let users = fetch("/Users", "User", filter_uai(&format!("{ENT_USER}:establishments"), uai)).await?;
    let groups = fetch("/Groups", "Group", filter_uai(&format!("{ENT_GROUP}:establishment"), uai)).await?;
    let rules = if client.caps.resource_types.iter().any(|t| t == "VisibilityRule") {
        fetch("/VisibilityRules", "VisibilityRule", filter_uai("establishment", uai)).await?
    } else {
        Vec::new()
    };
    let pulled = Pulled { users: users.len(), groups: groups.len(), visibility_rules: rules.len() };
    let all: Vec<SnapshotRow> = users.into_iter().chain(groups).chain(rules).collect();
    store.replace_snapshot(&all, client.url(), actor)?;
    // The server's eyes become the local ones, unless a change of eyes waits to go.
    let waiting = store.outbox()?.iter().any(|c| c.resource == "VisibilityRule");
    if !waiting {
        store.adopt_visibility(&server_matrix(store)?)?;
    }
    Ok(pulled)
}

/// The eyes as the server holds them (from the last pull, kept current by pushes).
pub fn server_matrix(store: &Store) -> Result<crate::visibility::Matrix, SyncError> {
    let mut m = crate::visibility::Matrix::default();
    for row in store.snapshot("VisibilityRule")? {
        let Ok(body) = serde_json::from_str::<Value>(&row.body) else { continue };
        let profile = body["profile"].as_str().and_then(crate::visibility::VProfile::parse);
        let node = body["node"].as_str().and_then(crate::visibility::node);
        if let (Some(p), Some(n), Some(v)) = (profile, node, body["visible"].as_bool()) {
            m.set(p, n, v);
        }
    }
    Ok(m)
}

/// The values `body` gives attributes outside their `canonicalValues` in
/// `schemas` (a `/Schemas` list), as `urn:attr = value`: what a server that
/// enforces canonical values (RFC 7643 §7) refuses. A core schema's attributes
/// sit at the top of the body, an extension's under its URN.
pub fn undeclared_values(schemas: &Value, body: &Value) -> Vec<String> {
    fn walk(attrs: &[Value], at: &Value, path: &str, out: &mut Vec<String>) {
        for a in attrs {
            let name = a["name"].as_str().unwrap_or("");
            let values: Vec<&Value> = match &at[name] {
                Value::Array(items) => items.iter().collect(),
                Value::Null => continue,
                v => vec![v],
            };
            for v in values {
                if let (Some(canon), Some(s)) = (a["canonicalValues"].as_array(), v.as_str()) {
                    if !canon.iter().any(|c| c.as_str().is_some_and(|c| c.eq_ignore_ascii_case(s))) {
                        out.push(format!("{path}{name} = {s}"));
                    }
                }
                if let Some(subs) = a["subAttributes"].as_array() {
                    walk(subs, v, &format!("{path}{name}."), out);
                }
            }
        }
    }
    let mut out = Vec::new();
    for id in body["schemas"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let Some(id) = id.as_str() else { continue };
        let Some(schema) = schemas.as_array().and_then(|s| s.iter().find(|s| s["id"] == id)) else { continue };
        let at = if body.get(id).is_some() { &body[id] } else { body };
        walk(schema["attributes"].as_array().map(Vec::as_slice).unwrap_or(&[]), at, &format!("{id}:"), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, GroupKind, Profile};

    const SCHEMAS: &str = include_str!("../../scim/schemas.json");

    /// Every value `body` gives outside the canonical values of the project's own
    /// schemas; each schema the body names must be one of them.
    fn undeclared(body: &Value) -> Vec<String> {
        let schemas: Value = serde_json::from_str(SCHEMAS).unwrap();
        for id in body["schemas"].as_array().unwrap() {
            assert!(schemas.as_array().unwrap().iter().any(|s| &s["id"] == id), "{id} is declared");
        }
        undeclared_values(&schemas, body)
    }

    fn account(profile: Profile) -> Account {
        Account {
            id: "a1".into(),
            login: "jean.dupont".into(),
            person_id: None,
            profile,
            usage_name: "DUPONT".into(),
            birth_name: "DUPONT".into(),
            given_names: vec!["Jean".into()],
            birth_date: Some("2010-01-02".into()),
            ine: None,
            email: Some("jean.dupont@example.fr".into()),
            classes: vec!["6A".into()],
            functions: Vec::new(),
            establishments: vec![crate::model::Uai::from_digits("0999001").unwrap()],
            children: Vec::new(),
        }
    }

    /// A server may hold canonical values as the only ones it accepts (RFC
    /// 7643 §7): whatever the client can send must be declared.
    #[test]
    fn every_value_the_client_sends_is_declared() {
        for kind in GroupKind::ALL {
            let g = Group { id: "g".into(), name: "G".into(), kind, divisions: Vec::new(), members: Vec::new() };
            let body = group_body(&g, "0999001W", &["u1"]);
            assert_eq!(undeclared(&body), Vec::<String>::new(), "group kind {kind:?}");
        }
        for profile in Profile::ALL {
            let body = user_body(&account(profile));
            assert_eq!(undeclared(&body), Vec::<String>::new(), "profile {profile:?}");
        }
        for p in crate::visibility::VProfile::ALL {
            let rule = json!({ "schemas": [super::super::VISIBILITY_RULE], "profile": p.code(), "node": "x", "visible": true });
            assert_eq!(undeclared(&rule), Vec::<String>::new(), "visibility profile {p:?}");
        }
        // The check itself sees an undeclared value.
        let mut body = group_body(
            &Group {
                id: "g".into(),
                name: "G".into(),
                kind: GroupKind::Libre,
                divisions: Vec::new(),
                members: Vec::new(),
            },
            "0999001W",
            &[],
        );
        body[ENT_GROUP]["kind"] = json!("atelier");
        assert_eq!(undeclared(&body).len(), 1);
    }

    #[test]
    fn bulk_results_are_matched_by_bulk_id_only() {
        let sent = vec!["b0".to_string(), "b1".to_string()];
        let ok = json!({ "Operations": [
            { "method": "POST", "bulkId": "b1", "status": "409" },
            { "method": "POST", "bulkId": "b0", "status": "201" },
        ]});
        let r = bulk_results(&ok, &sent, "POST /Bulk").unwrap();
        assert_eq!(bulk_status(r["b0"]), Some(201));
        assert_eq!(bulk_status(r["b1"]), Some(409));
        for bad in [
            json!({ "Operations": [{ "method": "POST", "status": "201", "location": "/Users/9" }] }),
            json!({ "Operations": [{ "method": "POST", "bulkId": "b7", "status": "201" }] }),
            json!({ "Operations": [{ "bulkId": "b0", "status": "201" }, { "bulkId": "b0", "status": "201" }] }),
        ] {
            let e = bulk_results(&bad, &sent, "POST /Bulk").unwrap_err();
            assert_eq!(crate::ErrorCode::code(&e), "SYNC_BAD_RESPONSE", "{bad}");
        }
    }
}
