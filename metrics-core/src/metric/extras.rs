//! What few counters use (fractional increments, a reset, an exemplar, the fallback when the
//! process runs out of thread-owned cells), kept in one slab for the whole process and named
//! by a 4-byte index, so that a counter without them carries 4 bytes instead of a pointer.
//!
//! - The slab is a list of buckets, each twice the size of the one before, made on first use
//!   and never freed: a lookup is one load and takes no lock, the slab never moves what it
//!   holds, and at most half of it is unused. Its buckets have room for every `u32` index, so
//!   memory runs out before the slab does.
//! - A counter takes an index at its first fractional increment, reset or exemplar, and gives
//!   it back when it is dropped; the extras are cleared then, so that the next counter starts
//!   from zero.
//!
//! Not modelled under loom: each field is one atomic on its own, with no protocol between
//! them, and the slab outlives any one model run.

// The fields are `crate::sync`'s, as the code that updates them expects; the slot is std's.
use std::sync::atomic::AtomicU32;
use std::sync::OnceLock;

use crate::runtime::sync::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::model::Exemplar;

/// Extras in the first bucket; bucket `k` holds `FIRST << k` of them.
const FIRST: usize = 32;
/// Buckets: `FIRST * (2^BUCKETS - 1)` indexes, more than `u32` counts.
const BUCKETS: usize = 28;

#[derive(Debug, Default)]
pub(crate) struct Extras {
    /// Integer increments when the counter has no thread-owned cell.
    pub(crate) int: AtomicU64,
    /// The sum of fractional increments, as `f64` bits.
    pub(crate) float_bits: AtomicU64,
    /// The integer value at the last reset, subtracted on reads.
    pub(crate) reset_at: AtomicU64,
    /// The latest exemplar.
    pub(crate) exemplar: Mutex<Option<Exemplar>>,
}

impl Extras {
    /// Back to the state of a fresh `Extras`; its counter is gone, so no one else looks.
    fn clear(&self) {
        self.int.store(0, Ordering::Relaxed);
        self.float_bits.store(0, Ordering::Relaxed);
        self.reset_at.store(0, Ordering::Relaxed);
        *self.exemplar.lock() = None;
    }
}

struct Slab {
    buckets: [OnceLock<Box<[Extras]>>; BUCKETS],
    /// The next never-used index, and indexes given back.
    ids: Mutex<(u32, Vec<u32>)>,
}

static SLAB: Slab = Slab {
    buckets: [const { OnceLock::new() }; BUCKETS],
    ids: Mutex::new((0, Vec::new())),
};

impl Slab {
    /// The extras at `i`, making its bucket if need be.
    fn at(&self, i: u32) -> &Extras {
        // Bucket `k` starts at index `FIRST * (2^k - 1)`.
        let n = i as usize / FIRST + 1;
        let k = n.ilog2() as usize;
        let bucket =
            self.buckets[k].get_or_init(|| (0..FIRST << k).map(|_| Extras::default()).collect());
        &bucket[i as usize - FIRST * ((1 << k) - 1)]
    }

    fn take(&self) -> u32 {
        let mut ids = self.ids.lock();
        if let Some(i) = ids.1.pop() {
            return i;
        }
        let i = ids.0;
        // Unreachable: 4 billion extras alive at once would need some 250 GB first.
        ids.0 = i.checked_add(1).unwrap_or_else(|| std::process::abort());
        i
    }

    fn give_back(&self, i: u32) {
        self.ids.lock().1.push(i);
    }
}

/// A counter's handle on its extras: none, or an index into the slab (plus one).
#[derive(Debug, Default)]
pub(crate) struct ExtrasSlot(AtomicU32);

impl ExtrasSlot {
    /// The extras, if the counter has any yet.
    #[inline]
    pub(crate) fn get(&self) -> Option<&Extras> {
        match self.0.load(Ordering::Acquire) {
            0 => None,
            i => Some(SLAB.at(i - 1)),
        }
    }

    /// The extras, taking a slot in the slab at the first call.
    pub(crate) fn get_or_init(&self) -> &Extras {
        if let Some(extras) = self.get() {
            return extras;
        }
        let mine = SLAB.take();
        let extras = SLAB.at(mine);
        match self
            .0
            .compare_exchange(0, mine + 1, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => extras,
            // Another thread got there first: keep its extras (ours were never used).
            Err(theirs) => {
                SLAB.give_back(mine);
                SLAB.at(theirs - 1)
            }
        }
    }
}

impl Drop for ExtrasSlot {
    fn drop(&mut self) {
        let i = *self.0.get_mut();
        if i != 0 {
            SLAB.at(i - 1).clear();
            SLAB.give_back(i - 1);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn extras_are_made_once_and_come_back_cleared() {
        let a = ExtrasSlot::default();
        assert!(a.get().is_none());
        a.get_or_init().int.store(7, Ordering::Relaxed);
        assert!(std::ptr::eq(a.get().unwrap(), a.get_or_init()));
        let index = a.0.load(Ordering::Relaxed);
        drop(a);
        // Other tests take slots too; look for ours among a few new ones.
        let next: Vec<ExtrasSlot> = (0..64).map(|_| ExtrasSlot::default()).collect();
        next.iter().for_each(|s| {
            s.get_or_init();
        });
        if let Some(reused) = next.iter().find(|s| s.0.load(Ordering::Relaxed) == index) {
            assert_eq!(reused.get().unwrap().int.load(Ordering::Relaxed), 0);
        }
        assert!(next
            .iter()
            .all(|s| s.get().unwrap().int.load(Ordering::Relaxed) == 0));
    }

    #[test]
    fn racing_first_uses_agree_on_one_extras() {
        let slot = ExtrasSlot::default();
        let seen: Vec<usize> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| slot.get_or_init() as *const Extras as usize))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
    }
}
