//! SIECLE/BEE exports: golden files of the real shape (Latin-9, UTF-8 with
//! BOM, legacy layouts), one test per reject reason, hostile input, demo
//! round trips and detection.

use std::collections::{BTreeSet, HashSet};
use std::io::Write;
use std::path::PathBuf;

use preau_core::demo::generate;
use preau_core::formats::detect::detect;
use preau_core::formats::siecle::{
    self, demo_files, demo_header, demo_records, write, write_encoded, write_responsables_legacy, OutputEncoding,
    ResponsablesLayout, SiecleRecord, StructureKind,
};
use preau_core::formats::source::{Ctl, Input};
use preau_core::formats::{Format, Item, Parsed};
use preau_core::model::{EstablishmentData, EstablishmentKind, Profile, ResponsibilityLevel, Sex, Uai};
use preau_core::progress::{CancelToken, NoProgress};
use preau_core::ErrorCode;

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/siecle").join(name)
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).expect("fixture exists")
}

fn read(input: &Input) -> Parsed<SiecleRecord> {
    siecle::read_all(input).unwrap_or_else(|e| panic!("{}: {e}", input.name()))
}

fn read_bytes(name: &str, bytes: Vec<u8>) -> Parsed<SiecleRecord> {
    read(&Input::bytes(name, bytes))
}

fn error_code(bytes: &[u8]) -> String {
    match siecle::read_all(&Input::bytes("f.xml", bytes.to_vec())) {
        Ok(p) => panic!("expected an error, got {} records", p.records.len()),
        Err(e) => e.code().to_string(),
    }
}

/// Whether golden files are to be rewritten from what the reader gives:
/// only on an explicit `PREAU_UPDATE_GOLDEN=1`, for review before commit.
fn update_golden() -> bool {
    std::env::var("PREAU_UPDATE_GOLDEN").is_ok_and(|v| v == "1")
}

/// Compares with `<fixture>.json`. A missing golden file fails: written from
/// the code under test, it would prove nothing. `PREAU_UPDATE_GOLDEN=1`
/// rewrites it for review.
fn golden(name: &str) -> Parsed<SiecleRecord> {
    let parsed = read(&Input::file(fixture_path(name)));
    let json = serde_json::json!({ "header": parsed.header, "records": parsed.records, "rejects": parsed.rejects });
    let text = serde_json::to_string_pretty(&json).expect("serialisable") + "\n";
    compare_golden(&text, &fixture_path(&format!("{name}.json")));
    parsed
}

fn compare_golden(text: &str, path: &std::path::Path) {
    if update_golden() {
        std::fs::write(path, text).expect("golden written");
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{} : fichier de référence absent ou illisible ({e}) ; PREAU_UPDATE_GOLDEN=1 l'écrit, à relire avant de l'ajouter",
            path.display()
        )
    });
    assert_eq!(text, expected, "{} differs from its golden file", path.display());
}

#[test]
fn a_missing_golden_file_fails_instead_of_being_written() {
    if update_golden() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("preau-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dossier");
    let path = dir.join("absent.json");
    let outcome = std::panic::catch_unwind(|| compare_golden("{}\n", &path));
    assert!(outcome.is_err(), "a missing golden file must fail");
    assert!(!path.exists(), "nothing is written without PREAU_UPDATE_GOLDEN=1");
    std::fs::write(&path, "{}\n").expect("écrit");
    compare_golden("{}\n", &path);
    assert!(std::panic::catch_unwind(|| compare_golden("[]\n", &path)).is_err(), "a difference fails");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The records of one kind: `only!(records, Eleve)`.
macro_rules! only {
    ($records:expr, $variant:ident) => {
        $records
            .iter()
            .filter_map(|r| if let SiecleRecord::$variant(x) = r { Some(x) } else { None })
            .collect::<Vec<_>>()
    };
}

fn eleves(p: &Parsed<SiecleRecord>) -> Vec<&siecle::Eleve> {
    only!(p.records, Eleve)
}

fn links(p: &Parsed<SiecleRecord>) -> Vec<&siecle::ResponsableEleve> {
    only!(p.records, Responsable)
}

fn kinds(p: &Parsed<SiecleRecord>, kind: &str) -> usize {
    p.records.iter().filter(|r| r.kind() == kind).count()
}

fn zip_of(entry: &str, bytes: &[u8]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    zip.start_file(entry, zip::write::SimpleFileOptions::default()).expect("zip entry");
    zip.write_all(bytes).expect("zip write");
    zip.finish().expect("zip finish");
    buf.into_inner()
}

// ---------- golden files ----------

#[test]
fn eleves_latin9_golden() {
    let p = golden("ElevesSansAdresses.xml");
    assert_eq!(p.header.uai.as_deref(), Some("0999001W"));
    assert_eq!(p.header.school_year, Some(2026));
    assert_eq!(p.header.exported_at.as_deref(), Some("28/09/2026 10:12:55"));
    assert_eq!(p.header.version.as_deref(), Some("3.1"));
    assert!(p.rejects.is_empty(), "{:?}", p.rejects);
    let e = eleves(&p);
    assert_eq!(e.len(), 4);
    assert_eq!(e[0].prenom, "Cœlia", "œ is ISO-8859-15's 0xBD");
    assert_eq!(e[0].given_names(), ["Cœlia", "Maëlys", "Anaïs"]);
    assert_eq!((e[0].family_name(), e[0].usage_name()), ("LEFÈVRE", "LEFÈVRE"), "empty NOM_USAGE is no name");
    assert_eq!(e[0].date_naiss.as_deref(), Some("2015-04-02"));
    assert_eq!(e[0].code_mef.as_deref(), Some("1001000B11A"));
    assert_eq!(e[0].code_departement_naiss.as_deref(), Some("069"), "leading zeros kept");
    assert_eq!(e[0].sex(), Some(Sex::F));
    assert_eq!(e[0].scolarite_an_dernier.as_ref().and_then(|s| s.ll_commune_insee.as_deref()), Some("PRÉ-SAINT-ÉLOI"));
    assert_eq!((e[1].family_name(), e[1].usage_name()), ("FRANCIS--FROUFROU", "FRANCIS"));
    assert_eq!(e[1].ine_rnie.as_deref(), Some("123456789AB"));
    assert_eq!(e[2].date_sortie.as_deref(), Some("2026-09-18"));
    assert_eq!(e[3].prenom, "Çağla", "characters outside Latin-9 arrive as numeric references");
    assert_eq!(e[3].ine, None);
    let structures = only!(p.records, Structures);
    assert_eq!(structures.len(), 4);
    assert_eq!(structures[1].eleve_id, "1234568", "STRUCTURES_ELEVE keyed by ELENOET only is resolved");
    assert_eq!(structures[2].structures[0].code_structure, "Inactifs");
    assert_eq!(structures[3].structures[0].type_structure, StructureKind::Groupe);
    assert_eq!(kinds(&p, "options"), 1, "the unknown BOURSES section is ignored");
}

#[test]
fn eleves_utf8_bom_crlf_golden_matches_latin9() {
    let p = golden("ElevesSansAdresses_utf8_bom.xml");
    let latin9 = read(&Input::file(fixture_path("ElevesSansAdresses.xml")));
    let (a, b) = (eleves(&p)[0], eleves(&latin9)[0]);
    assert_eq!((&a.prenom, &a.nom_de_famille, &a.prenom2), (&b.prenom, &b.nom_de_famille, &b.prenom2));
    assert_eq!(eleves(&p)[1].nom_de_famille.as_deref(), Some("ÇELİK"));
    assert_eq!(eleves(&p)[1].date_naiss.as_deref(), Some("2012-02-29"));
    assert_eq!(kinds(&p, "options"), 0, "`<OPTIONS/>` is an empty section");
}

#[test]
fn legacy_nom_layout_golden() {
    let p = golden("ElevesAvecAdresses_nom.xml");
    let e = eleves(&p);
    assert_eq!((e[0].nom.as_deref(), e[0].nom_de_famille.as_deref()), (Some("DUPONT"), None));
    assert_eq!(e[0].family_name(), "DUPONT");
    assert_eq!(e[0].prenom, "Hélène", "ISO-8859-1 declaration honoured");
    assert_eq!(e[0].eleve_id, "0001");
    assert_eq!(p.header.exported_at.as_deref(), Some("02/09/2014"), "DATE_EXPORT when no HORODATAGE");
    assert_eq!(kinds(&p, "structures"), 0, "empty STRUCTURES at the rentrée");
    let two_years = String::from_utf8_lossy(&fixture_bytes("Structures.xml")).replace(">2026<", ">2026-2027<");
    assert_eq!(read_bytes("s.xml", two_years.into_bytes()).header.school_year, Some(2026));
}

#[test]
fn responsables_niveau_golden() {
    let p = golden("ResponsablesAvecAdresses.xml");
    assert!(p.rejects.is_empty(), "{:?}", p.rejects);
    assert_eq!((kinds(&p, "personne"), kinds(&p, "responsable"), kinds(&p, "adresse")), (4, 4, 3));
    let l = links(&p);
    let levels: Vec<_> = l.iter().map(|r| r.level()).collect();
    use ResponsibilityLevel::*;
    assert_eq!(levels, [Some(Legal), Some(Legal), Some(InCharge), Some(Contact)]);
    assert!(l.iter().all(|r| r.rank().is_none()), "the new layout has no rank");
    assert_eq!(l[0].paie_frais_scolaires.as_deref(), Some("1"));
    let ase = only!(p.records, Personne)[2];
    assert_eq!((ase.prenom.is_none(), ase.family_name()), (true, "AIDE SOCIALE À L'ENFANCE"));
    let foreign = only!(p.records, Adresse)[2];
    assert_eq!((foreign.code_postal.is_none(), foreign.ll_pays.as_deref()), (true, Some("SUISSE")));
}

#[test]
fn responsables_resp_legal_golden() {
    let p = golden("ResponsablesAvecAdresses_resp_legal.xml");
    let l = links(&p);
    let got: Vec<_> = l.iter().map(|r| (r.level(), r.rank())).collect();
    use ResponsibilityLevel::*;
    assert_eq!(got, [(Some(Legal), Some(1)), (Some(Legal), Some(2)), (Some(Contact), None)]);
    assert!(l.iter().all(|r| r.niveau_responsabilite.is_none()));
}

#[test]
fn structures_and_nomenclature_golden() {
    let s = golden("Structures.xml");
    assert_eq!(only!(s.records, Division)[0].mefs, ["10010012110", "1001000B11A"], "a division with two MEFs");
    let groups = only!(s.records, Groupe);
    assert_eq!(groups[1].divisions, ["4A", "4B"]);
    assert!(groups[2].divisions.is_empty());
    let n = golden("Nomenclature.xml");
    assert_eq!((kinds(&n, "mef"), kinds(&n, "matiere")), (2, 2), "PROGRAMMES ignored");
    assert!(n.records.iter().any(|r| matches!(r, SiecleRecord::Matiere(m) if m.code_matiere == "001700")));
}

#[test]
fn zipped_export_reads_like_the_plain_file() {
    let plain = fixture_bytes("ElevesSansAdresses.xml");
    let zipped = zip_of("ElevesSansAdresses.xml", &plain);
    let input = Input::bytes("ExportXML_ElevesSansAdresses.zip", zipped);
    let d = detect(&input).expect("detected");
    assert_eq!((d.format, d.entry, d.encoding.name()), (Format::SiecleEleves, Some(0), "ISO-8859-15"));
    assert_eq!(read(&input), read_bytes("ElevesSansAdresses.xml", plain));
}

#[test]
fn records_come_with_line_and_key() {
    let bytes = fixture_bytes("ElevesSansAdresses_utf8_bom.xml");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let line = text.lines().position(|l| l.contains("ELEVE_ID=\"1234571\"")).expect("in fixture") + 1;
    let input = Input::bytes("e.xml", bytes);
    let d = detect(&input).expect("detected");
    let cancel = CancelToken::new();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let mut items = Vec::new();
    siecle::read(&input, &d, &mut ctl, &mut |i| {
        items.push(i);
        Ok(())
    })
    .expect("read");
    assert!(matches!(items.first(), Some(Item::Header(_))), "header first");
    let locs: Vec<&str> =
        items.iter().filter_map(|i| if let Item::Record(_, l) = i { Some(l.as_str()) } else { None }).collect();
    assert!(locs.contains(&format!("ligne {line}, ELEVE[ELEVE_ID=1234571]").as_str()), "{locs:?}");
}

// ---------- rejects, one per reason ----------

fn eleves_doc(eleves: &str, structures: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BEE_ELEVES VERSION=\"3.1\"><PARAMETRES><UAJ>0999001W</UAJ></PARAMETRES>\
         <DONNEES><ELEVES>{eleves}</ELEVES><STRUCTURES>{structures}</STRUCTURES></DONNEES></BEE_ELEVES>"
    )
    .into_bytes()
}

fn eleve(id: &str, extra: &str) -> String {
    format!("<ELEVE ELEVE_ID=\"{id}\"><NOM_DE_FAMILLE>NOM</NOM_DE_FAMILLE><PRENOM>Prénom</PRENOM>{extra}</ELEVE>")
}

fn resp_doc(personnes: &str, responsables: &str) -> Vec<u8> {
    format!(
        "<BEE_RESPONSABLES VERSION=\"3.1\"><DONNEES><PERSONNES>{personnes}</PERSONNES>\
         <RESPONSABLES>{responsables}</RESPONSABLES></DONNEES></BEE_RESPONSABLES>"
    )
    .into_bytes()
}

fn personne(id: &str) -> String {
    format!("<PERSONNE PERSONNE_ID=\"{id}\"><NOM_DE_FAMILLE>NOM</NOM_DE_FAMILLE></PERSONNE>")
}

fn link(personne: &str, level: &str) -> String {
    format!("<RESPONSABLE_ELEVE><ELEVE_ID>1</ELEVE_ID><PERSONNE_ID>{personne}</PERSONNE_ID>{level}</RESPONSABLE_ELEVE>")
}

fn parse(bytes: Vec<u8>) -> Parsed<SiecleRecord> {
    read_bytes("t.xml", bytes)
}

/// The rejects as `FIELD=value:REASON`, space-separated.
fn summary(p: &Parsed<SiecleRecord>) -> String {
    p.rejects.iter().map(|r| format!("{}={}:{}", r.field, r.value, r.reason)).collect::<Vec<_>>().join(" ")
}

/// One pupil per `(element, value)`, ids 1, 2…
fn pupils_with(fields: &[(&str, &str)]) -> String {
    fields.iter().zip(1..).map(|((f, v), i)| eleve(&i.to_string(), &format!("<{f}>{v}</{f}>"))).collect()
}

fn expected(fields: &[(&str, &str)], reason: &str) -> String {
    fields.iter().map(|(f, v)| format!("{f}={v}:{reason}")).collect::<Vec<_>>().join(" ")
}

#[test]
fn reject_missing_ids() {
    let p = parse(eleves_doc("<ELEVE><NOM_DE_FAMILLE>A</NOM_DE_FAMILLE><PRENOM>B</PRENOM></ELEVE>", ""));
    assert_eq!((summary(&p).as_str(), p.records.len()), ("ELEVE_ID=:REQUIRED_MISSING", 0));
    let p = parse(resp_doc("<PERSONNE><NOM_DE_FAMILLE>A</NOM_DE_FAMILLE></PERSONNE>", ""));
    assert_eq!((summary(&p).as_str(), p.records.len()), ("PERSONNE_ID=:REQUIRED_MISSING", 0));
    let p = parse(eleves_doc(
        "<ELEVE ELEVE_ID=\"2\"><NOM>A</NOM></ELEVE><ELEVE ELEVE_ID=\"3\"><PRENOM>B</PRENOM></ELEVE>",
        "",
    ));
    assert_eq!(summary(&p), "PRENOM=:REQUIRED_MISSING NOM_DE_FAMILLE=:REQUIRED_MISSING");
    assert!(p.records.is_empty());
}

#[test]
fn reject_duplicate_id() {
    let p = parse(eleves_doc(&(eleve("7", "") + &eleve("7", "")), ""));
    assert_eq!((summary(&p).as_str(), eleves(&p).len()), ("ELEVE_ID=7:ID_DUPLICATE", 1));
    assert_eq!(p.rejects[0].location, "ligne 2, ELEVE[ELEVE_ID=7]");
}

#[test]
fn reject_invalid_dates_drops_the_pupil() {
    let bad = [
        ("DATE_NAISS", "2015-04-02"),
        ("DATE_NAISS", "31/02/2015"),
        ("DATE_SORTIE", "bientôt"),
        ("DATE_ENTREE", "1/9/2026"),
    ];
    let p = parse(eleves_doc(&(pupils_with(&bad) + &eleve("5", "<DATE_NAISS>02/04/2015</DATE_NAISS>")), ""));
    assert_eq!(summary(&p), expected(&bad, "DATE_INVALID"));
    assert_eq!(eleves(&p).iter().map(|e| e.eleve_id.as_str()).collect::<Vec<_>>(), ["5"]);
}

#[test]
fn reject_invalid_sex_keeps_the_pupil() {
    let bad = [("CODE_SEXE", "3"), ("CODE_SEXE", "F")];
    let p = parse(eleves_doc(&pupils_with(&bad), ""));
    assert_eq!(summary(&p), expected(&bad, "SEX_INVALID"));
    assert!(eleves(&p).len() == 2 && eleves(&p).iter().all(|e| e.code_sexe.is_none() && e.sex().is_none()));
}

#[test]
fn reject_malformed_ine_keeps_the_pupil() {
    let bad =
        [("ID_NATIONAL", "12345"), ("ID_NATIONAL", "0123456789AB"), ("ID_NATIONAL", "01234-6789A"), ("INE_RNIE", "?")];
    let p = parse(eleves_doc(&(pupils_with(&bad) + &eleve("5", "<ID_NATIONAL> 0123456789A </ID_NATIONAL>")), ""));
    assert_eq!(summary(&p), expected(&bad, "INE_INVALID"));
    let ines: Vec<_> = eleves(&p).iter().map(|e| e.ine.clone().or(e.ine_rnie.clone())).collect();
    assert_eq!(ines, [None, None, None, None, Some("0123456789A".to_string())]);
}

fn structure(code: &str, kind: &str) -> String {
    format!("<STRUCTURE><CODE_STRUCTURE>{code}</CODE_STRUCTURE><TYPE_STRUCTURE>{kind}</TYPE_STRUCTURE></STRUCTURE>")
}

#[test]
fn reject_unknown_structure_type_keeps_the_others() {
    let s = format!(
        "<STRUCTURES_ELEVE ELEVE_ID=\"1\">{}{}</STRUCTURES_ELEVE>",
        structure("6A", "X"),
        structure("6A GR1", "G")
    );
    let p = parse(eleves_doc(&eleve("1", ""), &s));
    assert_eq!(summary(&p), "TYPE_STRUCTURE=X:STRUCTURE_TYPE_UNKNOWN");
    assert_eq!(only!(p.records, Structures)[0].structures.len(), 1);
}

#[test]
fn reject_structures_of_unknown_or_rejected_pupil() {
    let s = |id: &str| format!("<STRUCTURES_ELEVE ELEVE_ID=\"{id}\">{}</STRUCTURES_ELEVE>", structure("6A", "D"));
    let p =
        parse(eleves_doc(&(eleve("1", "") + &eleve("2", "<DATE_NAISS>x</DATE_NAISS>")), &(s("1") + &s("2") + &s("9"))));
    assert_eq!(summary(&p), "DATE_NAISS=x:DATE_INVALID ELEVE_ID=2:ELEVE_REJECTED ELEVE_ID=9:ELEVE_UNKNOWN");
    assert_eq!(kinds(&p, "structures"), 1);
}

#[test]
fn reject_link_to_unknown_or_rejected_personne() {
    let links_xml = [("10", "NIVEAU_RESPONSABILITE", "1"), ("11", "RESP_LEGAL", "1"), ("99", "RESP_LEGAL", "2")];
    let l: String = links_xml.iter().map(|(p, f, v)| link(p, &format!("<{f}>{v}</{f}>"))).collect();
    let p = parse(resp_doc(&(personne("10") + "<PERSONNE PERSONNE_ID=\"11\"></PERSONNE>"), &l));
    let want = "NOM_DE_FAMILLE=:REQUIRED_MISSING PERSONNE_ID=11:PERSONNE_REJECTED PERSONNE_ID=99:PERSONNE_UNKNOWN";
    assert_eq!(summary(&p), want);
    assert_eq!(links(&p).len(), 1);
    assert_eq!(p.rejects[2].location, "ligne 1, RESPONSABLE_ELEVE[ELEVE_ID/PERSONNE_ID=1/99]");
}

#[test]
fn reject_invalid_responsibility_levels() {
    let bad = [
        ("NIVEAU_RESPONSABILITE", "4"),
        ("NIVEAU_RESPONSABILITE", "LEGAL"),
        ("RESP_LEGAL", "3"),
        ("CODE_PARENTE", "10"),
    ];
    let mut l: String = bad.iter().map(|(f, v)| link("10", &format!("<{f}>{v}</{f}>"))).collect();
    l += &link("10", "<RESP_LEGAL>0</RESP_LEGAL>");
    let p = parse(resp_doc(&personne("10"), &l));
    let want = "NIVEAU_RESPONSABILITE=4:NIVEAU_RESPONSABILITE_INVALID NIVEAU_RESPONSABILITE=LEGAL:NIVEAU_RESPONSABILITE_INVALID \
                RESP_LEGAL=3:RESP_LEGAL_INVALID NIVEAU_RESPONSABILITE=:REQUIRED_MISSING";
    assert_eq!(summary(&p), want);
    assert_eq!(links(&p).iter().map(|l| l.level()).collect::<Vec<_>>(), [Some(ResponsibilityLevel::Contact)]);
}

#[test]
fn reject_structures_and_nomenclature_without_code() {
    let doc = "<BEE_STRUCTURES><DONNEES><DIVISIONS><DIVISION><LIBELLE_LONG>x</LIBELLE_LONG></DIVISION>\
               <DIVISION CODE_STRUCTURE=\"6A\"/><DIVISION CODE_STRUCTURE=\"6A\"/></DIVISIONS></DONNEES></BEE_STRUCTURES>";
    assert_eq!(summary(&parse(doc.into())), "CODE_STRUCTURE=:REQUIRED_MISSING CODE_STRUCTURE=6A:ID_DUPLICATE");
    let doc =
        "<BEE_NOMENCLATURES><DONNEES><MEFS><MEF><FORMATION>6EME</FORMATION></MEF></MEFS></DONNEES></BEE_NOMENCLATURES>";
    assert_eq!(summary(&parse(doc.into())), "CODE_MEF=:REQUIRED_MISSING");
}

#[test]
fn every_reason_is_documented_in_french() {
    let codes: BTreeSet<&str> = siecle::REJECT_REASONS.iter().map(|(c, _)| *c).collect();
    assert_eq!(codes.len(), siecle::REJECT_REASONS.len());
    let used =
        "REQUIRED_MISSING ID_DUPLICATE DATE_INVALID SEX_INVALID INE_INVALID STRUCTURE_TYPE_UNKNOWN ELEVE_UNKNOWN \
                ELEVE_REJECTED PERSONNE_UNKNOWN PERSONNE_REJECTED NIVEAU_RESPONSABILITE_INVALID RESP_LEGAL_INVALID";
    assert_eq!(codes, used.split_whitespace().collect::<BTreeSet<_>>(), "each code has its test above");
    assert!(siecle::REJECT_REASONS.iter().all(|(_, fr)| !fr.is_empty()));
}

// ---------- hostile input ----------

#[test]
fn unusable_files_are_clear_errors() {
    assert_eq!(error_code(b""), "FORMAT_EMPTY");
    assert_eq!(error_code(&[0, 1, 2, 3, 0, 0, 7, 8]), "FORMAT_BINARY");
    assert_eq!(error_code(b"<BEE_ELEVES VERSION=\"3.1\"/>"), "FORMAT_MISSING_ELEMENT");
    assert_eq!(error_code(b"<BEE_ELEVES><PARAMETRES/></BEE_ELEVES>"), "FORMAT_MISSING_ELEMENT");
    assert_eq!(error_code(b"<BEE_ELEVES><DONNEES><STRUCTURES/></DONNEES></BEE_ELEVES>"), "FORMAT_MISSING_ELEMENT");
    assert_eq!(
        error_code(b"<BEE_RESPONSABLES><DONNEES><PERSONNES/></DONNEES></BEE_RESPONSABLES>"),
        "FORMAT_MISSING_ELEMENT"
    );
    assert_eq!(error_code(b"<?xml version=\"1.0\"?><STS_EDT/>"), "FORMAT_UNKNOWN");
    assert_eq!(error_code(b"<BEE_ELEVES><DONNEES><ELEVES></DONNEES></BEE_ELEVES>"), "FORMAT_XML_MALFORMED");
    let bomb = b"<?xml version=\"1.0\"?><!DOCTYPE BEE_ELEVES [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;\">]><BEE_ELEVES>&b;</BEE_ELEVES>";
    assert_eq!(error_code(bomb), "FORMAT_XML_ENTITIES");
    let deep = format!("<BEE_ELEVES><DONNEES><ELEVES><ELEVE ELEVE_ID=\"1\">{}", "<X>".repeat(400));
    assert_eq!(error_code(deep.as_bytes()), "FORMAT_XML_TOO_DEEP");
}

#[test]
fn truncated_and_mis_encoded_files() {
    let bytes = fixture_bytes("ElevesSansAdresses.xml");
    let text = encoding_rs::ISO_8859_15.decode(&bytes).0.into_owned();
    let cut = text.find("</ELEVE>").expect("in fixture") + "</ELEVE>".len();
    assert_eq!(error_code(&bytes[..cut]), "FORMAT_XML_TRUNCATED");
    assert_eq!(error_code(&bytes[..bytes.len() / 2]), "FORMAT_XML_TRUNCATED");
    // Latin-9 bytes under a UTF-8 declaration.
    let lying = [&b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"[..], &bytes[44..]].concat();
    assert_eq!(error_code(&lying), "FORMAT_ENCODING_INVALID");
    let klingon = [&b"<?xml version=\"1.0\" encoding=\"KLINGON\"?>"[..], &bytes[44..]].concat();
    assert_eq!(error_code(&klingon), "FORMAT_ENCODING_UNSUPPORTED");
    for end in (1..bytes.len()).step_by(37) {
        let _ = siecle::read_all(&Input::bytes("cut.xml", bytes[..end].to_vec()));
    }
}

#[test]
fn reading_a_mismatched_detection_or_cancelled_read_fails_cleanly() {
    let input = Input::file(fixture_path("Structures.xml"));
    let mut d = detect(&input).expect("detected");
    d.format = Format::SiecleEleves;
    let cancel = CancelToken::new();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let err = siecle::read(&input, &d, &mut ctl, &mut |_| Ok(())).expect_err("wrong root");
    assert_eq!(err.code(), "FORMAT_UNKNOWN");
    d.format = Format::Sts;
    assert_eq!(siecle::read(&input, &d, &mut ctl, &mut |_| Ok(())).expect_err("not BEE").code(), "FORMAT_UNKNOWN");
    d.format = Format::SiecleStructures;
    cancel.cancel();
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    assert_eq!(siecle::read(&input, &d, &mut ctl, &mut |_| Ok(())).expect_err("cancelled").code(), "FORMAT_CANCELLED");
}

#[test]
fn mutated_files_never_panic() {
    let seeds = ["ElevesSansAdresses.xml", "ResponsablesAvecAdresses.xml", "Structures.xml", "Nomenclature.xml"];
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for name in seeds {
        let base = fixture_bytes(name);
        for _ in 0..400 {
            let mut b = base.clone();
            for _ in 0..(1 + next() % 6) {
                let i = (next() % b.len() as u64) as usize;
                match next() % 4 {
                    0 => b[i] = (next() % 256) as u8,
                    1 => b[i] = b"<>/\"&=; \n"[(next() % 9) as usize],
                    2 => drop(b.remove(i)),
                    _ => b.insert(i, b"<>/&#"[(next() % 5) as usize]),
                }
            }
            let _ = siecle::read_all(&Input::bytes(name, b));
        }
    }
}

// ---------- writers and demo ----------

fn college() -> EstablishmentData {
    generate(&Uai::from_digits("0999001").expect("uai"), EstablishmentKind::College, 7)
}

fn lycee() -> EstablishmentData {
    generate(&Uai::from_digits("0999002").expect("uai"), EstablishmentKind::Lycee, 7)
}

const BEE: [Format; 4] =
    [Format::SiecleEleves, Format::SiecleResponsables, Format::SiecleStructures, Format::SiecleNomenclature];

#[test]
fn demo_round_trips_for_college_and_lycee() {
    for data in [college(), lycee()] {
        for format in BEE {
            for layout in [ResponsablesLayout::Niveau, ResponsablesLayout::RespLegal] {
                let header = demo_header(&data, format);
                let records = demo_records(&data, format, layout);
                assert!(!records.is_empty());
                let bytes = write(format, &header, &records);
                assert!(bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<BEE_"));
                let back = read_bytes("demo.xml", bytes);
                assert!(back.rejects.is_empty(), "{format:?}: {:?}", &back.rejects[..back.rejects.len().min(3)]);
                assert_eq!(back.header, header);
                assert_eq!(back.records, records, "{format:?} {layout:?}");
            }
        }
    }
}

#[test]
fn hand_made_records_round_trip_in_every_encoding() {
    for name in
        ["ElevesSansAdresses.xml", "ElevesAvecAdresses_nom.xml", "ResponsablesAvecAdresses.xml", "Structures.xml"]
    {
        let input = Input::file(fixture_path(name));
        let format = detect(&input).expect("detected").format;
        let p = read(&input);
        for enc in [OutputEncoding::Latin9, OutputEncoding::Utf8Bom, OutputEncoding::Utf8] {
            let back = read_bytes(name, write_encoded(format, &p.header, &p.records, enc));
            assert_eq!((back.header, back.records), (p.header.clone(), p.records.clone()), "{name} {enc:?}");
        }
    }
}

#[test]
fn demo_files_are_real_shaped_detectable_and_deterministic() {
    let data = lycee();
    let files = demo_files(&data);
    let names = "ElevesSansAdresses.xml ResponsablesAvecAdresses.xml Structures.xml Nomenclature.xml \
                 ExportXML_ElevesSansAdresses.zip ResponsablesAvecAdresses.zip";
    assert_eq!(files.files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(" "), names);
    let expected = [BEE[0], BEE[1], BEE[2], BEE[3], BEE[0], BEE[1]];
    for ((name, bytes), format) in files.files.iter().zip(expected) {
        let d = detect(&Input::bytes(name, bytes.clone())).expect("detected");
        assert_eq!((d.format, d.encoding.name()), (format, "ISO-8859-15"), "{name}");
        assert_eq!(d.entry.is_some(), name.ends_with(".zip"));
    }
    let plain = read_bytes("a.xml", files.files[0].1.clone());
    assert_eq!(read_bytes("a.zip", files.files[4].1.clone()), plain);
    assert!(files.files[0].1.contains(&0xE9), "é written as one Latin-9 byte");
    let again = demo_files(&data);
    assert!(files.files.iter().zip(&again.files).all(|(a, b)| a == b), "same data, same bytes");
    let mb = files.files[0].1.len() as f64 / 1e6;
    assert!((1.0..8.0).contains(&mb), "lycée ElevesSansAdresses is {mb:.1} MB");
}

#[test]
fn demo_files_are_consistent_across_the_four_files() {
    for data in [college(), lycee()] {
        let files = demo_files(&data);
        let get = |i: usize| read_bytes("f.xml", files.files[i].1.clone()).records;
        let (el, resp, st, nom) = (get(0), get(1), get(2), get(3));
        let pupils: Vec<_> = data.people.iter().filter(|p| p.profile == Profile::Eleve).collect();
        let pupil = |id: &str| pupils.iter().find(|p| siecle::eleve_id(&p.id) == id).expect("pupil");
        let ids: HashSet<&str> = only!(el, Eleve).iter().map(|e| e.eleve_id.as_str()).collect();
        assert_eq!(ids.len(), pupils.len(), "one ELEVE per pupil, unique ELEVE_ID");
        let mefs: HashSet<&str> = only!(nom, Mef).iter().map(|m| m.code_mef.as_str()).collect();
        let mut codes: HashSet<&str> = only!(st, Division).iter().map(|d| d.code_structure.as_str()).collect();
        codes.extend(only!(st, Groupe).iter().map(|g| g.code_structure.as_str()));
        for e in only!(el, Eleve) {
            assert!(e.code_mef.as_deref().is_some_and(|m| mefs.contains(m)), "{} MEF", e.eleve_id);
            assert_eq!(pupil(&e.eleve_id).left, e.date_sortie.is_some(), "departed pupils have a DATE_SORTIE");
            assert!(e.date_entree.is_some() && e.date_entree <= e.date_sortie.clone().or(e.date_entree.clone()));
        }
        for s in only!(el, Structures) {
            for x in &s.structures {
                assert!(x.code_structure == "Inactifs" || codes.contains(x.code_structure.as_str()));
                if x.type_structure == StructureKind::Division && x.code_structure != "Inactifs" {
                    assert_eq!(pupil(&s.eleve_id).divisions.first(), Some(&x.code_structure), "no D without a class");
                }
            }
        }
        let personnes: HashSet<&str> = only!(resp, Personne).iter().map(|p| p.personne_id.as_str()).collect();
        let adresses: HashSet<&str> = only!(resp, Adresse).iter().map(|a| a.adresse_id.as_str()).collect();
        assert!(adresses.len() < personnes.len(), "households share addresses");
        assert!(only!(resp, Personne).iter().all(|p| p.adresse_id.as_deref().is_some_and(|a| adresses.contains(a))));
        let mut payers: HashSet<&str> = HashSet::new();
        let l = only!(resp, Responsable);
        assert_eq!(l.len(), data.responsibilities.len());
        for l in l {
            assert!(ids.contains(l.eleve_id.as_str()) && personnes.contains(l.personne_id.as_str()));
            assert!(l.level().is_some() && l.resp_legal.is_none());
            if l.paie_frais_scolaires.as_deref() == Some("1") {
                assert!(payers.insert(l.eleve_id.as_str()), "one payer per pupil");
            }
        }
        let count = |kind: &str| {
            files.ids.iter().filter(|(_, k, _)| k == kind).map(|(_, _, v)| v).collect::<HashSet<_>>().len()
        };
        let responsables = data.people.iter().filter(|p| p.profile == Profile::Responsable).count();
        assert_eq!((count("siecle_eleve_id"), count("siecle_elenoet")), (pupils.len(), pupils.len()), "unique ids");
        assert_eq!(count("siecle_personne_id"), responsables);
    }
}

#[test]
fn legacy_responsables_writer_uses_resp_legal() {
    let data = college();
    let p = read_bytes("legacy.xml", write_responsables_legacy(&data));
    assert_eq!(p.header.version.as_deref(), Some("2.1"));
    let l = links(&p);
    assert_eq!(l.len(), data.responsibilities.len());
    assert!(l.iter().all(|x| x.niveau_responsabilite.is_none() && x.resp_legal.is_some()));
    let mut firsts: HashSet<&str> = HashSet::new();
    for x in &l {
        if x.rank() == Some(1) {
            assert!(firsts.insert(x.eleve_id.as_str()), "a single responsable légal 1 per pupil");
        }
    }
    let legal = data.responsibilities.iter().filter(|r| r.level == ResponsibilityLevel::Legal).count();
    assert_eq!(l.iter().filter(|x| x.level() == Some(ResponsibilityLevel::Legal)).count(), legal);
}
