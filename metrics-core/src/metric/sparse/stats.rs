//! What a hashed family's label values are, for a cardinality report: per label, how many
//! distinct values its live series carry and which carry the most. Read from the series'
//! value ids under the writer's lock (no user code runs; lookups go on), each value's
//! stored text borrowed, and unescaped (copied) only for the ones reported.

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
                let stored = counts.into_iter().map(|(id, n)| {
                    let text = self.values.text(id);
                    (text.strip_suffix('"').unwrap_or(text), n)
                });
                ranked(name, stored.collect(), top)
            })
            .collect()
    }
}

/// One label's report from each distinct value (as a family stores it: escaped, without its
/// closing quote) with its series count: the `top` values carried by the most series, then
/// by value, unescaped for showing; only those are unescaped. Hashed and dense families
/// both rank this way.
pub(crate) fn ranked(name: &str, mut counts: Vec<(&str, u64)>, top: usize) -> LabelCardinality {
    let distinct = counts.len();
    let order = |a: &(&str, u64), b: &(&str, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
    if top == 0 {
        counts.clear();
    } else if counts.len() > top {
        counts.select_nth_unstable_by(top - 1, order);
        counts.truncate(top);
    }
    counts.sort_unstable_by(order);
    LabelCardinality {
        name: name.to_owned(),
        distinct,
        top: counts
            .into_iter()
            .map(|(value, n)| (unescape(value), n))
            .collect(),
    }
}
