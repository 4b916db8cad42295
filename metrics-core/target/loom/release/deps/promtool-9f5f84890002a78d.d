/work/main/metrics-core/target/loom/release/deps/promtool-9f5f84890002a78d.d: metrics-core/tests/promtool.rs metrics-core/tests/common/mod.rs metrics-core/tests/common/prometheus.rs

/work/main/metrics-core/target/loom/release/deps/promtool-9f5f84890002a78d: metrics-core/tests/promtool.rs metrics-core/tests/common/mod.rs metrics-core/tests/common/prometheus.rs

metrics-core/tests/promtool.rs:
metrics-core/tests/common/mod.rs:
metrics-core/tests/common/prometheus.rs:
