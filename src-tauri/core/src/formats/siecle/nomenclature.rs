//! `BEE_NOMENCLATURES` records: MEF and MATIERE. Codes keep their leading
//! zeros and letters (`1001000B11A`, `030201`). PROGRAMMES, OPTIONS_OBLIGATOIRES
//! and MODALITES_ELECTION are not read: nothing in Préau uses them.

use serde::{Deserialize, Serialize};

use super::super::xml::Element;
use super::reader::{Ids, State};
use super::{key, reason, text, Outcome, Rec, SiecleRecord};

/// A « module élémentaire de formation » (`MEF`): a level and its variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mef {
    /// `@CODE_MEF`, 11 characters.
    pub code_mef: String,
    pub formation: Option<String>,
    pub libelle_long: Option<String>,
    pub libelle_edition: Option<String>,
    pub code_mefstat: Option<String>,
    pub mef_rattachement: Option<String>,
}

/// A subject (`MATIERE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matiere {
    /// `@CODE_MATIERE`, 6 digits.
    pub code_matiere: String,
    pub code_gestion: Option<String>,
    pub libelle_court: Option<String>,
    pub libelle_long: Option<String>,
    pub libelle_edition: Option<String>,
}

fn code(el: &Element, line: u64, name: &str, ids: &mut Ids) -> (Rec, Option<String>) {
    let code = key(el, name).or_else(|| key(el, "CODE"));
    let mut rec = Rec::new(line, &el.name, name, code.as_deref());
    match code {
        None => {
            rec.drop_with(name, "", reason::REQUIRED_MISSING);
            (rec, None)
        }
        Some(c) if ids.known(&c) => {
            rec.drop_with(name, &c, reason::ID_DUPLICATE);
            (rec, None)
        }
        Some(c) => {
            ids.record(c.clone(), true);
            (rec, Some(c))
        }
    }
}

pub(super) fn mef(el: &Element, line: u64, state: &mut State) -> Outcome {
    let (rec, code) = code(el, line, "CODE_MEF", &mut state.mefs);
    let Some(code_mef) = code else { return rec.finish_none() };
    rec.finish(SiecleRecord::Mef(Mef {
        code_mef,
        formation: text(el, "FORMATION"),
        libelle_long: text(el, "LIBELLE_LONG"),
        libelle_edition: text(el, "LIBELLE_EDITION"),
        code_mefstat: text(el, "CODE_MEFSTAT"),
        mef_rattachement: text(el, "MEF_RATTACHEMENT"),
    }))
}

pub(super) fn matiere(el: &Element, line: u64, state: &mut State) -> Outcome {
    let (rec, code) = code(el, line, "CODE_MATIERE", &mut state.matieres);
    let Some(code_matiere) = code else { return rec.finish_none() };
    rec.finish(SiecleRecord::Matiere(Matiere {
        code_matiere,
        code_gestion: text(el, "CODE_GESTION"),
        libelle_court: text(el, "LIBELLE_COURT"),
        libelle_long: text(el, "LIBELLE_LONG"),
        libelle_edition: text(el, "LIBELLE_EDITION"),
    }))
}
