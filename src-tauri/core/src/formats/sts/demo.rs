//! The demo establishment's `sts_emp_<UAI>_<ANNEE>.xml`: its teachers and
//! other Éducation nationale staff (the collectivité's agents are not in
//! STS), divisions and groups with the services the timetable gives them.
//! Every identifier derives from `Person.id`, so a teacher attached to two
//! establishments keeps one `INDIVIDU@ID`.

use std::collections::BTreeMap;

use super::{
    write, Civilite, Discipline, Division, Enseignant, Groupe, Individu, Matiere, Mef, Parametres, ProfPrinc, Service,
    StsRecord,
};
use crate::formats::DemoFiles;
use crate::model::{EstablishmentData, EstablishmentKind, Function, Person, Profile, Sex};

/// A subject of the BCN « matière enseignée » nomenclature and the
/// discipline de poste of those who teach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub code: &'static str,
    pub gestion: &'static str,
    pub court: &'static str,
    pub long: &'static str,
    pub edition: &'static str,
    pub discipline: &'static str,
}

const fn s(
    code: &'static str,
    gestion: &'static str,
    court: &'static str,
    long: &'static str,
    edition: &'static str,
    discipline: &'static str,
) -> Subject {
    Subject { code, gestion, court, long, edition, discipline }
}

/// Codes and CODE_GESTION from the BCN table entcore ships
/// (`n_matiere_enseignee.json`); the first subject of a discipline is its
/// main one.
pub const SUBJECTS: &[Subject] = &[
    s("020700", "FRANC", "FRANCAIS", "FRANCAIS", "Français", "L0202"),
    s("061300", "MATHS", "MATHEMATIQUES", "MATHEMATIQUES", "Mathématiques", "L1300"),
    s("030201", "AGL1", "ANGLAIS LV1", "ANGLAIS LV1", "Anglais LV1", "L0422"),
    s("030602", "ESP2", "ESPAGNOL LV2", "ESPAGNOL LV2", "Espagnol LV2", "L0426"),
    s("030102", "ALL2", "ALLEMAND LV2", "ALLEMAND LV2", "Allemand LV2", "L0421"),
    s("030902", "ITA2", "ITALIEN LV2", "ITALIEN LV2", "Italien LV2", "L0429"),
    s("040600", "HIGEO", "HISTOIRE-GEOGRAPHIE", "HISTOIRE-GEOGRAPHIE", "Histoire-géographie", "L1000"),
    s(
        "062900",
        "SVT",
        "SC. VIE & TERRE",
        "SCIENCES DE LA VIE ET DE LA TERRE",
        "Sciences de la vie et de la Terre",
        "L1600",
    ),
    s("062300", "PH-CH", "PHYSIQUE-CHIMIE", "PHYSIQUE-CHIMIE", "Physique-chimie", "L1500"),
    s("070800", "TECHN", "TECHNOLOGIE", "TECHNOLOGIE", "Technologie", "L1400"),
    s(
        "100100",
        "EPS",
        "ED.PHYSIQUE & SPORT.",
        "EDUCATION PHYSIQUE ET SPORTIVE",
        "Éducation physique et sportive",
        "L1900",
    ),
    s("081300", "EDMUS", "EDUCATION MUSICALE", "EDUCATION MUSICALE", "Éducation musicale", "L1700"),
    s("090100", "A-PLA", "ARTS PLASTIQUES", "ARTS PLASTIQUES", "Arts plastiques", "L1800"),
    s("010300", "PHILO", "PHILOSOPHIE", "PHILOSOPHIE", "Philosophie", "L0100"),
    s(
        "050700",
        "SES",
        "SC. ECONO.& SOCIALES",
        "SCIENCES ECONOMIQUES ET SOCIALES",
        "Sciences économiques et sociales",
        "L1100",
    ),
    s("020100", "LATIN", "LATIN", "LATIN", "Latin", "L0201"),
    s("043900", "HGGSP", "HIST.GEO.GEOPOL.S.P.", "HIST.-GEO. GEOPOLITIQUE & SC. POLITIQUES", "HGGSP", "L1000"),
    s("010500", "HLPHI", "HUMANITES LITT.PHILO", "HUMANITES, LITTERATURE ET PHILOSOPHIE", "HLP", "L0100"),
    s("074700", "NSINF", "NUMERIQUE SC.INFORM.", "NUMERIQUE ET SCIENCES INFORMATIQUES", "NSI", "L1300"),
];

/// The main subject taught under a discipline de poste.
pub fn subject_for_discipline(discipline: &str) -> Option<&'static Subject> {
    SUBJECTS.iter().find(|s| s.discipline == discipline)
}

fn subject(code: &str) -> Option<&'static Subject> {
    SUBJECTS.iter().find(|s| s.code == code)
}

/// `INDIVIDU@ID` of a person: the digits of `Person.id` (`STS482913` →
/// `482913`), or a stable hash when it has none.
pub fn individu_id(person_id: &str) -> String {
    let digits: String = person_id.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        // FNV-1a: stable across platforms and releases.
        let h =
            person_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        format!("{}", 1_000_000 + h % 9_000_000)
    } else {
        digits
    }
}

/// The subject a demo group is taught (from its name: `1RE SPE MATHS1`,
/// `5ABC ESP`, `2DE ITA1`, `LAT4`, `6A GR1`).
fn group_subject(name: &str) -> Option<&'static Subject> {
    let trim = |t: &str| t.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
    let code = if let Some((_, spe)) = name.split_once(" SPE ") {
        match trim(spe).as_str() {
            "MATHS" => "061300",
            "PC" => "062300",
            "SVT" => "062900",
            "SES" => "050700",
            "HGGSP" => "043900",
            "HLP" => "010500",
            // LLCER's own code was not found in the BCN copy: taught as English.
            "LLCER" => "030201",
            "NSI" => "074700",
            _ => return None,
        }
    } else if name.starts_with("LAT") {
        "020100"
    } else {
        match trim(name.rsplit(' ').next().unwrap_or("")).as_str() {
            "ESP" => "030602",
            "ALL" => "030102",
            "ITA" => "030902",
            // Demi-classes: sciences in half groups.
            "GR" => "062900",
            _ => return None,
        }
    };
    subject(code)
}

fn staff(data: &EstablishmentData) -> Vec<&Person> {
    data.people.iter().filter(|p| matches!(p.profile, Profile::Enseignant | Profile::NonEnseignant)).collect()
}

/// The records of the demo establishment's `sts_emp`, in file order.
pub fn demo_records(data: &EstablishmentData) -> Vec<StsRecord> {
    let staff = staff(data);
    let year = data.establishment.school_year;
    let mut out = vec![StsRecord::Parametres(parametres(data))];

    let teachers: Vec<&Person> = staff.iter().copied().filter(|p| p.profile == Profile::Enseignant).collect();
    let subject_of =
        |p: &Person| p.functions.first().and_then(|f| f.discipline.as_deref()).and_then(subject_for_discipline);
    let mut used: Vec<&str> = teachers.iter().filter_map(|p| subject_of(p).map(|s| s.code)).collect();
    used.extend(data.groups.iter().filter_map(|g| group_subject(&g.name).map(|s| s.code)));
    for sub in SUBJECTS.iter().filter(|s| used.contains(&s.code)) {
        out.push(StsRecord::Matiere(Matiere {
            code: sub.code.into(),
            code_gestion: Some(sub.gestion.into()),
            libelle_court: Some(sub.court.into()),
            libelle_long: Some(sub.long.into()),
            libelle_edition: Some(sub.edition.into()),
        }));
    }
    for (code, court, long) in [("1", "M.", "MONSIEUR"), ("2", "MME", "MADAME")] {
        out.push(StsRecord::Civilite(Civilite {
            code: code.into(),
            libelle_court: Some(court.into()),
            libelle_long: Some(long.into()),
        }));
    }
    for l in &data.levels {
        out.push(StsRecord::Mef(Mef {
            code: l.mef.clone(),
            formation: Some(l.code.to_uppercase()),
            libelle_long: Some(l.label.clone()),
            libelle_edition: None,
        }));
    }

    // Professeur principal: per division, the first of its teachers not yet one.
    let mut pp: BTreeMap<&str, &str> = BTreeMap::new();
    for d in &data.divisions {
        if let Some(t) = teachers.iter().find(|t| t.divisions.contains(&d.code) && !pp.contains_key(t.id.as_str())) {
            pp.insert(t.id.as_str(), d.code.as_str());
        }
    }
    let last_teacher = teachers.iter().map(|t| t.id.as_str()).max();
    let mut dir_given = false;
    let mut kinds: BTreeMap<&str, &'static str> = BTreeMap::new();
    for p in &staff {
        let f = p.functions.first();
        let n: u64 = individu_id(&p.id).parse().unwrap_or(0);
        let kind = if !dir_given && f.is_some_and(|f| f.discipline.as_deref() == Some("D0010")) {
            dir_given = true;
            "dir"
        } else if p.profile == Profile::Enseignant && (n % 31 == 7 || Some(p.id.as_str()) == last_teacher) {
            "local"
        } else {
            "epp"
        };
        kinds.insert(p.id.as_str(), kind);
        let profs_principaux = pp
            .get(p.id.as_str())
            .map(|d| ProfPrinc {
                code_structure: (*d).to_string(),
                date_debut: Some(format!("{year}-09-01")),
                date_fin: Some(format!("{}-07-04", year + 1)),
            })
            .into_iter()
            .collect();
        out.push(StsRecord::Individu(individu(p, kind, n, profs_principaux)));
    }

    let enseignant =
        |p: &Person| Enseignant { id: individu_id(&p.id), kind: kinds.get(p.id.as_str()).map(|k| (*k).to_string()) };
    let pupils: Vec<&Person> = data.people.iter().filter(|p| p.profile == Profile::Eleve && !p.left).collect();
    let mef_of = |division: &str| {
        let level = data.divisions.iter().find(|d| d.code == division).map(|d| d.level.as_str());
        data.levels.iter().find(|l| Some(l.code.as_str()) == level).map(|l| l.mef.clone())
    };
    for d in &data.divisions {
        let mut services: Vec<Service> = Vec::new();
        for t in teachers.iter().filter(|t| t.divisions.contains(&d.code)) {
            let Some(sub) = subject_of(t) else { continue };
            match services.iter_mut().find(|s| s.code_matiere == sub.code) {
                Some(s) => s.enseignants.push(enseignant(t)),
                None => services.push(Service {
                    code_matiere: sub.code.into(),
                    code_mod_cours: Some("CG".into()),
                    enseignants: vec![enseignant(t)],
                }),
            }
        }
        let effectif = pupils.iter().filter(|p| p.divisions.first() == Some(&d.code)).count();
        out.push(StsRecord::Division(Division {
            code: d.code.clone(),
            libelle_long: Some(d.label.clone()),
            effectif_prevu: Some(effectif.to_string()),
            mefs: mef_of(&d.code).into_iter().collect(),
            services,
        }));
    }
    for g in &data.groups {
        let mut mefs: Vec<String> = Vec::new();
        for m in g.divisions.iter().filter_map(|d| mef_of(d)) {
            if !mefs.contains(&m) {
                mefs.push(m);
            }
        }
        let services = group_subject(&g.name)
            .map(|sub| {
                let of_subject: Vec<&&Person> =
                    teachers.iter().filter(|t| subject_of(t).is_some_and(|s| s.discipline == sub.discipline)).collect();
                // The colleague already teaching the group's first class, else the first one.
                let teacher = of_subject
                    .iter()
                    .find(|t| g.divisions.first().is_some_and(|d| t.divisions.contains(d)))
                    .or(of_subject.first());
                Service {
                    code_matiere: sub.code.into(),
                    code_mod_cours: Some("CG".into()),
                    enseignants: teacher.map(|t| enseignant(t)).into_iter().collect(),
                }
            })
            .into_iter()
            .collect();
        out.push(StsRecord::Groupe(Groupe {
            // The group's code as SIECLE Structures gives it.
            code: g.name.clone(),
            libelle_long: Some(g.name.clone()),
            effectif_prevu: Some(g.members.len().to_string()),
            divisions: g.divisions.clone(),
            mefs,
            services,
        }));
    }
    out
}

fn parametres(data: &EstablishmentData) -> Parametres {
    let e = &data.establishment;
    let (sigle, princ, nature) = match e.kind {
        EstablishmentKind::College => ("CLG", "COLLEGE", "340"),
        EstablishmentKind::Lycee => ("LGT", "LYCEE GENERAL ET TECHNOLOGIQUE", "300"),
    };
    let compl = e.name.split_once(' ').map_or(e.name.as_str(), |(_, rest)| rest).to_uppercase();
    Parametres {
        uai: e.uai.to_string(),
        // A fictional academy for a fictional establishment.
        academie_code: Some("99".into()),
        academie_libelle: Some("DEMO".into()),
        sigle: Some(sigle.into()),
        denom_princ: Some(princ.into()),
        denom_compl: Some(compl),
        code_nature: Some(nature.into()),
        commune: Some(e.city.to_uppercase()),
        statut: Some("PU".into()),
        annee: Some(e.school_year.to_string()),
        date_debut: Some(format!("{}-09-01", e.school_year)),
        date_fin: Some(format!("{}-08-31", e.school_year + 1)),
        ..Parametres::default()
    }
}

fn grade(f: &Function, n: u64) -> Option<&'static str> {
    Some(match f.code.as_str() {
        "ENS" if f.discipline.as_deref() == Some("L1900") => "PROF. EPS",
        "ENS" if n.is_multiple_of(5) => "AGREGE",
        "ENS" | "DOC" => "CERTIFIE",
        "DIR" => "PERDIR",
        "EDU" => "CPE",
        "AED" => "AED",
        "ADF" if n.is_multiple_of(2) => "SAENES",
        "ADF" => "ADJAENES",
        "MDS" if f.discipline.is_some() => "ASS. SERV. SOCIAL",
        "MDS" => "INFIRMIER",
        "ORI" => "PSY-EN",
        "LAB" => "TECH. LABO",
        _ => return None,
    })
}

fn individu(p: &Person, kind: &str, n: u64, profs_principaux: Vec<ProfPrinc>) -> Individu {
    let f = p.functions.first();
    let local = kind == "local";
    let hours = |f: &Function| match grade(f, n) {
        Some("AGREGE") => "15",
        Some("PROF. EPS") => "20",
        _ => "18",
    };
    let disciplines = p
        .functions
        .iter()
        .filter_map(|f| {
            let code = f.discipline.as_deref().filter(|d| *d != "-")?;
            Some(Discipline {
                code: code.to_string(),
                libelle_court: Some(f.label.clone()),
                nb_heures: (f.code == "ENS").then(|| hours(f).to_string()),
            })
        })
        .collect();
    let sex_code = p.sex.map(|s| if s == Sex::M { "1" } else { "2" }.to_string());
    // Locally entered people often lack civil-status details and fonction.
    Individu {
        id: individu_id(&p.id),
        kind: Some(kind.to_string()),
        sexe: sex_code.clone().filter(|_| !local),
        civilite: sex_code,
        nom_usage: p.usage_name.clone(),
        nom_patronymique: Some(p.birth_name.clone()).filter(|n| !local && !n.is_empty()),
        prenom: Some(p.usual_name().to_string()).filter(|n| !n.is_empty()),
        date_naissance: p.birth_date.clone().filter(|_| !local),
        grade: f.and_then(|f| grade(f, n)).filter(|_| !local).map(str::to_string),
        fonction: f.map(|f| f.code.clone()).filter(|_| !local),
        profs_principaux,
        disciplines,
    }
}

/// `sts_emp_<UAI>_<ANNEE>.xml` for the demo establishment, and each staff
/// member's `INDIVIDU@ID` (`sts_individu_id`).
pub fn demo_files(data: &EstablishmentData) -> DemoFiles {
    let e = &data.establishment;
    let name = format!("sts_emp_{}_{}.xml", e.uai, e.school_year);
    let ids = staff(data).iter().map(|p| (p.id.clone(), "sts_individu_id".to_string(), individu_id(&p.id))).collect();
    DemoFiles { files: vec![(name, write(&demo_records(data)))], ids }
}
