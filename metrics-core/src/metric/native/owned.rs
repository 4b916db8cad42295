//! A thread's own cells of a native histogram, written by that thread alone under the
//! sequence lock of `hot_cold.rs`: a small open-addressed table of its buckets.

use std::sync::atomic::Ordering;

use crate::runtime::cells::OwnedCell as AtomicU64;

use crate::metric::hot_cold;
use crate::metric::native::maths::{bucket_index, rebucket, Layout, KEY_OFFSET};

// A thread's cells of a native histogram: a sequence number (odd while the owner writes),
// the layout version and layout its buckets are at, the observations in no bucket (NaN),
// sum and zero bucket, then `LOCAL_SLOTS` (tag, count) pairs: an open-addressed table of
// the thread's buckets. The count is the sum of the buckets, so observing need not keep it.
pub(super) const SEQ: usize = 0;
pub(super) const VERSION: usize = 1;
pub(super) const SCHEMA: usize = 2;
pub(super) const ZERO_THRESHOLD: usize = 3;
pub(super) const UNBUCKETED: usize = 4;
pub(super) const SUM: usize = 5;
pub(super) const ZERO: usize = 6;
pub(super) const SLOTS: usize = 7;
pub(super) const LOCAL_SLOTS: usize = if cfg!(loom) { 2 } else { 128 };
pub(super) const LOCAL_WORDS: usize = SLOTS + 2 * LOCAL_SLOTS;

/// What a reader takes from one thread's cells.
pub(super) struct Reading {
    pub(super) version: u64,
    pub(super) layout: Layout,
    pub(super) count: u64,
    pub(super) sum: f64,
    pub(super) zero: u64,
}

/// A bucket's tag: key and sign, never 0 (an empty slot).
fn slot_tag(negative: bool, key: i32) -> u64 {
    ((((i64::from(key) + KEY_OFFSET) as u64) << 1) | u64::from(negative)) + 1
}

fn untag(tag: u64) -> (bool, i32) {
    let t = tag - 1;
    (t & 1 == 1, ((t >> 1) as i64 - KEY_OFFSET) as i32)
}

/// How far from its home slot an observation looks for its bucket before it goes to the
/// shared halves. Without a bound, a full table (a thread that has seen more buckets than
/// it has slots, as latencies spread over many powers of two do) cost every observation of
/// a bucket not in it a scan of all the slots: 100 ns where the shared halves take 20.
const MAX_PROBES: usize = if LOCAL_SLOTS < 8 { LOCAL_SLOTS } else { 8 };

/// The slot holding `tag`, or the empty one it would take, within `probes` slots of its
/// home; `None` if there is none.
#[inline]
fn find(cells: &[AtomicU64; LOCAL_WORDS], tag: u64, probes: usize) -> Option<usize> {
    let mask = LOCAL_SLOTS - 1;
    // Keys of one histogram are mostly consecutive: direct mapping spreads them.
    let mut j = tag as usize & mask;
    for _ in 0..probes {
        let t = cells[SLOTS + 2 * j].load(Ordering::Relaxed);
        if t == tag || t == 0 {
            return Some(j);
        }
        j = (j + 1) & mask;
    }
    None
}

#[inline]
fn bump(cell: &AtomicU64, n: u64) {
    cell.store(cell.load(Ordering::Relaxed) + n, Ordering::Relaxed);
}

/// Records `v` if the thread's table has room for its bucket; otherwise writes nothing
/// and says so. Only the cells' owner calls it.
#[inline]
pub(super) fn record(cells: &[AtomicU64; LOCAL_WORDS], v: f64) -> bool {
    let schema = cells[SCHEMA].load(Ordering::Relaxed) as i64 as i8;
    let zero_threshold = f64::from_bits(cells[ZERO_THRESHOLD].load(Ordering::Relaxed));
    let target = (v.abs() > zero_threshold) // false for the zero bucket and NaN
        .then(|| slot_tag(v.is_sign_negative(), bucket_index(schema, v)));
    let slot = match target {
        // Slots fill and never empty within a layout, so a bucket placed further than
        // MAX_PROBES (only `adopt` does) is never found here: it goes to the halves, and a
        // reading adds both.
        Some(tag) => match find(cells, tag, MAX_PROBES) {
            Some(j) => Some((tag, j)),
            None => return false,
        },
        None => None,
    };
    hot_cold::write(&cells[SEQ], || {
        match slot {
            Some((tag, j)) => {
                if cells[SLOTS + 2 * j].load(Ordering::Relaxed) == 0 {
                    cells[SLOTS + 2 * j].store(tag, Ordering::Relaxed);
                }
                bump(&cells[SLOTS + 2 * j + 1], 1);
            }
            None if !v.is_nan() => bump(&cells[ZERO], 1),
            None => bump(&cells[UNBUCKETED], 1),
        }
        let sum = &cells[SUM];
        sum.store(
            (f64::from_bits(sum.load(Ordering::Relaxed)) + v).to_bits(),
            Ordering::Relaxed,
        );
    });
    true
}

/// Brings the cells to `layout` at `version`: converts the buckets, or discards
/// everything after a reset. Only the cells' owner calls it.
pub(super) fn adopt(cells: &[AtomicU64; LOCAL_WORDS], version: u64, layout: Layout, reset: bool) {
    hot_cold::write(&cells[SEQ], || {
        let from = Layout {
            schema: cells[SCHEMA].load(Ordering::Relaxed) as i64 as i8,
            zero_threshold: f64::from_bits(cells[ZERO_THRESHOLD].load(Ordering::Relaxed)),
        };
        let mut buckets = Vec::new();
        for j in 0..LOCAL_SLOTS {
            let tag = cells[SLOTS + 2 * j].swap(0, Ordering::Relaxed);
            let n = cells[SLOTS + 2 * j + 1].swap(0, Ordering::Relaxed);
            if tag != 0 && !reset {
                buckets.push((untag(tag), n));
            }
        }
        if reset {
            for i in [UNBUCKETED, SUM, ZERO] {
                cells[i].store(0, Ordering::Relaxed);
            }
        }
        cells[SCHEMA].store(i64::from(layout.schema) as u64, Ordering::Relaxed);
        cells[ZERO_THRESHOLD].store(layout.zero_threshold.to_bits(), Ordering::Relaxed);
        for ((negative, key), n) in buckets {
            match rebucket(key, from, layout) {
                None => bump(&cells[ZERO], n),
                Some(key) => {
                    let tag = slot_tag(negative, key);
                    // Coarser keys are fewer than the slots they came from: there is room,
                    // though perhaps further than an observation looks.
                    if let Some(j) = find(cells, tag, LOCAL_SLOTS) {
                        cells[SLOTS + 2 * j].store(tag, Ordering::Relaxed);
                        bump(&cells[SLOTS + 2 * j + 1], n);
                    }
                }
            }
        }
        cells[VERSION].store(version, Ordering::Relaxed);
    });
}

/// A thread's buckets into `out` as (negative, key, count), with the rest of its
/// reading: one attempt inside `hot_cold::read`.
pub(super) fn read(cells: &[AtomicU64], out: &mut Vec<(bool, i32, u64)>) -> Reading {
    let zero = cells[ZERO].load(Ordering::Relaxed);
    let mut reading = Reading {
        version: cells[VERSION].load(Ordering::Relaxed),
        layout: Layout {
            schema: cells[SCHEMA].load(Ordering::Relaxed) as i64 as i8,
            zero_threshold: f64::from_bits(cells[ZERO_THRESHOLD].load(Ordering::Relaxed)),
        },
        count: cells[UNBUCKETED].load(Ordering::Relaxed) + zero,
        sum: f64::from_bits(cells[SUM].load(Ordering::Relaxed)),
        zero,
    };
    out.clear();
    for j in 0..LOCAL_SLOTS {
        let tag = cells[SLOTS + 2 * j].load(Ordering::Relaxed);
        let n = cells[SLOTS + 2 * j + 1].load(Ordering::Relaxed);
        if tag != 0 && n != 0 {
            let (negative, key) = untag(tag);
            out.push((negative, key, n));
            reading.count += n;
        }
    }
    reading
}
