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
