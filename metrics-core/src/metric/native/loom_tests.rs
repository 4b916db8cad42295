use super::*;

fn model(f: impl Fn() + Sync + Send + 'static) {
    model_bounded(2, f);
}

/// A model whose threads are preempted at most `preemptions` times in a run.
fn model_bounded(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(preemptions);
    model.max_branches = 20_000;
    model.check(f);
}

/// Two observers race a reading, each in cells of its own (`runtime/model_cells.rs`):
/// whatever the interleaving, the reading holds whole observations, and none is lost. (One
/// preemption: with two writers' cells to read, two make the model run for an hour.)
#[test]
fn native_reading_sees_whole_observations() {
    model_bounded(1, || {
        let config = NativeBuckets::with_schema(0).unwrap().max_buckets(4);
        let n = std::sync::Arc::new(Native::new(config));
        let observers: Vec<_> = [0.75, -3.0]
            .into_iter()
            .map(|v| {
                let n = n.clone();
                loom::thread::spawn(move || {
                    n.observe(v);
                })
            })
            .collect();
        let (s, _) = n.snapshot();
        let positive: u64 = s.positive.iter().map(|b| b.1).sum();
        let negative: u64 = s.negative.iter().map(|b| b.1).sum();
        assert_eq!(s.zero_count + positive + negative, s.count);
        assert_eq!(s.sum, positive as f64 * 0.75 - negative as f64 * 3.0);
        for o in observers {
            o.join().unwrap();
        }
        let (s, _) = n.snapshot();
        assert_eq!(
            (s.positive, s.negative, s.sum),
            (vec![(0, 1)], vec![(2, 1)], -2.25)
        );
    });
}

/// A reading over the bucket limit lowers the schema and publishes the new layout while a
/// thread observes into its own cells at the old one: the thread converts its cells when it
/// next observes, or the reader converts them. Every reading is whole (2.0 and 4.0 are
/// buckets 1 and 2 at schema 0, both bucket 1 at schema -1), and nothing is lost.
#[test]
fn a_layout_change_reaches_a_thread_that_observes() {
    model(|| {
        let config = NativeBuckets::with_schema(0).unwrap().max_buckets(1);
        let n = std::sync::Arc::new(Native::new(config));
        let observer = {
            let n = n.clone();
            loom::thread::spawn(move || {
                n.observe(2.0);
                n.observe(4.0);
            })
        };
        let check = |s: &NativeSnapshot| {
            let total: u64 = s.positive.iter().map(|b| b.1).sum();
            assert_eq!(total, s.count, "{s:?}");
            // Whole observations: 2.0 first, then 4.0.
            let expected = [0.0, 2.0, 6.0][s.count as usize];
            assert_eq!(s.sum, expected, "{s:?}");
        };
        let (s, _) = n.snapshot();
        check(&s);
        observer.join().unwrap();
        let (s, _) = n.snapshot();
        check(&s);
        assert_eq!((s.schema, s.positive), (-1, vec![(1, 2)]));
    });
}

/// A reset while a thread observes: a reading after it holds whole observations, never one
/// twice, and every observation made after the reset.
#[test]
fn a_reset_while_a_thread_observes_loses_nothing_after_it() {
    model(|| {
        let config = NativeBuckets::with_schema(0).unwrap().max_buckets(2);
        let n = std::sync::Arc::new(Native::new(config));
        let observer = {
            let n = n.clone();
            loom::thread::spawn(move || {
                n.observe(2.0);
            })
        };
        n.reset();
        n.observe(2.0); // After the reset: always counted.
        observer.join().unwrap();
        let (s, _) = n.snapshot();
        let total: u64 = s.positive.iter().map(|b| b.1).sum();
        assert_eq!(total, s.count);
        assert!((1..=2).contains(&s.count), "{s:?}");
        assert_eq!(s.sum, 2.0 * s.count as f64);
    });
}
