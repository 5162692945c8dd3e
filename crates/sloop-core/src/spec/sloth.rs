//! sloth reader and writer (to be written).

use crate::source::Document;
use crate::spec::Collector;

/// Reads sloth documents.
pub(crate) fn read(_docs: &[Document<'_>], _out: &mut Collector) {}

/// Writes Sloth.
pub(crate) fn write(_m: &crate::model::Manifest) -> Result<crate::spec::Written, crate::error::Error> {
    Ok(crate::spec::Written { text: String::new(), losses: vec![] })
}
