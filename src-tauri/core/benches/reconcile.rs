//! `cargo xtask bench reconcile`: reconciliation quality on held-out seeds of
//! the synthetic academy (the thresholds were set on seeds 1–5), reported
//! per profile and per hard-case stratum, then speed: establishment scope,
//! search as you type, and the index build and matching at academy size.
//! Usage: `reconcile [--seeds A..B] [--academy N] [--accounts N] [--quick]`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use preau_core::demo::linkage::{generate_linkage, LinkageCase, LinkageConfig};
use preau_core::reconcile::{self, Band, Directory, Scope};

#[derive(Default)]
struct Tally {
    records: usize,
    with_account: usize,
    auto_right: usize,
    auto_wrong: usize,
    top3: usize,
    review: usize,
    orphans_not_auto: usize,
    orphans: usize,
}

impl Tally {
    fn add(&mut self, truth: Option<&String>, d: &reconcile::Decision) {
        self.records += 1;
        if d.band == Band::Review {
            self.review += 1;
        }
        match truth {
            Some(t) => {
                self.with_account += 1;
                if d.candidates.iter().take(3).any(|c| &c.account == t) {
                    self.top3 += 1;
                }
                if d.band == Band::Auto {
                    if d.account.as_ref() == Some(t) {
                        self.auto_right += 1;
                    } else {
                        self.auto_wrong += 1;
                    }
                }
            }
            None => {
                self.orphans += 1;
                if d.band == Band::Auto {
                    self.auto_wrong += 1;
                } else {
                    self.orphans_not_auto += 1;
                }
            }
        }
    }

    fn line(&self, name: &str) -> String {
        let pct = |a: usize, b: usize| {
            if b == 0 {
                "—".to_string()
            } else {
                format!("{:.2} %", 100.0 * a as f64 / b as f64)
            }
        };
        let autos = self.auto_right + self.auto_wrong;
        format!(
            "{name:<22} {:>7} {:>9} {:>10} {:>6} {:>10} {:>9} {:>10}",
            self.records,
            autos,
            pct(self.auto_right, autos),
            self.auto_wrong,
            pct(self.auto_right, self.with_account),
            pct(self.top3, self.with_account),
            pct(self.review, self.records),
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v.get(((v.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or_default()
}

fn quality(seeds: std::ops::Range<u64>) {
    let mut by_profile: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_stratum: BTreeMap<String, Tally> = BTreeMap::new();
    let mut all = Tally::default();
    let mut times = Vec::new();
    for seed in seeds.clone() {
        let cfg = LinkageConfig { seed, establishments: 40, households: 230, evaluated: 8, orphans: 60 };
        let case: LinkageCase = generate_linkage(&cfg);
        let directory = Directory::build(case.directory.clone());
        for set in &case.sources {
            let t = Instant::now();
            let decisions = reconcile::reconcile(&set.records, &directory, &Scope::Establishment(set.uai.clone()));
            times.push(t.elapsed());
            for (i, d) in decisions.iter().enumerate() {
                let truth = set.truth[i].as_ref();
                all.add(truth, d);
                by_profile.entry(d.category.as_str().to_string()).or_default().add(truth, d);
                for s in &set.strata[i] {
                    by_stratum.entry((*s).to_string()).or_default().add(truth, d);
                }
            }
        }
    }
    println!("reconcile quality: synthetic academy, held-out seeds {}..{}", seeds.start, seeds.end);
    println!(
        "{:<22} {:>7} {:>9} {:>10} {:>6} {:>10} {:>9} {:>10}",
        "", "records", "auto", "precision", "wrong", "coverage", "top 3", "review"
    );
    println!("{}", all.line("all"));
    for (k, t) in &by_profile {
        println!("{}", t.line(&format!("profile {k}")));
    }
    for (k, t) in &by_stratum {
        println!("{}", t.line(&format!("stratum {k}")));
    }
    let orphans_ok = if all.orphans == 0 { 1.0 } else { all.orphans_not_auto as f64 / all.orphans as f64 };
    println!(
        "no-counterpart records left un-auto-linked: {:.2} % of {}; 95 % upper bound on the false-link rate: {:.1e}",
        100.0 * orphans_ok,
        all.orphans,
        3.0 / (all.auto_right + all.auto_wrong).max(1) as f64
    );
    println!(
        "establishment scope, one source file against the academy's index: median {:.1} ms, max {:.1} ms (target ≤ 20 ms)",
        ms(percentile(times.clone(), 0.5)),
        ms(percentile(times, 1.0))
    );
}

fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb / 1024)
}

fn academy(establishments: usize, accounts: usize) {
    let t = Instant::now();
    let cfg = LinkageConfig { evaluated: 1, ..LinkageConfig::academy(99, establishments, accounts) };
    let case = generate_linkage(&cfg);
    let generated = t.elapsed();
    let accounts = case.directory.len();
    let t = Instant::now();
    let directory = Directory::build(case.directory);
    let build = t.elapsed();
    // Up to 2,000 records from the evaluated establishment, academy-wide.
    let set = &case.sources[0];
    let records: Vec<_> = set.records.iter().take(2_000).cloned().collect();
    let mut runs = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        std::hint::black_box(reconcile::reconcile(&records, &directory, &Scope::Academy(Some(set.uai.clone()))));
        runs.push(t.elapsed());
    }
    let mut searches = Vec::new();
    for r in records.iter().take(200) {
        for n in 1..=r.last_name.len().min(6) {
            let typed: String = r.last_name.chars().take(n).collect();
            let t = Instant::now();
            std::hint::black_box(directory.search(&typed, None, 20));
            searches.push(t.elapsed());
        }
    }
    println!(
        "academy: {establishments} establishments, {accounts} accounts (generated in {:.1} s)",
        generated.as_secs_f64()
    );
    println!("  index build: {:.2} s (target ≤ 5 s)", build.as_secs_f64());
    println!("  {} records academy-wide: median {:.0} ms (target ≤ 250 ms)", records.len(), ms(percentile(runs, 0.5)));
    println!(
        "  search as you type over the whole academy: p50 {:.1} ms, p95 {:.1} ms (target p95 ≤ 20 ms)",
        ms(percentile(searches.clone(), 0.5)),
        ms(percentile(searches, 0.95))
    );
    if let Some(mb) = peak_rss_mb() {
        println!("  peak RSS of the whole run: {mb} MB (target ≤ 300 MB for the index)");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let seeds = arg("--seeds")
        .and_then(|s| {
            let (a, b) = s.split_once("..")?;
            Some(a.parse().ok()?..b.parse().ok()?)
        })
        .unwrap_or(6..16);
    let establishments: usize = arg("--academy").and_then(|n| n.parse().ok()).unwrap_or(400);
    let accounts: usize = arg("--accounts").and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    quality(seeds);
    if !args.iter().any(|a| a == "--quick") {
        academy(establishments, accounts);
    }
}
