//! `cargo xtask bench groups`: every rule-populated group of the lycée demo
//! establishment evaluated (the templates, one group per level, per class
//! and per discipline taught, the function groups), median of several runs.
//! Target: ≤ 50 ms. Usage: `groups [--runs N]`.

use std::time::{Duration, Instant};

use preau_core::groups::{evaluate_all, templates, ManagedGroup, Rule};
use preau_core::model::{EstablishmentKind, GroupKind, Uai};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let runs: usize = args.iter().position(|a| a == "--runs").and_then(|i| args.get(i + 1)?.parse().ok()).unwrap_or(21);
    let data = preau_core::demo::generate(&Uai::parse("0999002X")?, EstablishmentKind::Lycee, 1);
    let mut rules: Vec<(String, String)> =
        templates(EstablishmentKind::Lycee).into_iter().filter_map(|t| Some((t.label, t.rule?))).collect();
    for l in &data.levels {
        rules.push((format!("Élèves de {}", l.code), format!("profil:eleve et niveau:{}", l.code)));
        rules.push((format!("Enseignants de {}", l.code), format!("profil:enseignant et niveau:{}", l.code)));
    }
    for d in &data.divisions {
        rules.push((format!("Classe {}", d.code), format!("profil:eleve et classe:{}", d.code)));
        rules.push((format!("Équipe de {}", d.code), format!("profil:enseignant et classe:{}", d.code)));
    }
    let mut disciplines: Vec<&str> =
        data.people.iter().flat_map(|p| p.functions.iter().filter_map(|f| f.discipline.as_deref())).collect();
    disciplines.sort();
    disciplines.dedup();
    for d in disciplines {
        rules.push((format!("Discipline {d}"), format!("discipline:{d}")));
    }
    for code in ["DIR", "EDU", "AED", "DOC", "ADF", "MDS", "ORI"] {
        rules.push((format!("Fonction {code}"), format!("fonction:{code} ou (profil:enseignant et non classe:2DE1)")));
    }
    let groups: Vec<ManagedGroup> = rules
        .iter()
        .enumerate()
        .map(|(k, (name, rule))| {
            Ok(ManagedGroup {
                id: format!("G{k}"),
                name: name.clone(),
                kind: GroupKind::Libre,
                rule: Some(Rule::parse(rule)?),
                lock_delete: false,
                lock_recompose: false,
                members: Vec::new(),
            })
        })
        .collect::<Result<_, preau_core::groups::RuleError>>()?;
    let mut times = Vec::with_capacity(runs);
    let mut selected = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let diffs = evaluate_all(&groups, &data);
        times.push(started.elapsed());
        selected = diffs.iter().map(|(_, d)| d.entrants.len()).sum::<usize>();
    }
    times.sort();
    let median: Duration = times[times.len() / 2];
    let ms = median.as_secs_f64() * 1000.0;
    println!(
        "groups: {} rule-populated groups over {} people of the lycée demo ({} memberships selected)",
        groups.len(),
        data.people.len(),
        selected
    );
    println!(
        "  evaluate all: {ms:.2} ms median of {runs} (min {:.2}, max {:.2}) — target ≤ 50 ms {}",
        times[0].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0,
        if ms <= 50.0 { "met" } else { "MISSED" }
    );
    Ok(())
}
