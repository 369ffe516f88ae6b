//! `preau-cli sync …` against the real SCIM peer (scim2-server from the
//! project's venv, or SCIMMY's with `PREAU_SCIM_SERVER`, with the project's schema files) on
//! 127.0.0.1.

mod common;

use common::*;

#[test]
fn publish_seeds_the_server_once_then_pull_reads_it_back() {
    let peer = peer();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(cli(d, TOKEN, &["demo", "--uai", UAI, "--kind", "college", "--seed", "5"]).status.code(), Some(0));
    fails_with(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]), "SYNC_NOT_CONFIGURED");
    fails_with(
        &cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--url", "http://ent.example.fr/v2"]),
        "SYNC_BAD_URL",
    );
    let o = cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--url", &peer.url]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));

    let test = ok_json(&cli(d, TOKEN, &["sync", "test", "--uai", UAI, "--json"]));
    let etag = peer.offers_or_skip("etag", "publish_seeds…: the ETags and conflicts part");
    assert_eq!(test["capabilities"]["etag"], etag);
    assert!(test["capabilities"]["bulk"].as_u64().unwrap_or(0) > 0, "{test}");
    fails_with(&cli(d, "mauvais-jeton", &["sync", "test", "--uai", UAI]), "SYNC_UNAUTHORIZED");

    // The store's own accounts and groups, as the server must end up with them.
    let store = open(d);
    let data = store.load_population().unwrap().unwrap();
    let accounts = data.accounts.iter().filter(|a| a.establishments.iter().any(|e| e.to_string() == UAI)).count();
    let groups = data.groups.len();
    drop(store);
    assert!(accounts > 100 && groups > 0, "{accounts} accounts, {groups} groups");

    let first = ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    assert_eq!(
        (first["users_created"].as_u64(), first["groups_created"].as_u64()),
        (Some(accounts as u64), Some(groups as u64))
    );
    assert_eq!(first["present"], 0);
    // Idempotent: a second run finds everything by externalId.
    let again = ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    assert_eq!((again["users_created"].as_u64(), again["groups_created"].as_u64()), (Some(0), Some(0)));
    assert_eq!(again["present"].as_u64(), Some((accounts + groups) as u64));

    let pulled = ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    assert_eq!((pulled["users"].as_u64(), pulled["groups"].as_u64()), (Some(accounts as u64), Some(groups as u64)));
    let status = ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]));
    assert_eq!(status["server"], peer.url.as_str());
    assert_eq!(status["pending"], 0);
    assert_eq!(status["last"]["result"], "ok");
    assert_eq!(status["last"]["pulled"].as_u64(), Some((accounts + groups) as u64));

    // What was pulled is the local accounts, with their ETags, ENT extension included.
    let store = open(d);
    let users = store.snapshot("User").unwrap();
    let local = &data.accounts[0];
    let row = users.iter().find(|u| u.external_id.as_deref() == Some(local.id.as_str())).expect("the first account");
    assert_eq!(row.etag.is_some(), etag);
    let body: serde_json::Value = serde_json::from_str(&row.body).unwrap();
    assert_eq!(body["userName"], local.login.as_str());
    assert_eq!(body[preau_core::sync::ENT_USER]["establishments"][0], UAI);
    assert!(store.audit_verify().unwrap().ok);
    drop(store);

    // Links applied in Préau wait in the outbox, then go as PATCHes with If-Match.
    let targets: Vec<String> = data.accounts.iter().take(3).map(|a| a.id.clone()).collect();
    assert_eq!(queue_links(d, &targets, "PRN"), 3);
    assert_eq!(ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]))["pending"], 3);
    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(
        (pushed["sent"].as_u64(), pushed["conflicts"].as_u64(), pushed["remaining"].as_u64()),
        (Some(3), Some(0), Some(0))
    );
    let server_user = |ext: &str| -> serde_json::Value {
        let path = format!("/v2/Users?filter={}", url_encode(&format!("externalId eq \"{ext}\"")));
        let (status, body) = http(&peer, "GET", &path, None);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["Resources"][0].clone()
    };
    assert_eq!(server_user(&targets[0])[preau_core::sync::ENT_USER]["pronoteId"], "PRN0");
    assert_eq!(server_user(&targets[2])[preau_core::sync::ENT_USER]["pronoteId"], "PRN2");

    // Without ETags a concurrent change cannot be seen: the last write wins (RFC 7644 §3.14).
    if etag {
        // Someone else changes another attribute of the first account: Préau's
        // next change to it meets a 412, is judged against its base, and goes
        // again over their version — their change is kept beside mine.
        let theirs = server_user(&targets[0]);
        let path = format!("/v2/Users/{}", theirs["id"].as_str().unwrap());
        let patch = |path: &str, value: &str| {
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "replace", "path": path, "value": value }],
            })
        };
        assert!(matches!(http(&peer, "PATCH", &path, Some(&patch("displayName", "Changé ailleurs"))).0, 200 | 204));
        queue_links(d, &targets[..1], "PRN8-");
        let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
        assert_eq!((pushed["sent"].as_u64(), pushed["conflicts"].as_u64()), (Some(1), Some(0)), "{pushed}");
        let after = server_user(&targets[0]);
        assert_eq!(after[preau_core::sync::ENT_USER]["pronoteId"], "PRN8-0");
        assert_eq!(after["displayName"], "Changé ailleurs");

        // Someone else sets the same attribute: a real conflict, kept with the
        // base, mine and theirs.
        let pronote = format!("{}:pronoteId", preau_core::sync::ENT_USER);
        assert!(matches!(http(&peer, "PATCH", &path, Some(&patch(&pronote, "AILLEURS"))).0, 200 | 204));
        queue_links(d, &targets[..1], "PRN9-");
        let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
        assert_eq!((pushed["sent"].as_u64(), pushed["conflicts"].as_u64()), (Some(0), Some(1)), "{pushed}");
        let status = ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]));
        assert_eq!((status["pending"].as_u64(), status["conflicts"].as_u64()), (Some(0), Some(1)));
        let store = open(d);
        let conflict = store.outbox().unwrap().into_iter().find(|c| c.state == "conflict").unwrap();
        let view = preau_core::sync::conflict_view(&conflict).unwrap();
        let row = view.rows.iter().find(|r| r.path == pronote).unwrap();
        assert_eq!(
            (row.base.as_str(), row.mine.as_str(), row.theirs.as_str()),
            (Some("PRN8-0"), Some("PRN9-0"), Some("AILLEURS"))
        );
        assert!(row.clash);
        drop(store);

        // Keeping mine sends it over theirs.
        let id = conflict.id.to_string();
        let o = cli(d, TOKEN, &["sync", "resolve", "--uai", UAI, "--conflict", &id, "--keep", "mine"]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
        assert_eq!((pushed["sent"].as_u64(), pushed["remaining"].as_u64()), (Some(1), Some(0)), "{pushed}");
        assert_eq!(server_user(&targets[0])[preau_core::sync::ENT_USER]["pronoteId"], "PRN9-0");

        // Merging sends the value the user composed; taking theirs drops mine.
        for (keep, value, expected) in [("merge", "FUSION", "FUSION"), ("theirs", "", "AILLEURS-2")] {
            let theirs_value = if keep == "merge" { "AILLEURS-1" } else { "AILLEURS-2" };
            assert!(matches!(http(&peer, "PATCH", &path, Some(&patch(&pronote, theirs_value))).0, 200 | 204));
            queue_links(d, &targets[..1], &format!("PRN-{keep}-"));
            let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
            assert_eq!(pushed["conflicts"].as_u64(), Some(1), "{pushed}");
            let id = open(d).outbox().unwrap().into_iter().find(|c| c.state == "conflict").unwrap().id.to_string();
            let set = format!("{pronote}={value}");
            let mut args = vec!["sync", "resolve", "--uai", UAI, "--conflict", &id, "--keep", keep];
            if keep == "merge" {
                args.extend(["--set", &set]);
            }
            let o = cli(d, TOKEN, &args);
            assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
            let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
            assert_eq!(pushed["remaining"].as_u64(), Some(0), "{pushed}");
            assert_eq!(server_user(&targets[0])[preau_core::sync::ENT_USER]["pronoteId"], expected, "{keep}");
        }
        // An unknown conflict is named as such.
        fails_with(
            &cli(d, TOKEN, &["sync", "resolve", "--uai", UAI, "--conflict", "999", "--keep", "merge"]),
            "SYNC_NO_CONFLICT",
        );
        assert!(open(d).audit_verify().unwrap().ok);
    }

    // Unreachable: nobody listens there.
    let closed = format!("http://127.0.0.1:{}/v2", free_port());
    assert_eq!(cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--url", &closed]).status.code(), Some(0));
    fails_with(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI]), "SYNC_UNREACHABLE");
}

#[test]
fn a_server_without_the_ent_extension_is_named_as_such() {
    let plain = start_peer(false);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_pointing_at(d, 2, &plain.url);
    let o = cli(d, TOKEN, &["sync", "test", "--uai", UAI]);
    fails_with(&o, "SYNC_SCHEMA_MISSING");
    assert!(String::from_utf8_lossy(&o.stderr).contains("urn:preau:scim:schemas:extension:ent:1.0:User"));
    // Nothing is written for a server Préau cannot use.
    fails_with(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI]), "SYNC_SCHEMA_MISSING");
    assert!(open(d).last_sync().unwrap().is_none());
}

/// A TLS endpoint on 127.0.0.1 with a self-signed certificate; counts the
/// handshakes it is offered.
fn untrusted_tls_server() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use openssl::asn1::Asn1Time;
    use openssl::bn::BigNum;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::ssl::{SslAcceptor, SslMethod};
    use openssl::x509::{X509NameBuilder, X509};
    use std::io::{Read, Write};

    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "127.0.0.1").unwrap();
    let name = name.build();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    cert.set_serial_number(&BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap()).unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(2).unwrap()).unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = cert.build();
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    acceptor.set_private_key(&key).unwrap();
    acceptor.set_certificate(&cert).unwrap();
    let acceptor = std::sync::Arc::new(acceptor.build());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let offered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = offered.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let acceptor = acceptor.clone();
            std::thread::spawn(move || {
                // A client that trusted it would get an answer.
                if let Ok(mut tls) = acceptor.accept(stream) {
                    let mut buf = [0u8; 4096];
                    let _ = tls.read(&mut buf);
                    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}");
                }
            });
        }
    });
    (port, offered)
}

#[test]
fn a_certificate_nobody_signed_is_named_a_tls_failure() {
    let (port, offered) = untrusted_tls_server();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_pointing_at(d, 2, &format!("https://127.0.0.1:{port}/v2"));
    let o = cli(d, TOKEN, &["sync", "test", "--uai", UAI]);
    fails_with(&o, "SYNC_TLS");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("TLS") && err.contains(&port.to_string()), "{err}");
    assert!(offered.load(std::sync::atomic::Ordering::SeqCst) >= 1, "a handshake was attempted");

    // A server that speaks plain HTTP where TLS is expected: also a TLS verdict.
    let peer = peer();
    let plain = peer.url.replace("http://", "https://");
    assert_eq!(cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--url", &plain]).status.code(), Some(0));
    fails_with(&cli(d, TOKEN, &["sync", "test", "--uai", UAI]), "SYNC_TLS");
    assert!(open(d).last_sync().unwrap().is_none(), "nothing recorded for a server never reached");
}

/// Each group of the establishment on the server: `externalId` → its members' `externalId`s.
fn server_memberships(peer: &Peer) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let list = |path: &str| -> Vec<serde_json::Value> {
        let (status, body) = http(peer, "GET", path, None);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["Resources"].as_array().cloned().unwrap_or_default()
    };
    let users: std::collections::BTreeMap<String, String> = list("/v2/Users?count=1000")
        .into_iter()
        .chain(list("/v2/Users?count=1000&startIndex=1001"))
        .map(|u| (u["id"].as_str().unwrap().to_string(), u["externalId"].as_str().unwrap_or("").to_string()))
        .collect();
    list("/v2/Groups?count=1000")
        .into_iter()
        .map(|g| {
            let members = g["members"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .map(|m| users[m["value"].as_str().unwrap()].clone())
                .collect();
            (g["externalId"].as_str().unwrap().to_string(), members)
        })
        .collect()
}

#[test]
fn membership_changes_reach_the_server_beside_a_concurrent_one() {
    use preau_core::store::MembershipChange;
    let peer = peer();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_pointing_at(d, 4, &peer.url);
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    let before = server_memberships(&peer);
    assert!(before.values().any(|m| m.len() > 10), "groups are published with their members");
    let etag = peer.offers_or_skip("etag", "membership_changes…: the stale version sent again");

    // Every fifth account joins the first three groups; one member of each leaves.
    let data = open(d).load_population().unwrap().unwrap();
    let groups: Vec<String> = data.groups.iter().take(3).map(|g| g.id.clone()).collect();
    let mut changes = Vec::new();
    let mut expected = before.clone();
    for g in &groups {
        for a in data.accounts.iter().step_by(5) {
            changes.push(MembershipChange { group: g.clone(), account: a.id.clone(), join: true });
            expected.get_mut(g).unwrap().insert(a.id.clone());
        }
        let leaving = before[g].iter().next().unwrap().clone();
        changes.push(MembershipChange { group: g.clone(), account: leaving.clone(), join: false });
        expected.get_mut(g).unwrap().remove(&leaving);
    }
    assert_eq!(open(d).queue_memberships(&changes, "groupes", "test").unwrap(), changes.len());

    // Meanwhile someone else adds a member to the first group on the server.
    let (_, body) = http(
        &peer,
        "GET",
        &format!("/v2/Groups?filter={}", url_encode(&format!("externalId eq \"{}\"", groups[0]))),
        None,
    );
    let group_id =
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["Resources"][0]["id"].as_str().unwrap().to_string();
    let outsider = data.accounts.iter().find(|a| !expected[&groups[0]].contains(&a.id)).unwrap().id.clone();
    let (_, body) =
        http(&peer, "GET", &format!("/v2/Users?filter={}", url_encode(&format!("externalId eq \"{outsider}\""))), None);
    let outsider_id =
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["Resources"][0]["id"].as_str().unwrap().to_string();
    let add = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "add", "path": "members", "value": [{ "value": outsider_id }] }],
    });
    assert!(matches!(http(&peer, "PATCH", &format!("/v2/Groups/{group_id}"), Some(&add)).0, 200 | 204));
    expected.get_mut(&groups[0]).unwrap().insert(outsider);

    // The stale group is sent again over their version: no conflict, nothing lost.
    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(
        (pushed["sent"].as_u64(), pushed["conflicts"].as_u64(), pushed["remaining"].as_u64()),
        (Some(changes.len() as u64), Some(0), Some(0)),
        "{pushed}"
    );
    // One PATCH per group (each group's changes folded), and the stale one once more
    // (without ETags nothing is stale: the PATCH adds and removes beside their member).
    assert_eq!(pushed["requests"].as_u64(), Some(if etag { 4 } else { 3 }), "{pushed}");
    assert_eq!(server_memberships(&peer), expected);
    // Sent again (nothing queued): nothing changes.
    let again = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(again["sent"].as_u64(), Some(0));
    assert_eq!(server_memberships(&peer), expected);
    assert!(open(d).audit_verify().unwrap().ok);
}

#[test]
fn a_patch_answered_200_with_the_resource_is_taken_as_well() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let peer = start_peer_with(true, Some(&config_without_bulk(d, true, 50)));
    let proxy = fault_proxy(&peer.url, |_| Fault::BodyFor204);
    demo_pointing_at(d, 7, &proxy.url);
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    let data = open(d).load_population().unwrap().unwrap();
    let targets: Vec<String> = data.accounts.iter().take(5).map(|a| a.id.clone()).collect();
    queue_links(d, &targets, "B");
    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!((pushed["sent"].as_u64(), pushed["requests"].as_u64()), (Some(5), Some(5)), "{pushed}");
    // The snapshot keeps what the server sent back: the new value and version.
    let store = open(d);
    let row =
        store.snapshot("User").unwrap().into_iter().find(|r| r.external_id.as_deref() == Some(&targets[0])).unwrap();
    let body: serde_json::Value = serde_json::from_str(&row.body).unwrap();
    assert_eq!(body[preau_core::sync::ENT_USER]["pronoteId"], "B0");
    if peer.offers_or_skip("etag", "a_patch_answered_200…: the version kept") {
        let (_, there) = http(&peer, "GET", &format!("/v2/Users/{}", row.id), None);
        let there: serde_json::Value = serde_json::from_str(&there).unwrap();
        assert_eq!(Some(there["meta"]["version"].as_str().unwrap()), row.etag.as_deref());
    }
    drop(store);

    // That version is the base of the next change: their other change is no conflict.
    let rename = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "path": "displayName", "value": "Renommé ailleurs" }],
    });
    assert!(matches!(http(&peer, "PATCH", &format!("/v2/Users/{}", row.id), Some(&rename)).0, 200 | 204));
    queue_links(d, &targets[..1], "C");
    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!((pushed["sent"].as_u64(), pushed["conflicts"].as_u64()), (Some(1), Some(0)), "{pushed}");
    let (_, there) = http(&peer, "GET", &format!("/v2/Users/{}", row.id), None);
    let there: serde_json::Value = serde_json::from_str(&there).unwrap();
    assert_eq!(
        (there["displayName"].as_str(), there[preau_core::sync::ENT_USER]["pronoteId"].as_str()),
        (Some("Renommé ailleurs"), Some("C0"))
    );
}

#[test]
fn a_server_without_bulk_or_etags_gets_single_writes_and_small_pages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let peer = start_peer_with(true, Some(&config_without_bulk(d, false, 50)));
    demo_pointing_at(d, 6, &peer.url);
    let caps = ok_json(&cli(d, TOKEN, &["sync", "test", "--uai", UAI, "--json"]))["capabilities"].clone();
    assert_eq!(
        (caps["bulk"].clone(), caps["etag"].clone(), caps["max_results"].clone()),
        (serde_json::Value::Null, false.into(), 50.into()),
        "{caps}"
    );

    // One POST per resource, pages of 50 on the way back.
    let published = ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    let pulled = ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    assert_eq!(pulled["users"], published["users_created"], "{pulled} {published}");
    assert!(pulled["users"].as_u64().unwrap() > 1000);
    assert_eq!(server_users(&peer), pulled["users"].as_u64().unwrap());

    // Without ETags nothing is conditional: one PATCH per account, each applied.
    let data = open(d).load_population().unwrap().unwrap();
    let targets: Vec<String> = data.accounts.iter().take(30).map(|a| a.id.clone()).collect();
    assert_eq!(queue_links(d, &targets, "NB"), 30);
    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(
        (pushed["sent"].as_u64(), pushed["requests"].as_u64(), pushed["remaining"].as_u64()),
        (Some(30), Some(30), Some(0)),
        "{pushed}"
    );
    let (_, body) = http(
        &peer,
        "GET",
        &format!("/v2/Users?filter={}", url_encode(&format!("externalId eq \"{}\"", targets[29]))),
        None,
    );
    let user = serde_json::from_str::<serde_json::Value>(&body).unwrap()["Resources"][0].clone();
    assert_eq!(user[preau_core::sync::ENT_USER]["pronoteId"], "NB29");
}

/// A second PC starts from the server alone: `sync configure` creates the
/// store, `sync pull` brings the directory, and the Pronote reconciliation
/// uses the pulled directory where no export was imported.
#[test]
fn a_second_pc_starts_from_the_server() {
    let peer = peer();
    let first = tempfile::tempdir().unwrap();
    demo_pointing_at(first.path(), 9, &peer.url);
    ok_json(&cli(first.path(), TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    let files = first.path().join("files");
    let o = cli(
        &first.path().join("other"),
        TOKEN,
        &["demo", "--uai", UAI, "--kind", "college", "--seed", "9", "--out", files.to_str().unwrap()],
    );
    ok(&o);

    let second = tempfile::tempdir().unwrap();
    let d = second.path();
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 0, "a data folder with no store");
    let o = cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--url", &peer.url]);
    ok(&o);
    assert_eq!(open(d).uai().as_str(), UAI, "the store was created");
    let before = ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]));
    assert_eq!(before["directory"]["users"], 0);
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    let status = ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]));
    let users = status["directory"]["users"].as_u64().unwrap();
    assert!(users > 500, "{status}");
    assert!(status["directory"]["groups"].as_u64().unwrap() > 0, "{status}");

    // Without a directory: the reconciliation says what it needs.
    let pronote = files.join(format!("identifiants_pronote_{UAI}.csv"));
    let o = cli(d, TOKEN, &["import", "--uai", UAI, pronote.to_str().unwrap()]);
    ok(&o);
    let decisions = lines(&cli(d, TOKEN, &["match", "pronote", "--uai", UAI, "--json"]));
    let linked = decisions.iter().filter(|l| l["band"] == "auto").count();
    assert!(
        linked * 2 > decisions.len(),
        "most Pronote accounts found in the pulled directory: {linked} of {}",
        decisions.len()
    );
}
