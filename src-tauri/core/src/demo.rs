//! Deterministic generator of a fictional establishment.
use crate::model::{EstablishmentData, EstablishmentKind, Uai};

pub fn generate(_uai: &Uai, _kind: EstablishmentKind, _seed: u64) -> EstablishmentData {
    todo!("demo generator")
}
