//! The recorder behind the `metrics` facade (feature `facade`): every crate that emits
//! through `metrics::counter!`, `gauge!` and `histogram!` lands in a [`Registry`], bounded
//! and checked like the service's own families.
//!
//! - A name and label-key set make a family (`Family<DynLabels, _>`), with the registry's
//!   series limit, overflow policy and label-value limit; the label values pick its series.
//! - Names are not ours to fix at compile time, so they are sanitised: invalid
//!   characters become `_`, a counter's name ends in `_total`, a described base unit
//!   (seconds, bytes) is added to the name. Described means described before the first
//!   registration (as `describe_*!` at startup does): HELP and unit are fixed then.
//! - What cannot be registered (a name whose kind or labels conflict with a family already
//!   there, a name the lints still refuse) is dropped: its handle does nothing. Renamed and
//!   dropped names are counted in `metrics_facade_renamed_total` and
//!   `metrics_facade_dropped_total`; nothing panics.
//! - Histograms take their buckets by name ([`BucketRule`]): the first rule that matches,
//!   else the default; classic, native or both, as the [`Buckets`] given say.
//!
//! The `metrics` macros call the recorder on every use unless the caller keeps the handle.
//! Each thread keeps the handles it was given in a small cache of its own (at most
//! [`THREAD_CACHE`] keys a thread, emptied when full), so a repeated call is a hash lookup
//! and a reference-count increment on memory no other thread writes, with no lock; a miss
//! takes the family's lock-free lookup, and a lock only for a family's first series. A
//! cached key costs its thread a copy of the key and a small handle (about 200 bytes for
//! two labels), so at most a few hundred KiB a thread; a thread's cache goes with it.

mod names;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use metrics::{Key, KeyName, Metadata, SharedString, Unit};

use crate::metric::sealed::MetricOps;
use crate::metric::MemberConfig;
use crate::model::MetricKind;
use crate::{Buckets, Counter, DynLabels, Family, Gauge, Histogram, Metric, Opts, Registry};

/// The most keys one thread's cache holds before it is emptied.
pub const THREAD_CACHE: usize = 1024;

/// Which histograms a set of buckets is for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BucketRule {
    /// The histogram of this name (as emitted, before sanitising).
    Name(String),
    /// Histograms whose name starts with this.
    Prefix(String),
    /// Histograms whose name ends with this.
    Suffix(String),
}

impl BucketRule {
    fn matches(&self, name: &str) -> bool {
        match self {
            BucketRule::Name(n) => name == n,
            BucketRule::Prefix(p) => name.starts_with(p.as_str()),
            BucketRule::Suffix(s) => name.ends_with(s.as_str()),
        }
    }
}

/// Why the recorder could not be installed.
#[derive(Debug)]
#[non_exhaustive]
pub enum InstallError {
    /// The process has a global recorder already (they cannot be replaced).
    AlreadySet,
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstallError::AlreadySet => {
                f.write_str("a `metrics` recorder is installed already: there is one per process")
            }
        }
    }
}

impl std::error::Error for InstallError {}

/// Settings of a [`FacadeRecorder`].
#[derive(Debug)]
#[must_use]
pub struct FacadeRecorderBuilder {
    registry: Registry,
    rules: Vec<(BucketRule, Buckets)>,
    default_buckets: Buckets,
}

impl FacadeRecorderBuilder {
    /// Buckets for the histograms `rule` matches (rules are tried in the order given).
    pub fn buckets(mut self, rule: BucketRule, buckets: Buckets) -> Self {
        self.rules.push((rule, buckets));
        self
    }

    /// Buckets for histograms no rule matches (default [`Buckets::default`]).
    pub fn default_buckets(mut self, buckets: Buckets) -> Self {
        self.default_buckets = buckets;
        self
    }

    /// The recorder.
    pub fn build(self) -> FacadeRecorder {
        static IDS: AtomicU64 = AtomicU64::new(0);
        let renamed = self.registry.counter(
            "metrics_facade_renamed_total",
            "Names from the metrics facade changed to follow the naming conventions.",
        );
        let dropped = self.registry.counter(
            "metrics_facade_dropped_total",
            "Names from the metrics facade that could not be registered (a kind or labels \
             that conflict with a family of the same name); their updates are discarded.",
        );
        FacadeRecorder {
            inner: Arc::new(Inner {
                id: IDS.fetch_add(1, Ordering::Relaxed),
                registry: self.registry,
                rules: self.rules,
                default_buckets: self.default_buckets,
                described: Mutex::new(HashMap::new()),
                families: Mutex::new(HashMap::new()),
                renamed,
                dropped,
            }),
        }
    }
}

/// A `metrics::Recorder` over a [`Registry`]; see the [module docs](self).
///
/// ```
/// use metrics_core::facade::FacadeRecorder;
/// use metrics_core::{Format, Registry};
///
/// let registry = Registry::new();
/// let recorder = FacadeRecorder::builder(registry.clone()).build();
/// metrics::with_local_recorder(&recorder, || {
///     metrics::counter!("cache.hits", "cache" => "users").increment(3);
/// });
/// let mut body = Vec::new();
/// registry.encode(Format::Text, &mut body);
/// assert!(String::from_utf8(body)?.contains("\ncache_hits_total{cache=\"users\"} 3\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct FacadeRecorder {
    inner: Arc<Inner>,
}

impl fmt::Debug for FacadeRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FacadeRecorder")
            .field("rules", &self.inner.rules)
            .finish_non_exhaustive()
    }
}

struct Inner {
    id: u64,
    registry: Registry,
    rules: Vec<(BucketRule, Buckets)>,
    default_buckets: Buckets,
    /// What `describe_*` said, by name as emitted.
    described: Mutex<HashMap<String, (Option<Unit>, String)>>,
    /// Each name and label-key set seen, and its family (`None`: dropped).
    families: Mutex<HashMap<FamilyKey, Option<AnyFamily>>>,
    renamed: Counter,
    dropped: Counter,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FamilyKey {
    kind: u8,
    name: String,
    labels: Vec<String>,
}

#[derive(Clone)]
enum AnyFamily {
    Counter(Family<DynLabels, Counter>),
    Gauge(Family<DynLabels, Gauge>),
    Histogram(Family<DynLabels, Histogram>),
}

impl FacadeRecorder {
    /// Settings for a recorder into `registry`.
    pub fn builder(registry: Registry) -> FacadeRecorderBuilder {
        FacadeRecorderBuilder {
            registry,
            rules: Vec::new(),
            default_buckets: Buckets::default(),
        }
    }

    /// Makes this the process's `metrics` recorder.
    ///
    /// # Errors
    /// [`InstallError::AlreadySet`] when one is installed already.
    pub fn install(self) -> Result<(), InstallError> {
        metrics::set_global_recorder(self).map_err(|_| InstallError::AlreadySet)
    }

    /// The series of `key` in its family, made on first use; `None` when the name is dropped.
    fn series<M: Metric>(&self, key: &Key, kind: MetricKind) -> Option<M>
    where
        AnyFamily: Pick<M>,
    {
        let family = self.family(key, kind)?;
        let family = <AnyFamily as Pick<M>>::pick(&family)?;
        let values: Vec<&str> = key.labels().map(|l| l.value()).collect();
        // The family's limits and policy apply: past its limit, the overflow series or a
        // detached metric.
        Some(family.with_label_values(&values).into_owned())
    }

    fn family(&self, key: &Key, kind: MetricKind) -> Option<AnyFamily> {
        let inner = &*self.inner;
        let family_key = FamilyKey {
            kind: kind_tag(kind),
            name: key.name().to_owned(),
            labels: key.labels().map(|l| l.key().to_owned()).collect(),
        };
        let mut families = inner.families.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = families.get(&family_key) {
            return known.clone();
        }
        let made = self.register(&family_key, kind);
        families.insert(family_key, made.clone());
        made
    }

    /// Registers the family of a name and label keys seen for the first time.
    fn register(&self, key: &FamilyKey, kind: MetricKind) -> Option<AnyFamily> {
        let inner = &*self.inner;
        let (unit, help) = inner
            .described
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key.name)
            .cloned()
            .unwrap_or((None, String::new()));
        let unit = unit.and_then(names::unit_suffix);
        let name = names::metric_name(&key.name, kind, unit);
        let labels: Vec<names::Fixed> = key.labels.iter().map(|l| names::label_name(l)).collect();
        let help = if help.trim().is_empty() {
            format!("{} (from the metrics facade).", key.name)
        } else {
            help
        };
        let label_refs: Vec<&str> = labels.iter().map(|l| l.name.as_str()).collect();
        let mut opts = Opts::new(name.name.clone(), help).labels(&label_refs);
        if let Some(unit) = unit {
            opts = opts.unit(unit);
        }
        let made = match kind {
            MetricKind::Counter => inner
                .registry
                .try_family::<DynLabels, Counter>(opts)
                .map(AnyFamily::Counter),
            MetricKind::Gauge => inner
                .registry
                .try_family::<DynLabels, Gauge>(opts)
                .map(AnyFamily::Gauge),
            _ => {
                let buckets = inner
                    .rules
                    .iter()
                    .find(|(rule, _)| rule.matches(&key.name))
                    .map_or(&inner.default_buckets, |(_, b)| b)
                    .clone();
                inner
                    .registry
                    .try_family_with::<DynLabels, Histogram>(
                        opts,
                        <Histogram as MetricOps>::config_from(MemberConfig::Buckets(buckets)),
                    )
                    .map(AnyFamily::Histogram)
            }
        };
        match made {
            Ok(family) => {
                if name.renamed || labels.iter().any(|l| l.renamed) {
                    inner.renamed.inc();
                }
                Some(family)
            }
            Err(_) => {
                inner.dropped.inc();
                None
            }
        }
    }

    fn describe(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.inner
            .described
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.as_str().to_owned())
            .or_insert((unit, description.into_owned()));
    }
}

