//! Reconciliation sessions in the store: each decision the administrator
//! takes is one committed row of an append-only journal (an undo is a row
//! too), so a session closed or killed resumes exactly where it stopped;
//! applying a session writes the account links, with an audit entry.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{audit_log, sql, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchSession {
    pub id: i64,
    /// `pronote` or `edt`.
    pub source: String,
    pub source_batch: Option<i64>,
    pub directory_batch: Option<i64>,
    /// `etablissement` or `academie`.
    pub scope: String,
    pub started_at: String,
    pub actor: String,
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalEntry {
    pub seq: i64,
    pub source_id: String,
    pub category: String,
    /// `accept`, `pick`, `none`, `skip` or `undo`.
    pub action: String,
    pub account: Option<String>,
    pub at: String,
    pub actor: String,
}

/// A link as a session writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountLink {
    pub source: String,
    pub source_id: String,
    pub category: String,
    pub account: String,
    /// `auto` or `manuel`.
    pub decided: String,
}

const SESSION_COLUMNS: &str = "id, source, source_batch, directory_batch, scope, started_at, actor, finished_at";

fn session_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MatchSession> {
    Ok(MatchSession {
        id: r.get(0)?,
        source: r.get(1)?,
        source_batch: r.get(2)?,
        directory_batch: r.get(3)?,
        scope: r.get(4)?,
        started_at: r.get(5)?,
        actor: r.get(6)?,
        finished_at: r.get(7)?,
    })
}

impl Store {
    /// Starts a session (an unfinished one of the same source is left as it is).
    pub fn start_match_session(
        &mut self,
        source: &str,
        source_batch: Option<i64>,
        directory_batch: Option<i64>,
        scope: &str,
        actor: &str,
    ) -> Result<MatchSession, StoreError> {
        let tx = self.conn.transaction().map_err(sql("session de rapprochement"))?;
        tx.execute(
            "INSERT INTO match_session (source, source_batch, directory_batch, scope, started_at, actor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![source, source_batch, directory_batch, scope, audit_log::now(), actor],
        )
        .map_err(sql("session de rapprochement"))?;
        let id = tx.last_insert_rowid();
        audit_log::append(
            &tx,
            actor,
            "MATCH_SESSION_STARTED",
            &serde_json::json!({ "session": id, "source": source, "scope": scope }),
        )?;
        let session = tx
            .query_row(&format!("SELECT {SESSION_COLUMNS} FROM match_session WHERE id = ?1"), [id], session_from_row)
            .map_err(sql("session de rapprochement"))?;
        tx.commit().map_err(sql("session de rapprochement"))?;
        Ok(session)
    }

    /// The latest unfinished session of `source`, to resume.
    pub fn open_match_session(&self, source: &str) -> Result<Option<MatchSession>, StoreError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM match_session WHERE source = ?1 AND finished_at IS NULL ORDER BY id DESC LIMIT 1"
                ),
                [source],
                session_from_row,
            )
            .optional()
            .map_err(sql("session de rapprochement"))
    }

    pub fn match_journal(&self, session: i64) -> Result<Vec<JournalEntry>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT seq, source_id, category, action, account, at, actor FROM match_journal
                 WHERE session_id = ?1 ORDER BY seq",
            )
            .map_err(sql("journal des rapprochements"))?;
        let rows = st
            .query_map([session], |r| {
                Ok(JournalEntry {
                    seq: r.get(0)?,
                    source_id: r.get(1)?,
                    category: r.get(2)?,
                    action: r.get(3)?,
                    account: r.get(4)?,
                    at: r.get(5)?,
                    actor: r.get(6)?,
                })
            })
            .map_err(sql("journal des rapprochements"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("journal des rapprochements"))
    }

    /// Appends one decision, committed at once.
    pub fn record_match_decision(
        &mut self,
        session: i64,
        source_id: &str,
        category: &str,
        action: &str,
        account: Option<&str>,
        actor: &str,
    ) -> Result<JournalEntry, StoreError> {
        let tx = self.conn.transaction().map_err(sql("journal des rapprochements"))?;
        let seq: i64 = tx
            .query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM match_journal WHERE session_id = ?1", [session], |r| {
                r.get(0)
            })
            .map_err(sql("journal des rapprochements"))?;
        let at = audit_log::now();
        tx.execute(
            "INSERT INTO match_journal (session_id, seq, source_id, category, action, account, at, actor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![session, seq, source_id, category, action, account, at, actor],
        )
        .map_err(sql("journal des rapprochements"))?;
        tx.commit().map_err(sql("journal des rapprochements"))?;
        Ok(JournalEntry {
            seq,
            source_id: source_id.into(),
            category: category.into(),
            action: action.into(),
            account: account.map(str::to_string),
            at,
            actor: actor.into(),
        })
    }

    /// Writes the session's links (replacing earlier links of the same
    /// source records) and closes it, in one transaction with its audit
    /// entry; each new or moved link is queued for the ENT server (the
    /// account gets the source's identifier, a former account loses it).
    /// Returns how many changes were queued.
    pub fn apply_match_session(
        &mut self,
        session: i64,
        links: &[AccountLink],
        actor: &str,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction().map_err(sql("liens de comptes"))?;
        let at = audit_log::now();
        let mut queued = 0;
        {
            let mut before = tx
                .prepare("SELECT account FROM account_link WHERE source = ?1 AND source_id = ?2")
                .map_err(sql("liens de comptes"))?;
            let origin = |l: &AccountLink| format!("rapprochement {}, session {session}", l.source);
            for l in links {
                let earlier: Option<String> = before
                    .query_row(params![l.source, l.source_id], |r| r.get(0))
                    .optional()
                    .map_err(sql("liens de comptes"))?;
                if earlier.as_deref() == Some(l.account.as_str()) {
                    continue;
                }
                let (resource, path) = if l.category == "classe_groupe" {
                    ("Group", format!("{}:edtName", super::ENT_GROUP))
                } else {
                    ("User", format!("{}:{}Id", super::ENT_USER, l.source))
                };
                if let Some(old) = &earlier {
                    let body = super::patch_attribute(&path, None);
                    super::outbox::queue(&tx, resource, old, "patch", &body, &origin(l))?;
                    queued += 1;
                }
                let body = super::patch_attribute(&path, Some(&l.source_id));
                super::outbox::queue(&tx, resource, &l.account, "patch", &body, &origin(l))?;
                queued += 1;
            }
        }
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO account_link (source, source_id, category, account, decided, session_id, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(source, source_id) DO UPDATE SET category = excluded.category,
                     account = excluded.account, decided = excluded.decided, session_id = excluded.session_id, at = excluded.at",
                )
                .map_err(sql("liens de comptes"))?;
            for l in links {
                st.execute(params![l.source, l.source_id, l.category, l.account, l.decided, session, at])
                    .map_err(sql("liens de comptes"))?;
            }
        }
        let closed = tx
            .execute(
                "UPDATE match_session SET finished_at = ?2 WHERE id = ?1 AND finished_at IS NULL",
                params![session, at],
            )
            .map_err(sql("session de rapprochement"))?;
        if closed != 1 {
            return Err(StoreError::Data {
                table: "match_session",
                row: format!("session {session}"),
                field: "finished_at",
                value: "session inconnue ou déjà appliquée".into(),
            });
        }
        let auto = links.iter().filter(|l| l.decided == "auto").count();
        audit_log::append(
            &tx,
            actor,
            "MATCH_APPLIED",
            &serde_json::json!({
                "session": session, "links": links.len(), "auto": auto, "manual": links.len() - auto, "queued": queued
            }),
        )?;
        tx.commit().map_err(sql("liens de comptes"))?;
        Ok(queued)
    }

    pub fn account_links(&self, source: &str) -> Result<Vec<AccountLink>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT source, source_id, category, account, decided FROM account_link WHERE source = ?1 ORDER BY source_id")
            .map_err(sql("liens de comptes"))?;
        let rows = st
            .query_map([source], |r| {
                Ok(AccountLink {
                    source: r.get(0)?,
                    source_id: r.get(1)?,
                    category: r.get(2)?,
                    account: r.get(3)?,
                    decided: r.get(4)?,
                })
            })
            .map_err(sql("liens de comptes"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql("liens de comptes"))
    }
}
