//! How many series each family holds and which label values make them: what a registry
//! reports ([`Registry::cardinality`](crate::Registry::cardinality)) so that a team sees a
//! family growing at the source, before Prometheus or Mimir refuse its samples.

use crate::model::MetricKind;

/// The families of a registry with labels, most series first (then by name).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CardinalityReport {
    /// One per labelled family.
    pub families: Vec<FamilyCardinality>,
}

/// One family's series, limit and label values.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FamilyCardinality {
    /// The family's full name.
    pub name: String,
    /// Its type.
    pub kind: MetricKind,
    /// Series it holds (the overflow series not counted).
    pub series: usize,
    /// Its series limit.
    pub limit: usize,
    /// Label sets it refused or collapsed into the overflow series, since it was made.
    pub refused: u64,
    /// Whether the overflow series exists (label sets past the limit went there).
    pub overflow_series: bool,
    /// For a family whose label values are a fixed set (enums, `bool`): how many label sets
    /// there can be.
    pub dense_cardinality: Option<usize>,
    /// Per label, in the family's order.
    pub labels: Vec<LabelCardinality>,
}

/// The share of its series limit past which a family is near it: marked in the report, and
/// warned of once through the `log` facade (feature `log`).
pub const NEAR_LIMIT: f64 = 0.8;

impl FamilyCardinality {
    /// Series as a share of the limit (0 to 1).
    pub fn fill(&self) -> f64 {
        self.series as f64 / self.limit.max(1) as f64
    }

    /// Whether it holds [`NEAR_LIMIT`] of its limit or more.
    pub fn near_limit(&self) -> bool {
        self.fill() >= NEAR_LIMIT
    }
}

/// One label's values among a family's series.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LabelCardinality {
    /// The label's name.
    pub name: String,
    /// Distinct values among the family's series.
    pub distinct: usize,
    /// The values carried by the most series, with their series counts: most first, then by
    /// value; as many as the report asked for.
    pub top: Vec<(String, u64)>,
}
