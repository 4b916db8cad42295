//! The registry: where families are declared, checked and encoded.

pub(crate) mod collector;

use std::any::Any;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use parking_lot::{Mutex, RwLock};

use crate::encode::openmetrics::OpenMetricsEncoder;
use crate::encode::protobuf::ProtobufEncoder;
use crate::encode::samples;
use crate::encode::text::TextEncoder;
use crate::encode::Format;
use crate::error::{Conflict, RegisterError};
use crate::label::{push_pair, LabelSet, LabelValue};
use crate::metric::counter::Counter;
use crate::metric::family::{Family, FamilyCells, FamilySpec, Overflow};
use crate::metric::gauge::Gauge;
use crate::metric::histogram::{Buckets, Histogram};
use crate::metric::state_set::StateSet;
use crate::metric::Metric;
use crate::model::Sample;
use crate::model::{MetricFamilies, MetricKind, Scratch, Sink};
use crate::naming::{self, LintLevel, Problem};
use collector::{Callback, Collection, Collector, Info};

/// The series limit of a family when neither it nor its registry says otherwise.
pub const DEFAULT_SERIES_LIMIT: usize = 10_000;

/// A registry entry: what it writes into a sink of the data model at each scrape.
pub(crate) trait Collect: Send + Sync {
    fn write_to(&self, sink: &mut dyn Sink, scratch: &mut Scratch);
    fn refused(&self) -> u64 {
        0
    }
    fn series(&self) -> usize {
        1
    }
}

impl<L: 'static, M: Metric> Collect for FamilyCells<L, M> {
    fn write_to(&self, sink: &mut dyn Sink, scratch: &mut Scratch) {
        FamilyCells::write_to(self, sink, scratch)
    }
    fn refused(&self) -> u64 {
        FamilyCells::refused(self)
    }
    fn series(&self) -> usize {
        self.len()
    }
}

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
    name: Cow<'static, str>,
    help: Cow<'static, str>,
    labels: Vec<String>,
    unit: Option<Cow<'static, str>>,
    series_limit: Option<usize>,
    overflow: Overflow,
    expire_after: Option<Duration>,
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
    /// Only `metrics_series_overflow_total`, for families that refused a label set.
    #[default]
    Overflow,
    /// Also `metrics_series{family}`, the number of series of every family.
    All,
}

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
    lint_level: LintLevel,
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

    /// How the naming conventions are enforced (default [`LintLevel::Deny`]).
    pub fn lint_level(mut self, level: LintLevel) -> Self {
        self.lint_level = level;
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
            if let Err(rule) = crate::naming::valid::metric_name(ns) {
                return Err(Problem::metric(ns, rule).into());
            }
        }
        let names: Vec<&str> = self.const_labels.iter().map(|(n, _)| n.as_str()).collect();
        let problems =
            naming::family_problems("const_labels", "-", MetricKind::Unknown, &names, &[]);
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
                lint_level: self.lint_level,
                self_metrics: self.self_metrics,
                state: RwLock::new(State::default()),
                warnings: Mutex::new(Vec::new()),
                collector_problems: Mutex::new(Vec::new()),
            }),
        })
    }
}

/// Where metric families are declared and from which they are encoded.
///
/// `Send + Sync`, registration through `&self`, cheap to clone (clones share the families).
/// Registering a name again with the same definition returns the existing handle; a
/// different definition is a [`RegisterError::Conflict`].
///
/// ```
/// use metrics_core::{Buckets, Format, Registry};
/// let registry = Registry::new();
/// let jobs = registry.counter("jobs_processed_total", "Jobs processed.");
/// let again = registry.counter("jobs_processed_total", "Jobs processed.");
/// jobs.inc();
/// again.inc();
/// let latency = registry.histogram(
///     "job_duration_seconds",
///     "Time to process a job.",
///     Buckets::new([0.1, 1.0])?,
/// );
/// latency.observe(0.25);
///
/// let mut body = Vec::new();
/// let content_type = registry.encode(Format::Text, &mut body);
/// assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
/// assert_eq!(String::from_utf8(body)?, "\
/// ## HELP job_duration_seconds Time to process a job.
/// ## TYPE job_duration_seconds histogram
/// job_duration_seconds_bucket{le=\"0.1\"} 0
/// job_duration_seconds_bucket{le=\"1\"} 1
/// job_duration_seconds_bucket{le=\"+Inf\"} 1
/// job_duration_seconds_sum 0.25
/// job_duration_seconds_count 1
/// ## HELP jobs_processed_total Jobs processed.
/// ## TYPE jobs_processed_total counter
/// jobs_processed_total 2
/// ");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Registry {
    inner: Arc<RegistryInner>,
}

struct RegistryInner {
    namespace: Option<String>,
    const_label_names: Vec<String>,
    const_block: String,
    series_limit: usize,
    lint_level: LintLevel,
    self_metrics: SelfMetrics,
    state: RwLock<State>,
    warnings: Mutex<Vec<Problem>>,
    collector_problems: Mutex<Vec<Problem>>,
}

#[derive(Default)]
struct State {
    /// By full name: the encoding order, stable across scrapes.
    entries: BTreeMap<String, Entry>,
    collectors: Vec<(CollectorId, Arc<dyn Collector>)>,
    next_collector: u64,
}

struct Entry {
    kind: MetricKind,
    spec: FamilySpec,
    config: Box<dyn Any + Send + Sync>,
    handle: Box<dyn Any + Send + Sync>,
    collect: Arc<dyn Collect>,
}

/// Identifies a registered [`Collector`], to unregister it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CollectorId(u64);

/// Marks registry entries that are callbacks, which have no handle.
#[derive(Clone)]
struct CallbackHandle;

impl Default for Registry {
    fn default() -> Registry {
        Registry::new()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.read();
        f.debug_struct("Registry")
            .field("namespace", &self.inner.namespace)
            .field("families", &state.entries.keys().collect::<Vec<_>>())
            .field("collectors", &state.collectors.len())
            .finish_non_exhaustive()
    }
}

/// The process-wide registry, for libraries that instrument themselves without being handed
/// one. Created empty on first use.
pub fn default_registry() -> &'static Registry {
    static DEFAULT: LazyLock<Registry> = LazyLock::new(Registry::new);
    &DEFAULT
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

    /// Registers an unlabelled counter, or returns the one registered under this name.
    ///
    /// # Errors
    /// [`RegisterError::Name`] when the name breaks a rule (see [`Rule`](crate::Rule));
    /// [`RegisterError::Conflict`] when the name is taken by a different definition.
    pub fn try_counter(&self, name: &str, help: &str) -> Result<Counter, RegisterError> {
        let family = self.try_family::<(), Counter>(Opts::new(name.to_owned(), help.to_owned()))?;
        Ok(family.get(&()).into_owned())
    }

    /// Registers an unlabelled counter, or returns the one registered under this name.
    ///
    /// # Panics
    /// When [`try_counter`](Self::try_counter) would return an error.
    #[track_caller]
    pub fn counter(&self, name: &str, help: &str) -> Counter {
        self.try_counter(name, help)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Registers an unlabelled gauge, or returns the one registered under this name.
    ///
    /// # Errors
    /// As for [`try_counter`](Self::try_counter).
    pub fn try_gauge(&self, name: &str, help: &str) -> Result<Gauge, RegisterError> {
        let family = self.try_family::<(), Gauge>(Opts::new(name.to_owned(), help.to_owned()))?;
        Ok(family.get(&()).into_owned())
    }

    /// Registers an unlabelled gauge, or returns the one registered under this name.
    ///
    /// # Panics
    /// When [`try_gauge`](Self::try_gauge) would return an error.
    #[track_caller]
    pub fn gauge(&self, name: &str, help: &str) -> Gauge {
        self.try_gauge(name, help).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Registers an unlabelled histogram, or returns the one registered under this name.
    ///
    /// # Errors
    /// As for [`try_counter`](Self::try_counter); a registration with other buckets conflicts.
    pub fn try_histogram(
        &self,
        name: &str,
        help: &str,
        buckets: Buckets,
    ) -> Result<Histogram, RegisterError> {
        let opts = Opts::new(name.to_owned(), help.to_owned());
        let family = self.try_family_with::<(), Histogram>(opts, buckets)?;
        Ok(family.get(&()).into_owned())
    }

    /// Registers an unlabelled histogram, or returns the one registered under this name.
    ///
    /// # Panics
    /// When [`try_histogram`](Self::try_histogram) would return an error.
    #[track_caller]
    pub fn histogram(&self, name: &str, help: &str, buckets: Buckets) -> Histogram {
        self.try_histogram(name, help, buckets)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Registers a family keyed by `L` (histograms get the default buckets), or returns the
    /// one registered under this name.
    ///
    /// # Errors
    /// As for [`try_counter`](Self::try_counter), and [`RegisterError::LabelCount`] when the
    /// label names given do not fit `L`.
    pub fn try_family<L: LabelSet + 'static, M: Metric>(
        &self,
        opts: Opts,
    ) -> Result<Family<L, M>, RegisterError> {
        self.try_family_with(opts, M::Config::default())
    }

    /// Registers a family keyed by `L`, or returns the one registered under this name.
    ///
    /// # Panics
    /// When [`try_family`](Self::try_family) would return an error.
    #[track_caller]
    pub fn family<L: LabelSet + 'static, M: Metric>(&self, opts: Opts) -> Family<L, M> {
        self.try_family(opts).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Registers a family whose new series are made from `config` (the buckets, for a
    /// histogram family), or returns the one registered under this name.
    ///
    /// # Errors
    /// As for [`try_family`](Self::try_family).
    pub fn try_family_with<L: LabelSet + 'static, M: Metric>(
        &self,
        opts: Opts,
        config: M::Config,
    ) -> Result<Family<L, M>, RegisterError> {
        let name = self.full_name(&opts.name);
        let labels: Vec<String> = if L::DYNAMIC || L::NAMES.is_empty() {
            opts.labels
        } else if opts.labels.is_empty() || opts.labels == L::NAMES {
            L::NAMES.iter().map(|n| n.to_string()).collect()
        } else {
            return Err(RegisterError::LabelCount {
                name,
                expected: L::NAMES.len(),
                got: opts.labels.len(),
            });
        };
        if !L::DYNAMIC && labels.len() != L::ARITY {
            return Err(RegisterError::LabelCount {
                name,
                expected: L::ARITY,
                got: labels.len(),
            });
        }
        let label_refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        let warnings = self.check_names(&name, &opts.help, M::KIND, &label_refs)?;
        if let Some(unit) = &opts.unit {
            naming::check_unit(&name, unit, M::KIND)
                .map_err(|rule| Problem::metric(&name, rule))?;
        }
        let spec = FamilySpec {
            name: name.clone().into(),
            help: opts.help.into(),
            label_names: labels.into_iter().map(String::into_boxed_str).collect(),
            unit: opts.unit.map(|u| u.into()),
            limit: opts.series_limit.unwrap_or(self.inner.series_limit),
            overflow: opts.overflow,
            expire_after: opts.expire_after,
        };

        let mut state = self.inner.state.write();
        if let Some(existing) = state.entries.get(&name) {
            return existing.same::<Family<L, M>, M::Config>(&name, M::KIND, &spec, &config);
        }
        let family = Family::<L, M>::new(spec.clone(), config.clone());
        state.entries.insert(
            name,
            Entry {
                kind: M::KIND,
                spec,
                config: Box::new(config),
                handle: Box::new(family.clone()),
                collect: family.cells(),
            },
        );
        self.inner.warnings.lock().extend(warnings);
        Ok(family)
    }

    /// Registers a family whose new series are made from `config`.
    ///
    /// # Panics
    /// When [`try_family_with`](Self::try_family_with) would return an error.
    #[track_caller]
    pub fn family_with<L: LabelSet + 'static, M: Metric>(
        &self,
        opts: Opts,
        config: M::Config,
    ) -> Family<L, M> {
        self.try_family_with(opts, config)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Registers a gauge whose value is read from `read` at every scrape.
    ///
    /// ```
    /// let registry = metrics_core::Registry::new();
    /// registry.try_gauge_fn("queue_depth", "Jobs waiting.", || 7.0)?;
    /// # Ok::<(), metrics_core::RegisterError>(())
    /// ```
    ///
    /// # Errors
    /// As for [`try_counter`](Self::try_counter); any second registration of the name
    /// conflicts, since closures cannot be compared.
    pub fn try_gauge_fn(
        &self,
        name: &str,
        help: &str,
        read: impl Fn() -> f64 + Send + Sync + 'static,
    ) -> Result<(), RegisterError> {
        self.register_callback(name, help, MetricKind::Gauge, Arc::new(read))
    }

    /// Registers a counter whose value is read from `read` at every scrape (it must never
    /// decrease).
    ///
    /// # Errors
    /// As for [`try_gauge_fn`](Self::try_gauge_fn).
    pub fn try_counter_fn(
        &self,
        name: &str,
        help: &str,
        read: impl Fn() -> f64 + Send + Sync + 'static,
    ) -> Result<(), RegisterError> {
        self.register_callback(name, help, MetricKind::Counter, Arc::new(read))
    }

    fn register_callback(
        &self,
        name: &str,
        help: &str,
        kind: MetricKind,
        read: Arc<dyn Fn() -> f64 + Send + Sync>,
    ) -> Result<(), RegisterError> {
        let name = self.full_name(name);
        let warnings = self.check_names(&name, help, kind, &[])?;
        let callback = Callback {
            name: name.clone().into(),
            help: help.into(),
            kind,
            read,
        };
        self.insert_unique(
            name,
            kind,
            help,
            Arc::new(callback),
            Box::new(CallbackHandle),
            warnings,
        )
    }

    /// Registers an info family: one series of value 1 whose labels are facts about the
    /// target, such as its version. `name` ends in `_info`.
    ///
    /// ```
    /// let registry = metrics_core::Registry::new();
    /// registry.try_info("build_info", "Build information.", &[("version", "1.4.2")])?;
    /// # Ok::<(), metrics_core::RegisterError>(())
    /// ```
    ///
    /// # Errors
    /// As for [`try_counter`](Self::try_counter); any second registration of the name
    /// conflicts.
    pub fn try_info(
        &self,
        name: &str,
        help: &str,
        labels: &[(&str, &str)],
    ) -> Result<(), RegisterError> {
        let name = self.full_name(name);
        let label_names: Vec<&str> = labels.iter().map(|(n, _)| *n).collect();
        let warnings = self.check_names(&name, help, MetricKind::Info, &label_names)?;
        let mut block = String::new();
        for (label, value) in labels {
            push_pair(&mut block, label, value);
        }
        let info = Info {
            name: name.clone().into(),
            help: help.into(),
            labels: block.into(),
        };
        self.insert_unique(
            name,
            MetricKind::Info,
            help,
            Arc::new(info),
            Box::new(CallbackHandle),
            warnings,
        )
    }

    /// Registers a state set over the values of `S`, a fixed-cardinality [`LabelValue`]
    /// (an enum), in its first state; or returns the one registered under this name.
    ///
    /// # Errors
    /// As for [`try_counter`](Self::try_counter) (the name must also be a valid label name,
    /// since it labels the states), and [`RegisterError::NotEnumerable`] when `S` has no
    /// fixed cardinality.
    pub fn try_state_set<S: LabelValue + 'static>(
        &self,
        name: &str,
        help: &str,
    ) -> Result<StateSet<S>, RegisterError> {
        let name = self.full_name(name);
        let warnings = self.check_names(&name, help, MetricKind::StateSet, &[])?;
        crate::naming::valid::label_name(&name)
            .map_err(|rule| Problem::label(&name, &name, rule))?;
        let set = StateSet::<S>::new(&name, help)
            .ok_or_else(|| RegisterError::NotEnumerable { name: name.clone() })?;
        let mut state = self.inner.state.write();
        if let Some(existing) = state.entries.get(&name) {
            let spec = plain_spec(&name, help);
            return existing.same::<StateSet<S>, ()>(&name, MetricKind::StateSet, &spec, &());
        }
        let entry = Entry {
            kind: MetricKind::StateSet,
            spec: plain_spec(&name, help),
            config: Box::new(()),
            handle: Box::new(set.clone()),
            collect: set.cells(),
        };
        state.entries.insert(name, entry);
        self.inner.warnings.lock().extend(warnings);
        Ok(set)
    }

    /// Adds an entry that has no definition to compare: a second one of the name conflicts.
    fn insert_unique(
        &self,
        name: String,
        kind: MetricKind,
        help: &str,
        collect: Arc<dyn Collect>,
        handle: Box<dyn Any + Send + Sync>,
        warnings: Vec<Problem>,
    ) -> Result<(), RegisterError> {
        let mut state = self.inner.state.write();
        if state.entries.contains_key(&name) {
            return Err(RegisterError::Conflict {
                name,
                differs: Conflict::HandleType,
            });
        }
        let spec = plain_spec(&name, help);
        state.entries.insert(
            name,
            Entry {
                kind,
                spec,
                config: Box::new(()),
                handle,
                collect,
            },
        );
        self.inner.warnings.lock().extend(warnings);
        Ok(())
    }

    /// Adds a collector, asked for its families at every scrape. Its names are not
    /// namespaced; const labels are added to its series.
    pub fn register_collector(&self, collector: impl Collector) -> CollectorId {
        let mut state = self.inner.state.write();
        let id = CollectorId(state.next_collector);
        state.next_collector += 1;
        state.collectors.push((id, Arc::new(collector)));
        id
    }

    /// Removes a collector; returns whether it was registered.
    pub fn unregister_collector(&self, id: CollectorId) -> bool {
        let mut state = self.inner.state.write();
        let before = state.collectors.len();
        state.collectors.retain(|(c, _)| *c != id);
        state.collectors.len() != before
    }

    /// Removes the family registered as `name` (the namespace is added as at registration);
    /// returns whether it was registered. Its handles keep working, unexported.
    pub fn unregister(&self, name: &str) -> bool {
        let name = self.full_name(name);
        self.inner.state.write().entries.remove(&name).is_some()
    }

    /// Style problems accepted under [`LintLevel::Warn`], in registration order.
    pub fn lint_warnings(&self) -> Vec<Problem> {
        self.inner.warnings.lock().clone()
    }

    /// Families that collectors tried to write with invalid names, and so left out.
    pub fn collector_problems(&self) -> Vec<Problem> {
        self.inner.collector_problems.lock().clone()
    }

    /// Every family and series as data, into `out` (emptied first, its room kept): what
    /// [`encode`](Registry::encode) would write, in the same order, without an exposition
    /// format in between. Native histograms, exemplars, units and created times come along;
    /// the push clients send from this.
    ///
    /// ```
    /// use metrics_core::{MetricFamilies, Registry, Value};
    /// let registry = Registry::new();
    /// registry.gauge("queue_depth", "Jobs waiting.").set(7.0);
    /// let mut families = MetricFamilies::new();
    /// registry.gather(&mut families);
    /// let queue = families.iter().next().unwrap();
    /// assert_eq!(queue.desc().name, "queue_depth");
    /// assert_eq!(queue.series().next().unwrap().value(), Value::Gauge(7.0));
    /// ```
    pub fn gather(&self, out: &mut MetricFamilies) {
        out.begin(&self.inner.const_block);
        self.write_to(out);
    }

    /// Every sample as the text format exposes it: counters with `_total`, histograms as
    /// cumulative `_bucket` series (with `le`), `_sum` and `_count`, state sets as one
    /// series per state, const labels first. Built from [`gather`](Registry::gather);
    /// native buckets and exemplars have no place in it (gather keeps them).
    ///
    /// ```
    /// let registry = metrics_core::Registry::new();
    /// registry.counter("jobs_total", "Jobs.").inc_by(2);
    /// let samples = registry.samples();
    /// assert_eq!(samples[0].name, "jobs_total");
    /// assert_eq!(samples[0].value, 2.0);
    /// ```
    pub fn samples(&self) -> Vec<Sample> {
        let mut families = MetricFamilies::new();
        self.gather(&mut families);
        samples::samples(&families)
    }

    /// Appends the exposition of every family to `out` and returns the `Content-Type` to send
    /// with it.
    ///
    /// Families come in name order, then collectors in registration order, then the
    /// registry's own metrics; within a family, series keep their order across scrapes.
    /// No lock that `inc`/`observe` could wait on is held while encoding, and registration
    /// can proceed concurrently.
    pub fn encode(&self, format: Format, out: &mut Vec<u8>) -> &'static str {
        let const_labels = &self.inner.const_block;
        let mut sink: Box<dyn Sink + '_> = match format {
            Format::Text => Box::new(TextEncoder::new(out, const_labels)),
            Format::OpenMetrics => Box::new(OpenMetricsEncoder::new(out, const_labels)),
            Format::Protobuf => Box::new(ProtobufEncoder::new(out, const_labels)),
        };
        self.write_to(&mut *sink);
        sink.finish();
        format.content_type()
    }

    /// Writes every family, then the collectors' families, then the registry's own metrics.
    fn write_to(&self, sink: &mut dyn Sink) {
        let (families, collectors): (Vec<_>, Vec<_>) = {
            let state = self.inner.state.read();
            (
                state
                    .entries
                    .iter()
                    .map(|(n, e)| (n.clone(), Arc::clone(&e.collect)))
                    .collect(),
                state
                    .collectors
                    .iter()
                    .map(|(_, c)| Arc::clone(c))
                    .collect(),
            )
        };
        let mut scratch = Scratch::default();
        for (_, family) in &families {
            family.write_to(sink, &mut scratch);
        }
        let mut problems = Vec::new();
        for collector in &collectors {
            collector.collect(&mut Collection::new(sink, &mut problems));
        }
        let mut out = Collection::new(sink, &mut problems);
        let refused: Vec<(&str, u64)> = families
            .iter()
            .map(|(name, f)| (name.as_str(), f.refused()))
            .filter(|(_, refused)| *refused > 0)
            .collect();
        if !refused.is_empty() {
            let mut family = out.counter_family(
                "metrics_series_overflow_total",
                "Label sets refused or collapsed into the overflow series because the family \
                 held its series limit.",
                &["family"],
            );
            for (name, refused) in refused {
                family.sample(&[name], refused as f64);
            }
        }
        if self.inner.self_metrics == SelfMetrics::All {
            let mut family =
                out.gauge_family("metrics_series", "Series held by each family.", &["family"]);
            for (name, f) in &families {
                family.sample(&[name], f.series() as f64);
            }
        }
        if !problems.is_empty() {
            let mut known = self.inner.collector_problems.lock();
            for p in problems {
                if !known.contains(&p) {
                    known.push(p);
                }
            }
        }
    }

    fn full_name(&self, name: &str) -> String {
        match &self.inner.namespace {
            Some(ns) => format!("{ns}_{name}"),
            None => name.to_owned(),
        }
    }

    /// Applies the rules and the lint level; returns the problems to record as warnings.
    fn check_names(
        &self,
        name: &str,
        help: &str,
        kind: MetricKind,
        labels: &[&str],
    ) -> Result<Vec<Problem>, RegisterError> {
        let const_names: Vec<&str> = self
            .inner
            .const_label_names
            .iter()
            .map(String::as_str)
            .collect();
        let problems = naming::family_problems(name, help, kind, labels, &const_names);
        let level = self.inner.lint_level;
        if let Some(fatal) = problems
            .iter()
            .find(|p| !p.rule().is_lint() || level == LintLevel::Deny)
        {
            return Err(fatal.clone().into());
        }
        Ok(if level == LintLevel::Warn {
            problems
        } else {
            Vec::new()
        })
    }
}

