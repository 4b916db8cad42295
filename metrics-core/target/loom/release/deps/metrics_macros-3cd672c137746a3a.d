/work/main/metrics-core/target/loom/release/deps/metrics_macros-3cd672c137746a3a.d: metrics-macros/src/lib.rs

/work/main/metrics-core/target/loom/release/deps/libmetrics_macros-3cd672c137746a3a.so: metrics-macros/src/lib.rs

metrics-macros/src/lib.rs:
