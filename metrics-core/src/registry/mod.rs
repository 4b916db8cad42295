//! The registry: where families are declared ([`Opts`], `register.rs`), checked, and read
//! (`gather.rs`); its settings are in `builder.rs`.

mod builder;
mod callback;
mod cardinality;
mod gather;
mod opts;
mod register;

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, LazyLock};

use parking_lot::{Mutex, RwLock};

use crate::collector::Collector;
use crate::error::{Conflict, RegisterError};
use crate::metric::family::{FamilySpec, Overflow};
use crate::model::{MetricKind, Source};
use crate::naming::{self, Escaping, LintLevel, NameValidation, Problem, Rule};

pub use builder::RegistryBuilder;
pub use opts::{Opts, SelfMetrics, DEFAULT_LABEL_VALUE_LIMIT, DEFAULT_SERIES_LIMIT};

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
    label_value_limit: usize,
    lint_level: LintLevel,
    name_validation: NameValidation,
    openmetrics_created: bool,
    self_metrics: SelfMetrics,
    state: RwLock<State>,
    warnings: Mutex<Vec<Problem>>,
    collector_problems: Mutex<Vec<Problem>>,
}

#[derive(Default)]
struct State {
    /// By full name: the encoding order, stable across scrapes.
    entries: BTreeMap<String, Entry>,
    /// Each with the family names it wrote when it was registered.
    collectors: Vec<(CollectorId, Arc<dyn Collector>, Vec<String>)>,
    next_collector: u64,
}

impl State {
    /// Refuses `name` if a collector writes a family of that name, or (`utf8`: names the
    /// legacy rules refuse are allowed) if another family's name, registered or collected,
    /// reads the same once escaped with the default scheme.
    fn check_free(&self, name: &str, utf8: bool) -> Result<(), RegisterError> {
        if utf8 {
            let escaped = Escaping::Underscores.metric_name(name);
            let collected = self.collectors.iter().flat_map(|(_, _, names)| names);
            if self
                .entries
                .keys()
                .chain(collected)
                .any(|other| other != name && Escaping::Underscores.metric_name(other) == escaped)
            {
                return Err(Problem::metric(name, Rule::EscapedNameCollision).into());
            }
        }
        if self
            .collectors
            .iter()
            .any(|(_, _, names)| names.iter().any(|n| n == name))
        {
            return Err(RegisterError::Conflict {
                name: name.to_owned(),
                differs: Conflict::Collector,
            });
        }
        Ok(())
    }
}

struct Entry {
    kind: MetricKind,
    spec: FamilySpec,
    config: Box<dyn Any + Send + Sync>,
    handle: Box<dyn Any + Send + Sync>,
    source: Arc<dyn Source>,
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
    /// Whether the registry takes names the legacy rules refuse.
    pub(crate) fn utf8_names(&self) -> bool {
        self.inner.name_validation == NameValidation::Utf8
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
        let problems = naming::family_problems(
            name,
            help,
            kind,
            labels,
            &const_names,
            self.inner.name_validation,
        );
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
        value_limit: usize::MAX,
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
        } else if (
            self.spec.limit,
            self.spec.value_limit,
            self.spec.overflow,
            self.spec.expire_after,
        ) != (
            spec.limit,
            spec.value_limit,
            spec.overflow,
            spec.expire_after,
        ) {
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
