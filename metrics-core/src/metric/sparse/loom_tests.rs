use crate::{DynLabels, Family, Gauge, Opts, Registry};

/// One thread looks a series up and updates it while another removes every series, frees
/// what it may and puts a new series where the old one was: the lookup gets the old
/// series or the new, whole either way, and the place is not written while a pinned
/// lookup may read it (the metric's cell reports that). Gauges: a counter's thread cells
/// are not modelled, and the protocol is the table's.
#[test]
fn a_lookup_racing_removal_and_reuse_reads_a_whole_series() {
    // Two preemptions per run: what the reclamation protocol needs (a pin racing the
    // writer's unlink and scan), with a state space that finishes in seconds.
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let family: Family<DynLabels, Gauge> =
            Registry::new().family(Opts::new("level", "Level.").labels(&["key"]));
        family.with_label_values(&["a"]).set(1.0);
        let other = family.clone();
        let reader = loom::thread::spawn(move || {
            // A thread's first pin leases its record under a lock (see `runtime/epoch.rs`); the
            // second lookup's pin, racing the writer's scan, is the one that matters.
            other.with_label_values(&["a"]).add(1.0);
            let series = other.with_label_values(&["a"]);
            series.add(1.0);
            series.get()
        });
        family.clear();
        family.with_label_values(&["b"]).set(5.0);
        let seen = reader.join().unwrap();
        // The old series (1 + 1 + 1), or a new one made after the clear, once or twice.
        assert!(seen == 3.0 || seen == 2.0 || seen == 1.0, "{seen}");
        assert_eq!(family.with_label_values(&["b"]).get(), 5.0);
    });
}

/// One thread adds a series while another looks it up: a lookup that finds it sees the
/// series as it was written, value ids and metric both (their cells report a read that
/// the writer's stores do not happen before).
#[test]
fn a_series_is_whole_when_a_lookup_first_finds_it() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let family: Family<DynLabels, Gauge> =
            Registry::new().family(Opts::new("level", "Level.").labels(&["key"]));
        let other = family.clone();
        // Adds on both sides: loom's model of a plain store racing a compare-and-swap on
        // one atomic lets the swap read a stale value, which real processors do not.
        let writer = loom::thread::spawn(move || other.with_label_values(&["x"]).add(3.0));
        family.with_label_values(&["x"]).add(1.0);
        writer.join().unwrap();
        assert_eq!(family.with_label_values(&["x"]).get(), 4.0);
        assert_eq!(family.len(), 1);
    });
}
