//! The accounts created in Préau at the year's turn: no national file
//! renews them, so the transition lists them (not the closed ones) and
//! `check rentree` says how to extend or close each.

mod common;

use common::*;

#[test]
fn the_hand_made_accounts_are_listed_for_the_transition() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo(d, 3);
    // A creation first looks through the whole ENT: its directory export, imported.
    let files = d.join("exports");
    ok(&cli(
        &d.join("autre"),
        TOKEN,
        &["demo", "--uai", UAI, "--kind", "college", "--seed", "3", "--out", files.to_str().unwrap()],
    ));
    let annuaire = files.join(format!("export_annuaire_ENT_{UAI}.csv"));
    ok(&cli(d, TOKEN, &["import", "--uai", UAI, annuaire.to_str().unwrap()]));
    let create = |nom: &str, profil: &str, end: &[&str]| -> String {
        let mut args = vec![
            "directory",
            "create",
            "--uai",
            UAI,
            "--profil",
            profil,
            "--nom",
            nom,
            "--prenom",
            "Ysaline",
            "--force",
            "--json",
        ];
        args.extend_from_slice(end);
        ok_json(&cli(d, TOKEN, &args))["account"].as_str().unwrap().to_string()
    };
    let social = create("Quenardel", "non_enseignant", &["--perenne"]);
    let host = create("Accueil", "invite", &["--jusqu-au", "2099-07-31"]);
    let gone = create("Parti", "invite", &["--perenne"]);
    ok_json(&cli(d, TOKEN, &["directory", "end", "--uai", UAI, "--person", &gone, "--fermer", "--json"]));

    let preview = open(d).transition_preview().unwrap();
    let listed: Vec<(&str, Option<&str>)> =
        preview.hand_accounts.iter().map(|h| (h.id.as_str(), h.until.as_deref())).collect();
    assert_eq!(listed, vec![(social.as_str(), None), (host.as_str(), Some("2099-07-31"))], "the closed one is not");
    assert_eq!(preview.hand_accounts[0].name, "Ysaline QUENARDEL");
    let json = serde_json::to_value(&preview).unwrap();
    assert_eq!(json["hand_accounts"][1]["profile"], "invite", "{json}");

    let text =
        String::from_utf8_lossy(&cli(d, TOKEN, &["check", "rentree", "--uai", UAI, "--date", "2027-06-20"]).stdout)
            .into_owned();
    assert!(text.contains("Comptes créés dans Préau (2)"), "{text}");
    assert!(text.contains(&format!("Ysaline QUENARDEL — personnel — pérenne [{social}]")), "{text}");
    assert!(text.contains(&format!("Ysaline ACCUEIL — invité — jusqu'au 31/07/2099 [{host}]")), "{text}");
    assert!(
        text.contains(&format!("preau-cli directory end --uai {UAI} --person {host} --jusqu-au AAAA-MM-JJ"))
            && text.contains(&format!("preau-cli directory end --uai {UAI} --person {host} --fermer")),
        "{text}"
    );
    assert!(!text.contains(&gone), "{text}");
    // The JSON lines stay the steps.
    let o = cli(d, TOKEN, &["check", "rentree", "--uai", UAI, "--date", "2027-06-20", "--json"]);
    assert!(String::from_utf8_lossy(&o.stdout)
        .lines()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["step"].is_string()));
}