/// The definition of an entry that has no labels or bounds of its own.
fn plain_spec(name: &str, help: &str) -> FamilySpec {
    FamilySpec {
        name: name.into(),
        help: help.into(),
        label_names: Box::new([]),
        unit: None,
        limit: 1,
        overflow: Overflow::Collapse,
        expire_after: None,
    }
}

impl Entry {
    /// The existing handle, if the new registration defines the same family.
    fn same<H: Clone + 'static, C: PartialEq + 'static>(
        &self,
        name: &str,
        kind: MetricKind,
        spec: &FamilySpec,
        config: &C,
    ) -> Result<H, RegisterError> {
        let differs = if self.kind != kind {
            Some(Conflict::Kind {
                existing: self.kind,
                requested: kind,
            })
        } else if self.handle.is::<CallbackHandle>() {
            // A callback has no handle to hand back, whatever else matches.
            Some(Conflict::HandleType)
        } else if self.spec.label_names != spec.label_names {
            Some(Conflict::LabelNames)
        } else if self.spec.help != spec.help {
            Some(Conflict::Help)
        } else if self.spec.unit != spec.unit {
            Some(Conflict::Unit)
        } else if self.config.downcast_ref::<C>() != Some(config) {
            Some(Conflict::Buckets)
        } else if (self.spec.limit, self.spec.overflow, self.spec.expire_after)
            != (spec.limit, spec.overflow, spec.expire_after)
        {
            Some(Conflict::Limits)
        } else {
            None
        };
        match differs {
            Some(differs) => Err(RegisterError::Conflict {
                name: name.to_owned(),
                differs,
            }),
            None => {
                self.handle
                    .downcast_ref::<H>()
                    .cloned()
                    .ok_or_else(|| RegisterError::Conflict {
                        name: name.to_owned(),
                        differs: Conflict::HandleType,
                    })
            }
        }
    }
}
