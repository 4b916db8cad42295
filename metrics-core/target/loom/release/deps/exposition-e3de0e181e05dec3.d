/work/main/metrics-core/target/loom/release/deps/exposition-e3de0e181e05dec3.d: metrics-core/tests/exposition.rs

/work/main/metrics-core/target/loom/release/deps/exposition-e3de0e181e05dec3: metrics-core/tests/exposition.rs

metrics-core/tests/exposition.rs:
