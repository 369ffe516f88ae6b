//! Brings the establishment's population up to date from the batches of the
//! operation: each format replaces the part of the population it is the
//! source of (SIECLE: pupils, responsables, divisions, groups, levels;
//! STS-Web: teachers and staff; ENT directory: accounts). What no file of
//! the operation speaks of is kept as it was. EDT, UDT, AAF and Pronote
//! records stay in their batches for reconciliation and the findings.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::fresh::{latest, Fresh};
use crate::formats::{ent_directory::DirectoryAccount, siecle::SiecleRecord, sts::StsRecord, Format};
use crate::model::{
    Account, Division, Establishment, EstablishmentData, EstablishmentKind, Function, Group, GroupKind, Level, Person,
    Profile, Responsibility, Sex, Uai,
};
use crate::store::{ImportTx, StoreError};

/// Person ids of the population: stable across imports, one namespace per source.
pub fn pupil_id(eleve_id: &str) -> String {
    format!("ELV{eleve_id}")
}
pub fn responsable_id(personne_id: &str) -> String {
    format!("RSP{personne_id}")
}
pub fn staff_id(individu_id: &str) -> String {
    format!("STS{individu_id}")
}

/// Placeholder level for divisions whose MEF is unknown.
const UNKNOWN_LEVEL: &str = "?";

/// Level of a MEF code by its prefix (formats.md §8); the label comes from
/// the nomenclature when there is one.
pub fn level_of_mef(mef: &str) -> Option<(&'static str, u32)> {
    let p = mef.get(..3)?;
    Some(match p {
        "100" | "164" | "165" | "166" | "167" => ("6e", 1),
        "101" => ("5e", 2),
        "102" => ("4e", 3),
        "103" => ("3e", 4),
        "200" | "210" => ("2de", 5),
        "201" | "211" => ("1re", 6),
        "202" | "212" => ("Tle", 7),
        _ if p.starts_with("24") || p.starts_with("27") => match mef.get(9..10)? {
            "1" => ("2de", 5),
            "2" => ("1re", 6),
            "3" => ("Tle", 7),
            _ => return None,
        },
        _ => return None,
    })
}

fn split_given(first: &str) -> Vec<String> {
    let names: Vec<String> = first.split_whitespace().map(str::to_string).collect();
    if names.is_empty() {
        vec![String::new()]
    } else {
        names
    }
}

/// Whether a file of `format` is a source of the population (the others
/// serve reconciliation and the findings).
pub(super) fn feeds_population(format: Format) -> bool {
    matches!(
        format,
        Format::SiecleEleves
            | Format::SiecleResponsables
            | Format::SiecleStructures
            | Format::SiecleNomenclature
            | Format::Sts
            | Format::EntDirectory
    )
}

/// The population brought up to date, for the caller to write (`None` when
/// no file of the operation feeds it).
pub(super) fn build(
    tx: &ImportTx<'_>,
    uai: &Uai,
    batches: &[(i64, Format)],
    fresh: &Fresh,
) -> Result<Option<EstablishmentData>, StoreError> {
    // Only the files that feed the population count: the others may still
    // be being read when it is built.
    let batches: Vec<(i64, Format)> = batches.iter().copied().filter(|(_, f)| feeds_population(*f)).collect();
    let formats: HashSet<Format> = batches.iter().map(|(_, f)| *f).collect();
    if formats.is_empty() {
        return Ok(None);
    }
    let current = tx.population()?;
    let mut data = current.unwrap_or_else(|| EstablishmentData {
        establishment: Establishment {
            uai: uai.clone(),
            name: format!("Établissement {uai}"),
            kind: EstablishmentKind::College,
            city: String::new(),
            school_year: 0,
        },
        levels: Vec::new(),
        divisions: Vec::new(),
        people: Vec::new(),
        responsibilities: Vec::new(),
        accounts: Vec::new(),
        groups: Vec::new(),
    });
    // School year and name from the operation's headers.
    for (batch, _) in &batches {
        if let Some(b) = tx.batch(*batch)? {
            if let (Some(y), 0) = (b.school_year, data.establishment.school_year) {
                data.establishment.school_year = y;
            }
        }
    }
    let load = |format: Format| formats.contains(&format);
    let siecle_eleves =
        if load(Format::SiecleEleves) { latest::<SiecleRecord>(tx, fresh, Format::SiecleEleves)? } else { None };
    let siecle_resp = if load(Format::SiecleResponsables) {
        latest::<SiecleRecord>(tx, fresh, Format::SiecleResponsables)?
    } else {
        None
    };
    let siecle_struct = if load(Format::SiecleStructures) {
        latest::<SiecleRecord>(tx, fresh, Format::SiecleStructures)?
    } else {
        None
    };
    let siecle_nomen = if load(Format::SiecleNomenclature) {
        latest::<SiecleRecord>(tx, fresh, Format::SiecleNomenclature)?
    } else {
        None
    };
    let sts = if load(Format::Sts) { latest::<StsRecord>(tx, fresh, Format::Sts)? } else { None };
    let directory =
        if load(Format::EntDirectory) { latest::<DirectoryAccount>(tx, fresh, Format::EntDirectory)? } else { None };
    let (siecle_eleves, siecle_resp, siecle_struct, siecle_nomen, sts, directory) = (
        siecle_eleves.as_deref(),
        siecle_resp.as_deref(),
        siecle_struct.as_deref(),
        siecle_nomen.as_deref(),
        sts.as_deref(),
        directory.as_deref(),
    );

    let mut mef_labels: HashMap<String, String> = HashMap::new();
    for r in siecle_nomen.into_iter().flatten() {
        if let SiecleRecord::Mef(m) = r {
            if let Some(l) = m.libelle_edition.clone().or(m.libelle_long.clone()) {
                mef_labels.insert(m.code_mef.clone(), l);
            }
        }
    }
    for r in sts.into_iter().flatten() {
        match r {
            StsRecord::Mef(m) => {
                if let Some(l) = m.libelle_edition.clone().or(m.libelle_long.clone()) {
                    mef_labels.entry(m.code.clone()).or_insert(l);
                }
            }
            StsRecord::Parametres(p) => {
                if let Some(name) = p.denom_princ.as_deref().filter(|n| !n.trim().is_empty()) {
                    let full = match p.denom_compl.as_deref().filter(|c| !c.trim().is_empty()) {
                        Some(c) => format!("{} {}", title_case(name), title_case(c)),
                        None => title_case(name),
                    };
                    data.establishment.name = better_name(&data.establishment.name, full);
                }
                if let Some(c) = p.commune.as_deref().filter(|c| !c.trim().is_empty()) {
                    data.establishment.city = title_case(c);
                }
            }
            _ => {}
        }
    }

    // Divisions and groups (SIECLE Structures, else STS when it comes alone).
    let mut division_mefs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut new_divisions: Option<Vec<(String, String)>> = None;
    let mut new_groups: Option<Vec<(String, String, Vec<String>)>> = None;
    if let Some(recs) = siecle_struct {
        let (mut ds, mut gs) = (Vec::new(), Vec::new());
        for r in recs {
            match r {
                SiecleRecord::Division(d) => {
                    division_mefs.insert(d.code_structure.clone(), d.mefs.clone());
                    ds.push((
                        d.code_structure.clone(),
                        d.libelle_long.clone().unwrap_or_else(|| d.code_structure.clone()),
                    ));
                }
                SiecleRecord::Groupe(g) => gs.push((
                    g.code_structure.clone(),
                    g.libelle_long.clone().unwrap_or_else(|| g.code_structure.clone()),
                    g.divisions.clone(),
                )),
                _ => {}
            }
        }
        new_divisions = Some(ds);
        new_groups = Some(gs);
    } else if let Some(recs) = sts {
        let (mut ds, mut gs) = (Vec::new(), Vec::new());
        for r in recs {
            match r {
                StsRecord::Division(d) => {
                    division_mefs.insert(d.code.clone(), d.mefs.clone());
                    ds.push((d.code.clone(), d.libelle_long.clone().unwrap_or_else(|| d.code.clone())));
                }
                StsRecord::Groupe(g) => gs.push((
                    g.code.clone(),
                    g.libelle_long.clone().unwrap_or_else(|| g.code.clone()),
                    g.divisions.clone(),
                )),
                _ => {}
            }
        }
        if data.divisions.is_empty() {
            new_divisions = Some(ds);
            new_groups = Some(gs);
        }
    }
    // Pupils' MEFs also tell a division's level.
    let mut pupil_mef: HashMap<String, String> = HashMap::new();
    for r in siecle_eleves.into_iter().flatten() {
        if let SiecleRecord::Eleve(e) = r {
            if let Some(m) = &e.code_mef {
                pupil_mef.insert(e.eleve_id.clone(), m.clone());
            }
        }
    }
    let mut pupil_structures: HashMap<String, Vec<(String, bool)>> = HashMap::new();
    for r in siecle_eleves.into_iter().flatten() {
        if let SiecleRecord::Structures(s) = r {
            let list = pupil_structures.entry(s.eleve_id.clone()).or_default();
            for st in &s.structures {
                let is_division = st.type_structure.code() == "D";
                list.push((st.code_structure.clone(), is_division));
                if is_division {
                    if let Some(m) = pupil_mef.get(&s.eleve_id) {
                        division_mefs.entry(st.code_structure.clone()).or_default().push(m.clone());
                    }
                }
            }
        }
    }
    if let Some(ds) = new_divisions {
        let mut levels: BTreeMap<String, Level> = data.levels.iter().map(|l| (l.code.clone(), l.clone())).collect();
        let mut divisions = Vec::new();
        for (code, label) in ds {
            let mef = division_mefs.get(&code).and_then(|ms| ms.iter().find(|m| level_of_mef(m).is_some())).cloned();
            let level = match mef.as_deref().and_then(|m| level_of_mef(m).map(|l| (m, l))) {
                Some((m, (lcode, rank))) => {
                    levels.entry(lcode.to_string()).or_insert_with(|| Level {
                        code: lcode.to_string(),
                        mef: m.to_string(),
                        label: mef_labels.get(m).cloned().unwrap_or_else(|| lcode.to_string()),
                        rank,
                    });
                    lcode.to_string()
                }
                None => {
                    levels.entry(UNKNOWN_LEVEL.into()).or_insert_with(|| Level {
                        code: UNKNOWN_LEVEL.into(),
                        mef: String::new(),
                        label: "niveau inconnu".into(),
                        rank: 99,
                    });
                    UNKNOWN_LEVEL.to_string()
                }
            };
            divisions.push(Division { code, label, level });
        }
        let mut levels: Vec<Level> = levels.into_values().collect();
        levels.sort_by(|a, b| a.rank.cmp(&b.rank).then(a.code.cmp(&b.code)));
        data.levels = levels;
        data.divisions = divisions;
    }
    if let Some(gs) = new_groups {
        data.groups = gs
            .into_iter()
            .map(|(code, name, divisions)| Group {
                id: code,
                name,
                kind: GroupKind::Enseignement,
                divisions,
                members: Vec::new(),
            })
            .collect();
    }

    // Pupils.
    if let Some(recs) = siecle_eleves {
        let known_divisions: HashSet<&str> = data.divisions.iter().map(|d| d.code.as_str()).collect();
        let mut pupils = Vec::new();
        for r in recs {
            let SiecleRecord::Eleve(e) = r else { continue };
            let structures = pupil_structures.get(&e.eleve_id).cloned().unwrap_or_default();
            let divisions: Vec<String> = structures
                .iter()
                .filter(|(c, d)| {
                    *d && c != "Inactifs" && (known_divisions.is_empty() || known_divisions.contains(c.as_str()))
                })
                .map(|(c, _)| c.clone())
                .collect();
            let in_inactive = structures.iter().any(|(c, d)| *d && c == "Inactifs");
            pupils.push(Person {
                id: pupil_id(&e.eleve_id),
                profile: Profile::Eleve,
                sex: e.sex(),
                usage_name: e.usage_name().to_string(),
                birth_name: e.family_name().to_string(),
                given_names: e.given_names().iter().map(|s| s.to_string()).collect(),
                usual_given_name: 0,
                birth_date: e.date_naiss.clone(),
                ine: e.ine.clone(),
                email: e.mel.clone(),
                mobile: None,
                divisions,
                functions: Vec::new(),
                establishments: vec![uai.clone()],
                left: e.date_sortie.is_some() || in_inactive,
            });
        }
        let ids: HashSet<String> = pupils.iter().map(|p| p.id.clone()).collect();
        data.people.retain(|p| p.profile != Profile::Eleve);
        data.people.extend(pupils);
        // Group members from the pupils' G structures.
        let mut members: HashMap<String, Vec<String>> = HashMap::new();
        for (eleve, list) in &pupil_structures {
            let pid = pupil_id(eleve);
            if !ids.contains(&pid) {
                continue;
            }
            for (code, is_division) in list {
                if !is_division {
                    members.entry(code.clone()).or_default().push(pid.clone());
                }
            }
        }
        for g in &mut data.groups {
            let mut m = members.remove(&g.id).unwrap_or_default();
            m.sort();
            g.members = m;
        }
        data.responsibilities.retain(|r| ids.contains(&r.pupil_id));
    }

    // Responsables and their links.
    if let Some(recs) = siecle_resp {
        let pupils: HashSet<String> =
            data.people.iter().filter(|p| p.profile == Profile::Eleve).map(|p| p.id.clone()).collect();
        let mut people = Vec::new();
        let mut links = Vec::new();
        for r in recs {
            match r {
                SiecleRecord::Personne(p) => people.push(Person {
                    id: responsable_id(&p.personne_id),
                    profile: Profile::Responsable,
                    sex: match p.lc_civilite.as_deref().map(str::to_uppercase).as_deref() {
                        Some("M." | "M") => Some(Sex::M),
                        Some("MME" | "MLLE") => Some(Sex::F),
                        _ => None,
                    },
                    usage_name: p.usage_name().to_string(),
                    birth_name: p.family_name().to_string(),
                    given_names: split_given(p.prenom.as_deref().unwrap_or("")),
                    usual_given_name: 0,
                    birth_date: None,
                    ine: None,
                    email: p.mel.clone(),
                    mobile: p.tel_portable.clone(),
                    divisions: Vec::new(),
                    functions: Vec::new(),
                    establishments: vec![uai.clone()],
                    left: false,
                }),
                SiecleRecord::Responsable(l) => {
                    if let Some(level) = l.level() {
                        links.push(Responsibility {
                            responsable_id: responsable_id(&l.personne_id),
                            pupil_id: pupil_id(&l.eleve_id),
                            level,
                            relationship: l.code_parente.clone().unwrap_or_default(),
                        });
                    }
                }
                _ => {}
            }
        }
        let resp_ids: HashSet<String> = people.iter().map(|p| p.id.clone()).collect();
        links.retain(|l| resp_ids.contains(&l.responsable_id) && (pupils.is_empty() || pupils.contains(&l.pupil_id)));
        let mut seen = HashSet::new();
        links.retain(|l| seen.insert((l.responsable_id.clone(), l.pupil_id.clone())));
        data.people.retain(|p| p.profile != Profile::Responsable);
        data.people.extend(people);
        data.responsibilities = links;
    }

    // Teachers and staff from STS-Web.
    if let Some(recs) = sts {
        let mut teaches: HashMap<String, Vec<String>> = HashMap::new();
        for r in recs {
            if let StsRecord::Division(d) = r {
                for s in &d.services {
                    for e in &s.enseignants {
                        let list = teaches.entry(e.id.clone()).or_default();
                        if !list.contains(&d.code) {
                            list.push(d.code.clone());
                        }
                    }
                }
            }
        }
        let mut staff = Vec::new();
        for r in recs {
            let StsRecord::Individu(i) = r else { continue };
            let teacher = matches!(i.fonction.as_deref(), None | Some("ENS"));
            let functions = i
                .disciplines
                .iter()
                .map(|d| Function {
                    code: i.fonction.clone().unwrap_or_else(|| "ENS".into()),
                    discipline: Some(d.code.clone()),
                    label: d.libelle_court.clone().unwrap_or_default(),
                })
                .collect::<Vec<_>>();
            let functions = if functions.is_empty() {
                i.fonction
                    .iter()
                    .map(|f| Function { code: f.clone(), discipline: None, label: String::new() })
                    .collect()
            } else {
                functions
            };
            staff.push(Person {
                id: staff_id(&i.id),
                profile: if teacher { Profile::Enseignant } else { Profile::NonEnseignant },
                sex: match i.sexe.as_deref() {
                    Some("1") => Some(Sex::M),
                    Some("2") => Some(Sex::F),
                    _ => None,
                },
                usage_name: i.nom_usage.clone(),
                birth_name: i.nom_patronymique.clone().unwrap_or_else(|| i.nom_usage.clone()),
                given_names: split_given(i.prenom.as_deref().unwrap_or("")),
                usual_given_name: 0,
                birth_date: i.date_naissance.clone(),
                ine: None,
                email: None,
                mobile: None,
                divisions: teaches.remove(&i.id).unwrap_or_default(),
                functions,
                establishments: vec![uai.clone()],
                left: false,
            });
        }
        data.people.retain(|p| !matches!(p.profile, Profile::Enseignant | Profile::NonEnseignant));
        data.people.extend(staff);
    }

    // Accounts from the ENT directory.
    if let Some(rows) = directory {
        data.accounts = rows
            .iter()
            .map(|a| Account {
                id: a.ent_id.clone(),
                login: a.login.clone().unwrap_or_default(),
                person_id: None,
                profile: a.profile,
                usage_name: a.last_name.clone(),
                birth_name: a.birth_name.clone().unwrap_or_else(|| a.last_name.clone()),
                given_names: split_given(&a.first_name),
                birth_date: a.birth_date.clone(),
                ine: a.ine.clone(),
                email: a.email.clone(),
                classes: a.classes.clone(),
                functions: Vec::new(),
                establishments: a.establishments.iter().filter_map(|u| Uai::parse(u).ok()).collect(),
                children: a.children.clone(),
            })
            .collect();
    }

    // The kind follows the levels present.
    if data.levels.iter().any(|l| matches!(l.code.as_str(), "2de" | "1re" | "Tle")) {
        data.establishment.kind = EstablishmentKind::Lycee;
    } else if data.levels.iter().any(|l| matches!(l.code.as_str(), "6e" | "5e" | "4e" | "3e")) {
        data.establishment.kind = EstablishmentKind::College;
    }
    Ok(Some(data))
}

/// One name per establishment: STS-Web writes it in capitals, often without
/// its accents; when the name already known is the same one but for case and
/// accents, the better spelled of the two (the one with more accents) stays.
fn better_name(current: &str, from_file: String) -> String {
    let accents = |s: &str| s.chars().filter(|c| !c.is_ascii()).count();
    if crate::text::fold(current) == crate::text::fold(&from_file) && accents(current) > accents(&from_file) {
        current.to_string()
    } else {
        from_file
    }
}

/// The words of establishment names whose accents capitals drop.
const ACCENTED: &[(&str, &str)] = &[
    ("college", "collège"),
    ("lycee", "lycée"),
    ("ecole", "école"),
    ("general", "général"),
    ("generale", "générale"),
    ("regional", "régional"),
    ("cite", "cité"),
    ("etablissement", "établissement"),
];

/// `LYCEE JEAN-MOULIN` → `Lycée Jean-Moulin` (accents as given, or those of
/// the common words of establishment names; small words kept lower-case).
fn title_case(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    for (i, word) in lower.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let word = ACCENTED.iter().find(|(plain, _)| *plain == word).map_or(word, |(_, accented)| *accented);
        let small = i > 0 && matches!(word, "de" | "du" | "des" | "la" | "le" | "les" | "et" | "d'" | "l'");
        let mut capitalise = !small;
        for c in word.chars() {
            if capitalise && c.is_alphabetic() {
                out.extend(c.to_uppercase());
                capitalise = false;
            } else {
                out.push(c);
            }
            if c == '-' || c == '\'' {
                capitalise = true;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_levels() {
        assert_eq!(title_case("LYCEE JEAN-DE-LA-FONTAINE"), "Lycée Jean-De-La-Fontaine");
        assert_eq!(title_case("COLLEGE DU PARC"), "Collège du Parc");
        assert_eq!(title_case("COLLÈGE FRANÇOISE-DOLTO"), "Collège Françoise-Dolto");
        assert_eq!(title_case("ECOLE DES COLLEGES"), "École des Colleges");
        // The name known already wins when it is the same, better spelled.
        assert_eq!(better_name("Collège Françoise-Dolto", "College Francoise-Dolto".into()), "Collège Françoise-Dolto");
        assert_eq!(better_name("Collège Françoise-Dolto", "Collège Simone-Veil".into()), "Collège Simone-Veil");
        assert_eq!(better_name("Établissement 0999001W", "Collège du Parc".into()), "Collège du Parc");
        assert_eq!(level_of_mef("10010012110"), Some(("6e", 1)));
        assert_eq!(level_of_mef("1031000E11A"), Some(("3e", 4)));
        assert_eq!(level_of_mef("20010014110"), Some(("2de", 5)));
        assert_eq!(level_of_mef("24700000320"), Some(("1re", 6)));
        assert_eq!(level_of_mef("99"), None);
    }
}
