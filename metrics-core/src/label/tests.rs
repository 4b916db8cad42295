use super::escape::first_quote;
use super::matching::{unquoted_eq, ValuesMatcher};
use super::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Color {
    Red,
    Green,
    Blue,
}

impl LabelValue for Color {
    const CARDINALITY: Option<usize> = Some(3);
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(["red", "green", "blue"][*self as usize])
    }
    fn index(&self) -> usize {
        *self as usize
    }
    fn from_index(index: usize) -> Option<Color> {
        [Color::Red, Color::Green, Color::Blue].get(index).copied()
    }
}

#[test]
fn dense_index_round_trips() {
    type Set = (Color, bool, Color);
    assert_eq!(Set::CARDINALITY, Some(18));
    for i in 0..18 {
        let set = Set::from_dense_index(i).unwrap();
        assert_eq!(set.dense_index(), i);
    }
    assert_eq!(Set::from_dense_index(18), None);
    assert_eq!(
        (Color::Blue, true, Color::Green).dense_index(),
        2 * 6 + 3 + 1
    );
    assert_eq!(<(Color, String)>::CARDINALITY, None);
}

#[test]
fn plain_values_match_exactly() {
    let mut stored = String::new();
    push_value(&mut stored, "p");
    push_value(&mut stored, "qqqzz");
    assert_eq!(stored, "p\"qqqzz\"");
    let matches = |values: [&str; 2]| {
        let mut m = ValuesMatcher::new(stored.as_bytes(), true);
        m.value(values[0]);
        m.value(values[1]);
        m.matched()
    };
    assert!(matches(["p", "qqqzz"]));
    // A value holding a quote would run into the next value and realign the rest.
    assert!(!matches(["p\"qq", "zz"]));
    for v in [
        "",
        "q",
        "qqq",
        "qqqz",
        "qqqzzz",
        "qqqzzqqqzz",
        "qqqzzqqqzzqqqzzq",
    ] {
        assert!(!matches(["p", v]), "{v}");
    }
    // Every length class of the word comparison, with a quote or a difference anywhere.
    for n in 0..40 {
        let v: String = (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect();
        assert!(unquoted_eq(v.as_bytes(), v.as_bytes()));
        for at in 0..n {
            let mut w = v.clone().into_bytes();
            w[at] = b'"';
            assert!(!unquoted_eq(&w, &w), "quote at {at} of {n}");
            w[at] = b'#';
            assert!(!unquoted_eq(v.as_bytes(), &w), "difference at {at} of {n}");
        }
    }
}

#[test]
fn the_word_search_finds_the_first_quote() {
    for n in 0..40 {
        let plain: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
        assert_eq!(first_quote(&plain), None, "{n}");
        for at in 0..n {
            let mut s = plain.clone();
            s[at] = b'"';
            assert_eq!(first_quote(&s), Some(at), "{n} {at}");
            // A later quote, and bytes just around the quote's value, change nothing.
            s[n - 1] = b'"';
            if at > 0 {
                s[at - 1] = b'"' - 1;
            }
            assert_eq!(first_quote(&s), Some(at), "{n} {at}");
        }
    }
}

#[test]
fn the_straight_line_matcher_agrees_with_the_general_one() {
    let values = [
        "",
        "a",
        "ab",
        "GET",
        "POST",
        "abcdefg",
        "abcdefgh",
        "/api/v1/users/x",
        "x\"y",
    ];
    for v0 in values {
        for v1 in values {
            let mut stored = String::new();
            push_value(&mut stored, v0);
            push_value(&mut stored, v1);
            if stored.contains('\\') {
                continue;
            }
            for w0 in values {
                for w1 in values {
                    let mut m = ValuesMatcher::new(stored.as_bytes(), false);
                    m.value(w0);
                    m.value(w1);
                    let expected = (v0, v1) == (w0, w1);
                    assert_eq!(m.matched(), expected, "{stored} {w0:?} {w1:?}");
                }
            }
        }
    }
}

#[test]
fn value_hashes_separate_values() {
    let seed = ValueHashSeed::new();
    let hash = |values: &[&str]| {
        let mut h = ValueHasher::new(seed);
        values.iter().for_each(|v| h.value(v));
        h.finish()
    };
    let long = "/api/v1/users/12345/orders/67890";
    let sets: [&[&str]; 9] = [
        &["ab", "c"],
        &["a", "bc"],
        &["abc", ""],
        &["", "abc"],
        &["abc"],
        &[long, "x"],
        &[&long[1..], "x"],
        &["GET", "200"],
        &["GET", "201"],
    ];
    let hashes: Vec<u64> = sets.iter().map(|s| hash(s)).collect();
    for i in 0..hashes.len() {
        assert_eq!(hashes[i], hash(sets[i]), "stable");
        for j in 0..i {
            assert_ne!(hashes[i], hashes[j], "{:?} {:?}", sets[i], sets[j]);
        }
    }
}

#[test]
fn values_escape_match_and_make_blocks() {
    let mut stored = String::new();
    push_value(&mut stored, "a\\b\"c\nd");
    push_value(&mut stored, "200");
    assert_eq!(stored, r#"a\\b\"c\nd"200""#);
    let names = pair_openings(&["path".into(), "code".into()]);
    assert_eq!(names, ["path=\"", ",code=\""]);
    let mut block = String::new();
    push_pairs(&mut block, &names, &stored, false);
    assert_eq!(block, r#"path="a\\b\"c\nd",code="200""#);
    let mut plain = String::new();
    push_value(&mut plain, "/x");
    push_value(&mut plain, "");
    block.clear();
    push_pairs(&mut block, &names, &plain, true);
    assert_eq!(block, r#"path="/x",code="""#);
    let matches = |values: [&str; 2]| {
        let mut m = ValuesMatcher::new(stored.as_bytes(), false);
        m.value(values[0]);
        m.value(values[1]);
        m.matched()
    };
    assert!(matches(["a\\b\"c\nd", "200"]));
    assert!(!matches(["a\\b\"c\nd", "20"]));
    assert!(!matches(["a\\b\"c\nd", "2000"]));
    assert!(!matches(["a\\b\"c", "200"]));
    assert!(!matches(["", ""]));
    let mut m = ValuesMatcher::new(stored.as_bytes(), false);
    m.value("a\\b\"c\nd");
    assert!(!m.matched(), "a value left over is no match");
}
