//! The encrypted store on real files in temporary directories.

use preau_core::audit;
use preau_core::model::*;
use preau_core::secrets::DbKey;
use preau_core::store::{self, Store};
use preau_core::ErrorCode;

fn key(byte: u8) -> DbKey {
    DbKey::from_hex(&format!("{byte:02x}").repeat(32)).unwrap()
}

fn uai() -> Uai {
    Uai::from_digits("0999001").unwrap()
}

fn person(id: &str, profile: Profile, name: &str, division: Option<&str>) -> Person {
    Person {
        id: id.into(),
        profile,
        sex: Some(Sex::F),
        usage_name: name.into(),
        birth_name: name.into(),
        given_names: vec!["Élodie".into(), "Marie-Claude".into()],
        usual_given_name: 1,
        birth_date: Some("2013-04-02".into()),
        ine: Some(format!("{id}X")),
        email: None,
        mobile: Some("0600000000".into()),
        divisions: division.map(|d| vec![d.to_string()]).unwrap_or_default(),
        functions: if profile == Profile::Enseignant {
            vec![Function { code: "ENS".into(), discipline: Some("L1300".into()), label: "MATHEMATIQUES".into() }]
        } else {
            vec![]
        },
        establishments: vec![uai()],
        left: false,
    }
}

fn sample() -> EstablishmentData {
    let mut people = vec![
        person("E1", Profile::Eleve, "LEFÈVRE", Some("6A")),
        person("E2", Profile::Eleve, "DURAND--DUPONT", Some("6A")),
        person("E3", Profile::Eleve, "N'DIAYE", Some("5A")),
        person("E4", Profile::Eleve, "SANS CLASSE", None),
        person("R1", Profile::Responsable, "LEFÈVRE", None),
        person("P1", Profile::Enseignant, "MARTIN", Some("6A")),
        person("S1", Profile::NonEnseignant, "BERNARD", None),
        person("S2", Profile::PersonnelCollectivite, "PETIT", None),
    ];
    let mut gone = person("E5", Profile::Eleve, "PARTI", Some("5A"));
    gone.left = true;
    people.push(gone);
    EstablishmentData {
        establishment: Establishment {
            uai: uai(),
            name: "Collège Émile-Zola".into(),
            kind: EstablishmentKind::College,
            city: "Villeurbanne".into(),
            school_year: 2026,
        },
        levels: vec![
            Level { code: "6e".into(), mef: "10010012110".into(), label: "SIXIEME".into(), rank: 1 },
            Level { code: "5e".into(), mef: "10110001110".into(), label: "CINQUIEME".into(), rank: 2 },
            Level { code: "4e".into(), mef: "10210001110".into(), label: "QUATRIEME".into(), rank: 3 },
        ],
        divisions: vec![
            Division { code: "6A".into(), label: "6e A".into(), level: "6e".into() },
            Division { code: "5A".into(), label: "5e A".into(), level: "5e".into() },
        ],
        responsibilities: vec![Responsibility {
            responsable_id: "R1".into(),
            pupil_id: "E1".into(),
            level: ResponsibilityLevel::Legal,
            relationship: "10".into(),
        }],
        accounts: vec![Account {
            id: "ENT0001".into(),
            login: "elodie.lefevre".into(),
            person_id: Some("E1".into()),
            profile: Profile::Eleve,
            usage_name: "LEFÈVRE".into(),
            birth_name: "LEFÈVRE".into(),
            given_names: vec!["Élodie".into()],
            birth_date: Some("2013-04-02".into()),
            ine: Some("E1X".into()),
            email: None,
            classes: vec!["6A".into()],
            functions: vec![],
            establishments: vec![uai()],
            children: vec![],
        }],
        groups: vec![Group {
            id: "G1".into(),
            name: "6A GR1".into(),
            kind: GroupKind::Enseignement,
            divisions: vec!["6A".into()],
            members: vec!["E1".into(), "E2".into()],
        }],
        people,
    }
}

fn filled(dir: &std::path::Path) -> Store {
    let mut s = Store::open_or_create(dir, &uai(), &key(7), "test@cli").unwrap();
    s.replace_population(&sample(), "test@cli", "TEST_LOAD", &serde_json::json!({"n": 1})).unwrap();
    s
}

#[test]
fn round_trip_keeps_every_field() {
    let dir = tempfile::tempdir().unwrap();
    drop(filled(dir.path()));
    let s = Store::open(dir.path(), &uai(), &key(7)).unwrap();
    assert_eq!(s.load_population().unwrap(), Some(sample()));
    assert_eq!(s.establishment().unwrap().map(|e| e.name), Some("Collège Émile-Zola".into()));
}

#[test]
fn counts_follow_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let s = filled(dir.path());
    let c = s.counts().unwrap();
    assert_eq!(c.pupils, 4, "the pupil who left is not counted");
    assert_eq!(serde_json::to_string(&c.pupils_by_level).unwrap(), r#"{"6e":2,"5e":1,"4e":0,"sans_classe":1}"#);
    assert_eq!((c.responsables, c.teachers, c.staff, c.groups), (1, 1, 2, 1));
    let json = serde_json::to_value(&c).unwrap();
    for k in ["uai", "name", "pupils", "pupils_by_level", "responsables", "teachers", "staff", "groups"] {
        assert!(json.get(k).is_some(), "{k}");
    }
}

#[test]
fn file_is_encrypted_at_rest() {
    let dir = tempfile::tempdir().unwrap();
    drop(filled(dir.path()));
    let bytes = std::fs::read(store::store_path(dir.path(), &uai())).unwrap();
    assert!(bytes.len() > 4096);
    assert_ne!(&bytes[..16], b"SQLite format 3\0");
    let needle = "LEFÈVRE".as_bytes();
    assert!(!bytes.windows(needle.len()).any(|w| w == needle), "a name is readable in clear");
    // A plain SQLite connection cannot read it.
    let plain = rusqlite::Connection::open(store::store_path(dir.path(), &uai())).unwrap();
    assert!(plain.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_err());
}

#[test]
fn wrong_key_is_a_clear_error_and_nothing_is_created_or_changed() {
    let dir = tempfile::tempdir().unwrap();
    drop(filled(dir.path()));
    let path = store::store_path(dir.path(), &uai());
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(dir.path(), &uai(), &key(8)).unwrap_err();
    assert_eq!(err.code(), "STORE_WRONG_KEY");
    let err = Store::open_or_create(dir.path(), &uai(), &key(8), "test@cli").unwrap_err();
    assert_eq!(err.code(), "STORE_WRONG_KEY", "never a new empty store");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let listed = store::list_establishments(dir.path(), &key(8)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].error.as_deref(), Some("STORE_WRONG_KEY"));
    // The right key still opens it.
    assert_eq!(Store::open(dir.path(), &uai(), &key(7)).unwrap().counts().unwrap().pupils, 4);
}

#[test]
fn missing_store_is_not_created_by_open() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(Store::open(dir.path(), &uai(), &key(7)).unwrap_err().code(), "STORE_NOT_FOUND");
    assert!(!store::store_path(dir.path(), &uai()).exists());
    assert!(store::list_establishments(&dir.path().join("absent"), &key(7)).unwrap().is_empty());
}

#[test]
fn migration_from_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = store::store_path(dir.path(), &uai());
    std::fs::write(&path, b"").unwrap();
    let s = Store::open(dir.path(), &uai(), &key(7)).unwrap();
    assert_eq!(s.schema_version().unwrap(), store::SCHEMA_VERSION);
    assert_eq!(s.load_population().unwrap(), None);
    drop(s);
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.is_empty());
    assert_ne!(&bytes[..16], b"SQLite format 3\0");
}

#[test]
fn plain_sqlite_and_newer_schema_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = store::store_path(dir.path(), &uai());
    rusqlite::Connection::open(&path).unwrap().execute_batch("CREATE TABLE t(x);").unwrap();
    assert_eq!(Store::open(dir.path(), &uai(), &key(7)).unwrap_err().code(), "STORE_NOT_ENCRYPTED");
    std::fs::remove_file(&path).unwrap();
    let s = filled(dir.path());
    s.raw_connection().pragma_update(None, "user_version", 99).unwrap();
    drop(s);
    assert_eq!(Store::open(dir.path(), &uai(), &key(7)).unwrap_err().code(), "STORE_MIGRATION_NEWER");
}

#[test]
fn store_of_another_establishment_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(filled(dir.path()));
    let other = Uai::from_digits("0999002").unwrap();
    std::fs::rename(store::store_path(dir.path(), &uai()), store::store_path(dir.path(), &other)).unwrap();
    assert_eq!(Store::open(dir.path(), &other, &key(7)).unwrap_err().code(), "STORE_UAI_MISMATCH");
    let mut s = Store::open_or_create(dir.path(), &uai(), &key(7), "test@cli").unwrap();
    let mut data = sample();
    data.establishment.uai = other;
    assert_eq!(s.replace_population(&data, "t", "X", &serde_json::json!({})).unwrap_err().code(), "STORE_UAI_MISMATCH");
}

#[test]
fn failed_write_leaves_the_store_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = filled(dir.path());
    let digest = s.content_digest().unwrap();
    let audit_len = s.audit_entries(100).unwrap().len();
    let mut broken = sample();
    broken.establishment.name = "Autre nom".into();
    let dup = broken.people[0].clone();
    broken.people.push(dup); // same id twice: the insert fails half-way
    let err = s.replace_population(&broken, "t", "X", &serde_json::json!({})).unwrap_err();
    assert_eq!(err.code(), "STORE_SQL");
    assert_eq!(s.content_digest().unwrap(), digest);
    assert_eq!(s.audit_entries(100).unwrap().len(), audit_len);
    assert!(s.audit_verify().unwrap().ok);
}

