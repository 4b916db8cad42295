//! Remote write: a registry snapshot to Prometheus' `/api/v1/write` or Mimir's
//! `/api/v1/push`, snappy-compressed, as remote write 2.0's `io.prometheus.write.v2.Request`
//! or 1.0's `prometheus.WriteRequest`, with native histograms, exemplars and metadata.
//!
//! Layout: `series` flattens gathered families into the series both versions send; `v1` and
//! `v2` encode them, with the messages they share from `shared`; `wire` holds the protobuf
//! primitives. This module negotiates the version and sends.

mod series;
mod shared;
mod v1;
mod v2;
mod wire;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, CONTENT_ENCODING, CONTENT_TYPE};
use http::Method;
use metrics_core::{MetricFamilies, Registry};

use crate::push::transport::{self, Settings, Transport};
use crate::push::url::GivenUrl;
use crate::push::PushError;
use series::Points;

/// Which remote-write protocol a [`RemoteWrite`] speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RemoteWriteProtocol {
    /// Remote write 1.0 (`prometheus.WriteRequest`): every receiver takes it.
    V1,
    /// Remote write 2.0 (`io.prometheus.write.v2.Request`): interned strings, metadata per
    /// series, start timestamps; Prometheus 3 and Mimir 2.17 on.
    V2,
    /// 2.0 first; 1.0 from then on if the receiver answers 415, or a 2xx without the
    /// `X-Prometheus-Remote-Write-*-Written` headers every 2.0 receiver sends (a 1.0
    /// receiver that ignores the content type decodes a 2.0 body as an empty request and
    /// answers 204: nothing was written, and the write is sent again as 1.0 at once).
    #[default]
    Auto,
}

/// Settings of a [`RemoteWrite`] client.
#[derive(Debug, Clone)]
#[must_use]
pub struct RemoteWriteBuilder {
    url: GivenUrl,
    external_labels: Vec<(String, String)>,
    protocol: RemoteWriteProtocol,
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

    /// The protocol version ([`RemoteWriteProtocol::Auto`] unless set).
    pub fn protocol(mut self, protocol: RemoteWriteProtocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`PushError::InvalidUrl`], [`PushError::InvalidGrouping`] for an invalid, reserved
    /// or repeated external label name, [`PushError::InvalidHeader`],
    /// [`PushError::InvalidCertificate`] for an unusable root given for https.
    pub fn build(self) -> Result<RemoteWrite, PushError> {
        let url = crate::push::url::parse(&self.url.0)?;
        transport::check_added_labels(
            self.external_labels.iter().map(|(n, _)| n.as_str()),
            &mut BTreeSet::new(),
        )?;
        let version = HeaderName::from_static("x-prometheus-remote-write-version");
        let v1 = self.settings.transport(
            &url,
            &[
                (CONTENT_TYPE, "application/x-protobuf"),
                (CONTENT_ENCODING, "snappy"),
                (version.clone(), "0.1.0"),
            ],
        )?;
        let v2 = self.settings.transport(
            &url,
            &[
                (
                    CONTENT_TYPE,
                    "application/x-protobuf;proto=io.prometheus.write.v2.Request",
                ),
                (CONTENT_ENCODING, "snappy"),
                (version, "2.0.0"),
            ],
        )?;
        let state = match self.protocol {
            RemoteWriteProtocol::V1 => State::V1,
            RemoteWriteProtocol::V2 => State::V2,
            RemoteWriteProtocol::Auto => State::Probing,
        };
        Ok(RemoteWrite {
            url: url.url,
            external_labels: self.external_labels,
            v1,
            v2,
            auto: self.protocol == RemoteWriteProtocol::Auto,
            shared: Arc::new(Shared {
                state: AtomicU8::new(state as u8),
                last_ms: AtomicI64::new(0),
            }),
        })
    }
}

/// Where the version negotiation stands (shared by a client's clones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum State {
    /// Automatic, nothing known yet: 2.0, watching the answer.
    Probing = 0,
    /// 2.0 (chosen, or confirmed by the written-count headers).
    V2 = 1,
    /// 1.0 (chosen, or fallen back to).
    V1 = 2,
}

#[derive(Debug)]
struct Shared {
    state: AtomicU8,
    /// The timestamp of the last write, so that stale markers come after it.
    last_ms: AtomicI64,
}

/// What a receiver reports having written, from remote write 2.0's
/// `X-Prometheus-Remote-Write-{Samples,Histograms,Exemplars}-Written` headers (`None` where
/// it sent none: 1.0 receivers never do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Written {
    /// The protocol the write went by in the end ([`RemoteWriteProtocol::V1`] or
    /// [`V2`](RemoteWriteProtocol::V2)).
    pub protocol: RemoteWriteProtocol,
    /// Float samples written.
    pub samples: Option<u64>,
    /// Native histogram samples written.
    pub histograms: Option<u64>,
    /// Exemplars written.
    pub exemplars: Option<u64>,
}

impl Written {
    fn from_headers(protocol: RemoteWriteProtocol, headers: &HeaderMap) -> Written {
        let count = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
        };
        Written {
            protocol,
            samples: count("x-prometheus-remote-write-samples-written"),
            histograms: count("x-prometheus-remote-write-histograms-written"),
            exemplars: count("x-prometheus-remote-write-exemplars-written"),
        }
    }

    fn reported(&self) -> bool {
        self.samples.is_some() || self.histograms.is_some() || self.exemplars.is_some()
    }
}

/// A remote-write client: each [`write`](Self::write) sends every series of a registry, all
/// at the same timestamp, in one request: counters, gauges, info and state sets as samples,
/// classic histograms as their `_bucket`, `_sum` and `_count` series, native histograms as
/// native histogram samples, exemplars with their series, and each family's type, help and
/// unit. Remote write 2.0 by default, falling back to 1.0 where the receiver lacks it
/// ([`RemoteWriteProtocol`]).
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
/// let written = writer.write_blocking(&registry)?;
/// println!("{:?} samples written", written.samples);
/// # Ok::<(), metrics_http::PushError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RemoteWrite {
    url: String,
    external_labels: Vec<(String, String)>,
    v1: Transport,
    v2: Transport,
    auto: bool,
    shared: Arc<Shared>,
}

impl RemoteWrite {
    /// Settings for a client writing to `url` (Prometheus: `http://host:9090/api/v1/write`;
    /// Mimir: `http://host/api/v1/push`).
    pub fn builder(url: impl Into<String>) -> RemoteWriteBuilder {
        RemoteWriteBuilder {
            url: GivenUrl(url.into()),
            external_labels: Vec::new(),
            protocol: RemoteWriteProtocol::default(),
            settings: Settings::default(),
        }
    }

    /// The protocol the next write goes by: [`RemoteWriteProtocol::Auto`] until a 2.0
    /// receiver has confirmed it or the client has fallen back to 1.0.
    pub fn protocol(&self) -> RemoteWriteProtocol {
        match self.state() {
            State::Probing => RemoteWriteProtocol::Auto,
            State::V2 => RemoteWriteProtocol::V2,
            State::V1 => RemoteWriteProtocol::V1,
        }
    }

    /// Sends a snapshot of `registry`, timestamped now, and returns what the receiver says
    /// it wrote.
    ///
    /// # Errors
    /// [`PushError::Status`] (after retrying 5xx and 429), [`PushError::Transport`],
    /// [`PushError::Timeout`]; [`PushError::NotWritten`] when 2.0 was chosen and the
    /// receiver takes 1.0 only.
    pub async fn write(&self, registry: &Registry) -> Result<Written, PushError> {
        self.send(registry, Points::Values).await
    }

    /// Writes a stale marker for every series of `registry`, so that Prometheus ends them
    /// now rather than 5 minutes after their last sample: for a process that stops pushing
    /// (as [`PeriodicPush`](crate::PeriodicPush) does when it stops).
    ///
    /// # Errors
    /// As for [`write`](Self::write).
    pub async fn write_stale_markers(&self, registry: &Registry) -> Result<Written, PushError> {
        self.send(registry, Points::Stale).await
    }

    /// [`write`](Self::write), blocking; safe to call inside or outside an async runtime.
    ///
    /// # Errors
    /// As for [`write`](Self::write), and [`PushError::Runtime`].
    pub fn write_blocking(&self, registry: &Registry) -> Result<Written, PushError> {
        transport::block_on(self.write(registry))?
    }

    /// [`write_stale_markers`](Self::write_stale_markers), blocking; safe to call inside or
    /// outside an async runtime.
    ///
    /// # Errors
    /// As for [`write`](Self::write), and [`PushError::Runtime`].
    pub fn write_stale_markers_blocking(&self, registry: &Registry) -> Result<Written, PushError> {
        transport::block_on(self.write_stale_markers(registry))?
    }

    fn state(&self) -> State {
        match self.shared.state.load(Ordering::Relaxed) {
            0 => State::Probing,
            1 => State::V2,
            _ => State::V1,
        }
    }

