//! Names outside the legacy character set, as a scrape asks for them: Prometheus' escaping
//! schemes (`escaping=` in `Accept`), and the quoted syntax that carries them unescaped.
//!
//! A name that is valid under the legacy rules is written as it is whatever the scheme, as
//! client_golang does. Label names keep to the label rules (no `:`), metric names to the
//! metric rules.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::naming::valid;

/// How a scrape wants metric and label names that the legacy rules (`[a-zA-Z_:][a-zA-Z0-9_:]*`
/// for metrics, no `:` for labels) do not allow: Prometheus' escaping schemes. Names that
/// the legacy rules allow are written as they are under every scheme.
///
/// ```
/// use metrics_core::Escaping;
/// let name = "http.server.request.duration";
/// assert_eq!(Escaping::AllowUtf8.metric_name(name), "http.server.request.duration");
/// assert_eq!(Escaping::Underscores.metric_name(name), "http_server_request_duration");
/// assert_eq!(Escaping::Dots.metric_name(name), "http_dot_server_dot_request_dot_duration");
/// assert_eq!(Escaping::Values.metric_name(name), "U__http_2e_server_2e_request_2e_duration");
/// assert_eq!(Escaping::Dots.metric_name("jobs_total"), "jobs_total");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Escaping {
    /// `allow-utf-8`: names as they are, in double quotes where the legacy rules do not
    /// allow them (`{"http.server.request.duration","http.route"="/"}`).
    AllowUtf8,
    /// `underscores`, the default: each character the legacy rules do not allow becomes `_`.
    #[default]
    Underscores,
    /// `dots`: `.` becomes `_dot_`, `_` becomes `__`, any other character the legacy rules
    /// do not allow becomes `__`.
    Dots,
    /// `values`: a `U__` prefix, `_` becomes `__`, and each character the legacy rules do
    /// not allow becomes its code point in lower-case hex between underscores (`.` is
    /// `_2e_`).
    Values,
}

impl Escaping {
    /// The scheme's name in an `escaping=` parameter.
    pub const fn as_str(self) -> &'static str {
        match self {
            Escaping::AllowUtf8 => "allow-utf-8",
            Escaping::Underscores => "underscores",
            Escaping::Dots => "dots",
            Escaping::Values => "values",
        }
    }

    /// The scheme an `escaping=` parameter names, or `None` for a value that names none.
    /// `allow-utf8` is taken for `allow-utf-8`: the content-negotiation specification
    /// spells it so, though Prometheus sends `allow-utf-8`.
    pub fn from_param(value: &str) -> Option<Escaping> {
        Some(match value.trim().to_ascii_lowercase().as_str() {
            "allow-utf-8" | "allow-utf8" => Escaping::AllowUtf8,
            "underscores" => Escaping::Underscores,
            "dots" => Escaping::Dots,
            "values" => Escaping::Values,
            _ => return None,
        })
    }

    /// A metric name as this scheme writes it (the quotes that [`AllowUtf8`](Escaping::AllowUtf8)
    /// may need are the writer's, not part of the name).
    pub fn metric_name(self, name: &str) -> Cow<'_, str> {
        if valid::metric_name(name).is_ok() {
            return Cow::Borrowed(name);
        }
        self.escape(name, true)
    }

    /// A label name as this scheme writes it.
    pub fn label_name(self, name: &str) -> Cow<'_, str> {
        if is_legacy_label_name(name) {
            return Cow::Borrowed(name);
        }
        self.escape(name, false)
    }

    fn escape(self, name: &str, colon: bool) -> Cow<'_, str> {
        let legacy = |c: char, first: bool| {
            c.is_ascii_alphabetic()
                || c == '_'
                || (colon && c == ':')
                || (!first && c.is_ascii_digit())
        };
        let mut out = String::with_capacity(name.len() + 8);
        match self {
            Escaping::AllowUtf8 => return Cow::Borrowed(name),
            Escaping::Underscores => {
                for (i, c) in name.chars().enumerate() {
                    out.push(if legacy(c, i == 0) { c } else { '_' });
                }
            }
            Escaping::Dots => {
                for (i, c) in name.chars().enumerate() {
                    match c {
                        '_' => out.push_str("__"),
                        '.' => out.push_str("_dot_"),
                        c if legacy(c, i == 0) => out.push(c),
                        _ => out.push_str("__"),
                    }
                }
            }
            Escaping::Values => {
                out.push_str("U__");
                for (i, c) in name.chars().enumerate() {
                    match c {
                        '_' => out.push_str("__"),
                        c if legacy(c, i == 0) => out.push(c),
                        c => {
                            let _ = write!(out, "_{:x}_", c as u32);
                        }
                    }
                }
            }
        }
        Cow::Owned(out)
    }
}

/// Whether `name` is a label name the legacy rules allow (`[a-zA-Z_][a-zA-Z0-9_]*`), reserved
/// or not: written bare in a label block.
pub(crate) fn is_legacy_label_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.iter()
            .enumerate()
            .all(|(i, &c)| c.is_ascii_alphabetic() || c == b'_' || (i > 0 && c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specification_examples() {
        // https://prometheus.io/docs/instrumenting/escaping_schemes/
        assert_eq!(
            Escaping::Underscores.metric_name("metric.name/with/slashes"),
            "metric_name_with_slashes"
        );
        assert_eq!(
            Escaping::Dots.metric_name("metric.name.with.dots"),
            "metric_dot_name_dot_with_dot_dots"
        );
        // The specification writes the code point in upper case (`U__metric_2E_name`);
        // client_golang, which Prometheus unescapes with, writes it in lower case, and the
        // two read back the same.
        assert_eq!(
            Escaping::Values.metric_name("metric.name"),
            "U__metric_2e_name"
        );
    }

    #[test]
    fn each_scheme_on_names_that_need_it() {
        let name = "my.metric_x-1";
        assert_eq!(Escaping::AllowUtf8.metric_name(name), name);
        assert_eq!(Escaping::Underscores.metric_name(name), "my_metric_x_1");
        assert_eq!(Escaping::Dots.metric_name(name), "my_dot_metric__x__1");
        assert_eq!(
            Escaping::Values.metric_name(name),
            "U__my_2e_metric__x_2d_1"
        );
        // A leading digit is not a legacy first character; other scripts are code points.
        assert_eq!(Escaping::Underscores.metric_name("0x"), "_x");
        assert_eq!(Escaping::Values.metric_name("0x"), "U___30_x");
        assert_eq!(Escaping::Values.metric_name("größe"), "U__gr_f6__df_e");
        assert_eq!(Escaping::Underscores.metric_name("größe"), "gr__e");
        // Labels take no colon; metrics do.
        assert_eq!(Escaping::Underscores.label_name("a:b"), "a_b");
        assert_eq!(Escaping::Underscores.metric_name("a:b"), "a:b");
        assert_eq!(Escaping::Dots.label_name("http.route"), "http_dot_route");
    }

    #[test]
    fn legacy_names_are_left_alone_by_every_scheme() {
        for scheme in [
            Escaping::AllowUtf8,
            Escaping::Underscores,
            Escaping::Dots,
            Escaping::Values,
        ] {
            assert!(matches!(
                scheme.metric_name("http_requests_total"),
                Cow::Borrowed(_)
            ));
            assert!(matches!(scheme.label_name("route"), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn parameters() {
        assert_eq!(
            Escaping::from_param("allow-utf-8"),
            Some(Escaping::AllowUtf8)
        );
        assert_eq!(
            Escaping::from_param("allow-utf8"),
            Some(Escaping::AllowUtf8)
        );
        assert_eq!(Escaping::from_param(" Dots "), Some(Escaping::Dots));
        assert_eq!(Escaping::from_param("utf8"), None);
        for scheme in [
            Escaping::AllowUtf8,
            Escaping::Underscores,
            Escaping::Dots,
            Escaping::Values,
        ] {
            assert_eq!(Escaping::from_param(scheme.as_str()), Some(scheme));
        }
    }
}
