//! The demo establishment's Pronote identifiers, with the discrepancies a
//! real Pronote base has against the ENT directory (typos, swapped nom and
//! prénom, dropped accents, missing birth dates, a mother under her birth
//! name) so that reconciliation has something to do. Every choice comes from
//! a hash of the person id: the same data always gives the same file.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::{pronote_id, write, PronoteCategory, PronoteUser};
use crate::formats::csvtable::{strip_accents, CsvStyle};
use crate::formats::DemoFiles;
use crate::model::{EstablishmentData, Person, Profile, ResponsibilityLevel, Sex};

/// What the demo changed in a person's Pronote row (truth kind
/// `pronote_discrepancy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Discrepancy {
    TypoLastName,
    TypoFirstName,
    Swapped,
    AccentsDropped,
    NoBirthDate,
    BirthName,
}

impl Discrepancy {
    fn code(self) -> &'static str {
        match self {
            Discrepancy::TypoLastName => "faute_nom",
            Discrepancy::TypoFirstName => "faute_prenom",
            Discrepancy::Swapped => "nom_prenom_inverses",
            Discrepancy::AccentsDropped => "accents_supprimes",
            Discrepancy::NoBirthDate => "date_naissance_absente",
            Discrepancy::BirthName => "nom_de_naissance",
        }
    }
}

/// A number drawn from the person id (and a salt), for the demo's choices.
fn draw(person_id: &str, salt: &str) -> u64 {
    let digest = Sha256::digest(format!("pronote-demo:{salt}:{person_id}").as_bytes());
    digest.first_chunk::<8>().map_or(0, |b| u64::from_be_bytes(*b))
}

fn category_of(profile: Profile) -> Option<PronoteCategory> {
    match profile {
        Profile::Enseignant => Some(PronoteCategory::Enseignant),
        Profile::Eleve => Some(PronoteCategory::Eleve),
        Profile::Responsable => Some(PronoteCategory::Responsable),
        Profile::NonEnseignant => Some(PronoteCategory::Personnel),
        Profile::MaitreDeStage => Some(PronoteCategory::MaitreDeStage),
        Profile::Inspecteur => Some(PronoteCategory::InspecteurPedagogique),
        // Agents of the collectivité and guests have no Pronote account.
        Profile::PersonnelCollectivite | Profile::Invite => None,
    }
}

/// A one-letter typo (swap, drop or double) away from the first letter;
/// `None` when the name is too short to be recognisable with one.
fn typo(name: &str, roll: u64) -> Option<String> {
    let mut chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = (1..chars.len()).filter(|&i| chars.get(i).is_some_and(|c| c.is_alphabetic())).collect();
    if letters.len() < 3 {
        return None;
    }
    let pos = *letters.get((roll / 4) as usize % letters.len())?;
    let c = *chars.get(pos)?;
    match roll % 3 {
        0 if chars.get(pos + 1).is_some_and(|n| n.is_alphabetic() && *n != c) => chars.swap(pos, pos + 1),
        1 => {
            chars.remove(pos);
        }
        _ => chars.insert(pos, c),
    }
    let out: String = chars.into_iter().collect();
    (out != name).then_some(out)
}

fn has_accents(text: &str) -> bool {
    strip_accents(text) != text
}

/// The discrepancy the demo plants for `p`, if any (at most one per person).
fn discrepancy(p: &Person) -> Option<Discrepancy> {
    // Some mothers are known to Pronote (from SIECLE) by their birth name
    // while the ENT shows their usage name.
    if p.profile == Profile::Responsable && p.sex == Some(Sex::F) && p.usage_name != p.birth_name {
        if !p.birth_name.is_empty() && draw(&p.id, "birth-name") % 1000 < 150 {
            return Some(Discrepancy::BirthName);
        }
        return None;
    }
    let roll = draw(&p.id, "kind") % 1000;
    match roll {
        0..=14 => Some(Discrepancy::TypoLastName),
        15..=29 => Some(Discrepancy::TypoFirstName),
        30..=37 => Some(Discrepancy::Swapped),
        38..=87 if has_accents(&p.usage_name) || has_accents(p.usual_name()) => Some(Discrepancy::AccentsDropped),
        88..=107 if p.birth_date.is_some() => Some(Discrepancy::NoBirthDate),
        _ => None,
    }
}

/// The row for `p` (before upper-casing the name, as Pronote shows it) and
/// the discrepancy actually applied.
fn row_for(p: &Person, category: PronoteCategory, children: Vec<String>) -> (PronoteUser, Option<Discrepancy>) {
    let mut last = p.usage_name.clone();
    let mut first = p.usual_name().to_string();
    let mut birth_date = p.birth_date.clone();
    let mut applied = discrepancy(p);
    let roll = draw(&p.id, "typo");
    match applied {
        Some(Discrepancy::TypoLastName) => match typo(&last, roll) {
            Some(t) => last = t,
            None => applied = None,
        },
        Some(Discrepancy::TypoFirstName) => match typo(&first, roll) {
            Some(t) => first = t,
            None => applied = None,
        },
        Some(Discrepancy::Swapped) if !first.is_empty() => std::mem::swap(&mut last, &mut first),
        Some(Discrepancy::Swapped) => applied = None,
        Some(Discrepancy::AccentsDropped) => {
            last = strip_accents(&last);
            first = strip_accents(&first);
        }
        Some(Discrepancy::NoBirthDate) => birth_date = None,
        Some(Discrepancy::BirthName) => last = p.birth_name.clone(),
        None => {}
    }
    let user = PronoteUser {
        pronote_id: pronote_id(&p.id),
        category,
        last_name: last.to_uppercase(),
        first_name: first,
        birth_date,
        classes: if matches!(category, PronoteCategory::Eleve | PronoteCategory::Enseignant) {
            p.divisions.clone()
        } else {
            Vec::new()
        },
        ine: if category == PronoteCategory::Eleve { p.ine.clone() } else { None },
        children,
    };
    (user, applied)
}

/// Every demo row with its person id and planted discrepancy, by category
/// (enseignants, élèves, responsables, personnels…) as Pronote lists them.
fn demo_rows(data: &EstablishmentData) -> Vec<(String, PronoteUser, Option<Discrepancy>)> {
    // Personnes à contacter have no access to the pupil's space.
    let mut children: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for l in data.responsibilities.iter().filter(|l| l.level != ResponsibilityLevel::Contact) {
        let list = children.entry(l.responsable_id.as_str()).or_default();
        let id = pronote_id(&l.pupil_id);
        if !list.contains(&id) {
            list.push(id);
        }
    }
    let mut out = Vec::new();
    for category in PronoteCategory::ALL {
        for p in data.people.iter().filter(|p| category_of(p.profile) == Some(category)) {
            let kids = if category == PronoteCategory::Responsable {
                children.get(p.id.as_str()).cloned().unwrap_or_default()
            } else {
                Vec::new()
            };
            let (user, applied) = row_for(p, category, kids);
            out.push((p.id.clone(), user, applied));
        }
    }
    out
}

/// The demo's Pronote users exactly as `demo_files` writes them.
pub fn records_of(data: &EstablishmentData) -> Vec<PronoteUser> {
    demo_rows(data).into_iter().map(|(_, u, _)| u).collect()
}

/// `identifiants_pronote_<UAI>.csv` (UTF-8 with BOM, `;`); `ids` gives each
/// person's `pronote_id` and, for the rows the demo altered,
/// `pronote_discrepancy` (`faute_nom`, `faute_prenom`, `nom_prenom_inverses`,
/// `accents_supprimes`, `date_naissance_absente`, `nom_de_naissance`).
pub fn demo_files(data: &EstablishmentData) -> DemoFiles {
    let rows = demo_rows(data);
    let mut ids = Vec::with_capacity(rows.len() + rows.len() / 10);
    for (person, user, applied) in &rows {
        ids.push((person.clone(), "pronote_id".to_string(), user.pronote_id.clone()));
        if let Some(d) = applied {
            ids.push((person.clone(), "pronote_discrepancy".to_string(), d.code().to_string()));
        }
    }
    let users: Vec<PronoteUser> = rows.into_iter().map(|(_, u, _)| u).collect();
    let name = format!("identifiants_pronote_{}.csv", data.establishment.uai);
    DemoFiles { files: vec![(name, write(&users, CsvStyle::UTF8_BOM))], ids }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_change_one_letter_and_keep_the_initial() {
        for roll in 0..40 {
            let t = typo("LEFÈVRE", roll).unwrap_or_default();
            assert_ne!(t, "LEFÈVRE");
            assert!(t.starts_with('L'));
            assert!(t.chars().count().abs_diff(7) <= 1, "{t}");
        }
        assert_eq!(typo("LI", 3), None);
    }
}
