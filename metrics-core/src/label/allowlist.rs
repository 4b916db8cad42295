//! [`Allowlist`]: label values from outside a known set folded into one.

use std::collections::HashSet;

/// The label values a family accepts from input it does not control (a request's method,
/// a client's country, a path's first segment), every other value folded into one
/// (`"other"` unless set): the family stays as small as the list however the input varies,
/// long before its series limit has to refuse anything.
///
/// ```
/// use metrics_core::{Allowlist, Counter, DynLabels, Family, Opts, Registry};
///
/// let registry = Registry::new();
/// let uploads: Family<DynLabels, Counter> =
///     registry.family(Opts::new("uploads_total", "Uploads.").labels(&["format"]));
/// let formats = Allowlist::new(["png", "jpeg", "webp"]);
/// for given in ["png", "PNG", "exe", "webp", "../../etc/passwd"] {
///     uploads.with_label_values(&[formats.get(given)]).inc();
/// }
/// assert_eq!(uploads.with_label_values(&["other"]).get(), 3.0);
/// assert_eq!(uploads.len(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct Allowlist {
    values: HashSet<Box<str>>,
    other: Box<str>,
}

impl Allowlist {
    /// The values kept as they are (matched exactly, case included); every other value
    /// becomes `"other"`.
    pub fn new<I, S>(values: I) -> Allowlist
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Allowlist {
            values: values.into_iter().map(|v| v.as_ref().into()).collect(),
            other: "other".into(),
        }
    }

    /// The value every value outside the list becomes (default `"other"`).
    #[must_use]
    pub fn other(mut self, value: impl AsRef<str>) -> Allowlist {
        self.other = value.as_ref().into();
        self
    }

    /// `value` if the list has it, else the fold-all value.
    pub fn get<'a>(&'a self, value: &'a str) -> &'a str {
        if self.values.contains(value) {
            value
        } else {
            &self.other
        }
    }

    /// Whether the list has `value`.
    pub fn contains(&self, value: &str) -> bool {
        self.values.contains(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_values_pass_and_the_rest_fold_into_one() {
        let methods = Allowlist::new(["GET", "POST"]).other("OTHER");
        assert_eq!(methods.get("GET"), "GET");
        assert_eq!(methods.get("POST"), "POST");
        for other in ["get", "PATCH", "", "GET ", "\u{1F600}"] {
            assert_eq!(methods.get(other), "OTHER", "{other:?}");
        }
        assert!(methods.contains("GET") && !methods.contains("get"));
        assert_eq!(Allowlist::new(Vec::<String>::new()).get("x"), "other");
    }
}
