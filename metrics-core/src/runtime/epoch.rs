//! When a removed series, or a table replaced by a bigger one, may be freed: once no lookup
//! can still be reading it. This is what lets a family's lookups read its table with no lock,
//! no reference count and no write to memory another thread writes.
//!
//! The scheme is epoch-based reclamation, as in crossbeam-epoch, with the cost moved from
//! the readers to the rare writer that frees:
//! - Each thread has a [`Record`]: the pins it holds, and the epoch when the outermost of
//!   them began. A pin is a few loads and plain stores to the thread's own record.
//! - A writer unlinks what it removes, then [`retire`]s it: the global epoch advances, and
//!   the thing is tagged with the epoch before. A lookup whose outermost pin began at a later
//!   epoch read the table after the unlink, so it cannot reach the thing.
//! - [`frontier`] scans the records: whatever was tagged below the epoch of every pinned
//!   record (and below the current epoch if none is pinned) can be freed.
//!
//! The subtle part is the order of a pin's store and the lookup's loads that follow it:
//! without a fence, a processor may let the loads run before the store is visible to other
//! threads (the store buffer), and a writer scanning the records meanwhile would miss the
//! pin. A fence on every lookup would cost what the lock did. Instead the writer, before
//! scanning, asks the kernel for `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`, which runs
//! a full barrier on every processor running one of our threads: a pin stored before that
//! point is then visible to the scan, and a lookup running after it sees the unlink. This is
//! the asymmetric-fence scheme of the kernel's `sys_membarrier` and of liburcu. Where the
//! call is not available (other systems, or a seccomp profile without it), lookups fence.
//!
//! A pin held long delays freeing for every family: a [`Series`](crate::Series) is meant to
//! be dropped soon after its lookup (`into_owned` keeps a handle for longer).
//!
//! Checked by loom models here and in `sparse.rs` (the heavy barrier and the lookups'
//! compiler fence become `SeqCst` fences there, which is what the kernel's barrier gives
//! them); they fail when the lookup's fence is left out or the epoch's release and acquire
//! are weakened. AddressSanitizer (`.ci/run`, with a nightly toolchain) reports a use after
//! free in `tests/lookups.rs` when the writer frees without waiting for the frontier.

use std::cell::Cell;
use std::ptr;

use crate::runtime::sync::{fence, AtomicU64, Mutex, Ordering};
use crossbeam_utils::CachePadded;

/// A thread's pins. The owning thread writes `held` and `epoch` with plain stores; other
/// threads only add to `returned`, when a [`Pin`] the owner took is dropped elsewhere.
#[derive(Debug, Default)]
pub(crate) struct Record {
    /// Pins taken on the owning thread, less those dropped there.
    held: AtomicU64,
    /// Pins dropped on other threads.
    returned: AtomicU64,
    /// The epoch when the outermost pin began; meaningful while `held != returned`.
    epoch: AtomicU64,
    /// Whether pins fence (no heavy barrier on this system): kept here, on the line a pin
    /// reads anyway, rather than in a global.
    fence: bool,
}

/// Every record ever made (they are reused, never freed), and those free for a new thread.
#[derive(Default)]
struct Records {
    all: Vec<&'static CachePadded<Record>>,
    idle: Vec<&'static CachePadded<Record>>,
}

/// What every thread shares: the epoch and the records.
struct Shared {
    /// Advanced by every [`retire`].
    epoch: CachePadded<AtomicU64>,
    records: Mutex<Records>,
    /// The record of pins taken where a thread has none (in its thread-local destructors,
    /// after its record went back): pinned with a locked add, which is also a full fence,
    /// and with an epoch of 0, so that while it is held nothing is freed.
    detached: CachePadded<Record>,
}

#[cfg(not(loom))]
static SHARED: Shared = Shared {
    epoch: CachePadded::new(AtomicU64::new(1)),
    records: Mutex::new(Records {
        all: Vec::new(),
        idle: Vec::new(),
    }),
    detached: CachePadded::new(Record {
        held: AtomicU64::new(0),
        returned: AtomicU64::new(0),
        epoch: AtomicU64::new(0),
        fence: true,
    }),
};

// Under loom, atomics are made inside each model run, and the lock is loom's.
#[cfg(loom)]
loom::lazy_static! {
    static ref SHARED: Shared = Shared {
        epoch: CachePadded::new(AtomicU64::new(1)),
        records: Mutex::new(Records::default()),
        detached: CachePadded::new(Record::default()),
    };
}

fn lock_records() -> impl std::ops::DerefMut<Target = Records> {
    SHARED.records.lock()
}

#[cfg(not(loom))]
thread_local! {
    /// The calling thread's record, `None` until its first pin: a `const` thread-local without
    /// destructor, the cheapest kind to reach.
    static RECORD: Cell<Option<&'static CachePadded<Record>>> = const { Cell::new(None) };
    /// Hands the record back when the thread ends.
    static LEASE: Lease = const { Lease };
}
#[cfg(loom)]
loom::thread_local! {
    static RECORD: Cell<Option<&'static CachePadded<Record>>> = Cell::new(None);
    static LEASE: Lease = Lease;
}

struct Lease;

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(record) = RECORD.try_with(|r| r.replace(None)).ok().flatten() {
            // Pins still out (a `Series` sent to a thread that outlives this one) stay
            // counted in the record, which the next thread to take it carries on.
            lock_records().idle.push(record);
        }
    }
}

/// Keeps what a lookup read from a family's table alive until it is dropped, on whichever
/// thread.
#[derive(Debug)]
pub(crate) struct Pin {
    record: &'static CachePadded<Record>,
}

/// Pins the calling thread: until the returned [`Pin`] is dropped, nothing retired from now
/// on is freed.
#[inline]
pub(crate) fn pin() -> Pin {
    match RECORD.with(Cell::get) {
        Some(record) => {
            let held = record.held.load(Ordering::Relaxed);
            // The outermost pin: none is out, here or elsewhere. A stale `returned` only
            // keeps the older epoch, which frees less.
            if held == record.returned.load(Ordering::Relaxed) {
                // Release: a scan that reads this epoch sees everything this thread did
                // before, the lookups of its earlier pins included (see `frontier`).
                record
                    .epoch
                    .store(SHARED.epoch.load(Ordering::Acquire), Ordering::Release);
            }
            // Release: a scan that sees this count sees the epoch above.
            record.held.store(held.wrapping_add(1), Ordering::Release);
            reader_barrier(record.fence);
            Pin { record }
        }
        None => pin_first(),
    }
}

/// A thread's first pin (or one taken after its record went back): leases a record.
#[cold]
#[inline(never)]
fn pin_first() -> Pin {
    // Registering the hand-back fails only while the thread is being torn down.
    let leased = LEASE.try_with(|_| ()).is_ok();
    if leased {
        let record = {
            let mut records = lock_records();
            match records.idle.pop() {
                Some(record) => record,
                None => {
                    let record = Record {
                        fence: readers_fence(),
                        ..Record::default()
                    };
                    let record: &'static CachePadded<Record> =
                        Box::leak(Box::new(CachePadded::new(record)));
                    records.all.push(record);
                    record
                }
            }
        };
        RECORD.with(|r| r.set(Some(record)));
        return pin();
    }
    let record = &SHARED.detached;
    // A locked add: a full fence, so no heavy barrier is needed to see it.
    record.held.fetch_add(1, Ordering::SeqCst);
    Pin { record }
}

impl Drop for Pin {
    #[inline]
    fn drop(&mut self) {
        let record = self.record;
        let own = RECORD
            .try_with(|r| r.get().is_some_and(|mine| ptr::eq(mine, record)))
            .unwrap_or(false);
        if own {
            // Release: what the lookup read happens before a scan that sees the count drop.
            let held = record.held.load(Ordering::Relaxed);
            record.held.store(held.wrapping_sub(1), Ordering::Release);
        } else {
            unpin_elsewhere(record);
        }
    }
}

#[cold]
#[inline(never)]
fn unpin_elsewhere(record: &Record) {
    record.returned.fetch_add(1, Ordering::Release);
}

/// Tags something just unlinked (no lookup starting from now can reach it): it may be freed
/// once [`frontier`] is above the tag.
pub(crate) fn retire() -> u64 {
    SHARED.epoch.fetch_add(1, Ordering::AcqRel)
}

/// Everything retired with a tag below this may be freed now: no pinned lookup can reach it.
/// `0` when that cannot be known (the heavy barrier failed).
pub(crate) fn frontier() -> u64 {
    if !heavy_barrier() {
        return 0;
    }
    let mut frontier = u64::MAX;
    let mut scan = |record: &Record| {
        // Acquire, against the pin's release: an epoch read here comes with every lookup the
        // thread finished before that pin, so that a count from an earlier pin read beside a
        // later pin's epoch never lets a free overtake the earlier pin's reads.
        let epoch = record.epoch.load(Ordering::Acquire);
        let held = record.held.load(Ordering::Acquire);
        if held != record.returned.load(Ordering::Acquire) {
            frontier = frontier.min(epoch);
        }
    };
    scan(&SHARED.detached);
    lock_records().all.iter().for_each(|r| scan(r));
    frontier
}

/// How lookups order their pin before their reads of a table.
#[cfg(not(loom))]
static READERS_FENCE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Chooses how pins are ordered, once, before the first family that pins exists: with the
/// kernel's barrier where it works, else with a fence in every lookup.
pub(crate) fn init() {
    #[cfg(not(loom))]
    {
        static INIT: std::sync::Once = std::sync::Once::new();
        INIT.call_once(|| {
            READERS_FENCE.store(
                !membarrier::register(),
                std::sync::atomic::Ordering::Relaxed,
            )
        });
    }
}

/// Whether pins fence: no heavy barrier here (or under loom, whose model of it is fences).
fn readers_fence() -> bool {
    #[cfg(loom)]
    return true;
    #[cfg(not(loom))]
    return READERS_FENCE.load(std::sync::atomic::Ordering::Relaxed);
}

/// Orders a pin's store before the lookup's loads, together with [`heavy_barrier`].
#[inline(always)]
fn reader_barrier(fences: bool) {
    if fences {
        fence(Ordering::SeqCst);
    } else {
        // The heavy barrier does the processor's part; this keeps the compiler from moving
        // the lookup's loads above the pin.
        std::sync::atomic::compiler_fence(Ordering::SeqCst);
    }
}

/// A full barrier on every thread of the process (see the module's notes); `false` if it
/// could not be had.
fn heavy_barrier() -> bool {
    #[cfg(loom)]
    {
        fence(Ordering::SeqCst);
        true
    }
    #[cfg(not(loom))]
    {
        fence(Ordering::SeqCst);
        READERS_FENCE.load(std::sync::atomic::Ordering::Relaxed) || membarrier::expedited()
    }
}

#[cfg(not(loom))]
mod membarrier {
    //! The `membarrier` system call, on Linux; elsewhere nothing, and lookups fence.

    #[cfg(target_os = "linux")]
    mod linux {
        const QUERY: libc::c_long = 0;
        const PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
        const REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;

        fn call(command: libc::c_long) -> libc::c_long {
            // SAFETY: `membarrier` takes a command and two integer arguments, reads and
            // writes no memory of ours, and has no effect on the calling thread's state
            // besides ordering.
            #[allow(unsafe_code)]
            unsafe {
                libc::syscall(
                    libc::SYS_membarrier,
                    command,
                    0 as libc::c_long,
                    0 as libc::c_long,
                )
            }
        }

        pub(crate) fn register() -> bool {
            let supported = call(QUERY);
            let needed = PRIVATE_EXPEDITED | REGISTER_PRIVATE_EXPEDITED;
            supported >= 0 && supported & needed == needed && call(REGISTER_PRIVATE_EXPEDITED) == 0
        }

        pub(crate) fn expedited() -> bool {
            call(PRIVATE_EXPEDITED) == 0
        }
    }

    #[cfg(target_os = "linux")]
    pub(super) use linux::{expedited, register};

    #[cfg(not(target_os = "linux"))]
    pub(super) fn register() -> bool {
        false
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn expedited() -> bool {
        false
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Whether the frontier passes `tag` within a few seconds: other tests of this process
    /// pin too, briefly, and hold it back meanwhile.
    fn frees(tag: u64) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if frontier() > tag {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        false
    }

    #[test]
    fn a_pin_holds_back_what_is_retired_after_it() {
        init();
        let before = retire();
        let pin = pin();
        let during = retire();
        assert!(frees(before), "the pin began after {before}");
        assert!(frontier() <= during, "but before {during}");
        drop(pin);
        assert!(frees(during));
    }

    #[test]
    fn nested_pins_keep_the_outermost_epoch() {
        init();
        let outer = pin();
        let tag = retire();
        let inner = pin();
        drop(outer);
        assert!(
            frontier() <= tag,
            "the inner pin still counts from the outer one's epoch"
        );
        drop(inner);
        assert!(frees(tag));
    }

    #[test]
    fn a_pin_dropped_on_another_thread_is_returned() {
        init();
        let pin = pin();
        let tag = retire();
        std::thread::scope(|s| {
            s.spawn(move || drop(pin));
        });
        assert!(frees(tag));
        // The record's counts still balance: the next pin here is an outermost one.
        let again = super::pin();
        let later = retire();
        assert!(frees(tag) && frontier() <= later);
        drop(again);
    }

    #[test]
    fn a_thread_that_ends_hands_its_record_on() {
        init();
        let before = lock_records().all.len();
        for _ in 0..20 {
            std::thread::spawn(|| drop(pin())).join().unwrap();
        }
        // Each thread took the record the one before gave back (other tests may add a few).
        assert!(lock_records().all.len() < before + 10);
    }

    #[test]
    fn the_kernel_barrier_is_used_where_there_is_one() {
        init();
        if cfg!(target_os = "linux") && std::env::var_os("CI").is_some() {
            assert!(
                !READERS_FENCE.load(std::sync::atomic::Ordering::Relaxed),
                "membarrier is available on the CI machines"
            );
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::runtime::sync::{AtomicPtr, UnsafeCell};
    use loom::sync::Arc;

    /// A reader looks a node up through a pointer while a writer unlinks it, retires it and
    /// frees it as soon as the frontier allows: the writer must never free the node while the
    /// reader holds it. (Whether the reader holds it is kept outside the model, in the order
    /// loom runs the threads; the node's cell also reports a read racing the free's write.)
    #[test]
    fn a_node_is_not_freed_under_a_pinned_reader() {
        use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
        loom::model(|| {
            let node = Box::into_raw(Box::new(UnsafeCell::new(7u64)));
            let table = Arc::new(AtomicPtr::new(node));
            let holding = Arc::new(AtomicBool::new(false));
            let reader = {
                let (table, holding) = (table.clone(), holding.clone());
                loom::thread::spawn(move || {
                    // A thread's first pin leases its record under a lock, which orders it
                    // with the writer's scan; the pin that matters is a later one.
                    drop(pin());
                    let pin = pin();
                    let found = table.load(Ordering::Acquire);
                    if !found.is_null() {
                        holding.store(true, SeqCst);
                        // SAFETY: what the model checks.
                        #[allow(unsafe_code)]
                        let v = unsafe { (*found).with(|v| *v) };
                        assert_eq!(v, 7);
                        holding.store(false, SeqCst);
                    }
                    drop(pin);
                })
            };
            table.store(std::ptr::null_mut(), Ordering::Release);
            let tag = retire();
            let mut freed = false;
            for _ in 0..2 {
                if frontier() > tag {
                    assert!(!holding.load(SeqCst), "freed under a pinned reader");
                    // SAFETY: unlinked, and no pinned reader can reach it.
                    #[allow(unsafe_code)]
                    unsafe {
                        (*node).with_mut(|v| *v = 0);
                        drop(Box::from_raw(node));
                    }
                    freed = true;
                    break;
                }
                loom::thread::yield_now();
            }
            reader.join().unwrap();
            if !freed {
                // SAFETY: the reader is done.
                #[allow(unsafe_code)]
                unsafe {
                    drop(Box::from_raw(node))
                };
            }
        });
    }

    /// A reader pins, reads a node, unpins and pins again (now at a later epoch) while a
    /// writer unlinks the node and scans: the writer must not take the second pin's epoch for
    /// the first pin's, whose read it would then not wait for.
    #[test]
    fn a_later_pin_does_not_stand_for_an_earlier_one() {
        loom::model(|| {
            let node = Arc::new(UnsafeCell::new(7u64));
            let table = Arc::new(AtomicPtr::new(Arc::as_ptr(&node) as *mut UnsafeCell<u64>));
            let reader = {
                let table = table.clone();
                loom::thread::spawn(move || {
                    // The thread's first pin leases its record under a lock.
                    drop(pin());
                    let first = pin();
                    let found = table.load(Ordering::Acquire);
                    if !found.is_null() {
                        // SAFETY: what the model checks; `node` outlives the model's threads.
                        #[allow(unsafe_code)]
                        let v = unsafe { (*found).with(|v| *v) };
                        assert_eq!(v, 7);
                    }
                    drop(first);
                    drop(pin());
                })
            };
            table.store(std::ptr::null_mut(), Ordering::Release);
            let tag = retire();
            retire();
            if frontier() > tag {
                // SAFETY: what the model checks: unlinked, and no pin that could reach it is
                // out.
                #[allow(unsafe_code)]
                node.with_mut(|v| unsafe { *v = 0 });
            }
            reader.join().unwrap();
        });
    }
}
