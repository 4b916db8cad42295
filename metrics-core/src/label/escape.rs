//! Label values as the text formats write them: escaped, each stored value closed by a
//! quote, and label blocks (`name="value",...`) built from them.

use crate::label::words::{quote_bytes, word_at};
use crate::naming::escape::is_legacy_label_name;

/// Appends `value` escaped for a label value: `\` `"` and newline get a backslash.
pub(crate) fn escape_label_value(out: &mut String, value: &str) {
    let mut start = 0;
    for (i, b) in value.bytes().enumerate() {
        let escaped = match b {
            b'\\' => "\\\\",
            b'"' => "\\\"",
            b'\n' => "\\n",
            _ => continue,
        };
        out.push_str(&value[start..i]);
        out.push_str(escaped);
        start = i + 1;
    }
    out.push_str(&value[start..]);
}

/// Appends `name` between double quotes, escaped as a label value is: how the text formats
/// carry a name the legacy rules do not allow.
pub(crate) fn push_quoted(out: &mut String, name: &str) {
    out.push('"');
    escape_label_value(out, name);
    out.push('"');
}

/// Appends a label name as a label block holds it: bare when the legacy rules allow it,
/// quoted otherwise (`"http.route"`), which is how `escaping=allow-utf-8` writes it; the
/// encoders rewrite quoted names for the other schemes.
pub(crate) fn push_label_name(out: &mut String, name: &str) {
    if is_legacy_label_name(name) {
        out.push_str(name);
    } else {
        push_quoted(out, name);
    }
}

/// Appends `name="value"` to a label block, with a `,` if the block is not empty.
pub(crate) fn push_pair(block: &mut String, name: &str, value: &str) {
    if !block.is_empty() {
        block.push(',');
    }
    push_label_name(block, name);
    block.push_str("=\"");
    push_value(block, value);
}

/// Appends `value` as a family stores it among a series' values: escaped as in a label block,
/// then closed by a `"` (which an escaped value never holds bare). The names and the `name="`
/// around each value are the same for every series of a family, so they are written when
/// encoding ([`push_pairs`]) rather than kept with each series.
pub(crate) fn push_value(values: &mut String, value: &str) {
    escape_label_value(values, value);
    values.push('"');
}

/// The text that opens each label's value in a block: `name="`, with a `,` before all but
/// the first. Made once per family and encoding, for [`push_pairs`].
pub(crate) fn pair_openings(names: &[Box<str>]) -> Vec<String> {
    let mut openings = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let mut opening = String::from(if i > 0 { "," } else { "" });
        push_label_name(&mut opening, name);
        opening.push_str("=\"");
        openings.push(opening);
    }
    openings
}

/// Appends the label block `name="value",...` of stored `values` (see [`push_value`]),
/// opening each value with the family's [`pair_openings`], as the encoders take it. `plain`:
/// no stored value was escaped.
pub(crate) fn push_pairs(block: &mut String, openings: &[String], values: &str, plain: bool) {
    let mut rest = values;
    for opening in openings {
        let Some(end) = closing_quote(rest.as_bytes(), plain) else {
            return;
        };
        block.push_str(opening);
        // The value and its closing quote.
        block.push_str(&rest[..=end]);
        rest = &rest[end + 1..];
    }
}

/// The stored values of a block (see [`push_value`]), each still escaped, without its
/// closing quote.
pub(crate) fn stored_values(values: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = values;
    while let Some(end) = closing_quote(rest.as_bytes(), false) {
        out.push(&rest[..end]);
        rest = &rest[end + 1..];
    }
    out
}

/// A label value escaped for a block (as this crate escapes it, so always validly), back
/// as it was given: the exposition parser's unescaping.
pub(crate) fn unescape(escaped: &str) -> String {
    crate::naming::parse::unescape(escaped, true).unwrap_or_else(|_| escaped.to_owned())
}

/// Where the quote that closes the first stored value is.
pub(super) fn closing_quote(values: &[u8], plain: bool) -> Option<usize> {
    if plain {
        return first_quote(values);
    }
    let mut i = 0;
    while i < values.len() {
        match values[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The first `"` in `s`, a word at a time: encoding looks for one per label of every series.
#[inline]
pub(super) fn first_quote(s: &[u8]) -> Option<usize> {
    let n = s.len();
    if n < 8 {
        return s.iter().position(|&b| b == b'"');
    }
    let mut at = 0;
    loop {
        // The last word overlaps the one before, whose bytes held no quote.
        let start = at.min(n - 8);
        let quotes = quote_bytes(word_at(s, start));
        if quotes != 0 {
            return Some(start + (quotes.trailing_zeros() / 8) as usize);
        }
        if start == n - 8 {
            return None;
        }
        at += 8;
    }
}
