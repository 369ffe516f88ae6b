//! A synthetic academy for evaluating reconciliation (linkage.md §6.1): an
//! ENT directory over several establishments — families with twins and
//! siblings, married and double names, teachers in several establishments,
//! homonyms across establishments, stale accounts — and, for the evaluated
//! establishments, Pronote-like source records with French-typist
//! corruption, plus records that have no account but a near-twin that does.
//! Every source record carries its true account (or none) and its strata.
//! Each evaluated establishment also gets its timetable export (EDT), in the
//! 2012 or the 2013 layout of real exports: teachers without birth date,
//! every class membership with its `DateSortie`, some pupils changing class
//! during the year, and the level spellings of timetables (`TERM G5` for the
//! ENT's `TG5`).

use super::names::{accented, ascii_fold, title_case, Names};
use super::rng::Rng;
use crate::formats::edt::{self, EdtRecord, Layout, Membership};
use crate::formats::ent_directory::DirectoryAccount;
use crate::formats::FileHeader;
use crate::model::{Profile, Sex, Uai};
use crate::reconcile::{Category, SourceRecord};

#[derive(Debug, Clone)]
pub struct LinkageConfig {
    pub seed: u64,
    /// Establishments in the academy.
    pub establishments: usize,
    /// Households per establishment (each: 1–4 pupils, 1–2 responsables).
    pub households: usize,
    /// Establishments whose source records are produced (the first ones).
    pub evaluated: usize,
    /// Per mille of source records with no account (each next to a near-twin).
    pub orphans: u32,
}

impl Default for LinkageConfig {
    fn default() -> Self {
        LinkageConfig { seed: 1, establishments: 40, households: 230, evaluated: 4, orphans: 60 }
    }
}

/// One evaluated establishment's source records with their truth.
#[derive(Debug, Clone)]
pub struct SourceSet {
    pub uai: String,
    pub records: Vec<SourceRecord>,
    /// Per record: the true account's ENT id, or none.
    pub truth: Vec<Option<String>>,
    /// Per record: the hard cases it belongs to (`twin`, `sibling`, `homonym`, `orphan`…).
    pub strata: Vec<Vec<&'static str>>,
}

/// One evaluated establishment's timetable export, with its truth.
#[derive(Debug, Clone)]
pub struct EdtSet {
    pub layout: Layout,
    /// The export's records, as written to the file.
    pub records: Vec<EdtRecord>,
    /// Its teachers and pupils as source records (`reconcile::from_edt`), with their truth.
    pub set: SourceSet,
    /// Per class of the export: its ident and the ENT's name of that class.
    pub classes: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct LinkageCase {
    pub directory: Vec<DirectoryAccount>,
    /// The Pronote identifiers of the evaluated establishments.
    pub sources: Vec<SourceSet>,
    /// Their timetable exports.
    pub edt: Vec<EdtSet>,
}

/// A person of the synthetic academy, before export.
#[derive(Debug, Clone)]
struct Someone {
    profile: Profile,
    sex: Sex,
    usage: String,
    birth: String,
    given: Vec<String>,
    birth_date: Option<String>,
    ine: Option<String>,
    email: Option<String>,
    uais: Vec<String>,
    /// The establishments whose files list this person (the account's, unless the pupil moved).
    listed_in: Vec<String>,
    classes: Vec<String>,
    /// Indexes of the children (responsables).
    children: Vec<usize>,
    /// Whether the directory has an account for this person.
    has_account: bool,
    strata: Vec<&'static str>,
}

const AZERTY: [&str; 3] = ["AZERTYUIOP", "QSDFGHJKLM", "WXCVBN"];

/// A key next to `c` on a French keyboard.
fn neighbour(rng: &mut Rng, c: char) -> char {
    for (r, row) in AZERTY.iter().enumerate() {
        if let Some(i) = row.find(c) {
            let mut near: Vec<char> = Vec::new();
            let bytes = row.as_bytes();
            if i > 0 {
                near.push(char::from(bytes[i - 1]));
            }
            if i + 1 < bytes.len() {
                near.push(char::from(bytes[i + 1]));
            }
            for other in [r.wrapping_sub(1), r + 1] {
                if let Some(o) = AZERTY.get(other).and_then(|o| o.as_bytes().get(i)) {
                    near.push(char::from(*o));
                }
            }
            return rng.pick(&near).copied().unwrap_or(c);
        }
    }
    c
}

/// One typing error in an upper-case name: substitution by a neighbour key,
/// deletion, doubling or transposition.
fn typo(rng: &mut Rng, name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = (1..chars.len()).filter(|&i| chars[i].is_ascii_uppercase()).collect();
    let Some(&i) = rng.pick(&letters) else { return name.to_string() };
    let mut out = chars.clone();
    match rng.below(4) {
        0 => out[i] = neighbour(rng, chars[i]),
        1 => {
            out.remove(i);
        }
        2 => out.insert(i, chars[i]),
        _ if i + 1 < chars.len() && chars[i + 1].is_ascii_uppercase() => out.swap(i, i + 1),
        _ => out[i] = neighbour(rng, chars[i]),
    }
    out.into_iter().collect()
}

/// Spellings that sound the same.
fn phonetic_variant(name: &str) -> Option<String> {
    let swaps =
        [("PH", "F"), ("TH", "T"), ("EAU", "O"), ("AU", "O"), ("LL", "L"), ("NN", "N"), ("TT", "T"), ("SS", "S")];
    swaps.iter().find(|(from, _)| name.contains(from)).map(|(from, to)| name.replacen(from, to, 1))
}

fn ine(rng: &mut Rng) -> String {
    let digits: String = (0..9).map(|_| char::from(b'0' + rng.below(10) as u8)).collect();
    let letters: String = (0..2).map(|_| char::from(b'A' + rng.below(26) as u8)).collect();
    format!("{digits}{letters}")
}

/// The feminine of a masculine given name, when a common one exists.
fn feminine(given: &str) -> Option<String> {
    let up = given.to_uppercase();
    let pairs = [
        ("LOUIS", "LOUISE"),
        ("JEAN", "JEANNE"),
        ("PAUL", "PAULINE"),
        ("MARTIN", "MARTINE"),
        ("GABRIEL", "GABRIELLE"),
        ("LUCAS", "LUCIE"),
        ("THEO", "THEA"),
        ("ADRIEN", "ADRIENNE"),
    ];
    pairs.iter().find(|(m, _)| *m == up).map(|(_, f)| title_case(f))
}

struct Gen {
    rng: Rng,
    names: Names,
    people: Vec<Someone>,
}

impl Gen {
    fn date(&mut self, year: i32) -> String {
        let month = self.rng.range(1, 12);
        let day = self.rng.range(1, 28);
        format!("{year:04}-{month:02}-{day:02}")
    }

    fn person(&mut self, profile: Profile, sex: Sex, usage: String, year: i32, uai: &str) -> Someone {
        let first = self.names.pupil_given(&mut self.rng, sex, year);
        let count = 1 + self.rng.below(3) as usize;
        let given = self.names.given_list(&mut self.rng, sex, year, first, count);
        Someone {
            profile,
            sex,
            birth: usage.clone(),
            usage,
            given,
            birth_date: None,
            ine: None,
            email: None,
            uais: vec![uai.to_string()],
            listed_in: vec![uai.to_string()],
            classes: Vec::new(),
            children: Vec::new(),
            has_account: true,
            strata: Vec::new(),
        }
    }

    /// A household: 1–2 responsables and 1–4 pupils, twins and double names included.
    fn household(&mut self, uai: &str, classes: &[String]) {
        let father_name = self.names.surname(&mut self.rng);
        let mother_name = self.names.surname(&mut self.rng);
        let base_year = 2009 + self.rng.range(0, 6) as i32;
        let children_count = 1 + self.rng.weighted(&[50, 30, 15, 5]);
        let double = self.rng.chance(120) && father_name != mother_name;
        let mut children = Vec::new();
        let mut year = base_year;
        let mut twin_of: Option<usize> = None;
        for c in 0..children_count {
            let sex = if self.rng.chance(500) { Sex::M } else { Sex::F };
            let surname = if double {
                // `A--B` for those born 2005–2011, a space after.
                if year <= 2011 {
                    format!("{father_name}--{mother_name}")
                } else {
                    format!("{father_name} {mother_name}")
                }
            } else {
                father_name.clone()
            };
            let mut p = self.person(Profile::Eleve, sex, surname, year, uai);
            let twins = c > 0 && twin_of.is_none() && self.rng.chance(150);
            if twins {
                if let Some(&prev) = children.last() {
                    let prev_person: &Someone = &self.people[prev];
                    p.birth_date = prev_person.birth_date.clone();
                    p.sex = if self.rng.chance(500) { prev_person.sex } else { Sex::F };
                    if let (Sex::F, Some(f)) = (p.sex, feminine(&prev_person.given[0])) {
                        p.given[0] = f;
                    }
                    p.strata.push("twin");
                    twin_of = Some(prev);
                }
            }
            if p.birth_date.is_none() {
                let d = self.date(year);
                p.birth_date = Some(d);
            }
            if c > 0 && !twins {
                p.strata.push("sibling");
            }
            p.ine = Some(ine(&mut self.rng));
            p.classes = self.rng.pick(classes).cloned().into_iter().collect();
            if let Some(t) = twin_of.filter(|_| twins) {
                self.people[t].strata.push("twin");
                p.classes = self.people[t].classes.clone();
            }
            self.people.push(p);
            children.push(self.people.len() - 1);
            if !twins {
                year += 1 + self.rng.range(0, 2) as i32;
            }
        }
        // Responsables: the father, the mother (often with the father's usage name).
        let parents = if self.rng.chance(850) { 2 } else { 1 };
        let shared_email = self
            .rng
            .chance(200)
            .then(|| format!("famille.{}@example.org", ascii_fold(&father_name).to_lowercase().replace(' ', "")));
        for k in 0..parents {
            let (sex, birth_name) = if k == 0 { (Sex::M, father_name.clone()) } else { (Sex::F, mother_name.clone()) };
            let year = base_year - 28 - self.rng.range(0, 12) as i32;
            let mut p = self.person(Profile::Responsable, sex, birth_name.clone(), year, uai);
            if k == 1 && self.rng.chance(600) {
                p.usage =
                    if self.rng.chance(300) { format!("{father_name}-{mother_name}") } else { father_name.clone() };
                p.strata.push("usage_name");
            }
            p.children = children.clone();
            p.email = shared_email.clone().or_else(|| {
                self.rng.chance(700).then(|| {
                    format!(
                        "{}.{}{}@example.org",
                        ascii_fold(&p.given[0]).to_lowercase(),
                        ascii_fold(&p.usage).to_lowercase().replace([' ', '\''], ""),
                        self.rng.below(100)
                    )
                })
            });
            self.people.push(p);
        }
    }

    fn teacher(&mut self, uais: Vec<String>, classes: &[String]) {
        let sex = if self.rng.chance(600) { Sex::F } else { Sex::M };
        let year = 1965 + self.rng.range(0, 30) as i32;
        let name = self.names.surname(&mut self.rng);
        let first = uais.first().cloned().unwrap_or_default();
        let mut p = self.person(Profile::Enseignant, sex, name, year, &first);
        if sex == Sex::F && self.rng.chance(300) {
            p.birth = self.names.surname(&mut self.rng);
            p.strata.push("usage_name");
        }
        if uais.len() > 1 {
            p.strata.push("multi_establishment");
        }
        p.listed_in = uais.clone();
        p.uais = uais;
        p.birth_date = self.rng.chance(500).then(|| self.date(year));
        p.email = Some(format!(
            "{}.{}@ac-demo.fr",
            ascii_fold(&p.given[0]).to_lowercase(),
            ascii_fold(&p.usage).to_lowercase().replace([' ', '\''], "")
        ));
        p.classes = (0..3).filter_map(|_| self.rng.pick(classes).cloned()).collect();
        self.people.push(p);
    }

    /// A different person with `of`'s surname and first given name and
    /// profile, in establishment `uai`; `of` is left as is.
    fn namesake(&mut self, of: usize, uai: &str, classes: &[String]) -> Someone {
        let o = self.people[of].clone();
        let year = o.birth_date.as_deref().and_then(|d| d.get(..4)).and_then(|y| y.parse().ok()).unwrap_or(1980) + 3;
        let mut p = self.person(o.profile, o.sex, o.usage.clone(), year, uai);
        p.given[0] = o.given[0].clone();
        p.given.truncate(1);
        p.birth_date = Some(self.date(year));
        p.classes = (0..3).filter_map(|_| self.rng.pick(classes).cloned()).collect();
        if o.profile == Profile::Eleve {
            p.classes.truncate(1);
            p.ine = Some(ine(&mut self.rng));
        }
        p.email = o
            .email
            .as_ref()
            .map(|_| format!("{}.{}@ac-demo.fr", self.rng.below(1000), ascii_fold(&p.usage).to_lowercase()));
        p.strata = vec!["namesake_elsewhere"];
        p
    }
}

/// A collège's classes (`6E1`…) or a lycée's (`2DE1`, `1G1`, `TG1`…), as the ENT names them.
fn classes_of(n: usize, lycee: bool) -> Vec<String> {
    let levels: &[&str] = if lycee { &["2DE", "1G", "TG"] } else { &["6E", "5E", "4E", "3E"] };
    levels.iter().flat_map(|l| (1..=n).map(move |i| format!("{l}{i}"))).collect()
}

/// How a timetable spells an ENT class name, by the establishment's habit:
/// `TG5` → `TERM G5`, `TLE G5` or `Terminale G5`; `1G2` → `1RE G2`…; `6E1` → `6EME 1`.
fn timetable_class(ent: &str, habit: usize) -> String {
    let (level, rest) = if let Some(r) = ent.strip_prefix("TG") {
        (["TERM G", "TLE G", "Terminale G"][habit % 3], r)
    } else if let Some(r) = ent.strip_prefix("1G") {
        (["1RE G", "1ère G", "PREMIERE G"][habit % 3], r)
    } else if let Some(r) = ent.strip_prefix("2DE") {
        (["2NDE", "SECONDE ", "2DE "][habit % 3], r)
    } else {
        let (l, r) = ent.split_at(ent.find('E').map_or(0, |i| i + 1));
        let level = match (l, habit % 3) {
            (_, 0) => return ent.to_string(),
            ("6E", 1) => "6EME ",
            ("5E", 1) => "5EME ",
            ("4E", 1) => "4EME ",
            ("3E", 1) => "3EME ",
            ("6E", _) => "6°",
            ("5E", _) => "5°",
            ("4E", _) => "4°",
            ("3E", _) => "3°",
            _ => return ent.to_string(),
        };
        (level, r)
    };
    format!("{level}{rest}")
}

/// Source spelling of a person, as another system keyed it.
fn corrupt_name(rng: &mut Rng, name: &str, strata: &mut Vec<&'static str>) -> String {
    let mut out = name.to_string();
    let r = rng.below(1000);
    if r < 80 {
        out = typo(rng, &out);
        strata.push("typo");
    } else if r < 130 {
        if let Some(v) = phonetic_variant(&out) {
            out = v;
            strata.push("phonetic");
        }
    } else if r < 200 {
        out = out.replace("--", " ").replace('-', " ");
    } else if r < 260 {
        out = out.replace(' ', "");
    } else if r < 300 {
        out = out.replace('\'', "’");
    }
    if rng.chance(300) {
        out = title_case(&out);
    }
    if rng.chance(100) {
        out = accented(&out);
    }
    out
}

fn source_of(
    rng: &mut Rng,
    p: &Someone,
    row: usize,
    id: String,
    children: Vec<String>,
) -> (SourceRecord, Vec<&'static str>) {
    let mut strata = p.strata.clone();
    let category = match p.profile {
        Profile::Eleve => Category::Eleve,
        Profile::Responsable => Category::Responsable,
        _ => Category::Enseignant,
    };
    let mut last = corrupt_name(rng, &p.usage, &mut strata);
    let mut given = p.given.first().cloned().unwrap_or_default();
    if p.given.len() > 1 && rng.chance(40) {
        given = p.given[1].clone();
        strata.push("prenom_usuel");
    } else if p.given.len() > 1 && rng.chance(150) {
        given = p.given.join(" ");
    }
    if rng.chance(60) {
        given = typo(rng, &given.to_uppercase());
        strata.push("typo");
    }
    if rng.chance(8) {
        std::mem::swap(&mut last, &mut given);
        strata.push("swapped");
    }
    let mut birth_date = match p.profile {
        Profile::Responsable => None,
        // Pronote seldom has a teacher's birth date.
        Profile::Eleve => p.birth_date.clone(),
        _ => p.birth_date.clone().filter(|_| rng.chance(300)),
    };
    if p.profile == Profile::Enseignant && birth_date.is_none() {
        strata.push("no_birth_date");
    }
    if let Some(d) = &birth_date {
        let r = rng.below(1000);
        if r < 10 {
            let parts: Vec<&str> = d.split('-').collect();
            if let [y, m, dd] = parts[..] {
                if dd.parse::<u32>().is_ok_and(|x| x <= 12) {
                    birth_date = Some(format!("{y}-{dd}-{m}"));
                    strata.push("date_error");
                }
            }
        } else if r < 30 {
            birth_date = None;
        }
    }
    let ine = match &p.ine {
        Some(_) if rng.chance(50) => None,
        Some(i) if rng.chance(2) => {
            strata.push("ine_error");
            Some(typo(rng, i))
        }
        other => other.clone(),
    };
    let record = SourceRecord {
        row,
        id,
        category,
        last_name: last,
        first_name: given,
        birth_date,
        ine,
        email: None,
        classes: p.classes.clone(),
        children,
    };
    (record, strata)
}

/// Generates the academy, its directory and the evaluated sources.
pub fn generate_linkage(cfg: &LinkageConfig) -> LinkageCase {
    let mut g = Gen { rng: Rng::new(cfg.seed ^ 0x4C49_4E4B), names: Names::load(), people: Vec::new() };
    let uais: Vec<String> = (0..cfg.establishments)
        .filter_map(|i| Uai::from_digits(&format!("0{:06}", 990_000 + i)).ok().map(|u| u.to_string()))
        .collect();
    // Collèges and lycées in turn.
    let class_lists: Vec<Vec<String>> = (0..uais.len()).map(|e| classes_of(6, e % 2 == 1)).collect();
    for (e, uai) in uais.iter().enumerate() {
        let classes = &class_lists[e];
        for _ in 0..cfg.households {
            g.household(uai, classes);
        }
        for _ in 0..(cfg.households / 5).max(3) {
            let mut list = vec![uai.clone()];
            // A quarter teach in one or two more establishments.
            if g.rng.chance(250) {
                for k in 1..=1 + g.rng.below(2) as usize {
                    if let Some(other) = uais.get((e + k) % uais.len()).filter(|o| !list.contains(o)) {
                        list.push(other.clone());
                    }
                }
            }
            g.teacher(list, classes);
        }
    }
    // Homonyms: a pupil of an evaluated establishment gets a namesake elsewhere.
    let pupils: Vec<usize> = (0..g.people.len()).filter(|&i| g.people[i].profile == Profile::Eleve).collect();
    for _ in 0..(pupils.len() / 50) {
        let (Some(&a), Some(&b)) = (g.rng.pick(&pupils), g.rng.pick(&pupils)) else { continue };
        if a == b || g.people[a].uais == g.people[b].uais {
            continue;
        }
        let (surname, first) = (g.people[a].usage.clone(), g.people[a].given[0].clone());
        let same_date = g.rng.chance(100).then(|| g.people[a].birth_date.clone()).flatten();
        let other = &mut g.people[b];
        other.usage = surname.clone();
        other.birth = surname;
        other.given[0] = first;
        if let Some(d) = same_date {
            other.birth_date = Some(d);
        }
        other.strata.push("homonym");
        g.people[a].strata.push("homonym");
    }
    let evaluated: Vec<String> = uais.iter().take(cfg.evaluated).cloned().collect();
    let listed = |p: &Someone| p.listed_in.iter().any(|u| evaluated.contains(u));
    let elsewhere = |rng: &mut Rng, not: &[String]| -> Option<String> {
        let others: Vec<&String> = uais.iter().filter(|u| !not.contains(u)).collect();
        rng.pick(&others).map(|u| (*u).clone())
    };
    let class_of = |uai: &str| uais.iter().position(|u| u == uai).map_or(&class_lists[0], |e| &class_lists[e]);
    // Teachers of the evaluated establishments with a namesake teacher elsewhere.
    let teachers: Vec<usize> =
        (0..g.people.len()).filter(|&i| g.people[i].profile == Profile::Enseignant && listed(&g.people[i])).collect();
    for &t in &teachers {
        if !g.rng.chance(150) {
            continue;
        }
        let Some(other) = elsewhere(&mut g.rng, &g.people[t].uais) else { continue };
        let twin = g.namesake(t, &other, class_of(&other));
        g.people[t].strata.push("namesake_elsewhere");
        g.people.push(twin);
    }
    // Teachers with no account yet, whose only namesake teaches elsewhere.
    for uai in &evaluated {
        let far: Vec<usize> = (0..g.people.len())
            .filter(|&i| g.people[i].profile == Profile::Enseignant && !g.people[i].uais.contains(uai))
            .filter(|&i| g.people[i].has_account)
            .collect();
        for _ in 0..(cfg.households / 60).max(1) {
            let Some(&t) = g.rng.pick(&far) else { break };
            let mut orphan = g.namesake(t, uai, class_of(uai));
            orphan.has_account = false;
            orphan.birth_date = None;
            orphan.strata = vec!["orphan", "namesake_elsewhere"];
            g.people.push(orphan);
        }
    }
    // Pupils who moved: the account still names their former establishment.
    let pupils: Vec<usize> =
        (0..g.people.len()).filter(|&i| g.people[i].profile == Profile::Eleve && listed(&g.people[i])).collect();
    for &p in &pupils {
        if g.rng.chance(20) {
            let Some(former) = elsewhere(&mut g.rng, &g.people[p].uais) else { continue };
            g.people[p].uais = vec![former];
            g.people[p].strata.push("moved");
        }
    }
    // New pupils with no account yet, and a girl of another establishment
    // with the same name and birth date (`X--DU` there `X DU Y`): without
    // an INE nothing tells them apart.
    let far: Vec<usize> = (0..g.people.len())
        .filter(|&i| g.people[i].profile == Profile::Eleve && !listed(&g.people[i]) && g.people[i].has_account)
        .collect();
    for uai in &evaluated {
        for _ in 0..(cfg.households / 40).max(1) {
            let Some(&p) = g.rng.pick(&far) else { break };
            let mut newcomer = g.people[p].clone();
            let words: Vec<&str> = newcomer.usage.split([' ', '-']).filter(|w| !w.is_empty()).collect();
            if words.len() >= 3 {
                newcomer.usage = format!("{}--{}", words[0], words[1]);
            }
            newcomer.birth = newcomer.usage.clone();
            newcomer.children.clear();
            newcomer.has_account = false;
            newcomer.ine = None;
            newcomer.uais = vec![uai.clone()];
            newcomer.listed_in = vec![uai.clone()];
            newcomer.classes = g.rng.pick(class_of(uai)).cloned().into_iter().collect();
            newcomer.strata = vec!["orphan", "namesake_elsewhere"];
            g.people[p].strata.push("namesake_elsewhere");
            g.people.push(newcomer);
        }
    }
    // Orphans: people with no account, next to a near-twin that has one.
    let candidates: Vec<usize> = (0..g.people.len())
        .filter(|&i| {
            g.people[i].profile == Profile::Eleve && g.people[i].has_account && evaluated.contains(&g.people[i].uais[0])
        })
        .collect();
    let orphan_count = candidates.len() * cfg.orphans as usize / 1000;
    for _ in 0..orphan_count {
        let Some(&near) = g.rng.pick(&candidates) else { break };
        let mut twin = g.people[near].clone();
        twin.children.clear();
        twin.has_account = false;
        twin.listed_in = twin.uais.clone();
        twin.strata = vec!["orphan"];
        twin.ine = Some(ine(&mut g.rng));
        let year =
            twin.birth_date.as_deref().and_then(|d| d.get(..4)).and_then(|y| y.parse::<i32>().ok()).unwrap_or(2012);
        match g.rng.below(3) {
            // A twin the directory lacks (gendered variant or another name).
            0 => {
                twin.given = match feminine(&twin.given[0]) {
                    Some(f) => vec![f],
                    None => vec![g.names.pupil_given(&mut g.rng, twin.sex, 2012)],
                };
            }
            // A sibling a year apart.
            1 => {
                twin.birth_date = Some(g.date(year + 1));
                twin.given = vec![g.names.pupil_given(&mut g.rng, twin.sex, year + 1)];
            }
            // A cousin: same name and first given name, another date.
            _ => {
                twin.birth_date = Some(g.date(year - 1));
            }
        }
        g.people.push(twin);
    }
    // The directory.
    let ent_id = |i: usize| format!("ent-{:07}", i);
    let mut directory = Vec::new();
    for (i, p) in g.people.iter().enumerate().filter(|(_, p)| p.has_account) {
        directory.push(DirectoryAccount {
            ent_id: ent_id(i),
            login: None,
            last_name: p.usage.clone(),
            birth_name: Some(p.birth.clone()),
            first_name: title_case(&p.given.join(" ")),
            profile: p.profile,
            birth_date: p.birth_date.clone(),
            classes: p.classes.clone(),
            establishments: p.uais.clone(),
            ine: p.ine.clone(),
            children: p.children.iter().map(|&c| ent_id(c)).collect(),
            email: p.email.clone(),
        });
    }
    // The sources of the evaluated establishments, in a shuffled order.
    let mut sources = Vec::new();
    for uai in &evaluated {
        let mut members: Vec<usize> = (0..g.people.len()).filter(|&i| g.people[i].listed_in.contains(uai)).collect();
        g.rng.shuffle(&mut members);
        let source_id = |i: usize| format!("PN{:07}", i);
        let mut set = SourceSet { uai: uai.clone(), records: Vec::new(), truth: Vec::new(), strata: Vec::new() };
        for (row, &i) in members.iter().enumerate() {
            let p = g.people[i].clone();
            let children = p.children.iter().map(|&c| source_id(c)).collect();
            let (record, strata) = source_of(&mut g.rng, &p, row + 1, source_id(i), children);
            set.records.push(record);
            set.truth.push(p.has_account.then(|| ent_id(i)));
            set.strata.push(strata);
        }
        sources.push(set);
    }
    let edt = evaluated
        .iter()
        .enumerate()
        .map(|(k, uai)| {
            let layout = if k % 2 == 0 { Layout::Edt2013 } else { Layout::Edt2012 };
            edt_set(&mut g, uai, class_of(uai), layout, k)
        })
        .collect();
    LinkageCase { directory, sources, edt }
}

const YEAR_START: &str = "2026-09-01";
const YEAR_END: &str = "2027-08-31";
/// The day a pupil changing class leaves the first one.
const CLASS_CHANGE: &str = "2026-12-04";

/// The timetable export of establishment `uai`: its classes spelled the
/// timetable's way (`habit`), its teachers (never a birth date) and pupils
/// with their class memberships, each until its `DateSortie`.
fn edt_set(g: &mut Gen, uai: &str, classes: &[String], layout: Layout, habit: usize) -> EdtSet {
    use crate::formats::edt::{Class, Pupil, SchoolYear, Sex as EdtSex, Teacher};
    let mut members: Vec<usize> = (0..g.people.len())
        .filter(|&i| {
            let p = &g.people[i];
            p.listed_in.iter().any(|u| u == uai) && matches!(p.profile, Profile::Eleve | Profile::Enseignant)
        })
        .collect();
    g.rng.shuffle(&mut members);
    // Teachers first, as the export's sections come.
    members.sort_by_key(|&i| g.people[i].profile != Profile::Enseignant);
    let ent_id = |i: usize| format!("ent-{:07}", i);
    let mut records = vec![EdtRecord::SchoolYear(SchoolYear {
        start: Some(YEAR_START.into()),
        end: Some(YEAR_END.into()),
        week1: Some("2026-08-31".into()),
    })];
    let class_ident: Vec<(String, String)> =
        classes.iter().enumerate().map(|(n, c)| ((n + 1).to_string(), c.clone())).collect();
    for (ident, ent) in &class_ident {
        records.push(EdtRecord::Class(Class {
            ident: ident.clone(),
            name: timetable_class(ent, habit),
            parts: Vec::new(),
        }));
    }
    let ident_of = |name: &str| class_ident.iter().find(|(_, c)| c == name).map(|(i, _)| i.clone());
    let mut truth = Vec::new();
    let mut strata = Vec::new();
    for (n, &i) in members.iter().enumerate() {
        let p = g.people[i].clone();
        let ident = format!("{}", 100 + n);
        let (record, mut st) = source_of(&mut g.rng, &p, n + 1, ident.clone(), Vec::new());
        st.push(if layout == Layout::Edt2012 { "edt_2012" } else { "edt_2013" });
        let id_pn = Some(format!("PN{:07}", i));
        if p.profile == Profile::Enseignant {
            st.retain(|s| *s != "no_birth_date");
            st.push("no_birth_date");
            records.push(EdtRecord::Teacher(Teacher {
                ident,
                last_name: super::names::ascii_fold(&record.last_name).to_uppercase(),
                first_name: super::names::ascii_fold(&record.first_name).to_uppercase(),
                postal_code: None,
                birth_date: None,
                id_sts: None,
                id_pn,
                id_cas: None,
            }));
        } else {
            let current =
                p.classes.first().and_then(|c| ident_of(c)).or_else(|| class_ident.first().map(|c| c.0.clone()));
            let mut memberships = Vec::new();
            let member = |ident: String, from: &str, to: &str| Membership {
                ident,
                from: Some(from.to_string()),
                to: Some(to.to_string()),
            };
            if let Some(current) = current {
                // Some changed class before Christmas: the first one ends then.
                if g.rng.chance(60) {
                    let other = g.rng.pick(&class_ident).map(|c| c.0.clone()).filter(|o| *o != current);
                    if let Some(other) = other {
                        memberships.push(member(other, YEAR_START, CLASS_CHANGE));
                        memberships.push(member(current, "2026-12-05", YEAR_END));
                        st.push("class_change");
                    } else {
                        memberships.push(member(current, YEAR_START, YEAR_END));
                    }
                } else {
                    memberships.push(member(current, YEAR_START, YEAR_END));
                }
            }
            records.push(EdtRecord::Pupil(Pupil {
                ident,
                last_name: record.last_name.clone(),
                first_name: record.first_name.clone(),
                birth_date: record.birth_date.clone(),
                sex: Some(if p.sex == Sex::F { EdtSex::Feminin } else { EdtSex::Masculin }),
                postal_code: None,
                national_id: record.ine.clone(),
                id_sconet: None,
                id_pn,
                id_cas: None,
                id_establishment: None,
                responsables: Vec::new(),
                classes: memberships,
                parts: Vec::new(),
            }));
        }
        truth.push(p.has_account.then(|| ent_id(i)));
        strata.push(st);
    }
    let set = SourceSet { uai: uai.to_string(), records: crate::reconcile::from_edt(&records), truth, strata };
    EdtSet { layout, records, set, classes: class_ident }
}

impl LinkageConfig {
    /// About `accounts` ENT accounts over `establishments` establishments
    /// (a household gives about 3.8 accounts, teachers included).
    pub fn academy(seed: u64, establishments: usize, accounts: usize) -> LinkageConfig {
        let establishments = establishments.max(1);
        let households = (accounts * 10).div_ceil(38 * establishments).max(1);
        LinkageConfig { seed, establishments, households, evaluated: 4.min(establishments), orphans: 60 }
    }
}

fn pronote_user(r: &SourceRecord) -> crate::formats::pronote_ids::PronoteUser {
    use crate::formats::pronote_ids::PronoteCategory;
    crate::formats::pronote_ids::PronoteUser {
        pronote_id: r.id.clone(),
        category: match r.category {
            Category::Eleve => PronoteCategory::Eleve,
            Category::Responsable => PronoteCategory::Responsable,
            Category::MaitreDeStage => PronoteCategory::MaitreDeStage,
            Category::InspecteurPedagogique => PronoteCategory::InspecteurPedagogique,
            Category::Personnel => PronoteCategory::Personnel,
            Category::Enseignant | Category::ClasseGroupe => PronoteCategory::Enseignant,
        },
        last_name: r.last_name.clone(),
        first_name: r.first_name.clone(),
        birth_date: r.birth_date.clone(),
        classes: r.classes.clone(),
        ine: r.ine.clone(),
        children: r.children.clone(),
    }
}

/// Writes the academy: the whole ENT directory export, the Pronote
/// identifiers file and the timetable export of each evaluated
/// establishment, and the truth (per source record: its true account or
/// none, and its strata; per timetable class: the ENT's class).
pub fn write_academy(case: &LinkageCase, dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    use crate::formats::csvtable::CsvStyle;
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let mut write = |name: String, bytes: Vec<u8>| -> std::io::Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, bytes)?;
        written.push(path);
        Ok(())
    };
    write("export_annuaire_ENT_academie.csv".into(), crate::formats::ent_directory::write(&case.directory))?;
    let mut truth = Vec::new();
    for set in &case.sources {
        let users: Vec<_> =
            set.records.iter().filter(|r| r.category != Category::ClasseGroupe).map(pronote_user).collect();
        write(
            format!("identifiants_pronote_{}.csv", set.uai),
            crate::formats::pronote_ids::write(&users, CsvStyle::UTF8_BOM),
        )?;
        let records: Vec<serde_json::Value> = set
            .records
            .iter()
            .zip(&set.truth)
            .zip(&set.strata)
            .map(|((r, t), s)| serde_json::json!({ "source_id": r.id, "ent_id": t, "strata": s }))
            .collect();
        truth.push(serde_json::json!({ "uai": set.uai, "records": records }));
    }
    let mut timetables = Vec::new();
    for e in &case.edt {
        let header = FileHeader {
            uai: Some(e.set.uai.clone()),
            school_year: Some(2026),
            version: Some("1.1".into()),
            ..FileHeader::default()
        };
        write(format!("Edt_To_ENT_{}_Enclair.xml", e.set.uai), edt::write_layout(&header, &e.records, e.layout))?;
        let records: Vec<serde_json::Value> = e
            .set
            .records
            .iter()
            .zip(&e.set.truth)
            .zip(&e.set.strata)
            .map(|((r, t), s)| serde_json::json!({ "source_id": r.id, "ent_id": t, "strata": s }))
            .collect();
        let classes: Vec<serde_json::Value> =
            e.classes.iter().map(|(ident, ent)| serde_json::json!({ "ident": ident, "ent_class": ent })).collect();
        let layout = if e.layout == Layout::Edt2012 { "2012" } else { "2013" };
        timetables
            .push(serde_json::json!({ "uai": e.set.uai, "layout": layout, "records": records, "classes": classes }));
    }
    let text = serde_json::to_vec_pretty(&serde_json::json!({
        "accounts": case.directory.len(),
        "establishments": truth,
        "timetables": timetables,
    }))
    .map_err(std::io::Error::other)?;
    write("truth_academie.json".into(), text)?;
    Ok(written)
}
