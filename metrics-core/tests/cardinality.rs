//! Memory stays bounded whatever label values arrive: a million distinct values into a family
//! limited to 10 000 series.

// A counting global allocator is the one way to measure heap bytes, and it is unsafe to
// implement; this test binary is the only place in the crate that needs it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use metrics_core::{Counter, DynLabels, Family, Format, Opts, Registry};

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

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

#[test]
fn a_million_distinct_values_stay_within_the_limit() {
    let registry = Registry::new();
    let family: Family<DynLabels, Counter> = registry.family(
        Opts::new("requests_total", "Requests.")
            .labels(&["path"])
            .series_limit(10_000),
    );
    let mut path = String::new();
    let mut fill = |range: std::ops::Range<u32>| {
        for i in range {
            use std::fmt::Write;
            path.clear();
            write!(path, "/users/{i}/profile").unwrap();
            family.with_label_values(&[&path]).inc();
        }
    };
    fill(0..10_000);
    let at_limit = LIVE.load(Ordering::Relaxed);
    fill(10_000..1_000_000);
    let after = LIVE.load(Ordering::Relaxed);

    assert_eq!(family.len(), 10_000);
    assert_eq!(family.refused(), 990_000);
    // The overflow series is allocated once; nothing grows per refused value.
    assert!(
        after - at_limit < 64 * 1024,
        "heap grew by {} bytes",
        after - at_limit
    );

    let mut out = Vec::new();
    registry.encode(Format::Text, &mut out);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("requests_total{"))
            .count(),
        10_001
    );
    assert!(text.contains("requests_total{path=\"__overflow__\"} 990000\n"));
    assert!(text.contains("metrics_series_overflow_total{family=\"requests_total\"} 990000\n"));
}
