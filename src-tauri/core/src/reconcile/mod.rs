//! Reconciling Pronote and EDT records with the ENT directory. Each source
//! record gets its candidates from the directory's indexes, a score per
//! candidate with a line of evidence per field, and one of three bands:
//! linked automatically (high score, wide margin over the runner-up, no
//! veto, one account for one record), to review (the top 5 shown), or no
//! account. A wrong automatic link is worse than none: every doubt goes to
//! review. Pupils and staff are matched first, then the responsables through
//! their already-linked children. Same inputs, same output, byte for byte.

mod index;
mod load;
pub mod names;
pub mod phonetic;
mod score;
pub mod session;
mod sources;
pub mod structures;

use std::collections::BTreeMap;

use serde::Serialize;

pub use index::{Directory, DirectoryBuilder};
pub use load::{
    directory_from_file, directory_from_store, ent_structures, ent_structures_in, source_from_file, source_from_store,
    structures_from_store, timetable_from_file, LoadError, SourceKind,
};
pub use sources::{from_edt, from_pronote};

use crate::model::Profile;
use index::{class_key, deletions, ine_key, key_hash, pack_date, prepare_email, Key, MAX_POSTINGS};

/// A surname carried by more accounts than this is followed paired with the
/// given name's initial.
const COMMON_POSTINGS: usize = 300;
use score::{compare, Memo, Query, Verdict};

/// Score from which a link may be automatic.
pub const AUTO_SCORE: f64 = 24.0;
/// Lead the best candidate must have over the runner-up to be automatic.
pub const AUTO_MARGIN: f64 = 10.0;
/// Below this, a candidate is not worth showing.
pub const REVIEW_SCORE: f64 = 4.0;
/// Candidates kept for review.
pub const SHOWN: usize = 5;

/// The source categories: Pronote's six, which EDT's teachers and pupils map onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Enseignant,
    Eleve,
    Responsable,
    MaitreDeStage,
    InspecteurPedagogique,
    Personnel,
    /// The EDT wizard's classes and groups (not people).
    ClasseGroupe,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Enseignant,
        Category::Eleve,
        Category::Responsable,
        Category::MaitreDeStage,
        Category::InspecteurPedagogique,
        Category::Personnel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Enseignant => "enseignant",
            Category::Eleve => "eleve",
            Category::Responsable => "responsable",
            Category::MaitreDeStage => "maitre_de_stage",
            Category::InspecteurPedagogique => "inspecteur_pedagogique",
            Category::Personnel => "personnel",
            Category::ClasseGroupe => "classe_groupe",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Enseignant => "enseignant",
            Category::Eleve => "élève",
            Category::Responsable => "responsable",
            Category::MaitreDeStage => "maître de stage",
            Category::InspecteurPedagogique => "inspecteur pédagogique",
            Category::Personnel => "personnel",
            Category::ClasseGroupe => "classe ou groupe",
        }
    }

    /// Whether an ENT account of this profile can be this category's person.
    pub fn fits(self, profile: Profile) -> bool {
        match self {
            Category::Enseignant => profile == Profile::Enseignant,
            Category::Eleve => profile == Profile::Eleve,
            Category::Responsable => profile == Profile::Responsable,
            Category::MaitreDeStage => matches!(profile, Profile::MaitreDeStage | Profile::Invite),
            Category::InspecteurPedagogique => matches!(profile, Profile::Inspecteur | Profile::Invite),
            Category::Personnel => matches!(profile, Profile::NonEnseignant | Profile::PersonnelCollectivite),
            Category::ClasseGroupe => false,
        }
    }
}

/// The French name of an ENT profile.
pub fn profile_label(profile: Profile) -> &'static str {
    profile.label()
}

pub(crate) trait ProfileLabel {
    fn label(self) -> &'static str;
}

impl ProfileLabel for Profile {
    fn label(self) -> &'static str {
        match self {
            Profile::Eleve => "élève",
            Profile::Responsable => "parent",
            Profile::Enseignant => "enseignant",
            Profile::NonEnseignant => "personnel",
            Profile::PersonnelCollectivite => "personnel de collectivité",
            Profile::Invite => "invité",
            Profile::MaitreDeStage => "maître de stage",
            Profile::Inspecteur => "inspecteur",
        }
    }
}

/// A record of the source file (Pronote identifiers, EDT export).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    /// 1-based position in the source (line or element order).
    pub row: usize,
    /// The source's own id (Pronote identifier, EDT ident).
    pub id: String,
    pub category: Category,
    pub last_name: String,
    /// One or several given names.
    pub first_name: String,
    /// ISO `AAAA-MM-JJ`.
    pub birth_date: Option<String>,
    pub ine: Option<String>,
    pub email: Option<String>,
    pub classes: Vec<String>,
    /// Source ids of the children (responsables).
    pub children: Vec<String>,
}

/// Where to look for accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The establishment's own accounts only.
    Establishment(String),
    /// Every account of the directory snapshot; the UAI still counts as evidence.
    Academy(Option<String>),
}

impl Scope {
    fn uai(&self) -> Option<&str> {
        match self {
            Scope::Establishment(u) => Some(u),
            Scope::Academy(u) => u.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Auto,
    Review,
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Identifiant ENT.
    pub account: String,
    pub score: f64,
    pub reasons: Vec<String>,
}

/// The outcome for one source record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub source_row: usize,
    pub source_id: String,
    pub category: Category,
    pub band: Band,
    /// The account linked automatically.
    pub account: Option<String>,
    /// Best first, at most [`SHOWN`].
    pub candidates: Vec<Candidate>,
    /// Why the best candidate was not linked automatically.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub why_review: Vec<String>,
}

fn query(s: &SourceRecord, dir: &Directory, scope: &Scope) -> Query {
    let given = names::given_names(&s.first_name);
    let birth_date = s.birth_date.clone().filter(|d| !d.trim().is_empty());
    // Each class as the source spells it, by its comparable key's symbol.
    let mut classes: Vec<(u32, String)> =
        s.classes.iter().filter_map(|c| dir.class_symbol(&class_key(c)).map(|k| (k, c.trim().to_string()))).collect();
    classes.sort();
    classes.dedup_by_key(|(k, _)| *k);
    Query {
        category: s.category,
        surname: names::surname(&s.last_name),
        given_as_surname: names::surname(given.first()),
        given,
        date: birth_date.as_deref().map(pack_date).unwrap_or(0),
        birth_date,
        ine: s.ine.as_deref().and_then(ine_key),
        email: prepare_email(s.email.as_deref()),
        class_symbols: classes.iter().map(|(k, _)| *k).collect(),
        class_labels: classes.into_iter().map(|(_, c)| c).collect(),
        establishment: scope.uai().map(|u| dir.establishment(u)),
        placeless: scope.uai().is_none() && dir.establishment_count() > 1,
    }
}

/// Where candidates are looked for: the accounts of the establishment, or all.
struct Space<'a> {
    dir: &'a Directory,
    members: Option<&'a [u32]>,
    /// In an establishment: its accounts per surname, so that a name common
    /// across the academy costs only its local carriers.
    local: rustc_hash::FxHashMap<u32, Vec<u32>>,
}

impl<'a> Space<'a> {
    fn new(dir: &'a Directory, scope: &Scope) -> Space<'a> {
        let members = match scope {
            Scope::Establishment(u) => Some(dir.members(u)),
            Scope::Academy(_) => None,
        };
        let mut local: rustc_hash::FxHashMap<u32, Vec<u32>> = rustc_hash::FxHashMap::default();
        for &i in members.unwrap_or(&[]) {
            if let Some(a) = dir.at(i as usize) {
                local.entry(a.usage_id()).or_default().push(i);
                if let Some(b) = a.birth_id() {
                    local.entry(b).or_default().push(i);
                }
            }
        }
        Space { dir, members, local }
    }

    fn holds(&self, i: u32) -> bool {
        self.members.is_none_or(|m| m.binary_search(&i).is_ok())
    }

    fn surname_accounts(&self, id: u32) -> &[u32] {
        match self.members {
            None => self.dir.surname_accounts(id),
            Some(_) => self.local.get(&id).map_or(&[], Vec::as_slice),
        }
    }
}

/// The accounts of the surnames under a name key, within `space`. A name
/// carried by many of them (MARTIN across an academy) is followed only for
/// the accounts whose first given name starts like `initial`; a very common
/// one not at all (`None`).
fn name_postings(
    dir: &Directory,
    space: &Space<'_>,
    kind: Key,
    value: &str,
    initial: u8,
    skip: Option<&str>,
) -> Option<Vec<u32>> {
    let mut out: Vec<u32> = Vec::new();
    for id in dir.surnames_under(kind, value) {
        // A deletion key also leads back to the name itself, already followed.
        if skip.is_some_and(|full| dir.surnames.get(id as usize).is_some_and(|e| e.name.full == full)) {
            continue;
        }
        out.extend_from_slice(space.surname_accounts(id));
    }
    out.sort_unstable();
    out.dedup();
    if out.len() > COMMON_POSTINGS {
        out.retain(|&i| dir.initial(i) == initial);
    }
    (out.len() <= MAX_POSTINGS).then_some(out)
}

/// The accounts sharing a per-account key with `q` (INE, first given name
/// + birth date, e-mail), with `extra` (the children's parents).
fn selective(q: &Query, dir: &Directory, space: &Space<'_>, extra: &[u32]) -> Vec<u32> {
    let mut out: Vec<u32> = extra.iter().copied().filter(|&i| space.holds(i)).collect();
    let mut exact = |key: u64| out.extend(dir.exact(key).filter(|&i| space.holds(i)));
    if let (Some(first), date) = (q.given.tokens.first(), q.date) {
        if date != 0 {
            exact(key_hash(Key::GivenDate, &[first.as_bytes(), &date.to_le_bytes()]));
        }
    }
    if let Some(ine) = &q.ine {
        exact(key_hash(Key::Ine, &[ine]));
    }
    if let Some(e) = &q.email {
        exact(key_hash(Key::Email, &[e.as_bytes()]));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Accounts worth scoring for `q`: `selective` and the postings of its
/// name keys.
fn candidates(q: &Query, dir: &Directory, space: &Space<'_>, selective: &[u32], wide: bool) -> Vec<u32> {
    let initial = q.given.tokens.first().and_then(|t| t.bytes().next()).unwrap_or(0);
    let mut out: Vec<u32> = selective.to_vec();
    let mut names: Vec<(Key, &str, u8, Option<&str>)> = Vec::new();
    for k in &q.surname.keys {
        names.push((Key::Surname, k, initial, None));
    }
    if !q.surname.full.is_empty() {
        names.push((Key::Bare, &q.surname.bare, initial, None));
        names.push((Key::Sound, &q.surname.sound, initial, None));
    }
    let deleted = if wide && !q.surname.full.is_empty() { deletions(&q.surname.full) } else { Vec::new() };
    if wide {
        // Typos (one-letter deletions) and swapped fields: many more postings.
        if !q.surname.full.is_empty() {
            let full = Some(q.surname.full.as_str());
            names.push((Key::Deletion, &q.surname.full, initial, full));
            for d in &deleted {
                names.push((Key::Deletion, d, initial, full));
            }
        }
        if q.birth_date.is_some() && !q.given.first().is_empty() {
            // The given name as a surname: the account's given name is then the source's surname.
            let swapped = q.surname.full.bytes().next().unwrap_or(0);
            names.push((Key::Surname, q.given.first(), swapped, None));
        }
    }
    for (kind, value, initial, skip) in names {
        if let Some(found) = name_postings(dir, space, kind, value, initial, skip) {
            out.extend(found);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Scored candidates, the best [`SHOWN`] + 1 first and in order (ties in
/// the directory's order), the others after them. Every candidate is scored; only the ones
/// shown are explained.
/// `others` is what `bonus` adds to every account outside `extra`.
fn ranked(
    q: &Query,
    space: &Space<'_>,
    extra: &[u32],
    bonus: &dyn Fn(usize, &mut Verdict),
    others: f64,
) -> Vec<(usize, Verdict)> {
    let dir = space.dir;
    // Only the head is read in order (best, runner-up, the ones shown).
    let order = |scored: &mut Vec<(usize, Verdict)>| {
        let cmp = |(ia, a): &(usize, Verdict), (ib, b): &(usize, Verdict)| b.score.total_cmp(&a.score).then(ia.cmp(ib));
        let head = SHOWN + 1;
        if scored.len() > head {
            scored.select_nth_unstable_by(head - 1, cmp);
        }
        let head = head.min(scored.len());
        scored[..head].sort_by(cmp);
    };
    let mut memo = Memo::default();
    let mut score = |i: usize, explain: bool| {
        let mut v = compare(q, dir, i, explain, &mut memo);
        bonus(i, &mut v);
        (i, v)
    };
    // The accounts sharing an INE, a birth date or an e-mail first: when the
    // best of them stands, unvetoed, further above what any other account
    // could score than the automatic margin, the others need not be looked at.
    let keyed = selective(q, dir, space, extra);
    let mut scored: Vec<(usize, Verdict)> = keyed.iter().map(|&i| score(i as usize, false)).collect();
    order(&mut scored);
    let ceiling = score::ceiling_without_keys(q, dir) + others;
    if scored.first().is_none_or(|(_, best)| best.vetoed || best.score < ceiling + AUTO_MARGIN) {
        // Then the name keys; the typo and swap keys unless the best
        // candidate already stands far above any automatic threshold.
        scored = candidates(q, dir, space, &keyed, false).into_iter().map(|i| score(i as usize, false)).collect();
        order(&mut scored);
        if scored.first().is_none_or(|(_, best)| best.score < AUTO_SCORE + AUTO_MARGIN) {
            scored = candidates(q, dir, space, &keyed, true).into_iter().map(|i| score(i as usize, false)).collect();
            order(&mut scored);
        }
    }
    for entry in scored.iter_mut().take(SHOWN) {
        *entry = score(entry.0, true);
    }
    scored
}

/// The band of one record from its ranked candidates.
fn decide(s: &SourceRecord, ranked: &[(usize, Verdict)], dir: &Directory, needs: Option<&str>) -> Decision {
    let shown: Vec<Candidate> = ranked
        .iter()
        .filter(|(_, v)| v.score >= REVIEW_SCORE)
        .take(SHOWN)
        .map(|(i, v)| Candidate {
            account: dir.ent_id(*i).to_string(),
            score: (v.score * 100.0).round() / 100.0,
            reasons: v.reasons.clone(),
        })
        .collect();
    let mut why = Vec::new();
    let band = match ranked.first() {
        Some((_, best)) if best.score >= REVIEW_SCORE => {
            let runner_up = ranked.get(1).map(|(_, v)| v.score.max(0.0)).unwrap_or(0.0);
            if best.score < AUTO_SCORE {
                why.push(format!("score insuffisant ({:.1} sur {AUTO_SCORE:.0} requis)", best.score));
            }
            if best.score - runner_up < AUTO_MARGIN {
                why.push(format!("un autre compte est presque aussi proche (écart {:.1})", best.score - runner_up));
            }
            why.extend(best.vetoes.iter().cloned());
            // A same-name, same-birthday person elsewhere cannot be told
            // apart from a pupil who moved: only an independent key can.
            if best.elsewhere && !best.confirmed {
                why.push(
                    "compte d'un autre établissement, que ni l'INE, ni l'adresse électronique, ni un enfant ne confirme"
                        .into(),
                );
            }
            if best.placeless && !best.confirmed {
                why.push(
                    "établissement non précisé : parmi plusieurs établissements, seuls l'INE, l'adresse \
                     électronique ou un enfant confirment un compte"
                        .into(),
                );
            }
            if !best.beyond_names {
                why.push("seuls le nom et le prénom concordent".into());
            }
            if let Some(need) = needs {
                if !best.reasons.iter().any(|r| r.starts_with(need)) {
                    why.push("aucun enfant déjà rapproché n'appuie ce lien".into());
                }
            }
            if why.is_empty() {
                Band::Auto
            } else {
                Band::Review
            }
        }
        _ => Band::None,
    };
    let account = (band == Band::Auto).then(|| shown.first().map(|c| c.account.clone())).flatten();
    Decision {
        source_row: s.row,
        source_id: s.id.clone(),
        category: s.category,
        band,
        account,
        candidates: shown,
        why_review: why,
    }
}

/// One account for one record: automatic links that share an account all go to review.
fn one_to_one(decisions: &mut [(usize, Decision)]) {
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for (_, d) in decisions.iter() {
        if let Some(a) = &d.account {
            *uses.entry(a.clone()).or_default() += 1;
        }
    }
    for (_, d) in decisions.iter_mut() {
        if d.account.as_ref().is_some_and(|a| uses.get(a).copied().unwrap_or(0) > 1) {
            d.account = None;
            d.band = Band::Review;
            d.why_review.push("ce compte est aussi proposé pour un autre enregistrement".into());
        }
    }
}

const CHILD_EVIDENCE: &str = "parent de ";

/// What being the only account of the establishment, with the record's
/// profile, that carries its exact names weighs. Within an establishment the
/// candidates are a few dozen staff, so such a name points at one person as
/// surely as a birth date does across the academy — the ENT's own rule for
/// staff, whose files seldom give a birth date. Not for pupils and
/// responsables, who have their birth dates and children.
const SOLE_NAMESAKE: f64 = 12.0;

/// An adult whose exact names (surname, given name) no other account of the
/// establishment with the same profile carries. Only when the establishment
/// is known and the account attached to it: a namesake elsewhere is never
/// enough on its own.
fn sole_namesake(q: &Query, found: &mut [(usize, Verdict)], dir: &Directory) {
    if matches!(q.category, Category::Eleve | Category::Responsable) {
        return;
    }
    let Some(Some(e)) = q.establishment else { return };
    let Some((best, _)) = found.split_first_mut() else { return };
    let local = |i: usize| dir.at(i).is_some_and(|a| a.in_establishment(e) && q.category.fits(a.profile()));
    if !best.1.exact_names || best.1.vetoed || !local(best.0) {
        return;
    }
    // Every account of the establishment carrying the name, not only the
    // candidates scored: through the name's carriers or the establishment's
    // members, whichever list is shorter.
    let Some(a) = dir.at(best.0) else { return };
    let names = [Some(a.usage_id()), a.birth_id()];
    let carriers: usize = names.iter().flatten().map(|&n| dir.surname_accounts(n).len()).sum();
    let members = dir.members_of(e);
    let mut pool: Vec<u32> = if members.len() < carriers {
        let bears = |i: u32| {
            dir.at(i as usize)
                .is_some_and(|x| names.iter().flatten().any(|&n| x.usage_id() == n || x.birth_id() == Some(n)))
        };
        members.iter().copied().filter(|&i| bears(i)).collect()
    } else {
        names.iter().flatten().flat_map(|&n| dir.surname_accounts(n).iter().copied()).collect()
    };
    pool.sort_unstable();
    pool.dedup();
    let mut memo = Memo::default();
    let namesake = pool.iter().map(|&i| i as usize).filter(|&i| i != best.0 && local(i)).any(|i| {
        let v = compare(q, dir, i, false, &mut memo);
        v.exact_names
    });
    if namesake {
        return;
    }
    let v = &mut best.1;
    v.score += SOLE_NAMESAKE;
    v.beyond_names = true;
    if v.explain {
        let people = match q.category {
            Category::MaitreDeStage => "maîtres de stage",
            Category::InspecteurPedagogique => "inspecteurs pédagogiques",
            Category::Personnel => "personnels",
            _ => "enseignants",
        };
        v.reasons.push(format!("seul compte de ce nom parmi les {people} de l'établissement"));
    }
}

/// `work` over `items` on every core, results in the items' order (so the
/// output does not depend on how the work was split).
fn parallel<T: Sync, R: Send>(items: &[T], work: &(dyn Fn(&T) -> R + Sync)) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    if threads == 1 || items.len() < 64 {
        return items.iter().map(work).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            items.chunks(chunk).map(|part| scope.spawn(move || part.iter().map(work).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

/// Reconciles `sources` with `dir`. The output follows the sources' order.
pub fn reconcile(sources: &[SourceRecord], dir: &Directory, scope: &Scope) -> Vec<Decision> {
    let no_bonus = |_: usize, _: &mut Verdict| {};
    let space = Space::new(dir, scope);
    // 1. Everyone but the responsables.
    let (parents, others): (Vec<usize>, Vec<usize>) =
        (0..sources.len()).partition(|&i| sources[i].category == Category::Responsable);
    let mut decisions: Vec<(usize, Decision)> = parallel(&others, &|&i| {
        let s = &sources[i];
        let q = query(s, dir, scope);
        let mut found = ranked(&q, &space, &[], &no_bonus, 0.0);
        // Raises the leader only: the order stands.
        sole_namesake(&q, &mut found, dir);
        (i, decide(s, &found, dir, None))
    });
    one_to_one(&mut decisions);
    // 2. Responsables, helped by their children's links.
    let linked: BTreeMap<String, (String, &SourceRecord)> = decisions
        .iter()
        .filter_map(|(i, d)| d.account.clone().map(|a| (sources[*i].id.clone(), (a, &sources[*i]))))
        .collect();
    let start = decisions.len();
    let responsables = parallel(&parents, &|&i| {
        let s = &sources[i];
        let q = query(s, dir, scope);
        let children: Vec<(&str, &SourceRecord)> =
            s.children.iter().filter_map(|c| linked.get(c.trim()).map(|(a, r)| (a.as_str(), *r))).collect();
        let mut extra: Vec<u32> = Vec::new();
        for (account, _) in &children {
            extra.extend(dir.exact(key_hash(Key::Child, &[account.trim().as_bytes()])));
        }
        let bonus = |i: usize, v: &mut Verdict| {
            let Some(acc) = dir.at(i) else { return };
            let shared = children.iter().find(|(account, _)| acc.children().any(|c| c == account.trim()));
            if let Some((_, child)) = shared {
                v.score += 12.0;
                v.confirmed = true;
                v.beyond_names = true;
                if v.explain {
                    v.reasons
                        .push(format!("{CHILD_EVIDENCE}{} {}, déjà rapproché(e)", child.first_name, child.last_name));
                }
            } else if !children.is_empty() {
                v.score -= 4.0;
                if v.explain {
                    v.reasons.push("aucun des enfants déjà rapprochés".into());
                }
            }
        };
        (
            i,
            decide(
                s,
                &ranked(&q, &space, &extra, &bonus, if children.is_empty() { 0.0 } else { -4.0 }),
                dir,
                Some(CHILD_EVIDENCE),
            ),
        )
    });
    decisions.extend(responsables);
    one_to_one(&mut decisions[start..]);
    decisions.sort_by_key(|(i, _)| *i);
    decisions.into_iter().map(|(_, d)| d).collect()
}

/// Counts per band, for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub records: usize,
    pub auto: usize,
    pub review: usize,
    pub none: usize,
}

pub fn summary(decisions: &[Decision]) -> Summary {
    let mut s = Summary { records: decisions.len(), ..Summary::default() };
    for d in decisions {
        match d.band {
            Band::Auto => s.auto += 1,
            Band::Review => s.review += 1,
            Band::None => s.none += 1,
        }
    }
    s
}
