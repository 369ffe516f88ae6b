//! Comparing one source record with one account, field by field, Fellegi–
//! Sunter style: each field's agreement level adds a weight (log₂ of how much
//! likelier it is for the same person than for two others), the exact levels
//! of the names adjusted by how common the name is in the directory. Each
//! level comes with its French line of evidence; some levels veto automatic
//! linking whatever the total.

use strsim::{jaro_winkler, osa_distance};

use super::index::{Directory, Prepared};
use super::names::{gendered_pair, GivenNames, Surname};
use super::{Category, ProfileLabel};
use crate::formats::ent_directory::DirectoryAccount;

/// A source record ready for comparison.
#[derive(Debug, Clone)]
pub(super) struct Query {
    pub category: Category,
    pub surname: Surname,
    pub given: GivenNames,
    /// The first given name read as a surname (the swapped-fields check).
    pub given_as_surname: Surname,
    pub birth_date: Option<String>,
    pub ine: Option<String>,
    pub email: Option<String>,
    pub classes: Vec<String>,
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
fn surname_part(q: &Query, p: &Prepared, acc: &DirectoryAccount, dir: &Directory, v: &mut Verdict) {
    let usage = surname_level(&q.surname, &p.usage);
    let birth = p.birth.as_ref().map(|b| surname_level(&q.surname, b)).unwrap_or(NameLevel::Different);
    let (level, on_birth) = if birth > usage { (birth, true) } else { (usage, false) };
    let shown = if on_birth { acc.birth_name.as_deref().unwrap_or("") } else { acc.last_name.as_str() };
    match level {
        NameLevel::Exact => {
            let count = dir.surname_count(&q.surname.full);
            let w = tf_weight(count, dir.len(), 6.0, 14.0);
            v.add(w, || {
                let base = if on_birth {
                    format!("nom = nom de naissance du compte ({shown})")
                } else {
                    "nom identique".to_string()
                };
                format!("{base} — porté par {count} compte(s) de l'annuaire")
            });
        }
        NameLevel::Component => v.add(7.0, || format!("nom en partie commun ({} / {shown})", q.surname.full)),
        NameLevel::Typo => v.add(5.0, || format!("nom proche, une lettre d'écart ({} / {shown})", q.surname.full)),
        NameLevel::Sound => v.add(4.0, || format!("nom qui se prononce pareil ({} / {shown})", q.surname.full)),
        NameLevel::Bare => v.add(4.0, || format!("même nom sans particule ({} / {shown})", q.surname.full)),
        NameLevel::Subset => v.add(3.0, || format!("nom composé en partie commun ({} / {shown})", q.surname.full)),
        NameLevel::Weak => v.add(0.5, || format!("nom assez proche ({} / {shown})", q.surname.full)),
        NameLevel::Different => v.add(-8.0, || format!("nom différent ({} / {shown})", q.surname.full)),
    }
}

/// The given names' contribution: the source's first given name against the
/// account's list (the prénom usuel may be any of them).
fn given_part(q: &Query, p: &Prepared, dir: &Directory, v: &mut Verdict) -> bool {
    let (s, a) = (&q.given, &p.given);
    let (sf, af) = (s.first(), a.first());
    if sf.is_empty() || af.is_empty() {
        v.add(0.0, || "prénom absent d'un côté");
        return false;
    }
    if sf == af {
        let count = dir.given_count(sf);
        v.add(tf_weight(count, dir.len(), 4.0, 10.0), || "prénom identique");
        return true;
    }
    if let Some(pos) = a.groups.iter().position(|g| g == sf) {
        v.add(6.0, || format!("prénom usuel = {}e prénom du compte", pos + 1));
        return true;
    }
    if let Some(pos) = s.groups.iter().position(|g| g == af) {
        v.add(6.0, || format!("prénom du compte = {}e prénom de la source", pos + 1));
        return true;
    }
    if s.joined == a.joined || s.joined == af || a.joined == sf {
        v.add(5.0, || "prénom composé écrit autrement");
        return true;
    }
    if gendered_pair(sf, af) {
        v.add(-10.0, || format!("prénom masculin / féminin ({sf} / {af})"));
        v.veto(|| format!("prénom masculin / féminin ({sf} / {af})"));
        return false;
    }
    if s.tokens.first() == a.tokens.first() && s.tokens.len() != a.tokens.len() {
        v.add(3.0, || "premier prénom d'un prénom composé");
        return true;
    }
    if (sf.len() >= 4 && osa_distance(sf, af) <= 1) || jaro_winkler(sf, af) >= 0.92 {
        v.add(3.0, || format!("prénom proche ({sf} / {af})"));
        return true;
    }
    if !s.sound.is_empty() && s.sound == a.sound {
        v.add(2.5, || format!("prénom qui se prononce pareil ({sf} / {af})"));
        return true;
    }
    v.add(-6.0, || format!("prénom différent ({sf} / {af})"));
    false
}

fn date_part(q: &Query, acc: &DirectoryAccount, v: &mut Verdict) {
    let (Some(s), Some(a)) = (q.birth_date.as_deref(), acc.birth_date.as_deref()) else {
        v.add(0.0, || "date de naissance absente d'un côté");
        return;
    };
    if s == a {
        v.add(10.0, || "date de naissance identique");
        return;
    }
    let parts = |d: &str| -> Option<(String, String, String)> {
        let mut it = d.split('-');
        Some((it.next()?.to_string(), it.next()?.to_string(), it.next()?.to_string()))
    };
    let (Some((sy, sm, sd)), Some((ay, am, ad))) = (parts(s), parts(a)) else {
        v.add(0.0, || "date de naissance illisible");
        return;
    };
    if sy == ay && sm == ad && sd == am {
        v.add(4.0, || "date de naissance avec jour et mois inversés");
        v.veto(|| "date de naissance avec jour et mois inversés");
        return;
    }
    let differing = s.bytes().zip(a.bytes()).filter(|(x, y)| x != y).count();
    if s.len() == a.len() && differing == 1 {
        v.add(3.0, || format!("date de naissance à un chiffre près ({s} / {a})"));
        v.veto(|| "date de naissance différente d'un chiffre");
        return;
    }
    v.add(-12.0, || format!("date de naissance différente ({s} / {a})"));
    v.veto(|| format!("date de naissance différente ({s} / {a})"));
}

fn ine_part(q: &Query, p: &Prepared, v: &mut Verdict) {
    match (&q.ine, &p.ine) {
        (Some(s), Some(a)) if s == a => v.add(15.0, || "INE identique"),
        (Some(s), Some(a)) => {
            v.add(-20.0, || format!("INE différent ({s} / {a})"));
            v.veto(|| "INE différent");
        }
        _ => {}
    }
}

fn context_part(q: &Query, p: &Prepared, acc: &DirectoryAccount, uai: Option<&str>, v: &mut Verdict) {
    if !q.category.fits(acc.profile) {
        v.add(-5.0, || format!("profil différent ({} / {})", q.category.label(), acc.profile.label()));
        v.veto(|| format!("profil différent ({} / {})", q.category.label(), acc.profile.label()));
    }
    if let Some(uai) = uai {
        if acc.establishments.iter().any(|e| e.trim().eq_ignore_ascii_case(uai)) {
            v.add(2.0, || "même établissement");
        } else {
            v.add(-2.0, || "compte d'un autre établissement");
        }
    }
    let shared: Vec<&String> = q.classes.iter().filter(|c| p.classes.contains(c)).collect();
    if !shared.is_empty() {
        v.add(3.0, || {
            format!("classe(s) en commun : {}", shared.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
        });
    }
    if let (Some(s), Some(a)) = (&q.email, &p.email) {
        if s == a {
            let w = if matches!(q.category, Category::Eleve | Category::Responsable) { 2.0 } else { 6.0 };
            v.add(w, || "même adresse électronique");
        }
    }
}

/// Compares `q` with account `i`. `uai` is the source's establishment.
pub(super) fn compare(q: &Query, dir: &Directory, i: usize, uai: Option<&str>, explain: bool) -> Verdict {
    let mut v = Verdict { explain, ..Verdict::default() };
    let (Some(p), Some(acc)) = (dir.prepared.get(i), dir.accounts.get(i)) else { return v };
    surname_part(q, p, acc, dir, &mut v);
    given_part(q, p, dir, &mut v);
    // Swapped fields: the surname typed as the given name and the reverse.
    let swapped_surname = surname_level(&q.given_as_surname, &p.usage);
    let swapped_given = q.surname.full == p.given.first() && !p.given.first().is_empty();
    if swapped_surname >= NameLevel::Typo && swapped_given && v.score < 10.0 {
        let mut crossed = Verdict { explain, ..Verdict::default() };
        crossed.add(8.0, || "nom et prénom inversés dans la source");
        crossed.veto(|| "nom et prénom inversés dans la source");
        v = crossed;
    }
    date_part(q, acc, &mut v);
    ine_part(q, p, &mut v);
    context_part(q, p, acc, uai, &mut v);
    v
}
