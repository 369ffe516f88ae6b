//! Accueil's « what needs the administrator now »: the rentrée steps late or
//! due this month, the changes waiting for the ENT and the conflicts, the
//! data-quality findings, the accounts left to reconcile per category, how
//! old the last national imports are, and a backup due. Each item names the
//! view that does it; the UI words it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::reconcile::{self, SourceKind};
use crate::rentree::{self, Status};
use crate::store::{Store, StoreError};
use crate::sync;

/// One thing to do, for the UI to word (`home.todo.<kind>`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Todo {
    /// `rentree_late`, `rentree_now`, `to_send`, `in_files`, `by_hand`,
    /// `conflicts`, `finding`, `to_reconcile`, `never_imported`, `accounts_ending`, `backup`.
    pub kind: &'static str,
    /// The finding, step or category it is about, when there is one.
    pub code: Option<String>,
    /// Its title, for a rentrée step.
    pub title: Option<String>,
    pub count: u64,
    /// The view that does it (`#/…`).
    pub route: &'static str,
    /// A late step's due date (AAAA-MM-JJ).
    pub due: Option<String>,
    /// Late, conflicting or lost if the PC fails: before the rest.
    pub urgent: bool,
}

/// The latest import of a national export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastImport {
    /// `siecle`, `sts` or `edt`.
    pub what: &'static str,
    pub imported_at: Option<String>,
    /// Whole days since, when imported.
    pub days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Today {
    pub todos: Vec<Todo>,
    pub imports: Vec<LastImport>,
    pub last_backup: Option<String>,
}

/// An account created by hand is said from this many days before its end.
pub const ENDING_WITHIN_DAYS: i64 = 30;

fn todo(kind: &'static str, count: u64, route: &'static str) -> Todo {
    Todo { kind, code: None, title: None, count, route, due: None, urgent: false }
}

/// What needs the administrator on `now`, most urgent first.
pub fn today(store: &Store, now: DateTime<Utc>) -> Result<Today, StoreError> {
    let day: NaiveDate = now.date_naive();
    let mut todos = Vec::new();

    // The rentrée: late steps, then those of this month not done.
    let facts = rentree::facts(store)?;
    let steps = rentree::checklist(&facts, &store.rentree_states()?, day);
    for s in &steps {
        let open = !matches!(s.status, Status::Fait | Status::SansObjet);
        if s.late || (s.current && open) {
            todos.push(Todo {
                kind: if s.late { "rentree_late" } else { "rentree_now" },
                code: Some(s.step.to_string()),
                title: Some(s.title.to_string()),
                count: 1,
                route: "rentree",
                due: Some(s.due.clone()),
                urgent: s.late,
            });
        }
    }

    // The changes waiting for the ENT, by how they will be confirmed.
    let d = sync::delivery(store)?;
    if d.conflicts > 0 {
        todos.push(Todo { urgent: true, ..todo("conflicts", d.conflicts as u64, "synchronisation") });
    }
    let waiting = [("to_send", d.by_server), ("in_files", d.in_files), ("by_hand", d.by_hand)];
    for (kind, n) in waiting {
        if n > 0 {
            todos.push(todo(kind, n as u64, "synchronisation"));
        }
    }

    // Data quality: what the last imports found.
    for f in store.findings()? {
        if f.count > 0 {
            todos.push(Todo { code: Some(f.code.clone()), ..todo("finding", f.count, "imports") });
        }
    }

    // Accounts left to reconcile, per source and category.
    for (kind, source) in [(SourceKind::Pronote, "pronote"), (SourceKind::Edt, "edt")] {
        let Ok(records) = reconcile::source_from_store(kind, store) else { continue };
        let linked: std::collections::BTreeSet<String> =
            store.account_links(source)?.into_iter().map(|l| l.source_id).collect();
        let mut left: BTreeMap<&'static str, u64> = BTreeMap::new();
        for r in records.iter().filter(|r| !linked.contains(&r.id)) {
            *left.entry(r.category.as_str()).or_default() += 1;
        }
        for (category, n) in left {
            todos.push(Todo { code: Some(format!("{source}:{category}")), ..todo("to_reconcile", n, "rapprochement") });
        }
    }

    // How old the national imports are; one never made is a thing to do.
    let batches = store.latest_batches()?;
    let mut imports = Vec::new();
    for (what, formats) in [("siecle", &["siecle-eleves"][..]), ("sts", &["sts"][..]), ("edt", &["edt", "udt"][..])] {
        let latest = batches.iter().filter(|b| formats.contains(&b.format.as_str())).map(|b| &b.imported_at).max();
        let days = latest
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .map(|at| (now - at.with_timezone(&Utc)).num_days());
        if latest.is_none() {
            todos.push(Todo { code: Some(what.to_string()), ..todo("never_imported", 0, "imports") });
        }
        imports.push(LastImport { what, imported_at: latest.cloned(), days });
    }

    // Accounts created by hand: no feed renews them, so their end is the administrator's to watch.
    let soon = (day + chrono::Duration::days(ENDING_WITHIN_DAYS)).format("%Y-%m-%d").to_string();
    let ending = store
        .hand_accounts()?
        .iter()
        .filter(|h| h.closed_at.is_none() && h.until.as_deref().is_some_and(|u| u <= soon.as_str()))
        .count();
    if ending > 0 {
        todos.push(todo("accounts_ending", ending as u64, "annuaire"));
    }
    if store.backup_due(now)? {
        todos.push(Todo { urgent: true, ..todo("backup", 1, "accueil") });
    }
    // Urgent first; otherwise in the order above.
    todos.sort_by_key(|t| !t.urgent);
    Ok(Today { todos, imports, last_backup: store.last_backup()? })
}
