//! Rentrée: the checklist as of a date, the steps set by hand, the ENT
//! settings the administrator reports, the data-quality history, and the
//! year transition (preview, then confirmation).

use std::collections::BTreeMap;

use preau_core::audit;
use preau_core::rentree::{self, Settings, Status, Step, Transition};
use serde::Serialize;
use tauri::State;

use super::{blocking, open};
use crate::error::IpcError;
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct Checklist {
    pub year: i32,
    pub today: String,
    pub period: &'static str,
    pub steps: Vec<Step>,
    pub done: usize,
    pub total: usize,
    pub blocked: bool,
    /// Data-quality counts per import operation, oldest first: (operation, code → count).
    pub history: Vec<(i64, BTreeMap<String, u64>)>,
    pub settings: Settings,
}

fn day(date: Option<String>) -> Result<chrono::NaiveDate, IpcError> {
    match date.filter(|d| !d.trim().is_empty()) {
        Some(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .map_err(|_| IpcError::new("RENTREE_DATE", format!("date attendue au format AAAA-MM-JJ : {d}"))),
        None => Ok(chrono::Local::now().date_naive()),
    }
}

#[tauri::command]
pub async fn rentree_checklist(
    state: State<'_, AppState>,
    uai: String,
    date: Option<String>,
) -> Result<Checklist, IpcError> {
    blocking(&state, move |st| {
        let store = open(st, &uai)?;
        let today = day(date)?;
        let facts = rentree::facts(&store)?;
        let steps = rentree::checklist(&facts, &store.rentree_states()?, today);
        let mut history: BTreeMap<i64, BTreeMap<String, u64>> = BTreeMap::new();
        for (op, code, count) in store.finding_history()? {
            history.entry(op).or_default().insert(code, count);
        }
        Ok(Checklist {
            year: facts.school_year,
            today: today.format("%Y-%m-%d").to_string(),
            period: rentree::Period::of(today).code(),
            done: steps.iter().filter(|s| matches!(s.status, Status::Fait | Status::SansObjet)).count(),
            total: steps.len(),
            blocked: rentree::blocked(&steps),
            steps,
            history: history.into_iter().collect(),
            settings: facts.settings,
        })
    })
    .await
}

/// A step's status by hand (`null`: from its checks again) and its note.
#[tauri::command]
pub async fn rentree_set_step(
    state: State<'_, AppState>,
    uai: String,
    step: String,
    status: Option<String>,
    note: String,
) -> Result<(), IpcError> {
    blocking(&state, move |st| {
        let mut store = open(st, &uai)?;
        let status = match status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => {
                Some(Status::parse(s).ok_or_else(|| IpcError::new("RENTREE_STATUS", format!("statut inconnu : {s}")))?)
            }
        };
        Ok(store.set_rentree_step(&step, status, &note, &audit::actor("app"))?)
    })
    .await
}

#[tauri::command]
pub async fn rentree_set_settings(state: State<'_, AppState>, uai: String, settings: Settings) -> Result<(), IpcError> {
    blocking(&state, move |st| {
        for d in [&settings.embargo_pupils, &settings.embargo_parents, &settings.end_of_year, &settings.followed_since]
            .into_iter()
            .flatten()
        {
            if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
                return Err(IpcError::new("RENTREE_DATE", format!("date attendue au format AAAA-MM-JJ : {d}")));
            }
        }
        Ok(open(st, &uai)?.set_rentree_settings(&settings, &audit::actor("app"))?)
    })
    .await
}

#[tauri::command]
pub async fn rentree_transition_preview(state: State<'_, AppState>, uai: String) -> Result<Transition, IpcError> {
    blocking(&state, move |st| Ok(open(st, &uai)?.transition_preview()?)).await
}

#[tauri::command]
pub async fn rentree_transition(state: State<'_, AppState>, uai: String) -> Result<Transition, IpcError> {
    blocking(&state, move |st| Ok(open(st, &uai)?.year_transition(&audit::actor("app"))?)).await
}
