//! The naming rules: which names are invalid, and which break the Prometheus conventions.
//!
//! Every rule is a `const fn` predicate over bytes, so that the same code answers for the
//! compile-time check ([`checked_name`]), the runtime registration (`Registry::try_*`), the
//! exposition linter ([`lint_exposition`]) and the derive macros. There is no second validator
//! to drift from this one.

use std::fmt;

use crate::name;

/// The type of a metric family, as the exposition formats name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MetricKind {
    /// A monotonic total.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Observations counted in buckets, with their sum and count.
    Histogram,
    /// Client-side quantiles; this crate does not produce them, but lints them in expositions.
    Summary,
    /// Facts about the target as labels of one series of value 1 (`build_info`).
    Info,
    /// A set of states of which each is on or off (one series per state).
    StateSet,
    /// A family without a `# TYPE` line.
    Unknown,
}

impl MetricKind {
    /// The word used on a `# TYPE` line.
    pub const fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
            MetricKind::Summary => "summary",
            MetricKind::Info => "info",
            MetricKind::StateSet => "stateset",
            MetricKind::Unknown => "untyped",
        }
    }

    fn from_type_word(word: &str) -> Option<MetricKind> {
        Some(match word {
            "counter" => MetricKind::Counter,
            "gauge" => MetricKind::Gauge,
            "histogram" => MetricKind::Histogram,
            "summary" => MetricKind::Summary,
            "info" => MetricKind::Info,
            "stateset" => MetricKind::StateSet,
            "untyped" | "unknown" => MetricKind::Unknown,
            _ => return None,
        })
    }
}

/// How the style rules (the [`Rule::is_lint`] ones) are enforced at registration.
/// Validity rules are always errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LintLevel {
    /// A style problem is a registration error (the default).
    #[default]
    Deny,
    /// A style problem is recorded (see `Registry::lint_warnings`) and the metric registered.
    Warn,
    /// Style rules are not checked.
    Allow,
}

/// One naming rule. The first group makes a name invalid; the second (lints) breaks the
/// Prometheus conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// The name is empty.
    Empty,
    /// A metric name must match `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    InvalidMetricChar,
    /// A label name must match `[a-zA-Z_][a-zA-Z0-9_]*`.
    InvalidLabelChar,
    /// Label names starting with `__` are reserved for Prometheus itself.
    ReservedLabelPrefix,
    /// The same label name appears twice on one family (const labels included).
    DuplicateLabel,
    /// `le` is the bucket label of histograms; `quantile` that of summaries.
    ReservedLabel,
    /// A counter's name must end in `_total`.
    CounterWithoutTotal,
    /// Only counters end in `_total`.
    TotalOnNonCounter,
    /// Units in names are base units: `_seconds` not `_milliseconds`, `_bytes` not `_kilobytes`.
    NonBaseUnit,
    /// Units are spelled out: `_seconds` not `_ms` or `_sec`, `_bytes` not `_kb`.
    UnitAbbreviation,
    /// Names are snake_case: lower case words joined by `_`.
    NotSnakeCase,
    /// The type is said by `# TYPE`, not by the name (`_counter`, `_gauge`...).
    TypeInName,
    /// `_count`, `_sum`, `_bucket` and `_created` are the suffixes of histogram and summary
    /// series; a family of its own with such a name clashes with them.
    ReservedSuffix,
    /// `:` is reserved for the names of recording rules.
    Colon,
    /// Every family needs help text.
    MissingHelp,
    /// A line of an exposition that could not be parsed (only from [`lint_exposition`]).
    Malformed,
    /// A family with a unit must have it as the last word of its name (before `_total`).
    UnitNotInName,
    /// An info family's name ends in `_info`.
    InfoWithoutSuffix,
}

impl Rule {
    /// Every style rule, in the order they are checked.
    pub const LINTS: [Rule; 9] = [
        Rule::CounterWithoutTotal,
        Rule::InfoWithoutSuffix,
        Rule::TotalOnNonCounter,
        Rule::NonBaseUnit,
        Rule::UnitAbbreviation,
        Rule::NotSnakeCase,
        Rule::TypeInName,
        Rule::ReservedSuffix,
        Rule::Colon,
    ];

    /// Whether this is a style rule, which a [`LintLevel`] can relax, rather than a validity rule.
    pub const fn is_lint(self) -> bool {
        matches!(
            self,
            Rule::CounterWithoutTotal
                | Rule::InfoWithoutSuffix
                | Rule::TotalOnNonCounter
                | Rule::NonBaseUnit
                | Rule::UnitAbbreviation
                | Rule::NotSnakeCase
                | Rule::TypeInName
                | Rule::ReservedSuffix
                | Rule::Colon
                | Rule::MissingHelp
        )
    }

    /// What the rule asks for, and what to write instead.
    pub const fn message(self) -> &'static str {
        match self {
            Rule::Empty => "the name is empty",
            Rule::InvalidMetricChar => "a metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*",
            Rule::InvalidLabelChar => "a label name must match [a-zA-Z_][a-zA-Z0-9_]*",
            Rule::ReservedLabelPrefix => "label names starting with `__` are reserved",
            Rule::DuplicateLabel => "the label name is used twice",
            Rule::ReservedLabel => {
                "`le` is reserved for histogram buckets and `quantile` for summaries"
            }
            Rule::CounterWithoutTotal => "a counter's name must end in `_total`",
            Rule::TotalOnNonCounter => "only counters end in `_total`",
            Rule::NonBaseUnit => {
                "use base units: `_seconds` not `_milliseconds`, `_bytes` not `_kilobytes`, \
                 `_meters` not `_miles`"
            }
            Rule::UnitAbbreviation => {
                "spell units out: `_seconds` not `_ms`/`_sec`, `_bytes` not `_kb`/`_mb`"
            }
            Rule::NotSnakeCase => "write names in snake_case (lower case words joined by `_`)",
            Rule::TypeInName => "the name must not say the type (`_counter`, `_gauge`...)",
            Rule::ReservedSuffix => {
                "`_count`, `_sum`, `_bucket` and `_created` are reserved for the series of \
                 histograms and summaries"
            }
            Rule::Colon => "`:` is reserved for recording rules",
            Rule::MissingHelp => "the family has no help text",
            Rule::Malformed => "the line is not valid text exposition",
            Rule::UnitNotInName => {
                "a family's unit must end its name: `_seconds` (or `_seconds_total`) for seconds"
            }
            Rule::InfoWithoutSuffix => "an info family's name must end in `_info`",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// A name that breaks a [`Rule`]: which metric, which label (if it is a label's name) and why.
///
/// This is the error of every name check, and the item [`lint_exposition`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    metric: String,
    label: Option<String>,
    rule: Rule,
    line: Option<usize>,
}

impl Problem {
    pub(crate) fn metric(metric: &str, rule: Rule) -> Problem {
        Problem {
            metric: metric.to_owned(),
            label: None,
            rule,
            line: None,
        }
    }

    pub(crate) fn label(metric: &str, label: &str, rule: Rule) -> Problem {
        Problem {
            metric: metric.to_owned(),
            label: Some(label.to_owned()),
            rule,
            line: None,
        }
    }

    fn at_line(mut self, line: usize) -> Problem {
        self.line = Some(line);
        self
    }

    /// The metric (family) name concerned.
    pub fn metric_name(&self) -> &str {
        &self.metric
    }

    /// The label name concerned, when the rule is about a label.
    pub fn label_name(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The rule broken.
    pub fn rule(&self) -> Rule {
        self.rule
    }

    /// The 1-based line of the exposition, for problems found by [`lint_exposition`].
    pub fn line(&self) -> Option<usize> {
        self.line
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "metric `{}`", self.metric)?;
        if let Some(label) = &self.label {
            write!(f, ", label `{label}`")?;
        }
        write!(f, ": {}", self.rule)
    }
}

impl std::error::Error for Problem {}

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

/// Whether any `_`-separated word of `name` satisfies the word rule `which`.
const fn any_word(name: &[u8], which: Rule) -> bool {
    let mut start = 0;
    let mut i = 0;
    while i <= name.len() {
        if i == name.len() || name[i] == b'_' || name[i] == b':' {
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
pub const fn breaks(rule: Rule, name: &str, kind: MetricKind) -> bool {
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
    if let Err(rule) = name::check_metric_name(name) {
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
    if let Err(rule) = name::check_label_name(label) {
        return Err(rule);
    }
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
pub(crate) fn family_problems(
    name: &str,
    help: &str,
    kind: MetricKind,
    labels: &[&str],
    extra_labels: &[&str],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    match name::check_metric_name(name) {
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
        if let Err(rule) = check_label_name(label, kind) {
            problems.push(Problem::label(name, label, rule));
        } else if all.clone().take(i).any(|earlier| earlier == label) {
            problems.push(Problem::label(name, label, Rule::DuplicateLabel));
        }
    }
    problems
}

/// Lints a Prometheus text exposition (format 0.0.4) as `promtool check metrics` would: every
/// family's name against the rules for its `# TYPE`, its help text, its label names, and lines
/// that do not parse.
///
/// ```
/// use metrics_core::{lint_exposition, Rule};
/// let text = "# HELP latency_ms Latency.\n# TYPE latency_ms gauge\nlatency_ms 3\n";
/// let problems = lint_exposition(text);
/// assert_eq!(problems.len(), 1);
/// assert_eq!(problems[0].rule(), Rule::UnitAbbreviation);
/// ```
pub fn lint_exposition(text: &str) -> Vec<Problem> {
    struct Seen {
        name: String,
        kind: MetricKind,
        help: bool,
        labels: Vec<String>,
        line: usize,
    }
    let mut families: Vec<Seen> = Vec::new();
    let mut problems = Vec::new();
    fn family<'a>(families: &'a mut Vec<Seen>, name: &str, line: usize) -> &'a mut Seen {
        let at = families
            .iter()
            .position(|f| f.name == name)
            .unwrap_or_else(|| {
                families.push(Seen {
                    name: name.to_owned(),
                    kind: MetricKind::Unknown,
                    help: false,
                    labels: Vec::new(),
                    line,
                });
                families.len() - 1
            });
        &mut families[at]
    }
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        match crate::encode::parse::parse_line(line) {
            Ok(crate::encode::parse::Line::Help { name, .. }) => {
                family(&mut families, name, number).help = true
            }
            Ok(crate::encode::parse::Line::Type { name, kind }) => {
                match MetricKind::from_type_word(kind) {
                    Some(kind) => family(&mut families, name, number).kind = kind,
                    None => problems.push(Problem::metric(name, Rule::Malformed).at_line(number)),
                }
            }
            Ok(crate::encode::parse::Line::Sample(sample)) => {
                let base = families
                    .iter()
                    .rposition(|f| sample_belongs(&sample.name, &f.name, f.kind))
                    .map(|i| families[i].name.clone())
                    .unwrap_or_else(|| sample.name.clone());
                let seen = family(&mut families, &base, number);
                for (label, _) in &sample.labels {
                    let synthetic = label == "le" && seen.kind == MetricKind::Histogram
                        || label == "quantile" && seen.kind == MetricKind::Summary;
                    if !synthetic && !seen.labels.contains(label) {
                        seen.labels.push(label.clone());
                    }
                }
            }
            Ok(crate::encode::parse::Line::Blank | crate::encode::parse::Line::Comment) => {}
            Err(_) => problems.push(Problem::metric("", Rule::Malformed).at_line(number)),
        }
    }
    for seen in &families {
        let labels: Vec<&str> = seen.labels.iter().map(String::as_str).collect();
        let help = if seen.help { "present" } else { "" };
        problems.extend(
            family_problems(&seen.name, help, seen.kind, &labels, &[])
                .into_iter()
                .map(|p| p.at_line(seen.line)),
        );
    }
    problems
}

/// Whether a sample named `sample` is a series of the family `family` of kind `kind`.
pub(crate) fn sample_belongs(sample: &str, family: &str, kind: MetricKind) -> bool {
    if sample == family {
        return true;
    }
    let Some(suffix) = sample.strip_prefix(family) else {
        return false;
    };
    match kind {
        MetricKind::Histogram => matches!(suffix, "_bucket" | "_sum" | "_count" | "_created"),
        MetricKind::Summary => matches!(suffix, "_sum" | "_count" | "_created"),
        MetricKind::Counter => matches!(suffix, "_total" | "_created"),
        MetricKind::Info => suffix == "_info",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(name: &str, kind: MetricKind) -> Option<Rule> {
        check_metric_name(name, kind).err()
    }

    #[test]
    fn validity_rules() {
        assert_eq!(first("", MetricKind::Gauge), Some(Rule::Empty));
        assert_eq!(
            first("1abc", MetricKind::Gauge),
            Some(Rule::InvalidMetricChar)
        );
        assert_eq!(
            first("a-b", MetricKind::Gauge),
            Some(Rule::InvalidMetricChar)
        );
        assert_eq!(
            first("temp_é", MetricKind::Gauge),
            Some(Rule::InvalidMetricChar)
        );
        assert_eq!(check_label_name("", MetricKind::Gauge), Err(Rule::Empty));
        assert_eq!(
            check_label_name("a:b", MetricKind::Gauge),
            Err(Rule::InvalidLabelChar)
        );
        assert_eq!(
            check_label_name("9a", MetricKind::Gauge),
            Err(Rule::InvalidLabelChar)
        );
        assert_eq!(
            check_label_name("__name", MetricKind::Gauge),
            Err(Rule::ReservedLabelPrefix)
        );
        assert_eq!(
            check_label_name("le", MetricKind::Histogram),
            Err(Rule::ReservedLabel)
        );
        assert_eq!(check_label_name("le", MetricKind::Gauge), Ok(()));
        assert_eq!(
            check_label_name("quantile", MetricKind::Histogram),
            Err(Rule::ReservedLabel)
        );
        assert_eq!(
            check_label_name("quantile", MetricKind::Summary),
            Err(Rule::ReservedLabel)
        );
        assert_eq!(
            check_label_name("userId", MetricKind::Gauge),
            Err(Rule::NotSnakeCase)
        );
    }

    #[test]
    fn every_lint_rule_is_named() {
        let cases = [
            (
                "http_requests",
                MetricKind::Counter,
                Rule::CounterWithoutTotal,
            ),
            (
                "queue_depth_total",
                MetricKind::Gauge,
                Rule::TotalOnNonCounter,
            ),
            (
                "request_duration_milliseconds",
                MetricKind::Histogram,
                Rule::NonBaseUnit,
            ),
            ("payload_kilobytes", MetricKind::Gauge, Rule::NonBaseUnit),
            ("uptime_hours", MetricKind::Gauge, Rule::NonBaseUnit),
            ("cpu_percent", MetricKind::Gauge, Rule::NonBaseUnit),
            ("latency_ms", MetricKind::Gauge, Rule::UnitAbbreviation),
            (
                "wait_sec_total",
                MetricKind::Counter,
                Rule::UnitAbbreviation,
            ),
            ("cache_kb", MetricKind::Gauge, Rule::UnitAbbreviation),
            (
                "requestCount_total",
                MetricKind::Counter,
                Rule::NotSnakeCase,
            ),
            (
                "errors_counter_total",
                MetricKind::Counter,
                Rule::TypeInName,
            ),
            ("temperature_gauge", MetricKind::Gauge, Rule::TypeInName),
            ("jobs_count", MetricKind::Gauge, Rule::ReservedSuffix),
            ("latency_sum", MetricKind::Gauge, Rule::ReservedSuffix),
            ("latency_bucket", MetricKind::Gauge, Rule::ReservedSuffix),
            ("job_created", MetricKind::Gauge, Rule::ReservedSuffix),
            ("job:rate5m", MetricKind::Gauge, Rule::Colon),
        ];
        for (name, kind, rule) in cases {
            assert_eq!(first(name, kind), Some(rule), "{name}");
            let problems = family_problems(name, "help", kind, &[], &[]);
            assert!(problems
                .iter()
                .any(|p| p.rule() == rule && p.metric_name() == name));
        }
    }

    #[test]
    fn good_names_pass() {
        for (name, kind) in [
            ("http_requests_total", MetricKind::Counter),
            ("http_request_duration_seconds", MetricKind::Histogram),
            ("process_resident_memory_bytes", MetricKind::Gauge),
            ("temperature_celsius", MetricKind::Gauge),
            ("thermometers_active", MetricKind::Gauge),
            ("items_in_stock", MetricKind::Gauge),
            ("_private", MetricKind::Gauge),
        ] {
            assert_eq!(first(name, kind), None, "{name}");
        }
    }

    #[test]
    fn units_end_the_name() {
        assert_eq!(
            check_unit("request_duration_seconds", "seconds", MetricKind::Histogram),
            Ok(())
        );
        assert_eq!(
            check_unit("cpu_seconds_total", "seconds", MetricKind::Counter),
            Ok(())
        );
        assert_eq!(
            check_unit("request_duration", "seconds", MetricKind::Histogram),
            Err(Rule::UnitNotInName)
        );
        assert_eq!(
            check_unit("xseconds", "seconds", MetricKind::Gauge),
            Err(Rule::UnitNotInName)
        );
        assert_eq!(
            check_unit("seconds", "seconds", MetricKind::Gauge),
            Err(Rule::UnitNotInName)
        );
        assert_eq!(
            check_unit("a_b", "b-c", MetricKind::Gauge),
            Err(Rule::InvalidMetricChar)
        );
        assert_eq!(first("build_info", MetricKind::Info), None);
        assert_eq!(
            first("build", MetricKind::Info),
            Some(Rule::InfoWithoutSuffix)
        );
    }

    #[test]
    fn help_and_labels_at_registration() {
        let problems = family_problems("jobs_total", " ", MetricKind::Counter, &["a", "a"], &[]);
        assert_eq!(problems[0].rule(), Rule::MissingHelp);
        assert_eq!(problems[1].rule(), Rule::DuplicateLabel);
        assert_eq!(problems[1].label_name(), Some("a"));
        let problems = family_problems(
            "jobs_total",
            "Jobs.",
            MetricKind::Counter,
            &["env"],
            &["env"],
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].rule(), Rule::DuplicateLabel);
    }

    #[test]
    fn const_check_agrees_with_runtime() {
        const NAME: &str = checked_name("build_info_seconds", MetricKind::Gauge);
        assert_eq!(NAME, "build_info_seconds");
        let result = std::panic::catch_unwind(|| checked_name("latency_ms", MetricKind::Gauge));
        let message = *result.unwrap_err().downcast::<String>().unwrap();
        assert_eq!(message, Rule::UnitAbbreviation.message());
    }

    #[test]
    fn exposition_lint() {
        let text = "\
# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method=\"GET\",userId=\"1\"} 3
# TYPE queue_depth_total gauge
queue_depth_total 1
# HELP latency_seconds Latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{le=\"1\"} 1
latency_seconds_bucket{le=\"+Inf\"} 1
latency_seconds_sum 0.5
latency_seconds_count 1
this is not a sample
";
        let problems = lint_exposition(text);
        let rules: Vec<(Rule, Option<&str>)> = problems
            .iter()
            .map(|p| (p.rule(), p.label_name()))
            .collect();
        assert_eq!(
            rules,
            vec![
                (Rule::Malformed, None),
                (Rule::NotSnakeCase, Some("userId")),
                (Rule::TotalOnNonCounter, None),
                (Rule::MissingHelp, None),
            ]
        );
        assert_eq!(problems[0].line(), Some(12));
        assert_eq!(problems[2].metric_name(), "queue_depth_total");
    }
}
