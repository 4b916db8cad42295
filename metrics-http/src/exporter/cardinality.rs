//! The cardinality page (`/-/cardinality`): the registry's
//! [`CardinalityReport`](metrics_core::CardinalityReport) as JSON, or as an HTML table for a
//! browser, behind the same credentials as the metrics, and bounded in size: the 100
//! families with the most series, 10 values per label, each value cut to 120 characters.
//!
//! The JSON:
//!
//! ```text
//! { "families": [ { "name": "http_requests_total", "type": "counter",
//!                   "series": 950, "limit": 1000, "fill": 0.95, "near_limit": true,
//!                   "refused": 0, "overflow_series": false, "dense_cardinality": null,
//!                   "labels": [ { "name": "path", "distinct": 940,
//!                                 "top": [ { "value": "/", "series": 5 } ] } ] } ],
//!   "truncated": false }
//! ```

use std::fmt::Write;

use metrics_core::{CardinalityReport, FamilyCardinality};

use crate::exporter::endpoint::{Answer, MetricsEndpoint, ScrapeRequest};

/// Where the exporter (unless told otherwise) and `MetricsEndpoint::router` (feature `axum`)
/// serve the cardinality page.
pub const CARDINALITY_PATH: &str = "/-/cardinality";
/// Characters of a label value shown.
const MAX_VALUE_CHARS: usize = 120;

impl MetricsEndpoint {
    /// The cardinality report for `request`: 401 without the credentials, HTML when the
    /// client asks for `text/html` (a browser), else JSON.
    pub(crate) fn cardinality_answer(&self, request: &ScrapeRequest<'_>) -> Answer {
        if let Some(refused) = self.refuse_credentials(request) {
            return refused;
        }
        let (values, families) = self.cardinality_bounds();
        let report = self.registry().cardinality(values);
        let (content_type, body) = if request.accept.contains("text/html") {
            ("text/html; charset=utf-8", html(&report, families))
        } else {
            ("application/json", json(&report, families))
        };
        let mut answer = Answer::text(200, "");
        answer.content_type = content_type;
        answer.body = body.into_bytes();
        answer
    }
}

/// The `max` families with the most series, and whether there were more.
fn shown(report: &CardinalityReport, max: usize) -> (&[FamilyCardinality], bool) {
    let families = &report.families;
    let n = families.len().min(max);
    (&families[..n], families.len() > n)
}

fn cut(value: &str) -> &str {
    match value.char_indices().nth(MAX_VALUE_CHARS) {
        Some((at, _)) => &value[..at],
        None => value,
    }
}

/// The report as JSON (the shape in the module docs), `max` families at most.
pub(crate) fn json(report: &CardinalityReport, max: usize) -> String {
    let (families, truncated) = shown(report, max);
    let mut out = String::from("{\"families\":[");
    for (i, f) in families.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        json_string(&mut out, &f.name);
        let _ = write!(
            out,
            ",\"type\":\"{}\",\"series\":{},\"limit\":{},\"fill\":{},\"near_limit\":{},\
             \"refused\":{},\"overflow_series\":{},\"dense_cardinality\":{},\"labels\":[",
            f.kind.as_str(),
            f.series,
            f.limit,
            f.fill(),
            f.near_limit(),
            f.refused,
            f.overflow_series,
            f.dense_cardinality
                .map_or_else(|| "null".to_owned(), |n| n.to_string()),
        );
        for (j, label) in f.labels.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            json_string(&mut out, &label.name);
            let _ = write!(out, ",\"distinct\":{},\"top\":[", label.distinct);
            for (k, (value, series)) in label.top.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                out.push_str("{\"value\":");
                json_string(&mut out, cut(value));
                let _ = write!(out, ",\"series\":{series}}}");
            }
            out.push_str("]}");
        }
        out.push_str("]}");
    }
    let _ = write!(out, "],\"truncated\":{truncated}}}");
    out
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The report as an HTML page: one row per family, its labels and top values beside it;
/// `max` families at most.
pub(crate) fn html(report: &CardinalityReport, max: usize) -> String {
    let (families, truncated) = shown(report, max);
    let mut out = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Cardinality</title>\
         <style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\
         .near{background:#fdd}</style></head><body><h1>Series per family</h1>\
         <table><tr><th>family</th><th>type</th><th>series</th><th>limit</th><th>refused</th>\
         <th>labels: distinct values, top values (series)</th></tr>",
    );
    for f in families {
        let class = if f.near_limit() {
            " class=\"near\""
        } else {
            ""
        };
        let _ = write!(out, "<tr{class}><td>");
        html_text(&mut out, &f.name);
        let _ = write!(
            out,
            "</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>",
            f.kind.as_str(),
            f.series,
            f.limit,
            f.refused
        );
        for label in &f.labels {
            out.push_str("<b>");
            html_text(&mut out, &label.name);
            let _ = write!(out, "</b>: {} distinct; ", label.distinct);
            for (k, (value, series)) in label.top.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                out.push_str("<code>");
                html_text(&mut out, cut(value));
                let _ = write!(out, "</code> ({series})");
            }
            out.push_str("<br>");
        }
        out.push_str("</td></tr>");
    }
    out.push_str("</table>");
    if truncated {
        let _ = write!(out, "<p>Only the {max} largest families are shown.</p>");
    }
    out.push_str("</body></html>\n");
    out
}

fn html_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}