    async fn send(&self, registry: &Registry, points: Points) -> Result<Written, PushError> {
        let mut families = MetricFamilies::new();
        registry.gather(&mut families);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        // Never at or before the last write's timestamp: a stale marker must come after the
        // samples it ends, and a receiver refuses a second value at the same time.
        let next = |last: i64| now.max(last + 1);
        let at =
            match self
                .shared
                .last_ms
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
                    Some(next(last))
                }) {
                Ok(last) | Err(last) => next(last),
            };
        if self.state() == State::V1 {
            return self.send_v1(&families, at, points).await;
        }
        let body = v2::request(&families, &self.external_labels, at, points);
        match self
            .v2
            .send(Method::POST, &self.url, compress(&body)?)
            .await
        {
            Ok(headers) => {
                let written = Written::from_headers(RemoteWriteProtocol::V2, &headers);
                if written.reported() {
                    if self.auto {
                        self.set(State::V2);
                    }
                    return Ok(written);
                }
                if !self.auto {
                    return Err(PushError::NotWritten {
                        url: self.url.clone(),
                    });
                }
            }
            Err(PushError::Status { code: 415, .. }) if self.auto => {}
            Err(error) => return Err(error),
        }
        // A 1.0 receiver: from now on, 1.0.
        self.set(State::V1);
        self.send_v1(&families, at, points).await
    }

    fn set(&self, state: State) {
        self.shared.state.store(state as u8, Ordering::Relaxed);
    }

    async fn send_v1(
        &self,
        families: &MetricFamilies,
        at: i64,
        points: Points,
    ) -> Result<Written, PushError> {
        let body = v1::write_request(families, &self.external_labels, at, points);
        let headers = self
            .v1
            .send(Method::POST, &self.url, compress(&body)?)
            .await?;
        Ok(Written::from_headers(RemoteWriteProtocol::V1, &headers))
    }
}

fn compress(body: &[u8]) -> Result<Bytes, PushError> {
    snap::raw::Encoder::new()
        .compress_vec(body)
        .map(Bytes::from)
        .map_err(|e| PushError::Transport(Box::new(e)))
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
        use metrics_core::{DynLabels, Family, Gauge, Opts, SelfMetrics};
        let registry = Registry::builder()
            .self_metrics(SelfMetrics::Overflow)
            .build()
            .unwrap();
        let a: Family<DynLabels, Gauge> = registry.family(Opts::new("a", "A.").labels(&["job"]));
        a.with_label_values(&["mine"]).set(1.0);
        let mut families = MetricFamilies::new();
        registry.gather(&mut families);
        let external = vec![
            ("job".to_owned(), "theirs".to_owned()),
            ("env".to_owned(), "p".to_owned()),
        ];
        let got = v1::write_request(&families, &external, 1000, Points::Values);
        let field = |tag: u8, bytes: &[u8]| {
            let mut f = vec![tag, bytes.len() as u8];
            f.extend_from_slice(bytes);
            f
        };
        let label = |n: &str, v: &str| {
            let mut pair = field(0x0a, n.as_bytes());
            pair.extend(field(0x12, v.as_bytes()));
            field(0x0a, &pair)
        };
        let mut series = Vec::new();
        // Sorted: __name__, env, job; the series' own job wins over the external one.
        series.extend(label("__name__", "a"));
        series.extend(label("env", "p"));
        series.extend(label("job", "mine"));
        let mut point = vec![0x09];
        point.extend_from_slice(&1.0f64.to_le_bytes());
        point.extend_from_slice(&[0x10, 0xe8, 0x07]);
        series.extend(field(0x12, &point));
        let mut want = field(0x0a, &series);
        // Metadata: type gauge (2), name, help.
        let mut metadata = vec![0x08, 0x02];
        metadata.extend(field(0x12, b"a"));
        metadata.extend(field(0x22, b"A."));
        want.extend(field(0x1a, &metadata));
        assert_eq!(got, want);
    }

    #[test]
    fn stale_markers_come_after_the_last_write() {
        // Nothing listens: the timestamps are chosen before sending.
        let writer = RemoteWrite::builder("http://127.0.0.1:9/api/v1/write")
            .protocol(RemoteWriteProtocol::V1)
            .retry(crate::Retry::never(std::time::Duration::from_millis(200)))
            .build()
            .unwrap();
        let registry = Registry::new();
        let _ = writer.write_blocking(&registry);
        let first = writer.shared.last_ms.load(Ordering::Relaxed);
        let _ = writer.write_stale_markers_blocking(&registry);
        assert!(writer.shared.last_ms.load(Ordering::Relaxed) > first);
    }
}
