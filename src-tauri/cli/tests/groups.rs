//! `preau-cli groups …` on a store built from the demo's real-format files:
//! a group from its template, pushed to the real SCIM peer and read back; a
//! SIECLE import moving a pupil out of 3e, the diff, applied and pushed; the
//! GAR helpers' limit, locks, a CSV, a bad rule.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

/// The demo collège's files, imported as a school would.
fn imported(d: &Path, seed: &str) -> std::path::PathBuf {
    let files = d.join("files");
    let o = cli(
        &d.join("demo"),
        TOKEN,
        &["demo", "--uai", UAI, "--kind", "college", "--seed", seed, "--out", files.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let names = [
        "ElevesSansAdresses.xml",
        "ResponsablesAvecAdresses.xml",
        "Structures.xml",
        "Nomenclature.xml",
        "sts_emp_0999001W_2026.xml",
        "Edt_To_TESTENT_0999001W_Enclair.xml",
        "export_annuaire_ENT_0999001W.csv",
    ];
    let paths: Vec<String> = names.iter().map(|n| files.join(n).to_string_lossy().into_owned()).collect();
    let mut args = vec!["import", "--uai", UAI];
    args.extend(paths.iter().map(String::as_str));
    let o = cli(d, TOKEN, &args);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    files
}

fn server_members(peer: &Peer, group: &str) -> Vec<String> {
    let (_, body) =
        http(peer, "GET", &format!("/v2/Groups?filter={}", url_encode(&format!("externalId eq \"{group}\""))), None);
    let g = serde_json::from_str::<Value>(&body).unwrap()["Resources"][0].clone();
    let mut out: Vec<String> = g["members"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .map(|m| {
            let (_, u) = http(peer, "GET", &format!("/v2/Users/{}", m["value"].as_str().unwrap()), None);
            serde_json::from_str::<Value>(&u).unwrap()["externalId"].as_str().unwrap().to_string()
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_template_group_is_pushed_then_follows_an_import() {
    let peer = peer();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = imported(d, "21");
    assert_eq!(cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--url", &peer.url]).status.code(), Some(0));
    ok_json(&cli(d, TOKEN, &["sync", "publish", "--uai", UAI, "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "pull", "--uai", UAI, "--json"]));

    let g = ok_json(&cli(d, TOKEN, &["groups", "create", "--uai", UAI, "--template", "eleves-3e", "--json"]));
    let id = g["id"].as_str().unwrap().to_string();
    let data = open(d).load_population().unwrap().unwrap();
    let third: Vec<&preau_core::model::Person> = data
        .people
        .iter()
        .filter(|p| {
            p.profile == preau_core::model::Profile::Eleve && !p.left && p.divisions.iter().any(|c| c.starts_with('3'))
        })
        .collect();
    assert_eq!(g["members"].as_u64(), Some(third.len() as u64), "{g}");
    assert_eq!(
        (g["auto"].as_u64(), g["manual"].as_u64(), g["kind"].as_str()),
        (Some(third.len() as u64), Some(0), Some("niveau"))
    );

    let pushed = ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(pushed["remaining"], 0, "{pushed}");
    let accounts = preau_core::groups::accounts_of_people(&data);
    let mut expected: Vec<String> =
        third.iter().flat_map(|p| accounts[p.id.as_str()].iter().map(|a| a.to_string())).collect();
    expected.sort();
    assert_eq!(server_members(&peer, &id), expected, "every 3e pupil's account, read back");

    // SIECLE again, one pupil moved from 3e to 4e: the diff names them, nothing applied yet.
    let xml = std::fs::read(files.join("ElevesSansAdresses.xml")).unwrap();
    let text: String = xml.iter().map(|&b| b as char).collect(); // ISO-8859-15, byte for byte
    let at = text.find("<CODE_STRUCTURE>3").unwrap();
    let end = text[at..].find("</CODE_STRUCTURE>").unwrap() + at;
    let moved_text = format!("{}<CODE_STRUCTURE>4A{}", &text[..at], &text[end..]);
    let moved = d.join("ElevesSansAdresses_modifie.xml");
    std::fs::write(&moved, moved_text.chars().map(|c| c as u8).collect::<Vec<u8>>()).unwrap();
    let o = cli(d, TOKEN, &["import", "--uai", UAI, moved.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let diff = lines(&cli(d, TOKEN, &["groups", "evaluate", "--uai", UAI, "--json"]));
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert_eq!((diff[0]["entrants"].as_array().unwrap().len(), diff[0]["sortants"].as_array().unwrap().len()), (0, 1));
    let gone = diff[0]["sortants"][0].as_str().unwrap().to_string();
    assert_eq!(
        ok_json(&cli(d, TOKEN, &["groups", "show", "--uai", UAI, "--group", &id, "--json"]))["members"].as_u64(),
        Some(third.len() as u64),
        "not applied silently"
    );

    let applied = lines(&cli(d, TOKEN, &["groups", "evaluate", "--uai", UAI, "--apply", "--json"]));
    assert_eq!(applied[0]["queued"], 1);
    ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    let gone_account = accounts[gone.as_str()][0].to_string();
    let now = server_members(&peer, &id);
    assert_eq!(now.len(), expected.len() - 1);
    assert!(!now.contains(&gone_account), "the moved pupil left the group on the server");
    assert!(lines(&cli(d, TOKEN, &["groups", "evaluate", "--uai", UAI, "--json"])).is_empty(), "nothing more to do");

    // A hand-added member stays whatever the rule says; a deleted group leaves the server.
    let teacher = data.people.iter().find(|p| p.profile == preau_core::model::Profile::Enseignant).unwrap().id.clone();
    lines(&cli(d, TOKEN, &["groups", "add", "--uai", UAI, "--group", &id, "--person", &teacher, "--json"]));
    assert!(lines(&cli(d, TOKEN, &["groups", "evaluate", "--uai", UAI, "--json"])).is_empty());
    let cvc = ok_json(&cli(d, TOKEN, &["groups", "create", "--uai", UAI, "--template", "cvc", "--json"]));
    ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    assert_eq!(server_members(&peer, cvc["id"].as_str().unwrap()), Vec::<String>::new());
    assert_eq!(
        cli(d, TOKEN, &["groups", "delete", "--uai", UAI, "--group", cvc["id"].as_str().unwrap()]).status.code(),
        Some(0)
    );
    ok_json(&cli(d, TOKEN, &["sync", "push", "--uai", UAI, "--json"]));
    let (_, body) = http(
        &peer,
        "GET",
        &format!("/v2/Groups?filter={}", url_encode(&format!("externalId eq \"{}\"", cvc["id"].as_str().unwrap()))),
        None,
    );
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["totalResults"], 0);
    assert!(open(d).audit_verify().unwrap().ok);
}

#[test]
fn gar_locks_csv_and_rules_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(cli(d, TOKEN, &["demo", "--uai", UAI, "--kind", "college", "--seed", "2"]).status.code(), Some(0));
    let gar = ok_json(&cli(d, TOKEN, &["groups", "create", "--uai", UAI, "--template", "gar", "--json"]));
    let gar = gar["id"].as_str().unwrap().to_string();
    let data = open(d).load_population().unwrap().unwrap();
    let staff: Vec<String> = data
        .people
        .iter()
        .filter(|p| {
            matches!(p.profile, preau_core::model::Profile::Enseignant | preau_core::model::Profile::NonEnseignant)
        })
        .map(|p| p.id.clone())
        .collect();
    assert!(staff.len() > 30);
    lines(&cli(
        d,
        TOKEN,
        &["groups", "add", "--uai", UAI, "--group", &gar, "--person", &staff[0], "--role", "responsable", "--json"],
    ));
    let mut args: Vec<&str> = vec!["groups", "add", "--uai", UAI, "--group", &gar, "--json"];
    for p in &staff[1..26] {
        args.extend(["--person", p.as_str()]);
    }
    assert_eq!(ok_json(&cli(d, TOKEN, &args))["added"], 25);
    let o = cli(d, TOKEN, &["groups", "add", "--uai", UAI, "--group", &gar, "--person", &staff[26]]);
    fails_with(&o, "GAR_LIMIT");
    assert!(String::from_utf8_lossy(&o.stderr).contains("25 au plus"));
    let shown = ok_json(&cli(d, TOKEN, &["groups", "show", "--uai", UAI, "--group", &gar, "--json"]));
    assert_eq!(shown["members"], 26, "the 26th was not added");
    let member = &shown["members_list"][0];
    assert_eq!(member["role"], "responsable");
    let since = chrono::DateTime::parse_from_rfc3339(member["since"].as_str().unwrap()).unwrap();
    let active = chrono::DateTime::parse_from_rfc3339(member["active_from"].as_str().unwrap()).unwrap();
    assert_eq!((active - since).num_hours(), 24, "a new manager is active after 24 h");
    fails_with(&cli(d, TOKEN, &["groups", "delete", "--uai", UAI, "--group", &gar]), "GROUP_LOCKED");

    // A CSV driven by its header: two found, one unknown reported with its line.
    let ca =
        ok_json(&cli(d, TOKEN, &["groups", "create", "--uai", UAI, "--template", "conseil-administration", "--json"]));
    let ca = ca["id"].as_str().unwrap().to_string();
    let a = data.people.iter().find(|p| p.id == staff[0]).unwrap();
    let csv = format!("Identifiant;Nom\n{};x\n{};y\nINCONNU;z\n", a.id, staff[1]);
    let path = d.join("ca.csv");
    std::fs::write(&path, csv).unwrap();
    let o = cli(d, TOKEN, &["groups", "add", "--uai", UAI, "--group", &ca, "--csv", path.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1), "problems found: exit 1");
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["added"], 2);
    assert_eq!(out["problems"][0]["line"], 4);

    // A rule that cannot be read says where.
    let o = cli(d, TOKEN, &["groups", "rule", "--uai", UAI, "--group", &ca, "--rule", "profil:eleve et couleur:bleu"]);
    fails_with(&o, "GROUP_RULE");
    assert!(String::from_utf8_lossy(&o.stderr).contains("position 17"));
    let r =
        ok_json(&cli(d, TOKEN, &["groups", "rule", "--uai", UAI, "--group", &ca, "--rule", "fonction:AED", "--json"]));
    assert_eq!(r["selects"], 6);
    assert_eq!(r["pending"]["entrants"].as_array().unwrap().len(), 6);
    fails_with(&cli(d, TOKEN, &["groups", "show", "--uai", UAI, "--group", "NOPE"]), "GROUP_UNKNOWN");
    let list = lines(&cli(d, TOKEN, &["groups", "list", "--uai", UAI, "--json"]));
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["locked"], true);
}
