//! Registry entries whose values are not live metrics: callbacks read at scrape time, and
//! info series fixed at registration.

use std::sync::Arc;

use crate::model::{CounterSample, FamilyDesc, MetricKind, Scratch, Sink, Source};

/// A registry entry whose one value is read from a closure at scrape time.
pub(crate) struct Callback {
    pub(crate) name: Box<str>,
    pub(crate) help: Box<str>,
    pub(crate) kind: MetricKind,
    pub(crate) read: Arc<dyn Fn() -> f64 + Send + Sync>,
}

impl Source for Callback {
    fn write_to(&self, sink: &mut dyn Sink, _: &mut Scratch) {
        let value = (self.read)();
        sink.family(&FamilyDesc {
            name: &self.name,
            help: &self.help,
            kind: self.kind,
            unit: None,
        });
        match self.kind {
            MetricKind::Counter => sink.counter(&self.name, "", &CounterSample::read(value)),
            _ => sink.gauge(&self.name, "", value),
        }
    }
}

/// A registry entry of one info series, fixed at registration.
pub(crate) struct Info {
    pub(crate) name: Box<str>,
    pub(crate) help: Box<str>,
    pub(crate) labels: Box<str>,
}

impl Source for Info {
    fn write_to(&self, sink: &mut dyn Sink, _: &mut Scratch) {
        let kind = MetricKind::Info;
        sink.family(&FamilyDesc {
            name: &self.name,
            help: &self.help,
            kind,
            unit: None,
        });
        sink.info(&self.name, &self.labels);
    }
}
