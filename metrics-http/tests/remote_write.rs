//! What a remote write sends, decoded with prost against the published messages (1.0's
//! `prometheus.WriteRequest`, 2.0-rc.4's `io.prometheus.write.v2.Request`), and how the
//! automatic mode chooses between them, against a scripted fake on a 127.0.0.1 port.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use common::{fake, Reply, Seen};
use metrics_core::{
    Buckets, Counter, DynLabels, Family, Histogram, NativeBuckets, Opts, Quantiles, Registry,
};
use metrics_http::{Auth, PeriodicPush, PushError, RemoteWrite, RemoteWriteProtocol, Retry};
use prost::Message;

/// The written-count headers a 2.0 receiver answers with.
const WRITTEN: &str = "X-Prometheus-Remote-Write-Samples-Written: 7\r\n\
                       X-Prometheus-Remote-Write-Histograms-Written: 1\r\n\
                       X-Prometheus-Remote-Write-Exemplars-Written: 2\r\n";

fn writer(addr: SocketAddr, protocol: RemoteWriteProtocol) -> RemoteWrite {
    RemoteWrite::builder(format!("http://{addr}/api/v1/write"))
        .external_label("job", "batch")
        .protocol(protocol)
        .retry(Retry {
            attempts: 3,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(100),
            total: Duration::from_secs(3),
        })
        .build()
        .unwrap()
}

/// A registry with one of everything remote write carries: a labelled counter with an
/// exemplar, a gauge, a classic histogram with an exemplar, a native-only histogram with a
/// unit, a summary.
fn registry() -> Registry {
    let registry = Registry::new();
    let rows: Family<DynLabels, Counter> =
        registry.family(Opts::new("batch_rows_total", "Rows.").labels(&["table"]));
    rows.with_label_values(&["orders"])
        .inc_by_with_exemplar(42, &[("trace_id", "abc")])
        .unwrap();
    registry.gauge("batch_lag_seconds", "Lag.").set(-2.5);
    registry
        .histogram(
            "batch_step_seconds",
            "Step time.",
            Buckets::new([0.5, 1.0]).unwrap(),
        )
        .observe_with_exemplar(0.7, &[("trace_id", "def")])
        .unwrap();
    let native: Family<DynLabels, Histogram> = registry.family_with(
        Opts::new("batch_item_bytes", "Item sizes.")
            .labels(&["kind"])
            .unit("bytes"),
        Buckets::native_only(NativeBuckets::with_schema(0).unwrap()),
    );
    // Schema 0: buckets (2^(k-1), 2^k]. Two in bucket 1, one in bucket 3, one at -3
    // (negative bucket 2), one zero.
    for v in [2.0, 2.0, 7.0, -3.0, 0.0] {
        native.with_label_values(&["a"]).observe(v);
    }
    // Powers of two: the quantiles whose rank ends a bucket are exact.
    let summary = registry.summary(
        "batch_call_seconds",
        "Call time.",
        Quantiles::new([0.0000001, 0.5, 1.0]).unwrap(),
    );
    for v in [1.0, 4.0] {
        summary.observe(v);
    }
    registry
}

fn body(seen: &Seen) -> Vec<u8> {
    snap::raw::Decoder::new()
        .decompress_vec(&seen.body)
        .unwrap()
}

/// Bucket counts by index, from spans and deltas.
fn buckets(spans: &[proto::BucketSpan], deltas: &[i64]) -> BTreeMap<i32, u64> {
    let mut out = BTreeMap::new();
    let mut deltas = deltas.iter();
    let (mut index, mut count) = (0i32, 0i64);
    for span in spans {
        index += span.offset;
        for _ in 0..span.length {
            count += deltas.next().unwrap();
            out.insert(index, count as u64);
            index += 1;
        }
    }
    assert!(deltas.next().is_none(), "a delta per bucket");
    out
}

