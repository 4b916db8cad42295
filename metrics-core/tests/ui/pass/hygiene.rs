// A user crate that shadows prelude names still compiles: the generated code names
// everything by absolute path.
#![allow(dead_code, non_camel_case_types)]

struct Result;
struct Option;
struct Vec;
struct String;
struct Box;
struct Some;
struct None;
struct Ok;
struct Err;
struct usize;
trait FnOnce {}
trait FnMut {}
mod core {}

use metrics_core::{Counter, Family, LabelSet, LabelValue, MetricGroup};

#[derive(Clone, Copy, LabelValue)]
enum Method {
    Get,
}

#[derive(Clone, Copy, LabelSet)]
struct Labels {
    method: Method,
}

#[derive(MetricGroup)]
struct Group {
    /// Requests.
    requests_total: Family<Labels, Counter>,
}

fn main() {
    let group = Group::register(&metrics_core::Registry::new());
    assert!(group.is_ok());
}
