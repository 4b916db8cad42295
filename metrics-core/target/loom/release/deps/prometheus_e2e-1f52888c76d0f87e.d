/work/main/metrics-core/target/loom/release/deps/prometheus_e2e-1f52888c76d0f87e.d: metrics-core/tests/prometheus_e2e.rs metrics-core/tests/common/mod.rs metrics-core/tests/common/prometheus.rs

/work/main/metrics-core/target/loom/release/deps/prometheus_e2e-1f52888c76d0f87e: metrics-core/tests/prometheus_e2e.rs metrics-core/tests/common/mod.rs metrics-core/tests/common/prometheus.rs

metrics-core/tests/prometheus_e2e.rs:
metrics-core/tests/common/mod.rs:
metrics-core/tests/common/prometheus.rs:
