//! The import operation on real store files: demo exports in, population and
//! findings out; refusals and failures leave the store exactly as it was.

use preau_core::demo::{self, write_demo_files};
use preau_core::formats::siecle::{self, ResponsablesLayout, SiecleRecord};
use preau_core::formats::source::Input;
use preau_core::formats::Format;
use preau_core::import::{import_files, ImportOutcome};
use preau_core::model::{EstablishmentKind, Profile, Uai};
use preau_core::progress::CancelToken;
use preau_core::secrets::DbKey;
use preau_core::store::Store;
use preau_core::ErrorCode;

fn key() -> DbKey {
    DbKey::from_hex(&"5a".repeat(32)).unwrap()
}

struct Setup {
    _dir: tempfile::TempDir,
    files: std::path::PathBuf,
    data_dir: std::path::PathBuf,
    uai: Uai,
    data: preau_core::model::EstablishmentData,
}

fn setup(kind: EstablishmentKind) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let uai = match kind {
        EstablishmentKind::College => Uai::parse("0999001W").unwrap(),
        EstablishmentKind::Lycee => Uai::parse("0999002X").unwrap(),
    };
    let data = demo::generate(&uai, kind, 5);
    let files = dir.path().join("exports");
    write_demo_files(&data, &files).unwrap();
    let data_dir = dir.path().join("data");
    Setup { files, data_dir, uai, data, _dir: dir }
}

fn inputs(s: &Setup, names: &[&str]) -> Vec<Input> {
    names.iter().map(|n| Input::file(s.files.join(n))).collect()
}

fn run(store: &mut Store, inputs: &[Input]) -> ImportOutcome {
    import_files(store, inputs, "test@cli", &CancelToken::new(), &mut |_| {}).unwrap()
}

const SIECLE: [&str; 4] =
    ["ElevesSansAdresses.xml", "ResponsablesAvecAdresses.xml", "Structures.xml", "Nomenclature.xml"];

#[test]
fn demo_exports_rebuild_the_population() {
    let s = setup(EstablishmentKind::College);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    let mut names = SIECLE.to_vec();
    names.push("sts_emp_0999001W_2026.xml");
    names.push("export_annuaire_ENT_0999001W.csv");
    let out = run(&mut store, &inputs(&s, &names));
    assert!(out.committed, "{:?}", out.files);
    for f in &out.files {
        assert_eq!((f.error.as_deref(), f.rejected), (None, 0), "{}", f.file);
        assert!(f.read > 0 && f.applied, "{}", f.file);
    }
    let formats: Vec<_> = out.files.iter().map(|f| f.format).collect();
    assert_eq!(
        formats,
        vec![
            Some(Format::SiecleEleves),
            Some(Format::SiecleResponsables),
            Some(Format::SiecleStructures),
            Some(Format::SiecleNomenclature),
            Some(Format::Sts),
            Some(Format::EntDirectory)
        ]
    );
    let c = store.counts().unwrap();
    let count = |p: Profile| s.data.people.iter().filter(|x| x.profile == p && !x.left).count() as u64;
    assert_eq!(c.pupils, count(Profile::Eleve));
    assert_eq!(c.responsables, s.data.people.iter().filter(|x| x.profile == Profile::Responsable).count() as u64);
    assert_eq!(c.teachers, count(Profile::Enseignant));
    assert_eq!(c.groups, s.data.groups.len() as u64);
    let levels: Vec<&str> = c.pupils_by_level.0.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(&levels[..4], ["6e", "5e", "4e", "3e"]);
    // Pupils keep their demo ids (ELV + ELEVE_ID), classes and INE.
    let pop = store.load_population().unwrap().unwrap();
    for p in s.data.people.iter().filter(|p| p.profile == Profile::Eleve) {
        let q = pop.people.iter().find(|q| q.id == p.id).unwrap_or_else(|| panic!("{} missing", p.id));
        assert_eq!((&q.usage_name, &q.ine, &q.divisions, q.left), (&p.usage_name, &p.ine, &p.divisions, p.left));
    }
    assert_eq!(pop.accounts.len(), s.data.accounts.len());
    // Findings match the demo's own facts.
    let findings = store.findings().unwrap();
    let n = |code: &str| findings.iter().find(|f| f.code == code).map(|f| f.count).unwrap_or(0);
    let without_class =
        s.data.people.iter().filter(|p| p.profile == Profile::Eleve && !p.left && p.divisions.is_empty()).count();
    assert_eq!(n("PUPIL_WITHOUT_CLASS"), without_class as u64);
    assert_eq!(
        n("FORMER_PUPIL"),
        s.data.people.iter().filter(|p| p.profile == Profile::Eleve && p.left).count() as u64
    );
    assert!(n("DUPLICATE_RESPONSABLE") >= 1, "the demo plants duplicate responsables");
    assert!(n("PERSONNE_EN_CHARGE") >= 1);
    assert!(n("RESPONSABLE_NO_EMAIL") > 0);
    // History, rejects, audit.
    assert_eq!(store.batches().unwrap().len(), 6);
    assert!(store.audit_entries(5).unwrap().iter().any(|e| e.action == "IMPORT"));
    assert!(store.audit_verify().unwrap().ok);
}

#[test]
fn timetable_findings() {
    let s = setup(EstablishmentKind::College);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    let out = run(
        &mut store,
        &inputs(
            &s,
            &["sts_emp_0999001W_2026.xml", "export_annuaire_ENT_0999001W.csv", "Edt_To_TESTENT_0999001W_Enclair.xml"],
        ),
    );
    assert!(out.committed, "{:?}", out.files);
    let findings = store.findings().unwrap();
    let teachers = findings.iter().find(|f| f.code == "TIMETABLE_TEACHER_UNKNOWN").expect("the vacataire");
    assert!(teachers.items.iter().any(|i| i["absent_de"].as_array().is_some_and(|a| a.len() == 2)));
    assert!(findings.iter().any(|f| f.code == "PARTIES_GROUP_NOT_EXPORTED" && f.count > 0));
}

/// A batch keeps its file byte for byte, and a later operation that needs an
/// earlier format reads it again from there: importing STS-Web and the
/// directory first, then the timetable alone, finds what importing all three
/// together finds.
#[test]
fn kept_files_serve_later_operations() {
    let s = setup(EstablishmentKind::College);
    let names =
        ["sts_emp_0999001W_2026.xml", "export_annuaire_ENT_0999001W.csv", "Edt_To_TESTENT_0999001W_Enclair.xml"];
    let mut together = Store::open_or_create(&s.data_dir.join("together"), &s.uai, &key(), "test@cli").unwrap();
    assert!(run(&mut together, &inputs(&s, &names)).committed);
    let expected = together.findings().unwrap();

    let mut apart = Store::open_or_create(&s.data_dir.join("apart"), &s.uai, &key(), "test@cli").unwrap();
    let first = run(&mut apart, &inputs(&s, &names[..2]));
    assert!(first.committed, "{:?}", first.files);
    for (report, name) in first.files.iter().zip(&names[..2]) {
        let kept = apart.batch_file(report.batch_id.unwrap()).unwrap().unwrap();
        assert_eq!(kept, std::fs::read(s.files.join(name)).unwrap(), "{name}");
    }
    assert!(run(&mut apart, &inputs(&s, &names[2..])).committed);
    let found = apart.findings().unwrap();
    let codes = |f: &[preau_core::store::Finding]| f.iter().map(|f| (f.code.clone(), f.count)).collect::<Vec<_>>();
    assert!(found.iter().any(|f| f.code == "TIMETABLE_TEACHER_UNKNOWN"));
    assert_eq!(codes(&found), codes(&expected));
    assert_eq!(found, expected);
}

fn snapshot(store: &Store) -> (String, usize, usize) {
    (store.content_digest().unwrap(), store.batches().unwrap().len(), store.audit_entries(1000).unwrap().len())
}

#[test]
fn refusals_write_nothing() {
    let s = setup(EstablishmentKind::College);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    assert!(run(&mut store, &inputs(&s, &["ElevesSansAdresses.xml"])).committed);
    let before = snapshot(&store);

    // Already imported (the zipped copy has other bytes, the plain one is the same file).
    let out = run(&mut store, &inputs(&s, &["Structures.xml", "ElevesSansAdresses.xml"]));
    assert!(!out.committed);
    assert_eq!(out.files[1].error.as_deref(), Some("IMPORT_ALREADY_IMPORTED"));
    assert!(out.files[1].message.as_deref().unwrap_or("").contains("déjà importé"));
    assert!(!out.files[0].applied);
    assert_eq!(snapshot(&store), before);

    // Another establishment's file.
    let other = setup(EstablishmentKind::Lycee);
    let out = run(&mut store, &[Input::file(other.files.join("Structures.xml"))]);
    assert_eq!(out.files[0].error.as_deref(), Some("IMPORT_WRONG_UAI"));
    assert_eq!(snapshot(&store), before);

    // Last year's file.
    let mut header = siecle::demo_header(&s.data, Format::SiecleStructures);
    header.school_year = Some(2025);
    let records = siecle::demo_records(&s.data, Format::SiecleStructures, ResponsablesLayout::Niveau);
    let old = siecle::write(Format::SiecleStructures, &header, &records);
    let out = run(&mut store, &[Input::bytes("Structures_2025.xml", old)]);
    assert_eq!(out.files[0].error.as_deref(), Some("IMPORT_WRONG_YEAR"), "{:?}", out.files[0]);
    assert_eq!(snapshot(&store), before);

    // A good file with a truncated one: neither lands.
    let full = std::fs::read(s.files.join("ResponsablesAvecAdresses.xml")).unwrap();
    let cut = full[..full.len() / 2].to_vec();
    let out = run(&mut store, &[Input::file(s.files.join("Structures.xml")), Input::bytes("Resp.xml", cut)]);
    assert!(!out.committed);
    assert_eq!(out.files[1].error.as_deref(), Some("FORMAT_XML_TRUNCATED"));
    assert_eq!(snapshot(&store), before);

    // Unusable inputs.
    for (name, bytes, code) in [
        ("vide.csv", Vec::new(), "FORMAT_EMPTY"),
        ("photo.png", vec![0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0, 1, 2], "FORMAT_BINARY"),
        ("emp.xml", b"<?xml version=\"1.0\"?><EDT_STS/>".to_vec(), "FORMAT_UNKNOWN"),
    ] {
        let out = run(&mut store, &[Input::bytes(name, bytes)]);
        assert_eq!(out.files[0].error.as_deref(), Some(code), "{name}");
    }
    assert_eq!(snapshot(&store), before);
}

#[test]
fn cancel_rolls_back() {
    let s = setup(EstablishmentKind::Lycee);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    let before = snapshot(&store);
    let cancel = CancelToken::new();
    let c2 = cancel.clone();
    let err = import_files(&mut store, &inputs(&s, &SIECLE), "t", &cancel, &mut |p| {
        if p.phase == "lecture" && p.file_index == 1 && p.done > 0 {
            c2.cancel();
        }
    })
    .unwrap_err();
    assert_eq!(err.code(), "IMPORT_CANCELLED");
    assert_eq!(snapshot(&store), before);
}

#[test]
fn cross_record_checks_reject_with_reasons() {
    let s = setup(EstablishmentKind::College);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    // Same INE twice.
    let header = siecle::demo_header(&s.data, Format::SiecleEleves);
    let mut records = siecle::demo_records(&s.data, Format::SiecleEleves, ResponsablesLayout::Niveau);
    let ines: Vec<String> = records
        .iter()
        .filter_map(|r| match r {
            SiecleRecord::Eleve(e) => e.ine.clone(),
            _ => None,
        })
        .take(2)
        .collect();
    let mut second = None;
    for r in &mut records {
        if let SiecleRecord::Eleve(e) = r {
            if e.ine.as_deref() == Some(ines[1].as_str()) {
                e.ine = Some(ines[0].clone());
                second = Some(e.eleve_id.clone());
            }
        }
    }
    let bytes = siecle::write(Format::SiecleEleves, &header, &records);
    let out = run(&mut store, &[Input::bytes("Eleves.xml", bytes)]);
    assert!(out.committed);
    let rej = &out.files[0].rejects;
    assert_eq!(rej.iter().filter(|r| r.reason == "INE_DUPLICATE").count(), 1, "{rej:?}");
    assert!(rej[0].location.contains("ligne"), "{:?}", rej[0]);
    let pop = store.load_population().unwrap().unwrap();
    let second = second.unwrap();
    assert!(!pop.people.iter().any(|p| p.id == format!("ELV{second}")), "the duplicate is left out");
    assert_eq!(store.batch_rejects(out.files[0].batch_id.unwrap()).unwrap().len(), 1);

    // Two « responsable légal 1 » in the old layout.
    let legacy = siecle::write_responsables_legacy(&s.data);
    let text = String::from_utf8_lossy(&legacy).into_owned();
    let doubled = text.replacen("<RESP_LEGAL>2</RESP_LEGAL>", "<RESP_LEGAL>1</RESP_LEGAL>", 1);
    assert_ne!(doubled, text, "the legacy file has a second legal representative to promote");
    let (bytes, _, _) = encoding_rs::ISO_8859_15.encode(&doubled);
    let out = run(&mut store, &[Input::bytes("RespLegacy.xml", bytes.into_owned())]);
    assert!(out.committed, "{:?}", out.files);
    assert_eq!(out.files[0].rejects.iter().filter(|r| r.reason == "RESP_LEGAL_1_DUPLICATE").count(), 1);
}

#[test]
fn unrecognised_columns_are_mapped_then_remembered() {
    use preau_core::formats::csvtable::ColumnPreset;
    use preau_core::formats::mapping;
    use preau_core::import::import_files_with;

    let s = setup(EstablishmentKind::College);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv/pronote_unmapped.csv");
    let input = Input::file(&path);
    // Not recognised on its own.
    let out = run(&mut store, std::slice::from_ref(&input));
    assert_eq!(out.files[0].error.as_deref(), Some("FORMAT_UNKNOWN"));
    // The proposal shows the header and what Préau recognised.
    let proposal = mapping::propose(&input).unwrap();
    assert_eq!(proposal.header[0], "N° utilisateur");
    let pronote = proposal.tables.iter().find(|t| t.format == Format::PronoteIds).unwrap();
    let first_name = pronote.fields.iter().find(|f| f.field == "first_name").unwrap();
    assert_eq!(first_name.guess, Some(3), "« Prénom* » is recognised");
    // The user maps the rest and names the preset.
    let mut columns = std::collections::BTreeMap::new();
    for (field, header) in [
        ("pronote_id", "N° utilisateur"),
        ("category", "Population"),
        ("last_name", "Nom de l'usager"),
        ("first_name", "Prénom*"),
        ("birth_date", "Jour de naissance"),
    ] {
        columns.insert(field.to_string(), header.to_string());
    }
    let preset = ColumnPreset { name: "Export Pronote du secrétariat".into(), table: Format::PronoteIds, columns };
    // A preset for the other table does not fit.
    let wrong = ColumnPreset { table: Format::EntDirectory, ..preset.clone() };
    let out = import_files_with(
        &mut store,
        std::slice::from_ref(&input),
        &[Some(wrong)],
        "t",
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(out.files[0].error.as_deref(), Some("IMPORT_PRESET_DOES_NOT_FIT"));
    let out = import_files_with(
        &mut store,
        std::slice::from_ref(&input),
        &[Some(preset.clone())],
        "t",
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    assert!(out.committed, "{:?}", out.files);
    assert_eq!((out.files[0].format, out.files[0].read), (Some(Format::PronoteIds), 2));
    assert_eq!(out.files[0].preset.as_deref(), Some("Export Pronote du secrétariat"));
    store.save_column_preset(&preset.name, "pronote-ids", &serde_json::to_string(&preset).unwrap(), "t").unwrap();
    // Next month's file, same columns: the saved preset applies by itself.
    let next = std::fs::read_to_string(&path).unwrap().replace("Élodie", "Élodie-Marie");
    let out = run(&mut store, &[Input::bytes("pronote_octobre.csv", next.into_bytes())]);
    assert!(out.committed, "{:?}", out.files);
    assert_eq!(out.files[0].preset.as_deref(), Some("Export Pronote du secrétariat"));
}
