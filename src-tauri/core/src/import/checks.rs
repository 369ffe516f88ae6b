//! Sanity checks: the file's establishment and school year, then checks
//! across the records of a batch (same INE twice, two "responsable légal 1").

use std::collections::HashMap;

use crate::formats::any::AnyRecord;
use crate::formats::siecle::SiecleRecord;
use crate::formats::{FileHeader, Format, Reject};
use crate::model::{Establishment, Uai};

/// A refusal (code, French message) when the header shows the file is not
/// for this establishment or this school year.
pub(super) fn header(h: &FileHeader, uai: &Uai, establishment: Option<&Establishment>) -> Option<(String, String)> {
    if let Some(file_uai) = h.uai.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        if !file_uai.eq_ignore_ascii_case(uai.as_str()) {
            return Some((
                "IMPORT_WRONG_UAI".into(),
                format!("ce fichier est celui de l'établissement {file_uai}, pas de {uai}"),
            ));
        }
    }
    if let (Some(year), Some(e)) = (h.school_year, establishment) {
        if year != e.school_year {
            return Some((
                "IMPORT_WRONG_YEAR".into(),
                format!(
                    "ce fichier est de l'année scolaire {}-{}, l'établissement est en {}-{}",
                    year,
                    year + 1,
                    e.school_year,
                    e.school_year + 1
                ),
            ));
        }
    }
    None
}

/// Checks across the records of one batch, as they arrive: a record at
/// fault against an earlier one becomes a reject instead of a record.
#[derive(Default)]
pub(super) struct CrossChecks {
    /// INE → the pupil that carries it first.
    ine: HashMap<String, String>,
    /// Pupil → their first « responsable légal 1 » (old layout).
    legal_1: HashMap<String, String>,
}

impl CrossChecks {
    pub fn check(&mut self, format: Format, record: &AnyRecord, location: &str) -> Option<Reject> {
        match (format, record) {
            // Same INE twice: the first keeps it, the others are rejected.
            (Format::SiecleEleves, AnyRecord::Siecle(SiecleRecord::Eleve(e))) => {
                let ine = e.ine.as_deref().map(str::trim).filter(|i| !i.is_empty())?;
                match self.ine.get(ine) {
                    Some(first) => Some(Reject::new(
                        location,
                        "ID_NATIONAL",
                        &format!("{ine} (déjà porté par l'élève {first})"),
                        "INE_DUPLICATE",
                    )),
                    None => {
                        self.ine.insert(ine.to_string(), e.eleve_id.clone());
                        None
                    }
                }
            }
            // Old layout: one « responsable légal 1 » per pupil.
            (Format::SiecleResponsables, AnyRecord::Siecle(SiecleRecord::Responsable(r)))
                if r.resp_legal.as_deref() == Some("1") =>
            {
                match self.legal_1.get(&r.eleve_id) {
                    Some(other) => Some(Reject::new(
                        location,
                        "RESP_LEGAL",
                        &format!("élève {} : {} et {other}", r.eleve_id, r.personne_id),
                        "RESP_LEGAL_1_DUPLICATE",
                    )),
                    None => {
                        self.legal_1.insert(r.eleve_id.clone(), r.personne_id.clone());
                        None
                    }
                }
            }
            _ => None,
        }
    }
}

/// Reasons the importer itself gives (the readers' are in each format module).
pub const IMPORT_REJECT_REASONS: &[(&str, &str)] = &[
    ("INE_DUPLICATE", "INE déjà porté par un autre élève du fichier"),
    ("RESP_LEGAL_1_DUPLICATE", "deux « responsable légal 1 » pour le même élève"),
];
