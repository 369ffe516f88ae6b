//! The Open ENT NG connector's files: the local establishment as the CSV files
//! its administration console imports, one per profile, in the shape its own
//! feeder reads (`docs/ent-ng-csv.md`): files named by the feeder's profile,
//! headers its column mapper knows, UTF-8 with its BOM (the feeder reads a
//! file without one as ISO-8859-1), `;`, CRLF, dates `jj/mm/aaaa`, repeated
//! columns for several values, parents tied to their children's external ids.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::formats::date_iso_to_fr;
use crate::model::{EstablishmentData, Person, Profile};

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

/// The set of files written together, named by a short hash of their content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntNgExport {
    pub export: String,
    pub files: Vec<EntNgFile>,
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

struct Table {
    text: String,
    rows: usize,
}

impl Table {
    /// The header: the fixed columns, then each repeated one as many times as
    /// the widest row needs it.
    fn new(fixed: &[&str], repeated: &[(&str, usize)]) -> Table {
        let mut headers: Vec<&str> = fixed.to_vec();
        for (name, n) in repeated {
            headers.extend(std::iter::repeat_n(*name, *n));
        }
        let mut t = Table { text: String::from("\u{feff}"), rows: 0 };
        t.push(&headers);
        t
    }

    fn push<S: AsRef<str>>(&mut self, cells: &[S]) {
        self.text.push_str(&cells.iter().map(|c| cell(c.as_ref())).collect::<Vec<_>>().join(";"));
        self.text.push_str("\r\n");
    }

    fn line(&mut self, cells: &[String]) {
        self.push(cells);
        self.rows += 1;
    }
}

/// How many times a repeated column is needed: the longest list, at least once.
fn widest(people: &[&Person], len: impl Fn(&Person) -> usize) -> usize {
    people.iter().map(|p| len(p)).max().unwrap_or(0).max(1)
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

fn padded(values: &[String], n: usize) -> Vec<String> {
    let mut out = values.to_vec();
    out.resize(n, String::new());
    out
}

/// A function as the feeder splits it: `CODE$LIBELLÉ$DISCIPLINE$LIBELLÉ`.
fn function(f: &crate::model::Function) -> String {
    let discipline = f.discipline.as_deref().filter(|d| !d.is_empty()).unwrap_or("-");
    format!("{}${}${discipline}${}", f.code, f.label, f.label)
}

/// Staff (teachers or other personnel) with their functions and classes.
fn staff(people: &[&Person]) -> Table {
    let functions = widest(people, |p| p.functions.len());
    let classes = widest(people, |p| p.divisions.len());
    let mut t = Table::new(
        &[&START[..], &["Date de naissance", "Courriel"]].concat(),
        &[("Fonction", functions), ("Classe", classes)],
    );
    for p in people {
        let mut row = start(p);
        row.extend([birth_date(p), p.email.clone().unwrap_or_default()]);
        row.extend(padded(&p.functions.iter().map(function).collect::<Vec<_>>(), functions));
        row.extend(padded(&p.divisions, classes));
        t.line(&row);
    }
    t
}

/// The establishment's files for Open ENT NG's console. Pupils who left are
/// not written, nor parents whose children have all left.
pub fn files(data: &EstablishmentData) -> EntNgExport {
    let present = |p: &&Person| !p.left;
    let pupils: Vec<&Person> = data.people.iter().filter(|p| p.profile == Profile::Eleve).filter(present).collect();
    let pupil_ids: BTreeSet<&str> = pupils.iter().map(|p| p.id.as_str()).collect();
    let mut groups_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for g in &data.groups {
        for m in &g.members {
            groups_of.entry(m.as_str()).or_default().push(g.name.clone());
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
    let classes = widest(&pupils, |p| p.divisions.len());
    let groups = widest(&pupils, |p| groups_of.get(p.id.as_str()).map_or(0, Vec::len));
    let mut t =
        Table::new(&[&START[..], &["Date de naissance", "INE"]].concat(), &[("Classe", classes), ("Groupes", groups)]);
    for p in &pupils {
        let mut row = start(p);
        row.extend([birth_date(p), p.ine.clone().unwrap_or_default()]);
        row.extend(padded(&p.divisions, classes));
        row.extend(padded(groups_of.get(p.id.as_str()).map(Vec::as_slice).unwrap_or(&[]), groups));
        t.line(&row);
    }
    out.push(("Student.csv", "eleves", t));

    // Parents, tied to the children still at school.
    let parents: Vec<&Person> = data
        .people
        .iter()
        .filter(|p| p.profile == Profile::Responsable && children.contains_key(p.id.as_str()))
        .collect();
    let most = widest(&parents, |p| children[p.id.as_str()].len());
    let mut t = Table::new(&[&START[..], &["Courriel", "Téléphone portable"]].concat(), &[("Id enfant", most)]);
    for p in &parents {
        let mut row = start(p);
        row.extend([p.email.clone().unwrap_or_default(), p.mobile.clone().unwrap_or_default()]);
        row.extend(padded(&children[p.id.as_str()], most));
        t.line(&row);
    }
    out.push(("Relative.csv", "parents", t));

    let of = |profiles: &[Profile]| -> Vec<&Person> {
        data.people.iter().filter(|p| profiles.contains(&p.profile)).filter(present).collect()
    };
    out.push(("Teacher.csv", "enseignants", staff(&of(&[Profile::Enseignant]))));
    out.push(("Personnel.csv", "personnels", staff(&of(&[Profile::NonEnseignant, Profile::PersonnelCollectivite]))));
    let guests = of(&[Profile::Invite, Profile::MaitreDeStage, Profile::Inspecteur]);
    let mut t = Table::new(&[&START[..], &["Courriel"]].concat(), &[]);
    for p in &guests {
        let mut row = start(p);
        row.push(p.email.clone().unwrap_or_default());
        t.line(&row);
    }
    out.push(("Guest.csv", "invites", t));

    let files: Vec<EntNgFile> = out
        .into_iter()
        .map(|(file, profile, t)| EntNgFile {
            file: file.to_string(),
            profile,
            rows: t.rows,
            bytes: t.text.into_bytes(),
        })
        .collect();
    let mut hash = Sha256::new();
    for f in &files {
        hash.update(f.file.as_bytes());
        hash.update(&f.bytes);
    }
    EntNgExport { export: format!("X{}", &hex::encode(hash.finalize())[..8]), files }
}
