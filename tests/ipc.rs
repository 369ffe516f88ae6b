//! The shell's command wiring through Tauri's mock runtime (no display):
//! argument names as the UI sends them, result shapes, error codes.

use preau_core::model::{
    Account, Division, Establishment, EstablishmentData, EstablishmentKind, Group, GroupKind, Level, Person, Profile,
    Uai,
};
use std::sync::{Arc, Mutex};

use preau_core::secrets::{DbKey, MemorySecrets, SecretError, SecretStore, DB_KEY_NAME};
use preau_core::store::{MembershipChange, NodeChange, Store};
use preau_shell::{AppState, DialogOverride};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{get_ipc_response, mock_builder, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

const DIGITS: &str = "0999001";

fn uai() -> Uai {
    Uai::from_digits(DIGITS).expect("valid digits")
}

fn person(id: &str, profile: Profile, divisions: &[&str], left: bool) -> Person {
    Person {
        id: id.into(),
        profile,
        sex: None,
        usage_name: format!("NOM{id}"),
        birth_name: format!("NOM{id}"),
        given_names: vec!["Camille".into()],
        usual_given_name: 0,
        birth_date: None,
        ine: None,
        email: None,
        mobile: None,
        divisions: divisions.iter().map(|d| d.to_string()).collect(),
        functions: Vec::new(),
        establishments: vec![uai()],
        left,
    }
}

/// A tiny collège: 4 current pupils (2 in 6e, 1 in 5e, 1 without class), one
/// who left, 2 responsables, 2 teachers, 1 staff, 1 group.
fn tiny_college() -> EstablishmentData {
    let level =
        |code: &str, rank: u32| Level { code: code.into(), mef: format!("1001{rank}"), label: code.into(), rank };
    let division = |code: &str, level: &str| Division { code: code.into(), label: code.into(), level: level.into() };
    EstablishmentData {
        establishment: Establishment {
            uai: uai(),
            name: "Collège du Préau (test)".into(),
            kind: EstablishmentKind::College,
            city: "Lyon".into(),
            school_year: 2026,
        },
        levels: vec![level("6e", 1), level("5e", 2)],
        divisions: vec![division("6A", "6e"), division("5A", "5e")],
        people: vec![
            person("E1", Profile::Eleve, &["6A"], false),
            person("E2", Profile::Eleve, &["6A"], false),
            person("E3", Profile::Eleve, &["5A"], false),
            person("E4", Profile::Eleve, &[], false),
            person("E5", Profile::Eleve, &["5A"], true),
            person("R1", Profile::Responsable, &[], false),
            person("R2", Profile::Responsable, &[], false),
            person("T1", Profile::Enseignant, &["6A"], false),
            person("T2", Profile::Enseignant, &["5A"], false),
            person("S1", Profile::NonEnseignant, &[], false),
        ],
        responsibilities: Vec::new(),
        accounts: Vec::new(),
        groups: vec![Group {
            id: "G1".into(),
            name: "Chorale".into(),
            kind: GroupKind::Libre,
            divisions: Vec::new(),
            members: vec!["E1".into(), "E3".into()],
        }],
    }
}

fn secrets_with(key: &DbKey) -> Box<MemorySecrets> {
    let s = MemorySecrets::new();
    s.set(DB_KEY_NAME, &key.to_hex()).expect("memory secrets");
    Box::new(s)
}

struct Fixture {
    dir: tempfile::TempDir,
    key: DbKey,
}

/// A data directory with the tiny collège's store in it.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = DbKey::random().expect("random key");
    let mut store = Store::open_or_create(dir.path(), &uai(), &key, "test@cli").expect("create store");
    store
        .replace_population(&tiny_college(), "test@ipc", "DEMO_GENERATED", &json!({ "uai": uai().as_str(), "seed": 0 }))
        .expect("fill store");
    Fixture { dir, key }
}

struct Shell {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

fn shell(state: AppState) -> Shell {
    shell_on(mock_builder(), state)
}

fn shell_on(builder: tauri::Builder<MockRuntime>, state: AppState) -> Shell {
    let app = preau_shell::builder(builder, state)
        .build(tauri::generate_context!("tauri.conf.json", assets = noop_assets(), test = true))
        .expect("mock app");
    let window = match app.get_webview_window("main") {
        Some(w) => w,
        None => WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("mock window"),
    };
    Shell { _app: app, window }
}

impl Shell {
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.invoke_raw(cmd, args).map(|text| serde_json::from_str(&text).expect("JSON response"))
    }

    /// The response as the webview receives it (key order included).
    fn invoke_raw(&self, cmd: &str, args: Value) -> Result<String, Value> {
        let url = if cfg!(windows) { "http://tauri.localhost" } else { "tauri://localhost" };
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: url.parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.into(),
        };
        get_ipc_response(&self.window, request).map(|body| match body {
            InvokeResponseBody::Json(text) => text,
            InvokeResponseBody::Raw(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        })
    }
}

fn error_code(result: Result<Value, Value>) -> String {
    let err = result.expect_err("an error");
    assert!(err["message"].is_string(), "error shape: {err}");
    assert!(err["params"].is_object(), "error shape: {err}");
    err["code"].as_str().unwrap_or_default().to_string()
}

#[test]
fn lists_the_establishment_and_reports_the_store_counts() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));

    let list = sh.invoke("list_establishments", json!({})).expect("list");
    assert_eq!(
        list,
        json!([{ "uai": "0999001W", "name": "Collège du Préau (test)", "kind": "college", "error": null, "fictional": false }])
    );

    let status = sh.invoke("establishment_status", json!({ "uai": "0999001W" })).expect("status");
    let truth = Store::open(f.dir.path(), &uai(), &f.key).and_then(|s| s.counts()).expect("counts");
    assert_eq!(status, serde_json::to_value(&truth).expect("counts JSON"));
    assert_eq!(status["pupils"], 4);
    assert_eq!(status["responsables"], 2);
    assert_eq!(status["teachers"], 2);
    assert_eq!(status["staff"], 1);
    assert_eq!(status["groups"], 1);
    assert_eq!(status["pupils_by_level"], json!({ "6e": 2, "5e": 1, "sans_classe": 1 }));
    // Level order reaches the webview as is (6e before 5e), then pupils without a class.
    let raw = sh.invoke_raw("establishment_status", json!({ "uai": "0999001W" })).expect("status");
    assert!(raw.contains(r#""pupils_by_level":{"6e":2,"5e":1,"sans_classe":1}"#), "{raw}");
}

#[test]
fn app_info_reports_version_and_data_dir() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let info = sh.invoke("app_info", json!({})).expect("app_info");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["data_dir"], f.dir.path().display().to_string());
    assert_eq!(info["data_dir_error"], Value::Null);
    assert_eq!(info["key_source"], "injected");
}

#[test]
fn arguments_are_named_as_the_ui_sends_them() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    // Missing or misnamed argument: Tauri refuses before the command runs.
    let missing = sh.invoke("establishment_status", json!({ "UAI": "0999001W" })).expect_err("missing uai");
    assert!(missing.to_string().contains("uai"), "{missing}");
    // `limit` is optional and honoured.
    let one = sh.invoke("audit_log", json!({ "uai": "0999001W", "limit": 1 })).expect("audit_log limit");
    assert_eq!(one.as_array().map(Vec::len), Some(1));
    let all = sh.invoke("audit_log", json!({ "uai": "0999001W" })).expect("audit_log default");
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    // Lower-case UAI from a user is accepted (the core normalises it).
    assert!(sh.invoke("establishment_status", json!({ "uai": "0999001w" })).is_ok());
}

#[test]
fn unknown_establishment_is_store_not_found() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let other = Uai::from_digits("0999002").expect("valid digits");
    let err = sh.invoke("establishment_status", json!({ "uai": other.as_str() })).expect_err("not found");
    assert_eq!(err["code"], "STORE_NOT_FOUND");
    assert_eq!(err["params"]["uai"], other.as_str());
    assert_eq!(error_code(sh.invoke("audit_log", json!({ "uai": other.as_str() }))), "STORE_NOT_FOUND");
    assert_eq!(error_code(sh.invoke("audit_verify", json!({ "uai": other.as_str() }))), "STORE_NOT_FOUND");
}

#[test]
fn malformed_uai_is_refused_with_its_code() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let err = sh.invoke("establishment_status", json!({ "uai": "0999001A" })).expect_err("bad letter");
    assert_eq!(err["code"], "UAI_CHECK_LETTER");
    assert_eq!(err["params"]["expected"], "W");
    assert_eq!(error_code(sh.invoke("audit_verify", json!({ "uai": "12345" }))), "UAI_SHAPE");
}

#[test]
fn wrong_key_is_reported_not_hidden() {
    let f = fixture();
    let other_key = DbKey::random().expect("random key");
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&other_key)));
    assert_eq!(error_code(sh.invoke("establishment_status", json!({ "uai": "0999001W" }))), "STORE_WRONG_KEY");
    // The selector still lists the store, with its error code.
    let list = sh.invoke("list_establishments", json!({})).expect("list");
    assert_eq!(list[0]["uai"], "0999001W");
    assert_eq!(list[0]["error"], "STORE_WRONG_KEY");
}

#[test]
fn audit_log_lists_entries_and_the_chain_verifies() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let entries = sh.invoke("audit_log", json!({ "uai": "0999001W", "limit": 50 })).expect("audit_log");
    let entries = entries.as_array().expect("array");
    let actions: Vec<&str> = entries.iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"STORE_CREATED"), "{actions:?}");
    assert!(actions.contains(&"DEMO_GENERATED"), "{actions:?}");
    for e in entries {
        for field in ["seq", "at", "actor", "action", "detail", "prev_hash", "hash"] {
            assert!(!e[field].is_null(), "{field} missing in {e}");
        }
    }
    let verdict = sh.invoke("audit_verify", json!({ "uai": "0999001W" })).expect("verify");
    assert_eq!(verdict["ok"], true);
    assert_eq!(verdict["entries"], entries.len());
    assert_eq!(verdict["first_bad"], Value::Null);
}

#[test]
fn empty_data_dir_lists_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = DbKey::random().expect("random key");
    let sh = shell(AppState::new(dir.path().join("absent"), secrets_with(&key)));
    assert_eq!(sh.invoke("list_establishments", json!({})).expect("list"), json!([]));
}

/// A keychain that is not there, as on a Linux session without a secret service.
struct NoKeychain;

impl SecretStore for NoKeychain {
    fn get(&self, _: &str) -> Result<Option<String>, SecretError> {
        Err(SecretError::Unavailable("pas de service de secrets".into()))
    }
    fn set(&self, _: &str, _: &str) -> Result<(), SecretError> {
        Err(SecretError::Unavailable("pas de service de secrets".into()))
    }
    fn delete(&self, _: &str) -> Result<(), SecretError> {
        Err(SecretError::Unavailable("pas de service de secrets".into()))
    }
}

#[test]
fn missing_keychain_is_an_error_the_ui_can_explain() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), Box::new(NoKeychain)));
    // The app still answers: app_info works, the store commands say why they cannot.
    assert!(sh.invoke("app_info", json!({})).is_ok());
    assert_eq!(error_code(sh.invoke("list_establishments", json!({}))), "KEYCHAIN_UNAVAILABLE");
    assert_eq!(error_code(sh.invoke("establishment_status", json!({ "uai": "0999001W" }))), "KEYCHAIN_UNAVAILABLE");
}

// ---- Imports ---------------------------------------------------------------

/// What a channel received, as the webview would (one JSON text per message).
type Received = Arc<Mutex<Vec<String>>>;

/// A shell whose channels are captured; `on_message` runs on each message
/// (with the app state, e.g. to cancel the import from the "UI").
fn shell_with_channels(state: AppState, on_message: impl Fn(&AppState) + Send + Sync + 'static) -> (Shell, Received) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let builder = mock_builder().channel_interceptor(move |webview, _, _, body| {
        if let InvokeResponseBody::Json(text) = body {
            sink.lock().expect("channel sink").push(text.clone());
        }
        on_message(&webview.state::<AppState>());
        true
    });
    (shell_on(builder, state), received)
}

/// The tiny collège's SIECLE exports (plain XML; the ZIP copies left out),
/// written by the core's own writer, in `dir`.
fn siecle_files(dir: &std::path::Path) -> Vec<String> {
    preau_core::formats::siecle::demo_files(&tiny_college())
        .files
        .into_iter()
        .filter(|(name, _)| name.ends_with(".xml"))
        .map(|(name, bytes)| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).expect("write SIECLE file");
            path.display().to_string()
        })
        .collect()
}

fn audit_len(f: &Fixture) -> usize {
    Store::open(f.dir.path(), &uai(), &f.key).and_then(|s| s.audit_entries(10_000)).expect("audit").len()
}

const CHANNEL: &str = "__CHANNEL__:7";

#[test]
fn reject_reasons_are_french_texts_per_format() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let reasons = sh.invoke("reject_reasons", json!({})).expect("reject_reasons");
    let reasons = reasons.as_array().expect("array");
    assert!(!reasons.is_empty());
    for r in reasons {
        for field in ["code", "text"] {
            assert!(r[field].as_str().is_some_and(|v| !v.is_empty()), "{field} in {r}");
        }
        assert!(r["format"].is_null() || r["format"].as_str().is_some_and(|f| !f.is_empty()), "{r}");
    }
    // The importer's own checks across records, for any format.
    assert!(reasons.iter().any(|r| r["format"].is_null() && r["code"] == "INE_DUPLICATE"));
    let text = |format: &str, code: &str| {
        reasons.iter().find(|r| r["format"] == format && r["code"] == code).map(|r| r["text"].as_str().unwrap_or(""))
    };
    // The same code says what it means in each format.
    assert!(text("siecle-eleves", "DATE_INVALID").is_some_and(|t| t.contains("date")));
    assert!(text("ent-directory", "PROFILE_UNKNOWN").is_some_and(|t| t.contains("profil")));
    assert_ne!(text("siecle-eleves", "REQUIRED_MISSING"), text("ent-directory", "REQUIRED_MISSING"));
}

#[test]
fn a_store_without_imports_has_no_history_and_no_findings() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    assert_eq!(sh.invoke("import_history", json!({ "uai": "0999001W" })).expect("history"), json!([]));
    assert_eq!(sh.invoke("findings", json!({ "uai": "0999001W" })).expect("findings"), json!([]));
    let err = sh.invoke("batch_rejects", json!({ "uai": "0999001W", "batchId": 42 })).expect_err("no batch");
    assert_eq!(err["code"], "IMPORT_BATCH_NOT_FOUND");
    assert_eq!(err["params"]["batchId"], 42);
    // Arguments are camelCase, as the UI sends them.
    let misnamed = sh.invoke("batch_rejects", json!({ "uai": "0999001W", "batch_id": 42 })).expect_err("misnamed");
    assert!(misnamed.to_string().contains("batchId"), "{misnamed}");
    assert_eq!(error_code(sh.invoke("import_history", json!({ "uai": "0999002A" }))), "UAI_CHECK_LETTER");
    let other = Uai::from_digits("0999002").expect("valid digits");
    assert_eq!(error_code(sh.invoke("findings", json!({ "uai": other.as_str() }))), "STORE_NOT_FOUND");
}

#[test]
fn import_needs_files_and_a_channel() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let args = json!({ "uai": "0999001W", "paths": [], "channel": CHANNEL });
    assert_eq!(error_code(sh.invoke("import_files", args)), "IMPORT_NO_FILES");
    let no_channel = sh.invoke("import_files", json!({ "uai": "0999001W", "paths": ["a.xml"] })).expect_err("channel");
    assert!(no_channel.to_string().contains("channel"), "{no_channel}");
    // Nothing runs, so there is nothing to cancel.
    assert_eq!(sh.invoke("cancel_import", json!({})).expect("cancel"), json!(false));
}

#[test]
fn an_unreadable_file_is_reported_and_the_store_is_unchanged() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let files = tempfile::tempdir().expect("temp dir");
    let bad = files.path().join("notes.txt");
    std::fs::write(&bad, "Liste des élèves à revoir\nrien d'autre\n").expect("write");
    let before = audit_len(&f);
    let outcome = sh
        .invoke("import_files", json!({ "uai": "0999001W", "paths": [bad.display().to_string()], "channel": CHANNEL }))
        .expect("a report, not an error");
    assert_eq!(outcome["committed"], false);
    let report = &outcome["files"][0];
    assert_eq!(report["file"], "notes.txt");
    assert!(report["error"].as_str().is_some_and(|c| c.starts_with("FORMAT_")), "{report}");
    assert!(report["message"].as_str().is_some_and(|m| m.contains("notes.txt")), "{report}");
    assert_eq!(report["applied"], false);
    assert_eq!(audit_len(&f), before, "nothing journaled");
    assert_eq!(sh.invoke("import_history", json!({ "uai": "0999001W" })).expect("history"), json!([]));
    // A missing file is a report too, with its own code.
    let gone = files.path().join("absent.xml").display().to_string();
    let outcome =
        sh.invoke("import_files", json!({ "uai": "0999001W", "paths": [gone], "channel": CHANNEL })).expect("report");
    assert_eq!(outcome["files"][0]["error"], "FORMAT_IO");
}

#[test]
fn skip_refused_imports_the_acceptable_files_without_the_refused_ones() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let files = tempfile::tempdir().expect("temp dir");
    let mut paths = siecle_files(files.path());
    let bad = files.path().join("notes.txt");
    std::fs::write(&bad, "Liste des élèves à revoir\nrien d'autre\n").expect("write");
    paths.insert(0, bad.display().to_string());
    let args = |skip: bool| json!({ "uai": "0999001W", "paths": paths, "skipRefused": skip, "channel": CHANNEL });
    let outcome = sh.invoke("import_files", args(false)).expect("report");
    assert_eq!(outcome["committed"], false, "{outcome}");
    assert_eq!(sh.invoke("import_history", json!({ "uai": "0999001W" })).expect("history"), json!([]));
    let outcome = sh.invoke("import_files", args(true)).expect("import");
    assert_eq!(outcome["committed"], true, "{outcome}");
    let reports = outcome["files"].as_array().expect("files");
    assert!(reports[0]["error"].as_str().is_some_and(|c| c.starts_with("FORMAT_")), "{outcome}");
    assert_eq!(reports[0]["applied"], false);
    assert!(reports[1..].iter().all(|r| r["applied"] == true), "{outcome}");
    let history = sh.invoke("import_history", json!({ "uai": "0999001W" })).expect("history");
    assert_eq!(history.as_array().map(Vec::len), Some(paths.len() - 1));
}

#[test]
fn siecle_files_are_imported_with_progress_then_refused_the_second_time() {
    let f = fixture();
    let (sh, received) = shell_with_channels(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)), |_| {});
    let files = tempfile::tempdir().expect("temp dir");
    let paths = siecle_files(files.path());
    assert!(!paths.is_empty());
    let outcome =
        sh.invoke("import_files", json!({ "uai": "0999001W", "paths": paths, "channel": CHANNEL })).expect("import");
    assert_eq!(outcome["committed"], true, "{outcome}");
    let reports = outcome["files"].as_array().expect("files");
    assert_eq!(reports.len(), paths.len());
    for r in reports {
        assert!(r["format"].as_str().is_some_and(|f| f.starts_with("siecle-")), "{r}");
        assert_eq!(r["applied"], true, "{r}");
        assert!(r["error"].is_null(), "{r}");
        assert!(r["batch_id"].is_i64(), "{r}");
    }
    assert!(reports.iter().any(|r| r["format"] == "siecle-eleves" && r["read"].as_u64() > Some(0)), "{outcome}");
    assert!(outcome["findings"].is_array());

    // Progress reached the channel, in the shape the UI reads.
    let messages: Vec<Value> =
        received.lock().expect("sink").iter().map(|m| serde_json::from_str(m).expect("JSON")).collect();
    let phases: Vec<&str> = messages.iter().filter_map(|m| m["phase"].as_str()).collect();
    assert!(phases.contains(&"detection") && phases.contains(&"lecture"), "{phases:?}");
    for m in &messages {
        for field in ["file_index", "file_count", "file", "phase", "done", "total"] {
            assert!(!m[field].is_null(), "{field} in {m}");
        }
    }

    // The history lists the batches; each batch's rejects can be read.
    let history = sh.invoke("import_history", json!({ "uai": "0999001W" })).expect("history");
    let batches = history.as_array().expect("batches");
    assert_eq!(batches.len(), paths.len());
    for b in batches {
        let rejects = sh.invoke("batch_rejects", json!({ "uai": "0999001W", "batchId": b["id"] })).expect("rejects");
        assert_eq!(rejects.as_array().map(Vec::len), b["rejected"].as_u64().map(|n| n as usize), "{b}");
        assert_eq!(b["file_uai"], "0999001W", "{b}");
    }
    let findings = sh.invoke("findings", json!({ "uai": "0999001W" })).expect("findings");
    assert_eq!(findings, outcome["findings"]);

    // The same file again: refused, nothing written.
    let before = audit_len(&f);
    let again = sh
        .invoke("import_files", json!({ "uai": "0999001W", "paths": [paths[0].clone()], "channel": CHANNEL }))
        .expect("report");
    assert_eq!(again["committed"], false);
    assert_eq!(again["files"][0]["error"], "IMPORT_ALREADY_IMPORTED");
    assert!(again["files"][0]["message"].as_str().is_some_and(|m| m.contains("déjà importé")), "{again}");
    assert_eq!(audit_len(&f), before);
}

#[test]
fn a_cancelled_import_writes_nothing_and_frees_the_slot() {
    let f = fixture();
    // The "UI" cancels as soon as the first progress message arrives.
    let (sh, _) = shell_with_channels(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)), |state| {
        state.cancel_import();
    });
    let files = tempfile::tempdir().expect("temp dir");
    let paths = siecle_files(files.path());
    let before = audit_len(&f);
    let err = sh
        .invoke("import_files", json!({ "uai": "0999001W", "paths": paths, "channel": CHANNEL }))
        .expect_err("cancelled");
    assert_eq!(err["code"], "IMPORT_CANCELLED");
    assert!(err["params"].is_object());
    assert_eq!(audit_len(&f), before);
    assert_eq!(sh.invoke("import_history", json!({ "uai": "0999001W" })).expect("history"), json!([]));
    // The slot is free again: the next import runs (and is cancelled the same way).
    let err = sh
        .invoke("import_files", json!({ "uai": "0999001W", "paths": paths, "channel": CHANNEL }))
        .expect_err("cancelled again");
    assert_eq!(err["code"], "IMPORT_CANCELLED");
}

#[test]
fn one_import_at_a_time() {
    let f = fixture();
    let state = AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key));
    let sh = shell(state.clone());
    let running = state.begin_import().expect("first import");
    let args = json!({ "uai": "0999001W", "paths": ["a.xml"], "channel": CHANNEL });
    assert_eq!(error_code(sh.invoke("import_files", args.clone())), "IMPORT_RUNNING");
    assert_eq!(sh.invoke("cancel_import", json!({})).expect("cancel"), json!(true));
    drop(running);
    assert_eq!(sh.invoke("cancel_import", json!({})).expect("cancel"), json!(false));
}

#[test]
fn dialogs_answer_from_the_test_override() {
    let f = fixture();
    let out = tempfile::tempdir().expect("temp dir");
    let picked = vec![out.path().join("ElevesSansAdresses.xml"), out.path().join("sts_emp_0999001W_2026.xml")];
    let state = AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key))
        .with_dialogs(DialogOverride { pick: Some(picked.clone()), save_dir: Some(out.path().to_path_buf()) });
    let sh = shell(state);
    let paths = sh.invoke("pick_import_files", json!({})).expect("pick");
    assert_eq!(paths, json!(picked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>()));

    let csv = "\u{feff}Fichier;Motif\r\nélèves.xml;date invalide\r\n";
    let saved = sh
        .invoke("save_text_file", json!({ "suggestedName": "../rejets 0999001W.csv", "contents": csv }))
        .expect("save");
    let written = out.path().join("rejets 0999001W.csv");
    assert_eq!(saved, json!(written.display().to_string()), "the name cannot climb out of the folder");
    let bytes = std::fs::read(&written).expect("written file");
    assert!(bytes.starts_with(&[0xef, 0xbb, 0xbf]), "UTF-8 BOM kept for Excel");
    assert_eq!(String::from_utf8(bytes).expect("UTF-8"), csv);

    let missing = sh.invoke("save_text_file", json!({ "suggested_name": "x.csv", "contents": "" })).expect_err("name");
    assert!(missing.to_string().contains("suggestedName"), "{missing}");
    let unwritable = AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key))
        .with_dialogs(DialogOverride { pick: None, save_dir: Some(out.path().join("absent")) });
    let sh = shell(unwritable);
    let err = sh.invoke("save_text_file", json!({ "suggestedName": "x.csv", "contents": "a" })).expect_err("no dir");
    assert_eq!(err["code"], "FILE_WRITE");
    assert!(err["params"]["path"].as_str().is_some_and(|p| p.ends_with("x.csv")));
}

/// Every code the Imports view may receive has a French text in ui/i18n/fr.json (and en.json).
#[test]
fn import_codes_are_translated() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui").join("i18n");
    for lang in ["fr", "en"] {
        let text = std::fs::read_to_string(root.join(format!("{lang}.json"))).expect("i18n file");
        let messages: Value = serde_json::from_str(&text).expect("i18n JSON");
        for (code, _) in preau_core::import::FINDING_CODES {
            assert!(messages["findingCodes"][code].is_string(), "{lang}: findingCodes.{code}");
        }
        for format in preau_core::formats::Format::ALL {
            assert!(messages["formats"][format.as_str()].is_string(), "{lang}: formats.{}", format.as_str());
        }
        for code in [
            "IMPORT_CANCELLED",
            "IMPORT_RUNNING",
            "IMPORT_NO_FILES",
            "IMPORT_BATCH_NOT_FOUND",
            "IMPORT_ALREADY_IMPORTED",
            "IMPORT_WRONG_UAI",
            "IMPORT_WRONG_YEAR",
            "IMPORT_SAME_FILE_TWICE",
            "IMPORT_SAME_DATA_TWICE",
            "IMPORT_NO_UAI",
            "IMPORT_BAD_YEAR",
            "FILE_WRITE",
            "FORMAT_IO",
            "FORMAT_EMPTY",
            "FORMAT_BINARY",
            "FORMAT_UNKNOWN",
            "FORMAT_XML_MALFORMED",
            "FORMAT_XML_TRUNCATED",
            "FORMAT_XML_TOO_DEEP",
            "FORMAT_TOO_LARGE",
            "FORMAT_XML_ENTITIES",
            "FORMAT_ENCODING_UNSUPPORTED",
            "FORMAT_ENCODING_INVALID",
            "FORMAT_ZIP",
            "FORMAT_ZIP_NOTHING_USABLE",
            "FORMAT_MISSING_ELEMENT",
            "FORMAT_MISSING_COLUMNS",
            "FORMAT_EDT_ENCRYPTED",
            "IMPORT_PRESET_DOES_NOT_FIT",
            "MAPPING_NOT_A_TABLE",
            "MAPPING_TABLE_UNKNOWN",
            "MAPPING_NAME_EMPTY",
            "MAPPING_HEADER_EMPTY",
            "MAPPING_COLUMN_TWICE",
            "MAPPING_REQUIRED_MISSING",
            "PRESET_UNKNOWN_FIELD",
            "PRESET_WRONG_TABLE",
        ] {
            assert!(messages["errors"][code].is_string(), "{lang}: errors.{code}");
        }
        let sh_codes: Vec<String> = {
            let f = fixture();
            let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
            let reasons = sh.invoke("reject_reasons", json!({})).expect("reasons");
            reasons.as_array().expect("array").iter().filter_map(|r| r["code"].as_str().map(str::to_string)).collect()
        };
        for code in sh_codes {
            assert!(messages["rejectReasons"][&code].is_string(), "{lang}: rejectReasons.{code}");
        }
    }
}

#[test]
fn files_of_another_establishment_or_year_are_refused() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let write = |dir: &std::path::Path, data: &EstablishmentData| -> String {
        let (name, bytes) = preau_core::formats::siecle::demo_files(data)
            .files
            .into_iter()
            .find(|(name, _)| name == "Structures.xml")
            .expect("a structures file");
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        path.display().to_string()
    };
    let before = audit_len(&f);

    let other_school = tempfile::tempdir().expect("temp dir");
    let mut data = tiny_college();
    data.establishment.uai = Uai::from_digits("0999002").expect("valid digits");
    let path = write(other_school.path(), &data);
    let outcome =
        sh.invoke("import_files", json!({ "uai": "0999001W", "paths": [path], "channel": CHANNEL })).expect("report");
    assert_eq!(outcome["committed"], false);
    assert_eq!(outcome["files"][0]["error"], "IMPORT_WRONG_UAI", "{outcome}");
    assert!(outcome["files"][0]["message"].as_str().is_some_and(|m| m.contains("0999002")), "{outcome}");

    let last_year = tempfile::tempdir().expect("temp dir");
    let mut data = tiny_college();
    data.establishment.school_year = 2025;
    let path = write(last_year.path(), &data);
    let outcome =
        sh.invoke("import_files", json!({ "uai": "0999001W", "paths": [path], "channel": CHANNEL })).expect("report");
    assert_eq!(outcome["files"][0]["error"], "IMPORT_WRONG_YEAR", "{outcome}");
    assert!(outcome["files"][0]["message"].as_str().is_some_and(|m| m.contains("2025-2026")), "{outcome}");

    assert_eq!(audit_len(&f), before, "nothing journaled");
    assert_eq!(sh.invoke("import_history", json!({ "uai": "0999001W" })).expect("history"), json!([]));
}

// ---- Column mapping and new establishments ---------------------------------

/// Pronote identifiers whose headers Préau does not recognise:
/// `N° utilisateur;Population;Nom de l'usager;Prénom*;Jour de naissance`.
fn unmapped_fixture() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/core/tests/fixtures/csv/pronote_unmapped.csv")
}

/// The mapping a user makes for the unmapped fixture, as the UI sends it.
fn unmapped_preset(name: &str) -> Value {
    json!({
        "name": name,
        "table": "pronote-ids",
        "columns": {
            "pronote_id": "N° utilisateur",
            "category": "Population",
            "last_name": "Nom de l'usager",
            "first_name": "Prénom*",
            "birth_date": "Jour de naissance",
        },
    })
}

#[test]
fn the_mapping_proposal_gives_the_header_and_the_guesses() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let path = unmapped_fixture().display().to_string();
    let proposal = sh.invoke("csv_mapping_proposal", json!({ "path": path })).expect("proposal");
    assert_eq!(proposal["file"], "pronote_unmapped.csv");
    assert_eq!(
        proposal["header"],
        json!(["N° utilisateur", "Population", "Nom de l'usager", "Prénom*", "Jour de naissance"])
    );
    assert!(proposal["encoding"].as_str().is_some_and(|e| !e.is_empty()), "{proposal}");
    let tables = proposal["tables"].as_array().expect("tables");
    let formats: Vec<&str> = tables.iter().filter_map(|t| t["format"].as_str()).collect();
    assert_eq!(formats, ["ent-directory", "pronote-ids"]);
    let pronote = &tables[1];
    let found = |t: &Value| t["required_found"].as_u64().unwrap_or(0);
    assert!(found(pronote) > found(&tables[0]), "Pronote is the better guess: {proposal}");
    let field =
        |name: &str| pronote["fields"].as_array().and_then(|fs| fs.iter().find(|f| f["field"] == name)).cloned();
    let category = field("category").expect("category field");
    assert_eq!(category["guess"], 1, "« Population » is a known alias");
    assert_eq!(category["label"], "Catégorie");
    assert_eq!(category["required"], true);
    assert_eq!(field("pronote_id").expect("id field")["guess"], Value::Null);
    assert_eq!(field("birth_date").expect("birth date field")["required"], false);

    // No mapping step for what is no table, nor for a file that is not there.
    let files = tempfile::tempdir().expect("temp dir");
    let xml = files.path().join("inconnu.xml");
    std::fs::write(&xml, "<?xml version=\"1.0\"?>\n<Racine><a/></Racine>\n").expect("write");
    let err = sh.invoke("csv_mapping_proposal", json!({ "path": xml.display().to_string() })).expect_err("XML");
    assert_eq!(err["code"], "MAPPING_NOT_A_TABLE");
    assert_eq!(err["params"]["file"], "inconnu.xml");
    let gone = files.path().join("absent.csv").display().to_string();
    assert_eq!(error_code(sh.invoke("csv_mapping_proposal", json!({ "path": gone }))), "FORMAT_IO");
}

#[test]
fn column_presets_are_checked_saved_and_listed() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    assert_eq!(sh.invoke("column_presets", json!({ "uai": "0999001W" })).expect("presets"), json!([]));
    let save = |preset: Value| sh.invoke("save_column_preset", json!({ "uai": "0999001W", "preset": preset }));

    let mut incomplete = unmapped_preset("Secrétariat");
    incomplete["columns"].as_object_mut().map(|c| c.remove("last_name"));
    let err = save(incomplete).expect_err("a required column left out");
    assert_eq!(err["code"], "MAPPING_REQUIRED_MISSING");
    assert_eq!(err["params"]["fields"], "Nom");
    let mut twice = unmapped_preset("Secrétariat");
    twice["columns"]["birth_date"] = json!("Population");
    assert_eq!(error_code(save(twice)), "MAPPING_COLUMN_TWICE");
    assert_eq!(error_code(save(unmapped_preset("   "))), "MAPPING_NAME_EMPTY");
    let mut unknown = unmapped_preset("Secrétariat");
    unknown["columns"]["shoe_size"] = json!("Pointure");
    assert_eq!(error_code(save(unknown)), "PRESET_UNKNOWN_FIELD");
    let mut not_a_table = unmapped_preset("Secrétariat");
    not_a_table["table"] = json!("siecle-eleves");
    assert_eq!(error_code(save(not_a_table)), "MAPPING_TABLE_UNKNOWN");
    assert_eq!(sh.invoke("column_presets", json!({ "uai": "0999001W" })).expect("presets"), json!([]));

    let before = audit_len(&f);
    let list = save(unmapped_preset("  Export du secrétariat ")).expect("saved");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["name"], "Export du secrétariat", "name trimmed");
    assert_eq!(list[0]["format"], "pronote-ids");
    // The columns in the table's order, with their French names.
    assert_eq!(
        list[0]["columns"],
        json!([
            { "field": "pronote_id", "label": "Identifiant", "header": "N° utilisateur" },
            { "field": "category", "label": "Catégorie", "header": "Population" },
            { "field": "last_name", "label": "Nom", "header": "Nom de l'usager" },
            { "field": "first_name", "label": "Prénom", "header": "Prénom*" },
            { "field": "birth_date", "label": "Date de naissance", "header": "Jour de naissance" },
        ])
    );
    assert!(list[0]["saved_at"].as_str().is_some_and(|d| d.starts_with("20")), "{list}");
    assert_eq!(sh.invoke("column_presets", json!({ "uai": "0999001W" })).expect("presets"), list);
    assert_eq!(audit_len(&f), before + 1, "saving a preset is journaled");
    // The same name again replaces it.
    let mut fewer = unmapped_preset("Export du secrétariat");
    fewer["columns"].as_object_mut().map(|c| c.remove("birth_date"));
    let list = save(fewer).expect("replaced");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert!(list[0]["columns"]
        .as_array()
        .is_some_and(|c| c.len() == 4 && c.iter().all(|c| c["field"] != "birth_date")));
    // Arguments are named as the UI sends them.
    let misnamed = sh.invoke("save_column_preset", json!({ "uai": "0999001W", "columns": {} })).expect_err("misnamed");
    assert!(misnamed.to_string().contains("preset"), "{misnamed}");
}

#[test]
fn a_preset_reads_an_unrecognised_table_and_once_saved_applies_by_itself() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let path = unmapped_fixture().display().to_string();
    let import = |paths: Value, presets: Option<Value>| {
        let mut args = json!({ "uai": "0999001W", "paths": paths, "channel": CHANNEL });
        if let Some(p) = presets {
            args["presets"] = p;
        }
        sh.invoke("import_files", args).expect("a report")
    };

    // Without a preset (the existing callers): not recognised, nothing written.
    let outcome = import(json!([path]), None);
    assert_eq!(outcome["committed"], false);
    assert_eq!(outcome["files"][0]["error"], "FORMAT_UNKNOWN");
    assert!(outcome["files"][0].get("preset").is_none(), "{outcome}");
    // A preset naming a column the file does not have is refused, for that file.
    let mut wrong = unmapped_preset("Autre export");
    wrong["columns"]["last_name"] = json!("Nom de famille");
    let outcome = import(json!([path]), Some(json!({ path.clone(): wrong })));
    assert_eq!(outcome["files"][0]["error"], "IMPORT_PRESET_DOES_NOT_FIT");
    assert!(outcome["files"][0]["message"].as_str().is_some_and(|m| m.contains("Autre export")), "{outcome}");
    // A null map is no map.
    assert_eq!(import(json!([path]), Some(Value::Null))["files"][0]["error"], "FORMAT_UNKNOWN");

    // With the user's mapping: read as Pronote identifiers.
    let preset = unmapped_preset("Export du secrétariat");
    let outcome = import(json!([path]), Some(json!({ path.clone(): preset })));
    assert_eq!(outcome["committed"], true, "{outcome}");
    let report = &outcome["files"][0];
    assert_eq!(report["format"], "pronote-ids");
    assert_eq!(report["preset"], "Export du secrétariat");
    assert_eq!(report["read"], 2, "{report}");
    assert_eq!(report["rejected"], 0, "{report}");
    let history = sh.invoke("import_history", json!({ "uai": "0999001W" })).expect("history");
    assert_eq!(history[0]["format"], "pronote-ids");

    // Saved, the preset reads next year's file (same header, columns moved) by itself.
    sh.invoke("save_column_preset", json!({ "uai": "0999001W", "preset": preset })).expect("saved");
    let files = tempfile::tempdir().expect("temp dir");
    let next = files.path().join("pronote_2027.csv");
    std::fs::write(
        &next,
        "Population;N° utilisateur;Nom de l'usager;Prénom*;Jour de naissance\r\n\
         Élève;ZZZ8NTH4DPQ3SYU7;MARTIN;Léa;05/06/2013\r\n",
    )
    .expect("write");
    let outcome = import(json!([next.display().to_string()]), None);
    assert_eq!(outcome["committed"], true, "{outcome}");
    assert_eq!(outcome["files"][0]["preset"], "Export du secrétariat");
    assert_eq!(outcome["files"][0]["format"], "pronote-ids");
    assert_eq!(outcome["files"][0]["read"], 1);
}

#[test]
fn a_new_establishment_is_created_from_its_uai() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = DbKey::random().expect("random key");
    let data = dir.path().join("données");
    let sh = shell(AppState::new(data.clone(), secrets_with(&key)));

    let err = sh.invoke("create_establishment", json!({ "uai": "0999001A" })).expect_err("bad letter");
    assert_eq!(err["code"], "UAI_CHECK_LETTER");
    assert_eq!(err["params"]["value"], "0999001A");
    assert_eq!(error_code(sh.invoke("create_establishment", json!({ "uai": "99901W" }))), "UAI_SHAPE");
    assert_eq!(sh.invoke("list_establishments", json!({})).expect("list"), json!([]), "nothing created");

    let created = sh.invoke("create_establishment", json!({ "uai": " 0999001w " })).expect("created");
    assert_eq!(created, json!({ "uai": "0999001W", "created": true }));
    assert_eq!(
        sh.invoke("list_establishments", json!({})).expect("list"),
        json!([{ "uai": "0999001W", "name": null, "kind": null, "error": null, "fictional": false }])
    );
    let status = sh.invoke("establishment_status", json!({ "uai": "0999001W" })).expect("status");
    assert_eq!(status["name"], "");
    assert_eq!(status["pupils"], 0);
    assert_eq!(sh.invoke("import_history", json!({ "uai": "0999001W" })).expect("history"), json!([]));
    let journal = sh.invoke("audit_log", json!({ "uai": "0999001W" })).expect("journal");
    assert_eq!(journal[0]["action"], "STORE_CREATED");
    // Asking again opens the same store, untouched.
    let again = sh.invoke("create_establishment", json!({ "uai": "0999001W" })).expect("again");
    assert_eq!(again, json!({ "uai": "0999001W", "created": false }));
    assert_eq!(sh.invoke("audit_log", json!({ "uai": "0999001W" })).expect("journal"), journal);
    // An establishment created in the app can be imported into at once.
    let path = unmapped_fixture().display().to_string();
    let args = json!({
        "uai": "0999001W",
        "paths": [path.clone()],
        "presets": { path: unmapped_preset("Secrétariat") },
        "channel": CHANNEL,
    });
    assert_eq!(sh.invoke("import_files", args).expect("import")["committed"], true);
}

/// A store with some of the demo collège's files imported (`{uai}` in a name stands for the UAI).
fn store_with_demo_files(names: &[&str]) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = DbKey::random().expect("random key");
    let data = preau_core::demo::generate(&uai(), EstablishmentKind::College, 4);
    let files = dir.path().join("files");
    preau_core::demo::write_demo_files(&data, &files).expect("demo files");
    let mut store = Store::open_or_create(dir.path(), &uai(), &key, "test@cli").expect("create store");
    let inputs: Vec<_> = names
        .iter()
        .map(|n| preau_core::formats::source::Input::file(files.join(n.replace("{uai}", uai().as_str()))))
        .collect();
    let cancel = preau_core::progress::CancelToken::new();
    let outcome =
        preau_core::import::import_files(&mut store, &inputs, "test@cli", &cancel, &mut |_| {}).expect("import");
    assert!(outcome.committed);
    Fixture { dir, key }
}

/// A store with the demo collège's Pronote identifiers and ENT directory imported.
fn matching_fixture() -> Fixture {
    store_with_demo_files(&["identifiants_pronote_{uai}.csv", "export_annuaire_ENT_{uai}.csv"])
}

#[test]
fn opening_the_matching_wizard_journals_a_session_only_when_it_opens() {
    let bare = fixture();
    let sh = shell(AppState::new(bare.dir.path().to_path_buf(), secrets_with(&bare.key)));
    let u = uai().as_str().to_string();
    let before = audit_len(&bare);
    for source in ["pronote", "edt", "sconet"] {
        assert!(sh.invoke("match_open", json!({ "uai": u, "source": source })).is_err(), "{source}: nothing to open");
    }
    assert_eq!(audit_len(&bare), before, "a wizard that did not open journals nothing");
    let store = Store::open(bare.dir.path(), &uai(), &bare.key).expect("store");
    for source in ["pronote", "edt", "sconet"] {
        assert!(store.open_match_session(source).expect("sessions").is_none(), "{source}: no session left behind");
    }
    drop(store);

    // Once the files are there, opening starts one session, journaled once; opening again resumes it.
    let f = matching_fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let before = audit_len(&f);
    sh.invoke("match_open", json!({ "uai": u, "source": "pronote" })).expect("opened");
    assert_eq!(audit_len(&f), before + 1);
    let again = sh.invoke("match_open", json!({ "uai": u, "source": "pronote" })).expect("resumed");
    assert_eq!((again["resumed"].as_bool(), audit_len(&f)), (Some(true), before + 1));
}

#[test]
fn matching_wizard_commands() {
    // Without the files imported, a code the UI can explain.
    let bare = fixture();
    let sh = shell(AppState::new(bare.dir.path().to_path_buf(), secrets_with(&bare.key)));
    assert_eq!(
        error_code(sh.invoke("match_open", json!({ "uai": uai().as_str(), "source": "pronote" }))),
        "MATCH_NO_SOURCE"
    );

    let f = matching_fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let u = uai().as_str().to_string();
    assert_eq!(error_code(sh.invoke("match_open", json!({ "uai": u, "source": "sconet" }))), "MATCH_SOURCE");
    let overview = sh.invoke("match_open", json!({ "uai": u, "source": "pronote" })).expect("overview");
    assert_eq!(overview["resumed"], json!(false));
    let steps = overview["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 6, "Pronote's six steps");
    assert_eq!(steps[2]["category"], json!("responsable"));
    let step =
        sh.invoke("match_step", json!({ "uai": u, "source": "pronote", "category": "responsable" })).expect("step");
    let review = step["review"].as_array().expect("review");
    let next = step["next"].as_u64().expect("something to review") as usize;
    let item = &review[next];
    let source_id = item["source_id"].as_str().expect("id").to_string();
    let decided = sh
        .invoke(
            "match_decide",
            json!({ "uai": u, "source": "pronote", "sourceId": source_id, "decision": { "kind": "pick", "n": 1 } }),
        )
        .expect("decided");
    assert_eq!(decided["item"]["choice"]["state"], json!("linked"));
    assert_eq!(decided["item"]["choice"]["manual"], json!(true));
    assert_eq!(
        error_code(sh.invoke(
            "match_decide",
            json!({ "uai": u, "source": "pronote", "sourceId": source_id, "decision": { "kind": "pick", "n": 9 } }),
        )),
        "MATCH_NO_CANDIDATE"
    );
    // Resumed: the same session, one decision in it; then undo.
    let again = sh.invoke("match_open", json!({ "uai": u, "source": "pronote" })).expect("overview");
    assert_eq!(again["resumed"], json!(true));
    assert_eq!(again["session"], overview["session"]);
    assert_eq!(again["decisions"], json!(1));
    let undone = sh.invoke("match_undo", json!({ "uai": u, "source": "pronote" })).expect("undo");
    assert_eq!(undone, json!(source_id));
    let name = item["last_name"].as_str().expect("name");
    let found = sh
        .invoke("match_search", json!({ "uai": u, "source": "pronote", "text": name, "all": false }))
        .expect("search");
    assert!(!found.as_array().expect("list").is_empty(), "{name} is in the directory");
    let preview = sh.invoke("match_preview", json!({ "uai": u, "source": "pronote" })).expect("preview");
    assert_eq!(preview["manual"], json!(0), "the undone link is not written");
    assert!(preview["auto"].as_u64().expect("auto") > 0);
    // The dry run names people, not ids: every row has the record's and the account's names.
    let rows = preview["rows"].as_array().expect("rows");
    assert_eq!(rows.len() as u64, preview["auto"].as_u64().expect("auto"));
    for row in rows {
        assert!(!row["last_name"].as_str().unwrap_or("").is_empty(), "{row}");
        assert!(!row["account"]["last_name"].as_str().unwrap_or("").is_empty(), "{row}");
        assert_eq!(row["manual"], json!(false));
    }
    assert!(preview.get("links").is_none(), "no raw ids are sent for display");
    let csv = sh.invoke("match_export", json!({ "uai": u, "source": "pronote" })).expect("csv");
    assert!(csv.as_str().expect("text").starts_with("\u{feff}Identifiant source;Identifiant ENT;"));
    let applied = sh.invoke("match_apply", json!({ "uai": u, "source": "pronote" })).expect("apply");
    assert_eq!(applied["auto"], preview["auto"]);
    let store = Store::open(f.dir.path(), &uai(), &f.key).expect("store");
    assert_eq!(store.account_links("pronote").expect("links").len() as u64, applied["auto"].as_u64().expect("n"));
    assert_eq!(applied["queued"], applied["auto"], "each new link is queued for the ENT");
    assert_eq!(store.outbox().expect("outbox").len() as u64, applied["auto"].as_u64().expect("n"));
}

/// Records of a step still waiting for the administrator.
fn waiting(step: &Value) -> bool {
    let n = |k: &str| step["counts"][k].as_u64().unwrap_or(0);
    n("review") + n("none") > n("decided")
}

#[test]
fn matching_wizard_opens_where_records_wait() {
    let f = matching_fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let u = uai().as_str().to_string();
    let open = || sh.invoke("match_open", json!({ "uai": u, "source": "pronote" })).expect("overview");
    let overview = open();
    let steps = overview["steps"].as_array().expect("steps").clone();
    let first = steps.iter().find(|s| waiting(s)).expect("records to review");
    assert_eq!(overview["first_step"], first["category"]);
    // Every record of that step decided: the wizard then opens on the next step with work,
    // not on the first step that has records.
    let category = first["category"].as_str().expect("category").to_string();
    let step = sh.invoke("match_step", json!({ "uai": u, "source": "pronote", "category": category })).expect("step");
    for item in step["review"].as_array().expect("review") {
        sh.invoke(
            "match_decide",
            json!({ "uai": u, "source": "pronote", "sourceId": item["source_id"], "decision": { "kind": "none" } }),
        )
        .expect("decided");
    }
    let overview = open();
    let steps = overview["steps"].as_array().expect("steps");
    let settled = steps.iter().position(|s| s["category"] == json!(category)).expect("the step");
    assert!(!waiting(&steps[settled]), "{}", steps[settled]);
    assert!(steps[..settled].iter().all(|s| !waiting(s)));
    let next = steps.iter().find(|s| waiting(s)).expect("more records to review");
    assert!(steps[0]["counts"]["records"].as_u64().unwrap_or(0) > 0, "the first step has records");
    assert_ne!(next["category"], steps[0]["category"]);
    assert_eq!(overview["first_step"], next["category"]);
}

#[test]
fn edt_wizard_has_a_classes_and_groups_step() {
    let f = store_with_demo_files(&["Edt_To_TESTENT_{uai}_Enclair.xml", "export_annuaire_ENT_{uai}.csv"]);
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let u = uai().as_str().to_string();
    let overview = sh.invoke("match_open", json!({ "uai": u, "source": "edt" })).expect("overview");
    let steps: Vec<&str> =
        overview["steps"].as_array().expect("steps").iter().map(|s| s["category"].as_str().unwrap_or("")).collect();
    assert_eq!(steps, ["enseignant", "eleve", "classe_groupe"]);
    let classes = &overview["steps"][2]["counts"];
    assert!(classes["auto"].as_u64().expect("auto") > 0, "classes named alike are linked: {classes}");
}

#[test]
fn qui_voit_qui_previews_then_applies_through_ipc() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let u = uai().as_str().to_string();
    let grid = sh.invoke("visibility_grid", json!({ "uai": u })).expect("grid");
    assert_eq!(grid["cells"].as_array().map(Vec::len), Some(6 * 23));
    assert_eq!(grid["pending"], 0);
    let preview = sh
        .invoke(
            "visibility_preview",
            json!({ "uai": u, "profile": "Parent", "node": "Mon établissement/Vie scolaire", "visible": false }),
        )
        .expect("preview");
    assert_eq!(preview["changes"].as_array().map(Vec::len), Some(1));
    let codes: Vec<&str> = preview["warnings"].as_array().unwrap().iter().filter_map(|w| w["code"].as_str()).collect();
    assert_eq!(codes, vec!["HIDES_SUBTREE", "PARENTS_LOSE_CPE"]);
    assert_eq!(sh.invoke("visibility_grid", json!({ "uai": u })).unwrap()["pending"], 0, "a preview queues nothing");
    let queued = sh
        .invoke("visibility_apply", json!({ "uai": u, "changes": preview["changes"], "origin": "test" }))
        .expect("apply");
    assert_eq!(queued, 1);
    let grid = sh.invoke("visibility_grid", json!({ "uai": u })).unwrap();
    assert_eq!(grid["pending"], 1);
    let cpe = grid["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["profile"] == "Parent" && c["node"] == "Mon établissement/Vie scolaire/CPE")
        .unwrap()
        .clone();
    assert_eq!(
        (cpe["visible"].as_bool(), cpe["hidden_by"].as_str()),
        (Some(false), Some("Mon établissement/Vie scolaire"))
    );
    let bad = sh.invoke(
        "visibility_preview",
        json!({ "uai": u, "profile": "Directeur", "node": "Ma classe", "visible": false }),
    );
    assert_eq!(error_code(bad), "VISIBILITY_PROFILE");
    let sim = sh.invoke("visibility_simulate", json!({ "uai": u, "user": "E1", "to": "T1" })).expect("simulate");
    assert_eq!(sim["verdict"]["can"], true, "{sim}");
    assert_eq!(error_code(sh.invoke("visibility_simulate", json!({ "uai": u, "user": "NOBODY" }))), "UNKNOWN_PERSON");
}

#[test]
fn groups_are_created_counted_and_refused_through_ipc() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let u = uai().as_str().to_string();
    let count = sh.invoke("group_rule_count", json!({ "uai": u, "rule": "profil:eleve et niveau:6e" })).expect("count");
    assert_eq!(count["count"], 2);
    let bad = sh.invoke("group_rule_count", json!({ "uai": u, "rule": "profil:eleve et" }));
    let err = bad.clone().expect_err("unreadable");
    assert_eq!((err["code"].as_str(), err["params"]["position"].as_u64()), (Some("GROUP_RULE"), Some(16)));
    let id = sh
        .invoke(
            "group_create",
            json!({ "uai": u, "group": { "template": null, "name": "Sixièmes", "rule": "profil:eleve et niveau:6e" } }),
        )
        .expect("create");
    let detail = sh.invoke("group_detail", json!({ "uai": u, "id": id })).expect("detail");
    assert_eq!((detail["members"].as_u64(), detail["auto"].as_u64()), (Some(2), Some(2)));
    let picked = sh
        .invoke("group_people", json!({ "uai": u, "filters": { "profile": "enseignant", "class": "5A" } }))
        .expect("people");
    assert_eq!(picked.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect::<Vec<_>>(), vec!["T2"]);
    let added = sh.invoke("group_add", json!({ "uai": u, "id": id, "people": ["T2"] })).expect("add");
    assert_eq!(added["added"], 1);
    let overview = sh.invoke("groups_overview", json!({ "uai": u })).expect("overview");
    assert_eq!(overview["groups"][0]["manual"], 1);
    let gar =
        sh.invoke("group_create", json!({ "uai": u, "group": { "template": "gar", "name": "GAR" } })).expect("gar");
    assert_eq!(error_code(sh.invoke("group_delete", json!({ "uai": u, "id": gar }))), "GROUP_LOCKED");
    assert_eq!(
        error_code(sh.invoke("group_create", json!({ "uai": u, "group": { "name": "Sixièmes" } }))),
        "GROUP_NAME"
    );
    let csv = "identifiant\nE3\nNOBODY\n".as_bytes().to_vec();
    let r = sh.invoke("group_add_csv", json!({ "uai": u, "id": id, "bytes": csv, "name": "liste.csv" })).expect("csv");
    assert_eq!((r["added"].as_u64(), r["problems"][0]["line"].as_u64()), (Some(1), Some(3)));
}

#[test]
fn the_rentree_checklist_answers_for_a_date_through_ipc() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let u = uai().as_str().to_string();
    let c = sh.invoke("rentree_checklist", json!({ "uai": u, "date": "2026-08-20" })).expect("checklist");
    assert_eq!((c["period"].as_str(), c["total"].as_u64()), (Some("aout"), Some(12)));
    let embargo = c["steps"].as_array().unwrap().iter().find(|s| s["step"] == "BLOCAGE_ACCES").unwrap().clone();
    assert_eq!((embargo["status"].as_str(), embargo["current"].as_bool()), (Some("a_faire"), Some(true)));
    // Every drill-down list comes readable: titled columns, rows of text as wide as the titles.
    for step in c["steps"].as_array().unwrap() {
        for check in step["checks"].as_array().unwrap() {
            assert!(check.get("items").is_none(), "no raw items: {check}");
            let columns = check["list"]["columns"].as_array().expect("columns");
            assert!(!columns.is_empty() && columns.iter().all(Value::is_string), "{check}");
            for row in check["list"]["rows"].as_array().expect("rows") {
                let row = row.as_array().expect("row");
                assert!(row.len() == columns.len() && row.iter().all(Value::is_string), "{check}");
            }
        }
    }
    // Created today: August's steps were due before Préau followed this rentrée, so none is late in December.
    let december = sh.invoke("rentree_checklist", json!({ "uai": u, "date": "2026-12-07" })).unwrap();
    let created = chrono::Local::now().date_naive();
    if created > chrono::NaiveDate::from_ymd_opt(2026, 9, 20).unwrap() {
        assert!(december["steps"].as_array().unwrap().iter().all(|s| s["late"] == false), "{december}");
    }
    let settings = json!({ "embargo_pupils": "2026-09-01", "embargo_parents": "2026-09-02", "pronote_version": null, "end_of_year": null, "no_pronote": true, "followed_since": "2026-07-01" });
    sh.invoke("rentree_set_settings", json!({ "uai": u, "settings": settings })).expect("settings");
    sh.invoke("rentree_set_step", json!({ "uai": u, "step": "ARCHIVAGE", "status": "fait", "note": "vu" }))
        .expect("step");
    let c = sh.invoke("rentree_checklist", json!({ "uai": u, "date": "2026-08-20" })).unwrap();
    let step = |code: &str| c["steps"].as_array().unwrap().iter().find(|s| s["step"] == code).unwrap().clone();
    assert_eq!(step("BLOCAGE_ACCES")["status"], "fait");
    assert_eq!(step("IDENTIFIANTS_PRONOTE")["status"], "sans_objet");
    assert_eq!((step("ARCHIVAGE")["status"].as_str(), step("ARCHIVAGE")["note"].as_str()), (Some("fait"), Some("vu")));
    assert_eq!(c["settings"]["followed_since"], "2026-07-01");
    let december = sh.invoke("rentree_checklist", json!({ "uai": u, "date": "2026-12-07" })).unwrap();
    let late =
        |code: &str| december["steps"].as_array().unwrap().iter().find(|s| s["step"] == code).unwrap()["late"].clone();
    assert_eq!(late("SIECLE_VERIFIE"), true, "followed since July: July's step is late in December");
    let bad = json!({ "embargo_pupils": "01/09/2026", "embargo_parents": null, "pronote_version": null, "end_of_year": null, "no_pronote": false });
    assert_eq!(error_code(sh.invoke("rentree_set_settings", json!({ "uai": u, "settings": bad }))), "RENTREE_DATE");
    let preview = sh.invoke("rentree_transition_preview", json!({ "uai": u })).expect("preview");
    assert_eq!((preview["from_year"].as_i64(), preview["classes"].as_u64()), (Some(2026), Some(2)));
    sh.invoke("rentree_transition", json!({ "uai": u })).expect("transition");
    let c = sh.invoke("rentree_checklist", json!({ "uai": u, "date": "2027-08-20" })).unwrap();
    assert_eq!(c["year"], 2027);
}

#[test]
fn the_pending_changes_name_the_accounts_they_are_about() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = DbKey::random().expect("random key");
    let mut data = tiny_college();
    let account = |id: &str, usage: &str, given: &str, profile: Profile, classes: &[&str]| Account {
        id: id.into(),
        login: format!("{given}.{usage}").to_lowercase(),
        person_id: None,
        profile,
        usage_name: usage.into(),
        birth_name: usage.into(),
        given_names: vec![given.into(), "Marie".into()],
        birth_date: None,
        ine: None,
        email: None,
        classes: classes.iter().map(|c| c.to_string()).collect(),
        functions: Vec::new(),
        establishments: vec![uai()],
        children: Vec::new(),
    };
    data.accounts = vec![
        account("ent-7f3a", "Dupont", "Léa", Profile::Eleve, &["6A"]),
        account("ent-9c21", "Martin", "Paul", Profile::Enseignant, &[]),
    ];
    let mut store = Store::open_or_create(dir.path(), &uai(), &key, "test@cli").expect("create store");
    store.replace_population(&data, "test@ipc", "DEMO_GENERATED", &json!({ "seed": 0 })).expect("fill store");
    let change =
        |account: &str| NodeChange { account: account.into(), before: Vec::new(), after: vec!["Vie scolaire".into()] };
    store
        .queue_node_memberships(&[change("ent-7f3a"), change("ent-inconnu")], "qui fait quoi", "test@ipc")
        .expect("queue");
    store
        .queue_memberships(
            &[MembershipChange { group: "G1".into(), account: "ent-9c21".into(), join: true }],
            "groupes",
            "test@ipc",
        )
        .expect("queue");
    drop(store);

    let sh = shell(AppState::new(dir.path().to_path_buf(), secrets_with(&key)));
    let o = sh.invoke("sync_overview", json!({ "uai": uai().as_str() })).expect("overview");
    let pending = o["pending"].as_array().expect("pending list");
    let of = |target: &str| pending.iter().find(|c| c["target"] == target).unwrap_or_else(|| panic!("{target} in {o}"));
    // The account's person, as the console names it, with the change itself kept whole.
    let named = of("ent-7f3a");
    assert_eq!(named["who"], json!({ "name": "DUPONT Léa", "profile": "eleve", "classes": ["6A"] }));
    assert_eq!(named["resource"], "User");
    assert!(named["payload"].as_str().is_some_and(|p| p.contains(":nodes")), "{named}");
    // An account the store does not know has no name rather than a made-up one.
    assert!(of("ent-inconnu")["who"].is_null(), "{o}");
    // A membership change names the member it adds.
    let joined = of("G1");
    assert!(joined["who"].is_null(), "{joined}");
    assert_eq!(joined["members"]["ent-9c21"]["name"], "MARTIN Paul");
    assert_eq!(joined["members"]["ent-9c21"]["profile"], "enseignant");

    // The same membership in conflict: its row names the member too.
    let mut store = Store::open(dir.path(), &uai(), &key).expect("open store");
    let id = store.outbox().expect("outbox").iter().find(|c| c.target == "G1").expect("G1").id;
    store.outbox_conflict(id, r#"{"displayName":"Latin 4e","members":[]}"#, None).expect("conflict");
    drop(store);
    let o = sh.invoke("sync_overview", json!({ "uai": uai().as_str() })).expect("overview");
    let conflict = &o["conflicts"][0];
    assert_eq!(conflict["rows"][0]["member"], "ent-9c21", "{o}");
    assert_eq!(o["conflict_members"]["ent-9c21"]["name"], "MARTIN Paul", "{o}");
}

#[test]
fn publishing_and_giving_a_login_answer_with_codes_the_ui_translates() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let u = uai().as_str().to_string();
    // No server yet: publishing says so.
    assert_eq!(error_code(sh.invoke("sync_publish", json!({ "uai": u }))), "SYNC_NOT_CONFIGURED");
    // A login for an account the establishment does not have: refused, named, nothing journaled.
    let before = audit_len(&f);
    let refused = sh.invoke("sync_set_login", json!({ "uai": u, "account": "A-INCONNU", "login": "jean.dupont" }));
    let err = refused.clone().expect_err("unknown account");
    assert!(err["message"].as_str().is_some_and(|m| m.contains("A-INCONNU")), "{err}");
    assert_eq!(error_code(refused), "ACCOUNT_UNKNOWN");
    assert_eq!(audit_len(&f), before);
}

/// A PC without a keychain and no key in the environment: locked until a
/// passphrase is given; it protects the first store; at the next start a
/// wrong one is refused and nothing is opened or created.
#[test]
fn without_a_keychain_a_passphrase_protects_the_stores() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::env::set_var("PREAU_TEST_KEYCHAIN", "none");
    std::env::set_var("PREAU_DATA_DIR", dir.path());
    std::env::remove_var("PREAU_DB_KEY");
    let sh = shell(AppState::from_env());
    let info = sh.invoke("app_info", json!({})).expect("info");
    assert_eq!((info["locked"].as_bool(), info["has_stores"].as_bool()), (Some(true), Some(false)), "{info}");
    assert_eq!(error_code(sh.invoke("list_establishments", json!({}))), "KEY_PASSPHRASE_NEEDED");
    assert_eq!(error_code(sh.invoke("unlock", json!({ "passphrase": "court" }))), "KEY_PASSPHRASE_SHORT");
    assert_eq!(sh.invoke("unlock", json!({ "passphrase": "la bonne phrase" })).expect("unlock"), json!(false));
    sh.invoke("create_establishment", json!({ "uai": uai().as_str() })).expect("created");
    drop(sh);

    let again = shell(AppState::from_env());
    let info = again.invoke("app_info", json!({})).expect("info");
    assert_eq!((info["locked"].as_bool(), info["has_stores"].as_bool()), (Some(true), Some(true)), "{info}");
    assert_eq!(
        error_code(again.invoke("unlock", json!({ "passphrase": "pas la bonne phrase" }))),
        "KEY_PASSPHRASE_WRONG"
    );
    assert_eq!(error_code(again.invoke("list_establishments", json!({}))), "KEY_PASSPHRASE_NEEDED");
    assert_eq!(again.invoke("unlock", json!({ "passphrase": "la bonne phrase" })).expect("unlock"), json!(true));
    let list = again.invoke("list_establishments", json!({})).expect("list");
    assert_eq!(list[0]["uai"], uai().as_str());
    assert!(list[0]["error"].is_null(), "{list}");
}

#[test]
fn the_annuaire_searches_shows_creates_and_checks_a_ticket_through_ipc() {
    let f = fixture();
    let sh = shell(AppState::new(f.dir.path().to_path_buf(), secrets_with(&f.key)));
    let u = uai().as_str().to_string();
    // The search as the UI sends it: words, scope, criteria.
    let found = sh
        .invoke(
            "directory_search",
            json!({ "uai": u, "query": "nomt", "scope": "etablissement", "criteria": { "profile": "enseignant", "classe": "5A" }, "limit": 50 }),
        )
        .expect("search");
    let ids: Vec<&str> = found["hits"].as_array().unwrap().iter().map(|h| h["person"].as_str().unwrap()).collect();
    assert_eq!(ids, ["T2"]);
    assert_eq!(found["hits"][0]["etat"], "sans_compte");
    let none = sh
        .invoke(
            "directory_search",
            json!({ "uai": u, "query": "camille", "scope": "academie", "criteria": null, "limit": 50 }),
        )
        .expect("academy");
    assert_eq!((none["hits"].as_array().unwrap().len(), none["academy_accounts"].as_u64()), (0, Some(0)));
    assert_eq!(
        error_code(sh.invoke(
            "directory_search",
            json!({ "uai": u, "query": "x", "scope": "etablissement", "criteria": { "profile": "pirate" } })
        )),
        "DIRECTORY_UNKNOWN_PROFILE"
    );
    // A fiche.
    let fiche = sh.invoke("directory_fiche", json!({ "uai": u, "id": "E1" })).expect("fiche");
    assert_eq!((fiche["profil"].as_str(), fiche["groups"][0][1].as_str()), (Some("eleve"), Some("Chorale")));
    assert_eq!(error_code(sh.invoke("directory_fiche", json!({ "uai": u, "id": "NOBODY" }))), "PERSON_UNKNOWN");
    // A guest: refused while a person of that name exists, created once the choice is explicit.
    let guest = json!({ "profile": "invite", "nom": "NOMS1", "prenom": "Camille", "perenne": true });
    let likely = sh.invoke("directory_likely", json!({ "uai": u, "account": guest })).expect("likely");
    assert_eq!(likely[0]["person"], "S1", "{likely}");
    let refused =
        sh.invoke("directory_create", json!({ "uai": u, "account": guest, "force": false })).expect_err("refused");
    assert_eq!(
        (refused["code"].as_str(), refused["params"]["likely"][0]["person"].as_str()),
        (Some("ACCOUNT_LIKELY_EXISTS"), Some("S1"))
    );
    let before = sh
        .invoke(
            "directory_search",
            json!({ "uai": u, "query": "noms1", "scope": "etablissement", "criteria": null, "limit": 50 }),
        )
        .expect("search");
    assert_eq!(before["hits"].as_array().unwrap().len(), 1);
    let made = sh.invoke("directory_create", json!({ "uai": u, "account": guest, "force": true })).expect("created");
    assert_eq!(made["account"]["login"], "camille.noms1");
    // The search's prepared people are read again once the store changed.
    let after = sh
        .invoke(
            "directory_search",
            json!({ "uai": u, "query": "noms1", "scope": "etablissement", "criteria": null, "limit": 50 }),
        )
        .expect("search");
    let mut states: Vec<&str> = after["hits"].as_array().unwrap().iter().map(|h| h["etat"].as_str().unwrap()).collect();
    states.sort();
    assert_eq!(states, ["a_creer", "sans_compte"], "{after}");
    // One ending in ten days: Accueil says so, the permanent one is not counted.
    let soon = (chrono::Utc::now().date_naive() + chrono::Duration::days(10)).format("%Y-%m-%d").to_string();
    let visitor = json!({ "profile": "invite", "nom": "VISITEUR", "prenom": "Alex", "until": soon });
    sh.invoke("directory_create", json!({ "uai": u, "account": visitor, "force": false })).expect("visitor");
    let today = sh.invoke("home_today", json!({ "uai": u })).expect("today");
    let ending: Vec<&Value> =
        today["todos"].as_array().unwrap().iter().filter(|t| t["kind"] == "accounts_ending").collect();
    assert_eq!(
        (ending.len(), ending[0]["count"].as_u64(), ending[0]["route"].as_str()),
        (1, Some(1), Some("annuaire")),
        "{today}"
    );
    // A function previewed, then added: the staff member moves into « Assistante sociale ».
    let preview = sh
        .invoke(
            "directory_function",
            json!({ "uai": u, "person": "S1", "function": "MDS/P9222", "add": true, "apply": false }),
        )
        .expect("preview");
    assert_eq!(preview["after"], json!(["Mon établissement/Autres/Assistante sociale"]));
    assert_eq!(preview["before"], json!([]));
    // The ticket's rules.
    let broken = sh
        .invoke(
            "ticket_check",
            json!({ "uai": u, "ticket": { "titre": "Messagerie", "attendu": "Elle marche.", "constate": "Elle ne marche pas. Par ailleurs le cahier de textes est vide.", "depuis": null, "personnes": ["E1"] } }),
        )
        .expect("check");
    assert!(broken.as_array().unwrap().iter().any(|b| b["rule"] == 1), "{broken}");
}
