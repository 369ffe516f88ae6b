//! The command-line contract, run as a real process on real store files.

use std::path::Path;
use std::process::{Command, Output};

use preau_core::model::{EstablishmentKind, Uai};
use preau_core::secrets::DbKey;
use preau_core::store::Store;

const KEY: &str = "5f0e3c1a2b4d6e8f5f0e3c1a2b4d6e8f5f0e3c1a2b4d6e8f5f0e3c1a2b4d6e8f";
const UAI: &str = "0999001W";

fn cli(dir: &Path, args: &[&str]) -> Output {
    cli_with_key(dir, KEY, args)
}

fn cli_with_key(dir: &Path, key: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preau-cli"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("PREAU_DB_KEY", key)
        .env_remove("PREAU_DATA_DIR")
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn assert_usage_error(o: &Output, code: &str) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(o));
    let err = stderr(o);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(code), "{code} in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_arguments_are_one_french_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_usage_error(&cli(dir.path(), &["status"]), "arguments invalides");
    assert_usage_error(&cli(dir.path(), &["demo", "--uai", UAI, "--kind", "ecole"]), "arguments invalides");
    assert_usage_error(&cli(dir.path(), &["status", "--uai", "0999001A"]), "UAI_CHECK_LETTER");
    assert_usage_error(&cli(dir.path(), &["status", "--uai", "99"]), "UAI_SHAPE");
    assert_usage_error(&cli(dir.path(), &["status", "--uai", UAI]), "STORE_NOT_FOUND");
    assert_usage_error(&cli_with_key(dir.path(), "abc", &["status", "--uai", UAI]), "DB_KEY_ENV_INVALID");
}

