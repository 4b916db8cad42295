/work/main/metrics-core/target/loom/release/deps/termcolor-ff6779c24f74ac83.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/termcolor-1.4.1/src/lib.rs

/work/main/metrics-core/target/loom/release/deps/libtermcolor-ff6779c24f74ac83.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/termcolor-1.4.1/src/lib.rs

/work/main/metrics-core/target/loom/release/deps/libtermcolor-ff6779c24f74ac83.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/termcolor-1.4.1/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/termcolor-1.4.1/src/lib.rs:
