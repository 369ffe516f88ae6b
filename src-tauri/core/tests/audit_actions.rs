//! Every action the code base writes to the journal is listed in
//! `audit::ACTIONS` and has its sentence in the Journal view, in French and
//! in English: a new action without one fails here, before anybody reads a
//! raw code in the journal.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use preau_core::audit::ACTIONS;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{} : {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("entrée").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The text of a call's arguments, from just after its `(` to the matching `)`.
fn arguments(text: &str) -> &str {
    let mut depth = 1usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[..i];
                }
            }
            _ => {}
        }
    }
    text
}

/// The upper-case string literals (`"GROUP_CREATED"`) in `text`.
fn codes(text: &str, out: &mut BTreeSet<String>) {
    for piece in text.split('"').skip(1).step_by(2) {
        let code = piece.len() > 2
            && piece.starts_with(|c: char| c.is_ascii_uppercase())
            && piece.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if code {
            out.insert(piece.to_string());
        }
    }
}

/// The actions written by the sources: the literals given to the calls that
/// append to the journal (outside tests).
fn written_actions() -> BTreeSet<String> {
    let root = workspace().join("src-tauri");
    let mut files = Vec::new();
    for dir in ["core/src", "cli/src", "src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut out = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source lisible");
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for call in ["audit_log::append(", "append_audit(", "replace_population("] {
            for (at, _) in text.match_indices(call) {
                codes(arguments(&text[at + call.len()..]), &mut out);
            }
        }
    }
    out
}

fn sentence(lang: &str, action: &str) -> Option<String> {
    let path = workspace().join("ui/i18n").join(format!("{lang}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} : {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON valide");
    json["journal"]["sentence"][action].as_str().map(str::to_string)
}

#[test]
fn every_action_written_is_listed() {
    let written = written_actions();
    // The scan itself must see the journal being written, or it proves nothing.
    assert!(written.len() >= 20, "scan trop maigre : {written:?}");
    let listed: BTreeSet<String> = ACTIONS.iter().map(|a| a.to_string()).collect();
    let missing: Vec<&String> = written.difference(&listed).collect();
    assert!(missing.is_empty(), "actions écrites au journal mais absentes d'audit::ACTIONS : {missing:?}");
    let stale: Vec<&String> = listed.difference(&written).collect();
    assert!(stale.is_empty(), "actions d'audit::ACTIONS que plus rien n'écrit : {stale:?}");
}

#[test]
fn every_action_has_its_sentence_in_french_and_english() {
    for lang in ["fr", "en"] {
        let missing: Vec<&str> = ACTIONS.iter().copied().filter(|a| sentence(lang, a).is_none()).collect();
        assert!(missing.is_empty(), "ui/i18n/{lang}.json : journal.sentence sans phrase pour {missing:?}");
        for a in ACTIONS {
            let s = sentence(lang, a).unwrap_or_default();
            assert!(s.contains("{who}"), "{lang} {a} : la phrase dit qui a agi ({s})");
            assert!(!s.contains(a), "{lang} {a} : la phrase ne montre pas le code ({s})");
        }
    }
}

#[test]
fn the_scan_reads_calls_as_they_are_written() {
    let mut found = BTreeSet::new();
    let text =
        r#"audit_log::append(&tx, actor, if x { "A_ONE" } else { "A_TWO" }, &json!({ "k": f(1) }))?; "NOT_THIS""#;
    codes(arguments(&text["audit_log::append(".len()..]), &mut found);
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["A_ONE", "A_TWO"]);
}
