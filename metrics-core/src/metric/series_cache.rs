//! A cache, per thread and per family, of the series a thread looked up by label values, so
//! that a lookup that hits writes no shared memory: no lock, no reference count, no locked
//! instruction.
//!
//! Why: behind a read-write lock, a lookup costs four locked instructions (lock, unlock, clone
//! and drop of the handle), about 10 ns each on the machines we measure, and threads that look
//! up the same series bounce the lock's cache line between them. A hit here is a cheap key of the
//! values, one comparison with the series' labels and two plain stores to memory that only the
//! calling thread writes.
//!
//! How a borrowed series stays alive: each thread (named by its thread slot) has a small
//! direct-mapped cache per family holding `Arc`s of series, and a lookup hands out a
//! [`Pinned`] reference into a series its cache holds. The series may leave the family
//! meanwhile (removal, expiry); it is freed only when no cache holds it, and a cache lets go of
//! a series only while none of the references it handed out is alive. It counts them:
//! `borrowed` goes up at each lookup and down when the reference is dropped on the owning
//! thread, `returned` goes up when it is dropped on another thread (references are `Send`).
//! While the two differ, evicted series wait in a graveyard of bounded size; past it, lookups
//! bypass the cache.
//!
//! Cost: a thread's cache in a family is about 400 bytes (on cache lines of its own), made at
//! its first lookup there, and may keep up to `WAYS` series of the family alive after their
//! removal, until evicted.
//!
//! Checked by a loom model of the counting (`loom_tests` below), and under AddressSanitizer
//! where a nightly toolchain is at hand:
//! `RUSTFLAGS=-Zsanitizer=address cargo +nightly test -p metrics-core
//! --target x86_64-unknown-linux-gnu --test lookups` (and `--lib series_cache`); both fail
//! when the cache frees a series that is still lent.

use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use crossbeam_utils::CachePadded;

use crate::metric::local::MAX_THREAD_SLOTS;
use crate::sync::{AtomicBool, AtomicUsize, Ordering, UnsafeCell};

#[cfg(not(loom))]
use crate::metric::local::{current_thread_slot, thread_slot};
#[cfg(loom)]
use loom_slot::{current_thread_slot, thread_slot};

/// Series cached per thread and family: enough for the label sets one code path uses.
const WAYS: usize = 32;
/// Evicted series kept at most while references are out; past it the cache is bypassed.
const GRAVEYARD: usize = 64;
/// Thread caches are found through pages of this many.
const FAN: usize = 32;
const _: () = assert!(FAN * FAN >= MAX_THREAD_SLOTS);

/// Each cache on cache lines of its own: two threads' caches made one after the other would
/// otherwise share a line, and each one's writes would evict the other's reads.
type Page<T> = [OnceLock<Box<CachePadded<ThreadCache<T>>>>; FAN];

/// The caches of one family, one per thread slot, made on a thread's first lookup.
pub(crate) struct SeriesCaches<T> {
    /// The first `FAN` slots' caches, reached directly: most processes have fewer threads
    /// than that doing lookups. `None` for families that look up nothing by hash (dense ones).
    first: Option<Box<Page<T>>>,
    /// The other slots' caches, a page at a time.
    rest: Box<[OnceLock<Box<Page<T>>>]>,
}

impl<T> SeriesCaches<T> {
    /// Caches for a hashed family, or none (`enabled == false`) for a dense one.
    pub(crate) fn new(enabled: bool) -> SeriesCaches<T> {
        let rest = if enabled { FAN - 1 } else { 0 };
        SeriesCaches {
            first: enabled.then(|| Box::new([const { OnceLock::new() }; FAN])),
            rest: (0..rest).map(|_| OnceLock::new()).collect(),
        }
    }

    #[inline]
    fn of(&self, slot: usize) -> Option<&ThreadCache<T>> {
        let page = match slot.checked_sub(FAN) {
            None => self.first.as_deref()?,
            Some(later) => self.page(later / FAN)?,
        };
        Some(page[slot % FAN].get_or_init(|| Box::new(CachePadded::new(ThreadCache::new(slot)))))
    }

    #[cold]
    fn page(&self, i: usize) -> Option<&Page<T>> {
        Some(
            self.rest
                .get(i)?
                .get_or_init(|| Box::new([const { OnceLock::new() }; FAN])),
        )
    }

