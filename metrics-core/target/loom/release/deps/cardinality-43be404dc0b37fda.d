/work/main/metrics-core/target/loom/release/deps/cardinality-43be404dc0b37fda.d: metrics-core/tests/cardinality.rs

/work/main/metrics-core/target/loom/release/deps/cardinality-43be404dc0b37fda: metrics-core/tests/cardinality.rs

metrics-core/tests/cardinality.rs:
