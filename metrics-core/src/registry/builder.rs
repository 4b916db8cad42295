//! [`RegistryBuilder`]: a registry's settings, checked when it is built.

use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::error::RegisterError;
use crate::label::push_pair;
use crate::model::MetricKind;
use crate::naming::{self, LintLevel, NameValidation, Problem};
use crate::registry::opts::{SelfMetrics, DEFAULT_LABEL_VALUE_LIMIT, DEFAULT_SERIES_LIMIT};
use crate::registry::{Registry, RegistryInner, State};

/// Settings of a [`Registry`].
///
/// ```
/// use metrics_core::{LintLevel, Registry};
/// let registry = Registry::builder()
///     .namespace("shop")
///     .const_label("env", "prod")
///     .series_limit(5_000)
///     .lint_level(LintLevel::Warn)
///     .build()?;
/// let orders = registry.counter("orders_total", "Orders placed.");
/// orders.inc();
/// let mut body = Vec::new();
/// registry.encode(metrics_core::Format::Text, &mut body);
/// assert!(String::from_utf8(body)?.contains("shop_orders_total{env=\"prod\"} 1\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct RegistryBuilder {
    namespace: Option<String>,
    const_labels: Vec<(String, String)>,
    series_limit: Option<usize>,
    label_value_limit: Option<usize>,
    lint_level: LintLevel,
    name_validation: NameValidation,
    openmetrics_created: bool,
    self_metrics: SelfMetrics,
}

impl RegistryBuilder {
    /// A prefix for every family name: `namespace_name`.
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = Some(namespace.to_owned());
        self
    }

    /// A label added to every series, such as `env` or `service`.
    pub fn const_label(mut self, name: &str, value: &str) -> Self {
        self.const_labels.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The series limit of families that do not set their own (default
    /// [`DEFAULT_SERIES_LIMIT`]; at least 1).
    pub fn series_limit(mut self, limit: usize) -> Self {
        self.series_limit = Some(limit.max(1));
        self
    }

    /// The longest label value, in bytes, of families that do not set their own (default
    /// [`DEFAULT_LABEL_VALUE_LIMIT`]; at least 1).
    pub fn label_value_limit(mut self, bytes: usize) -> Self {
        self.label_value_limit = Some(bytes.max(1));
        self
    }

    /// How the naming conventions are enforced (default [`LintLevel::Deny`]).
    pub fn lint_level(mut self, level: LintLevel) -> Self {
        self.lint_level = level;
        self
    }

    /// Which metric and label names the registry takes (default [`NameValidation::Legacy`]).
    /// With [`NameValidation::Utf8`], OpenTelemetry's names such as
    /// `http.server.request.duration` register as they are: scrapes that ask for
    /// `escaping=allow-utf-8` (Prometheus 3) get them so, others get them escaped, and two
    /// names that the default escaping makes one are refused
    /// ([`Rule::EscapedNameCollision`](crate::Rule::EscapedNameCollision)).
    pub fn name_validation(mut self, validation: NameValidation) -> Self {
        self.name_validation = validation;
        self
    }

    /// Whether OpenMetrics expositions carry a `_created` line for each counter, histogram
    /// and summary series (default `false`, as client_golang since 1.20). Prometheus
    /// ingests each such line as a series of its own unless it runs with
    /// `created-timestamp-zero-ingestion`, which reads the time and drops the line; the
    /// protobuf format carries the time in every case.
    pub fn openmetrics_created(mut self, write: bool) -> Self {
        self.openmetrics_created = write;
        self
    }

    /// Which metrics about the registry itself are exported.
    pub fn self_metrics(mut self, which: SelfMetrics) -> Self {
        self.self_metrics = which;
        self
    }

    /// The registry.
    ///
    /// # Errors
    /// [`RegisterError::Name`] when the namespace or a const label name is invalid, or a
    /// const label name repeats.
    pub fn build(self) -> Result<Registry, RegisterError> {
        if let Some(ns) = &self.namespace {
            if let Err(rule) = crate::naming::valid::metric_name_in(ns, self.name_validation) {
                return Err(Problem::metric(ns, rule).into());
            }
        }
        let names: Vec<&str> = self.const_labels.iter().map(|(n, _)| n.as_str()).collect();
        let problems = naming::family_problems(
            "const_labels",
            "-",
            MetricKind::Unknown,
            &names,
            &[],
            self.name_validation,
        );
        if let Some(problem) = problems.into_iter().find(|p| !p.rule().is_lint()) {
            return Err(problem.into());
        }
        let mut const_block = String::new();
        for (name, value) in &self.const_labels {
            push_pair(&mut const_block, name, value);
        }
        Ok(Registry {
            inner: Arc::new(RegistryInner {
                namespace: self.namespace,
                const_label_names: self.const_labels.into_iter().map(|(n, _)| n).collect(),
                const_block,
                series_limit: self.series_limit.unwrap_or(DEFAULT_SERIES_LIMIT),
                label_value_limit: self.label_value_limit.unwrap_or(DEFAULT_LABEL_VALUE_LIMIT),
                lint_level: self.lint_level,
                name_validation: self.name_validation,
                openmetrics_created: self.openmetrics_created,
                self_metrics: self.self_metrics,
                state: RwLock::new(State::default()),
                warnings: Mutex::new(Vec::new()),
                collector_problems: Mutex::new(Vec::new()),
            }),
        })
    }
}

impl Registry {
    /// A registry with the default settings: no namespace, no const labels, series limit
    /// [`DEFAULT_SERIES_LIMIT`], lints denied.
    pub fn new() -> Registry {
        RegistryBuilder::default()
            .build()
            .expect("the default settings are valid")
    }

    /// Settings for a registry.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::default()
    }
}
