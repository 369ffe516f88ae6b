//! The reconciliation wizard: the steps with their three bands, the review
//! queue, each decision journaled in the store at once (undo included), the
//! directory search, the preview of what applying writes, applying, and the
//! mapping export. The engine's work is computed once per session and kept.

use std::sync::Arc;

use preau_core::audit;
use preau_core::reconcile::session::{
    self, account_view, journal_action, links, mapping_csv, next_to_review, replay, step_counts, AccountView, Action,
    Choice, ItemView, StepCounts, Workspace,
};
use preau_core::reconcile::{self, Category, Scope, SourceKind};
use preau_core::store::{AccountLink, MatchSession, Store};
use serde::{Deserialize, Serialize};
use tauri::State;

use super::{blocking, open};
use crate::error::IpcError;
use crate::state::AppState;

fn kind(source: &str) -> Result<SourceKind, IpcError> {
    match source {
        "pronote" => Ok(SourceKind::Pronote),
        "edt" => Ok(SourceKind::Edt),
        other => Err(IpcError::new("MATCH_SOURCE", format!("source inconnue : {other}")).with("source", other)),
    }
}

fn category(raw: &str) -> Result<Category, IpcError> {
    Category::ALL
        .into_iter()
        .find(|c| c.as_str() == raw)
        .ok_or_else(|| IpcError::new("MATCH_CATEGORY", format!("catégorie inconnue : {raw}")))
}

fn workspace(st: &AppState, store: &Store, uai: &str, source: &str, fresh: bool) -> Result<Arc<Workspace>, IpcError> {
    let k = kind(source)?;
    st.workspace(uai, source, fresh, || {
        let sources = reconcile::source_from_store(k, store)?;
        let directory = reconcile::directory_from_store(store)?;
        let structures = match k {
            SourceKind::Edt => Some(reconcile::structures_from_store(store, &directory)?),
            SourceKind::Pronote => None,
        };
        let w = Workspace::new(k, sources, directory, &Scope::Establishment(uai.to_string()));
        Ok(match structures {
            Some((timetable, ent)) => w.with_structures(&timetable, &ent),
            None => w,
        })
    })
}

/// The open session of `source`, or a new one.
fn session(store: &mut Store, source: &str) -> Result<(MatchSession, bool), IpcError> {
    if let Some(s) = store.open_match_session(source)? {
        return Ok((s, true));
    }
    Ok((start_session(store, source)?, false))
}

/// A new session of `source`, over the latest batches.
fn start_session(store: &mut Store, source: &str) -> Result<MatchSession, IpcError> {
    let batch = |format: &str| -> Result<Option<i64>, IpcError> {
        Ok(store.latest_batches()?.into_iter().find(|b| b.format == format).map(|b| b.id))
    };
    let source_batch = batch(if source == "edt" { "edt" } else { "pronote-ids" })?;
    let directory_batch = batch("ent-directory")?;
    Ok(store.start_match_session(source, source_batch, directory_batch, "etablissement", &audit::actor("app"))?)
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub category: Category,
    pub label: &'static str,
    pub counts: StepCounts,
}

#[derive(Debug, Serialize)]
pub struct Overview {
    pub session: i64,
    pub started_at: String,
    /// True when an earlier session was taken up where it stopped.
    pub resumed: bool,
    pub decisions: usize,
    pub steps: Vec<Step>,
    /// Where the wizard opens: the first step with records left to review,
    /// else the first with records at all.
    pub first_step: Option<Category>,
    pub directory_accounts: usize,
}

/// The first step whose records still wait for the administrator; when none
/// does, the first that has records.
fn first_step(steps: &[Step]) -> Option<Category> {
    let waiting = |c: &StepCounts| c.review + c.none > c.decided;
    steps
        .iter()
        .find(|s| waiting(&s.counts))
        .or_else(|| steps.iter().find(|s| s.counts.records > 0))
        .or(steps.first())
        .map(|s| s.category)
}

fn overview(w: &Workspace, s: &MatchSession, resumed: bool, store: &Store) -> Result<Overview, IpcError> {
    let journal = store.match_journal(s.id)?;
    let choices = replay(&w.decisions, &journal);
    let steps: Vec<Step> = session::steps(w.kind)
        .iter()
        .map(|&c| Step { category: c, label: c.label(), counts: step_counts(&w.decisions, &choices, c) })
        .collect();
    Ok(Overview {
        session: s.id,
        started_at: s.started_at.clone(),
        resumed,
        decisions: journal.len(),
        first_step: first_step(&steps),
        steps,
        directory_accounts: w.directory.len(),
    })
}

/// Opens the wizard for `source` (`pronote` or `edt`): resumes the open
/// session or starts one, and says where each step stands.
#[tauri::command]
pub async fn match_open(state: State<'_, AppState>, uai: String, source: String) -> Result<Overview, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let open_session = store.open_match_session(&source)?;
        let resumed = open_session.is_some();
        // The files are read first: a session starts (and is journaled) only
        // once there is something to reconcile.
        let w = workspace(st, &store, &uai, &source, !resumed)?;
        let s = match open_session {
            Some(s) => s,
            None => start_session(&mut store, &source)?,
        };
        overview(&w, &s, resumed, &store)
    })
    .await
}

#[derive(Debug, Serialize)]
pub struct StepView {
    pub category: Category,
    pub counts: StepCounts,
    /// The records linked automatically (for checking), then those to review.
    pub auto: Vec<ItemView>,
    pub review: Vec<ItemView>,
    /// Index (in `review`) of the next record to decide.
    pub next: Option<usize>,
}

/// One step: its records in the three bands and the next one to review.
#[tauri::command]
pub async fn match_step(
    state: State<'_, AppState>,
    uai: String,
    source: String,
    category: String,
) -> Result<StepView, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let cat = self::category(&category)?;
        let (s, _) = session(&mut store, &source)?;
        let w = workspace(st, &store, &uai, &source, false)?;
        let choices = replay(&w.decisions, &store.match_journal(s.id)?);
        let (mut auto, mut review) = (Vec::new(), Vec::new());
        for (i, d) in w.decisions.iter().enumerate().filter(|(_, d)| d.category == cat) {
            if let Some(item) = w.item(i, &choices) {
                if d.band == reconcile::Band::Auto {
                    auto.push(item);
                } else {
                    review.push(item);
                }
            }
        }
        let next = next_to_review(&w.decisions, &choices, cat).and_then(|i| review.iter().position(|r| r.index == i));
        Ok(StepView { category: cat, counts: step_counts(&w.decisions, &choices, cat), auto, review, next })
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DecisionInput {
    Accept,
    Pick { n: usize },
    Link { account: String },
    None,
    Skip,
}

#[derive(Debug, Serialize)]
pub struct Decided {
    pub item: ItemView,
    pub journal_seq: i64,
}

/// Records one decision on a record, committed at once.
#[tauri::command]
pub async fn match_decide(
    state: State<'_, AppState>,
    uai: String,
    source: String,
    source_id: String,
    decision: DecisionInput,
) -> Result<Decided, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let (s, _) = session(&mut store, &source)?;
        let w = workspace(st, &store, &uai, &source, false)?;
        let index = w
            .index_of(&source_id)
            .ok_or_else(|| IpcError::new("MATCH_UNKNOWN_RECORD", format!("enregistrement inconnu : {source_id}")))?;
        let d = &w.decisions[index];
        let action = match decision {
            DecisionInput::Accept => Action::Accept,
            DecisionInput::Pick { n } => Action::Pick(n),
            DecisionInput::Link { account } => {
                if w.account(&account).is_none() {
                    return Err(IpcError::new("MATCH_UNKNOWN_ACCOUNT", format!("compte inconnu : {account}")));
                }
                Action::Link(account)
            }
            DecisionInput::None => Action::NoAccount,
            DecisionInput::Skip => Action::Skip,
        };
        let (verb, account) = journal_action(d, &action).map_err(|m| IpcError::new("MATCH_NO_CANDIDATE", m))?;
        let entry = store.record_match_decision(
            s.id,
            &d.source_id,
            d.category.as_str(),
            verb,
            account.as_deref(),
            &audit::actor("app"),
        )?;
        let choices = replay(&w.decisions, &store.match_journal(s.id)?);
        let item = w.item(index, &choices).ok_or_else(|| IpcError::new("INTERNAL", "enregistrement perdu"))?;
        Ok(Decided { item, journal_seq: entry.seq })
    })
    .await
}

/// Cancels the latest decision not yet cancelled; returns the record it was about.
#[tauri::command]
pub async fn match_undo(state: State<'_, AppState>, uai: String, source: String) -> Result<Option<String>, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let (s, _) = session(&mut store, &source)?;
        let journal = store.match_journal(s.id)?;
        let Some(last) = session::standing(&journal).last().copied() else { return Ok(None) };
        let (id, cat) = (last.source_id.clone(), last.category.clone());
        store.record_match_decision(s.id, &id, &cat, "undo", None, &audit::actor("app"))?;
        Ok(Some(id))
    })
    .await
}

/// Accounts of the directory whose names start with the words typed: this
/// establishment's, or every establishment's with `all`.
#[tauri::command]
pub async fn match_search(
    state: State<'_, AppState>,
    uai: String,
    source: String,
    text: String,
    all: bool,
) -> Result<Vec<AccountView>, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let w = workspace(st, &store, &uai, &source, false)?;
        let scope = (!all).then_some(uai.as_str());
        Ok(w.directory.search(&text, scope, 20).into_iter().filter_map(|i| account_view(&w.directory, i)).collect())
    })
    .await
}

/// One link applying would write, as a person reads it: the record's name
/// and classes, the account's, and who decided.
#[derive(Debug, Serialize)]
pub struct PreviewRow {
    pub category: Category,
    pub last_name: String,
    pub first_name: String,
    pub classes: Vec<String>,
    /// The ENT account; `None` for a class or group, or an account the
    /// directory no longer holds.
    pub account: Option<AccountView>,
    /// For a class or group: what the engine said of the ENT structure (its name).
    pub structure: Option<String>,
    /// Decided by the administrator rather than linked automatically.
    pub manual: bool,
}

#[derive(Debug, Serialize)]
pub struct Preview {
    pub auto: usize,
    pub manual: usize,
    /// Every link, in the steps' order, then by name.
    pub rows: Vec<PreviewRow>,
    /// Changes queued for the ENT server (once applied).
    pub queued: usize,
}

impl Preview {
    fn of(rows: Vec<PreviewRow>) -> Preview {
        let manual = rows.iter().filter(|r| r.manual).count();
        Preview { auto: rows.len() - manual, manual, rows, queued: 0 }
    }
}

/// The open session, the links applying would write, and the same links for reading.
fn current_links(
    st: &AppState,
    store: &mut Store,
    uai: &str,
    source: &str,
) -> Result<(MatchSession, Vec<AccountLink>, Vec<PreviewRow>), IpcError> {
    let (s, _) = session(store, source)?;
    let w = workspace(st, store, uai, source, false)?;
    let choices = replay(&w.decisions, &store.match_journal(s.id)?);
    let order = session::steps(w.kind);
    let step_of = |c: Category| order.iter().position(|&o| o == c).unwrap_or(order.len());
    let mut rows: Vec<PreviewRow> = w
        .decisions
        .iter()
        .zip(&w.sources)
        .filter_map(|(d, r)| match choices.get(&d.source_id) {
            Some(Choice::Linked { account, manual }) => Some(PreviewRow {
                category: d.category,
                last_name: r.last_name.clone(),
                first_name: r.first_name.clone(),
                classes: r.classes.clone(),
                account: w.account(account),
                structure: (d.category == Category::ClasseGroupe)
                    .then(|| {
                        d.candidates.iter().find(|c| &c.account == account).and_then(|c| c.reasons.first().cloned())
                    })
                    .flatten(),
                manual: *manual,
            }),
            _ => None,
        })
        .collect();
    rows.sort_by(|a, b| {
        (step_of(a.category), &a.last_name, &a.first_name).cmp(&(step_of(b.category), &b.last_name, &b.first_name))
    });
    Ok((s, links(source, &w.decisions, &choices), rows))
}

/// What applying would write: nothing is written.
#[tauri::command]
pub async fn match_preview(state: State<'_, AppState>, uai: String, source: String) -> Result<Preview, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let (_, _, rows) = current_links(st, &mut store, &uai, &source)?;
        Ok(Preview::of(rows))
    })
    .await
}

/// Writes the session's links, queues them for the ENT server and closes the session.
#[tauri::command]
pub async fn match_apply(state: State<'_, AppState>, uai: String, source: String) -> Result<Preview, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let (s, links, rows) = current_links(st, &mut store, &uai, &source)?;
        let queued = store.apply_match_session(s.id, &links, &audit::actor("app"))?;
        Ok(Preview { queued, ..Preview::of(rows) })
    })
    .await
}

/// The mapping export (CSV text, `;`, with its BOM) for the save dialog.
#[tauri::command]
pub async fn match_export(state: State<'_, AppState>, uai: String, source: String) -> Result<String, IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let (s, _) = session(&mut store, &source)?;
        let w = workspace(st, &store, &uai, &source, false)?;
        let choices: std::collections::BTreeMap<String, Choice> = replay(&w.decisions, &store.match_journal(s.id)?);
        String::from_utf8(mapping_csv(&w.sources, &w.decisions, &choices))
            .map_err(|e| IpcError::new("INTERNAL", e.to_string()))
    })
    .await
}
