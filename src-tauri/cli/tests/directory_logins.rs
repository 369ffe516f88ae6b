//! The login of an account created in Préau is unique on the whole server:
//! one another establishment's account already holds is skipped when the
//! server can be asked; when it could not be asked and the server refuses the
//! creation, the push names it and sends the rest, and the login given then
//! goes with the creation.

mod common;

use common::*;
use serde_json::{json, Value};

fn an_account_elsewhere(peer: &Peer, external_id: &str, login: &str, family: &str, given: &str) {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:preau:scim:schemas:extension:ent:1.0:User"],
        "externalId": external_id,
        "userName": login,
        "name": { "familyName": family, "givenName": given },
        "urn:preau:scim:schemas:extension:ent:1.0:User": { "profile": "Invite", "establishments": ["0999002X"] },
    });
    let (status, answer) = http(peer, "POST", "/v2/Users", Some(&body));
    assert_eq!(status, 201, "{answer}");
}

/// The logins on the server that start with `start`.
fn logins_on_server(peer: &Peer, start: &str) -> Vec<String> {
    let filter = url_encode(&format!("userName sw \"{start}\""));
    let (_, body) = http(peer, "GET", &format!("/v2/Users?filter={filter}"), None);
    let list: Value = serde_json::from_str(&body).unwrap();
    let mut out: Vec<String> = list["Resources"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|u| u["userName"].as_str().map(String::from))
        .collect();
    out.sort();
    out
}

#[test]
fn a_login_another_establishment_holds_is_never_given() {
    let peer = peer();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_pointing_at(d, 6, &peer.url);
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    an_account_elsewhere(&peer, "AILLEURS-1", "zelie.outsider", "OUTSIDER", "Zélie");
    an_account_elsewhere(&peer, "AILLEURS-2", "yann.lointain", "LOINTAIN", "Yann");

    // The server cannot be asked (a token it refuses): the convention's first login, taken there.
    let blind = ok_json(&cli(
        d,
        "jeton-refuse",
        &[
            "directory",
            "create",
            "--uai",
            UAI,
            "--profil",
            "invite",
            "--nom",
            "Lointain",
            "--prenom",
            "Yann",
            "--perenne",
            "--json",
        ],
    ));
    assert_eq!(blind["login"], "yann.lointain", "{blind}");
    let id = blind["person"].as_str().unwrap().to_string();

    // The server answers: the next login by the convention (created after the refused one, sent all the same).
    let made = ok_json(&cli(
        d,
        TOKEN,
        &[
            "directory",
            "create",
            "--uai",
            UAI,
            "--profil",
            "invite",
            "--nom",
            "Outsider",
            "--prenom",
            "Zélie",
            "--perenne",
            "--json",
        ],
    ));
    assert_eq!(made["login"], "zelie.outsider2", "{made}");

    // The push names the refused creation and sends the other one.
    let pushed = cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]);
    let said = String::from_utf8_lossy(&pushed.stderr);
    assert_ne!(pushed.status.code(), Some(0), "{said}");
    assert!(said.contains("yann.lointain") && said.contains(&id), "{said}");
    assert_eq!(logins_on_server(&peer, "zelie.outsider"), ["zelie.outsider", "zelie.outsider2"]);
    assert_eq!(logins_on_server(&peer, "yann.lointain"), ["yann.lointain"], "only the other establishment's");
    assert!(ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]))["pending"].as_u64().unwrap() >= 1);

    // Another login, checked on the server, goes with the creation.
    fails_with(
        &cli(d, TOKEN, &["sync", "login", "--uai", UAI, "--account", &id, "--login", "zelie.outsider", "--json"]),
        "ACCOUNT_LOGIN_TAKEN",
    );
    ok(&cli(d, TOKEN, &["sync", "login", "--uai", UAI, "--account", &id, "--login", "yann.lointain2", "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(logins_on_server(&peer, "yann.lointain"), ["yann.lointain", "yann.lointain2"]);
    assert_eq!(ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]))["pending"], 0);
    let fiche = ok_json(&cli(d, TOKEN, &["directory", "show", "--uai", UAI, "--person", &id, "--json"]));
    assert_eq!(fiche["account"]["login"], "yann.lointain2");

    // An account made in the ENT's console, known to Préau only by the pull: found in « tout l'ENT », its fiche read.
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:preau:scim:schemas:extension:ent:1.0:User"],
        "externalId": "CONSOLE-1",
        "userName": "agnes.console",
        "name": { "familyName": "CONSOLE", "givenName": "Agnès" },
        "urn:preau:scim:schemas:extension:ent:1.0:User": { "profile": "Invite", "establishments": [UAI] },
    });
    assert_eq!(http(&peer, "POST", "/v2/Users", Some(&body)).0, 201);
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    let wide =
        lines(&cli(d, TOKEN, &["directory", "search", "--uai", UAI, "--scope", "academie", "--json", "agn", "cons"]));
    assert!(wide.iter().any(|h| h["account"] == "CONSOLE-1"), "{wide:?}");
    let there = ok_json(&cli(d, TOKEN, &["directory", "show", "--uai", UAI, "--person", "CONSOLE-1", "--json"]));
    assert_eq!((there["profil"].as_str(), there["account"]["login"].as_str()), (Some("invite"), Some("agnes.console")));
    assert_eq!(there["sources"][0]["source"], "ent");
}
