//! A dense family's slot: its series is made once, on first use, then is live or retired
//! until the family goes, and the lookup learns which from one byte.
//!
//! A `OnceLock` holding the metric beside a retired flag costs the lookup two loads and two
//! branches (was it made; is it live). Here one state says both, so `family.get(..).inc()` on
//! a fixed label set tests one byte before the metric's `inc`.

use std::mem::MaybeUninit;

use crate::runtime::sync::{spin_yield, AtomicU8, Ordering, UnsafeCell};

/// Not made yet; the only state the metric is not written in.
const EMPTY: u8 = 0;
/// One thread is writing the metric.
const MAKING: u8 = 1;
/// Made, and removed or not yet counted as live.
const RETIRED: u8 = 2;
/// Made and live: the lookup's one fast case.
const LIVE: u8 = 3;

pub(crate) struct DenseSlot<M> {
    /// `EMPTY` → `MAKING` → `RETIRED`, then `RETIRED` ⇄ `LIVE` for good. The store that ends
    /// `MAKING` is a release, and every later change is a read-modify-write, which continues
    /// its release sequence: whoever acquires any state past `MAKING` sees the metric.
    state: AtomicU8,
    metric: UnsafeCell<MaybeUninit<M>>,
}

// SAFETY: the metric is written once, by the thread that moved the state from `EMPTY` to
// `MAKING`, and read only after an acquire load of a later state (see `state`), so threads
// share it as `&M`: hence `M: Sync`; it is dropped with the slot, maybe on another thread:
// hence `M: Send`. (`Send` itself needs nothing: the slot owns its metric.)
#[allow(unsafe_code)]
unsafe impl<M: Send + Sync> Sync for DenseSlot<M> {}

// Every `unsafe` here reaches the metric, and says which state makes that sound.
#[allow(unsafe_code)]
impl<M> DenseSlot<M> {
    pub(crate) fn new() -> DenseSlot<M> {
        DenseSlot {
            state: AtomicU8::new(EMPTY),
            metric: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// The metric if it is made and live: the lookup's common case, one load and one branch.
    #[inline(always)]
    pub(crate) fn live(&self) -> Option<&M> {
        if self.state.load(Ordering::Acquire) == LIVE {
            // SAFETY: `LIVE` is past `MAKING`, and the acquire load saw it.
            Some(unsafe { self.metric_unchecked() })
        } else {
            None
        }
    }

    /// The metric and whether it is live, if it is made.
    pub(crate) fn made(&self) -> Option<(&M, bool)> {
        match self.state.load(Ordering::Acquire) {
            EMPTY | MAKING => None,
            // SAFETY: past `MAKING`, seen by an acquire load.
            state => Some((unsafe { self.metric_unchecked() }, state == LIVE)),
        }
    }

    /// The metric, made retired by `make` if nobody made it before. A thread that finds
    /// another one making it waits for it; a `make` that panics leaves the slot empty.
    pub(crate) fn get_or_make(&self, make: impl FnOnce() -> M) -> &M {
        loop {
            match self
                .state
                .compare_exchange(EMPTY, MAKING, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(MAKING) => spin_yield(),
                // SAFETY: past `MAKING`, seen by an acquire load.
                Err(_) => return unsafe { self.metric_unchecked() },
            }
        }
        struct Unmake<'a>(&'a AtomicU8);
        impl Drop for Unmake<'_> {
            fn drop(&mut self) {
                self.0.store(EMPTY, Ordering::Release);
            }
        }
        let unmake = Unmake(&self.state);
        let metric = make();
        // SAFETY: this thread moved the state to `MAKING`, so no other thread reads or writes
        // the metric until the release store below.
        self.metric
            .with_mut(|cell| unsafe { (*cell).write(metric) });
        std::mem::forget(unmake);
        self.state.store(RETIRED, Ordering::Release);
        // SAFETY: written above, and this thread's own store ended `MAKING`.
        unsafe { self.metric_unchecked() }
    }

    /// Marks a made series removed; returns whether it was live. Nothing to do on a slot not
    /// made yet.
    pub(crate) fn retire(&self) -> bool {
        self.state
            .compare_exchange(LIVE, RETIRED, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }

    /// Brings a made series back; returns whether it was retired (and so this call brought
    /// it back).
    pub(crate) fn revive(&self) -> bool {
        self.state
            .compare_exchange(RETIRED, LIVE, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }

    /// # Safety
    /// The caller has seen, by an acquire load or its own store, a state past `MAKING`.
    #[inline(always)]
    unsafe fn metric_unchecked(&self) -> &M {
        // SAFETY: the state the caller saw is stored only after the metric was written, and
        // nothing writes it again while the slot lives.
        self.metric
            .with(|cell| unsafe { (*cell).assume_init_ref() })
    }
}

impl<M> Drop for DenseSlot<M> {
    fn drop(&mut self) {
        if self.state.load(Ordering::Acquire) >= RETIRED {
            // SAFETY: made (the state is past `MAKING`), and `&mut self` means nobody else
            // holds the metric.
            #[allow(unsafe_code)]
            self.metric
                .with_mut(|cell| unsafe { (*cell).assume_init_drop() });
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::DenseSlot;
    use loom::sync::Arc;

    /// Two threads make the same slot, revive it and read it: one of them writes the metric,
    /// the other waits and reads what it wrote, and the slot ends live once.
    #[test]
    fn one_thread_makes_the_metric_and_both_read_it() {
        loom::model(|| {
            let slot = Arc::new(DenseSlot::<u64>::new());
            let other = slot.clone();
            let maker = loom::thread::spawn(move || {
                let made = *other.get_or_make(|| 7);
                (made, other.revive())
            });
            let made = *slot.get_or_make(|| 7);
            let revived = slot.revive();
            let seen = slot.live().copied();
            let (their_made, their_revive) = maker.join().unwrap();
            assert_eq!((made, their_made), (7, 7));
            assert!(revived ^ their_revive, "exactly one revival counts");
            assert_eq!(seen, Some(7));
            assert!(slot.retire());
            assert_eq!(slot.made(), Some((&7, false)));
        });
    }

    /// A reader that finds the slot live reads the metric the maker wrote.
    #[test]
    fn a_live_slot_is_read_after_its_making() {
        loom::model(|| {
            let slot = Arc::new(DenseSlot::<u64>::new());
            let other = slot.clone();
            let maker = loom::thread::spawn(move || {
                other.get_or_make(|| 11);
                other.revive();
            });
            if let Some(metric) = slot.live() {
                assert_eq!(*metric, 11);
            }
            maker.join().unwrap();
            assert_eq!(slot.live(), Some(&11));
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::DenseSlot;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::Arc;

    #[test]
    fn a_make_that_panics_leaves_the_slot_empty() {
        let slot = DenseSlot::<String>::new();
        let made = catch_unwind(AssertUnwindSafe(|| {
            slot.get_or_make(|| panic!("no metric"));
        }));
        assert!(made.is_err());
        assert_eq!(slot.made(), None);
        assert_eq!(slot.get_or_make(|| "second".into()), "second");
        assert_eq!(slot.made(), Some((&"second".to_string(), false)));
    }

    #[test]
    fn states_move_only_between_retired_and_live() {
        let slot = DenseSlot::<u8>::new();
        assert!(
            !slot.revive() && !slot.retire(),
            "nothing to do before it is made"
        );
        assert_eq!(*slot.get_or_make(|| 1), 1);
        assert_eq!(*slot.get_or_make(|| 2), 1, "made once");
        assert_eq!(slot.live(), None);
        assert!(slot.revive() && !slot.revive());
        assert_eq!(slot.live(), Some(&1));
        assert!(slot.retire() && !slot.retire());
        assert_eq!(slot.made(), Some((&1, false)));
    }

    #[test]
    fn the_slot_drops_its_metric_once() {
        let metric = Arc::new(());
        let slot = DenseSlot::new();
        slot.get_or_make(|| metric.clone());
        assert_eq!(Arc::strong_count(&metric), 2);
        drop(slot);
        assert_eq!(Arc::strong_count(&metric), 1);
        drop(DenseSlot::<Arc<()>>::new());
    }
}
