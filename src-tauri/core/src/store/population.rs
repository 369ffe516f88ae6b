//! The establishment's population: written as a whole in one transaction,
//! read back as one `EstablishmentData` value, counted for the home view.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Row, Statement, ToSql};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::{audit_log, sql, Store, StoreError};
use crate::model::{
    Account, Division, Establishment, EstablishmentData, EstablishmentKind, Function, Group, GroupKind, Level, Person,
    Profile, Responsibility, ResponsibilityLevel, Sex, Uai,
};

/// Pupils per level, in level order (6e before 5e…), as a JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LevelCounts(pub Vec<(String, u64)>);

impl Serialize for LevelCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (level, n) in &self.0 {
            map.serialize_entry(level, n)?;
        }
        map.end()
    }
}

/// Key of `pupils_by_level` for current pupils in no division.
pub const NO_DIVISION: &str = "sans_classe";

/// The establishment's counts (CLI `status --json` and the home view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub uai: String,
    pub name: String,
    /// Current pupils (those who left are not counted).
    pub pupils: u64,
    pub pupils_by_level: LevelCounts,
    pub responsables: u64,
    pub teachers: u64,
    pub staff: u64,
    pub groups: u64,
}

fn json<T: Serialize>(v: &T) -> String {
    // Serialising plain model values (strings, vectors) cannot fail.
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn bad(table: &'static str, row: &str, field: &'static str, value: &str) -> StoreError {
    StoreError::Data { table, row: row.to_string(), field, value: value.to_string() }
}

fn from_json<T: serde::de::DeserializeOwned>(
    table: &'static str,
    row: &str,
    field: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|_| bad(table, row, field, text))
}

fn profile(table: &'static str, row: &str, text: &str) -> Result<Profile, StoreError> {
    Profile::parse(text).ok_or_else(|| bad(table, row, "profile", text))
}

/// One population table written against what it already holds: each row is
/// matched with the stored one of the same key; an unchanged row is left as
/// it is, a changed one updated in place, a new one inserted, and the stored
/// rows the population no longer has deleted once every table is written
/// (children before parents). A key given twice is inserted twice, so the
/// table's own uniqueness refuses it as a plain insert would.
struct Keyed<'c> {
    conn: &'c Connection,
    /// Prepared on first use and dropped once the table is written: every
    /// statement alive at once takes from the connection's small-allocation
    /// pool, and once it runs dry each bound value costs a heap allocation.
    insert: Option<Statement<'c>>,
    update: Option<Statement<'c>>,
    insert_sql: String,
    update_sql: String,
    delete_sql: String,
    /// Stored rows by key: rowid and position.
    existing: HashMap<String, (i64, i64)>,
    /// Number of value columns (the position and rowid are bound after them).
    width: usize,
    ordered: bool,
    /// A WITHOUT ROWID child table: rows are found by their two key columns
    /// (the first two), not by rowid.
    by_key: bool,
    last_pos: i64,
    ctx: &'static str,
}

/// What a written table leaves to do: delete the stored rows the population
/// no longer has, once every table is written.
struct Leftover<'c> {
    conn: &'c Connection,
    delete_sql: String,
    existing: HashMap<String, (i64, i64)>,
    by_key: bool,
    ctx: &'static str,
}

impl<'c> Keyed<'c> {
    /// `key` is the SQL expression of a row's key (the same text `put`'s key
    /// closure builds); an `ordered` table keeps the population's order in `pos`.
    fn new(
        conn: &'c Connection,
        table: &str,
        key: &str,
        columns: &[&str],
        ordered: bool,
        ctx: &'static str,
    ) -> Result<Self, StoreError> {
        Self::with(conn, table, key, columns, ordered, false, ctx)
    }

    /// A WITHOUT ROWID child table keyed by its first two columns (parent, position).
    fn child(conn: &'c Connection, table: &str, columns: &[&str], ctx: &'static str) -> Result<Self, StoreError> {
        let key = format!("{} || char(31) || {}", columns[0], columns[1]);
        Self::with(conn, table, &key, columns, false, true, ctx)
    }

    fn with(
        conn: &'c Connection,
        table: &str,
        key: &str,
        columns: &[&str],
        ordered: bool,
        by_key: bool,
        ctx: &'static str,
    ) -> Result<Self, StoreError> {
        let n = columns.len();
        let mut all: Vec<String> = columns.iter().map(|c| (*c).to_string()).collect();
        if ordered {
            all.push("pos".into());
        }
        let marks: Vec<String> = (1..=all.len()).map(|i| format!("?{i}")).collect();
        let sets: Vec<String> = all.iter().enumerate().map(|(i, c)| format!("{c} = ?{}", i + 1)).collect();
        let differs: Vec<String> = all.iter().enumerate().map(|(i, c)| format!("{c} IS NOT ?{}", i + 1)).collect();
        let insert_sql = format!("INSERT INTO {table} ({}) VALUES ({})", all.join(", "), marks.join(", "));
        let (found_by, delete_by, rowid) = match by_key {
            true => (
                format!("{} = ?1 AND {} = ?2", columns[0], columns[1]),
                format!("{} = ?1 AND {} = ?2", columns[0], columns[1]),
                "0",
            ),
            false => (format!("rowid = ?{}", all.len() + 1), "rowid = ?1".to_string(), "rowid"),
        };
        let update_sql =
            format!("UPDATE {table} SET {} WHERE {found_by} AND ({})", sets.join(", "), differs.join(" OR "));
        let delete_sql = format!("DELETE FROM {table} WHERE {delete_by}");
        let pos = if ordered { "pos" } else { "0" };
        let existing = {
            let mut st = conn.prepare(&format!("SELECT {key}, {rowid}, {pos} FROM {table}")).map_err(sql(ctx))?;
            let rows = st
                .query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))))
                .map_err(sql(ctx))?
                .collect::<Result<HashMap<_, _>, _>>()
                .map_err(sql(ctx))?;
            rows
        };
        Ok(Keyed {
            conn,
            insert: None,
            update: None,
            insert_sql,
            update_sql,
            delete_sql,
            existing,
            width: n,
            ordered,
            by_key,
            last_pos: 0,
            ctx,
        })
    }

    fn put(&mut self, key: impl FnOnce() -> String, values: &[&dyn ToSql]) -> Result<(), StoreError> {
        let ctx = self.ctx;
        // A fresh store has nothing to compare with: no key is built.
        let found = if self.existing.is_empty() { None } else { self.existing.remove(&key()) };
        // Positions only need to grow: a row keeps its stored one when it still
        // does, so removing or changing a row leaves the others untouched.
        let pos = match found {
            Some((_, old)) if old > self.last_pos => old,
            _ => self.last_pos + 1,
        };
        self.last_pos = pos;
        let (slot, text) = match found {
            Some(_) => (&mut self.update, &self.update_sql),
            None => (&mut self.insert, &self.insert_sql),
        };
        let st = match slot {
            Some(st) => st,
            None => slot.insert(self.conn.prepare(text).map_err(sql(ctx))?),
        };
        for (i, v) in values.iter().enumerate() {
            st.raw_bind_parameter(i + 1, v).map_err(sql(ctx))?;
        }
        if self.ordered {
            st.raw_bind_parameter(self.width + 1, pos).map_err(sql(ctx))?;
        }
        if let Some((rowid, _)) = found.filter(|_| !self.by_key) {
            st.raw_bind_parameter(self.width + usize::from(self.ordered) + 1, rowid).map_err(sql(ctx))?;
        }
        st.raw_execute().map_err(sql(ctx))?;
        Ok(())
    }

    /// Every row written: the statements go, what is left to delete stays.
    fn written(self) -> Leftover<'c> {
        Leftover {
            conn: self.conn,
            delete_sql: self.delete_sql,
            existing: self.existing,
            by_key: self.by_key,
            ctx: self.ctx,
        }
    }
}

impl Leftover<'_> {
    /// Deletes the stored rows the population no longer has.
    fn finish(self) -> Result<(), StoreError> {
        if self.existing.is_empty() {
            return Ok(());
        }
        let mut delete = self.conn.prepare(&self.delete_sql).map_err(sql(self.ctx))?;
        for (key, (rowid, _)) in &self.existing {
            match self.by_key {
                // The position compares as a number whatever its text.
                true => match key.split_once('\u{1f}') {
                    Some((parent, position)) => delete.execute([parent, position]),
                    None => delete.execute([key.as_str(), ""]),
                },
                false => delete.execute([rowid]),
            }
            .map_err(sql(self.ctx))?;
        }
        Ok(())
    }
}

/// Key of a row of a child table: its parent's key and its position.
fn child_key(parent: &str, position: usize) -> String {
    format!("{parent}\u{1f}{position}")
}

/// Writes the population over the stored one: only what differs is written.
pub(crate) fn write_population(conn: &Connection, data: &EstablishmentData) -> Result<(), StoreError> {
    let e = &data.establishment;
    let mut establishment = Keyed::new(
        conn,
        "establishment",
        "uai",
        &["uai", "name", "kind", "city", "school_year"],
        false,
        "établissement",
    )?;
    establishment.put(|| e.uai.to_string(), &[&e.uai.as_str(), &e.name, &e.kind.as_str(), &e.city, &e.school_year])?;
    let establishment = establishment.written();
    let mut level = Keyed::new(conn, "level", "code", &["code", "mef", "label", "rank"], true, "niveaux")?;
    for l in &data.levels {
        level.put(|| l.code.clone(), &[&l.code, &l.mef, &l.label, &l.rank])?;
    }
    let level = level.written();
    let mut division = Keyed::new(conn, "division", "code", &["code", "label", "level"], true, "divisions")?;
    for d in &data.divisions {
        division.put(|| d.code.clone(), &[&d.code, &d.label, &d.level])?;
    }
    let division = division.written();
    let mut person = Keyed::new(
        conn,
        "person",
        "id",
        &[
            "id",
            "profile",
            "sex",
            "usage_name",
            "birth_name",
            "given_names",
            "usual_given_name",
            "birth_date",
            "ine",
            "email",
            "mobile",
            "establishments",
            "has_left",
        ],
        true,
        "personnes",
    )?;
    let mut pdiv = Keyed::child(conn, "person_division", &["person_id", "position", "division_code"], "personnes")?;
    let mut pfun =
        Keyed::child(conn, "person_function", &["person_id", "position", "code", "discipline", "label"], "personnes")?;
    // The accounts created in Préau live in their own table (an overlay), never here.
    for p in data.people.iter().filter(|p| !p.id.starts_with(super::HAND_PREFIX)) {
        let sex = p.sex.map(|s| match s {
            Sex::M => "M",
            Sex::F => "F",
        });
        person.put(
            || p.id.clone(),
            &[
                &p.id,
                &p.profile.as_str(),
                &sex,
                &p.usage_name,
                &p.birth_name,
                &json(&p.given_names),
                &(p.usual_given_name as i64),
                &p.birth_date,
                &p.ine,
                &p.email,
                &p.mobile,
                &json(&p.establishments),
                &p.left,
            ],
        )?;
        for (i, d) in p.divisions.iter().enumerate() {
            pdiv.put(|| child_key(&p.id, i), &[&p.id, &(i as i64), d])?;
        }
        for (i, f) in p.functions.iter().enumerate() {
            pfun.put(|| child_key(&p.id, i), &[&p.id, &(i as i64), &f.code, &f.discipline, &f.label])?;
        }
    }
    let (person, pdiv, pfun) = (person.written(), pdiv.written(), pfun.written());
    let mut resp = Keyed::new(
        conn,
        "responsibility",
        "responsable_id || char(31) || pupil_id",
        &["responsable_id", "pupil_id", "level", "relationship"],
        true,
        "responsables",
    )?;
    for r in &data.responsibilities {
        resp.put(
            || format!("{}\u{1f}{}", r.responsable_id, r.pupil_id),
            &[&r.responsable_id, &r.pupil_id, &r.level.as_str(), &r.relationship],
        )?;
    }
    let resp = resp.written();
    let mut account = Keyed::new(
        conn,
        "account",
        "id",
        &[
            "id",
            "login",
            "person_id",
            "profile",
            "usage_name",
            "birth_name",
            "given_names",
            "birth_date",
            "ine",
            "email",
            "classes",
            "functions",
            "establishments",
            "children",
        ],
        true,
        "comptes",
    )?;
    for a in data.accounts.iter().filter(|a| !a.id.starts_with(super::HAND_PREFIX)) {
        account.put(
            || a.id.clone(),
            &[
                &a.id,
                &a.login,
                &a.person_id,
                &a.profile.as_str(),
                &a.usage_name,
                &a.birth_name,
                &json(&a.given_names),
                &a.birth_date,
                &a.ine,
                &a.email,
                &json(&a.classes),
                &json(&a.functions),
                &json(&a.establishments),
                &json(&a.children),
            ],
        )?;
    }
    let account = account.written();
    let mut grp = Keyed::new(conn, "grp", "id", &["id", "name", "kind", "divisions"], true, "groupes")?;
    let mut member = Keyed::child(conn, "group_member", &["group_id", "position", "person_id"], "groupes")?;
    for g in &data.groups {
        grp.put(|| g.id.clone(), &[&g.id, &g.name, &g.kind.as_str(), &json(&g.divisions)])?;
        for (i, m) in g.members.iter().enumerate() {
            member.put(|| child_key(&g.id, i), &[&g.id, &(i as i64), m])?;
        }
    }
    let (grp, member) = (grp.written(), member.written());
    // What is gone, children before the rows they point to.
    for table in [member, grp, account, resp, pfun, pdiv, person, division, level, establishment] {
        table.finish()?;
    }
    Ok(())
}

pub(crate) fn read_establishment(conn: &Connection) -> Result<Option<Establishment>, StoreError> {
    let row = conn
        .query_row("SELECT uai, name, kind, city, school_year FROM establishment", [], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get::<_, String>(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()
        .map_err(sql("établissement"))?;
    let Some((uai, name, kind, city, school_year)) = row else { return Ok(None) };
    let uai_v = Uai::parse(&uai).map_err(|_| bad("establishment", &uai, "uai", &uai))?;
    let kind = EstablishmentKind::parse(&kind).ok_or_else(|| bad("establishment", &uai, "kind", &kind))?;
    Ok(Some(Establishment { uai: uai_v, name, kind, city, school_year }))
}

fn person_from_row(r: &Row) -> rusqlite::Result<[Option<String>; 13]> {
    let mut out: [Option<String>; 13] = Default::default();
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = match i {
            6 | 12 => r.get::<_, Option<i64>>(i)?.map(|v| v.to_string()),
            _ => r.get(i)?,
        };
    }
    Ok(out)
}

fn read_people(conn: &Connection) -> Result<Vec<Person>, StoreError> {
    let ctx = "personnes";
    let mut divisions: std::collections::HashMap<String, Vec<String>> = Default::default();
    let mut st = conn
        .prepare("SELECT person_id, division_code FROM person_division ORDER BY person_id, position")
        .map_err(sql(ctx))?;
    for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(sql(ctx))? {
        let (p, d) = row.map_err(sql(ctx))?;
        divisions.entry(p).or_default().push(d);
    }
    let mut functions: std::collections::HashMap<String, Vec<Function>> = Default::default();
    let mut st = conn
        .prepare("SELECT person_id, code, discipline, label FROM person_function ORDER BY person_id, position")
        .map_err(sql(ctx))?;
    let rows = st
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, Function { code: r.get(1)?, discipline: r.get(2)?, label: r.get(3)? }))
        })
        .map_err(sql(ctx))?;
    for row in rows {
        let (p, f) = row.map_err(sql(ctx))?;
        functions.entry(p).or_default().push(f);
    }
    let mut st = conn
        .prepare(
            "SELECT id, profile, sex, usage_name, birth_name, given_names, usual_given_name, birth_date, ine,
             email, mobile, establishments, has_left FROM person ORDER BY pos",
        )
        .map_err(sql(ctx))?;
    let rows = st.query_map([], person_from_row).map_err(sql(ctx))?;
    let mut out = Vec::new();
    for row in rows {
        let [id, prof, sex, usage, birth, given, usual, bdate, ine, email, mobile, estabs, left] =
            row.map_err(sql(ctx))?;
        let id = id.unwrap_or_default();
        let sex = match sex.as_deref() {
            None => None,
            Some("M") => Some(Sex::M),
            Some("F") => Some(Sex::F),
            Some(other) => return Err(bad("person", &id, "sex", other)),
        };
        let usual = usual.unwrap_or_default();
        out.push(Person {
            profile: profile("person", &id, prof.as_deref().unwrap_or(""))?,
            sex,
            usage_name: usage.unwrap_or_default(),
            birth_name: birth.unwrap_or_default(),
            given_names: from_json("person", &id, "given_names", given.as_deref().unwrap_or(""))?,
            usual_given_name: usual.parse().map_err(|_| bad("person", &id, "usual_given_name", &usual))?,
            birth_date: bdate,
            ine,
            email,
            mobile,
            divisions: divisions.remove(&id).unwrap_or_default(),
            functions: functions.remove(&id).unwrap_or_default(),
            establishments: from_json("person", &id, "establishments", estabs.as_deref().unwrap_or(""))?,
            left: left.as_deref() == Some("1"),
            id,
        });
    }
    Ok(out)
}

fn read_accounts(conn: &Connection) -> Result<Vec<Account>, StoreError> {
    let ctx = "comptes";
    let mut st = conn
        .prepare(
            "SELECT id, login, person_id, profile, usage_name, birth_name, given_names, birth_date, ine, email,
             classes, functions, establishments, children FROM account ORDER BY pos",
        )
        .map_err(sql(ctx))?;
    let rows = st
        .query_map([], |r| {
            let mut v: [Option<String>; 14] = Default::default();
            for (i, slot) in v.iter_mut().enumerate() {
                *slot = r.get(i)?;
            }
            Ok(v)
        })
        .map_err(sql(ctx))?;
    let mut out = Vec::new();
    for row in rows {
        let [id, login, person_id, prof, usage, birth, given, bdate, ine, email, classes, funcs, estabs, children] =
            row.map_err(sql(ctx))?;
        let id = id.unwrap_or_default();
        let t = "account";
        out.push(Account {
            login: login.unwrap_or_default(),
            person_id,
            profile: profile(t, &id, prof.as_deref().unwrap_or(""))?,
            usage_name: usage.unwrap_or_default(),
            birth_name: birth.unwrap_or_default(),
            given_names: from_json(t, &id, "given_names", given.as_deref().unwrap_or(""))?,
            birth_date: bdate,
            ine,
            email,
            classes: from_json(t, &id, "classes", classes.as_deref().unwrap_or(""))?,
            functions: from_json(t, &id, "functions", funcs.as_deref().unwrap_or(""))?,
            establishments: from_json(t, &id, "establishments", estabs.as_deref().unwrap_or(""))?,
            children: from_json(t, &id, "children", children.as_deref().unwrap_or(""))?,
            id,
        });
    }
    Ok(out)
}

fn read_groups(conn: &Connection) -> Result<Vec<Group>, StoreError> {
    let ctx = "groupes";
    let mut members: std::collections::HashMap<String, Vec<String>> = Default::default();
    let mut st =
        conn.prepare("SELECT group_id, person_id FROM group_member ORDER BY group_id, position").map_err(sql(ctx))?;
    for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(sql(ctx))? {
        let (g, p) = row.map_err(sql(ctx))?;
        members.entry(g).or_default().push(p);
    }
    let mut st = conn.prepare("SELECT id, name, kind, divisions FROM grp ORDER BY pos").map_err(sql(ctx))?;
    let rows = st
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })
        .map_err(sql(ctx))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, kind, divisions) = row.map_err(sql(ctx))?;
        out.push(Group {
            kind: GroupKind::parse(&kind).ok_or_else(|| bad("grp", &id, "kind", &kind))?,
            divisions: from_json("grp", &id, "divisions", &divisions)?,
            members: members.remove(&id).unwrap_or_default(),
            name,
            id,
        });
    }
    Ok(out)
}

/// Everything, as one value. `None` when the store holds no establishment yet.
pub(crate) fn load(conn: &Connection) -> Result<Option<EstablishmentData>, StoreError> {
    let Some(establishment) = read_establishment(conn)? else { return Ok(None) };
    let mut st = conn.prepare("SELECT code, mef, label, rank FROM level ORDER BY pos").map_err(sql("niveaux"))?;
    let levels = st
        .query_map([], |r| Ok(Level { code: r.get(0)?, mef: r.get(1)?, label: r.get(2)?, rank: r.get(3)? }))
        .map_err(sql("niveaux"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql("niveaux"))?;
    let mut st = conn.prepare("SELECT code, label, level FROM division ORDER BY pos").map_err(sql("divisions"))?;
    let divisions = st
        .query_map([], |r| Ok(Division { code: r.get(0)?, label: r.get(1)?, level: r.get(2)? }))
        .map_err(sql("divisions"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql("divisions"))?;
    let mut st = conn
        .prepare("SELECT responsable_id, pupil_id, level, relationship FROM responsibility ORDER BY pos")
        .map_err(sql("responsables"))?;
    let raw = st
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })
        .map_err(sql("responsables"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql("responsables"))?;
    let mut responsibilities = Vec::with_capacity(raw.len());
    for (responsable_id, pupil_id, level, relationship) in raw {
        let level = ResponsibilityLevel::parse(&level)
            .ok_or_else(|| bad("responsibility", &format!("{responsable_id}/{pupil_id}"), "level", &level))?;
        responsibilities.push(Responsibility { responsable_id, pupil_id, level, relationship });
    }
    Ok(Some(EstablishmentData {
        establishment,
        levels,
        divisions,
        people: read_people(conn)?,
        responsibilities,
        accounts: read_accounts(conn)?,
        groups: read_groups(conn)?,
    }))
}

impl Store {
    /// Replaces the whole population in one transaction, with its audit entry:
    /// either all of it lands or the store is left exactly as it was.
    pub fn replace_population(
        &mut self,
        data: &EstablishmentData,
        actor: &str,
        action: &str,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        if data.establishment.uai != self.uai {
            return Err(StoreError::UaiMismatch {
                path: self.path.clone(),
                expected: self.uai.to_string(),
                found: data.establishment.uai.to_string(),
            });
        }
        let tx = self.conn.transaction().map_err(sql("transaction"))?;
        write_population(&tx, data)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('population_action', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [action],
        )
        .map_err(sql("métadonnées"))?;
        audit_log::append(&tx, actor, action, detail)?;
        tx.commit().map_err(sql("validation"))?;
        Ok(())
    }

    /// The action that wrote the current population (`DEMO_GENERATED`…), if any.
    /// Whether this is the fictional establishment made to discover Préau.
    pub fn is_fictional(&self) -> Result<bool, StoreError> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'fictional'", [], |r| r.get(0))
            .optional()
            .map_err(sql("métadonnées"))?;
        Ok(v.as_deref() == Some("1"))
    }

    /// Marks the store as the fictional establishment, journaled.
    pub fn set_fictional(&mut self, actor: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(sql("métadonnées"))?;
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('fictional', '1')", [])
            .map_err(sql("métadonnées"))?;
        super::audit_log::append(
            &tx,
            actor,
            "DEMO_GENERATED",
            &serde_json::json!({ "uai": self.uai.as_str(), "kind": "college", "fictional": true }),
        )?;
        tx.commit().map_err(sql("métadonnées"))
    }

    pub fn population_origin(&self) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'population_action'", [], |r| r.get(0))
            .optional()
            .map_err(sql("métadonnées"))
    }

    pub fn establishment(&self) -> Result<Option<Establishment>, StoreError> {
        read_establishment(&self.conn)
    }

    /// Everything, as one value. `None` when the store holds no establishment yet.
    /// What the Annuaire changed by hand (accounts created in Préau, functions
    /// added or taken) is laid over what the files gave.
    pub fn load_population(&self) -> Result<Option<EstablishmentData>, StoreError> {
        let Some(mut data) = load(&self.conn)? else { return Ok(None) };
        self.overlay(&mut data)?;
        Ok(Some(data))
    }

    /// The population as the files gave it, without the Annuaire's hand changes.
    pub fn load_imported_population(&self) -> Result<Option<EstablishmentData>, StoreError> {
        load(&self.conn)
    }

    /// SHA-256 of the population's canonical JSON: equal digests, equal content,
    /// whatever the file's encrypted bytes.
    pub fn content_digest(&self) -> Result<String, StoreError> {
        let data = self.load_population()?;
        Ok(hex::encode(Sha256::digest(json(&data).as_bytes())))
    }

    pub fn counts(&self) -> Result<Counts, StoreError> {
        let ctx = sql("comptages");
        let establishment = read_establishment(&self.conn)?;
        let count = |q: &str| -> Result<u64, StoreError> {
            self.conn.query_row(q, [], |r| r.get::<_, i64>(0)).map(|n| n.max(0) as u64).map_err(sql("comptages"))
        };
        let pupils = count("SELECT count(*) FROM person WHERE profile = 'eleve' AND has_left = 0")?;
        let mut st = self
            .conn
            .prepare(
                "SELECT l.code, (SELECT count(DISTINCT p.id) FROM person p
                    JOIN person_division pd ON pd.person_id = p.id
                    JOIN division d ON d.code = pd.division_code
                    WHERE d.level = l.code AND p.profile = 'eleve' AND p.has_left = 0)
                 FROM level l ORDER BY l.rank, l.code",
            )
            .map_err(ctx)?;
        let mut by_level = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
            .map_err(sql("comptages"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql("comptages"))?;
        let without = count(
            "SELECT count(*) FROM person p WHERE p.profile = 'eleve' AND p.has_left = 0 AND NOT EXISTS
               (SELECT 1 FROM person_division pd JOIN division d ON d.code = pd.division_code WHERE pd.person_id = p.id)",
        )?;
        if without > 0 {
            by_level.push((NO_DIVISION.to_string(), without));
        }
        Ok(Counts {
            uai: self.uai.to_string(),
            name: establishment.map(|e| e.name).unwrap_or_default(),
            pupils,
            pupils_by_level: LevelCounts(by_level),
            responsables: count("SELECT count(*) FROM person WHERE profile = 'responsable'")?,
            teachers: count("SELECT count(*) FROM person WHERE profile = 'enseignant'")?,
            staff: count("SELECT count(*) FROM person WHERE profile IN ('non_enseignant', 'personnel_collectivite')")?,
            groups: count("SELECT count(*) FROM grp")?,
        })
    }
}

/// Whether `login` can be an ENT login: letters, digits, `.`, `-`, `_`, at most 64.
fn login_is_valid(login: &str) -> bool {
    !login.is_empty()
        && login.len() <= 64
        && login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// An account whose login was changed, as the journal and the screens name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoginChanged {
    pub account: String,
    /// Prénom NOM.
    pub name: String,
    pub from: String,
    pub to: String,
}

impl Store {
    /// Gives `account` the login `login` (a free one the server proposed, or
    /// one the administrator typed), journaled; the next publish creates the
    /// account with it. Refused, nothing written, when the login is not a
    /// login, another local account holds it, or the server already holds
    /// the account (a publish would not send it).
    pub fn set_account_login(&mut self, account: &str, login: &str, actor: &str) -> Result<LoginChanged, StoreError> {
        let refused = |code: &'static str, message: String| StoreError::Refused { code, message };
        let login = login.trim();
        let data = self.load_population()?.ok_or_else(|| {
            refused("ACCOUNT_UNKNOWN", format!("aucun compte « {account} » : l'établissement n'a pas de population"))
        })?;
        let Some(a) = data.accounts.iter().find(|a| a.id == account) else {
            return Err(refused("ACCOUNT_UNKNOWN", format!("aucun compte « {account} » dans l'établissement")));
        };
        let name = format!("{} {}", a.given_names.join(" "), a.usage_name).trim().to_string();
        if !login_is_valid(login) {
            return Err(refused(
                "ACCOUNT_LOGIN_INVALID",
                format!(
                    "« {login} » n'est pas un identifiant possible pour {name} : lettres sans accent, chiffres, point, tiret ou soulignement, 64 caractères au plus"
                ),
            ));
        }
        if let Some(other) = data.accounts.iter().find(|o| o.id != a.id && o.login.eq_ignore_ascii_case(login)) {
            let who = format!("{} {}", other.given_names.join(" "), other.usage_name).trim().to_string();
            return Err(refused(
                "ACCOUNT_LOGIN_TAKEN",
                format!("l'identifiant « {login} » est déjà celui de {who} ({}) dans l'établissement", other.id),
            ));
        }
        let on_server = self.snapshot_holds("User", account)?;
        if on_server {
            return Err(refused(
                "ACCOUNT_ON_SERVER",
                format!("le compte de {name} est déjà sur le serveur ENT : son identifiant s'y change, pas ici"),
            ));
        }
        let changed = LoginChanged { account: a.id.clone(), name, from: a.login.clone(), to: login.to_string() };
        if changed.from == changed.to {
            return Ok(changed);
        }
        let tx = self.conn.transaction().map_err(sql("comptes"))?;
        tx.execute("UPDATE account SET login = ?1 WHERE id = ?2", params![login, account]).map_err(sql("comptes"))?;
        if account.starts_with(super::HAND_PREFIX) {
            // A hand-made account keeps its login itself, and its creation waiting carries it.
            tx.execute("UPDATE hand_account SET login = ?1 WHERE id = ?2", params![login, account])
                .map_err(sql("comptes créés"))?;
            let waiting: Vec<(i64, String)> = {
                let mut st = tx
                    .prepare("SELECT id, payload FROM outbox WHERE resource = 'User' AND target = ?1 AND op = 'create'")
                    .map_err(sql("file d'envoi"))?;
                let rows = st.query_map([account], |r| Ok((r.get(0)?, r.get(1)?))).map_err(sql("file d'envoi"))?;
                rows.collect::<Result<_, _>>().map_err(sql("file d'envoi"))?
            };
            for (id, payload) in waiting {
                let mut body: serde_json::Value = serde_json::from_str(&payload).map_err(|e| StoreError::Data {
                    table: "outbox",
                    row: id.to_string(),
                    field: "payload",
                    value: e.to_string(),
                })?;
                body["userName"] = serde_json::json!(login);
                tx.execute("UPDATE outbox SET payload = ?1 WHERE id = ?2", params![body.to_string(), id])
                    .map_err(sql("file d'envoi"))?;
            }
        }
        audit_log::append(
            &tx,
            actor,
            "ACCOUNT_LOGIN_SET",
            &serde_json::json!({ "account": changed.account, "name": changed.name, "from": changed.from, "to": changed.to }),
        )?;
        tx.commit().map_err(sql("comptes"))?;
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Uai;
    use crate::secrets::DbKey;

    /// A re-import that changes one pupil and drops one teacher writes those
    /// two people (and the teacher's classes and functions) and nothing else;
    /// the population read back is the new one.
    #[test]
    fn a_second_write_touches_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let uai = Uai::parse("0999001W").unwrap();
        let key = DbKey::from_hex(&"17".repeat(32)).unwrap();
        let mut store = Store::open_or_create(dir.path(), &uai, &key, "test@store").unwrap();
        let data = crate::demo::generate(&uai, EstablishmentKind::College, 3);
        store.replace_population(&data, "test@store", "TEST", &serde_json::json!({})).unwrap();

        let mut next = data.clone();
        let pupil = next.people.iter().position(|p| p.profile == Profile::Eleve).unwrap();
        next.people[pupil].usage_name.push_str("-MARTIN");
        let teacher = next.people.iter().position(|p| p.profile == Profile::Enseignant).unwrap();
        let gone = next.people.remove(teacher);
        assert!(teacher + 1 < data.people.len(), "a teacher in the middle of the list");
        let children = (gone.divisions.len() + gone.functions.len()) as u64;

        let tx = store.conn.transaction().unwrap();
        let before = tx.total_changes();
        write_population(&tx, &next).unwrap();
        let written = tx.total_changes() - before;
        tx.commit().unwrap();
        assert_eq!(written, 2 + children, "one pupil updated, one teacher and his rows deleted");

        let back = store.load_population().unwrap().unwrap();
        assert_eq!(back, next);
        assert!(back.people.iter().all(|p| p.id != gone.id));
        assert_eq!(back.people[pupil].usage_name, format!("{}-MARTIN", data.people[pupil].usage_name));
    }
}
