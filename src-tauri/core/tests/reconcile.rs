//! Reconciliation on the demo establishment: the Pronote identifiers file
//! against the ENT directory export, checked with `truth.json`.

use std::collections::HashMap;

use preau_core::formats::source::Input;
use preau_core::formats::{ent_directory, pronote_ids};
use preau_core::model::{EstablishmentKind, Uai};
use preau_core::reconcile::{self, Band, Category, Decision, Directory, Scope};

struct Case {
    decisions: Vec<Decision>,
    /// Pronote id → true ENT id.
    truth: HashMap<String, String>,
}

fn demo_case(kind: EstablishmentKind, uai: &str, seed: u64) -> Case {
    let uai = Uai::parse(uai).unwrap();
    let data = preau_core::demo::generate(&uai, kind, seed);
    let dir = tempfile::tempdir().unwrap();
    preau_core::demo::write_demo_files(&data, dir.path()).unwrap();
    let pronote =
        pronote_ids::read_all(&Input::file(dir.path().join(format!("identifiants_pronote_{uai}.csv")))).unwrap();
    let accounts =
        ent_directory::read_all(&Input::file(dir.path().join(format!("export_annuaire_ENT_{uai}.csv")))).unwrap();
    let truth_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
    let mut truth = HashMap::new();
    for p in truth_json["people"].as_array().unwrap() {
        if let (Some(pn), Some(ent)) = (p["ids"]["pronote_id"].as_str(), p["ids"]["ent_id"].as_str()) {
            truth.insert(pn.to_string(), ent.to_string());
        }
    }
    let directory = Directory::build(accounts.records);
    let sources = reconcile::from_pronote(&pronote.records);
    let decisions = reconcile::reconcile(&sources, &directory, &Scope::Establishment(uai.to_string()));
    Case { decisions, truth }
}

fn report(case: &Case) -> HashMap<Category, (usize, usize, usize, usize)> {
    // category → (records, auto, wrong auto, true account in top 3)
    let mut out: HashMap<Category, (usize, usize, usize, usize)> = HashMap::new();
    for d in &case.decisions {
        let e = out.entry(d.category).or_default();
        e.0 += 1;
        let truth = case.truth.get(&d.source_id);
        if d.band == Band::Auto {
            e.1 += 1;
            if d.account.as_ref() != truth {
                e.2 += 1;
                eprintln!("WRONG {:?}", d);
            }
        }
        if truth.is_some_and(|t| d.candidates.iter().take(3).any(|c| &c.account == t)) {
            e.3 += 1;
        }
    }
    let mut cats: Vec<_> = out.iter().collect();
    cats.sort_by_key(|(c, _)| **c);
    for (c, (n, auto, wrong, top3)) in cats {
        eprintln!(
            "{:<12} n={n:5} auto={auto:5} ({:.1} %) wrong={wrong} top3={:.2} %",
            c.as_str(),
            100.0 * *auto as f64 / *n as f64,
            100.0 * *top3 as f64 / *n as f64
        );
    }
    out
}

#[test]
fn demo_pronote_never_links_wrongly() {
    for (kind, uai, seed) in [(EstablishmentKind::College, "0999001W", 7), (EstablishmentKind::Lycee, "0999002X", 11)] {
        let case = demo_case(kind, uai, seed);
        let stats = report(&case);
        for (cat, (_, _, wrong, _)) in &stats {
            assert_eq!(*wrong, 0, "{cat:?}: wrong automatic links");
        }
    }
}
