/work/main/metrics-core/target/loom/release/deps/glob-e1e99653abe3f95c.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/glob-0.3.4/src/lib.rs

/work/main/metrics-core/target/loom/release/deps/libglob-e1e99653abe3f95c.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/glob-0.3.4/src/lib.rs

/work/main/metrics-core/target/loom/release/deps/libglob-e1e99653abe3f95c.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/glob-0.3.4/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/glob-0.3.4/src/lib.rs:
