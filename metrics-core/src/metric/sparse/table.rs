//! One table of a hashed family: control bytes, metric handles and value ids per place.

use std::mem::MaybeUninit;

use crate::metric::header::SeriesHash;
use crate::runtime::sync::{AtomicU32, AtomicU64, AtomicU8, Ordering, UnsafeCell};

/// Control bytes: a live place holds `LIVE | 7 bits of the hash`.
pub(super) const EMPTY: u8 = 0;
/// Removed, and perhaps still read by a pinned lookup: probes go past it.
pub(super) const REMOVED: u8 = 1;
/// Removed, and read by no lookup any more: probes go past it, inserts may take it.
pub(super) const FREE: u8 = 2;
pub(super) const LIVE: u8 = 0x80;

/// A place's metric: written by the writer before the place is published, and owned by the
/// table while the place is live.
pub(super) struct MetricSlot<M>(pub(super) UnsafeCell<MaybeUninit<M>>);

/// One table: a power of two of places, at most 7/8 of them not empty.
pub(super) struct Table<M> {
    pub(super) mask: usize,
    pub(super) control: Box<[AtomicU8]>,
    pub(super) metrics: Box<[MetricSlot<M>]>,
    /// `arity` value ids per place, in label order.
    pub(super) ids: Box<[AtomicU32]>,
    /// Per place, for families whose idle series expire: what the last scrape saw of the
    /// metric (see [`pack_seen`]).
    pub(super) seen: Option<Box<[AtomicU64]>>,
}

impl<M> Table<M> {
    pub(super) fn new(capacity: usize, arity: usize, expires: bool) -> Box<Table<M>> {
        let capacity = capacity.next_power_of_two().max(8);
        Box::new(Table {
            mask: capacity - 1,
            control: (0..capacity).map(|_| AtomicU8::new(EMPTY)).collect(),
            metrics: (0..capacity)
                .map(|_| MetricSlot(UnsafeCell::new(MaybeUninit::uninit())))
                .collect(),
            ids: (0..capacity * arity).map(|_| AtomicU32::new(0)).collect(),
            seen: expires.then(|| (0..capacity).map(|_| AtomicU64::new(0)).collect()),
        })
    }

    pub(super) fn capacity(&self) -> usize {
        self.mask + 1
    }

    /// Where `hash`'s probes start.
    #[inline(always)]
    pub(super) fn start(&self, hash: SeriesHash) -> usize {
        hash.position() & self.mask
    }

    /// The place after `at`, round the end.
    #[inline(always)]
    pub(super) fn next(&self, at: usize) -> usize {
        (at + 1) & self.mask
    }

    /// Whether `used` places not empty stay within the load the probes are cheap at.
    pub(super) fn fits(&self, used: usize) -> bool {
        used * 8 <= self.capacity() * 7
    }

    /// The value ids of place `at`.
    #[inline(always)]
    pub(super) fn ids(&self, at: usize, arity: usize) -> &[AtomicU32] {
        let start = at * arity;
        self.ids.get(start..start + arity).unwrap_or_default()
    }

    /// The metric at place `at`, which holds one (live, or removed while the caller was
    /// pinned).
    #[inline(always)]
    pub(super) fn metric(&self, at: usize) -> Option<&M> {
        let slot = self.metrics.get(at)?;
        // SAFETY: a place's metric is written before its control byte says live (release,
        // read with acquire by the caller), and stays until the place is free again, which
        // waits for every lookup pinned while it was reachable; the caller is pinned, or
        // holds the writer's lock.
        #[allow(unsafe_code)]
        let metric = slot
            .0
            .with(|m| unsafe { (*m).assume_init_ref() as *const M });
        // SAFETY: as above, for as long as the caller's pin (or lock) lasts.
        #[allow(unsafe_code)]
        Some(unsafe { &*metric })
    }

    /// The first place on `hash`'s probe path that an insert may take. Writer only.
    pub(super) fn free_place(&self, hash: SeriesHash) -> usize {
        let mut at = self.start(hash);
        loop {
            let control = self.control[at].load(Ordering::Relaxed);
            if control == EMPTY || control == FREE {
                return at;
            }
            at = self.next(at);
        }
    }
}
