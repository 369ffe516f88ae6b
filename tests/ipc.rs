//! The shell's command wiring through Tauri's mock runtime (no display):
//! argument names as the UI sends them, result shapes, error codes.

use preau_core::model::{
    Division, Establishment, EstablishmentData, EstablishmentKind, Group, GroupKind, Level, Person, Profile, Uai,
};
use preau_core::secrets::{DbKey, MemorySecrets, SecretError, SecretStore, DB_KEY_NAME};
use preau_core::store::Store;
use preau_shell::AppState;
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
    let app = preau_shell::builder(mock_builder(), state)
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
        json!([{ "uai": "0999001W", "name": "Collège du Préau (test)", "kind": "college", "error": null }])
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
