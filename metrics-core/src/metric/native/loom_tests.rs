use super::*;

/// Two observers race a reading through the shared halves (the only path under loom):
/// whatever the interleaving, the reading holds whole observations, and none is lost.
#[test]
fn native_reading_sees_whole_observations() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(2);
    model.check(|| {
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
