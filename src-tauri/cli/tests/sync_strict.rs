//! `preau-cli sync …` against a stricter server than the peer (the peer
//! behind a proxy of ours, see `common::strict_server`) and with two
//! establishments on one server, as an academy's ENT holds them all.

mod common;

use std::path::Path;

use common::*;
use preau_core::model::Uai;
use serde_json::{json, Value};

fn store_of(d: &Path, uai: &str) -> preau_core::store::Store {
    preau_core::store::Store::open(d, &Uai::parse(uai).unwrap(), &preau_core::secrets::DbKey::from_hex(KEY).unwrap())
        .unwrap()
}

/// A demo collège `uai` in `d` whose server is `url`.
fn demo_of(d: &Path, uai: &str, seed: u32, url: &str) {
    let o = cli(d, TOKEN, &["demo", "--uai", uai, "--kind", "college", "--seed", &seed.to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = cli(d, TOKEN, &["sync", "configure", "--uai", uai, "--url", url]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

fn ours(d: &Path, uai: &str) -> (Vec<preau_core::model::Account>, usize) {
    let data = store_of(d, uai).load_population().unwrap().unwrap();
    let accounts =
        data.accounts.into_iter().filter(|a| a.establishments.iter().any(|e| e.to_string() == uai)).collect();
    (accounts, data.groups.len())
}

fn stdout_json(o: &std::process::Output) -> Value {
    serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim())
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
}

#[test]
fn groups_of_every_kind_reach_a_server_that_holds_canonical_values() {
    let peer = peer();
    let strict = strict_server(&peer.url, Strict::default());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_of(d, UAI, 5, &strict.url);
    let (accounts, groups) = ours(d, UAI);
    let data = open(d).load_population().unwrap().unwrap();
    assert!(
        data.groups.iter().any(|g| g.kind == preau_core::model::GroupKind::Enseignement),
        "teaching groups are sent"
    );
    let published = ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    assert_eq!(published["refused"], json!([]), "{published}");
    assert_eq!(
        (published["users_created"].as_u64(), published["groups_created"].as_u64()),
        (Some(accounts.len() as u64), Some(groups as u64))
    );
    assert_eq!(strict.invalid.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[test]
fn logins_taken_on_the_server_are_named_and_the_rest_is_published() {
    let peer = peer();
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let three = tempfile::tempdir().unwrap();

    // Two establishments of one academy: homonyms, never the same logins.
    demo_of(one.path(), UAI, 5, &peer.url);
    ok_json(&cli(one.path(), TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    let second = "0999002X";
    demo_of(two.path(), second, 6, &peer.url);
    let (accounts, _) = ours(two.path(), second);
    let published = ok_json(&cli(two.path(), TOKEN, &["sync", "publish", "--uai", second, "--json"]));
    assert_eq!(published["refused"], json!([]), "{published}");
    assert_eq!(published["users_created"].as_u64(), Some(accounts.len() as u64));

    // A third whose one login someone else holds already on the server.
    let third = "0999003Y";
    demo_of(three.path(), third, 7, &peer.url);
    let (accounts, groups) = ours(three.path(), third);
    let taken = &accounts[7];
    let squatter = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": taken.login,
        "externalId": "ailleurs-1",
    });
    assert_eq!(http(&peer, "POST", "/v2/Users", Some(&squatter)).0, 201);
    let o = cli(three.path(), TOKEN, &["sync", "publish", "--uai", third, "--json"]);
    assert_eq!(o.status.code(), Some(1), "partly published: {}", String::from_utf8_lossy(&o.stderr));
    let published = stdout_json(&o);
    let refused = published["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{published}");
    assert_eq!(refused[0]["external_id"], taken.id.as_str());
    assert_eq!(refused[0]["name"], taken.login.as_str());
    assert_eq!(refused[0]["status"], 409);
    // The rest went on: every other account and every group.
    assert_eq!(published["users_created"].as_u64(), Some(accounts.len() as u64 - 1));
    assert_eq!(published["groups_created"].as_u64(), Some(groups as u64));
    // A free login by the convention (prénom.nom, then a number), free on the server.
    let proposed = refused[0]["proposed_login"].as_str().expect("a login proposed");
    assert!(proposed.contains('.') && proposed != taken.login, "{proposed}");
    let (_, body) =
        http(&peer, "GET", &format!("/v2/Users?filter={}", url_encode(&format!("userName eq \"{proposed}\""))), None);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["totalResults"], 0, "{proposed} is free");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&taken.login) && err.contains(proposed) && err.contains("SYNC_REFUSED"), "{err}");
}

#[test]
fn a_member_add_whose_answer_was_lost_is_read_back_not_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let peer = start_peer_with(true, Some(&config_without_bulk(d, false, 200)));
    let strict = strict_server(&peer.url, Strict { lose_first_member_add: true, ..Strict::default() });
    demo_pointing_at(d, 3, &strict.url);
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));

    let data = open(d).load_population().unwrap().unwrap();
    let group = &data.groups[0];
    let joining = queue_twelve_joins(d, &data, group);
    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!((pushed["sent"].as_u64(), pushed["remaining"].as_u64()), (Some(12), Some(0)), "{pushed}");
    assert_eq!(strict.duplicates.load(std::sync::atomic::Ordering::SeqCst), 0, "no member added twice");

    // On the server, each joining account is a member once.
    let filter = url_encode(&format!("externalId eq \"{}\"", group.id));
    let (_, body) = http(&peer, "GET", &format!("/v2/Groups?filter={filter}"), None);
    let there = serde_json::from_str::<Value>(&body).unwrap()["Resources"][0].clone();
    let ids: Vec<&str> = there["members"].as_array().unwrap().iter().filter_map(|m| m["value"].as_str()).collect();
    let distinct: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), distinct.len());
    for a in &joining {
        let (_, body) =
            http(&peer, "GET", &format!("/v2/Users?filter={}", url_encode(&format!("externalId eq \"{a}\""))), None);
        let id = serde_json::from_str::<Value>(&body).unwrap()["Resources"][0]["id"].as_str().unwrap().to_string();
        assert!(distinct.contains(id.as_str()), "{a} joined");
    }
}

