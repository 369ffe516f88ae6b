//! AAF feed (`ficAlimMENESR`): golden files, composites, rejects, hostile
//! input, demo round trips and consistency, detection.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use preau_core::demo::generate;
use preau_core::formats::aaf::{self, AafCategory, AafRequest, RequestKind, REJECT_REASONS};
use preau_core::formats::detect::detect;
use preau_core::formats::source::Input;
use preau_core::formats::{sts, Format, Parsed};
use preau_core::model::{EstablishmentData, EstablishmentKind, Profile, ResponsibilityLevel, Uai};
use preau_core::ErrorCode;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aaf").join(name)
}

fn read(xml: &str) -> Parsed<AafRequest> {
    aaf::read_all(&Input::bytes("ENT_0999001W_Complet_20260901_Eleve_0000.xml", xml.as_bytes().to_vec()))
        .expect("readable")
}

fn err(bytes: &[u8]) -> String {
    aaf::read_all(&Input::bytes("f.xml", bytes.to_vec())).expect_err("must fail").code().to_string()
}

/// A file around `body` (requests).
fn doc(body: &str) -> String {
    format!(
        "<!DOCTYPE ficAlimMENESR SYSTEM \"ficAlimMENESR.dtd\">\n<ficAlimMENESR>\n<!-- versionAF=\"AAF-VE1803\" -->\n{body}\n</ficAlimMENESR>\n"
    )
}

fn add(category: &str, id: Option<&str>, attrs: &str) -> String {
    let id = id.map(|i| format!("<identifier><id>{i}</id></identifier>")).unwrap_or_default();
    format!(
        "<addRequest>\n<operationalAttributes><attr name=\"categoriePersonne\"><value>{category}</value></attr></operationalAttributes>\n{id}\n<attributes>\n{attrs}\n</attributes>\n</addRequest>\n"
    )
}

fn reasons(p: &Parsed<AafRequest>) -> Vec<&str> {
    p.rejects.iter().map(|r| r.reason.as_str()).collect()
}

#[test]
fn golden_complet_eleve() {
    let parsed = aaf::read_all(&Input::file(fixture("ENT_0999001W_Complet_20260901_Eleve_0000.xml"))).unwrap();
    assert!(parsed.rejects.is_empty(), "{:?}", parsed.rejects);
    let h = &parsed.header;
    assert_eq!(h.version.as_deref(), Some("AAF-VE1301"));
    assert_eq!(h.uai.as_deref(), Some("0999001W"), "from the file name");
    assert_eq!(h.exported_at.as_deref(), Some("2026-09-01"));
    assert_eq!(parsed.records.len(), 2);
    let e = &parsed.records[0];
    assert_eq!((e.kind, &e.category, e.id.as_str()), (RequestKind::Add, &AafCategory::Eleve, "2605692"));
    assert_eq!(e.attributes[0].name, "ENTPersonJointure");
    assert_eq!(e.first("ENTPersonDateNaissance"), Some("2013-09-14"), "ISO in records");
    assert_eq!(e.first("ENTPersonNomPatro"), Some("LEFÈVRE"));
    assert_eq!(e.first("sn"), Some("Lefèvre-N'Diaye"));
    assert_eq!(e.values("ENTPersonAutresPrenoms").collect::<Vec<_>>(), ["Zoé", "Anaïs"]);
    assert_eq!(e.attribute("ENTElevePere").unwrap().values, [""], "<value/> is an empty value");
    assert_eq!(e.first("ENTElevePere"), None);
    assert_eq!(e.first("ENTPersonAdresse"), Some("1 rue de Test$$$"), "values kept as written");
    assert_eq!(e.values("ENTEleveCodeEnseignements").collect::<Vec<_>>(), ["020700", "030602"]);

    let rels: Vec<aaf::PersRelEleve> =
        e.values("ENTElevePersRelEleve").map(|v| aaf::parse_pers_rel_eleve(v).unwrap()).collect();
    assert_eq!(rels.len(), 3);
    assert!(rels[0].is_legal() && rels[0].financial && rels[0].payment && !rels[0].contact);
    assert_eq!((rels[1].relationship.as_str(), rels[1].financial), ("20", false));
    assert!(rels[2].contact && rels[2].level == 0);
    let classe = aaf::parse_structure_ref(e.first("ENTEleveClasses").unwrap()).unwrap();
    assert_eq!((classe.structure.as_str(), classe.code.as_str()), ("0999001", "5A"));
    let groups: Vec<String> = e.values("ENTEleveGroupes").map(|v| aaf::parse_structure_ref(v).unwrap().code).collect();
    assert_eq!(groups, ["5AB ESP", "T CAP"]);

    let second = &parsed.records[1];
    assert_eq!(second.first("ENTPersonDateNaissance"), Some("2013-02-01"), "ISO tolerated");
    assert_eq!(second.first("sn"), Some("O'NEILL & CO"));
    assert_eq!(second.attribute("ENTEleveINE").unwrap().values, [""], "<value></value> too");
}

#[test]
fn golden_delta_and_other_categories() {
    let parsed = aaf::read_all(&Input::file(fixture("ENT_0999001W_Delta_20260915_Eleve_0000.xml"))).unwrap();
    assert!(parsed.rejects.is_empty(), "{:?}", parsed.rejects);
    assert_eq!(parsed.header.version.as_deref(), Some("AAF-VE1803"));
    assert_eq!(parsed.header.exported_at.as_deref(), Some("2026-09-15"));
    let kinds: Vec<RequestKind> = parsed.records.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [RequestKind::Modify, RequestKind::Delete, RequestKind::Add]);
    let m = &parsed.records[0];
    assert_eq!(m.attributes[0].operation.as_deref(), Some("replace"));
    assert_eq!(m.first("ENTEleveClasses"), Some("0999001$5B"));
    assert_eq!(m.attribute("ENTEleveGroupes").unwrap().values, [""]);
    assert!(parsed.records[1].attributes.is_empty());
    assert_eq!(parsed.records[2].category, AafCategory::PersRelEleve);
    assert_eq!(parsed.records[2].first("ENTPersonDateNaissance"), None);

    let name = aaf::parse_file_name("ENT_0999001W_Delta_20260915_Eleve_0000.xml").unwrap();
    assert!(!name.full);

    // ISO-8859-15 declared (seen in entcore's fixtures), structure/MEF/matière categories.
    let parsed = aaf::read_all(&Input::file(fixture("ENT_0999001W_Complet_20260901_EtabEducNat_0000.xml"))).unwrap();
    assert!(parsed.rejects.is_empty(), "{:?}", parsed.rejects);
    let cats: Vec<&AafCategory> = parsed.records.iter().map(|r| &r.category).collect();
    assert_eq!(cats, [&AafCategory::EtabEducNat, &AafCategory::MatiereEducNat, &AafCategory::MefEducNat]);
    assert_eq!(parsed.records[0].first("ENTStructureNomCourant"), Some("COLLÈGE HÉLÈNE-BOUCHER"));
    assert_eq!(parsed.records[2].id, "2212420A11A");
    assert_eq!(AafCategory::parse("ENTAuxNonEnsCollLoc"), AafCategory::Other("ENTAuxNonEnsCollLoc".into()));
}

