// A dependency renamed by the user: `#[metrics(crate = ...)]` points the derives at it.
extern crate metrics_core as telemetry;

use telemetry::{Counter, LabelSet, LabelValue, MetricGroup, Registry};

#[derive(Clone, Copy, LabelValue)]
#[metrics(crate = telemetry)]
enum Kind {
    A,
}

#[derive(Clone, Copy, LabelSet)]
#[metrics(crate = telemetry)]
struct Labels {
    kind: Kind,
}

#[derive(MetricGroup)]
#[metrics(crate = telemetry)]
struct Group {
    /// Events.
    events_total: Counter,
}

fn main() {
    assert_eq!(<Labels as telemetry::LabelSet>::NAMES, ["kind"]);
    Group::register(&Registry::new()).unwrap().events_total.inc();
}
