//! How a family writes its series at a scrape: dense slots, then the hashed table (dropping
//! series idle past the expiry), then the overflow series, each label block made once per
//! series in a reused buffer. And what its series and label values are, for a cardinality
//! report.

use std::collections::HashMap;

use crate::label::{pair_openings, push_pairs, stored_values};
use crate::metric::family::{FamilyInner, OVERFLOW_VALUE};
use crate::metric::sparse::ranked;
use crate::metric::Metric;
use crate::model::{FamilyCardinality, FamilyDesc, Scratch, Sink, Source};

impl<L, M: Metric> FamilyInner<L, M> {
    /// Writes every live series into `sink` (and drops those idle past the expiry).
    pub(crate) fn write_to(&self, sink: &mut dyn Sink, scratch: &mut Scratch) {
        if self.len() == 0 && self.overflow_series.get().is_none() {
            return;
        }
        let name = &*self.spec.name;
        sink.family(&FamilyDesc {
            name,
            help: &self.spec.help,
            kind: M::KIND,
            unit: self.spec.unit.as_deref(),
        });
        let mut out = SeriesOut {
            name,
            openings: pair_openings(&self.spec.label_names),
            block: String::new(),
            sink,
            scratch,
        };
        for (slot, values) in self.dense.iter().zip(self.dense_values.iter()) {
            if let (Some((metric, true)), Some(values)) = (slot.made(), values.get()) {
                out.write_block(metric, values, !values.contains('\\'));
            }
        }
        self.sparse
            .for_each(self.spec.expire_after, |metric, values| {
                out.write_values(metric, values)
            });
        if let Some(overflow) = self.overflow_series.get() {
            let values = self.values(|visit| {
                self.spec
                    .label_names
                    .iter()
                    .for_each(|_| visit(OVERFLOW_VALUE))
            });
            out.write_block(overflow, &values, true);
        }
    }
}

impl<L, M: Metric> FamilyInner<L, M> {
    /// Series, limit and, per label, distinct values and the `top` values by series.
    fn report(&self, top: usize) -> FamilyCardinality {
        let names = &self.spec.label_names;
        let labels = if self.dense.is_empty() {
            self.sparse.label_cardinality(names, top)
        } else {
            let mut counts: Vec<HashMap<&str, u64>> = vec![HashMap::new(); names.len()];
            for (slot, values) in self.dense.iter().zip(self.dense_values.iter()) {
                if let (Some((_, true)), Some(values)) = (slot.made(), values.get()) {
                    for (label, value) in stored_values(values).into_iter().enumerate() {
                        if let Some(counts) = counts.get_mut(label) {
                            *counts.entry(value).or_default() += 1;
                        }
                    }
                }
            }
            names
                .iter()
                .zip(counts)
                .map(|(name, counts)| ranked(name, counts.into_iter().collect(), top))
                .collect()
        };
        FamilyCardinality {
            name: self.spec.name.to_string(),
            kind: M::KIND,
            series: self.len(),
            limit: self.spec.limit,
            refused: self.refused(),
            overflow_series: self.overflow_series.get().is_some(),
            dense_cardinality: (!self.dense.is_empty()).then_some(self.dense.len()),
            labels,
        }
    }
}

impl<L: 'static, M: Metric> Source for FamilyInner<L, M> {
    fn write_to(&self, sink: &mut dyn Sink, scratch: &mut Scratch) {
        FamilyInner::write_to(self, sink, scratch)
    }
    fn refused(&self) -> u64 {
        FamilyInner::refused(self)
    }
    fn series(&self) -> usize {
        self.len()
    }
    fn limit(&self) -> usize {
        self.spec.limit
    }
    fn labelled(&self) -> bool {
        !self.spec.label_names.is_empty()
    }
    fn cardinality(&self, top: usize) -> Option<FamilyCardinality> {
        (!self.spec.label_names.is_empty()).then(|| self.report(top))
    }
}

/// Where a family's series are written: each one's label block is made from its stored
/// values and the family's names, in one buffer reused from series to series.
struct SeriesOut<'a> {
    name: &'a str,
    openings: Vec<String>,
    block: String,
    sink: &'a mut dyn Sink,
    scratch: &'a mut Scratch,
}

impl SeriesOut<'_> {
    /// Writes a series whose label values are one block (see [`push_value`](crate::label::push_value)); `plain`: none
    /// was escaped.
    fn write_block<M: Metric>(&mut self, metric: &M, values: &str, plain: bool) {
        self.block.clear();
        push_pairs(&mut self.block, &self.openings, values, plain);
        metric.write_to(self.name, &self.block, self.sink, self.scratch);
    }

    /// Writes a series of the hashed table, whose label values come one by one, each stored
    /// as [`push_value`](crate::label::push_value) stores it.
    fn write_values<M: Metric>(&mut self, metric: &M, values: &mut dyn Iterator<Item = &str>) {
        self.block.clear();
        for (opening, value) in self.openings.iter().zip(values) {
            self.block.push_str(opening);
            self.block.push_str(value);
        }
        metric.write_to(self.name, &self.block, self.sink, self.scratch);
    }
}
