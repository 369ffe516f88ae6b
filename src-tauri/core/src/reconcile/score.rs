//! Comparing one source record with one account, field by field, Fellegi–
//! Sunter style: each field's agreement level adds a weight (log₂ of how much
//! likelier it is for the same person than for two others), the exact levels
//! of the names adjusted by how common the name is in the directory. Each
//! level comes with its French line of evidence; some levels veto automatic
//! linking whatever the total.

use rustc_hash::FxHashMap;
use strsim::{jaro_winkler, osa_distance};

use super::index::{unpack_date, AccountRef, Directory};
use super::names::{gendered_pair, GivenNames, Surname};
use super::{Category, ProfileLabel};

/// A source record ready for comparison.
#[derive(Debug, Clone)]
pub(super) struct Query {
    pub category: Category,
    pub surname: Surname,
    pub given: GivenNames,
    /// The first given name read as a surname (the swapped-fields check).
    pub given_as_surname: Surname,
    pub birth_date: Option<String>,
    /// `birth_date` as `AAAAMMJJ`; 0 when absent or unreadable.
    pub date: u32,
    pub ine: Option<[u8; 11]>,
    pub email: Option<String>,
    /// The class keys' symbols in the directory (unknown ones cannot be shared).
    pub class_symbols: Vec<u32>,
    /// The same classes as the source spells them (for the evidence line).
    pub class_labels: Vec<String>,
    /// The source's establishment: `None` when not given, `Some(None)` when
    /// no account carries it.
    pub establishment: Option<Option<u32>>,
    /// No establishment given while the directory holds several: any
    /// account may be another establishment's.
    pub placeless: bool,
}

/// What one query has already learnt about the directory's distinct names:
/// most candidates share their surname or given names with others.
#[derive(Default)]
pub(super) struct Memo {
    surname: FxHashMap<u32, NameLevel>,
    swapped: FxHashMap<u32, NameLevel>,
    /// Per first given name of an account: (gendered pair, close, same sound).
    given: FxHashMap<u32, (bool, bool, bool)>,
}

/// The comparison of one pair.
#[derive(Debug, Clone, Default)]
pub(super) struct Verdict {
    pub score: f64,
    pub reasons: Vec<String>,
    /// Why this pair may not be linked automatically, whatever its score.
    pub vetoes: Vec<String>,
    pub vetoed: bool,
    pub explain: bool,
    /// The source's establishment is known and the account is not attached to it.
    pub elsewhere: bool,
    /// The source's establishment is unknown and the directory holds several.
    pub placeless: bool,
    /// An INE, an e-mail address or a child confirms the account, whatever
    /// the names and the establishment.
    pub confirmed: bool,
    /// Something besides the names agrees: the birth date, a confirmation, a
    /// class of the establishment, or the only namesake of the establishment.
    pub beyond_names: bool,
    /// Same surname (usage or birth) and the same given name (or the usual
    /// one among the account's).
    pub exact_names: bool,
}

impl Verdict {
    /// Evidence lines are only written out when `explain` is set: most
    /// candidates are scored and dropped without anyone reading them.
    fn add<R: Into<String>>(&mut self, weight: f64, reason: impl FnOnce() -> R) {
        self.score += weight;
        if self.explain {
            self.reasons.push(reason().into());
        }
    }

    fn veto<R: Into<String>>(&mut self, why: impl FnOnce() -> R) {
        self.vetoed = true;
        if self.explain {
            self.vetoes.push(why().into());
        }
    }
}

/// log₂(m/u) for an exact name match, u from the name's frequency.
fn tf_weight(count: u32, total: usize, floor: f64, ceiling: f64) -> f64 {
    let u = f64::from(count) / (total.max(1) as f64);
    (0.95 / u.max(1e-9)).log2().clamp(floor, ceiling)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum NameLevel {
    Different,
    Weak,
    Subset,
    Bare,
    Sound,
    Typo,
    Component,
    Exact,
}

fn surname_level(s: &Surname, a: &Surname) -> NameLevel {
    if s.full.is_empty() || a.full.is_empty() {
        return NameLevel::Different;
    }
    if s.full == a.full {
        return NameLevel::Exact;
    }
    if s.keys.iter().any(|k| a.keys.contains(k)) {
        return NameLevel::Component;
    }
    if (s.full.len() >= 5 && osa_distance(&s.full, &a.full) <= 1) || jaro_winkler(&s.full, &a.full) >= 0.95 {
        return NameLevel::Typo;
    }
    if !s.sound.is_empty() && s.sound == a.sound {
        return NameLevel::Sound;
    }
    if s.bare == a.bare {
        return NameLevel::Bare;
    }
    let (st, at) = (&s.tokens, &a.tokens);
    if !st.is_empty() && (st.iter().all(|t| at.contains(t)) || at.iter().all(|t| st.contains(t))) {
        return NameLevel::Subset;
    }
    if jaro_winkler(&s.full, &a.full) >= 0.88 {
        return NameLevel::Weak;
    }
    NameLevel::Different
}

/// The surname's contribution, against the account's usage and birth names.
fn surname_part(q: &Query, a: &AccountRef<'_>, dir: &Directory, memo: &mut Memo, v: &mut Verdict) -> NameLevel {
    let mut level_of =
        |id: u32, name: &Surname| *memo.surname.entry(id).or_insert_with(|| surname_level(&q.surname, name));
    let usage = level_of(a.usage_id(), &a.usage().name);
    let birth = match (a.birth_id(), a.birth()) {
        (Some(id), Some(b)) => level_of(id, &b.name),
        _ => NameLevel::Different,
    };
    let (level, on_birth) = if birth > usage { (birth, true) } else { (usage, false) };
    let shown = || if on_birth { a.birth().map(|b| b.raw.as_ref()).unwrap_or("") } else { a.usage().raw.as_ref() };
    match level {
        NameLevel::Exact => {
            let count = dir.surname_count(&q.surname.full);
            let w = tf_weight(count, dir.len(), 6.0, 14.0);
            v.add(w, || {
                let base = if on_birth {
                    format!("nom = nom de naissance du compte ({})", shown())
                } else {
                    "nom identique".to_string()
                };
                format!("{base} — porté par {count} {} de l'annuaire", if count == 1 { "compte" } else { "comptes" })
            });
        }
        NameLevel::Component => v.add(7.0, || format!("nom en partie commun ({} / {})", q.surname.full, shown())),
        NameLevel::Typo => v.add(5.0, || format!("nom proche, une lettre d'écart ({} / {})", q.surname.full, shown())),
        NameLevel::Sound => v.add(4.0, || format!("nom qui se prononce pareil ({} / {})", q.surname.full, shown())),
        NameLevel::Bare => v.add(4.0, || format!("même nom sans particule ({} / {})", q.surname.full, shown())),
        NameLevel::Subset => v.add(3.0, || format!("nom composé en partie commun ({} / {})", q.surname.full, shown())),
        NameLevel::Weak => v.add(0.5, || format!("nom assez proche ({} / {})", q.surname.full, shown())),
        NameLevel::Different => v.add(-8.0, || format!("nom différent ({} / {})", q.surname.full, shown())),
    }
    level
}

/// How the source's first given name meets the account's given names.
#[derive(Debug, Clone, Copy, PartialEq)]
enum GivenLevel {
    Absent,
    Exact,
    /// The source's name is the account's n-th (1-based).
    Usual(usize),
    /// The account's first is the source's n-th.
    SourceUsual(usize),
    Joined,
    Gendered,
    FirstOfCompound,
    Close,
    Sound,
    Different,
}

/// How the source's given names meet the account's (`ids`, in order).
fn given_level(s: &GivenNames, ids: &[u32], dir: &Directory, memo: &mut Memo) -> GivenLevel {
    let sf = s.first();
    let Some(&first) = ids.first() else { return GivenLevel::Absent };
    let text = |g: u32| dir.group(g).text.as_ref();
    let af = text(first);
    if sf.is_empty() || af.is_empty() {
        return GivenLevel::Absent;
    }
    if sf == af {
        return GivenLevel::Exact;
    }
    if let Some(pos) = ids.iter().position(|&g| text(g) == sf) {
        return GivenLevel::Usual(pos + 1);
    }
    if let Some(pos) = s.groups.iter().position(|g| g == af) {
        return GivenLevel::SourceUsual(pos + 1);
    }
    // The account's names run together, compared without building the string.
    let joined_is = |t: &str| {
        let mut rest = t;
        ids.iter().all(|&g| match rest.strip_prefix(text(g)) {
            Some(r) => {
                rest = r;
                true
            }
            None => false,
        }) && rest.is_empty()
    };
    if joined_is(&s.joined) || s.joined == af || joined_is(sf) {
        return GivenLevel::Joined;
    }
    let group = dir.group(first);
    let (gendered, close, sound) = *memo.given.entry(first).or_insert_with(|| {
        (
            gendered_pair(sf, af),
            (sf.len() >= 4 && osa_distance(sf, af) <= 1) || jaro_winkler(sf, af) >= 0.92,
            !s.sound.is_empty() && *s.sound == *group.sound,
        )
    });
    if gendered {
        return GivenLevel::Gendered;
    }
    let tokens: usize = ids.iter().map(|&g| dir.group(g).tokens.len()).sum();
    if s.tokens.first().map(String::as_str) == group.tokens.first().map(|t| t.as_ref()) && s.tokens.len() != tokens {
        return GivenLevel::FirstOfCompound;
    }
    if close {
        return GivenLevel::Close;
    }
    if sound {
        return GivenLevel::Sound;
    }
    GivenLevel::Different
}

/// The given names' contribution: the source's first given name against the
/// account's list (the prénom usuel may be any of them). True when they agree.
fn given_part(q: &Query, a: &AccountRef<'_>, dir: &Directory, memo: &mut Memo, v: &mut Verdict) -> bool {
    let level = given_level(&q.given, a.given(), dir, memo);
    v.exact_names &=
        matches!(level, GivenLevel::Exact | GivenLevel::Usual(_) | GivenLevel::SourceUsual(_) | GivenLevel::Joined);
    let (sf, af) = (q.given.first(), a.first_given());
    match level {
        GivenLevel::Absent => {
            v.add(0.0, || "prénom absent d'un côté");
            false
        }
        GivenLevel::Exact => {
            let count = dir.given_count(sf);
            v.add(tf_weight(count, dir.len(), 4.0, 10.0), || "prénom identique");
            true
        }
        GivenLevel::Usual(pos) => {
            v.add(6.0, || format!("prénom usuel = {pos}e prénom du compte"));
            true
        }
        GivenLevel::SourceUsual(pos) => {
            v.add(6.0, || format!("prénom du compte = {pos}e prénom de la source"));
            true
        }
        GivenLevel::Joined => {
            v.add(5.0, || "prénom composé écrit autrement");
            true
        }
        GivenLevel::Gendered => {
            v.add(-10.0, || format!("prénom masculin / féminin ({sf} / {af})"));
            v.veto(|| format!("prénom masculin / féminin ({sf} / {af})"));
            false
        }
        GivenLevel::FirstOfCompound => {
            v.add(3.0, || "premier prénom d'un prénom composé");
            true
        }
        GivenLevel::Close => {
            v.add(3.0, || format!("prénom proche ({sf} / {af})"));
            true
        }
        GivenLevel::Sound => {
            v.add(2.5, || format!("prénom qui se prononce pareil ({sf} / {af})"));
            true
        }
        GivenLevel::Different => {
            v.add(-6.0, || format!("prénom différent ({sf} / {af})"));
            false
        }
    }
}

fn date_part(q: &Query, a: &AccountRef<'_>, v: &mut Verdict) {
    let ad = a.date();
    if q.birth_date.is_none() || ad == 0 {
        v.add(0.0, || "date de naissance absente d'un côté");
        return;
    }
    let sd = q.date;
    if sd == 0 {
        v.add(0.0, || "date de naissance illisible");
        return;
    }
    if sd == ad {
        v.add(10.0, || "date de naissance identique");
        v.beyond_names = true;
        return;
    }
    let (sy, sm, sday) = (sd / 10_000, sd / 100 % 100, sd % 100);
    let (ay, am, aday) = (ad / 10_000, ad / 100 % 100, ad % 100);
    if sy == ay && sm == aday && sday == am {
        v.add(4.0, || "date de naissance avec jour et mois inversés");
        v.veto(|| "date de naissance avec jour et mois inversés");
        return;
    }
    let (s, t) = (unpack_date(sd), unpack_date(ad));
    let differing = (0..8).filter(|k| (sd / 10u32.pow(*k)) % 10 != (ad / 10u32.pow(*k)) % 10).count();
    if differing == 1 {
        v.add(3.0, || format!("date de naissance à un chiffre près ({s} / {t})"));
        v.veto(|| "date de naissance différente d'un chiffre");
        return;
    }
    v.add(-12.0, || format!("date de naissance différente ({s} / {t})"));
    v.veto(|| format!("date de naissance différente ({s} / {t})"));
}

fn ine_part(q: &Query, a: &AccountRef<'_>, v: &mut Verdict) {
    let Some(s) = &q.ine else { return };
    let Some(t) = super::index::ine_key(a.ine_raw()) else { return };
    if *s == t {
        v.add(15.0, || "INE identique");
        v.confirmed = true;
        v.beyond_names = true;
    } else {
        let text = |b: &[u8; 11]| String::from_utf8_lossy(b).into_owned();
        v.add(-20.0, || format!("INE différent ({} / {})", text(s), text(&t)));
        v.veto(|| "INE différent");
    }
}

fn context_part(q: &Query, a: &AccountRef<'_>, v: &mut Verdict) {
    if !q.category.fits(a.profile()) {
        v.add(-5.0, || format!("profil différent ({} / {})", q.category.label(), a.profile().label()));
        v.veto(|| format!("profil différent ({} / {})", q.category.label(), a.profile().label()));
    }
    let mut attached = false;
    v.placeless = q.placeless;
    if let Some(establishment) = q.establishment {
        if establishment.is_some_and(|e| a.in_establishment(e)) {
            v.add(2.0, || "même établissement");
            attached = true;
        } else {
            v.add(-2.0, || "compte d'un autre établissement");
            v.elsewhere = true;
        }
    }
    let keys = a.class_keys();
    if q.class_symbols.iter().any(|c| keys.contains(c)) {
        // Class names repeat from one school to the next: only a class of
        // the establishment says more than the names.
        v.beyond_names |= attached;
        v.add(3.0, || {
            let shared: Vec<&str> = q
                .class_symbols
                .iter()
                .zip(&q.class_labels)
                .filter(|(c, _)| keys.contains(c))
                .map(|(_, label)| label.as_str())
                .collect();
            format!("{} en commun : {}", if shared.len() == 1 { "classe" } else { "classes" }, shared.join(", "))
        });
    }
    if let Some(s) = &q.email {
        let raw = a.email_raw().trim();
        if raw.len() == s.len() && raw.to_lowercase() == *s {
            let w = if matches!(q.category, Category::Eleve | Category::Responsable) { 2.0 } else { 6.0 };
            v.add(w, || "même adresse électronique");
            v.confirmed = true;
            v.beyond_names = true;
        }
    }
}

/// The most an account sharing no per-account key with `q` (INE, first
/// given name + birth date, e-mail) can score: each name at its best, the
/// same birth date when the source has one (the given names may be written
/// apart), the same establishment and class.
pub(super) fn ceiling_without_keys(q: &Query, dir: &Directory) -> f64 {
    let surname = tf_weight(dir.surname_count(&q.surname.full), dir.len(), 6.0, 14.0).max(7.0);
    let given = tf_weight(dir.given_count(q.given.first()), dir.len(), 4.0, 10.0).max(6.0);
    let date = if q.birth_date.is_some() { 10.0 } else { 0.0 };
    surname + given + date + 2.0 + 3.0
}

/// Compares `q` with account `i`.
pub(super) fn compare(q: &Query, dir: &Directory, i: usize, explain: bool, memo: &mut Memo) -> Verdict {
    let mut v = Verdict { explain, ..Verdict::default() };
    let Some(a) = dir.at(i) else { return v };
    v.exact_names = surname_part(q, &a, dir, memo, &mut v) == NameLevel::Exact;
    given_part(q, &a, dir, memo, &mut v);
    // Swapped fields: the surname typed as the given name and the reverse.
    let swapped_given = q.surname.full == a.first_given() && !q.surname.full.is_empty();
    if swapped_given && v.score < 10.0 {
        let usage = &a.usage().name;
        let swapped_surname =
            *memo.swapped.entry(a.usage_id()).or_insert_with(|| surname_level(&q.given_as_surname, usage));
        if swapped_surname >= NameLevel::Typo {
            let mut crossed = Verdict { explain, ..Verdict::default() };
            crossed.add(8.0, || "nom et prénom inversés dans la source");
            crossed.veto(|| "nom et prénom inversés dans la source");
            v = crossed;
        }
    }
    date_part(q, &a, &mut v);
    ine_part(q, &a, &mut v);
    context_part(q, &a, &mut v);
    v
}
