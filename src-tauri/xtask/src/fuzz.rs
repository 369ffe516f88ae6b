//! `cargo xtask fuzz [TARGET] [--runs N] [--reseed] [--seed-only]`: the readers' cargo-fuzz
//! targets (`src-tauri/core/fuzz`), each run for N executions (1,000,000 by default) on its
//! seed corpus with its dictionary, then one summary line per target.
//!
//! The seed corpus (`fuzz/corpus/<target>/`, git-ignored) is built when missing (or with
//! `--reseed`) from the demo establishment's export files (generated once by the CLI into
//! `<target>/fuzz-demo/files`, again with `--reseed`) and the small fixtures under
//! `core/tests/fixtures`: big files are cut into well-formed pieces (a closed head, a few
//! record-sized slices under their document's header; CSV header plus some lines) so that
//! libFuzzer runs fast. cargo-fuzz needs a nightly compiler: the stable one is asked to
//! accept its flags with `RUSTC_BOOTSTRAP=1`.

use crate::util::{check, random_hex, run_captured, secs, which, Ctx, Result};
use crate::UsageError;
use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Every target, as named in `fuzz/Cargo.toml`.
pub const TARGETS: [&str; 10] =
    ["siecle", "sts", "edt", "udt", "aaf", "ent_directory", "pronote_ids", "detect_any", "group_rule", "group_csv"];

const DEFAULT_RUNS: u64 = 1_000_000;
const MAX_LEN: usize = 65_536;
/// Seconds one input may take before libFuzzer calls it a timeout.
const TIMEOUT_SECS: u32 = 10;
/// Peak memory (and largest single allocation) before libFuzzer calls it an out-of-memory.
const RSS_LIMIT_MB: u32 = 2048;
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// The UDT target's names for the pieces of its input, in order (see `fuzz/src/lib.rs`).
const UDT_ORDER: [&str; 13] = [
    "UDCal_24.xml",
    "UDCal_00.xml",
    "semaines.xml",
    "UDCal_03.xml",
    "UDCal_04.xml",
    "UDCal_05.xml",
    "UDCal_07.xml",
    "UDCal_08.xml",
    "UDCal_10.xml",
    "UDCal_19.xml",
    "UDCal_13.xml",
    "UDCal_21.xml",
    "UDCal_12_05.xml",
];

struct Args {
    targets: Vec<&'static str>,
    runs: u64,
    reseed: bool,
    seed_only: bool,
}

fn parse_args(args: &[String]) -> std::result::Result<Args, UsageError> {
    let mut parsed = Args { targets: TARGETS.to_vec(), runs: DEFAULT_RUNS, reseed: false, seed_only: false };
    let mut target = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let runs = match arg.as_str() {
            "--runs" => Some(it.next().ok_or_else(|| UsageError("`--runs` needs a number".into()))?.as_str()),
            a if a.starts_with("--runs=") => Some(&a["--runs=".len()..]),
            "--reseed" => {
                parsed.reseed = true;
                None
            }
            "--seed-only" => {
                parsed.seed_only = true;
                None
            }
            a if a.starts_with('-') => return Err(UsageError(format!("fuzz: unknown option `{a}`"))),
            a => {
                let t = TARGETS.iter().find(|t| **t == a).ok_or_else(|| {
                    UsageError(format!("fuzz: unknown target `{a}` (targets: {})", TARGETS.join(", ")))
                })?;
                if target.replace(*t).is_some() {
                    return Err(UsageError("fuzz: give at most one target".into()));
                }
                None
            }
        };
        if let Some(n) = runs {
            parsed.runs = n.parse().map_err(|_| UsageError(format!("fuzz: `--runs {n}` is not a number")))?;
        }
    }
    if let Some(t) = target {
        parsed.targets = vec![t];
    }
    Ok(parsed)
}

/// What one target's run gave, for the closing summary.
#[derive(Debug, Default, PartialEq)]
struct Report {
    runs: Option<u64>,
    exec_per_sec: Option<u64>,
    cov: Option<u64>,
    ft: Option<u64>,
    corpus: Option<u64>,
    peak_rss_mb: Option<u64>,
    /// "crash", "timeout", "out-of-memory", … when libFuzzer stopped on a finding.
    finding: Option<String>,
    artifact: Option<String>,
}

pub fn cmd(ctx: &Ctx, args: &[String]) -> Result<i32> {
    let args = parse_args(args)?;
    let fuzz_dir = fuzz_dir(ctx);
    let missing: Vec<&str> = args
        .targets
        .iter()
        .copied()
        .filter(|t| args.reseed || is_empty_dir(&fuzz_dir.join("corpus").join(t)))
        .collect();
    if !missing.is_empty() {
        seed(ctx, &missing, args.reseed)?;
    }
    if args.seed_only {
        return Ok(0);
    }
    let cargo_fuzz_dir = cargo_fuzz(ctx)?;
    // cargo-fuzz finds `cargo` on PATH: put the one that started us (and cargo-fuzz) first.
    let mut path: Vec<PathBuf> = vec![cargo_fuzz_dir];
    if let Some(cargo_dir) = env::var_os("CARGO").map(PathBuf::from).and_then(|c| c.parent().map(Path::to_path_buf)) {
        path.push(cargo_dir);
    }
    path.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    let path = env::join_paths(path)?;

    let mut summaries = Vec::new();
    let mut all_ok = true;
    for target in &args.targets {
        println!("\n==== xtask fuzz: {target} ({} runs) ====", args.runs);
        let started = Instant::now();
        let mut cmd = Command::new("cargo");
        cmd.current_dir(&fuzz_dir)
            .env("PATH", &path)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", target])
            .arg(Path::new("corpus").join(target))
            .arg("--")
            .arg(format!("-runs={}", args.runs))
            .arg(format!("-max_len={MAX_LEN}"))
            .arg(format!("-dict={}", Path::new("dict").join(format!("{target}.dict")).display()))
            .arg(format!("-timeout={TIMEOUT_SECS}"))
            .arg(format!("-rss_limit_mb={RSS_LIMIT_MB}"))
            .arg("-print_final_stats=1");
        let (status, lines) = run_captured(&mut cmd)?;
        let report = read_report(&lines);
        let ok = status.success() && report.finding.is_none();
        all_ok &= ok;
        summaries.push(summary(target, ok, &report, &secs(started.elapsed())));
    }
    println!("\n==== xtask fuzz summary ====");
    for line in &summaries {
        println!("{line}");
    }
    if !all_ok {
        println!(
            "reproduce a finding: cd src-tauri/core/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <artifact>; \
             minimise it with `cargo fuzz tmin <target> <artifact>`"
        );
    }
    Ok(if all_ok { 0 } else { 1 })
}

fn fuzz_dir(ctx: &Ctx) -> PathBuf {
    ctx.root.join("src-tauri").join("core").join("fuzz")
}

fn is_empty_dir(dir: &Path) -> bool {
    fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(true)
}

/// The directory holding `cargo-fuzz`: on PATH, else the pinned one under `<target>/tools`,
/// installed when absent.
fn cargo_fuzz(ctx: &Ctx) -> Result<PathBuf> {
    let pinned = ctx.tools_root().join("bin");
    if pinned.join(crate::util::exe("cargo-fuzz")).is_file() {
        return Ok(pinned);
    }
    if let Some(dir) = which("cargo-fuzz").and_then(|p| p.parent().map(Path::to_path_buf)) {
        return Ok(dir);
    }
    println!("fuzz: installing cargo-fuzz {CARGO_FUZZ_VERSION} into {}", ctx.tools_root().display());
    let started = Instant::now();
    check(
        ctx.cargo()
            .args(["install", "cargo-fuzz", "--version", CARGO_FUZZ_VERSION, "--locked"])
            .arg("--root")
            .arg(ctx.tools_root()),
    )?;
    println!("fuzz: cargo-fuzz installed in {}", secs(started.elapsed()));
    Ok(pinned)
}

/// libFuzzer's figures out of its output: the final `DONE` (or last status) line and the
/// `-print_final_stats` block, and what it stopped on.
fn read_report(lines: &[String]) -> Report {
    let mut r = Report::default();
    for line in lines {
        let line = line.trim();
        if line.starts_with('#') && (line.contains(" cov: ") || line.contains(" ft: ")) {
            let word_after = |key: &str| {
                let rest = &line[line.find(key)? + key.len()..];
                rest.split(|c: char| !c.is_ascii_digit()).find(|w| !w.is_empty())?.parse::<u64>().ok()
            };
            r.cov = word_after(" cov: ").or(r.cov);
            r.ft = word_after(" ft: ").or(r.ft);
            r.corpus = word_after(" corp: ").or(r.corpus);
            r.runs = line[1..].split_whitespace().next().and_then(|n| n.parse().ok()).or(r.runs);
        }
        let stat = |name: &str| line.strip_prefix(name).and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(n) = stat("stat::number_of_executed_units:") {
            r.runs = Some(n);
        }
        if let Some(n) = stat("stat::average_exec_per_sec:") {
            r.exec_per_sec = Some(n);
        }
        if let Some(n) = stat("stat::peak_rss_mb:") {
            r.peak_rss_mb = Some(n);
        }
        if let Some(rest) = line.strip_prefix("SUMMARY: libFuzzer: ") {
            r.finding = Some(rest.trim().to_string());
        } else if line.starts_with("==") && line.contains("ERROR: libFuzzer: ") && r.finding.is_none() {
            r.finding = line.split("ERROR: libFuzzer: ").nth(1).map(|s| s.trim().to_string());
        } else if line.contains("panicked at") && r.finding.is_none() {
            r.finding = Some("panic".into());
        }
        if let Some(rest) = line.split("Test unit written to ").nth(1) {
            r.artifact = Some(rest.trim().to_string());
        }
    }
    r
}

fn summary(target: &str, ok: bool, r: &Report, elapsed: &str) -> String {
    let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
    let mut line = format!(
        "{}  {target:<13} {:>9} runs  {:>6} exec/s  cov {:>5}  ft {:>6}  corpus {:>5}  peak {} MB  {elapsed}",
        if ok { "PASS" } else { "FAIL" },
        n(r.runs),
        n(r.exec_per_sec),
        n(r.cov),
        n(r.ft),
        n(r.corpus),
        n(r.peak_rss_mb),
    );
    match (&r.finding, &r.artifact) {
        (Some(f), Some(a)) => line.push_str(&format!("  FOUND {f}: {a}")),
        (Some(f), None) => line.push_str(&format!("  FOUND {f}")),
        (None, _) if !ok => line.push_str("  (cargo fuzz failed: see above)"),
        (None, _) => line.push_str("  no crash"),
    }
    line
}

// ---------------------------------------------------------------------------------------
// Seed corpus.

/// Writes `fuzz/corpus/<target>/` afresh for each of `targets`, from the demo files and
/// the fixtures.
fn seed(ctx: &Ctx, targets: &[&str], regenerate: bool) -> Result<()> {
    let demo = demo_files(ctx, regenerate)?;
    let fixtures = ctx.root.join("src-tauri").join("core").join("tests").join("fixtures");
    let corpus = fuzz_dir(ctx).join("corpus");
    for target in targets {
        let seeds = seeds_for(target, &demo, &fixtures)?;
        let dir = corpus.join(target);
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir_all(&dir)?;
        for (name, bytes) in &seeds {
            fs::write(dir.join(name), bytes)?;
        }
        println!("fuzz: seed corpus {}: {} inputs", dir.display(), seeds.len());
    }
    Ok(())
}

/// The demo collège's export files, generated by the CLI into `<target>/fuzz-demo/files`
/// (kept from an earlier run unless `regenerate`).
fn demo_files(ctx: &Ctx, regenerate: bool) -> Result<PathBuf> {
    let base = ctx.target.join("fuzz-demo");
    let (data, out) = (base.join("data"), base.join("files"));
    if !regenerate && !is_empty_dir(&out) {
        println!("fuzz: using the demo export files in {}", out.display());
        return Ok(out);
    }
    for dir in [&data, &out] {
        if dir.exists() {
            fs::remove_dir_all(dir)?;
        }
    }
    fs::create_dir_all(&data)?;
    let mut cmd = ctx.cargo();
    cmd.args(["run", "--quiet", "-p", "preau-cli", "--", "--data-dir"])
        .arg(&data)
        .args(["demo", "--uai", "0999001W", "--kind", "college", "--seed", "3", "--out"]);
    cmd.arg(&out);
    // A throw-away store key: the demo store is only a by-product here.
    cmd.env("PREAU_DB_KEY", random_hex(32)?);
    println!("fuzz: generating the demo export files into {}", out.display());
    check(&mut cmd)?;
    Ok(out)
}

fn files_in(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(&keep))
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().replace('.', "_")).unwrap_or_default()
}

/// Named seeds for one target.
fn seeds_for(target: &str, demo: &Path, fixtures: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let xml = |pattern: fn(&str) -> bool, fixture_dir: &str| -> Result<Vec<(String, Vec<u8>)>> {
        let mut seeds = Vec::new();
        for path in
            files_in(demo, pattern).into_iter().chain(files_in(&fixtures.join(fixture_dir), |n| n.ends_with(".xml")))
        {
            let doc = fs::read(&path)?;
            for (kind, piece) in xml_pieces(&doc) {
                seeds.push((format!("{}-{kind}", stem(&path)), piece));
            }
        }
        // The archive path: an odd first byte puts the rest in a one-entry ZIP.
        let small: Vec<(String, Vec<u8>)> = seeds
            .iter()
            .filter(|(_, s)| s.len() <= 4096)
            .take(3)
            .map(|(n, s)| (format!("zip-{n}"), [&[1u8][..], s].concat()))
            .collect();
        seeds.extend(small);
        Ok(seeds)
    };
    let csv = |pattern: fn(&str) -> bool, fixture_prefix: &'static str| -> Result<Vec<(String, Vec<u8>)>> {
        let mut seeds = Vec::new();
        for path in files_in(demo, pattern)
            .into_iter()
            .chain(files_in(&fixtures.join("csv"), |n| n.starts_with(fixture_prefix)))
        {
            let doc = fs::read(&path)?;
            for (kind, piece) in csv_pieces(&doc) {
                seeds.push((format!("{}-{kind}", stem(&path)), piece));
            }
        }
        Ok(seeds)
    };
    match target {
        "siecle" => xml(
            |n| {
                ["ElevesSansAdresses.xml", "ResponsablesAvecAdresses.xml", "Structures.xml", "Nomenclature.xml"]
                    .contains(&n)
            },
            "siecle",
        ),
        "sts" => xml(|n| n.starts_with("sts_emp_") && n.ends_with(".xml"), "sts"),
        "edt" => xml(|n| n.starts_with("Edt_") && n.ends_with(".xml"), "edt"),
        "aaf" => xml(|n| n.starts_with("ENT_") && n.ends_with(".xml"), "aaf"),
        "udt" => udt_seeds(demo, fixtures),
        "ent_directory" => csv(|n| n.starts_with("export_annuaire_") && n.ends_with(".csv"), "ent_"),
        "pronote_ids" => csv(|n| n.starts_with("identifiants_pronote_") && n.ends_with(".csv"), "pronote_"),
        "detect_any" => {
            let mut seeds = Vec::new();
            for t in ["siecle", "sts", "edt", "aaf", "ent_directory", "pronote_ids"] {
                // Each format's smallest pieces, as plain files.
                let mut pieces: Vec<(String, Vec<u8>)> =
                    seeds_for(t, demo, fixtures)?.into_iter().filter(|(n, _)| !n.starts_with("zip-")).collect();
                pieces.sort_by_key(|(_, p)| p.len());
                seeds.extend(pieces.into_iter().take(6));
            }
            // The demo archives, remade with the same entries cut to 4 KB each: whole, they
            // inflate to megabytes and slow every run down.
            for path in files_in(demo, |n| n.ends_with(".zip")) {
                let mut cut = Vec::new();
                for (name, bytes) in zip_entries(&path)? {
                    cut.push((name, close_prefix(&bytes, 4096)));
                }
                seeds.push((stem(&path), zip_of(&cut)?));
            }
            Ok(seeds)
        }
        "group_rule" => {
            let rules = [
                "profil:eleve et niveau:3e",
                "(classe:3A ou classe:3B) et non profil:parent",
                "fonction:AED/S0093",
                "fonction:AED ou (profil:enseignant et non classe:2DE1)",
                "discipline:L1300 et etablissement:0999001W",
                "profil:élève et",
                "niveau",
            ];
            Ok(rules.iter().enumerate().map(|(k, r)| (format!("rule-{k}"), r.as_bytes().to_vec())).collect())
        }
        "group_csv" => {
            let tables = [
                "Identifiant;Nom\nELV000001;x\nINCONNU;y\n",
                "Nom,Prénom,Date de naissance\nMARTIN,Léa,01/02/2012\n",
                "INE\n123456789AB\n",
                "couleur;taille\nbleu;2\n",
            ];
            Ok(tables.iter().enumerate().map(|(k, t)| (format!("csv-{k}"), t.as_bytes().to_vec())).collect())
        }
        other => Err(format!("no seeds for target `{other}`").into()),
    }
}

