//! Append-only, hash-chained audit log: who did what, when. Each entry
//! carries the hash of the one before it, so editing or removing any entry
//! breaks the chain; the store also keeps the chain's head, which catches a
//! truncated tail. Persistence is in `store`; this module is the pure part.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// Who: the OS user and the interface, e.g. `marie@app`, `marie@cli`.
    pub actor: String,
    /// Stable action code (`DEMO_GENERATED`, `STORE_CREATED`…), translated by the UI.
    pub action: String,
    /// Details as JSON text, exactly as hashed.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Hash of an entry's content chained to `prev_hash`. Fields are
/// length-prefixed so that no two different entries serialise alike.
pub fn entry_hash(prev_hash: &str, seq: i64, at: &str, actor: &str, action: &str, detail: &str) -> String {
    let mut h = Sha256::new();
    let seq_text = seq.to_string();
    for field in [prev_hash, seq_text.as_str(), at, actor, action, detail] {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditBreak {
    /// Sequence number of the first entry that does not check out (or the
    /// missing one's expected number).
    pub seq: i64,
    /// `AUDIT_HASH_MISMATCH`, `AUDIT_LINK_BROKEN`, `AUDIT_GAP`, `AUDIT_TAIL_MISSING`, `AUDIT_HEAD_MISMATCH`.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerdict {
    pub ok: bool,
    pub entries: u64,
    pub first_bad: Option<AuditBreak>,
}

/// The chain's last link as recorded beside the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

/// Checks entries (in `seq` order) against each other and against the head.
pub fn verify(entries: &[AuditEntry], head: Option<&AuditHead>) -> AuditVerdict {
    let bad = |seq: i64, reason: &str| AuditVerdict {
        ok: false,
        entries: entries.len() as u64,
        first_bad: Some(AuditBreak { seq, reason: reason.to_string() }),
    };
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    for e in entries {
        if e.seq != expected_seq {
            return bad(expected_seq, "AUDIT_GAP");
        }
        if e.prev_hash != prev {
            return bad(e.seq, "AUDIT_LINK_BROKEN");
        }
        if entry_hash(&e.prev_hash, e.seq, &e.at, &e.actor, &e.action, &e.detail) != e.hash {
            return bad(e.seq, "AUDIT_HASH_MISMATCH");
        }
        prev = e.hash.clone();
        expected_seq += 1;
    }
    match head {
        None if entries.is_empty() => {}
        None => return bad(1, "AUDIT_HEAD_MISMATCH"),
        Some(h) if h.seq >= expected_seq => return bad(expected_seq, "AUDIT_TAIL_MISSING"),
        Some(h) if h.seq != expected_seq - 1 || h.hash != prev => return bad(expected_seq - 1, "AUDIT_HEAD_MISMATCH"),
        Some(_) => {}
    }
    AuditVerdict { ok: true, entries: entries.len() as u64, first_bad: None }
}

/// Builds the next entry after `prev` (None for the first).
pub fn next_entry(prev: Option<&AuditHead>, at: String, actor: &str, action: &str, detail: String) -> AuditEntry {
    let (seq, prev_hash) = match prev {
        Some(h) => (h.seq + 1, h.hash.clone()),
        None => (1, GENESIS.to_string()),
    };
    let hash = entry_hash(&prev_hash, seq, &at, actor, action, &detail);
    AuditEntry { seq, at, actor: actor.to_string(), action: action.to_string(), detail, prev_hash, hash }
}

/// Every action the journal can hold. The Journal view says each one as a
/// sentence (`journal.sentence.<ACTION>` in `ui/i18n/`); a test scans the
/// sources for the actions written and fails on one missing here or
/// without its sentence.
pub const ACTIONS: &[&str] = &[
    "STORE_CREATED",
    "DEMO_GENERATED",
    "IMPORT",
    "COLUMN_PRESET_SAVED",
    "MATCH_SESSION_STARTED",
    "MATCH_APPLIED",
    "SYNC_CONFIGURED",
    "SYNC_PULLED",
    "SYNC_QUEUED",
    "SYNC_PUSHED",
    "SYNC_RESOLVED",
    "SYNC_REJECTED",
    "SYNC_CONNECTOR_SET",
    "WORKLIST_DONE",
    "WORKLIST_IMPOSSIBLE",
    "WORKLIST_RETRIED",
    "ENT_NG_EXPORTED",
    "ENT_NG_IMPORTED",
    "BACKUP_WRITTEN",
    "STORE_RESTORED",
    "ACCOUNT_LOGIN_SET",
    "VISIBILITY_CHANGED",
    "FUNCTION_NODES_QUEUED",
    "FUNCTION_RULES_CHANGED",
    "FUNCTION_MEMBER_SET",
    "GROUP_CREATED",
    "GROUP_RENAMED",
    "GROUP_DELETED",
    "GROUP_RULE_SET",
    "GROUP_MEMBERS_ADDED",
    "GROUP_MEMBERS_REMOVED",
    "GROUP_EVALUATED",
    "RENTREE_SETTINGS",
    "RENTREE_STEP",
    "YEAR_TRANSITION",
    "TICKET_WRITTEN",
    "ACCOUNT_CREATED",
    "ACCOUNT_EXTENDED",
    "ACCOUNT_CLOSED",
    "FUNCTION_ADDED",
    "FUNCTION_REMOVED",
    "FOLLOW_ADDED",
    "FOLLOW_REMOVED",
];

/// `user@interface`, from the OS user name (the home folder's name when the
/// environment does not say).
pub fn actor(interface: &str) -> String {
    let from_env = ["USER", "LOGNAME", "USERNAME"].iter().find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()));
    let user = from_env
        .or_else(|| {
            let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
            std::path::Path::new(&home).file_name()?.to_str().map(str::to_string)
        })
        .unwrap_or_else(|| "inconnu".to_string());
    format!("{user}@{interface}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> (Vec<AuditEntry>, AuditHead) {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let head = out.last().map(|e| AuditHead { seq: e.seq, hash: e.hash.clone() });
            out.push(next_entry(
                head.as_ref(),
                format!("2026-09-0{}T08:00:00Z", i + 1),
                "a@cli",
                "X",
                format!("{{\"i\":{i}}}"),
            ));
        }
        let last = out
            .last()
            .map(|e| AuditHead { seq: e.seq, hash: e.hash.clone() })
            .unwrap_or(AuditHead { seq: 0, hash: GENESIS.into() });
        (out, last)
    }

    #[test]
    fn intact_chain_verifies() {
        let (c, h) = chain(5);
        let v = verify(&c, Some(&h));
        assert!(v.ok, "{v:?}");
        assert_eq!(v.entries, 5);
    }

    #[test]
    fn edited_entry_is_found() {
        let (mut c, h) = chain(5);
        c[2].detail = "{\"i\":99}".into();
        let v = verify(&c, Some(&h));
        assert_eq!(v.first_bad, Some(AuditBreak { seq: 3, reason: "AUDIT_HASH_MISMATCH".into() }));
    }

    #[test]
    fn rehashed_entry_breaks_the_next_link() {
        let (mut c, h) = chain(5);
        c[1].actor = "intrus@cli".into();
        c[1].hash = entry_hash(&c[1].prev_hash, 2, &c[1].at, &c[1].actor, &c[1].action, &c[1].detail);
        let v = verify(&c, Some(&h));
        assert_eq!(v.first_bad, Some(AuditBreak { seq: 3, reason: "AUDIT_LINK_BROKEN".into() }));
    }

    #[test]
    fn removed_entries_are_found() {
        let (mut c, h) = chain(5);
        c.remove(1);
        assert_eq!(verify(&c, Some(&h)).first_bad.map(|b| b.reason), Some("AUDIT_GAP".into()));
        let (mut c, h) = chain(5);
        c.pop();
        assert_eq!(verify(&c, Some(&h)).first_bad, Some(AuditBreak { seq: 5, reason: "AUDIT_TAIL_MISSING".into() }));
        let (c, _) = chain(2);
        assert!(!verify(&c, None).ok);
    }
}
