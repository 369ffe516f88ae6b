//! The EDT wizard's third step: the timetable's classes and groups matched
//! with the ENT's divisions and groups by name (`3EME A` = `3A`), with
//! suggestions. Automatic only when exactly one ENT structure of the same
//! kind has the same name and no other comes close. The establishment's own
//! structures are compared first; another establishment's (an academy-wide
//! directory) are only suggested, when the establishment has nothing close.

use strsim::osa_distance;

use super::index::class_key;
use super::{Band, Candidate, Category, Decision, SourceRecord};
use crate::formats::edt::EdtRecord;

/// A class or group of the timetable, or of the ENT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Structure {
    /// EDT ident, or the ENT's code.
    pub id: String,
    pub name: String,
    /// True for a group, false for a class (division).
    pub group: bool,
    /// An ENT structure carried only by accounts of other establishments.
    pub elsewhere: bool,
}

/// The timetable's classes and groups, in file order.
pub fn timetable_structures(records: &[EdtRecord]) -> Vec<Structure> {
    records
        .iter()
        .filter_map(|r| match r {
            EdtRecord::Class(c) => {
                Some(Structure { id: c.ident.clone(), name: c.name.clone(), group: false, elsewhere: false })
            }
            EdtRecord::Group(g) => {
                Some(Structure { id: g.ident.clone(), name: g.name.clone(), group: true, elsewhere: false })
            }
            _ => None,
        })
        .collect()
}

fn kind_label(group: bool) -> &'static str {
    if group {
        "groupe"
    } else {
        "classe"
    }
}

/// Matches `timetable` with `ent`; the decisions number rows from `first_row`.
/// Each comes with its source record (the structure's name as the name).
pub fn match_structures(timetable: &[Structure], ent: &[Structure], first_row: usize) -> Vec<(SourceRecord, Decision)> {
    let ent_keys: Vec<String> = ent.iter().map(|e| class_key(&e.name)).collect();
    timetable
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let key = class_key(&s.name);
            let score_among = |elsewhere: bool| -> Vec<Candidate> {
                let mut scored: Vec<Candidate> = ent
                    .iter()
                    .zip(&ent_keys)
                    .filter(|(e, _)| e.elsewhere == elsewhere)
                    .filter_map(|(e, k)| {
                        let (score, reason) = if *k == key && e.group == s.group {
                            (20.0, format!("même nom ({} / {})", s.name, e.name))
                        } else if *k == key {
                            (10.0, format!("même nom, mais {} dans l'ENT", kind_label(e.group)))
                        } else if key.len() >= 2 && osa_distance(k, &key) <= 1 {
                            (8.0, format!("nom proche ({} / {})", s.name, e.name))
                        } else if !key.is_empty() && (k.starts_with(&key) || key.starts_with(k.as_str())) {
                            (5.0, format!("nom qui commence pareil ({} / {})", s.name, e.name))
                        } else {
                            return None;
                        };
                        let mut reasons = vec![reason];
                        if elsewhere {
                            reasons.push("structure d'un autre établissement".to_string());
                        }
                        Some(Candidate { account: e.id.clone(), score, reasons })
                    })
                    .collect();
                scored.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.account.cmp(&b.account)));
                scored.truncate(super::SHOWN);
                scored
            };
            // The establishment's own first; another's only when it has nothing close.
            let mut scored = score_among(false);
            let elsewhere = scored.is_empty();
            if elsewhere {
                scored = score_among(true);
            }
            let mut why = Vec::new();
            let band = match scored.first() {
                None => Band::None,
                Some(best) => {
                    if best.score < 20.0 {
                        why.push("aucune structure de l'ENT n'a exactement ce nom".to_string());
                    }
                    // Class codes one character apart (2DE1, 2DE10) are different
                    // classes: only another structure of the same name stands in the way.
                    if scored.get(1).is_some_and(|c| c.score >= 10.0) {
                        why.push("plusieurs structures de l'ENT portent ce nom".to_string());
                    }
                    if elsewhere {
                        why.push("seules des structures d'autres établissements portent ce nom".to_string());
                    }
                    if why.is_empty() {
                        Band::Auto
                    } else {
                        Band::Review
                    }
                }
            };
            let row = first_row + n;
            let record = SourceRecord {
                row,
                id: s.id.clone(),
                category: Category::ClasseGroupe,
                last_name: s.name.clone(),
                first_name: kind_label(s.group).to_string(),
                birth_date: None,
                ine: None,
                email: None,
                classes: Vec::new(),
                children: Vec::new(),
            };
            let decision = Decision {
                source_row: row,
                source_id: s.id.clone(),
                category: Category::ClasseGroupe,
                band,
                account: (band == Band::Auto).then(|| scored.first().map(|c| c.account.clone())).flatten(),
                candidates: scored,
                why_review: why,
            };
            (record, decision)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: &str, name: &str, group: bool) -> Structure {
        Structure { id: id.into(), name: name.into(), group, elsewhere: false }
    }

    #[test]
    fn names_match_across_spellings_and_doubt_goes_to_review() {
        let ent = [
            s("3A", "3A", false),
            s("3B", "3B", false),
            s("LAT", "LATIN 3E", true),
            s("4A", "4A", false),
            s("3A1", "3A1", false),
        ];
        let tt = [
            s("c1", "3EME A", false),
            s("c2", "3°B", false),
            s("g1", "LATIN 3E", true),
            s("c9", "6C", false),
            s("c3", "3A", true),
        ];
        let out = match_structures(&tt, &ent, 1);
        let band = |i: usize| out[i].1.band;
        assert_eq!((band(0), out[0].1.account.as_deref()), (Band::Auto, Some("3A")), "{:?}", out[0].1);
        assert_eq!(out[1].1.account.as_deref(), Some("3B"));
        assert_eq!(out[2].1.account.as_deref(), Some("LAT"));
        assert_eq!(band(3), Band::None, "no 6C in the ENT");
        assert_eq!(band(4), Band::Review, "a group named like a class is not linked automatically");
        assert_eq!(out[4].0.row, 5);
    }

    /// An academy-wide directory: the establishment's classes are compared
    /// first, and the level spellings meet (`TERM G5` = `TG5`).
    #[test]
    fn the_establishment_first_and_level_spellings() {
        let other =
            |id: &str, name: &str| Structure { id: id.into(), name: name.into(), group: false, elsewhere: true };
        let ent = [
            s("3E10", "3E10", false),
            s("TG5", "TG5", false),
            s("1G2", "1G2", false),
            other("310", "310"),
            other("2DE7", "2DE7"),
        ];
        let tt = [
            s("c1", "3E10", false),
            s("c2", "TERM G5", false),
            s("c3", "1RE G2", false),
            s("c4", "SECONDE 7", false),
            s("c5", "Terminale G5", false),
        ];
        let out = match_structures(&tt, &ent, 1);
        let got = |i: usize| (out[i].1.band, out[i].1.account.as_deref());
        assert_eq!(got(0), (Band::Auto, Some("3E10")), "{:?}", out[0].1);
        assert_eq!(got(1), (Band::Auto, Some("TG5")), "{:?}", out[1].1);
        assert_eq!(got(2), (Band::Auto, Some("1G2")), "{:?}", out[2].1);
        // Only another establishment has it: suggested, never linked automatically.
        assert_eq!(got(3), (Band::Review, None), "{:?}", out[3].1);
        assert_eq!(out[3].1.candidates[0].account, "2DE7");
        assert_eq!(got(4), (Band::Auto, Some("TG5")));
    }
}
