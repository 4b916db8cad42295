//! The shared state of a native histogram, kept twice ("hot" and "cold" halves, see
//! `hot_cold.rs`): tables of buckets that a CAS extends and an add counts.

use crate::metric::native::maths::{rebucket, Layout, KEY_OFFSET};
use crate::runtime::float::add_f64;
use crate::runtime::sync::{AtomicU64, Ordering};

pub(super) const COUNT_BITS: u32 = 43;
pub(super) const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;

/// A bucket's slot word: the key (offset to be positive, so an empty slot is 0) above the
/// count. Keys span ±2^19 at schema 8; counts get 43 bits.
pub(super) fn tag(key: i32) -> u64 {
    ((i64::from(key) + KEY_OFFSET) as u64) << COUNT_BITS
}

pub(super) fn untag(word: u64) -> (i32, u64) {
    (
        ((word >> COUNT_BITS) as i64 - KEY_OFFSET) as i32,
        word & COUNT_MASK,
    )
}

/// An open-addressed table of buckets: a CAS claims an empty slot, an add counts.
pub(super) struct Table {
    pub(super) slots: Box<[AtomicU64]>,
    pub(super) used: AtomicU64,
}

pub(super) enum Added {
    Existing,
    Created,
    Full,
}

impl Table {
    pub(super) fn new(capacity: usize) -> Table {
        Table {
            slots: (0..capacity).map(|_| AtomicU64::new(0)).collect(),
            used: AtomicU64::new(0),
        }
    }

    #[inline]
    pub(super) fn add(&self, key: i32, n: u64) -> Added {
        let tag = tag(key);
        let mask = self.slots.len() - 1;
        let mut i =
            (u64::from(key as u32).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as usize & mask;
        for _ in 0..self.slots.len() {
            let slot = &self.slots[i];
            let word = slot.load(Ordering::Relaxed);
            if word & !COUNT_MASK == tag {
                slot.fetch_add(n, Ordering::Relaxed);
                return Added::Existing;
            }
            if word == 0 {
                match slot.compare_exchange(0, tag | n, Ordering::Relaxed, Ordering::Relaxed) {
                    Ok(_) => {
                        self.used.fetch_add(1, Ordering::Relaxed);
                        return Added::Created;
                    }
                    Err(now) if now & !COUNT_MASK == tag => {
                        slot.fetch_add(n, Ordering::Relaxed);
                        return Added::Existing;
                    }
                    Err(_) => {}
                }
            }
            i = (i + 1) & mask;
        }
        Added::Full
    }

    /// Every bucket with observations, by key. Only on a quiescent table.
    pub(super) fn read(&self) -> Vec<(i32, u64)> {
        let mut buckets = self.entries();
        buckets.sort_unstable_by_key(|&(k, _)| k);
        buckets
    }

    /// Every bucket with observations, in table order. Only on a quiescent table.
    pub(super) fn entries(&self) -> Vec<(i32, u64)> {
        self.slots
            .iter()
            .map(|s| s.load(Ordering::Relaxed))
            .filter(|&w| w != 0)
            .map(untag)
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// Empties a quiescent table.
    pub(super) fn clear(&self) {
        self.slots
            .iter()
            .for_each(|s| s.store(0, Ordering::Relaxed));
        self.used.store(0, Ordering::Relaxed);
    }
}

/// One of the two copies of the state.
pub(super) struct Half {
    pub(super) schema: AtomicU64,
    pub(super) zero_threshold: AtomicU64,
    pub(super) count: AtomicU64,
    pub(super) sum: AtomicU64,
    pub(super) zero: AtomicU64,
    pub(super) positive: Table,
    pub(super) negative: Table,
}

impl Half {
    pub(super) fn new(layout: Layout, capacity: usize) -> Half {
        let half = Half {
            schema: AtomicU64::new(0),
            zero_threshold: AtomicU64::new(0),
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            zero: AtomicU64::new(0),
            positive: Table::new(capacity),
            negative: Table::new(capacity),
        };
        half.set_layout(layout);
        half
    }

    pub(super) fn layout(&self) -> Layout {
        Layout {
            schema: self.schema.load(Ordering::Relaxed) as i64 as i8,
            zero_threshold: f64::from_bits(self.zero_threshold.load(Ordering::Relaxed)),
        }
    }

    pub(super) fn set_layout(&self, layout: Layout) {
        self.schema
            .store(i64::from(layout.schema) as u64, Ordering::Relaxed);
        self.zero_threshold
            .store(layout.zero_threshold.to_bits(), Ordering::Relaxed);
    }

    pub(super) fn buckets(&self) -> u64 {
        self.positive.used.load(Ordering::Relaxed) + self.negative.used.load(Ordering::Relaxed)
    }

    /// Adds buckets read at layout `from` into this half (at its own, coarser or equal,
    /// layout).
    pub(super) fn add_buckets(
        &self,
        from: Layout,
        positive: &[(i32, u64)],
        negative: &[(i32, u64)],
    ) {
        let to = self.layout();
        for (table, buckets) in [(&self.positive, positive), (&self.negative, negative)] {
            for &(key, n) in buckets {
                match rebucket(key, from, to) {
                    None => {
                        self.zero.fetch_add(n, Ordering::Relaxed);
                    }
                    // A full table (see `observe`) keeps these in count and sum only.
                    Some(key) => {
                        let _ = table.add(key, n);
                    }
                }
            }
        }
    }

    /// Moves everything of the quiescent half `other`, whose `entries` of each table
    /// (positive, negative) the caller read, into this one.
    pub(super) fn absorb(&self, other: &Half, entries: &[Vec<(i32, u64)>; 2]) {
        let from = other.layout();
        self.add_buckets(from, &entries[0], &entries[1]);
        self.zero
            .fetch_add(other.zero.load(Ordering::Relaxed), Ordering::Relaxed);
        add_f64(&self.sum, f64::from_bits(other.sum.load(Ordering::Relaxed)));
        self.count
            .fetch_add(other.count.load(Ordering::Relaxed), Ordering::Relaxed);
        other.clear();
    }

    pub(super) fn clear(&self) {
        self.positive.clear();
        self.negative.clear();
        self.zero.store(0, Ordering::Relaxed);
        self.sum.store(0, Ordering::Relaxed);
        self.count.store(0, Ordering::Relaxed);
    }
}
