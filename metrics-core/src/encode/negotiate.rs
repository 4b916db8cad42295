//! Choosing the format from a scraper's `Accept` header.

use crate::encode::Format;

/// The format to answer a request with, from its `Accept` header.
///
/// Follows HTTP content negotiation as Prometheus uses it: the acceptable media range with
/// the highest `q` wins, the earlier one on a tie. Recognised ranges:
/// `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited`,
/// `application/openmetrics-text` (versions 1.0.0 and 0.0.1), `text/plain` (0.0.4, and 1.0.0
/// as Prometheus 3 asks for it; our names need no escaping), and `*/*`. Anything else,
/// including an empty or garbled header, gets the text format 0.0.4.
///
/// ```
/// use metrics_core::{negotiate, Format};
/// // Prometheus 2.x, default settings.
/// let accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
///               version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// assert_eq!(negotiate(accept), Format::OpenMetrics);
/// assert_eq!(negotiate("text/plain"), Format::Text);
/// assert_eq!(negotiate("application/json"), Format::Text);
/// ```
pub fn negotiate(accept: &str) -> Format {
    try_negotiate(accept).unwrap_or(Format::Text)
}

/// The format to answer a request with, or `None` when the `Accept` header names only media
/// ranges we cannot produce: an HTTP server answers that with 406 Not Acceptable.
///
/// The ranges recognised and the choice among them are those of [`negotiate`]; an empty
/// header states no preference and gets the text format.
///
/// ```
/// use metrics_core::{try_negotiate, Format};
/// assert_eq!(try_negotiate(""), Some(Format::Text));
/// assert_eq!(try_negotiate("text/html, */*;q=0.8"), Some(Format::Text));
/// assert_eq!(try_negotiate("application/json"), None);
/// assert_eq!(try_negotiate("text/plain;q=0"), None);
/// ```
pub fn try_negotiate(accept: &str) -> Option<Format> {
    if accept.trim().is_empty() {
        return Some(Format::Text);
    }
    let mut best: Option<(f64, Format)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim();
        let mut q = 1.0;
        let (mut version, mut proto, mut encoding) = (None, None, None);
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
            "text/plain" if matches!(version, None | Some("0.0.4" | "1.0.0")) => Some(Format::Text),
            "*/*" | "text/*" => Some(Format::Text),
            _ => None,
        };
        if let Some(format) = format {
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, format));
            }
        }
    }
    best.map(|(_, format)| format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn what_prometheus_sends() {
        let v2 = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                  version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        let v2_native = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                         encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,\
                         application/openmetrics-text;version=0.0.1;q=0.75,\
                         text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        let v3 = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,\
                  application/openmetrics-text;version=0.0.1;q=0.4,\
                  text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,\
                  text/plain;version=0.0.4;q=0.2,*/*;q=0.1";
        let v3_proto_first =
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                              encoding=delimited;q=0.5,application/openmetrics-text;version=1.0.0;\
                              escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.1";
        assert_eq!(negotiate(v2), Format::OpenMetrics);
        assert_eq!(negotiate(v2_native), Format::Protobuf);
        assert_eq!(negotiate(v3), Format::OpenMetrics);
        assert_eq!(negotiate(v3_proto_first), Format::Protobuf);
    }

    #[test]
    fn q_values_versions_and_fallbacks() {
        assert_eq!(negotiate(""), Format::Text);
        assert_eq!(negotiate("*/*"), Format::Text);
        assert_eq!(
            negotiate("application/openmetrics-text"),
            Format::OpenMetrics
        );
        assert_eq!(
            negotiate("text/plain;q=0.2, application/openmetrics-text;q=0.9"),
            Format::OpenMetrics
        );
        assert_eq!(
            negotiate("application/openmetrics-text;q=0, text/plain;q=0.1"),
            Format::Text
        );
        assert_eq!(
            negotiate("application/openmetrics-text;version=2.0.0"),
            Format::Text
        );
        assert_eq!(
            negotiate("application/vnd.google.protobuf;proto=other;encoding=delimited"),
            Format::Text
        );
        assert_eq!(negotiate("application/vnd.google.protobuf"), Format::Text);
        assert_eq!(
            negotiate("APPLICATION/OpenMetrics-Text; Version=\"1.0.0\""),
            Format::OpenMetrics
        );
        assert_eq!(
            negotiate("text/plain;q=0.5,application/openmetrics-text;q=0.5"),
            Format::Text,
            "tie: first"
        );
        assert_eq!(
            negotiate("application/openmetrics-text;q=abc"),
            Format::Text
        );
        assert_eq!(negotiate(";;;,,,=;q=="), Format::Text);
    }

    #[test]
    fn nothing_acceptable_is_none() {
        assert_eq!(try_negotiate("  "), Some(Format::Text));
        assert_eq!(try_negotiate("application/json, text/html"), None);
        assert_eq!(
            try_negotiate("application/openmetrics-text;version=9"),
            None
        );
        assert_eq!(try_negotiate(";;;,,,=;q=="), None);
        assert_eq!(
            try_negotiate("application/json, text/plain;q=0.1"),
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
