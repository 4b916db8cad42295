//! Choosing the format and the escaping scheme from a scraper's `Accept` header.

use crate::encode::{Exposition, Format};
use crate::Escaping;

/// The format and escaping scheme to answer a request with, from its `Accept` header.
///
/// Follows Prometheus' content-negotiation specification: the acceptable media range with
/// the highest `q` wins, the earlier one on a tie. Recognised ranges:
/// `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited`,
/// `application/openmetrics-text` (versions 1.0.0 and 0.0.1), `text/plain` (0.0.4, and
/// 1.0.0), and `*/*`. The winning range's `escaping` parameter (`allow-utf-8`,
/// `underscores`, `dots`, `values`) says how names the legacy rules refuse are written;
/// without one, or with one that names no scheme, it is `underscores`. Text 0.0.4 is always
/// `underscores`. Anything else, including an empty or garbled header, gets the text format
/// 0.0.4.
///
/// ```
/// use metrics_core::{negotiate, Escaping, Format};
/// // Prometheus 2.x, default settings.
/// let accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
///               version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// assert_eq!(negotiate(accept).format, Format::OpenMetrics);
/// assert_eq!(negotiate(accept).escaping, Escaping::Underscores);
/// // Prometheus 3, default settings.
/// let accept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
///               application/openmetrics-text;version=0.0.1;q=0.5,\
///               text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
///               text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
/// assert_eq!(negotiate(accept).escaping, Escaping::AllowUtf8);
/// assert_eq!(negotiate("text/plain").format, Format::Text);
/// assert_eq!(negotiate("application/json").format, Format::Text);
/// ```
pub fn negotiate(accept: &str) -> Exposition {
    try_negotiate(accept).unwrap_or_default()
}

