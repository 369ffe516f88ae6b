//! Versioned migrations, tracked in `PRAGMA user_version`. Each migration runs
//! in one transaction with its version bump; a store from a newer Préau is
//! refused rather than damaged.

use std::path::Path;

use rusqlite::Connection;

use super::{sql, StoreError};

const MIGRATIONS: &[&str] = &[
    // 1: population, ENT accounts, groups, audit log.
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE establishment (
    uai TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, city TEXT NOT NULL,
    school_year INTEGER NOT NULL);
CREATE TABLE level (code TEXT PRIMARY KEY, mef TEXT NOT NULL, label TEXT NOT NULL, rank INTEGER NOT NULL);
CREATE TABLE division (
    code TEXT PRIMARY KEY, label TEXT NOT NULL, level TEXT NOT NULL REFERENCES level(code));
CREATE TABLE person (
    id TEXT PRIMARY KEY, profile TEXT NOT NULL, sex TEXT, usage_name TEXT NOT NULL,
    birth_name TEXT NOT NULL, given_names TEXT NOT NULL, usual_given_name INTEGER NOT NULL,
    birth_date TEXT, ine TEXT, email TEXT, mobile TEXT, establishments TEXT NOT NULL,
    has_left INTEGER NOT NULL DEFAULT 0);
CREATE INDEX person_profile ON person(profile);
CREATE TABLE person_division (
    person_id TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE, position INTEGER NOT NULL,
    division_code TEXT NOT NULL, PRIMARY KEY (person_id, position));
CREATE INDEX person_division_code ON person_division(division_code);
CREATE TABLE person_function (
    person_id TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE, position INTEGER NOT NULL,
    code TEXT NOT NULL, discipline TEXT, label TEXT NOT NULL, PRIMARY KEY (person_id, position));
CREATE TABLE responsibility (
    responsable_id TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    pupil_id TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    level TEXT NOT NULL, relationship TEXT NOT NULL, PRIMARY KEY (responsable_id, pupil_id));
CREATE TABLE account (
    id TEXT PRIMARY KEY, login TEXT NOT NULL, person_id TEXT, profile TEXT NOT NULL,
    usage_name TEXT NOT NULL, birth_name TEXT NOT NULL, given_names TEXT NOT NULL,
    birth_date TEXT, ine TEXT, email TEXT, classes TEXT NOT NULL, functions TEXT NOT NULL,
    establishments TEXT NOT NULL, children TEXT NOT NULL);
CREATE INDEX account_person ON account(person_id);
CREATE TABLE grp (id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, divisions TEXT NOT NULL);
CREATE TABLE group_member (
    group_id TEXT NOT NULL REFERENCES grp(id) ON DELETE CASCADE, position INTEGER NOT NULL,
    person_id TEXT NOT NULL, PRIMARY KEY (group_id, position));
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'le journal est en ajout seul'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'le journal est en ajout seul'); END;
"#,
    // 2: import batches, their rejects and records, data-quality findings, column presets.
    r#"
CREATE TABLE import_batch (
    id INTEGER PRIMARY KEY, operation INTEGER NOT NULL, file_name TEXT NOT NULL, sha256 TEXT NOT NULL,
    format TEXT NOT NULL, zip_entry TEXT, encoding TEXT NOT NULL, imported_at TEXT NOT NULL,
    actor TEXT NOT NULL, file_uai TEXT, school_year INTEGER, exported_at TEXT, software TEXT,
    version TEXT, bytes INTEGER NOT NULL, read INTEGER NOT NULL, rejected INTEGER NOT NULL);
CREATE UNIQUE INDEX import_batch_sha256 ON import_batch(sha256);
CREATE INDEX import_batch_format ON import_batch(format, id);
CREATE TABLE import_reject (
    batch_id INTEGER NOT NULL REFERENCES import_batch(id), seq INTEGER NOT NULL,
    location TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, reason TEXT NOT NULL,
    PRIMARY KEY (batch_id, seq));
CREATE TABLE import_record (
    batch_id INTEGER NOT NULL REFERENCES import_batch(id), seq INTEGER NOT NULL,
    kind TEXT NOT NULL, location TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (batch_id, seq));
CREATE INDEX import_record_kind ON import_record(batch_id, kind);
CREATE TABLE finding (
    code TEXT NOT NULL, seq INTEGER NOT NULL, item TEXT NOT NULL, PRIMARY KEY (code, seq));
CREATE TABLE finding_count (
    operation INTEGER NOT NULL, code TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (operation, code));
CREATE TABLE column_preset (
    name TEXT PRIMARY KEY, format TEXT NOT NULL, columns TEXT NOT NULL, saved_at TEXT NOT NULL);
"#,
    // 3: a batch keeps the file itself (in chunks) and the column mapping it was read with;
    // its records are read again from the file when needed, no longer stored one by one.
    r#"
ALTER TABLE import_batch ADD COLUMN preset TEXT;
CREATE TABLE import_file (
    batch_id INTEGER NOT NULL REFERENCES import_batch(id), chunk INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (batch_id, chunk));
"#,
    // 4: reconciliation sessions, their append-only decision journal, and the links they wrote.
    r#"
CREATE TABLE match_session (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL, source_batch INTEGER, directory_batch INTEGER,
    scope TEXT NOT NULL, started_at TEXT NOT NULL, actor TEXT NOT NULL, finished_at TEXT);
CREATE TABLE match_journal (
    session_id INTEGER NOT NULL REFERENCES match_session(id), seq INTEGER NOT NULL,
    source_id TEXT NOT NULL, category TEXT NOT NULL, action TEXT NOT NULL, account TEXT,
    at TEXT NOT NULL, actor TEXT NOT NULL, PRIMARY KEY (session_id, seq));
CREATE TRIGGER match_journal_no_update BEFORE UPDATE ON match_journal
    BEGIN SELECT RAISE(ABORT, 'le journal des rapprochements est en ajout seul'); END;
CREATE TRIGGER match_journal_no_delete BEFORE DELETE ON match_journal
    BEGIN SELECT RAISE(ABORT, 'le journal des rapprochements est en ajout seul'); END;
CREATE TABLE account_link (
    source TEXT NOT NULL, source_id TEXT NOT NULL, category TEXT NOT NULL, account TEXT NOT NULL,
    decided TEXT NOT NULL, session_id INTEGER NOT NULL REFERENCES match_session(id), at TEXT NOT NULL,
    PRIMARY KEY (source, source_id));
CREATE INDEX account_link_account ON account_link(account);
"#,
    // 5: the outbox — accepted changes waiting for the ENT server.
    r#"
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY, resource TEXT NOT NULL, target TEXT NOT NULL, op TEXT NOT NULL,
    payload TEXT NOT NULL, origin TEXT NOT NULL, created_at TEXT NOT NULL);
"#,
    // 6: the ENT server's directory as last pulled, each resource with its ETag.
    r#"
CREATE TABLE scim_resource (
    resource TEXT NOT NULL, id TEXT NOT NULL, external_id TEXT, etag TEXT, body TEXT NOT NULL,
    PRIMARY KEY (resource, id));
"#,
    // 7: an outbox change the server refused as stale (412) waits as a conflict, with the
    // server's version beside it.
    r#"
ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE outbox ADD COLUMN server TEXT;
"#,
    // 8: a conflict also keeps the version the change was made over, for the three-way view.
    r#"
ALTER TABLE outbox ADD COLUMN base TEXT;
"#,
    // 9: qui voit qui — the closed eyes (a cell not listed is shown), and the hand
    // corrections of the function nodes.
    r#"
CREATE TABLE visibility_cell (
    profile TEXT NOT NULL, node TEXT NOT NULL, visible INTEGER NOT NULL,
    PRIMARY KEY (profile, node));
CREATE TABLE function_manual (
    node TEXT NOT NULL, person TEXT NOT NULL, member INTEGER NOT NULL,
    PRIMARY KEY (node, person));
"#,
    // 10: the groups the administrator makes, and their members with their origin.
    r#"
CREATE TABLE managed_group (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, kind TEXT NOT NULL,
    rule TEXT, lock_delete INTEGER NOT NULL, lock_recompose INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE managed_member (
    group_id TEXT NOT NULL REFERENCES managed_group(id), person TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('AUTO', 'MANUAL')), role TEXT, since TEXT NOT NULL,
    PRIMARY KEY (group_id, person));
"#,
    // 11: the rentrée checklist's steps as the administrator set them.
    r#"
CREATE TABLE rentree_step (
    code TEXT PRIMARY KEY, status TEXT, note TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL);
"#,
    // 12: the population is written over itself, only what differs: its order
    // (once the rows' insertion order) is kept in a column of its own, the stored
    // order carried over.
    r#"
ALTER TABLE level ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
UPDATE level SET pos = rowid;
ALTER TABLE division ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
UPDATE division SET pos = rowid;
ALTER TABLE person ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
UPDATE person SET pos = rowid;
ALTER TABLE responsibility ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
UPDATE responsibility SET pos = rowid;
ALTER TABLE account ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
UPDATE account SET pos = rowid;
ALTER TABLE grp ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
UPDATE grp SET pos = rowid;
"#,
    // 13: a person's classes and functions and a group's members are found by
    // their key alone: one B-tree each (WITHOUT ROWID) instead of a table and its index.
    r#"
CREATE TABLE person_division_k (
    person_id TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE, position INTEGER NOT NULL,
    division_code TEXT NOT NULL, PRIMARY KEY (person_id, position)) WITHOUT ROWID;
INSERT INTO person_division_k SELECT person_id, position, division_code FROM person_division;
DROP TABLE person_division;
ALTER TABLE person_division_k RENAME TO person_division;
CREATE INDEX person_division_code ON person_division(division_code);
CREATE TABLE person_function_k (
    person_id TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE, position INTEGER NOT NULL,
    code TEXT NOT NULL, discipline TEXT, label TEXT NOT NULL, PRIMARY KEY (person_id, position)) WITHOUT ROWID;
INSERT INTO person_function_k SELECT person_id, position, code, discipline, label FROM person_function;
DROP TABLE person_function;
ALTER TABLE person_function_k RENAME TO person_function;
CREATE TABLE group_member_k (
    group_id TEXT NOT NULL REFERENCES grp(id) ON DELETE CASCADE, position INTEGER NOT NULL,
    person_id TEXT NOT NULL, PRIMARY KEY (group_id, position)) WITHOUT ROWID;
INSERT INTO group_member_k SELECT group_id, position, person_id FROM group_member;
DROP TABLE group_member;
ALTER TABLE group_member_k RENAME TO group_member;
"#,
    // 14: the worklist of an ENT reached by hand: what the administrator said of
    // an item (« impossible » with its reason; « fait », the item as it was done,
    // its changes gone from the outbox).
    r#"
CREATE TABLE worklist_mark (
    id TEXT PRIMARY KEY, status TEXT NOT NULL, reason TEXT NOT NULL, updated_at TEXT NOT NULL,
    item TEXT);
"#,
    // 15: the files written for Open ENT NG's console: each row's fingerprint by
    // file and external id (what the ENT holds once the export is imported), the
    // outbox changes the files carry, and when the administrator said it was imported.
    r#"
CREATE TABLE ent_ng_export (
    id TEXT PRIMARY KEY, written_at TEXT NOT NULL, delta INTEGER NOT NULL, folder TEXT NOT NULL,
    files TEXT NOT NULL, rows TEXT NOT NULL, changes TEXT NOT NULL, imported_at TEXT);
"#,
    // 16: what the Annuaire changes by hand, apart from what the files give: the
    // accounts created in Préau, the functions added or taken, who an AESH follows.
    r#"
CREATE TABLE hand_account (
    id TEXT PRIMARY KEY, profile TEXT NOT NULL, civility TEXT, nom TEXT NOT NULL, prenom TEXT NOT NULL,
    email TEXT, phones TEXT NOT NULL, functions TEXT NOT NULL, groups TEXT NOT NULL, login TEXT NOT NULL,
    until TEXT, reason TEXT NOT NULL, created_at TEXT NOT NULL, actor TEXT NOT NULL, closed_at TEXT);
CREATE TABLE function_change (
    person TEXT NOT NULL, code TEXT NOT NULL, discipline TEXT NOT NULL, label TEXT NOT NULL,
    added INTEGER NOT NULL, at TEXT NOT NULL, PRIMARY KEY (person, code, discipline)) WITHOUT ROWID;
CREATE TABLE follow_link (
    follower TEXT NOT NULL, pupil TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (follower, pupil)) WITHOUT ROWID;
"#,
];

pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql("version"))?;
    if current > LATEST {
        return Err(StoreError::NewerVersion { path: path.to_path_buf(), found: current, supported: LATEST });
    }
    for (i, script) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as i64 + 1;
        let tx = conn.transaction().map_err(sql("migration"))?;
        tx.execute_batch(script).map_err(sql("migration"))?;
        tx.pragma_update(None, "user_version", version).map_err(sql("migration"))?;
        tx.commit().map_err(sql("migration"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store written before the population kept its order in a column of its
    /// own (schema 11) reads back the same, in the same order, once migrated.
    #[test]
    fn a_population_of_schema_11_reads_back_the_same() {
        let mut conn = Connection::open_in_memory().unwrap();
        for script in &MIGRATIONS[..11] {
            conn.execute_batch(script).unwrap();
        }
        conn.pragma_update(None, "user_version", 11).unwrap();
        conn.execute_batch(
            "INSERT INTO establishment VALUES ('0999001W', 'Collège', 'college', 'Ville', 2026);
             INSERT INTO level VALUES ('6e', '10010012110', '6EME', 6);
             INSERT INTO division VALUES ('6B', '6B', '6e');
             INSERT INTO division VALUES ('6A', '6A', '6e');
             INSERT INTO person VALUES ('E2', 'eleve', 'F', 'ZOLA', 'ZOLA', '[\"Anne\"]', 0, NULL, NULL, NULL, NULL, '[]', 0);
             INSERT INTO person VALUES ('E1', 'eleve', 'M', 'ABEL', 'ABEL', '[\"Paul\"]', 0, NULL, NULL, NULL, NULL, '[]', 1);
             INSERT INTO person VALUES ('T1', 'enseignant', NULL, 'MARC', 'MARC', '[\"Luc\"]', 0, NULL, NULL, NULL, NULL, '[]', 0);
             INSERT INTO person_division VALUES ('E2', 0, '6B');
             INSERT INTO person_division VALUES ('E1', 0, '6A');
             INSERT INTO person_function VALUES ('T1', 0, 'ENS', 'L0100', 'LETTRES');
             INSERT INTO grp VALUES ('G2', '6B GR', 'enseignement', '[\"6B\"]');
             INSERT INTO grp VALUES ('G1', '6A GR', 'enseignement', '[\"6A\"]');
             INSERT INTO group_member VALUES ('G2', 0, 'E2');
             INSERT INTO group_member VALUES ('G2', 1, 'E1');",
        )
        .unwrap();
        migrate(&mut conn, Path::new("test")).unwrap();
        let after = super::super::population::load(&conn).unwrap().unwrap();
        let divisions: Vec<&str> = after.divisions.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(divisions, ["6B", "6A"]);
        let groups: Vec<&str> = after.groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(groups, ["G2", "G1"]);
        assert_eq!(after.people[0].divisions, ["6B"]);
        assert!(after.people[1].left && !after.people[0].left);
        let ids: Vec<&str> = after.people.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["E2", "E1", "T1"], "the order they were written in");
        assert_eq!(after.groups[0].members, ["E2", "E1"]);
        assert_eq!(after.people[2].functions[0].label, "LETTRES");
    }
}
