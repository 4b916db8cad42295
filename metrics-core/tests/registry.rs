//! Registration: idempotency, typed conflicts, lint levels, unregister, the default registry.

use metrics_core::{
    default_registry, Buckets, Conflict, Counter, DynLabels, Family, Gauge, Histogram, LintLevel,
    MetricKind, Opts, Overflow, RegisterError, Registry, Rule,
};

fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}

#[test]
fn handles_and_registry_are_send_sync_clone() {
    assert_send_sync::<Registry>();
    assert_send_sync::<Counter>();
    assert_send_sync::<Gauge>();
    assert_send_sync::<Histogram>();
    assert_send_sync::<Family<DynLabels, Counter>>();
    assert_send_sync::<Family<(bool, u16), Histogram>>();
}

#[test]
fn same_definition_returns_the_same_handle() {
    let registry = Registry::new();
    let a = registry.counter("events_total", "Events.");
    let b = registry.counter("events_total", "Events.");
    a.inc();
    b.inc();
    assert_eq!(a.get(), 2.0);
    let f1: Family<DynLabels, Counter> =
        registry.family(Opts::new("hits_total", "Hits.").labels(&["page"]));
    let f2: Family<DynLabels, Counter> =
        registry.family(Opts::new("hits_total", "Hits.").labels(&["page"]));
    f1.with_label_values(&["/"]).inc();
    assert_eq!(f2.with_label_values(&["/"]).get(), 1.0);
    // Registration goes through `&self` from any thread.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| registry.counter("events_total", "Events.").inc());
        }
    });
    assert_eq!(a.get(), 6.0);
}

#[test]
fn each_conflict_is_named() {
    let registry = Registry::new();
    registry.counter("jobs_total", "Jobs.");
    let conflict = |result: Result<_, RegisterError>| match result {
        Err(RegisterError::Conflict { name, differs }) => {
            assert_eq!(name, "jobs_total");
            differs
        }
        other => panic!("expected a conflict, got {other:?}"),
    };
    // A gauge may not end in `_total`; allow lints to reach the conflict check.
    let lenient = Registry::builder()
        .lint_level(LintLevel::Allow)
        .build()
        .unwrap();
    lenient.counter("jobs_total", "Jobs.");
    assert_eq!(
        conflict(lenient.try_gauge("jobs_total", "Jobs.").map(drop)),
        Conflict::Kind {
            existing: MetricKind::Counter,
            requested: MetricKind::Gauge
        }
    );
    assert_eq!(
        conflict(registry.try_counter("jobs_total", "Other help.").map(drop)),
        Conflict::Help
    );
    assert_eq!(
        conflict(
            registry
                .try_family::<DynLabels, Counter>(
                    Opts::new("jobs_total", "Jobs.").labels(&["queue"])
                )
                .map(drop)
        ),
        Conflict::LabelNames
    );
    assert_eq!(
        conflict(
            registry
                .try_family::<(), Counter>(Opts::new("jobs_total", "Jobs.").series_limit(5))
                .map(drop)
        ),
        Conflict::Limits
    );
    let h = Buckets::new([1.0]).unwrap();
    registry.histogram("job_seconds", "Job time.", h.clone());
    assert_eq!(
        registry
            .try_histogram("job_seconds", "Job time.", h)
            .map(drop),
        Ok(())
    );
    match registry.try_histogram("job_seconds", "Job time.", Buckets::new([2.0]).unwrap()) {
        Err(RegisterError::Conflict {
            differs: Conflict::Buckets,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    registry
        .try_gauge_fn("temperature_celsius", "Temperature.", || 20.0)
        .unwrap();
    match registry.try_gauge("temperature_celsius", "Temperature.") {
        Err(RegisterError::Conflict {
            differs: Conflict::HandleType,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    let err = registry
        .try_family::<(bool, bool), Counter>(Opts::new("pairs_total", "Pairs.").labels(&["a"]))
        .unwrap_err();
    assert_eq!(
        err,
        RegisterError::LabelCount {
            name: "pairs_total".into(),
            expected: 2,
            got: 1
        }
    );
    assert_eq!(
        Registry::new().try_counter("x_total", "X.").unwrap().get(),
        0.0,
        "registries are independent"
    );
}

#[test]
fn names_are_checked_with_the_rule_named() {
    let registry = Registry::new();
    let rule = |r: Result<(), RegisterError>| match r {
        Err(RegisterError::Name(problem)) => {
            (problem.rule(), problem.label_name().map(String::from))
        }
        other => panic!("expected a name error, got {other:?}"),
    };
    assert_eq!(
        rule(registry.try_counter("requests", "R.").map(drop)),
        (Rule::CounterWithoutTotal, None)
    );
    assert_eq!(
        rule(registry.try_gauge("latency_ms", "L.").map(drop)),
        (Rule::UnitAbbreviation, None)
    );
    assert_eq!(
        rule(registry.try_gauge("1bad", "B.").map(drop)),
        (Rule::InvalidMetricChar, None)
    );
    assert_eq!(
        rule(registry.try_gauge("no_help", "").map(drop)),
        (Rule::MissingHelp, None)
    );
    let labelled = |labels: &[&str]| {
        registry
            .try_family::<DynLabels, Histogram>(Opts::new("op_seconds", "Ops.").labels(labels))
            .map(drop)
    };
    assert_eq!(
        rule(labelled(&["le"])),
        (Rule::ReservedLabel, Some("le".into()))
    );
    assert_eq!(
        rule(labelled(&["__x"])),
        (Rule::ReservedLabelPrefix, Some("__x".into()))
    );
    assert_eq!(
        rule(labelled(&["a", "a"])),
        (Rule::DuplicateLabel, Some("a".into()))
    );
    assert_eq!(
        rule(labelled(&["userId"])),
        (Rule::NotSnakeCase, Some("userId".into()))
    );
    let with_env = Registry::builder().const_label("env", "x").build().unwrap();
    let err = with_env
        .try_family::<DynLabels, Counter>(Opts::new("a_total", "A.").labels(&["env"]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "metric `a_total`, label `env`: the label name is used twice"
    );
    assert!(Registry::builder()
        .const_label("bad-name", "x")
        .build()
        .is_err());
    assert!(Registry::builder().namespace("9ns").build().is_err());
}

#[test]
fn lint_levels() {
    let warn = Registry::builder()
        .lint_level(LintLevel::Warn)
        .build()
        .unwrap();
    warn.gauge("latency_ms", "Latency.");
    warn.gauge("latency_ms", "Latency.");
    let warnings = warn.lint_warnings();
    assert_eq!(warnings.len(), 1, "recorded once, at first registration");
    assert_eq!(warnings[0].rule(), Rule::UnitAbbreviation);
    // Validity is never relaxed.
    assert!(warn.try_gauge("bad name", "B.").is_err());

    let allow = Registry::builder()
        .lint_level(LintLevel::Allow)
        .build()
        .unwrap();
    allow.counter("requests", "Requests.").inc();
    assert!(allow.lint_warnings().is_empty());
}

#[test]
fn unregister_and_default_registry() {
    let registry = Registry::new();
    let c = registry.counter("gone_total", "Gone.");
    assert!(registry.unregister("gone_total"));
    assert!(!registry.unregister("gone_total"));
    c.inc();
    let mut out = Vec::new();
    registry.encode(metrics_core::Format::Text, &mut out);
    assert!(out.is_empty());
    // Free again: a new registration under the name is a new family.
    assert_eq!(registry.counter("gone_total", "Gone.").get(), 0.0);

    let a = default_registry().counter("default_registry_test_total", "Test.");
    default_registry()
        .counter("default_registry_test_total", "Test.")
        .inc();
    assert_eq!(a.get(), 1.0);
}

#[test]
#[should_panic(expected = "a counter's name must end in `_total`")]
fn panicking_form_names_the_rule() {
    Registry::new().counter("requests", "Requests.");
}

#[test]
fn overflow_policy_is_part_of_the_definition() {
    let registry = Registry::new();
    let opts = Opts::new("a_total", "A.")
        .labels(&["x"])
        .overflow(Overflow::Reject);
    registry.family::<DynLabels, Counter>(opts.clone());
    assert!(registry.try_family::<DynLabels, Counter>(opts).is_ok());
    assert!(registry
        .try_family::<DynLabels, Counter>(Opts::new("a_total", "A.").labels(&["x"]))
        .is_err());
}

mod collectors {
    use metrics_core::{Collection, Collector, Conflict, Format, RegisterError, Registry, Rule};

    struct Gauge(&'static str);
    impl Collector for Gauge {
        fn collect(&self, out: &mut Collection<'_>) {
            out.gauge(self.0, "A value.", 1.0);
        }
    }

    fn text(registry: &Registry) -> String {
        let mut body = Vec::new();
        registry.encode(Format::Text, &mut body);
        String::from_utf8(body).unwrap()
    }

    fn is_collector_clash(result: Result<impl std::fmt::Debug, RegisterError>, name: &str) {
        match result {
            Err(RegisterError::Conflict {
                name: clash,
                differs: Conflict::Collector,
            }) => assert_eq!(clash, name),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_collector_clashing_with_a_family_or_a_collector_is_refused() {
        let registry = Registry::new();
        registry.gauge("pool_size", "Size.").set(3.0);
        is_collector_clash(
            registry.try_register_collector(Gauge("pool_size")),
            "pool_size",
        );
        registry.try_register_collector(Gauge("pool_idle")).unwrap();
        is_collector_clash(
            registry.try_register_collector(Gauge("pool_idle")),
            "pool_idle",
        );
        // And the other way round: a family a collector writes cannot be registered.
        is_collector_clash(registry.try_gauge("pool_idle", "Idle."), "pool_idle");
        let shown = text(&registry);
        assert_eq!(
            shown.matches("# TYPE pool_idle gauge").count(),
            1,
            "{shown}"
        );
        assert_eq!(
            shown.matches("# TYPE pool_size gauge").count(),
            1,
            "{shown}"
        );
    }

    #[test]
    #[should_panic(expected = "pool_idle")]
    fn register_collector_panics_on_a_clash() {
        let registry = Registry::new();
        registry.register_collector(Gauge("pool_idle"));
        registry.register_collector(Gauge("pool_idle"));
    }

    /// Writes nothing when registered, a clashing family afterwards.
    struct Late(std::sync::atomic::AtomicBool);
    impl Collector for Late {
        fn collect(&self, out: &mut Collection<'_>) {
            if self.0.swap(true, std::sync::atomic::Ordering::Relaxed) {
                out.gauge("pool_size", "Late.", 9.0);
            }
        }
    }

    #[test]
    fn a_family_written_twice_at_a_scrape_is_left_out_and_reported() {
        let registry = Registry::new();
        registry.gauge("pool_size", "Size.").set(3.0);
        registry
            .try_register_collector(Late(Default::default()))
            .unwrap();
        let shown = text(&registry);
        assert_eq!(
            shown.matches("# TYPE pool_size gauge").count(),
            1,
            "{shown}"
        );
        assert!(shown.contains("pool_size 3\n") && !shown.contains("pool_size 9"));
        let problems = registry.collector_problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].rule(), Rule::DuplicateFamily);
    }
}
