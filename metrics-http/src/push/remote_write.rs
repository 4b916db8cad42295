//! Remote write: a registry snapshot as a Prometheus `WriteRequest`, snappy-compressed, to
//! Prometheus' `/api/v1/write` or Mimir's `/api/v1/push`.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{HeaderName, CONTENT_ENCODING, CONTENT_TYPE};
use http::Method;
use metrics_core::{Registry, Sample};

use crate::push::transport::{self, Settings, Transport};
use crate::push::PushError;

/// Settings of a [`RemoteWrite`] client.
#[derive(Debug, Clone)]
#[must_use]
pub struct RemoteWriteBuilder {
    url: String,
    external_labels: Vec<(String, String)>,
    settings: Settings,
}

impl RemoteWriteBuilder {
    /// The Mimir (or Cortex) tenant, sent as `X-Scope-OrgID`.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.settings
            .headers
            .push(("x-scope-orgid".to_owned(), tenant.into()));
        self
    }

    transport::settings_methods!();

    /// A label added to every series (such as `job` and `instance`, which a scrape would
    /// have added). A series that has the label already keeps its own value, as with
    /// Prometheus' external labels.
    pub fn external_label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.external_labels.push((name.into(), value.into()));
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`PushError::InvalidUrl`], [`PushError::InvalidGrouping`] for an invalid, reserved
    /// or repeated external label name, [`PushError::InvalidHeader`],
    /// [`PushError::InvalidCertificate`] for an unusable root given for https.
    pub fn build(self) -> Result<RemoteWrite, PushError> {
        let url = transport::base_url(&self.url)?;
        transport::check_added_labels(
            self.external_labels.iter().map(|(n, _)| n.as_str()),
            &mut BTreeSet::new(),
        )?;
        let transport = self.settings.transport(&[
            (CONTENT_TYPE, "application/x-protobuf"),
            (CONTENT_ENCODING, "snappy"),
            (
                HeaderName::from_static("x-prometheus-remote-write-version"),
                "0.1.0",
            ),
        ])?;
        Ok(RemoteWrite {
            url,
            external_labels: self.external_labels,
            transport,
        })
    }
}

/// A remote-write client: each [`write`](Self::write) sends every sample of a registry,
/// all with the same timestamp, as one `prometheus.WriteRequest` (protobuf, snappy, remote
/// write 1.0). Histograms go as their classic `_bucket`, `_sum` and `_count` series.
///
/// ```no_run
/// use metrics_core::Registry;
/// use metrics_http::RemoteWrite;
///
/// let registry = Registry::new();
/// registry.counter("etl_rows_total", "Rows loaded.").inc_by(5000);
/// let writer = RemoteWrite::builder("http://mimir:8080/api/v1/push")
///     .tenant("team-data")
///     .external_label("job", "etl")
///     .build()?;
/// writer.write_blocking(&registry)?;
/// # Ok::<(), metrics_http::PushError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RemoteWrite {
    url: String,
    external_labels: Vec<(String, String)>,
    transport: Transport,
}

impl RemoteWrite {
    /// Settings for a client writing to `url` (Prometheus: `http://host:9090/api/v1/write`;
    /// Mimir: `http://host/api/v1/push`).
    pub fn builder(url: impl Into<String>) -> RemoteWriteBuilder {
        RemoteWriteBuilder {
            url: url.into(),
            external_labels: Vec::new(),
            settings: Settings::default(),
        }
    }

    /// Sends a snapshot of `registry`, timestamped now.
    ///
    /// # Errors
    /// [`PushError::Status`] (after retrying 5xx and 429), [`PushError::Transport`],
    /// [`PushError::Timeout`].
    pub async fn write(&self, registry: &Registry) -> Result<(), PushError> {
        let timestamp_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let request = write_request(&registry.samples(), &self.external_labels, timestamp_ms);
        let body = snap::raw::Encoder::new()
            .compress_vec(&request)
            .map_err(|e| PushError::Transport(Box::new(e)))?;
        self.transport
            .send(Method::POST, &self.url, Bytes::from(body))
            .await
    }

    /// [`write`](Self::write), blocking; safe to call inside or outside an async runtime.
    ///
    /// # Errors
    /// As for [`write`](Self::write), and [`PushError::Runtime`].
    pub fn write_blocking(&self, registry: &Registry) -> Result<(), PushError> {
        transport::block_on(self.write(registry))?
    }
}

/// Encodes a `prometheus.WriteRequest`:
///
/// ```text
/// WriteRequest { repeated TimeSeries timeseries = 1; }
/// TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
/// Label        { string name = 1; string value = 2; }
/// Sample       { double value = 1; int64 timestamp = 2; }
/// ```
///
/// Each series' labels are `__name__` plus its own plus the external ones it lacks, sorted
/// by name as the protocol requires.
pub(crate) fn write_request(
    samples: &[Sample],
    external: &[(String, String)],
    timestamp_ms: i64,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(samples.len() * 64);
    let mut series = Vec::new();
    let mut labels: Vec<(&str, &str)> = Vec::new();
    for sample in samples {
        labels.clear();
        labels.push(("__name__", &sample.name));
        labels.extend(sample.labels.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        for (name, value) in external {
            if !sample.labels.iter().any(|(n, _)| n == name) {
                labels.push((name, value));
            }
        }
        labels.sort_unstable_by(|a, b| a.0.cmp(b.0));

        series.clear();
        for (name, value) in &labels {
            let mut label = Vec::with_capacity(name.len() + value.len() + 4);
            bytes_field(&mut label, 1, name.as_bytes());
            bytes_field(&mut label, 2, value.as_bytes());
            bytes_field(&mut series, 1, &label);
        }
        let mut point = Vec::with_capacity(20);
        key(&mut point, 1, 1);
        point.extend_from_slice(&sample.value.to_le_bytes());
        key(&mut point, 2, 0);
        varint(&mut point, timestamp_ms as u64);
        bytes_field(&mut series, 2, &point);
        bytes_field(&mut out, 1, &series);
    }
    out
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire_type: u8) {
    varint(out, (u64::from(field) << 3) | u64::from(wire_type));
}

fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    key(out, field, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_checks() {
        assert!(RemoteWrite::builder("http://p:9090/api/v1/write")
            .build()
            .is_ok());
        assert!(matches!(
            RemoteWrite::builder("http://p/api/v1/push")
                .external_label("__x", "1")
                .build(),
            Err(PushError::InvalidGrouping { .. })
        ));
        assert!(matches!(
            RemoteWrite::builder("http://p/api/v1/push")
                .tenant("a\nb")
                .build(),
            Err(PushError::InvalidHeader { .. })
        ));
    }

    #[test]
    fn bytes_of_a_small_request() {
        let samples = vec![Sample {
            name: "a".into(),
            labels: vec![("job".into(), "mine".into())],
            value: 1.0,
        }];
        let external = vec![
            ("job".to_owned(), "theirs".to_owned()),
            ("env".to_owned(), "p".to_owned()),
        ];
        let got = write_request(&samples, &external, 1000);
        let label = |n: &str, v: &str| {
            let mut l = vec![0x0a, n.len() as u8];
            l.extend_from_slice(n.as_bytes());
            l.extend_from_slice(&[0x12, v.len() as u8]);
            l.extend_from_slice(v.as_bytes());
            let mut field = vec![0x0a, l.len() as u8];
            field.extend(l);
            field
        };
        let mut series = Vec::new();
        // Sorted: __name__, env, job; the series' own job wins over the external one.
        series.extend(label("__name__", "a"));
        series.extend(label("env", "p"));
        series.extend(label("job", "mine"));
        let mut point = vec![0x09];
        point.extend_from_slice(&1.0f64.to_le_bytes());
        point.extend_from_slice(&[0x10, 0xe8, 0x07]);
        series.extend_from_slice(&[0x12, point.len() as u8]);
        series.extend(point);
        let mut want = vec![0x0a, series.len() as u8];
        want.extend(series);
        assert_eq!(got, want);
    }
}
