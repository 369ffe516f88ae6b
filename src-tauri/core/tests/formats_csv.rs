//! Header-driven CSV tables: the ENT directory export and the Pronote
//! identifiers — golden files in their real encodings, rejects, hostile
//! input, column mapping, detection and round trips on the demo data.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use preau_core::demo::generate;
use preau_core::formats::csvtable::{self, ColumnMap, CsvStyle};
use preau_core::formats::detect::detect;
use preau_core::formats::ent_directory::{self, DirectoryAccount};
use preau_core::formats::pronote_ids::{self, pronote_id, PronoteCategory, PronoteUser};
use preau_core::formats::source::{Ctl, Input};
use preau_core::formats::{Format, FormatError, Item, Parsed, Reject};
use preau_core::model::{EstablishmentData, EstablishmentKind, Profile, Uai};
use preau_core::progress::{CancelToken, NoProgress};
use preau_core::ErrorCode;

fn fixture(name: &str) -> Input {
    Input::file(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv").join(name))
}

fn bytes(text: &str) -> Input {
    Input::bytes("table.csv", text.as_bytes().to_vec())
}

fn code<T: std::fmt::Debug>(r: Result<T, FormatError>) -> &'static str {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code(),
    }
}

fn ent(input: &Input) -> Parsed<DirectoryAccount> {
    ent_directory::read_all(input).unwrap_or_else(|e| panic!("{}: {e}", input.name()))
}

fn pronote(input: &Input) -> Parsed<PronoteUser> {
    pronote_ids::read_all(input).unwrap_or_else(|e| panic!("{}: {e}", input.name()))
}

/// Reads `input` as `format` without detection, optionally with a preset.
fn read_as<R>(
    input: &Input,
    format: Format,
    preset: Option<&csvtable::ColumnPreset>,
    read: impl FnOnce(
        &Input,
        &preau_core::formats::detect::Detected,
        &mut Ctl<'_>,
        Option<&csvtable::ColumnPreset>,
        &mut dyn FnMut(Item<R>) -> Result<(), FormatError>,
    ) -> Result<(), FormatError>,
) -> Result<Parsed<R>, FormatError> {
    let detected = csvtable::detected_as(input, format)?;
    let cancel = CancelToken::new();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let mut parsed = Parsed::default();
    read(input, &detected, &mut ctl, preset, &mut |item| parsed.push(item))?;
    Ok(parsed)
}

fn reasons(rejects: &[Reject]) -> Vec<(&str, &str, &str)> {
    rejects.iter().map(|r| (r.location.as_str(), r.field.as_str(), r.reason.as_str())).collect()
}

fn college() -> EstablishmentData {
    generate(&Uai::parse("0999001W").expect("demo UAI"), EstablishmentKind::College, 7)
}

fn lycee() -> EstablishmentData {
    generate(&Uai::parse("0999002X").expect("demo UAI"), EstablishmentKind::Lycee, 7)
}

// ---------------------------------------------------------------- golden files

#[test]
fn open_ent_ng_classic_export() {
    let input = fixture("ent_opentent_classic.csv");
    let d = detect(&input).expect("detected");
    assert_eq!((d.format, d.encoding.name()), (Format::EntDirectory, "UTF-8"));
    let parsed = ent(&input);
    assert!(parsed.rejects.is_empty(), "{:?}", parsed.rejects);
    let r = &parsed.records;
    assert_eq!(r.len(), 5);
    assert_eq!(
        r[0],
        DirectoryAccount {
            ent_id: "8f0c2a6e-1b7d-4c3e-9a51-0d2f6b7c8e91".into(),
            login: Some("elodie.lefevre".into()),
            last_name: "LEFÈVRE".into(),
            birth_name: None,
            first_name: "Élodie".into(),
            profile: Profile::Eleve,
            birth_date: None,
            classes: vec!["3A".into()],
            establishments: vec!["Collège Émile-Zola".into()],
            ine: None,
            children: vec![],
            email: None,
        }
    );
    assert_eq!(r[1].profile, Profile::Responsable);
    assert_eq!(r[1].children, ["8f0c2a6e-1b7d-4c3e-9a51-0d2f6b7c8e91", "5c1e7f20-3a4b-4c5d-9e6f-7a8b9c0d1e2f"]);
    assert_eq!(r[1].email.as_deref(), Some("marc.lefevre@example.com"));
    assert_eq!((r[2].last_name.as_str(), r[2].profile), ("CŒUR", Profile::Enseignant));
    assert_eq!(r[2].classes, ["3A", "4B"]);
    assert_eq!((r[3].first_name.as_str(), r[3].profile), ("Aïssatou", Profile::NonEnseignant));
    assert_eq!(r[4].profile, Profile::Invite);
}

#[test]
fn kosmos_export_in_windows_1252_with_shuffled_columns() {
    let input = fixture("ent_kosmos_1252.csv");
    let d = detect(&input).expect("detected");
    assert_eq!((d.format, d.encoding.name()), (Format::EntDirectory, "windows-1252"));
    let parsed = ent(&input);
    assert!(parsed.rejects.is_empty(), "{:?}", parsed.rejects);
    let r = &parsed.records;
    let names: Vec<(&str, &str)> = r.iter().map(|a| (a.last_name.as_str(), a.first_name.as_str())).collect();
    assert_eq!(
        names,
        [
            ("LEFÈVRE", "Élodie"),
            ("CŒUR", "Cœlia"),
            ("LEFÈVRE", "Marc"),
            ("MARTIN; épouse DUBOIS", "Hélène"),
            ("PAGÈS", "François")
        ]
    );
    assert_eq!(r[0].birth_date.as_deref(), Some("2012-04-02"));
    assert_eq!(r[0].establishments, ["0999001W"]);
    assert_eq!(r[2].children, ["KOS-0001", "KOS-0002"]);
    assert_eq!(r[3].establishments, ["0999001W", "0999002X"]);
    assert_eq!(r[4].profile, Profile::PersonnelCollectivite);
    assert_eq!(r[0].login, None);
}

#[test]
fn pronote_utf8_with_quoted_separators_and_line_breaks() {
    let input = fixture("pronote_utf8.csv");
    let d = detect(&input).expect("detected");
    assert_eq!((d.format, d.encoding.name()), (Format::PronoteIds, "UTF-8"));
    let parsed = pronote(&input);
    assert!(parsed.rejects.is_empty(), "{:?}", parsed.rejects);
    let r = &parsed.records;
    let cats: Vec<PronoteCategory> = r.iter().map(|u| u.category).collect();
    assert_eq!(
        cats,
        [
            PronoteCategory::Eleve,
            PronoteCategory::Responsable,
            PronoteCategory::Enseignant,
            PronoteCategory::Personnel,
            PronoteCategory::MaitreDeStage,
            PronoteCategory::InspecteurPedagogique
        ]
    );
    assert_eq!(
        r[0],
        PronoteUser {
            pronote_id: "KVX8NTH4DPQ3SYU7".into(),
            category: PronoteCategory::Eleve,
            last_name: "LEFÈVRE".into(),
            first_name: "Élodie".into(),
            birth_date: Some("2012-04-02".into()),
            classes: vec!["3A".into()],
            ine: Some("1234567890A".into()),
            children: vec![],
        }
    );
    assert_eq!(r[1].children, ["KVX8NTH4DPQ3SYU7"]);
    assert_eq!(r[2].last_name, "CŒUR; dite COEUR");
    assert_eq!(r[2].classes, ["3A", "4B"]);
    assert_eq!(r[3].last_name, "N'DIAYE\nBA");
}