#[test]
fn each_reject_reason() {
    let attrs = "<attr name=\"sn\"><value>X</value></attr>";
    let p = read(&doc(&add("Eleve", None, attrs)));
    assert_eq!(reasons(&p), ["REQUIRED_MISSING"]);
    assert!(p.records.is_empty());
    // Without identifier, the jointure attribute names the entry.
    let p = read(&doc(&add("Eleve", None, "<attr name=\"ENTPersonJointure\"><value>42</value></attr>")));
    assert_eq!((p.records[0].id.as_str(), p.rejects.len()), ("42", 0));

    let no_category = "<addRequest><identifier><id>1</id></identifier><attributes></attributes></addRequest>";
    let p = read(&doc(no_category));
    assert_eq!(reasons(&p), ["CATEGORY_MISSING"]);
    assert_eq!(p.rejects[0].location, "ligne 4, addRequest[id=1]");

    let p = read(&doc(&format!("{}{}", add("Eleve", Some("7"), attrs), add("Eleve", Some("7"), attrs))));
    assert_eq!(reasons(&p), ["ID_DUPLICATE"]);
    assert_eq!(p.records.len(), 1);
    // The same id in two categories is no duplicate.
    let p = read(&doc(&format!("{}{}", add("Eleve", Some("7"), attrs), add("PersRelEleve", Some("7"), attrs))));
    assert!(p.rejects.is_empty());

    let p =
        read(&doc(&add("Eleve", Some("8"), "<attr name=\"ENTPersonDateNaissance\"><value>31/02/2013</value></attr>")));
    assert_eq!(reasons(&p), ["DATE_INVALID"]);
    assert_eq!(p.rejects[0].value, "31/02/2013");
    assert_eq!(p.records[0].attribute("ENTPersonDateNaissance").unwrap().values, [""], "kept, blank");

    let bad = "<attr name=\"ENTElevePersRelEleve\"><value>2867253$10$1$9$0$0</value><value>2867254$20</value><value>2867255$20$0$1$0$0</value></attr>\
               <attr name=\"ENTPersonFonctions\"><value>ENS</value></attr>\
               <attr name=\"ENTEleveClasses\"><value>5A</value></attr>";
    let p = read(&doc(&add("Eleve", Some("9"), bad)));
    assert_eq!(reasons(&p), ["COMPOSITE_INVALID", "COMPOSITE_INVALID", "COMPOSITE_INVALID"]);
    assert_eq!(
        p.records[0].values("ENTElevePersRelEleve").collect::<Vec<_>>(),
        ["2867253$10$1$9$0$0", "2867255$20$0$1$0$0"]
    );

    let tested: BTreeSet<&str> =
        ["REQUIRED_MISSING", "CATEGORY_MISSING", "ID_DUPLICATE", "DATE_INVALID", "COMPOSITE_INVALID"].into();
    let declared: BTreeSet<&str> = REJECT_REASONS.iter().map(|(c, _)| *c).collect();
    assert_eq!(tested, declared);
}

#[test]
fn hostile_inputs_are_clear_errors() {
    let full = std::fs::read(fixture("ENT_0999001W_Complet_20260901_Eleve_0000.xml")).unwrap();
    assert_eq!(err(&full[..full.len() * 2 / 3]), "FORMAT_XML_TRUNCATED");
    let latin: Vec<u8> = String::from_utf8(full.clone()).unwrap().chars().map(|c| c as u32 as u8).collect();
    assert_eq!(err(&latin), "FORMAT_ENCODING_INVALID", "Latin-1 bytes without a declaration");
    assert_eq!(err(b""), "FORMAT_EMPTY");
    assert_eq!(err(&[0u8, 159, 146, 150, 0, 0, 1]), "FORMAT_BINARY");
    let deep = format!("<ficAlimMENESR>{}", "<addRequest>".repeat(300));
    assert_eq!(err(deep.as_bytes()), "FORMAT_XML_TOO_DEEP");
    let xxe = "<?xml version=\"1.0\"?><!DOCTYPE ficAlimMENESR [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><ficAlimMENESR>&x;</ficAlimMENESR>";
    assert_eq!(err(xxe.as_bytes()), "FORMAT_XML_ENTITIES");
    assert_eq!(err(b"<ficAlimMENESR><addRequest></ficAlimMENESR>"), "FORMAT_XML_MALFORMED");
    // An empty feed is a valid feed.
    assert!(read("<ficAlimMENESR/>").records.is_empty());

    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
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
        let _ = aaf::read_all(&Input::bytes("ENT_x_Complet_2_Eleve_0000.xml", bytes));
    }
}

fn demo(kind: EstablishmentKind, digits: &str) -> EstablishmentData {
    generate(&Uai::from_digits(digits).unwrap(), kind, 11)
}

fn read_file(name: &str, bytes: &[u8]) -> Parsed<AafRequest> {
    let parsed = aaf::read_all(&Input::bytes(name, bytes.to_vec())).unwrap();
    assert!(parsed.rejects.is_empty(), "{name}: {:?}", &parsed.rejects[..parsed.rejects.len().min(5)]);
    assert_eq!(parsed.header.version.as_deref(), Some(aaf::VERSION));
    parsed
}

fn round_trip(data: &EstablishmentData) {
    for (category, requests) in aaf::demo_requests(data) {
        let chunks = aaf::write_chunks(&requests, aaf::VERSION, aaf::CHUNK_BYTES);
        let mut back = Vec::new();
        for bytes in &chunks {
            assert!(bytes.len() <= aaf::CHUNK_BYTES + 4096);
            back.extend(read_file(&format!("x_{}.xml", category.as_str()), bytes).records);
        }
        assert_eq!(back.len(), requests.len(), "{}", category.as_str());
        for (a, b) in back.iter().zip(&requests) {
            assert_eq!(a, b);
        }
    }
    let delta = aaf::demo_delta(data);
    assert_eq!(read_file("d.xml", &aaf::write(&delta, aaf::VERSION)).records, delta);
}

#[test]
fn demo_round_trips_college_and_lycee() {
    round_trip(&demo(EstablishmentKind::College, "0999001"));
    round_trip(&demo(EstablishmentKind::Lycee, "0999002"));
}

#[test]
fn demo_files_are_consistent_with_the_demo() {
    let data = demo(EstablishmentKind::Lycee, "0999002");
    let files = aaf::demo_files(&data);
    let mut by_category: BTreeMap<String, Vec<AafRequest>> = BTreeMap::new();
    let mut delta = Vec::new();
    for (name, bytes) in &files.files {
        let parsed = read_file(name, bytes);
        let info = aaf::parse_file_name(name).expect("AAF file name");
        assert_eq!(parsed.header.uai.as_deref(), Some("0999002X"));
        if info.full {
            assert_eq!(info.date.as_deref(), Some("2026-09-01"));
            assert!(bytes.len() <= aaf::CHUNK_BYTES + 4096, "{name}");
            by_category.entry(info.category).or_default().extend(parsed.records);
        } else {
            assert_eq!(name, "ENT_0999002X_Delta_20260915_Eleve_0000.xml");
            delta = parsed.records;
        }
    }
    let names: Vec<&str> = files.files.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"ENT_0999002X_Complet_20260901_Eleve_0001.xml"), "the lycée's pupils take several chunks");
    let cats: BTreeSet<&str> = by_category.keys().map(String::as_str).collect();
    assert_eq!(cats, ["Eleve", "EtabEducNat", "MatiereEducNat", "MefEducNat", "PersEducNat", "PersRelEleve"].into());

    let count = |p: Profile| data.people.iter().filter(|x| x.profile == p).count();
    assert_eq!(by_category["Eleve"].len(), count(Profile::Eleve));
    assert_eq!(by_category["PersRelEleve"].len(), count(Profile::Responsable));
    assert_eq!(by_category["PersEducNat"].len(), count(Profile::Enseignant) + count(Profile::NonEnseignant));
    assert_eq!(files.ids.len(), data.people.len() - count(Profile::PersonnelCollectivite));

    // Pupils: SIECLE id, INE, links to existing PersRelEleve entries with the right level.
    let parents: BTreeSet<&str> = by_category["PersRelEleve"].iter().map(|r| r.id.as_str()).collect();
    let structure = aaf::structure_jointure("0999002X");
    for (p, r) in data.people.iter().filter(|p| p.profile == Profile::Eleve).zip(&by_category["Eleve"]) {
        assert_eq!(r.id, aaf::person_jointure(&p.id));
        let digits: String = p.id.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(r.first("ENTEleveStructRattachId"), Some(digits.as_str()));
        assert_eq!(r.first("ENTEleveINE"), p.ine.as_deref());
        assert_eq!(r.first("ENTPersonDateNaissance"), p.birth_date.as_deref());
        let links: Vec<_> = data.responsibilities.iter().filter(|l| l.pupil_id == p.id).collect();
        let rels: Vec<aaf::PersRelEleve> =
            r.values("ENTElevePersRelEleve").map(|v| aaf::parse_pers_rel_eleve(v).unwrap()).collect();
        assert_eq!(rels.len(), links.len());
        for (rel, link) in rels.iter().zip(&links) {
            assert!(parents.contains(rel.person.as_str()));
            assert_eq!(rel.person, aaf::person_jointure(&link.responsable_id));
            let expected = match link.level {
                ResponsibilityLevel::Legal => (1, false),
                ResponsibilityLevel::InCharge => (2, false),
                ResponsibilityLevel::Contact => (0, true),
            };
            assert_eq!((rel.level, rel.contact), expected);
        }
        assert!(rels.iter().filter(|r| r.financial).count() <= 1);
        for v in r.values("ENTEleveClasses") {
            assert_eq!(aaf::parse_structure_ref(v).unwrap().structure, structure);
        }
    }

    // Staff: the STS ids, two establishments as two fonction prefixes.
    let sts_ids: BTreeSet<String> = sts::demo_files(&data).ids.into_iter().map(|(_, _, v)| v).collect();
    for r in &by_category["PersEducNat"] {
        assert!(sts_ids.contains(&r.id[1..]), "jointure = 3 + INDIVIDU@ID");
        assert!(r.values("ENTPersonFonctions").all(|v| aaf::parse_fonction(v).is_ok()));
    }
    let shared = data.people.iter().find(|p| p.establishments.len() > 1).unwrap();
    let req = by_category["PersEducNat"].iter().find(|r| r.id == aaf::person_jointure(&shared.id)).unwrap();
    let structures: BTreeSet<String> =
        req.values("ENTPersonFonctions").map(|v| aaf::parse_fonction(v).unwrap().structure).collect();
    assert_eq!(structures.len(), 2);
    assert!(by_category["PersEducNat"].iter().any(|r| r.first("ENTAuxEnsClassesPrincipal").is_some()));

    // Delta: class changes then departures, all about pupils of the Complet; the
    // Complet shows the former class, the Delta the demo's one.
    assert_eq!(delta.iter().filter(|r| r.kind == RequestKind::Modify).count(), 5);
    assert_eq!(delta.iter().filter(|r| r.kind == RequestKind::Delete).count(), 3);
    for r in &delta {
        let pupil = data.people.iter().find(|p| aaf::person_jointure(&p.id) == r.id).expect("a demo pupil");
        let full = by_category["Eleve"].iter().find(|e| e.id == r.id).unwrap();
        match r.kind {
            RequestKind::Delete => assert!(pupil.left),
            _ => {
                let now = aaf::parse_structure_ref(r.first("ENTEleveClasses").unwrap()).unwrap().code;
                let before = aaf::parse_structure_ref(full.first("ENTEleveClasses").unwrap()).unwrap().code;
                assert_eq!(Some(&now), pupil.divisions.first());
                assert_ne!(now, before);
            }
        }
    }
    assert_eq!(aaf::demo_files(&data).files, files.files, "deterministic");
}

#[test]
fn detection_by_content() {
    for name in ["ENT_0999001W_Complet_20260901_Eleve_0000.xml", "ENT_0999001W_Complet_20260901_EtabEducNat_0000.xml"] {
        let d = detect(&Input::file(fixture(name))).unwrap();
        assert_eq!(d.format, Format::Aaf);
    }
    let bytes = std::fs::read(fixture("ENT_0999001W_Delta_20260915_Eleve_0000.xml")).unwrap();
    let d = detect(&Input::bytes("delta.txt", bytes)).unwrap();
    assert_eq!((d.format, d.encoding.name()), (Format::Aaf, "UTF-8"));
    let p = read(&doc(""));
    assert_eq!((p.header.uai.as_deref(), p.header.version.as_deref()), (Some("0999001W"), Some("AAF-VE1803")));
}
