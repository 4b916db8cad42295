//! Counters and histograms write cells owned by the calling thread, but only so many threads
//! get cells of their own: twice the available parallelism, at least 4 (`runtime/cells/`). Threads
//! past that share one set of cells, written with atomic adds. So a pool of hundreds of
//! threads costs the memory of a handful, and totals stay exact. This file runs in a
//! process of its own, with the real bound, and counts the heap.

// A counting global allocator is the one way to measure heap bytes, and it is unsafe to
// implement.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::{Barrier, Mutex};

use metrics_core::{Buckets, Counter, DynLabels, Family, Format, Histogram, Opts, Registry};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

/// The tests read the process' counts: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const COUNTERS: usize = 10_000;

/// Heap bytes after `threads` threads, alive at once, each added 1 to every counter of
/// `counters` (and observed `histogram` once); checks the totals with the threads alive.
fn touched_by(threads: usize, counters: &[Counter], histogram: &Histogram) -> isize {
    let before: Vec<f64> = counters.iter().map(Counter::get).collect();
    let observed = histogram.snapshot().count();
    let done = Barrier::new(threads + 1);
    let release = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                counters.iter().for_each(Counter::inc);
                histogram.observe(0.2);
                done.wait();
                release.wait();
            });
        }
        done.wait();
        let bytes = LIVE.load(Ordering::Relaxed);
        for (counter, was) in counters.iter().zip(before) {
            assert_eq!(counter.get(), was + threads as f64);
        }
        assert_eq!(histogram.snapshot().count(), observed + threads as u64);
        release.wait();
        bytes
    })
}

#[test]
fn memory_follows_the_processors_not_the_threads() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let counters: Vec<Counter> = (0..COUNTERS).map(|_| Counter::new()).collect();
    let histogram = Histogram::new(Buckets::default());
    let parallelism = std::thread::available_parallelism().map_or(1, usize::from);
    let bound = (2 * parallelism).clamp(4, 1024);

    // Past the bound, every thread but the first few shares the one set of cells: the first
    // round makes it, and more threads add no cells.
    let few = touched_by(bound + 2, &counters, &histogram);
    let many = touched_by(bound + 200, &counters, &histogram);
    // Each thread of its own would take 8 bytes per counter: 16 MB for 200 threads.
    let per_thread = (many - few) / 198;
    assert!(
        per_thread < 2_048,
        "{per_thread} bytes per thread past the first {bound}"
    );
}

#[test]
fn three_hundred_threads_count_exactly_through_lookups() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let registry = Registry::new();
    let family: Family<DynLabels, Counter> = registry.family(
        Opts::new("requests_total", "Requests.")
            .labels(&["route"])
            .series_limit(1_000),
    );
    let routes: Vec<String> = (0..1_000).map(|i| format!("/r{i}")).collect();
    let threads = 300;
    let start = Barrier::new(threads);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                start.wait();
                for route in &routes {
                    family.with_label_values(&[route]).inc();
                }
            });
        }
    });
    let mut text = Vec::new();
    registry.encode(Format::Text, &mut text);
    let text = String::from_utf8(text).unwrap();
    for route in &routes {
        assert!(
            text.contains(&format!("requests_total{{route=\"{route}\"}} {threads}\n")),
            "{route}"
        );
    }
}
