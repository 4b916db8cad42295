//! The typed errors of this crate. Each says which name, rule, label or value was refused.

use std::fmt;

use crate::model::MetricKind;
use crate::naming::Problem;

/// A value a metric cannot take.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ValueError {
    /// A counter was asked to go down by this amount.
    Negative(f64),
    /// The value was NaN.
    NotANumber,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::Negative(v) => write!(f, "a counter cannot go down (increment {v})"),
            ValueError::NotANumber => f.write_str("the value is NaN"),
        }
    }
}

impl std::error::Error for ValueError {}

/// Why an exemplar was not stored (the increment or observation itself was recorded).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ExemplarError {
    /// The label names and values hold more than
    /// [`MAX_EXEMPLAR_CHARS`](crate::MAX_EXEMPLAR_CHARS) characters.
    TooLong {
        /// Characters in the label names and values.
        chars: usize,
    },
    /// A label name is invalid or repeated.
    Name(Problem),
}

impl fmt::Display for ExemplarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExemplarError::TooLong { chars } => write!(
                f,
                "exemplar labels hold {chars} characters, more than the {} allowed",
                crate::MAX_EXEMPLAR_CHARS
            ),
            ExemplarError::Name(problem) => problem.fmt(f),
        }
    }
}

impl std::error::Error for ExemplarError {}

/// Histogram bucket bounds that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum BucketsError {
    /// The bound at `index` is NaN.
    NotANumber {
        /// Position of the bound.
        index: usize,
    },
    /// The bound at `index` is infinite (only a trailing `+Inf` is accepted, and dropped).
    Infinite {
        /// Position of the bound.
        index: usize,
    },
    /// The bound at `index` equals the one before it.
    Duplicate {
        /// Position of the bound.
        index: usize,
        /// The repeated bound.
        bound: f64,
    },
    /// The bound at `index` is smaller than the one before it.
    NotSorted {
        /// Position of the bound.
        index: usize,
        /// The out-of-order bound.
        bound: f64,
    },
    /// A generated sequence of zero buckets was asked for.
    NoBuckets,
    /// A linear width or exponential factor that does not increase the bounds.
    InvalidStep(f64),
    /// An exponential sequence must start above zero.
    InvalidStart(f64),
    /// A native histogram's bucket factor must be finite and above 1.
    NativeFactor(f64),
    /// A native histogram's schema must be between -4 and 8.
    NativeSchema(i32),
    /// A native histogram's zero threshold must be finite and not negative.
    ZeroThreshold(f64),
}

impl fmt::Display for BucketsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BucketsError::NotANumber { index } => write!(f, "bucket bound {index} is NaN"),
            BucketsError::Infinite { index } => write!(f, "bucket bound {index} is infinite"),
            BucketsError::Duplicate { index, bound } => {
                write!(f, "bucket bound {index} ({bound}) repeats the previous one")
            }
            BucketsError::NotSorted { index, bound } => {
                write!(
                    f,
                    "bucket bound {index} ({bound}) is below the previous one"
                )
            }
            BucketsError::NoBuckets => f.write_str("zero buckets asked for"),
            BucketsError::InvalidStep(s) => write!(f, "bucket step {s} does not increase"),
            BucketsError::InvalidStart(s) => write!(f, "exponential buckets cannot start at {s}"),
            BucketsError::NativeFactor(x) => {
                write!(f, "native bucket factor {x} must be finite and above 1")
            }
            BucketsError::NativeSchema(s) => {
                write!(f, "native histogram schema {s} is not between -4 and 8")
            }
            BucketsError::ZeroThreshold(t) => {
                write!(f, "zero threshold {t} must be finite and not negative")
            }
        }
    }
}

impl std::error::Error for BucketsError {}

/// Why a summary's [`Quantiles`](crate::Quantiles) were refused.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum QuantilesError {
    /// A quantile must be between 0 and 1.
    Quantile(f64),
    /// A quantile's allowed error must be above 0 and below 1.
    AllowedError {
        /// The quantile.
        quantile: f64,
        /// Its allowed error.
        error: f64,
    },
    /// The same quantile twice.
    Duplicate(f64),
    /// The window's max age must be at least one millisecond per age bucket.
    MaxAge(std::time::Duration),
    /// The window needs at least one age bucket.
    AgeBuckets(u32),
}

impl fmt::Display for QuantilesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantilesError::Quantile(q) => write!(f, "quantile {q} is not between 0 and 1"),
            QuantilesError::AllowedError { quantile, error } => write!(
                f,
                "the allowed error {error} of quantile {quantile} is not above 0 and below 1"
            ),
            QuantilesError::Duplicate(q) => write!(f, "quantile {q} is given twice"),
            QuantilesError::MaxAge(age) => write!(
                f,
                "a summary window of {age:?} is shorter than a millisecond per age bucket"
            ),
            QuantilesError::AgeBuckets(n) => {
                write!(f, "a summary window needs at least one age bucket, not {n}")
            }
        }
    }
}

impl std::error::Error for QuantilesError {}

/// Why a registration was refused.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RegisterError {
    /// A name breaks a rule (see [`Problem::rule`]).
    Name(Problem),
    /// The label names given do not fit the label set type: a tuple of `expected` values, or
    /// a struct naming its own labels.
    LabelCount {
        /// The full (namespaced) name.
        name: String,
        /// Label names the type needs.
        expected: usize,
        /// Label names given.
        got: usize,
    },
    /// A state set's type has no fixed set of values to enumerate.
    NotEnumerable {
        /// The full (namespaced) name.
        name: String,
    },
    /// A family of this name exists with a different definition.
    Conflict {
        /// The full (namespaced) name.
        name: String,
        /// What differs.
        differs: Conflict,
    },
}

/// What differs between an existing family and a new registration of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Conflict {
    /// The metric types differ.
    Kind {
        /// The registered type.
        existing: MetricKind,
        /// The type asked for.
        requested: MetricKind,
    },
    /// The help texts differ.
    Help,
    /// The label names differ.
    LabelNames,
    /// The histogram buckets differ.
    Buckets,
    /// The series limit or overflow policy differ.
    Limits,
    /// The units differ.
    Unit,
    /// Same definition, but the Rust handle type asked for (label set type, callback or
    /// plain metric) is not the one registered.
    HandleType,
    /// A collector writes a family of this name (or, registering a collector, a family of
    /// this name is registered or another collector writes it).
    Collector,
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::Name(problem) => problem.fmt(f),
            RegisterError::LabelCount {
                name,
                expected,
                got,
            } => write!(
                f,
                "metric `{name}`: its label set type has {expected} labels, {got} names were given"
            ),
            RegisterError::NotEnumerable { name } => write!(
                f,
                "metric `{name}`: a state set needs a label value type of fixed cardinality"
            ),
            RegisterError::Conflict {
                name,
                differs: Conflict::Collector,
            } => write!(
                f,
                "metric `{name}` is written twice: by a collector, and by a registered family \
                 or another collector"
            ),
            RegisterError::Conflict { name, differs } => {
                write!(f, "metric `{name}` is already registered with a different ")?;
                match differs {
                    Conflict::Kind {
                        existing,
                        requested,
                    } => write!(
                        f,
                        "type ({} registered, {} requested)",
                        existing.as_str(),
                        requested.as_str()
                    ),
                    Conflict::Help => f.write_str("help text"),
                    Conflict::LabelNames => f.write_str("set of label names"),
                    Conflict::Buckets => f.write_str("set of buckets"),
                    Conflict::Limits => f.write_str("series limit or overflow policy"),
                    Conflict::Unit => f.write_str("unit"),
                    Conflict::HandleType => f.write_str("Rust handle type"),
                    Conflict::Collector => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for RegisterError {}

impl From<Problem> for RegisterError {
    fn from(problem: Problem) -> RegisterError {
        RegisterError::Name(problem)
    }
}

/// Why a family lookup was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LabelError {
    /// The number of label values given is not the number of label names.
    Arity {
        /// The family.
        family: String,
        /// Label names of the family.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// The family holds its limit of series and its policy is [`Overflow::Reject`](crate::Overflow::Reject).
    Overflow {
        /// The family.
        family: String,
        /// Its series limit.
        limit: usize,
    },
    /// A label value of a new label set is longer than the family takes
    /// ([`Opts::label_value_limit`](crate::Opts::label_value_limit)).
    ValueTooLong {
        /// The family.
        family: String,
        /// The label whose value is too long.
        label: String,
        /// The value's length, in bytes (the value itself is not kept: it may be anything).
        len: usize,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A label value of a new label set is [`OVERFLOW_VALUE`](crate::OVERFLOW_VALUE), which
    /// only the overflow series carries (so that it cannot be mistaken for one).
    ReservedValue {
        /// The family.
        family: String,
        /// The label given the reserved value.
        label: String,
    },
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelError::Arity {
                family,
                expected,
                got,
            } => {
                write!(
                    f,
                    "family `{family}` has {expected} labels, {got} values were given"
                )
            }
            LabelError::Overflow { family, limit } => {
                write!(f, "family `{family}` holds its limit of {limit} series")
            }
            LabelError::ValueTooLong {
                family,
                label,
                len,
                limit,
            } => write!(
                f,
                "family `{family}`: a value of label `{label}` is {len} bytes long, \
                 more than its limit of {limit}"
            ),
            LabelError::ReservedValue { family, label } => write!(
                f,
                "family `{family}`: label `{label}` cannot take the value `{}`, which marks \
                 the overflow series",
                crate::OVERFLOW_VALUE
            ),
        }
    }
}

impl std::error::Error for LabelError {}
