//! Data-quality findings for the rentrée, computed after each import: from
//! the population (pupils, responsables, directory accounts) and from the
//! latest timetable and STS batches.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;

use super::timetable::Inputs;
use crate::model::{EstablishmentData, Person, Profile, ResponsibilityLevel};
use crate::store::Finding;
use crate::text::fold;

/// Every finding code, with its French label.
pub const FINDING_CODES: &[(&str, &str)] = &[
    ("PUPIL_WITHOUT_CLASS", "élèves sans classe"),
    ("FORMER_PUPIL", "anciens élèves encore présents"),
    ("RESPONSABLE_NO_EMAIL", "responsables sans courriel"),
    ("RESPONSABLE_NO_MOBILE", "responsables sans téléphone portable"),
    ("DUPLICATE_RESPONSABLE", "responsables en double probables"),
    ("PERSONNE_EN_CHARGE", "personnes en charge à vérifier"),
    ("TIMETABLE_TEACHER_UNKNOWN", "professeurs de l'emploi du temps absents de STS ou de l'annuaire ENT"),
    ("PARTIES_GROUP_NOT_EXPORTED", "parties de classe qui n'arriveront pas dans l'ENT"),
];

fn person_item(p: &Person) -> serde_json::Value {
    json!({
        "id": p.id,
        "nom": p.usage_name,
        "prenom": p.usual_name(),
        "date_naissance": p.birth_date,
        "classes": p.divisions,
    })
}

fn push(out: &mut BTreeMap<&'static str, Vec<serde_json::Value>>, code: &'static str, item: serde_json::Value) {
    out.entry(code).or_default().push(item);
}

/// From the establishment's population and the latest timetable (pure: it
/// runs beside the store's writing).
pub(super) fn compute(population: Option<&EstablishmentData>, timetable: Option<&Inputs<'_>>) -> Vec<Finding> {
    let mut out: BTreeMap<&'static str, Vec<serde_json::Value>> = BTreeMap::new();
    if let Some(data) = population {
        let by_id: HashMap<&str, &Person> = data.people.iter().map(|p| (p.id.as_str(), p)).collect();
        let current: HashSet<&str> =
            data.people.iter().filter(|p| p.profile == Profile::Eleve && !p.left).map(|p| p.id.as_str()).collect();
        for p in data.people.iter().filter(|p| p.profile == Profile::Eleve) {
            if p.left {
                push(&mut out, "FORMER_PUPIL", person_item(p));
            } else if p.divisions.is_empty() {
                push(&mut out, "PUPIL_WITHOUT_CLASS", person_item(p));
            }
        }
        // Responsables of current pupils, with the pupils they answer for.
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        for r in &data.responsibilities {
            if current.contains(r.pupil_id.as_str()) && r.level != ResponsibilityLevel::Contact {
                children.entry(r.responsable_id.as_str()).or_default().push(r.pupil_id.as_str());
            }
            if r.level == ResponsibilityLevel::InCharge && current.contains(r.pupil_id.as_str()) {
                if let (Some(resp), Some(pupil)) =
                    (by_id.get(r.responsable_id.as_str()), by_id.get(r.pupil_id.as_str()))
                {
                    push(
                        &mut out,
                        "PERSONNE_EN_CHARGE",
                        json!({ "responsable": person_item(resp), "eleve": person_item(pupil), "lien": r.relationship }),
                    );
                }
            }
        }
        let mut responsables: Vec<&Person> = data
            .people
            .iter()
            .filter(|p| p.profile == Profile::Responsable && children.contains_key(p.id.as_str()))
            .collect();
        responsables.sort_by(|a, b| a.id.cmp(&b.id));
        for p in &responsables {
            let item = || {
                let mut v = person_item(p);
                v["eleves"] = json!(children.get(p.id.as_str()).cloned().unwrap_or_default());
                v
            };
            if p.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
                push(&mut out, "RESPONSABLE_NO_EMAIL", item());
            }
            if p.mobile.as_deref().is_none_or(|m| m.trim().is_empty()) {
                push(&mut out, "RESPONSABLE_NO_MOBILE", item());
            }
        }
        // Same person entered twice: same folded name and given name, two
        // ids, answering for pupils of the same family name (siblings).
        let mut by_name: BTreeMap<(String, String), Vec<&Person>> = BTreeMap::new();
        for p in &responsables {
            by_name.entry((fold(&p.usage_name), fold(p.usual_name()))).or_default().push(p);
        }
        for ((_, _), group) in by_name {
            if group.len() < 2 {
                continue;
            }
            let family = |p: &Person| -> HashSet<String> {
                children
                    .get(p.id.as_str())
                    .into_iter()
                    .flatten()
                    .filter_map(|c| by_id.get(c))
                    .map(|c| fold(&c.usage_name))
                    .collect()
            };
            let families: Vec<HashSet<String>> = group.iter().map(|p| family(p)).collect();
            let related =
                families.iter().enumerate().any(|(i, a)| families.iter().skip(i + 1).any(|b| !a.is_disjoint(b)));
            if related {
                let people: Vec<serde_json::Value> = group
                    .iter()
                    .map(|p| {
                        let mut v = person_item(p);
                        v["courriel"] = json!(p.email);
                        v["portable"] = json!(p.mobile);
                        v["eleves"] = json!(children.get(p.id.as_str()).cloned().unwrap_or_default());
                        v
                    })
                    .collect();
                push(&mut out, "DUPLICATE_RESPONSABLE", json!({ "responsables": people }));
            }
        }
    }
    if let Some(timetable) = timetable {
        super::timetable::findings(timetable, population, &mut |code, item| push(&mut out, code, item));
    }
    out.into_iter().map(|(code, items)| Finding { code: code.to_string(), count: items.len() as u64, items }).collect()
}
