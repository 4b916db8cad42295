/work/main/metrics-core/target/loom/release/deps/target_tuple-1c2077e0a67d0076.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/target-tuple-1.0.2/src/lib.rs /work/main/metrics-core/target/loom/release/build/target-tuple-ece8e0080a5d2422/out/macros.rs

/work/main/metrics-core/target/loom/release/deps/libtarget_tuple-1c2077e0a67d0076.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/target-tuple-1.0.2/src/lib.rs /work/main/metrics-core/target/loom/release/build/target-tuple-ece8e0080a5d2422/out/macros.rs

/work/main/metrics-core/target/loom/release/deps/libtarget_tuple-1c2077e0a67d0076.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/target-tuple-1.0.2/src/lib.rs /work/main/metrics-core/target/loom/release/build/target-tuple-ece8e0080a5d2422/out/macros.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/target-tuple-1.0.2/src/lib.rs:
/work/main/metrics-core/target/loom/release/build/target-tuple-ece8e0080a5d2422/out/macros.rs:

# env-dep:OUT_DIR=/work/main/metrics-core/target/loom/release/build/target-tuple-ece8e0080a5d2422/out
