//! The bounds of a histogram's classic buckets, with their `le` texts made once.

use std::fmt;
use std::sync::Arc;

use crate::runtime::float::write_f64;

/// The upper bounds of a histogram's classic buckets (finite, increasing; `+Inf` is implied),
/// with the text of each as an `le` label value, made once. Cheap to clone.
#[derive(Clone)]
pub struct BucketBounds {
    inner: Arc<Inner>,
}

struct Inner {
    bounds: Box<[f64]>,
    /// Each bound as the text of an `le` label value, `+Inf` last.
    le: Box<[Box<str>]>,
    /// The same in OpenMetrics' canonical form (`1.0`, not `1`).
    le_canonical: Box<[Box<str>]>,
}

impl BucketBounds {
    /// Bounds the caller checked: finite and strictly increasing.
    pub(crate) fn new(bounds: Vec<f64>) -> BucketBounds {
        let mut le: Vec<Box<str>> = bounds
            .iter()
            .map(|&b| {
                let mut text = Vec::new();
                write_f64(&mut text, b);
                String::from_utf8(text).unwrap_or_default().into_boxed_str()
            })
            .collect();
        le.push("+Inf".into());
        let le_canonical = le
            .iter()
            .map(|text| {
                let integral = text.bytes().all(|b| b.is_ascii_digit() || b == b'-');
                if integral {
                    format!("{text}.0").into()
                } else {
                    text.clone()
                }
            })
            .collect();
        BucketBounds {
            inner: Arc::new(Inner {
                bounds: bounds.into(),
                le: le.into(),
                le_canonical,
            }),
        }
    }

    /// The finite upper bounds, increasing.
    pub fn bounds(&self) -> &[f64] {
        &self.inner.bounds
    }

    /// The upper bound of bucket `i`: `+Inf` for the last.
    pub fn upper_bound(&self, i: usize) -> f64 {
        self.inner.bounds.get(i).copied().unwrap_or(f64::INFINITY)
    }

    /// The `le` label value of bucket `i` (`+Inf` for the last, and past it).
    pub fn le(&self, i: usize) -> &str {
        self.inner.le.get(i).map_or("+Inf", |t| t)
    }

    /// The `le` label value of bucket `i` in OpenMetrics' canonical form.
    pub fn le_canonical(&self, i: usize) -> &str {
        self.inner.le_canonical.get(i).map_or("+Inf", |t| t)
    }
}

impl PartialEq for BucketBounds {
    fn eq(&self, other: &BucketBounds) -> bool {
        self.inner.bounds == other.inner.bounds
    }
}

impl fmt::Debug for BucketBounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.bounds()).finish()
    }
}
