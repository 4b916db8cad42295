/work/main/metrics-core/target/loom/release/deps/registry-fccd6a20063d6ff2.d: metrics-core/tests/registry.rs

/work/main/metrics-core/target/loom/release/deps/registry-fccd6a20063d6ff2: metrics-core/tests/registry.rs

metrics-core/tests/registry.rs:
