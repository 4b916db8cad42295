//! What a name check finds: the [`Rule`] a name breaks, the [`Problem`] that reports it,
//! and the [`LintLevel`] at which style rules are enforced.

use std::fmt;

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
    /// A line of an exposition that could not be parsed (only from [`lint_exposition`](crate::lint_exposition)).
    Malformed,
    /// A family with a unit must have it as the last word of its name (before `_total`).
    UnitNotInName,
    /// An info family's name ends in `_info`.
    InfoWithoutSuffix,
    /// A family of this name is already in the exposition: a collector wrote one that a
    /// registered family or another collector also writes.
    DuplicateFamily,
    /// A collector's series does not fit its family: the wrong number of label values, a
    /// value of another kind, or histogram bounds and counts that do not match.
    InvalidSample,
    /// Two names differ but read the same once a scrape escapes them with the default
    /// scheme (`http.route` and `http_route` are both `http_route`): they would be one
    /// series to Prometheus 2 and every scraper that asks for no other scheme.
    EscapedNameCollision,
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
                "a family's unit must end its name: `..._<unit>` (a counter: `..._<unit>_total`)"
            }
            Rule::InfoWithoutSuffix => "an info family's name must end in `_info`",
            Rule::DuplicateFamily => {
                "another family of this name is already exposed (a registered family or \
                 another collector): the second is left out"
            }
            Rule::InvalidSample => {
                "a collected series does not fit its family (label values, kind, or bucket \
                 bounds and counts): it is left out"
            }
            Rule::EscapedNameCollision => {
                "another name reads the same once escaped with underscores (`.` and other \
                 characters the legacy rules refuse become `_`): rename one"
            }
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
/// This is the error of every name check, and the item [`lint_exposition`](crate::lint_exposition) reports.
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

    pub(crate) fn at_line(mut self, line: usize) -> Problem {
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

    /// The 1-based line of the exposition, for problems found by [`lint_exposition`](crate::lint_exposition).
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
