//! Native (sparse, exponential) histogram buckets, as Prometheus defines them.
//!
//! At schema `s` the bucket with index `k` holds the observations `v` with
//! `base^(k-1) < |v| <= base^k`, `base = 2^(2^-s)`; positive and negative observations have
//! their own buckets, and those with `|v| <= zero_threshold` go to the zero bucket. Only
//! buckets that have seen an observation exist.
//!
//! Observing takes no lock and, normally, no locked instruction: it goes through the
//! concurrency core both histograms share (`hot_cold.rs`). Each thread records into a small
//! open-addressed table of its buckets in cells of its own, under the sequence lock; a
//! thread whose table is full, or that a reader has diverted, records into the shared hot
//! half (a CAS creates a bucket, an add counts). A reading merges every thread's cells with
//! the halves, so it holds whole observations only.
//!
//! When more than `max_buckets` buckets exist, the resolution drops: the zero bucket widens
//! (up to `max_zero_threshold`) or the schema halves the buckets' number, or, when
//! `reset_after` has passed since the last reset, everything restarts at the first schema.
//! The halves change under the histogram's mutex, each while it is cold; the change is then
//! published as a new layout version, and each thread converts its own cells (or, after a
//! reset, drops them) the next time it observes. Readers convert the cells of threads that
//! have not observed since. An observer that creates a shared bucket over the limit tries
//! the mutex and makes the change itself if it is free; otherwise the next reading does.

use std::time::Instant;

use parking_lot::Mutex;

#[cfg(all(test, loom))]
mod loom_tests;
mod maths;
mod owned;
mod settings;
mod shared;
#[cfg(all(test, not(loom)))]
mod tests;

pub(crate) use maths::{bucket_index, bucket_upper_bound, ceil_shift, MAX_SCHEMA, MIN_SCHEMA};
use maths::{rebucket, Layout};
use owned::{LOCAL_WORDS, SEQ, VERSION};
pub use settings::NativeBuckets;
use shared::{Added, Half};

use crate::metric::hot_cold::{self, HotCold};
use crate::model::NativeSnapshot;
use crate::runtime::cells::{CellId, OwnedCell};
use crate::runtime::clock::now_seconds;
use crate::runtime::float::add_f64;
use crate::runtime::sync::{AtomicBool, AtomicU64, Ordering};

/// The native part of a histogram.
///
/// An observation normally goes to cells owned by the observing thread (plain loads and
/// stores under a sequence lock, as the classic histogram does): each thread keeps up to
/// `LOCAL_SLOTS` buckets of its own, at the layout it last saw. A thread whose table is
/// full, or one a reader has diverted, records into the shared halves instead. A reading
/// merges every thread's cells, converted to the current layout, with the halves'.
///
/// A layout change (coarser schema, wider zero bucket, reset) is published as a new even
/// `version` (odd while it is being written); each thread converts its own cells when it
/// next observes (resets discard them), and readers convert (or, for cells from before the
/// last reset, skip) the cells of threads that have not observed since.
pub(crate) struct Native {
    config: NativeBuckets,
    local: Option<CellId>,
    divert: AtomicBool,
    version: AtomicU64,
    schema: AtomicU64,
    zero_threshold: AtomicU64,
    /// Thread cells at a version below this hold observations from before the last reset.
    reset_version: AtomicU64,
    /// Which half is hot, and the observations ever started in the halves.
    hot_cold: HotCold,
    halves: [Half; 2],
    /// Serialises readers and layout changes; observers only try it, over the limit.
    state: Mutex<State>,
}

struct State {
    /// Observations started in the halves before the last reset, which no half counts.
    discarded: u64,
    last_reset: Instant,
    created: f64,
}

/// What a layout change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limited {
    Nothing,
    Reduced,
    Reset,
}

/// Whether a reading over the bucket limit may reset the histogram (once `reset_after` has
/// passed) or only lower its resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resets {
    Allowed,
    Never,
}

/// A layout change: a new layout, or a reset to the first one.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Change {
    To(Layout),
    Reset,
}

/// Buckets being merged from several sources, at one layout: (key, count) pairs gathered
/// as they come, then sorted and added up by key ([`Merged::finish`]), which for hundreds
/// of buckets is several times faster than a map kept in order all along.
struct Merged {
    layout: Layout,
    count: u64,
    sum: f64,
    zero: u64,
    positive: Vec<(i32, u64)>,
    negative: Vec<(i32, u64)>,
}

impl Merged {
    /// Adds a bucket read at layout `from`.
    fn bucket(&mut self, from: Layout, negative: bool, key: i32, n: u64) {
        match rebucket(key, from, self.layout) {
            None => self.zero += n,
            Some(key) => {
                let side = if negative {
                    &mut self.negative
                } else {
                    &mut self.positive
                };
                side.push((key, n));
            }
        }
    }

    /// Sorts each side by key and adds up the counts of a key.
    fn finish(&mut self) {
        for side in [&mut self.positive, &mut self.negative] {
            side.sort_unstable_by_key(|&(key, _)| key);
            side.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    kept.1 += later.1;
                }
                same
            });
        }
    }

    /// Distinct buckets (after [`finish`](Self::finish)).
    fn buckets(&self) -> usize {
        self.positive.len() + self.negative.len()
    }
}

impl Native {
    pub(crate) fn new(config: NativeBuckets) -> Native {
        // Under loom, small tables: a reading loads every slot, and each load is a branch
        // loom explores.
        let slack = if cfg!(loom) { 2 } else { 16 };
        let capacity = (config.max_buckets as usize * 3 / 2 + slack).next_power_of_two();
        let layout = config.initial_layout();
        // Under loom the cells are the model's (`runtime/model_cells.rs`).
        let local = CellId::run(LOCAL_WORDS);
        Native {
            halves: [Half::new(layout, capacity), Half::new(layout, capacity)],
            local,
            divert: AtomicBool::new(false),
            version: AtomicU64::new(2),
            schema: AtomicU64::new(i64::from(layout.schema) as u64),
            zero_threshold: AtomicU64::new(layout.zero_threshold.to_bits()),
            reset_version: AtomicU64::new(2),
            config,
            hot_cold: HotCold::new(),
            state: Mutex::new(State {
                discarded: 0,
                last_reset: Instant::now(),
                created: now_seconds(),
            }),
        }
    }

    /// Records one observation; says whether the caller must reset the rest of the
    /// histogram (this observation triggered a reset).
    #[inline]
    pub(crate) fn observe(&self, v: f64) -> Limited {
        if !self.divert.load(Ordering::Relaxed) {
            let cells = self.local.as_ref().and_then(CellId::owned_cells);
            // A fixed-size array: the masked indexes below need no bounds checks.
            if let Some(cells) = cells.and_then(|c| <&[_; LOCAL_WORDS]>::try_from(c).ok()) {
                let version = self.version.load(Ordering::Acquire);
                let current = cells[VERSION].load(std::sync::atomic::Ordering::Relaxed) == version;
                if (current || self.adopt(cells)) && owned::record(cells, v) {
                    return Limited::Nothing;
                }
            }
        }
        self.observe_shared(v)
    }

    /// Brings this thread's cells to the current layout; false while a change is being
    /// published (the caller then records in the halves).
    #[cold]
    #[inline(never)]
    fn adopt(&self, cells: &[OwnedCell; LOCAL_WORDS]) -> bool {
        let Some((version, layout)) = self.current() else {
            return false;
        };
        let reset = cells[VERSION].load(std::sync::atomic::Ordering::Relaxed)
            < self.reset_version.load(Ordering::Acquire);
        owned::adopt(cells, version, layout, reset);
        true
    }

    /// The published layout and its version, or `None` while a change is being written.
    fn current(&self) -> Option<(u64, Layout)> {
        let version = self.version.load(Ordering::Acquire);
        let layout = Layout {
            schema: self.schema.load(Ordering::Acquire) as i64 as i8,
            zero_threshold: f64::from_bits(self.zero_threshold.load(Ordering::Acquire)),
        };
        let stable = version % 2 == 0 && self.version.load(Ordering::Acquire) == version;
        stable.then_some((version, layout))
    }

    /// Records into the shared halves.
    fn observe_shared(&self, v: f64) -> Limited {
        let half = &self.halves[self.hot_cold.start()];
        let mut created = false;
        if !v.is_nan() {
            let layout = half.layout();
            if v > layout.zero_threshold {
                created = matches!(
                    half.positive.add(bucket_index(layout.schema, v), 1),
                    Added::Created
                );
            } else if v < -layout.zero_threshold {
                created = matches!(
                    half.negative.add(bucket_index(layout.schema, v), 1),
                    Added::Created
                );
            } else {
                half.zero.fetch_add(1, Ordering::Relaxed);
            }
            // A full table (only if the limit check lags far behind) leaves the observation
            // in count and sum without a bucket, as a NaN is: never lost, never blocking.
        }
        add_f64(&half.sum, v);
        half.count.fetch_add(1, Ordering::Release);
        if created && half.buckets() > u64::from(self.config.max_buckets) {
            if let Some(mut state) = self.state.try_lock() {
                let layout = half.layout();
                let lowest = [half.positive.read(), half.negative.read()]
                    .map(|buckets| buckets.first().map(|&(key, _)| key));
                if let Some(change) = self.next_change(&state, layout, lowest, Resets::Allowed) {
                    self.apply(&mut state, change);
                    return if change == Change::Reset {
                        Limited::Reset
                    } else {
                        Limited::Reduced
                    };
                }
            }
        }
        Limited::Nothing
    }

    /// Flips the hot half; returns the old hot one, the new hot one, and the count the old
    /// one must reach once every observation started in it has finished.
    fn flip(&self, state: &State) -> (&Half, &Half, u64) {
        let flip = self.hot_cold.flip();
        let (cold, hot) = (&self.halves[flip.cold], &self.halves[flip.hot()]);
        (cold, hot, flip.started - state.discarded)
    }

    /// Waits until every observation counted in `half` before it went cold has finished.
    fn wait(half: &Half, count: u64) {
        hot_cold::wait_until(count, || half.count.load(Ordering::Acquire));
    }

    /// A consistent reading at the current layout, within the bucket limit: the layout
    /// changes first if it must, a reset included once `reset_after` has passed (what a
    /// scrape does; see [`snapshot_with`](Self::snapshot_with)).
    #[cfg(test)]
    pub(crate) fn snapshot(&self) -> (NativeSnapshot, Limited) {
        self.snapshot_with(Resets::Allowed)
    }

    /// A consistent reading at the current layout, within the bucket limit: the resolution
    /// drops first if it must, and, where `resets` allows, the histogram resets instead once
    /// `reset_after` has passed (the caller must then reset what it keeps beside).
    pub(crate) fn snapshot_with(&self, resets: Resets) -> (NativeSnapshot, Limited) {
        let mut state = self.state.lock();
        let mut limited = Limited::Nothing;
        loop {
            let merged = self.read(&state);
            let lowest = [merged.positive.first(), merged.negative.first()]
                .map(|bucket| bucket.map(|&(key, _)| key));
            let change = if merged.buckets() > self.config.max_buckets as usize {
                self.next_change(&state, merged.layout, lowest, resets)
            } else {
                None
            };
            match change {
                Some(change) => {
                    self.apply(&mut state, change);
                    limited = match (limited, change) {
                        (Limited::Reset, _) | (_, Change::Reset) => Limited::Reset,
                        _ => Limited::Reduced,
                    };
                }
                None => {
                    let snapshot = NativeSnapshot {
                        schema: merged.layout.schema,
                        zero_threshold: merged.layout.zero_threshold,
                        zero_count: merged.zero,
                        count: merged.count,
                        sum: merged.sum,
                        positive: merged.positive,
                        negative: merged.negative,
                        created: state.created,
                    };
                    return (snapshot, limited);
                }
            }
        }
    }

    /// Every thread's cells and the halves, merged at the current layout.
    fn read(&self, state: &State) -> Merged {
        let layout = self.halves[0].layout();
        let mut merged = Merged {
            layout,
            count: 0,
            sum: 0.0,
            zero: 0,
            positive: Default::default(),
            negative: Default::default(),
        };
        if let Some(local) = &self.local {
            let reset_version = self.reset_version.load(Ordering::Relaxed);
            let mut buckets = Vec::new();
            local.for_each_owned(|cells| {
                let reading = hot_cold::read(
                    &cells[SEQ],
                    || owned::read(cells, &mut buckets),
                    || self.divert.store(true, Ordering::Relaxed),
                );
                if reading.version < reset_version {
                    return; // From before the last reset; its owner discards it.
                }
                merged.count += reading.count;
                merged.sum += reading.sum;
                merged.zero += reading.zero;
                for &(negative, key, n) in &buckets {
                    merged.bucket(reading.layout, negative, key, n);
                }
            });
        }
        let (cold, hot, started) = self.flip(state);
        Self::wait(cold, started);
        let from = cold.layout();
        merged.count += cold.count.load(Ordering::Relaxed);
        merged.sum += f64::from_bits(cold.sum.load(Ordering::Relaxed));
        merged.zero += cold.zero.load(Ordering::Relaxed);
        let buckets = [cold.positive.entries(), cold.negative.entries()];
        for (negative, side) in [(false, &buckets[0]), (true, &buckets[1])] {
            for &(key, n) in side {
                merged.bucket(from, negative, key, n);
            }
        }
        hot.absorb(cold, &buckets);
        self.divert.store(false, Ordering::Relaxed);
        merged.finish();
        merged
    }

    /// A reading of no observations at the current layout.
    pub(crate) fn empty(&self) -> NativeSnapshot {
        let layout = self.halves[0].layout();
        NativeSnapshot {
            schema: layout.schema,
            zero_threshold: layout.zero_threshold,
            zero_count: 0,
            count: 0,
            sum: 0.0,
            positive: Vec::new(),
            negative: Vec::new(),
            created: 0.0,
        }
    }

    /// Observations ever counted, roughly (for idle-series detection).
    pub(crate) fn started(&self) -> u64 {
        let mut started = self.hot_cold.started();
        if let Some(local) = &self.local {
            local.for_each_owned(|cells| {
                started =
                    started.wrapping_add(cells[SEQ].load(std::sync::atomic::Ordering::Relaxed))
            });
        }
        started
    }

    /// Back to zero, now.
    pub(crate) fn reset(&self) {
        let mut state = self.state.lock();
        self.apply(&mut state, Change::Reset);
    }

    /// What to do about too many buckets at `layout`, whose lowest positive and negative
    /// buckets are `lowest`: reset (if `reset_after` has passed), widen the zero bucket to the
    /// lowest bucket's bound (if allowed that far), lower the schema, or nothing (as coarse as
    /// it gets).
    fn next_change(
        &self,
        state: &State,
        layout: Layout,
        lowest: [Option<i32>; 2],
        resets: Resets,
    ) -> Option<Change> {
        if resets == Resets::Allowed
            && self
                .config
                .reset_after
                .is_some_and(|after| state.last_reset.elapsed() >= after)
        {
            return Some(Change::Reset);
        }
        let lowest = lowest
            .into_iter()
            .flatten()
            .map(|key| bucket_upper_bound(layout.schema, key))
            .fold(f64::INFINITY, f64::min);
        if layout.zero_threshold < self.config.max_zero_threshold
            && lowest <= self.config.max_zero_threshold
        {
            return Some(Change::To(Layout {
                zero_threshold: lowest,
                ..layout
            }));
        }
        (layout.schema > MIN_SCHEMA).then_some(Change::To(Layout {
            schema: layout.schema - 1,
            ..layout
        }))
    }

    /// Makes a layout change: in both halves, then published for the threads.
    fn apply(&self, state: &mut State, change: Change) {
        let layout = match change {
            Change::To(layout) => Some(layout),
            Change::Reset => None,
        };
        self.relayout(state, layout);
        let layout = layout.unwrap_or(self.config.initial_layout());
        let version = self.version.load(Ordering::Relaxed);
        self.version.store(version + 1, Ordering::Release);
        self.schema
            .store(i64::from(layout.schema) as u64, Ordering::Release);
        self.zero_threshold
            .store(layout.zero_threshold.to_bits(), Ordering::Release);
        if change == Change::Reset {
            self.reset_version.store(version + 2, Ordering::Release);
        }
        self.version.store(version + 2, Ordering::Release);
    }

    /// Changes both halves to `layout` (or resets them, for `None`): each in turn while it
    /// is cold and quiescent.
    fn relayout(&self, state: &mut State, layout: Option<Layout>) {
        // The hot half goes cold; convert (or clear) it; it becomes hot again with the new
        // layout; then the other half, which took the observations meanwhile, folds into it.
        let (first, _, started) = self.flip(state);
        Self::wait(first, started);
        let target = layout.unwrap_or(self.config.initial_layout());
        if layout.is_some() {
            let (from, positive, negative) =
                (first.layout(), first.positive.read(), first.negative.read());
            first.positive.clear();
            first.negative.clear();
            first.set_layout(target);
            first.add_buckets(from, &positive, &negative);
        } else {
            first.clear();
            first.set_layout(target);
        }
        let first_count = first.count.load(Ordering::Relaxed);
        let flip = self.hot_cold.flip();
        let second = &self.halves[flip.cold];
        let started_total = flip.started;
        // The second half holds what started between the two flips.
        let meanwhile = started_total - state.discarded - started;
        Self::wait(second, meanwhile);
        if layout.is_some() {
            first.absorb(
                second,
                &[second.positive.entries(), second.negative.entries()],
            );
        } else {
            // A reset: what arrived during it goes with what came before.
            second.clear();
            state.discarded = started_total - first_count;
            state.last_reset = Instant::now();
            state.created = now_seconds();
        }
        second.set_layout(target);
    }
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Native")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
