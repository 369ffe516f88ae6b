//! Sanity checks: the file's establishment and school year, then checks
//! across the records of a batch (same INE twice, two "responsable légal 1").

use std::collections::HashMap;

use crate::formats::any::AnyRecord;
use crate::formats::siecle::SiecleRecord;
use crate::formats::{FileHeader, Format, Reject};
use crate::model::{Establishment, Uai};

/// The school years a file may carry (a year outside is a typing or
/// export error, never a school year to compare or print).
pub(super) const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A refusal (code, French message) when the header shows the file is not
/// for this establishment or this school year, or cannot show which school
/// it is for (a SIECLE file must name its UAJ: it feeds the population).
pub(super) fn header(
    format: Format,
    h: &FileHeader,
    uai: &Uai,
    establishment: Option<&Establishment>,
) -> Option<(String, String)> {
    let file_uai = h.uai.as_deref().map(str::trim).filter(|u| !u.is_empty());
    match file_uai {
        Some(file_uai) if !file_uai.eq_ignore_ascii_case(uai.as_str()) => {
            return Some((
                "IMPORT_WRONG_UAI".into(),
                format!("ce fichier est celui de l'établissement {file_uai}, pas de {uai}"),
            ));
        }
        None if matches!(
            format,
            Format::SiecleEleves | Format::SiecleResponsables | Format::SiecleStructures | Format::SiecleNomenclature
        ) =>
        {
            return Some((
                "IMPORT_NO_UAI".into(),
                "PARAMETRES/UAJ : le code de l'établissement est absent ou vide, rien ne prouve que ce fichier est \
                 celui de l'établissement : exportez-le à nouveau depuis SIECLE"
                    .into(),
            ));
        }
        _ => {}
    }
    if let Some(year) = h.school_year.filter(|y| !YEARS.contains(y)) {
        return Some((
            "IMPORT_BAD_YEAR".into(),
            format!(
                "l'année scolaire {year} de l'en-tête n'est pas une année plausible : exportez le fichier à nouveau"
            ),
        ));
    }
    if let (Some(year), Some(e)) = (h.school_year, establishment) {
        if year != e.school_year {
            return Some((
                "IMPORT_WRONG_YEAR".into(),
                format!(
                    "ce fichier est de l'année scolaire {}-{}, l'établissement est en {}-{}",
                    year,
                    year.saturating_add(1),
                    e.school_year,
                    e.school_year.saturating_add(1)
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