#[test]
fn demo_status_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let o = cli(dir.path(), &["demo", "--uai", UAI, "--kind", "college", "--seed", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("élèves"));

    let o = cli(dir.path(), &["status", "--uai", UAI, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let key = DbKey::from_hex(KEY).unwrap();
    let uai = Uai::parse(UAI).unwrap();
    let store = Store::open(dir.path(), &uai, &key).unwrap();
    assert_eq!(json, serde_json::to_value(store.counts().unwrap()).unwrap());
    assert!(json["pupils"].as_u64().unwrap() > 500);
    // Levels in school order in the printed JSON (a parsed Value would sort its keys).
    let text = stdout(&o);
    let at = |l: &str| text.find(&format!("\"{l}\":")).unwrap();
    assert!(at("6e") < at("5e") && at("5e") < at("4e") && at("4e") < at("3e"), "{text}");
    let digest = store.content_digest().unwrap();
    drop(store);

    let o = cli(dir.path(), &["status", "--uai", UAI]);
    assert!(stdout(&o).contains("enseignants"));

    // Same seed again: the same content.
    assert_eq!(cli(dir.path(), &["demo", "--uai", UAI, "--kind", "college", "--seed", "3"]).status.code(), Some(0));
    assert_eq!(Store::open(dir.path(), &uai, &key).unwrap().content_digest().unwrap(), digest);

    let o = cli(dir.path(), &["audit", "verify", "--uai", UAI]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("3 entrées"), "{}", stdout(&o));

    // Tamper with the log: exit 1 and the first bad entry.
    let store = Store::open(dir.path(), &uai, &key).unwrap();
    store
        .raw_connection()
        .execute_batch("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'intrus@cli' WHERE seq = 2;")
        .unwrap();
    drop(store);
    let o = cli(dir.path(), &["audit", "verify", "--uai", UAI, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["first_bad"]["seq"], 2);
    assert!(stderr(&o).contains("n° 2"));

    // A wrong key is refused, and nothing is created.
    let other = "00".repeat(32);
    assert_usage_error(&cli_with_key(dir.path(), &other, &["status", "--uai", UAI]), "STORE_WRONG_KEY");
    assert_usage_error(
        &cli_with_key(dir.path(), &other, &["demo", "--uai", UAI, "--kind", "college"]),
        "STORE_WRONG_KEY",
    );
}

#[test]
fn demo_never_overwrites_real_data() {
    let dir = tempfile::tempdir().unwrap();
    let uai = Uai::parse(UAI).unwrap();
    let key = DbKey::from_hex(KEY).unwrap();
    let mut store = Store::open_or_create(dir.path(), &uai, &key, "test@cli").unwrap();
    let data = preau_core::demo::generate(&uai, EstablishmentKind::College, 9);
    store.replace_population(&data, "test@cli", "IMPORT", &serde_json::json!({})).unwrap();
    let digest = store.content_digest().unwrap();
    drop(store);
    assert_usage_error(&cli(dir.path(), &["demo", "--uai", UAI, "--kind", "lycee"]), "DEMO_WOULD_OVERWRITE");
    assert_eq!(Store::open(dir.path(), &uai, &key).unwrap().content_digest().unwrap(), digest);
}

/// `match pronote`: stateless from two files, then from the store after
/// importing the same files; one JSON line per record, then the summary;
/// the same decisions either way, and byte for byte on a second run.
#[test]
fn match_pronote_contract() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    let out = cli(dir.path(), &["demo", "--uai", UAI, "--kind", "college", "--out", files.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let source = files.join(format!("identifiants_pronote_{UAI}.csv"));
    let directory = files.join(format!("export_annuaire_ENT_{UAI}.csv"));
    let (source, directory) = (source.to_str().unwrap(), directory.to_str().unwrap());
    let run = |args: &[&str]| {
        let o = cli(dir.path(), args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = stdout(&o);
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        // Everything but the timing of the summary line.
        let decisions: Vec<String> =
            text.lines().filter(|l| !l.starts_with("{\"summary\"")).map(str::to_string).collect();
        (lines, decisions)
    };
    let (lines, first) = run(&["match", "pronote", "--source", source, "--directory", directory, "--json"]);
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["records"].as_u64().unwrap() as usize, lines.len() - 1);
    assert!(summary["elapsed_ms"].is_u64());
    assert!(summary["auto"].as_u64().unwrap() > summary["review"].as_u64().unwrap());
    for d in &lines[..lines.len() - 1] {
        assert!(d["source_row"].is_u64() && d["source_id"].is_string() && d["category"].is_string());
        let band = d["band"].as_str().unwrap();
        assert!(["auto", "review", "none"].contains(&band));
        assert_eq!(d["account"].is_string(), band == "auto", "{d}");
        let candidates = d["candidates"].as_array().unwrap();
        assert!(candidates.len() <= 5);
        for c in candidates {
            assert!(c["account"].is_string() && c["score"].is_f64() && c["reasons"].is_array());
        }
    }
    let (_, again) = run(&["match", "pronote", "--source", source, "--directory", directory, "--json"]);
    assert_eq!(first, again, "byte-identical on a second run");
    // Without --uai the establishment is unknown, and the person is told.
    let unknown = cli(dir.path(), &["match", "pronote", "--source", source, "--directory", directory, "--json"]);
    assert!(stderr(&unknown).contains("établissement non précisé"), "{}", stderr(&unknown));
    let (_, given) = run(&["match", "pronote", "--source", source, "--directory", directory, "--uai", UAI, "--json"]);
    let given_uai = cli(dir.path(), &["match", "pronote", "--source", source, "--directory", directory, "--uai", UAI]);
    assert!(!stderr(&given_uai).contains("établissement non précisé"));

    // From the store, after importing the two files: as the files with the same establishment.
    let imported = cli(dir.path(), &["import", "--uai", UAI, source, directory]);
    assert_eq!(imported.status.code(), Some(0), "{}", stderr(&imported));
    let (_, stored) = run(&["match", "pronote", "--uai", UAI, "--json"]);
    assert_eq!(stored, given);

    // Unusable input: the wrong kind of file, a missing directory, no timetable imported.
    assert_usage_error(
        &cli(dir.path(), &["match", "pronote", "--source", directory, "--directory", directory]),
        "FORMAT_UNKNOWN",
    );
    assert_usage_error(&cli(dir.path(), &["match", "pronote", "--source", source]), "arguments invalides");
    assert_usage_error(&cli(dir.path(), &["match", "edt", "--uai", UAI]), "MATCH_NO_SOURCE");
}

/// `demo --academy`: the synthetic academy as files, then `match` on one
/// establishment's Pronote file against the whole directory: no automatic
/// link contradicts the truth the generator wrote.
#[test]
fn academy_files_and_match_against_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("academie");
    let o = cli(
        dir.path(),
        &["demo", "--academy", "6", "--accounts", "12000", "--seed", "5", "--out", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("truth_academie.json")).unwrap()).unwrap();
    assert!(truth["accounts"].as_u64().unwrap() >= 10_000);
    let first = &truth["establishments"][0];
    let uai = first["uai"].as_str().unwrap();
    let expected: std::collections::HashMap<&str, Option<&str>> = first["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["source_id"].as_str().unwrap(), r["ent_id"].as_str()))
        .collect();
    let source = out.join(format!("identifiants_pronote_{uai}.csv"));
    let directory = out.join("export_annuaire_ENT_academie.csv");
    let o = cli(
        dir.path(),
        &[
            "match",
            "pronote",
            "--source",
            source.to_str().unwrap(),
            "--directory",
            directory.to_str().unwrap(),
            "--uai",
            uai,
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut autos = 0;
    for line in stdout(&o).lines().filter(|l| !l.starts_with("{\"summary\"")) {
        let d: serde_json::Value = serde_json::from_str(line).unwrap();
        if d["band"] == "auto" {
            autos += 1;
            let id = d["source_id"].as_str().unwrap();
            assert_eq!(expected.get(id).copied().flatten(), d["account"].as_str(), "{id}");
        }
    }
    assert!(autos > expected.len() / 2, "{autos} automatic links of {}", expected.len());

    // Stateless, academy-wide, establishment unknown: said on stderr, and a
    // namesake of another establishment is never linked on names alone.
    let o = cli(
        dir.path(),
        &[
            "match",
            "pronote",
            "--source",
            source.to_str().unwrap(),
            "--directory",
            directory.to_str().unwrap(),
            "--scope",
            "academie",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("établissement non précisé"), "{}", stderr(&o));
    for line in stdout(&o).lines().filter(|l| !l.starts_with("{\"summary\"")) {
        let d: serde_json::Value = serde_json::from_str(line).unwrap();
        if d["band"] == "auto" {
            let id = d["source_id"].as_str().unwrap();
            assert_eq!(expected.get(id).copied().flatten(), d["account"].as_str(), "{id}");
            let best = &d["candidates"][0]["reasons"];
            assert!(!best.to_string().contains("établissement"), "{d}");
        }
    }

    // The timetables, in the 2013 and the 2012 layouts, academy-wide with the
    // establishment given: no automatic link contradicts the truth, and most
    // teachers and pupils are linked.
    for timetable in truth["timetables"].as_array().unwrap().iter().take(2) {
        let uai = timetable["uai"].as_str().unwrap();
        let expected: std::collections::HashMap<&str, Option<&str>> = timetable["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["source_id"].as_str().unwrap(), r["ent_id"].as_str()))
            .collect();
        let source = out.join(format!("Edt_To_ENT_{uai}_Enclair.xml"));
        let text = std::fs::read_to_string(&source).unwrap();
        let spelling = if timetable["layout"] == "2012" { " IdPN=\"" } else { " IDPN=\"" };
        assert!(text.contains(spelling) && text.contains("DateSortie=\""), "{}", timetable["layout"]);
        let o = cli(
            dir.path(),
            &[
                "match",
                "edt",
                "--source",
                source.to_str().unwrap(),
                "--directory",
                directory.to_str().unwrap(),
                "--uai",
                uai,
                "--scope",
                "academie",
                "--json",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let mut autos = 0;
        for line in stdout(&o).lines().filter(|l| !l.starts_with("{\"summary\"")) {
            let d: serde_json::Value = serde_json::from_str(line).unwrap();
            if d["band"] == "auto" && d["category"] != "classe_groupe" {
                autos += 1;
                let id = d["source_id"].as_str().unwrap();
                assert_eq!(expected.get(id).copied().flatten(), d["account"].as_str(), "{id}");
            }
        }
        assert!(autos * 10 > expected.len() * 8, "{autos} automatic links of {}", expected.len());
    }
}

/// `match edt` from the two files: teachers, pupils, then the timetable's
/// classes and groups, each a line; the summary counts them all.
#[test]
fn match_edt_has_people_then_classes_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    let out = cli(dir.path(), &["demo", "--uai", UAI, "--kind", "college", "--out", files.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let source = files.join(format!("Edt_To_TESTENT_{UAI}_Enclair.xml"));
    let directory = files.join(format!("export_annuaire_ENT_{UAI}.csv"));
    let o = cli(
        dir.path(),
        &["match", "edt", "--source", source.to_str().unwrap(), "--directory", directory.to_str().unwrap(), "--json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (summary, decisions) = lines.split_last().unwrap();
    assert_eq!(summary["summary"]["records"].as_u64().unwrap() as usize, decisions.len());
    let categories: Vec<&str> = decisions.iter().map(|d| d["category"].as_str().unwrap()).collect();
    let first_structure = categories.iter().position(|c| *c == "classe_groupe").expect("classes and groups");
    assert!(categories[..first_structure].iter().all(|c| ["enseignant", "eleve"].contains(c)));
    assert!(categories[first_structure..].iter().all(|c| *c == "classe_groupe"), "structures come last");
    let classes_auto = decisions[first_structure..].iter().filter(|d| d["band"] == "auto").count();
    assert!(classes_auto > 0, "the demo's classes are named alike in the timetable and the ENT");
    let rows: Vec<u64> = decisions.iter().map(|d| d["source_row"].as_u64().unwrap()).collect();
    assert!(rows.windows(2).all(|w| w[0] < w[1]), "rows numbered in order");
}

/// `import` of the demo's whole folder: every refusal printed at once with
/// its file, nothing written and exit 2, with the way out; `--skip-refused`
/// imports the acceptable files as one operation and exits 1 (refusals were
/// found); the same refusals are said again.
#[test]
fn import_reports_every_refusal_and_can_skip_them() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("demo");
    let out = files.to_str().unwrap();
    let o = cli(dir.path(), &["demo", "--uai", UAI, "--kind", "college", "--seed", "3", "--out", out]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec!["--data-dir", data, "import", "--uai", UAI];
        args.extend_from_slice(extra);
        args.push(out);
        Command::new(env!("CARGO_BIN_EXE_preau-cli"))
            .args(&args)
            .env("PREAU_DB_KEY", KEY)
            .env_remove("PREAU_DATA_DIR")
            .output()
            .expect("the binary runs")
    };
    let o = import(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let text = stdout(&o);
    let refused: Vec<&str> = text.lines().filter(|l| l.contains(" : refusé — ")).collect();
    assert!(refused.iter().any(|l| l.starts_with("truth.json : refusé") && l.contains("[FORMAT_UNKNOWN]")), "{text}");
    assert!(refused.iter().any(|l| l.contains("[FORMAT_EDT_ENCRYPTED]")), "{text}");
    assert!(refused.len() >= 3, "every refusal at once: {text}");
    let err = stderr(&o);
    assert!(err.contains("--skip-refused") && err.contains("n'a pas été modifiée"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let store = Store::open(Path::new(data), &Uai::parse(UAI).unwrap(), &DbKey::from_hex(KEY).unwrap()).unwrap();
    assert!(store.batches().unwrap().is_empty(), "nothing written");
    drop(store);

    let o = import(&["--skip-refused", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).expect("one JSON object a line")).collect();
    let errors: Vec<&str> = lines.iter().filter_map(|l| l["error"].as_str()).collect();
    assert_eq!(errors.len(), refused.len(), "the same refusals: {lines:?}");
    let applied = lines.iter().filter(|l| l["applied"] == true).count();
    assert_eq!(applied + errors.len(), lines.len());
    let store = Store::open(Path::new(data), &Uai::parse(UAI).unwrap(), &DbKey::from_hex(KEY).unwrap()).unwrap();
    assert_eq!(store.batches().unwrap().len(), applied);
    assert!(store.load_population().unwrap().is_some());
}