#[test]
fn audit_is_chained_and_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = filled(dir.path());
    for i in 0..3 {
        s.append_audit("test@cli", "TEST", &serde_json::json!({ "i": i })).unwrap();
    }
    let entries = s.audit_entries(10).unwrap();
    assert_eq!(entries.len(), 5, "creation, load, three tests");
    assert_eq!(entries[0].seq, 5, "most recent first");
    assert_eq!(entries[4].action, "STORE_CREATED");
    assert!(s.audit_verify().unwrap().ok);
    let c = s.raw_connection();
    assert!(c.execute("UPDATE audit SET actor = 'x' WHERE seq = 2", []).is_err());
    assert!(c.execute("DELETE FROM audit WHERE seq = 5", []).is_err());
}

fn tampered(sql_text: &str) -> audit::AuditVerdict {
    let dir = tempfile::tempdir().unwrap();
    let mut s = filled(dir.path());
    for i in 0..3 {
        s.append_audit("test@cli", "TEST", &serde_json::json!({ "i": i })).unwrap();
    }
    s.raw_connection()
        .execute_batch(&format!("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; {sql_text}"))
        .unwrap();
    drop(s);
    let s = Store::open(dir.path(), &uai(), &key(7)).unwrap();
    s.audit_verify().unwrap()
}

#[test]
fn audit_verify_finds_edited_and_removed_entries() {
    let v = tampered("UPDATE audit SET detail = '{\"i\":42}' WHERE seq = 3;");
    assert_eq!((v.ok, v.first_bad.map(|b| (b.seq, b.reason))), (false, Some((3, "AUDIT_HASH_MISMATCH".into()))));
    let v = tampered("DELETE FROM audit WHERE seq = 2;");
    assert_eq!(v.first_bad.map(|b| (b.seq, b.reason)), Some((2, "AUDIT_GAP".into())));
    let v = tampered("DELETE FROM audit WHERE seq = 5;");
    assert_eq!(v.first_bad.map(|b| (b.seq, b.reason)), Some((5, "AUDIT_TAIL_MISSING".into())));
    let v = tampered("UPDATE audit SET at = '2020-01-01T00:00:00Z' WHERE seq = 1;");
    assert_eq!(v.first_bad.map(|b| b.seq), Some(1));
}

/// The backup reminder: due once a month has passed with work since the last
/// backup (or since the first work, when there was none), not otherwise.
#[test]
fn a_backup_is_due_a_month_after_with_work_since() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_or_create(dir.path(), &uai(), &key(7), "test").unwrap();
    let now = chrono::Utc::now();
    let later = now + chrono::Duration::days(31);
    assert!(!s.backup_due(now).unwrap(), "a store made today");
    assert!(s.backup_due(later).unwrap(), "never backed up, a month of work");
    s.backup(&dir.path().join("s.preau-sauvegarde"), "une phrase assez longue", "test").unwrap();
    assert!(!s.backup_due(later).unwrap(), "nothing done since the backup");
    assert!(!s.backup_due(now).unwrap());
    s.append_audit("test", "COLUMN_PRESET_SAVED", &serde_json::json!({ "name": "x" })).unwrap();
    assert!(s.backup_due(later).unwrap(), "work since, a month later");
    assert!(!s.backup_due(now).unwrap(), "work since, but the backup is recent");
    let short = s.backup(&dir.path().join("t.preau-sauvegarde"), "court", "test").unwrap_err();
    assert_eq!(short.code(), "BACKUP_WEAK_PASSPHRASE");
    assert!(!dir.path().join("t.preau-sauvegarde").exists());
}

/// Without a keychain, a passphrase protects the store (SQLCipher derives the
/// key): it opens with the same passphrase only, and a short one is refused.
#[test]
fn a_passphrase_protects_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let good = DbKey::from_passphrase("la cour du collège").unwrap();
    assert!(good.is_passphrase() && good.to_hex().is_empty(), "never written anywhere");
    assert!(DbKey::from_passphrase("court").is_none());
    Store::open_or_create(dir.path(), &uai(), &good, "test").unwrap();
    assert!(Store::open(dir.path(), &uai(), &good).is_ok());
    let wrong = Store::open(dir.path(), &uai(), &DbKey::from_passphrase("la cour du lycée").unwrap()).unwrap_err();
    assert_eq!(wrong.code(), "STORE_WRONG_KEY");
    assert_eq!(Store::open(dir.path(), &uai(), &key(3)).unwrap_err().code(), "STORE_WRONG_KEY");
    let bytes = std::fs::read(store::store_path(dir.path(), &uai())).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
}

/// A store left open (the app killed: its pages still in the write-ahead
/// log) does not open with another passphrase either.
#[test]
fn a_store_left_open_refuses_another_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let good = DbKey::from_passphrase("la cour du collège").unwrap();
    let s = Store::open_or_create(dir.path(), &uai(), &good, "test").unwrap();
    std::mem::forget(s);
    let wrong = Store::open(dir.path(), &uai(), &DbKey::from_passphrase("la cour du lycée").unwrap());
    assert_eq!(wrong.map(|_| ()).unwrap_err().code(), "STORE_WRONG_KEY");
    let wrong = Store::open(dir.path(), &uai(), &key(4));
    assert_eq!(wrong.map(|_| ()).unwrap_err().code(), "STORE_WRONG_KEY");
    assert!(Store::open(dir.path(), &uai(), &good).is_ok());
}
