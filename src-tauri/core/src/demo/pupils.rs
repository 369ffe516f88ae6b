//! Pupils, their families and responsables (SIECLE BEE model): siblings sharing
//! responsables, twins, planted homonyms, duplicate responsables, departures.

use std::collections::BTreeSet;

use super::names::{accented, login_part, title_case};
use super::rng::Rng;
use super::{blank_person, usual_birth_year, Ctx};
use crate::model::{Division, EstablishmentKind, Level, Person, Profile, Responsibility, ResponsibilityLevel, Sex};

pub struct Population {
    pub pupils: Vec<Person>,
    pub responsables: Vec<Person>,
    pub links: Vec<Responsibility>,
}

/// Reserved example domains (RFC 2606 / 6761): no real mailbox is ever named.
const EMAIL_DOMAINS: &[&str] = &["example.com", "example.net", "example.org", "courriel.example", "fai.example"];
const INE_LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Mother,
    Father,
    /// Second legal representative of the same sex (two mothers / two fathers).
    SecondMother,
    SecondFather,
    Tutor,
    /// Grandparent or other relative acting as the only legal representative.
    Relative,
    Contact,
    InCharge,
}

enum Transmit {
    Father,
    Mother,
    Double { first: String, second: String },
}

#[derive(Default)]
struct ChildPlan {
    level: usize,
    date: Option<String>,
    given: Option<String>,
    sex: Option<Sex>,
    /// May be born a year late or early for the level (single children only).
    off_year: bool,
}

#[derive(Default)]
struct FamilyPlan {
    children: Vec<ChildPlan>,
    roles: Option<Vec<Role>>,
    surname: Option<String>,
    /// Some(variant): force a duplicate responsable (0 e-mail, 1 spelling).
    duplicate: Option<u32>,
}

struct Builder<'a> {
    ctx: &'a mut Ctx,
    targets: Vec<usize>,
    filled: Vec<usize>,
    pupils: Vec<Person>,
    /// Level index of each pupil, parallel to `pupils`.
    pupil_levels: Vec<usize>,
    responsables: Vec<Person>,
    links: Vec<Responsibility>,
}

pub fn generate(ctx: &mut Ctx, levels: &[Level], divisions: &[Division]) -> Population {
    let total = match ctx.kind {
        EstablishmentKind::College => 600 + ctx.rng.range(-20, 20),
        EstablishmentKind::Lycee => 2000 + ctx.rng.range(-40, 40),
    } as usize;
    let targets = levels
        .iter()
        .map(|l| {
            let n = divisions.iter().filter(|d| d.level == l.code).count();
            total * n / divisions.len().max(1)
        })
        .collect::<Vec<_>>();
    let mut b = Builder {
        ctx,
        filled: vec![0; targets.len()],
        targets,
        pupils: Vec::new(),
        pupil_levels: Vec::new(),
        responsables: Vec::new(),
        links: Vec::new(),
    };
    b.plant();
    while let Some(plan) = b.random_plan() {
        b.family(plan);
    }
    b.assign_divisions(levels, divisions);
    b.assign_ine();

    let Builder { mut pupils, mut responsables, mut links, .. } = b;
    pupils.sort_by(|a, b| a.id.cmp(&b.id));
    responsables.sort_by(|a, b| a.id.cmp(&b.id));
    links.sort_by(|a, b| a.pupil_id.cmp(&b.pupil_id));
    Population { pupils, responsables, links }
}

impl Builder<'_> {
    /// A level with room left, weighted by the room left.
    fn pick_level(&mut self, exclude: &[usize]) -> Option<usize> {
        let room: Vec<u32> = (0..self.targets.len())
            .map(|l| {
                let free = self.targets[l].saturating_sub(self.filled[l]);
                if exclude.contains(&l) {
                    0
                } else {
                    free as u32
                }
            })
            .collect();
        if room.iter().all(|&r| r == 0) {
            return None;
        }
        Some(self.ctx.rng.weighted(&room))
    }

    /// The cases `formats.md` A.5–A.6 asks for, whatever the seed.
    fn plant(&mut self) {
        // Twins: same surname, birth date and responsables, different given names.
        if let Some(level) = self.pick_level(&[]) {
            let year = usual_birth_year(self.ctx.kind, level as u32 + 1);
            let date = self.ctx.birth_date(year);
            let child = |date: &String| ChildPlan { level, date: Some(date.clone()), ..Default::default() };
            self.family(FamilyPlan {
                children: vec![child(&date), child(&date)],
                roles: Some(vec![Role::Mother, Role::Father]),
                ..Default::default()
            });
        }
        // Four pairs of homonym pupils, two of them also born the same day.
        for pair in 0..4 {
            let sex = if self.ctx.rng.chance(500) { Sex::M } else { Sex::F };
            let surname = self.ctx.names.common_surname(&mut self.ctx.rng, 40);
            let shared = self.pick_level(&[]);
            let Some(first_level) = shared else { return };
            let year = usual_birth_year(self.ctx.kind, first_level as u32 + 1);
            let given = self.ctx.names.common_given(&mut self.ctx.rng, sex, year, 10);
            let date = (pair < 2).then(|| self.ctx.birth_date(year));
            for member in 0..2 {
                let level = match (&date, member) {
                    (Some(_), _) | (None, 0) => first_level,
                    (None, _) => self.pick_level(&[]).unwrap_or(first_level),
                };
                self.family(FamilyPlan {
                    children: vec![ChildPlan {
                        level,
                        date: date.clone(),
                        given: Some(given.clone()),
                        sex: Some(sex),
                        off_year: false,
                    }],
                    surname: Some(surname.clone()),
                    ..Default::default()
                });
            }
        }
        // A pupil placed with a foster family (personne en charge, ASE).
        if let Some(level) = self.pick_level(&[]) {
            self.family(FamilyPlan {
                children: vec![ChildPlan { level, ..Default::default() }],
                roles: Some(vec![Role::Mother, Role::InCharge]),
                ..Default::default()
            });
        }
        // Duplicate responsables: "LEFEVRE" vs "Lefèvre", and with/without e-mail.
        for (variant, surname) in [(1, Some("LEFEVRE".to_string())), (0, None)] {
            let Some(l1) = self.pick_level(&[]) else { return };
            let Some(l2) = self.pick_level(&[l1]) else { return };
            self.family(FamilyPlan {
                children: vec![
                    ChildPlan { level: l1, ..Default::default() },
                    ChildPlan { level: l2, ..Default::default() },
                ],
                roles: Some(vec![Role::Father, Role::Mother]),
                surname,
                duplicate: Some(variant),
            });
        }
    }

    /// A family drawn at random, or None once every level is full.
    fn random_plan(&mut self) -> Option<FamilyPlan> {
        let first = self.pick_level(&[])?;
        let n = match self.ctx.rng.weighted(&[820, 150, 30]) {
            0 => 1,
            1 => 2,
            _ => 3,
        };
        let mut levels = vec![first];
        while levels.len() < n {
            match self.pick_level(&levels) {
                Some(l) => levels.push(l),
                None => break,
            }
        }
        let single = levels.len() == 1;
        let children =
            levels.into_iter().map(|level| ChildPlan { level, off_year: single, ..Default::default() }).collect();
        Some(FamilyPlan { children, ..Default::default() })
    }

    fn roles(&mut self, siblings: bool) -> Vec<Role> {
        use Role::*;
        let rng = &mut self.ctx.rng;
        // Per pupil: ~3 % none, 45 % one, 40 % two, 11 % three, 1 % four.
        let mut count = rng.weighted(&[40, 450, 400, 110, 10]);
        if count == 0 && siblings {
            count = 1;
        }
        match count {
            0 => vec![],
            1 => match rng.weighted(&[750, 170, 40, 40]) {
                0 => vec![Mother],
                1 => vec![Father],
                2 => vec![Tutor],
                _ => vec![Relative],
            },
            2 => match rng.weighted(&[935, 40, 5, 10, 10]) {
                0 => vec![Mother, Father],
                1 => vec![Mother, Contact],
                2 => vec![Mother, InCharge],
                3 => vec![Mother, SecondMother],
                _ => vec![Father, SecondFather],
            },
            3 if rng.chance(60) => vec![Mother, Father, InCharge],
            3 => vec![Mother, Father, Contact],
            _ => vec![Mother, Father, Contact, Contact],
        }
    }

    fn family(&mut self, plan: FamilyPlan) {
        let kind = self.ctx.kind;
        let siblings = plan.children.len() > 1;
        let roles = match plan.roles {
            Some(r) => r,
            None => self.roles(siblings),
        };
        let has_father = roles.contains(&Role::Father);
        let forced = plan.surname.is_some();
        let father_name = match plan.surname {
            Some(s) => s,
            None => self.ctx.names.surname(&mut self.ctx.rng),
        };
        let mother_name = self.ctx.names.surname(&mut self.ctx.rng);
        let transmit = if forced {
            Transmit::Father
        } else {
            let w = if has_father { [800, 60, 140] } else { [500, 400, 100] };
            match self.ctx.rng.weighted(&w) {
                0 => Transmit::Father,
                1 => Transmit::Mother,
                _ if self.ctx.rng.chance(700) => {
                    Transmit::Double { first: father_name.clone(), second: mother_name.clone() }
                }
                _ => Transmit::Double { first: mother_name.clone(), second: father_name.clone() },
            }
        };

        // Children first: their birth years set the parents' generation.
        let mut child_ids = Vec::new();
        let mut first_names: Vec<String> = Vec::new();
        let mut oldest = i32::MAX;
        for child in plan.children {
            let mut year = usual_birth_year(kind, child.level as u32 + 1);
            if child.off_year && child.date.is_none() {
                match self.ctx.rng.weighted(&[950, 40, 10]) {
                    1 => year -= 1,
                    2 => year += 1,
                    _ => {}
                }
            }
            let date = match child.date {
                Some(d) => d,
                None => self.ctx.birth_date(year),
            };
            oldest = oldest.min(year);
            let sex = child.sex.unwrap_or(if self.ctx.rng.chance(512) { Sex::M } else { Sex::F });
            let mut first = String::new();
            for _ in 0..20 {
                first = match &child.given {
                    Some(g) => g.clone(),
                    None => self.ctx.names.pupil_given(&mut self.ctx.rng, sex, year),
                };
                if child.given.is_some() || !first_names.contains(&first) {
                    break;
                }
            }
            first_names.push(first.clone());
            let count = 1 + self.ctx.rng.weighted(&[600, 280, 120]);
            let given_names = self.ctx.names.given_list(&mut self.ctx.rng, sex, year, first, count);
            let birth_name = match &transmit {
                Transmit::Father => father_name.clone(),
                Transmit::Mother => mother_name.clone(),
                // The 2004 circular's "--" was replaced by a space in 2011.
                Transmit::Double { first, second } => {
                    if (2005..=2011).contains(&year) && self.ctx.rng.chance(700) {
                        format!("{first}--{second}")
                    } else {
                        format!("{first} {second}")
                    }
                }
            };
            let usage_name = match &transmit {
                Transmit::Father if !forced && self.ctx.rng.chance(30) => {
                    format!("{birth_name}-{mother_name}")
                }
                _ => birth_name.clone(),
            };
            let id = self.ctx.new_id("ELV");
            let mut p = blank_person(id.clone(), Profile::Eleve, &self.ctx.uai);
            p.sex = Some(sex);
            p.usual_given_name = usize::from(given_names.len() > 1 && self.ctx.rng.chance(30));
            p.given_names = given_names;
            p.usage_name = usage_name;
            p.birth_name = birth_name;
            p.birth_date = Some(date);
            p.left = self.ctx.rng.chance(50);
            if !p.left {
                self.filled[child.level] += 1;
            }
            self.pupils.push(p);
            self.pupil_levels.push(child.level);
            child_ids.push(id);
        }

        let mut family_resps = Vec::new();
        for role in &roles {
            let (person, level, relationship) = self.responsable(*role, &roles, &father_name, &mother_name, oldest);
            for child in &child_ids {
                self.links.push(Responsibility {
                    responsable_id: person.id.clone(),
                    pupil_id: child.clone(),
                    level,
                    relationship: relationship.to_string(),
                });
            }
            family_resps.push(self.responsables.len());
            self.responsables.push(person);
        }
        // Couples sometimes share one mailbox.
        if let [m, f, ..] = family_resps[..] {
            if roles.starts_with(&[Role::Mother, Role::Father]) && self.ctx.rng.chance(50) {
                let mail = self.responsables[m].email.clone();
                if mail.is_some() {
                    self.responsables[f].email = mail;
                }
            }
        }

        let duplicate = match plan.duplicate {
            Some(v) => Some(v),
            None if child_ids.len() > 1 && self.ctx.rng.chance(80) => Some(self.ctx.rng.below(2) as u32),
            None => None,
        };
        if let (Some(variant), Some(last)) = (duplicate, child_ids.last()) {
            let legal = family_resps.iter().copied().find(|&i| {
                self.links
                    .iter()
                    .any(|l| l.responsable_id == self.responsables[i].id && l.level == ResponsibilityLevel::Legal)
            });
            if let Some(orig) = legal {
                self.duplicate(orig, last, variant);
            }
        }
    }

    /// The same parent entered a second time for a younger sibling.
    fn duplicate(&mut self, orig: usize, pupil_id: &str, variant: u32) {
        let mut dup = self.responsables[orig].clone();
        dup.id = self.ctx.new_id("RSP");
        if variant == 0 {
            dup.email = match dup.email {
                Some(_) => None,
                None => Some(self.email(&dup.given_names[..], &dup.usage_name)),
            };
        } else {
            dup.usage_name = title_case(&accented(&dup.usage_name));
            dup.birth_name = title_case(&accented(&dup.birth_name));
        }
        let orig_id = self.responsables[orig].id.clone();
        for link in &mut self.links {
            if link.pupil_id == pupil_id && link.responsable_id == orig_id {
                link.responsable_id = dup.id.clone();
            }
        }
        self.responsables.push(dup);
    }

    fn responsable(
        &mut self,
        role: Role,
        roles: &[Role],
        father_name: &str,
        mother_name: &str,
        oldest_child: i32,
    ) -> (Person, ResponsibilityLevel, &'static str) {
        use ResponsibilityLevel::{Contact, InCharge, Legal};
        let rng = &mut self.ctx.rng;
        let parent_year = oldest_child - rng.range(24, 40) as i32;
        let other_year = rng.range(1960, 1992) as i32;
        let random_sex = if rng.chance(500) { Sex::M } else { Sex::F };
        let (sex, year, level, code) = match role {
            Role::Mother | Role::SecondMother => (Sex::F, parent_year, Legal, "10"),
            Role::Father | Role::SecondFather => (Sex::M, parent_year, Legal, "20"),
            Role::Tutor => (random_sex, other_year, Legal, "50"),
            Role::Relative => (random_sex, parent_year - rng.range(22, 30) as i32, Legal, "39"),
            Role::Contact => {
                let code = ["39", "90", "37", "38"][rng.weighted(&[500, 300, 100, 100])];
                (random_sex, other_year, Contact, code)
            }
            Role::InCharge => {
                let code = if rng.chance(500) { "51" } else { "42" };
                (random_sex, other_year, InCharge, code)
            }
        };
        let own = self.ctx.names.surname(&mut self.ctx.rng);
        let rng = &mut self.ctx.rng;
        let (birth, usage) = match role {
            Role::Father => (father_name.to_string(), father_name.to_string()),
            Role::Mother => {
                let w = if roles.contains(&Role::Father) { [500, 50, 30, 420] } else { [250, 0, 0, 750] };
                let usage = match rng.weighted(&w) {
                    0 => father_name.to_string(),
                    1 => format!("{father_name}-{mother_name}"),
                    2 => format!("{mother_name}-{father_name}"),
                    _ => mother_name.to_string(),
                };
                (mother_name.to_string(), usage)
            }
            // A grandparent on the father's side usually carries the family name.
            Role::Relative if rng.chance(600) => (father_name.to_string(), father_name.to_string()),
            _ => (own.clone(), own),
        };
        let first = self.ctx.names.given(&mut self.ctx.rng, sex, year);
        let count = if self.ctx.rng.chance(150) { 2 } else { 1 };
        let given = self.ctx.names.given_list(&mut self.ctx.rng, sex, year, first, count);
        let id = self.ctx.new_id("RSP");
        let mut p = blank_person(id, Profile::Responsable, &self.ctx.uai);
        p.sex = Some(sex);
        if self.ctx.rng.chance(700) {
            p.email = Some(self.email(&given, &usage));
        }
        if self.ctx.rng.chance(900) {
            p.mobile = Some(self.ctx.mobile());
        }
        p.given_names = given;
        p.usage_name = usage;
        p.birth_name = birth;
        (p, level, code)
    }

    fn email(&mut self, given: &[String], surname: &str) -> String {
        let g = login_part(given.first().map_or("", String::as_str));
        let n = login_part(surname);
        let rng = &mut self.ctx.rng;
        let domain = rng.pick(EMAIL_DOMAINS).copied().unwrap_or("example.com");
        let initial = g.chars().next().unwrap_or('x');
        let local = match rng.below(4) {
            0 => format!("{g}.{n}"),
            1 => format!("{g}{n}"),
            2 => format!("{initial}.{n}{}", rng.range(10, 99)),
            _ => format!("{n}.{g}"),
        };
        format!("{local}@{domain}")
    }

    /// Deals each level's pupils round-robin over its divisions; a few new
    /// arrivals stay without a class (rentrée) and half the leavers lose theirs.
    fn assign_divisions(&mut self, levels: &[Level], divisions: &[Division]) {
        let unassigned_per_level = match self.ctx.kind {
            EstablishmentKind::College => 2,
            EstablishmentKind::Lycee => 8,
        };
        for (l, level) in levels.iter().enumerate() {
            let codes: Vec<&str> =
                divisions.iter().filter(|d| d.level == level.code).map(|d| d.code.as_str()).collect();
            let mut current: Vec<usize> = (0..self.pupils.len()).filter(|&i| self.pupil_levels[i] == l).collect();
            self.ctx.rng.shuffle(&mut current);
            let (mut skipped, mut dealt) = (0, 0);
            for i in current {
                let p = &mut self.pupils[i];
                let code = if p.left {
                    let keep = self.ctx.rng.chance(500);
                    self.ctx.rng.pick(&codes).filter(|_| keep)
                } else if skipped < unassigned_per_level {
                    skipped += 1;
                    None
                } else {
                    dealt += 1;
                    codes.get((dealt - 1) % codes.len().max(1))
                };
                if let Some(code) = code {
                    p.divisions = vec![code.to_string()];
                }
            }
        }
    }

    /// INE: mostly 10 digits + a letter, some RNIE-like 9 digits + 2 letters;
    /// unique; a couple of pupils have none yet.
    fn assign_ine(&mut self) {
        let missing = match self.ctx.kind {
            EstablishmentKind::College => 2,
            EstablishmentKind::Lycee => 3,
        };
        let mut without = BTreeSet::new();
        while without.len() < missing.min(self.pupils.len()) {
            without.insert(self.ctx.rng.index(self.pupils.len()));
        }
        let mut seen = BTreeSet::new();
        for i in 0..self.pupils.len() {
            if without.contains(&i) {
                continue;
            }
            let ine = loop {
                let rng = &mut self.ctx.rng;
                let candidate = if rng.chance(850) {
                    let digits = rng.below(10_000_000_000);
                    format!("{digits:010}{}", ine_letter(rng))
                } else {
                    let digits = rng.below(1_000_000_000);
                    let a = ine_letter(rng);
                    format!("{digits:09}{a}{}", ine_letter(rng))
                };
                if seen.insert(candidate.clone()) {
                    break candidate;
                }
            };
            self.pupils[i].ine = Some(ine);
        }
    }
}

fn ine_letter(rng: &mut Rng) -> char {
    INE_LETTERS.get(rng.index(INE_LETTERS.len())).map_or('A', |&b| char::from(b))
}
