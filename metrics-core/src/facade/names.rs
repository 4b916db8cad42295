//! Names from other crates made into names the registry takes: the sanitising policy of the
//! facade recorder.

use crate::model::MetricKind;

/// A name as the registry will hold it, and whether it differs from the name given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fixed {
    pub(crate) name: String,
    pub(crate) renamed: bool,
}

/// The base unit suffix for a facade unit, where the conventions have one. Other units (a
/// count, a percentage, milliseconds) add nothing: the conventions want base units, and
/// `_milliseconds` would break the lints.
pub(crate) fn unit_suffix(unit: metrics::Unit) -> Option<&'static str> {
    match unit {
        metrics::Unit::Seconds => Some("seconds"),
        metrics::Unit::Bytes => Some("bytes"),
        _ => None,
    }
}

/// Characters outside `[a-zA-Z0-9_:]` become `_` (a leading digit gets a `_` before it), `:`
/// too (reserved for recording rules); the unit's suffix is added if missing, and a
/// counter's name ends in `_total`.
pub(crate) fn metric_name(given: &str, kind: MetricKind, unit: Option<&str>) -> Fixed {
    let mut name = legal(given);
    if matches!(kind, MetricKind::Counter) {
        if let Some(base) = name.strip_suffix("_total") {
            name = base.to_owned();
        }
    }
    if let Some(unit) = unit {
        if !name.ends_with(&format!("_{unit}")) {
            name = format!("{name}_{unit}");
        }
    }
    if matches!(kind, MetricKind::Counter) {
        name.push_str("_total");
    }
    Fixed {
        renamed: name != given,
        name,
    }
}

/// A label name, with characters outside `[a-zA-Z0-9_]` made `_` and a leading digit or
/// `__` prefixed so that the name is not reserved.
pub(crate) fn label_name(given: &str) -> Fixed {
    let mut name = legal(given);
    if name.starts_with("__") {
        name.insert(0, 'x');
    }
    Fixed {
        renamed: name != given,
        name,
    }
}

fn legal(given: &str) -> String {
    let mut out = String::with_capacity(given.len() + 1);
    for (i, c) in given.chars().enumerate() {
        if i == 0 && c.is_ascii_digit() {
            out.push('_');
        }
        out.push(if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        });
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_conventions() {
        let fixed = |given, kind, unit| metric_name(given, kind, unit);
        assert_eq!(
            fixed("http.requests", MetricKind::Counter, None),
            Fixed {
                name: "http_requests_total".into(),
                renamed: true
            }
        );
        assert_eq!(
            fixed("jobs_total", MetricKind::Counter, None),
            Fixed {
                name: "jobs_total".into(),
                renamed: false
            }
        );
        assert_eq!(
            fixed("busy_total", MetricKind::Counter, Some("seconds")).name,
            "busy_seconds_total"
        );
        assert_eq!(
            fixed("latency", MetricKind::Histogram, Some("seconds")).name,
            "latency_seconds"
        );
        assert_eq!(
            fixed("latency_seconds", MetricKind::Histogram, Some("seconds")).name,
            "latency_seconds"
        );
        assert_eq!(fixed("2xx:rate", MetricKind::Gauge, None).name, "_2xx_rate");
        assert_eq!(fixed("", MetricKind::Gauge, None).name, "_");
        assert_eq!(label_name("http.route").name, "http_route");
        assert_eq!(label_name("__name__").name, "x__name__");
        assert!(!label_name("route").renamed);
    }
}
