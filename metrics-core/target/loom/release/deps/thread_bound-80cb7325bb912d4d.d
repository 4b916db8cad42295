/work/main/metrics-core/target/loom/release/deps/thread_bound-80cb7325bb912d4d.d: metrics-core/tests/thread_bound.rs

/work/main/metrics-core/target/loom/release/deps/thread_bound-80cb7325bb912d4d: metrics-core/tests/thread_bound.rs

metrics-core/tests/thread_bound.rs:
