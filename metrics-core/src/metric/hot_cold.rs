//! The concurrency core both histograms (classic and native) record through.
//!
//! An observation normally goes to cells owned by the observing thread (see
//! `runtime/cells/`), written by that thread alone under a sequence lock ([`write`]): the
//! writer bumps `seq` to odd, updates its cells with plain loads and stores, and bumps it back
//! to even; the fences this needs are free on x86. A reader keeps a read of a thread's cells
//! only if `seq` was even and unchanged around it ([`read`]), so it sees whole observations.
//!
//! A thread observing in a tight loop could keep a reader retrying. After
//! [`READS_BEFORE_DIVERT`] failed reads the reader diverts the histogram's observers, which
//! then record into two shared halves, "hot" and "cold", until the reading ends (the scheme
//! of client_golang), as do observers whose cells cannot take an observation. [`HotCold`]
//! counts the observations started in the halves, and its top bit names the hot one; a
//! reader flips the bit, waits until the observations counted before the flip have finished
//! in the old half ([`wait_until`]), reads it, and folds it into the new hot one. Each
//! observation lands in exactly one place, so the sum of the consistent parts is consistent:
//! the buckets add up to the count, and the sum is the sum of the same observations.
//!
//! What the cells and the halves hold (a count per bucket, or a table of sparse buckets) is
//! each histogram's own.

use std::sync::atomic::Ordering as OwnedOrdering;

use crate::runtime::cells::OwnedCell;
use crate::runtime::sync::{fence, spin_yield, AtomicU64, Ordering};

/// Failed reads of one thread's cells before a reader diverts observers to the halves.
pub(crate) const READS_BEFORE_DIVERT: u32 = 8;

/// The top bit of [`HotCold`]'s word: which half is hot.
const HOT_BIT: u64 = 1 << 63;

/// Which of two shared halves is hot, and how many observations ever started in them.
#[derive(Debug, Default)]
pub(crate) struct HotCold {
    count_and_hot: AtomicU64,
}

/// What a flip found: the half that went cold, and how many observations had started in
/// either half before it (the caller subtracts what the other half already holds).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flip {
    pub(crate) cold: usize,
    pub(crate) started: u64,
}

impl Flip {
    /// The half that is hot after the flip.
    pub(crate) fn hot(self) -> usize {
        self.cold ^ 1
    }
}

impl HotCold {
    pub(crate) fn new() -> HotCold {
        HotCold::default()
    }

    /// An observation starts in the halves: the index of the one to record into.
    #[inline]
    pub(crate) fn start(&self) -> usize {
        (self.count_and_hot.fetch_add(1, Ordering::AcqRel) >> 63) as usize
    }

    /// Makes the hot half cold and the cold one hot. Observations counted before this went
    /// to the half now cold; the caller waits for them there ([`wait_until`]) before
    /// reading it.
    pub(crate) fn flip(&self) -> Flip {
        let before = self.count_and_hot.fetch_add(HOT_BIT, Ordering::AcqRel);
        Flip {
            cold: (before >> 63) as usize,
            started: before & !HOT_BIT,
        }
    }

    /// Observations ever started in the halves (changes with each; for idle detection).
    pub(crate) fn started(&self) -> u64 {
        self.count_and_hot.load(Ordering::Relaxed) & !HOT_BIT
    }
}

/// Spins until `finished()` (a half's count of finished observations, read with Acquire)
/// reaches `count`: the observations that started in the half before it went cold are then
/// all in it.
pub(crate) fn wait_until(count: u64, finished: impl Fn() -> u64) {
    while finished() != count {
        spin_yield();
    }
}

/// Runs `update` as one write of the cells that `seq` guards. Only the cells' owner calls
/// it; readers never see half of an update.
#[inline(always)]
pub(crate) fn write<R>(seq: &OwnedCell, update: impl FnOnce() -> R) -> R {
    let before = seq.load(OwnedOrdering::Relaxed);
    seq.store(before.wrapping_add(1), OwnedOrdering::Relaxed);
    // Orders the odd `seq` before the writes (a compiler barrier on x86).
    fence(OwnedOrdering::Release);
    let result = update();
    seq.store(before.wrapping_add(2), OwnedOrdering::Release);
    result
}

/// One attempt at a stable read of the cells `seq` guards: `None` if the owner was writing.
#[inline]
pub(crate) fn try_read<R>(seq: &OwnedCell, read: impl FnOnce() -> R) -> Option<R> {
    let before = seq.load(OwnedOrdering::Acquire);
    if before % 2 == 1 {
        return None;
    }
    let result = read();
    // Orders the reads before the check below.
    fence(OwnedOrdering::Acquire);
    (seq.load(OwnedOrdering::Relaxed) == before).then_some(result)
}

/// Reads the cells `seq` guards until a read is stable. After [`READS_BEFORE_DIVERT`]
/// failed attempts it calls `divert`, which sends the owner's next observations to the
/// halves, so that the read finishes however fast the owner observes.
pub(crate) fn read<R>(seq: &OwnedCell, mut read: impl FnMut() -> R, divert: impl FnOnce()) -> R {
    let mut divert = Some(divert);
    let mut failed = 0;
    loop {
        if let Some(result) = try_read(seq, &mut read) {
            return result;
        }
        failed += 1;
        if failed >= READS_BEFORE_DIVERT {
            if let Some(divert) = divert.take() {
                divert();
            }
        }
        spin_yield();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_flip_names_the_cold_half_and_what_started() {
        let halves = HotCold::new();
        assert_eq!(halves.start(), 0);
        assert_eq!(halves.start(), 0);
        let flip = halves.flip();
        assert_eq!((flip.cold, flip.hot(), flip.started), (0, 1, 2));
        assert_eq!(halves.start(), 1);
        assert_eq!(halves.started(), 3);
        let flip = halves.flip();
        assert_eq!((flip.cold, flip.started), (1, 3));
    }

    #[test]
    fn a_read_during_a_write_fails_and_a_stalled_reader_diverts() {
        let seq = OwnedCell::new(0);
        let cell = OwnedCell::new(0);
        write(&seq, || cell.store(5, OwnedOrdering::Relaxed));
        assert_eq!(
            try_read(&seq, || cell.load(OwnedOrdering::Relaxed)),
            Some(5)
        );
        // An owner stopped halfway through a write (odd seq): every attempt fails.
        seq.store(3, OwnedOrdering::Relaxed);
        assert_eq!(try_read(&seq, || ()), None);
        let diverted = std::cell::Cell::new(0);
        let value = read(
            &seq,
            || cell.load(OwnedOrdering::Relaxed),
            || {
                diverted.set(diverted.get() + 1);
                // Diverted, the owner finishes its write and records elsewhere.
                seq.store(4, OwnedOrdering::Relaxed);
            },
        );
        assert_eq!((value, diverted.get()), (5, 1));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use std::sync::Arc;

    /// Two halves of (count, sum): observers record whole observations, a reader flips,
    /// waits, reads the cold half and folds it into the hot one. Whatever the interleaving,
    /// the reading holds whole observations, and after the observers finish nothing is lost.
    #[test]
    fn a_reading_holds_whole_observations() {
        loom::model(|| {
            struct Half {
                sum: AtomicU64,
                count: AtomicU64,
            }
            let shared = Arc::new((
                HotCold::new(),
                [0, 1].map(|_| Half {
                    sum: AtomicU64::new(0),
                    count: AtomicU64::new(0),
                }),
            ));
            let observers: Vec<_> = [1u64, 10]
                .into_iter()
                .map(|v| {
                    let shared = Arc::clone(&shared);
                    loom::thread::spawn(move || {
                        let (hot_cold, halves) = &*shared;
                        let half = &halves[hot_cold.start()];
                        half.sum.fetch_add(v, Ordering::Relaxed);
                        // Release: a reader that sees the count sees the sum.
                        half.count.fetch_add(1, Ordering::Release);
                    })
                })
                .collect();
            let (hot_cold, halves) = &*shared;
            let read = || {
                let flip = hot_cold.flip();
                let cold = &halves[flip.cold];
                let hot = &halves[flip.hot()];
                // Earlier readings folded everything into the half now cold.
                wait_until(flip.started, || cold.count.load(Ordering::Acquire));
                let (count, sum) = (
                    cold.count.load(Ordering::Relaxed),
                    cold.sum.load(Ordering::Relaxed),
                );
                hot.sum.fetch_add(sum, Ordering::Relaxed);
                hot.count.fetch_add(count, Ordering::Release);
                cold.sum.store(0, Ordering::Relaxed);
                cold.count.store(0, Ordering::Relaxed);
                (count, sum)
            };
            let (count, sum) = read();
            let whole = match count {
                0 => sum == 0,
                1 => sum == 1 || sum == 10,
                _ => sum == 11,
            };
            assert!(whole, "count {count} with sum {sum}");
            for o in observers {
                o.join().unwrap();
            }
            let (count, sum) = read();
            assert_eq!((count, sum), (2, 11));
        });
    }
}
