//! Label blocks as the model keeps them: `name="value",...`, escaped as the text formats
//! write them (a name the legacy rules refuse in double quotes, as `escaping=allow-utf-8`
//! writes it), so that encoders copy them as they are; [`LabelPairs`] reads them back.

use std::borrow::Cow;

/// The label pairs of an escaped label block (`name="value",...`), in order, each name and
/// value unescaped (borrowed unless it was quoted or had escapes).
#[derive(Debug, Clone)]
pub struct LabelPairs<'a> {
    rest: &'a str,
}

impl<'a> LabelPairs<'a> {
    /// The pairs of `block`.
    pub(crate) fn new(block: &'a str) -> LabelPairs<'a> {
        LabelPairs { rest: block }
    }
}

impl<'a> Iterator for LabelPairs<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        let (name, eq) = if let Some(quoted) = self.rest.strip_prefix('"') {
            // A quoted name: unescaped up to its closing quote, then `=`.
            let (name, end) = unescape(quoted);
            (Cow::Owned(name), end + 2)
        } else {
            // Bare label names hold no `=`: the first one ends the name.
            let eq = self.rest.bytes().position(|b| b == b'=')?;
            (Cow::Borrowed(&self.rest[..eq]), eq)
        };
        let Some(value_and_rest) = self.rest.get(eq + 2..) else {
            self.rest = "";
            return None;
        };
        let (value, end) = match value_and_rest.bytes().position(|b| b == b'"' || b == b'\\') {
            // Values without a backslash are kept as they are: borrowed.
            Some(i) if value_and_rest.as_bytes()[i] == b'"' => {
                (Cow::Borrowed(&value_and_rest[..i]), i)
            }
            _ => {
                let (value, end) = unescape(value_and_rest);
                (Cow::Owned(value), end)
            }
        };
        let rest = value_and_rest.get(end + 1..).unwrap_or("");
        self.rest = rest.strip_prefix(',').unwrap_or(rest);
        Some((name, value))
    }
}

/// Unescapes a label value up to its closing quote; returns it and the quote's index.
fn unescape(value_and_rest: &str) -> (String, usize) {
    let mut out = String::new();
    let mut chars = value_and_rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, i),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, other)) => out.push(other),
                None => {}
            },
            c => out.push(c),
        }
    }
    (out, value_and_rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_come_back_unescaped() {
        let pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> =
            LabelPairs::new(r#"path="a\\b\"c\nd",code="200",empty="""#).collect();
        assert_eq!(
            pairs,
            vec![
                ("path".into(), Cow::Owned("a\\b\"c\nd".into())),
                ("code".into(), Cow::Borrowed("200")),
                ("empty".into(), Cow::Borrowed("")),
            ]
        );
        assert!(matches!(pairs[1].1, Cow::Borrowed(_)));
        let pairs: Vec<(String, String)> = LabelPairs::new(r#"a="x\"y",b="1\\2\n",c="""#)
            .map(|(n, v)| (n.to_string(), v.into_owned()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("a".into(), "x\"y".into()),
                ("b".into(), "1\\2\n".into()),
                ("c".into(), String::new())
            ]
        );
        assert_eq!(LabelPairs::new("").count(), 0);
    }

    #[test]
    fn quoted_names_come_back_unquoted() {
        let pairs: Vec<(String, String)> =
            LabelPairs::new(r#""http.route"="/a",code="2","a\"b"="""#)
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect();
        assert_eq!(
            pairs,
            [
                ("http.route".into(), "/a".into()),
                ("code".into(), "2".into()),
                ("a\"b".into(), String::new())
            ]
        );
    }
}
