//! `preau-cli export ent-ng`: the establishment as the CSV files Open ENT NG's
//! console imports, checked against the rules of its feeder as its source
//! defines them (`docs/ent-ng-csv.md`): file names, header keys, encoding,
//! dates, external ids, parents tied to their children.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};

/// The feeder's `cleanKey`: lower case, no accents, no spaces, `*` or `'`.
fn clean_key(header: &str) -> String {
    preau_core::text::fold(header).to_lowercase()
}

/// The keys `ProfileColumnsMapper` knows for each profile file, among those Préau writes.
fn known(file: &str) -> BTreeSet<&'static str> {
    let base = ["id", "nom", "nomdusage", "prenom", "datedenaissance", "classe", "courriel", "telephoneportable"];
    let extra: &[&str] = match file {
        "Student.csv" => &["ine", "groupes"],
        "Relative.csv" => &["idenfant"],
        "Teacher.csv" | "Personnel.csv" => &["fonction"],
        _ => &[],
    };
    base.iter().chain(extra).copied().collect()
}

/// The rows of a CSV the way opencsv reads it (`;`, `"` quoting), header first.
fn rows(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cells = Vec::new();
    let mut cell = String::new();
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _) => quoted = !quoted,
            (';', false) => cells.push(std::mem::take(&mut cell)),
            ('\r', false) => {}
            ('\n', false) => {
                cells.push(std::mem::take(&mut cell));
                out.push(std::mem::take(&mut cells));
            }
            (c, _) => cell.push(c),
        }
    }
    out
}

#[test]
fn the_files_are_what_open_ent_ngs_feeder_reads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo(d, 4);
    let out = d.join("pour-ent-ng");
    let listed = lines(&cli(d, TOKEN, &["export", "ent-ng", "--uai", UAI, "--out", out.to_str().unwrap(), "--json"]));
    let names: Vec<&str> = listed.iter().map(|l| l["file"].as_str().unwrap()).collect();
    assert_eq!(names, ["Student.csv", "Relative.csv", "Teacher.csv", "Personnel.csv", "Guest.csv"]);
    let profiles: Vec<&str> = listed.iter().map(|l| l["profile"].as_str().unwrap()).collect();
    assert_eq!(profiles, ["eleves", "parents", "enseignants", "personnels", "invites"]);
    let export = listed[0]["export"].as_str().unwrap();
    assert!(listed.iter().all(|l| l["export"] == export), "one export id for the set");

    let data = open(d).load_population().unwrap().unwrap();
    let mut tables: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for l in &listed {
        let file = l["file"].as_str().unwrap();
        let bytes = std::fs::read(out.join(file)).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{file}: UTF-8 with its BOM, or the feeder reads Latin-1");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'), "{file}: CRLF");
        let table = rows(text.trim_start_matches('\u{feff}'));
        assert_eq!(table.len() - 1, l["rows"].as_u64().unwrap() as usize, "{file}");
        for h in &table[0] {
            assert!(
                known(file).contains(clean_key(h).as_str()),
                "{file}: « {h} » ({}) unknown to the feeder",
                clean_key(h)
            );
        }
        for row in &table[1..] {
            assert_eq!(row.len(), table[0].len(), "{file}: {row:?}");
            assert!(ids.insert(row[0].clone()), "{file}: external id {} written twice", row[0]);
        }
        tables.insert(file.to_string(), table);
    }

    // Pupils: those at school, each with a birth date jj/mm/aaaa.
    let pupils = &tables["Student.csv"];
    let at_school = data.people.iter().filter(|p| p.profile == preau_core::model::Profile::Eleve && !p.left).count();
    assert_eq!(pupils.len() - 1, at_school);
    let date = pupils[0].iter().position(|h| h == "Date de naissance").unwrap();
    let class = pupils[0].iter().position(|h| h == "Classe").unwrap();
    for row in &pupils[1..] {
        let d: Vec<&str> = row[date].split('/').collect();
        assert!(d.len() == 3 && d[0].len() == 2 && d[1].len() == 2 && d[2].len() == 4, "{row:?}");
    }
    // A class is not required (a pupil SIECLE has not placed yet has none), but most have one.
    let placed = pupils[1..].iter().filter(|r| !r[class].is_empty()).count();
    assert!(placed * 10 > (pupils.len() - 1) * 9, "{placed} of {}", pupils.len() - 1);
    let pupil_ids: BTreeSet<&str> = pupils[1..].iter().map(|r| r[0].as_str()).collect();

    // Parents: tied by their children's external ids, every one of them in Student.csv.
    let parents = &tables["Relative.csv"];
    assert!(parents.len() > pupils.len(), "about two parents per pupil");
    let children: Vec<usize> =
        parents[0].iter().enumerate().filter(|(_, h)| clean_key(h) == "idenfant").map(|(i, _)| i).collect();
    for row in &parents[1..] {
        let linked: Vec<&str> = children.iter().map(|&i| row[i].as_str()).filter(|c| !c.is_empty()).collect();
        assert!(!linked.is_empty(), "{row:?}");
        assert!(linked.iter().all(|c| pupil_ids.contains(c)), "{row:?}");
    }

    // Teachers: their functions in the AAF's shape the feeder splits on `$`.
    let teachers = &tables["Teacher.csv"];
    let function = teachers[0].iter().position(|h| h == "Fonction").unwrap();
    let with = teachers[1..].iter().filter(|r| r[function].starts_with("ENS$")).count();
    assert!(with * 2 > teachers.len() - 1, "most teachers carry their discipline");
    for row in teachers[1..].iter().filter(|r| !r[function].is_empty()) {
        assert_eq!(row[function].split('$').count(), 4, "{row:?}");
    }
}

/// No population: nothing is written and the message says what to import.
#[test]
fn without_a_population_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--connector", "skolengo"]);
    ok(&o);
    let out = d.join("vide");
    fails_with(&cli(d, TOKEN, &["export", "ent-ng", "--uai", UAI, "--out", out.to_str().unwrap()]), "NO_POPULATION");
    assert!(!out.exists());
}

fn pending(d: &std::path::Path) -> u64 {
    ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]))["pending"].as_u64().unwrap()
}

fn export(d: &std::path::Path, out: &std::path::Path, delta: bool) -> Vec<serde_json::Value> {
    let mut args = vec!["export", "ent-ng", "--uai", UAI, "--out", out.to_str().unwrap(), "--json"];
    if delta {
        args.push("--delta");
    }
    lines(&cli(d, TOKEN, &args))
}

/// Open ENT NG from a change made in a wizard to its confirmation: the new
/// group of pupils travels in the files, which the import confirms; the
/// closed eye, which no file can carry, is a step of the worklist in that
/// console's words, confirmed when ticked.
#[test]
fn a_closed_eye_and_a_new_group_reach_open_ent_ng() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo(d, 5);
    let o = cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--connector", "ent-ng"]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("export ent-ng"));
    fails_with(
        &cli(d, TOKEN, &["sync", "configure", "--uai", UAI, "--connector", "ent-ng", "--url", "http://x"]),
        "SYNC_NO_SERVER_FOR_CONNECTOR",
    );
    let o = cli(d, TOKEN, &["sync", "push", "--uai", UAI]);
    fails_with(&o, "SYNC_NOT_SCIM");
    assert!(String::from_utf8_lossy(&o.stderr).contains("export ent-ng"));

    // The first export: everything, then confirmed as imported.
    let first = export(d, &d.join("x1"), false);
    assert_eq!(first.len(), 5);
    let x1 = first[0]["export"].as_str().unwrap().to_string();
    fails_with(&cli(d, TOKEN, &["export", "ent-ng", "--uai", UAI, "--confirm", "X00000000"]), "ENT_NG_UNKNOWN_EXPORT");
    let c = ok_json(&cli(d, TOKEN, &["export", "ent-ng", "--uai", UAI, "--confirm", &x1, "--json"]));
    assert_eq!(c["confirmed"], 0, "nothing was waiting");
    fails_with(&cli(d, TOKEN, &["export", "ent-ng", "--uai", UAI, "--confirm", &x1]), "ENT_NG_ALREADY_IMPORTED");
    // Nothing changed since: a delta writes nothing.
    assert!(export(d, &d.join("x-rien"), true).is_empty());
    assert!(!d.join("x-rien").exists());

    // Parents no longer see the direction; a group of the 3e pupils.
    let set = close_parent_direction(d);
    assert_eq!(set["queued"].as_u64(), Some(1), "{set}");
    let group = ok_json(&cli(d, TOKEN, &["groups", "create", "--uai", UAI, "--template", "eleves-3e", "--json"]));
    let members = group["members"].as_u64().unwrap();
    let name = group["name"].as_str().unwrap().to_string();
    let queued = pending(d);
    assert!(queued > 2, "{queued}");
    // How each waiting change will be confirmed: the group's by the files, the eye's by hand.
    let status = || ok_json(&cli(d, TOKEN, &["sync", "status", "--uai", UAI, "--json"]));
    let s = status();
    assert_eq!(s["connector"], "ent-ng");
    assert_eq!(s["delivery"]["in_files"].as_u64(), Some(queued - 1), "{s}");
    assert_eq!((s["delivery"]["by_hand"].as_u64(), s["delivery"]["by_server"].as_u64()), (Some(1), Some(0)), "{s}");

    // The worklist has the eye, in Open ENT NG's words, and not the group: the files carry it.
    let items = lines(&cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--json"]));
    assert_eq!(items.len(), 1, "{items:?}");
    let eye = &items[0];
    assert_eq!(eye["screen"], "ng_communication");
    assert_eq!(eye["action"], "Supprimer le droit de communication");
    let steps: Vec<&str> = eye["steps"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(steps[0].contains("Groupes > Groupes de profil"), "{steps:?}");
    assert!(steps[1].contains("« Parents de ") && steps[1].contains("Règles de communication du groupe"), "{steps:?}");
    assert!(steps[2].contains("Direction"), "{steps:?}");

    // The delta: only the pupils who joined the group, each with it among their groups.
    let out = d.join("x2");
    let second = export(d, &out, true);
    assert_eq!(second.len(), 1, "{second:?}");
    assert_eq!(second[0]["file"], "Student.csv");
    assert_eq!(second[0]["rows"].as_u64(), Some(members));
    let x2 = second[0]["export"].as_str().unwrap().to_string();
    assert_ne!(x1, x2);
    let text = String::from_utf8(std::fs::read(out.join("Student.csv")).unwrap()).unwrap();
    let table = rows(text.trim_start_matches('\u{feff}'));
    let groups: Vec<usize> =
        table[0].iter().enumerate().filter(|(_, h)| clean_key(h) == "groupes").map(|(i, _)| i).collect();
    for row in &table[1..] {
        assert!(groups.iter().any(|&i| row[i] == name), "{row:?}");
    }
    assert_eq!(pending(d), queued, "written is not imported: the changes still wait");

    // The administrator imported it: the group's changes leave the outbox, the eye's stays.
    let c = ok_json(&cli(d, TOKEN, &["export", "ent-ng", "--uai", UAI, "--confirm", &x2, "--json"]));
    assert_eq!(c["confirmed"].as_u64(), Some(queued - 1), "{c}");
    assert_eq!(pending(d), 1);
    let id = eye["id"].as_str().unwrap();
    // Marked impossible, it stops counting as pending delivery; taken up again, it counts.
    ok(&cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--impossible", id, "--reason", "droit grisé"]));
    let s = status();
    assert_eq!((s["delivery"]["by_hand"].as_u64(), s["delivery"]["impossible"].as_u64()), (Some(0), Some(1)), "{s}");
    ok(&cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--retry", id]));
    ok(&cli(d, TOKEN, &["sync", "worklist", "--uai", UAI, "--done", id]));
    assert_eq!(
        status()["delivery"],
        serde_json::json!({ "by_server": 0, "in_files": 0, "by_hand": 0, "impossible": 0, "conflicts": 0 })
    );
    assert_eq!(pending(d), 0);
    assert!(export(d, &d.join("x3"), true).is_empty(), "the ENT holds it all now");
    ok(&cli(d, TOKEN, &["audit", "verify", "--uai", UAI]));
}
