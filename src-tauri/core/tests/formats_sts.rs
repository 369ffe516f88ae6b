//! STS-Web `sts_emp` export: golden file, rejects, hostile input, demo round
//! trips and detection.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

use preau_core::demo::generate;
use preau_core::formats::detect::detect;
use preau_core::formats::source::Input;
use preau_core::formats::sts::{self, StsRecord, REJECT_REASONS};
use preau_core::formats::{Format, Parsed};
use preau_core::model::{EstablishmentData, EstablishmentKind, Profile, Uai};
use preau_core::ErrorCode;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sts").join(name)
}

fn read(xml: &str) -> Parsed<StsRecord> {
    sts::read_all(&Input::bytes("sts_emp.xml", xml.as_bytes().to_vec())).expect("readable")
}

fn err(bytes: &[u8]) -> String {
    sts::read_all(&Input::bytes("sts_emp.xml", bytes.to_vec())).expect_err("must fail").code().to_string()
}

/// A minimal document around `donnees` (the inside of `DONNEES`).
fn doc(donnees: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<STS_EDT>\n<PARAMETRES><UAJ CODE=\"0999001W\"/>\
         <ANNEE_SCOLAIRE ANNEE=\"2026\"/></PARAMETRES>\n<DONNEES>\n{donnees}\n</DONNEES>\n</STS_EDT>\n"
    )
}

fn individus(p: &Parsed<StsRecord>) -> Vec<&sts::Individu> {
    p.records.iter().filter_map(|r| if let StsRecord::Individu(i) = r { Some(i) } else { None }).collect()
}

fn reasons(p: &Parsed<StsRecord>) -> Vec<&str> {
    p.rejects.iter().map(|r| r.reason.as_str()).collect()
}

#[test]
fn golden_file_is_read_in_full() {
    let parsed = sts::read_all(&Input::file(fixture("sts_emp_0999001W_2026.xml"))).unwrap();
    assert!(parsed.rejects.is_empty(), "{:?}", parsed.rejects);
    assert_eq!(parsed.header.uai.as_deref(), Some("0999001W"));
    assert_eq!(parsed.header.school_year, Some(2026));
    let StsRecord::Parametres(p) = &parsed.records[0] else { panic!("parameters first") };
    assert_eq!(p.denom_compl.as_deref(), Some("HÉLÈNE-BOUCHER"));
    assert_eq!(p.adresse.as_deref(), Some("1 RUE DU CŒUR"), "Latin-9 œ (0xBD)");
    assert_eq!(p.academie_libelle.as_deref(), Some("DEMO"));
    assert_eq!((p.date_debut.as_deref(), p.date_fin.as_deref()), (Some("2026-09-01"), Some("2027-08-31")));
    assert_eq!(p.boite_postale, None, "empty element is absent");

    let kinds: Vec<&str> = parsed
        .records
        .iter()
        .map(|r| match r {
            StsRecord::Parametres(_) => "P",
            StsRecord::Matiere(_) => "M",
            StsRecord::Civilite(_) => "C",
            StsRecord::Mef(_) => "F",
            StsRecord::Individu(_) => "I",
            StsRecord::Division(_) => "D",
            StsRecord::Groupe(_) => "G",
        })
        .collect();
    assert_eq!(kinds.concat(), "PMMCCFFIIIDDGG");

    let people = individus(&parsed);
    let teacher = people[0];
    assert_eq!((teacher.id.as_str(), teacher.kind.as_deref()), ("8949", Some("epp")));
    assert_eq!((teacher.nom_usage.as_str(), teacher.prenom.as_deref()), ("LEFÈVRE", Some("Cœlia")));
    assert_eq!(teacher.nom_patronymique.as_deref(), Some("DURAND"));
    assert_eq!(teacher.date_naissance.as_deref(), Some("1975-03-12"));
    assert_eq!(teacher.profs_principaux[0].code_structure, "5A");
    assert_eq!(teacher.disciplines[0].code, "L0202");
    assert_eq!(teacher.disciplines[0].nb_heures.as_deref(), Some("18.00"));
    assert!(teacher.is_teacher());
    let local = people[1];
    assert_eq!(
        (local.kind.as_deref(), local.fonction.as_deref(), local.date_naissance.as_deref()),
        (Some("local"), None, None)
    );
    assert!(local.is_teacher(), "no fonction reads as a teacher");
    assert_eq!((people[2].kind.as_deref(), people[2].fonction.as_deref()), (Some("dir"), Some("DIR")));
    assert!(!people[2].is_teacher());

    let StsRecord::Mef(bilangue) = &parsed.records[6] else { panic!() };
    assert_eq!(bilangue.code, "1001000B11A", "codes stay strings");
    let StsRecord::Division(d) = &parsed.records[10] else { panic!() };
    assert_eq!((d.code.as_str(), d.effectif_prevu.as_deref()), ("5A", Some("27")));
    assert_eq!(d.services[0].enseignants[0].id, "8949");
    let StsRecord::Division(mixed) = &parsed.records[11] else { panic!() };
    assert_eq!(mixed.mefs, ["1001000B11A", "10110001110"]);
    let StsRecord::Groupe(g) = &parsed.records[12] else { panic!() };
    assert_eq!(g.divisions, ["5A", "6 BIL"]);
    let ids: Vec<&str> = g.services[0].enseignants.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["12051", "20777"], "a suppléant is a known teacher");
}

#[test]
fn each_reject_reason() {
    let p = read(&doc("<INDIVIDUS><INDIVIDU TYPE=\"epp\"><NOM_USAGE>X</NOM_USAGE></INDIVIDU>\
                       <INDIVIDU ID=\"2\"><PRENOM>Y</PRENOM></INDIVIDU></INDIVIDUS>"));
    assert_eq!(reasons(&p), ["REQUIRED_MISSING", "REQUIRED_MISSING"]);
    assert!(individus(&p).is_empty());
    assert_eq!(p.rejects[1].location, "ligne 5, INDIVIDU[ID=2]");

    let p = read(&doc("<INDIVIDUS><INDIVIDU ID=\"7\"><NOM_USAGE>A</NOM_USAGE></INDIVIDU>\
                       <INDIVIDU ID=\"7\"><NOM_USAGE>B</NOM_USAGE></INDIVIDU></INDIVIDUS>"));
    assert_eq!(reasons(&p), ["ID_DUPLICATE"]);
    assert_eq!(individus(&p)[0].nom_usage, "A");

    let p = read(&doc("<STRUCTURE><DIVISIONS><DIVISION CODE=\"6A\"/><DIVISION CODE=\"6A\"/></DIVISIONS></STRUCTURE>"));
    assert_eq!(reasons(&p), ["CODE_DUPLICATE"]);

    let p = read(&doc("<INDIVIDUS><INDIVIDU ID=\"7\"><NOM_USAGE>A</NOM_USAGE>\
                       <DATE_NAISSANCE>1975-02-30</DATE_NAISSANCE><SEXE>3</SEXE></INDIVIDU></INDIVIDUS>"));
    assert_eq!(reasons(&p), ["SEX_INVALID", "DATE_INVALID"]);
    let kept = individus(&p)[0];
    assert_eq!((kept.date_naissance.as_deref(), kept.sexe.as_deref()), (None, None), "kept, fields blank");
    assert_eq!(p.rejects[1].value, "1975-02-30");

    let bad_year = doc("").replace("ANNEE=\"2026\"", "ANNEE=\"26/27\"");
    let p = read(&bad_year);
    assert_eq!(reasons(&p), ["YEAR_INVALID"]);
    assert_eq!(p.header.school_year, None);
    // Four digits, but no school's year: left blank with its location, so
    // that nothing compares or prints the year after it.
    for year in ["9999", "0000", "1234"] {
        let p = read(&doc("").replace("ANNEE=\"2026\"", &format!("ANNEE=\"{year}\"")));
        assert_eq!(reasons(&p), ["YEAR_INVALID"], "{year}");
        assert_eq!(p.header.school_year, None, "{year}");
        assert!(p.rejects[0].location.starts_with("ligne "), "{:?}", p.rejects[0]);
        assert_eq!(p.rejects[0].value, year);
    }

    let p = read(&doc("<INDIVIDUS><INDIVIDU ID=\"7\"><NOM_USAGE>A</NOM_USAGE></INDIVIDU></INDIVIDUS>\
                       <STRUCTURE><GROUPES><GROUPE CODE=\"G1\"><SERVICES><SERVICE CODE_MATIERE=\"020700\">\
                       <ENSEIGNANTS><ENSEIGNANT ID=\"7\"/><ENSEIGNANT ID=\"99\"/></ENSEIGNANTS></SERVICE>\
                       </SERVICES></GROUPE></GROUPES></STRUCTURE>"));
    assert_eq!(reasons(&p), ["TEACHER_UNKNOWN"]);
    let StsRecord::Groupe(g) = p.records.last().unwrap() else { panic!() };
    assert_eq!(g.services[0].enseignants.len(), 1);

    let tested: BTreeSet<&str> = [
        "REQUIRED_MISSING",
        "ID_DUPLICATE",
        "CODE_DUPLICATE",
        "SEX_INVALID",
        "DATE_INVALID",
        "YEAR_INVALID",
        "TEACHER_UNKNOWN",
    ]
    .into();
    let declared: BTreeSet<&str> = REJECT_REASONS.iter().map(|(c, _)| *c).collect();
    assert_eq!(tested, declared);
    assert!(REJECT_REASONS.iter().all(|(_, fr)| !fr.is_empty()));
}

#[test]
fn hostile_inputs_are_clear_errors() {
    let full = std::fs::read(fixture("sts_emp_0999001W_2026.xml")).unwrap();
    assert_eq!(err(&full[..full.len() / 2]), "FORMAT_XML_TRUNCATED");
    // Declared UTF-8, written in Latin-9.
    let first_line = full.iter().position(|&b| b == b'\n').unwrap();
    let lying = [b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>".as_slice(), &full[first_line..]].concat();
    assert_eq!(err(&lying), "FORMAT_ENCODING_INVALID");
    assert_eq!(err(b""), "FORMAT_EMPTY");
    assert_eq!(err(&[0u8, 1, 2, 3, 0, 0, 7, 200]), "FORMAT_BINARY");
    let deep = format!("<STS_EDT><PARAMETRES><UAJ CODE=\"1\"/></PARAMETRES>{}", "<X>".repeat(400));
    assert_eq!(err(deep.as_bytes()), "FORMAT_XML_TOO_DEEP");
    let bomb =
        "<?xml version=\"1.0\"?><!DOCTYPE STS_EDT [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;\">]><STS_EDT>&b;</STS_EDT>";
    assert_eq!(err(bomb.as_bytes()), "FORMAT_XML_ENTITIES");
    assert_eq!(err(b"<STS_EDT><DONNEES/></STS_EDT>"), "FORMAT_MISSING_ELEMENT");
    assert_eq!(err(b"<STS_EDT/>"), "FORMAT_MISSING_ELEMENT");
    assert_eq!(
        err(b"<STS_EDT><PARAMETRES><ANNEE_SCOLAIRE ANNEE=\"2026\"/></PARAMETRES></STS_EDT>"),
        "FORMAT_MISSING_ELEMENT"
    );
    assert_eq!(
        err(b"<STS_EDT><NOMENCLATURES><MATIERES><MATIERE CODE=\"1\"/></MATIERES></NOMENCLATURES></STS_EDT>"),
        "FORMAT_MISSING_ELEMENT"
    );
    assert_eq!(err(b"<STS_EDT><PARAMETRES></STS_EDT>"), "FORMAT_XML_MALFORMED");
    let emp = std::fs::read(fixture("emp_sts_0999001W_2026.xml")).unwrap();
    assert_eq!(err(&emp), "FORMAT_UNKNOWN");

    // Arbitrary cuts and byte flips of a real file: errors or rejects, never a panic.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..400 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut bytes = full.clone();
        let at = (x % bytes.len() as u64) as usize;
        if x.is_multiple_of(3) {
            bytes.truncate(at);
        } else {
            bytes[at] = (x >> 24) as u8;
        }
        let _ = sts::read_all(&Input::bytes("f.xml", bytes));
    }
}

fn demo(kind: EstablishmentKind, digits: &str) -> EstablishmentData {
    generate(&Uai::from_digits(digits).unwrap(), kind, 7)
}

