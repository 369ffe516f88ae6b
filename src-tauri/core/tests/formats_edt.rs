//! The EDT/Pronote export "vers l'ENT": golden files of the real shape,
//! one test per reject reason, the encrypted container (header only),
//! hostile inputs, detection, and round trips on the demo establishments.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

use preau_core::demo::generate;
use preau_core::formats::detect::detect;
use preau_core::formats::edt::{self, demo_files, demo_records, read_all, EdtRecord, Sex};
use preau_core::formats::source::{Ctl, Input};
use preau_core::formats::{Format, FormatError, Item};
use preau_core::model::{EstablishmentData, EstablishmentKind, Uai};
use preau_core::progress::{CancelToken, NoProgress};
use preau_core::ErrorCode;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edt").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(name: &str, bytes: Vec<u8>) -> Result<preau_core::formats::Parsed<EdtRecord>, FormatError> {
    read_all(&Input::bytes(name, bytes))
}

fn err_code(name: &str, bytes: Vec<u8>) -> String {
    match parse(name, bytes) {
        Ok(p) => panic!("{name}: lu sans erreur ({} enregistrements)", p.records.len()),
        Err(e) => e.code().to_string(),
    }
}

/// Every item in order, with the error if any.
fn items(name: &str, bytes: Vec<u8>) -> (Vec<Item<EdtRecord>>, Option<FormatError>) {
    let input = Input::bytes(name, bytes);
    let detected = detect(&input).expect("détecté");
    let cancel = CancelToken::new();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let mut out = Vec::new();
    let result = edt::read(&input, &detected, &mut ctl, &mut |i| {
        out.push(i);
        Ok(())
    });
    (out, result.err())
}

fn college() -> EstablishmentData {
    generate(&Uai::from_digits("0999001").expect("UAI"), EstablishmentKind::College, 42)
}

fn lycee() -> EstablishmentData {
    generate(&Uai::from_digits("0999002").expect("UAI"), EstablishmentKind::Lycee, 42)
}

fn teachers(records: &[EdtRecord]) -> Vec<&edt::Teacher> {
    records.iter().filter_map(|r| if let EdtRecord::Teacher(t) = r { Some(t) } else { None }).collect()
}

fn pupils(records: &[EdtRecord]) -> Vec<&edt::Pupil> {
    records.iter().filter_map(|r| if let EdtRecord::Pupil(p) = r { Some(p) } else { None }).collect()
}

fn courses(records: &[EdtRecord]) -> Vec<&edt::Course> {
    records.iter().filter_map(|r| if let EdtRecord::Course(c) = r { Some(c) } else { None }).collect()
}

#[test]
fn golden_clear_export() {
    let name = "Edt_To_TESTENT_0999001W_Enclair.xml";
    let (items, err) = items(name, fixture(name));
    assert!(err.is_none(), "{err:?}");
    let Some(Item::Header(h)) = items.first() else { panic!("l'en-tête doit venir d'abord") };
    assert_eq!(h.uai.as_deref(), Some("0999001W"));
    assert_eq!(h.school_year, Some(2026));
    assert_eq!(h.version.as_deref(), Some("1.1"));
    let p = parse(name, fixture(name)).expect("lisible");
    assert!(p.rejects.is_empty(), "{:?}", p.rejects);
    let r = &p.records;
    let EdtRecord::SchoolYear(y) = &r[0] else { panic!("AnneeScolaire d'abord") };
    assert_eq!(y.week1.as_deref(), Some("2026-09-07"));
    let EdtRecord::TimeGrid(g) = &r[1] else { panic!("GrilleHoraire ensuite") };
    assert_eq!((g.days.len(), g.places.len(), g.place_minutes.as_deref()), (2, 3, Some("55")));
    assert!(r.iter().any(|x| matches!(x, EdtRecord::Subject(s) if s.label == "HISTOIRE & GEOGRAPH.")));

    let t = teachers(r);
    assert_eq!(t.len(), 3);
    // Pronote writes `IdPN` where the XSD says `IDPN`.
    assert_eq!((t[0].first_name.as_str(), t[0].id_pn.as_deref()), ("MARIE DESI", Some("KVX8NTH4DPQ3SYU7")));
    assert_eq!(t[1].last_name, "N'DIAYE");
    assert_eq!(
        (t[1].id_sts.as_deref(), t[1].id_cas.as_deref(), t[1].birth_date.as_deref()),
        (Some("4217"), Some("ousmane.ndiaye"), Some("1978-02-14"))
    );
    assert!(r.iter().any(|x| matches!(x, EdtRecord::Group(g) if g.name == "5AB ESP" && g.parts == ["44", "46"])));
    assert!(r.iter().any(|x| matches!(x, EdtRecord::Group(g) if g.classes == ["2"] && g.parts.is_empty())));
    assert!(r.iter().any(|x| matches!(x, EdtRecord::Class(c) if c.name == "5A" && c.parts == ["44", "45"])));

    let e = pupils(r);
    assert_eq!(e.len(), 3);
    assert_eq!((e[0].last_name.as_str(), e[0].first_name.as_str()), ("BÉNÉZECH", "Maëlys"));
    assert_eq!(e[0].sex, Some(Sex::Feminin));
    assert_eq!((e[0].national_id.as_deref(), e[0].id_sconet.as_deref()), (Some("0123456789A"), Some("004217")));
    assert_eq!(e[0].responsables.len(), 2);
    assert_eq!(e[0].responsables[0].civility.as_deref(), Some("M,Mme"));
    assert_eq!(e[0].responsables[1].first_name, "Cœlia");
    assert_eq!(e[0].responsables[1].address, ["3 allée des Tilleuls", "", "Bâtiment B"]);
    assert_eq!(e[0].responsables[1].legal_rank, Some(2));
    // An empty DateNaissance (seen in Index's sample) is no error.
    assert_eq!(e[1].birth_date, None);
    assert_eq!(e[1].classes.len(), 2);
    assert_eq!(e[1].classes[1].from.as_deref(), Some("2026-12-04"));
    assert!(e[2].classes.is_empty() && e[2].responsables.is_empty());

    let c = courses(r);
    assert_eq!(c.len(), 4);
    assert_eq!((c[0].day, c[0].first_place, c[0].places), (1, 0, 2));
    assert_eq!(c[0].teachers.len(), 2, "co-enseignement");
    assert_eq!(c[0].teachers[0].weeks.as_deref(), Some("35132630760702"));
    assert_eq!(c[1].groups[0].ident, "2");
    assert_eq!(c[2].parts[0].weeks.as_deref(), Some("2"));
    assert!(c[3].teachers.is_empty() && c[3].subject.as_deref() == Some("90"));

    let locations: Vec<&String> =
        items.iter().filter_map(|i| if let Item::Record(_, l) = i { Some(l) } else { None }).collect();
    assert!(locations.iter().any(|l| l.contains("Professeurs/Professeur[Ident=3]")), "{locations:?}");
}

#[test]
fn prefixed_bom_and_zipped_exports_read_the_same() {
    let name = "Edt_To_TESTENT_0999001W_Enclair.xml";
    let plain = parse(name, fixture(name)).expect("lisible");
    let prefixed = parse("Edt_prefixe.xml", fixture("Edt_prefixe.xml")).expect("préfixé lisible");
    assert_eq!(prefixed.records, plain.records);
    assert_eq!(prefixed.header, plain.header);
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend(fixture(name));
    assert_eq!(parse(name, bom).expect("BOM").records, plain.records);
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        zip.start_file(name, zip::write::SimpleFileOptions::default()).expect("zip");
        zip.write_all(&fixture(name)).expect("zip");
        zip.finish().expect("zip");
    }
    let zipped = Input::bytes("export.zip", buf.into_inner());
    assert_eq!(detect(&zipped).expect("détecté").format, Format::Edt);
    assert_eq!(read_all(&zipped).expect("zip lisible").records, plain.records);
}

#[test]
fn a_read_written_golden_file_is_unchanged() {
    let name = "Edt_To_TESTENT_0999001W_Enclair.xml";
    let p = parse(name, fixture(name)).expect("lisible");
    let again = parse(name, edt::write(&p.header, &p.records)).expect("relu");
    assert_eq!(again.records, p.records);
    assert_eq!(again.header, p.header);
}

#[test]
fn encrypted_container_gives_its_header_then_a_clear_error() {
    let name = "Edt_To_TESTENT_0999001W.xml";
    let input = Input::bytes(name, fixture(name));
    let d = detect(&input).expect("détecté");
    assert!(d.encrypted && d.format == Format::Edt);
    let (items, err) = items(name, fixture(name));
    assert_eq!(items.len(), 1, "seulement l'en-tête");
    let Some(Item::Header(h)) = items.first() else { panic!("en-tête attendu") };
    assert_eq!(h.uai.as_deref(), Some("0999001W"));
    assert_eq!(h.exported_at.as_deref(), Some("2026-09-03T10:19:08.486+02:00"));
    assert_eq!(h.software.as_deref(), Some("PRONOTE Monoposte-PRONOTE 2026 - 0.5.14"));
    assert_eq!(h.version.as_deref(), Some("1.0"));
    let err = err.expect("erreur attendue");
    assert_eq!(err.code(), "FORMAT_EDT_ENCRYPTED");
    let FormatError::EncryptedEdt { uai, date, software, .. } = &err else { panic!("{err:?}") };
    assert_eq!((uai.as_str(), date.as_str()), ("0999001W", "03/09/2026 à 10:19"));
    assert!(software.starts_with("PRONOTE"));
    assert!(err.to_string().contains("chiffré"), "{err}");
    // A container cut inside CONTENU is a truncated file, not an encrypted one.
    let bytes = fixture(name);
    assert_eq!(err_code(name, bytes[..bytes.len() / 2].to_vec()), "FORMAT_XML_TRUNCATED");
    // Without the clear header fields the message still reads.
    let bare = b"<EXPORT_INDEX_EDUCATION><VERSION>1.0</VERSION><CONTENU>AAAA</CONTENU></EXPORT_INDEX_EDUCATION>";
    let err = parse("x.xml", bare.to_vec()).expect_err("chiffré");
    assert!(err.to_string().contains("UAI non indiquée, date non indiquée, logiciel non indiqué"), "{err}");
}

fn rejects_of(reason: &str) -> (Vec<preau_core::formats::Reject>, Vec<EdtRecord>) {
    let p = parse("Edt_rejets.xml", fixture("Edt_rejets.xml")).expect("lisible malgré les rejets");
    let rejects: Vec<_> = p.rejects.into_iter().filter(|r| r.reason == reason).collect();
    assert!(!rejects.is_empty(), "aucun rejet {reason}");
    (rejects, p.records)
}

#[test]
fn reject_required_missing() {
    let (r, records) = rejects_of("REQUIRED_MISSING");
    assert_eq!(r[0].field, "Professeur@Ident");
    assert!(r[0].location.starts_with("ligne 17, ExportEmploiDuTemps/Professeurs/Professeur"), "{}", r[0].location);
    assert_eq!(teachers(&records).len(), 1, "le professeur sans Ident est écarté");
}

#[test]
fn reject_duplicate_ident() {
    let (r, records) = rejects_of("DUPLICATE_IDENT");
    assert_eq!((r[0].field.as_str(), r[0].value.as_str()), ("Ident", "5"));
    let subjects: Vec<_> = records.iter().filter(|x| matches!(x, EdtRecord::Subject(_))).collect();
    assert!(matches!(subjects.as_slice(), [EdtRecord::Subject(s)] if s.code == "FRANC"), "le premier est gardé");
}

#[test]
fn reject_date_invalid() {
    let (r, records) = rejects_of("DATE_INVALID");
    assert_eq!((r[0].field.as_str(), r[0].value.as_str()), ("Eleve@DateNaissance", "2013-02-30"));
    assert_eq!(pupils(&records)[0].birth_date, None, "l'élève est gardé, date vide");
}

#[test]
fn reject_sex_invalid() {
    let (r, records) = rejects_of("SEX_INVALID");
    assert_eq!(r[0].value, "X");
    assert_eq!(pupils(&records)[0].sex, None);
}

#[test]
fn reject_resp_legal_invalid() {
    let (r, records) = rejects_of("RESP_LEGAL_INVALID");
    assert_eq!(r[0].value, "3");
    assert_eq!(pupils(&records)[0].responsables[0].legal_rank, None);
}

#[test]
fn reject_number_invalid() {
    let (r, records) = rejects_of("NUMBER_INVALID");
    assert_eq!((r[0].field.as_str(), r[0].value.as_str()), ("Cours@Jour", "8"));
    assert_eq!(courses(&records).len(), 1, "le cours du jour 8 est écarté");
}

#[test]
fn reject_weeks_invalid() {
    let (r, records) = rejects_of("WEEKS_INVALID");
    assert_eq!((r[0].field.as_str(), r[0].value.as_str()), ("Professeur@Semaines", "12a"));
    let c = courses(&records);
    assert_eq!((c[0].teachers[0].ident.as_str(), c[0].teachers[0].weeks.as_deref()), ("2", None));
}

#[test]
fn every_declared_reason_is_emitted_and_explained() {
    let p = parse("Edt_rejets.xml", fixture("Edt_rejets.xml")).expect("lisible");
    let emitted: BTreeSet<&str> = p.rejects.iter().map(|r| r.reason.as_str()).collect();
    let declared: BTreeSet<&str> = edt::REJECT_REASONS.iter().map(|(c, _)| *c).collect();
    assert_eq!(emitted, declared);
    assert!(edt::REJECT_REASONS.iter().all(|(_, fr)| !fr.is_empty()));
}

#[test]
fn missing_school_year_is_a_missing_element() {
    let doc = b"<ExportEmploiDuTemps Version=\"1.1\" UAI=\"0999001W\"><Professeurs/></ExportEmploiDuTemps>";
    assert_eq!(err_code("e.xml", doc.to_vec()), "FORMAT_MISSING_ELEMENT");
    assert_eq!(err_code("e.xml", b"<ExportEmploiDuTemps/>".to_vec()), "FORMAT_MISSING_ELEMENT");
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let name = "Edt_To_TESTENT_0999001W_Enclair.xml";
    let good = fixture(name);
    assert_eq!(err_code(name, good[..good.len() * 2 / 3].to_vec()), "FORMAT_XML_TRUNCATED");
    let latin1 = String::from_utf8_lossy(&good).replace("Maëlys", "Ma\u{0}").into_bytes();
    let latin1: Vec<u8> = latin1.into_iter().map(|b| if b == 0 { 0xeb } else { b }).collect();
    assert_eq!(err_code(name, latin1), "FORMAT_ENCODING_INVALID");
    assert_eq!(err_code(name, Vec::new()), "FORMAT_EMPTY");
    assert_eq!(err_code(name, vec![0, 159, 146, 150, 0, 1, 2, 3]), "FORMAT_BINARY");
    let deep = format!(
        "<ExportEmploiDuTemps><AnneeScolaire DateDebut=\"2026-09-07\"/><Eleves>{}</Eleves></ExportEmploiDuTemps>",
        "<Eleve>".repeat(300)
    );
    assert_eq!(err_code(name, deep.into_bytes()), "FORMAT_XML_TOO_DEEP");
    let bomb =
        b"<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\">]><ExportEmploiDuTemps>&a;</ExportEmploiDuTemps>";
    assert_eq!(err_code(name, bomb.to_vec()), "FORMAT_XML_ENTITIES");
    assert_eq!(err_code(name, b"<ExportEmploiDuTemps><AnneeScolaire></Cours>".to_vec()), "FORMAT_XML_MALFORMED");
}

#[test]
fn mangled_files_never_panic() {
    let mut seeds = vec![fixture("Edt_To_TESTENT_0999001W_Enclair.xml"), fixture("Edt_To_TESTENT_0999001W.xml")];
    seeds.push(fixture("Edt_rejets.xml"));
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for seed in &seeds {
        for _ in 0..300 {
            let mut bytes = seed.clone();
            for _ in 0..1 + next() % 4 {
                let i = (next() % bytes.len() as u64) as usize;
                match next() % 3 {
                    0 => bytes[i] = next() as u8,
                    1 => bytes.truncate(i.max(1)),
                    _ => bytes.insert(i, b"<>\"&/="[(next() % 6) as usize]),
                }
            }
            let _ = parse("m.xml", bytes);
        }
    }
}

#[test]
fn demo_round_trips_for_college_and_lycee() {
    for data in [college(), lycee()] {
        let (header, records, _) = demo_records(&data);
        let bytes = edt::write(&header, &records);
        let p = parse("Edt_To_TESTENT_x_Enclair.xml", bytes).expect("relu");
        assert!(p.rejects.is_empty(), "{:?}", &p.rejects[..p.rejects.len().min(5)]);
        assert_eq!(p.header, header);
        assert_eq!(p.records.len(), records.len());
        assert!(p.records == records, "aller-retour différent");
    }
}

/// Both layouts of real exports: the 2012 one spells Pronote's id `IdPN`
/// and indents with tabs, the 2013 one writes `IDPN` with spaces; each
/// reads back to the same records, ids and class memberships included.
#[test]
fn the_2012_and_2013_layouts_read_back_alike() {
    let (header, records, _) = demo_records(&college());
    let old = edt::write_layout(&header, &records, edt::Layout::Edt2012);
    let new = edt::write_layout(&header, &records, edt::Layout::Edt2013);
    let (old_text, new_text) = (String::from_utf8(old.clone()).unwrap(), String::from_utf8(new.clone()).unwrap());
    assert!(old_text.contains(" IdPN=\"") && !old_text.contains(" IDPN=\""));
    assert!(new_text.contains(" IDPN=\"") && !new_text.contains(" IdPN=\""));
    assert!(old_text.contains("\n\t<Eleve ") && new_text.contains("\n    <Eleve "));
    for bytes in [old, new] {
        let p = parse("Edt_To_TESTENT_x_Enclair.xml", bytes).expect("relu");
        assert!(p.rejects.is_empty(), "{:?}", &p.rejects[..p.rejects.len().min(5)]);
        assert!(p.records == records, "aller-retour différent");
        let t = teachers(&p.records);
        assert!(t.iter().all(|t| t.id_pn.is_some()));
        // Every membership carries its exit date, and the pupils still have their classes.
        let e = pupils(&p.records);
        assert!(e.iter().flat_map(|p| &p.classes).all(|m| m.to.is_some()));
        let sources = preau_core::reconcile::from_edt(&p.records);
        let with_class = sources.iter().filter(|s| !s.classes.is_empty()).count();
        assert_eq!(with_class, e.iter().filter(|p| !p.classes.is_empty()).count());
        assert!(with_class > 0);
    }
}

#[test]
fn demo_files_are_realistic_and_deterministic() {
    let data = college();
    let files = demo_files(&data);
    let names: Vec<&str> = files.files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Edt_To_TESTENT_0999001W_Enclair.xml", "Edt_To_TESTENT_0999001W.xml"]);
    assert_eq!(demo_files(&data).files, files.files, "mêmes octets à chaque fois");
    let (_, clear) = &files.files[0];
    let text = String::from_utf8(clear.clone()).expect("UTF-8");
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ExportEmploiDuTemps xmlns="));
    assert!(
        text.contains("\n\t<Matiere Ident=") && text.contains("\t\t<!--Domaine : [1..6,9..15,18..23,26..32,35..43]-->")
    );
    assert!(text.contains("DatePremierJourSemaine1=\"2026-09-07\""));
    let (_, sealed) = &files.files[1];
    let sealed_text = String::from_utf8(sealed.clone()).expect("UTF-8");
    assert!(sealed_text.contains("<PARTENAIRE NOM=\"INDEXEDUCATION\">") && sealed_text.contains("NOM=\"TESTENT\""));
    assert!(sealed_text
        .split("<CONTENU")
        .nth(1)
        .is_some_and(|c| c.lines().skip(1).all(|l| l.len() <= 76 || l.contains('<'))));
    let err = parse(&files.files[1].0, sealed.clone()).expect_err("chiffré");
    assert_eq!(err.code(), "FORMAT_EDT_ENCRYPTED");
    assert!(err.to_string().contains("0999001W"));

    let p = parse(&files.files[0].0, clear.clone()).expect("lisible");
    let t = teachers(&p.records);
    let teacher_count = data.people.iter().filter(|x| x.profile == preau_core::model::Profile::Enseignant).count();
    assert_eq!(t.len(), teacher_count + 1, "tous les enseignants et un vacataire");
    let vacataire: Vec<_> = t.iter().filter(|x| x.id_sts.is_none()).collect();
    assert_eq!(vacataire.len(), 1, "un professeur absent de STS");
    let idpn: BTreeSet<&str> = t.iter().filter_map(|x| x.id_pn.as_deref()).collect();
    assert_eq!(idpn.len(), t.len());
    assert!(idpn.iter().all(|i| i.len() == 16 && i.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())));
    let e = pupils(&p.records);
    let with_cas = e.iter().filter(|x| x.id_cas.is_some()).count() * 100 / e.len();
    assert!((60..=80).contains(&with_cas), "IDCAS pour {with_cas} % des élèves");
    assert!(e.iter().all(|x| x.responsables.len() <= 2));
    assert!(e.iter().any(|x| x.classes.is_empty()), "des élèves sans classe");
    assert!(e.iter().flat_map(|x| &x.responsables).any(|r| r.civility.as_deref() == Some("M,Mme")));
    // A group left as bare parts: course parts that are no declared group's.
    let grouped: BTreeSet<&str> = p
        .records
        .iter()
        .filter_map(|r| if let EdtRecord::Group(g) = r { Some(g) } else { None })
        .flat_map(|g| g.parts.iter().map(String::as_str))
        .collect();
    let c = courses(&p.records);
    assert!(c.iter().any(|x| x.parts.len() > 1 && x.parts.iter().all(|r| !grouped.contains(r.ident.as_str()))));
    assert!(c.iter().any(|x| x.teachers.len() == 2), "un co-enseignement");
    assert!((500..=1000).contains(&c.len()), "{} cours", c.len());
    // A class never has two courses at once in the same weeks.
    let mut busy = BTreeSet::new();
    for x in &c {
        for cl in &x.classes {
            for place in x.first_place..x.first_place + x.places {
                assert!(busy.insert((cl.ident.clone(), x.day, place)), "classe {} deux fois", cl.ident);
            }
        }
    }
    let kinds: BTreeSet<&str> = files.ids.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(kinds, BTreeSet::from(["edt_ident", "edt_idpn", "edt_idsts", "edt_idcas"]));
}

#[test]
fn detection_finds_the_demo_files_by_content() {
    let files = demo_files(&lycee());
    for (name, bytes) in files.files {
        let d = detect(&Input::bytes("sans-nom.bin", bytes)).expect("détecté");
        assert_eq!(d.format, Format::Edt);
        assert_eq!(d.encrypted, !name.ends_with("_Enclair.xml"));
    }
}

#[test]
fn cancel_and_sink_errors_stop_the_read() {
    let name = "Edt_To_TESTENT_0999001W_Enclair.xml";
    let input = Input::bytes(name, fixture(name));
    let detected = detect(&input).expect("détecté");
    let cancel = CancelToken::new();
    cancel.cancel();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let err = edt::read(&input, &detected, &mut ctl, &mut |_| Ok(())).expect_err("annulé");
    assert_eq!(err.code(), "FORMAT_CANCELLED");
    let cancel = CancelToken::new();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let mut seen = 0;
    let err = edt::read(&input, &detected, &mut ctl, &mut |_| {
        seen += 1;
        if seen == 3 {
            Err(FormatError::Cancelled)
        } else {
            Ok(())
        }
    })
    .expect_err("arrêté par le puits");
    assert_eq!((err.code(), seen), ("FORMAT_CANCELLED", 3));
}
