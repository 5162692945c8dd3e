//! sloop reader and writer (to be written).

use crate::source::Document;
use crate::spec::Collector;

/// Reads sloop documents.
pub(crate) fn read(_docs: &[Document<'_>], _out: &mut Collector) {}

/// The `apiVersion` of sloop's own format.
pub const API_VERSION: &str = "sloop/v1";

/// Writes sloop's format.
pub(crate) fn write(_m: &crate::model::Manifest) -> crate::spec::Written {
    crate::spec::Written { text: String::new(), losses: vec![] }
}
