//! The demo generator: determinism, sizes, referential integrity and the
//! statistical properties the reconciliation work relies on.

use std::collections::{BTreeMap, BTreeSet};

use preau_core::demo::generate;
use preau_core::model::{EstablishmentData, EstablishmentKind, Person, Profile, ResponsibilityLevel, Uai};

const SEEDS: [u64; 3] = [1, 42, 20_260_901];

fn college_uai() -> Uai {
    Uai::from_digits("0999001").expect("valid UAI body")
}

fn lycee_uai() -> Uai {
    Uai::from_digits("0999002").expect("valid UAI body")
}

fn college(seed: u64) -> EstablishmentData {
    generate(&college_uai(), EstablishmentKind::College, seed)
}

fn lycee(seed: u64) -> EstablishmentData {
    generate(&lycee_uai(), EstablishmentKind::Lycee, seed)
}

fn both(seed: u64) -> [EstablishmentData; 2] {
    [college(seed), lycee(seed)]
}

fn with_profile(data: &EstablishmentData, profile: Profile) -> Vec<&Person> {
    data.people.iter().filter(|p| p.profile == profile).collect()
}

fn year(p: &Person) -> Option<i32> {
    p.birth_date.as_deref()?.get(..4)?.parse().ok()
}

/// Case- and accent-insensitive comparison key for names.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c,
        })
        .collect()
}

/// Share of pupils with another pupil sharing at least one responsable.
fn sibling_rate(data: &EstablishmentData) -> f64 {
    let mut by_resp: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &data.responsibilities {
        by_resp.entry(&r.responsable_id).or_default().insert(&r.pupil_id);
    }
    let mut with_sibling = BTreeSet::new();
    for pupils in by_resp.values().filter(|s| s.len() > 1) {
        with_sibling.extend(pupils.iter().copied());
    }
    let pupils = with_profile(data, Profile::Eleve);
    with_sibling.len() as f64 / pupils.len() as f64
}

/// Share of pupils sharing usage surname + usual given name with another pupil.
fn homonym_rate(data: &EstablishmentData) -> f64 {
    let pupils = with_profile(data, Profile::Eleve);
    let mut count: BTreeMap<(String, String), usize> = BTreeMap::new();
    for p in &pupils {
        *count.entry((p.usage_name.clone(), p.usual_name().to_string())).or_default() += 1;
    }
    let shared = pupils.iter().filter(|p| count[&(p.usage_name.clone(), p.usual_name().to_string())] > 1).count();
    shared as f64 / pupils.len() as f64
}

/// Pairs of distinct responsables with the same folded name, each linked to
/// one of two pupils who otherwise share a responsable (the same parent
/// entered twice for siblings).
fn duplicate_responsables(data: &EstablishmentData) -> usize {
    let people: BTreeMap<&str, &Person> = data.people.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut resps_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &data.responsibilities {
        resps_of.entry(&r.pupil_id).or_default().insert(&r.responsable_id);
    }
    let key = |id: &str| people.get(id).map(|p| (fold(&p.usage_name), fold(p.usual_name())));
    let mut pairs = BTreeSet::new();
    for (a, ra) in &resps_of {
        for (b, rb) in &resps_of {
            if a >= b || ra.is_disjoint(rb) {
                continue;
            }
            for x in ra.difference(rb) {
                for y in rb.difference(ra) {
                    if key(x).is_some() && key(x) == key(y) {
                        pairs.insert((x.min(y).to_string(), x.max(y).to_string()));
                    }
                }
            }
        }
    }
    pairs.len()
}

#[test]
fn same_seed_same_data_and_bytes_other_seed_differs() {
    for kind in [EstablishmentKind::College, EstablishmentKind::Lycee] {
        let a = generate(&college_uai(), kind, 7);
        let b = generate(&college_uai(), kind, 7);
        assert_eq!(a, b);
        let ja = serde_json::to_vec(&a).expect("serialises");
        let jb = serde_json::to_vec(&b).expect("serialises");
        assert_eq!(ja, jb);
        let c = generate(&college_uai(), kind, 8);
        assert_ne!(a, c);
        assert_ne!(a.people, c.people);
        let back: EstablishmentData = serde_json::from_slice(&ja).expect("round-trips");
        assert_eq!(back, a);
    }
}

#[test]
fn establishment_levels_and_divisions() {
    let c = college(1);
    assert_eq!(c.establishment.uai, college_uai());
    assert_eq!(c.establishment.kind, EstablishmentKind::College);
    assert_eq!(c.establishment.school_year, 2026);
    assert!(c.establishment.name.starts_with("Collège "));
    let codes: Vec<&str> = c.levels.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes, ["6e", "5e", "4e", "3e"]);
    assert_eq!(c.levels[0].label, "SIXIEME");
    assert!(c.levels.iter().all(|l| l.mef.len() == 11));
    assert!(c.levels.windows(2).all(|w| w[0].rank < w[1].rank));
    assert_eq!(c.divisions.len(), 24);
    assert_eq!(c.divisions[0].code, "6A");
    assert_eq!(c.divisions[23].code, "3F");

    let l = lycee(1);
    assert!(l.establishment.name.starts_with("Lycée "));
    let codes: Vec<&str> = l.levels.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes, ["2de", "1re", "Tle"]);
    assert_eq!(l.divisions.len(), 64);
    for code in ["2DE1", "1RE3", "TLE2"] {
        assert!(l.divisions.iter().any(|d| d.code == code), "{code}");
    }
    for data in [&c, &l] {
        for d in &data.divisions {
            assert!(data.levels.iter().any(|l| l.code == d.level), "{}", d.code);
        }
    }
}

#[test]
fn sizes_are_plausible() {
    for seed in SEEDS {
        for (data, pupils, teachers, staff) in
            [(college(seed), 560..=660, 40..=65, 15..=40), (lycee(seed), 1900..=2150, 140..=200, 40..=90)]
        {
            let current = data.people.iter().filter(|p| p.profile == Profile::Eleve && !p.left).count();
            let left = data.people.iter().filter(|p| p.left).count();
            let t = with_profile(&data, Profile::Enseignant).len();
            let s = data.people.iter().filter(|p| p.profile.is_staff()).count();
            let r = with_profile(&data, Profile::Responsable).len();
            println!("seed {seed} {:?}: {current} pupils (+{left} left), {r} responsables, {t} teachers, {s} staff, {} groups",
                data.establishment.kind, data.groups.len());
            assert!(pupils.contains(&current), "{current} pupils");
            assert!(teachers.contains(&t), "{t} teachers");
            assert!(staff.contains(&s), "{s} staff");
            // ~5 % of pupils left during the year.
            assert!(left * 100 >= current * 2 && left * 100 <= current * 9, "{left} left");
            assert!(r > current, "{r} responsables");
            assert!(!data.groups.is_empty());
        }
    }
}

#[test]
fn references_are_consistent() {
    for data in both(1).iter().chain(both(42).iter()) {
        let ids: BTreeMap<&str, &Person> = data.people.iter().map(|p| (p.id.as_str(), p)).collect();
        let divisions: BTreeSet<&str> = data.divisions.iter().map(|d| d.code.as_str()).collect();
        for p in &data.people {
            for d in &p.divisions {
                assert!(divisions.contains(d.as_str()), "{} in unknown {d}", p.id);
            }
            assert!(p.usual_given_name < p.given_names.len(), "{}", p.id);
            assert!(!p.usage_name.is_empty() && !p.birth_name.is_empty(), "{}", p.id);
            assert_eq!(p.establishments.first(), Some(&data.establishment.uai));
        }
        for r in &data.responsibilities {
            assert_eq!(ids.get(r.responsable_id.as_str()).map(|p| p.profile), Some(Profile::Responsable));
            assert_eq!(ids.get(r.pupil_id.as_str()).map(|p| p.profile), Some(Profile::Eleve));
        }
        for g in &data.groups {
            for d in &g.divisions {
                assert!(divisions.contains(d.as_str()), "group {} in unknown {d}", g.id);
            }
            for m in &g.members {
                let p = ids.get(m.as_str()).expect("group member exists");
                assert!(p.divisions.iter().any(|d| g.divisions.contains(d)), "{m} in {}", g.id);
            }
        }
        // Every person has exactly one account, mirroring it.
        assert_eq!(data.accounts.len(), data.people.len());
        let by_person: BTreeMap<&str, _> =
            data.accounts.iter().filter_map(|a| a.person_id.as_deref().map(|id| (id, a))).collect();
        for p in &data.people {
            let a = by_person.get(p.id.as_str()).expect("account for every person");
            assert_eq!(a.profile, p.profile);
            assert_eq!(a.usage_name, p.usage_name);
            assert_eq!(a.birth_date, p.birth_date);
            assert_eq!(a.ine, p.ine);
            assert_eq!(a.classes, p.divisions);
            assert_eq!(a.establishments, p.establishments);
        }
        // Children of a responsable's account are the accounts of its pupils.
        let account_ids: BTreeSet<&str> = data.accounts.iter().map(|a| a.id.as_str()).collect();
        let with_children = data.accounts.iter().filter(|a| !a.children.is_empty()).count();
        assert!(with_children > 0);
        for a in &data.accounts {
            for c in &a.children {
                assert!(account_ids.contains(c.as_str()));
            }
        }
        for r in data.responsibilities.iter().filter(|r| r.level == ResponsibilityLevel::Legal) {
            let parent = by_person[r.responsable_id.as_str()];
            let child = by_person[r.pupil_id.as_str()];
            assert!(parent.children.contains(&child.id));
        }
    }
}

#[test]
fn identifiers_are_unique() {
    for data in both(1).iter().chain(both(42).iter()) {
        let people: BTreeSet<&str> = data.people.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(people.len(), data.people.len());
        let accounts: BTreeSet<&str> = data.accounts.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(accounts.len(), data.accounts.len());
        let logins: BTreeSet<&str> = data.accounts.iter().map(|a| a.login.as_str()).collect();
        assert_eq!(logins.len(), data.accounts.len());
        let links: BTreeSet<(&str, &str)> =
            data.responsibilities.iter().map(|r| (r.responsable_id.as_str(), r.pupil_id.as_str())).collect();
        assert_eq!(links.len(), data.responsibilities.len());
        let groups: BTreeSet<&str> = data.groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(groups.len(), data.groups.len());
        let ines: Vec<&str> = data.people.iter().filter_map(|p| p.ine.as_deref()).collect();
        let unique: BTreeSet<&str> = ines.iter().copied().collect();
        assert_eq!(unique.len(), ines.len());
        for ine in &ines {
            assert_eq!(ine.len(), 11, "{ine}");
            assert!(ine.ends_with(|c: char| c.is_ascii_uppercase()), "{ine}");
            assert!(ine[..9].bytes().all(|b| b.is_ascii_digit()), "{ine}");
        }
        let pupils = with_profile(data, Profile::Eleve).len();
        let without = pupils - ines.len();
        assert!((1..=5).contains(&without), "{without} pupils without INE");
    }
}

#[test]
fn families_siblings_twins_and_responsables() {
    for seed in SEEDS {
        for data in both(seed) {
            let kind = data.establishment.kind;
            let siblings = sibling_rate(&data);
            println!("seed {seed} {kind:?}: sibling rate {siblings:.3}");
            assert!((0.15..=0.45).contains(&siblings), "{siblings}");

            let dups = duplicate_responsables(&data);
            println!("seed {seed} {kind:?}: {dups} duplicate responsables");
            assert!(dups >= 2, "{dups}");

            let in_charge = data.responsibilities.iter().filter(|r| r.level == ResponsibilityLevel::InCharge).count();
            let contact = data.responsibilities.iter().filter(|r| r.level == ResponsibilityLevel::Contact).count();
            println!("seed {seed} {kind:?}: {in_charge} in-charge links, {contact} contact links");
            assert!(in_charge >= 1 && contact >= 1);
            for code in ["10", "20"] {
                assert!(data.responsibilities.iter().any(|r| r.relationship == code));
            }

            // Responsables per pupil: ~3 % none, ~45 % one, ~40 % two, ~12 % three.
            let mut per_pupil: BTreeMap<&str, usize> = BTreeMap::new();
            for p in with_profile(&data, Profile::Eleve) {
                per_pupil.insert(&p.id, 0);
            }
            for r in &data.responsibilities {
                *per_pupil.entry(&r.pupil_id).or_default() += 1;
            }
            let n = per_pupil.len() as f64;
            let share = |k: usize| per_pupil.values().filter(|&&c| c == k).count() as f64 / n;
            println!(
                "seed {seed} {kind:?}: responsables per pupil 0:{:.3} 1:{:.3} 2:{:.3} 3:{:.3} 4:{:.3}",
                share(0),
                share(1),
                share(2),
                share(3),
                share(4)
            );
            assert!(share(0) > 0.0 && share(0) < 0.06);
            assert!((0.33..=0.55).contains(&share(1)));
            assert!((0.30..=0.50).contains(&share(2)));
            assert!((0.05..=0.18).contains(&share(3)));

            // Twins: same surname, birth date and responsables, different given names.
            let mut resps_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for r in &data.responsibilities {
                resps_of.entry(&r.pupil_id).or_default().insert(&r.responsable_id);
            }
            let pupils = with_profile(&data, Profile::Eleve);
            let twins = pupils.iter().enumerate().any(|(i, a)| {
                pupils[i + 1..].iter().any(|b| {
                    a.birth_name == b.birth_name
                        && a.birth_date == b.birth_date
                        && a.usual_name() != b.usual_name()
                        && resps_of.get(a.id.as_str()).is_some_and(|r| Some(r) == resps_of.get(b.id.as_str()))
                })
            });
            assert!(twins);

            // Parents: e-mail missing for ~30 %, mobile for ~10 %.
            let resps = with_profile(&data, Profile::Responsable);
            let no_mail = resps.iter().filter(|p| p.email.is_none()).count() as f64 / resps.len() as f64;
            let no_mobile = resps.iter().filter(|p| p.mobile.is_none()).count() as f64 / resps.len() as f64;
            assert!((0.2..=0.4).contains(&no_mail), "{no_mail}");
            assert!((0.05..=0.16).contains(&no_mobile), "{no_mobile}");
            // Some mothers use their spouse's name or a hyphenated mix.
            let usage_differs = resps.iter().filter(|p| p.usage_name != p.birth_name).count();
            assert!(usage_differs * 10 > resps.len(), "{usage_differs}");
        }
    }
}

#[test]
fn names_homonyms_and_double_surnames() {
    for seed in SEEDS {
        for data in both(seed) {
            let kind = data.establishment.kind;
            let homonyms = homonym_rate(&data);
            println!("seed {seed} {kind:?}: homonym rate {homonyms:.4}");
            assert!(homonyms > 0.0 && homonyms < 0.05, "{homonyms}");

            let pupils = with_profile(&data, Profile::Eleve);
            let multiple = pupils.iter().filter(|p| p.given_names.len() > 1).count() as f64 / pupils.len() as f64;
            println!("seed {seed} {kind:?}: multiple given names {multiple:.3}");
            assert!((0.25..=0.55).contains(&multiple), "{multiple}");

            // "A--B" only for people born 2005–2011, never from 2012 on.
            for p in &data.people {
                if p.usage_name.contains("--") || p.birth_name.contains("--") {
                    let y = year(p).expect("a -- name belongs to a pupil with a birth date");
                    assert!((2005..=2011).contains(&y), "{} born {y}", p.birth_name);
                }
            }
            let dashes = pupils.iter().filter(|p| p.birth_name.contains("--")).count();
            let spaced_young =
                pupils.iter().filter(|p| year(p).is_some_and(|y| y >= 2012) && p.birth_name.contains(' ')).count();
            println!("seed {seed} {kind:?}: {dashes} pupils with --, {spaced_young} born 2012+ with a space");
            if kind == EstablishmentKind::Lycee {
                assert!(dashes > 10, "{dashes}");
            } else {
                assert!(spaced_young > 5, "{spaced_young}");
            }

            // Upper-case surnames, capitalised given names.
            for p in &data.people {
                let duplicate_spelling =
                    p.profile == Profile::Responsable && p.usage_name != p.usage_name.to_uppercase();
                if !duplicate_spelling {
                    assert_eq!(p.usage_name, p.usage_name.to_uppercase(), "{}", p.id);
                }
                for g in &p.given_names {
                    assert!(g.starts_with(char::is_uppercase), "{g}");
                }
            }
        }
    }
    // Across seeds the lists show accents, particles and apostrophes.
    let all: Vec<EstablishmentData> = SEEDS.iter().flat_map(|&s| both(s)).collect();
    let names: BTreeSet<&str> = all.iter().flat_map(|d| d.people.iter().map(|p| p.usage_name.as_str())).collect();
    let given: BTreeSet<&str> =
        all.iter().flat_map(|d| d.people.iter().flat_map(|p| p.given_names.iter().map(String::as_str))).collect();
    for needle in ["É", "È", "'", "’", "-", "LE ", "DE ", "DA "] {
        assert!(names.iter().any(|n| n.contains(needle)), "no surname with {needle:?}");
    }
    assert!(given.iter().any(|g| g.contains('-')), "no compound given name");
    assert!(given.iter().any(|g| g.contains('é')), "no accented given name");
    let usual_not_first = all.iter().flat_map(|d| &d.people).filter(|p| p.usual_given_name > 0).count();
    assert!(usual_not_first > 0);
}

#[test]
fn departures_and_unassigned_pupils() {
    for data in both(1) {
        let pupils = with_profile(&data, Profile::Eleve);
        assert!(pupils.iter().any(|p| p.left && p.divisions.is_empty()));
        assert!(pupils.iter().any(|p| p.left && !p.divisions.is_empty()));
        let unassigned = pupils.iter().filter(|p| !p.left && p.divisions.is_empty()).count();
        assert!((3..=40).contains(&unassigned), "{unassigned}");
        // Birth years fit the levels (a year late or early at most).
        let (lo, hi) = match data.establishment.kind {
            EstablishmentKind::College => (2011, 2016),
            EstablishmentKind::Lycee => (2008, 2012),
        };
        for p in &pupils {
            let y = year(p).expect("pupils have a birth date");
            assert!((lo..=hi).contains(&y), "{y}");
        }
    }
}

#[test]
fn teachers_and_staff() {
    for seed in SEEDS {
        for data in both(seed) {
            let kind = data.establishment.kind;
            let teachers = with_profile(&data, Profile::Enseignant);
            for t in &teachers {
                assert_eq!(t.functions.len(), 1);
                let f = &t.functions[0];
                assert_eq!(f.code, "ENS");
                let d = f.discipline.as_deref().expect("teachers have a discipline");
                assert!(d.len() == 5 && d.starts_with('L'), "{d}");
            }
            let teaching = teachers.iter().filter(|t| !t.divisions.is_empty()).count();
            assert!(teaching * 10 >= teachers.len() * 9, "{teaching}");
            for code in ["L0202", "L1300", "L0422", "L1000", "L1500", "L1900"] {
                assert!(teachers.iter().any(|t| t.functions[0].discipline.as_deref() == Some(code)), "{code}");
            }
            let two = teachers.iter().filter(|t| t.establishments.len() == 2).count() as f64 / teachers.len() as f64;
            println!("seed {seed} {kind:?}: teachers in two establishments {two:.3}");
            assert!((0.03..=0.15).contains(&two), "{two}");
            for t in teachers.iter().filter(|t| t.establishments.len() == 2) {
                assert_ne!(t.establishments[0], t.establishments[1]);
            }

            let staff: Vec<&Person> = data.people.iter().filter(|p| p.profile == Profile::NonEnseignant).collect();
            let codes: BTreeSet<&str> =
                staff.iter().flat_map(|p| p.functions.iter().map(|f| f.code.as_str())).collect();
            for code in ["DIR", "EDU", "DOC", "ORI", "ADF", "MDS", "AED"] {
                assert!(codes.contains(code), "{code}");
            }
            let disciplines: BTreeSet<&str> =
                staff.iter().flat_map(|p| p.functions.iter().filter_map(|f| f.discipline.as_deref())).collect();
            for d in ["D0010", "D0011", "E0030", "L0080", "S0054"] {
                assert!(disciplines.contains(d), "{d}");
            }
            assert!(!with_profile(&data, Profile::PersonnelCollectivite).is_empty());
            let mails: Vec<&str> = data
                .people
                .iter()
                .filter(|p| matches!(p.profile, Profile::Enseignant | Profile::NonEnseignant))
                .filter_map(|p| p.email.as_deref())
                .collect();
            assert!(!mails.is_empty() && mails.iter().all(|m| m.ends_with("@ac-demo.fr")));

            // One teacher is a homonym of a parent.
            let parents: BTreeSet<(&str, &str)> = with_profile(&data, Profile::Responsable)
                .iter()
                .map(|p| (p.usage_name.as_str(), p.usual_name()))
                .collect();
            assert!(teachers.iter().any(|t| parents.contains(&(t.usage_name.as_str(), t.usual_name()))));
        }
    }
}

#[test]
fn groups_have_divisions_and_members() {
    let c = college(1);
    for code in ["6A GR1", "6A GR2", "LAT4"] {
        let g = c.groups.iter().find(|g| g.id == code).unwrap_or_else(|| panic!("{code}"));
        assert!(!g.members.is_empty() && !g.divisions.is_empty());
    }
    let spanning = c.groups.iter().filter(|g| g.divisions.len() > 1).count();
    assert!(spanning > 3);
    let l = lycee(1);
    assert!(l.groups.iter().any(|g| g.id.starts_with("1RE SPE MATHS")));
    assert!(l.groups.iter().any(|g| g.id.starts_with("TLE SPE")));
    assert!(l.groups.iter().all(|g| g.members.len() <= 35), "group sizes");
}

/// One ENT server holds the whole academy and a login is unique on it: two
/// generated establishments never claim the same login, whatever their seeds.
#[test]
fn logins_are_unique_across_establishments() {
    let (a, b) = (college_uai(), lycee_uai());
    for seed in SEEDS {
        let first = generate(&a, EstablishmentKind::College, seed);
        let logins: BTreeSet<&str> = first.accounts.iter().map(|x| x.login.as_str()).collect();
        for (uai, kind, other_seed) in [
            (&b, EstablishmentKind::College, seed),
            (&b, EstablishmentKind::Lycee, seed + 1),
            (&b, EstablishmentKind::College, 5),
        ] {
            let second = generate(uai, kind, other_seed);
            let shared: Vec<&str> =
                second.accounts.iter().map(|x| x.login.as_str()).filter(|l| logins.contains(l)).collect();
            assert!(shared.is_empty(), "seed {seed}: logins claimed by both establishments: {shared:?}");
        }
    }
}
