//! The Prometheus naming conventions, as `const fn` predicates over bytes, so that the same
//! code answers for the compile-time check ([`checked_name`]), the runtime registration
//! (`Registry::try_*`), the exposition linter and the derive macros. There is no second
//! validator to drift from this one.

use crate::model::MetricKind;
use crate::naming::escape::Escaping;
use crate::naming::problem::{Problem, Rule};
use crate::naming::valid::{self, NameValidation};

// ---------------------------------------------------------------------------------------------
// The predicates. `const fn` over bytes so that they run at compile time too.

/// Unit words that are base units: a name may carry them as they are.
const BASE_UNITS: [&str; 11] = [
    "amperes", "bytes", "candela", "celsius", "grams", "joules", "kelvin", "meters", "metres",
    "seconds", "volts",
];
/// Unit words that are never base units, whatever their prefix.
const NON_BASE_UNITS: [&str; 15] = [
    "minutes",
    "hours",
    "days",
    "weeks",
    "kelvins",
    "fahrenheit",
    "rankine",
    "inches",
    "yards",
    "miles",
    "bits",
    "calories",
    "pounds",
    "ounces",
    "percent",
];
/// SI and binary prefixes: a prefixed base unit (`milliseconds`) is not a base unit.
const UNIT_PREFIXES: [&str; 18] = [
    "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega",
    "mebi", "giga", "gibi", "tera", "tebi", "peta", "pebi",
];
const UNIT_ABBREVIATIONS: [&str; 16] = [
    "s", "ms", "us", "ns", "sec", "secs", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d", "min",
];
const TYPE_WORDS: [&str; 4] = ["counter", "gauge", "histogram", "summary"];
const RESERVED_SUFFIXES: [&str; 4] = ["_count", "_sum", "_bucket", "_created"];

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn ends_with(s: &[u8], suffix: &[u8]) -> bool {
    if s.len() < suffix.len() {
        return false;
    }
    let (_, tail) = s.split_at(s.len() - suffix.len());
    bytes_eq(tail, suffix)
}

const fn starts_with(s: &[u8], prefix: &[u8]) -> bool {
    if s.len() < prefix.len() {
        return false;
    }
    let (head, _) = s.split_at(prefix.len());
    bytes_eq(head, prefix)
}

const fn in_list<const N: usize>(word: &[u8], list: &[&str; N]) -> bool {
    let mut i = 0;
    while i < N {
        if bytes_eq(word, list[i].as_bytes()) {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether one `_`-separated word of a name is a non-base unit.
const fn is_non_base_unit(word: &[u8]) -> bool {
    if in_list(word, &NON_BASE_UNITS) {
        return true;
    }
    let mut p = 0;
    while p < UNIT_PREFIXES.len() {
        let prefix = UNIT_PREFIXES[p].as_bytes();
        if starts_with(word, prefix) {
            let (_, unit) = word.split_at(prefix.len());
            if in_list(unit, &BASE_UNITS) || in_list(unit, &NON_BASE_UNITS) {
                return true;
            }
        }
        p += 1;
    }
    false
}

/// Whether any word of `name` (split at `_`, `:` and `.`) satisfies the word rule `which`.
const fn any_word(name: &[u8], which: Rule) -> bool {
    let mut start = 0;
    let mut i = 0;
    while i <= name.len() {
        if i == name.len() || name[i] == b'_' || name[i] == b':' || name[i] == b'.' {
            let (_, rest) = name.split_at(start);
            let (word, _) = rest.split_at(i - start);
            let hit = match which {
                Rule::NonBaseUnit => is_non_base_unit(word),
                Rule::UnitAbbreviation => in_list(word, &UNIT_ABBREVIATIONS),
                Rule::TypeInName => in_list(word, &TYPE_WORDS),
                _ => false,
            };
            if hit {
                return true;
            }
            start = i + 1;
        }
        i += 1;
    }
    false
}

const fn has_upper(name: &[u8]) -> bool {
    let mut i = 0;
    while i < name.len() {
        if name[i].is_ascii_uppercase() {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether the metric name `name` of kind `kind` breaks the style rule `rule`.
///
/// The single predicate behind every lint of a metric name.
pub(crate) const fn breaks(rule: Rule, name: &str, kind: MetricKind) -> bool {
    let b = name.as_bytes();
    let is_counter = matches!(kind, MetricKind::Counter);
    match rule {
        Rule::CounterWithoutTotal => is_counter && !ends_with(b, b"_total"),
        Rule::InfoWithoutSuffix => matches!(kind, MetricKind::Info) && !ends_with(b, b"_info"),
        Rule::TotalOnNonCounter => {
            !is_counter && !matches!(kind, MetricKind::Unknown) && ends_with(b, b"_total")
        }
        Rule::NonBaseUnit | Rule::UnitAbbreviation | Rule::TypeInName => any_word(b, rule),
        Rule::NotSnakeCase => has_upper(b),
        Rule::ReservedSuffix => {
            let mut i = 0;
            while i < RESERVED_SUFFIXES.len() {
                if ends_with(b, RESERVED_SUFFIXES[i].as_bytes()) {
                    return true;
                }
                i += 1;
            }
            false
        }
        Rule::Colon => {
            let mut i = 0;
            while i < b.len() {
                if b[i] == b':' {
                    return true;
                }
                i += 1;
            }
            false
        }
        _ => false,
    }
}

/// Checks a metric name: validity first, then every style rule. Returns the first rule broken.
///
/// This is what [`checked_name`] runs at compile time and the registry at runtime.
pub const fn check_metric_name(name: &str, kind: MetricKind) -> Result<(), Rule> {
    if let Err(rule) = valid::metric_name(name) {
        return Err(rule);
    }
    let mut i = 0;
    while i < Rule::LINTS.len() {
        if breaks(Rule::LINTS[i], name, kind) {
            return Err(Rule::LINTS[i]);
        }
        i += 1;
    }
    Ok(())
}

/// Checks a label name of a family of kind `kind`: validity, reserved names, then snake_case.
pub const fn check_label_name(label: &str, kind: MetricKind) -> Result<(), Rule> {
    if let Err(rule) = valid::label_name(label) {
        return Err(rule);
    }
    label_conventions(label, kind)
}

/// A valid label name against the reserved names of kind `kind` and snake case.
const fn label_conventions(label: &str, kind: MetricKind) -> Result<(), Rule> {
    let b = label.as_bytes();
    if (matches!(kind, MetricKind::Histogram) && bytes_eq(b, b"le"))
        || ((matches!(kind, MetricKind::Summary) || matches!(kind, MetricKind::Histogram))
            && bytes_eq(b, b"quantile"))
    {
        return Err(Rule::ReservedLabel);
    }
    if has_upper(b) {
        return Err(Rule::NotSnakeCase);
    }
    Ok(())
}

/// Checks that `unit` is a valid unit word and ends the metric name `name` (before `_total`
/// for counters), as OpenMetrics' `# UNIT` requires.
pub const fn check_unit(name: &str, unit: &str, kind: MetricKind) -> Result<(), Rule> {
    let u = unit.as_bytes();
    if u.is_empty() {
        return Err(Rule::Empty);
    }
    let mut i = 0;
    while i < u.len() {
        if !(u[i].is_ascii_alphanumeric() || u[i] == b'_') {
            return Err(Rule::InvalidMetricChar);
        }
        i += 1;
    }
    let mut n = name.as_bytes();
    if matches!(kind, MetricKind::Counter) && ends_with(n, b"_total") {
        n = n.split_at(n.len() - b"_total".len()).0;
    }
    if n.len() <= u.len() || !ends_with(n, u) || n[n.len() - u.len() - 1] != b'_' {
        return Err(Rule::UnitNotInName);
    }
    Ok(())
}

/// Returns `name` if it passes every rule for a metric of kind `kind`, and fails otherwise.
///
/// Use it in a `const` item and a bad literal name fails the build:
///
/// ```
/// use metrics_core::{checked_name, MetricKind};
/// const REQUESTS: &str = checked_name("http_requests_total", MetricKind::Counter);
/// # assert_eq!(REQUESTS, "http_requests_total");
/// ```
///
/// ```compile_fail
/// use metrics_core::{checked_name, MetricKind};
/// // error: a counter's name must end in `_total`
/// const REQUESTS: &str = checked_name("http_requests", MetricKind::Counter);
/// ```
///
/// # Panics
/// When called at runtime with a name that breaks a rule; the message names the rule. Prefer
/// the registry's `try_*` methods for names only known at runtime.
#[track_caller]
pub const fn checked_name(name: &'static str, kind: MetricKind) -> &'static str {
    match check_metric_name(name, kind) {
        Ok(()) => name,
        Err(rule) => panic!("{}", rule.message()),
    }
}

/// Every problem of a family's names at registration: hard errors and lints alike, metric name
/// first, then labels in order. `extra_labels` are the registry's const labels.
///
/// Under [`NameValidation::Utf8`] the lints read a name as it is: the suffix rules (`_total`,
/// `_info`, reserved suffixes) literally, since the formats add and strip those suffixes as
/// they are; the word rules (units, abbreviations, type words) split words at `_`, `:` and
/// `.`, so `http.server.duration.ms` breaks the unit rule as `http_server_duration_ms` does.
pub(crate) fn family_problems(
    name: &str,
    help: &str,
    kind: MetricKind,
    labels: &[&str],
    extra_labels: &[&str],
    validation: NameValidation,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    match valid::metric_name_in(name, validation) {
        Err(rule) => problems.push(Problem::metric(name, rule)),
        Ok(()) => problems.extend(
            Rule::LINTS
                .iter()
                .filter(|rule| breaks(**rule, name, kind))
                .map(|rule| Problem::metric(name, *rule)),
        ),
    }
    if help.trim().is_empty() {
        problems.push(Problem::metric(name, Rule::MissingHelp));
    }
    let all = labels.iter().chain(extra_labels);
    for (i, label) in all.clone().enumerate() {
        let escaped = Escaping::Underscores.label_name(label);
        if let Err(rule) = check_label_name_in(label, kind, validation) {
            problems.push(Problem::label(name, label, rule));
        } else if all.clone().take(i).any(|earlier| earlier == label) {
            problems.push(Problem::label(name, label, Rule::DuplicateLabel));
        } else if all
            .clone()
            .take(i)
            .any(|earlier| Escaping::Underscores.label_name(earlier) == escaped)
        {
            problems.push(Problem::label(name, label, Rule::EscapedNameCollision));
        }
    }
    problems
}

/// [`check_label_name`] under `validation`.
fn check_label_name_in(
    label: &str,
    kind: MetricKind,
    validation: NameValidation,
) -> Result<(), Rule> {
    match validation {
        NameValidation::Legacy => check_label_name(label, kind),
        _ => {
            valid::label_name_in(label, validation)?;
            label_conventions(label, kind)
        }
    }
}

/// [`check_unit`] under `validation`: a name the legacy rules do not allow (such as
/// OpenTelemetry's `http.server.request.duration`) keeps its unit as metadata, in protobuf
/// and in OpenMetrics' `# UNIT` when the name ends with it, and need not end with it.
pub(crate) fn check_unit_in(
    name: &str,
    unit: &str,
    kind: MetricKind,
    validation: NameValidation,
) -> Result<(), Rule> {
    match check_unit(name, unit, kind) {
        Err(Rule::UnitNotInName)
            if validation == NameValidation::Utf8 && valid::metric_name(name).is_err() =>
        {
            Ok(())
        }
        other => other,
    }
}
