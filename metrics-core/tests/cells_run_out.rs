//! A counter adds into a thread-owned cell, out of a process-wide supply of about a million
//! (`runtime/cells/`). Past that supply, counters still count, through a shared atomic of their
//! own: this file runs in a process of its own, so that using the supply up disturbs no other
//! test.

use metrics_core::Counter;

#[test]
fn counters_past_the_cell_supply_still_count() {
    // More counters than there are cells: the last ones get none.
    let counters: Vec<Counter> = (0..(1 << 20) + 4096).map(|_| Counter::new()).collect();
    let (with_cells, past) = counters.split_at(1 << 16);
    let past = &past[past.len() - 16..];

    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for c in past.iter().chain(&with_cells[..16]) {
                    for _ in 0..1000 {
                        c.inc();
                    }
                    c.inc_by(5);
                }
            });
        }
    });
    for c in past.iter().chain(&with_cells[..16]) {
        assert_eq!(c.get(), 2.0 * 1005.0);
    }
    // Dropping counters gives their cells back; a new counter gets one and starts at zero.
    drop(counters);
    let fresh: Vec<Counter> = (0..64).map(|_| Counter::new()).collect();
    for c in &fresh {
        c.inc();
        assert_eq!(c.get(), 1.0);
    }
}
