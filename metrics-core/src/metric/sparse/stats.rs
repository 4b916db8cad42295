//! What a hashed family's label values are, for a cardinality report: per label, how many
//! distinct values its live series carry and which carry the most. Read from the series'
//! value ids under the writer's lock (no user code runs; lookups go on), the text of a value
//! read only for the ones reported.

use std::collections::HashMap;

use crate::label::unescape;
use crate::metric::sparse::Sparse;
use crate::model::LabelCardinality;
use crate::runtime::sync::Ordering;

impl<M: crate::metric::Metric> Sparse<M> {
    /// Per label (in the family's order, named by `names`): distinct values and the `top`
    /// values by series, most first (ties by value).
    pub(crate) fn label_cardinality(
        &self,
        names: &[Box<str>],
        top: usize,
    ) -> Vec<LabelCardinality> {
        let writer = self.writer.lock();
        let table = self.current();
        let mut counts: Vec<HashMap<u32, u64>> = vec![HashMap::new(); self.arity];
        for at in self.live_in_order(&writer, table) {
            for (label, id) in table.ids(at as usize, self.arity).iter().enumerate() {
                *counts[label].entry(id.load(Ordering::Relaxed)).or_default() += 1;
            }
        }
        names
            .iter()
            .zip(counts)
            .map(|(name, counts)| {
                let mut ranked: Vec<(u32, u64)> = counts.into_iter().collect();
                ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let distinct = ranked.len();
                let mut values: Vec<(String, u64)> = ranked
                    .into_iter()
                    .take(top)
                    .map(|(id, n)| {
                        let stored = self.values.text(id);
                        (unescape(stored.strip_suffix('"').unwrap_or(stored)), n)
                    })
                    .collect();
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                LabelCardinality {
                    name: name.to_string(),
                    distinct,
                    top: values,
                }
            })
            .collect()
    }
}
