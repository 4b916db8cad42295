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
