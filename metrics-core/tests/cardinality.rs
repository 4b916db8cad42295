//! Memory stays bounded whatever label values arrive: a million distinct values into a family
//! limited to 10 000 series; label values that leave with their series, however they leave;
//! and what one series costs.

// A counting global allocator is the one way to measure heap bytes, and it is unsafe to
// implement; this test binary is the only place in the crate that needs it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Mutex;

use metrics_core::{Counter, DynLabels, Family, Format, Opts, Registry};

/// Counts live heap bytes and blocks.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static BLOCKS: AtomicIsize = AtomicIsize::new(0);

/// The tests read the process' counts: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        BLOCKS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        BLOCKS.fetch_sub(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn a_million_distinct_values_stay_within_the_limit() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
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

/// A series of a hashed family is one allocation for the metric (32 bytes: its creation time,
/// hash and flags inside, a 4-byte cell handle and a 4-byte handle on extras it rarely has),
/// its cell in the thread's arena, and its place in the table: the slot, an id per label
/// value, the index. Each distinct label value is stored once, shared by the series that
/// carry it. About 70 bytes for the shape `benches/src/bin/memory.rs` measures; 78 with the
/// cell and extras handles at 8 bytes each, 115 with the label values inside the metric, and
/// 187 with a table entry beside the counter and the whole label block.
#[test]
fn a_series_is_one_metric_and_ids_of_shared_label_values() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const SERIES: usize = 100_000;
    let registry = Registry::new();
    let family: Family<DynLabels, Counter> = registry.family(
        Opts::new("requests_total", "Requests.")
            .labels(&["route", "status"])
            .series_limit(SERIES),
    );
    let (bytes, blocks) = (LIVE.load(Ordering::Relaxed), BLOCKS.load(Ordering::Relaxed));
    for i in 0..SERIES {
        let route = format!("/api/v1/resource_{}", i / 10);
        let status = (200 + i % 10).to_string();
        family.with_label_values(&[&route, &status]).inc();
    }
    let per_series = (LIVE.load(Ordering::Relaxed) - bytes) as f64 / SERIES as f64;
    let blocks_per_series = (BLOCKS.load(Ordering::Relaxed) - blocks) as f64 / SERIES as f64;
    assert_eq!(family.len(), SERIES);
    assert!(per_series < 74.0, "{per_series} bytes per series");
    assert!(
        blocks_per_series < 1.2,
        "{blocks_per_series} allocations per series"
    );
}

/// Series come and go with values never seen again (request ids, pod names): the values
/// leave the family with the last series that used them, whether it was removed, cleared or
/// expired, so the heap returns to where it was.
#[test]
fn label_values_leave_with_their_last_series() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let registry = Registry::new();
    let family: Family<DynLabels, Counter> = registry.family(
        Opts::new("jobs_total", "Jobs.")
            .labels(&["job", "shard"])
            .expire_after(std::time::Duration::from_millis(1)),
    );
    let fill = |round: u32| {
        for i in 0..2_000 {
            let job = format!("job-{round}-{i}");
            family.with_label_values(&[&job, "shared"]).inc();
        }
    };
    let scrape = || {
        let mut out = Vec::new();
        registry.encode(Format::Text, &mut out);
        String::from_utf8(out).unwrap()
    };
    let remove_all = |round: u32| {
        for i in 0..2_000 {
            let job = format!("job-{round}-{i}");
            assert_eq!(family.remove_label_values(&[&job, "shared"]), Ok(true));
        }
    };
    // The family's tables reach their size once (and keep it when series leave one by one);
    // what follows must not grow them.
    fill(0);
    remove_all(0);
    let before = LIVE.load(Ordering::Relaxed);

    fill(1);
    remove_all(1);
    fill(2);
    family.clear();
    fill(3);
    std::thread::sleep(std::time::Duration::from_millis(20));
    // The first scrape notes each value; the next, 20 ms later, finds them idle.
    assert!(scrape().contains("jobs_total{job=\"job-3-1999\",shard=\"shared\"} 1\n"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert!(!scrape().contains("job-3-"));

    assert_eq!(family.len(), 0);
    let after = LIVE.load(Ordering::Relaxed);
    assert!(
        after - before < 4 * 1024,
        "the heap grew by {} bytes over three rounds",
        after - before
    );
    // The shared value was stored once and still works for a new series.
    family.with_label_values(&["again", "shared"]).inc();
    assert!(scrape().contains("jobs_total{job=\"again\",shard=\"shared\"} 1\n"));
}

#[test]
fn long_label_values_are_refused_like_series_past_the_limit() {
    use metrics_core::{LabelError, Overflow};
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let registry = Registry::builder().label_value_limit(64).build().unwrap();
    let collapse: Family<DynLabels, Counter> =
        registry.family(Opts::new("paths_total", "Paths.").labels(&["method", "path"]));
    let long = "x".repeat(65);
    let at_limit = "y".repeat(64);
    collapse.with_label_values(&["GET", &at_limit]).inc();
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..1000 {
        collapse.with_label_values(&["GET", &long]).inc();
    }
    assert!(
        LIVE.load(Ordering::Relaxed) - before < 16 * 1024,
        "long values are not stored"
    );
    assert_eq!(
        collapse.len(),
        1,
        "only the value within the limit is a series"
    );
    assert_eq!(collapse.refused(), 1000);
    match collapse.try_with_label_values(&["GET", &long]) {
        Err(LabelError::ValueTooLong {
            family,
            label,
            len,
            limit,
        }) => assert_eq!(
            (family.as_str(), label.as_str(), len, limit),
            ("paths_total", "path", 65, 64)
        ),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a 65-byte value was taken"),
    }
    // A family sets its own limit; Reject hands back a detached metric.
    let reject: Family<DynLabels, Counter> = registry.family(
        Opts::new("ids_total", "Ids.")
            .labels(&["id"])
            .label_value_limit(8)
            .overflow(Overflow::Reject),
    );
    reject.with_label_values(&["123456789"]).inc();
    reject.with_label_values(&["12345678"]).inc();
    assert_eq!(reject.len(), 1);
    let mut out = Vec::new();
    registry.encode(Format::Text, &mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("paths_total{method=\"__overflow__\",path=\"__overflow__\"} 1000\n"),
        "{text}"
    );
    assert!(text.contains("ids_total{id=\"12345678\"} 1\n"), "{text}");
    assert!(!text.contains("123456789"), "{text}");
    assert!(!text.contains(&long), "{text}");
}

#[test]
fn the_overflow_value_is_no_users_label_value() {
    let registry = Registry::new();
    let logins: Family<DynLabels, Counter> =
        registry.family(Opts::new("logins_total", "Logins.").labels(&["user", "result"]));
    logins.with_label_values(&["ann", "ok"]).inc();
    match logins.try_with_label_values(&["__overflow__", "ok"]) {
        Err(metrics_core::LabelError::ReservedValue { family, label }) => {
            assert_eq!((family.as_str(), label.as_str()), ("logins_total", "user"));
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a user label set took the overflow value"),
    }
    // A plain lookup counts into the overflow series, as any refused label set does; the
    // only series carrying the value is that one.
    logins.with_label_values(&["bob", "__overflow__"]).inc_by(2);
    assert_eq!(logins.len(), 1);
    assert_eq!(logins.refused(), 2);
    let mut out = Vec::new();
    registry.encode(Format::Text, &mut out);
    let text = String::from_utf8(out).unwrap();
    let carrying: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("logins_total{") && l.contains("__overflow__"))
        .collect();
    assert_eq!(
        carrying,
        ["logins_total{user=\"__overflow__\",result=\"__overflow__\"} 2"]
    );
}

mod report {
    use metrics_core::{Counter, DynLabels, Family, Gauge, LabelSet, LabelValue, Opts, Registry};

    #[derive(Clone, Copy, LabelValue)]
    enum Method {
        Get,
        Post,
        Put,
    }

    #[derive(Clone, Copy, LabelSet)]
    struct ByMethod {
        method: Method,
    }

    #[test]
    fn a_flooded_family_reports_its_limit_its_overflow_and_the_label_to_blame() {
        let _serial = super::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let registry = Registry::new();
        let requests: Family<DynLabels, Counter> = registry.family(
            Opts::new("requests_total", "Requests.")
                .labels(&["method", "path"])
                .series_limit(1_000),
        );
        // 10 000 distinct paths: 3 methods over the first ones, then one path each. The
        // first 1 000 label sets are kept; `/home` is carried by 3 of them, `/about` by 2.
        for method in ["GET", "POST", "PUT"] {
            requests.with_label_values(&[method, "/home"]).inc();
        }
        for method in ["GET", "POST"] {
            requests.with_label_values(&[method, "/about"]).inc();
        }
        for i in 0..10_000 {
            requests
                .with_label_values(&["GET", &format!("/users/{i}")])
                .inc();
        }
        let small: Family<DynLabels, Gauge> =
            registry.family(Opts::new("queue_depth", "Depth.").labels(&["queue"]));
        small.with_label_values(&["a"]).set(1.0);
        let methods: Family<ByMethod, Counter> =
            registry.family(Opts::new("by_method_total", "By method."));
        methods
            .get(&ByMethod {
                method: Method::Get,
            })
            .inc();
        methods
            .get(&ByMethod {
                method: Method::Post,
            })
            .inc();
        registry.counter("plain_total", "No labels.").inc();

        let report = registry.cardinality(3);
        let names: Vec<&str> = report.families.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["requests_total", "by_method_total", "queue_depth"]);
        let flooded = &report.families[0];
        assert_eq!(flooded.series, 1_000);
        assert_eq!(flooded.limit, 1_000);
        assert!(flooded.overflow_series);
        assert_eq!(flooded.refused, 10_005 - 1_000);
        assert_eq!(flooded.fill(), 1.0);
        let method = &flooded.labels[0];
        assert_eq!((method.name.as_str(), method.distinct), ("method", 3));
        assert_eq!(method.top[0], ("GET".to_owned(), 997));
        let path = &flooded.labels[1];
        assert_eq!((path.name.as_str(), path.distinct), ("path", 997));
        assert_eq!(
            path.top,
            [
                ("/home".to_owned(), 3),
                ("/about".to_owned(), 2),
                ("/users/0".to_owned(), 1)
            ]
        );
        let dense = &report.families[1];
        assert_eq!(dense.dense_cardinality, Some(3));
        assert_eq!(dense.series, 2);
        assert_eq!(dense.labels[0].distinct, 2);

        // Removal lowers the counts.
        requests.remove_label_values(&["GET", "/home"]).unwrap();
        requests.remove_label_values(&["POST", "/home"]).unwrap();
        let report = registry.cardinality(1);
        let flooded = &report.families[0];
        assert_eq!(flooded.series, 998);
        assert_eq!(flooded.labels[1].top, [("/about".to_owned(), 2)]);
        assert_eq!(flooded.labels[1].distinct, 997);
        methods.remove(&ByMethod {
            method: Method::Post,
        });
        let report = registry.cardinality(5);
        assert_eq!(report.families[1].series, 1);
        assert_eq!(report.families[1].labels[0].top, [("get".to_owned(), 1)]);
    }
}
