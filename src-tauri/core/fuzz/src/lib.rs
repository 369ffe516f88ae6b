//! How each fuzz target turns libFuzzer's bytes into an `Input` and which
//! reader it calls. Shared with `tests/fuzz_regressions.rs` (included there
//! by path), so that a kept crash input replays exactly as it was found.
//!
//! - XML readers: the bytes are the file; when the first byte is odd, the
//!   rest goes into a one-entry ZIP instead (the archive path).
//! - UDT: the bytes are cut at NUL bytes; one piece is a lone `UDCal_NN.xml`,
//!   several become the entries of a ZIP with the usual UDT names.
//! - CSV readers: the bytes are the table.
//! - `detect_any`: the bytes as they are, detected then read by `read_any`.
//! - `group_rule`: the bytes as a group's rule text; a rule read is written
//!   back and must read back the same.
//! - `group_csv`: the bytes as a members CSV, against a small demo collège.

use std::io::{Cursor, Write};

use preau_core::formats::source::Input;
use preau_core::formats::{aaf, any, edt, ent_directory, pronote_ids, siecle, sts, udt, FormatError};
use preau_core::ErrorCode;

/// Every target: its name (the `fuzz_targets/<name>.rs` binary) and its
/// entry point.
pub const TARGETS: [(&str, Entry); 10] = [
    ("siecle", siecle),
    ("sts", sts),
    ("edt", edt),
    ("udt", udt),
    ("aaf", aaf),
    ("ent_directory", ent_directory),
    ("pronote_ids", pronote_ids),
    ("detect_any", detect_any),
    ("group_rule", group_rule),
    ("group_csv", group_csv),
];

/// What one run gave: records and rejects, or the error's code.
pub type Outcome = Result<(usize, usize), &'static str>;

/// A target's entry point.
pub type Entry = fn(&[u8]) -> Outcome;

/// The entry point of a target by name.
pub fn target(name: &str) -> Option<Entry> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// UDT entry names, given in turn to the pieces of a UDT input (the demo
/// archive's order; `cargo xtask fuzz` seeds in the same order).
const UDT_NAMES: [&str; 13] = [
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

/// The name of a UDT input that is one piece.
const UDT_LONE: &str = "UDCal_04.xml";

/// At most this many entries in a UDT archive: one name each.
const UDT_MAX_ENTRIES: usize = UDT_NAMES.len();

/// A ZIP holding `files` as stored (uncompressed) entries.
pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, bytes) in files {
            // Writing to memory cannot fail for sizes libFuzzer hands over.
            if zip.start_file(*name, options).is_err() || zip.write_all(bytes).is_err() {
                break;
            }
        }
        let _ = zip.finish();
    }
    buf.into_inner()
}

/// An XML reader's input: the file itself, or (odd first byte) the rest
/// inside a one-entry ZIP.
pub fn xml_input(entry_name: &str, zip_name: &str, data: &[u8]) -> Input {
    match data.split_first() {
        Some((first, rest)) if first & 1 == 1 => Input::bytes(zip_name, zip_of(&[(entry_name, rest)])),
        _ => Input::bytes(entry_name, data.to_vec()),
    }
}

/// A UDT input: pieces cut at NUL bytes; one piece is a lone file, several a ZIP.
pub fn udt_input(data: &[u8]) -> Input {
    let pieces: Vec<&[u8]> = data.splitn(UDT_MAX_ENTRIES, |b| *b == 0).collect();
    if pieces.len() == 1 {
        return Input::bytes(UDT_LONE, data.to_vec());
    }
    let files: Vec<(&str, &[u8])> = pieces.iter().enumerate().map(|(i, piece)| (UDT_NAMES[i], *piece)).collect();
    Input::bytes("UDT_0999001W.zip", zip_of(&files))
}

/// Counts of a parse, or the error's code (its message is formatted too, so
/// that formatting is fuzzed along).
fn outcome<R>(result: Result<preau_core::formats::Parsed<R>, FormatError>) -> Outcome {
    match result {
        Ok(parsed) => Ok((parsed.records.len(), parsed.rejects.len())),
        Err(e) => Err(error_code(&e)),
    }
}

fn error_code(e: &FormatError) -> &'static str {
    let _ = e.to_string();
    e.code()
}

pub fn siecle(data: &[u8]) -> Outcome {
    outcome(siecle::read_all(&xml_input("ElevesSansAdresses.xml", "ExportXML_ElevesSansAdresses.zip", data)))
}

pub fn sts(data: &[u8]) -> Outcome {
    outcome(sts::read_all(&xml_input("sts_emp_0999001W_2026.xml", "sts_emp_0999001W_2026.zip", data)))
}

pub fn edt(data: &[u8]) -> Outcome {
    outcome(edt::read_all(&xml_input("Edt_To_TESTENT_0999001W_Enclair.xml", "Edt_To_TESTENT_0999001W.zip", data)))
}

pub fn aaf(data: &[u8]) -> Outcome {
    outcome(aaf::read_all(&xml_input(
        "ENT_0999001W_Complet_20260901_Eleve_0000.xml",
        "ENT_0999001W_Complet_20260901.zip",
        data,
    )))
}

pub fn udt(data: &[u8]) -> Outcome {
    outcome(udt::read_all(&udt_input(data)))
}

pub fn ent_directory(data: &[u8]) -> Outcome {
    outcome(ent_directory::read_all(&Input::bytes("export_annuaire_ENT_0999001W.csv", data.to_vec())))
}

pub fn pronote_ids(data: &[u8]) -> Outcome {
    outcome(pronote_ids::read_all(&Input::bytes("identifiants_pronote_0999001W.csv", data.to_vec())))
}

pub fn detect_any(data: &[u8]) -> Outcome {
    // `read_any` detects, then reads as detected.
    any::read_any(&Input::bytes("import", data.to_vec())).map_err(|e| error_code(&e))
}

pub fn group_rule(data: &[u8]) -> Outcome {
    use preau_core::groups::Rule;
    let text = String::from_utf8_lossy(data);
    match Rule::parse(&text) {
        Ok(rule) => {
            let again = Rule::parse(&rule.text());
            assert_eq!(again.as_ref().ok(), Some(&rule), "« {} » reads back differently", rule.text());
            Ok((1, 0))
        }
        Err(e) => {
            let _ = e.to_string();
            assert!(
                e.position >= 1 && e.position <= text.chars().count() + 1,
                "position {} outside the text",
                e.position
            );
            Err(e.code())
        }
    }
}

/// A small collège, made once.
fn college() -> &'static preau_core::model::EstablishmentData {
    static DATA: std::sync::OnceLock<preau_core::model::EstablishmentData> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        let uai = preau_core::model::Uai::parse("0999001W").expect("valid UAI");
        preau_core::demo::generate(&uai, preau_core::model::EstablishmentKind::College, 1)
    })
}

pub fn group_csv(data: &[u8]) -> Outcome {
    match preau_core::groups::csv::people_from_csv(data, college()) {
        Ok(found) => Ok((found.people.len(), found.problems.len())),
        Err(_) => Err("GROUP_CSV"),
    }
}
