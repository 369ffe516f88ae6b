//! `cargo xtask bench reconcile`: reconciliation quality on held-out seeds of
//! the synthetic academy (the thresholds were set on seeds 1–5), reported
//! per profile and per hard-case stratum — the Pronote file and the
//! timetable export, each in establishment and in academy scope, and the
//! timetable's classes —, then speed: establishment scope,
//! search as you type (the index's, and the Annuaire's « tout l'ENT » page,
//! unfiltered and by profile), and the index build and matching at academy size.
//! Usage: `reconcile [--seeds A..B] [--academy N] [--accounts N] [--quick]
//! [--out DIR]`. With `--out`, each seed's academy is written as real-format
//! files to `DIR/seed-<N>/` and Préau's overall figures to `DIR/preau.tsv`,
//! for `cargo xtask bench reconcile --compare splink`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use preau_core::demo::linkage::{generate_linkage, write_academy, LinkageCase, LinkageConfig};
use preau_core::directory::Filters;
use preau_core::formats::source::Input;
use preau_core::model::Profile;
use preau_core::reconcile::{self, Band, Directory, Scope, SourceKind};

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

/// The four ways an establishment's people are reconciled: its Pronote file
/// or its timetable, against its own accounts or the whole academy's.
const RUNS: [&str; 4] = ["pronote, établissement", "pronote, académie", "edt, établissement", "edt, académie"];

fn quality(seeds: std::ops::Range<u64>, out: Option<&Path>) -> std::io::Result<()> {
    let mut by_profile: BTreeMap<(usize, String), Tally> = BTreeMap::new();
    let mut by_stratum: BTreeMap<(usize, String), Tally> = BTreeMap::new();
    let mut all: Vec<Tally> = RUNS.iter().map(|_| Tally::default()).collect();
    let (mut classes, mut classes_auto, mut classes_wrong) = (0usize, 0usize, 0usize);
    let mut times = Vec::new();
    let mut builds = Duration::ZERO;
    for seed in seeds.clone() {
        let cfg = LinkageConfig { seed, establishments: 40, households: 230, evaluated: 8, orphans: 60 };
        let case: LinkageCase = generate_linkage(&cfg);
        if let Some(out) = out {
            write_academy(&case, &out.join(format!("seed-{seed}")))?;
        }
        let t = Instant::now();
        let directory = Directory::build(case.directory.clone());
        builds += t.elapsed();
        let sets = case.sources.iter().map(|s| (0, s)).chain(case.edt.iter().map(|e| (2, &e.set)));
        for (base, set) in sets {
            for academy in [false, true] {
                let run = base + usize::from(academy);
                let scope =
                    if academy { Scope::Academy(Some(set.uai.clone())) } else { Scope::Establishment(set.uai.clone()) };
                let t = Instant::now();
                let decisions = reconcile::reconcile(&set.records, &directory, &scope);
                if run == 0 {
                    times.push(t.elapsed());
                }
                for (i, d) in decisions.iter().enumerate() {
                    let truth = set.truth[i].as_ref();
                    all[run].add(truth, d);
                    by_profile.entry((run, d.category.as_str().to_string())).or_default().add(truth, d);
                    for s in &set.strata[i] {
                        by_stratum.entry((run, (*s).to_string())).or_default().add(truth, d);
                    }
                }
            }
        }
        for e in &case.edt {
            let timetable = reconcile::structures::timetable_structures(&e.records);
            let ent = reconcile::ent_structures_in(&directory, &[], Some(&e.set.uai));
            for (_, d) in reconcile::structures::match_structures(&timetable, &ent, 1) {
                classes += 1;
                let truth = e.classes.iter().find(|(ident, _)| *ident == d.source_id).map(|(_, c)| c);
                if d.band == Band::Auto {
                    classes_auto += 1;
                    if d.account.as_ref() != truth {
                        classes_wrong += 1;
                    }
                }
            }
        }
    }
    println!("reconcile quality: synthetic academy, held-out seeds {}..{}", seeds.start, seeds.end);
    for (run, name) in RUNS.iter().enumerate() {
        println!();
        println!(
            "{:<22} {:>7} {:>9} {:>10} {:>6} {:>10} {:>9} {:>10}",
            name, "records", "auto", "precision", "wrong", "coverage", "top 3", "review"
        );
        println!("{}", all[run].line("all"));
        for ((r, k), t) in &by_profile {
            if *r == run {
                println!("{}", t.line(&format!("profile {k}")));
            }
        }
        for ((r, k), t) in &by_stratum {
            if *r == run {
                println!("{}", t.line(&format!("stratum {k}")));
            }
        }
        let a = &all[run];
        let orphans_ok = if a.orphans == 0 { 1.0 } else { a.orphans_not_auto as f64 / a.orphans as f64 };
        println!(
            "no-counterpart records left un-auto-linked: {:.2} % of {}; 95 % upper bound on the false-link rate: {:.1e}",
            100.0 * orphans_ok,
            a.orphans,
            3.0 / (a.auto_right + a.auto_wrong).max(1) as f64
        );
    }
    println!();
    println!(
        "timetable classes: {classes}, linked automatically {classes_auto} ({:.2} %), wrong {classes_wrong}",
        100.0 * classes_auto as f64 / classes.max(1) as f64
    );
    println!(
        "establishment scope, one source file against the academy's index: median {:.1} ms, max {:.1} ms (target ≤ 20 ms)",
        ms(percentile(times.clone(), 0.5)),
        ms(percentile(times.clone(), 1.0))
    );
    if let Some(out) = out {
        let all = &all[0];
        let autos = all.auto_right + all.auto_wrong;
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let tsv = format!(
            "records\twith_account\tauto\twrong\tprecision\tcoverage\ttop3\tmatch_ms\tindex_ms\n\
             {}\t{}\t{autos}\t{}\t{:.6}\t{:.6}\t{:.6}\t{:.3}\t{:.3}\n",
            all.records,
            all.with_account,
            all.auto_wrong,
            ratio(all.auto_right, autos),
            ratio(all.auto_right, all.with_account),
            ratio(all.top3, all.with_account),
            ms(times.iter().sum()),
            ms(builds),
        );
        std::fs::create_dir_all(out)?;
        std::fs::write(out.join("preau.tsv"), tsv)?;
    }
    Ok(())
}

fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb / 1024)
}

/// Academy size: the directory is written as the ENT's CSV export, then a
/// child process reads it into the index and matches, so that its peak RSS
/// is the index's alone (not the generator's).
fn academy(establishments: usize, accounts: usize) -> std::io::Result<()> {
    let t = Instant::now();
    let cfg = LinkageConfig { evaluated: 1, ..LinkageConfig::academy(99, establishments, accounts) };
    let case = generate_linkage(&cfg);
    let dir = std::env::temp_dir().join(format!("preau-bench-academy-{}", std::process::id()));
    write_academy(&case, &dir)?;
    let generated = t.elapsed();
    let (accounts, uai) = (case.directory.len(), case.sources[0].uai.clone());
    drop(case);
    let csv = dir.join("export_annuaire_ENT_academie.csv");
    let size = std::fs::metadata(&csv)?.len();
    println!(
        "academy: {establishments} establishments, {accounts} accounts, CSV of {:.0} MB (generated in {:.1} s)",
        size as f64 / 1e6,
        generated.as_secs_f64()
    );
    let status = std::process::Command::new(std::env::current_exe()?)
        .args(["--academy-child", &dir.to_string_lossy(), &uai])
        .status()?;
    std::fs::remove_dir_all(&dir)?;
    if !status.success() {
        return Err(std::io::Error::other(format!("the academy measurement failed ({status})")));
    }
    Ok(())
}

fn academy_child(dir: &std::path::Path, uai: &str) -> std::io::Result<()> {
    let fail = |e: reconcile::LoadError| std::io::Error::other(e.to_string());
    let t = Instant::now();
    let directory =
        reconcile::directory_from_file(&Input::file(dir.join("export_annuaire_ENT_academie.csv"))).map_err(fail)?;
    let build = t.elapsed();
    let after_build = peak_rss_mb();
    let source = dir.join(format!("identifiants_pronote_{uai}.csv"));
    let all = reconcile::source_from_file(SourceKind::Pronote, &Input::file(&source)).map_err(fail)?;
    let records: Vec<_> = all.iter().take(2_000).cloned().collect();
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        std::hint::black_box(reconcile::reconcile(&records, &directory, &Scope::Academy(Some(uai.to_string()))));
        runs.push(t.elapsed());
    }
    let mut own = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        std::hint::black_box(reconcile::reconcile(&all, &directory, &Scope::Establishment(uai.to_string())));
        own.push(t.elapsed());
    }
    let mut searches = Vec::new();
    for r in records.iter().take(200) {
        for n in 1..=r.last_name.chars().count().min(6) {
            let typed: String = r.last_name.chars().take(n).collect();
            let t = Instant::now();
            std::hint::black_box(directory.search(&typed, None, 20));
            searches.push(t.elapsed());
        }
    }
    // The Annuaire's « tout l'ENT » box: accounts spread over the academy,
    // their « nom prénom » typed letter by letter, each prefix one keystroke
    // answered by `directory::academy` with the window's page (50).
    let step = (directory.len() / 200).max(1);
    // Each keystroke's text, and at the last one the account typed (to check it is found).
    let typed: Vec<(String, Option<String>)> = (0..directory.len())
        .step_by(step)
        .take(200)
        .filter_map(|i| directory.account(i))
        .flat_map(|a| {
            // The usual first name only: nobody types the others to find someone.
            let prenom = a.first_name.split_whitespace().next().unwrap_or("");
            let name: Vec<char> = format!("{} {prenom}", a.last_name).chars().collect();
            let n = name.len();
            (1..=n).map(move |k| (name[..k].iter().collect(), (k == n).then(|| a.ent_id.clone())))
        })
        .collect();
    let names = typed.iter().filter(|(_, id)| id.is_some()).count();
    let teachers = Filters { profile: Some(Profile::Enseignant), ..Default::default() };
    let mut annuaire = Vec::new();
    for filters in [Filters::default(), teachers] {
        let (mut times, mut full, mut found) = (Vec::new(), 0usize, 0usize);
        for (q, account) in &typed {
            let t = Instant::now();
            let hits = std::hint::black_box(preau_core::directory::academy(&directory, q, &filters, 50));
            times.push(t.elapsed());
            full += usize::from(hits.len() == 50);
            found +=
                usize::from(account.as_ref().is_some_and(|id| hits.iter().any(|h| h.account.as_ref() == Some(id))));
        }
        annuaire.push((times, full, found));
    }
    println!("  index build from the CSV: {:.2} s (target ≤ 5 s), {} accounts", build.as_secs_f64(), directory.len());
    println!(
        "  {} records academy-wide: median {:.0} ms of 5 (target ≤ 250 ms)",
        records.len(),
        ms(percentile(runs, 0.5))
    );
    println!(
        "  the establishment's whole file ({} records) in establishment scope: median {:.1} ms of 5 (target ≤ 20 ms)",
        all.len(),
        ms(percentile(own, 0.5))
    );
    println!(
        "  search as you type over the whole academy ({} searches): p50 {:.1} ms, p95 {:.1} ms (target p95 ≤ 20 ms)",
        searches.len(),
        ms(percentile(searches.clone(), 0.5)),
        ms(percentile(searches, 0.95))
    );
    let (unfiltered, by_profile) = (&annuaire[0], &annuaire[1]);
    for ((times, full, _), what) in [(unfiltered, "no filter"), (by_profile, "profile Enseignant")] {
        println!(
            "  Annuaire « tout l'ENT », {what}, page of 50 ({} keystrokes, {full} full pages): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (target p95 ≤ 20 ms)",
            times.len(),
            ms(percentile(times.clone(), 0.5)),
            ms(percentile(times.clone(), 0.95)),
            ms(percentile(times.clone(), 1.0))
        );
    }
    println!(
        "    « nom prénom » of {names} accounts spread over the academy, typed letter by letter; unfiltered, {} of them on the page once typed in full",
        unfiltered.2
    );
    if let (Some(built), Some(peak)) = (after_build, peak_rss_mb()) {
        println!("  peak RSS: {built} MB once the index is built, {peak} MB at the end (target ≤ 300 MB)");
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, dir, uai] = args.as_slice() {
        if flag == "--academy-child" {
            return academy_child(std::path::Path::new(dir), uai);
        }
    }
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let seeds = arg("--seeds")
        .and_then(|s| {
            let (a, b) = s.split_once("..")?;
            Some(a.parse().ok()?..b.parse().ok()?)
        })
        .unwrap_or(6..16);
    let establishments: usize = arg("--academy").and_then(|n| n.parse().ok()).unwrap_or(400);
    let accounts: usize = arg("--accounts").and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let out = arg("--out").map(std::path::PathBuf::from);
    quality(seeds, out.as_deref())?;
    if !args.iter().any(|a| a == "--quick") {
        academy(establishments, accounts)?;
    }
    Ok(())
}
