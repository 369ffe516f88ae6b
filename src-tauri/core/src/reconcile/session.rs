//! A reconciliation session: the engine's decisions plus the administrator's
//! journal, replayed into the current choice of each source record. The
//! wizard's steps follow the ENT's (Pronote: enseignants, élèves,
//! responsables, maîtres de stage, inspecteurs pédagogiques, personnels);
//! the review queue is the records of a step not linked automatically and
//! not yet decided. What applying would write is a plain list, shown before
//! anything is written.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Band, Category, Decision};
use crate::store::{AccountLink, JournalEntry};

/// What the administrator can do on a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Accept the best candidate (or the automatic link).
    Accept,
    /// Pick candidate `n` (1-based, at most 5).
    Pick(usize),
    /// Link to an account found by searching the directory.
    Link(String),
    /// No account for this record.
    NoAccount,
    /// Leave it for later.
    Skip,
}

/// The current state of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Choice {
    /// Linked: automatically, or by the administrator.
    Linked {
        account: String,
        manual: bool,
    },
    NoAccount,
    Skipped,
}

/// The journal row an action becomes: (action, account).
pub fn journal_action(decision: &Decision, action: &Action) -> Result<(&'static str, Option<String>), &'static str> {
    Ok(match action {
        Action::Accept => {
            match decision.account.clone().or_else(|| decision.candidates.first().map(|c| c.account.clone())) {
                Some(a) => ("accept", Some(a)),
                None => return Err("aucun compte proposé pour cet enregistrement"),
            }
        }
        Action::Pick(n) => match n.checked_sub(1).and_then(|i| decision.candidates.get(i)) {
            Some(c) => ("pick", Some(c.account.clone())),
            None => return Err("pas de candidat à ce numéro"),
        },
        Action::Link(account) => ("pick", Some(account.clone())),
        Action::NoAccount => ("none", None),
        Action::Skip => ("skip", None),
    })
}

/// The journal rows that stand, in order: each `undo` cancels the latest
/// row not yet cancelled (the last of these is what the next undo cancels).
pub fn standing(journal: &[JournalEntry]) -> Vec<&JournalEntry> {
    let mut kept: Vec<&JournalEntry> = Vec::new();
    for entry in journal {
        if entry.action == "undo" {
            kept.pop();
        } else {
            kept.push(entry);
        }
    }
    kept
}

/// Replays the journal over the engine's decisions: automatic links stand
/// unless a journal row overrides them; each `undo` cancels the latest row
/// not yet cancelled.
pub fn replay(decisions: &[Decision], journal: &[JournalEntry]) -> BTreeMap<String, Choice> {
    let kept = standing(journal);
    let mut choices: BTreeMap<String, Choice> = BTreeMap::new();
    for d in decisions {
        if let (Band::Auto, Some(a)) = (d.band, &d.account) {
            choices.insert(d.source_id.clone(), Choice::Linked { account: a.clone(), manual: false });
        }
    }
    for e in kept {
        let choice = match (e.action.as_str(), &e.account) {
            ("accept" | "pick", Some(a)) => {
                let auto = decisions.iter().any(|d| d.source_id == e.source_id && d.account.as_ref() == Some(a));
                Choice::Linked { account: a.clone(), manual: !auto }
            }
            ("none", _) => Choice::NoAccount,
            _ => Choice::Skipped,
        };
        choices.insert(e.source_id.clone(), choice);
    }
    choices
}

/// The next record of `category` to review: not linked automatically and not
/// decided (skipped ones come back after the others).
pub fn next_to_review(decisions: &[Decision], choices: &BTreeMap<String, Choice>, category: Category) -> Option<usize> {
    let open = |d: &Decision| d.category == category && d.band != Band::Auto;
    decisions
        .iter()
        .position(|d| open(d) && !choices.contains_key(&d.source_id))
        .or_else(|| decisions.iter().position(|d| open(d) && choices.get(&d.source_id) == Some(&Choice::Skipped)))
}

/// What applying the session would write: one link per linked record.
pub fn links(source: &str, decisions: &[Decision], choices: &BTreeMap<String, Choice>) -> Vec<AccountLink> {
    decisions
        .iter()
        .filter_map(|d| match choices.get(&d.source_id) {
            Some(Choice::Linked { account, manual }) => Some(AccountLink {
                source: source.to_string(),
                source_id: d.source_id.clone(),
                category: d.category.as_str().to_string(),
                account: account.clone(),
                decided: if *manual { "manuel" } else { "auto" }.to_string(),
            }),
            _ => None,
        })
        .collect()
}

/// Where a step stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StepCounts {
    pub records: usize,
    pub auto: usize,
    pub review: usize,
    pub none: usize,
    /// Review or no-account records the administrator has decided.
    pub decided: usize,
}

