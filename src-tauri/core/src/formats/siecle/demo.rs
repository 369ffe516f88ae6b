//! The demo establishment as SIECLE would export it. Every identifier is
//! derived from `Person.id` (never from random state) so that the other
//! formats' writers can call `eleve_id`/`personne_id` and agree.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use super::super::{DemoFiles, FileHeader, Format};
use super::{
    write, Adresse, Division, Eleve, Groupe, Matiere, Mef, Personne, ResponsableEleve, SiecleRecord, StructureKind,
    StructureRef, StructuresEleve,
};
use crate::model::{EstablishmentData, GroupKind, Level, Person, Profile, ResponsibilityLevel, Sex};

/// Which RESPONSABLE_ELEVE layout to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponsablesLayout {
    /// Since 30/03/2018: `NIVEAU_RESPONSABILITE` 1/2/3 and `PAIE_FRAIS_SCOLAIRES`.
    Niveau,
    /// Before: `RESP_LEGAL` 1/2/0, `RESP_FINANCIER`, `PERS_PAIMENT`, `PERS_CONTACT`.
    RespLegal,
}

/// SIECLE `ELEVE_ID` of a pupil: the digits of its id (`ELV482913` → `482913`).
pub fn eleve_id(person_id: &str) -> String {
    numeric(person_id)
}

/// SIECLE `PERSONNE_ID` of a responsable: the digits of its id.
pub fn personne_id(person_id: &str) -> String {
    numeric(person_id)
}

/// SIECLE `ELENOET` of a pupil: a bijection of the (6-digit) id, so that it
/// differs from `ELEVE_ID` yet stays unique.
pub fn elenoet(person_id: &str) -> String {
    let digits = numeric(person_id);
    let tail = digits.get(digits.len().saturating_sub(6)..).unwrap_or("");
    let n: u64 = tail.parse().unwrap_or(0);
    format!("{:06}", (n * 7919 + 4243) % 1_000_000)
}

/// The digits of an id; a stable hash for an id without any.
fn numeric(id: &str) -> String {
    let digits: String = id.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        format!("{:09}", hash(id, "") % 1_000_000_000)
    } else {
        digits
    }
}

/// FNV-1a: stable across platforms and releases, unlike `DefaultHasher`.
fn hash(s: &str, salt: &str) -> u64 {
    salt.bytes()
        .chain([0])
        .chain(s.bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The demo exports' header: the establishment, its year, a fixed export time.
pub fn demo_header(data: &EstablishmentData, format: Format) -> FileHeader {
    let version = match format {
        Format::SiecleStructures => "2.0",
        _ => "3.1",
    };
    FileHeader {
        uai: Some(data.establishment.uai.to_string()),
        school_year: Some(data.establishment.school_year),
        exported_at: Some(format!("28/09/{} 17:42:07", data.establishment.school_year)),
        software: None,
        version: Some(version.to_string()),
    }
}

/// The records of one BEE file for the demo establishment.
pub fn demo_records(data: &EstablishmentData, format: Format, layout: ResponsablesLayout) -> Vec<SiecleRecord> {
    match format {
        Format::SiecleEleves => eleves(data),
        Format::SiecleResponsables => responsables(data, layout),
        Format::SiecleStructures => structures(data),
        Format::SiecleNomenclature => nomenclature(data),
        _ => Vec::new(),
    }
}

/// `ResponsablesAvecAdresses.xml` in the layout used before 2018 (`RESP_LEGAL`).
pub fn write_responsables_legacy(data: &EstablishmentData) -> Vec<u8> {
    let mut header = demo_header(data, Format::SiecleResponsables);
    header.version = Some("2.1".to_string());
    write(
        Format::SiecleResponsables,
        &header,
        &demo_records(data, Format::SiecleResponsables, ResponsablesLayout::RespLegal),
    )
}

/// The demo establishment's SIECLE files, plain and zipped as secretaries
/// receive them, with the SIECLE identifiers of every pupil and responsable.
pub fn demo_files(data: &EstablishmentData) -> DemoFiles {
    let file = |format: Format| {
        write(format, &demo_header(data, format), &demo_records(data, format, ResponsablesLayout::Niveau))
    };
    let eleves = file(Format::SiecleEleves);
    let responsables = file(Format::SiecleResponsables);
    let year = u16::try_from(data.establishment.school_year).unwrap_or(2026);
    let mut files = vec![
        ("ElevesSansAdresses.xml".to_string(), eleves.clone()),
        ("ResponsablesAvecAdresses.xml".to_string(), responsables.clone()),
        ("Structures.xml".to_string(), file(Format::SiecleStructures)),
        ("Nomenclature.xml".to_string(), file(Format::SiecleNomenclature)),
    ];
    if let Some(zip) = zipped("ElevesSansAdresses.xml", &eleves, year) {
        files.push(("ExportXML_ElevesSansAdresses.zip".to_string(), zip));
    }
    if let Some(zip) = zipped("ResponsablesAvecAdresses.xml", &responsables, year) {
        files.push(("ResponsablesAvecAdresses.zip".to_string(), zip));
    }
    let mut ids = Vec::new();
    for p in &data.people {
        match p.profile {
            Profile::Eleve => {
                ids.push((p.id.clone(), "siecle_eleve_id".to_string(), eleve_id(&p.id)));
                ids.push((p.id.clone(), "siecle_elenoet".to_string(), elenoet(&p.id)));
            }
            Profile::Responsable => ids.push((p.id.clone(), "siecle_personne_id".to_string(), personne_id(&p.id))),
            _ => {}
        }
    }
    DemoFiles { files, ids }
}

/// A one-entry deflated ZIP dated like the export (deterministic bytes).
fn zipped(name: &str, bytes: &[u8], year: u16) -> Option<Vec<u8>> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let mut opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    if let Ok(t) = zip::DateTime::from_date_and_time(year, 9, 28, 17, 42, 6) {
        opts = opts.last_modified_time(t);
    }
    zip.start_file(name, opts).ok()?;
    zip.write_all(bytes).ok()?;
    zip.finish().ok()?;
    Some(buf.into_inner())
}

fn some(s: &str) -> Option<String> {
    Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Each pupil's level: from the division, else (pupils not yet in a class)
/// the level whose pupils are mostly born the same year.
fn pupil_levels(data: &EstablishmentData) -> HashMap<&str, &Level> {
    let level_of_div: HashMap<&str, &Level> = data
        .divisions
        .iter()
        .filter_map(|d| Some((d.code.as_str(), data.levels.iter().find(|l| l.code == d.level)?)))
        .collect();
    let year = |p: &Person| p.birth_date.as_deref().and_then(|d| d.get(..4)).and_then(|y| y.parse::<i32>().ok());
    let mut years: BTreeMap<&str, BTreeMap<i32, usize>> = BTreeMap::new();
    let mut out = HashMap::new();
    for p in data.people.iter().filter(|p| p.profile == Profile::Eleve) {
        if let Some(level) = p.divisions.first().and_then(|d| level_of_div.get(d.as_str())) {
            out.insert(p.id.as_str(), *level);
            if let Some(y) = year(p) {
                *years.entry(level.code.as_str()).or_default().entry(y).or_default() += 1;
            }
        }
    }
    let modal: Vec<(&Level, i32)> = data
        .levels
        .iter()
        .filter_map(|l| {
            let (y, _) = years.get(l.code.as_str())?.iter().max_by_key(|(y, n)| (**n, -**y))?;
            Some((l, *y))
        })
        .collect();
    let unplaced: Vec<&Person> =
        data.people.iter().filter(|p| p.profile == Profile::Eleve && !out.contains_key(p.id.as_str())).collect();
    for p in unplaced {
        let Some(y) = year(p) else { continue };
        if let Some((l, _)) = modal.iter().min_by_key(|(l, m)| ((m - y).abs(), l.rank)) {
            out.insert(p.id.as_str(), *l);
        }
    }
    out
}

fn eleves(data: &EstablishmentData) -> Vec<SiecleRecord> {
    let year = data.establishment.school_year;
    let levels = pupil_levels(data);
    let mut groups: HashMap<&str, Vec<&str>> = HashMap::new();
    for g in data.groups.iter().filter(|g| g.kind == GroupKind::Enseignement) {
        for m in &g.members {
            groups.entry(m.as_str()).or_default().push(g.name.as_str());
        }
    }
    let pupils: Vec<&Person> = data.people.iter().filter(|p| p.profile == Profile::Eleve).collect();
    let mut out = Vec::new();
    let mut structures = Vec::new();
    for p in &pupils {
        let level = levels.get(p.id.as_str());
        let h = hash(&p.id, "siecle-eleve");
        let ine = p.ine.clone();
        // Ten digits + key letter is the BEA shape; nine digits + two letters the RNIE one.
        let rnie = ine.as_deref().is_some_and(|i| i.bytes().rev().take(2).all(|b| b.is_ascii_alphabetic()));
        let given = |i: usize| p.given_names.get(i).and_then(|g| some(g));
        // Entered at the rentrée of the pupil's first year here.
        let entry_year = year - level.map_or(0, |l| i32::try_from(l.rank).unwrap_or(1) - 1);
        let (date_sortie, motif) = if p.left {
            // Left between the rentrée and the export (28/09); motif codes are illustrative.
            (Some(format!("{year}-09-{:02}", 3 + h % 23)), Some(["01", "02", "03", "05"][(h >> 8) as usize % 4]))
        } else {
            (None, None)
        };
        out.push(SiecleRecord::Eleve(Eleve {
            eleve_id: eleve_id(&p.id),
            elenoet: Some(elenoet(&p.id)),
            ine: ine.clone(),
            ine_bea: ine.clone().filter(|_| !rnie),
            ine_rnie: ine.filter(|_| rnie),
            id_eleve_etab: None,
            nom: None,
            nom_de_famille: some(&p.birth_name),
            nom_usage: some(&p.usage_name).filter(|u| *u != p.birth_name),
            prenom: given(0).unwrap_or_default(),
            prenom2: given(1),
            prenom3: given(2),
            code_sexe: p.sex.map(|s| if s == Sex::M { "1" } else { "2" }.to_string()),
            date_naiss: p.birth_date.clone(),
            doublement: None,
            code_pays: some("100"),
            code_departement_naiss: None,
            code_commune_insee_naiss: None,
            ville_naiss: None,
            mel: p.email.clone(),
            date_sortie,
            code_regime: None,
            date_entree: Some(format!("{entry_year}-09-01")),
            code_motif_sortie: motif.map(str::to_string),
            code_mef: level.map(|l| l.mef.clone()),
            code_statut: some("ST"),
            scolarite_an_dernier: None,
        }));
        let mut refs: Vec<StructureRef> = p
            .divisions
            .iter()
            .map(|d| StructureRef { code_structure: d.clone(), type_structure: StructureKind::Division })
            .collect();
        // Half the leavers without a class sit in SIECLE's pseudo-division.
        if p.left && refs.is_empty() && h.is_multiple_of(2) {
            refs.push(StructureRef { code_structure: "Inactifs".to_string(), type_structure: StructureKind::Division });
        }
        for g in groups.get(p.id.as_str()).into_iter().flatten() {
            refs.push(StructureRef { code_structure: g.to_string(), type_structure: StructureKind::Groupe });
        }
        if !refs.is_empty() {
            structures.push(SiecleRecord::Structures(StructuresEleve {
                eleve_id: eleve_id(&p.id),
                elenoet: Some(elenoet(&p.id)),
                structures: refs,
            }));
        }
    }
    out.extend(structures);
    out
}

const STREETS: &[&str] = &[
    "rue des Lilas",
    "avenue Jean-Jaurès",
    "chemin de la Fontaine",
    "place de l'Église",
    "allée des Érables",
    "rue du Général-de-Gaulle",
    "impasse des Cœurs-Vaillants",
    "boulevard Émile-Zola",
    "route de Saint-Étienne",
    "rue Pasteur",
];

/// Household address ids: legal representatives of exactly the same pupils
/// share one (siblings' parents included), except separated couples (about
/// one in seven); everyone else has their own.
fn address_ids(data: &EstablishmentData) -> HashMap<&str, String> {
    let mut children: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut legal: BTreeSet<&str> = BTreeSet::new();
    for r in &data.responsibilities {
        children.entry(r.responsable_id.as_str()).or_default().insert(r.pupil_id.as_str());
        if r.level == ResponsibilityLevel::Legal {
            legal.insert(r.responsable_id.as_str());
        }
    }
    let mut households: BTreeMap<String, String> = BTreeMap::new();
    let mut out = HashMap::new();
    for p in data.people.iter().filter(|p| p.profile == Profile::Responsable) {
        let kids: Vec<&str> = children.get(p.id.as_str()).map(|k| k.iter().copied().collect()).unwrap_or_default();
        let key = kids.join(",");
        let shared = legal.contains(p.id.as_str()) && !kids.is_empty() && !hash(&key, "separated").is_multiple_of(7);
        let id = if shared {
            households.entry(key).or_insert_with(|| personne_id(&p.id)).clone()
        } else {
            personne_id(&p.id)
        };
        out.insert(p.id.as_str(), id);
    }
    out
}

fn adresse(id: &str, data: &EstablishmentData) -> Adresse {
    let h = hash(id, "adresse");
    let street = STREETS.get(h as usize % STREETS.len()).copied().unwrap_or("rue Pasteur");
    let number = 1 + (h >> 8) % 120;
    let mut a = Adresse {
        adresse_id: id.to_string(),
        ligne1_adresse: Some(format!("{number} {street}")),
        ligne2_adresse: (h >> 16)
            .is_multiple_of(9)
            .then(|| format!("Bâtiment {}", ["A", "B", "C"][(h >> 20) as usize % 3])),
        ligne3_adresse: None,
        ligne4_adresse: None,
        // Postal codes in 99xxx do not exist: clearly fictional, like the UAIs.
        code_postal: Some(format!("99{:03}", hash(&data.establishment.city, "cp") % 1000)),
        libelle_postal: Some(postal_label(&data.establishment.city)),
        code_departement: some("099"),
        code_pays: some("100"),
        ll_pays: some("FRANCE"),
        commune_etrangere: None,
    };
    if (h >> 24).is_multiple_of(150) {
        a.ligne1_adresse = Some(format!("{number} rue du Rhône"));
        a.code_postal = None;
        a.libelle_postal = None;
        a.code_departement = None;
        a.code_pays = some("140");
        a.ll_pays = some("SUISSE");
        a.commune_etrangere = some("GENÈVE");
    }
    a
}

/// La Poste's label: upper case, no accents, hyphens and apostrophes as spaces.
fn postal_label(city: &str) -> String {
    city.chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' => 'A',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' => 'E',
            'î' | 'ï' | 'Î' => 'I',
            'ô' | 'ö' | 'Ô' => 'O',
            'ù' | 'û' | 'ü' | 'Û' => 'U',
            'ç' | 'Ç' => 'C',
            '-' | '\'' | '’' => ' ',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

fn responsables(data: &EstablishmentData, layout: ResponsablesLayout) -> Vec<SiecleRecord> {
    let addresses = address_ids(data);
    let mut out = Vec::new();
    let mut written = BTreeSet::new();
    let mut adresses = Vec::new();
    for p in data.people.iter().filter(|p| p.profile == Profile::Responsable) {
        let adresse_id = addresses.get(p.id.as_str()).cloned().unwrap_or_else(|| personne_id(&p.id));
        if written.insert(adresse_id.clone()) {
            adresses.push(SiecleRecord::Adresse(adresse(&adresse_id, data)));
        }
        let (lc, ll) = match p.sex {
            Some(Sex::M) => (Some("M."), Some("Monsieur")),
            Some(Sex::F) => (Some("MME"), Some("Madame")),
            None => (None, None),
        };
        out.push(SiecleRecord::Personne(Personne {
            personne_id: personne_id(&p.id),
            nom: None,
            nom_de_famille: some(&p.birth_name),
            nom_usage: some(&p.usage_name).filter(|u| *u != p.birth_name),
            prenom: p.given_names.first().and_then(|g| some(g)),
            lc_civilite: lc.map(str::to_string),
            ll_civilite: ll.map(str::to_string),
            tel_personnel: None,
            tel_portable: p.mobile.clone(),
            tel_professionnel: None,
            mel: p.email.clone(),
            accepte_sms: Some(if p.mobile.is_some() { "1" } else { "0" }.to_string()),
            adresse_id: Some(adresse_id),
            code_profession: None,
            communication_adresse: None,
        }));
    }
    // Legal representatives in link order: the first pays the fees (rank 1).
    let mut legal_rank: HashMap<&str, u8> = HashMap::new();
    for r in &data.responsibilities {
        let rank = (r.level == ResponsibilityLevel::Legal).then(|| {
            let n = legal_rank.entry(r.pupil_id.as_str()).or_insert(0);
            *n += 1;
            *n
        });
        let flag = |b: bool| Some(if b { "1" } else { "0" }.to_string());
        let (resp_legal, niveau, resp_financier, paie, pers_paiment, pers_contact) = match layout {
            ResponsablesLayout::Niveau => {
                let niveau = match r.level {
                    ResponsibilityLevel::Legal => "1",
                    ResponsibilityLevel::InCharge => "2",
                    ResponsibilityLevel::Contact => "3",
                };
                (None, Some(niveau.to_string()), None, flag(rank == Some(1)), None, None)
            }
            ResponsablesLayout::RespLegal => {
                let legal = match rank {
                    Some(n @ (1 | 2)) => n.to_string(),
                    _ => "0".to_string(),
                };
                let first = rank == Some(1);
                let contact = r.level == ResponsibilityLevel::Contact;
                (Some(legal), None, flag(first), None, flag(first), flag(contact))
            }
        };
        out.push(SiecleRecord::Responsable(ResponsableEleve {
            eleve_id: eleve_id(&r.pupil_id),
            personne_id: personne_id(&r.responsable_id),
            resp_legal,
            niveau_responsabilite: niveau,
            code_parente: some(&r.relationship),
            resp_financier,
            paie_frais_scolaires: paie,
            pers_paiment,
            pers_contact,
        }));
    }
    out.extend(adresses);
    out
}

fn structures(data: &EstablishmentData) -> Vec<SiecleRecord> {
    let mef_of = |level: &str| data.levels.iter().find(|l| l.code == level).map(|l| l.mef.clone());
    let mut out: Vec<SiecleRecord> = data
        .divisions
        .iter()
        .map(|d| {
            SiecleRecord::Division(Division {
                code_structure: d.code.clone(),
                libelle_long: some(&d.label),
                mefs: mef_of(&d.level).into_iter().collect(),
            })
        })
        .collect();
    for g in data.groups.iter().filter(|g| g.kind == GroupKind::Enseignement) {
        let mut mefs: Vec<String> = Vec::new();
        for d in data.divisions.iter().filter(|d| g.divisions.contains(&d.code)) {
            if let Some(m) = mef_of(&d.level).filter(|m| !mefs.contains(m)) {
                mefs.push(m);
            }
        }
        out.push(SiecleRecord::Groupe(Groupe {
            code_structure: g.name.clone(),
            libelle_long: some(&g.name),
            divisions: g.divisions.clone(),
            mefs,
        }));
    }
    out
}

/// A few common subjects (BCN codes as usually seen; illustrative for the demo).
const MATIERES: &[(&str, &str, &str, &str)] = &[
    ("020700", "FRANC", "FRANCAIS", "Français"),
    ("061300", "MATHS", "MATHEMATIQUES", "Mathématiques"),
    ("030201", "AGL1", "ANGLAIS LV1", "Anglais LV1"),
    ("030102", "ALL2", "ALLEMAND LV2", "Allemand LV2"),
    ("030602", "ESP2", "ESPAGNOL LV2", "Espagnol LV2"),
    ("040600", "HIGEO", "HISTOIRE-GEOGRAPHIE", "Histoire-géographie"),
    ("062900", "SVT", "SCIENCES VIE & TERRE", "Sciences de la vie et de la Terre"),
    ("100100", "EPS", "ED.PHYSIQUE & SPORT.", "Éducation physique et sportive"),
];

fn nomenclature(data: &EstablishmentData) -> Vec<SiecleRecord> {
    let mut out: Vec<SiecleRecord> = data
        .levels
        .iter()
        .map(|l| {
            let mut chars = l.label.chars();
            let edition: String =
                chars.next().into_iter().chain(chars.flat_map(char::to_lowercase)).collect::<String>();
            SiecleRecord::Mef(Mef {
                code_mef: l.mef.clone(),
                formation: some(&l.label),
                libelle_long: some(&l.label),
                libelle_edition: some(&edition),
                code_mefstat: None,
                mef_rattachement: some(&l.mef),
            })
        })
        .collect();
    out.extend(MATIERES.iter().map(|(code, gestion, long, edition)| {
        SiecleRecord::Matiere(Matiere {
            code_matiere: code.to_string(),
            code_gestion: some(gestion),
            libelle_court: some(long),
            libelle_long: some(long),
            libelle_edition: some(edition),
        })
    }));
    out
}