#[test]
fn a_member_add_sent_again_after_a_stale_version_is_read_back_not_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let peer = start_peer_with(true, Some(&config_without_bulk(d, true, 200)));
    let strict = strict_server(
        &peer.url,
        Strict { lose_first_member_add: true, versionless_after_stale: true, ..Strict::default() },
    );
    demo_pointing_at(d, 3, &strict.url);
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));

    let data = open(d).load_population().unwrap().unwrap();
    let group = &data.groups[0];
    // Someone else renames the group on the server: the version pulled is stale.
    let filter = url_encode(&format!("externalId eq \"{}\"", group.id));
    let (_, body) = http(&peer, "GET", &format!("/v2/Groups?filter={filter}"), None);
    let there = serde_json::from_str::<Value>(&body).unwrap()["Resources"][0].clone();
    let gid = there["id"].as_str().unwrap().to_string();
    let rename = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "path": "displayName", "value": "Renommé ailleurs" }],
    });
    let (status, _) = http(&peer, "PATCH", &format!("/v2/Groups/{gid}"), Some(&rename));
    assert!((200..300).contains(&status), "{status}");

    let joining = queue_twelve_joins(d, &data, group);
    // Refused as stale, judged (another attribute changed), sent again
    // without a version; that resend is applied and its answer lost.
    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(
        (pushed["sent"].as_u64(), pushed["remaining"].as_u64(), pushed["conflicts"].as_u64()),
        (Some(12), Some(0), Some(0)),
        "{pushed}"
    );
    assert_eq!(strict.duplicates.load(std::sync::atomic::Ordering::SeqCst), 0, "no member added twice");

    let (_, body) = http(&peer, "GET", &format!("/v2/Groups/{gid}"), None);
    let there = serde_json::from_str::<Value>(&body).unwrap();
    assert_eq!(there["displayName"], "Renommé ailleurs", "their change kept");
    let ids: Vec<&str> = there["members"].as_array().unwrap().iter().filter_map(|m| m["value"].as_str()).collect();
    for a in &joining {
        let (_, body) =
            http(&peer, "GET", &format!("/v2/Users?filter={}", url_encode(&format!("externalId eq \"{a}\""))), None);
        let id = serde_json::from_str::<Value>(&body).unwrap()["Resources"][0]["id"].as_str().unwrap().to_string();
        assert!(ids.contains(&id.as_str()), "{a} joined");
    }
}

#[test]
fn a_bulk_answer_without_bulk_ids_confirms_nothing() {
    let peer = peer();
    let fair = strict_server(&peer.url, Strict::default());
    let blind = strict_server(&peer.url, Strict { omit_bulk_ids: true, ..Strict::default() });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // A publish answered without bulkIds is an error naming it.
    demo_pointing_at(d, 9, &blind.url);
    let o = cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]);
    fails_with(&o, "SYNC_BAD_RESPONSE");
    assert!(String::from_utf8_lossy(&o.stderr).contains("bulkId"), "{}", String::from_utf8_lossy(&o.stderr));

    // Published and pulled through a server that answers by bulkId.
    assert_eq!(cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--url", &fair.url]).status.code(), Some(0));
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    let data = open(d).load_population().unwrap().unwrap();
    let targets: Vec<String> = data.accounts.iter().take(20).map(|a| a.id.clone()).collect();
    assert_eq!(queue_links(d, &targets, "Q"), 20);
    // PATCHes go in Bulk only as conditional writes: without ETags, one by one.
    if !peer.offers_or_skip("etag", "a_bulk_answer_without_bulk_ids…: the PATCHes in Bulk") {
        return;
    }

    // Pushed where the answers cannot be matched: nothing is confirmed.
    assert_eq!(cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--url", &blind.url]).status.code(), Some(0));
    let o = cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]);
    fails_with(&o, "SYNC_BAD_RESPONSE");
    assert_eq!(open(d).outbox().unwrap().len(), 20, "every change still waits");
    // Through the fair one, they all go (the conditional writes already applied are found there).
    assert_eq!(cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--url", &fair.url]).status.code(), Some(0));
    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(
        (pushed["sent"].as_u64(), pushed["remaining"].as_u64(), pushed["conflicts"].as_u64()),
        (Some(20), Some(0), Some(0)),
        "{pushed}"
    );
}

/// `preau-cli` with `input` on its standard input and no keychain reachable.
fn cli_with_input(d: &Path, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_preau-cli"))
        .arg("--data-dir")
        .arg(d)
        .args(args)
        .env("PREAU_DB_KEY", KEY)
        .env_remove("PREAU_SCIM_TOKEN")
        .env_remove("PREAU_DATA_DIR")
        // No Secret Service on this bus: the keychain cannot keep anything.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/preau-test-bus")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_token_never_travels_on_the_command_line_nor_in_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(cli(d, TOKEN, &["demo", "--uai", UAI, "--kind", "college", "--seed", "2"]).status.code(), Some(0));
    let configured =
        || store_of(d, UAI).audit_entries(1000).unwrap().iter().filter(|e| e.action == "SYNC_CONFIGURED").count();

    // A token given as an argument is refused: it would stay in `ps` and the shell's history.
    let o = cli(
        d,
        TOKEN,
        &["sync", "configure", "--uai", UAI, "--url", "https://ent.example.fr/v2", "--token", "jeton-en-clair"],
    );
    assert_eq!(o.status.code(), Some(2));
    // Credentials in the address: refused, never repeated, never journaled.
    let o = cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--url", "https://admin:s3cret@ent.example.fr/v2"]);
    fails_with(&o, "SYNC_BAD_URL");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("s3cret"));
    assert_eq!(store_of(d, UAI).sync_url().unwrap(), None);
    assert_eq!(configured(), 0);

    // The token read from standard input; no keychain to keep it: nothing saved.
    let o = cli_with_input(
        d,
        &["sync", "configure", "--uai", UAI, "--url", "https://ent.example.fr/v2", "--token"],
        "jeton-lu\n",
    );
    fails_with(&o, "SYNC_TOKEN_NOT_SAVED");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("jeton-lu"));
    assert_eq!(store_of(d, UAI).sync_url().unwrap(), None, "no address kept");
    assert_eq!(configured(), 0, "nothing journaled");
    // An empty answer saves nothing either.
    fails_with(
        &cli_with_input(d, &["sync", "configure", "--uai", UAI, "--url", "https://ent.example.fr/v2", "--token"], "\n"),
        "SYNC_TOKEN_READ",
    );
    assert_eq!(configured(), 0);
    // The address alone is kept.
    assert_eq!(
        cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--url", "https://ent.example.fr/v2"]).status.code(),
        Some(0)
    );
    assert_eq!(configured(), 1);
    let audit = store_of(d, UAI).audit_entries(1000).unwrap();
    assert!(audit.iter().all(|e| !e.detail.contains("s3cret") && !e.detail.contains("jeton")));
}

#[test]
fn without_bulk_a_taken_login_is_named_too_and_the_rest_is_published() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let peer = start_peer_with(true, Some(&config_without_bulk(d, true, 200)));
    demo_of(d, UAI, 4, &peer.url);
    let (accounts, groups) = ours(d, UAI);
    let taken = &accounts[3];
    let squatter = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": taken.login.to_uppercase(),
        "externalId": "ailleurs-2",
    });
    assert_eq!(http(&peer, "POST", "/v2/Users", Some(&squatter)).0, 201);
    let o = cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let published = stdout_json(&o);
    let refused = published["refused"].as_array().unwrap();
    assert_eq!((refused.len(), refused[0]["external_id"].as_str()), (1, Some(taken.id.as_str())), "{published}");
    assert!(refused[0]["proposed_login"].is_string(), "{published}");
    assert_eq!(published["users_created"].as_u64(), Some(accounts.len() as u64 - 1));
    assert_eq!(published["groups_created"].as_u64(), Some(groups as u64));
}

#[test]
fn a_change_the_server_refuses_is_named_and_the_others_are_sent() {
    let peer = peer();
    let strict = strict_server(&peer.url, Strict { refuse: Some("REFUSE-"), ..Strict::default() });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_pointing_at(d, 10, &strict.url);
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    let (accounts, _) = ours(d, UAI);
    // Several Bulk requests' worth; one change among them the server refuses.
    let fine: Vec<String> = accounts.iter().take(350).map(|a| a.id.clone()).collect();
    assert_eq!(queue_links(d, &fine[..10], "OKA-"), 10);
    assert_eq!(queue_links(d, &accounts[400..401].iter().map(|a| a.id.clone()).collect::<Vec<_>>(), "REFUSE-"), 1);
    assert_eq!(queue_links(d, &fine[10..], "OKB-"), 340);
    let o = cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]);
    fails_with(&o, "SYNC_REFUSED");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&accounts[400].id) && err.contains(&accounts[400].login), "named: {err}");
    // Only the refused one waits; every other reached the server.
    let waiting = open(d).outbox().unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].target, accounts[400].id);
    for a in [&fine[0], &fine[200], &fine[349]] {
        let (_, body) =
            http(&peer, "GET", &format!("/v2/Users?filter={}", url_encode(&format!("externalId eq \"{a}\""))), None);
        let user = serde_json::from_str::<Value>(&body).unwrap()["Resources"][0].clone();
        assert!(
            user[preau_core::sync::ENT_USER]["pronoteId"].as_str().is_some_and(|v| v.starts_with("OK")),
            "{a}: {user}"
        );
    }
}

#[test]
fn a_proposed_login_accepted_is_the_one_the_next_publish_sends() {
    let peer = peer();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_of(d, UAI, 8, &peer.url);
    let (accounts, _) = ours(d, UAI);
    let taken = &accounts[5];
    let squatter = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": taken.login,
        "externalId": "ailleurs-3",
    });
    assert_eq!(http(&peer, "POST", "/v2/Users", Some(&squatter)).0, 201);
    let o = cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let published = stdout_json(&o);
    let refused = &published["refused"][0];
    assert_eq!(refused["external_id"], taken.id.as_str(), "{published}");
    let name = format!("{} {}", taken.given_names.join(" "), taken.usage_name);
    assert_eq!(refused["display_name"], name.as_str(), "named as a person");
    let proposed = refused["proposed_login"].as_str().expect("a login proposed").to_string();
    let journaled = || {
        open(d).audit_entries(1000).unwrap().into_iter().filter(|e| e.action == "ACCOUNT_LOGIN_SET").collect::<Vec<_>>()
    };

    // Not a login, another account's login, an unknown account: refused, nothing written.
    let login = |account: &str, login: &str| {
        cli(d, TOKEN, &["sync", "login", "--uai", UAI, "--account", account, "--login", login, "--json"])
    };
    fails_with(&login(&taken.id, "jean dupont"), "ACCOUNT_LOGIN_INVALID");
    fails_with(&login(&taken.id, ""), "ACCOUNT_LOGIN_INVALID");
    fails_with(&login(&taken.id, &accounts[6].login.to_uppercase()), "ACCOUNT_LOGIN_TAKEN");
    // Free here, but held on the server by another establishment's account.
    let o = login(&taken.id, &taken.login);
    fails_with(&o, "ACCOUNT_LOGIN_TAKEN_ON_SERVER");
    assert!(String::from_utf8_lossy(&o.stderr).contains("ailleurs-3"), "the holder named");
    fails_with(&login("personne-inconnue", &proposed), "ACCOUNT_UNKNOWN");
    assert!(journaled().is_empty());
    let still = open(d).load_population().unwrap().unwrap();
    assert_eq!(still.accounts.iter().find(|a| a.id == taken.id).unwrap().login, taken.login);

    // The proposed login accepted: kept in the store and journaled.
    let changed = ok_json(&login(&taken.id, &proposed));
    assert_eq!(
        (changed["from"].as_str(), changed["to"].as_str()),
        (Some(taken.login.as_str()), Some(proposed.as_str()))
    );
    let now = open(d).load_population().unwrap().unwrap();
    assert_eq!(now.accounts.iter().find(|a| a.id == taken.id).unwrap().login, proposed);
    let entries = journaled();
    assert_eq!(entries.len(), 1);
    let detail: Value = serde_json::from_str(&entries[0].detail).unwrap();
    assert_eq!((detail["account"].as_str(), detail["to"].as_str()), (Some(taken.id.as_str()), Some(proposed.as_str())));
    assert_eq!(detail["name"], name.as_str());

    // The next publish creates the account with it; nothing else is created twice.
    let published = ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    assert_eq!(
        (published["users_created"].as_u64(), published["refused"].clone()),
        (Some(1), json!([])),
        "{published}"
    );
    let (_, body) = http(
        &peer,
        "GET",
        &format!("/v2/Users?filter={}", url_encode(&format!("externalId eq \"{}\"", taken.id))),
        None,
    );
    let there = serde_json::from_str::<Value>(&body).unwrap();
    assert_eq!(there["totalResults"], 1);
    assert_eq!(there["Resources"][0]["userName"], proposed.as_str());

    // Once on the server, its login is not changed from here (a publish would not send it).
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    fails_with(&login(&taken.id, "autre.identifiant"), "ACCOUNT_ON_SERVER");
    assert_eq!(journaled().len(), 1);
}

/// Queues twelve accounts not yet in `group` to join it; their ids.
fn queue_twelve_joins(
    d: &Path,
    data: &preau_core::model::EstablishmentData,
    group: &preau_core::model::Group,
) -> Vec<String> {
    let members: std::collections::BTreeSet<&str> = group.members.iter().map(String::as_str).collect();
    let joining: Vec<String> = data
        .accounts
        .iter()
        .filter(|a| a.person_id.as_deref().is_none_or(|p| !members.contains(p)))
        .take(12)
        .map(|a| a.id.clone())
        .collect();
    let changes: Vec<preau_core::store::MembershipChange> = joining
        .iter()
        .map(|a| preau_core::store::MembershipChange { group: group.id.clone(), account: a.clone(), join: true })
        .collect();
    assert_eq!(open(d).queue_memberships(&changes, "groupes", "test").unwrap(), 12);
    joining
}
