//! One entry point over every reader, records typed: for the importer, the
//! benchmark and the fuzz targets.

use super::csvtable::ColumnPreset;
use super::detect::Detected;
use super::source::{Ctl, Input};
use super::{aaf, edt, ent_directory, pronote_ids, siecle, sts, udt, Format, FormatError, Item};

/// A record of any format, typed: what the importer keeps in memory for the
/// checks, the population and the findings of the operation that read it.
// Boxing the big variants would cost an allocation per record for a few moves saved.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum AnyRecord {
    Siecle(siecle::SiecleRecord),
    Sts(sts::StsRecord),
    Aaf(aaf::AafRequest),
    Directory(ent_directory::DirectoryAccount),
    Pronote(pronote_ids::PronoteUser),
    Edt(edt::EdtRecord),
    Udt(udt::UdtRecord),
}

fn typed<R>(item: Item<R>, wrap: fn(R) -> AnyRecord) -> Item<AnyRecord> {
    match item {
        Item::Header(h) => Item::Header(h),
        Item::Reject(r) => Item::Reject(r),
        Item::Record(r, loc) => Item::Record(wrap(r), loc),
    }
}

/// Reads `input` as `detected` says (with the user's column mapping for a
/// CSV table), handing each record to `sink` typed.
pub fn read_typed(
    input: &Input,
    detected: &Detected,
    preset: Option<&ColumnPreset>,
    ctl: &mut Ctl<'_>,
    sink: &mut dyn FnMut(Item<AnyRecord>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    match detected.format {
        Format::SiecleEleves | Format::SiecleResponsables | Format::SiecleStructures | Format::SiecleNomenclature => {
            siecle::read(input, detected, ctl, &mut |item| sink(typed(item, AnyRecord::Siecle)))
        }
        Format::Sts => sts::read(input, detected, ctl, &mut |item| sink(typed(item, AnyRecord::Sts))),
        Format::Aaf => aaf::read(input, detected, ctl, &mut |item| sink(typed(item, AnyRecord::Aaf))),
        Format::EntDirectory => {
            ent_directory::read_with(input, detected, ctl, preset, &mut |item| sink(typed(item, AnyRecord::Directory)))
        }
        Format::PronoteIds => {
            pronote_ids::read_with(input, detected, ctl, preset, &mut |item| sink(typed(item, AnyRecord::Pronote)))
        }
        Format::Edt => edt::read(input, detected, ctl, &mut |item| sink(typed(item, AnyRecord::Edt))),
        Format::Udt => udt::read(input, detected, ctl, &mut |item| sink(typed(item, AnyRecord::Udt))),
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
    read_typed(input, &detected, None, &mut ctl, &mut |item| {
        match item {
            Item::Record(..) => records += 1,
            Item::Reject(_) => rejects += 1,
            Item::Header(_) => {}
        }
        Ok(())
    })?;
    Ok((records, rejects))
}
