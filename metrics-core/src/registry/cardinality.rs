//! The registry's cardinality report: every labelled family's series, limit, refusals and
//! label values, computed from the families' own tables (no series copied).

use std::sync::Arc;

use crate::model::CardinalityReport;
use crate::registry::Registry;

impl Registry {
    /// Every family with labels: its series, limit, refused label sets, and per label the
    /// number of distinct values and the `top` values carried by the most series. Families
    /// with the most series come first. The registry's lock is held only to list the
    /// families; each family's table is read under its own writer lock (lookups go on).
    ///
    /// ```
    /// use metrics_core::{Counter, DynLabels, Family, Opts, Registry};
    ///
    /// let registry = Registry::new();
    /// let hits: Family<DynLabels, Counter> =
    ///     registry.family(Opts::new("hits_total", "Hits.").labels(&["path"]));
    /// for path in ["/a", "/b", "/a?x=1"] {
    ///     hits.with_label_values(&[path]).inc();
    /// }
    /// let report = registry.cardinality(10);
    /// let family = &report.families[0];
    /// assert_eq!((family.name.as_str(), family.series), ("hits_total", 3));
    /// assert_eq!(family.labels[0].distinct, 3);
    /// ```
    pub fn cardinality(&self, top: usize) -> CardinalityReport {
        let sources: Vec<_> = {
            let state = self.inner.state.read();
            state
                .entries
                .values()
                .map(|e| Arc::clone(&e.source))
                .collect()
        };
        let mut families: Vec<_> = sources
            .iter()
            .filter_map(|source| source.cardinality(top))
            .collect();
        families.sort_by(|a, b| b.series.cmp(&a.series).then_with(|| a.name.cmp(&b.name)));
        CardinalityReport { families }
    }
}
