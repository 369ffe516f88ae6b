//! `preau-cli directory show/create/function/aesh/end`: a pupil's fiche with
//! every source that knows them and where they disagree; a parent's fiche
//! answering « a parent receives information about a child who is not
//! theirs »; an account created only once the near-existing one was shown
//! and creating anyway was chosen; P9222 placing a staff member in
//! « Assistante sociale »; an AESH linked to a pupil; a hand-made account
//! closed. Every change waits in the outbox.

mod common;

use common::*;
use std::path::Path;

/// The demo's exports written apart, the ENT directory edited by `edit`, all imported into `d`.
fn imported(d: &Path, edit: impl FnOnce(String) -> String) {
    let files = d.join("exports");
    ok(&cli(
        &d.join("generateur"),
        TOKEN,
        &["demo", "--uai", UAI, "--kind", "college", "--seed", "5", "--out", files.to_str().unwrap()],
    ));
    let annuaire = files.join(format!("export_annuaire_ENT_{UAI}.csv"));
    let text = std::fs::read_to_string(&annuaire).unwrap();
    std::fs::write(&annuaire, edit(text)).unwrap();
    let mut args: Vec<String> = vec!["import".into(), "--uai".into(), UAI.into()];
    for f in [
        "ElevesSansAdresses.xml".to_string(),
        "ResponsablesAvecAdresses.xml".into(),
        "Structures.xml".into(),
        "Nomenclature.xml".into(),
        format!("sts_emp_{UAI}_2026.xml"),
        format!("export_annuaire_ENT_{UAI}.csv"),
    ] {
        args.push(files.join(f).to_str().unwrap().to_string());
    }
    for entry in std::fs::read_dir(&files).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().unwrap().to_str().unwrap().starts_with("ENT_") {
            args.push(p.to_str().unwrap().to_string());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&cli(d, TOKEN, &args));
}

fn show(d: &Path, id: &str) -> serde_json::Value {
    ok_json(&cli(d, TOKEN, &["directory", "show", "--uai", UAI, "--person", id, "--json"]))
}

fn cells(line: &str) -> Vec<String> {
    line.split(';').map(|c| c.trim_matches('"').to_string()).collect()
}

#[test]
fn a_fiche_says_where_each_value_and_each_link_comes_from() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // In the ENT directory: a pupil's birth date typed wrong, and a parent
    // given a child SIECLE does not give them.
    let mut wrong = (String::new(), String::new(), String::new());
    imported(d, |text| {
        let lines: Vec<&str> = text.lines().collect();
        let pupil = lines.iter().position(|l| l.contains("\"Élève\"") && l.contains("/20")).unwrap();
        let other = lines.iter().rposition(|l| l.contains("\"Élève\"")).unwrap();
        let parent = lines.iter().position(|l| l.contains("\"Parent\"")).unwrap();
        let p = cells(lines[pupil]);
        wrong.0 = p[0].clone();
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        // 24/04/2012 → 25/04/2012: one day off.
        let date = p[5].clone();
        let day: u32 = date[..2].parse().unwrap();
        let moved = format!("{:02}{}", if day >= 28 { day - 1 } else { day + 1 }, &date[2..]);
        out[pupil] = out[pupil].replace(&format!("\"{date}\""), &format!("\"{moved}\""));
        let o = cells(lines[other]);
        wrong.1 = o[0].clone();
        let par = cells(lines[parent]);
        wrong.2 = par[0].clone();
        let children = if par[9].is_empty() { o[0].clone() } else { format!("{}, {}", par[9], o[0]) };
        out[parent] = out[parent].replacen(&format!(";\"{}\";", par[9]), &format!(";\"{children}\";"), 1);
        out.join("\r\n") + "\r\n"
    });
    let (pupil_account, stranger_account, parent_account) = wrong;

    // The pupil: SIECLE, AAF and the ENT directory, the birth date disagreeing.
    let pupil = show(d, &pupil_account);
    let sources: Vec<&str> =
        pupil["sources"].as_array().unwrap().iter().map(|s| s["source"].as_str().unwrap()).collect();
    assert!(sources.contains(&"siecle") && sources.contains(&"ent") && sources.contains(&"aaf"), "{sources:?}");
    let disagree: Vec<&str> =
        pupil["disagreements"].as_array().unwrap().iter().map(|x| x["field"].as_str().unwrap()).collect();
    assert_eq!(disagree, ["naissance"], "{pupil}");
    assert!(pupil["responsables"].as_array().unwrap().iter().any(|r| r["level"] == "legal"));
    assert_eq!(pupil["account"]["state"], "operationnel");
    let text = ok(&cli(d, TOKEN, &["directory", "show", "--uai", UAI, "--person", &pupil_account]));
    assert!(text.contains("Désaccord — Date de naissance"), "{text}");

    // The parent: their children by SIECLE, and the one only the ENT gives, with what to correct where.
    let parent = show(d, &parent_account);
    assert_eq!(parent["profil"], "responsable");
    assert_eq!(parent["account"]["id"], parent_account.as_str(), "the parent is paired with their account");
    let children = parent["children"].as_array().unwrap();
    let from_siecle = children.iter().find(|c| c["from"].as_array().unwrap().iter().any(|f| f == "siecle")).unwrap();
    assert!(from_siecle["correct"].as_str().unwrap().contains("SIECLE"), "{from_siecle}");
    let stray = children.iter().find(|c| c["account"] == stranger_account.as_str()).expect("the ENT's extra child");
    assert_eq!(stray["from"], serde_json::json!(["ent"]));
    assert!(stray["level"].is_null());
    let advice = stray["correct"].as_str().unwrap();
    assert!(advice.contains("SIECLE ne le donne pas") && advice.contains("ticket"), "{advice}");

    fails_with(&cli(d, TOKEN, &["directory", "show", "--uai", UAI, "--person", "PERSONNE"]), "PERSON_UNKNOWN");
}

#[test]
fn accounts_functions_and_aesh_links_wait_for_the_ent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    imported(d, |t| t);
    let staff = lines(&cli(d, TOKEN, &["directory", "search", "--uai", UAI, "--fonction", "ADF", "--json"]));
    let staff = &staff[0];
    let (nom, prenom, person) =
        (staff["nom"].as_str().unwrap(), staff["prenom"].as_str().unwrap(), staff["person"].as_str().unwrap());
    let waiting = |d: &Path| open(d).outbox().unwrap().len();

    // A guest one letter off a staff member: shown, not created.
    let typo = format!("{}{}", &nom[..nom.len() - 1], if nom.ends_with('E') { "A" } else { "E" });
    let create = |force: bool| {
        let mut args =
            vec!["directory", "create", "--uai", UAI, "--profil", "invite", "--nom", &typo, "--prenom", prenom];
        args.extend(["--perenne", "--json"]);
        if force {
            args.push("--force");
        }
        cli(d, TOKEN, &args)
    };
    let refused = create(false);
    assert_eq!(refused.status.code(), Some(1), "{}", String::from_utf8_lossy(&refused.stderr));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.to_uppercase().contains(&nom.to_uppercase()) && said.contains("--force"), "{said}");
    assert_eq!(waiting(d), 0, "nothing queued before the explicit choice");
    let made = ok_json(&create(true));
    let id = made["person"].as_str().unwrap().to_string();
    assert!(id.starts_with("PREAU-"), "{made}");
    let login = made["login"].as_str().unwrap();
    // prénom.nom, lower case, no accent.
    let fold = |t: &str| preau_core::text::fold(t).to_lowercase();
    assert_eq!(login.replace('-', ""), format!("{}.{}", fold(prenom), fold(&typo)), "{made}");
    let fiche = show(d, &id);
    assert_eq!(fiche["account"]["state"], "a_creer");
    assert_eq!(fiche["account"]["hand_made"], true);
    assert_eq!(fiche["sources"][0]["source"], "preau");
    let found = lines(&cli(d, TOKEN, &["directory", "search", "--uai", UAI, "--json", &typo]));
    assert!(found
        .iter()
        .any(|h| h["person"] == id.as_str() && h["etat"] == "a_creer" && h["sources"] == serde_json::json!(["preau"])));
    // Refusals say why, nothing written.
    for (args, code) in [
        (vec!["--profil", "eleve", "--nom", "X", "--prenom", "Y", "--perenne"], "ACCOUNT_PROFILE_NOT_CREATABLE"),
        (vec!["--profil", "invite", "--nom", "X", "--prenom", "Y"], "ACCOUNT_NO_END"),
        (vec!["--profil", "invite", "--nom", "X", "--prenom", "Y", "--jusqu-au", "2001-01-01"], "ACCOUNT_BAD_DATE"),
        (
            vec!["--profil", "invite", "--nom", "X", "--prenom", "Y", "--perenne", "--fonction", "MDS/9222"],
            "FUNCTION_CODE",
        ),
    ] {
        let mut all = vec!["directory", "create", "--uai", UAI];
        all.extend(args);
        fails_with(&cli(d, TOKEN, &all), code);
    }
    let queued = waiting(d);
    assert!(queued >= 1);

    // P9222: the node shown first, then the staff member sits in « Assistante sociale ».
    let preview = ok_json(&cli(
        d,
        TOKEN,
        &["directory", "function", "--uai", UAI, "--person", person, "--add", "MDS/P9222", "--dry-run", "--json"],
    ));
    assert!(preview["after"].as_array().unwrap().iter().any(|n| n == "Mon établissement/Autres/Assistante sociale"));
    assert_eq!(waiting(d), queued, "a preview queues nothing");
    ok(&cli(d, TOKEN, &["directory", "function", "--uai", UAI, "--person", person, "--add", "MDS/P9222"]));
    assert_eq!(waiting(d), queued + 2, "the functions and the nodes");
    let nodes = ok(&cli(d, TOKEN, &["visibility", "functions", "--uai", UAI]));
    let line = nodes.lines().find(|l| l.contains("Assistante sociale")).unwrap();
    assert!(line.to_uppercase().contains(&nom.to_uppercase()), "{line}");
    // Taken away again, they leave the node.
    ok(&cli(d, TOKEN, &["directory", "function", "--uai", UAI, "--person", person, "--remove", "MDS/P9222"]));
    let nodes = ok(&cli(d, TOKEN, &["visibility", "functions", "--uai", UAI]));
    let line = nodes.lines().find(|l| l.contains("Assistante sociale")).unwrap();
    assert!(!line.to_uppercase().contains(&nom.to_uppercase()), "{line}");

    // An AESH follows a pupil, then no longer.
    let pupil =
        lines(&cli(d, TOKEN, &["directory", "search", "--uai", UAI, "--profile", "eleve", "--classe", "6A", "--json"]));
    let pupil = pupil[0]["person"].as_str().unwrap();
    ok(&cli(d, TOKEN, &["directory", "aesh", "--uai", UAI, "--aesh", person, "--eleve", pupil]));
    assert_eq!(show(d, person)["follows"][0]["person"], pupil);
    assert_eq!(show(d, pupil)["followed_by"][0]["person"], person);
    fails_with(
        &cli(d, TOKEN, &["directory", "aesh", "--uai", UAI, "--aesh", pupil, "--eleve", pupil]),
        "FOLLOWER_IS_PUPIL",
    );
    ok(&cli(d, TOKEN, &["directory", "aesh", "--uai", UAI, "--aesh", person, "--eleve", pupil, "--remove"]));
    assert!(show(d, person)["follows"].as_array().unwrap().is_empty());

    // The hand-made account closed.
    ok(&cli(d, TOKEN, &["directory", "end", "--uai", UAI, "--person", &id, "--fermer"]));
    assert_eq!(show(d, &id)["account"]["state"], "ferme");
    fails_with(
        &cli(d, TOKEN, &["directory", "end", "--uai", UAI, "--person", person, "--fermer"]),
        "ACCOUNT_NOT_HAND_MADE",
    );
    let journal = open(d).audit_entries(100).unwrap();
    for action in
        ["ACCOUNT_CREATED", "FUNCTION_ADDED", "FUNCTION_REMOVED", "FOLLOW_ADDED", "FOLLOW_REMOVED", "ACCOUNT_CLOSED"]
    {
        assert!(journal.iter().any(|e| e.action == action), "{action}");
    }
}
