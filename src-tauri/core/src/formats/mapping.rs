//! The column-mapping step for CSV tables whose headers Préau does not
//! recognise: what the file's header holds, what each table needs, Préau's
//! guesses; and whether a saved preset fits a file.

use serde::Serialize;

use super::csvtable::{self, ColumnMap, ColumnPreset, TableDef};
use super::detect::Detected;
use super::source::{csv_encoding, Input};
use super::{ent_directory, pronote_ids, Format, FormatError};

/// The CSV tables a mapping can target.
pub fn tables() -> [&'static TableDef; 2] {
    [&ent_directory::TABLE, &pronote_ids::TABLE]
}

pub fn table(format: Format) -> Option<&'static TableDef> {
    tables().into_iter().find(|t| t.format == format)
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldProposal {
    pub field: String,
    /// Canonical French header.
    pub label: String,
    pub required: bool,
    /// Index of the file column Préau would use, if it found one.
    pub guess: Option<usize>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TableProposal {
    pub format: Format,
    pub fields: Vec<FieldProposal>,
    /// How many required fields Préau found by itself.
    pub required_found: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MappingProposal {
    pub file: String,
    pub encoding: String,
    pub header: Vec<String>,
    pub tables: Vec<TableProposal>,
}

/// The header of a CSV file and, per table, the columns Préau recognises.
pub fn propose(input: &Input) -> Result<MappingProposal, FormatError> {
    if input.is_empty()? {
        return Err(FormatError::Empty { file: input.name() });
    }
    let head = input.head(None, 16 * 1024)?;
    let encoding = csv_encoding(&head);
    let header = csvtable::read_header(input, encoding)?;
    let tables = tables()
        .into_iter()
        .map(|def| {
            let map = ColumnMap::resolve(def, &header);
            let fields: Vec<FieldProposal> = def
                .columns
                .iter()
                .map(|c| FieldProposal {
                    field: c.field.to_string(),
                    label: c.label.to_string(),
                    required: c.required,
                    guess: map.get(c.field),
                })
                .collect();
            let required_found = fields.iter().filter(|f| f.required && f.guess.is_some()).count();
            TableProposal { format: def.format, fields, required_found }
        })
        .collect();
    Ok(MappingProposal { file: input.name(), encoding: encoding.name().to_string(), header, tables })
}

/// Whether `preset` maps every required column of its table in `input`'s
/// header; the detection to read it with when it does.
pub fn fits(input: &Input, preset: &ColumnPreset) -> Option<Detected> {
    let def = table(preset.table)?;
    let detected = csvtable::detected_as(input, preset.table).ok()?;
    let header = csvtable::read_header(input, detected.encoding).ok()?;
    let map = preset.apply(def, &header).ok()?;
    map.missing_required(def).is_empty().then_some(detected)
}
