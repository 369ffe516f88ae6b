//! `BEE_STRUCTURES` records: DIVISION (with its MEFs) and GROUPE (with the
//! divisions it draws from).

use serde::{Deserialize, Serialize};

use super::super::xml::Element;
use super::reader::{Ids, State};
use super::{key, list, reason, text, Outcome, Rec, SiecleRecord};

/// A division (`DIVISION`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Division {
    /// `@CODE_STRUCTURE` (`6A`, `3 DPB`, `1L1 GRA`…): never read a level from it.
    pub code_structure: String,
    pub libelle_long: Option<String>,
    /// `MEFS_APPARTENANCE/MEF_APPARTENANCE/CODE_MEF`: the division's level(s).
    pub mefs: Vec<String>,
}

/// A teaching group (`GROUPE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Groupe {
    pub code_structure: String,
    pub libelle_long: Option<String>,
    /// `DIVISIONS_APPARTENANCE/DIVISION_APPARTENANCE/CODE_STRUCTURE`.
    pub divisions: Vec<String>,
    /// `MEFS_APPARTENANCE/MEF_APPARTENANCE/CODE_MEF`, when given.
    pub mefs: Vec<String>,
}

/// The code of a structure (`@CODE_STRUCTURE`, or STS's `@CODE`), checked for duplicates.
fn code(el: &Element, line: u64, ids: &mut Ids) -> (Rec, Option<String>) {
    let code = key(el, "CODE_STRUCTURE").or_else(|| key(el, "CODE"));
    let mut rec = Rec::new(line, &el.name, "CODE_STRUCTURE", code.as_deref());
    match code {
        None => {
            rec.drop_with("CODE_STRUCTURE", "", reason::REQUIRED_MISSING);
            (rec, None)
        }
        Some(c) if ids.known(&c) => {
            rec.drop_with("CODE_STRUCTURE", &c, reason::ID_DUPLICATE);
            (rec, None)
        }
        Some(c) => {
            ids.record(c.clone(), true);
            (rec, Some(c))
        }
    }
}

pub(super) fn division(el: &Element, line: u64, state: &mut State) -> Outcome {
    let (rec, code) = code(el, line, &mut state.divisions);
    let Some(code_structure) = code else { return rec.finish_none() };
    rec.finish(SiecleRecord::Division(Division {
        code_structure,
        libelle_long: text(el, "LIBELLE_LONG"),
        mefs: list(el, "MEFS_APPARTENANCE", "MEF_APPARTENANCE", "CODE_MEF"),
    }))
}

pub(super) fn groupe(el: &Element, line: u64, state: &mut State) -> Outcome {
    let (rec, code) = code(el, line, &mut state.groupes);
    let Some(code_structure) = code else { return rec.finish_none() };
    let mut divisions = list(el, "DIVISIONS_APPARTENANCE", "DIVISION_APPARTENANCE", "CODE_STRUCTURE");
    // STS writes the division as `@CODE`.
    divisions.extend(list(el, "DIVISIONS_APPARTENANCE", "DIVISION_APPARTENANCE", "CODE"));
    rec.finish(SiecleRecord::Groupe(Groupe {
        code_structure,
        libelle_long: text(el, "LIBELLE_LONG"),
        divisions,
        mefs: list(el, "MEFS_APPARTENANCE", "MEF_APPARTENANCE", "CODE_MEF"),
    }))
}
