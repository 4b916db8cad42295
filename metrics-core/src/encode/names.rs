//! Metric and label names as a scrape's escaping scheme wants them, in the text formats and
//! in protobuf.
//!
//! Label blocks hold a name the legacy rules refuse in double quotes (`"http.route"="/"`),
//! which is what `escaping=allow-utf-8` writes; for any other scheme such a name is escaped
//! here, as the line is written. A registry with legacy names only never takes this path:
//! its lines are written as they always were.

use std::borrow::Cow;

use crate::encode::{write_quoted_series_start, write_series_start};
use crate::label::{push_pair, push_quoted};
use crate::model::LabelPairs;
use crate::naming::escape::is_legacy_label_name;
use crate::naming::valid;
use crate::Escaping;

/// How an encoder writes names: the scheme, and whether the registry may hold names the
/// legacy rules refuse at all (when not, every name is written as it is).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Names {
    pub(crate) escaping: Escaping,
    pub(crate) utf8: bool,
}

impl Names {
    /// A metric name where it stands alone (`# TYPE`, `# HELP`, `# UNIT`): as it is, escaped,
    /// or quoted.
    pub(crate) fn write_family(&self, out: &mut Vec<u8>, name: &str) {
        if self.utf8 && self.escaping == Escaping::AllowUtf8 && valid::metric_name(name).is_err() {
            let mut quoted = String::new();
            push_quoted(&mut quoted, name);
            out.extend_from_slice(quoted.as_bytes());
        } else {
            out.extend_from_slice(self.family(name).as_bytes());
        }
    }

    /// The family name as [`write_family`](Names::write_family) writes it, unquoted.
    pub(crate) fn family<'n>(&self, name: &'n str) -> Cow<'n, str> {
        if !self.utf8 || self.escaping == Escaping::AllowUtf8 {
            Cow::Borrowed(name)
        } else {
            self.escaping.metric_name(name)
        }
    }

    /// `name_suffix{const,labels,extra} `, up to the value, with names as the scheme wants
    /// them: `{"name_suffix",labels} ` when the name must be quoted.
    #[inline]
    pub(crate) fn series_start(
        &self,
        out: &mut Vec<u8>,
        name: &str,
        suffix: &str,
        const_labels: &str,
        labels: &str,
        extra: Option<(&str, &str)>,
    ) {
        if !self.utf8 {
            return write_series_start(out, name, suffix, const_labels, labels, extra);
        }
        self.series_start_utf8(out, name, suffix, const_labels, labels, extra);
    }

    /// [`series_start`](Names::series_start) where names may need escaping or quotes: out of
    /// line, so that the legacy path stays small.
    #[inline(never)]
    fn series_start_utf8(
        &self,
        out: &mut Vec<u8>,
        name: &str,
        suffix: &str,
        const_labels: &str,
        labels: &str,
        extra: Option<(&str, &str)>,
    ) {
        let const_labels = self.block(const_labels);
        let labels = self.block(labels);
        let extra_name = extra.map(|(label, _)| self.line_label(label));
        let extra = extra.zip(extra_name.as_deref()).map(|((_, v), n)| (n, v));
        if valid::metric_name(name).is_err() && self.escaping == Escaping::AllowUtf8 {
            write_quoted_series_start(out, name, suffix, &const_labels, &labels, extra);
        } else {
            let name = self.family(name);
            write_series_start(out, &name, suffix, &const_labels, &labels, extra);
        }
    }

    /// A label name, unquoted, as the scheme writes it (in protobuf, say).
    pub(crate) fn label<'n>(&self, name: &'n str) -> Cow<'n, str> {
        if !self.utf8 || self.escaping == Escaping::AllowUtf8 {
            Cow::Borrowed(name)
        } else {
            self.escaping.label_name(name)
        }
    }

    /// A label name as a line writes it: bare, escaped, or quoted.
    fn line_label<'n>(&self, name: &'n str) -> Cow<'n, str> {
        if self.escaping == Escaping::AllowUtf8 && !is_legacy_label_name(name) {
            let mut quoted = String::new();
            push_quoted(&mut quoted, name);
            Cow::Owned(quoted)
        } else {
            self.label(name)
        }
    }

    /// A label block with its quoted names escaped, unless the scheme keeps them.
    fn block<'b>(&self, block: &'b str) -> Cow<'b, str> {
        if self.escaping == Escaping::AllowUtf8
            || !(block.starts_with('"') || block.contains(",\""))
        {
            return Cow::Borrowed(block);
        }
        Cow::Owned(rewrite_block(block, self.escaping))
    }
}

/// `block` (`name="value",...` with quoted names where the legacy rules refuse them) with
/// each quoted name escaped by `escaping` (which writes only names the legacy rules allow);
/// values come back as they were, escaping being one-to-one.
pub(crate) fn rewrite_block(block: &str, escaping: Escaping) -> String {
    let mut out = String::with_capacity(block.len());
    for (name, value) in LabelPairs::new(block) {
        push_pair(&mut out, &escaping.label_name(&name), &value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_keep_values_and_escape_quoted_names() {
        let block = r#""http.route"="/a,\"b\"",code="200","x\"y"="1""#;
        assert_eq!(
            rewrite_block(block, Escaping::Underscores),
            r#"http_route="/a,\"b\"",code="200",x_y="1""#
        );
        assert_eq!(
            rewrite_block(block, Escaping::Dots),
            r#"http_dot_route="/a,\"b\"",code="200",x__y="1""#
        );
        assert_eq!(
            rewrite_block(r#"a="x,","b.c"="""#, Escaping::Values),
            r#"a="x,",U__b_2e_c="""#
        );
    }

    fn line(names: Names, name: &str, labels: &str, extra: Option<(&str, &str)>) -> String {
        let mut out = Vec::new();
        names.series_start(&mut out, name, "_bucket", r#"env="prod""#, labels, extra);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn series_lines_per_scheme() {
        let labels = r#""http.route"="/""#;
        let le = Some(("le", "0.1"));
        let names = |escaping| Names {
            escaping,
            utf8: true,
        };
        assert_eq!(
            line(names(Escaping::AllowUtf8), "http.duration", labels, le),
            r#"{"http.duration_bucket",env="prod","http.route"="/",le="0.1"} "#
        );
        assert_eq!(
            line(names(Escaping::Underscores), "http.duration", labels, le),
            r#"http_duration_bucket{env="prod",http_route="/",le="0.1"} "#
        );
        assert_eq!(
            line(names(Escaping::Values), "http.duration", labels, le),
            r#"U__http_2e_duration_bucket{env="prod",U__http_2e_route="/",le="0.1"} "#
        );
        // A legacy metric name with a UTF-8 label stays bare under allow-utf-8.
        assert_eq!(
            line(names(Escaping::AllowUtf8), "http_duration", labels, None),
            r#"http_duration_bucket{env="prod","http.route"="/"} "#
        );
        // A registry of legacy names writes as it always did.
        assert_eq!(
            line(Names::default(), "http_duration", "code=\"200\"", le),
            r#"http_duration_bucket{env="prod",code="200",le="0.1"} "#
        );
    }
}
