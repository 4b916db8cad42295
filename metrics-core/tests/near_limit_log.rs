//! With feature `log`, a family warns once through the `log` facade when it first holds 80 %
//! of its series limit, hashed or dense, and never again however far it grows.

use std::sync::Mutex;

use metrics_core::{Counter, DynLabels, Family, Opts, Registry};

static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LOGGED
            .lock()
            .unwrap()
            .push(format!("{} {}", record.level(), record.args()));
    }
    fn flush(&self) {}
}

#[test]
fn a_family_warns_once_as_it_nears_its_limit() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Warn);
    let registry = Registry::new();
    let family: Family<DynLabels, Counter> = registry.family(
        Opts::new("paths_total", "Paths.")
            .labels(&["path"])
            .series_limit(10),
    );
    for i in 0..7 {
        family.with_label_values(&[&format!("/{i}")]).inc();
    }
    assert!(LOGGED.lock().unwrap().is_empty(), "7 of 10: not yet");
    family.with_label_values(&["/7"]).inc();
    for i in 8..100 {
        family.with_label_values(&[&format!("/{i}")]).inc();
    }
    let logged = LOGGED.lock().unwrap();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(
        logged[0].starts_with("WARN metrics family `paths_total` holds 8 of its limit of 10"),
        "{}",
        logged[0]
    );
}
