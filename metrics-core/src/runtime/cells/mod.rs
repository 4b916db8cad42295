//! Thread-owned cells: each thread adds into cells of its own, so an increment is a plain
//! load and store, with no locked instruction and no cache line shared with another thread.
//! A read sums the cell over every thread's arena.
//!
//! On the machines we measure on, one locked read-modify-write costs ~10 ns while a plain
//! add costs well under 1 ns; a counter that every request touches pays that difference.
//!
//! - An arena is leased to one thread at a time (a thread-local), so each of its cells has a
//!   single writer. When the thread ends the arena returns to a pool and the next new thread
//!   continues adding into it: the values belong to the metrics, not to the threads.
//! - Arenas are never freed, so readers walk them without locks. Their number is bounded by
//!   the processors, not the threads: [`arena_limit`] (twice the available parallelism, at
//!   least 4) arenas at most, leased to the first threads that update a metric and passed on
//!   when they end. Threads past that share one arena written with atomic adds (still
//!   correct, and as fast as the peers' atomics). So memory and a scrape's reads grow with
//!   the processors a service runs on, not with the threads it keeps: a pool of 512 blocking
//!   threads costs what a handful does.
//! - A [`CellId`] is a run of cell indexes, valid in every arena. Dropping it zeroes the cells
//!   in every arena (no handle, so no writer, remains) and returns the run for reuse. A
//!   counter's run is always one cell, held as a [`OneCell`] in 4 bytes.
//! - A counter's update names its cell's address as one register (see [`in_register`]): on
//!   the CPUs we measure on, that is what lets back-to-back increments skip the wait for the
//!   store buffer. Everything but the common case is one out-of-line call, made last.

mod arenas;
#[cfg(all(loom, test))]
mod loom_tests;

use std::num::NonZeroU32;

use crate::runtime::sync::{AtomicU64, Ordering};
use arenas::{owned_arena, release, reserve, shared_arena, CHUNK, CHUNKS, MAX_CELLS};

/// Adds to a cell of a thread-owned arena: its one writer is the caller.
#[inline(always)]
fn add_owned(cell: &AtomicU64, v: u64) {
    let cell = in_register(cell);
    // Single writer: a plain read and write cannot lose an update.
    cell.store(
        cell.load(Ordering::Relaxed).wrapping_add(v),
        Ordering::Relaxed,
    );
}

/// `cell`, with its address in a register of its own, so that the update addresses memory
/// through that register alone.
///
/// Counting into a cell is a load and a store to one address, and the next `inc` loads what
/// the last one stored. On the Xeon we measure on, such a load gets the stored value at once
/// when the instruction names the address as a register (plus a constant); when it names a
/// base plus a scaled index, which is what the compiler would fold our `chunk + 8 × index`
/// into, it waits for the store to travel through the store buffer: about 7 cycles per
/// `inc` (`core_floor` shows both: 2.39 ns against 1.0-1.15 ns). Other processors see one
/// more `add`.
#[inline(always)]
fn in_register(cell: &AtomicU64) -> &AtomicU64 {
    #[cfg(all(target_arch = "x86_64", not(loom)))]
    {
        let mut addr = cell as *const AtomicU64 as usize;
        // SAFETY: the assembly is empty: it leaves the register holding `addr` as it was and
        // touches no memory, stack or flags. So `addr` is still the address of `cell`, whose
        // provenance the cast above exposed, and the reference is valid for as long as `cell`.
        #[allow(unsafe_code)]
        unsafe {
            std::arch::asm!(
                "/* {0} */",
                inout(reg) addr,
                options(pure, nomem, nostack, preserves_flags)
            );
            &*(addr as *const AtomicU64)
        }
    }
    #[cfg(any(not(target_arch = "x86_64"), loom))]
    cell
}

#[cfg(loom)]
pub(crate) use crate::runtime::model_cells::{CellId, OwnedRun};
/// The cells the histograms' sequence-locked protocols read and write: the crate's atomics,
/// so that under loom (with runs from `model_cells.rs`) loom explores those protocols.
pub(crate) use crate::runtime::sync::AtomicU64 as OwnedCell;

/// A run of consecutive cells inside one chunk, present in every arena. Owned by one metric;
/// zeroed and freed on drop.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct CellId {
    // `u32`s: at most `MAX_CELLS` cells, and a smaller handle in every metric; a run is never
    // empty, which lets `Option<CellId>` take no more room than `CellId`.
    first: u32,
    len: NonZeroU32,
}

#[cfg(not(loom))]
impl CellId {
    fn first(&self) -> usize {
        self.first as usize
    }

    fn len(&self) -> usize {
        self.len.get() as usize
    }

    /// `len` fresh consecutive cells at zero (`len` at most one chunk), or `None` once the
    /// cells are used up.
    pub(crate) fn run(len: usize) -> Option<CellId> {
        let run = NonZeroU32::new(len as u32).filter(|_| len <= CHUNK)?;
        Some(CellId {
            first: reserve(len)? as u32,
            len: run,
        })
    }

    /// This thread's cells of the run, unless the thread writes the arena shared by threads
    /// past [`arena_limit`] (where single-writer protocols do not hold).
    #[inline]
    pub(crate) fn owned_cells(&self) -> Option<&'static [AtomicU64]> {
        let OwnedRun { chunk, start } = self.owned_run()?;
        Some(&chunk[start..start + self.len()])
    }

    /// This thread's cells of the run, as [`owned_cells`](CellId::owned_cells), for callers
    /// that reach them by offset: masked within the chunk, which a run never leaves, so no
    /// bounds check stands in the way.
    #[inline]
    pub(crate) fn owned_run(&self) -> Option<OwnedRun> {
        let arena = owned_arena()?;
        Some(OwnedRun {
            chunk: arena.chunk(self.first()),
            start: self.first() % CHUNK,
        })
    }

    /// [`owned_run`](CellId::owned_run) if the thread already owns an arena that holds the
    /// run's chunk: nothing to lease or allocate, so no call on the way.
    #[inline(always)]
    pub(crate) fn touched_run(&self) -> Option<OwnedRun> {
        let chunk = arenas::current_arena().peek_chunk(self.first())?;
        Some(OwnedRun {
            chunk,
            start: self.first() % CHUNK,
        })
    }

    /// Calls `f` with the run's cells in every thread-owned arena that has them.
    pub(crate) fn for_each_owned(&self, mut f: impl FnMut(&[AtomicU64])) {
        let start = self.first() % CHUNK;
        arenas::for_each_arena(|arena| {
            if !arena.is_shared() {
                if let Some(chunk) = arena.peek_chunk(self.first()) {
                    f(&chunk[start..start + self.len()]);
                }
            }
        });
    }
}

/// The calling thread's cells of a run (see [`CellId::owned_run`]).
#[cfg(not(loom))]
pub(crate) struct OwnedRun {
    chunk: &'static [AtomicU64; CHUNK],
    start: usize,
}

#[cfg(not(loom))]
impl OwnedRun {
    /// Cell `k` of the run; `k` must be below the run's length.
    #[inline(always)]
    pub(crate) fn cell(&self, k: usize) -> &'static AtomicU64 {
        &self.chunk[(self.start + k) % CHUNK]
    }
}

#[cfg(not(loom))]
impl Drop for CellId {
    fn drop(&mut self) {
        release(self.first(), self.len());
    }
}

/// One cell, a counter's, in four bytes: its id, never 0, with the chunk's number in the top
/// bits (see [`pack`]). Zeroed and freed on drop.
///
/// Once the cells run out, a new `OneCell` holds [`NO_CELL`], which lies in a chunk no arena
/// ever makes: its updates miss like those of a cell whose chunk is not made yet, and the
/// cold path that follows tells the caller. So the common path has no case of its own for it.
#[derive(Debug)]
pub(crate) struct OneCell(NonZeroU32);

/// What every [`OneCell`] made once the cells ran out holds: the last id, packed, in the last
/// chunk, which [`reserve`] never hands out.
const NO_CELL: NonZeroU32 = match NonZeroU32::new(pack(MAX_CELLS - 1)) {
    Some(id) => id,
    None => unreachable!(),
};

/// Where a [`OneCell`] keeps its chunk's number: the top bits of its `u32`, as many as
/// `CHUNKS` needs.
const CHUNK_SHIFT: u32 = u32::BITS - CHUNKS.trailing_zeros();
const _: () = assert!(CHUNKS.is_power_of_two() && CHUNK <= 1 << CHUNK_SHIFT);

/// Cell `id` as a [`OneCell`] holds it: its chunk's number shifted to the top bits, where the
/// update finds it with one shift, bounded by the chunk table's length without a mask. 0 only
/// for id 0, which is never handed out (see `IDS`).
const fn pack(id: usize) -> u32 {
    (((id / CHUNK) << CHUNK_SHIFT) | (id % CHUNK)) as u32
}

impl OneCell {
    /// A fresh cell at zero, or [`NO_CELL`] once the cells are used up.
    pub(crate) fn new() -> OneCell {
        OneCell(
            reserve(1)
                .and_then(|id| NonZeroU32::new(pack(id)))
                .unwrap_or(NO_CELL),
        )
    }

    /// The chunk's number, below `CHUNKS` by the width of the shift.
    #[inline(always)]
    fn chunk(&self) -> usize {
        (self.0.get() >> CHUNK_SHIFT) as usize
    }

    /// The cell's place in its chunk.
    #[inline(always)]
    fn in_chunk(&self) -> usize {
        self.0.get() as usize % CHUNK
    }

    fn first(&self) -> usize {
        self.chunk() * CHUNK + self.in_chunk()
    }

    /// Adds `v` to this thread's copy of the cell if the thread touched its chunk before:
    /// the common case, with no call. Otherwise returns `false`, and the caller goes on (out
    /// of line) with [`add_first_time`](OneCell::add_first_time).
    #[inline(always)]
    pub(crate) fn add_touched(&self, v: u64) -> bool {
        match arenas::current_arena().chunk_slot(self.chunk()).get() {
            Some(chunk) => {
                add_owned(&chunk[self.in_chunk()], v);
                true
            }
            None => false,
        }
    }

    /// [`add_touched`](OneCell::add_touched)'s other case: the thread has no arena yet,
    /// writes the shared one, or has not touched this cell's chunk. Returns `false`, having
    /// added nothing, for a [`NO_CELL`].
    pub(crate) fn add_first_time(&self, v: u64) -> bool {
        if self.0 == NO_CELL {
            return false;
        }
        match owned_arena() {
            Some(arena) => add_owned(arena.cell(self.first()), v),
            None => {
                shared_arena()
                    .cell(self.first())
                    .fetch_add(v, Ordering::Relaxed);
            }
        }
        true
    }

    /// The sum of the cell over every arena.
    pub(crate) fn sum(&self) -> u64 {
        let mut sum = 0u64;
        arenas::for_each_arena(|arena| {
            if let Some(cell) = arena.peek(self.first()) {
                sum = sum.wrapping_add(cell.load(Ordering::Relaxed));
            }
        });
        sum
    }
}

impl Drop for OneCell {
    fn drop(&mut self) {
        if self.0 != NO_CELL {
            release(self.first(), 1);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn add(cell: &OneCell, v: u64) {
        assert!(cell.add_touched(v) || cell.add_first_time(v));
    }

    #[test]
    fn in_register_is_the_same_cell() {
        let cells: Vec<AtomicU64> = (0..4).map(AtomicU64::new).collect();
        for cell in &cells {
            let same = in_register(cell);
            assert!(std::ptr::eq(same, cell));
            add_owned(cell, 10);
        }
        let values: Vec<u64> = cells.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        assert_eq!(values, [10, 11, 12, 13]);
    }

    #[test]
    fn a_packed_id_keeps_its_chunk_and_cell() {
        for id in [
            1,
            CHUNK - 1,
            CHUNK,
            CHUNK + 5,
            700 * CHUNK + 3,
            MAX_CELLS - 1,
        ] {
            // Not a reserved id: never dropped, so that nothing frees it.
            let cell = std::mem::ManuallyDrop::new(OneCell(NonZeroU32::new(pack(id)).unwrap()));
            assert_eq!((cell.first(), cell.chunk()), (id, id / CHUNK));
        }
        assert_eq!(OneCell(NO_CELL).chunk(), CHUNKS - 1);
    }

    #[test]
    fn sums_over_threads_that_come_and_go() {
        let cell = std::sync::Arc::new(OneCell::new());
        for round in 0..3 {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let cell = cell.clone();
                    std::thread::spawn(move || (0..1000).for_each(|_| add(&cell, 1)))
                })
                .collect();
            handles.into_iter().for_each(|h| h.join().unwrap());
            assert_eq!(cell.sum(), 4000 * (round + 1));
        }
    }

    #[test]
    fn a_freed_cell_comes_back_at_zero() {
        let cell = OneCell::new();
        add(&cell, 41);
        let id = cell.first();
        drop(cell);
        // Ids are reused most-recently-freed first; other tests may take it in between.
        let again = OneCell::new();
        if again.first() == id {
            assert_eq!(again.sum(), 0);
        }
        add(&again, 1);
        assert_eq!(again.sum(), 1);
    }
}
