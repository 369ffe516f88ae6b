//! `cargo xtask bench directory`: the Annuaire's search in « Mon
//! établissement » for the lycée demo (its people and ENT accounts), as the
//! window runs it — the people prepared once from the store, then each
//! keystroke of « nom prénom » typed letter by letter, for 200 people spread
//! over the establishment. Target: p95 ≤ 20 ms a keystroke. The search over
//! the whole ENT at a million accounts is timed by `bench reconcile`.

use std::time::{Duration, Instant};

use preau_core::directory::{Filters, People};
use preau_core::model::{EstablishmentKind, Profile, Uai};
use preau_core::secrets::DbKey;
use preau_core::store::Store;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let uai = Uai::parse("0999002X")?;
    let mut store = Store::open_or_create(dir.path(), &uai, &DbKey::random()?, "bench@directory")?;
    let data = preau_core::demo::generate(&uai, EstablishmentKind::Lycee, 1);
    store.replace_population(&data, "bench@directory", "DEMO_GENERATED", &serde_json::json!({}))?;

    let mut loads = Vec::new();
    let mut people = None;
    for _ in 0..5 {
        let t = Instant::now();
        people = People::load(&store)?;
        loads.push(t.elapsed());
    }
    let people = people.ok_or("no population")?;

    let sample: Vec<&preau_core::model::Person> =
        data.people.iter().filter(|p| !p.left).step_by((data.people.len() / 200).max(1)).take(200).collect();
    let mut plain = Vec::new();
    let mut teachers = Vec::new();
    let mut found = 0;
    let only_teachers = Filters { profile: Some(Profile::Enseignant), ..Default::default() };
    for p in &sample {
        let text = format!("{} {}", p.usage_name, p.usual_name());
        let chars: Vec<char> = text.chars().collect();
        for n in 1..=chars.len() {
            let typed: String = chars[..n].iter().collect();
            let t = Instant::now();
            let hits = std::hint::black_box(people.search(&typed, &Filters::default(), 50));
            plain.push(t.elapsed());
            if n == chars.len() && hits.iter().any(|h| h.person.as_deref() == Some(p.id.as_str())) {
                found += 1;
            }
            let t = Instant::now();
            std::hint::black_box(people.search(&typed, &only_teachers, 50));
            teachers.push(t.elapsed());
        }
    }
    println!("lycée demo: {} people, {} ENT accounts", data.people.len(), data.accounts.len());
    println!(
        "  people prepared from the store: median {:.1} ms of {}",
        ms(percentile(loads.clone(), 0.5)),
        loads.len()
    );
    for (name, times) in [("no filter", plain), ("profile Enseignant", teachers)] {
        println!(
            "  Annuaire « Mon établissement », {name}, page of 50 ({} keystrokes): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms (target p95 ≤ 20 ms)",
            times.len(),
            ms(percentile(times.clone(), 0.5)),
            ms(percentile(times.clone(), 0.95)),
            ms(percentile(times, 1.0)),
        );
    }
    println!(
        "    « nom prénom » of {} people typed letter by letter; {found} of them on the page once typed in full",
        sample.len()
    );
    Ok(())
}
