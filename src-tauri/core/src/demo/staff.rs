//! Teachers (STS discipline de poste, divisions taught, some in two
//! establishments), other staff with their fonction codes, and local agents.

use super::names::login_part;
use super::Ctx;
use super::{blank_person, SCHOOL_YEAR};
use crate::model::{Division, EstablishmentKind, Function, Person, Profile, Sex, Uai};

/// Discipline de poste code, label, teachers in a collège, in a lycée.
const DISCIPLINES: &[(&str, &str, u32, u32)] = &[
    ("L0100", "PHILOSOPHIE", 0, 7),
    ("L0201", "LETTRES CLASSIQUES", 2, 3),
    ("L0202", "LETTRES MODERNES", 7, 19),
    ("L0421", "ALLEMAND", 2, 5),
    ("L0422", "ANGLAIS", 5, 18),
    ("L0426", "ESPAGNOL", 3, 10),
    ("L0429", "ITALIEN", 0, 2),
    ("L1000", "HISTOIRE GEOGRAPHIE", 5, 19),
    ("L1100", "SCIENCES ECONOMIQUES ET SOCIALES", 0, 9),
    ("L1300", "MATHEMATIQUES", 7, 26),
    ("L1400", "TECHNOLOGIE", 3, 0),
    ("L1500", "PHYSIQUE CHIMIE", 3, 17),
    ("L1600", "SCIENCES DE LA VIE ET DE LA TERRE", 3, 13),
    ("L1700", "EDUCATION MUSICALE", 2, 1),
    ("L1800", "ARTS PLASTIQUES", 2, 2),
    ("L1900", "EDUCATION PHYSIQUE ET SPORTIVE", 5, 15),
];

/// Which disciplines each level's divisions have: (level code, disciplines,
/// share of the level's divisions in per mille).
const TIMETABLE: &[(&str, &[&str], u32)] = &[
    ("6e", &["L0202", "L1300", "L0422", "L1000", "L1600", "L1400", "L1900", "L1700", "L1800"], 1000),
    ("5e", &["L0202", "L1300", "L0422", "L0426", "L1000", "L1600", "L1500", "L1400", "L1900", "L1700", "L1800"], 1000),
    ("4e", &["L0202", "L1300", "L0422", "L0426", "L1000", "L1600", "L1500", "L1400", "L1900", "L1700", "L1800"], 1000),
    ("3e", &["L0202", "L1300", "L0422", "L0426", "L1000", "L1600", "L1500", "L1400", "L1900", "L1700", "L1800"], 1000),
    ("5e", &["L0421", "L0201"], 500),
    ("4e", &["L0421", "L0201"], 500),
    ("3e", &["L0421", "L0201"], 500),
    ("2de", &["L0202", "L1300", "L1500", "L1600", "L1000", "L0422", "L0426", "L1100", "L1900"], 1000),
    ("2de", &["L0421", "L0201"], 300),
    ("2de", &["L0429", "L1800", "L1700"], 150),
    ("1re", &["L0202", "L1000", "L0422", "L0426", "L1900", "L1300", "L1500", "L1600", "L1100"], 1000),
    ("1re", &["L0421"], 300),
    ("1re", &["L0429", "L1800"], 150),
    ("Tle", &["L0100", "L1000", "L0422", "L0426", "L1900", "L1300", "L1500", "L1600", "L1100"], 1000),
    ("Tle", &["L0421"], 300),
    ("Tle", &["L0429", "L1800"], 150),
];

/// Fonction code, discipline, label, how many (collège, lycée).
const STAFF: &[(&str, Option<&str>, &str, u32, u32)] = &[
    ("DIR", Some("D0010"), "DIRECTION CHEF D'ETABLISSEMENT", 1, 1),
    ("DIR", Some("D0011"), "DIRECTION ADJOINT AU CHEF ETABLISSEMENT", 1, 2),
    ("EDU", Some("E0030"), "EDUCATION (CE ,CPE)", 2, 4),
    ("DOC", Some("L0080"), "DOCUMENTATION", 1, 2),
    ("AED", Some("S0054"), "ENCADRE. SUR. DES ELEVES (HORS INTERNAT)", 4, 10),
    ("AED", Some("S0055"), "ENCADRE. SUR. DES ELEVES (INTERNAT)", 0, 3),
    ("AED", Some("S0093"), "AIDE DEVOIRS ET LECONS", 1, 1),
    ("AED", Some("-"), "SANS OBJET", 1, 1),
    // P9182 and P9222 follow the observed pattern but are unverified (formats.md §7.1).
    ("ADF", Some("P9182"), "GESTION MATERIELLE", 1, 1),
    ("ADF", Some("P9101"), "FONCTION ADMINISTRATIVE", 2, 7),
    ("MDS", None, "PERSONNELS MEDICO-SOCIAUX", 1, 1),
    ("MDS", Some("P9222"), "SERVICE SOCIAL DES ELEVES", 1, 1),
    ("ORI", Some("O0040"), "ORIENTATION", 1, 1),
    ("LAB", None, "PERSONNELS DE LABORATOIRE", 0, 2),
];

pub fn generate(ctx: &mut Ctx, divisions: &[Division]) -> Vec<Person> {
    let college = ctx.kind == EstablishmentKind::College;
    let mut teachers = Vec::new();
    let mut loads: Vec<(&str, usize)> = Vec::new();
    for &(code, label, n_college, n_lycee) in DISCIPLINES {
        let base = if college { n_college } else { n_lycee };
        // Staffing varies a little from one school to the next.
        let n = if base >= 5 { base as i64 + ctx.rng.range(-1, 1) } else { i64::from(base) };
        for _ in 0..n {
            let mut p = employee(ctx, "STS", Profile::Enseignant, 1962, 1999);
            p.functions = vec![Function { code: "ENS".into(), discipline: Some(code.into()), label: label.into() }];
            teachers.push(p);
            loads.push((code, 0));
        }
    }
    // Each (division, discipline) goes to the least-loaded teacher of it.
    for &(level, disciplines, share) in TIMETABLE {
        for d in divisions.iter().filter(|d| d.level == level) {
            if !ctx.rng.chance(share) {
                continue;
            }
            for &disc in disciplines {
                let best = (0..teachers.len()).filter(|&t| loads[t].0 == disc).min_by_key(|&t| (loads[t].1, t));
                if let Some(t) = best {
                    loads[t].1 += 1;
                    if !teachers[t].divisions.contains(&d.code) {
                        teachers[t].divisions.push(d.code.clone());
                    }
                }
            }
        }
    }
    for t in &mut teachers {
        t.divisions.sort_by_key(|c| divisions.iter().position(|d| &d.code == c));
    }
    second_establishments(ctx, &mut teachers);

    let mut people = teachers;
    for &(code, discipline, label, n_college, n_lycee) in STAFF {
        for _ in 0..(if college { n_college } else { n_lycee }) {
            let (from, to) = match code {
                "AED" => (1990, 2005),
                "DIR" => (1964, 1984),
                _ => (1964, 2000),
            };
            let mut p = employee(ctx, "STS", Profile::NonEnseignant, from, to);
            if matches!(code, "DIR" | "EDU") && p.email.is_none() {
                p.email = Some(staff_email(&p));
            }
            p.functions =
                vec![Function { code: code.into(), discipline: discipline.map(str::to_string), label: label.into() }];
            people.push(p);
        }
    }
    // Agents of the département or région: no national fonction.
    let agents = if college { 8 } else { 20 };
    for _ in 0..agents {
        let mut p = employee(ctx, "AGT", Profile::PersonnelCollectivite, 1964, 2002);
        p.birth_date = None;
        p.email = None;
        people.push(p);
    }
    people
}

/// About 8 % of teachers also work in a neighbouring establishment.
fn second_establishments(ctx: &mut Ctx, teachers: &mut [Person]) {
    let body: u64 = ctx.uai.as_str().get(..7).and_then(|d| d.parse().ok()).unwrap_or(999_001);
    let neighbours: Vec<Uai> = [101u64, 202, 303]
        .iter()
        .filter_map(|k| Uai::from_digits(&format!("{:07}", (body + k) % 10_000_000)).ok())
        .collect();
    let count = (teachers.len() * 8 + 50) / 100;
    let mut order: Vec<usize> = (0..teachers.len()).collect();
    ctx.rng.shuffle(&mut order);
    for &i in order.iter().take(count) {
        if let Some(other) = ctx.rng.pick(&neighbours) {
            teachers[i].establishments.push(other.clone());
        }
    }
}

/// A member of staff with civil-status data as STS-Web gives it.
fn employee(ctx: &mut Ctx, prefix: &str, profile: Profile, from: i64, to: i64) -> Person {
    let id = ctx.new_id(prefix);
    let mut p = blank_person(id, profile, &ctx.uai);
    let sex = if ctx.rng.chance(620) { Sex::F } else { Sex::M };
    let year = ctx.rng.range(from, to) as i32;
    let birth = ctx.names.surname(&mut ctx.rng);
    // Married women often work under their spouse's name.
    let usage = if sex == Sex::F && year < SCHOOL_YEAR - 28 && ctx.rng.chance(400) {
        ctx.names.surname(&mut ctx.rng)
    } else {
        birth.clone()
    };
    let first = ctx.names.given(&mut ctx.rng, sex, year);
    let count = 1 + ctx.rng.weighted(&[550, 350, 100]);
    p.given_names = ctx.names.given_list(&mut ctx.rng, sex, year, first, count);
    p.sex = Some(sex);
    p.usage_name = usage;
    p.birth_name = birth;
    p.birth_date = Some(ctx.birth_date(year));
    if ctx.rng.chance(300) {
        p.email = Some(staff_email(&p));
    }
    p
}

fn staff_email(p: &Person) -> String {
    format!("{}.{}@ac-demo.fr", login_part(p.usual_name()), login_part(&p.usage_name))
}

/// One teacher bears exactly the name of a pupil's parent (formats.md A.5).
pub fn plant_parent_homonym(ctx: &mut Ctx, staff: &mut [Person], responsables: &[Person]) {
    // Not a deliberately misspelt duplicate: names as the exports give them.
    let plain: Vec<&Person> = responsables.iter().filter(|p| p.usage_name == p.usage_name.to_uppercase()).collect();
    let Some(parent) = ctx.rng.pick(&plain).copied() else { return };
    let teacher = staff.iter_mut().find(|t| t.profile == Profile::Enseignant && t.sex == parent.sex);
    if let Some(t) = teacher {
        t.usage_name = parent.usage_name.clone();
        t.birth_name = parent.birth_name.clone();
        t.given_names = parent.given_names.clone();
        t.usual_given_name = parent.usual_given_name;
        if t.email.is_some() {
            t.email = Some(staff_email(t));
        }
    }
}
