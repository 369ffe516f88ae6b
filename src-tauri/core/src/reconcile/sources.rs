//! Source records from the files Préau reads: the Pronote identifiers file
//! (six categories) and the EDT export (teachers and pupils, with their
//! classes' names).

use std::collections::HashMap;

use super::{Category, SourceRecord};
use crate::formats::edt::EdtRecord;
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
                classes: p
                    .classes
                    .iter()
                    .filter(|m| m.to.is_none())
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
