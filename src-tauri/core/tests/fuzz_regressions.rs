//! Inputs that once crashed, hung or exhausted memory in a fuzz target
//! (`fuzz/`, `cargo xtask fuzz`), kept under `tests/fixtures/fuzz/<target>/`
//! and replayed exactly as the target builds its input: each must end in
//! records or a `FormatError`, never a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

// The fuzz targets' own harness: how bytes become an `Input`, which reader runs.
#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz")
}

#[test]
fn every_target_has_a_fixture_directory_name() {
    // A directory named after no target would silently never be replayed.
    let Ok(dirs) = std::fs::read_dir(fixtures()) else { return };
    for dir in dirs {
        let name = dir.expect("entrée").file_name().to_string_lossy().into_owned();
        assert!(harness::target(&name).is_some(), "tests/fixtures/fuzz/{name} n'est le nom d'aucune cible");
    }
}

#[test]
fn kept_fuzz_inputs_end_without_panic() {
    let mut replayed = 0;
    let mut panics = Vec::new();
    for (target, run) in harness::TARGETS {
        let dir = fixtures().join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> = entries.map(|e| e.expect("entrée").path()).collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).expect("lecture");
            match catch_unwind(AssertUnwindSafe(|| run(&data))) {
                Ok(outcome) => println!("{target}/{}: {outcome:?}", file.file_name().unwrap_or_default().display()),
                Err(_) => panics.push(format!("{target}/{}", file.display())),
            }
            replayed += 1;
        }
    }
    assert!(panics.is_empty(), "panique sur : {panics:?}");
    println!("{replayed} entrées rejouées");
}

#[test]
fn harness_builds_the_inputs_it_says() {
    // Odd first byte: the rest, zipped; even: the bytes themselves.
    let doc = b"<?xml version=\"1.0\"?><STS_EDT></STS_EDT>";
    let plain = harness::xml_input("a.xml", "a.zip", doc);
    assert!(!plain.is_zip().expect("zip ?"));
    let zipped = harness::xml_input("a.xml", "a.zip", &[&[1u8][..], doc].concat());
    assert!(zipped.is_zip().expect("zip ?"));
    assert_eq!(zipped.zip_entries().expect("entrées").len(), 1);
    assert_eq!(harness::sts(doc), harness::sts(&[&[3u8][..], doc].concat()));
    // UDT: NUL-separated pieces become the entries of an archive.
    let udt = harness::udt_input(b"<UDCal_24/>\0<UDCal_00/>\0<semaines/>");
    let names: Vec<String> = udt.zip_entries().expect("entrées").into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["UDCal_24.xml", "UDCal_00.xml", "semaines.xml"]);
    assert!(!harness::udt_input(b"<UDCal_04/>").is_zip().expect("zip ?"));
}
