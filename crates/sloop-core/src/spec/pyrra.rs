//! pyrra reader and writer (to be written).

use crate::source::Document;
use crate::spec::Collector;

/// Reads pyrra documents.
pub(crate) fn read(_docs: &[Document<'_>], _out: &mut Collector) {}
