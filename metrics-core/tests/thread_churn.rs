//! Counters and histograms across threads that start and exit: a scrape running all the
//! while reads monotonic values, more threads alive than the owned cells can serve still
//! count exactly, and increments made from thread-local destructors (after the thread's
//! own cells may be gone) are not lost.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};

use metrics_core::{Buckets, Counter, DynLabels, Family, Format, Histogram, Opts, Registry};

fn registry() -> (Registry, Counter, Histogram, Family<DynLabels, Counter>) {
    let registry = Registry::new();
    let counter = registry.counter("work_total", "Work.");
    let histogram = registry.histogram(
        "work_seconds",
        "Work time.",
        Buckets::new([0.1, 1.0, 10.0]).unwrap(),
    );
    let family: Family<DynLabels, Counter> =
        registry.family(Opts::new("work_by_kind_total", "Work by kind.").labels(&["kind"]));
    (registry, counter, histogram, family)
}

/// `name`'s value in a text exposition.
fn value(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .map_or(0.0, |v| v.parse().unwrap())
}

fn scrape(registry: &Registry) -> String {
    let mut out = Vec::new();
    registry.encode(Format::Text, &mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn scrapes_stay_monotonic_while_threads_come_and_go() {
    const WAVES: usize = 50;
    const PER_WAVE: usize = 8;
    const EACH: u64 = 250;
    let (registry, counter, histogram, family) = registry();
    let done = Arc::new(AtomicBool::new(false));
    let scraper = std::thread::spawn({
        let (registry, done) = (registry.clone(), done.clone());
        move || {
            let mut last = (0.0, 0.0, 0.0);
            let mut scrapes = 0u64;
            while !done.load(Ordering::Acquire) {
                let text = scrape(&registry);
                let now = (
                    value(&text, "work_total"),
                    value(&text, "work_seconds_count"),
                    value(&text, "work_by_kind_total{kind=\"a\"}"),
                );
                assert!(
                    now.0 >= last.0 && now.1 >= last.1 && now.2 >= last.2,
                    "went back: {last:?} then {now:?}"
                );
                // A histogram reading is whole: its +Inf bucket is its count.
                assert_eq!(value(&text, "work_seconds_bucket{le=\"+Inf\"}"), now.1);
                last = now;
                scrapes += 1;
            }
            scrapes
        }
    });
    for _ in 0..WAVES {
        let threads: Vec<_> = (0..PER_WAVE)
            .map(|_| {
                let (counter, histogram, family) =
                    (counter.clone(), histogram.clone(), family.clone());
                std::thread::spawn(move || {
                    for i in 0..EACH {
                        counter.inc();
                        histogram.observe(i as f64 / 100.0);
                        family.with_label_values(&["a"]).inc();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    }
    done.store(true, Ordering::Release);
    assert!(scraper.join().unwrap() > 0);
    let total = (WAVES * PER_WAVE) as f64 * EACH as f64;
    let text = scrape(&registry);
    assert_eq!(value(&text, "work_total"), total);
    assert_eq!(value(&text, "work_seconds_count"), total);
    assert_eq!(value(&text, "work_by_kind_total{kind=\"a\"}"), total);
    // 0.00 .. 2.49 by 0.01 in each thread: 11 at or below 0.1, 101 at or below 1.
    let threads = (WAVES * PER_WAVE) as f64;
    assert_eq!(
        value(&text, "work_seconds_bucket{le=\"0.1\"}"),
        11.0 * threads
    );
    assert_eq!(
        value(&text, "work_seconds_bucket{le=\"1\"}"),
        101.0 * threads
    );
}

#[test]
fn more_threads_alive_than_cells_still_count_exactly() {
    // Past the 1 024 threads the shared arena holds cells for, all alive at once.
    const THREADS: usize = 1_100;
    let (registry, counter, histogram, _) = registry();
    let all_in = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (counter, histogram, all_in) = (counter.clone(), histogram.clone(), all_in.clone());
            std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    counter.inc_by(3);
                    histogram.observe(0.5);
                    // Everyone alive (and holding whatever cells it got) before anyone ends.
                    all_in.wait();
                    counter.inc();
                })
                .unwrap()
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let text = scrape(&registry);
    assert_eq!(value(&text, "work_total"), 4.0 * THREADS as f64);
    assert_eq!(
        value(&text, "work_seconds_bucket{le=\"1\"}"),
        THREADS as f64
    );
    assert_eq!(value(&text, "work_seconds_sum"), 0.5 * THREADS as f64);
}

/// Increments when dropped: a thread-local destructor, run as its thread exits.
struct OnExit(Option<(Counter, Histogram)>);

impl Drop for OnExit {
    fn drop(&mut self) {
        if let Some((counter, histogram)) = self.0.take() {
            counter.inc_by(2);
            histogram.observe(5.0);
        }
    }
}

thread_local! {
    static ON_EXIT: RefCell<OnExit> = const { RefCell::new(OnExit(None)) };
}

#[test]
fn increments_from_thread_local_destructors_are_not_lost() {
    const THREADS: usize = 64;
    let (registry, counter, histogram, _) = registry();
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (counter, histogram) = (counter.clone(), histogram.clone());
            std::thread::spawn(move || {
                // Touched first, so the thread has cells; the destructor runs at exit, in
                // an order against the cells' own thread-local that Rust does not fix.
                counter.inc();
                histogram.observe(0.05);
                ON_EXIT.with(|slot| slot.borrow_mut().0 = Some((counter, histogram)));
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let text = scrape(&registry);
    assert_eq!(value(&text, "work_total"), 3.0 * THREADS as f64);
    assert_eq!(value(&text, "work_seconds_count"), 2.0 * THREADS as f64);
    assert_eq!(
        value(&text, "work_seconds_bucket{le=\"0.1\"}"),
        THREADS as f64
    );
    assert_eq!(
        value(&text, "work_seconds_bucket{le=\"10\"}"),
        2.0 * THREADS as f64
    );
}
