//! `preau-cli check rentree`: the steps as of a date, in DESIGN.md's JSON
//! shape, the exit code following the blocking checks.

mod common;

use common::*;
use serde_json::Value;

fn check(d: &std::path::Path, date: &str) -> (Option<i32>, Vec<Value>) {
    let o = cli(d, TOKEN, &["check", "rentree", "--uai", UAI, "--date", date, "--json"]);
    let lines = String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (o.status.code(), lines)
}

#[test]
fn the_checklist_follows_the_date_and_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(cli(d, TOKEN, &["demo", "--uai", UAI, "--kind", "college", "--seed", "3"]).status.code(), Some(0));
    let (code, steps) = check(d, "2026-07-05");
    assert_eq!(code, Some(1), "blocking checks fail: exit 1");
    // Read by a person: dates jj/mm/aaaa.
    let text = cli(d, TOKEN, &["check", "rentree", "--uai", UAI, "--date", "2026-07-05"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("(échéance 10/07/2026)") && !text.contains("2026-07-10"), "{text}");
    assert_eq!(steps.len(), 12);
    for s in &steps {
        for key in ["step", "period", "status", "due", "checks"] {
            assert!(s.get(key).is_some(), "{key} in {s}");
        }
        assert!(["juillet", "aout", "septembre", "fin_annee"].contains(&s["period"].as_str().unwrap()));
        assert!(["a_faire", "en_cours", "fait", "bloque", "sans_objet"].contains(&s["status"].as_str().unwrap()));
    }
    let step = |steps: &[Value], code: &str| steps.iter().find(|s| s["step"] == code).unwrap().clone();
    assert_eq!(step(&steps, "BLOCAGE_ACCES")["status"], "a_faire");
    assert_eq!(step(&steps, "SIECLE_VERIFIE")["late"], false);
    // Created today: a step due before then is never late…
    let (_, later) = check(d, "2026-09-20");
    let created = chrono::Local::now().date_naive();
    if created > chrono::NaiveDate::from_ymd_opt(2026, 8, 25).unwrap() {
        assert_eq!(step(&later, "BLOCAGE_ACCES")["late"], false, "due before the establishment was created here");
    }
    // …unless the administrator says the rentrée was followed since July.
    let followed = preau_core::rentree::Settings { followed_since: Some("2026-07-01".into()), ..Default::default() };
    open(d).set_rentree_settings(&followed, "test").unwrap();
    let (_, later) = check(d, "2026-09-20");
    assert_eq!(step(&later, "BLOCAGE_ACCES")["late"], true, "due on 25 August, not done");

    // The ENT settings reported, a step set by hand: green where they should be.
    let mut store = open(d);
    store
        .set_rentree_settings(
            &preau_core::rentree::Settings {
                embargo_pupils: Some("2026-09-01".into()),
                embargo_parents: Some("2026-09-01".into()),
                pronote_version: Some("PRONOTE 2026".into()),
                end_of_year: Some("2027-07-20".into()),
                no_pronote: false,
                followed_since: Some("2026-07-01".into()),
            },
            "test",
        )
        .unwrap();
    store.set_rentree_step("ARCHIVAGE", Some(preau_core::rentree::Status::Fait), "constaté le 16", "test").unwrap();
    drop(store);
    let (_, steps) = check(d, "2026-09-20");
    assert_eq!(step(&steps, "BLOCAGE_ACCES")["status"], "fait");
    assert_eq!(step(&steps, "BLOCAGE_ACCES")["late"], false);
    assert_eq!(step(&steps, "ARCHIVAGE")["status"], "fait");
    let end = step(&steps, "FIN_ANNEE");
    assert_eq!(
        (end["status"].as_str(), end["checks"][0]["blocking"].as_bool()),
        (Some("bloque"), Some(true)),
        "beyond 15 July blocks"
    );
    // Unusable date.
    fails_with(&cli(d, TOKEN, &["check", "rentree", "--uai", UAI, "--date", "20/09/2026"]), "CLI_USAGE");
    assert!(open(d).audit_verify().unwrap().ok);
}
