//! `preau-cli directory search`: the establishment's people and ENT accounts,
//! or the whole ENT directory, found by any start of their names in any
//! order, accents and case aside; filtered by profile and class; as CSV.

mod common;

use common::*;

fn search(d: &std::path::Path, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["directory", "search", "--uai", UAI, "--json"];
    all.extend_from_slice(args);
    lines(&cli(d, TOKEN, &all))
}

#[test]
fn anyone_is_found_by_the_starts_of_their_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo(d, 3);
    let data = open(d).load_population().unwrap().unwrap();
    let pupil = data.people.iter().find(|p| p.profile == preau_core::model::Profile::Eleve && !p.left).unwrap();
    let first = pupil.usual_name().to_string();
    // The first name's start, then the surname's, lower case, accents dropped.
    let typed = format!(
        "{} {}",
        preau_core::text::fold(&first)[..2].to_lowercase(),
        preau_core::text::fold(&pupil.usage_name)[..3].to_lowercase()
    );
    let hits = search(d, &[&typed]);
    assert!(hits.iter().any(|h| h["person"] == pupil.id.as_str()), "{typed}: {hits:?}");
    for h in &hits {
        assert!(h["sources"].as_array().unwrap().iter().any(|s| s == "siecle" || s == "sts" || s == "ent"));
    }
    // Filters: the profile and the class.
    let class = &pupil.divisions[0];
    let in_class = search(d, &["--profile", "eleve", "--classe", class, &typed]);
    assert!(in_class
        .iter()
        .all(|h| h["profil"] == "eleve" && h["classes"].as_array().unwrap().iter().any(|c| c == class.as_str())));
    assert!(in_class.iter().any(|h| h["person"] == pupil.id.as_str()));
    assert!(search(d, &["--profile", "enseignant", &typed]).iter().all(|h| h["profil"] == "enseignant"));
    assert!(search(d, &["zzzzqqq"]).is_empty());
    fails_with(
        &cli(d, TOKEN, &["directory", "search", "--uai", UAI, "--profile", "pirate", "a"]),
        "DIRECTORY_UNKNOWN_PROFILE",
    );
    // The list for the secretariat.
    let sheet = d.join("liste.csv");
    ok(&cli(d, TOKEN, &["directory", "search", "--uai", UAI, "--csv", sheet.to_str().unwrap(), &typed]));
    let text = std::fs::read_to_string(&sheet).unwrap();
    assert!(
        text.starts_with("\u{feff}Nom;Prénom;Profil;État;Classes;Établissements;Identifiant ENT;Identifiant Préau\r\n"),
        "{text}"
    );
    assert!(text.contains(&pupil.id), "{text}");

    // « Tout l'ENT »: the directory export imported, its accounts searched.
    let files = d.join("exports");
    ok(&cli(
        &d.join("autre"),
        TOKEN,
        &["demo", "--uai", UAI, "--kind", "college", "--seed", "3", "--out", files.to_str().unwrap()],
    ));
    let annuaire = files.join(format!("export_annuaire_ENT_{UAI}.csv"));
    ok(&cli(d, TOKEN, &["import", "--uai", UAI, annuaire.to_str().unwrap()]));
    let wide = search(d, &["--scope", "academie", &typed]);
    assert!(!wide.is_empty(), "{typed}");
    assert!(wide.iter().all(|h| h["account"].is_string() && h["sources"] == serde_json::json!(["ent"])), "{wide:?}");
    assert!(wide.iter().any(|h| h["nom"]
        .as_str()
        .is_some_and(|n| preau_core::text::fold(n) == preau_core::text::fold(&pupil.usage_name))));
}
