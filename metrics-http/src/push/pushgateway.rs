//! The Pushgateway client: `push` (PUT), `push_add` (POST), `delete` (DELETE) of a group.

use std::collections::BTreeSet;

use base64::Engine as _;
use bytes::Bytes;
use http::header::{HeaderName, CONTENT_ENCODING, CONTENT_TYPE};
use http::Method;
use metrics_core::{Format, MetricFamilies, Registry};

use crate::push::transport::{self, Settings, Transport};
use crate::push::url::GivenUrl;
use crate::push::PushError;

/// Settings of a [`Pushgateway`] client; [`build`](Self::build) checks them all.
#[derive(Debug, Clone)]
#[must_use]
pub struct PushgatewayBuilder {
    url: GivenUrl,
    job: String,
    grouping: Vec<(String, String)>,
    format: PushFormat,
    gzip: bool,
    settings: Settings,
}

/// How a [`Pushgateway`] client encodes what it pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PushFormat {
    /// Length-delimited `io.prometheus.client.MetricFamily` protobuf messages: native
    /// histograms, exemplars and created times survive the gateway (as client_golang's push
    /// package sends).
    #[default]
    Protobuf,
    /// The Prometheus text format 0.0.4: readable, but without native buckets.
    Text,
}

impl PushFormat {
    fn format(self) -> Format {
        match self {
            PushFormat::Protobuf => Format::Protobuf,
            PushFormat::Text => Format::Text,
        }
    }
}

impl PushgatewayBuilder {
    /// The job's name: the `job` label of everything pushed.
    pub fn job(mut self, job: impl Into<String>) -> Self {
        self.job = job.into();
        self
    }

    /// Adds a grouping label (such as `instance`): the group is the job plus these labels,
    /// and each push replaces only its own group.
    pub fn grouping(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.grouping.push((name.into(), value.into()));
        self
    }

    /// The body's encoding ([`PushFormat::Protobuf`] unless set).
    pub fn format(mut self, format: PushFormat) -> Self {
        self.format = format;
        self
    }

    /// Compresses request bodies with gzip (`Content-Encoding: gzip`; Pushgateway 1.5.1
    /// reads them, as the end-to-end tests show): less to send for a large registry, some
    /// CPU to spend.
    #[cfg(feature = "gzip")]
    pub fn gzip(mut self, gzip: bool) -> Self {
        self.gzip = gzip;
        self
    }

    transport::settings_methods!();

