//! A parser for the text format, line by line: what [`lint_exposition`](crate::lint_exposition)
//! reads, and what the tests use to read our own output back.

use crate::model::Sample;

/// One line of a text exposition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Line<'a> {
    /// `# HELP name text`, the text unescaped.
    Help { name: &'a str, text: String },
    /// `# TYPE name kind`.
    Type { name: &'a str, kind: &'a str },
    /// A sample.
    Sample(Sample),
    /// An empty line.
    Blank,
    /// Any other `#` line.
    Comment,
}

/// Where and why a line does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError(pub(crate) &'static str);

pub(crate) fn parse_line(line: &str) -> Result<Line<'_>, ParseError> {
    let trimmed = line.trim_start_matches([' ', '\t']);
    if trimmed.trim().is_empty() {
        return Ok(Line::Blank);
    }
    if let Some(comment) = trimmed.strip_prefix('#') {
        let comment = comment.trim_start_matches([' ', '\t']);
        let mut words = comment.splitn(3, [' ', '\t']);
        return Ok(match (words.next(), words.next(), words.next()) {
            (Some("HELP"), Some(name), text) => Line::Help {
                name,
                text: unescape(text.unwrap_or(""), false)?,
            },
            (Some("TYPE"), Some(name), Some(kind)) => Line::Type {
                name,
                kind: kind.trim(),
            },
            (Some("TYPE"), _, None) => return Err(ParseError("TYPE without a type")),
            _ => Line::Comment,
        });
    }
    parse_sample(trimmed).map(Line::Sample)
}

fn parse_sample(line: &str) -> Result<Sample, ParseError> {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if crate::naming::valid::metric_name(name).is_err() {
        return Err(ParseError("invalid metric name"));
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        rest = inner;
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = rest.find('=').ok_or(ParseError("label without `=`"))?;
            let label = rest[..eq].trim();
            if crate::naming::valid::label_name(label).is_err() && !label.starts_with("__") {
                return Err(ParseError("invalid label name"));
            }
            rest = rest[eq + 1..].trim_start();
            rest = rest
                .strip_prefix('"')
                .ok_or(ParseError("label value without quotes"))?;
            let end = closing_quote(rest).ok_or(ParseError("unterminated label value"))?;
            labels.push((label.to_owned(), unescape(&rest[..end], true)?));
            rest = rest[end + 1..].trim_start();
            if let Some(after) = rest.strip_prefix(',') {
                rest = after;
            } else if !rest.starts_with('}') {
                return Err(ParseError("expected `,` or `}` after a label"));
            }
        }
    }
    let mut fields = rest.split_ascii_whitespace();
    let value = fields.next().ok_or(ParseError("sample without a value"))?;
    let value = parse_value(value).ok_or(ParseError("invalid sample value"))?;
    if let Some(timestamp) = fields.next() {
        timestamp
            .parse::<i64>()
            .map_err(|_| ParseError("invalid timestamp"))?;
    }
    if fields.next().is_some() {
        return Err(ParseError("text after the timestamp"));
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate() {
        match (escaped, b) {
            (true, _) => escaped = false,
            (false, b'\\') => escaped = true,
            (false, b'"') => return Some(i),
            _ => {}
        }
    }
    None
}

/// A label value (`quotes`) or HELP text as the text format escapes it, back as it was.
pub(crate) fn unescape(s: &str, quotes: bool) -> Result<String, ParseError> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if quotes => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => return Err(ParseError("trailing backslash")),
        }
    }
    Ok(out)
}

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" | "+inf" | "inf" => Some(f64::INFINITY),
        "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
        "NaN" | "nan" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

/// Every sample of a text exposition, or the first error with its 1-based line.
#[cfg(all(test, not(loom)))]
pub(crate) fn samples(text: &str) -> Result<Vec<Sample>, (usize, ParseError)> {
    let mut samples = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Line::Sample(s) = parse_line(line).map_err(|e| (i + 1, e))? {
            samples.push(s);
        }
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(
            parse_line(r#"# HELP a Some \\ help\nmore"#).unwrap(),
            Line::Help {
                name: "a",
                text: "Some \\ help\nmore".into()
            }
        );
        assert_eq!(
            parse_line("# TYPE a counter").unwrap(),
            Line::Type {
                name: "a",
                kind: "counter"
            }
        );
        let Line::Sample(s) = parse_line(r#"a_total{x="1\"2",y="\\n"} 3.5 1000"#).unwrap() else {
            panic!("not a sample")
        };
        assert_eq!(s.name, "a_total");
        assert_eq!(
            s.labels,
            vec![("x".into(), "1\"2".into()), ("y".into(), "\\n".into())]
        );
        assert_eq!(s.value, 3.5);
        assert!(parse_line("a{x=\"1\" 3").is_err());
        assert!(parse_line("a{x=1} 3").is_err());
        assert!(parse_line("a").is_err());
        assert!(parse_line("a 1 2 3").is_err());
        assert!(parse_line("9a 1").is_err());
        assert_eq!(parse_line("").unwrap(), Line::Blank);
    }
}
