//! One entry point over every reader: records as JSON values, for the
//! importer (which stores them per batch) and the fuzz targets.

use super::detect::Detected;
use super::source::{Ctl, Input};
use super::{FormatError, Item};

/// Reads `input` as `detected` says, handing each record to `sink` as
/// `(kind, JSON)`: the kind is the record's variant name.
pub fn read_json(
    input: &Input,
    detected: &Detected,
    _ctl: &mut Ctl<'_>,
    _sink: &mut dyn FnMut(Item<(String, serde_json::Value)>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    Err(FormatError::Unknown { file: input.name(), hint: format!("lecteur {} pas encore branché", detected.format.as_str()) })
}
