//! Shared fixtures of the benches: label enums and the registries they measure, built the
//! same way for every bench so that figures compare.

mod counting;

pub use counting::{live_bytes, Counting};

use metrics_core::{Buckets, Counter, DynLabels, Family, Histogram, LabelValue, Opts, Registry};

/// An HTTP method, a fixed-cardinality label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

/// A response class, a fixed-cardinality label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// 2xx
    Success,
    /// 4xx
    ClientError,
    /// 5xx
    ServerError,
}

impl LabelValue for Method {
    const CARDINALITY: Option<usize> = Some(4);
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(["GET", "POST", "PUT", "DELETE"][*self as usize])
    }
    fn index(&self) -> usize {
        *self as usize
    }
    fn from_index(index: usize) -> Option<Method> {
        [Method::Get, Method::Post, Method::Put, Method::Delete]
            .get(index)
            .copied()
    }
}

impl LabelValue for Class {
    const CARDINALITY: Option<usize> = Some(3);
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(["2xx", "4xx", "5xx"][*self as usize])
    }
    fn index(&self) -> usize {
        *self as usize
    }
    fn from_index(index: usize) -> Option<Class> {
        [Class::Success, Class::ClientError, Class::ServerError]
            .get(index)
            .copied()
    }
}

/// [`Method`] again, with the trait derived instead of written by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, metrics_core::LabelValue)]
pub enum DerivedMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

/// [`Class`] again, derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, metrics_core::LabelValue)]
pub enum DerivedClass {
    /// 2xx
    Success,
    /// 4xx
    ClientError,
    /// 5xx
    ServerError,
}

/// The two derived values as a derived label set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, metrics_core::LabelSet)]
pub struct DerivedLabels {
    /// The method.
    pub method: DerivedMethod,
    /// The response class.
    pub class: DerivedClass,
}

/// A counter family with 2 dynamic labels pre-filled with 25 series; returns it with the
/// label values of one of them.
pub fn dynamic_family(registry: &Registry) -> Family<DynLabels, Counter> {
    let family: Family<DynLabels, Counter> = registry
        .family(Opts::new("bench_requests_total", "Requests.").labels(&["method", "status"]));
    for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
        for status in ["200", "201", "404", "500", "503"] {
            family.with_label_values(&[method, status]).inc();
        }
    }
    family
}

/// Observations spread over all 11 default buckets (and the `+Inf` one).
pub fn spread_values() -> Vec<f64> {
    let bounds = Buckets::default().bounds().to_vec();
    let mut values: Vec<f64> = bounds.iter().map(|b| b * 0.9).collect();
    values.push(20.0);
    values
}

/// The encoding workload: 10 000 counter series with 2 labels and 1 000 histogram series
/// with the 11 default buckets, all with values.
pub fn encode_registry() -> Registry {
    let registry = Registry::new();
    let counters: Family<DynLabels, Counter> = registry
        .family(Opts::new("bench_requests_total", "Requests.").labels(&["route", "status"]));
    for i in 0..10_000 {
        let route = format!("/api/v1/resource_{}", i / 10);
        let status = (200 + i % 10).to_string();
        counters
            .with_label_values(&[&route, &status])
            .inc_by(i as u64);
    }
    let histograms: Family<DynLabels, Histogram> = registry.family(
        Opts::new("bench_request_duration_seconds", "Latency.").labels(&["route", "method"]),
    );
    let values = spread_values();
    for i in 0..1_000 {
        let route = format!("/api/v1/resource_{i}");
        let series = histograms.with_label_values(&[&route, "GET"]);
        for v in &values {
            series.observe(v * (1.0 + i as f64 / 1000.0));
        }
    }
    registry
}

/// `s` label sets of 2 string labels, `(route, status)`, in a fixed shuffled order: 10
/// statuses per route, as a request counter by route and status has them. The order is the
/// same on every run (a fixed seed), so that runs compare.
pub fn shuffled_label_sets(s: usize) -> Vec<(String, String)> {
    let mut sets: Vec<(String, String)> = (0..s)
        .map(|i| {
            (
                format!("/api/v1/resource_{}", i / 10),
                (200 + i % 10).to_string(),
            )
        })
        .collect();
    // Fisher-Yates with xorshift64: no dependency, the same order everywhere.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for i in (1..sets.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        sets.swap(i, (state % (i as u64 + 1)) as usize);
    }
    sets
}
