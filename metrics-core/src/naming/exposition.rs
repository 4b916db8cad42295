//! The exposition linter: reads a text exposition and reports every name that breaks a rule.

use crate::model::MetricKind;
use crate::naming::parse::{parse_line, Line};
use crate::naming::problem::{Problem, Rule};
use crate::naming::rules::family_problems;
use crate::naming::valid::NameValidation;

/// Lints a Prometheus text exposition (format 0.0.4, or 1.0.0 and OpenMetrics with names in
/// the quoted syntax) as `promtool check metrics` would: every family's name against the
/// rules for its `# TYPE`, its help text, its label names, and lines that do not parse.
/// Quoted names are read as [`NameValidation::Utf8`](crate::NameValidation) reads them.
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
        match parse_line(line) {
            Ok(Line::Help { name, .. }) => family(&mut families, &name, number).help = true,
            Ok(Line::Type { name, kind }) => match MetricKind::from_type_word(kind) {
                Some(kind) => family(&mut families, &name, number).kind = kind,
                None => problems.push(Problem::metric(&name, Rule::Malformed).at_line(number)),
            },
            Ok(Line::Sample(sample)) => {
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
            Ok(Line::Blank | Line::Comment) => {}
            Err(_) => problems.push(Problem::metric("", Rule::Malformed).at_line(number)),
        }
    }
    for seen in &families {
        let labels: Vec<&str> = seen.labels.iter().map(String::as_str).collect();
        let help = if seen.help { "present" } else { "" };
        problems.extend(
            family_problems(
                &seen.name,
                help,
                seen.kind,
                &labels,
                &[],
                // Bare names that parse are legacy names; quoted ones may be any.
                NameValidation::Utf8,
            )
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
