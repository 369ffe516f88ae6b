//! Column definitions of the header-driven tables, header normalisation, the
//! resolved `ColumnMap` and the named presets the column-mapping step saves.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::formats::Format;
use crate::ErrorCode;

/// One column a table knows: the record field it fills, the header the
/// exports write, the other headers seen in the wild, and whether a file
/// without it is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    /// Stable key (the record's field name), used in presets.
    pub field: &'static str,
    /// Canonical header, in French, as Préau writes it and reports it missing.
    pub label: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

/// The columns of one table format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDef {
    pub format: Format,
    pub columns: &'static [ColumnDef],
}

impl TableDef {
    pub fn column(&self, field: &str) -> Option<&'static ColumnDef> {
        self.columns.iter().find(|c| c.field == field)
    }

    /// The canonical header of `field` (the field key itself if unknown).
    pub fn label(&self, field: &str) -> String {
        self.column(field).map_or_else(|| field.to_string(), |c| c.label.to_string())
    }
}

/// Header text reduced to what identifies it: lower case, no accents, no
/// spaces or punctuation, no `*` marks ("Prénom*" = "prenom", "Date de
/// naissance" = "datedenaissance").
pub fn normalize_header(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match fold_char(c) {
            Some(s) => out.push_str(s),
            None if c.is_alphanumeric() => out.push(c),
            None => {}
        }
    }
    out
}

/// ASCII spelling of the accented letters and ligatures found in French
/// headers and values (lower case).
pub(crate) fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
        'ç' => "c",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'î' | 'ï' | 'í' | 'ì' => "i",
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
        'ù' | 'û' | 'ü' | 'ú' => "u",
        'ÿ' | 'ý' => "y",
        'ñ' => "n",
        'œ' => "oe",
        'æ' => "ae",
        'ß' => "ss",
        _ => return None,
    })
}

/// Which column of the file holds each field (0-based indices).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMap {
    pub columns: BTreeMap<String, usize>,
}

impl ColumnMap {
    /// Finds the table's columns in `header` by name: for each field the
    /// canonical header first, then its aliases in order; a column serves one
    /// field only. Fields not found are simply absent.
    pub fn resolve(def: &TableDef, header: &[String]) -> ColumnMap {
        let normalized: Vec<String> = header.iter().map(|h| normalize_header(h)).collect();
        let mut taken = vec![false; header.len()];
        let mut columns = BTreeMap::new();
        for col in def.columns {
            let names = std::iter::once(col.label).chain(col.aliases.iter().copied());
            let found = names.map(normalize_header).find_map(|name| {
                normalized.iter().zip(&taken).position(|(h, used)| !*used && !h.is_empty() && *h == name)
            });
            if let Some(i) = found {
                if let Some(t) = taken.get_mut(i) {
                    *t = true;
                }
                columns.insert(col.field.to_string(), i);
            }
        }
        ColumnMap { columns }
    }

    pub fn get(&self, field: &str) -> Option<usize> {
        self.columns.get(field).copied()
    }

    /// Canonical headers of the required columns this map lacks.
    pub fn missing_required(&self, def: &TableDef) -> Vec<&'static str> {
        def.columns.iter().filter(|c| c.required && !self.columns.contains_key(c.field)).map(|c| c.label).collect()
    }

    /// The map as a named preset, by header text, so it applies to next
    /// year's file even if the columns moved.
    pub fn to_preset(&self, name: &str, table: Format, header: &[String]) -> ColumnPreset {
        let columns = self
            .columns
            .iter()
            .filter_map(|(field, &i)| Some((field.clone(), header.get(i)?.trim().to_string())))
            .collect();
        ColumnPreset { name: name.to_string(), table, columns }
    }
}

/// A column mapping the user made for files whose headers Préau does not
/// recognise, saved under a name: field → header text as in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnPreset {
    pub name: String,
    pub table: Format,
    pub columns: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresetError {
    #[error("le modèle « {preset} » est prévu pour {expected}, pas pour {found}")]
    WrongTable { preset: String, expected: String, found: String },
    #[error("le modèle « {preset} » nomme une colonne inconnue : {field}")]
    UnknownField { preset: String, field: String },
    #[error("colonne « {header} » (pour {label}) absente du fichier")]
    HeaderAbsent { label: String, header: String },
}

impl ErrorCode for PresetError {
    fn code(&self) -> &'static str {
        match self {
            PresetError::WrongTable { .. } => "PRESET_WRONG_TABLE",
            PresetError::UnknownField { .. } => "PRESET_UNKNOWN_FIELD",
            PresetError::HeaderAbsent { .. } => "PRESET_HEADER_ABSENT",
        }
    }
}

impl ColumnPreset {
    /// The column map this preset gives for `header`: each mapped header is
    /// looked up as written, then normalised ("Prénom*" finds "prenom").
    pub fn apply(&self, def: &TableDef, header: &[String]) -> Result<ColumnMap, PresetError> {
        if self.table != def.format {
            return Err(PresetError::WrongTable {
                preset: self.name.clone(),
                expected: self.table.as_str().to_string(),
                found: def.format.as_str().to_string(),
            });
        }
        let mut columns = BTreeMap::new();
        for (field, wanted) in &self.columns {
            let Some(col) = def.column(field) else {
                return Err(PresetError::UnknownField { preset: self.name.clone(), field: field.clone() });
            };
            let key = normalize_header(wanted);
            let found = header
                .iter()
                .position(|h| h.trim() == wanted.trim())
                .or_else(|| header.iter().position(|h| !key.is_empty() && normalize_header(h) == key));
            match found {
                Some(i) => {
                    columns.insert(field.clone(), i);
                }
                None => return Err(PresetError::HeaderAbsent { label: col.label.to_string(), header: wanted.clone() }),
            }
        }
        Ok(ColumnMap { columns })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEF: TableDef = TableDef {
        format: Format::PronoteIds,
        columns: &[
            ColumnDef { field: "id", label: "Identifiant", aliases: &["Id"], required: true },
            ColumnDef { field: "first_name", label: "Prénom", aliases: &[], required: true },
            ColumnDef { field: "class", label: "Classe", aliases: &["Classes"], required: false },
        ],
    };

    fn header(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_are_normalised() {
        assert_eq!(normalize_header(" Prénom* "), "prenom");
        assert_eq!(normalize_header("DATE DE NAISSANCE"), "datedenaissance");
        assert_eq!(normalize_header("Nom d'usage"), "nomdusage");
        assert_eq!(normalize_header("Établissement(s)"), "etablissements");
        assert_eq!(normalize_header("Cœur"), "coeur");
    }

    #[test]
    fn resolve_prefers_canonical_then_aliases() {
        let map = ColumnMap::resolve(&DEF, &header(&["Classes", "Id", "PRENOM*", "Identifiant"]));
        assert_eq!(map.get("id"), Some(3));
        assert_eq!(map.get("first_name"), Some(2));
        assert_eq!(map.get("class"), Some(0));
        assert!(map.missing_required(&DEF).is_empty());
        let map = ColumnMap::resolve(&DEF, &header(&["Nom"]));
        assert_eq!(map.missing_required(&DEF), vec!["Identifiant", "Prénom"]);
    }

    #[test]
    fn presets_round_trip_and_fail_clearly() {
        let h = header(&["N°", "Given", "Groupe"]);
        let mut map = ColumnMap::default();
        map.columns.insert("id".into(), 0);
        map.columns.insert("first_name".into(), 1);
        let preset = map.to_preset("Mon fichier", Format::PronoteIds, &h);
        let json = serde_json::to_string(&preset).unwrap_or_default();
        assert!(json.contains("\"table\":\"pronote-ids\""), "{json}");
        let back: ColumnPreset = serde_json::from_str(&json).unwrap_or(preset.clone());
        assert_eq!(back.apply(&DEF, &h), Ok(map));
        let moved = header(&["given", "Autre", "n°"]);
        assert_eq!(back.apply(&DEF, &moved).map(|m| m.get("id")), Ok(Some(2)));
        let err = back.apply(&DEF, &header(&["Given"])).unwrap_err();
        assert_eq!(err.code(), "PRESET_HEADER_ABSENT");
        assert!(err.to_string().contains("N°"));
    }
}
