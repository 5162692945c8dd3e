//! openslo reader and writer (to be written).

use crate::source::Document;
use crate::spec::Collector;

/// Reads openslo documents.
pub(crate) fn read(_docs: &[Document<'_>], _out: &mut Collector) {}

/// The OpenSLO v1 kinds.
pub const KINDS: [&str; 7] =
    ["Service", "SLO", "SLI", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget"];

/// Writes OpenSLO.
pub(crate) fn write(_m: &crate::model::Manifest) -> crate::spec::Written {
    crate::spec::Written { text: String::new(), losses: vec![] }
}
