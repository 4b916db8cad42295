/work/main/metrics-core/target/loom/release/deps/openmetrics-70c71fa18ff02d18.d: metrics-core/tests/openmetrics.rs

/work/main/metrics-core/target/loom/release/deps/openmetrics-70c71fa18ff02d18: metrics-core/tests/openmetrics.rs

metrics-core/tests/openmetrics.rs:
