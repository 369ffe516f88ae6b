//! Deterministic generator of a fictional establishment: a collège (~600 pupils,
//! 6e–3e) or a lycée (~2,000 pupils, 2de–Tle) with families, staff, groups and
//! ENT accounts. Same seed, same value (and same JSON bytes), on every platform:
//! the PRNG is ours and every draw is integer arithmetic.
//!
//! Names come from INSEE frequency ranks (see `data/names/README.md`); the
//! population follows `reference/formats.md` §"A. Population model".

pub mod discover;
mod files;
pub use files::{demo_files, write_demo_files, Truth, TruthPerson};
mod accounts;
mod groups;
pub mod linkage;
pub(crate) mod names;
mod pupils;
mod rng;
mod staff;

use std::collections::BTreeSet;

use crate::model::{Division, Establishment, EstablishmentData, EstablishmentKind, Level, Person, Profile, Uai};
use names::Names;
use rng::Rng;

/// First year of the generated school year (2026-2027).
pub const SCHOOL_YEAR: i32 = 2026;

/// Generates the establishment `uai` of the given kind; `seed` selects one of
/// many plausible populations.
pub fn generate(uai: &Uai, kind: EstablishmentKind, seed: u64) -> EstablishmentData {
    let mut ctx = Ctx {
        rng: Rng::new(seed ^ kind_salt(kind)),
        names: Names::load(),
        kind,
        uai: uai.clone(),
        used_ids: BTreeSet::new(),
    };
    let establishment = establishment(&mut ctx);
    let levels = levels(kind);
    let divisions = divisions(kind);
    let population = pupils::generate(&mut ctx, &levels, &divisions);
    let mut staff = staff::generate(&mut ctx, &divisions);
    staff::plant_parent_homonym(&mut ctx, &mut staff, &population.responsables);
    let groups = groups::generate(&mut ctx, &levels, &divisions, &population.pupils);

    let mut people = population.pupils;
    people.extend(population.responsables);
    people.extend(staff);
    let accounts = accounts::generate(&mut ctx, &people, &population.links);
    EstablishmentData { establishment, levels, divisions, people, responsibilities: population.links, accounts, groups }
}

/// A collège and a lycée generated with the same seed should not look alike.
fn kind_salt(kind: EstablishmentKind) -> u64 {
    match kind {
        EstablishmentKind::College => 0x0063_6f6c_6c65_6765,
        EstablishmentKind::Lycee => 0x006c_7963_6565,
    }
}

/// Shared state of one generation run.
pub(crate) struct Ctx {
    pub rng: Rng,
    pub names: Names,
    pub kind: EstablishmentKind,
    pub uai: Uai,
    used_ids: BTreeSet<String>,
}

impl Ctx {
    /// A fresh source id such as `ELV482913`: random so that file order says
    /// nothing about families, unique across the establishment.
    pub fn new_id(&mut self, prefix: &str) -> String {
        loop {
            let id = format!("{prefix}{:06}", self.rng.below(1_000_000));
            if self.used_ids.insert(id.clone()) {
                return id;
            }
        }
    }

    /// A valid ISO date in `year`.
    pub fn birth_date(&mut self, year: i32) -> String {
        let month = self.rng.range(1, 12) as u32;
        let day = self.rng.range(1, i64::from(days_in_month(year, month))) as u32;
        format!("{year:04}-{month:02}-{day:02}")
    }

    /// Fictional mobile number from the ARCEP range reserved for fiction
    /// (06 39 98 xx xx), written with or without spaces as the exports do.
    pub fn mobile(&mut self) -> String {
        let n = self.rng.below(10_000);
        if self.rng.chance(500) {
            format!("06 39 98 {:02} {:02}", n / 100, n % 100)
        } else {
            format!("063998{n:04}")
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A person with every optional field empty.
pub(crate) fn blank_person(id: String, profile: Profile, uai: &Uai) -> Person {
    Person {
        id,
        profile,
        sex: None,
        usage_name: String::new(),
        birth_name: String::new(),
        given_names: Vec::new(),
        usual_given_name: 0,
        birth_date: None,
        ine: None,
        email: None,
        mobile: None,
        divisions: Vec::new(),
        functions: Vec::new(),
        establishments: vec![uai.clone()],
        left: false,
    }
}

const COLLEGE_NAMES: &[&str] = &[
    "Collège Émile-Zola",
    "Collège Françoise-Dolto",
    "Collège Gérard-Philipe",
    "Collège Honoré-de-Balzac",
    "Collège Jean-Moulin",
    "Collège Louise-Michel",
    "Collège Marie-Curie",
    "Collège Olympe-de-Gouges",
];
const LYCEE_NAMES: &[&str] = &[
    "Lycée Ampère",
    "Lycée Édouard-Herriot",
    "Lycée Hélène-Boucher",
    "Lycée Jean-de-La-Fontaine",
    "Lycée Marcelin-Berthelot",
    "Lycée Simone-Veil",
    "Lycée Condorcet",
    "Lycée Germaine-Tillion",
];
/// Fictional towns (with the accents and hyphens real ones have).
const CITIES: &[&str] = &[
    "Bellegarde-sur-Saône",
    "Montrevel-les-Prés",
    "Pré-Saint-Éloi",
    "Saint-Genès-sur-Loire",
    "Sainte-Foy-des-Écluses",
    "Vaulx-en-Bresse",
    "Villefranche-d'Azergues",
];

fn establishment(ctx: &mut Ctx) -> Establishment {
    let pool = match ctx.kind {
        EstablishmentKind::College => COLLEGE_NAMES,
        EstablishmentKind::Lycee => LYCEE_NAMES,
    };
    let name = ctx.rng.pick(pool).copied().unwrap_or("Collège Émile-Zola");
    let city = ctx.rng.pick(CITIES).copied().unwrap_or("Pré-Saint-Éloi");
    Establishment {
        uai: ctx.uai.clone(),
        name: name.to_string(),
        kind: ctx.kind,
        city: city.to_string(),
        school_year: SCHOOL_YEAR,
    }
}

/// A level and its divisions: codes are `{prefix}{A..}` (collège) or
/// `{prefix}{1..}` (lycée); `age` is the usual age reached in the school year.
struct LevelSpec {
    code: &'static str,
    mef: &'static str,
    label: &'static str,
    prefix: &'static str,
    long: &'static str,
    divisions: usize,
    age: i32,
}

// Collège MEFs are the ones seen in AAF samples; the lycée ones are the
// post-2019 "générale" MEFs (not in the reference samples).
const COLLEGE_LEVELS: &[LevelSpec] = &[
    LevelSpec { code: "6e", mef: "10010012110", label: "SIXIEME", prefix: "6", long: "6e", divisions: 6, age: 11 },
    LevelSpec { code: "5e", mef: "10110001110", label: "CINQUIEME", prefix: "5", long: "5e", divisions: 6, age: 12 },
    LevelSpec { code: "4e", mef: "10210001110", label: "QUATRIEME", prefix: "4", long: "4e", divisions: 6, age: 13 },
    LevelSpec { code: "3e", mef: "10310019110", label: "TROISIEME", prefix: "3", long: "3e", divisions: 6, age: 14 },
];
const LYCEE_LEVELS: &[LevelSpec] = &[
    LevelSpec {
        code: "2de",
        mef: "20010019110",
        label: "SECONDE GENERALE ET TECHNOLOGIQUE",
        prefix: "2DE",
        long: "Seconde",
        divisions: 22,
        age: 15,
    },
    LevelSpec {
        code: "1re",
        mef: "20110019110",
        label: "PREMIERE GENERALE",
        prefix: "1RE",
        long: "Première",
        divisions: 21,
        age: 16,
    },
    LevelSpec {
        code: "Tle",
        mef: "20210019110",
        label: "TERMINALE GENERALE",
        prefix: "TLE",
        long: "Terminale",
        divisions: 21,
        age: 17,
    },
];

fn level_specs(kind: EstablishmentKind) -> &'static [LevelSpec] {
    match kind {
        EstablishmentKind::College => COLLEGE_LEVELS,
        EstablishmentKind::Lycee => LYCEE_LEVELS,
    }
}

/// Usual birth year of the pupils of a level (by rank, 1-based).
pub(crate) fn usual_birth_year(kind: EstablishmentKind, rank: u32) -> i32 {
    let specs = level_specs(kind);
    let age = specs.get(rank.saturating_sub(1) as usize).map_or(11, |s| s.age);
    SCHOOL_YEAR - age
}

fn levels(kind: EstablishmentKind) -> Vec<Level> {
    level_specs(kind)
        .iter()
        .zip(1u32..)
        .map(|(s, rank)| Level { code: s.code.to_string(), mef: s.mef.to_string(), label: s.label.to_string(), rank })
        .collect()
}

fn divisions(kind: EstablishmentKind) -> Vec<Division> {
    let mut out = Vec::new();
    for s in level_specs(kind) {
        for i in 0..s.divisions {
            let (code, label) = match kind {
                EstablishmentKind::College => {
                    let letter = char::from(b'A' + i as u8);
                    (format!("{}{letter}", s.prefix), format!("{} {letter}", s.long))
                }
                EstablishmentKind::Lycee => (format!("{}{}", s.prefix, i + 1), format!("{} {}", s.long, i + 1)),
            };
            out.push(Division { code, label, level: s.code.to_string() });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_valid() {
        assert_eq!(days_in_month(2012, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        let mut ctx = Ctx {
            rng: Rng::new(1),
            names: Names::load(),
            kind: EstablishmentKind::College,
            uai: Uai::from_digits("0999001").unwrap(),
            used_ids: BTreeSet::new(),
        };
        for _ in 0..500 {
            let d = ctx.birth_date(2013);
            assert!(chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").is_ok(), "{d}");
        }
    }

    #[test]
    fn structure_sizes() {
        assert_eq!(divisions(EstablishmentKind::College).len(), 24);
        assert_eq!(divisions(EstablishmentKind::Lycee).len(), 64);
        assert_eq!(usual_birth_year(EstablishmentKind::College, 1), 2015);
        assert_eq!(usual_birth_year(EstablishmentKind::Lycee, 3), 2009);
    }
}
