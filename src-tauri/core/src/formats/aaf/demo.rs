//! The demo establishment's AAF feed: a Complet export per category
//! (chunked above `CHUNK_BYTES`) dated the 1st of September of the school
//! year, and a Delta of the 15th with a few departures and class changes.
//! Complet + Delta gives the demo's truth: the five pupils whose class
//! changes appear in the Complet in their former class, without groups.
//!
//! Identifiers derive from `Person.id` (see `person_jointure`,
//! `eleve_struct_rattach_id`), teaching assignments from the STS demo
//! records, so that every format of the demo tells the same story.

use std::collections::BTreeMap;

use super::{write_chunks, AafAttribute, AafCategory, AafRequest, PersRelEleve, RequestKind, CHUNK_BYTES, VERSION};
use crate::formats::sts::{self, StsRecord};
use crate::formats::DemoFiles;
use crate::model::{EstablishmentData, EstablishmentKind, Person, Profile, ResponsibilityLevel, Sex};

/// How many departed pupils the Delta deletes and how many change class.
const DEPARTURES: usize = 3;
const CLASS_CHANGES: usize = 5;

/// The Complet export's date (`AAAAMMJJ`): the 1st of September of the school year.
pub fn export_date(school_year: i32) -> String {
    format!("{school_year}0901")
}

fn delta_date(school_year: i32) -> String {
    format!("{school_year}0915")
}

/// `ENTPersonJointure`: a profile digit then the digits of `Person.id`
/// (`ELV482913` → `1482913`, `RSP…` → `2…`, `STS…` → `3…`, `AGT…` → `4…`),
/// else `9` and seven digits of a stable hash.
pub fn person_jointure(person_id: &str) -> String {
    let split = person_id.find(|c: char| c.is_ascii_digit()).unwrap_or(person_id.len());
    let (prefix, digits) = person_id.split_at(split);
    let lead = match prefix {
        "ELV" => Some('1'),
        "RSP" => Some('2'),
        "STS" => Some('3'),
        "AGT" => Some('4'),
        _ => None,
    };
    match lead {
        Some(lead) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => format!("{lead}{digits}"),
        _ => {
            let h = person_id
                .bytes()
                .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
            format!("9{:07}", h % 10_000_000)
        }
    }
}

/// `ENTEleveStructRattachId` = SIECLE `ELEVE_ID`: the digits of the pupil's
/// `Person.id`, leading zeros kept (`ELV004217` → `004217`); for an id
/// without digits, nine digits of FNV-1a over a NUL byte then the id — the
/// rule of `siecle::eleve_id`.
pub fn eleve_struct_rattach_id(person_id: &str) -> String {
    let digits: String = person_id.chars().filter(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        return digits;
    }
    let h = std::iter::once(0u8)
        .chain(person_id.bytes())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("{:09}", h % 1_000_000_000)
}

/// `ENTStructureJointure` of an establishment: the seven digits of its UAI.
pub fn structure_jointure(uai: &str) -> String {
    uai.chars().take(7).collect()
}

/// Attributes being assembled; an absent value is written `<value/>`.
#[derive(Default)]
struct Attrs(Vec<AafAttribute>);

impl Attrs {
    fn one(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.many(name, vec![value.into()])
    }

    fn opt(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        self.one(name, value.unwrap_or_default())
    }

    fn many(&mut self, name: &str, mut values: Vec<String>) -> &mut Self {
        if values.is_empty() {
            values.push(String::new());
        }
        self.0.push(AafAttribute { name: name.to_string(), operation: None, values });
        self
    }

    fn request(self, category: AafCategory, id: String) -> AafRequest {
        AafRequest { kind: RequestKind::Add, category, id, attributes: self.0 }
    }
}

fn title(p: &Person) -> &'static str {
    if p.sex == Some(Sex::M) {
        "M."
    } else {
        "Mme"
    }
}

fn other_given_names(p: &Person) -> Vec<String> {
    p.given_names.iter().enumerate().filter(|(i, _)| *i != p.usual_given_name).map(|(_, g)| g.clone()).collect()
}

/// What the AAF demo needs to know beyond the people.
struct Ctx<'a> {
    data: &'a EstablishmentData,
    structure: String,
    /// Pupil id → the groups they belong to.
    groups_of: BTreeMap<&'a str, Vec<&'a str>>,
    /// Pupils changing class in the Delta, with the class the Complet shows.
    changes: Vec<(&'a Person, String)>,
    sts: Vec<StsRecord>,
}

impl<'a> Ctx<'a> {
    fn new(data: &'a EstablishmentData) -> Ctx<'a> {
        let mut groups_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for g in &data.groups {
            for m in &g.members {
                groups_of.entry(m.as_str()).or_default().push(g.name.as_str());
            }
        }
        let mut changes = Vec::new();
        for p in data.people.iter().filter(|p| p.profile == Profile::Eleve && !p.left) {
            if changes.len() == CLASS_CHANGES {
                break;
            }
            let Some(current) = p.divisions.first() else { continue };
            let level = data.divisions.iter().find(|d| &d.code == current).map(|d| d.level.as_str());
            let same: Vec<&str> =
                data.divisions.iter().filter(|d| Some(d.level.as_str()) == level).map(|d| d.code.as_str()).collect();
            let at = same.iter().position(|c| c == current).unwrap_or(0);
            if let Some(previous) = same.get((at + 1) % same.len().max(1)).filter(|c| *c != current) {
                changes.push((p, previous.to_string()));
            }
        }
        Ctx {
            data,
            structure: structure_jointure(data.establishment.uai.as_str()),
            groups_of,
            changes,
            sts: sts::demo_records(data),
        }
    }

    fn refs<'c>(&self, codes: impl IntoIterator<Item = &'c str>) -> Vec<String> {
        codes.into_iter().map(|c| format!("{}${c}", self.structure)).collect()
    }

    fn pupil_structures(&self, p: &Person) -> (Vec<String>, Vec<String>) {
        (
            self.refs(p.divisions.iter().map(String::as_str)),
            self.refs(self.groups_of.get(p.id.as_str()).cloned().unwrap_or_default()),
        )
    }
}

fn eleve(ctx: &Ctx<'_>, p: &Person) -> AafRequest {
    let data = ctx.data;
    let division = p.divisions.first();
    let level = division
        .and_then(|c| data.divisions.iter().find(|d| &d.code == c))
        .and_then(|d| data.levels.iter().find(|l| l.code == d.level));
    let mut rels = Vec::new();
    let mut financial_given = false;
    for r in data.responsibilities.iter().filter(|r| r.pupil_id == p.id) {
        let financial = r.level == ResponsibilityLevel::Legal && !financial_given;
        financial_given |= financial;
        let rel = PersRelEleve {
            person: person_jointure(&r.responsable_id),
            relationship: r.relationship.clone(),
            financial,
            level: match r.level {
                ResponsibilityLevel::Legal => 1,
                ResponsibilityLevel::InCharge => 2,
                ResponsibilityLevel::Contact => 0,
            },
            contact: r.level == ResponsibilityLevel::Contact,
            payment: financial,
        };
        rels.push(rel.to_value());
    }
    let (mut classes, mut groups) = ctx.pupil_structures(p);
    if let Some((_, previous)) = ctx.changes.iter().find(|(c, _)| c.id == p.id) {
        classes = ctx.refs([previous.as_str()]);
        groups = Vec::new();
    }
    let n: u64 = eleve_struct_rattach_id(&p.id).parse().unwrap_or(0);
    let label = level.map(|l| l.label.as_str());
    let mut a = Attrs::default();
    a.one("ENTPersonJointure", person_jointure(&p.id))
        .opt("ENTEleveINE", p.ine.as_deref())
        .one("ENTEleveStructRattachId", eleve_struct_rattach_id(&p.id))
        .opt("ENTPersonDateNaissance", p.birth_date.as_deref())
        .one("ENTPersonNomPatro", p.birth_name.as_str())
        .one("sn", p.usage_name.as_str())
        .one("givenName", p.usual_name())
        .many("ENTPersonAutresPrenoms", other_given_names(p))
        .one("personalTitle", title(p))
        .many("ENTElevePersRelEleve", rels)
        .one("ENTEleveBoursier", if n.is_multiple_of(7) { "O" } else { "N" })
        .one(
            "ENTEleveRegime",
            if n.is_multiple_of(5) { "EXTERNE LIBRE" } else { "DEMI-PENSIONNAIRE DANS L'ETABLISSEMENT" },
        )
        .one("ENTEleveTransport", "N")
        .one("ENTEleveStatutEleve", "SCOLAIRE")
        .opt("ENTEleveMEF", level.map(|l| l.mef.as_str()))
        .opt("ENTEleveLibelleMEF", label)
        .opt("ENTEleveNivFormation", label)
        .opt("ENTEleveFiliere", label)
        .one("ENTPersonStructRattach", ctx.structure.as_str())
        .many("ENTEleveClasses", classes)
        .many("ENTEleveGroupes", groups);
    a.request(AafCategory::Eleve, person_jointure(&p.id))
}

fn pers_rel_eleve(ctx: &Ctx<'_>, p: &Person) -> AafRequest {
    let mut children: Vec<String> = Vec::new();
    for r in ctx.data.responsibilities.iter().filter(|r| r.responsable_id == p.id) {
        let j = person_jointure(&r.pupil_id);
        if !children.contains(&j) {
            children.push(j);
        }
    }
    let mut a = Attrs::default();
    a.one("ENTPersonJointure", person_jointure(&p.id))
        .opt("ENTPersonDateNaissance", p.birth_date.as_deref())
        .one("ENTPersonNomPatro", p.birth_name.as_str())
        .one("sn", p.usage_name.as_str())
        .one("givenName", p.usual_name())
        .one("personalTitle", title(p))
        .one("homePhone", "")
        .one("telephoneNumber", "")
        .opt("mobile", p.mobile.as_deref())
        .opt("mail", p.email.as_deref())
        .many("ENTAuxPersRelEleveEleve", children);
    a.request(AafCategory::PersRelEleve, person_jointure(&p.id))
}

fn fonction_label(code: &str) -> &str {
    match code {
        "ENS" => "ENSEIGNEMENT",
        "DIR" => "DIRECTION",
        "EDU" => "EDUCATION",
        "DOC" => "DOCUMENTATION",
        "AED" => "ASSISTANT D'EDUCATION",
        "ORI" => "ORIENTATION",
        "ADF" => "PERSONNELS ADMINISTRATIFS",
        "MDS" => "PERSONNELS MEDICO-SOCIAUX",
        "LAB" => "PERSONNELS DE LABORATOIRE",
        "CTR" => "CHEF DE TRAVAUX",
        other => other,
    }
}

fn pers_educ_nat(ctx: &Ctx<'_>, p: &Person) -> AafRequest {
    let id = sts::individu_id(&p.id);
    let mut classes = Vec::new();
    let mut groups = Vec::new();
    let mut classes_subjects = Vec::new();
    let mut groups_subjects = Vec::new();
    let mut principal = Vec::new();
    for r in &ctx.sts {
        let (code, services, is_division) = match r {
            StsRecord::Division(d) => (&d.code, &d.services, true),
            StsRecord::Groupe(g) => (&g.code, &g.services, false),
            StsRecord::Individu(i) if i.id == id => {
                principal.extend(ctx.refs(i.profs_principaux.iter().map(|pp| pp.code_structure.as_str())));
                continue;
            }
            _ => continue,
        };
        for s in services.iter().filter(|s| s.enseignants.iter().any(|e| e.id == id)) {
            let (list, subjects) =
                if is_division { (&mut classes, &mut classes_subjects) } else { (&mut groups, &mut groups_subjects) };
            let reference = format!("{}${code}", ctx.structure);
            if !list.contains(&reference) {
                list.push(reference.clone());
            }
            subjects.push(format!("{reference}${}", s.code_matiere));
        }
    }
    let mut fonctions = Vec::new();
    for uai in &p.establishments {
        for f in &p.functions {
            fonctions.push(format!(
                "{}${}${}${}${}",
                structure_jointure(uai.as_str()),
                f.code,
                fonction_label(&f.code),
                f.discipline.as_deref().unwrap_or_default(),
                if f.discipline.is_some() { f.label.as_str() } else { "" }
            ));
        }
    }
    let main = p.establishments.first().map(|u| structure_jointure(u.as_str()));
    let mut a = Attrs::default();
    a.one("ENTPersonJointure", person_jointure(&p.id))
        .opt("ENTPersonDateNaissance", p.birth_date.as_deref())
        .one("ENTPersonNomPatro", p.birth_name.as_str())
        .one("sn", p.usage_name.as_str())
        .one("givenName", p.usual_name())
        .many("ENTPersonAutresPrenoms", other_given_names(p))
        .one("personalTitle", title(p))
        .opt("mail", p.email.as_deref())
        .opt("ENTPersonStructRattach", main.as_deref())
        .many("ENTAuxEnsClasses", classes)
        .many("ENTAuxEnsGroupes", groups)
        .many("ENTAuxEnsClassesMatieres", classes_subjects)
        .many("ENTAuxEnsGroupesMatieres", groups_subjects)
        .many("ENTAuxEnsClassesPrincipal", principal)
        .many("ENTPersonFonctions", fonctions)
        .one("PersEducNatPresenceDevantEleves", if p.profile == Profile::Enseignant { "O" } else { "N" });
    a.request(AafCategory::PersEducNat, person_jointure(&p.id))
}

fn etab_educ_nat(ctx: &Ctx<'_>) -> AafRequest {
    let e = &ctx.data.establishment;
    let kind = match e.kind {
        EstablishmentKind::College => "COLLEGE",
        EstablishmentKind::Lycee => "LYCEE GENERAL ET TECHNOLOGIQUE",
    };
    let mut a = Attrs::default();
    a.one("ENTStructureJointure", ctx.structure.as_str())
        .one("ENTStructureUAI", e.uai.as_str())
        .one("ENTEtablissementUAI", e.uai.as_str())
        .one("ENTStructureSIREN", "")
        .one("ENTStructureNomCourant", e.name.to_uppercase())
        .one("ENTStructureTypeStruct", kind)
        .one("ENTEtablissementMinistereTutelle", "")
        .one("ENTEtablissementContrat", "PU")
        .one("postOfficeBox", "")
        .one("street", "")
        .one("postalCode", "")
        .one("l", e.city.to_uppercase())
        .one("telephoneNumber", "")
        .one("facsimileTelephoneNumber", "")
        .one("ENTEtablissementStructRattachFctl", "")
        .one("ENTEtablissementBassin", "")
        .one("ENTServAcAcademie", "DEMO")
        .one("ENTStructureClasses", "")
        .one("ENTStructureGroupes", "");
    a.request(AafCategory::EtabEducNat, ctx.structure.clone())
}

fn nomenclatures(ctx: &Ctx<'_>) -> (Vec<AafRequest>, Vec<AafRequest>) {
    let mut mefs = Vec::new();
    let mut subjects = Vec::new();
    for r in &ctx.sts {
        match r {
            StsRecord::Mef(m) => {
                let mut a = Attrs::default();
                a.one("ENTMefJointure", m.code.as_str())
                    .opt("ENTLibelleMef", m.libelle_long.as_deref())
                    .one("ENTMEFRattach", m.code.as_str())
                    .one("ENTMEFSTAT11", "");
                mefs.push(a.request(AafCategory::MefEducNat, m.code.clone()));
            }
            StsRecord::Matiere(m) => {
                let mut a = Attrs::default();
                a.one("ENTMatJointure", m.code.as_str()).opt("ENTLibelleMatiere", m.libelle_long.as_deref());
                subjects.push(a.request(AafCategory::MatiereEducNat, m.code.clone()));
            }
            _ => {}
        }
    }
    (mefs, subjects)
}

fn with_profile<'a>(data: &'a EstablishmentData, profiles: &'a [Profile]) -> impl Iterator<Item = &'a Person> + 'a {
    data.people.iter().filter(move |p| profiles.contains(&p.profile))
}

/// The Complet export's requests, per category, in file-name order.
pub fn demo_requests(data: &EstablishmentData) -> Vec<(AafCategory, Vec<AafRequest>)> {
    let ctx = Ctx::new(data);
    let (mefs, subjects) = nomenclatures(&ctx);
    vec![
        (AafCategory::Eleve, with_profile(data, &[Profile::Eleve]).map(|p| eleve(&ctx, p)).collect()),
        (
            AafCategory::PersEducNat,
            // Agents of the collectivité are not in the académie's directory.
            with_profile(data, &[Profile::Enseignant, Profile::NonEnseignant])
                .map(|p| pers_educ_nat(&ctx, p))
                .collect(),
        ),
        (
            AafCategory::PersRelEleve,
            with_profile(data, &[Profile::Responsable]).map(|p| pers_rel_eleve(&ctx, p)).collect(),
        ),
        (AafCategory::EtabEducNat, vec![etab_educ_nat(&ctx)]),
        (AafCategory::MefEducNat, mefs),
        (AafCategory::MatiereEducNat, subjects),
    ]
}

/// The Delta's requests: the class changes (with the pupils' groups), then
/// the deletion of the first departed pupils.
pub fn demo_delta(data: &EstablishmentData) -> Vec<AafRequest> {
    let ctx = Ctx::new(data);
    let mut out = Vec::new();
    for (p, _) in &ctx.changes {
        let (classes, groups) = ctx.pupil_structures(p);
        let mut a = Attrs::default();
        a.many("ENTEleveClasses", classes).many("ENTEleveGroupes", groups);
        let attributes = a.0.into_iter().map(|at| AafAttribute { operation: Some("replace".into()), ..at }).collect();
        out.push(AafRequest {
            kind: RequestKind::Modify,
            category: AafCategory::Eleve,
            id: person_jointure(&p.id),
            attributes,
        });
    }
    for p in data.people.iter().filter(|p| p.profile == Profile::Eleve && p.left).take(DEPARTURES) {
        out.push(AafRequest {
            kind: RequestKind::Delete,
            category: AafCategory::Eleve,
            id: person_jointure(&p.id),
            attributes: Vec::new(),
        });
    }
    out
}

/// `ENT_<UAI>_Complet_<date>_<Category>_<NNNN>.xml` for the six categories
/// and `ENT_<UAI>_Delta_<date>_Eleve_0000.xml`; `ids` gives each person's
/// `ENTPersonJointure` (`aaf_jointure`).
pub fn demo_files(data: &EstablishmentData) -> DemoFiles {
    let e = &data.establishment;
    let mut files = Vec::new();
    for (category, requests) in demo_requests(data) {
        for (n, bytes) in write_chunks(&requests, VERSION, CHUNK_BYTES).into_iter().enumerate() {
            let name = format!("ENT_{}_Complet_{}_{}_{n:04}.xml", e.uai, export_date(e.school_year), category.as_str());
            files.push((name, bytes));
        }
    }
    let delta = super::write(&demo_delta(data), VERSION);
    files.push((format!("ENT_{}_Delta_{}_Eleve_0000.xml", e.uai, delta_date(e.school_year)), delta));
    let ids = with_profile(data, &[Profile::Eleve, Profile::Responsable, Profile::Enseignant, Profile::NonEnseignant])
        .map(|p| (p.id.clone(), "aaf_jointure".to_string(), person_jointure(&p.id)))
        .collect();
    DemoFiles { files, ids }
}