#[test]
fn v2_request_decodes_against_the_published_message() {
    let (addr, seen) = fake(vec![Reply::Headers(204, WRITTEN)]);
    let writer = writer(addr, RemoteWriteProtocol::V2);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let written = writer.write_blocking(&registry()).unwrap();
    assert_eq!(written.protocol, RemoteWriteProtocol::V2);
    assert_eq!(
        (written.samples, written.histograms, written.exemplars),
        (Some(7), Some(1), Some(2)),
        "the written counts are the receiver's headers"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    for (name, value) in [
        (
            "content-type",
            "application/x-protobuf;proto=io.prometheus.write.v2.Request",
        ),
        ("content-encoding", "snappy"),
        ("x-prometheus-remote-write-version", "2.0.0"),
    ] {
        assert_eq!(seen[0].header(name), Some(value), "{name}");
    }
    assert!(seen[0]
        .header("user-agent")
        .unwrap()
        .starts_with("metrics-http/"));

    let request = proto::v2::Request::decode(&body(&seen[0])[..]).unwrap();
    let symbols = &request.symbols;
    assert_eq!(
        symbols[0], "",
        "the symbols table starts with the empty string"
    );
    let unique: std::collections::BTreeSet<_> = symbols.iter().collect();
    assert_eq!(unique.len(), symbols.len(), "each symbol once");
    let sym = |r: u32| symbols[r as usize].as_str();
    let labels = |refs: &[u32]| -> Vec<(String, String)> {
        assert_eq!(refs.len() % 2, 0);
        refs.chunks(2)
            .map(|p| (sym(p[0]).to_owned(), sym(p[1]).to_owned()))
            .collect()
    };
    let mut by_name = BTreeMap::new();
    for series in &request.timeseries {
        let labels = labels(&series.labels_refs);
        let mut sorted = labels.clone();
        sorted.sort();
        assert_eq!(labels, sorted, "labels sorted by name");
        assert!(labels.contains(&("job".to_owned(), "batch".to_owned())));
        assert!(
            series.samples.len() + series.histograms.len() == 1,
            "one point, a sample or a histogram: {labels:?}"
        );
        let name = labels
            .iter()
            .find(|(n, _)| n == "__name__")
            .unwrap()
            .1
            .clone();
        // A bucket by its `le`, a summary's quantile series by its `quantile`.
        let le = labels
            .iter()
            .find(|(n, _)| n == "le" || n == "quantile")
            .map(|(_, v)| v.clone());
        by_name.insert((name, le), (labels, series.clone()));
    }
    let get = |name: &str, le: Option<&str>| &by_name[&(name.to_owned(), le.map(str::to_owned))].1;

    let rows = get("batch_rows_total", None);
    assert_eq!(rows.samples[0].value, 42.0);
    assert!(rows.samples[0].timestamp >= before);
    let start = rows.samples[0].start_timestamp;
    assert!(start > 0 && start <= rows.samples[0].timestamp, "{start}");
    let meta = rows.metadata.as_ref().unwrap();
    assert_eq!(
        (meta.r#type, sym(meta.help_ref), sym(meta.unit_ref)),
        (1, "Rows.", "")
    );
    assert_eq!(rows.exemplars.len(), 1);
    assert_eq!(
        labels(&rows.exemplars[0].labels_refs),
        [("trace_id".to_owned(), "abc".to_owned())]
    );
    assert_eq!(rows.exemplars[0].value, 42.0);
    assert!(rows.exemplars[0].timestamp >= before);

    let lag = get("batch_lag_seconds", None);
    assert_eq!(lag.samples[0].value, -2.5);
    assert_eq!(lag.samples[0].start_timestamp, 0, "a gauge has no start");
    assert_eq!(lag.metadata.as_ref().unwrap().r#type, 2);

    let bucket = get("batch_step_seconds_bucket", Some("1"));
    assert_eq!(bucket.samples[0].value, 1.0);
    assert_eq!(labels(&bucket.exemplars[0].labels_refs)[0].1, "def");
    assert_eq!(bucket.exemplars[0].value, 0.7);
    assert_eq!(bucket.metadata.as_ref().unwrap().r#type, 3);
    assert_eq!(
        get("batch_step_seconds_bucket", Some("0.5")).samples[0].value,
        0.0
    );
    assert_eq!(
        get("batch_step_seconds_bucket", Some("+Inf")).samples[0].value,
        1.0
    );
    assert_eq!(get("batch_step_seconds_sum", None).samples[0].value, 0.7);
    assert_eq!(get("batch_step_seconds_count", None).samples[0].value, 1.0);

    for (quantile, value) in [("0.5", 1.0), ("1", 4.0)] {
        let series = get("batch_call_seconds", Some(quantile));
        assert_eq!(series.samples[0].value, value, "quantile {quantile}");
        assert_eq!(series.metadata.as_ref().unwrap().r#type, 5, "SUMMARY");
        assert!(series.samples[0].start_timestamp > 0);
    }
    // The label as the text format writes it (`1e-7`), not as `Display` would (`0.0000001`).
    let lowest = get("batch_call_seconds", Some("1e-7"));
    assert!((lowest.samples[0].value - 1.0).abs() < 0.01);
    assert_eq!(get("batch_call_seconds_sum", None).samples[0].value, 5.0);
    assert_eq!(get("batch_call_seconds_count", None).samples[0].value, 2.0);

    let native = get("batch_item_bytes", None);
    assert!(native.samples.is_empty());
    let h = &native.histograms[0];
    assert_eq!(h.count_int, 5);
    assert_eq!(h.sum, 8.0);
    assert_eq!(h.schema, 0);
    assert_eq!(h.zero_count_int, 1);
    assert!(h.start_timestamp > 0 && h.start_timestamp <= h.timestamp);
    assert_eq!(
        buckets(&h.positive_spans, &h.positive_deltas),
        BTreeMap::from([(1, 2), (3, 1)])
    );
    assert_eq!(
        buckets(&h.negative_spans, &h.negative_deltas),
        BTreeMap::from([(2, 1)])
    );
    let meta = native.metadata.as_ref().unwrap();
    assert_eq!(
        (meta.r#type, sym(meta.help_ref), sym(meta.unit_ref)),
        (3, "Item sizes.", "bytes")
    );
    assert!(
        !by_name
            .keys()
            .any(|(n, _)| n.starts_with("batch_item_bytes_")),
        "a native-only histogram has no classic series"
    );
}

#[test]
fn v1_request_carries_histograms_exemplars_and_metadata() {
    let (addr, seen) = fake(vec![Reply::Headers(204, "")]);
    let written = writer(addr, RemoteWriteProtocol::V1)
        .write_blocking(&registry())
        .unwrap();
    assert_eq!(written.protocol, RemoteWriteProtocol::V1);
    assert_eq!(written.samples, None, "a 1.0 receiver reports nothing");
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[0].header("content-type"),
        Some("application/x-protobuf")
    );
    assert_eq!(
        seen[0].header("x-prometheus-remote-write-version"),
        Some("0.1.0")
    );
    let request = proto::v1::WriteRequest::decode(&body(&seen[0])[..]).unwrap();
    let find = |name: &str| {
        request
            .timeseries
            .iter()
            .find(|ts| {
                ts.labels
                    .iter()
                    .any(|l| l.name == "__name__" && l.value == name)
            })
            .unwrap_or_else(|| panic!("{name}"))
    };
    let rows = find("batch_rows_total");
    assert_eq!(rows.samples[0].value, 42.0);
    assert_eq!(rows.exemplars[0].labels[0].value, "abc");
    let native = find("batch_item_bytes");
    let h = &native.histograms[0];
    assert_eq!((h.count_int, h.sum, h.zero_count_int), (5, 8.0, 1));
    assert_eq!(
        buckets(&h.positive_spans, &h.positive_deltas),
        BTreeMap::from([(1, 2), (3, 1)])
    );
    assert!(native.samples.is_empty());
    let metadata: BTreeMap<_, _> = request
        .metadata
        .iter()
        .map(|m| {
            (
                m.metric_family_name.as_str(),
                (m.r#type, m.help.as_str(), m.unit.as_str()),
            )
        })
        .collect();
    assert_eq!(metadata["batch_rows_total"], (1, "Rows.", ""));
    assert_eq!(metadata["batch_lag_seconds"], (2, "Lag.", ""));
    assert_eq!(metadata["batch_step_seconds"], (3, "Step time.", ""));
    assert_eq!(metadata["batch_item_bytes"], (3, "Item sizes.", "bytes"));
}

/// The content types of what the fake received, in order.
fn versions(seen: &Mutex<Vec<Seen>>) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|s| {
            s.header("x-prometheus-remote-write-version")
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn auto_falls_back_to_v1_on_415_and_remembers() {
    let (addr, seen) = fake(vec![Reply::Headers(415, ""), Reply::Headers(204, "")]);
    let writer = writer(addr, RemoteWriteProtocol::Auto);
    assert_eq!(writer.protocol(), RemoteWriteProtocol::Auto);
    let written = writer.write_blocking(&registry()).unwrap();
    assert_eq!(written.protocol, RemoteWriteProtocol::V1);
    assert_eq!(writer.protocol(), RemoteWriteProtocol::V1);
    // A clone shares what was learnt.
    writer.clone().write_blocking(&registry()).unwrap();
    assert_eq!(versions(&seen), ["2.0.0", "0.1.0", "0.1.0"]);
    let last = &seen.lock().unwrap()[2];
    assert!(!proto::v1::WriteRequest::decode(&body(last)[..])
        .unwrap()
        .timeseries
        .is_empty());
}

#[test]
fn auto_falls_back_on_a_2xx_without_the_written_headers() {
    // A 1.0 receiver that ignores the content type reads a 2.0 body as an empty request.
    let (addr, seen) = fake(vec![Reply::Headers(204, "")]);
    let writer = writer(addr, RemoteWriteProtocol::Auto);
    assert_eq!(
        writer.write_blocking(&registry()).unwrap().protocol,
        RemoteWriteProtocol::V1
    );
    writer.write_blocking(&registry()).unwrap();
    assert_eq!(versions(&seen), ["2.0.0", "0.1.0", "0.1.0"]);
}

#[test]
fn auto_stays_on_v2_when_the_receiver_confirms_it() {
    let (addr, seen) = fake(vec![Reply::Headers(204, WRITTEN)]);
    let writer = writer(addr, RemoteWriteProtocol::Auto);
    writer.write_blocking(&registry()).unwrap();
    assert_eq!(writer.protocol(), RemoteWriteProtocol::V2);
    writer.write_blocking(&registry()).unwrap();
    assert_eq!(versions(&seen), ["2.0.0", "2.0.0"]);
}

#[test]
fn v2_chosen_against_a_v1_receiver_is_an_error_not_a_silent_loss() {
    let (addr, seen) = fake(vec![Reply::Headers(204, "")]);
    let writer = writer(addr, RemoteWriteProtocol::V2);
    let error = writer.write_blocking(&registry()).unwrap_err();
    assert!(matches!(error, PushError::NotWritten { .. }), "{error}");
    assert!(error.to_string().contains(&addr.to_string()), "{error}");
    assert_eq!(versions(&seen), ["2.0.0"]);
}

#[test]
fn a_400_is_not_a_reason_to_fall_back() {
    let (addr, seen) = fake(vec![Reply::Headers(400, "")]);
    let writer = writer(addr, RemoteWriteProtocol::Auto);
    let error = writer.write_blocking(&registry()).unwrap_err();
    assert!(
        matches!(error, PushError::Status { code: 400, .. }),
        "{error}"
    );
    assert_eq!(versions(&seen), ["2.0.0"], "not retried, not resent as 1.0");
    assert_eq!(writer.protocol(), RemoteWriteProtocol::Auto);
}

/// The stale markers of a request: every sample's value, as bits.
fn stale_request(seen: &Seen) -> Vec<(String, u64, i64)> {
    let request = proto::v1::WriteRequest::decode(&body(seen)[..]).unwrap();
    request
        .timeseries
        .iter()
        .map(|ts| {
            assert!(ts.histograms.is_empty() && ts.exemplars.is_empty());
            let name = ts.labels.iter().find(|l| l.name == "__name__").unwrap();
            (
                name.value.clone(),
                ts.samples[0].value.to_bits(),
                ts.samples[0].timestamp,
            )
        })
        .collect()
}

#[test]
fn a_periodic_remote_write_ends_its_series_with_stale_markers() {
    let (addr, seen) = fake(vec![Reply::Headers(204, "")]);
    let registry = registry();
    let push = PeriodicPush::remote_write(
        writer(addr, RemoteWriteProtocol::V1),
        registry,
        Duration::from_secs(3600),
    )
    .unwrap();
    push.stop().unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "the last values, then the stale markers");
    let last = proto::v1::WriteRequest::decode(&body(&seen[0])[..]).unwrap();
    let last_at = last
        .timeseries
        .iter()
        .find_map(|ts| ts.samples.first())
        .unwrap()
        .timestamp;
    let stale = stale_request(&seen[1]);
    assert_eq!(
        stale.len(),
        last.timeseries.len(),
        "a marker for every series"
    );
    for (name, bits, at) in &stale {
        assert_eq!(*bits, 0x7ff0_0000_0000_0002, "{name}: the stale NaN");
        assert!(*at > last_at, "{name}: after the last values");
    }
    let names: Vec<_> = stale.iter().map(|(n, _, _)| n.as_str()).collect();
    assert!(
        names.contains(&"batch_item_bytes"),
        "native histograms end too"
    );
    assert!(names.contains(&"batch_step_seconds_bucket"));
}

#[test]
fn remote_write_sends_a_snappy_write_request_and_retries_like_push() {
    let (addr, seen) = fake(vec![Reply::Headers(503, ""), Reply::Headers(204, "")]);
    let registry = Registry::new();
    registry.counter("batch_rows_total", "Rows.").inc_by(42);
    registry
        .histogram(
            "batch_step_seconds",
            "Step time.",
            Buckets::new([0.5, 1.0]).unwrap(),
        )
        .observe(0.7);
    let writer = RemoteWrite::builder(format!("http://{addr}/api/v1/push"))
        .tenant("team-a")
        .auth(Auth::basic("u", "p"))
        .external_label("job", "batch")
        .external_label("instance", "host-1")
        .protocol(RemoteWriteProtocol::V1)
        .retry(Retry {
            attempts: 3,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(100),
            total: Duration::from_secs(3),
        })
        .build()
        .unwrap();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    writer.write_blocking(&registry).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "503 is retried");
    let request = &seen[1];
    assert_eq!(request.request_line, "POST /api/v1/push HTTP/1.1");
    for (name, value) in [
        ("content-encoding", "snappy"),
        ("content-type", "application/x-protobuf"),
        ("x-prometheus-remote-write-version", "0.1.0"),
        ("x-scope-orgid", "team-a"),
        ("authorization", "Basic dTpw"),
    ] {
        assert_eq!(request.header(name), Some(value), "{name}");
    }
    let raw = snap::raw::Decoder::new()
        .decompress_vec(&request.body)
        .unwrap();
    let decoded = proto::v1::WriteRequest::decode(&raw[..]).unwrap();
    let series: Vec<(Vec<(String, String)>, f64)> = decoded
        .timeseries
        .iter()
        .map(|ts| {
            assert_eq!(ts.samples.len(), 1);
            assert!(ts.samples[0].timestamp >= before);
            (
                ts.labels
                    .iter()
                    .map(|l| (l.name.clone(), l.value.clone()))
                    .collect(),
                ts.samples[0].value,
            )
        })
        .collect();
    let labels = |name: &str, extra: &[(&str, &str)]| {
        let mut l = vec![("__name__".to_owned(), name.to_owned())];
        l.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        l.push(("instance".to_owned(), "host-1".to_owned()));
        l.push(("job".to_owned(), "batch".to_owned()));
        l.sort();
        l
    };
    assert!(
        series.contains(&(labels("batch_rows_total", &[]), 42.0)),
        "{series:?}"
    );
    assert!(series.contains(&(labels("batch_step_seconds_bucket", &[("le", "0.5")]), 0.0)));
    assert!(series.contains(&(labels("batch_step_seconds_bucket", &[("le", "1")]), 1.0)));
    assert!(series.contains(&(labels("batch_step_seconds_bucket", &[("le", "+Inf")]), 1.0)));
    assert!(series.contains(&(labels("batch_step_seconds_sum", &[]), 0.7)));
    assert!(series.contains(&(labels("batch_step_seconds_count", &[]), 1.0)));
    for (labels, _) in &series {
        let mut sorted = labels.clone();
        sorted.sort();
        assert_eq!(labels, &sorted, "labels sorted by name");
    }
}

/// The remote-write messages, as published (fields this client sends).
mod proto {
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct BucketSpan {
        #[prost(sint32, tag = "1")]
        pub(crate) offset: i32,
        #[prost(uint32, tag = "2")]
        pub(crate) length: u32,
    }

    /// The native histogram, the same message in both versions (`start_timestamp` is 2.0's).
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Histogram {
        #[prost(uint64, tag = "1")]
        pub(crate) count_int: u64,
        #[prost(double, tag = "3")]
        pub(crate) sum: f64,
        #[prost(sint32, tag = "4")]
        pub(crate) schema: i32,
        #[prost(double, tag = "5")]
        pub(crate) zero_threshold: f64,
        #[prost(uint64, tag = "6")]
        pub(crate) zero_count_int: u64,
        #[prost(message, repeated, tag = "8")]
        pub(crate) negative_spans: Vec<BucketSpan>,
        #[prost(sint64, repeated, tag = "9")]
        pub(crate) negative_deltas: Vec<i64>,
        #[prost(message, repeated, tag = "11")]
        pub(crate) positive_spans: Vec<BucketSpan>,
        #[prost(sint64, repeated, tag = "12")]
        pub(crate) positive_deltas: Vec<i64>,
        #[prost(int32, tag = "14")]
        pub(crate) reset_hint: i32,
        #[prost(int64, tag = "15")]
        pub(crate) timestamp: i64,
        #[prost(int64, tag = "17")]
        pub(crate) start_timestamp: i64,
    }

    pub(crate) mod v1 {
        use super::Histogram;

        #[derive(Clone, PartialEq, prost::Message)]
        pub(crate) struct WriteRequest {
            #[prost(message, repeated, tag = "1")]
            pub(crate) timeseries: Vec<TimeSeries>,
            #[prost(message, repeated, tag = "3")]
            pub(crate) metadata: Vec<MetricMetadata>,
        }
        #[derive(Clone, PartialEq, prost::Message)]
        pub(crate) struct TimeSeries {
            #[prost(message, repeated, tag = "1")]
            pub(crate) labels: Vec<Label>,
            #[prost(message, repeated, tag = "2")]
            pub(crate) samples: Vec<Sample>,
            #[prost(message, repeated, tag = "3")]
            pub(crate) exemplars: Vec<Exemplar>,
            #[prost(message, repeated, tag = "4")]
            pub(crate) histograms: Vec<Histogram>,
        }
        #[derive(Clone, PartialEq, prost::Message)]
        pub(crate) struct Label {
            #[prost(string, tag = "1")]
            pub(crate) name: String,
            #[prost(string, tag = "2")]
            pub(crate) value: String,
        }
        #[derive(Clone, PartialEq, prost::Message)]
        pub(crate) struct Sample {
            #[prost(double, tag = "1")]
            pub(crate) value: f64,
            #[prost(int64, tag = "2")]
            pub(crate) timestamp: i64,
        }
        #[derive(Clone, PartialEq, prost::Message)]
        pub(crate) struct Exemplar {
            #[prost(message, repeated, tag = "1")]
            pub(crate) labels: Vec<Label>,
            #[prost(double, tag = "2")]
            pub(crate) value: f64,
            #[prost(int64, tag = "3")]
            pub(crate) timestamp: i64,
        }
        #[derive(Clone, PartialEq, prost::Message)]
        pub(crate) struct MetricMetadata {
            #[prost(int32, tag = "1")]
            pub(crate) r#type: i32,
            #[prost(string, tag = "2")]
            pub(crate) metric_family_name: String,
            #[prost(string, tag = "4")]
            pub(crate) help: String,
            #[prost(string, tag = "5")]
            pub(crate) unit: String,
        }
    }

    pub(crate) mod v2 {
        use super::Histogram;

        #[derive(Clone, PartialEq, prost::Message)]
        pub(crate) struct Request {
            #[prost(string, repeated, tag = "4")]
            pub(crate) symbols: Vec<String>,
            #[prost(message, repeated, tag = "5")]
            pub(crate) timeseries: Vec<TimeSeries>,
        }
        #[derive(Clone, PartialEq, prost::Message)]
        pub(crate) struct TimeSeries {
            #[prost(uint32, repeated, tag = "1")]
            pub(crate) labels_refs: Vec<u32>,
            #[prost(message, repeated, tag = "2")]
            pub(crate) samples: Vec<Sample>,
            #[prost(message, repeated, tag = "3")]
            pub(crate) histograms: Vec<Histogram>,
            #[prost(message, repeated, tag = "4")]
            pub(crate) exemplars: Vec<Exemplar>,
            #[prost(message, optional, tag = "5")]
            pub(crate) metadata: Option<Metadata>,
        }
        #[derive(Clone, PartialEq, prost::Message)]
        pub(crate) struct Sample {
            #[prost(double, tag = "1")]
            pub(crate) value: f64,
            #[prost(int64, tag = "2")]
            pub(crate) timestamp: i64,
            #[prost(int64, tag = "3")]
            pub(crate) start_timestamp: i64,
        }
        #[derive(Clone, PartialEq, prost::Message)]
        pub(crate) struct Exemplar {
            #[prost(uint32, repeated, tag = "1")]
            pub(crate) labels_refs: Vec<u32>,
            #[prost(double, tag = "2")]
            pub(crate) value: f64,
            #[prost(int64, tag = "3")]
            pub(crate) timestamp: i64,
        }
        #[derive(Clone, PartialEq, prost::Message)]
        pub(crate) struct Metadata {
            #[prost(int32, tag = "1")]
            pub(crate) r#type: i32,
            #[prost(uint32, tag = "3")]
            pub(crate) help_ref: u32,
            #[prost(uint32, tag = "4")]
            pub(crate) unit_ref: u32,
        }
    }
}
