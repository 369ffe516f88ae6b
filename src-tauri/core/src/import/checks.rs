//! Sanity checks: the file's establishment and school year, then checks
//! across the records of a batch (same INE twice, two "responsable légal 1").

use std::collections::HashMap;

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
pub(super) fn records(tx: &mut ImportTx<'_>, batch: i64, format: Format) -> Result<Vec<Reject>, StoreError> {
    let mut faults: Vec<(u64, Reject)> = Vec::new();
    match format {
        Format::SiecleEleves => {
            // Same INE twice: the first keeps it, the others are rejected.
            let mut seen: HashMap<String, String> = HashMap::new();
            for (seq, kind, location, value) in tx.records(batch)? {
                if kind != "eleve" {
                    continue;
                }
                let Some(ine) = value.get("ine").and_then(|v| v.as_str()).map(str::trim).filter(|i| !i.is_empty())
                else {
                    continue;
                };
                let id = value.get("eleve_id").and_then(|v| v.as_str()).unwrap_or("").to_string();
                match seen.get(ine) {
                    Some(first) => faults.push((
                        seq,
                        Reject::new(
                            location,
                            "ID_NATIONAL",
                            &format!("{ine} (déjà porté par l'élève {first})"),
                            "INE_DUPLICATE",
                        ),
                    )),
                    None => {
                        seen.insert(ine.to_string(), id);
                    }
                }
            }
        }
        Format::SiecleResponsables => {
            // Old layout: one « responsable légal 1 » per pupil.
            let mut first: HashMap<String, String> = HashMap::new();
            for (seq, kind, location, value) in tx.records(batch)? {
                if kind != "responsable" || value.get("resp_legal").and_then(|v| v.as_str()) != Some("1") {
                    continue;
                }
                let pupil = value.get("eleve_id").and_then(|v| v.as_str()).unwrap_or("").to_string();
                let person = value.get("personne_id").and_then(|v| v.as_str()).unwrap_or("").to_string();
                match first.get(&pupil) {
                    Some(other) => faults.push((
                        seq,
                        Reject::new(
                            location,
                            "RESP_LEGAL",
                            &format!("élève {pupil} : {person} et {other}"),
                            "RESP_LEGAL_1_DUPLICATE",
                        ),
                    )),
                    None => {
                        first.insert(pupil, person);
                    }
                }
            }
        }
        _ => {}
    }
    let mut out = Vec::with_capacity(faults.len());
    for (seq, reject) in faults {
        tx.remove_record(batch, seq)?;
        tx.add_reject(batch, seq, &reject)?;
        out.push(reject);
    }
    Ok(out)
}

/// Reasons the importer itself gives (the readers' are in each format module).
pub const IMPORT_REJECT_REASONS: &[(&str, &str)] = &[
    ("INE_DUPLICATE", "INE déjà porté par un autre élève du fichier"),
    ("RESP_LEGAL_1_DUPLICATE", "deux « responsable légal 1 » pour le même élève"),
];
