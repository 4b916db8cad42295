//! Lookups by label values read the family's table without a lock (`sparse.rs`), and a
//! removed series is freed only once no lookup holds it (`runtime/epoch.rs`): they must never hand
//! out a series that left the family, never mix two label sets up, and keep counts exact
//! across threads, removals and references held or sent elsewhere.

use std::collections::HashMap;
use std::time::Duration;

use metrics_core::{Counter, DynLabels, Family, Opts, Registry, SelfMetrics, Series};

fn assert_send_sync<T: Send + Sync>() {}

/// Every sample of `registry` with its labels, keyed `name{labels}`.
fn values(registry: &Registry) -> HashMap<String, f64> {
    registry
        .samples()
        .into_iter()
        .map(|s| {
            let labels: Vec<String> = s.labels.iter().map(|(n, v)| format!("{n}={v}")).collect();
            (format!("{}{{{}}}", s.name, labels.join(",")), s.value)
        })
        .collect()
}

fn family(registry: &Registry) -> Family<DynLabels, Counter> {
    registry.family(Opts::new("lookups_total", "Lookups.").labels(&["route", "code"]))
}

#[test]
fn series_can_be_sent_and_shared() {
    assert_send_sync::<Series<'static, Counter>>();
    let registry = Registry::new();
    let family = family(&registry);
    let series = family.with_label_values(&["/a", "200"]);
    std::thread::scope(|s| {
        s.spawn(move || series.inc());
    });
    // Returned on another thread, the series stays exact.
    family.with_label_values(&["/a", "200"]).inc();
    assert_eq!(family.with_label_values(&["/a", "200"]).get(), 2.0);
}

#[test]
fn a_removed_series_is_not_handed_out_again() {
    let registry = Registry::new();
    let family = family(&registry);
    family.with_label_values(&["/a", "200"]).inc_by(3);
    assert!(family.remove_label_values(&["/a", "200"]).unwrap());
    assert_eq!(family.with_label_values(&["/a", "200"]).get(), 0.0);
    family.with_label_values(&["/a", "200"]).inc();
    assert_eq!(values(&registry)["lookups_total{route=/a,code=200}"], 1.0);

    family.with_label_values(&["/b", "500"]).inc();
    family.clear();
    assert_eq!(family.with_label_values(&["/b", "500"]).get(), 0.0);
    assert_eq!(family.len(), 1);
}

#[test]
fn an_expired_series_is_not_handed_out_again() {
    // Without the self-metrics (on by default), so that an empty scrape means no series.
    let registry = Registry::builder()
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap();
    let family: Family<DynLabels, Counter> = registry.family(
        Opts::new("sessions_total", "Sessions.")
            .labels(&["user"])
            .expire_after(Duration::from_millis(30)),
    );
    family.with_label_values(&["ann"]).inc_by(5);
    registry.samples();
    std::thread::sleep(Duration::from_millis(80));
    assert!(registry.samples().is_empty(), "expired at this scrape");
    assert_eq!(family.with_label_values(&["ann"]).get(), 0.0);
    family.with_label_values(&["ann"]).inc();
    assert_eq!(values(&registry)["sessions_total{user=ann}"], 1.0);
}

#[test]
fn a_series_held_through_growth_and_removal_stays_usable() {
    let registry = Registry::new();
    let family = family(&registry);
    let held = family.with_label_values(&["/held", "200"]);
    held.inc();
    // Enough label sets that the table is rebuilt, twice over, while the series is held.
    for i in 0..500 {
        family.with_label_values(&[&format!("/r{i}"), "200"]).inc();
    }
    assert!(family.remove_label_values(&["/held", "200"]).unwrap());
    held.inc();
    assert_eq!(
        held.get(),
        2.0,
        "a removed series still counts for whoever holds it"
    );
    drop(held);
    assert_eq!(family.with_label_values(&["/held", "200"]).get(), 0.0);
    let all = values(&registry);
    for i in 0..500 {
        assert_eq!(all[&format!("lookups_total{{route=/r{i},code=200}}")], 1.0);
    }
}

#[test]
fn values_that_differ_only_in_escaping_or_boundaries_are_different_series() {
    let registry = Registry::new();
    let family = family(&registry);
    let sets: [[&str; 2]; 8] = [
        ["ab", "c"],
        ["a", "bc"],
        ["a\"", "b"],
        ["a\\\"", "b"],
        ["a\",code=\"b", "c"],
        ["", "abc"],
        ["abc", ""],
        ["a\nb", "c"],
    ];
    for (i, set) in sets.iter().enumerate() {
        family.with_label_values(set).inc_by(i as u64 + 1);
    }
    for (i, set) in sets.iter().enumerate() {
        assert_eq!(
            family.with_label_values(set).get(),
            i as f64 + 1.0,
            "{set:?}"
        );
    }
    assert_eq!(family.len(), sets.len());
}

#[test]
fn counts_stay_exact_across_threads_growth_and_held_references() {
    const THREADS: usize = 4;
    const ROUTES: usize = 300;
    const ROUNDS: u64 = 20;
    let registry = Registry::new();
    let family = family(&registry);
    let typed: Family<(String, u16), Counter> =
        registry.family(Opts::new("typed_total", "Typed.").labels(&["route", "code"]));
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (family, typed) = (&family, &typed);
            s.spawn(move || {
                // One reference held all along, one handed to another thread each round.
                let held = family.with_label_values(&["/held", "200"]);
                for _ in 0..ROUNDS {
                    for r in 0..ROUTES {
                        let route = format!("/r{}", (r + t * 7) % ROUTES);
                        family.with_label_values(&[&route, "200"]).inc();
                        typed.get(&(route, 200)).inc();
                    }
                    held.inc();
                    let lent = family.with_label_values(&["/lent", "500"]);
                    std::thread::scope(|s| {
                        s.spawn(move || lent.inc());
                    });
                }
            });
        }
    });
    let all = values(&registry);
    let expected = (THREADS as u64 * ROUNDS) as f64;
    for r in 0..ROUTES {
        assert_eq!(
            all[&format!("lookups_total{{route=/r{r},code=200}}")],
            expected
        );
        assert_eq!(
            all[&format!("typed_total{{route=/r{r},code=200}}")],
            expected
        );
    }
    assert_eq!(all["lookups_total{route=/held,code=200}"], expected);
    assert_eq!(all["lookups_total{route=/lent,code=500}"], expected);
    assert_eq!(family.len(), ROUTES + 2);
}

/// Series that share label values come and go on several threads while another scrapes: a
/// value stays stored while any series uses it, so every scrape names each series by its own
/// values, and the survivors keep their exact counts.
#[test]
fn shared_values_survive_their_neighbours_removal_under_concurrent_scrapes() {
    const THREADS: usize = 3;
    const ROUNDS: usize = 400;
    let registry = Registry::new();
    let family = family(&registry);
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let (registry, done) = (&registry, &done);
        s.spawn(move || {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                for (key, value) in values(registry) {
                    // Every series carries its own route's code: a swapped or stale value
                    // would pair a route with another's code.
                    let Some(labels) = key.strip_prefix("lookups_total{route=/") else {
                        continue;
                    };
                    let (route, code) = labels.trim_end_matches('}').split_once(",code=").unwrap();
                    let expected = route.split('-').next().unwrap();
                    assert_eq!(code, expected, "{key} = {value}");
                }
            }
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let family = &family;
                s.spawn(move || {
                    let code = format!("{}", 200 + t);
                    let keep = format!("/{code}-kept");
                    for i in 0..ROUNDS {
                        // Shares `code` with the kept series; its own route is new each round.
                        let route = format!("/{code}-{i}");
                        family.with_label_values(&[&route, &code]).inc();
                        family.with_label_values(&[&keep, &code]).inc();
                        assert_eq!(family.remove_label_values(&[&route, &code]), Ok(true));
                    }
                })
            })
            .collect();
        workers.into_iter().for_each(|w| w.join().unwrap());
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let all = values(&registry);
    assert_eq!(family.len(), THREADS);
    for t in 0..THREADS {
        let code = 200 + t;
        assert_eq!(
            all[&format!("lookups_total{{route=/{code}-kept,code={code}}}")],
            ROUNDS as f64
        );
    }
}

/// A label value whose text comes from code that looks up other label sets of the same
/// family, as a hand-written `LabelValue` may: the lookup calls it while it hashes and
/// compares, and must neither hold a lock it would wait on nor hand out anything the nested
/// lookups could free.
#[derive(Clone)]
struct Reentrant {
    name: String,
    family: Family<(Reentrant,), Counter>,
    depth: u32,
}

impl metrics_core::LabelValue for Reentrant {
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        if self.depth > 0 {
            // Other label sets of the same family, new and known, removed and made again.
            for i in 0..3 {
                let nested = Reentrant {
                    name: format!("{}-{i}", self.name),
                    family: self.family.clone(),
                    depth: self.depth - 1,
                };
                self.family.get(&(nested.clone(),)).inc();
                if i == 1 {
                    self.family.remove(&(nested,));
                }
            }
        }
        f(&self.name)
    }
}

#[test]
fn label_values_that_look_up_the_same_family_run_clean() {
    let registry = Registry::new();
    let family: Family<(Reentrant,), Counter> =
        registry.family(Opts::new("nested_total", "Nested lookups.").labels(&["name"]));
    let outer = |name: &str| Reentrant {
        name: name.to_owned(),
        family: family.clone(),
        depth: 2,
    };
    for round in 0..20 {
        let series = family.get(&(outer("outer"),));
        series.inc();
        // The outer series stays usable whatever the nested lookups made and removed.
        assert_eq!(series.get(), f64::from(round + 1));
    }
    std::thread::scope(|s| {
        for t in 0..4 {
            let (outer, family) = (&outer, &family);
            s.spawn(move || {
                for _ in 0..50 {
                    family.get(&(outer(&format!("thread-{t}")),)).inc();
                }
            });
        }
    });
    for t in 0..4 {
        assert_eq!(family.get(&(outer(&format!("thread-{t}")),)).get(), 50.0);
    }
    assert!(family.len() > 4);
}

/// A label value whose `with_str` (user code the family calls while hashing, comparing and
/// copying values) itself looks up, increments and removes other label sets of the same
/// family: lookups must be re-entrant, with no lock held and no entry freed under them.
mod reentrant {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;

    use metrics_core::{Counter, Family, LabelValue, Opts, Registry};

    static FAMILY: OnceLock<Family<(Nosy,), Counter>> = OnceLock::new();
    static NESTED: AtomicU64 = AtomicU64::new(0);

    struct Nosy {
        key: u64,
        /// Look around from inside `with_str`.
        nosy: bool,
    }

    impl LabelValue for Nosy {
        fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
            if self.nosy {
                let family = FAMILY.get().unwrap();
                NESTED.fetch_add(1, Ordering::Relaxed);
                // The outer lookup's own key space (same slots) read, and a second key space
                // grown and shrunk under it.
                let _ = family
                    .get(&(Nosy {
                        key: (self.key + 1) % 64,
                        nosy: false,
                    },))
                    .get();
                let side = Nosy {
                    key: 1_000 + self.key % 16,
                    nosy: false,
                };
                family.get(&(side,)).inc();
                family.remove(&(Nosy {
                    key: 1_000 + (self.key + 8) % 16,
                    nosy: false,
                },));
            }
            f(&format!("k{}", self.key))
        }
    }

    #[test]
    fn lookups_from_inside_a_label_value_run_clean_on_one_thread_and_many() {
        let registry = Registry::new();
        FAMILY.get_or_init(|| registry.family(Opts::new("nosy_total", "Nosy.").labels(&["k"])));
        let family = FAMILY.get().unwrap();
        let round = |thread: u64| {
            for i in 0..2_000u64 {
                let key = (i * 7 + thread * 13) % 64;
                family.get(&(Nosy { key, nosy: true },)).inc();
                if i % 97 == 0 {
                    // Frees entries whose keys the nested lookups use.
                    family.remove(&(Nosy {
                        key: (key + 3) % 64,
                        nosy: false,
                    },));
                }
            }
        };
        round(0);
        std::thread::scope(|scope| {
            for thread in 1..=4 {
                scope.spawn(move || round(thread));
            }
        });
        assert!(
            NESTED.load(Ordering::Relaxed) >= 10_000,
            "user code ran inside lookups"
        );
        // Every series still there reads a count; the family is whole and exportable.
        let text = {
            let mut out = Vec::new();
            registry.encode(metrics_core::Format::Text, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert!(text.contains("nosy_total{k=\""), "{text}");
        assert!(family.len() <= 64 + 16);
    }
}
