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

/// The population is built once the files feeding it are read, while a
/// timetable is still being read: when that timetable then proves unreadable,
/// nothing is written all the same.
#[test]
fn a_timetable_refused_after_the_population_is_built_writes_nothing() {
    let s = setup(EstablishmentKind::Lycee);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    let before = snapshot(&store);
    let edt = std::fs::read_dir(&s.files)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().ends_with("_Enclair.xml"))
        .expect("the demo writes a timetable in clear");
    let full = std::fs::read(&edt).unwrap();
    let mut files = inputs(&s, &SIECLE);
    files.push(Input::bytes("Edt_coupé.xml", full[..full.len() * 3 / 4].to_vec()));
    let out = run(&mut store, &files);
    assert!(!out.committed);
    assert_eq!(out.files.last().unwrap().error.as_deref(), Some("FORMAT_XML_TRUNCATED"), "{:?}", out.files);
    assert_eq!(snapshot(&store), before);
    // The same files with the whole timetable: the population is the one SIECLE gives.
    files.pop();
    files.push(Input::file(&edt));
    let out = run(&mut store, &files);
    assert!(out.committed, "{:?}", out.files);
    let population = store.load_population().unwrap().unwrap();
    assert!(population.people.iter().any(|p| p.profile == Profile::Eleve));
    assert_eq!(population.establishment.school_year, s.data.establishment.school_year);
}

/// A cancel after the reading (the checks, the findings) still writes nothing:
/// on a big file that work is long, and the button must not be outrun.
#[test]
fn a_cancel_after_the_reading_still_rolls_back() {
    let s = setup(EstablishmentKind::Lycee);
    for phase in ["controles", "constats"] {
        let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
        let before = snapshot(&store);
        let cancel = CancelToken::new();
        let c2 = cancel.clone();
        let err = import_files(&mut store, &inputs(&s, &SIECLE), "t", &cancel, &mut |p| {
            if p.phase == phase {
                c2.cancel();
            }
        })
        .unwrap_err();
        assert_eq!(err.code(), "IMPORT_CANCELLED", "{phase}");
        assert_eq!(snapshot(&store), before, "{phase}");
    }
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

fn run_skipping(store: &mut Store, inputs: &[Input]) -> ImportOutcome {
    use preau_core::import::{import_selection, Refused};
    let presets = vec![None; inputs.len()];
    import_selection(store, inputs, &presets, Refused::Skip, "test@cli", &CancelToken::new(), &mut |_| {}).unwrap()
}

fn refusals(out: &ImportOutcome) -> Vec<(String, String)> {
    out.files.iter().filter_map(|f| Some((f.file.clone(), f.error.clone()?))).collect()
}

/// The demo's own folder, with a file of another school and a truncated
/// one: every refusal comes in one report, with nothing written; then the
/// acceptable files are imported in one operation.
#[test]
fn a_folder_shows_every_refusal_at_once_then_imports_the_acceptable_files() {
    let s = setup(EstablishmentKind::College);
    let other = setup(EstablishmentKind::Lycee);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    let before = snapshot(&store);
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(&s.files).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut inputs: Vec<Input> = paths.iter().map(Input::file).collect();
    // An unreadable file first: the files after it keep their own hashes.
    inputs.insert(0, Input::bytes("vide.csv", Vec::new()));
    inputs.push(Input::file(other.files.join("Structures.xml")));
    let full = std::fs::read(s.files.join("ResponsablesAvecAdresses.xml")).unwrap();
    inputs.push(Input::bytes("Responsables_coupé.xml", full[..full.len() / 2].to_vec()));
    let out = run(&mut store, &inputs);
    assert!(!out.committed);
    let refused = refusals(&out);
    let code_of = |name: &str| refused.iter().find(|(f, _)| f.ends_with(name)).map(|(_, c)| c.as_str());
    assert_eq!(code_of("truth.json"), Some("FORMAT_UNKNOWN"), "{refused:?}");
    assert!(refused.iter().any(|(_, c)| c == "FORMAT_EDT_ENCRYPTED"), "{refused:?}");
    assert_eq!(code_of("vide.csv"), Some("FORMAT_EMPTY"), "{refused:?}");
    let own = 1 + paths.iter().position(|p| p.ends_with("Structures.xml")).unwrap();
    assert_eq!(out.files[own].error, None, "the school's own structures are fine");
    assert_eq!(out.files[inputs.len() - 2].error.as_deref(), Some("IMPORT_WRONG_UAI"), "{refused:?}");
    assert_eq!(code_of("Responsables_coupé.xml"), Some("FORMAT_XML_TRUNCATED"), "{refused:?}");
    for f in out.files.iter().filter(|f| f.error.is_some()) {
        assert!(f.message.as_deref().is_some_and(|m| !m.is_empty()), "{f:?}");
    }
    assert!(out.files.iter().all(|f| !f.applied));
    assert_eq!(snapshot(&store), before, "nothing written");

    // The acceptable files, in one click.
    let out = run_skipping(&mut store, &inputs);
    assert!(out.committed, "{:?}", out.files);
    assert_eq!(refusals(&out), refused, "the same refusals, said again");
    for f in &out.files {
        assert_eq!(f.applied, f.error.is_none(), "{f:?}");
    }
    let batches = store.batches().unwrap();
    assert_eq!(batches.len(), out.files.iter().filter(|f| f.applied).count());
    assert!(batches.iter().all(|b| !b.file_name.ends_with("truth.json") && !b.file_name.contains("coupé")));
    // Each batch is known by its own file's hash.
    for (f, input) in out.files.iter().zip(&inputs).filter(|(f, _)| f.applied) {
        let batch = batches.iter().find(|b| Some(b.id) == f.batch_id).unwrap();
        assert_eq!(batch.sha256, input.sha256(&CancelToken::new()).unwrap(), "{}", f.file);
    }
    assert!(store.load_population().unwrap().is_some());
    // One operation: one audit entry.
    let imports = store.audit_entries(100).unwrap().into_iter().filter(|e| e.action == "IMPORT").count();
    assert_eq!(imports, 1);
}

/// A SIECLE file that does not say which school it is for is refused.
#[test]
fn a_siecle_file_without_its_school_code_is_refused() {
    let s = setup(EstablishmentKind::College);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    let before = snapshot(&store);
    let records = siecle::demo_records(&s.data, Format::SiecleEleves, ResponsablesLayout::Niveau);
    for uaj in [None, Some(String::new()), Some("   ".to_string())] {
        let mut header = siecle::demo_header(&s.data, Format::SiecleEleves);
        header.uai = uaj.clone();
        let bytes = siecle::write(Format::SiecleEleves, &header, &records);
        let out = run_skipping(&mut store, &[Input::bytes("Eleves.xml", bytes)]);
        assert!(!out.committed, "{uaj:?}");
        assert_eq!(out.files[0].error.as_deref(), Some("IMPORT_NO_UAI"), "{uaj:?}: {:?}", out.files[0]);
        let message = out.files[0].message.clone().unwrap_or_default();
        assert!(message.contains("PARAMETRES/UAJ") && message.contains("établissement"), "{message}");
        assert_eq!(snapshot(&store), before);
    }
    // Without any PARAMETRES at all.
    let header = siecle::demo_header(&s.data, Format::SiecleEleves);
    let bytes = siecle::write(Format::SiecleEleves, &header, &records);
    let at = |needle: &[u8]| bytes.windows(needle.len()).position(|w| w == needle).unwrap();
    let (start, end) = (at(b"<PARAMETRES>"), at(b"</PARAMETRES>") + b"</PARAMETRES>".len());
    let bare = [&bytes[..start], &bytes[end..]].concat();
    let out = run(&mut store, &[Input::bytes("Eleves.xml", bare)]);
    assert_eq!(out.files[0].error.as_deref(), Some("IMPORT_NO_UAI"), "{:?}", out.files[0]);
    assert_eq!(snapshot(&store), before);
}

/// An export and the ZIP holding it are the same data: said, and only one
/// is imported.
#[test]
fn an_export_and_its_zip_are_the_same_data() {
    use std::io::Write;
    let s = setup(EstablishmentKind::College);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    let xml = std::fs::read(s.files.join("Structures.xml")).unwrap();
    let mut zipped = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zipped.start_file("Structures.xml", zip::write::SimpleFileOptions::default()).unwrap();
    zipped.write_all(&xml).unwrap();
    let zipped = zipped.finish().unwrap().into_inner();
    let inputs = [Input::file(s.files.join("Structures.xml")), Input::bytes("Structures.zip", zipped.clone())];
    let out = run(&mut store, &inputs);
    assert!(!out.committed);
    assert_eq!(out.files[1].error.as_deref(), Some("IMPORT_SAME_DATA_TWICE"), "{:?}", out.files[1]);
    assert!(out.files[1].message.as_deref().unwrap_or("").contains("Structures.xml"));
    let out = run_skipping(&mut store, &inputs);
    assert!(out.committed && out.files[0].applied && !out.files[1].applied);
    // Later, the ZIP of what was imported is known too.
    let out = run(&mut store, &[Input::bytes("Structures.zip", zipped)]);
    assert_eq!(out.files[0].error.as_deref(), Some("IMPORT_ALREADY_IMPORTED"));
}

/// An AAF complete file and its delta of the same category in one
/// operation: said on the delta, both imported.
#[test]
fn an_aaf_delta_with_its_complete_file_is_said() {
    let s = setup(EstablishmentKind::College);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&s.files)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("ENT_") && n.contains("_Eleve_"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    let complete = names.iter().find(|n| n.contains("_Complet_")).unwrap().clone();
    let delta = names.iter().find(|n| n.contains("_Delta_")).unwrap().clone();
    let inputs = [Input::file(s.files.join(&complete)), Input::file(s.files.join(&delta))];
    let out = run(&mut store, &inputs);
    assert!(out.committed, "{:?}", out.files);
    assert_eq!(out.files[0].notice, None);
    assert!(out.files[1].notice.as_deref().unwrap_or("").contains(&complete), "{:?}", out.files[1]);
    // A delta dated as the complete file is the same data twice.
    let same_day = delta.replace(
        &delta[delta.find("_Delta_").unwrap() + 7..][..8],
        &complete[complete.find("_Complet_").unwrap() + 9..][..8],
    );
    let bytes = std::fs::read(s.files.join(&delta)).unwrap();
    let mut store2 = Store::open_or_create(&s.data_dir.join("b"), &s.uai, &key(), "t").unwrap();
    let out = run(&mut store2, &[Input::file(s.files.join(&complete)), Input::bytes(&same_day, bytes)]);
    assert!(out.files[1].notice.as_deref().unwrap_or("").contains("deux fois"), "{:?}", out.files[1]);
}

/// In the old `RESP_LEGAL` layout, foster families and homes are
/// `RESP_LEGAL` 0 with CODE_PARENTE 41, 42, 50 or 51: listed for review,
/// their access left as it was.
#[test]
fn foster_families_of_the_old_layout_are_listed_for_review() {
    use preau_core::model::ResponsibilityLevel;
    let s = setup(EstablishmentKind::Lycee);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    let legacy = siecle::write_responsables_legacy(&s.data);
    let out = run(
        &mut store,
        &[Input::file(s.files.join("ElevesSansAdresses.xml")), Input::bytes("ResponsablesAvecAdresses.xml", legacy)],
    );
    assert!(out.committed, "{:?}", out.files);
    let current: std::collections::HashSet<&str> =
        s.data.people.iter().filter(|p| p.profile == Profile::Eleve && !p.left).map(|p| p.id.as_str()).collect();
    let expected: std::collections::BTreeSet<(String, String)> = s
        .data
        .responsibilities
        .iter()
        .filter(|r| r.level == ResponsibilityLevel::InCharge && current.contains(r.pupil_id.as_str()))
        .map(|r| (r.responsable_id.clone(), r.pupil_id.clone()))
        .collect();
    assert!(!expected.is_empty(), "the demo has foster families");
    let findings = store.findings().unwrap();
    let found = findings.iter().find(|f| f.code == "PERSONNE_EN_CHARGE").expect("listed");
    let listed: std::collections::BTreeSet<(String, String)> = found
        .items
        .iter()
        .map(|i| (i["responsable"]["id"].as_str().unwrap().to_string(), i["eleve"]["id"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(found.count, expected.len() as u64);
    // Never more access than the file gives: still a contact.
    let pop = store.load_population().unwrap().unwrap();
    for (resp, pupil) in &expected {
        let link = pop.responsibilities.iter().find(|r| &r.responsable_id == resp && &r.pupil_id == pupil).unwrap();
        assert_eq!(link.level, ResponsibilityLevel::Contact);
    }
}

/// Two records of one responsable that differ by a letter are found by what
/// they share: a mobile, or the other parent of siblings.
#[test]
fn duplicate_responsables_are_found_by_their_evidence() {
    use preau_core::formats::siecle::{Personne, ResponsableEleve};
    let s = setup(EstablishmentKind::College);
    let mut store = Store::open_or_create(&s.data_dir, &s.uai, &key(), "test@cli").unwrap();
    let mut records = siecle::demo_records(&s.data, Format::SiecleResponsables, ResponsablesLayout::Niveau);
    let people: Vec<Personne> = records
        .iter()
        .filter_map(|r| match r {
            SiecleRecord::Personne(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    let links: Vec<ResponsableEleve> = records
        .iter()
        .filter_map(|r| match r {
            SiecleRecord::Responsable(l) => Some(l.clone()),
            _ => None,
        })
        .collect();
    let legal = |pupil: &str| -> Vec<String> {
        links
            .iter()
            .filter(|l| l.eleve_id == pupil && l.niveau_responsabilite.as_deref() == Some("1"))
            .map(|l| l.personne_id.clone())
            .collect()
    };
    let current: Vec<String> = s
        .data
        .people
        .iter()
        .filter(|p| p.profile == Profile::Eleve && !p.left)
        .map(|p| siecle::eleve_id(&p.id))
        .collect();
    let person = |id: &str| people.iter().find(|p| p.personne_id == id).unwrap().clone();
    let one_letter = |s: &str| {
        let mut c: Vec<char> = s.chars().collect();
        let last = c.len() - 1;
        c[last] = if c[last] == 'E' || c[last] == 'e' { 'a' } else { 'e' };
        c.into_iter().collect::<String>()
    };
    // A pupil with two legal responsables, and two other pupils.
    let a = current.iter().find(|p| legal(p).len() == 2).unwrap().clone();
    let (mother, father) = (legal(&a)[0].clone(), legal(&a)[1].clone());
    let others: Vec<String> = current.iter().filter(|p| **p != a).take(2).cloned().collect();
    // 1. The first responsable entered again for another pupil, a letter off in
    // the given name, with the same mobile (another e-mail, no address).
    let first = person(&mother);
    assert!(first.tel_portable.is_some() && first.prenom.is_some());
    let again = Personne {
        personne_id: "9900001".into(),
        prenom: first.prenom.as_deref().map(one_letter),
        mel: Some("autre.adresse@example.org".into()),
        adresse_id: None,
        ..first.clone()
    };
    // 2. A sibling of pupil A sharing the first responsable, whose other
    // responsable is the second one entered again, a letter off in the name,
    // with nothing else in common.
    let second = person(&father);
    let twin = Personne {
        personne_id: "9900002".into(),
        nom_de_famille: Some(one_letter(second.family_name())),
        nom_usage: None,
        nom: None,
        tel_portable: None,
        tel_personnel: None,
        tel_professionnel: None,
        mel: None,
        adresse_id: None,
        ..second.clone()
    };
    records.retain(|r| !matches!(r, SiecleRecord::Responsable(l) if others.contains(&l.eleve_id)));
    let link = |pupil: &str, person: &str| {
        SiecleRecord::Responsable(ResponsableEleve {
            eleve_id: pupil.to_string(),
            personne_id: person.to_string(),
            resp_legal: None,
            niveau_responsabilite: Some("1".into()),
            code_parente: Some("20".into()),
            resp_financier: None,
            paie_frais_scolaires: None,
            pers_paiment: None,
            pers_contact: None,
        })
    };
    records.push(SiecleRecord::Personne(again.clone()));
    records.push(SiecleRecord::Personne(twin.clone()));
    records.push(link(&others[0], &again.personne_id));
    records.push(link(&others[1], &mother));
    records.push(link(&others[1], &twin.personne_id));
    let header = siecle::demo_header(&s.data, Format::SiecleResponsables);
    let bytes = siecle::write(Format::SiecleResponsables, &header, &records);
    let out = run(
        &mut store,
        &[Input::file(s.files.join("ElevesSansAdresses.xml")), Input::bytes("ResponsablesAvecAdresses.xml", bytes)],
    );
    assert!(out.committed, "{:?}", out.files);
    let findings = store.findings().unwrap();
    let groups: Vec<std::collections::BTreeSet<String>> = findings
        .iter()
        .filter(|f| f.code == "DUPLICATE_RESPONSABLE")
        .flat_map(|f| f.items.iter())
        .map(|i| i["responsables"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect())
        .collect();
    let pair = |x: &str, y: &str| -> std::collections::BTreeSet<String> {
        [format!("RSP{x}"), format!("RSP{y}")].into_iter().collect()
    };
    assert!(groups.iter().any(|g| g.is_superset(&pair(&mother, "9900001"))), "same mobile: {groups:?}");
    assert!(groups.iter().any(|g| g.is_superset(&pair(&father, "9900002"))), "shared other parent: {groups:?}");
    // The two parents of one pupil are never one person.
    assert!(!groups.iter().any(|g| g.is_superset(&pair(&mother, &father))), "{groups:?}");
}
