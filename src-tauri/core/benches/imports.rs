//! `cargo xtask bench imports`: the lycée demo set (SIECLE élèves,
//! responsables, structures, nomenclature, STS-Web, EDT) read, then read and
//! stored, in release mode. Prints ms and MB/s per file and for the whole
//! set (medians over several runs), and writes the file list for the lxml
//! comparison. Usage: `imports [--runs N] [--out DIR] [--only set|read]`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use preau_core::formats::source::Input;
use preau_core::import::import_files;
use preau_core::model::{EstablishmentKind, Uai};
use preau_core::progress::CancelToken;
use preau_core::secrets::DbKey;
use preau_core::store::Store;

const FILES: [&str; 6] = [
    "ElevesSansAdresses.xml",
    "ResponsablesAvecAdresses.xml",
    "Structures.xml",
    "Nomenclature.xml",
    "sts_emp_0999002X_2026.xml",
    "Edt_To_TESTENT_0999002X_Enclair.xml",
];

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let runs: usize = arg("--runs").and_then(|r| r.parse().ok()).unwrap_or(15);
    // `--only set|read`: just the whole-set operation, or just the reads (for profiling).
    let only_set = arg("--only").as_deref() == Some("set");
    let only_read = arg("--only").as_deref() == Some("read");
    let work = tempfile::tempdir()?;
    let out = arg("--out").map(PathBuf::from).unwrap_or_else(|| work.path().join("files"));
    let uai = Uai::parse("0999002X")?;
    let data = preau_core::demo::generate(&uai, EstablishmentKind::Lycee, 1);
    preau_core::demo::write_demo_files(&data, &out)?;
    // The demo files' pages are flushed now, not during the timed stores.
    for entry in std::fs::read_dir(&out)? {
        std::fs::File::open(entry?.path())?.sync_all()?;
    }
    let inputs: Vec<Input> = FILES.iter().map(|f| Input::file(out.join(f))).collect();
    let sizes: Vec<u64> = inputs.iter().map(|i| i.len().unwrap_or(0)).collect();
    let total_bytes: u64 = sizes.iter().sum();
    let key = DbKey::from_hex(&"42".repeat(32)).ok_or("key")?;
    let cancel = CancelToken::new();

    // Read only: parse every record, no store.
    let mut read_times = vec![Vec::new(); FILES.len()];
    for _ in 0..if only_set { 0 } else { runs } {
        for (i, input) in inputs.iter().enumerate() {
            let t = Instant::now();
            let (records, _) = preau_core::formats::any::read_any(input)?;
            read_times[i].push(t.elapsed());
            std::hint::black_box(records);
        }
    }
    // Read and store, one operation per file, in a fresh store each run.
    let mut store_times = vec![Vec::new(); FILES.len()];
    let mut set_times = Vec::new();
    let (mut set_read, mut set_project) = (Vec::new(), Vec::new());
    for run in 0..if only_read { 0 } else { runs } {
        let dir = work.path().join(format!("store-{run}"));
        let mut store = Store::open_or_create(&dir, &uai, &key, "bench@xtask")?;
        for (i, input) in inputs.iter().enumerate().filter(|_| !only_set) {
            let t = Instant::now();
            let outcome = import_files(&mut store, std::slice::from_ref(input), "bench@xtask", &cancel, &mut |_| {})?;
            store_times[i].push(t.elapsed());
            if !outcome.committed {
                return Err(format!("{} not imported: {:?}", FILES[i], outcome.files[0].error).into());
            }
        }
        drop(store);
        // The whole set as one operation (what the Imports view does).
        let dir = work.path().join(format!("set-{run}"));
        let mut store = Store::open_or_create(&dir, &uai, &key, "bench@xtask")?;
        let t = Instant::now();
        // When reading ends (files parsed, batches, kept files and rejects
        // written) and when the population and findings begin.
        let (mut read_end, mut findings_start) = (None, None);
        let outcome = import_files(&mut store, &inputs, "bench@xtask", &cancel, &mut |p| match p.phase {
            "controles" => read_end = Some(t.elapsed()),
            "constats" => findings_start = Some(t.elapsed()),
            _ => {}
        })?;
        set_times.push(t.elapsed());
        set_read.push(read_end.unwrap_or_default());
        set_project.push(findings_start.unwrap_or_default().saturating_sub(read_end.unwrap_or_default()));
        if !outcome.committed {
            return Err("set not imported".into());
        }
    }
    println!("imports bench: lycée demo set, {runs} runs, medians (release)");
    println!("{:<40} {:>9} {:>10} {:>10} {:>12} {:>10}", "file", "KB", "read ms", "read MB/s", "read+store", "MB/s");
    let mut read_total = Duration::ZERO;
    let mut store_total = Duration::ZERO;
    for (i, name) in FILES.iter().enumerate() {
        let r = median(read_times[i].clone());
        let s = median(store_times[i].clone());
        read_total += r;
        store_total += s;
        let mb = sizes[i] as f64 / 1e6;
        println!(
            "{:<40} {:>9.0} {:>10.2} {:>10.1} {:>9.2} ms {:>10.1}",
            name,
            sizes[i] as f64 / 1e3,
            ms(r),
            mb / r.as_secs_f64().max(1e-9),
            ms(s),
            mb / s.as_secs_f64().max(1e-9)
        );
    }
    let set = median(set_times);
    let mb = total_bytes as f64 / 1e6;
    println!(
        "{:<40} {:>9.0} {:>10.2} {:>10.1} {:>9.2} ms {:>10.1}",
        "total (sum of files)",
        total_bytes as f64 / 1e3,
        ms(read_total),
        mb / read_total.as_secs_f64().max(1e-9),
        ms(store_total),
        mb / store_total.as_secs_f64().max(1e-9)
    );
    println!(
        "whole set as one import operation: {:.2} ms ({:.1} MB/s); target ≤ 100 ms",
        ms(set),
        mb / set.as_secs_f64()
    );
    let (read, project) = (median(set_read), median(set_project));
    println!(
        "  of which: reading and storing the files (the population built once its own files are read, \
         and written while a timetable still is) {:.2} ms, what is left of building it {:.2} ms, writing it with the \
         findings, and commit {:.2} ms",
        ms(read),
        ms(project),
        ms(set.saturating_sub(read + project))
    );
    // For the lxml comparison: name, path, read ms.
    let list = out.join("bench-files.tsv");
    let mut text = String::new();
    for (i, name) in FILES.iter().enumerate() {
        text.push_str(&format!("{name}\t{}\t{:.3}\n", out.join(name).display(), ms(median(read_times[i].clone()))));
    }
    std::fs::write(&list, text)?;
    println!("files: {}", list.display());
    Ok(())
}
