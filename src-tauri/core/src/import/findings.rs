//! Data-quality findings for the rentrée, computed after each import: from
//! the population (pupils, responsables, directory accounts) and from the
//! latest timetable and STS batches.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;

use super::project::{pupil_id, responsable_id};
use super::timetable::Inputs;
use crate::formats::siecle::SiecleRecord;
use crate::model::{EstablishmentData, Person, Profile, ResponsibilityLevel, Sex};
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

/// From the establishment's population, the records of its latest SIECLE
/// responsables file (addresses, the old layout's codes) and the latest
/// timetable (pure: it runs beside the store's writing).
pub(super) fn compute(
    population: Option<&EstablishmentData>,
    responsables_file: Option<&[SiecleRecord]>,
    timetable: Option<&Inputs<'_>>,
) -> Vec<Finding> {
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
        duplicates(&responsables, &children, &by_id, responsables_file, &mut out);
        if let Some(records) = responsables_file {
            foster_in_old_layout(records, &current, &by_id, &mut out);
        }
    }
    if let Some(timetable) = timetable {
        super::timetable::findings(timetable, population, &mut |code, item| push(&mut out, code, item));
    }
    out.into_iter().map(|(code, items)| Finding { code: code.to_string(), count: items.len() as u64, items }).collect()
}

/// CODE_PARENTE of the people who look after a pupil without being a parent:
/// éducateur (41), assistant familial (42), tuteur (50), aide sociale à
/// l'enfance (51). The old layout can only say `RESP_LEGAL` 0 of them.
const FOSTER_CODES: &[&str] = &["41", "42", "50", "51"];

/// Foster families and homes as the old `RESP_LEGAL` layout writes them
/// (`RESP_LEGAL` 0 with a foster CODE_PARENTE): listed with the personnes en
/// charge for review, their access left as the file gives it.
fn foster_in_old_layout(
    records: &[SiecleRecord],
    current: &HashSet<&str>,
    by_id: &HashMap<&str, &Person>,
    out: &mut BTreeMap<&'static str, Vec<serde_json::Value>>,
) {
    let mut seen = HashSet::new();
    for r in records {
        let SiecleRecord::Responsable(l) = r else { continue };
        let old_other = l.niveau_responsabilite.is_none() && l.resp_legal.as_deref().map(str::trim) == Some("0");
        let code = l.code_parente.as_deref().map(str::trim).unwrap_or("");
        if !old_other || !FOSTER_CODES.contains(&code) {
            continue;
        }
        let (resp, pupil) = (responsable_id(&l.personne_id), pupil_id(&l.eleve_id));
        if !current.contains(pupil.as_str()) || !seen.insert((resp.clone(), pupil.clone())) {
            continue;
        }
        if let (Some(resp), Some(pupil)) = (by_id.get(resp.as_str()), by_id.get(pupil.as_str())) {
            push(
                out,
                "PERSONNE_EN_CHARGE",
                json!({ "responsable": person_item(resp), "eleve": person_item(pupil), "lien": code }),
            );
        }
    }
}

/// At most one letter added, removed or changed between `a` and `b`.
fn one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long.iter()).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        // One substitution (or none): the rest after the first difference is equal.
        return short.get(prefix + 1..) == long.get(prefix + 1..) || prefix == short.len();
    }
    // One insertion in the longer one.
    short.get(prefix..) == long.get(prefix + 1..)
}

/// Digits of a phone number, the last nine (`+33 6 12…` and `06 12…` alike).
fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 9).then(|| digits[digits.len() - 9..].to_string())
}

fn email_key(email: &str) -> Option<String> {
    let e = email.trim().to_lowercase();
    (e.contains('@')).then_some(e)
}

/// A postal address folded to its letters and digits.
fn address_key(a: &crate::formats::siecle::Adresse) -> Option<String> {
    let text =
        [&a.ligne1_adresse, &a.ligne2_adresse, &a.ligne3_adresse, &a.ligne4_adresse, &a.code_postal, &a.libelle_postal]
            .into_iter()
            .flatten()
            .map(|l| fold(l))
            .collect::<Vec<_>>()
            .join(" ");
    let key: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
    (key.len() >= 8).then_some(key)
}

/// Whether two records may name one person: the same name and given name
/// (folded) but for one letter each, and not two people of different sexes.
fn same_person_names(a: &Person, b: &Person, (an, ag): &(String, String), (bn, bg): &(String, String)) -> bool {
    let sexes_differ = matches!((a.sex, b.sex), (Some(Sex::M), Some(Sex::F)) | (Some(Sex::F), Some(Sex::M)));
    !sexes_differ && !an.is_empty() && !ag.is_empty() && one_edit(an, bn) && one_edit(ag, bg)
}

/// The same responsable entered twice: names alike (one letter apart at most)
/// and something the two records share — a mobile, an e-mail, a postal
/// address, the other parent of their children (siblings split across two
/// records of one parent), or, names being exactly the same, children of
/// one family name.
fn duplicates(
    responsables: &[&Person],
    children: &HashMap<&str, Vec<&str>>,
    by_id: &HashMap<&str, &Person>,
    responsables_file: Option<&[SiecleRecord]>,
    out: &mut BTreeMap<&'static str, Vec<serde_json::Value>>,
) {
    // Addresses of the responsables, from the file's PERSONNE → ADRESSE.
    let mut addresses: HashMap<String, String> = HashMap::new();
    if let Some(records) = responsables_file {
        let mut by_address_id: HashMap<&str, String> = HashMap::new();
        for r in records {
            if let SiecleRecord::Adresse(a) = r {
                if let Some(key) = address_key(a) {
                    by_address_id.insert(a.adresse_id.as_str(), key);
                }
            }
        }
        for r in records {
            if let SiecleRecord::Personne(p) = r {
                if let Some(key) = p.adresse_id.as_deref().and_then(|id| by_address_id.get(id)) {
                    addresses.insert(responsable_id(&p.personne_id), key.clone());
                }
            }
        }
    }
    // The responsables (legal or in charge) of each pupil.
    let mut of_pupil: HashMap<&str, Vec<&str>> = HashMap::new();
    for (resp, pupils) in children {
        for pupil in pupils {
            of_pupil.entry(pupil).or_default().push(resp);
        }
    }
    // Blocks of records sharing one piece of evidence; pairs are only
    // compared within a block.
    let index: HashMap<&str, usize> = responsables.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    let mut blocks: HashMap<(u8, String), Vec<usize>> = HashMap::new();
    let names: Vec<(String, String)> =
        responsables.iter().map(|p| (fold(&p.usage_name), fold(p.usual_name()))).collect();
    for (i, p) in responsables.iter().enumerate() {
        if let Some(k) = p.mobile.as_deref().and_then(phone_key) {
            blocks.entry((0, k)).or_default().push(i);
        }
        if let Some(k) = p.email.as_deref().and_then(email_key) {
            blocks.entry((1, k)).or_default().push(i);
        }
        if let Some(k) = addresses.get(&p.id) {
            blocks.entry((2, k.clone())).or_default().push(i);
        }
        // The other responsables of this one's children: if two of them are
        // one person, this one is their shared other parent.
        let mut partners: HashSet<&str> = HashSet::new();
        for pupil in children.get(p.id.as_str()).into_iter().flatten() {
            partners.extend(of_pupil.get(pupil).into_iter().flatten().filter(|r| **r != p.id.as_str()));
        }
        if partners.len() > 1 {
            let members: Vec<usize> = partners.iter().filter_map(|r| index.get(r).copied()).collect();
            blocks.entry((3, p.id.clone())).or_default().extend(members);
        }
        // Exactly the same name: compared when their children share a family name.
        blocks.entry((4, format!("{}|{}", names[i].0, names[i].1))).or_default().push(i);
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
    // Union–find over the records found to be one person.
    let mut parent: Vec<usize> = (0..responsables.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut keys: Vec<&(u8, String)> = blocks.keys().collect();
    keys.sort();
    for key in keys {
        let Some(members) = blocks.get(key) else { continue };
        if members.len() < 2 || members.len() > 50 {
            // A number shared by fifty records is a switchboard, not evidence.
            continue;
        }
        for (x, &i) in members.iter().enumerate() {
            for &j in members.iter().skip(x + 1) {
                let (a, b) = (responsables[i], responsables[j]);
                if i == j || !same_person_names(a, b, &names[i], &names[j]) {
                    continue;
                }
                if key.0 == 4 && family(a).is_disjoint(&family(b)) {
                    continue;
                }
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                if ri != rj {
                    parent[ri.max(rj)] = ri.min(rj);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<&Person>> = BTreeMap::new();
    for (i, p) in responsables.iter().enumerate() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(p);
    }
    for group in groups.into_values().filter(|g| g.len() > 1) {
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
        push(out, "DUPLICATE_RESPONSABLE", json!({ "responsables": people }));
    }
}

#[cfg(test)]
mod tests {
    use super::one_edit;

    #[test]
    fn one_letter_apart() {
        assert!(one_edit("martin", "martin"));
        assert!(one_edit("martin", "martinn"));
        assert!(one_edit("martin", "marin"));
        assert!(one_edit("martin", "mertin"));
        assert!(one_edit("", "a"));
        assert!(!one_edit("martin", "mertim"));
        assert!(!one_edit("martin", "martinez"));
        assert!(!one_edit("louis", "lisou"));
    }
}
