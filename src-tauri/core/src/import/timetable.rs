//! Findings that need the timetable (EDT/Pronote export): teachers absent
//! from STS-Web or the ENT directory, class parts that will not reach the ENT.

use crate::store::{ImportTx, StoreError};

pub(super) fn findings(
    _tx: &ImportTx<'_>,
    _push: &mut dyn FnMut(&'static str, serde_json::Value),
) -> Result<(), StoreError> {
    Ok(())
}
