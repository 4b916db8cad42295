//! `TokioCollector` reads a runtime's figures at each scrape: exact worker and task counts,
//! a worker label per worker, busy time that grows with work.

use std::time::{Duration, Instant};

use metrics_core::{Format, Registry, SelfMetrics, TokioCollector};

fn text(registry: &Registry) -> String {
    let mut out = Vec::new();
    registry.encode(Format::Text, &mut out);
    String::from_utf8(out).unwrap()
}

fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        .parse()
        .unwrap()
}

#[test]
fn a_runtime_is_read_at_each_scrape() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let registry = Registry::builder()
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap();
    registry.register_collector(TokioCollector::new(runtime.handle().clone()));
    assert!(
        TokioCollector::current().is_none(),
        "no runtime on this thread"
    );

    // Five tasks held on a channel: alive until it closes.
    let (close, closed) = tokio::sync::watch::channel(());
    let held: Vec<_> = (0..5)
        .map(|_| {
            let mut closed = closed.clone();
            runtime.spawn(async move {
                let _ = closed.changed().await;
            })
        })
        .collect();
    // Busy work on the workers: spinning for 50 ms each.
    let spinning: Vec<_> = (0..2)
        .map(|_| {
            runtime.spawn(async {
                let start = Instant::now();
                while start.elapsed() < Duration::from_millis(50) {
                    std::hint::spin_loop();
                }
            })
        })
        .collect();
    for task in spinning {
        runtime.block_on(task).unwrap();
    }
    // A worker adds its busy time when it next parks, just after its task: bounded wait
    // for both spins to be accounted.
    let busy = |text: &str| {
        value(text, "tokio_worker_busy_seconds_total{worker=\"0\"}")
            + value(text, "tokio_worker_busy_seconds_total{worker=\"1\"}")
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    // And the finished spinners released: five held tasks left.
    while busy(&text(&registry)) < 0.1 || value(&text(&registry), "tokio_alive_tasks") != 5.0 {
        assert!(Instant::now() < deadline, "{}", text(&registry));
        std::thread::sleep(Duration::from_millis(5));
    }
    let during = text(&registry);
    assert_eq!(value(&during, "tokio_workers"), 2.0);
    assert_eq!(value(&during, "tokio_alive_tasks"), 5.0);
    assert_eq!(value(&during, "tokio_global_queue_depth"), 0.0);
    assert!(busy(&during) >= 0.1, "two 50 ms spins");
    assert!(during.contains("tokio_worker_parks_total{worker=\"1\"} "));
    assert!(!during.contains("worker=\"2\""), "two workers, two labels");
    #[cfg(tokio_unstable)]
    {
        assert_eq!(value(&during, "tokio_spawned_tasks_total"), 7.0);
        assert_eq!(value(&during, "tokio_blocking_queue_depth"), 0.0);
        assert!(during.contains("tokio_worker_polls_total{worker=\"0\"} "));
    }

    drop(close);
    for task in held {
        runtime.block_on(task).unwrap();
    }
    // A finished task is released by the worker that ran it, just after its result is
    // handed over: bounded wait for the count to reach zero.
    let deadline = Instant::now() + Duration::from_secs(10);
    while value(&text(&registry), "tokio_alive_tasks") != 0.0 {
        assert!(Instant::now() < deadline, "{}", text(&registry));
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(registry.collector_problems().is_empty());
    assert_eq!(metrics_core::lint_exposition(&text(&registry)), []);
}
