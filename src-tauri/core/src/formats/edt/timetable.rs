//! The demo's timetable: the school calendar and its week masks, the time
//! grid (8:00–18:00 in places of 55 minutes), rooms, and a greedy placement
//! of each class's, half-class's and group's weekly courses that keeps
//! classes and teachers from being in two places at once.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};

use super::{Course, CourseRef, Place, Room, TimeGrid};
use crate::model::EstablishmentKind;

/// Weeks of the year (1 = the week of `DatePremierJourSemaine1`) with no
/// lessons: Toussaint, Noël, hiver, printemps (2026-2027 dates, one zone).
const HOLIDAY_WEEKS: &[u32] = &[7, 8, 16, 17, 24, 25, 33, 34];
const LAST_WEEK: u32 = 43;

pub(crate) struct Calendar {
    pub week1: NaiveDate,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Calendar {
    /// The year starts with the rentrée on 1 September; week 1 of the
    /// `Semaines` masks starts on the first Monday of September (so the
    /// rentrée days before it fall in no masked week, as with Index's own
    /// choice of week 1).
    pub fn new(year: i32) -> Calendar {
        let sept1 = NaiveDate::from_ymd_opt(year, 9, 1).unwrap_or_default();
        let shift = (7 - sept1.weekday().num_days_from_monday()) % 7;
        let week1 = sept1 + Duration::days(i64::from(shift));
        let end = NaiveDate::from_ymd_opt(year + 1, 8, 31).unwrap_or(week1);
        Calendar { week1, start: sept1, end }
    }

    pub fn iso(d: NaiveDate) -> String {
        d.format("%Y-%m-%d").to_string()
    }

    /// The lesson weeks (1-based, relative to week 1).
    pub fn lesson_weeks() -> impl Iterator<Item = u32> {
        (1..=LAST_WEEK).filter(|w| !HOLIDAY_WEEKS.contains(w))
    }

    /// The ISO week numbers of the lesson weeks, in order (UDT `semaines`).
    pub fn iso_weeks(&self) -> Vec<u32> {
        Self::lesson_weeks().map(|w| (self.week1 + Duration::weeks(i64::from(w) - 1)).iso_week().week()).collect()
    }

    /// The holiday periods, Saturday before to Sunday after (UDT `fermeture`).
    pub fn holidays(&self) -> Vec<(NaiveDate, NaiveDate)> {
        let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
        for w in HOLIDAY_WEEKS {
            let monday = self.week1 + Duration::weeks(i64::from(*w) - 1);
            let (from, to) = (monday - Duration::days(2), monday + Duration::days(6));
            match out.last_mut() {
                Some(last) if last.1 + Duration::days(1) >= from => last.1 = to,
                _ => out.push((from, to)),
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Weeks {
    All,
    Odd,
    Even,
}

/// The `Semaines` bit mask of the lesson weeks (bit n ⇔ week n).
pub(super) fn mask(weeks: Weeks) -> String {
    let bits = Calendar::lesson_weeks()
        .filter(|w| match weeks {
            Weeks::All => true,
            Weeks::Odd => w % 2 == 1,
            Weeks::Even => w % 2 == 0,
        })
        .fold(0u64, |acc, w| acc | 1u64 << w);
    bits.to_string()
}

/// `[1..6,9..15,20]` for a mask, as Index writes in a comment after it.
pub(crate) fn weeks_domain(mask: &str) -> Option<String> {
    let bits: u64 = mask.trim().parse().ok()?;
    let set: Vec<u32> = (0..64).filter(|b| bits >> b & 1 == 1).collect();
    let mut parts = Vec::new();
    let mut i = 0;
    while let Some(&first) = set.get(i) {
        let mut j = i;
        while set.get(j + 1).is_some_and(|n| *n == set[j] + 1) {
            j += 1;
        }
        parts.push(if j > i { format!("{first}..{}", set[j]) } else { first.to_string() });
        i = j + 1;
    }
    Some(format!("[{}]", parts.join(",")))
}

/// Start and end of each place: 8:00 to 17:55, breaks at 9:50 and 15:00.
const PLACES: &[(&str, &str)] = &[
    ("08:00:00", "08:55:00"),
    ("08:55:00", "09:50:00"),
    ("10:05:00", "11:00:00"),
    ("11:00:00", "11:55:00"),
    ("12:00:00", "12:55:00"),
    ("13:05:00", "14:00:00"),
    ("14:00:00", "14:55:00"),
    ("15:10:00", "16:05:00"),
    ("16:05:00", "17:00:00"),
    ("17:00:00", "17:55:00"),
];
const LUNCH: u16 = 4;

pub(super) fn time_grid() -> TimeGrid {
    TimeGrid {
        places_per_day: Some(PLACES.len().to_string()),
        place_minutes: Some("55".into()),
        days: (1..=5).map(|d: u8| d.to_string()).collect(),
        places: PLACES
            .iter()
            .enumerate()
            .map(|(i, (s, e))| Place { number: i.to_string(), start: s.to_string(), end: e.to_string() })
            .collect(),
    }
}

/// Places of 55 minutes a week per discipline and level; a pair is one
/// double session (EPS), a single is a lone place.
fn level_plan(kind: EstablishmentKind, level: &str) -> &'static [(&'static str, &'static [u16])] {
    const COLLEGE_6: &[(&str, &[u16])] = &[
        ("L0202", &[1, 1, 1, 1]),
        ("L1300", &[1, 1, 1, 1]),
        ("L0422", &[1, 1, 1]),
        ("L1000", &[1, 1, 1]),
        ("L1600", &[1]),
        ("L1400", &[1]),
        ("L1900", &[2, 1]),
        ("L1700", &[1]),
        ("L1800", &[1]),
    ];
    const COLLEGE: &[(&str, &[u16])] = &[
        ("L0202", &[1, 1, 1, 1]),
        ("L1300", &[1, 1, 1, 1]),
        ("L0422", &[1, 1, 1]),
        ("L1000", &[1, 1, 1]),
        ("L1600", &[1]),
        ("L1500", &[1]),
        ("L1400", &[1]),
        ("L1900", &[2, 1]),
        ("L1700", &[1]),
        ("L1800", &[1]),
    ];
    const SECONDE: &[(&str, &[u16])] = &[
        ("L0202", &[1, 1, 1, 1]),
        ("L1300", &[1, 1, 1, 1]),
        ("L1500", &[1, 2]),
        ("L1600", &[2]),
        ("L1000", &[1, 1, 1]),
        ("L0422", &[1, 1, 1]),
        ("L1100", &[1]),
        ("L1900", &[2]),
    ];
    const PREMIERE: &[(&str, &[u16])] =
        &[("L0202", &[1, 1, 1, 1]), ("L1000", &[1, 1, 1]), ("L0422", &[1, 1]), ("L1900", &[2])];
    const TERMINALE: &[(&str, &[u16])] =
        &[("L0100", &[1, 1, 1, 1]), ("L1000", &[1, 1, 1]), ("L0422", &[1, 1]), ("L1900", &[2])];
    match (kind, level) {
        (EstablishmentKind::College, "6e") => COLLEGE_6,
        (EstablishmentKind::College, _) => COLLEGE,
        (EstablishmentKind::Lycee, "2de") => SECONDE,
        (EstablishmentKind::Lycee, "1re") => PREMIERE,
        (EstablishmentKind::Lycee, _) => TERMINALE,
    }
}

/// A division as the planner needs it.
pub(super) struct DivPlan {
    pub code: String,
    pub level: String,
    pub class_ident: String,
    /// The two half-class parts, when the class is split.
    pub halves: Option<[String; 2]>,
}

/// How a group appears in courses.
pub(super) enum Target {
    Group(String),
    /// Parts never gathered into a declared `Groupe`.
    Parts(Vec<String>),
}

pub(super) struct GroupPlan {
    pub discipline: &'static str,
    pub divisions: Vec<String>,
    pub target: Target,
}

pub(super) struct Plan {
    pub kind: EstablishmentKind,
    pub divisions: Vec<DivPlan>,
    /// (division, discipline) → teacher ident.
    pub teacher_of: BTreeMap<(String, &'static str), String>,
    pub teachers_by_discipline: BTreeMap<&'static str, Vec<String>>,
    /// discipline (or `VIE`) → subject ident.
    pub subject_of: BTreeMap<&'static str, String>,
    pub groups: Vec<GroupPlan>,
    /// The vacataire takes this (division, discipline).
    pub vacataire: Option<(String, &'static str, String)>,
}

struct Rooms {
    list: Vec<Room>,
    home: Vec<usize>,
    labs: Vec<usize>,
    languages: Vec<usize>,
    special: BTreeMap<&'static str, usize>,
    turn: usize,
}

impl Rooms {
    fn new(divisions: usize, kind: EstablishmentKind) -> Rooms {
        let mut names: Vec<String> = (0..divisions).map(|i| format!("{}{:02}", 1 + i / 12, i % 12 + 1)).collect();
        let home = (0..names.len()).collect();
        let labs_n = if kind == EstablishmentKind::College { 3 } else { 8 };
        let labs = (names.len()..names.len() + labs_n).collect();
        names.extend((1..=labs_n).map(|i| format!("LABO {i}")));
        let languages = (names.len()..names.len() + 4).collect();
        names.extend((1..=4).map(|i| format!("LANGUES {i}")));
        let mut special = BTreeMap::new();
        for (disc, name) in [("L1900", "GYMNASE"), ("L1400", "TECHNO"), ("L1700", "MUSIQUE"), ("L1800", "ARTS PLA")] {
            special.insert(disc, names.len());
            names.push(name.to_string());
        }
        let list =
            names.into_iter().enumerate().map(|(i, name)| Room { ident: (15501 + i).to_string(), name }).collect();
        Rooms { list, home, labs, languages, special, turn: 0 }
    }

    fn for_course(&mut self, discipline: &str, division: Option<usize>, group: bool) -> Option<String> {
        self.turn += 1;
        let i = match discipline {
            "L1600" | "L1500" => self.labs.get(self.turn % self.labs.len().max(1)).copied(),
            d if self.special.contains_key(d) => self.special.get(d).copied(),
            "L0421" | "L0426" | "L0429" | "L0422" if group => {
                self.languages.get(self.turn % self.languages.len().max(1)).copied()
            }
            _ => division.and_then(|d| self.home.get(d).copied()),
        }?;
        self.list.get(i).map(|r| r.ident.clone())
    }
}

struct Grid {
    slots: Vec<(u8, u16)>,
    open: HashSet<(u8, u16)>,
    busy: HashSet<(String, u8, u16)>,
    turn: usize,
}

impl Grid {
    fn new() -> Grid {
        // No lessons at lunch nor on Wednesday afternoon.
        let slots: Vec<(u8, u16)> = (1..=5u8)
            .flat_map(|d| (0..PLACES.len() as u16).map(move |p| (d, p)))
            .filter(|&(d, p)| p != LUNCH && !(d == 3 && p > LUNCH))
            .collect();
        let open = slots.iter().copied().collect();
        Grid { slots, open, busy: HashSet::new(), turn: 0 }
    }

    /// The first start (from a rotating offset, to spread the week) where
    /// `len` places are open and every participant is free; marks them busy.
    fn place(&mut self, len: u16, who: &[String]) -> Option<(u8, u16)> {
        let n = self.slots.len();
        self.turn += 1;
        let offset = (self.turn * 7) % n.max(1);
        for k in 0..n {
            let Some(&(day, start)) = self.slots.get((offset + k) % n) else { continue };
            let cells: Vec<(u8, u16)> = (start..start + len).map(|p| (day, p)).collect();
            let free = cells.iter().all(|c| self.open.contains(c))
                && who.iter().all(|w| cells.iter().all(|&(d, p)| !self.busy.contains(&(w.clone(), d, p))));
            if free {
                for w in who {
                    for &(d, p) in &cells {
                        self.busy.insert((w.clone(), d, p));
                    }
                }
                return Some((day, start));
            }
        }
        None
    }
}

fn refs(idents: &[String], weeks: Weeks) -> Vec<CourseRef> {
    idents.iter().map(|i| CourseRef { ident: i.clone(), weeks: Some(mask(weeks)) }).collect()
}

fn course(slot: (u8, u16), len: u16, subject: Option<&String>) -> Course {
    Course {
        day: slot.0,
        first_place: slot.1,
        places: len,
        subject: subject.cloned(),
        teachers: Vec::new(),
        classes: Vec::new(),
        parts: Vec::new(),
        groups: Vec::new(),
        rooms: Vec::new(),
    }
}

/// The rooms and the weekly courses of the establishment.
pub(super) fn courses(plan: &Plan) -> (Vec<Room>, Vec<Course>) {
    let mut rooms = Rooms::new(plan.divisions.len(), plan.kind);
    let mut grid = Grid::new();
    let mut out = Vec::new();
    let class_key = |code: &str| format!("C:{code}");
    for (di, div) in plan.divisions.iter().enumerate() {
        for &(disc, sessions) in level_plan(plan.kind, &div.level) {
            let teacher = match &plan.vacataire {
                Some((d, v_disc, v)) if *d == div.code && *v_disc == disc => Some(v),
                _ => plan.teacher_of.get(&(div.code.clone(), disc)),
            };
            let Some(teacher) = teacher else { continue };
            for &len in sessions {
                let Some(slot) = grid.place(len, &[class_key(&div.code), teacher.clone()]) else { continue };
                let mut c = course(slot, len, plan.subject_of.get(disc));
                c.teachers = refs(std::slice::from_ref(teacher), Weeks::All);
                c.classes = refs(std::slice::from_ref(&div.class_ident), Weeks::All);
                c.rooms = rooms.for_course(disc, Some(di), false).map(|r| refs(&[r], Weeks::All)).unwrap_or_default();
                out.push(c);
            }
        }
        // Science practicals in half classes, one half each fortnight.
        if let (Some(halves), Some(teacher)) = (&div.halves, plan.teacher_of.get(&(div.code.clone(), "L1600"))) {
            if let Some(slot) = grid.place(1, &[class_key(&div.code), teacher.clone()]) {
                let room = rooms.for_course("L1600", Some(di), false);
                for (half, weeks) in halves.iter().zip([Weeks::Odd, Weeks::Even]) {
                    let mut c = course(slot, 1, plan.subject_of.get("L1600"));
                    c.teachers = refs(std::slice::from_ref(teacher), weeks);
                    c.parts = refs(std::slice::from_ref(half), weeks);
                    c.rooms = room.iter().map(|r| refs(std::slice::from_ref(r), weeks)).next().unwrap_or_default();
                    out.push(c);
                }
            }
        }
        // Vie de classe every other week; the first class has two teachers.
        let main =
            plan.teacher_of.get(&(div.code.clone(), "L0202")).or(plan.teacher_of.get(&(div.code.clone(), "L0100")));
        if let Some(main) = main {
            let mut who = vec![main.clone()];
            if di == 0 {
                who.extend(plan.teacher_of.get(&(div.code.clone(), "L1000")).cloned());
            }
            let mut busy = who.clone();
            busy.push(class_key(&div.code));
            if let Some(slot) = grid.place(1, &busy) {
                let mut c = course(slot, 1, plan.subject_of.get("VIE"));
                c.teachers = refs(&who, Weeks::Even);
                c.classes = refs(std::slice::from_ref(&div.class_ident), Weeks::Even);
                out.push(c);
            }
        }
    }
    for (gi, g) in plan.groups.iter().enumerate() {
        let known = g.divisions.iter().find_map(|d| plan.teacher_of.get(&(d.clone(), g.discipline)));
        let pool = plan.teachers_by_discipline.get(g.discipline);
        let Some(teacher) = known.or_else(|| pool.and_then(|p| p.get(gi % p.len().max(1)))) else { continue };
        // Large cross-class groups (spécialités, lycée languages) run in
        // parallel with their classes' other groups: only the teacher is checked.
        let mut who = vec![teacher.clone()];
        if g.divisions.len() <= 3 {
            who.extend(g.divisions.iter().map(|d| class_key(d)));
        }
        let sessions: &[u16] =
            if g.divisions.len() > 3 && plan.kind == EstablishmentKind::Lycee && g.discipline != "L0426" {
                &[2, 2]
            } else {
                &[1, 1]
            };
        let home = plan.divisions.iter().position(|d| g.divisions.first() == Some(&d.code));
        for &len in sessions {
            let Some(slot) = grid.place(len, &who) else { continue };
            let mut c = course(slot, len, plan.subject_of.get(g.discipline));
            c.teachers = refs(std::slice::from_ref(teacher), Weeks::All);
            match &g.target {
                Target::Group(ident) => c.groups = refs(std::slice::from_ref(ident), Weeks::All),
                Target::Parts(parts) => c.parts = refs(parts, Weeks::All),
            }
            c.rooms = rooms.for_course(g.discipline, home, true).map(|r| refs(&[r], Weeks::All)).unwrap_or_default();
            out.push(c);
        }
    }
    (rooms.list, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_and_domains() {
        assert_eq!(weeks_domain("35132630760702").as_deref(), Some("[1..7,10..16,19..25,28..33,36..44]"));
        assert_eq!(weeks_domain("5791030531412").as_deref(), Some("[2,4,6,8,10,12,14,16,20,22,26,28,30,34,38,40,42]"));
        assert_eq!(weeks_domain("2").as_deref(), Some("[1]"));
        assert_eq!(weeks_domain("x"), None);
        assert_eq!(weeks_domain(&mask(Weeks::All)).as_deref(), Some("[1..6,9..15,18..23,26..32,35..43]"));
        let cal = Calendar::new(2026);
        assert_eq!(Calendar::iso(cal.week1), "2026-09-07");
        assert_eq!(cal.iso_weeks().first(), Some(&37));
    }
}
