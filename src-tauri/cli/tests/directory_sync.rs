//! The Annuaire's changes pushed to the real SCIM peer and read back: an
//! account created in Préau (hand-made, its end date, functions, nodes,
//! groups), a function added to a member of staff, an AESH following
//! pupils, the account closed; the outbox empty after each push.

mod common;

use common::*;
use preau_core::model::Profile;
use serde_json::Value;

const ENT: &str = "urn:preau:scim:schemas:extension:ent:1.0:User";

fn server_user(peer: &Peer, external_id: &str) -> Value {
    let filter = url_encode(&format!("externalId eq \"{external_id}\""));
    let (status, body) = http(peer, "GET", &format!("/v2/Users?filter={filter}"), None);
    assert_eq!(status, 200, "{body}");
    let list: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["totalResults"], 1, "{external_id} on the server: {body}");
    list["Resources"][0].clone()
}

fn server_group_members(peer: &Peer, external_id: &str) -> Vec<String> {
    let filter = url_encode(&format!("externalId eq \"{external_id}\""));
    let (_, body) = http(peer, "GET", &format!("/v2/Groups?filter={filter}"), None);
    let g = serde_json::from_str::<Value>(&body).unwrap()["Resources"][0].clone();
    g["members"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| m["value"].as_str())
        .map(String::from)
        .collect()
}

/// Pushes, and checks every change went and none waits.
fn push_all(d: &std::path::Path) -> Value {
    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(
        (pushed["remaining"].as_u64(), pushed["missing"].as_u64(), pushed["conflicts"].as_u64()),
        (Some(0), Some(0), Some(0)),
        "{pushed}"
    );
    assert_eq!(ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]))["pending"], 0);
    pushed
}

fn functions_of(user: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = user[ENT]["functions"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .map(|f| (f["code"].as_str().unwrap_or("").to_string(), f["discipline"].as_str().unwrap_or("").to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn the_annuaires_changes_reach_the_server() {
    let peer = peer();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_pointing_at(d, 5, &peer.url);
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    assert_eq!(ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]))["pending"], 0);
    let data = open(d).load_population().unwrap().unwrap();
    let group = data.groups.first().expect("the demo has groups").id.clone();

    // An account created in Préau: its creation, nodes and group travel on the next push.
    let created = ok_json(&cli(
        d,
        TOKEN,
        &[
            "directory",
            "create",
            "--uai",
            UAI,
            "--profil",
            "non_enseignant",
            "--civilite",
            "Mme",
            "--nom",
            "Quenardel",
            "--prenom",
            "Ysaline",
            "--courriel",
            "y.quenardel@example.fr",
            "--telephone",
            "0102030405",
            "--fonction",
            "MDS/P9222",
            "--groupe",
            &group,
            "--jusqu-au",
            "2099-07-31",
            "--motif",
            "assistante sociale",
            "--force",
            "--json",
        ],
    ));
    let id = created["account"].as_str().unwrap().to_string();
    assert!(id.starts_with("PREAU-"), "{created}");
    assert!(ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]))["pending"].as_u64().unwrap() >= 2);
    push_all(d);
    let user = server_user(&peer, &id);
    assert_eq!(user["userName"], created["login"], "{user}");
    assert_eq!(
        (user["name"]["familyName"].as_str(), user["name"]["givenName"].as_str()),
        (Some("Quenardel"), Some("Ysaline")),
        "{user}"
    );
    assert_eq!(user[ENT]["handMade"], true, "{user}");
    assert_eq!(user[ENT]["endDate"], "2099-07-31", "{user}");
    assert_eq!(functions_of(&user), vec![("MDS".to_string(), "P9222".to_string())], "{user}");
    let nodes = created["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty(), "MDS/P9222 places her in a node: {created}");
    assert_eq!(&user[ENT]["nodes"], &created["nodes"], "{user}");
    let server_id = user["id"].as_str().unwrap().to_string();
    assert!(server_group_members(&peer, &group).contains(&server_id), "she joined {group}");

    // A function added to a member of staff already on the server: a PATCH of the whole list.
    let staff = data
        .people
        .iter()
        .find(|p| p.profile == Profile::NonEnseignant && !p.left && !p.functions.iter().any(|f| f.code == "MDS"))
        .expect("a member of staff");
    let account = preau_core::groups::accounts_of_people(&data)[staff.id.as_str()][0].to_string();
    let before = functions_of(&server_user(&peer, &account));
    ok_json(&cli(
        d,
        TOKEN,
        &["directory", "function", "--uai", UAI, "--person", &staff.id, "--add", "MDS/P9222", "--json"],
    ));
    push_all(d);
    let mut expected = before.clone();
    expected.push(("MDS".into(), "P9222".into()));
    expected.sort();
    assert_eq!(functions_of(&server_user(&peer, &account)), expected);
    // Taken away again: the list as it was.
    ok_json(&cli(
        d,
        TOKEN,
        &["directory", "function", "--uai", UAI, "--person", &staff.id, "--remove", "MDS/P9222", "--json"],
    ));
    push_all(d);
    assert_eq!(functions_of(&server_user(&peer, &account)), before);

    // The new account follows two pupils: their ENT ids (externalIds), as the schema says.
    let accounts_of = preau_core::groups::accounts_of_people(&data);
    let pupils: Vec<&preau_core::model::Person> = data
        .people
        .iter()
        .filter(|p| p.profile == Profile::Eleve && !p.left && accounts_of.contains_key(p.id.as_str()))
        .take(2)
        .collect();
    let linked = ok_json(&cli(
        d,
        TOKEN,
        &[
            "directory",
            "aesh",
            "--uai",
            UAI,
            "--aesh",
            &id,
            "--eleve",
            &pupils[0].id,
            "--eleve",
            &pupils[1].id,
            "--json",
        ],
    ));
    assert_eq!(linked["changed"], 2);
    push_all(d);
    let mut follows: Vec<String> = server_user(&peer, &id)[ENT]["follows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    follows.sort();
    let mut want: Vec<String> = pupils.iter().map(|p| accounts_of[p.id.as_str()][0].to_string()).collect();
    want.sort();
    assert_eq!(follows, want);
    ok_json(&cli(
        d,
        TOKEN,
        &["directory", "aesh", "--uai", UAI, "--aesh", &id, "--eleve", &pupils[0].id, "--remove", "--json"],
    ));
    push_all(d);
    let follows = server_user(&peer, &id)[ENT]["follows"].clone();
    assert_eq!(follows, serde_json::json!([accounts_of[pupils[1].id.as_str()][0]]), "one pupil left");

    // Made pérenne (the end date removed), then closed: deactivated, kept.
    ok_json(&cli(d, TOKEN, &["directory", "end", "--uai", UAI, "--person", &id, "--perenne", "--json"]));
    push_all(d);
    let user = server_user(&peer, &id);
    assert!(user[ENT].get("endDate").is_none(), "{user}");
    ok_json(&cli(d, TOKEN, &["directory", "end", "--uai", UAI, "--person", &id, "--fermer", "--json"]));
    push_all(d);
    let user = server_user(&peer, &id);
    assert_eq!(user["active"], false, "{user}");
    assert_eq!(user[ENT]["handMade"], true);
    assert!(open(d).audit_verify().unwrap().ok);
}
