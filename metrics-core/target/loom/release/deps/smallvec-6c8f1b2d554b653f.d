/work/main/metrics-core/target/loom/release/deps/smallvec-6c8f1b2d554b653f.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/smallvec-1.16.5/src/lib.rs

/work/main/metrics-core/target/loom/release/deps/libsmallvec-6c8f1b2d554b653f.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/smallvec-1.16.5/src/lib.rs

/work/main/metrics-core/target/loom/release/deps/libsmallvec-6c8f1b2d554b653f.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/smallvec-1.16.5/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/smallvec-1.16.5/src/lib.rs:
