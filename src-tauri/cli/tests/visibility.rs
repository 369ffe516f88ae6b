//! `preau-cli visibility …`: the eyes set on the command line, their side
//! effects, the simulator and the function nodes, and the rules pushed to
//! the real SCIM peer and read back.

mod common;

use common::*;
use serde_json::Value;

fn server_rule(peer: &Peer, profile: &str, node: &str) -> Option<Value> {
    let filter = url_encode(&format!("externalId eq \"{UAI}|{profile}|{node}\""));
    let (status, body) = http(peer, "GET", &format!("/v2/VisibilityRules?filter={filter}"), None);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["Resources"].as_array().and_then(|r| r.first().cloned())
}

fn cell(d: &std::path::Path, profile: &str, node: &str) -> Value {
    lines(&cli(d, TOKEN, &["visibility", "show", "--uai", UAI, "--json"]))
        .into_iter()
        .find(|c| c["profile"] == profile && c["node"] == node)
        .unwrap()
}

#[test]
fn a_closed_eye_is_queued_pushed_and_read_back() {
    let peer = peer();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_pointing_at(d, 3, &peer.url);
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    let direction = "Mon établissement/Direction";
    assert_eq!(lines(&cli(d, TOKEN, &["visibility", "show", "--uai", UAI, "--json"])).len(), 6 * 23);
    assert_eq!(cell(d, "Parent", direction)["visible"], true);

    // A dry run shows the change and its side effect, and queues nothing.
    let dry = ok_json(&cli(
        d,
        TOKEN,
        &["visibility", "preset", "--uai", UAI, "parents-sans-direction", "--dry-run", "--json"],
    ));
    assert_eq!(dry["changes"].as_array().unwrap().len(), 1, "{dry}");
    assert_eq!((dry["queued"].as_u64(), dry["applied"].as_bool()), (Some(0), Some(false)));
    assert_eq!(ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]))["pending"], 0);

    // Parent → Direction off: exactly that change, its warning, one rule queued.
    let set = close_parent_direction(d);
    assert_eq!(
        set["changes"],
        serde_json::json!([{ "profile": "Parent", "node": direction, "visible": false }]),
        "{set}"
    );
    let codes: Vec<&str> = set["warnings"].as_array().unwrap().iter().filter_map(|w| w["code"].as_str()).collect();
    assert_eq!(codes, vec!["HIDES_SUBTREE"]);
    assert_eq!(set["queued"], 1);
    let c = cell(d, "Parent", "Mon établissement/Direction/Chef d'établissement");
    assert_eq!(
        (c["visible"].as_bool(), c["server"].as_bool()),
        (Some(false), Some(true)),
        "hidden with its parent, not yet on the server"
    );

    // Pushed: the server holds the rule.
    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!((pushed["sent"].as_u64(), pushed["remaining"].as_u64()), (Some(1), Some(0)), "{pushed}");
    let rule = server_rule(&peer, "Parent", direction).expect("the rule is on the server");
    assert_eq!((rule["visible"].as_bool(), rule["establishment"].as_str()), (Some(false), Some(UAI)));
    assert_eq!(cell(d, "Parent", direction)["server"], false);

    // Opened again: the same rule is patched, not created twice.
    lines(&cli(
        d,
        TOKEN,
        &["visibility", "set", "--uai", UAI, "--profile", "Parent", "--node", direction, "--visible", "true", "--json"],
    ));
    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(pushed["sent"], 1, "{pushed}");
    assert_eq!(server_rule(&peer, "Parent", direction).unwrap()["visible"], true);
    let (_, all) = http(&peer, "GET", "/v2/VisibilityRules", None);
    assert_eq!(serde_json::from_str::<Value>(&all).unwrap()["totalResults"], 1);

    // Someone closes an eye on the server: a pull brings it in.
    let rule = server_rule(&peer, "Parent", direction).unwrap();
    let patch = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "path": "visible", "value": false }],
    });
    assert!(matches!(
        http(&peer, "PATCH", &format!("/v2/VisibilityRules/{}", rule["id"].as_str().unwrap()), Some(&patch)).0,
        200 | 204
    ));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    let c = cell(d, "Parent", direction);
    assert_eq!((c["visible"].as_bool(), c["server"].as_bool()), (Some(false), Some(false)));
    assert!(open(d).audit_verify().unwrap().ok);
}

#[test]
fn the_simulator_and_the_function_nodes_answer() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = cli(d, TOKEN, &["demo", "--uai", UAI, "--kind", "college", "--seed", "5"]);
    assert_eq!(o.status.code(), Some(0));
    let data = open(d).load_population().unwrap().unwrap();
    let parent = data.responsibilities[0].responsable_id.clone();

    let functions = lines(&cli(d, TOKEN, &["visibility", "functions", "--uai", UAI, "--json"]));
    let node = |n: &str| functions.iter().find(|l| l["node"] == n).unwrap()["members"].as_array().unwrap().clone();
    let cpe = node("Mon établissement/Vie scolaire/CPE");
    assert_eq!(cpe.len(), 2);
    assert_eq!(node("Mon établissement/Direction/Chef d'établissement").len(), 1);
    let empty: Vec<&str> =
        functions.iter().filter(|l| l["alert"] == "EMPTY_NODE").filter_map(|l| l["node"].as_str()).collect();
    assert_eq!(empty, vec!["Mon établissement/Administration", "Mon établissement/Correspondants ENT"]);
    let cpe = cpe[0]["person"].as_str().unwrap().to_string();

    let sim = ok_json(&cli(d, TOKEN, &["visibility", "simulate", "--uai", UAI, "--user", &parent, "--json"]));
    assert_eq!(sim["profile"], "Parent");
    assert!(sim["visible"].as_array().unwrap().iter().any(|n| n["node"] == "Mon établissement/Vie scolaire/CPE"
        && n["people"].as_array().unwrap().iter().any(|p| p["person"] == cpe.as_str())));
    let yes =
        ok_json(&cli(d, TOKEN, &["visibility", "simulate", "--uai", UAI, "--user", &parent, "--to", &cpe, "--json"]));
    assert_eq!(yes["can"], true, "{yes}");

    let hide = cli(
        d,
        TOKEN,
        &[
            "visibility",
            "set",
            "--uai",
            UAI,
            "--profile",
            "Parent",
            "--node",
            "Mon établissement/Vie scolaire",
            "--visible",
            "false",
        ],
    );
    assert_eq!(hide.status.code(), Some(0));
    let said = String::from_utf8_lossy(&hide.stdout);
    assert!(said.contains("ne pourront plus écrire au CPE"), "{said}");
    let no =
        ok_json(&cli(d, TOKEN, &["visibility", "simulate", "--uai", UAI, "--user", &parent, "--to", &cpe, "--json"]));
    assert_eq!(no["can"], false, "{no}");
    assert!(no["reason"].as_str().unwrap().contains("Vie scolaire"), "{no}");

    // Unusable arguments: a clear message, exit 2, nothing written.
    fails_with(
        &cli(
            d,
            TOKEN,
            &["visibility", "set", "--uai", UAI, "--profile", "Directeur", "--node", "Ma classe", "--visible", "false"],
        ),
        "CLI_USAGE",
    );
    fails_with(
        &cli(
            d,
            TOKEN,
            &["visibility", "set", "--uai", UAI, "--profile", "Parent", "--node", "Cantine", "--visible", "false"],
        ),
        "CLI_USAGE",
    );
    fails_with(&cli(d, TOKEN, &["visibility", "preset", "--uai", UAI, "tout-fermer"]), "CLI_USAGE");
    fails_with(&cli(d, TOKEN, &["visibility", "simulate", "--uai", UAI, "--user", "PERSONNE"]), "UNKNOWN_PERSON");
    assert_eq!(open(d).outbox().unwrap().len(), 1, "only the one change was queued");
}

#[test]
fn the_function_nodes_reach_the_accounts_on_the_server() {
    let peer = peer();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo_pointing_at(d, 8, &peer.url);
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));
    let chef_node = "Mon établissement/Direction/Chef d'établissement";
    let functions = lines(&cli(d, TOKEN, &["visibility", "functions", "--uai", UAI, "--json"]));
    let chef = functions.iter().find(|l| l["node"] == chef_node).unwrap()["members"][0]["person"]
        .as_str()
        .unwrap()
        .to_string();
    let data = open(d).load_population().unwrap().unwrap();
    let account = data.accounts.iter().find(|a| a.person_id.as_deref() == Some(chef.as_str())).unwrap().id.clone();
    let nodes_of = |ext: &str| -> Value {
        let (_, body) =
            http(&peer, "GET", &format!("/v2/Users?filter={}", url_encode(&format!("externalId eq \"{ext}\""))), None);
        serde_json::from_str::<Value>(&body).unwrap()["Resources"][0][preau_core::sync::ENT_USER]["nodes"].clone()
    };
    assert_eq!(nodes_of(&account), Value::Null);

    let queued = ok_json(&cli(d, TOKEN, &["visibility", "functions", "--uai", UAI, "--queue", "--json"]));
    let n = queued["queued"].as_u64().unwrap();
    assert!(n >= 15, "every staff member in a node: {queued}");
    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!((pushed["sent"].as_u64(), pushed["remaining"].as_u64()), (Some(n), Some(0)), "{pushed}");
    assert_eq!(nodes_of(&account), serde_json::json!([chef_node]));
    // Nothing more to send once it is there.
    assert_eq!(ok_json(&cli(d, TOKEN, &["visibility", "functions", "--uai", UAI, "--queue", "--json"]))["queued"], 0);

    // Taken out of the node by hand: the account loses it on the server.
    open(d).set_function_member(chef_node, &chef, Some(false), "test").unwrap();
    let queued = ok_json(&cli(d, TOKEN, &["visibility", "functions", "--uai", UAI, "--queue", "--json"]));
    assert_eq!(
        queued["changes"],
        serde_json::json!([{ "account": account, "before": [chef_node], "after": [] }]),
        "{queued}"
    );
    ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(nodes_of(&account), Value::Null);
    let alerts = lines(&cli(d, TOKEN, &["visibility", "functions", "--uai", UAI, "--json"]));
    assert!(
        alerts.iter().any(|l| l["alert"] == "EMPTY_NODE" && l["node"] == chef_node),
        "the emptied node is an alert"
    );
}