fn round_trip(data: &EstablishmentData) {
    let records = sts::demo_records(data);
    let bytes = sts::write(&records);
    assert!(bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<STS_EDT>\n"));
    assert!(std::str::from_utf8(&bytes).is_err() || bytes.is_ascii(), "Latin-9 bytes, not UTF-8");
    let parsed = sts::read_all(&Input::bytes("sts_emp.xml", bytes)).unwrap();
    assert!(parsed.rejects.is_empty(), "{:?}", &parsed.rejects[..parsed.rejects.len().min(5)]);
    assert_eq!(parsed.header.uai.as_deref(), Some(data.establishment.uai.as_str()));
    assert_eq!(parsed.header.school_year, Some(data.establishment.school_year));
    assert_eq!(parsed.records.len(), records.len());
    for (a, b) in parsed.records.iter().zip(&records) {
        assert_eq!(a, b);
    }
}

#[test]
fn demo_round_trips_college_and_lycee() {
    round_trip(&demo(EstablishmentKind::College, "0999001"));
    round_trip(&demo(EstablishmentKind::Lycee, "0999002"));
}

#[test]
fn demo_files_are_consistent_with_the_demo() {
    let data = demo(EstablishmentKind::Lycee, "0999002");
    let files = sts::demo_files(&data);
    assert_eq!(files.files.len(), 1);
    assert_eq!(files.files[0].0, "sts_emp_0999002X_2026.xml");
    let parsed = sts::read_all(&Input::bytes(&files.files[0].0, files.files[0].1.clone())).unwrap();
    let people = individus(&parsed);
    let staff: Vec<_> =
        data.people.iter().filter(|p| matches!(p.profile, Profile::Enseignant | Profile::NonEnseignant)).collect();
    assert_eq!(people.len(), staff.len(), "agents of the collectivité are not in STS");
    assert_eq!(files.ids.len(), staff.len());
    for (person, kind, value) in &files.ids {
        assert_eq!(kind, "sts_individu_id");
        let digits: String = person.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(value, &digits);
    }
    let shared = data.people.iter().find(|p| p.establishments.len() > 1).expect("a teacher in two schools");
    assert!(people.iter().any(|i| i.id == sts::individu_id(&shared.id)));
    assert!(people
        .iter()
        .any(|i| i.kind.as_deref() == Some("local") && i.date_naissance.is_none() && i.fonction.is_none()));
    assert_eq!(people.iter().filter(|i| i.kind.as_deref() == Some("dir")).count(), 1);
    assert!(people.iter().any(|i| !i.profs_principaux.is_empty()));

    // Every division of the demo, with services naming known teachers.
    let known: BTreeSet<&str> = people.iter().map(|i| i.id.as_str()).collect();
    let divisions: Vec<&sts::Division> =
        parsed.records.iter().filter_map(|r| if let StsRecord::Division(d) = r { Some(d) } else { None }).collect();
    assert_eq!(divisions.len(), data.divisions.len());
    assert!(divisions.iter().all(|d| !d.services.is_empty() && d.mefs.len() == 1));
    let groups: Vec<&sts::Groupe> =
        parsed.records.iter().filter_map(|r| if let StsRecord::Groupe(g) = r { Some(g) } else { None }).collect();
    assert_eq!(groups.len(), data.groups.len());
    assert!(groups.iter().all(|g| g.services.len() == 1 && !g.services[0].enseignants.is_empty()));
    let subjects: BTreeSet<&str> = parsed
        .records
        .iter()
        .filter_map(|r| if let StsRecord::Matiere(m) = r { Some(m.code.as_str()) } else { None })
        .collect();
    for s in divisions.iter().flat_map(|d| &d.services).chain(groups.iter().flat_map(|g| &g.services)) {
        assert!(subjects.contains(s.code_matiere.as_str()), "{}", s.code_matiere);
        assert!(s.enseignants.iter().all(|e| known.contains(e.id.as_str())));
    }
    // Same data, same bytes.
    assert_eq!(sts::demo_files(&data).files, files.files);
}

#[test]
fn detection_by_content_plain_and_zipped() {
    let d = detect(&Input::file(fixture("sts_emp_0999001W_2026.xml"))).unwrap();
    assert_eq!((d.format, d.encoding.name()), (Format::Sts, "ISO-8859-15"));
    let bytes = std::fs::read(fixture("sts_emp_0999001W_2026.xml")).unwrap();
    let renamed = Input::bytes("export.txt", bytes.clone());
    assert_eq!(detect(&renamed).unwrap().format, Format::Sts);

    let mut zip_bytes = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut zip_bytes);
        zip.start_file("sts_emp_0999001W_2026.xml", zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(&bytes).unwrap();
        zip.finish().unwrap();
    }
    let input = Input::bytes("sts_emp_0999001W_2026.zip", zip_bytes.into_inner());
    let d = detect(&input).unwrap();
    assert_eq!((d.format, d.entry), (Format::Sts, Some(0)));
    let parsed = sts::read_all(&input).unwrap();
    assert_eq!(parsed.records.len(), 14);
    assert_eq!(detect(&Input::file(fixture("emp_sts_0999001W_2026.xml"))).unwrap_err().code(), "FORMAT_UNKNOWN");
}

#[test]
fn streams_header_first_with_locations_and_honours_cancel() {
    use preau_core::formats::source::Ctl;
    use preau_core::formats::Item;
    use preau_core::progress::{CancelToken, NoProgress};

    let input = Input::file(fixture("sts_emp_0999001W_2026.xml"));
    let detected = detect(&input).unwrap();
    let cancel = CancelToken::new();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let mut items = Vec::new();
    sts::read(&input, &detected, &mut ctl, &mut |item| {
        items.push(item);
        Ok(())
    })
    .unwrap();
    assert!(matches!(items[0], Item::Header(_)));
    assert_eq!(items.iter().filter(|i| matches!(i, Item::Header(_))).count(), 1);
    let locations: Vec<&str> =
        items.iter().filter_map(|i| if let Item::Record(_, loc) = i { Some(loc.as_str()) } else { None }).collect();
    assert!(locations.contains(&"ligne 72, INDIVIDU[ID=8949]"), "{locations:?}");

    cancel.cancel();
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let err = sts::read(&input, &detected, &mut ctl, &mut |_| Ok(())).unwrap_err();
    assert_eq!(err.code(), "FORMAT_CANCELLED");
}