/// UDT: the demo archive's entries and the fixture archive's files, each alone and all
/// joined with NUL bytes in the order the target names them.
fn udt_seeds(demo: &Path, fixtures: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut sets: Vec<(String, BTreeMap<String, Vec<u8>>)> = Vec::new();
    for path in files_in(demo, |n| n.starts_with("UDT_") && n.ends_with(".zip")) {
        sets.push((stem(&path), zip_entries(&path)?.into_iter().collect()));
    }
    let archive: BTreeMap<String, Vec<u8>> = files_in(&fixtures.join("udt").join("archive"), |n| n.ends_with(".xml"))
        .into_iter()
        .map(|p| Ok((p.file_name().unwrap_or_default().to_string_lossy().into_owned(), fs::read(&p)?)))
        .collect::<Result<_>>()?;
    sets.push(("fixture_archive".into(), archive));
    let mut seeds = Vec::new();
    for (set, files) in &sets {
        let mut joined: Vec<Vec<u8>> = Vec::new();
        for name in UDT_ORDER {
            let Some(doc) = files.get(name) else { continue };
            let piece = close_prefix(doc, 6 * 1024);
            seeds.push((format!("{set}-{}", name.replace('.', "_")), piece.clone()));
            joined.push(piece);
        }
        if !joined.is_empty() {
            seeds.push((format!("{set}-all"), joined.join(&0u8)));
        }
    }
    for path in files_in(&fixtures.join("udt"), |n| n.ends_with(".xml")) {
        seeds.push((stem(&path), fs::read(&path)?));
    }
    Ok(seeds)
}

/// A ZIP archive's files, in archive order.
fn zip_entries(path: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut zip = zip::ZipArchive::new(fs::File::open(path)?)?;
    let mut files = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        files.push((entry.name()?.into_owned(), bytes));
    }
    Ok(files)
}

/// A ZIP archive of `files`, deflated.
fn zip_of(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Well-formed pieces of an XML document: itself when small, else a closed head of 4 KB
/// and of 16 KB, and slices of a few records taken at 25, 50, 75 and 90 % of the file.
fn xml_pieces(doc: &[u8]) -> Vec<(String, Vec<u8>)> {
    if doc.len() <= 16 * 1024 {
        return vec![("whole".into(), doc.to_vec())];
    }
    let mut pieces = vec![("head4k".into(), close_prefix(doc, 4096)), ("head16k".into(), close_prefix(doc, 16 * 1024))];
    let tags = scan_tags(doc);
    for pct in [25, 50, 75, 90] {
        if let Some(slice) = middle_slice(doc, &tags, doc.len() * pct / 100, 6 * 1024) {
            pieces.push((format!("at{pct}"), slice));
        }
    }
    pieces
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TagKind {
    /// `<name …>`: the name's byte range.
    Open(usize, usize),
    Close,
    /// `<name …/>`, declarations, comments, CDATA.
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Tag {
    start: usize,
    end: usize,
    kind: TagKind,
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// Every markup construct of a document, in order (enough for the exports: no `>` inside
/// attribute values).
fn scan_tags(doc: &[u8]) -> Vec<Tag> {
    let mut tags = Vec::new();
    let mut pos = 0;
    while let Some(start) = find(doc, pos, b"<") {
        let rest = &doc[start..];
        let (end, kind) = if rest.starts_with(b"<!--") {
            (find(doc, start, b"-->").map(|e| e + 3), TagKind::Other)
        } else if rest.starts_with(b"<![CDATA[") {
            (find(doc, start, b"]]>").map(|e| e + 3), TagKind::Other)
        } else {
            let end = find(doc, start, b">").map(|e| e + 1);
            let kind = match (rest.get(1), end) {
                (Some(b'?' | b'!'), _) => TagKind::Other,
                (Some(b'/'), _) => TagKind::Close,
                (_, Some(e)) if doc[e - 2] == b'/' => TagKind::Other,
                _ => {
                    let len = rest[1..]
                        .iter()
                        .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
                        .unwrap_or(rest.len() - 1);
                    TagKind::Open(start + 1, start + 1 + len)
                }
            };
            (end, kind)
        };
        let Some(end) = end else { break };
        tags.push(Tag { start, end, kind });
        pos = end;
    }
    tags
}

fn closing(doc: &[u8], open: &[Tag]) -> Vec<u8> {
    let mut out = Vec::new();
    for tag in open.iter().rev() {
        if let TagKind::Open(a, b) = tag.kind {
            out.extend_from_slice(b"</");
            out.extend_from_slice(&doc[a..b]);
            out.extend_from_slice(b">\n");
        }
    }
    out
}

/// The document up to the last tag ending within `limit` bytes, its open elements closed.
fn close_prefix(doc: &[u8], limit: usize) -> Vec<u8> {
    if doc.len() <= limit {
        return doc.to_vec();
    }
    let mut stack: Vec<Tag> = Vec::new();
    let mut cut = 0;
    for tag in scan_tags(doc) {
        if tag.end > limit {
            break;
        }
        match tag.kind {
            TagKind::Open(..) => stack.push(tag),
            TagKind::Close => {
                stack.pop();
            }
            TagKind::Other => {}
        }
        cut = tag.end;
    }
    let mut out = doc[..cut].to_vec();
    out.push(b'\n');
    out.extend(closing(doc, &stack));
    out
}

/// The document's header (everything before the record's parent opened, and that opening),
/// then about `size` bytes of whole records from around `at`, then the closing tags.
fn middle_slice(doc: &[u8], tags: &[Tag], at: usize, size: usize) -> Option<Vec<u8>> {
    // The open elements at `at`, with their tags' indexes.
    let mut stack: Vec<(usize, Tag)> = Vec::new();
    let mut next = tags.len();
    for (i, tag) in tags.iter().enumerate() {
        if tag.start >= at {
            next = i;
            break;
        }
        match tag.kind {
            TagKind::Open(..) => stack.push((i, *tag)),
            TagKind::Close => {
                stack.pop();
            }
            TagKind::Other => {}
        }
    }
    // The record: the outermost open element that started recently, else the next one.
    let (first, depth) = match stack.iter().position(|(_, t)| t.start + 8192 >= at) {
        Some(k) => (stack[k].0, k),
        None => ((next..tags.len()).find(|i| matches!(tags[*i].kind, TagKind::Open(..)))?, stack.len()),
    };
    if depth == 0 {
        return None;
    }
    let parents: Vec<Tag> = stack[..depth].iter().map(|(_, t)| *t).collect();
    // The header: the prolog and the parents' opening tags, with what lies between them
    // (parameters, earlier sections) kept only when small.
    let mut out = doc[..parents[0].end].to_vec();
    for pair in parents.windows(2) {
        let between = &doc[pair[0].end..pair[1].start];
        if between.len() <= 4096 {
            out.extend_from_slice(between);
        }
        out.extend_from_slice(&doc[pair[1].start..pair[1].end]);
    }
    let start = tags[first].start;
    let mut level = 0usize;
    let mut cut = None;
    for tag in &tags[first..] {
        match tag.kind {
            TagKind::Open(..) => level += 1,
            TagKind::Close if level == 0 => break,
            TagKind::Close => level -= 1,
            TagKind::Other => {}
        }
        if level == 0 {
            cut = Some(tag.end);
            if tag.end - start >= size {
                break;
            }
        }
    }
    let cut = cut?;
    out.push(b'\n');
    out.extend_from_slice(&doc[start..cut]);
    out.push(b'\n');
    out.extend(closing(doc, &parents));
    Some(out)
}

/// Pieces of a CSV table: itself when small, else its first 4 KB and 16 KB of whole lines,
/// and the header with about 4 KB of lines from 25, 50 and 75 % of the file.
fn csv_pieces(doc: &[u8]) -> Vec<(String, Vec<u8>)> {
    if doc.len() <= 16 * 1024 {
        return vec![("whole".into(), doc.to_vec())];
    }
    let lines: Vec<&[u8]> = doc.split_inclusive(|b| *b == b'\n').collect();
    let take = |from: usize, size: usize| {
        let mut out = lines[0].to_vec();
        for line in lines.iter().skip(from.max(1)) {
            if out.len() + line.len() > size {
                break;
            }
            out.extend_from_slice(line);
        }
        out
    };
    let mut pieces = vec![("head4k".to_string(), take(1, 4096)), ("head16k".to_string(), take(1, 16 * 1024))];
    for pct in [25, 50, 75] {
        pieces.push((format!("at{pct}"), take(lines.len() * pct / 100, 4096)));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> std::result::Result<Args, UsageError> {
        parse_args(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn arguments() {
        let a = args(&[]).unwrap();
        // By default every target the fuzz crate declares, and only those.
        let manifest = include_str!("../../core/fuzz/Cargo.toml");
        let declared: Vec<&str> = manifest
            .split("[[bin]]")
            .skip(1)
            .filter_map(|bin| bin.lines().find_map(|l| l.trim().strip_prefix("name = \"")?.strip_suffix('"')))
            .collect();
        assert_eq!(a.targets, declared);
        assert_eq!((a.runs, a.reseed), (1_000_000, false));
        let a = args(&["udt", "--runs", "500", "--reseed"]).unwrap();
        assert_eq!((a.targets, a.runs, a.reseed, a.seed_only), (vec!["udt"], 500, true, false));
        assert!(args(&["--seed-only"]).unwrap().seed_only);
        assert_eq!(args(&["--runs=7"]).unwrap().runs, 7);
        assert!(args(&["nope"]).is_err());
        assert!(args(&["udt", "sts"]).is_err());
        assert!(args(&["--runs", "x"]).is_err());
        assert!(args(&["--runs"]).is_err());
    }

    #[test]
    fn libfuzzer_output_is_read() {
        let lines: Vec<String> = [
            "#2\tINITED cov: 100 ft: 120 corp: 40/12Kb exec/s: 0 rss: 50Mb",
            "#1000000\tDONE   cov: 1234 ft: 5678 corp: 456/789Kb lim: 65536 exec/s: 2345 rss: 120Mb",
            "stat::number_of_executed_units: 1000000",
            "stat::average_exec_per_sec:     2345",
            "stat::peak_rss_mb:              121",
        ]
        .map(String::from)
        .to_vec();
        let r = read_report(&lines);
        assert_eq!(
            (r.runs, r.exec_per_sec, r.cov, r.ft, r.corpus, r.peak_rss_mb),
            (Some(1_000_000), Some(2345), Some(1234), Some(5678), Some(456), Some(121))
        );
        assert_eq!(r.finding, None);
        let crash: Vec<String> = [
            "==123== ERROR: libFuzzer: deadly signal",
            "artifact_prefix='artifacts/udt/'; Test unit written to artifacts/udt/crash-abc",
            "SUMMARY: libFuzzer: deadly signal",
        ]
        .map(String::from)
        .to_vec();
        let r = read_report(&crash);
        assert_eq!(r.finding.as_deref(), Some("deadly signal"));
        assert_eq!(r.artifact.as_deref(), Some("artifacts/udt/crash-abc"));
        assert!(summary("udt", false, &r, "1.0 s").contains("FOUND deadly signal: artifacts/udt/crash-abc"));
    }

    #[test]
    fn xml_pieces_stay_well_formed() {
        let mut doc = b"<?xml version=\"1.0\"?>\n<ROOT V=\"1\"><HEAD><A>x</A></HEAD><DATA><FIRST>".to_vec();
        for i in 0..1000 {
            doc.extend_from_slice(format!("<F ID=\"{i}\"><N>n{i}</N></F>\n").as_bytes());
        }
        doc.extend_from_slice(b"</FIRST><LIST>");
        for i in 0..2000 {
            doc.extend_from_slice(format!("<REC ID=\"{i}\"><N>n{i}</N><E/></REC>\n").as_bytes());
        }
        doc.extend_from_slice(b"</LIST></DATA></ROOT>\n");
        let pieces = xml_pieces(&doc);
        assert_eq!(pieces.len(), 6);
        for (kind, piece) in pieces {
            let text = String::from_utf8(piece).unwrap();
            assert!(text.starts_with("<?xml version=\"1.0\"?>\n<ROOT V=\"1\"><HEAD><A>x</A></HEAD>"), "{kind}");
            assert!(text.trim_end().ends_with("</DATA>\n</ROOT>"), "{kind}: {text}");
            // Balanced, and small: the big earlier section is left out of later slices.
            assert_eq!(text.matches("<REC ").count(), text.matches("</REC>").count(), "{kind}");
            assert_eq!(text.matches("<F ").count(), text.matches("</F>").count(), "{kind}");
            assert!(text.len() < 20 * 1024, "{kind}: {} bytes", text.len());
            if kind.starts_with("at") {
                // A few records of one section, not from its start.
                assert!(text.contains("<F ") != text.contains("<REC "), "{kind}: {text}");
                assert!(!text.contains("ID=\"0\">"), "{kind}: {text}");
            }
        }
    }

    #[test]
    fn csv_pieces_keep_the_header() {
        let mut doc = b"Nom;Prenom\n".to_vec();
        for i in 0..3000 {
            doc.extend_from_slice(format!("N{i};P{i}\n").as_bytes());
        }
        for (kind, piece) in csv_pieces(&doc) {
            assert!(piece.starts_with(b"Nom;Prenom\nN"), "{kind}");
            assert!(piece.ends_with(b"\n") && piece.len() <= 16 * 1024, "{kind}");
        }
    }
}
