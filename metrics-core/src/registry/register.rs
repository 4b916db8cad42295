//! Registration: families, single metrics, callbacks, info, state sets and collectors, each
//! checked against the naming rules and the families already there.

use std::any::Any;
use std::sync::Arc;

use crate::collector::Collector;
use crate::error::{Conflict, RegisterError};
use crate::label::{push_pair, LabelSet, LabelValue};
use crate::metric::buckets::Buckets;
use crate::metric::counter::Counter;
use crate::metric::family::{Family, FamilySpec};
use crate::metric::gauge::Gauge;
use crate::metric::histogram::Histogram;
use crate::metric::state_set::StateSet;
use crate::metric::summary::{Quantiles, Summary};
use crate::metric::Metric;
use crate::model::{MetricKind, Source};
use crate::naming::{self, Problem};
use crate::registry::callback::{Callback, Info};
use crate::registry::opts::Opts;
use crate::registry::{plain_spec, CallbackHandle, CollectorId, Entry, Registry};

impl Registry {
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

    /// Registers an unlabelled summary, or returns the one registered under this name.
    ///
    /// ```
    /// use metrics_core::{Quantiles, Registry};
    ///
    /// let registry = Registry::new();
    /// let latency = registry.try_summary(
    ///     "rpc_duration_seconds",
    ///     "RPC latency.",
    ///     Quantiles::new([0.5, 0.9, 0.99]).expect("quantiles between 0 and 1"),
    /// )?;
    /// latency.observe(0.012);
    /// # Ok::<(), metrics_core::RegisterError>(())
    /// ```
    ///
    /// # Errors
    /// As for [`try_counter`](Self::try_counter); a registration with other quantiles or
    /// window conflicts.
    pub fn try_summary(
        &self,
        name: &str,
        help: &str,
        quantiles: Quantiles,
    ) -> Result<Summary, RegisterError> {
        let opts = Opts::new(name.to_owned(), help.to_owned());
        let family = self.try_family_with::<(), Summary>(opts, quantiles)?;
        Ok(family.get(&()).into_owned())
    }

    /// Registers an unlabelled summary, or returns the one registered under this name.
    ///
    /// # Panics
    /// When [`try_summary`](Self::try_summary) would return an error.
    #[track_caller]
    pub fn summary(&self, name: &str, help: &str, quantiles: Quantiles) -> Summary {
        self.try_summary(name, help, quantiles)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Registers a family keyed by `L` (histograms get the default buckets, summaries the
    /// default quantiles), or returns the
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
    /// The family's type says its labels and kind, so give it where the result is bound:
    /// `let f: Family<DynLabels, Counter> = registry.family(...)` (label names in
    /// [`Opts::labels`]), or `Family<MyLabels, Histogram>` for a `#[derive(LabelSet)]`
    /// struct. Without it, rustc asks for "type annotations needed for `Family<_, _>`".
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
            naming::check_unit_in(&name, unit, M::KIND, self.inner.name_validation)
                .map_err(|rule| Problem::metric(&name, rule))?;
        }
        let spec = FamilySpec {
            name: name.clone().into(),
            help: opts.help.into(),
            label_names: labels.into_iter().map(String::into_boxed_str).collect(),
            unit: opts.unit.map(|u| u.into()),
            limit: opts.series_limit.unwrap_or(self.inner.series_limit),
            value_limit: opts
                .label_value_limit
                .unwrap_or(self.inner.label_value_limit),
            overflow: opts.overflow,
            expire_after: opts.expire_after,
        };

        let mut state = self.inner.state.write();
        if let Some(existing) = state.entries.get(&name) {
            return existing.same::<Family<L, M>, M::Config>(&name, M::KIND, &spec, &config);
        }
        state.check_free(&name, self.utf8_names())?;
        let family = Family::<L, M>::new(spec.clone(), config.clone());
        state.entries.insert(
            name,
            Entry {
                kind: M::KIND,
                spec,
                config: Box::new(config),
                handle: Box::new(family.clone()),
                source: family.cells(),
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
        state.check_free(&name, self.utf8_names())?;
        let entry = Entry {
            kind: MetricKind::StateSet,
            spec: plain_spec(&name, help),
            config: Box::new(()),
            handle: Box::new(set.clone()),
            source: set.cells(),
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
        source: Arc<dyn Source>,
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
        state.check_free(&name, self.utf8_names())?;
        let spec = plain_spec(&name, help);
        state.entries.insert(
            name,
            Entry {
                kind,
                spec,
                config: Box::new(()),
                handle,
                source,
            },
        );
        self.inner.warnings.lock().extend(warnings);
        Ok(())
    }

    /// Adds a collector, asked for its families at every scrape. Its names are not
    /// namespaced; const labels are added to its series.
    ///
    /// # Panics
    /// When a family it writes clashes with a registered family or another collector's; see
    /// [`try_register_collector`](Self::try_register_collector).
    #[track_caller]
    pub fn register_collector(&self, collector: impl Collector) -> CollectorId {
        match self.try_register_collector(collector) {
            Ok(id) => id,
            Err(error) => panic!("{error}"),
        }
    }

    /// Adds a collector, asked for its families at every scrape, after collecting once to
    /// learn the families it writes.
    ///
    /// # Errors
    /// [`RegisterError::Conflict`] (with [`Conflict::Collector`](crate::Conflict::Collector))
    /// when one of them is a registered family or another collector's. A collector that
    /// writes a clashing family later, at a scrape, has that family left out and reported
    /// by [`collector_problems`](Self::collector_problems): the exposition never holds a
    /// family twice.
    pub fn try_register_collector(
        &self,
        collector: impl Collector,
    ) -> Result<CollectorId, RegisterError> {
        // The collector is user code: it runs before the lock is taken.
        let names = crate::collector::names_written(&collector, self.inner.name_validation);
        let mut state = self.inner.state.write();
        for name in &names {
            if state.entries.contains_key(name) {
                return Err(RegisterError::Conflict {
                    name: name.clone(),
                    differs: Conflict::Collector,
                });
            }
            state.check_free(name, self.utf8_names())?;
        }
        let id = CollectorId(state.next_collector);
        state.next_collector += 1;
        state.collectors.push((id, Arc::new(collector), names));
        Ok(id)
    }

    /// Removes a collector; returns whether it was registered.
    pub fn unregister_collector(&self, id: CollectorId) -> bool {
        let mut state = self.inner.state.write();
        let before = state.collectors.len();
        state.collectors.retain(|(c, _, _)| *c != id);
        state.collectors.len() != before
    }

    /// Removes the family registered as `name` (the namespace is added as at registration);
    /// returns whether it was registered. Its handles keep working, unexported.
    pub fn unregister(&self, name: &str) -> bool {
        let name = self.full_name(name);
        self.inner.state.write().entries.remove(&name).is_some()
    }

    /// Style problems accepted under [`LintLevel::Warn`](crate::LintLevel::Warn), in registration order.
    pub fn lint_warnings(&self) -> Vec<Problem> {
        self.inner.warnings.lock().clone()
    }

    /// Families that collectors tried to write with invalid names, and so left out.
    pub fn collector_problems(&self) -> Vec<Problem> {
        self.inner.collector_problems.lock().clone()
    }
}
