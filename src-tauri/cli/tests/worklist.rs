//! `preau-cli sync worklist`: an establishment whose ENT is Skolengo (no
//! interface a program can reach) gets its pending changes as console steps;
//! an item ticked done leaves the outbox with every change it carries.

mod common;

use common::*;
use serde_json::Value;

fn worklist(d: &std::path::Path) -> Vec<Value> {
    lines(&cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--json"]))
}

fn pending(d: &std::path::Path) -> u64 {
    ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]))["pending"].as_u64().unwrap()
}

fn texts(item: &Value) -> String {
    let steps: Vec<&str> = item["steps"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    format!("{} {} {}", item["action"].as_str().unwrap(), item["target"].as_str().unwrap(), steps.join(" "))
}

#[test]
fn a_closed_eye_and_a_new_group_become_console_steps_then_leave_once_done() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo(d, 5);
    let o = cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--connector", "skolengo"]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("sync worklist"));
    // No server to reach: a push says where the changes go instead.
    fails_with(&cli(d, TOKEN, &["sync", "push", "--uai", UAI]), "SYNC_NOT_SCIM");
    fails_with(
        &cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--connector", "skolengo", "--url", "http://x"]),
        "SYNC_NO_SERVER_FOR_CONNECTOR",
    );
    assert!(worklist(d).is_empty());

    // Parents no longer see the direction, and a group of the 3e pupils.
    let set = close_parent_direction(d);
    assert_eq!(set["queued"].as_u64(), Some(1), "{set}");
    let group = ok_json(&cli(d, TOKEN, &["groups", "create", "--uai", UAI, "--template", "eleves-3e", "--json"]));
    let members = group["members"].as_u64().unwrap();
    assert!(members > 10, "{group}");
    let queued = pending(d);

    let items = worklist(d);
    let again = worklist(d);
    assert_eq!(items, again, "the same items, with the same ids, while their changes wait");
    let eye = items.iter().find(|i| i["screen"] == "qui_voit_qui").expect("the eye is an item");
    assert_eq!(eye["action"], "Fermer l'œil");
    assert_eq!(eye["status"], "a_faire");
    assert_eq!(eye["steps"][0], "Ouvrez Messagerie > Qui voit qui.");
    assert!(texts(eye).contains("« Parent »") && texts(eye).contains("Direction"), "{eye}");
    // The new group with its members is one item, its members named as the console shows them.
    let groups: Vec<&Value> = items.iter().filter(|i| i["screen"] == "groupes").collect();
    assert_eq!(groups.len(), 1, "{groups:?}");
    let g = texts(groups[0]);
    assert_eq!(groups[0]["action"], "Créer le groupe", "{g}");
    assert!(g.contains("Créer un groupe"), "{g}");
    assert!(g.contains(&format!("Ajoutez {members} membres, classe par classe :")), "{g}");
    assert!(g.contains("— 3A ("), "members by class: {g}");
    assert!(!g.contains("ELV") && !g.contains("le compte d'identifiant"), "people by name, not by id: {g}");

    // The checklist for a spreadsheet: one row per item, formula-safe, with its BOM.
    let sheet = d.join("liste.csv");
    let o = cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--csv", sheet.to_str().unwrap()]);
    ok(&o);
    let bytes = std::fs::read(&sheet).unwrap();
    assert!(bytes.starts_with("\u{feff}Fait;Écran;À faire;Qui ou quoi;Étapes;État;Raison;Élément\r\n".as_bytes()));
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("☐;Messagerie > Qui voit qui;Fermer l'œil;"), "{text}");
    assert!(text.contains("\"1. Ouvrez Messagerie > Qui voit qui.\n2. "), "steps in one cell: {text}");
    assert_eq!(text.matches("\r\n").count(), 3, "a header and two items: {text}");

    // « Impossible » needs its reason, keeps it, and can be taken up again.
    let eye_id = eye["id"].as_str().unwrap().to_string();
    let o = cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--impossible", &eye_id]);
    assert_eq!(o.status.code(), Some(2), "a reason is required");
    fails_with(
        &cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--impossible", &eye_id, "--reason", "  "]),
        "WORKLIST_NO_REASON",
    );
    let reason = "l'œil est grisé pour ce profil";
    let o = cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--impossible", &eye_id, "--reason", reason]);
    ok(&o);
    let marked = worklist(d).into_iter().find(|i| i["id"] == eye_id.as_str()).unwrap();
    assert_eq!((marked["status"].as_str(), marked["reason"].as_str()), (Some("impossible"), Some(reason)));
    assert_eq!(pending(d), queued, "nothing left the outbox");
    let o = cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--retry", &eye_id]);
    ok(&o);
    assert_eq!(worklist(d).into_iter().find(|i| i["id"] == eye_id.as_str()).unwrap()["status"], "a_faire");

    // Done: every change of the item leaves the outbox, journaled; the others stay.
    let group_id = groups[0]["id"].as_str().unwrap().to_string();
    let o = cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--done", &eye_id, &group_id]);
    ok(&o);
    assert_eq!(pending(d), 0, "the eye and the group were all that waited");
    // Done items stay listed, as done, until the list is cleared.
    let after = worklist(d);
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after.iter().all(|i| i["status"] == "fait"), "{after:?}");
    assert_eq!(after.iter().find(|i| i["id"] == eye_id.as_str()).unwrap()["steps"], eye["steps"]);
    let text = String::from_utf8_lossy(&cli(d, TOKEN, &["sync", "worklist", "--uai", UAI]).stdout).into_owned();
    assert!(text.starts_with("2 sur 2 faits."), "{text}");
    fails_with(&cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--done", &eye_id]), "WORKLIST_UNKNOWN_ITEM");
    let o = cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--clear-done"]);
    ok(&o);
    assert!(worklist(d).is_empty());
    let journal = open(d).audit_entries(50).unwrap();
    let done: Vec<_> = journal.iter().filter(|e| e.action == "WORKLIST_DONE").collect();
    assert_eq!(done.len(), 2);
    assert!(journal
        .iter()
        .any(|e| e.action == "WORKLIST_IMPOSSIBLE"
            && serde_json::from_str::<Value>(&e.detail).unwrap()["reason"] == reason));
    assert!(journal.iter().any(|e| e.action == "SYNC_CONNECTOR_SET"
        && serde_json::from_str::<Value>(&e.detail).unwrap()["connector"] == "skolengo"));
    let o = cli(d, TOKEN, &["audit", "verify", "--uai", UAI]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
}

/// The text form goes screen by screen, each item numbered with its steps.
#[test]
fn the_worklist_reads_screen_by_screen() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo(d, 6);
    let o = cli(d, TOKEN, &["sync", "worklist", "--uai", UAI]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("Rien à faire dans la console"));
    ok_json(&cli(d, TOKEN, &["visibility", "preset", "--uai", UAI, "parents-sans-direction", "--json"]));
    let o = cli(d, TOKEN, &["sync", "worklist", "--uai", UAI]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("== Messagerie > Qui voit qui =="), "{text}");
    assert!(text.contains("    1. Ouvrez Messagerie > Qui voit qui."), "{text}");
}
