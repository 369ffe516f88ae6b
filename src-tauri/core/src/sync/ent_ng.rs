//! The Open ENT NG connector's files: the local establishment as the CSV files
//! its administration console imports, one per profile, in the shape its own
//! feeder reads (`docs/ent-ng-csv.md`): files named by the feeder's profile,
//! headers its column mapper knows, UTF-8 with its BOM (the feeder reads a
//! file without one as ISO-8859-1), `;`, CRLF, dates `jj/mm/aaaa`, repeated
//! columns for several values, parents tied to their children's external ids.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::formats::date_iso_to_fr;
use crate::groups::ManagedGroup;
use crate::model::{EstablishmentData, GroupKind, Person, Profile};
use crate::store::{EntNgRecord, OutboxChange, Store, StoreError};
use std::path::Path;

/// One file for the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntNgFile {
    /// As the feeder names it (`Student.csv`…).
    pub file: String,
    /// `eleves`, `enseignants`, `parents`, `personnels` or `invites`.
    pub profile: &'static str,
    pub rows: usize,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// Each row's fingerprint, by file and external id.
pub type Fingerprints = BTreeMap<String, BTreeMap<String, String>>;

/// The set of files written together, named by a short hash of their content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntNgExport {
    pub export: String,
    /// Only the rows that changed since the last export the ENT imported.
    pub delta: bool,
    pub files: Vec<EntNgFile>,
    /// Every row of the establishment now, written or not.
    #[serde(skip)]
    pub fingerprints: Fingerprints,
    /// People the ENT had from the last import and whom the files no longer
    /// carry (left, or a parent whose children all left): a delta cannot say
    /// so, the worklist does.
    pub gone: Vec<Gone>,
}

/// Someone the ENT holds from an earlier import and the files no longer carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gone {
    pub file: String,
    pub id: String,
}

/// A cell as the feeder's CSV reader (opencsv, `;`, `"`) reads it back.
fn cell(value: &str) -> String {
    let flat = value.replace(['\r', '\n'], " ");
    if flat.contains([';', '"']) {
        format!("\"{}\"", flat.replace('"', "\"\""))
    } else {
        flat
    }
}

/// One person's row: the fixed cells, then each repeated column's values.
struct Row {
    id: String,
    fixed: Vec<String>,
    lists: Vec<Vec<String>>,
}

impl Row {
    /// Depends on the row's own values only, not on how wide the repeated
    /// columns are for the others.
    fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        for c in &self.fixed {
            hash.update(c.as_bytes());
            hash.update([0]);
        }
        for list in &self.lists {
            hash.update([1]);
            for c in list {
                hash.update(c.as_bytes());
                hash.update([0]);
            }
        }
        hex::encode(&hash.finalize()[..8])
    }
}

/// A file's rows before they are written.
struct Sheet {
    file: &'static str,
    profile: &'static str,
    fixed: Vec<&'static str>,
    repeated: Vec<&'static str>,
    rows: Vec<Row>,
}

impl Sheet {
    /// The text of the rows `keep` keeps: the header (each repeated column as
    /// many times as the widest kept row needs it, at least once), then the rows.
    fn render(&self, keep: impl Fn(&Row) -> bool) -> (Vec<u8>, usize) {
        let kept: Vec<&Row> = self.rows.iter().filter(|r| keep(r)).collect();
        let widths: Vec<usize> =
            (0..self.repeated.len()).map(|k| kept.iter().map(|r| r.lists[k].len()).max().unwrap_or(0).max(1)).collect();
        let mut text = String::from("\u{feff}");
        let line = |text: &mut String, cells: Vec<String>| {
            text.push_str(&cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(";"));
            text.push_str("\r\n");
        };
        let mut header: Vec<String> = self.fixed.iter().map(|h| h.to_string()).collect();
        for (name, n) in self.repeated.iter().zip(&widths) {
            header.extend(std::iter::repeat_n(name.to_string(), *n));
        }
        line(&mut text, header);
        for r in &kept {
            let mut cells = r.fixed.clone();
            for (list, n) in r.lists.iter().zip(&widths) {
                let mut values = list.clone();
                values.resize(*n, String::new());
                cells.extend(values);
            }
            line(&mut text, cells);
        }
        (text.into_bytes(), kept.len())
    }
}

/// The cells every row starts with: `Id`, `Nom` (the family name), `Nom
/// d'usage` (only when it differs) and `Prénom`.
fn start(p: &Person) -> Vec<String> {
    let family = if p.birth_name.trim().is_empty() { &p.usage_name } else { &p.birth_name };
    let usage = if p.usage_name != *family { p.usage_name.clone() } else { String::new() };
    vec![p.id.clone(), family.clone(), usage, p.usual_name().to_string()]
}

const START: [&str; 4] = ["Id", "Nom", "Nom d'usage", "Prénom"];

/// `AAAA-MM-JJ` as the feeder reads it, `JJ/MM/AAAA`.
fn birth_date(p: &Person) -> String {
    p.birth_date.as_deref().map(date_iso_to_fr).unwrap_or_default()
}

/// A function as the feeder splits it: `CODE$LIBELLÉ$DISCIPLINE$LIBELLÉ`.
fn function(f: &crate::model::Function) -> String {
    let discipline = f.discipline.as_deref().filter(|d| !d.is_empty()).unwrap_or("-");
    format!("{}${}${discipline}${}", f.code, f.label, f.label)
}

/// Staff (teachers or other personnel) with their functions and classes.
fn staff(file: &'static str, profile: &'static str, people: &[&Person]) -> Sheet {
    Sheet {
        file,
        profile,
        fixed: [&START[..], &["Date de naissance", "Courriel"]].concat(),
        repeated: vec!["Fonction", "Classe"],
        rows: people
            .iter()
            .map(|p| {
                let mut fixed = start(p);
                fixed.extend([birth_date(p), p.email.clone().unwrap_or_default()]);
                Row {
                    id: p.id.clone(),
                    fixed,
                    lists: vec![p.functions.iter().map(function).collect(), p.divisions.clone()],
                }
            })
            .collect(),
    }
}

/// Whether a group made in Préau reaches the ENT through the pupils' rows
/// (their `Groupes` column, which the feeder turns into the establishment's
/// « Groupes scolarité »): not a GAR group, whose role the files cannot
/// carry, nor a locked one, whose lock they cannot carry either — those are
/// made by hand, from the worklist.
fn by_pupils_rows(g: &ManagedGroup) -> bool {
    g.kind != GroupKind::Gar && !g.lock_delete && !g.lock_recompose
}

/// The establishment's rows, file by file. Pupils who left are not written,
/// nor parents whose children have all left.
fn sheets(data: &EstablishmentData, managed: &[ManagedGroup]) -> Vec<Sheet> {
    let present = |p: &&Person| !p.left;
    let pupils: Vec<&Person> = data.people.iter().filter(|p| p.profile == Profile::Eleve).filter(present).collect();
    let pupil_ids: BTreeSet<&str> = pupils.iter().map(|p| p.id.as_str()).collect();
    let mut groups_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for g in &data.groups {
        for m in &g.members {
            groups_of.entry(m.as_str()).or_default().push(g.name.clone());
        }
    }
    for g in managed.iter().filter(|g| by_pupils_rows(g)) {
        for m in &g.members {
            let names = groups_of.entry(m.person.as_str()).or_default();
            if !names.contains(&g.name) {
                names.push(g.name.clone());
            }
        }
    }
    let mut children: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for r in &data.responsibilities {
        if pupil_ids.contains(r.pupil_id.as_str()) {
            children.entry(r.responsable_id.as_str()).or_default().push(r.pupil_id.clone());
        }
    }

    let mut out = Vec::new();
    // Pupils: the birth date is required.
    out.push(Sheet {
        file: "Student.csv",
        profile: "eleves",
        fixed: [&START[..], &["Date de naissance", "INE"]].concat(),
        repeated: vec!["Classe", "Groupes"],
        rows: pupils
            .iter()
            .map(|p| {
                let mut fixed = start(p);
                fixed.extend([birth_date(p), p.ine.clone().unwrap_or_default()]);
                let groups = groups_of.get(p.id.as_str()).cloned().unwrap_or_default();
                Row { id: p.id.clone(), fixed, lists: vec![p.divisions.clone(), groups] }
            })
            .collect(),
    });

    // Parents, tied to the children still at school.
    out.push(Sheet {
        file: "Relative.csv",
        profile: "parents",
        fixed: [&START[..], &["Courriel", "Téléphone portable"]].concat(),
        repeated: vec!["Id enfant"],
        rows: data
            .people
            .iter()
            .filter(|p| p.profile == Profile::Responsable)
            .filter_map(|p| {
                let kids = children.get(p.id.as_str())?;
                let mut fixed = start(p);
                fixed.extend([p.email.clone().unwrap_or_default(), p.mobile.clone().unwrap_or_default()]);
                Some(Row { id: p.id.clone(), fixed, lists: vec![kids.clone()] })
            })
            .collect(),
    });

    let of = |profiles: &[Profile]| -> Vec<&Person> {
        data.people.iter().filter(|p| profiles.contains(&p.profile)).filter(present).collect()
    };
    out.push(staff("Teacher.csv", "enseignants", &of(&[Profile::Enseignant])));
    out.push(staff("Personnel.csv", "personnels", &of(&[Profile::NonEnseignant, Profile::PersonnelCollectivite])));
    out.push(Sheet {
        file: "Guest.csv",
        profile: "invites",
        fixed: [&START[..], &["Courriel"]].concat(),
        repeated: Vec::new(),
        rows: of(&[Profile::Invite, Profile::MaitreDeStage, Profile::Inspecteur])
            .iter()
            .map(|p| {
                let mut fixed = start(p);
                fixed.push(p.email.clone().unwrap_or_default());
                Row { id: p.id.clone(), fixed, lists: Vec::new() }
            })
            .collect(),
    });
    out
}

/// The establishment's files for Open ENT NG's console: every row, or with
/// `since` (the rows of the last export the ENT imported) only the rows that
/// are new or changed since — files left empty by a delta are not written.
pub fn files(data: &EstablishmentData, managed: &[ManagedGroup], since: Option<&Fingerprints>) -> EntNgExport {
    let sheets = sheets(data, managed);
    let mut fingerprints = Fingerprints::new();
    for s in &sheets {
        fingerprints.insert(s.file.to_string(), s.rows.iter().map(|r| (r.id.clone(), r.fingerprint())).collect());
    }
    let changed = |file: &str, r: &Row| match since {
        None => true,
        Some(before) => before.get(file).and_then(|rows| rows.get(&r.id)) != Some(&fingerprints[file][&r.id]),
    };
    let mut files = Vec::new();
    for s in &sheets {
        let (bytes, rows) = s.render(|r| changed(s.file, r));
        if since.is_some() && rows == 0 {
            continue;
        }
        files.push(EntNgFile { file: s.file.to_string(), profile: s.profile, rows, bytes });
    }
    let mut gone = Vec::new();
    if let Some(before) = since {
        for (file, rows) in before {
            for id in rows.keys() {
                if !fingerprints.get(file).is_some_and(|now| now.contains_key(id)) {
                    gone.push(Gone { file: file.clone(), id: id.clone() });
                }
            }
        }
    }
    let mut hash = Sha256::new();
    hash.update(if since.is_some() { "delta" } else { "complet" });
    for f in &files {
        hash.update(f.file.as_bytes());
        hash.update(&f.bytes);
    }
    EntNgExport {
        export: format!("X{}", &hex::encode(hash.finalize())[..8]),
        delta: since.is_some(),
        files,
        fingerprints,
        gone,
    }
}

/// The outbox changes the files carry: a group made in Préau that reaches
/// the ENT through the pupils' rows, created or joined by pupils; an account
/// created in Préau, whose person has a row of the files (`rows`: the ids of
/// the people written) — the account's id is the person's. Leaving a group, a
/// deletion, a GAR group, and everything else (eyes, identifiers, function
/// nodes, an account's groups, functions, end, closure, the pupils an AESH
/// follows) goes to the worklist.
pub fn carried(
    outbox: &[OutboxChange],
    managed: &[ManagedGroup],
    pupil_accounts: &BTreeSet<String>,
    rows: &BTreeSet<String>,
) -> BTreeSet<i64> {
    let groups: BTreeMap<&str, &ManagedGroup> = managed.iter().map(|g| (g.id.as_str(), g)).collect();
    let accounts = outbox
        .iter()
        .filter(|c| c.resource == "User" && c.op == "create" && c.state == "pending" && rows.contains(&c.target))
        .map(|c| c.id);
    outbox
        .iter()
        .filter(|c| c.resource == "Group" && c.state == "pending")
        .filter(|c| groups.get(c.target.as_str()).is_some_and(|g| by_pupils_rows(g)))
        .filter(|c| match c.op.as_str() {
            "create" => true,
            "patch" => {
                let body: serde_json::Value = serde_json::from_str(&c.payload).unwrap_or_default();
                let ops = body["Operations"].as_array().cloned().unwrap_or_default();
                !ops.is_empty()
                    && ops.iter().all(|op| {
                        op["op"].as_str() == Some("add")
                            && op["path"].as_str() == Some("members")
                            && op["value"].as_array().is_some_and(|v| {
                                v.iter().all(|m| m["externalId"].as_str().is_some_and(|a| pupil_accounts.contains(a)))
                            })
                    })
            }
            _ => false,
        })
        .map(|c| c.id)
        .chain(accounts)
        .collect()
}

/// The people the files write a row for: everyone at school, but a parent
/// only while a child is (as [`sheets`] writes them).
fn rows(data: &EstablishmentData) -> BTreeSet<String> {
    let pupils: BTreeSet<&str> =
        data.people.iter().filter(|p| p.profile == Profile::Eleve && !p.left).map(|p| p.id.as_str()).collect();
    let parents: BTreeSet<&str> = data
        .responsibilities
        .iter()
        .filter(|r| pupils.contains(r.pupil_id.as_str()))
        .map(|r| r.responsable_id.as_str())
        .collect();
    data.people
        .iter()
        .filter(|p| if p.profile == Profile::Responsable { parents.contains(p.id.as_str()) } else { !p.left })
        .map(|p| p.id.clone())
        .collect()
}

/// The ENT accounts of the pupils at school.
fn pupil_accounts(data: &EstablishmentData) -> BTreeSet<String> {
    let pupils: BTreeSet<&str> =
        data.people.iter().filter(|p| p.profile == Profile::Eleve && !p.left).map(|p| p.id.as_str()).collect();
    crate::groups::accounts_of_people(data)
        .into_iter()
        .filter(|(person, _)| pupils.contains(person))
        .flat_map(|(_, accounts)| accounts.into_iter().map(str::to_string))
        .collect()
}

/// The outbox changes the files would carry if written now.
pub fn carried_now(store: &Store) -> Result<BTreeSet<i64>, StoreError> {
    let Some(data) = store.load_population()? else { return Ok(BTreeSet::new()) };
    Ok(carried(&store.outbox()?, &store.managed_groups()?, &pupil_accounts(&data), &rows(&data)))
}

/// Why an export could not be written or confirmed.
#[derive(Debug, thiserror::Error)]
pub enum EntNgError {
    #[error("aucune population pour {uai} : importez d'abord l'établissement")]
    NoPopulation { uai: String },
    #[error("impossible d'écrire dans {path} : {message}")]
    Write { path: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl crate::ErrorCode for EntNgError {
    fn code(&self) -> &'static str {
        match self {
            EntNgError::NoPopulation { .. } => "NO_POPULATION",
            EntNgError::Write { .. } => "EXPORT_NOT_WRITTEN",
            EntNgError::Store(e) => e.code(),
        }
    }
}

/// What a write did: the export (`None` when a delta found nothing new) and
/// how many outbox changes its files carry.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    pub export: Option<EntNgExport>,
    pub folder: String,
    pub changes: usize,
    /// A delta measured against an import (`false`: none was confirmed yet,
    /// so every row is written).
    pub since_import: bool,
    /// Files over the console's limit of one megabyte per file
    /// (`csv.file.too.long` in its admin module), to split before importing.
    pub oversized: Vec<String>,
}

/// The most the console's import takes in one file.
pub const CONSOLE_MAX_BYTES: usize = 1_000_000;

/// Writes the establishment's files into `dir` (created if needed) — all
/// of them, or with `delta` only what changed since the last export the ENT
/// imported — and keeps the export, journaled, until the administrator says
/// the ENT imported it. Every file complete or none: each is written aside,
/// then renamed.
pub fn write(store: &mut Store, dir: &Path, delta: bool, actor: &str) -> Result<Written, EntNgError> {
    let data = store.load_population()?.ok_or_else(|| EntNgError::NoPopulation { uai: store.uai().to_string() })?;
    let managed = store.managed_groups()?;
    let baseline = if delta { store.ent_ng_baseline()? } else { None };
    let since_import = baseline.is_some();
    let before: Option<Fingerprints> = match (delta, &baseline) {
        (false, _) => None,
        (true, Some(b)) => Some(serde_json::from_value(b.rows.clone()).unwrap_or_default()),
        (true, None) => Some(Fingerprints::new()),
    };
    let export = files(&data, &managed, before.as_ref());
    let folder = dir.display().to_string();
    if export.files.is_empty() {
        return Ok(Written { export: None, folder, changes: 0, since_import, oversized: Vec::new() });
    }
    let changes: Vec<i64> =
        carried(&store.outbox()?, &managed, &pupil_accounts(&data), &rows(&data)).into_iter().collect();
    let failed =
        |path: &Path, e: std::io::Error| EntNgError::Write { path: path.display().to_string(), message: e.to_string() };
    std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
    for f in &export.files {
        let part = dir.join(format!("{}.part", f.file));
        std::fs::write(&part, &f.bytes).map_err(|e| failed(&part, e))?;
    }
    for f in &export.files {
        let part = dir.join(format!("{}.part", f.file));
        std::fs::rename(&part, dir.join(&f.file)).map_err(|e| failed(&part, e))?;
    }
    let record = EntNgRecord {
        id: export.export.clone(),
        written_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        delta,
        folder: folder.clone(),
        files: serde_json::json!(export
            .files
            .iter()
            .map(|f| serde_json::json!({ "file": f.file, "profile": f.profile, "rows": f.rows }))
            .collect::<Vec<_>>()),
        rows: serde_json::to_value(&export.fingerprints).unwrap_or_default(),
        changes: changes.clone(),
        imported_at: None,
    };
    store.ent_ng_record(&record, actor)?;
    let oversized = export.files.iter().filter(|f| f.bytes.len() > CONSOLE_MAX_BYTES).map(|f| f.file.clone()).collect();
    Ok(Written { export: Some(export), folder, changes: changes.len(), since_import, oversized })
}

/// The exports written, newest first, and whether each was imported.
pub fn exports(store: &Store) -> Result<Vec<EntNgRecord>, StoreError> {
    store.ent_ng_exports()
}

/// The administrator imported `export` in the ENT's console: the changes its
/// files carry leave the outbox. Returns how many.
pub fn confirm(store: &mut Store, export: &str, actor: &str) -> Result<usize, StoreError> {
    store.ent_ng_confirm(export.trim(), actor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EstablishmentKind, Uai};

    fn demo() -> EstablishmentData {
        crate::demo::generate(&Uai::parse("0999001W").unwrap(), EstablishmentKind::College, 2)
    }

    fn text(export: &EntNgExport, file: &str) -> String {
        let f = export.files.iter().find(|f| f.file == file).unwrap();
        String::from_utf8(f.bytes.clone()).unwrap()
    }

    /// A delta has the rows that changed and nothing else, even when a change
    /// widens a repeated column for everyone; someone who left is named, not written.
    #[test]
    fn a_delta_writes_what_changed_and_names_who_left() {
        let mut data = demo();
        let full = files(&data, &[], None);
        assert!(!full.delta && full.gone.is_empty());
        assert_eq!(files(&data, &[], Some(&full.fingerprints)).files, Vec::new(), "nothing changed");

        // One pupil takes three more classes (wider « Classe » for the whole file), another leaves.
        let pupils: Vec<usize> =
            (0..data.people.len()).filter(|&i| data.people[i].profile == Profile::Eleve).take(2).collect();
        let (moved, left) = (pupils[0], pupils[1]);
        data.people[moved].divisions.extend(["X1".to_string(), "X2".to_string(), "X3".to_string()]);
        data.people[left].left = true;
        let (moved_id, left_id) = (data.people[moved].id.clone(), data.people[left].id.clone());
        let delta = files(&data, &[], Some(&full.fingerprints));
        assert!(delta.delta);
        let students = delta.files.iter().find(|f| f.file == "Student.csv").unwrap();
        assert_eq!(students.rows, 1, "only the pupil whose classes changed");
        let body = text(&delta, "Student.csv");
        assert!(body.contains(&moved_id) && body.contains(";X3"), "{body}");
        assert!(!body.contains(&left_id));
        assert!(delta.gone.contains(&Gone { file: "Student.csv".into(), id: left_id.clone() }), "{:?}", delta.gone);
        // Only a parent of the pupil who left changed (one child fewer), or left too.
        assert!(delta.files.iter().all(|f| ["Student.csv", "Relative.csv"].contains(&f.file.as_str())));
        assert_ne!(delta.export, full.export);
    }

    /// The files carry a group's creation and pupils joining it, not a
    /// departure, a staff member, a deletion, a GAR group or a locked one.
    #[test]
    fn the_files_carry_a_group_of_pupils_only() {
        let change = |id: i64, target: &str, op: &str, payload: serde_json::Value| OutboxChange {
            id,
            resource: "Group".into(),
            target: target.into(),
            op: op.into(),
            payload: payload.to_string(),
            origin: String::new(),
            created_at: String::new(),
            state: "pending".into(),
            server: None,
            base: None,
        };
        let group = |id: &str, kind: GroupKind| ManagedGroup {
            id: id.into(),
            name: id.into(),
            kind,
            rule: None,
            lock_delete: false,
            lock_recompose: false,
            members: Vec::new(),
        };
        let locked = ManagedGroup { lock_delete: true, ..group("VERROU", GroupKind::Libre) };
        let managed = [group("G1", GroupKind::Libre), group("GAR", GroupKind::Gar), locked];
        let pupils: BTreeSet<String> = ["P1".to_string()].into();
        let outbox = [
            change(1, "G1", "create", serde_json::json!({})),
            change(2, "G1", "patch", crate::store::membership_patch("P1", true)),
            change(3, "G1", "patch", crate::store::membership_patch("T1", true)),
            change(4, "G1", "patch", crate::store::membership_patch("P1", false)),
            change(5, "GAR", "create", serde_json::json!({})),
            change(6, "GX", "create", serde_json::json!({})),
            change(7, "G1", "delete", serde_json::json!({})),
            change(8, "VERROU", "create", serde_json::json!({})),
        ];
        assert_eq!(carried(&outbox, &managed, &pupils, &BTreeSet::new()), [1, 2].into());
    }

    /// An account created in Préau is a row of the files (Personnel.csv,
    /// Guest.csv): its creation leaves the outbox once the import is
    /// confirmed; its messaging place, its groups and its closure stay for
    /// the worklist.
    #[test]
    fn the_files_carry_an_account_created_in_preau() {
        use crate::directory::edit;
        let dir = tempfile::tempdir().unwrap();
        let uai = Uai::parse("0999001W").unwrap();
        let key = crate::secrets::DbKey::from_hex(&"3b".repeat(32)).unwrap();
        let actor = "test@ent-ng";
        let mut store = Store::open_or_create(dir.path(), &uai, &key, actor).unwrap();
        let data = demo();
        store.replace_population(&data, actor, "TEST", &serde_json::json!({})).unwrap();
        store.set_sync_connector("ent-ng", actor).unwrap();
        // The ENT's directory as a pull leaves it: where a creation looks for the person first.
        let snapshot = crate::sync::as_pulled(&data);
        store.replace_snapshot(&snapshot, "https://ent.example.fr/scim/v2", actor).unwrap();
        let new = |profile, nom: &str, functions: Vec<crate::model::Function>, groups: Vec<String>| edit::NewAccount {
            profile: Some(profile),
            nom: nom.into(),
            prenom: "Ysaline".into(),
            functions,
            groups,
            perenne: true,
            ..Default::default()
        };
        let social = edit::create(
            &mut store,
            &new(
                Profile::NonEnseignant,
                "Quenardel",
                vec![crate::directory::codes::parse("MDS/P9222").unwrap()],
                vec![data.groups[0].id.clone()],
            ),
            true,
            None,
            actor,
        )
        .unwrap()
        .account
        .id;
        let guest =
            edit::create(&mut store, &new(Profile::Invite, "Accueil", Vec::new(), Vec::new()), true, None, actor)
                .unwrap()
                .account
                .id;

        let out = dir.path().join("export");
        let written = write(&mut store, &out, false, actor).unwrap();
        let personnel = std::fs::read_to_string(out.join("Personnel.csv")).unwrap();
        assert!(personnel.contains(&format!("{social};Quenardel;;Ysaline;")), "{personnel}");
        assert!(personnel.contains("MDS$SERVICE SOCIAL DES ELEVES$P9222$"), "its function: {personnel}");
        let guests = std::fs::read_to_string(out.join("Guest.csv")).unwrap();
        assert!(guests.contains(&format!("{guest};Accueil;;Ysaline")), "{guests}");

        let outbox = store.outbox().unwrap();
        let creations: BTreeSet<i64> =
            outbox.iter().filter(|c| c.resource == "User" && c.op == "create").map(|c| c.id).collect();
        assert_eq!(creations.len(), 2);
        assert!(creations.is_subset(&carried_now(&store).unwrap()));
        assert_eq!(written.changes, creations.len());
        let items = crate::sync::worklist::worklist(&store).unwrap();
        assert!(items.iter().all(|i| i.action != "Créer l'utilisateur"), "{items:#?}");
        assert!(items.iter().any(|i| i.target.contains("QUENARDEL")), "its messaging place, by hand: {items:#?}");

        let export = written.export.unwrap().export;
        assert_eq!(confirm(&mut store, &export, actor).unwrap(), 2);
        let left = store.outbox().unwrap();
        assert!(left.iter().all(|c| c.op != "create"), "{left:?}");
        assert_eq!(left.len(), outbox.len() - 2, "the node and the group wait for the worklist");
    }
}
