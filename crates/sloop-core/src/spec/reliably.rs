//! reliably reader and writer (to be written).

use crate::source::Document;
use crate::spec::Collector;

/// Reads reliably documents.
pub(crate) fn read(_docs: &[Document<'_>], _out: &mut Collector) {}

/// Writes Reliably.
pub(crate) fn write(_m: &crate::model::Manifest) -> crate::spec::Written {
    crate::spec::Written { text: String::new(), losses: vec![] }
}
