//! One entry point over every reader: records as JSON values, for the
//! importer (which stores them per batch) and the fuzz targets.

use serde::Serialize;

use super::csvtable::ColumnPreset;
use super::detect::Detected;
use super::source::{Ctl, Input};
use super::{aaf, edt, ent_directory, pronote_ids, siecle, sts, udt, Format, FormatError, Item};

/// What the importer receives: the record's kind and its JSON text.
pub type JsonItem = Item<(String, String)>;

/// The kind of a serialised record: its `record` tag (serde writes an
/// internal tag first), or the variant name of an externally tagged enum
/// (`{"Teacher":{…}}` → `teacher`), else `fallback`.
fn kind_of(json: &str, fallback: &str) -> String {
    let rest = json.trim_start_matches('{');
    let Some(rest) = rest.strip_prefix('"') else { return fallback.to_string() };
    let Some(end) = rest.find('"') else { return fallback.to_string() };
    let key = &rest[..end];
    let after = &rest[end + 1..];
    if key == "record" {
        let value = after.trim_start_matches(':').trim_start_matches('"');
        return value.split('"').next().filter(|v| !v.is_empty()).unwrap_or(fallback).to_string();
    }
    if after.starts_with(":{") {
        return key.to_lowercase();
    }
    fallback.to_string()
}

fn to_json<R: Serialize>(item: Item<R>, kind: impl Fn(&R, &str) -> String) -> Result<JsonItem, FormatError> {
    Ok(match item {
        Item::Header(h) => Item::Header(h),
        Item::Reject(r) => Item::Reject(r),
        Item::Record(r, loc) => {
            let json = serde_json::to_string(&r).map_err(|e| FormatError::Xml {
                file: String::new(),
                location: loc.clone(),
                message: e.to_string(),
            })?;
            Item::Record((kind(&r, &json), json), loc)
        }
    })
}

/// Reads `input` as `detected` says, handing each record to `sink` as
/// `(kind, JSON)`.
pub fn read_json(
    input: &Input,
    detected: &Detected,
    ctl: &mut Ctl<'_>,
    sink: &mut dyn FnMut(JsonItem) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    read_json_with(input, detected, None, ctl, sink)
}

/// Like [`read_json`], with the user's column mapping for a CSV table.
pub fn read_json_with(
    input: &Input,
    detected: &Detected,
    preset: Option<&ColumnPreset>,
    ctl: &mut Ctl<'_>,
    sink: &mut dyn FnMut(JsonItem) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    match detected.format {
        Format::SiecleEleves | Format::SiecleResponsables | Format::SiecleStructures | Format::SiecleNomenclature => {
            siecle::read(input, detected, ctl, &mut |item| {
                sink(to_json(item, |r: &siecle::SiecleRecord, _| r.kind().to_string())?)
            })
        }
        Format::Sts => sts::read(input, detected, ctl, &mut |item| sink(to_json(item, |_, v| kind_of(v, "sts"))?)),
        Format::Aaf => aaf::read(input, detected, ctl, &mut |item| {
            sink(to_json(item, |r: &aaf::AafRequest, _| {
                let category = serde_json::to_value(&r.category)
                    .ok()
                    .and_then(|c| c.as_str().map(str::to_string))
                    .unwrap_or_else(|| "autre".into());
                format!("{}:{}", r.kind.element(), category)
            })?)
        }),
        Format::EntDirectory => ent_directory::read_with(input, detected, ctl, preset, &mut |item| {
            sink(to_json(item, |_, _| "account".to_string())?)
        }),
        Format::PronoteIds => pronote_ids::read_with(input, detected, ctl, preset, &mut |item| {
            sink(to_json(item, |_, _| "user".to_string())?)
        }),
        Format::Edt => edt::read(input, detected, ctl, &mut |item| sink(to_json(item, |_, v| kind_of(v, "edt"))?)),
        Format::Udt => udt::read(input, detected, ctl, &mut |item| sink(to_json(item, |_, v| kind_of(v, "udt"))?)),
    }
}

/// Detects and reads a whole input, counting records and rejects (fuzzing,
/// smoke tests).
pub fn read_any(input: &Input) -> Result<(usize, usize), FormatError> {
    let detected = super::detect::detect(input)?;
    let cancel = crate::progress::CancelToken::new();
    let mut progress = crate::progress::NoProgress;
    let mut ctl = Ctl { cancel: &cancel, progress: &mut progress };
    let (mut records, mut rejects) = (0, 0);
    read_json(input, &detected, &mut ctl, &mut |item| {
        match item {
            Item::Record(..) => records += 1,
            Item::Reject(_) => rejects += 1,
            Item::Header(_) => {}
        }
        Ok(())
    })?;
    Ok((records, rejects))
}
