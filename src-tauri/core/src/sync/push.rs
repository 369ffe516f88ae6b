//! `push`: the outbox's changes sent to the server. The changes to one
//! resource travel as one PATCH with `If-Match`; the PATCHes go in Bulk
//! requests when the server offers Bulk and ETags, a few requests in flight.
//! A change leaves the outbox only once the server has confirmed it.
//!
//! A 412 is judged against the version the change was made over (the base):
//! already on the server (our own earlier send, its answer lost to a kill) →
//! done; the server changed other attributes only → sent again over its
//! version; the server changed the same attribute → a conflict for the user.
//! Killed at any moment, the next push starts again from what is queued.

use std::collections::HashMap;

use futures_util::future;
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

use super::client::{Client, Written};
use super::SyncError;
use crate::store::{Confirmed, OutboxChange, Store};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pushed {
    pub sent: usize,
    pub conflicts: usize,
    /// Changes whose resource (or member) the server does not have.
    pub missing: usize,
    /// Still waiting (conflicts included).
    pub remaining: usize,
    /// HTTP requests made to send the changes (a Bulk request counts once).
    pub requests: usize,
}

/// The most operations one PATCH carries; more changes to one resource go
/// in several PATCHes, one after the other.
const UNIT_OPS: usize = 500;
/// The operations one Bulk request carries at most, so that progress and
/// cancel come every few hundred changes (a larger PATCH goes alone).
const REQUEST_OPS: usize = 100;
/// Requests in flight at once.
const IN_FLIGHT: usize = 4;
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn endpoint(resource: &str) -> &'static str {
    match resource {
        "Group" => "/Groups",
        "VisibilityRule" => "/VisibilityRules",
        _ => "/Users",
    }
}

/// A resource as Préau last knew it on the server.
#[derive(Debug, Clone)]
struct Known {
    id: String,
    etag: Option<String>,
    body: Option<Value>,
}

impl Known {
    /// A resource as the server sent it back: its version from the header, else `meta.version`.
    fn sent_back(id: &str, listed: super::client::Listed) -> Known {
        let etag = listed.etag.clone().or_else(|| listed.body["meta"]["version"].as_str().map(str::to_string));
        Known { id: id.to_string(), etag, body: Some(listed.body) }
    }

    /// `changes` confirmed on this resource as it now stands.
    fn confirms(&self, resource: &str, changes: Vec<i64>) -> Confirmed {
        Confirmed {
            changes,
            resource: resource.to_string(),
            server_id: self.id.clone(),
            etag: self.etag.clone(),
            body: self.body.as_ref().map(Value::to_string),
        }
    }
}

/// `(resource, externalId)` → what Préau knows of it.
type Directory = HashMap<(String, String), Known>;

fn directory(store: &Store) -> Result<Directory, SyncError> {
    let mut map = Directory::new();
    for resource in ["User", "Group", "VisibilityRule"] {
        for row in store.snapshot(resource)? {
            let key = row.external_id.clone().unwrap_or_else(|| row.id.clone());
            let body = serde_json::from_str(&row.body).ok();
            map.insert((resource.to_string(), key), Known { id: row.id, etag: row.etag, body });
        }
    }
    Ok(map)
}

/// The resource Préau knows as `target` (its `externalId`): from the
/// snapshot, else asked of the server.
async fn locate(client: &Client, dir: &Directory, resource: &str, target: &str) -> Result<Option<Known>, SyncError> {
    if let Some(found) = dir.get(&(resource.to_string(), target.to_string())) {
        return Ok(Some(found.clone()));
    }
    let filter = format!("externalId eq \"{}\"", target.replace('"', ""));
    let found = client.list_all(endpoint(resource), Some(&filter)).await?;
    Ok(found
        .into_iter()
        .next()
        .and_then(|l| Some(Known { id: l.body["id"].as_str()?.to_string(), etag: l.etag, body: Some(l.body) })))
}

/// The members an operation names by `externalId` (as queued).
fn member_refs(ops: &[Value]) -> impl Iterator<Item = &str> {
    ops.iter()
        .filter(|op| op["path"] == "members")
        .flat_map(|op| op["value"].as_array().map(Vec::as_slice).unwrap_or(&[]))
        .filter_map(|m| m["externalId"].as_str())
}

/// The operations in the server's terms: members named by `externalId` get
/// the server's id. `None` when a member is unknown to the server.
fn server_ops(ops: &[Value], user_id: &dyn Fn(&str) -> Option<String>) -> Option<Vec<Value>> {
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let kind = op["op"].as_str().unwrap_or("").to_ascii_lowercase();
        let items = op["value"].as_array().filter(|_| op["path"] == "members");
        let Some(items) = items.filter(|items| items.iter().any(|m| m.get("externalId").is_some())) else {
            out.push(op.clone());
            continue;
        };
        let mut ids = Vec::with_capacity(items.len());
        for m in items {
            ids.push(match (m["value"].as_str(), m["externalId"].as_str()) {
                (Some(v), _) => v.to_string(),
                (None, Some(e)) => user_id(e)?,
                _ => return None,
            });
        }
        if kind == "remove" {
            for id in ids {
                out.push(json!({ "op": "remove", "path": format!("members[value eq \"{}\"]", id.replace('"', "")) }));
            }
        } else {
            let values: Vec<Value> = ids.iter().map(|id| json!({ "value": id })).collect();
            out.push(json!({ "op": kind, "path": "members", "value": values }));
        }
    }
    Some(out)
}

/// Whether `op` adds or removes values of a multi-valued attribute other
/// than `members` by naming them (an AESH's `follows`).
fn by_value(op: &Value) -> bool {
    let kind = op["op"].as_str().unwrap_or("").to_ascii_lowercase();
    (kind == "add" || kind == "remove") && op["path"].as_str().is_some_and(|p| p != "members") && op["value"].is_array()
}

/// `ops` with every [`by_value`] operation made one `replace` of the whole
/// list it leads to over `state` (the resource as the server has it, the
/// earlier operations applied), which then takes these operations too.
/// Servers disagree on a `remove` carrying a value (RFC 7644 §3.5.2.2 reads
/// the target from the path only: scim2-server refuses it, SCIMMY applies
/// it) and on a filter over plain strings (SCIMMY answers 204 and removes
/// nothing); a whole list means the same to every server, an `add` is never
/// doubled, and under `If-Match` a change made meanwhile on the server meets
/// a 412 judged like any other. The values stay as queued: `follows` names
/// pupils' accounts by `externalId`, as `children` does (the schema's words).
fn whole_lists(ops: Vec<Value>, state: &mut Value) -> Vec<Value> {
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let op = if by_value(&op) {
            let path = op["path"].as_str().unwrap_or("").to_string();
            let named = op["value"].as_array().cloned().unwrap_or_default();
            let mut list = at_path(state, &path).as_array().cloned().unwrap_or_default();
            if op["op"].as_str().is_some_and(|k| k.eq_ignore_ascii_case("add")) {
                for v in named {
                    if !list.contains(&v) {
                        list.push(v);
                    }
                }
            } else {
                list.retain(|v| !named.contains(v));
            }
            // An empty list is removed: a `replace` with `[]` unassigns, which some servers refuse.
            if list.is_empty() {
                json!({ "op": "remove", "path": path })
            } else {
                json!({ "op": "replace", "path": path, "value": list })
            }
        } else {
            op
        };
        *state = applied(state, std::slice::from_ref(&op));
        out.push(op);
    }
    out
}

/// What a change touches: one attribute, or one member's presence.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    Path(String),
    Member(String),
}

/// The members a removal path names: `members[value eq "a"]`, or `… or value eq "b"`.
fn member_filter(path: &str) -> Option<Vec<&str>> {
    let inner = path.strip_prefix("members[")?.strip_suffix(']')?;
    inner.split(" or ").map(|term| term.trim().strip_prefix("value eq \"")?.strip_suffix('"')).collect()
}

/// Each attribute (or membership) a change touches, with its value once the
/// change is applied; later operations win.
pub(super) fn effects(ops: &[Value]) -> Vec<(Key, Value)> {
    let mut out: Vec<(Key, Value)> = Vec::new();
    let mut set = |key: Key, value: Value| match out.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => out.push((key, value)),
    };
    for op in ops {
        let kind = op["op"].as_str().unwrap_or("").to_ascii_lowercase();
        let path = op["path"].as_str().unwrap_or("");
        if path == "members" {
            for m in op["value"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                // Queued changes name members by `externalId`, sent ones by the server's id.
                if let Some(id) = m["value"].as_str().or(m["externalId"].as_str()) {
                    set(Key::Member(id.to_string()), Value::Bool(kind != "remove"));
                }
            }
        } else if let Some(ids) = member_filter(path) {
            for id in ids {
                set(Key::Member(id.to_string()), Value::Bool(kind != "remove"));
            }
        } else if kind == "remove" {
            set(Key::Path(path.to_string()), Value::Null);
        } else {
            set(Key::Path(path.to_string()), op["value"].clone());
        }
    }
    out
}

/// The value at a PATCH path (`urn:…:User:pronoteId` or `displayName`) in a resource.
pub(super) fn at_path<'a>(resource: &'a Value, path: &str) -> &'a Value {
    match path.rsplit_once(':') {
        Some((urn, attr)) if urn.contains(':') => &resource[urn][attr],
        _ => &resource[path],
    }
}

pub(super) fn current(body: &Value, key: &Key) -> Value {
    match key {
        Key::Member(id) => {
            Value::Bool(body["members"].as_array().is_some_and(|ms| ms.iter().any(|m| m["value"].as_str() == Some(id))))
        }
        Key::Path(p) => at_path(body, p).clone(),
    }
}

/// `body` with `ops` applied, as the server stores it (for the snapshot
/// when the server answers 204 without the resource).
fn applied(body: &Value, ops: &[Value]) -> Value {
    let mut out = body.clone();
    for (key, value) in effects(ops) {
        match key {
            Key::Member(id) => {
                let mut members = out["members"].as_array().cloned().unwrap_or_default();
                members.retain(|m| m["value"].as_str() != Some(&id));
                if value == Value::Bool(true) {
                    members.push(json!({ "value": id }));
                }
                match out.as_object_mut() {
                    Some(o) if members.is_empty() => {
                        o.remove("members");
                    }
                    Some(o) => {
                        o.insert("members".into(), Value::Array(members));
                    }
                    None => {}
                }
            }
            Key::Path(p) => {
                let (holder, attr) = match p.rsplit_once(':') {
                    Some((urn, attr)) if urn.contains(':') => (Some(urn.to_string()), attr.to_string()),
                    _ => (None, p.clone()),
                };
                let target = match &holder {
                    Some(urn) => &mut out[urn.as_str()],
                    None => &mut out,
                };
                if value.is_null() {
                    if let Some(o) = target.as_object_mut() {
                        o.remove(&attr);
                    }
                } else {
                    target[attr.as_str()] = value;
                }
            }
        }
    }
    out
}

/// What to do with a change the server refused as stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// The server already has it.
    Applied,
    /// The server changed other things only: send it again over its version.
    Rebase,
    /// The server changed the same thing (or the base is unknown): the user decides.
    Conflict,
}

fn judge(ops: &[Value], base: Option<&Value>, theirs: &Value) -> Verdict {
    let effects = effects(ops);
    if effects.is_empty() {
        return Verdict::Conflict;
    }
    let pending: Vec<&(Key, Value)> = effects.iter().filter(|(k, v)| current(theirs, k) != *v).collect();
    if pending.is_empty() {
        return Verdict::Applied;
    }
    match base {
        Some(base) if pending.iter().all(|(k, _)| current(base, k) == current(theirs, k)) => Verdict::Rebase,
        _ => Verdict::Conflict,
    }
}

/// Creates the `VisibilityRule` known as `external_id` (`UAI|profile|node`)
/// with the visibility its queued changes end on.
async fn create_rule(client: &Client, external_id: &str, changes: &[OutboxChange]) -> Result<Option<Known>, SyncError> {
    let mut parts = external_id.splitn(3, '|');
    let (Some(uai), Some(profile), Some(node)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
    let mut visible = None;
    for c in changes {
        let body: Value = serde_json::from_str(&c.payload).unwrap_or(Value::Null);
        let ops = body["Operations"].as_array().cloned().unwrap_or_default();
        for (key, value) in effects(&ops) {
            if key == Key::Path("visible".into()) {
                visible = value.as_bool();
            }
        }
    }
    let Some(visible) = visible else { return Ok(None) };
    let body = json!({
        "schemas": [super::VISIBILITY_RULE],
        "externalId": external_id,
        "establishment": uai,
        "profile": profile,
        "node": node,
        "visible": visible,
    });
    let made = client.post("/VisibilityRules", &body).await?;
    let Some(id) = made.body["id"].as_str() else {
        return Err(SyncError::BadResponse {
            what: "POST /VisibilityRules".into(), message: "réponse sans id".into()
        });
    };
    let id = id.to_string();
    Ok(Some(Known::sent_back(&id, made)))
}

/// One queued change, its operations in the server's terms.
struct Change {
    id: i64,
    ops: Vec<Value>,
}

/// Changes to one resource, sent as one PATCH.
struct Unit {
    resource: String,
    target: String,
    at: Known,
    changes: Vec<Change>,
}

/// A PATCH carrying `ops` with the membership changes folded: one `add` of
/// every member that ends up in, one `remove` (a filter of `or`s) per
/// hundred that end up out. The server then does two operations where the
/// queue holds hundreds; the end state is the same (later operations win).
fn patch_of<'a>(ops: impl Iterator<Item = &'a Value>) -> Value {
    let ops: Vec<&Value> = ops.collect();
    let folding = |op: &Value| {
        let kind = op["op"].as_str().unwrap_or("").to_ascii_lowercase();
        let path = op["path"].as_str().unwrap_or("");
        (kind == "add" && path == "members") || (kind == "remove" && member_filter(path).is_some())
    };
    let replaces_members =
        ops.iter().any(|op| !folding(op) && op["path"].as_str().is_some_and(|p| p.starts_with("members")));
    if replaces_members {
        return json!({ "schemas": [PATCH_OP], "Operations": ops });
    }
    let mut out: Vec<Value> = Vec::with_capacity(3);
    let mut members: Vec<Value> = Vec::new();
    for op in &ops {
        if folding(op) {
            members.push((*op).clone());
        } else {
            out.push((*op).clone());
        }
    }
    let mut ins = Vec::new();
    let mut outs = Vec::new();
    for (key, present) in effects(&members) {
        if let Key::Member(id) = key {
            if present == Value::Bool(true) {
                ins.push(json!({ "value": id }));
            } else {
                outs.push(format!("value eq \"{}\"", id.replace('"', "")));
            }
        }
    }
    if !ins.is_empty() {
        out.push(json!({ "op": "add", "path": "members", "value": ins }));
    }
    for chunk in outs.chunks(100) {
        out.push(json!({ "op": "remove", "path": format!("members[{}]", chunk.join(" or ")) }));
    }
    json!({ "schemas": [PATCH_OP], "Operations": out })
}

impl Unit {
    fn path(&self) -> String {
        format!("{}/{}", endpoint(&self.resource), self.at.id)
    }

    fn ops(&self) -> impl Iterator<Item = &Value> {
        self.changes.iter().flat_map(|c| c.ops.iter())
    }

    fn ids(&self) -> Vec<i64> {
        self.changes.iter().map(|c| c.id).collect()
    }

    fn key(&self) -> (String, String) {
        (self.resource.clone(), self.target.clone())
    }
}

/// How one unit's PATCH ended.
enum Outcome {
    Done { etag: Option<String>, body: Option<Value> },
    Stale,
    Gone,
    Failed(SyncError),
}

/// Whether a PATCH adds members. Sent again after its answer was lost, it
/// would add them twice on a server that does not de-duplicate (RFC 7644
/// §3.5.2.1 only says it SHOULD).
fn adds_members(patch: &Value) -> bool {
    patch["Operations"].as_array().is_some_and(|ops| {
        ops.iter().any(|op| op["op"].as_str().is_some_and(|k| k.eq_ignore_ascii_case("add")) && op["path"] == "members")
    })
}

/// Whether a failed write may still have reached the server.
fn may_have_landed(e: &SyncError) -> bool {
    matches!(e, SyncError::Unreachable { .. } | SyncError::Http { status: 500 | 502 | 504, .. })
}

/// `ops` (a folded PATCH's operations) without the members `theirs` already has.
fn still_to_send(ops: &[Value], theirs: &Value) -> Vec<Value> {
    ops.iter()
        .filter_map(|op| {
            let adding = op["op"].as_str().is_some_and(|k| k.eq_ignore_ascii_case("add")) && op["path"] == "members";
            if !adding {
                return Some(op.clone());
            }
            let left: Vec<Value> = op["value"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .filter(|m| {
                    m["value"]
                        .as_str()
                        .is_none_or(|id| current(theirs, &Key::Member(id.to_string())) != Value::Bool(true))
                })
                .cloned()
                .collect();
            (!left.is_empty()).then(|| json!({ "op": "add", "path": "members", "value": left }))
        })
        .collect()
}

/// One unit's PATCH, sent by [`patch_safely`].
async fn patch_unit(client: &Client, u: &Unit) -> Result<Written, SyncError> {
    patch_safely(client, &u.path(), patch_of(u.ops()), u.at.etag.as_deref()).await
}

/// A PATCH to `path` over the version `etag`. With `If-Match` a repeat is
/// harmless (it meets a 412 judged against the base), and so is one that
/// adds no member. Otherwise a PATCH whose answer was lost is not sent
/// blindly again: the resource is read back and only the members it still
/// lacks are added.
async fn patch_safely(client: &Client, path: &str, mut body: Value, etag: Option<&str>) -> Result<Written, SyncError> {
    if (client.caps.etag && etag.is_some()) || !adds_members(&body) {
        return client.patch(path, &body, etag).await;
    }
    const TRIES: u32 = 6;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match client.patch_once(path, &body).await {
            Err(e) if attempt < TRIES && may_have_landed(&e) => {
                tokio::time::sleep(std::time::Duration::from_millis(250 * (1 << attempt.min(5)))).await;
                let theirs = client.get(path).await?;
                let ops = body["Operations"].as_array().cloned().unwrap_or_default();
                let left = still_to_send(&ops, &theirs.body);
                let etag = theirs.etag.clone().or_else(|| theirs.body["meta"]["version"].as_str().map(str::to_string));
                if effects(&left).iter().all(|(k, v)| current(&theirs.body, k) == *v) {
                    // Everything landed the first time.
                    return Ok(Written::Done { etag, body: Some(theirs.body) });
                }
                body = json!({ "schemas": [PATCH_OP], "Operations": left });
            }
            other => return other,
        }
    }
}

/// Sends the units `which` of `wave`: one PATCH, or one Bulk request.
async fn send(client: &Client, wave: &[Unit], which: Vec<usize>, bulk: bool) -> Vec<(usize, Outcome)> {
    if !bulk || which.len() == 1 {
        let mut out = Vec::with_capacity(which.len());
        for i in which {
            let u = &wave[i];
            let outcome = match patch_unit(client, u).await {
                Ok(Written::Done { etag, body }) => Outcome::Done { etag, body },
                Ok(Written::Stale) => Outcome::Stale,
                Err(SyncError::Http { status: 404, .. }) => Outcome::Gone,
                Err(e) => Outcome::Failed(e),
            };
            out.push((i, outcome));
        }
        return out;
    }
    let operations: Vec<Value> = which
        .iter()
        .map(|&i| {
            let u = &wave[i];
            let mut op =
                json!({ "method": "PATCH", "path": u.path(), "bulkId": format!("u{i}"), "data": patch_of(u.ops()) });
            if let Some(tag) = &u.at.etag {
                op["version"] = json!(tag);
            }
            op
        })
        .collect();
    let request = json!({ "schemas": [BULK_REQUEST], "Operations": operations });
    let answer = match client.bulk_conditional(&request).await {
        Ok(answer) => answer,
        // The others stay pending; the error stops the push.
        Err(e) => return vec![(which[0], Outcome::Failed(e))],
    };
    let ids: Vec<String> = which.iter().map(|i| format!("u{i}")).collect();
    // Results are matched by `bulkId` only: an answer that cannot be matched
    // to what was sent confirms nothing.
    let results = match super::publish::bulk_results(&answer, &ids, "POST /Bulk") {
        Ok(results) => results,
        Err(e) => return vec![(which[0], Outcome::Failed(e))],
    };
    let mut out = Vec::with_capacity(which.len());
    for (&i, bulk_id) in which.iter().zip(&ids) {
        let Some(r) = results.get(bulk_id) else {
            out.push((
                i,
                Outcome::Failed(SyncError::BadResponse {
                    what: "POST /Bulk".into(),
                    message: format!("aucune réponse pour l'opération {bulk_id} ({})", wave[i].path()),
                }),
            ));
            continue;
        };
        let status = super::publish::bulk_status(r);
        out.push((
            i,
            match status {
                Some(200..=299) => Outcome::Done {
                    etag: r["version"].as_str().map(str::to_string),
                    body: r["response"].get("id").is_some().then(|| r["response"].clone()),
                },
                Some(412) => Outcome::Stale,
                Some(404) => Outcome::Gone,
                other => Outcome::Failed(SyncError::Http {
                    status: other.unwrap_or(0),
                    what: format!("PATCH {} (Bulk)", wave[i].path()),
                    detail: r["response"]["detail"].as_str().unwrap_or("").to_string(),
                }),
            },
        ));
    }
    out
}

/// Packs a wave's units into requests: Bulk requests under the server's
/// limits, or one PATCH each.
fn pack(wave: &[Unit], client: &Client) -> (Vec<Vec<usize>>, bool) {
    let bulk = match client.caps.bulk {
        Some(max) if client.caps.etag => max,
        _ => return ((0..wave.len()).map(|i| vec![i]).collect(), false),
    };
    let budget = client.caps.bulk_payload.saturating_sub(4096).max(16 * 1024);
    let mut requests = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut size = 0;
    let mut ops = 0;
    for (i, u) in wave.iter().enumerate() {
        // Without a version a repeat is not harmless: such a unit goes alone,
        // as a PATCH that is read back when its answer is lost.
        if u.at.etag.is_none() {
            requests.push(vec![i]);
            continue;
        }
        let len = 200 + u.ops().map(|op| op.to_string().len() + 1).sum::<usize>();
        let n = u.ops().count();
        if !current.is_empty() && (current.len() == bulk || size + len > budget || ops + n > REQUEST_OPS) {
            requests.push(std::mem::take(&mut current));
            size = 0;
            ops = 0;
        }
        size += len;
        ops += n;
        current.push(i);
    }
    if !current.is_empty() {
        requests.push(current);
    }
    (requests, true)
}

/// A unit the server refused as stale: each change judged against the
/// server's version, then the ones to send again sent once more.
async fn settle_stale(
    client: &Client,
    store: &mut Store,
    u: &Unit,
    out: &mut Pushed,
    confirmed: &mut Vec<Confirmed>,
) -> Result<Option<Known>, SyncError> {
    let theirs = match client.get(&u.path()).await {
        Ok(theirs) => theirs,
        Err(SyncError::Http { status: 404, .. }) => {
            out.missing += u.changes.len();
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let mut now = Known {
        id: u.at.id.clone(),
        etag: theirs.etag.clone().or_else(|| theirs.body["meta"]["version"].as_str().map(str::to_string)),
        body: Some(theirs.body.clone()),
    };
    let base = u.at.body.as_ref();
    let theirs_text = theirs.body.to_string();
    let mut landed = Vec::new();
    let mut again: Vec<&Change> = Vec::new();
    for c in &u.changes {
        match judge(&c.ops, base, &theirs.body) {
            Verdict::Applied => landed.push(c.id),
            Verdict::Rebase => again.push(c),
            Verdict::Conflict => {
                store.outbox_conflict(c.id, &theirs_text, base.map(Value::to_string).as_deref())?;
                out.conflicts += 1;
            }
        }
    }
    if !landed.is_empty() {
        out.sent += landed.len();
        confirmed.push(Confirmed {
            changes: landed,
            resource: u.resource.clone(),
            server_id: now.id.clone(),
            etag: now.etag.clone(),
            body: Some(theirs_text.clone()),
        });
    }
    if again.is_empty() {
        return Ok(Some(now));
    }
    let ops: Vec<Value> = again.iter().flat_map(|c| c.ops.iter().cloned()).collect();
    out.requests += 1;
    // Without a version to send it over, the resend is made as safe as a
    // first send: a member add whose answer is lost is read back, not repeated.
    match patch_safely(client, &u.path(), patch_of(ops.iter()), now.etag.as_deref()).await? {
        Written::Done { etag, body } => {
            let body = body.unwrap_or_else(|| applied(&theirs.body, &ops));
            out.sent += again.len();
            confirmed.push(Confirmed {
                changes: again.iter().map(|c| c.id).collect(),
                resource: u.resource.clone(),
                server_id: now.id.clone(),
                etag: etag.clone(),
                body: Some(body.to_string()),
            });
            now = Known { id: now.id, etag, body: Some(body) };
        }
        Written::Stale => {
            // Changed again in between: the user decides.
            for c in again {
                store.outbox_conflict(c.id, &theirs_text, base.map(Value::to_string).as_deref())?;
                out.conflicts += 1;
            }
        }
    }
    Ok(Some(now))
}

/// Sends every pending change; `cancelled` is checked between requests,
/// `progress` hears (done, total) as changes are settled.
pub async fn push(
    client: &Client,
    store: &mut Store,
    actor: &str,
    cancelled: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Pushed, SyncError> {
    let mut out = Pushed::default();
    // Changes the server refused (invalid, taken…): named, left waiting; the others go on.
    let mut refused: Vec<String> = Vec::new();
    let mut dir = directory(store)?;
    let pending: Vec<OutboxChange> = store.outbox()?.into_iter().filter(|c| c.state == "pending").collect();
    let total = pending.len();
    let mut done = 0usize;
    progress(0, total);

    // The changes of each resource, in queue order.
    let mut order: Vec<(String, String)> = Vec::new();
    let mut per: HashMap<(String, String), Vec<OutboxChange>> = HashMap::new();
    for c in pending {
        let key = (c.resource.clone(), c.target.clone());
        if !per.contains_key(&key) {
            order.push(key.clone());
        }
        per.entry(key).or_default().push(c);
    }

    // Units, in waves: the n-th PATCH of every resource goes in wave n.
    let mut waves: Vec<Vec<Unit>> = Vec::new();
    for key in order {
        let mut changes = per.remove(&key).unwrap_or_default();
        let located = locate(client, &dir, &key.0, &key.1).await?;
        // A deletion settles every change queued before it for this resource.
        if changes.iter().any(|c| c.op == "delete") {
            let ids: Vec<i64> = changes.iter().map(|c| c.id).collect();
            let mut gone = true;
            if let Some(at) = &located {
                out.requests += 1;
                let path = format!("{}/{}", endpoint(&key.0), at.id);
                if client.delete(&path, at.etag.as_deref()).await? == Written::Stale {
                    // Changed on the server since: the user decides.
                    let theirs = client.get(&path).await?.body.to_string();
                    for c in changes.iter().filter(|c| c.op == "delete") {
                        store.outbox_conflict(c.id, &theirs, at.body.as_ref().map(Value::to_string).as_deref())?;
                        out.conflicts += 1;
                    }
                    gone = false;
                } else {
                    store.snapshot_forget(&key.0, &at.id)?;
                }
            }
            if gone {
                let confirmed = Confirmed {
                    changes: ids.clone(),
                    resource: key.0.clone(),
                    server_id: located.as_ref().map_or_else(String::new, |k| k.id.clone()),
                    etag: None,
                    body: None,
                };
                store.outbox_confirm(&[confirmed], actor)?;
                out.sent += ids.len();
                dir.remove(&key);
            }
            done += ids.len();
            progress(done, total);
            continue;
        }
        // A creation: made when the server lacks it (found by externalId after a crash).
        let mut located = located;
        if let Some(create) = changes.iter().rev().find(|c| c.op == "create").cloned() {
            let made = match located.take() {
                Some(there) => there,
                None => {
                    let body: Value = serde_json::from_str(&create.payload).map_err(|e| SyncError::BadResponse {
                        what: format!("modification {}", create.id),
                        message: e.to_string(),
                    })?;
                    out.requests += 1;
                    let made = match client.post(endpoint(&key.0), &body).await {
                        Ok(made) => made,
                        // A creation refused (a login taken meanwhile…) waits, named, with what follows it.
                        Err(SyncError::Http { status: status @ (400 | 409 | 413 | 422), detail, .. }) => {
                            let name = body["userName"].as_str().or(body["displayName"].as_str()).unwrap_or("");
                            let why = if detail.is_empty() { String::new() } else { format!(", {detail}") };
                            refused.push(format!("{} « {name} » ({}) : {status}{why}", key.0, key.1));
                            done += changes.len();
                            progress(done, total);
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    let Some(id) = made.body["id"].as_str() else {
                        return Err(SyncError::BadResponse {
                            what: format!("POST {}", endpoint(&key.0)),
                            message: "réponse sans id".into(),
                        });
                    };
                    let id = id.to_string();
                    Known::sent_back(&id, made)
                }
            };
            let creates: Vec<i64> = changes.iter().filter(|c| c.op == "create").map(|c| c.id).collect();
            store.outbox_confirm(&[made.confirms(&key.0, creates.clone())], actor)?;
            out.sent += creates.len();
            done += creates.len();
            changes.retain(|c| c.op != "create");
            dir.insert(key.clone(), made.clone());
            located = Some(made);
            progress(done, total);
            if changes.is_empty() {
                continue;
            }
        }
        let Some(at) = located else {
            // A visibility rule the server does not hold yet is created, with
            // the end state of its changes (found by externalId after a crash).
            if key.0 == "VisibilityRule" {
                if let Some(made) = create_rule(client, &key.1, &changes).await? {
                    out.requests += 1;
                    out.sent += changes.len();
                    done += changes.len();
                    store.outbox_confirm(&[made.confirms(&key.0, changes.iter().map(|c| c.id).collect())], actor)?;
                    dir.insert(key, made);
                    progress(done, total);
                    continue;
                }
            }
            out.missing += changes.len();
            done += changes.len();
            continue;
        };
        let mut at = at;
        let mut bodies = Vec::with_capacity(changes.len());
        for c in changes {
            let body: Value = serde_json::from_str(&c.payload).map_err(|e| SyncError::BadResponse {
                what: format!("modification {}", c.id),
                message: e.to_string(),
            })?;
            bodies.push((c.id, body));
        }
        // A list sent whole is computed over the server's version: read when not known.
        let whole = bodies.iter().any(|(_, b)| b["Operations"].as_array().is_some_and(|ops| ops.iter().any(by_value)));
        if whole && at.body.is_none() {
            out.requests += 1;
            at = Known::sent_back(&at.id, client.get(&format!("{}/{}", endpoint(&key.0), at.id)).await?);
        }
        let mut state = at.body.clone().unwrap_or(Value::Null);
        dir.insert(key.clone(), at.clone());
        let mut queued = Vec::with_capacity(bodies.len());
        for (id, body) in bodies {
            let ops = body["Operations"].as_array().cloned().unwrap_or_default();
            let ops = if whole { whole_lists(ops, &mut state) } else { ops };
            for ext in member_refs(&ops) {
                let k = ("User".to_string(), ext.to_string());
                if !dir.contains_key(&k) {
                    if let Some(user) = locate(client, &dir, "User", ext).await? {
                        dir.insert(k, user);
                    }
                }
            }
            let user_id = |e: &str| dir.get(&("User".to_string(), e.to_string())).map(|k| k.id.clone());
            match server_ops(&ops, &user_id) {
                Some(ops) if !ops.is_empty() => queued.push(Change { id, ops }),
                _ => {
                    out.missing += 1;
                    done += 1;
                }
            }
        }
        let mut units: Vec<Vec<Change>> = vec![Vec::new()];
        let mut size = 0;
        for c in queued {
            if size + c.ops.len() > UNIT_OPS && units.last().is_some_and(|u| !u.is_empty()) {
                units.push(Vec::new());
                size = 0;
            }
            size += c.ops.len();
            if let Some(last) = units.last_mut() {
                last.push(c);
            }
        }
        for (n, changes) in units.into_iter().filter(|u| !u.is_empty()).enumerate() {
            if waves.len() <= n {
                waves.push(Vec::new());
            }
            waves[n].push(Unit { resource: key.0.clone(), target: key.1.clone(), at: at.clone(), changes });
        }
    }
    progress(done, total);

    let mut failure = None;
    for mut wave in waves {
        if cancelled() {
            break;
        }
        // A resource's later PATCH goes over the version its earlier one made.
        for u in &mut wave {
            if let Some(k) = dir.get(&u.key()) {
                u.at = k.clone();
            }
        }
        let (requests, bulk) = pack(&wave, client);
        let wave = &wave;
        let made = std::cell::Cell::new(0usize);
        let mut answers = stream::iter(requests)
            .take_while(|_| future::ready(!cancelled()))
            .map(|which| {
                made.set(made.get() + 1);
                send(client, wave, which, bulk)
            })
            .buffer_unordered(IN_FLIGHT);
        // What each answer carries is confirmed as it comes.
        while let Some(outcomes) = answers.next().await {
            let mut confirmed = Vec::new();
            for (i, outcome) in outcomes {
                let u = &wave[i];
                let n = u.changes.len();
                match outcome {
                    Outcome::Done { etag, body } => {
                        let ops: Vec<Value> = u.ops().cloned().collect();
                        let body = body.or_else(|| u.at.body.as_ref().map(|b| applied(b, &ops)));
                        confirmed.push(Confirmed {
                            changes: u.ids(),
                            resource: u.resource.clone(),
                            server_id: u.at.id.clone(),
                            etag: etag.clone(),
                            body: body.as_ref().map(Value::to_string),
                        });
                        dir.insert(u.key(), Known { id: u.at.id.clone(), etag, body });
                        out.sent += n;
                    }
                    Outcome::Stale => {
                        if let Some(now) = settle_stale(client, store, u, &mut out, &mut confirmed).await? {
                            dir.insert(u.key(), now);
                        }
                    }
                    Outcome::Gone => out.missing += n,
                    Outcome::Failed(SyncError::Http { status: status @ (400 | 409 | 413 | 422), detail, .. }) => {
                        let name =
                            u.at.body.as_ref().and_then(|b| b["userName"].as_str().or(b["displayName"].as_str()));
                        let what = match name {
                            Some(name) => format!("{} « {name} » ({})", u.resource, u.target),
                            None => format!("{} {}", u.resource, u.target),
                        };
                        refused.push(if detail.is_empty() {
                            format!("{what} : {status}")
                        } else {
                            format!("{what} : {status}, {detail}")
                        });
                        continue;
                    }
                    Outcome::Failed(e) => {
                        failure.get_or_insert(e);
                        continue;
                    }
                }
                done += n;
            }
            store.outbox_confirm(&confirmed, actor)?;
            progress(done, total);
            if failure.is_some() {
                break;
            }
        }
        drop(answers);
        out.requests += made.get();
        if failure.is_some() {
            break;
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if !refused.is_empty() {
        return Err(SyncError::Refused { count: refused.len(), list: refused.join(" ; ") });
    }
    out.remaining = store.outbox_len()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{applied, judge, server_ops, whole_lists, Verdict};
    use serde_json::json;

    const PRONOTE: &str = "urn:preau:scim:schemas:extension:ent:1.0:User:pronoteId";

    fn set(v: &str) -> Vec<serde_json::Value> {
        vec![json!({ "op": "replace", "path": PRONOTE, "value": v })]
    }

    #[test]
    fn a_stale_change_is_judged_against_its_base() {
        let with = |v: &str, name: &str| json!({ "displayName": name, "urn:preau:scim:schemas:extension:ent:1.0:User": { "pronoteId": v } });
        let base = with("P0", "A");
        // Already there: our own send landed.
        assert_eq!(judge(&set("P1"), Some(&base), &with("P1", "B")), Verdict::Applied);
        // They changed another attribute only.
        assert_eq!(judge(&set("P1"), Some(&base), &with("P0", "B")), Verdict::Rebase);
        // They changed the same one.
        assert_eq!(judge(&set("P1"), Some(&base), &with("P2", "A")), Verdict::Conflict);
        // Without a base, nothing is assumed.
        assert_eq!(judge(&set("P1"), None, &with("P0", "B")), Verdict::Conflict);
        let remove = vec![json!({ "op": "remove", "path": PRONOTE })];
        assert_eq!(judge(&remove, Some(&base), &json!({ "displayName": "A" })), Verdict::Applied);
        assert_eq!(judge(&[], Some(&base), &base), Verdict::Conflict);
    }

    #[test]
    fn membership_changes_are_folded_into_two_operations() {
        let add = |id: &str| json!({ "op": "add", "path": "members", "value": [{ "value": id }] });
        let remove = |id: &str| json!({ "op": "remove", "path": format!("members[value eq \"{id}\"]") });
        let name = json!({ "op": "replace", "path": "displayName", "value": "6A" });
        let ops = vec![add("a"), add("b"), remove("c"), name.clone(), add("c"), remove("a"), remove("d")];
        let folded = super::patch_of(ops.iter());
        assert_eq!(
            folded["Operations"],
            json!([
                name,
                { "op": "add", "path": "members", "value": [{ "value": "b" }, { "value": "c" }] },
                { "op": "remove", "path": "members[value eq \"a\" or value eq \"d\"]" },
            ])
        );
        // The same end state, whichever way it is sent.
        let group = json!({ "members": [{ "value": "a" }, { "value": "d" }, { "value": "e" }] });
        let folded_ops = folded["Operations"].as_array().unwrap();
        assert_eq!(super::judge(&ops, Some(&group), &applied(&group, folded_ops)), Verdict::Applied);
        assert_eq!(
            applied(&group, folded_ops)["members"],
            json!([{ "value": "e" }, { "value": "b" }, { "value": "c" }])
        );
    }

    #[test]
    fn memberships_go_by_server_id_and_apply_like_the_server() {
        let ops = vec![
            json!({ "op": "add", "path": "members", "value": [{ "externalId": "E1" }, { "externalId": "E2" }] }),
            json!({ "op": "remove", "path": "members", "value": [{ "externalId": "E3" }] }),
        ];
        let ids = |e: &str| (e != "E9").then(|| format!("id-{e}"));
        let sent = server_ops(&ops, &ids).unwrap();
        assert_eq!(sent[0]["value"], json!([{ "value": "id-E1" }, { "value": "id-E2" }]));
        assert_eq!(sent[1], json!({ "op": "remove", "path": "members[value eq \"id-E3\"]" }));
        let unknown = vec![json!({ "op": "add", "path": "members", "value": [{ "externalId": "E9" }] })];
        assert!(server_ops(&unknown, &ids).is_none());

        let group = json!({ "displayName": "6A", "members": [{ "value": "id-E3" }, { "value": "id-E4" }] });
        let after = applied(&group, &sent);
        assert_eq!(after["members"], json!([{ "value": "id-E4" }, { "value": "id-E1" }, { "value": "id-E2" }]));
        assert_eq!(judge(&sent, Some(&group), &after), Verdict::Applied);
        // Someone else added a member meanwhile: ours go again over it.
        let theirs = json!({ "members": [{ "value": "id-E3" }, { "value": "id-E4" }, { "value": "id-X" }] });
        assert_eq!(judge(&sent, Some(&group), &theirs), Verdict::Rebase);
        // Someone else made the same changes already.
        let same = json!({ "members": [{ "value": "id-E4" }, { "value": "id-E1" }, { "value": "id-E2" }] });
        assert_eq!(judge(&sent, Some(&group), &same), Verdict::Applied);
        let emptied = applied(&json!({ "members": [{ "value": "id-E3" }] }), &sent[1..]);
        assert!(emptied.get("members").is_none(), "an empty member list is left out, as the server does");
        let set = applied(&json!({}), &[json!({ "op": "replace", "path": PRONOTE, "value": "P" })]);
        assert_eq!(set["urn:preau:scim:schemas:extension:ent:1.0:User"]["pronoteId"], "P");
    }

    #[test]
    fn lists_named_by_value_go_whole_over_the_servers_version() {
        const FOLLOWS: &str = "urn:preau:scim:schemas:extension:ent:1.0:User:follows";
        let user =
            json!({ "userName": "a", "urn:preau:scim:schemas:extension:ent:1.0:User": { "follows": ["E1", "E2"] } });
        let ops = vec![
            json!({ "op": "add", "path": FOLLOWS, "value": ["E2", "E3"] }),
            json!({ "op": "remove", "path": FOLLOWS, "value": ["E1"] }),
            json!({ "op": "replace", "path": "active", "value": false }),
        ];
        let mut state = user.clone();
        let sent = whole_lists(ops, &mut state);
        assert_eq!(sent[0], json!({ "op": "replace", "path": FOLLOWS, "value": ["E1", "E2", "E3"] }), "never doubled");
        assert_eq!(sent[1], json!({ "op": "replace", "path": FOLLOWS, "value": ["E2", "E3"] }));
        assert_eq!(sent[2]["path"], "active");
        assert_eq!(state["active"], false);
        // The last one taken away: the attribute removed, never `[]`.
        let mut state = user.clone();
        let emptied = whole_lists(vec![json!({ "op": "remove", "path": FOLLOWS, "value": ["E1", "E2"] })], &mut state);
        assert_eq!(emptied, vec![json!({ "op": "remove", "path": FOLLOWS })]);
        // A 412 over a server that changed the list meanwhile is the user's to decide.
        let theirs = json!({ "urn:preau:scim:schemas:extension:ent:1.0:User": { "follows": ["E1", "E2", "E9"] } });
        assert_eq!(judge(&sent, Some(&user), &theirs), Verdict::Conflict);
        assert_eq!(judge(&sent, Some(&user), &applied(&user, &sent)), Verdict::Applied);
    }
}
