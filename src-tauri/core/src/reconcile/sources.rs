//! Source records from the files Préau reads: the Pronote identifiers file
//! (six categories) and the EDT export (teachers and pupils, with their
//! classes' names).

use std::collections::HashMap;

use super::{Category, SourceRecord};
use crate::formats::edt::{EdtRecord, Membership};
use crate::formats::pronote_ids::{PronoteCategory, PronoteUser};

fn category(c: PronoteCategory) -> Category {
    match c {
        PronoteCategory::Enseignant => Category::Enseignant,
        PronoteCategory::Eleve => Category::Eleve,
        PronoteCategory::Responsable => Category::Responsable,
        PronoteCategory::MaitreDeStage => Category::MaitreDeStage,
        PronoteCategory::InspecteurPedagogique => Category::InspecteurPedagogique,
        PronoteCategory::Personnel => Category::Personnel,
    }
}

/// The records of a Pronote identifiers file, numbered from 1 in file order.
pub fn from_pronote(users: &[PronoteUser]) -> Vec<SourceRecord> {
    users
        .iter()
        .enumerate()
        .map(|(i, u)| SourceRecord {
            row: i + 1,
            id: u.pronote_id.clone(),
            category: category(u.category),
            last_name: u.last_name.clone(),
            first_name: u.first_name.clone(),
            birth_date: u.birth_date.clone(),
            ine: u.ine.clone(),
            email: None,
            classes: u.classes.clone(),
            children: u.children.clone(),
        })
        .collect()
}

/// A pupil's memberships in force at the end of what the export covers:
/// each runs until its `DateSortie` (EDT writes one on every membership, the
/// year's last day for a pupil who stays), so the ones ending last are the
/// pupil's current classes; a class left during the year (a change of class)
/// is not. No `DateSortie` means still running.
fn current(memberships: &[Membership]) -> impl Iterator<Item = &Membership> {
    // ISO dates compare as text; `None` (open-ended) sorts after every date.
    let last = memberships.iter().map(|m| m.to.as_deref().map_or((1, ""), |d| (0, d))).max();
    memberships.iter().filter(move |m| Some(m.to.as_deref().map_or((1, ""), |d| (0, d))) == last)
}

/// The teachers and pupils of an EDT export, numbered from 1 in file order;
/// a pupil's classes are named through the export's `Classes` section.
pub fn from_edt(records: &[EdtRecord]) -> Vec<SourceRecord> {
    let class_names: HashMap<&str, &str> = records
        .iter()
        .filter_map(|r| match r {
            EdtRecord::Class(c) => Some((c.ident.as_str(), c.name.as_str())),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for r in records {
        let record = match r {
            EdtRecord::Teacher(t) => SourceRecord {
                row: out.len() + 1,
                id: t.ident.clone(),
                category: Category::Enseignant,
                last_name: t.last_name.clone(),
                first_name: t.first_name.clone(),
                birth_date: t.birth_date.clone(),
                ine: None,
                email: None,
                classes: Vec::new(),
                children: Vec::new(),
            },
            EdtRecord::Pupil(p) => SourceRecord {
                row: out.len() + 1,
                id: p.ident.clone(),
                category: Category::Eleve,
                last_name: p.last_name.clone(),
                first_name: p.first_name.clone(),
                birth_date: p.birth_date.clone(),
                ine: p.national_id.clone(),
                email: None,
                classes: current(&p.classes)
                    .filter_map(|m| class_names.get(m.ident.as_str()).map(|n| n.to_string()))
                    .collect(),
                children: Vec::new(),
            },
            _ => continue,
        };
        out.push(record);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::edt::{Class, Pupil};

    fn membership(ident: &str, from: &str, to: Option<&str>) -> Membership {
        Membership { ident: ident.into(), from: Some(from.into()), to: to.map(str::to_string) }
    }

    fn pupil(ident: &str, classes: Vec<Membership>) -> EdtRecord {
        EdtRecord::Pupil(Pupil {
            ident: ident.into(),
            last_name: "ALUN".into(),
            first_name: "Alain".into(),
            birth_date: None,
            sex: None,
            postal_code: None,
            national_id: None,
            id_sconet: None,
            id_pn: None,
            id_cas: None,
            id_establishment: None,
            responsables: Vec::new(),
            classes,
            parts: Vec::new(),
        })
    }

    /// Real exports write a `DateSortie` on every membership: a pupil's
    /// classes are the ones running until the latest of them.
    #[test]
    fn memberships_run_until_their_exit_date() {
        let class = |ident: &str, name: &str| {
            EdtRecord::Class(Class { ident: ident.into(), name: name.into(), parts: Vec::new() })
        };
        let records = vec![
            class("2", "3A"),
            class("3", "3B"),
            pupil("1", vec![membership("2", "2012-09-04", Some("2013-08-31"))]),
            pupil(
                "2",
                vec![
                    membership("2", "2012-09-04", Some("2012-12-03")),
                    membership("3", "2012-12-04", Some("2013-08-31")),
                ],
            ),
            pupil("3", vec![membership("2", "2012-09-04", Some("2012-12-03")), membership("3", "2012-12-04", None)]),
            pupil("4", vec![membership("2", "2012-09-04", Some("2012-12-03"))]),
        ];
        let classes: Vec<Vec<String>> = from_edt(&records).into_iter().map(|r| r.classes).collect();
        assert_eq!(classes, [vec!["3A"], vec!["3B"], vec!["3B"], vec!["3A"]]);
    }
}
