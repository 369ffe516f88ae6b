//! `preau-cli ticket`: an incident ticket is written only when it keeps the
//! training's four rules, and its attachments carry no more about a pupil
//! than an incident needs.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;
use preau_core::model::Profile;

fn ticket(d: &Path, out: &Path, constate: &str, people: &[&str], extra: &[&str]) -> Output {
    let mut args = vec![
        "ticket",
        "--uai",
        UAI,
        "--out",
        out.to_str().unwrap(),
        "--titre",
        "Le cahier de textes ne s'affiche pas",
        "--attendu",
        "L'élève voit le travail à faire de sa classe.",
        "--constate",
        constate,
    ];
    for p in people {
        args.extend_from_slice(&["--personne", p]);
    }
    args.extend_from_slice(extra);
    cli(d, TOKEN, &args)
}

fn refused(o: &Output, rule: &str, code: &str) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(err.contains(rule), "{rule} in {err}");
    assert!(err.contains(code), "{code} in {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn a_ticket_is_written_only_when_it_keeps_the_four_rules() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo(d, 4);
    let data = open(d).load_population().unwrap().unwrap();
    let pupil = data.people.iter().find(|p| p.profile == Profile::Eleve && !p.left).unwrap();
    let out = d.join("ticket");

    // Two incidents in one ticket.
    let o = ticket(
        d,
        &out,
        "Le cahier de textes ne s'affiche pas. Par ailleurs la messagerie refuse les pièces jointes.",
        &[&pupil.id],
        &[],
    );
    let err = refused(&o, "Règle 1 — un seul incident par ticket", "TICKET_SEVERAL_INCIDENTS");
    assert!(err.contains("par ailleurs"), "{err}");
    assert!(!out.exists(), "nothing written");

    // Nobody named.
    let o = ticket(d, &out, "La page du cahier de textes reste blanche.", &[], &[]);
    refused(&o, "Règle 3 —", "TICKET_NO_PERSON");
    assert!(!out.exists(), "nothing written");

    // An id nobody has.
    let o = ticket(d, &out, "La page du cahier de textes reste blanche.", &["ELV-INCONNU"], &[]);
    let err = refused(&o, "Règle 3 —", "TICKET_UNKNOWN_PERSON");
    assert!(err.contains("ELV-INCONNU"), "{err}");

    // A date that is not one: an unusable argument.
    let o = ticket(d, &out, "La page reste blanche.", &[&pupil.id], &["--depuis", "2026-02-30"]);
    fails_with(&o, "TICKET_BAD_DATE");
    assert!(!out.exists(), "nothing written");

    // A good ticket about a pupil of the demo.
    let o = ticket(d, &out, "La page du cahier de textes reste blanche.", &[&pupil.id], &["--depuis", "2025-09-01"]);
    let text = ok(&o);
    let line = format!("{} {}, Élève, établissement {UAI}", pupil.usage_name.to_uppercase(), pupil.usual_name());
    assert!(text.contains(&line), "{line} in {text}");
    assert!(text.contains("Depuis : 01/09/2025"), "{text}");
    let on_disk = std::fs::read_to_string(out.join("ticket.txt")).unwrap();
    assert!(on_disk.contains(&line) && on_disk.contains(UAI), "{on_disk}");
    for file in ["fiches.json", "journal.txt", "fichiers.txt"] {
        assert!(out.join("pieces-jointes").join(file).is_file(), "{file}");
    }
    assert!(!out.join("pieces-jointes/capture.png").exists());
    let fiches = std::fs::read_to_string(out.join("pieces-jointes/fiches.json")).unwrap();
    assert!(fiches.contains(&pupil.id), "{fiches}");
    let birth = pupil.birth_date.as_deref().expect("a demo pupil has a birth date");
    let ine = pupil.ine.as_deref().expect("a demo pupil has an INE");
    assert!(!fiches.contains(birth), "birth date in {fiches}");
    assert!(!fiches.contains(ine), "INE in {fiches}");
    let fiche: serde_json::Value = serde_json::from_str(&fiches).unwrap();
    assert_eq!(fiche[0]["profil"], "Élève");

    // Journaled; and never over a folder already written.
    let journal = open(d).audit_entries(1).unwrap();
    assert_eq!(journal[0].action, "TICKET_WRITTEN");
    fails_with(&ticket(d, &out, "La page reste blanche.", &[&pupil.id], &[]), "TICKET_OUT_NOT_EMPTY");

    // --json: one object; a screenshot joins the attachments.
    let png = d.join("capture.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\nreste").unwrap();
    let second = d.join("ticket-2");
    let o = ticket(d, &second, "La page reste blanche.", &[&pupil.id], &["--capture", png.to_str().unwrap(), "--json"]);
    let v = ok_json(&o);
    assert_eq!(v["dir"], second.to_str().unwrap());
    assert!(v["text"].as_str().unwrap().contains(&line));
    assert!(v["attachments"].as_array().unwrap().iter().any(|a| a == "pieces-jointes/capture.png"), "{v}");
    assert_eq!(std::fs::read(second.join("pieces-jointes/capture.png")).unwrap(), std::fs::read(&png).unwrap());
}