pub fn step_counts(decisions: &[Decision], choices: &BTreeMap<String, Choice>, category: Category) -> StepCounts {
    let mut c = StepCounts::default();
    for d in decisions.iter().filter(|d| d.category == category) {
        c.records += 1;
        match d.band {
            Band::Auto => c.auto += 1,
            Band::Review => c.review += 1,
            Band::None => c.none += 1,
        }
        if d.band != Band::Auto && matches!(choices.get(&d.source_id), Some(Choice::Linked { .. } | Choice::NoAccount))
        {
            c.decided += 1;
        }
    }
    c
}

/// The mapping export: CSV with `;`, UTF-8 with a BOM (Excel), one row per
/// source record.
pub fn mapping_csv(
    sources: &[super::SourceRecord],
    decisions: &[Decision],
    choices: &BTreeMap<String, Choice>,
) -> Vec<u8> {
    // Names come from imported files: the formula-safe writer keeps them text.
    let mut out = crate::people_csv::PeopleCsv::new(&[
        "Identifiant source",
        "Identifiant ENT",
        "Nom",
        "Prénom",
        "Catégorie",
        "Décision",
        "Score",
    ]);
    for (s, d) in sources.iter().zip(decisions) {
        let (account, decision) = match choices.get(&d.source_id) {
            Some(Choice::Linked { account, manual: false }) => (account.as_str(), "rapproché automatiquement"),
            Some(Choice::Linked { account, manual: true }) => (account.as_str(), "rapproché manuellement"),
            Some(Choice::NoAccount) => ("", "aucun compte"),
            Some(Choice::Skipped) => ("", "à vérifier (passé)"),
            None if d.band == Band::None => ("", "aucun compte proposé"),
            None => ("", "à vérifier"),
        };
        let score = d
            .candidates
            .iter()
            .find(|c| c.account == account)
            .or(d.candidates.first())
            .map(|c| format!("{:.1}", c.score).replace('.', ","))
            .unwrap_or_default();
        out.row(&[d.source_id.as_str(), account, &s.last_name, &s.first_name, d.category.label(), decision, &score]);
    }
    out.into_bytes()
}

/// The steps of a wizard, in the ENT's order.
pub fn steps(kind: super::SourceKind) -> &'static [Category] {
    match kind {
        super::SourceKind::Pronote => &Category::ALL,
        super::SourceKind::Edt => &[Category::Enseignant, Category::Eleve, Category::ClasseGroupe],
    }
}

/// An account as the review shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountView {
    pub account: String,
    pub last_name: String,
    pub birth_name: Option<String>,
    pub first_name: String,
    pub profile: String,
    pub birth_date: Option<String>,
    pub classes: Vec<String>,
    pub establishments: Vec<String>,
}

pub fn account_view(directory: &super::Directory, i: usize) -> Option<AccountView> {
    let a = directory.account(i)?;
    Some(AccountView {
        birth_name: a.birth_name.filter(|b| *b != a.last_name),
        account: a.ent_id,
        last_name: a.last_name,
        first_name: a.first_name,
        profile: super::profile_label(a.profile).to_string(),
        birth_date: a.birth_date,
        classes: a.classes,
        establishments: a.establishments,
    })
}

/// One record of a step, with its candidates' accounts and its current choice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemView {
    pub index: usize,
    pub source_row: usize,
    pub source_id: String,
    pub last_name: String,
    pub first_name: String,
    pub birth_date: Option<String>,
    pub classes: Vec<String>,
    pub band: Band,
    pub account: Option<String>,
    pub candidates: Vec<super::Candidate>,
    pub accounts: Vec<Option<AccountView>>,
    pub why_review: Vec<String>,
    pub choice: Option<Choice>,
}

/// Everything a reconciliation wizard works on: the two sides and the
/// engine's decisions, computed once per session.
pub struct Workspace {
    pub kind: super::SourceKind,
    pub sources: Vec<super::SourceRecord>,
    pub directory: super::Directory,
    pub decisions: Vec<Decision>,
}

impl Workspace {
    pub fn new(
        kind: super::SourceKind,
        sources: Vec<super::SourceRecord>,
        directory: super::Directory,
        scope: &super::Scope,
    ) -> Workspace {
        let decisions = super::reconcile(&sources, &directory, scope);
        Workspace { kind, sources, directory, decisions }
    }

    /// Adds the timetable's classes and groups, matched with the ENT's (EDT's third step).
    pub fn with_structures(
        mut self,
        timetable: &[super::structures::Structure],
        ent: &[super::structures::Structure],
    ) -> Workspace {
        for (record, decision) in super::structures::match_structures(timetable, ent, self.sources.len() + 1) {
            self.sources.push(record);
            self.decisions.push(decision);
        }
        self
    }

    pub fn account(&self, ent_id: &str) -> Option<AccountView> {
        self.directory.find(ent_id).and_then(|i| account_view(&self.directory, i))
    }

    pub fn item(&self, index: usize, choices: &BTreeMap<String, Choice>) -> Option<ItemView> {
        let (s, d) = (self.sources.get(index)?, self.decisions.get(index)?);
        Some(ItemView {
            index,
            source_row: d.source_row,
            source_id: d.source_id.clone(),
            last_name: s.last_name.clone(),
            first_name: s.first_name.clone(),
            birth_date: s.birth_date.clone(),
            classes: s.classes.clone(),
            band: d.band,
            account: d.account.clone(),
            candidates: d.candidates.clone(),
            accounts: d.candidates.iter().map(|c| self.account(&c.account)).collect(),
            why_review: d.why_review.clone(),
            choice: choices.get(&d.source_id).cloned(),
        })
    }

    /// The index of a source record by its id.
    pub fn index_of(&self, source_id: &str) -> Option<usize> {
        self.decisions.iter().position(|d| d.source_id == source_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::{Candidate, SourceRecord};

    /// Names read from an imported file reach the spreadsheet as text, never as formulas.
    #[test]
    fn the_mapping_csv_neutralises_formulas() {
        let source = |id: &str, last: &str, first: &str| SourceRecord {
            row: 1,
            id: id.into(),
            category: Category::Eleve,
            last_name: last.into(),
            first_name: first.into(),
            birth_date: None,
            ine: None,
            email: None,
            classes: Vec::new(),
            children: Vec::new(),
        };
        let decision = |id: &str| Decision {
            source_row: 1,
            source_id: id.into(),
            category: Category::Eleve,
            band: Band::Review,
            account: None,
            candidates: vec![Candidate { account: "ent-1".into(), score: -3.5, reasons: Vec::new() }],
            why_review: Vec::new(),
        };
        let sources = [source("P1", "=HYPERLINK(\"http://x\";\"clic\")", "@Léa"), source("+P2", "-DUPONT", "Zoé")];
        let decisions = [decision("P1"), decision("+P2")];
        let text = String::from_utf8(mapping_csv(&sources, &decisions, &BTreeMap::new())).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[1], "P1;;\"'=HYPERLINK(\"\"http://x\"\";\"\"clic\"\")\";'@Léa;élève;à vérifier;-3,5");
        assert_eq!(lines[2], "'+P2;;'-DUPONT;Zoé;élève;à vérifier;-3,5");
    }
}
