/work/main/metrics-core/target/loom/release/deps/pin_project_lite-9f5a9d30fa94302f.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.17/src/lib.rs

/work/main/metrics-core/target/loom/release/deps/libpin_project_lite-9f5a9d30fa94302f.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.17/src/lib.rs

/work/main/metrics-core/target/loom/release/deps/libpin_project_lite-9f5a9d30fa94302f.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.17/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.17/src/lib.rs:
