//! The derives' accepted and rejected forms, compiled by trybuild. Each rejected form breaks
//! one rule; its `.stderr` shows the error at the offending field, naming the rule.

#[test]
fn derives() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
