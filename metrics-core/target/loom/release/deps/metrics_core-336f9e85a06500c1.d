/work/main/metrics-core/target/loom/release/deps/metrics_core-336f9e85a06500c1.d: metrics-core/src/lib.rs metrics-core/src/collector/mod.rs metrics-core/src/collector/process.rs metrics-core/src/derive_support.rs metrics-core/src/encode/mod.rs metrics-core/src/encode/compress.rs metrics-core/src/encode/lines.rs metrics-core/src/encode/negotiate.rs metrics-core/src/encode/openmetrics.rs metrics-core/src/encode/parse.rs metrics-core/src/encode/protobuf.rs metrics-core/src/encode/text.rs metrics-core/src/error.rs metrics-core/src/label/mod.rs metrics-core/src/lint.rs metrics-core/src/metric/mod.rs metrics-core/src/metric/counter.rs metrics-core/src/metric/dense.rs metrics-core/src/metric/exemplar.rs metrics-core/src/metric/extras.rs metrics-core/src/metric/family.rs metrics-core/src/metric/gauge.rs metrics-core/src/metric/histogram.rs metrics-core/src/metric/native.rs metrics-core/src/metric/slices.rs metrics-core/src/metric/sparse.rs metrics-core/src/metric/state_set.rs metrics-core/src/metric/values.rs metrics-core/src/name.rs metrics-core/src/registry/mod.rs metrics-core/src/registry/collector.rs metrics-core/src/runtime/mod.rs metrics-core/src/runtime/cells.rs metrics-core/src/runtime/clock.rs metrics-core/src/runtime/epoch.rs metrics-core/src/runtime/float.rs metrics-core/src/runtime/sync.rs

/work/main/metrics-core/target/loom/release/deps/libmetrics_core-336f9e85a06500c1.rlib: metrics-core/src/lib.rs metrics-core/src/collector/mod.rs metrics-core/src/collector/process.rs metrics-core/src/derive_support.rs metrics-core/src/encode/mod.rs metrics-core/src/encode/compress.rs metrics-core/src/encode/lines.rs metrics-core/src/encode/negotiate.rs metrics-core/src/encode/openmetrics.rs metrics-core/src/encode/parse.rs metrics-core/src/encode/protobuf.rs metrics-core/src/encode/text.rs metrics-core/src/error.rs metrics-core/src/label/mod.rs metrics-core/src/lint.rs metrics-core/src/metric/mod.rs metrics-core/src/metric/counter.rs metrics-core/src/metric/dense.rs metrics-core/src/metric/exemplar.rs metrics-core/src/metric/extras.rs metrics-core/src/metric/family.rs metrics-core/src/metric/gauge.rs metrics-core/src/metric/histogram.rs metrics-core/src/metric/native.rs metrics-core/src/metric/slices.rs metrics-core/src/metric/sparse.rs metrics-core/src/metric/state_set.rs metrics-core/src/metric/values.rs metrics-core/src/name.rs metrics-core/src/registry/mod.rs metrics-core/src/registry/collector.rs metrics-core/src/runtime/mod.rs metrics-core/src/runtime/cells.rs metrics-core/src/runtime/clock.rs metrics-core/src/runtime/epoch.rs metrics-core/src/runtime/float.rs metrics-core/src/runtime/sync.rs

/work/main/metrics-core/target/loom/release/deps/libmetrics_core-336f9e85a06500c1.rmeta: metrics-core/src/lib.rs metrics-core/src/collector/mod.rs metrics-core/src/collector/process.rs metrics-core/src/derive_support.rs metrics-core/src/encode/mod.rs metrics-core/src/encode/compress.rs metrics-core/src/encode/lines.rs metrics-core/src/encode/negotiate.rs metrics-core/src/encode/openmetrics.rs metrics-core/src/encode/parse.rs metrics-core/src/encode/protobuf.rs metrics-core/src/encode/text.rs metrics-core/src/error.rs metrics-core/src/label/mod.rs metrics-core/src/lint.rs metrics-core/src/metric/mod.rs metrics-core/src/metric/counter.rs metrics-core/src/metric/dense.rs metrics-core/src/metric/exemplar.rs metrics-core/src/metric/extras.rs metrics-core/src/metric/family.rs metrics-core/src/metric/gauge.rs metrics-core/src/metric/histogram.rs metrics-core/src/metric/native.rs metrics-core/src/metric/slices.rs metrics-core/src/metric/sparse.rs metrics-core/src/metric/state_set.rs metrics-core/src/metric/values.rs metrics-core/src/name.rs metrics-core/src/registry/mod.rs metrics-core/src/registry/collector.rs metrics-core/src/runtime/mod.rs metrics-core/src/runtime/cells.rs metrics-core/src/runtime/clock.rs metrics-core/src/runtime/epoch.rs metrics-core/src/runtime/float.rs metrics-core/src/runtime/sync.rs

metrics-core/src/lib.rs:
metrics-core/src/collector/mod.rs:
metrics-core/src/collector/process.rs:
metrics-core/src/derive_support.rs:
metrics-core/src/encode/mod.rs:
metrics-core/src/encode/compress.rs:
metrics-core/src/encode/lines.rs:
metrics-core/src/encode/negotiate.rs:
metrics-core/src/encode/openmetrics.rs:
metrics-core/src/encode/parse.rs:
metrics-core/src/encode/protobuf.rs:
metrics-core/src/encode/text.rs:
metrics-core/src/error.rs:
metrics-core/src/label/mod.rs:
metrics-core/src/lint.rs:
metrics-core/src/metric/mod.rs:
metrics-core/src/metric/counter.rs:
metrics-core/src/metric/dense.rs:
metrics-core/src/metric/exemplar.rs:
metrics-core/src/metric/extras.rs:
metrics-core/src/metric/family.rs:
metrics-core/src/metric/gauge.rs:
metrics-core/src/metric/histogram.rs:
metrics-core/src/metric/native.rs:
metrics-core/src/metric/slices.rs:
metrics-core/src/metric/sparse.rs:
metrics-core/src/metric/state_set.rs:
metrics-core/src/metric/values.rs:
metrics-core/src/name.rs:
metrics-core/src/registry/mod.rs:
metrics-core/src/registry/collector.rs:
metrics-core/src/runtime/mod.rs:
metrics-core/src/runtime/cells.rs:
metrics-core/src/runtime/clock.rs:
metrics-core/src/runtime/epoch.rs:
metrics-core/src/runtime/float.rs:
metrics-core/src/runtime/sync.rs:
