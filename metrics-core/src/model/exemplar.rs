//! An exemplar as the model keeps it: a sample's link to a trace.

use crate::model::LabelPairs;

/// One exemplar: labels (such as `trace_id`), the value recorded and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Exemplar {
    /// The labels as an escaped block, `name="value",...`.
    pub(crate) labels: Box<str>,
    pub(crate) value: f64,
    pub(crate) timestamp: f64,
}

impl Exemplar {
    /// The labels, in order, values unescaped.
    pub fn labels(&self) -> LabelPairs<'_> {
        LabelPairs::new(&self.labels)
    }

    /// The labels as an escaped block, `name="value",...`.
    pub(crate) fn label_block(&self) -> &str {
        &self.labels
    }

    /// The value recorded with the exemplar.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// When it was recorded, in seconds since the Unix epoch.
    pub fn timestamp(&self) -> f64 {
        self.timestamp
    }
}
