//! A reconciliation session on a real store: decisions journaled one by one,
//! undo, resume after the store is closed, the preview of what applying
//! writes, the links written, the mapping export.

use preau_core::demo::{self, write_demo_files};
use preau_core::formats::source::Input;
use preau_core::import::import_files;
use preau_core::model::{EstablishmentKind, Uai};
use preau_core::progress::CancelToken;
use preau_core::reconcile::session::{journal_action, links, mapping_csv, next_to_review, replay, Action, Choice};
use preau_core::reconcile::{self, Band, Category, Scope, SourceKind};
use preau_core::secrets::DbKey;
use preau_core::store::Store;

fn key() -> DbKey {
    DbKey::from_hex(&"6b".repeat(32)).unwrap()
}

#[test]
fn journal_undo_resume_apply() {
    let dir = tempfile::tempdir().unwrap();
    let uai = Uai::parse("0999001W").unwrap();
    let data = demo::generate(&uai, EstablishmentKind::College, 9);
    let files = dir.path().join("exports");
    write_demo_files(&data, &files).unwrap();
    let data_dir = dir.path().join("data");
    let pronote = format!("identifiants_pronote_{uai}.csv");
    let annuaire = format!("export_annuaire_ENT_{uai}.csv");
    let sources;
    let decisions;
    let session;
    let first_review;
    {
        let mut store = Store::open_or_create(&data_dir, &uai, &key(), "test").unwrap();
        let inputs = [Input::file(files.join(&pronote)), Input::file(files.join(&annuaire))];
        assert!(import_files(&mut store, &inputs, "test", &CancelToken::new(), &mut |_| {}).unwrap().committed);
        sources = reconcile::source_from_store(SourceKind::Pronote, &store).unwrap();
        let directory = reconcile::directory_from_store(&store).unwrap();
        decisions = reconcile::reconcile(&sources, &directory, &Scope::Establishment(uai.to_string()));
        assert!(store.open_match_session("pronote").unwrap().is_none());
        session = store.start_match_session("pronote", None, None, "etablissement", "test").unwrap();
        let choices = replay(&decisions, &[]);
        first_review =
            next_to_review(&decisions, &choices, Category::Responsable).expect("some responsables to review");
        // Accept the first, skip the second, then undo the skip.
        let d = &decisions[first_review];
        assert_ne!(d.band, Band::Auto);
        let (action, account) = journal_action(d, &Action::Pick(1)).unwrap();
        store
            .record_match_decision(session.id, &d.source_id, d.category.as_str(), action, account.as_deref(), "test")
            .unwrap();
        let choices = replay(&decisions, &store.match_journal(session.id).unwrap());
        let second = next_to_review(&decisions, &choices, Category::Responsable).unwrap();
        assert_ne!(second, first_review);
        let d2 = &decisions[second];
        store.record_match_decision(session.id, &d2.source_id, d2.category.as_str(), "skip", None, "test").unwrap();
        store.record_match_decision(session.id, &d2.source_id, d2.category.as_str(), "undo", None, "test").unwrap();
        // The store is dropped here without applying: as if the app were closed.
    }
    let mut store = Store::open(&data_dir, &uai, &key()).unwrap();
    let resumed = store.open_match_session("pronote").unwrap().expect("the session resumes");
    assert_eq!(resumed.id, session.id);
    let journal = store.match_journal(session.id).unwrap();
    assert_eq!(journal.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["pick", "skip", "undo"]);
    let choices = replay(&decisions, &journal);
    let picked = &decisions[first_review];
    assert_eq!(
        choices.get(&picked.source_id),
        Some(&Choice::Linked { account: picked.candidates[0].account.clone(), manual: true })
    );
    // The undone skip is open again: it is the next to review.
    let next = next_to_review(&decisions, &choices, Category::Responsable).unwrap();
    assert!(!choices.contains_key(&decisions[next].source_id));
    let preview = links("pronote", &decisions, &choices);
    let auto = decisions.iter().filter(|d| d.band == Band::Auto).count();
    assert_eq!(preview.len(), auto + 1);
    assert_eq!(preview.iter().filter(|l| l.decided == "manuel").count(), 1);
    assert!(store.outbox().unwrap().is_empty());
    let queued = store.apply_match_session(session.id, &preview, "test").unwrap();
    assert_eq!(store.account_links("pronote").unwrap().len(), preview.len());
    assert!(store.open_match_session("pronote").unwrap().is_none());
    assert!(store.apply_match_session(session.id, &preview, "test").is_err(), "a session applies once");
    assert!(store.audit_verify().unwrap().ok);
    // Each link waits in the outbox as a SCIM PATCH giving the account its Pronote identifier.
    let outbox = store.outbox().unwrap();
    assert_eq!((queued, outbox.len()), (preview.len(), preview.len()));
    let first = &preview[0];
    let change = outbox.iter().find(|c| c.target == first.account).expect("the first link is queued");
    assert_eq!((change.resource.as_str(), change.op.as_str()), ("User", "patch"));
    let body: serde_json::Value = serde_json::from_str(&change.payload).unwrap();
    assert_eq!(body["Operations"][0]["op"], "replace");
    assert_eq!(body["Operations"][0]["path"], "urn:preau:scim:schemas:extension:ent:1.0:User:pronoteId");
    assert_eq!(body["Operations"][0]["value"], first.source_id.as_str());
    // A later session: an unchanged link queues nothing; a moved one takes
    // the identifier from the old account and gives it to the new one.
    let later = store.start_match_session("pronote", None, None, "etablissement", "test").unwrap();
    let mut moved = preview[..2].to_vec();
    moved[1].account = preview[0].account.clone();
    assert_eq!(store.apply_match_session(later.id, &moved, "test").unwrap(), 2);
    let outbox = store.outbox().unwrap();
    let tail: Vec<(&str, &str)> =
        outbox[outbox.len() - 2..].iter().map(|c| (c.target.as_str(), c.payload.as_str())).collect();
    assert_eq!(tail[0].0, preview[1].account);
    assert!(tail[0].1.contains("\"remove\""), "{}", tail[0].1);
    assert_eq!(tail[1].0, preview[0].account);
    assert!(tail[1].1.contains(&format!("\"{}\"", preview[1].source_id)), "{}", tail[1].1);
    // A change rejected in the preview leaves without being sent, audited; only once.
    let before = store.outbox().unwrap().len();
    let withdrawn = store.outbox().unwrap()[0].id;
    store.outbox_reject(withdrawn, "test").unwrap();
    assert_eq!(store.outbox().unwrap().len(), before - 1);
    assert!(store.outbox().unwrap().iter().all(|c| c.id != withdrawn));
    assert!(store.outbox_reject(withdrawn, "test").is_err());
    assert!(store.audit_verify().unwrap().ok);
    // The mapping export.
    let csv = String::from_utf8(mapping_csv(&sources, &decisions, &choices)).unwrap();
    assert!(csv.starts_with("\u{feff}Identifiant source;Identifiant ENT;Nom;Prénom;Catégorie;Décision;Score\r\n"));
    assert_eq!(csv.lines().count(), sources.len() + 1);
    assert!(csv.contains(";rapproché manuellement;"));
    assert!(csv.contains(";rapproché automatiquement;"));
}

const CHILD_ENV: &str = "PREAU_TEST_JOURNAL_CHILD";

/// The child half of `a_kill_loses_no_decision`: records decisions without
/// end in the store named by the environment, until it is killed.
#[test]
fn journal_writer_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else { return };
    let uai = Uai::parse("0999001W").unwrap();
    let mut store = Store::open(std::path::Path::new(&dir), &uai, &key()).unwrap();
    let session = store.open_match_session("pronote").unwrap().unwrap();
    for n in 0.. {
        let action = if n % 5 == 4 { "undo" } else { "pick" };
        store.record_match_decision(session.id, &format!("SRC{n}"), "eleve", action, Some("ent-1"), "child").unwrap();
    }
}

/// A process killed (SIGKILL) while it journals decisions loses none of the
/// committed ones and leaves no half-written row: the journal reads back
/// whole, numbered without gaps, and the audit chain still verifies.
#[test]
fn a_kill_loses_no_decision() {
    let dir = tempfile::tempdir().unwrap();
    let uai = Uai::parse("0999001W").unwrap();
    let session = {
        let mut store = Store::open_or_create(dir.path(), &uai, &key(), "test").unwrap();
        store.start_match_session("pronote", None, None, "etablissement", "test").unwrap()
    };
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "journal_writer_child", "--nocapture"])
        .env(CHILD_ENV, dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let store = Store::open(dir.path(), &uai, &key()).unwrap();
    let started = std::time::Instant::now();
    while store.match_journal(session.id).unwrap().len() < 40 {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the child never wrote");
        assert!(child.try_wait().unwrap().is_none(), "the child stopped by itself");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    drop(store);
    let store = Store::open(dir.path(), &uai, &key()).unwrap();
    let journal = store.match_journal(session.id).unwrap();
    assert!(journal.len() >= 40);
    for (i, e) in journal.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1, "no gap in the journal");
        assert_eq!(e.source_id, format!("SRC{i}"), "rows in order, whole");
    }
    assert!(store.audit_verify().unwrap().ok);
    assert_eq!(store.open_match_session("pronote").unwrap().map(|s| s.id), Some(session.id), "the session resumes");
}

/// Pronote links applied for a Skolengo establishment become the console's
/// « Importer les identifiants Pronote » steps: an account of the
/// establishment is matched by the console itself; one it does not know needs
/// the « recherche avancée » over « tout l'ENT », with the account to choose.
#[test]
fn pronote_links_become_skolengo_console_steps() {
    use preau_core::sync::worklist::{self, Screen};
    let dir = tempfile::tempdir().unwrap();
    let uai = Uai::parse("0999001W").unwrap();
    let data = demo::generate(&uai, EstablishmentKind::College, 4);
    let files = dir.path().join("exports");
    write_demo_files(&data, &files).unwrap();
    let mut store = Store::open_or_create(&dir.path().join("data"), &uai, &key(), "test").unwrap();
    let inputs = [
        Input::file(files.join(format!("identifiants_pronote_{uai}.csv"))),
        Input::file(files.join(format!("export_annuaire_ENT_{uai}.csv"))),
    ];
    assert!(import_files(&mut store, &inputs, "test", &CancelToken::new(), &mut |_| {}).unwrap().committed);
    store.set_sync_connector("skolengo", "test").unwrap();
    let sources = reconcile::source_from_store(SourceKind::Pronote, &store).unwrap();
    let directory = reconcile::directory_from_store(&store).unwrap();
    let decisions = reconcile::reconcile(&sources, &directory, &Scope::Establishment(uai.to_string()));
    let session = store.start_match_session("pronote", None, None, "etablissement", "test").unwrap();
    let mut applied = links("pronote", &decisions, &replay(&decisions, &[]));
    assert!(applied.len() > 10);
    // One Pronote account tied by hand to an account of another establishment.
    let mut elsewhere = applied[0].clone();
    elsewhere.source_id = "PRN-AILLEURS".into();
    elsewhere.account = "ENT-AUTRE-ETAB".into();
    elsewhere.decided = "manuel".into();
    applied.push(elsewhere);
    store.apply_match_session(session.id, &applied, "test").unwrap();

    let items = worklist::worklist(&store).unwrap();
    let pronote: Vec<&worklist::Item> = items.iter().filter(|i| i.screen == Screen::IdentifiantsPronote).collect();
    assert_eq!(pronote.len(), applied.len(), "one item per account");
    assert!(pronote.iter().all(|i| i.steps[0] == "Ouvrez Administration > Importer les identifiants Pronote."));
    let by_itself =
        pronote.iter().filter(|i| i.steps.iter().any(|s| s.contains("la console le rapproche d'elle-même")));
    assert_eq!(by_itself.count(), applied.len() - 1, "the establishment's accounts");
    let manual = pronote.iter().find(|i| i.steps.iter().any(|s| s.contains("recherche avancée"))).unwrap();
    let text = manual.steps.join(" ");
    assert!(text.contains("« tout l'ENT »") && text.contains("PRN-AILLEURS"), "{text}");
    assert!(manual.target.contains("ENT-AUTRE-ETAB"), "{}", manual.target);
    // Ticked done: every change of the item leaves the outbox.
    let before = store.outbox().unwrap().len();
    let confirmed = worklist::mark_done(&mut store, std::slice::from_ref(&manual.id), "test").unwrap();
    assert_eq!(confirmed, 1);
    assert_eq!(store.outbox().unwrap().len(), before - 1);
    assert!(store.audit_verify().unwrap().ok);
}
