//! Where the cells live: the arenas, which thread owns which, and which cell ids are free.
//!
//! Built on the crate's atomics and locks (`runtime/sync.rs`), so that under loom the hand-on
//! of an arena from a thread that ends to the next one, the publishing of arenas and chunks
//! to readers, and the zeroing of freed cells are model-checked (`loom_tests.rs`). Loom
//! resets its statics and thread-locals between the runs of a model; the sizes shrink there
//! so that a run stays small.

use std::cell::Cell;

use crate::runtime::sync::{AtomicPtr, AtomicU64, AtomicUsize, Mutex, Ordering};

#[cfg(not(loom))]
pub(super) const CHUNK: usize = 1024;
/// Chunks per arena, numbered in a `OneCell`'s top bits.
#[cfg(not(loom))]
pub(super) const CHUNKS: usize = 1024;
/// Arenas leased to threads at most, whatever the processors; see [`arena_limit`].
#[cfg(not(loom))]
const MAX_ARENAS: usize = 1024;

#[cfg(loom)]
pub(super) const CHUNK: usize = 4;
#[cfg(loom)]
pub(super) const CHUNKS: usize = 4;
#[cfg(loom)]
const MAX_ARENAS: usize = 2;

/// Cells per arena; ids past this fall back to a shared atomic in the metric itself.
pub(super) const MAX_CELLS: usize = CHUNK * CHUNKS;

/// Arenas leased to threads at most on this machine: twice the available parallelism, at
/// least 4. Enough that every thread that can run at once has its own (and those that just
/// ran, such as a runtime's workers beside the thread that started it); more would only
/// multiply memory and scrape time by threads that mostly wait.
fn arena_limit() -> usize {
    // The unit tests check what owned cells do, from many test threads at once; the bound
    // itself is checked in a process of its own (`tests/thread_bound.rs`). Loom models run
    // with one arena, so that a second thread alive at once writes the shared one.
    if cfg!(loom) {
        return 1;
    }
    if cfg!(test) {
        return MAX_ARENAS;
    }
    static LIMIT: std::sync::LazyLock<usize> = std::sync::LazyLock::new(|| {
        let parallelism = std::thread::available_parallelism().map_or(1, usize::from);
        (2 * parallelism).clamp(4, MAX_ARENAS)
    });
    *LIMIT
}

/// Fixed-size arrays indexed with masks: no bounds checks, thin pointers.
pub(super) type Chunk = [AtomicU64; CHUNK];

/// Where something never freed is published once made: one word, read with one load (a
/// `OnceLock` would add a state word, and a second load and branch to every update). Stored
/// with `Release` and loaded with `Acquire`, so that whoever finds the address also finds
/// what was written before it was stored (the zeroed cells of a chunk, an arena's slots).
pub(super) struct Slot<T: 'static>(AtomicPtr<T>);

impl<T> Slot<T> {
    #[cfg(not(loom))]
    const fn empty() -> Slot<T> {
        Slot(AtomicPtr::new(std::ptr::null_mut()))
    }

    #[cfg(loom)]
    fn empty() -> Slot<T> {
        Slot(AtomicPtr::new(std::ptr::null_mut()))
    }

    #[inline(always)]
    pub(super) fn get(&self) -> Option<&'static T> {
        let ptr = self.0.load(Ordering::Acquire);
        // SAFETY: the slot holds null or an address `set` stored: a `&'static T`, leaked and
        // never freed, so valid for as long as the program runs (the CI AddressSanitizer run
        // over the cells' and thread-churn tests reports a read through a freed one). The
        // `Acquire` load pairs with `set`'s `Release` store, so what was written into `T`
        // before it was published is seen by whoever finds it: the CI ThreadSanitizer run
        // of `tests/thread_churn.rs` reports data races on a new chunk's cells (and fails)
        // when both are `Relaxed`. (Loom cannot judge that pair: its atomics carry no
        // history of their making.)
        #[allow(unsafe_code)]
        unsafe {
            ptr.as_ref()
        }
    }

    fn set(&self, value: &'static T) {
        self.0.store(value as *const T as *mut T, Ordering::Release);
    }
}

/// One thread's cells, allocated a chunk (8 KiB) at a time as ids are touched. One level of
/// chunks (16 KiB of pointers per arena) rather than a tree: every update walks it, and a
/// level less is a load and a branch less on every `inc`.
// `repr(C)`, chunks first: a chunk is then found at the arena's address plus an index, an
// addition less on every update.
#[repr(C)]
pub(super) struct Arena {
    chunks: [Slot<Chunk>; CHUNKS],
    /// The arena's place among [`Arenas::all`]; `None` for the shared arena, which several
    /// threads write (with atomic adds).
    slot: Option<usize>,
}

/// What a thread without an arena of its own looks in: no chunk is ever made in it.
#[cfg(not(loom))]
static NO_ARENA: Arena = Arena {
    chunks: [const { Slot::empty() }; CHUNKS],
    slot: None,
};

#[cfg(loom)]
loom::lazy_static! {
    static ref NO_ARENA: Arena = Arena::empty(None);
}

fn no_arena() -> &'static Arena {
    &NO_ARENA
}

impl Arena {
    fn empty(slot: Option<usize>) -> Arena {
        Arena {
            chunks: std::array::from_fn(|_| Slot::empty()),
            slot,
        }
    }

    fn new(slot: Option<usize>) -> &'static Arena {
        Box::leak(Box::new(Arena::empty(slot)))
    }

    pub(super) fn is_shared(&self) -> bool {
        self.slot.is_none()
    }

    /// Where the chunk numbered `n` is published.
    #[inline(always)]
    pub(super) fn chunk_slot(&self, n: usize) -> &Slot<Chunk> {
        &self.chunks[n % CHUNKS]
    }

    /// The chunk holding cell `id`, allocated on first use.
    #[inline]
    pub(super) fn chunk(&self, id: usize) -> &'static Chunk {
        match self.peek_chunk(id) {
            Some(chunk) => chunk,
            None => self.make_chunk(id),
        }
    }

    /// Allocates the chunk holding cell `id`, unless a racing thread (of the shared arena)
    /// did: chunks are made under one lock, taken once per chunk and arena.
    #[cold]
    #[inline(never)]
    fn make_chunk(&self, id: usize) -> &'static Chunk {
        let _making = ARENAS.making.lock();
        let slot = self.chunk_slot(id / CHUNK);
        if let Some(chunk) = slot.get() {
            return chunk;
        }
        let chunk: &'static Chunk = Box::leak(Box::new(std::array::from_fn(|_| AtomicU64::new(0))));
        slot.set(chunk);
        chunk
    }

    #[inline(always)]
    pub(super) fn cell(&self, id: usize) -> &'static AtomicU64 {
        &self.chunk(id)[id % CHUNK]
    }

    /// The chunk holding cell `id`, if this arena ever touched it.
    #[inline(always)]
    pub(super) fn peek_chunk(&self, id: usize) -> Option<&'static Chunk> {
        self.chunk_slot(id / CHUNK).get()
    }

    /// The cell if this arena ever touched its chunk.
    #[inline(always)]
    pub(super) fn peek(&self, id: usize) -> Option<&'static AtomicU64> {
        Some(&self.peek_chunk(id)?[id % CHUNK])
    }
}

/// Every arena ever made, append-only, readable without a lock.
struct Arenas {
    all: [Slot<Arena>; MAX_ARENAS],
    len: AtomicUsize,
    idle: Mutex<Vec<&'static Arena>>,
    shared: &'static Arena,
    /// Held while a chunk is made.
    making: Mutex<()>,
    ids: Mutex<Ids>,
}

impl Arenas {
    fn new() -> Arenas {
        Arenas {
            all: std::array::from_fn(|_| Slot::empty()),
            len: AtomicUsize::new(0),
            idle: Mutex::new(Vec::new()),
            shared: Arena::new(None),
            making: Mutex::new(()),
            ids: Mutex::new(Ids {
                next: 1,
                free: Vec::new(),
            }),
        }
    }
}

#[cfg(not(loom))]
static ARENAS: std::sync::LazyLock<Arenas> = std::sync::LazyLock::new(Arenas::new);

#[cfg(loom)]
loom::lazy_static! {
    static ref ARENAS: Arenas = Arenas::new();
}

impl Arenas {
    fn lease(&'static self) -> &'static Arena {
        let mut idle = self.idle.lock();
        if let Some(arena) = idle.pop() {
            return arena;
        }
        let n = self.len.load(Ordering::Relaxed);
        if n >= arena_limit() {
            return self.shared;
        }
        let arena = Arena::new(Some(n));
        // Published under the `idle` lock, so `n` is ours.
        self.all[n].set(arena);
        self.len.store(n + 1, Ordering::Release);
        arena
    }
}

/// Calls `f` with the shared arena and every arena leased to threads so far.
pub(super) fn for_each_arena(mut f: impl FnMut(&'static Arena)) {
    f(ARENAS.shared);
    let n = ARENAS.len.load(Ordering::Acquire);
    for slot in &ARENAS.all[..n] {
        if let Some(arena) = slot.get() {
            f(arena);
        }
    }
}

/// The arena threads past [`arena_limit`] write, with atomic adds.
pub(super) fn shared_arena() -> &'static Arena {
    ARENAS.shared
}

#[cfg(not(loom))]
thread_local! {
    /// The arena the calling thread owns: a `const` thread-local without destructor, the
    /// cheapest kind to reach. [`NO_ARENA`] until the first update, and for threads that
    /// write the shared arena, so that the common path neither asks which kind it has nor
    /// whether there is one: `NO_ARENA` has no chunks, so its lookups miss.
    static ARENA: Cell<&'static Arena> = const { Cell::new(&NO_ARENA) };
    /// Set once the thread writes the shared arena: past [`arena_limit`], or being torn down.
    static SHARES: Cell<bool> = const { Cell::new(false) };
    /// Returns the arena to the pool when the thread ends.
    static LEASE: Lease = const { Lease(Cell::new(None)) };
}

#[cfg(loom)]
loom::thread_local! {
    static ARENA: Cell<&'static Arena> = Cell::new(no_arena());
    static SHARES: Cell<bool> = Cell::new(false);
    static LEASE: Lease = Lease(Cell::new(None));
}

/// The arena the calling thread owns, kept where its destructor (run as the thread ends)
/// finds it without reaching another thread-local, as loom's teardown requires.
struct Lease(Cell<Option<&'static Arena>>);

impl Lease {
    /// The thread is ending: whatever its remaining destructors count goes to the shared
    /// arena, and its own arena goes back to the pool, for the next new thread.
    fn end(&self) {
        // The two thread-locals are `const` without destructors, so reachable to the end.
        let _ = SHARES.try_with(|s| s.set(true));
        if let Some(arena) = self.0.take() {
            let _ = ARENA.try_with(|a| a.set(no_arena()));
            ARENAS.idle.lock().push(arena);
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.end();
    }
}

/// What `Lease`'s destructor does, called by a loom model's thread as its last act: loom
/// drops thread-locals outside its model of the thread, where no lock may be taken.
#[cfg(all(loom, test))]
pub(super) fn end_thread() {
    LEASE.with(Lease::end);
}

/// The arena the calling thread owns, or one without chunks if it owns none: the counters'
/// common path, one thread-local read, then a load of the chunk's address from it.
#[inline(always)]
pub(super) fn current_arena() -> &'static Arena {
    ARENA.with(Cell::get)
}

/// The arena the calling thread owns, leasing one on first use; `None` if the thread writes
/// the shared arena.
#[inline(always)]
pub(super) fn owned_arena() -> Option<&'static Arena> {
    let arena = ARENA.with(Cell::get);
    if std::ptr::eq(arena, no_arena()) {
        lease()
    } else {
        Some(arena)
    }
}

#[cold]
#[inline(never)]
fn lease() -> Option<&'static Arena> {
    if SHARES.with(Cell::get) {
        return None;
    }
    // Registering the guard fails only while the thread is being torn down.
    let arena = LEASE
        .try_with(|lease| {
            let arena = ARENAS.lease();
            if !arena.is_shared() {
                lease.0.set(Some(arena));
            }
            arena
        })
        .unwrap_or(ARENAS.shared);
    if arena.is_shared() {
        SHARES.with(|s| s.set(true));
        return None;
    }
    ARENA.with(|a| a.set(arena));
    Some(arena)
}

/// Cell ids: the next never-used one, and freed runs by length. Id 0 is never handed out, so
/// that a `OneCell` holds its id as it is.
struct Ids {
    next: usize,
    free: Vec<(usize, Vec<usize>)>,
}

/// The first of `len` consecutive free cells inside one chunk, or `None` once the cells are
/// used up.
pub(super) fn reserve(len: usize) -> Option<usize> {
    let mut ids = ARENAS.ids.lock();
    let reused = ids
        .free
        .iter_mut()
        .find(|(l, _)| *l == len)
        .and_then(|(_, f)| f.pop());
    if reused.is_some() {
        return reused;
    }
    // Runs do not straddle chunks, so that one lookup finds them all.
    let mut first = ids.next;
    if first % CHUNK + len > CHUNK {
        first = first.next_multiple_of(CHUNK);
    }
    // The last chunk is never handed out: `NO_CELL` lies in it.
    if first + len > MAX_CELLS - CHUNK {
        return None;
    }
    ids.next = first + len;
    Some(first)
}

/// Zeroes cells `first..first + len` in every arena and frees them. Their owner is gone, so
/// nothing writes them any more.
pub(super) fn release(first: usize, len: usize) {
    let start = first % CHUNK;
    for_each_arena(|arena| {
        if let Some(chunk) = arena.peek_chunk(first) {
            chunk[start..start + len]
                .iter()
                .for_each(|c| c.store(0, Ordering::Relaxed));
        }
    });
    let mut ids = ARENAS.ids.lock();
    match ids.free.iter_mut().find(|(l, _)| *l == len) {
        Some((_, free)) => free.push(first),
        None => ids.free.push((len, vec![first])),
    }
}
