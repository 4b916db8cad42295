//! A parser for the text format, line by line: what [`lint_exposition`](crate::lint_exposition)
//! reads, and what the tests use to read our own output back. It reads the quoted syntax of
//! text 1.0.0 and OpenMetrics with UTF-8 names too: `# TYPE "a.b" gauge`,
//! `{"a.b","c.d"="x"} 1`.

use std::borrow::Cow;

use crate::model::Sample;

/// One line of a text exposition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Line<'a> {
    /// `# HELP name text`, the text unescaped.
    Help { name: Cow<'a, str>, text: String },
    /// `# TYPE name kind`.
    Type { name: Cow<'a, str>, kind: &'a str },
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
        let (keyword, rest) = comment.split_once([' ', '\t']).unwrap_or((comment, ""));
        if !matches!(keyword, "HELP" | "TYPE") {
            return Ok(Line::Comment);
        }
        let rest = rest.trim_start_matches([' ', '\t']);
        let (name, after) = if rest.starts_with('"') {
            let (name, after) = quoted(rest)?;
            (name, after)
        } else {
            let end = rest.find([' ', '\t']).unwrap_or(rest.len());
            (Cow::Borrowed(&rest[..end]), &rest[end..])
        };
        if name.is_empty() {
            return Ok(Line::Comment);
        }
        let after = after.strip_prefix([' ', '\t']).unwrap_or(after);
        return Ok(match keyword {
            "HELP" => Line::Help {
                name,
                text: unescape(after, false)?,
            },
            _ if after.trim().is_empty() => return Err(ParseError("TYPE without a type")),
            _ => Line::Type {
                name,
                kind: after.trim(),
            },
        });
    }
    parse_sample(trimmed).map(Line::Sample)
}

/// A quoted name at the start of `s`, unescaped, and what follows its closing quote.
fn quoted(s: &str) -> Result<(Cow<'_, str>, &str), ParseError> {
    let inner = &s[1..];
    let end = closing_quote(inner).ok_or(ParseError("unterminated quoted name"))?;
    let name = unescape(&inner[..end], true)?;
    if name.is_empty() {
        return Err(ParseError("empty quoted name"));
    }
    Ok((Cow::Owned(name), &inner[end + 1..]))
}

fn parse_sample(line: &str) -> Result<Sample, ParseError> {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = Cow::Borrowed(&line[..name_end]);
    let rest = &line[name_end..];
    if name.is_empty() {
        // `{"a.b",...}`: the name is the first thing in the braces, quoted, with no `=`.
        let inner = rest
            .strip_prefix('{')
            .ok_or(ParseError("invalid metric name"))?
            .trim_start();
        if !inner.starts_with('"') {
            return Err(ParseError("invalid metric name"));
        }
        let (quoted_name, after) = quoted(inner)?;
        let after = after.trim_start();
        if after.starts_with('=') {
            return Err(ParseError("a label before the metric name"));
        }
        let rest = match after.strip_prefix(',') {
            Some(labels) => labels,
            None if after.starts_with('}') => after,
            None => return Err(ParseError("expected `,` or `}` after the metric name")),
        };
        return labels_and_value(quoted_name, rest, true);
    } else if crate::naming::valid::metric_name(&name).is_err() {
        return Err(ParseError("invalid metric name"));
    }
    match rest.strip_prefix('{') {
        Some(inner) => labels_and_value(name, inner, true),
        None => labels_and_value(name, rest, false),
    }
}

/// The labels after a `{` (`braced`), then the value and timestamp.
fn labels_and_value(
    name: Cow<'_, str>,
    mut rest: &str,
    braced: bool,
) -> Result<Sample, ParseError> {
    let mut labels = Vec::new();
    if braced {
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let label = if rest.starts_with('"') {
                let (label, after) = quoted(rest)?;
                rest = after.trim_start();
                label
            } else {
                let eq = rest.find('=').ok_or(ParseError("label without `=`"))?;
                let label = rest[..eq].trim();
                if crate::naming::valid::label_name(label).is_err() && !label.starts_with("__") {
                    return Err(ParseError("invalid label name"));
                }
                rest = &rest[eq..];
                Cow::Borrowed(label)
            };
            rest = rest
                .strip_prefix('=')
                .ok_or(ParseError("label without `=`"))?
                .trim_start();
            rest = rest
                .strip_prefix('"')
                .ok_or(ParseError("label value without quotes"))?;
            let end = closing_quote(rest).ok_or(ParseError("unterminated label value"))?;
            labels.push((label.into_owned(), unescape(&rest[..end], true)?));
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
        name: name.into_owned(),
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
                name: "a".into(),
                text: "Some \\ help\nmore".into()
            }
        );
        assert_eq!(
            parse_line("# TYPE a counter").unwrap(),
            Line::Type {
                name: "a".into(),
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

    #[test]
    fn quoted_names() {
        assert_eq!(
            parse_line(r#"# TYPE "http.server duration" histogram"#).unwrap(),
            Line::Type {
                name: "http.server duration".into(),
                kind: "histogram"
            }
        );
        assert_eq!(
            parse_line(r#"# HELP "a\"b" Help \\ text"#).unwrap(),
            Line::Help {
                name: "a\"b".into(),
                text: "Help \\ text".into()
            }
        );
        let Line::Sample(s) = parse_line(r#"{"a.b","c.d"="x",e="y"} 2"#).unwrap() else {
            panic!("not a sample")
        };
        assert_eq!(s.name, "a.b");
        assert_eq!(
            s.labels,
            vec![("c.d".into(), "x".into()), ("e".into(), "y".into())]
        );
        let Line::Sample(s) = parse_line(r#"{"a.b"} 3"#).unwrap() else {
            panic!("not a sample")
        };
        assert_eq!((s.name.as_str(), s.labels.len(), s.value), ("a.b", 0, 3.0));
        let Line::Sample(s) = parse_line(r#"a{"c.d"="x"} 4"#).unwrap() else {
            panic!("not a sample")
        };
        assert_eq!(s.labels, vec![("c.d".into(), "x".into())]);
        assert!(parse_line(r#"{"a.b"="x"} 1"#).is_err());
        assert!(parse_line(r#"{"a.b" 1"#).is_err());
        assert!(parse_line(r#"{"" } 1"#).is_err());
        assert!(parse_line(r#"{a="x"} 1"#).is_err());
    }
}