#[test]
fn pronote_latin9_comma_separated() {
    let input = fixture("pronote_latin9.csv");
    let d = detect(&input).expect("detected");
    assert_eq!((d.format, d.encoding.name()), (Format::PronoteIds, "ISO-8859-15"));
    let parsed = pronote(&input);
    assert!(parsed.rejects.is_empty(), "{:?}", parsed.rejects);
    let names: Vec<(&str, &str)> =
        parsed.records.iter().map(|u| (u.last_name.as_str(), u.first_name.as_str())).collect();
    assert_eq!(names, [("LEFÈVRE", "Élodie"), ("CŒUR", "Cœlia"), ("DURAND, épouse CŒUR", "Anne-Sophie")]);
    assert_eq!(parsed.records[2].classes, ["3A", "4B"]);
}

#[test]
fn pronote_tab_separated_with_bom_and_upper_case_headers() {
    let input = fixture("pronote_tab_bom.csv");
    let parsed = pronote(&input);
    assert!(parsed.rejects.is_empty(), "{:?}", parsed.rejects);
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(parsed.records[0].first_name, "Élodie");
    assert_eq!(parsed.records[0].birth_date.as_deref(), Some("2012-04-02"));
    assert_eq!(parsed.records[1].category, PronoteCategory::Enseignant);
}

#[test]
fn every_encoding_reads_the_same_names() {
    let rows = [("Élodie", "LEFÈVRE"), ("Cœlia", "CŒUR"), ("Zoé", "BÉNÉZECH")];
    let mut text = String::from("Identifiant;Catégorie;Nom;Prénom\r\n");
    for (i, (given, name)) in rows.iter().enumerate() {
        text.push_str(&format!("ID{i};Élève;{name};{given}\r\n"));
    }
    let lf = text.replace("\r\n", "\n");
    let variants: Vec<(&str, Vec<u8>, &str)> = vec![
        ("utf-8", text.as_bytes().to_vec(), "UTF-8"),
        ("utf-8 LF", lf.as_bytes().to_vec(), "UTF-8"),
        ("utf-8 bom", [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat(), "UTF-8"),
        ("windows-1252", encoding_rs::WINDOWS_1252.encode(&text).0.into_owned(), "windows-1252"),
        ("iso-8859-15", encoding_rs::ISO_8859_15.encode(&text).0.into_owned(), "ISO-8859-15"),
    ];
    for (label, data, expected) in variants {
        let input = Input::bytes("t.csv", data);
        assert_eq!(detect(&input).map(|d| d.encoding.name()).ok(), Some(expected), "{label}");
        let got: Vec<(String, String)> =
            pronote(&input).records.into_iter().map(|u| (u.first_name, u.last_name)).collect();
        let want: Vec<(String, String)> = rows.iter().map(|(g, n)| (g.to_string(), n.to_string())).collect();
        assert_eq!(got, want, "{label}");
    }
}

// ------------------------------------------------------------ values and rows

#[test]
fn locations_count_physical_lines_with_the_header_as_line_1() {
    let text = "\"Identifiant ENT\";Nom;Prénom;Profil\n\
                a;\"DUPONT\nDURAND\";Léa;Élève\n\
                \n\
                ;;;\n\
                b;MARTIN;Paul;Directeur\n";
    let parsed = ent(&bytes(text));
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(reasons(&parsed.rejects), [("ligne 6", "Profil", "PROFILE_UNKNOWN")]);
    // The sink sees each record with its own location.
    let mut locations = Vec::new();
    let input = bytes(text);
    let detected = detect(&input).expect("detected");
    let cancel = CancelToken::new();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    ent_directory::read(&input, &detected, &mut ctl, &mut |item| {
        if let Item::Record(_, loc) = item {
            locations.push(loc);
        }
        Ok(())
    })
    .expect("read");
    assert_eq!(locations, ["ligne 2"]);
}

#[test]
fn short_rows_and_extra_cells_are_tolerated() {
    let parsed = ent(&bytes(
        "Identifiant ENT;Nom;Prénom;Profil;Classe\nx1;DUPONT;Léa;Élève\nx2;MARTIN;Paul;Élève;3A;extra;cells\n",
    ));
    assert!(parsed.rejects.is_empty());
    assert_eq!(parsed.records[0].classes, Vec::<String>::new());
    assert_eq!(parsed.records[1].classes, ["3A"]);
}

// ---------------------------------------------------------------- rejects

#[test]
fn ent_reject_required_missing() {
    let parsed = ent(&bytes("Identifiant ENT;Nom;Prénom;Profil\n;DUPONT;Léa;Élève\nx;;Léa;Élève\ny;DUPONT;Léa;\n"));
    assert!(parsed.records.is_empty());
    assert_eq!(
        reasons(&parsed.rejects),
        [
            ("ligne 2", "Identifiant ENT", "REQUIRED_MISSING"),
            ("ligne 3", "Nom", "REQUIRED_MISSING"),
            ("ligne 4", "Profil", "REQUIRED_MISSING")
        ]
    );
}

#[test]
fn ent_reject_id_duplicate() {
    let parsed = ent(&bytes("Identifiant ENT;Nom;Prénom;Profil\nx;DUPONT;Léa;Élève\nx;DUPONT;Léo;Élève\n"));
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.records[0].first_name, "Léa");
    assert_eq!(reasons(&parsed.rejects), [("ligne 3", "Identifiant ENT", "ID_DUPLICATE")]);
    assert_eq!(parsed.rejects[0].value, "x");
}

#[test]
fn ent_reject_profile_unknown() {
    let parsed = ent(&bytes("Identifiant ENT;Nom;Prénom;Profil\nx;DUPONT;Léa;Chef cuisinier\n"));
    assert!(parsed.records.is_empty());
    assert_eq!(reasons(&parsed.rejects), [("ligne 2", "Profil", "PROFILE_UNKNOWN")]);
    assert_eq!(parsed.rejects[0].value, "Chef cuisinier");
}

#[test]
fn ent_reject_date_invalid_keeps_the_account() {
    let parsed = ent(&bytes("Identifiant ENT;Nom;Prénom;Profil;Date de naissance\nx;DUPONT;Léa;Élève;31/02/2012\n"));
    assert_eq!(reasons(&parsed.rejects), [("ligne 2", "Date de naissance", "DATE_INVALID")]);
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.records[0].birth_date, None);
}

#[test]
fn ent_reject_uai_invalid_keeps_the_account() {
    let text = "Identifiant ENT;Nom;Prénom;Profil;Établissement\nx;DUPONT;Léa;Élève;0999001A, 0999001W\n";
    let parsed = ent(&bytes(text));
    assert_eq!(reasons(&parsed.rejects), [("ligne 2", "Établissement", "UAI_INVALID")]);
    assert_eq!(parsed.rejects[0].value, "0999001A");
    assert_eq!(parsed.records[0].establishments, ["0999001W"]);
}

#[test]
fn pronote_reject_required_missing() {
    let parsed =
        pronote(&bytes("Identifiant;Catégorie;Nom;Prénom\n;Élève;DUPONT;Léa\nP2;Élève;;Léa\nP3;;DUPONT;Léa\n"));
    assert!(parsed.records.is_empty());
    assert_eq!(
        reasons(&parsed.rejects),
        [
            ("ligne 2", "Identifiant", "REQUIRED_MISSING"),
            ("ligne 3", "Nom", "REQUIRED_MISSING"),
            ("ligne 4", "Catégorie", "REQUIRED_MISSING")
        ]
    );
}

#[test]
fn pronote_reject_id_duplicate() {
    let parsed = pronote(&bytes("Identifiant;Catégorie;Nom;Prénom\nP1;Élève;DUPONT;Léa\nP1;Responsable;DUPONT;Marc\n"));
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(reasons(&parsed.rejects), [("ligne 3", "Identifiant", "ID_DUPLICATE")]);
}

#[test]
fn pronote_reject_category_unknown() {
    let parsed = pronote(&bytes("Identifiant;Catégorie;Nom;Prénom\nP1;Cantinière;DUPONT;Léa\n"));
    assert!(parsed.records.is_empty());
    assert_eq!(reasons(&parsed.rejects), [("ligne 2", "Catégorie", "CATEGORY_UNKNOWN")]);
}

#[test]
fn pronote_reject_date_invalid_keeps_the_person() {
    let parsed =
        pronote(&bytes("Identifiant;Catégorie;Nom;Prénom;Date de naissance\nP1;Élève;DUPONT;Léa;12/13/2012\n"));
    assert_eq!(reasons(&parsed.rejects), [("ligne 2", "Date de naissance", "DATE_INVALID")]);
    assert_eq!(parsed.records[0].birth_date, None);
}

#[test]
fn every_reject_reason_is_declared() {
    let ent_codes: BTreeSet<&str> = ent_directory::REJECT_REASONS.iter().map(|(c, _)| *c).collect();
    let pronote_codes: BTreeSet<&str> = pronote_ids::REJECT_REASONS.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        ent_codes,
        ["DATE_INVALID", "ID_DUPLICATE", "PROFILE_UNKNOWN", "REQUIRED_MISSING", "UAI_INVALID"].into_iter().collect()
    );
    assert_eq!(
        pronote_codes,
        ["CATEGORY_UNKNOWN", "DATE_INVALID", "ID_DUPLICATE", "REQUIRED_MISSING"].into_iter().collect()
    );
    assert!(ent_directory::REJECT_REASONS.iter().chain(pronote_ids::REJECT_REASONS).all(|(_, fr)| !fr.is_empty()));
}

// ---------------------------------------------------------- columns and mapping

#[test]
fn missing_required_columns_are_listed_in_french() {
    let input = bytes("Identifiant ENT;Nom;Classe\nx;DUPONT;3A\n");
    let err = read_as(&input, Format::EntDirectory, None, ent_directory::read_with).unwrap_err();
    assert_eq!(err.code(), "FORMAT_MISSING_COLUMNS");
    assert!(err.to_string().contains("Prénom, Profil"), "{err}");
    let err = read_as(&input, Format::PronoteIds, None, pronote_ids::read_with).unwrap_err();
    assert!(err.to_string().contains("Identifiant, Catégorie, Prénom"), "{err}");
}

#[test]
fn unrecognised_headers_are_mapped_by_the_user() {
    let input = fixture("pronote_unmapped.csv");
    assert_eq!(code(detect(&input)), "FORMAT_UNKNOWN");
    let d = csvtable::detected_as(&input, Format::PronoteIds).expect("detected");
    let header = csvtable::read_header(&input, d.encoding).expect("header");
    assert_eq!(header, ["N° utilisateur", "Population", "Nom de l'usager", "Prénom*", "Jour de naissance"]);
    // What Préau recognised alone, completed by the user.
    let mut map = ColumnMap::resolve(&pronote_ids::TABLE, &header);
    assert_eq!((map.get("category"), map.get("first_name")), (Some(1), Some(3)));
    map.columns.insert("pronote_id".into(), 0);
    map.columns.insert("last_name".into(), 2);
    map.columns.insert("birth_date".into(), 4);
    let preset = map.to_preset("Export maison", Format::PronoteIds, &header);
    let json = serde_json::to_value(&preset).expect("json");
    assert_eq!(json["table"], "pronote-ids");
    assert_eq!(json["columns"]["last_name"], "Nom de l'usager");
    let parsed = read_as(&input, Format::PronoteIds, Some(&preset), pronote_ids::read_with).expect("read");
    assert!(parsed.rejects.is_empty());
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(parsed.records[0].pronote_id, "KVX8NTH4DPQ3SYU7");
    assert_eq!(parsed.records[0].birth_date.as_deref(), Some("2012-04-02"));
    assert_eq!(parsed.records[1].category, PronoteCategory::Enseignant);

    // A preset naming a column the file lacks is a clear error.
    let other = bytes("N° utilisateur;Population;Prénom;Jour de naissance\nA;Élève;Léa;\n");
    let err = read_as(&other, Format::PronoteIds, Some(&preset), pronote_ids::read_with).unwrap_err();
    assert_eq!(err.code(), "FORMAT_MISSING_COLUMNS");
    assert!(err.to_string().contains("Nom de l'usager"), "{err}");
    // And a preset for the other table is refused.
    let err = read_as(&input, Format::EntDirectory, Some(&preset), ent_directory::read_with).unwrap_err();
    assert_eq!(err.code(), "FORMAT_MISSING_COLUMNS");
}

// ---------------------------------------------------------------- hostile input

#[test]
fn empty_blank_and_binary_files() {
    assert_eq!(code(ent_directory::read_all(&bytes(""))), "FORMAT_EMPTY");
    assert_eq!(code(pronote_ids::read_all(&Input::bytes("x.csv", vec![0, 159, 146, 150, 0, 1, 2]))), "FORMAT_BINARY");
    for blank in ["\u{feff}", "\n\n  \r\n", ";;;\n;;\n"] {
        assert_eq!(code(read_as(&bytes(blank), Format::EntDirectory, None, ent_directory::read_with)), "FORMAT_EMPTY");
    }
    let header_only = ent(&bytes("Identifiant ENT;Nom;Prénom;Profil\r\n"));
    assert!(header_only.records.is_empty() && header_only.rejects.is_empty());
    // Blank lines before the header are skipped.
    assert_eq!(pronote(&bytes("\n\nIdentifiant;Catégorie;Nom;Prénom\nP;Élève;A;B\n")).records.len(), 1);
}

#[test]
fn truncated_file_inside_quotes_does_not_panic() {
    let full = "Identifiant;Catégorie;Nom;Prénom\nP1;Élève;\"DUPONT;Léa\nP2;Élève;MARTIN;Paul\n";
    for cut in 0..full.len() {
        if let Some(part) = full.get(..cut) {
            let _ = read_as(&bytes(part), Format::PronoteIds, None, pronote_ids::read_with);
        }
    }
    // The open quote swallows the rest: one record, the rest is its name.
    let parsed = pronote(&bytes(full));
    assert_eq!(parsed.records.len(), 1);
    assert!(parsed.records[0].last_name.starts_with("DUPONT;Léa"));
}

#[test]
fn wrong_bytes_after_the_sniffed_head_are_an_encoding_error() {
    let mut data = b"Identifiant;Categorie;Nom;Prenom\n".to_vec();
    while data.len() < 40_000 {
        data.extend_from_slice(b"P0000000000000000;Eleve;DUPONT;Lea\n");
    }
    data.extend_from_slice(b"P1;Eleve;LEF\xc8VRE;\xc9lodie\n");
    let err = pronote_ids::read_all(&Input::bytes("t.csv", data)).unwrap_err();
    assert_eq!(err.code(), "FORMAT_ENCODING_INVALID");
    assert!(err.to_string().contains("UTF-8"), "{err}");
}

#[test]
fn a_two_gigabyte_line_is_refused_without_eating_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("enorme.csv");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&path).expect("create");
        f.write_all(b"Identifiant ENT;Nom;Pr\xc3\xa9nom;Profil\n").expect("write");
        // A sparse file: 2 GiB of one line without using the disk.
        f.set_len(2 << 30).expect("set_len");
    }
    let input = Input::file(&path);
    let err = read_as(&input, Format::EntDirectory, None, ent_directory::read_with).unwrap_err();
    assert_eq!(err.code(), "FORMAT_TOO_LARGE");
    assert!(err.to_string().contains("ligne"), "{err}");
}

#[test]
fn random_bytes_never_panic() {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let alphabet = b"ab;,\t\"\r\n \xc3\xa9\xe9\xff0/1";
    for round in 0..400 {
        let header: &[u8] =
            if round % 2 == 0 { b"Identifiant;Cat\xc3\xa9gorie;Nom;Pr\xc3\xa9nom;Date de naissance\n" } else { b"" };
        let len = (next() % 300) as usize;
        let mut data = header.to_vec();
        data.extend((0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]));
        let input = Input::bytes("fuzz.csv", data);
        let _ = pronote_ids::read_all(&input);
        let _ = ent_directory::read_all(&input);
        let _ = read_as(&input, Format::PronoteIds, None, pronote_ids::read_with);
    }
}

#[test]
fn cancel_and_sink_errors_stop_the_read() {
    let input = fixture("pronote_utf8.csv");
    let detected = detect(&input).expect("detected");
    let cancel = CancelToken::new();
    cancel.cancel();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let err = pronote_ids::read(&input, &detected, &mut ctl, &mut |_| Ok(())).unwrap_err();
    assert_eq!(err.code(), "FORMAT_CANCELLED");

    let cancel = CancelToken::new();
    let mut progress = NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let mut seen = 0;
    let err = pronote_ids::read(&input, &detected, &mut ctl, &mut |_| {
        seen += 1;
        Err(FormatError::Cancelled)
    })
    .unwrap_err();
    assert_eq!((err.code(), seen), ("FORMAT_CANCELLED", 1));
}

// ------------------------------------------------------- writers and the demo

#[test]
fn pronote_ids_are_stable_and_pronote_shaped() {
    let id = pronote_id("ELV000123");
    assert_eq!(id, pronote_id("ELV000123"));
    assert_eq!(id.len(), 16);
    assert!(id.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()), "{id}");
    assert_ne!(id, pronote_id("ELV000124"));
}

#[test]
fn ent_writer_looks_like_the_ent_export() {
    let data = college();
    let records = ent_directory::records_of(&data);
    let bytes = ent_directory::write(&records);
    assert!(
        bytes.starts_with(b"\xef\xbb\xbf\"Identifiant ENT\";\"Nom\";\"Nom de naissance\";\"Pr\xc3\xa9nom\";\"Profil\"")
    );
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    assert!(lines.iter().all(|l| l.ends_with('\r')), "CRLF everywhere");
    assert_eq!(lines.len(), records.len() + 1);
}

#[test]
fn round_trips_on_demo_data() {
    for data in [college(), lycee()] {
        let records = ent_directory::records_of(&data);
        assert_eq!(records.len(), data.accounts.len());
        let back = ent(&Input::bytes("a.csv", ent_directory::write(&records)));
        assert!(back.rejects.is_empty(), "{:?}", back.rejects.first());
        assert_eq!(back.records, records);

        // Kosmos-like: shuffled columns, Windows-1252, quotes only when needed.
        let kosmos = [
            "first_name",
            "classes",
            "last_name",
            "ent_id",
            "email",
            "profile",
            "children",
            "birth_date",
            "establishments",
            "ine",
            "birth_name",
            "login",
        ];
        let file = ent_directory::write_with(&records, &kosmos, CsvStyle::WINDOWS_1252);
        let input = Input::bytes("kosmos.csv", file);
        assert_eq!(detect(&input).map(|d| d.encoding.name()).ok(), Some("windows-1252"));
        assert_eq!(ent(&input).records, records);

        let users = pronote_ids::records_of(&data);
        for style in [CsvStyle::UTF8_BOM, CsvStyle::WINDOWS_1252] {
            let back = pronote(&Input::bytes("p.csv", pronote_ids::write(&users, style)));
            assert!(back.rejects.is_empty(), "{:?}", back.rejects.first());
            assert_eq!(back.records, users);
        }
    }
}

#[test]
fn demo_files_are_consistent_and_carry_the_truth() {
    for data in [college(), lycee()] {
        let uai = data.establishment.uai.to_string();
        let ent_files = ent_directory::demo_files(&data);
        let pronote_files = pronote_ids::demo_files(&data);
        let (ent_name, ent_bytes) = &ent_files.files[0];
        let (pronote_name, pronote_bytes) = &pronote_files.files[0];
        assert_eq!(ent_name, &format!("export_annuaire_ENT_{uai}.csv"));
        assert_eq!(pronote_name, &format!("identifiants_pronote_{uai}.csv"));
        let ent_input = Input::bytes(ent_name, ent_bytes.clone());
        let pronote_input = Input::bytes(pronote_name, pronote_bytes.clone());
        assert_eq!(detect(&ent_input).map(|d| d.format).ok(), Some(Format::EntDirectory));
        assert_eq!(detect(&pronote_input).map(|d| d.format).ok(), Some(Format::PronoteIds));
        let accounts = ent(&ent_input).records;
        let users = pronote(&pronote_input).records;

        // Truth: person → ENT id and Pronote id; every id is in its file.
        let mut truth: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        for (person, kind, value) in ent_files.ids.iter().chain(&pronote_files.ids) {
            truth.entry((kind.as_str(), person.as_str())).or_default().push(value.as_str());
        }
        let ent_ids: BTreeSet<&str> = accounts.iter().map(|a| a.ent_id.as_str()).collect();
        let pronote_by_id: BTreeMap<&str, &PronoteUser> = users.iter().map(|u| (u.pronote_id.as_str(), u)).collect();
        assert_eq!(pronote_by_id.len(), users.len(), "Pronote ids are unique");
        let mut linked = 0;
        for p in &data.people {
            let ent_id = truth.get(&("ent_id", p.id.as_str()));
            assert!(ent_id.is_some_and(|v| v.len() == 1 && ent_ids.contains(v[0])), "{}", p.id);
            if let Some(v) = truth.get(&("pronote_id", p.id.as_str())) {
                assert_eq!(v, &[pronote_id(&p.id).as_str()]);
                assert!(pronote_by_id.contains_key(v[0]));
                linked += 1;
            }
        }
        assert_eq!(linked, users.len());
        let pupils = data.people.iter().filter(|p| p.profile == Profile::Eleve).count();
        assert_eq!(users.iter().filter(|u| u.category == PronoteCategory::Eleve).count(), pupils);

        // Responsables' children are their children's Pronote ids.
        for u in users.iter().filter(|u| u.category == PronoteCategory::Responsable) {
            assert!(u
                .children
                .iter()
                .all(|c| pronote_by_id.get(c.as_str()).is_some_and(|k| k.category == PronoteCategory::Eleve)));
        }

        // The planted discrepancies, in realistic proportions.
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, kind, value) in &pronote_files.ids {
            if kind == "pronote_discrepancy" {
                *kinds.entry(value.as_str()).or_default() += 1;
            }
        }
        let n = users.len();
        let typos = kinds.get("faute_nom").copied().unwrap_or(0) + kinds.get("faute_prenom").copied().unwrap_or(0);
        assert!(typos * 100 >= n && typos * 100 <= 5 * n, "{typos} typos for {n}: {kinds:?}");
        for kind in ["nom_prenom_inverses", "accents_supprimes", "date_naissance_absente", "nom_de_naissance"] {
            assert!(kinds.get(kind).is_some_and(|&c| c >= 1 && c * 10 < n), "{kind}: {kinds:?}");
        }
        // A discrepancy really differs from the directory.
        let account_of: BTreeMap<&str, &DirectoryAccount> = ent_files
            .ids
            .iter()
            .filter_map(|(person, _, id)| Some((person.as_str(), accounts.iter().find(|a| &a.ent_id == id)?)))
            .collect();
        for (person, kind, value) in &pronote_files.ids {
            if kind != "pronote_discrepancy" || value == "date_naissance_absente" {
                continue;
            }
            let (Some(a), Some(u)) = (account_of.get(person.as_str()), pronote_by_id.get(pronote_id(person).as_str()))
            else {
                panic!("{person} is in both files")
            };
            assert!(
                a.last_name.to_uppercase() != u.last_name || a.first_name != u.first_name,
                "{value}: {a:?} / {u:?}"
            );
        }
    }
}
