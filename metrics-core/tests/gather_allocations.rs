//! Gathering again into the same `MetricFamilies` allocates per gather, never per series:
//! a registry a hundred times larger costs the same number of allocations (counted by this
//! test binary's allocator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use metrics_core::{
    Buckets, Counter, DynLabels, Family, Histogram, MetricFamilies, Opts, Registry,
};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes to the system allocator unchanged; this only counts them.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on as it is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A registry of `n` counter series, `n` histogram series and a gauge, all touched.
fn registry(n: usize) -> Registry {
    let registry = Registry::builder()
        .const_label("service", "api")
        .build()
        .unwrap();
    let requests: Family<DynLabels, Counter> =
        registry.family(Opts::new("requests_total", "Requests.").labels(&["route"]));
    let latency: Family<DynLabels, Histogram> = registry.family_with(
        Opts::new("latency_seconds", "Latency.").labels(&["route"]),
        Buckets::default(),
    );
    for i in 0..n {
        // Equal lengths, so that buffers sized by the longest label set grow alike.
        let route = format!("/route/{i:05}");
        requests.with_label_values(&[&route]).inc();
        latency
            .with_label_values(&[&route])
            .observe(0.01 * i as f64);
    }
    registry.gauge("queue_depth", "Jobs waiting.").set(3.0);
    registry
}

/// Allocations made by the third gather into the same store (the first two grow it).
fn allocations_of_a_gather(registry: &Registry) -> usize {
    let mut families = MetricFamilies::new();
    registry.gather(&mut families);
    registry.gather(&mut families);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    registry.gather(&mut families);
    let made = ALLOCATIONS.load(Ordering::Relaxed) - before;
    // Three families and the registry's own two (on by default).
    assert_eq!(families.len(), 5);
    made
}

#[test]
fn gathering_again_allocates_per_gather_not_per_series() {
    let small = allocations_of_a_gather(&registry(10));
    let large = allocations_of_a_gather(&registry(1_000));
    assert_eq!(small, large, "allocations grew with the series");
    // A few per family (its order of series, its label-block buffer; the self-metrics are
    // written like a collector's families, which own their name and label names), none per
    // series.
    assert!(small <= 8 * 5, "{small} allocations for one gather");
}
