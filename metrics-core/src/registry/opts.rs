//! How a family is declared ([`Opts`]) and which metrics a registry keeps about itself
//! ([`SelfMetrics`]).

use std::borrow::Cow;
use std::time::Duration;

use crate::metric::family::Overflow;

/// The series limit of a family when neither it nor its registry says otherwise.
pub const DEFAULT_SERIES_LIMIT: usize = 10_000;

/// The longest label value (in bytes) a family takes when neither it nor its registry says
/// otherwise: Mimir's default `max_label_value_length`, so that what a family holds a Mimir
/// tenant accepts.
pub const DEFAULT_LABEL_VALUE_LIMIT: usize = 2048;

/// How a family is declared: name, help, and optionally label names and bounds.
///
/// ```
/// use std::time::Duration;
/// use metrics_core::{Opts, Overflow};
/// let opts = Opts::new("http_requests_total", "Requests served.")
///     .labels(&["method", "route"])
///     .series_limit(500)
///     .overflow(Overflow::Reject)
///     .expire_after(Duration::from_secs(600));
/// # let _ = opts;
/// ```
#[derive(Debug, Clone)]
pub struct Opts {
    pub(super) name: Cow<'static, str>,
    pub(super) help: Cow<'static, str>,
    pub(super) labels: Vec<String>,
    pub(super) unit: Option<Cow<'static, str>>,
    pub(super) series_limit: Option<usize>,
    pub(super) label_value_limit: Option<usize>,
    pub(super) overflow: Overflow,
    pub(super) expire_after: Option<Duration>,
}

impl Opts {
    /// A family named `name` (the registry's namespace is prepended) with help text `help`.
    pub fn new(name: impl Into<Cow<'static, str>>, help: impl Into<Cow<'static, str>>) -> Opts {
        Opts {
            name: name.into(),
            help: help.into(),
            labels: Vec::new(),
            unit: None,
            series_limit: None,
            label_value_limit: None,
            overflow: Overflow::default(),
            expire_after: None,
        }
    }

    /// The label names, for families keyed by [`DynLabels`](crate::DynLabels) or a tuple.
    pub fn labels(mut self, names: &[&str]) -> Opts {
        self.labels = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// The unit, exported as OpenMetrics' `# UNIT`; it must be the name's last word (before
    /// `_total`), such as `seconds` for `request_duration_seconds`.
    pub fn unit(mut self, unit: impl Into<Cow<'static, str>>) -> Opts {
        self.unit = Some(unit.into());
        self
    }

    /// At most `limit` series (at least 1); the registry's default otherwise.
    pub fn series_limit(mut self, limit: usize) -> Opts {
        self.series_limit = Some(limit.max(1));
        self
    }

    /// The longest label value, in bytes, a new series may have (at least 1); the registry's
    /// default otherwise. A label set with a longer value is refused like one past the series
    /// limit (the overflow policy applies; `try_` lookups return
    /// [`LabelError::ValueTooLong`](crate::LabelError::ValueTooLong)).
    pub fn label_value_limit(mut self, bytes: usize) -> Opts {
        self.label_value_limit = Some(bytes.max(1));
        self
    }

    /// What happens to new label sets past the limit.
    pub fn overflow(mut self, policy: Overflow) -> Opts {
        self.overflow = policy;
        self
    }

    /// Drops a series at the first scrape that finds it unchanged for `idle` (its handles
    /// keep working but are no longer exported). Dense families keep their series.
    pub fn expire_after(mut self, idle: Duration) -> Opts {
        self.expire_after = Some(idle);
        self
    }
}

/// Whether the registry exports metrics about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SelfMetrics {
    /// Only `metrics_series_overflow_total`, for families that refused a label set: the
    /// opt-out, for a registry whose exposition must hold only the service's own metrics.
    Overflow,
    /// The default: also `metrics_family_series{family}` and
    /// `metrics_family_series_limit{family}`: every family's series and its limit, read at the scrape (nothing on the update path), so
    /// that an alert can fire on `metrics_family_series / metrics_family_series_limit > 0.8`
    /// before a family overflows. Families with labels only: a plain metric is one series
    /// for good.
    #[default]
    All,
}
