/work/main/metrics-core/target/loom/release/deps/lookups-9aa1cddcfff6e5db.d: metrics-core/tests/lookups.rs

/work/main/metrics-core/target/loom/release/deps/lookups-9aa1cddcfff6e5db: metrics-core/tests/lookups.rs

metrics-core/tests/lookups.rs:
