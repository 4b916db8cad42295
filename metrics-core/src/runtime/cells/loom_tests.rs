//! Loom models of the counters' cells across threads that end: an arena handed on to the next
//! thread, a chunk published to a reader while its first increment is made, a freed cell
//! reused at zero. Under loom there is one arena (see `arenas.rs`), so a second thread alive
//! at once writes the shared one.

use loom::sync::Arc;
use loom::thread;

use super::arenas::end_thread;
use super::OneCell;

fn add(cell: &OneCell, v: u64) {
    assert!(cell.add_touched(v) || cell.add_first_time(v));
}

/// Adds `v` and ends the thread as a thread-local destructor would (see `end_thread`).
fn add_and_end(cell: &OneCell, v: u64) {
    add(cell, v);
    end_thread();
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(2);
    model.check(f);
}

/// Threads count and end, each handing its arena back; the next counts in it or, while
/// another holds it, in the shared arena. A reader in the meantime never sees the total go
/// down or past what was added, and nothing is lost. Handing one arena to two live threads
/// fails this model (two plain read-and-writes of one cell lose an update), as does adding
/// to the shared arena without an atomic add.
#[test]
fn an_arena_passes_to_the_next_thread_with_its_counts() {
    model(|| {
        let cell = Arc::new(OneCell::new());
        let threads: Vec<_> = [1, 2, 4]
            .into_iter()
            .map(|v| {
                let cell = cell.clone();
                thread::spawn(move || add_and_end(&cell, v))
            })
            .collect();
        let first = cell.sum();
        let second = cell.sum();
        assert!(first <= second && second <= 7, "{first} then {second}");
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(cell.sum(), 7);
    });
}

/// A thread's first increment leases an arena, makes the cell's chunk and publishes both
/// while a reader walks the arenas: the reader finds nothing, or the counts so far.
#[test]
fn a_reader_finds_a_new_chunk_whole() {
    model(|| {
        let cell = Arc::new(OneCell::new());
        let writer = {
            let cell = cell.clone();
            thread::spawn(move || {
                add(&cell, 1);
                add_and_end(&cell, 1);
            })
        };
        let seen = cell.sum();
        assert!(seen <= 2);
        writer.join().unwrap();
        assert_eq!(cell.sum(), 2);
    });
}

/// A cell freed after its thread counted into it is handed out again at zero, to a thread
/// that then owns the same arena, while the main thread reads it.
#[test]
fn a_freed_cell_comes_back_at_zero() {
    model(|| {
        let old = Arc::new(OneCell::new());
        {
            let old = old.clone();
            thread::spawn(move || add_and_end(&old, 5)).join().unwrap();
        }
        let id = old.first();
        drop(Arc::try_unwrap(old).unwrap());
        let new = Arc::new(OneCell::new());
        assert_eq!(new.first(), id);
        let writer = {
            let new = new.clone();
            thread::spawn(move || add_and_end(&new, 1))
        };
        assert!(new.sum() <= 1);
        writer.join().unwrap();
        assert_eq!(new.sum(), 1);
    });
}
