//! The demo establishment as a UDT archive `UDT_<UAI>.zip`: calendar,
//! parameters, weeks, rooms, teachers (plus the vacataire and two staff
//! without a subject, as UDT lists them), subjects, slots, divisions,
//! pupils, groups per division, regroupements across divisions and
//! memberships. Codes come from the person's id: the digits of `Person.id`
//! for teachers and pupils; `epj`, which the ENT takes as the teacher's
//! external id, is the AAF writer's `ENTPersonJointure`. No fiches
//! (timetable lines): the EDT export carries the demo's timetable.

use std::collections::{BTreeMap, HashMap};

use chrono::Duration;

use super::{write, Division, Group, Membership, Pupil, Regroupement, Slot, Teacher, UdtRecord};
use crate::formats::aaf::person_jointure;
use crate::formats::edt::{digits, fold_upper, Calendar};
use crate::formats::DemoFiles;
use crate::model::{EstablishmentData, Person, Profile, Sex};

/// Main subject code (`code_matppl`) per discipline de poste.
const SUBJECT_CODES: &[(&str, &str, &str)] = &[
    ("L0202", "FRANC", "FRANCAIS"),
    ("L1300", "MATHS", "MATHEMATIQUES"),
    ("L0422", "AGL1", "ANGLAIS LV1"),
    ("L0426", "ESP2", "ESPAGNOL LV2"),
    ("L0421", "ALL2", "ALLEMAND LV2"),
    ("L0429", "ITA2", "ITALIEN LV2"),
    ("L0201", "LATIN", "LATIN"),
    ("L1000", "HIGEO", "HISTOIRE-GEOGRAPHIE"),
    ("L1600", "SVT", "SCIENCES VIE ET TERRE"),
    ("L1500", "PH-CH", "PHYSIQUE-CHIMIE"),
    ("L1400", "TECHN", "TECHNOLOGIE"),
    ("L1900", "EPS", "EDUCATION PHYSIQUE ET SPORTIVE"),
    ("L1700", "EDMUS", "EDUCATION MUSICALE"),
    ("L1800", "A-PLA", "ARTS PLASTIQUES"),
    ("L0100", "PHILO", "PHILOSOPHIE"),
    ("L1100", "SES", "SCIENCES ECONOMIQUES ET SOCIALES"),
];

const PLACE_TIMES: &[(&str, &str)] = &[
    ("08:00", "08:55"),
    ("08:55", "09:50"),
    ("10:05", "11:00"),
    ("11:00", "11:55"),
    ("12:00", "12:55"),
    ("13:05", "14:00"),
    ("14:00", "14:55"),
    ("15:10", "16:05"),
    ("16:05", "17:00"),
    ("17:00", "17:55"),
];

fn civility(p: &Person) -> Option<String> {
    p.sex.map(|s| if s == Sex::M { "M.".into() } else { "Mme".into() })
}

/// The records of the archive, in reading order, and the ids for `truth.json`.
pub fn demo_records(data: &EstablishmentData) -> (Vec<UdtRecord>, Vec<(String, String, String)>) {
    let cal = Calendar::new(data.establishment.school_year);
    let mut ids = Vec::new();
    let last_day = cal.week1 + Duration::weeks(42) + Duration::days(4);
    let mut out = vec![
        UdtRecord::Setting { name: "annee".into(), value: data.establishment.school_year.to_string() },
        UdtRecord::Setting { name: "debut_eleve".into(), value: Calendar::iso(cal.start) },
        UdtRecord::Setting { name: "fin_eleve".into(), value: Calendar::iso(last_day) },
    ];
    out.extend(
        cal.holidays()
            .into_iter()
            .map(|(from, to)| UdtRecord::Closure { start: Some(Calendar::iso(from)), end: Some(Calendar::iso(to)) }),
    );
    let iso_weeks = cal.iso_weeks();
    out.push(UdtRecord::Init {
        first_iso_week: iso_weeks.first().map(u32::to_string),
        sequence_minutes: Some("110".into()),
    });
    out.push(UdtRecord::Weeks { numbers: iso_weeks.iter().map(u32::to_string).collect() });

    let mut rooms: Vec<String> =
        (0..data.divisions.len()).map(|i| format!("{}{:02}", 1 + i / 12, i % 12 + 1)).collect();
    rooms.extend(["LABO 1", "LABO 2", "GYMNASE", "TECHNO", "MUSIQUE", "ARTS PLA"].map(String::from));
    out.extend(rooms.into_iter().map(|r| UdtRecord::Room { code: r.replace(' ', ""), name: r }));

    // Teachers and the staff UDT also lists (no subject), alphabetical.
    let mut profs: Vec<Teacher> = Vec::new();
    for p in &data.people {
        let discipline = p.functions.iter().find_map(|f| f.discipline.as_deref());
        let main_subject = match p.profile {
            Profile::Enseignant => SUBJECT_CODES.iter().find(|s| Some(s.0) == discipline).map(|s| s.1.to_string()),
            Profile::NonEnseignant if p.functions.iter().any(|f| f.code == "EDU" || f.code == "DOC") => None,
            _ => continue,
        };
        let code = digits(&p.id);
        let epj = person_jointure(&p.id);
        ids.push((p.id.clone(), "udt_code".into(), code.clone()));
        ids.push((p.id.clone(), "udt_epj".into(), epj.clone()));
        profs.push(Teacher {
            code: code.clone(),
            last_name: fold_upper(&p.usage_name),
            first_name: p.usual_name().to_string(),
            civility: civility(p),
            birth_date: p.birth_date.clone(),
            epj: Some(epj),
            email: p.email.clone(),
            main_subject,
            id: None,
        });
    }
    profs.push(Teacher {
        code: "V001".into(),
        last_name: "LAMBERT-NOVAK".into(),
        first_name: "Samuel".into(),
        civility: Some("M.".into()),
        birth_date: None,
        epj: None,
        email: None,
        main_subject: Some("SVT".into()),
        id: None,
    });
    profs.sort_by(|a, b| (&a.last_name, &a.first_name, &a.code).cmp(&(&b.last_name, &b.first_name, &b.code)));
    out.extend(profs.into_iter().map(UdtRecord::Teacher));
    out.extend(SUBJECT_CODES.iter().map(|(_, code, label)| UdtRecord::Subject {
        code: code.to_string(),
        label: label.to_string(),
        code_sts: None,
    }));
    for day in 1..=5 {
        for (i, (start, end)) in PLACE_TIMES.iter().enumerate() {
            out.push(UdtRecord::Slot(Slot {
                day: Some(day.to_string()),
                code: Some((i + 1).to_string()),
                site: Some("1".into()),
                start: Some(start.to_string()),
                end: Some(end.to_string()),
            }));
        }
    }
    out.extend(data.divisions.iter().map(|d| {
        UdtRecord::Division(Division {
            code: d.code.clone(),
            name: Some(d.label.clone()),
            code_gep: None,
            code_sts: None,
        })
    }));

    let mut pupils: Vec<&Person> =
        data.people.iter().filter(|p| p.profile == Profile::Eleve && !p.divisions.is_empty()).collect();
    pupils.sort_by(|a, b| (&a.usage_name, a.usual_name(), &a.id).cmp(&(&b.usage_name, b.usual_name(), &b.id)));
    for p in &pupils {
        ids.push((p.id.clone(), "udt_code".into(), digits(&p.id)));
        out.push(UdtRecord::Pupil(Pupil {
            code: digits(&p.id),
            last_name: p.usage_name.clone(),
            first_name: p.usual_name().to_string(),
            birth_date: p.birth_date.clone(),
            division: None,
        }));
    }

    // A group is cut into one `gpe` per division; several divisions are
    // gathered by a `rgpmt` carrying the group's name.
    let mut counters: BTreeMap<&str, usize> = BTreeMap::new();
    let mut gpe_of: HashMap<(&str, &str), String> = HashMap::new();
    let mut groups = Vec::new();
    let mut regroupements = Vec::new();
    for (gi, g) in data.groups.iter().enumerate() {
        for div in &g.divisions {
            let n = counters.entry(div.as_str()).or_default();
            *n += 1;
            let code = n.to_string();
            gpe_of.insert((g.id.as_str(), div.as_str()), code.clone());
            groups.push(UdtRecord::Group(Group {
                code: code.clone(),
                division: div.clone(),
                id: Some((groups.len() + 1).to_string()),
                name: Some(g.name.clone()),
                code_sts: None,
            }));
            if g.divisions.len() > 1 {
                regroupements.push(UdtRecord::Regroupement(Regroupement {
                    code: Some(format!("R{}", gi + 1)),
                    id: Some((regroupements.len() + 1).to_string()),
                    name: Some(g.name.clone()),
                    division: Some(div.clone()),
                    group: Some(code),
                }));
            }
        }
    }
    out.extend(groups);
    out.extend(regroupements);
    let mut groups_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for g in &data.groups {
        for m in &g.members {
            groups_of.entry(m.as_str()).or_default().push(g.id.as_str());
        }
    }
    for p in &pupils {
        let Some(div) = p.divisions.first() else { continue };
        let member = |group: Option<String>| {
            UdtRecord::Membership(Membership {
                pupil: digits(&p.id),
                division: Some(div.clone()),
                group,
                theoretical: Some("1".into()),
            })
        };
        out.push(member(None));
        for g in groups_of.get(p.id.as_str()).map(Vec::as_slice).unwrap_or_default() {
            if let Some(code) = gpe_of.get(&(*g, div.as_str())) {
                out.push(member(Some(code.clone())));
            }
        }
    }
    (out, ids)
}

/// `UDT_<UAI>.zip`.
pub fn demo_files(data: &EstablishmentData) -> DemoFiles {
    let (records, ids) = demo_records(data);
    DemoFiles { files: vec![(format!("UDT_{}.zip", data.establishment.uai), write(&records))], ids }
}