    /// Checks the settings and builds the client.
    ///
    /// # Errors
    /// [`PushError::InvalidUrl`], [`PushError::InvalidGrouping`] (empty job, invalid,
    /// reserved or repeated label name), [`PushError::InvalidHeader`] or
    /// [`PushError::InvalidCertificate`] (an unusable root given for https).
    pub fn build(self) -> Result<Pushgateway, PushError> {
        let base = crate::push::url::parse(&self.url.0)?;
        if self.job.is_empty() {
            return Err(PushError::InvalidGrouping {
                label: "job".to_owned(),
                reason: "the job must not be empty",
            });
        }
        let mut url = format!("{}/metrics/{}", base.url, path_pair("job", &self.job));
        let mut names = BTreeSet::from(["job".to_owned()]);
        transport::check_added_labels(self.grouping.iter().map(|(n, _)| n.as_str()), &mut names)?;
        for (name, value) in &self.grouping {
            url.push('/');
            url.push_str(&path_pair(name, value));
        }
        let mut fixed: Vec<(HeaderName, &'static str)> =
            vec![(CONTENT_TYPE, self.format.format().content_type())];
        if self.gzip {
            fixed.push((CONTENT_ENCODING, "gzip"));
        }
        let transport = self.settings.transport(&base, &fixed)?;
        Ok(Pushgateway {
            url,
            job: self.job,
            grouping_names: names,
            format: self.format.format(),
            gzip: self.gzip,
            transport,
        })
    }
}

/// One grouping label as a URL path pair. Values holding `/` (which the path would split)
/// go as URL-safe base64 with `@base64` after the name, empty ones as `@base64/=`; the rest
/// percent-encoded.
fn path_pair(name: &str, value: &str) -> String {
    if value.is_empty() {
        format!("{name}@base64/=")
    } else if value.contains('/') {
        let encoded = base64::engine::general_purpose::URL_SAFE.encode(value);
        format!("{name}@base64/{encoded}")
    } else {
        let mut out = format!("{name}/");
        for b in value.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
}

/// A Pushgateway client for one group (job plus grouping labels). Cheap to clone.
///
/// ```no_run
/// use metrics_core::Registry;
/// use metrics_http::Pushgateway;
///
/// # async fn run() -> Result<(), metrics_http::PushError> {
/// let registry = Registry::new();
/// registry.counter("backup_files_total", "Files backed up.").inc_by(120);
/// let gateway = Pushgateway::builder("http://pushgateway:9091")
///     .job("nightly_backup")
///     .grouping("instance", "db-1")
///     .build()?;
/// gateway.push(&registry).await?;          // or push_blocking from non-async code
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Pushgateway {
    url: String,
    job: String,
    grouping_names: BTreeSet<String>,
    format: Format,
    #[cfg_attr(not(feature = "gzip"), allow(dead_code))]
    gzip: bool,
    transport: Transport,
}

impl Pushgateway {
    /// Settings for a client of the gateway at `url` (`http://host:9091`).
    pub fn builder(url: impl Into<String>) -> PushgatewayBuilder {
        PushgatewayBuilder {
            url: GivenUrl(url.into()),
            job: String::new(),
            grouping: Vec::new(),
            format: PushFormat::default(),
            gzip: false,
            settings: Settings::default(),
        }
    }

    /// The group's URL on the gateway.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The job's name.
    pub fn job(&self) -> &str {
        &self.job
    }

    /// Replaces the group's metrics with `registry`'s (HTTP PUT).
    ///
    /// # Errors
    /// [`PushError::LabelClash`] before sending if a series carries `job` or a grouping
    /// label; otherwise what the transport gives ([`PushError::Status`],
    /// [`PushError::Transport`], [`PushError::Timeout`]).
    pub async fn push(&self, registry: &Registry) -> Result<(), PushError> {
        self.send(Method::PUT, &[registry]).await
    }

    /// Replaces, in the group, only the metric families `registry` has (HTTP POST).
    ///
    /// # Errors
    /// As for [`push`](Self::push).
    pub async fn push_add(&self, registry: &Registry) -> Result<(), PushError> {
        self.send(Method::POST, &[registry]).await
    }

    /// Deletes the group from the gateway (HTTP DELETE).
    ///
    /// # Errors
    /// As for [`push`](Self::push), but for the label check.
    pub async fn delete(&self) -> Result<(), PushError> {
        self.transport
            .send(Method::DELETE, &self.url, Bytes::new())
            .await
            .map(drop)
    }

    /// [`push`](Self::push), blocking; safe to call inside or outside an async runtime.
    ///
    /// # Errors
    /// As for [`push`](Self::push), and [`PushError::Runtime`].
    pub fn push_blocking(&self, registry: &Registry) -> Result<(), PushError> {
        transport::block_on(self.push(registry))?
    }

    /// [`push_add`](Self::push_add), blocking; safe to call inside or outside an async
    /// runtime.
    ///
    /// # Errors
    /// As for [`push`](Self::push), and [`PushError::Runtime`].
    pub fn push_add_blocking(&self, registry: &Registry) -> Result<(), PushError> {
        transport::block_on(self.push_add(registry))?
    }

    /// [`delete`](Self::delete), blocking; safe to call inside or outside an async runtime.
    ///
    /// # Errors
    /// As for [`delete`](Self::delete), and [`PushError::Runtime`].
    pub fn delete_blocking(&self) -> Result<(), PushError> {
        transport::block_on(self.delete())?
    }

    /// Sends the registries' expositions as one body, after checking that no series carries
    /// a grouping label and no family appears twice.
    pub(crate) async fn send(
        &self,
        method: Method,
        registries: &[&Registry],
    ) -> Result<(), PushError> {
        let mut names = BTreeSet::new();
        let mut body = Vec::new();
        let mut gathered = MetricFamilies::new();
        for registry in registries {
            registry.gather(&mut gathered);
            for family in gathered.iter() {
                let name = family.desc().name;
                for series in family.series() {
                    if let Some((label, _)) = series
                        .labels()
                        .find(|(label, _)| self.grouping_names.contains(label.as_ref()))
                    {
                        return Err(PushError::LabelClash {
                            metric: name.to_owned(),
                            label: label.into_owned(),
                        });
                    }
                }
                if !names.insert(name.to_owned()) {
                    return Err(PushError::InvalidName {
                        name: name.to_owned(),
                        reason: "pushed twice in one request",
                    });
                }
            }
            // The body is what was checked: encoded from the same gather.
            self.format.encode(&gathered, &mut body);
        }
        #[cfg(feature = "gzip")]
        let body = if self.gzip {
            let mut compressed = Vec::with_capacity(body.len() / 4);
            metrics_core::Compression::Gzip.compress(&body, &mut compressed);
            compressed
        } else {
            body
        };
        self.transport
            .send(method, &self.url, Bytes::from(body))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::Retry;
    use std::time::Duration;

    #[test]
    fn grouping_key_in_the_path() {
        let gateway = Pushgateway::builder("http://gw:9091/")
            .job("backup/nightly")
            .grouping("instance", "db 1")
            .grouping("path", "/var/lib")
            .grouping("empty", "")
            .build()
            .unwrap();
        assert_eq!(
            gateway.url(),
            "http://gw:9091/metrics/job@base64/YmFja3VwL25pZ2h0bHk=/instance/db%201\
             /path@base64/L3Zhci9saWI=/empty@base64/="
        );
    }

    #[test]
    fn bad_grouping_is_refused() {
        let build = |job: &str, name: &str| {
            Pushgateway::builder("http://gw:9091")
                .job(job)
                .grouping(name, "x")
                .build()
        };
        assert!(matches!(
            build("", "instance"),
            Err(PushError::InvalidGrouping { .. })
        ));
        for bad in ["job", "__name__", "in-stance", "9x", ""] {
            assert!(
                matches!(build("j", bad), Err(PushError::InvalidGrouping { .. })),
                "{bad}"
            );
        }
        assert!(build("j", "instance").is_ok());
    }

    #[test]
    fn a_registry_carrying_a_grouping_label_is_refused_before_sending() {
        use metrics_core::{Counter, DynLabels, Family, Opts};
        let registry = Registry::new();
        let family: Family<DynLabels, Counter> =
            registry.family(Opts::new("jobs_total", "Jobs.").labels(&["instance"]));
        family.with_label_values(&["a"]).inc();
        // Nothing listens here: the check must come first.
        let gateway = Pushgateway::builder("http://127.0.0.1:9")
            .job("j")
            .grouping("instance", "b")
            .retry(Retry::never(Duration::from_secs(1)))
            .build()
            .unwrap();
        match gateway.push_blocking(&registry) {
            Err(PushError::LabelClash { metric, label }) => {
                assert_eq!(
                    (metric.as_str(), label.as_str()),
                    ("jobs_total", "instance")
                );
            }
            other => panic!("{other:?}"),
        }
        let with_job = Registry::builder().const_label("job", "x").build().unwrap();
        with_job.counter("a_total", "A.").inc();
        assert!(matches!(
            gateway.push_blocking(&with_job),
            Err(PushError::LabelClash { .. })
        ));
    }
}
