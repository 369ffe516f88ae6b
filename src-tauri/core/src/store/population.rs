//! The establishment's population: written as a whole in one transaction,
//! read back as one `EstablishmentData` value, counted for the home view.

use rusqlite::{params, Connection, OptionalExtension, Row};
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

pub(crate) fn write_population(conn: &Connection, data: &EstablishmentData) -> Result<(), StoreError> {
    let ctx = sql("écriture de la population");
    conn.execute_batch(
        "DELETE FROM group_member; DELETE FROM grp; DELETE FROM account; DELETE FROM responsibility;
         DELETE FROM person_function; DELETE FROM person_division; DELETE FROM person;
         DELETE FROM division; DELETE FROM level; DELETE FROM establishment;",
    )
    .map_err(ctx)?;
    let e = &data.establishment;
    conn.execute(
        "INSERT INTO establishment (uai, name, kind, city, school_year) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![e.uai.as_str(), e.name, e.kind.as_str(), e.city, e.school_year],
    )
    .map_err(sql("établissement"))?;
    let mut st =
        conn.prepare("INSERT INTO level (code, mef, label, rank) VALUES (?1, ?2, ?3, ?4)").map_err(sql("niveaux"))?;
    for l in &data.levels {
        st.execute(params![l.code, l.mef, l.label, l.rank]).map_err(sql("niveaux"))?;
    }
    let mut st =
        conn.prepare("INSERT INTO division (code, label, level) VALUES (?1, ?2, ?3)").map_err(sql("divisions"))?;
    for d in &data.divisions {
        st.execute(params![d.code, d.label, d.level]).map_err(sql("divisions"))?;
    }
    let mut person = conn
        .prepare(
            "INSERT INTO person (id, profile, sex, usage_name, birth_name, given_names, usual_given_name,
             birth_date, ine, email, mobile, establishments, has_left)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )
        .map_err(sql("personnes"))?;
    let mut pdiv = conn
        .prepare("INSERT INTO person_division (person_id, position, division_code) VALUES (?1, ?2, ?3)")
        .map_err(sql("personnes"))?;
    let mut pfun = conn
        .prepare(
            "INSERT INTO person_function (person_id, position, code, discipline, label) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(sql("personnes"))?;
    for p in &data.people {
        let sex = p.sex.map(|s| match s {
            Sex::M => "M",
            Sex::F => "F",
        });
        person
            .execute(params![
                p.id,
                p.profile.as_str(),
                sex,
                p.usage_name,
                p.birth_name,
                json(&p.given_names),
                p.usual_given_name as i64,
                p.birth_date,
                p.ine,
                p.email,
                p.mobile,
                json(&p.establishments),
                p.left
            ])
            .map_err(sql("personnes"))?;
        for (i, d) in p.divisions.iter().enumerate() {
            pdiv.execute(params![p.id, i as i64, d]).map_err(sql("personnes"))?;
        }
        for (i, f) in p.functions.iter().enumerate() {
            pfun.execute(params![p.id, i as i64, f.code, f.discipline, f.label]).map_err(sql("personnes"))?;
        }
    }
    let mut st = conn
        .prepare("INSERT INTO responsibility (responsable_id, pupil_id, level, relationship) VALUES (?1, ?2, ?3, ?4)")
        .map_err(sql("responsables"))?;
    for r in &data.responsibilities {
        st.execute(params![r.responsable_id, r.pupil_id, r.level.as_str(), r.relationship])
            .map_err(sql("responsables"))?;
    }
    let mut st = conn
        .prepare(
            "INSERT INTO account (id, login, person_id, profile, usage_name, birth_name, given_names, birth_date,
             ine, email, classes, functions, establishments, children)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )
        .map_err(sql("comptes"))?;
    for a in &data.accounts {
        st.execute(params![
            a.id,
            a.login,
            a.person_id,
            a.profile.as_str(),
            a.usage_name,
            a.birth_name,
            json(&a.given_names),
            a.birth_date,
            a.ine,
            a.email,
            json(&a.classes),
            json(&a.functions),
            json(&a.establishments),
            json(&a.children)
        ])
        .map_err(sql("comptes"))?;
    }
    let mut grp =
        conn.prepare("INSERT INTO grp (id, name, kind, divisions) VALUES (?1, ?2, ?3, ?4)").map_err(sql("groupes"))?;
    let mut member = conn
        .prepare("INSERT INTO group_member (group_id, position, person_id) VALUES (?1, ?2, ?3)")
        .map_err(sql("groupes"))?;
    for g in &data.groups {
        grp.execute(params![g.id, g.name, g.kind.as_str(), json(&g.divisions)]).map_err(sql("groupes"))?;
        for (i, m) in g.members.iter().enumerate() {
            member.execute(params![g.id, i as i64, m]).map_err(sql("groupes"))?;
        }
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
             email, mobile, establishments, has_left FROM person ORDER BY rowid",
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
             classes, functions, establishments, children FROM account ORDER BY rowid",
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
    let mut st = conn.prepare("SELECT id, name, kind, divisions FROM grp ORDER BY rowid").map_err(sql(ctx))?;
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
    let mut st = conn.prepare("SELECT code, mef, label, rank FROM level ORDER BY rowid").map_err(sql("niveaux"))?;
    let levels = st
        .query_map([], |r| Ok(Level { code: r.get(0)?, mef: r.get(1)?, label: r.get(2)?, rank: r.get(3)? }))
        .map_err(sql("niveaux"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql("niveaux"))?;
    let mut st = conn.prepare("SELECT code, label, level FROM division ORDER BY rowid").map_err(sql("divisions"))?;
    let divisions = st
        .query_map([], |r| Ok(Division { code: r.get(0)?, label: r.get(1)?, level: r.get(2)? }))
        .map_err(sql("divisions"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql("divisions"))?;
    let mut st = conn
        .prepare("SELECT responsable_id, pupil_id, level, relationship FROM responsibility ORDER BY rowid")
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
    pub fn load_population(&self) -> Result<Option<EstablishmentData>, StoreError> {
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
        let on_server: bool = self
            .conn
            .query_row(
                "SELECT count(*) FROM scim_resource WHERE resource = 'User' AND external_id = ?1",
                [account],
                |r| r.get::<_, i64>(0),
            )
            .map_err(sql("comptes"))?
            > 0;
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
