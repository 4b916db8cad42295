/work/main/metrics-core/target/loom/release/deps/derive_ui-38cb5606a457bb53.d: metrics-core/tests/derive_ui.rs

/work/main/metrics-core/target/loom/release/deps/derive_ui-38cb5606a457bb53: metrics-core/tests/derive_ui.rs

metrics-core/tests/derive_ui.rs:
