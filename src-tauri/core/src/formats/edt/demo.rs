//! The demo establishment's EDT export "vers l'ENT" (clear, and its
//! encrypted container). Every identifier comes from the person's id:
//! `Ident` = the digits of `Person.id` as a number, `IDSTS` = the STS
//! writer's `INDIVIDU@ID`, `IDSconet` = the SIECLE writer's `ELEVE_ID` (both
//! the digits of the id), `IDPN` = the Pronote identifier of the Pronote
//! identifiers writer (16 characters hashed from the id), `IDCAS` = the ENT
//! login for about 70 % of people.
//!
//! Deliberate discrepancies for reconciliation: a vacataire teacher absent
//! from STS and the ENT; half classes kept as parts of classes (they never
//! reach the ENT); one option group left as bare parts, never gathered into
//! a declared `Groupe`; pupils without a class and a few who left but are
//! still in the EDT base; teachers' given names upper-cased without accents,
//! some cut to 10 characters as in Index's sample.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sha2::{Digest, Sha256};

use super::timetable::{courses, time_grid, Calendar, DivPlan, GroupPlan, Plan, Target};
use super::{
    write, write_container, Class, Container, EdtRecord, Group, Membership, Pupil, Responsable, SchoolYear, Sex,
    Subject, Teacher,
};
use crate::formats::pronote_ids::pronote_id;
use crate::formats::siecle::eleve_id;
use crate::formats::sts::individu_id;
use crate::formats::{DemoFiles, FileHeader};
use crate::model::{EstablishmentData, Person, Profile, ResponsibilityLevel, Sex as PersonSex};

/// The digits of an id (`ELV004217` → `004217`).
pub(crate) fn digits(id: &str) -> String {
    id.chars().filter(char::is_ascii_digit).collect()
}

/// `Ident` of a person: the digits of the id without leading zeros.
fn ident_number(id: &str) -> String {
    let d = digits(id);
    let t = d.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.to_string()
    }
}

fn hash64(parts: &[&str]) -> u64 {
    let digest = Sha256::digest(parts.join("\u{0}").as_bytes());
    digest.iter().take(8).fold(0, |acc, b| acc << 8 | u64::from(*b))
}

/// A stable draw in 0..100 for (`salt`, `id`).
pub(crate) fn percent(salt: &str, id: &str) -> u64 {
    hash64(&[salt, id]) % 100
}

/// Upper case without diacritics, as STS-fed names come.
pub(crate) fn fold_upper(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let r = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'À' | 'Â' | 'Ä' | 'Á' | 'Ã' => "A",
            'ç' | 'Ç' => "C",
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => "E",
            'î' | 'ï' | 'í' | 'Î' | 'Ï' | 'Í' => "I",
            'ô' | 'ö' | 'ó' | 'õ' | 'Ô' | 'Ö' | 'Ó' | 'Õ' => "O",
            'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' | 'Ú' => "U",
            'ÿ' | 'Ÿ' => "Y",
            'ñ' | 'Ñ' => "N",
            'œ' | 'Œ' => "OE",
            'æ' | 'Æ' => "AE",
            c => {
                out.extend(c.to_uppercase());
                continue;
            }
        };
        out.push_str(r);
    }
    out
}

/// (discipline de poste, `Ident`, `Code`, `Libelle`); `VIE` is vie de classe.
const SUBJECTS: &[(&str, &str, &str, &str)] = &[
    ("L0202", "79", "FRANC", "FRANCAIS"),
    ("L1300", "117", "MATHS", "MATHEMATIQUES"),
    ("L0422", "23", "AGL1", "ANGLAIS LV1"),
    ("L0426", "74", "ESP2", "ESPAGNOL LV2"),
    ("L0421", "20", "ALL2", "ALLEMAND LV2"),
    ("L0429", "97", "ITA2", "ITALIEN LV2"),
    ("L0201", "111", "LATIN", "LATIN"),
    ("L1000", "90", "HIGEO", "HISTOIRE & GEOGRAPH."),
    ("L1600", "146", "SVT", "SCIENCES VIE & TERRE"),
    ("L1500", "131", "PH-CH", "PHYSIQUE-CHIMIE"),
    ("L1400", "151", "TECHN", "TECHNOLOGIE"),
    ("L1900", "64", "EPS", "ED.PHYSIQUE & SPORT."),
    ("L1700", "69", "EDMUS", "EDUCATION MUSICALE"),
    ("L1800", "28", "A-PLA", "ARTS PLASTIQUES"),
    ("L0100", "130", "PHILO", "PHILOSOPHIE"),
    ("L1100", "143", "SES", "SC. ECONO.& SOCIALES"),
    ("VIE", "161", "VICLA", "VIE DE CLASSE"),
];

/// The discipline a demo group is taught in; `None` for half classes.
fn group_discipline(name: &str) -> Option<&'static str> {
    if let Some(spe) = name.split(" SPE ").nth(1) {
        let code = spe.trim_end_matches(|c: char| c.is_ascii_digit());
        return Some(match code {
            "PC" => "L1500",
            "SVT" => "L1600",
            "SES" => "L1100",
            "HGGSP" => "L1000",
            "HLP" => "L0100",
            "LLCER" => "L0422",
            _ => "L1300",
        });
    }
    name.split_whitespace().find_map(|token| match token.get(..3) {
        Some("LAT") => Some("L0201"),
        Some("ESP") => Some("L0426"),
        Some("ALL") => Some("L0421"),
        Some("ITA") => Some("L0429"),
        _ => None,
    })
}

fn is_half(name: &str, divisions: usize) -> bool {
    divisions == 1 && (name.ends_with(" GR1") || name.ends_with(" GR2"))
}

/// The header, the records of the clear export and the ids for `truth.json`.
pub fn demo_records(data: &EstablishmentData) -> (FileHeader, Vec<EdtRecord>, Vec<(String, String, String)>) {
    let uai = data.establishment.uai.as_str();
    let cal = Calendar::new(data.establishment.school_year);
    let (start, end) = (Calendar::iso(cal.start), Calendar::iso(cal.end));
    let header = FileHeader {
        uai: Some(uai.to_string()),
        school_year: Some(data.establishment.school_year),
        version: Some("1.1".into()),
        ..FileHeader::default()
    };
    let logins: HashMap<&str, &str> =
        data.accounts.iter().filter_map(|a| Some((a.person_id.as_deref()?, a.login.as_str()))).collect();
    let id_cas = |id: &str| (percent("idcas", id) < 70).then(|| logins.get(id).map(|l| l.to_string())).flatten();
    let mut ids = Vec::new();
    let mut records = vec![
        EdtRecord::SchoolYear(SchoolYear {
            start: Some(start.clone()),
            end: Some(end.clone()),
            week1: Some(Calendar::iso(cal.week1)),
        }),
        EdtRecord::TimeGrid(time_grid()),
    ];

    // Teachers, alphabetical as EDT lists them, plus the vacataire.
    let staff: Vec<&Person> = data.people.iter().filter(|p| p.profile == Profile::Enseignant).collect();
    let disciplines: BTreeSet<&str> =
        staff.iter().flat_map(|t| t.functions.iter().filter_map(|f| f.discipline.as_deref())).collect();
    let subjects: Vec<&(&str, &str, &str, &str)> =
        SUBJECTS.iter().filter(|s| s.0 == "VIE" || disciplines.contains(s.0)).collect();
    records.extend(subjects.iter().map(|s| {
        EdtRecord::Subject(Subject { ident: s.1.to_string(), code: s.2.to_string(), label: s.3.to_string() })
    }));
    let mut teachers: Vec<Teacher> = staff
        .iter()
        .map(|p| {
            let t = Teacher {
                ident: ident_number(&p.id),
                last_name: fold_upper(&p.usage_name),
                first_name: teacher_given_name(p),
                postal_code: None,
                birth_date: p.birth_date.clone(),
                id_sts: Some(individu_id(&p.id)),
                id_pn: Some(pronote_id(&p.id)),
                id_cas: id_cas(&p.id),
            };
            push_ids(&mut ids, &p.id, &t.ident, t.id_pn.as_deref(), t.id_cas.as_deref());
            ids.push((p.id.clone(), "edt_idsts".into(), individu_id(&p.id)));
            t
        })
        .collect();
    let vacataire = Teacher {
        ident: "1000001".into(),
        last_name: "LAMBERT-NOVAK".into(),
        first_name: "SAMUEL".into(),
        postal_code: None,
        birth_date: None,
        id_sts: None,
        id_pn: Some(pronote_id("VAC000001")),
        id_cas: None,
    };
    teachers.push(vacataire.clone());
    teachers.sort_by(|a, b| (&a.last_name, &a.first_name, &a.ident).cmp(&(&b.last_name, &b.first_name, &b.ident)));
    records.extend(teachers.into_iter().map(EdtRecord::Teacher));

    // Classes, their parts, and the groups made of parts.
    let class_ident: BTreeMap<&str, String> =
        data.divisions.iter().enumerate().map(|(i, d)| (d.code.as_str(), (i + 1).to_string())).collect();
    let mut parts_of_class: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut part_of: HashMap<(&str, &str), String> = HashMap::new();
    let mut halves: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut group_records = Vec::new();
    let mut group_plans = Vec::new();
    let bare_parts = data
        .groups
        .iter()
        .find(|g| group_discipline(&g.name) == Some("L0201"))
        .or_else(|| data.groups.iter().find(|g| group_discipline(&g.name) == Some("L0429")))
        .map(|g| g.id.as_str());
    let mut next_part = 1usize;
    for g in &data.groups {
        let mut parts = Vec::new();
        for div in &g.divisions {
            let ident = next_part.to_string();
            next_part += 1;
            parts_of_class.entry(div.as_str()).or_default().push(ident.clone());
            part_of.insert((g.id.as_str(), div.as_str()), ident.clone());
            parts.push(ident);
        }
        if is_half(&g.name, g.divisions.len()) {
            if let (Some(div), Some(part)) = (g.divisions.first(), parts.first()) {
                halves.entry(div.as_str()).or_default().push(part.clone());
            }
            continue;
        }
        let Some(discipline) = group_discipline(&g.name) else { continue };
        let target = if bare_parts == Some(g.id.as_str()) {
            Target::Parts(parts)
        } else {
            let ident = (group_records.len() + 2).to_string();
            group_records.push(EdtRecord::Group(Group {
                ident: ident.clone(),
                name: g.name.clone(),
                classes: Vec::new(),
                parts,
            }));
            Target::Group(ident)
        };
        group_plans.push(GroupPlan { discipline, divisions: g.divisions.clone(), target });
    }
    records.extend(data.divisions.iter().filter_map(|d| {
        Some(EdtRecord::Class(Class {
            ident: class_ident.get(d.code.as_str())?.clone(),
            name: d.code.clone(),
            parts: parts_of_class.get(d.code.as_str()).cloned().unwrap_or_default(),
        }))
    }));
    records.extend(group_records);

    // The timetable, then rooms before pupils (XSD order).
    let plan = plan(data, &staff, &class_ident, &halves, group_plans, &subjects);
    let (rooms, course_list) = courses(&plan);
    records.extend(rooms.into_iter().map(EdtRecord::Room));

    // Pupils with a class or still current; left pupils still holding a
    // class are the ones the training says to delete before exporting.
    let people: HashMap<&str, &Person> = data.people.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut links: HashMap<&str, Vec<_>> = HashMap::new();
    for l in data.responsibilities.iter().filter(|l| l.level != ResponsibilityLevel::Contact) {
        links.entry(l.pupil_id.as_str()).or_default().push(l);
    }
    let mut groups_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for g in &data.groups {
        for m in &g.members {
            groups_of.entry(m.as_str()).or_default().push(g.id.as_str());
        }
    }
    let mut pupils: Vec<&Person> =
        data.people.iter().filter(|p| p.profile == Profile::Eleve && (!p.left || !p.divisions.is_empty())).collect();
    pupils.sort_by(|a, b| (&a.usage_name, a.usual_name(), &a.id).cmp(&(&b.usage_name, b.usual_name(), &b.id)));
    let mut seen_resp = BTreeSet::new();
    let city = fold_upper(&data.establishment.city);
    for p in pupils {
        let member =
            |ident: &String| Membership { ident: ident.clone(), from: Some(start.clone()), to: Some(end.clone()) };
        let div = p.divisions.first().map(String::as_str);
        let classes = div.and_then(|d| class_ident.get(d)).map(member).into_iter().collect();
        let parts = div
            .map(|d| {
                let groups = groups_of.get(p.id.as_str()).map(Vec::as_slice).unwrap_or_default();
                groups.iter().filter_map(|g| part_of.get(&(*g, d))).map(member).collect()
            })
            .unwrap_or_default();
        let mut resp_links = links.get(p.id.as_str()).cloned().unwrap_or_default();
        // Légaux first (stable), at most two as the XSD allows.
        resp_links.sort_by_key(|l| l.level != ResponsibilityLevel::Legal);
        let resp_people: Vec<&Person> =
            resp_links.iter().filter_map(|l| people.get(l.responsable_id.as_str()).copied()).take(2).collect();
        let couple = resp_people.len() == 2 && resp_people.iter().any(|r| r.sex == Some(PersonSex::M));
        let responsables = resp_people
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let civility = match r.sex {
                    _ if percent("civilite", &r.id) < 10 => None,
                    Some(PersonSex::M) if i == 0 && couple && percent("couple", &r.id) < 60 => Some("M,Mme".into()),
                    Some(PersonSex::M) => Some("M.".into()),
                    Some(PersonSex::F) => Some("Mme".into()),
                    None => None,
                };
                let resp = Responsable {
                    ident: ident_number(&r.id),
                    legal_rank: Some(i as u8 + 1),
                    last_name: r.usage_name.clone(),
                    first_name: r.usual_name().to_string(),
                    civility,
                    address: vec![address(&r.id)],
                    postal_code: Some("69990".into()),
                    city: Some(city.clone()),
                    id_pn: Some(pronote_id(&r.id)),
                    id_cas: id_cas(&r.id),
                };
                if seen_resp.insert(r.id.clone()) {
                    push_ids(&mut ids, &r.id, &resp.ident, resp.id_pn.as_deref(), resp.id_cas.as_deref());
                }
                resp
            })
            .collect();
        let pupil = Pupil {
            ident: ident_number(&p.id),
            last_name: p.usage_name.clone(),
            first_name: p.usual_name().to_string(),
            birth_date: p.birth_date.clone(),
            sex: p.sex.map(|s| if s == PersonSex::M { Sex::Masculin } else { Sex::Feminin }),
            postal_code: None,
            national_id: p.ine.clone(),
            id_sconet: Some(eleve_id(&p.id)),
            id_pn: Some(pronote_id(&p.id)),
            id_cas: id_cas(&p.id),
            id_establishment: None,
            responsables,
            classes,
            parts,
        };
        push_ids(&mut ids, &p.id, &pupil.ident, pupil.id_pn.as_deref(), pupil.id_cas.as_deref());
        records.push(EdtRecord::Pupil(pupil));
    }
    records.extend(course_list.into_iter().map(EdtRecord::Course));
    (header, records, ids)
}

fn push_ids(ids: &mut Vec<(String, String, String)>, id: &str, ident: &str, pn: Option<&str>, cas: Option<&str>) {
    ids.push((id.to_string(), "edt_ident".into(), ident.to_string()));
    if let Some(pn) = pn {
        ids.push((id.to_string(), "edt_idpn".into(), pn.to_string()));
    }
    if let Some(cas) = cas {
        ids.push((id.to_string(), "edt_idcas".into(), cas.to_string()));
    }
}

/// The given name as STS feeds it to EDT: upper case, no accents, hyphens
/// as spaces; half of the long compound ones cut at 10 characters.
fn teacher_given_name(p: &Person) -> String {
    let name = fold_upper(p.usual_name()).replace('-', " ");
    if name.chars().count() > 10 && name.contains(' ') && percent("prenom10", &p.id) < 50 {
        name.chars().take(10).collect()
    } else {
        name
    }
}

/// A fictional street address for a responsable.
fn address(id: &str) -> String {
    const STREETS: &[&str] = &[
        "rue de la République",
        "avenue Jean-Jaurès",
        "chemin des Vignes",
        "place de l'Église",
        "rue du Moulin",
        "allée des Tilleuls",
        "impasse des Lilas",
        "boulevard Pasteur",
    ];
    let n = hash64(&["adresse", id]);
    let street = STREETS.get((n % STREETS.len() as u64) as usize).copied().unwrap_or("rue du Moulin");
    format!("{} {street}", 1 + (n >> 8) % 120)
}

fn plan(
    data: &EstablishmentData,
    staff: &[&Person],
    class_ident: &BTreeMap<&str, String>,
    halves: &BTreeMap<&str, Vec<String>>,
    groups: Vec<GroupPlan>,
    subjects: &[&(&'static str, &'static str, &'static str, &'static str)],
) -> Plan {
    let mut teacher_of = BTreeMap::new();
    let mut teachers_by_discipline: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for t in staff {
        let ident = ident_number(&t.id);
        let Some(disc) = t.functions.iter().find_map(|f| f.discipline.as_deref()) else { continue };
        let Some(&(disc, ..)) = SUBJECTS.iter().find(|s| s.0 == disc) else { continue };
        teachers_by_discipline.entry(disc).or_default().push(ident.clone());
        for d in &t.divisions {
            teacher_of.entry((d.clone(), disc)).or_insert_with(|| ident.clone());
        }
    }
    let divisions: Vec<DivPlan> = data
        .divisions
        .iter()
        .filter_map(|d| {
            let halves = halves.get(d.code.as_str()).and_then(|h| Some([h.first()?.clone(), h.get(1)?.clone()]));
            Some(DivPlan {
                code: d.code.clone(),
                level: d.level.clone(),
                class_ident: class_ident.get(d.code.as_str())?.clone(),
                halves,
            })
        })
        .collect();
    // The vacataire teaches SVT in the last class of the first level.
    let first_level = data.levels.first().map(|l| l.code.as_str());
    let vacataire = data
        .divisions
        .iter()
        .rev()
        .find(|d| Some(d.level.as_str()) == first_level)
        .map(|d| (d.code.clone(), "L1600", "1000001".to_string()));
    Plan {
        kind: data.establishment.kind,
        divisions,
        teacher_of,
        teachers_by_discipline,
        subject_of: subjects.iter().map(|s| (s.0, s.1.to_string())).collect(),
        groups,
        vacataire,
    }
}

/// The two EDT files of the demo establishment: the clear export and the
/// encrypted container made "for" the test ENT.
pub fn demo_files(data: &EstablishmentData) -> DemoFiles {
    let uai = data.establishment.uai.as_str();
    let (header, records, ids) = demo_records(data);
    let clear = write(&header, &records);
    let year = data.establishment.school_year;
    let container = write_container(&Container {
        version: "1.0".into(),
        software: format!("EDT Monoposte-EDT {year} - 1.0.4"),
        partners: vec!["INDEXEDUCATION".into(), "TESTENT".into()],
        compressed: Some(true),
        clear: clear.clone(),
        date: format!("{year}-09-03T10:19:08.486+02:00"),
        uai: uai.to_string(),
        name: fold_upper(&data.establishment.name),
        postal_city: format!("69990 {}", fold_upper(&data.establishment.city)),
    });
    DemoFiles {
        files: vec![
            (format!("Edt_To_TESTENT_{uai}_Enclair.xml"), clear),
            (format!("Edt_To_TESTENT_{uai}.xml"), container),
        ],
        ids,
    }
}
