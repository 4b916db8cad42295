//! Validity of metric and label names: what the exposition formats can carry at all.
//! Style (the Prometheus conventions) is `rules.rs`'s concern.

use crate::naming::problem::Rule;

/// Checks that `name` is a valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub(crate) const fn metric_name(name: &str) -> Result<(), Rule> {
    let b = name.as_bytes();
    if b.is_empty() {
        return Err(Rule::Empty);
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let ok = c.is_ascii_alphabetic() || c == b'_' || c == b':' || (i > 0 && c.is_ascii_digit());
        if !ok {
            return Err(Rule::InvalidMetricChar);
        }
        i += 1;
    }
    Ok(())
}

/// Checks that `label` is a valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`) and not a reserved
/// `__` one.
pub(crate) const fn label_name(label: &str) -> Result<(), Rule> {
    let b = label.as_bytes();
    if b.is_empty() {
        return Err(Rule::Empty);
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let ok = c.is_ascii_alphabetic() || c == b'_' || (i > 0 && c.is_ascii_digit());
        if !ok {
            return Err(Rule::InvalidLabelChar);
        }
        i += 1;
    }
    if b.len() >= 2 && b[0] == b'_' && b[1] == b'_' {
        return Err(Rule::ReservedLabelPrefix);
    }
    Ok(())
}

/// Which metric and label names a registry accepts.
///
/// ```
/// use metrics_core::{NameValidation, Registry};
/// let registry = Registry::builder().name_validation(NameValidation::Utf8).build()?;
/// let active = registry.try_gauge("http.server.active_requests", "Requests in flight.")?;
/// active.set(3.0);
/// let mut body = Vec::new();
/// // The default scheme, as Prometheus 2 (which asks for none) reads it.
/// registry.encode(metrics_core::Format::Text, &mut body);
/// assert!(String::from_utf8(body)?.contains("\nhttp_server_active_requests 3\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum NameValidation {
    /// The legacy rules, which every Prometheus reads: metric names
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`.
    #[default]
    Legacy,
    /// Any non-empty UTF-8 metric and label name (label names still not starting with `__`),
    /// as Prometheus 3 accepts: `http.server.request.duration`, `http.route`. A scrape that
    /// asks for `escaping=allow-utf-8` gets them as they are; any other scrape gets them
    /// escaped (see [`Escaping`](crate::Escaping)).
    Utf8,
}

/// Checks a metric name under `validation`.
pub(crate) fn metric_name_in(name: &str, validation: NameValidation) -> Result<(), Rule> {
    match validation {
        NameValidation::Legacy => metric_name(name),
        NameValidation::Utf8 if name.is_empty() => Err(Rule::Empty),
        NameValidation::Utf8 => Ok(()),
    }
}

/// Checks a label name under `validation` (reserved `__` names refused under both).
pub(crate) fn label_name_in(label: &str, validation: NameValidation) -> Result<(), Rule> {
    match validation {
        NameValidation::Legacy => label_name(label),
        NameValidation::Utf8 if label.is_empty() => Err(Rule::Empty),
        NameValidation::Utf8 if label.starts_with("__") => Err(Rule::ReservedLabelPrefix),
        NameValidation::Utf8 => Ok(()),
    }
}