fn kind_tag(kind: MetricKind) -> u8 {
    match kind {
        MetricKind::Counter => 0,
        MetricKind::Gauge => 1,
        _ => 2,
    }
}

/// The family of one kind out of an [`AnyFamily`].
trait Pick<M: Metric> {
    fn pick(&self) -> Option<&Family<DynLabels, M>>;
}

impl Pick<Counter> for AnyFamily {
    fn pick(&self) -> Option<&Family<DynLabels, Counter>> {
        match self {
            AnyFamily::Counter(f) => Some(f),
            _ => None,
        }
    }
}

impl Pick<Gauge> for AnyFamily {
    fn pick(&self) -> Option<&Family<DynLabels, Gauge>> {
        match self {
            AnyFamily::Gauge(f) => Some(f),
            _ => None,
        }
    }
}

impl Pick<Histogram> for AnyFamily {
    fn pick(&self) -> Option<&Family<DynLabels, Histogram>> {
        match self {
            AnyFamily::Histogram(f) => Some(f),
            _ => None,
        }
    }
}

/// A counter handed to the facade.
struct FacadeCounter(Counter);

impl metrics::CounterFn for FacadeCounter {
    fn increment(&self, value: u64) {
        self.0.inc_by(value);
    }

    /// Raises the counter to `value` if it is below (a counter never goes down).
    fn absolute(&self, value: u64) {
        let current = self.0.get() as u64;
        if value > current {
            self.0.inc_by(value - current);
        }
    }
}

struct FacadeGauge(Gauge);

impl metrics::GaugeFn for FacadeGauge {
    fn increment(&self, value: f64) {
        self.0.add(value);
    }
    fn decrement(&self, value: f64) {
        self.0.sub(value);
    }
    fn set(&self, value: f64) {
        self.0.set(value);
    }
}

struct FacadeHistogram(Histogram);

impl metrics::HistogramFn for FacadeHistogram {
    fn record(&self, value: f64) {
        self.0.observe(value);
    }
}

/// A handle a thread was given, by recorder and kind.
#[derive(Clone)]
enum Handle {
    Counter(metrics::Counter),
    Gauge(metrics::Gauge),
    Histogram(metrics::Histogram),
}

type ThreadCache =
    hashbrown::HashMap<(u64, u8, u64), Vec<(Key, Handle)>, foldhash::fast::FixedState>;

thread_local! {
    /// This thread's handles, by (recorder, kind, key hash); each bucket keeps the keys of
    /// one hash.
    static CACHE: RefCell<ThreadCache> = RefCell::new(ThreadCache::with_hasher(
        foldhash::fast::FixedState::default(),
    ));
}

impl FacadeRecorder {
    /// This thread's handle for `key`, made by `make` on a miss.
    #[inline]
    fn cached(&self, kind: MetricKind, key: &Key, make: impl FnOnce() -> Handle) -> Handle {
        let slot = (self.inner.id, kind_tag(kind), key.get_hash());
        let hit = CACHE.try_with(|cache| {
            let cache = cache.borrow();
            cache
                .get(&slot)
                .and_then(|keys| keys.iter().find(|(k, _)| k == key))
                .map(|(_, handle)| handle.clone())
        });
        if let Ok(Some(handle)) = hit {
            return handle;
        }
        let handle = make();
        let _ = CACHE.try_with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() >= THREAD_CACHE {
                cache.clear();
            }
            cache
                .entry(slot)
                .or_default()
                .push((key.clone(), handle.clone()));
        });
        handle
    }
}

impl metrics::Recorder for FacadeRecorder {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(key, unit, description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(key, unit, description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(key, unit, description);
    }

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> metrics::Counter {
        let made = || {
            Handle::Counter(match self.series::<Counter>(key, MetricKind::Counter) {
                Some(c) => metrics::Counter::from_arc(Arc::new(FacadeCounter(c))),
                None => metrics::Counter::noop(),
            })
        };
        match self.cached(MetricKind::Counter, key, made) {
            Handle::Counter(c) => c,
            _ => metrics::Counter::noop(),
        }
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> metrics::Gauge {
        let made = || {
            Handle::Gauge(match self.series::<Gauge>(key, MetricKind::Gauge) {
                Some(g) => metrics::Gauge::from_arc(Arc::new(FacadeGauge(g))),
                None => metrics::Gauge::noop(),
            })
        };
        match self.cached(MetricKind::Gauge, key, made) {
            Handle::Gauge(g) => g,
            _ => metrics::Gauge::noop(),
        }
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> metrics::Histogram {
        let made = || {
            Handle::Histogram(match self.series::<Histogram>(key, MetricKind::Histogram) {
                Some(h) => metrics::Histogram::from_arc(Arc::new(FacadeHistogram(h))),
                None => metrics::Histogram::noop(),
            })
        };
        match self.cached(MetricKind::Histogram, key, made) {
            Handle::Histogram(h) => h,
            _ => metrics::Histogram::noop(),
        }
    }
}
