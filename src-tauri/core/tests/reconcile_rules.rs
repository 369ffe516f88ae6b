//! The rules that keep automatic links safe, each on a hand-made case.

use preau_core::formats::ent_directory::DirectoryAccount;
use preau_core::model::Profile;
use preau_core::reconcile::{reconcile, Band, Category, Decision, Directory, Scope, SourceRecord};

const UAI: &str = "0999001W";

fn account(id: &str, profile: Profile, last: &str, first: &str, birth: Option<&str>) -> DirectoryAccount {
    DirectoryAccount {
        ent_id: id.into(),
        login: None,
        last_name: last.into(),
        birth_name: None,
        first_name: first.into(),
        profile,
        birth_date: birth.map(str::to_string),
        classes: Vec::new(),
        establishments: vec![UAI.into()],
        ine: None,
        children: Vec::new(),
        email: None,
    }
}

fn pupil(id: &str, last: &str, first: &str, birth: &str) -> SourceRecord {
    SourceRecord {
        row: 1,
        id: id.into(),
        category: Category::Eleve,
        last_name: last.into(),
        first_name: first.into(),
        birth_date: Some(birth.into()),
        ine: None,
        email: None,
        classes: Vec::new(),
        children: Vec::new(),
    }
}

fn run(sources: &[SourceRecord], accounts: Vec<DirectoryAccount>) -> Vec<Decision> {
    let mut sources = sources.to_vec();
    for (i, s) in sources.iter_mut().enumerate() {
        s.row = i + 1;
    }
    reconcile(&sources, &Directory::build(accounts), &Scope::Establishment(UAI.into()))
}

/// Background accounts so that names have realistic frequencies.
fn crowd() -> Vec<DirectoryAccount> {
    (0..200)
        .map(|i| account(&format!("x{i:03}"), Profile::Eleve, &format!("NOM{i}"), "Autre", Some("2011-01-01")))
        .collect()
}

#[test]
fn plain_match_is_automatic_with_evidence() {
    let mut accounts = crowd();
    accounts.push(account("a1", Profile::Eleve, "LE GALL", "Maëlys", Some("2012-03-04")));
    let d = &run(&[pupil("p1", "LEGALL", "MAELYS", "2012-03-04")], accounts)[0];
    assert_eq!(d.band, Band::Auto, "{d:?}");
    assert_eq!(d.account.as_deref(), Some("a1"));
    let reasons = &d.candidates[0].reasons;
    assert!(reasons.iter().any(|r| r.starts_with("nom identique")), "{reasons:?}");
    assert!(reasons.contains(&"date de naissance identique".to_string()));
    // Read by a person: the name's frequency said with its proper plural.
    assert!(reasons.contains(&"nom identique — porté par 1 compte de l'annuaire".to_string()), "{reasons:?}");
    assert!(!reasons.iter().any(|r| r.contains("(s)")), "{reasons:?}");
}

#[test]
fn gendered_twin_is_never_linked_automatically() {
    // The source's LOUIS has no account; his twin sister LOUISE has one.
    let mut accounts = crowd();
    accounts.push(account("louise", Profile::Eleve, "MARTIN", "Louise", Some("2012-05-06")));
    let d = &run(&[pupil("p1", "MARTIN", "Louis", "2012-05-06")], accounts)[0];
    assert_ne!(d.band, Band::Auto, "{d:?}");
    assert!(d.why_review.iter().any(|w| w.contains("masculin / féminin")), "{:?}", d.why_review);
}

#[test]
fn twins_each_get_their_own_account() {
    let mut accounts = crowd();
    accounts.push(account("t1", Profile::Eleve, "BERNARD", "Lina", Some("2013-07-08")));
    accounts.push(account("t2", Profile::Eleve, "BERNARD", "Léna", Some("2013-07-08")));
    let ds =
        run(&[pupil("p1", "BERNARD", "Lina", "2013-07-08"), pupil("p2", "BERNARD", "Lena", "2013-07-08")], accounts);
    // Lina/Léna are one letter apart: neither may be automatic.
    for d in &ds {
        assert_ne!(d.band, Band::Auto, "{d:?}");
        assert!(d.candidates.len() >= 2);
    }
}

#[test]
fn conflicting_ine_or_birth_date_vetoes() {
    let mut accounts = crowd();
    let mut a = account("a1", Profile::Eleve, "DURAND", "Hugo", Some("2012-01-02"));
    a.ine = Some("123456789AB".into());
    accounts.push(a);
    let mut s = pupil("p1", "DURAND", "Hugo", "2012-01-02");
    s.ine = Some("987654321CD".into());
    let d = &run(&[s], accounts.clone())[0];
    assert_ne!(d.band, Band::Auto, "{d:?}");
    assert!(d.why_review.iter().any(|w| w.contains("INE différent")), "{:?}", d.why_review);

    let d = &run(&[pupil("p1", "DURAND", "Hugo", "2012-06-15")], accounts)[0];
    assert_ne!(d.band, Band::Auto, "{d:?}");
    assert!(d.why_review.iter().any(|w| w.contains("date de naissance")), "{:?}", d.why_review);
}

#[test]
fn profile_mismatch_vetoes() {
    let mut accounts = crowd();
    accounts.push(account("a1", Profile::Enseignant, "PETIT", "Claire", Some("2012-01-02")));
    let d = &run(&[pupil("p1", "PETIT", "Claire", "2012-01-02")], accounts)[0];
    assert_ne!(d.band, Band::Auto, "{d:?}");
    assert!(d.why_review.iter().any(|w| w.contains("profil différent")), "{:?}", d.why_review);
}

#[test]
fn one_account_never_goes_to_two_records() {
    let mut accounts = crowd();
    accounts.push(account("a1", Profile::Eleve, "ROUX", "Jade", Some("2012-09-10")));
    let ds = run(&[pupil("p1", "ROUX", "Jade", "2012-09-10"), pupil("p2", "ROUX", "Jade", "2012-09-10")], accounts);
    for d in &ds {
        assert_eq!(d.band, Band::Review, "{d:?}");
        assert!(d.why_review.iter().any(|w| w.contains("un autre enregistrement")));
    }
}

#[test]
fn parents_are_linked_through_their_children() {
    let mut accounts = crowd();
    accounts.push(account("child", Profile::Eleve, "FAURE", "Tom", Some("2012-02-03")));
    // Two parents named alike; only one is the child's.
    let mut mother = account("mother", Profile::Responsable, "FAURE", "Sophie", None);
    mother.children = vec!["child".into()];
    accounts.push(mother);
    accounts.push(account("other", Profile::Responsable, "FAURE", "Sophie", None));
    let child = pupil("c1", "FAURE", "Tom", "2012-02-03");
    let parent = SourceRecord {
        category: Category::Responsable,
        birth_date: None,
        children: vec!["c1".into()],
        ..pupil("r1", "FAURE", "Sophie", "2000-01-01")
    };
    let ds = run(&[parent.clone(), child.clone()], accounts.clone());
    assert_eq!(ds[1].band, Band::Auto, "{:?}", ds[1]);
    assert_eq!(ds[0].band, Band::Auto, "{:?}", ds[0]);
    assert_eq!(ds[0].account.as_deref(), Some("mother"));
    assert!(ds[0].candidates[0].reasons.iter().any(|r| r.starts_with("parent de Tom FAURE")), "{:?}", ds[0]);

    // Without the child in the source, the two namesakes stay in review.
    let alone = SourceRecord { children: Vec::new(), ..parent };
    let d = &run(&[alone], accounts)[0];
    assert_ne!(d.band, Band::Auto, "{d:?}");
}

#[test]
fn nothing_close_gives_no_account() {
    let d = &run(&[pupil("p1", "ZYGMUNT", "Xavière", "2012-02-03")], crowd())[0];
    assert_eq!(d.band, Band::None, "{d:?}");
    assert!(d.account.is_none());
}

#[test]
fn search_as_you_type() {
    let mut accounts = crowd();
    accounts.push(account("a1", Profile::Eleve, "LE GALL", "Maëlys", Some("2012-03-04")));
    accounts.push(account("a2", Profile::Responsable, "LEGALLOIS", "Marc", None));
    let mut other = account("a3", Profile::Eleve, "LE GALL", "Maël", Some("2012-03-04"));
    other.establishments = vec!["0999002X".into()];
    accounts.push(other);
    let dir = Directory::build(accounts);
    let ids = |hits: Vec<usize>| hits.into_iter().map(|i| dir.account(i).unwrap().ent_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(dir.search("legall mae", Some(UAI), 10)), ["a1"]);
    assert_eq!(ids(dir.search("le gall maë", None, 10)), ["a3", "a1"]);
    assert_eq!(ids(dir.search("legal", Some(UAI), 10)), ["a1", "a2"]);
    assert_eq!(ids(dir.search("maelys", Some(UAI), 10)), ["a1"]);
    assert!(dir.search("  ", None, 10).is_empty());
    assert!(dir.search("zzz", None, 10).is_empty());
}

#[test]
fn one_letter_answers_at_once() {
    let mut accounts = crowd();
    accounts.push(account("a1", Profile::Eleve, "LE GALL", "Maëlys", Some("2012-03-04")));
    let dir = Directory::build(accounts);
    let hits = dir.search("l", Some(UAI), 5);
    assert_eq!(hits.len(), 1, "only LE GALL starts with L here");
    let hits = dir.search("n", Some(UAI), 5);
    assert_eq!(hits.len(), 5, "capped at the limit");
    assert!(hits.iter().all(|&i| dir.account(i).unwrap().last_name.starts_with("NOM")));
}
