//! Exemplars: a sample's link to a trace (`trace_id`), kept beside a counter or a histogram
//! bucket and exported in OpenMetrics and protobuf. The data is the model's
//! ([`Exemplar`]); this checks what a caller gives.

use crate::error::ExemplarError;
use crate::label::push_pair;
use crate::model::Exemplar;
use crate::naming::Problem;
use crate::runtime::clock::now_seconds;

/// The most characters the label names and values of one exemplar may hold (OpenMetrics).
pub const MAX_EXEMPLAR_CHARS: usize = 128;

impl Exemplar {
    /// Checks the labels and stamps the exemplar with the current time.
    pub(crate) fn new(labels: &[(&str, &str)], value: f64) -> Result<Exemplar, ExemplarError> {
        let mut chars = 0;
        let mut block = String::new();
        for (i, (name, label_value)) in labels.iter().enumerate() {
            if let Err(rule) = crate::naming::valid::label_name(name) {
                return Err(ExemplarError::Name(Problem::label("exemplar", name, rule)));
            }
            if labels[..i].iter().any(|(earlier, _)| earlier == name) {
                let rule = crate::naming::Rule::DuplicateLabel;
                return Err(ExemplarError::Name(Problem::label("exemplar", name, rule)));
            }
            chars += name.chars().count() + label_value.chars().count();
            push_pair(&mut block, name, label_value);
        }
        if chars > MAX_EXEMPLAR_CHARS {
            return Err(ExemplarError::TooLong { chars });
        }
        Ok(Exemplar {
            labels: block.into_boxed_str(),
            value,
            timestamp: now_seconds(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_checked_and_bounded() {
        let e = Exemplar::new(&[("trace_id", "abc\"1")], 2.5).unwrap();
        assert_eq!(e.label_block(), r#"trace_id="abc\"1""#);
        assert_eq!(e.value(), 2.5);
        assert!(e.timestamp() > 1.6e9);
        let exactly = "x".repeat(MAX_EXEMPLAR_CHARS - "trace_id".len());
        assert!(Exemplar::new(&[("trace_id", &exactly)], 1.0).is_ok());
        let over = format!("{exactly}é");
        assert_eq!(
            Exemplar::new(&[("trace_id", &over)], 1.0),
            Err(ExemplarError::TooLong {
                chars: MAX_EXEMPLAR_CHARS + 1
            })
        );
        assert!(matches!(
            Exemplar::new(&[("bad-name", "x")], 1.0),
            Err(ExemplarError::Name(_))
        ));
        assert!(matches!(
            Exemplar::new(&[("a", "1"), ("a", "2")], 1.0),
            Err(ExemplarError::Name(_))
        ));
    }
}