    /// The calling thread's cached series under `key` if `hit` accepts it.
    #[inline]
    pub(crate) fn find(&self, key: u64, hit: impl FnOnce(&T) -> bool) -> Option<Pinned<'_, T>> {
        self.of(thread_slot()?)?.find(key, hit)
    }

    /// Caches `node` under `key` for the calling thread and pins it; hands it back when the
    /// thread has no cache (no slot, or a full graveyard).
    pub(crate) fn keep(&self, key: u64, node: Arc<T>) -> Result<Pinned<'_, T>, Arc<T>> {
        match thread_slot().and_then(|slot| self.of(slot)) {
            Some(cache) => cache.keep(key, node),
            None => Err(node),
        }
    }
}

/// One thread's cache in one family.
pub(crate) struct ThreadCache<T> {
    /// The thread slot whose thread alone reaches `held`.
    owner: usize,
    /// References handed out, less those returned on the owning thread. Written by the owner
    /// only, with plain stores.
    borrowed: AtomicUsize,
    /// References returned on other threads.
    returned: AtomicUsize,
    /// Whether the graveyard holds series (owner only), so that returning a reference looks
    /// at no more than this while it is empty.
    graves: AtomicBool,
    held: UnsafeCell<Held<T>>,
}

struct Held<T> {
    ways: [Option<Arc<T>>; WAYS],
    graveyard: Vec<Arc<T>>,
}

// SAFETY: `held` is reached only by the thread that holds the slot `owner`: `find` and `keep`
// are called on the cache of the caller's own slot, and `release` checks it. A slot passes
// from an ending thread to a new one through a lock, so their accesses are ordered. What is
// shared between threads is `&T` (through `Pinned`), hence `T: Sync`, and `Arc<T>` may be
// dropped on a later owner, hence `T: Send`.
#[allow(unsafe_code)]
unsafe impl<T: Send + Sync> Sync for ThreadCache<T> {}

impl<T> ThreadCache<T> {
    fn new(owner: usize) -> ThreadCache<T> {
        ThreadCache {
            owner,
            borrowed: AtomicUsize::new(0),
            returned: AtomicUsize::new(0),
            graves: AtomicBool::new(false),
            held: UnsafeCell::new(Held {
                ways: [const { None }; WAYS],
                graveyard: Vec::new(),
            }),
        }
    }

    /// The series held under `key`, pinned, if `hit` accepts it. Owner only.
    #[inline]
    fn find(&self, key: u64, hit: impl FnOnce(&T) -> bool) -> Option<Pinned<'_, T>> {
        // SAFETY: only the owning thread calls this (see `Sync`), so nothing writes `held`
        // while we read it.
        #[allow(unsafe_code)]
        let node = self.held.with_mut(|held| unsafe {
            (*held).ways[way(key)]
                .as_deref()
                .map(|node| node as *const T)
        })?;
        // SAFETY: the way holds an `Arc` of the node, and only this thread changes the way;
        // once pinned, the node moves to the graveyard rather than being dropped until every
        // reference is back, so it outlives the returned borrow of `self`.
        #[allow(unsafe_code)]
        let node = unsafe { &*node };
        if hit(node) {
            Some(self.pin(node))
        } else {
            None
        }
    }

    /// Puts `node` in its way and pins it. Owner only.
    fn keep(&self, key: u64, node: Arc<T>) -> Result<Pinned<'_, T>, Arc<T>> {
        let lent = self.lent();
        let ptr = Arc::as_ptr(&node);
        #[allow(unsafe_code)]
        let freed = self.held.with_mut(|held| {
            // SAFETY: only the owning thread calls this (see `Sync`).
            let held = unsafe { &mut *held };
            if lent && held.graveyard.len() >= GRAVEYARD {
                return Err(node);
            }
            let old = held.ways[way(key)].replace(node);
            if lent {
                if old.is_some() {
                    held.graveyard.extend(old);
                    self.graves.store(true, Ordering::Relaxed);
                }
                return Ok(Vec::new());
            }
            self.graves.store(false, Ordering::Relaxed);
            // Nothing is lent: the evicted node and the graveyard can go.
            let mut freed = std::mem::take(&mut held.graveyard);
            freed.extend(old);
            Ok(freed)
        })?;
        // Outside the cell: dropping a series runs its metric's destructor.
        drop(freed);
        // SAFETY: the way now holds an `Arc` of the node; see `find`.
        #[allow(unsafe_code)]
        let node = unsafe { &*ptr };
        Ok(self.pin(node))
    }

    #[inline]
    fn pin<'a>(&'a self, node: &'a T) -> Pinned<'a, T> {
        let borrowed = self.borrowed.load(Ordering::Relaxed).wrapping_add(1);
        self.borrowed.store(borrowed, Ordering::Relaxed);
        Pinned { node, cache: self }
    }

    /// Whether a reference is out. Owner only. Acquire: what another thread did with a
    /// reference it returned happens before the owner frees the node.
    fn lent(&self) -> bool {
        self.borrowed.load(Ordering::Relaxed) != self.returned.load(Ordering::Acquire)
    }

    /// Takes a reference back. Small enough to inline where a series is dropped: the rest is
    /// out of line.
    #[inline]
    fn release(&self) {
        if current_thread_slot() != Some(self.owner) {
            return self.release_elsewhere();
        }
        let borrowed = self.borrowed.load(Ordering::Relaxed).wrapping_sub(1);
        self.borrowed.store(borrowed, Ordering::Relaxed);
        if self.graves.load(Ordering::Relaxed) {
            self.bury();
        }
    }

    #[cold]
    #[inline(never)]
    fn release_elsewhere(&self) {
        self.returned.fetch_add(1, Ordering::Release);
    }

    /// Frees the graveyard once nothing is lent. Owner only.
    #[cold]
    #[inline(never)]
    fn bury(&self) {
        if self.lent() {
            return;
        }
        self.graves.store(false, Ordering::Relaxed);
        // SAFETY: only the owning thread calls this (`release` checked).
        #[allow(unsafe_code)]
        let freed = self
            .held
            .with_mut(|held| unsafe { std::mem::take(&mut (*held).graveyard) });
        drop(freed);
    }
}

#[inline]
fn way(key: u64) -> usize {
    // The top bits of a multiplicative key are its best mixed.
    (key >> 59) as usize % WAYS
}

/// A reference to a series held by a thread's cache; the cache keeps the series alive until
/// the reference is dropped, on whichever thread.
pub(crate) struct Pinned<'a, T> {
    node: &'a T,
    cache: &'a ThreadCache<T>,
}

impl<T> Deref for Pinned<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.node
    }
}

impl<T> Drop for Pinned<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.cache.release();
    }
}

/// Under loom, threads are not OS threads: the tests name each thread's slot themselves.
#[cfg(loom)]
pub(crate) mod loom_slot {
    use std::cell::Cell;

    loom::thread_local! {
        static SLOT: Cell<Option<usize>> = Cell::new(None);
    }

    pub(crate) fn set(slot: usize) {
        SLOT.with(|s| s.set(Some(slot)));
    }

    pub(crate) fn thread_slot() -> Option<usize> {
        SLOT.with(Cell::get)
    }

    pub(crate) fn current_thread_slot() -> Option<usize> {
        SLOT.with(Cell::get)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    struct Node {
        key: u64,
        freed: Arc<AtomicBool>,
    }

    impl Drop for Node {
        fn drop(&mut self) {
            self.freed.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn node(key: u64) -> (Arc<Node>, Arc<AtomicBool>) {
        let freed = Arc::new(AtomicBool::new(false));
        let node = Arc::new(Node {
            key,
            freed: freed.clone(),
        });
        (node, freed)
    }

    /// Two keys that share a way.
    const A: u64 = 1 << 59;
    const B: u64 = 1 << 59 | 1;

    #[test]
    fn a_hit_is_the_node_kept() {
        let caches = SeriesCaches::new(true);
        let (a, _) = node(1);
        drop(caches.keep(A, a).ok().unwrap());
        let hit = caches.find(A, |n: &Node| n.key == 1).unwrap();
        assert_eq!(hit.key, 1);
        assert!(caches.find(A, |n: &Node| n.key == 2).is_none());
        assert!(caches.find(A ^ 1 << 60, |_| true).is_none());
    }

    #[test]
    fn an_evicted_node_lives_while_pinned() {
        let caches = SeriesCaches::new(true);
        let (a, a_freed) = node(1);
        let (b, b_freed) = node(2);
        let pinned = caches.keep(A, a).ok().unwrap();
        // `b` takes `a`'s way while `a` is pinned: `a` waits in the graveyard.
        drop(caches.keep(B, b).ok().unwrap());
        assert!(!a_freed.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(pinned.key, 1);
        drop(pinned);
        assert!(a_freed.load(std::sync::atomic::Ordering::SeqCst));
        assert!(!b_freed.load(std::sync::atomic::Ordering::SeqCst));
        drop(caches);
        assert!(b_freed.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[test]
    fn a_reference_returned_on_another_thread_frees_on_the_next_eviction() {
        let caches = SeriesCaches::new(true);
        let (a, a_freed) = node(1);
        let pinned = caches.keep(A, a).ok().unwrap();
        let (b, _) = node(2);
        drop(caches.keep(B, b).ok().unwrap());
        std::thread::scope(|s| {
            s.spawn(move || {
                assert_eq!(pinned.key, 1);
                drop(pinned);
            });
        });
        assert!(!a_freed.load(std::sync::atomic::Ordering::SeqCst));
        let (c, _) = node(3);
        drop(caches.keep(A, c).ok().unwrap());
        assert!(a_freed.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[test]
    fn a_full_graveyard_bypasses_the_cache() {
        let caches = SeriesCaches::new(true);
        let (first, _) = node(0);
        let _pinned = caches.keep(A, first).ok().unwrap();
        let mut bypassed = 0;
        for key in 1..=GRAVEYARD as u64 + 5 {
            let (n, _) = node(key);
            match caches.keep(if key % 2 == 0 { A } else { B }, n) {
                Ok(pinned) => drop(pinned),
                Err(n) => {
                    assert_eq!(n.key, key);
                    bypassed += 1;
                }
            }
        }
        assert!(bypassed > 0);
    }

    #[test]
    fn dense_families_have_no_cache() {
        let caches = SeriesCaches::new(false);
        let (a, _) = node(1);
        assert!(caches.keep(A, a).is_err());
        assert!(caches.find(A, |_: &Node| true).is_none());
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::sync::AtomicBool;

    struct Node {
        value: UnsafeCell<u64>,
        freed: Arc<AtomicBool>,
    }

    impl Drop for Node {
        fn drop(&mut self) {
            // A write that loom checks against the reader's access.
            self.value.with_mut(|v| {
                // SAFETY: dropping: no other reference.
                #[allow(unsafe_code)]
                unsafe {
                    *v = 0
                }
            });
            self.freed.store(true, Ordering::Relaxed);
        }
    }

    /// A node holding `value`, and the flag its drop sets.
    fn node(value: u64) -> (Arc<Node>, Arc<AtomicBool>) {
        let freed = Arc::new(AtomicBool::new(false));
        let node = Arc::new(Node {
            value: UnsafeCell::new(value),
            freed: freed.clone(),
        });
        (node, freed)
    }

    /// The owner lends a series to another thread and, meanwhile, evicts it from its cache
    /// and frees what it may: the other thread must always find the series alive.
    #[test]
    fn a_series_lent_to_another_thread_outlives_its_eviction() {
        loom::model(|| {
            let cache: &'static ThreadCache<Node> = Box::leak(Box::new(ThreadCache::new(0)));
            loom_slot::set(0);
            let (a, freed) = node(7);
            let pinned = cache.keep(1 << 59, a).ok().unwrap();
            let other = loom::thread::spawn(move || {
                loom_slot::set(1);
                // SAFETY: reads only; loom reports a racing write (the drop).
                #[allow(unsafe_code)]
                let v = pinned.value.with_mut(|v| unsafe { *v });
                assert_eq!(v, 7);
                assert!(!pinned.freed.load(Ordering::Relaxed));
                drop(pinned);
            });
            let (b, _) = node(8);
            // Same way: evicts `a`, freeing it only if the other thread gave it back.
            drop(cache.keep(1 << 59 | 1, b).ok().unwrap());
            other.join().unwrap();
            let (c, _) = node(9);
            drop(cache.keep(1 << 59, c).ok().unwrap());
            // Everything is back: the graveyard is empty and `a` is freed.
            assert!(freed.load(Ordering::Relaxed));
        });
    }
}
