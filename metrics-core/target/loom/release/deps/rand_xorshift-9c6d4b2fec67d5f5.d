/work/main/metrics-core/target/loom/release/deps/rand_xorshift-9c6d4b2fec67d5f5.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rand_xorshift-0.5.0/src/lib.rs

/work/main/metrics-core/target/loom/release/deps/librand_xorshift-9c6d4b2fec67d5f5.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rand_xorshift-0.5.0/src/lib.rs

/work/main/metrics-core/target/loom/release/deps/librand_xorshift-9c6d4b2fec67d5f5.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rand_xorshift-0.5.0/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rand_xorshift-0.5.0/src/lib.rs:
