//! UDT archives (`UDCal_NN.xml` files in a ZIP): a golden archive of the
//! shape the ENT's importer reads, rejects, hostile archives, detection,
//! and round trips on the demo establishments.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

use preau_core::demo::generate;
use preau_core::formats::detect::detect;
use preau_core::formats::source::{Ctl, Input};
use preau_core::formats::udt::{self, demo_files, demo_records, is_udt_root, read_all, UdtRecord};
use preau_core::formats::{Format, Item};
use preau_core::model::{EstablishmentData, EstablishmentKind, Uai};
use preau_core::progress::{CancelToken, NoProgress};
use preau_core::ErrorCode;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/udt")
}

/// The golden archive's files, in a scrambled order (the reader sorts them).
fn archive_files() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir().join("archive"))
        .expect("fixtures")
        .map(|e| {
            let e = e.expect("entrée");
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("lecture"))
        })
        .collect();
    files.sort();
    files.reverse();
    files
}

fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        for (name, bytes) in files {
            zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).expect("zip");
            zip.write_all(bytes).expect("zip");
        }
        zip.finish().expect("zip");
    }
    buf.into_inner()
}

fn college() -> EstablishmentData {
    generate(&Uai::from_digits("0999001").expect("UAI"), EstablishmentKind::College, 42)
}

fn lycee() -> EstablishmentData {
    generate(&Uai::from_digits("0999002").expect("UAI"), EstablishmentKind::Lycee, 42)
}

#[test]
fn roots_that_mean_udt() {
    for root in ["UDCal_04", "udcal_12_05", "UDCal_24", "semaines", "UDT"] {
        assert!(is_udt_root(root), "{root}");
    }
    for root in ["ExportEmploiDuTemps", "STS_EDT", "BEE_ELEVES", "semaine", "calendrier"] {
        assert!(!is_udt_root(root), "{root}");
    }
}

#[test]
fn golden_archive() {
    let input = Input::bytes("UDT_0999001W.zip", zip_of(&archive_files()));
    let d = detect(&input).expect("détecté");
    assert_eq!((d.format, d.entries.len()), (Format::Udt, 15));
    let cancel = CancelToken::new();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let mut items = Vec::new();
    udt::read(&input, &d, &mut ctl, &mut |i| {
        items.push(i);
        Ok(())
    })
    .expect("lisible");
    let Some(Item::Header(h)) = items.first() else { panic!("l'en-tête d'abord") };
    assert_eq!((h.uai.as_deref(), h.school_year), (Some("0999001W"), Some(2026)));
    assert!(items.iter().skip(1).all(|i| !matches!(i, Item::Header(_))));
    assert!(items.iter().all(|i| !matches!(i, Item::Reject(_))), "aucun rejet");
    let records: Vec<&UdtRecord> =
        items.iter().filter_map(|i| if let Item::Record(r, _) = i { Some(r) } else { None }).collect();
    // Calendar first, then parameters and weeks, as the ENT reads them.
    assert_eq!(records[0], &UdtRecord::Setting { name: "annee".into(), value: "2026".into() });
    assert_eq!(records[1], &UdtRecord::Setting { name: "debut_eleve".into(), value: "2026-09-01".into() });
    assert!(
        matches!(records[3], UdtRecord::Closure { start: Some(s), end: Some(e) } if s == "2026-10-17" && e == "2026-11-01")
    );
    assert!(matches!(records[4], UdtRecord::Init { first_iso_week: Some(w), .. } if w == "37"));
    assert!(matches!(records[5], UdtRecord::Weeks { numbers } if numbers == &["37", "38", "1"]));
    let teacher = records.iter().find_map(|r| if let UdtRecord::Teacher(t) = r { Some(t) } else { None });
    let teacher = teacher.expect("un professeur");
    // ISO-8859-1 declared, decoded per entry.
    assert_eq!((teacher.last_name.as_str(), teacher.first_name.as_str()), ("LEFÈVRE", "Hélène"));
    assert_eq!((teacher.birth_date.as_deref(), teacher.epj.as_deref()), (Some("1978-02-14"), Some("4217")));
    assert!(records
        .iter()
        .any(|r| matches!(r, UdtRecord::Teacher(t) if t.first_name == "Cœlia" && t.main_subject.is_none())));
    assert!(records.iter().any(|r| matches!(r, UdtRecord::Subject { label, code_sts: Some(s), .. } if label == "MATHÉMATIQUES" && s == "061300")));
    assert!(records.iter().any(|r| matches!(r, UdtRecord::Pupil(p) if p.code == "4218" && p.birth_date.is_none())));
    assert!(records.iter().any(|r| matches!(r, UdtRecord::Group(g) if g.division == "5A" && g.code == "1")));
    assert!(records.iter().any(|r| matches!(r, UdtRecord::Membership(m) if m.group.as_deref() == Some("1"))));
    assert!(records.iter().any(|r| matches!(r, UdtRecord::FicheLine(l) if l.week.as_deref() == Some("05"))));
    assert!(records.iter().any(|r| matches!(r, UdtRecord::CoTeaching { teacher: Some(t), .. } if t == "C1")));
    let locations: Vec<&String> =
        items.iter().filter_map(|i| if let Item::Record(_, l) = i { Some(l) } else { None }).collect();
    assert!(locations.iter().any(|l| l.starts_with("UDCal_04.xml, ligne 3, UDCal_04/prof[code=12]")), "{locations:?}");
}

#[test]
fn a_lone_udcal_file_is_read_too() {
    let bytes = std::fs::read(dir().join("archive/UDCal_10.xml")).expect("fixture");
    let input = Input::bytes("UDCal_10.xml", bytes);
    assert_eq!(detect(&input).expect("détecté").format, Format::Udt);
    let p = read_all(&input).expect("lisible");
    assert_eq!(p.records.len(), 2);
    assert_eq!(p.header.uai, None);
}

fn rejects(reason: &str) -> (Vec<preau_core::formats::Reject>, Vec<UdtRecord>) {
    let bytes = std::fs::read(dir().join("UDCal_10_rejets.xml")).expect("fixture");
    let p = read_all(&Input::bytes("UDCal_10.xml", bytes)).expect("lisible malgré les rejets");
    let r: Vec<_> = p.rejects.into_iter().filter(|r| r.reason == reason).collect();
    assert!(!r.is_empty(), "aucun rejet {reason}");
    (r, p.records)
}

#[test]
fn reject_required_missing() {
    let (r, records) = rejects("REQUIRED_MISSING");
    assert_eq!(r[0].field, "eleve@code");
    assert!(r[0].location.starts_with("ligne 3, UDCal_10/eleve"), "{}", r[0].location);
    assert!(records.iter().all(|x| !matches!(x, UdtRecord::Pupil(p) if p.last_name == "SANSCODE")));
}

#[test]
fn reject_date_invalid() {
    let (r, records) = rejects("DATE_INVALID");
    assert_eq!((r[0].field.as_str(), r[0].value.as_str()), ("eleve@naissance", "30/02/2013"));
    assert!(records
        .iter()
        .any(|x| matches!(x, UdtRecord::Pupil(p) if p.last_name == "DATE" && p.birth_date.is_none())));
}

#[test]
fn reject_duplicate_code() {
    let (r, records) = rejects("DUPLICATE_CODE");
    assert_eq!(r[0].value, "1");
    assert!(records.iter().all(|x| !matches!(x, UdtRecord::Pupil(p) if p.last_name == "DOUBLE")));
    let declared: BTreeSet<&str> = udt::REJECT_REASONS.iter().map(|(c, _)| *c).collect();
    assert_eq!(declared, BTreeSet::from(["REQUIRED_MISSING", "DATE_INVALID", "DUPLICATE_CODE"]));
}

#[test]
fn hostile_archives_fail_cleanly_and_name_the_entry() {
    let mut files = archive_files();
    if let Some((_, bytes)) = files.iter_mut().find(|(n, _)| n == "UDCal_04.xml") {
        bytes.truncate(bytes.len() - 20);
    }
    let err = read_all(&Input::bytes("UDT.zip", zip_of(&files))).expect_err("tronqué");
    assert_eq!(err.code(), "FORMAT_XML_TRUNCATED");
    assert!(err.to_string().contains("UDCal_04.xml"), "{err}");
    let mut files = archive_files();
    if let Some((_, bytes)) = files.iter_mut().find(|(n, _)| n == "UDCal_10.xml") {
        *bytes = String::from_utf8_lossy(bytes).replace("ISO-8859-1", "UTF-8").into_bytes();
        bytes.extend(b"<!-- \xff -->");
    }
    let err = read_all(&Input::bytes("UDT.zip", zip_of(&files))).expect_err("octets invalides");
    assert_eq!(err.code(), "FORMAT_ENCODING_INVALID");
    let deep = format!("<UDCal_10>{}</UDCal_10>", "<x>".repeat(300));
    let err =
        read_all(&Input::bytes("UDT.zip", zip_of(&[("UDCal_10.xml".into(), deep.into_bytes())]))).expect_err("profond");
    assert_eq!(err.code(), "FORMAT_XML_TOO_DEEP");
    let other = zip_of(&[("lisez-moi.txt".into(), b"rien".to_vec())]);
    assert_eq!(read_all(&Input::bytes("UDT.zip", other)).expect_err("vide").code(), "FORMAT_ZIP_NOTHING_USABLE");
    let mut broken = zip_of(&archive_files());
    broken.truncate(broken.len() / 2);
    assert!(read_all(&Input::bytes("UDT.zip", broken)).is_err());
    assert_eq!(read_all(&Input::bytes("UDT.zip", Vec::new())).expect_err("vide").code(), "FORMAT_EMPTY");
}

#[test]
fn mangled_udcal_files_never_panic() {
    let seeds: Vec<Vec<u8>> = archive_files().into_iter().map(|(_, b)| b).collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for seed in &seeds {
        for _ in 0..60 {
            let mut bytes = seed.clone();
            let i = (next() % bytes.len() as u64) as usize;
            match next() % 3 {
                0 => bytes[i] = next() as u8,
                1 => bytes.truncate(i.max(1)),
                _ => bytes.insert(i, b"<>\"&/="[(next() % 6) as usize]),
            }
            let _ = read_all(&Input::bytes("UDCal_04.xml", bytes.clone()));
            let _ = read_all(&Input::bytes("UDT.zip", zip_of(&[("UDCal_04.xml".into(), bytes)])));
        }
    }
}

#[test]
fn demo_round_trips_for_college_and_lycee() {
    for data in [college(), lycee()] {
        let (records, ids) = demo_records(&data);
        let name = format!("UDT_{}.zip", data.establishment.uai);
        let p = read_all(&Input::bytes(&name, udt::write(&records))).expect("relu");
        assert!(p.rejects.is_empty(), "{:?}", &p.rejects[..p.rejects.len().min(5)]);
        assert_eq!(p.header.uai.as_deref(), Some(data.establishment.uai.as_str()));
        assert_eq!(p.header.school_year, Some(data.establishment.school_year));
        assert!(p.records == records, "aller-retour différent");
        let kinds: BTreeSet<&str> = ids.iter().map(|(_, k, _)| k.as_str()).collect();
        assert_eq!(kinds, BTreeSet::from(["udt_code", "udt_epj"]));
    }
}

#[test]
fn demo_archive_is_named_detected_and_stable() {
    let data = college();
    let files = demo_files(&data);
    assert_eq!(files.files.len(), 1);
    let (name, bytes) = &files.files[0];
    assert_eq!(name, "UDT_0999001W.zip");
    assert_eq!(demo_files(&data).files, files.files, "mêmes octets à chaque fois");
    let d = detect(&Input::bytes("x.zip", bytes.clone())).expect("détecté");
    assert_eq!(d.format, Format::Udt);
    let names: BTreeSet<&str> = d.entries.iter().map(|e| e.name.as_str()).collect();
    for expected in
        ["UDCal_00.xml", "UDCal_04.xml", "UDCal_08.xml", "UDCal_10.xml", "UDCal_19.xml", "UDCal_21.xml", "semaines.xml"]
    {
        assert!(names.contains(expected), "{expected} manque : {names:?}");
    }
    let p = read_all(&Input::bytes(name, bytes.clone())).expect("lisible");
    let teachers: Vec<_> =
        p.records.iter().filter_map(|r| if let UdtRecord::Teacher(t) = r { Some(t) } else { None }).collect();
    assert!(teachers.iter().any(|t| t.epj.is_none() && t.main_subject.is_some()), "le vacataire");
    assert!(teachers.iter().any(|t| t.main_subject.is_none()), "du personnel sans matière");
}

#[test]
fn cancel_stops_an_archive_read() {
    let input = Input::bytes("UDT_0999001W.zip", zip_of(&archive_files()));
    let detected = detect(&input).expect("détecté");
    let cancel = CancelToken::new();
    cancel.cancel();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let err = udt::read(&input, &detected, &mut ctl, &mut |_| Ok(())).expect_err("annulé");
    assert_eq!(err.code(), "FORMAT_CANCELLED");
}