/// The format and escaping scheme to answer a request with, or `None` when the `Accept`
/// header names only media ranges we cannot produce: an HTTP server answers that with 406
/// Not Acceptable.
///
/// The ranges recognised and the choice among them are those of [`negotiate`]; an empty
/// header states no preference and gets the text format.
///
/// ```
/// use metrics_core::{try_negotiate, Format};
/// assert_eq!(try_negotiate("").map(|e| e.format), Some(Format::Text));
/// assert_eq!(try_negotiate("text/html, */*;q=0.8").map(|e| e.format), Some(Format::Text));
/// assert_eq!(try_negotiate("application/json"), None);
/// assert_eq!(try_negotiate("text/plain;q=0"), None);
/// ```
pub fn try_negotiate(accept: &str) -> Option<Exposition> {
    if accept.trim().is_empty() {
        return Some(Exposition::default());
    }
    let mut best: Option<(f64, Exposition)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim();
        let mut q = 1.0;
        let (mut version, mut proto, mut encoding, mut escaping) = (None, None, None, None);
        for param in parts {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "q" => {
                    q = value
                        .parse::<f64>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q))
                        .unwrap_or(0.0)
                }
                "version" => version = Some(value),
                "proto" => proto = Some(value),
                "encoding" => encoding = Some(value),
                "escaping" => escaping = Escaping::from_param(value),
                _ => {}
            }
        }
        let format = match media.to_ascii_lowercase().as_str() {
            "application/vnd.google.protobuf"
                if proto == Some("io.prometheus.client.MetricFamily")
                    && encoding == Some("delimited") =>
            {
                Some(Format::Protobuf)
            }
            "application/openmetrics-text" if matches!(version, None | Some("1.0.0" | "0.0.1")) => {
                Some(Format::OpenMetrics)
            }
            "text/plain" if matches!(version, None | Some("0.0.4")) => Some(Format::Text),
            "text/plain" if version == Some("1.0.0") => Some(Format::TextV1),
            "*/*" | "text/*" => Some(Format::Text),
            _ => None,
        };
        if let Some(format) = format {
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                let escaping = match format {
                    Format::Text => Escaping::Underscores,
                    _ => escaping.unwrap_or_default(),
                };
                best = Some((q, Exposition::new(format, escaping)));
            }
        }
    }
    best.map(|(_, exposition)| exposition)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn format(accept: &str) -> Format {
        negotiate(accept).format
    }

    /// The `Accept` headers Prometheus sends, by version and settings: the scrape protocols
    /// in their default order (`DefaultScrapeProtocols`, `DefaultProtoFirstScrapeProtocols`
    /// when native histograms are on), weighted from `q=0.{n+1}` down.
    #[test]
    fn what_prometheus_sends() {
        use Escaping::{AllowUtf8, Underscores};
        use Format::{OpenMetrics, Protobuf};
        let cases: [(&str, &str, Format, Escaping); 10] = [
            (
                "2.42, default",
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                 version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                OpenMetrics,
                Underscores,
            ),
            (
                "2.42, native histograms",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                 encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,\
                 application/openmetrics-text;version=0.0.1;q=0.75,\
                 text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                Protobuf,
                Underscores,
            ),
            (
                "2.49-2.55, default",
                "application/openmetrics-text;version=1.0.0;q=0.5,\
                 application/openmetrics-text;version=0.0.1;q=0.4,\
                 text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
                OpenMetrics,
                Underscores,
            ),
            (
                "2.49-2.55, native histograms",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                 encoding=delimited;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4,\
                 application/openmetrics-text;version=0.0.1;q=0.3,\
                 text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
                Protobuf,
                Underscores,
            ),
            (
                "3.0, UTF-8 validation (every range says allow-utf-8)",
                "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
                 application/openmetrics-text;version=0.0.1;escaping=allow-utf-8;q=0.5,\
                 text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
                 text/plain;version=0.0.4;escaping=allow-utf-8;q=0.3,*/*;q=0.2",
                OpenMetrics,
                AllowUtf8,
            ),
            (
                "3.0, UTF-8 validation, native histograms",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                 encoding=delimited;escaping=allow-utf-8;q=0.6,\
                 application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,\
                 application/openmetrics-text;version=0.0.1;escaping=allow-utf-8;q=0.4,\
                 text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,\
                 text/plain;version=0.0.4;escaping=allow-utf-8;q=0.2,*/*;q=0.1",
                Protobuf,
                AllowUtf8,
            ),
            (
                "3.0, legacy validation",
                "application/openmetrics-text;version=1.0.0;q=0.6,\
                 application/openmetrics-text;version=0.0.1;q=0.5,\
                 text/plain;version=1.0.0;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
                OpenMetrics,
                Underscores,
            ),
            (
                "3.x, UTF-8 validation (escaping on the 1.0.0 text formats)",
                "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
                 application/openmetrics-text;version=0.0.1;q=0.5,\
                 text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
                 text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
                OpenMetrics,
                AllowUtf8,
            ),
            (
                "3.x, legacy validation",
                "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,\
                 application/openmetrics-text;version=0.0.1;q=0.5,\
                 text/plain;version=1.0.0;escaping=underscores;q=0.4,\
                 text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
                OpenMetrics,
                Underscores,
            ),
            (
                "3.x, native histograms (protobuf carries no escaping there)",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                 encoding=delimited;q=0.6,\
                 application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,\
                 application/openmetrics-text;version=0.0.1;q=0.4,\
                 text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,\
                 text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
                Protobuf,
                Underscores,
            ),
        ];
        for (who, accept, format, escaping) in cases {
            assert_eq!(
                negotiate(accept),
                Exposition::new(format, escaping),
                "{who}"
            );
        }
    }

    #[test]
    fn escaping_goes_with_the_range_chosen() {
        let text1 = negotiate("text/plain;version=1.0.0;escaping=dots");
        assert_eq!(text1, Exposition::new(Format::TextV1, Escaping::Dots));
        assert_eq!(
            text1.content_type(),
            "text/plain; version=1.0.0; charset=utf-8; escaping=dots"
        );
        // Text 1.0.0 without a scheme: the default, said in the answer.
        assert_eq!(
            negotiate("text/plain;version=1.0.0").content_type(),
            "text/plain; version=1.0.0; charset=utf-8; escaping=underscores"
        );
        // 0.0.4 cannot say a scheme: it gets the default.
        assert_eq!(
            negotiate("text/plain;version=0.0.4;escaping=allow-utf-8"),
            Exposition::default()
        );
        // A scheme that is none, and one on a range not chosen.
        assert_eq!(
            negotiate("application/openmetrics-text;escaping=utf8").escaping,
            Escaping::Underscores
        );
        assert_eq!(
            negotiate(
                "text/plain;version=1.0.0;escaping=values;q=0.1,application/openmetrics-text"
            ),
            Exposition::new(Format::OpenMetrics, Escaping::Underscores)
        );
        // The specification's spelling.
        assert_eq!(
            negotiate("application/openmetrics-text;version=1.0.0;escaping=allow-utf8").escaping,
            Escaping::AllowUtf8
        );
    }

    #[test]
    fn q_values_versions_and_fallbacks() {
        assert_eq!(format(""), Format::Text);
        assert_eq!(format("*/*"), Format::Text);
        assert_eq!(format("application/openmetrics-text"), Format::OpenMetrics);
        assert_eq!(
            format("text/plain;q=0.2, application/openmetrics-text;q=0.9"),
            Format::OpenMetrics
        );
        assert_eq!(
            format("application/openmetrics-text;q=0, text/plain;q=0.1"),
            Format::Text
        );
        assert_eq!(
            format("application/openmetrics-text;version=2.0.0"),
            Format::Text
        );
        assert_eq!(
            format("application/vnd.google.protobuf;proto=other;encoding=delimited"),
            Format::Text
        );
        assert_eq!(format("application/vnd.google.protobuf"), Format::Text);
        assert_eq!(
            format("APPLICATION/OpenMetrics-Text; Version=\"1.0.0\""),
            Format::OpenMetrics
        );
        assert_eq!(
            format("text/plain;q=0.5,application/openmetrics-text;q=0.5"),
            Format::Text,
            "tie: first"
        );
        assert_eq!(format("application/openmetrics-text;q=abc"), Format::Text);
        assert_eq!(format(";;;,,,=;q=="), Format::Text);
    }

    #[test]
    fn nothing_acceptable_is_none() {
        assert_eq!(try_negotiate("  "), Some(Exposition::default()));
        assert_eq!(try_negotiate("application/json, text/html"), None);
        assert_eq!(
            try_negotiate("application/openmetrics-text;version=9"),
            None
        );
        assert_eq!(try_negotiate(";;;,,,=;q=="), None);
        assert_eq!(
            try_negotiate("application/json, text/plain;q=0.1").map(|e| e.format),
            Some(Format::Text)
        );
    }

    proptest! {
        #[test]
        fn never_panics(accept in ".*") {
            let _ = negotiate(&accept);
        }
    }
}
