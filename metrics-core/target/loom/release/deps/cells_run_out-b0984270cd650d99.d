/work/main/metrics-core/target/loom/release/deps/cells_run_out-b0984270cd650d99.d: metrics-core/tests/cells_run_out.rs

/work/main/metrics-core/target/loom/release/deps/cells_run_out-b0984270cd650d99: metrics-core/tests/cells_run_out.rs

metrics-core/tests/cells_run_out.rs:
