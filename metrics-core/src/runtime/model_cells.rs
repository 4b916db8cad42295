//! Under loom: thread-owned cells for the histograms' models. The real arenas
//! (`cells/arenas.rs`) run under loom too, and the counters' models check their hand-on
//! between threads; but leasing one takes a lock and making a chunk another, which would
//! multiply the interleavings of models whose subject is the histograms' sequence lock. So
//! these models get this instead: each [`CellId`] keeps one run of loom atomics per model
//! thread, leased to threads in the order they first touch cells, the first [`THREADS`] of
//! them; later threads own none and record in the shared halves, as threads past the arena
//! limit do.
//!
//! What it keeps of the real thing is what the histograms' protocols rely on: a thread
//! writes only its own run, readers read every run, and every access is an atomic one whose
//! orderings loom explores (the sequence lock of `hot_cold.rs` included).

use std::cell::Cell;

use loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Model threads that get cells of their own.
pub(crate) const THREADS: usize = 2;

loom::lazy_static! {
    /// Runs leased so far in this model run.
    static ref LEASED: AtomicUsize = AtomicUsize::new(0);
}

loom::thread_local! {
    /// The calling thread's lease: `None` until it first touches cells.
    static LEASE: Cell<Option<usize>> = Cell::new(None);
}

/// The calling thread's run index, if it has one.
fn lease() -> Option<usize> {
    let n = LEASE.with(|lease| match lease.get() {
        Some(n) => n,
        None => {
            let n = LEASED.fetch_add(1, Ordering::Relaxed);
            lease.set(Some(n));
            n
        }
    });
    (n < THREADS).then_some(n)
}

/// A run of cells in each model thread's fake arena.
#[derive(Debug)]
pub(crate) struct CellId {
    // Leaked: the histograms take `'static` cells, as the real arenas (never freed) give.
    runs: [&'static [AtomicU64]; THREADS],
}

impl CellId {
    pub(crate) fn run(len: usize) -> Option<CellId> {
        let run = || -> &'static [AtomicU64] {
            Box::leak((0..len).map(|_| AtomicU64::new(0)).collect::<Box<[_]>>())
        };
        Some(CellId {
            runs: [(); THREADS].map(|()| run()),
        })
    }

    pub(crate) fn owned_cells(&self) -> Option<&'static [AtomicU64]> {
        Some(self.runs[lease()?])
    }

    pub(crate) fn owned_run(&self) -> Option<OwnedRun> {
        Some(OwnedRun {
            cells: self.owned_cells()?,
        })
    }

    pub(crate) fn touched_run(&self) -> Option<OwnedRun> {
        self.owned_run()
    }

    pub(crate) fn for_each_owned(&self, mut f: impl FnMut(&[AtomicU64])) {
        self.runs.iter().for_each(|run| f(run));
    }
}

/// The calling thread's cells of a run.
pub(crate) struct OwnedRun {
    cells: &'static [AtomicU64],
}

impl OwnedRun {
    pub(crate) fn cell(&self, k: usize) -> &'static AtomicU64 {
        &self.cells[k]
    }
}
