//! Pushing metrics out, for programs that cannot be scraped: the Pushgateway client, the
//! batch-job helper, remote write. They share one transport: a request sent with a
//! per-attempt timeout, retried with backoff and jitter within a total time bound.

pub(crate) mod backoff;
pub(crate) mod batch;
pub(crate) mod pushgateway;
#[cfg(feature = "remote-write")]
pub(crate) mod remote_write;
pub(crate) mod transport;
pub(crate) mod url;

use std::fmt;
use std::time::Duration;

/// Why a push failed. Nothing panics on a bad name, a bad URL or an unreachable server:
/// it all ends here.
#[derive(Debug)]
#[non_exhaustive]
pub enum PushError {
    /// The server answered with an error status (after the retries a 5xx or 429 gets).
    Status {
        /// The HTTP status code.
        code: u16,
        /// The body of the answer (the server's reason), at most 4 KiB of it.
        body: String,
    },
    /// The connection failed (refused, reset, DNS), on the last attempt.
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// No answer within the time allowed (per attempt, or in total with the retries).
    Timeout {
        /// The time waited.
        after: Duration,
    },
    /// The URL does not parse, or is not `http://` (or `https://` with feature `tls`).
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A grouping label (or the job) is unusable: an invalid label name, a reserved one,
    /// or an empty job.
    InvalidGrouping {
        /// The label.
        label: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A metric in the registry carries a label the grouping key also sets (such as `job`):
    /// the gateway would refuse or silently rewrite it, so it is not sent.
    LabelClash {
        /// The series.
        metric: String,
        /// The label it shares with the grouping key.
        label: String,
    },
    /// A name the push would add (such as the batch job's `<job>_duration_seconds`) is
    /// invalid, or already in the registry.
    InvalidName {
        /// The name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An extra header's name or value is not valid HTTP.
    InvalidHeader {
        /// The header name.
        name: String,
    },
    /// A root certificate given for https is not usable (feature `tls`).
    InvalidCertificate {
        /// What is wrong with it.
        reason: String,
    },
    /// A remote write 2.0 was answered 2xx without the written-count headers every 2.0
    /// receiver sends: a 1.0 receiver read the body as an empty request and wrote nothing
    /// (with `RemoteWriteProtocol::Auto`, feature `remote-write`, the client sends 1.0
    /// instead).
    NotWritten {
        /// The URL written to.
        url: String,
    },
    /// The blocking form could not start its runtime or thread.
    Runtime(std::io::Error),
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::Status { code, body } => {
                write!(f, "the server answered {code}: {}", body.trim())
            }
            PushError::Transport(source) => {
                // hyper's errors say little at the top ("client error (Connect)"): the cause
                // ("Connection refused") is down the chain.
                write!(f, "cannot reach the server: {source}")?;
                let mut cause = source.source();
                while let Some(error) = cause {
                    write!(f, ": {error}")?;
                    cause = error.source();
                }
                Ok(())
            }
            PushError::Timeout { after } => write!(f, "no answer within {after:?}"),
            PushError::InvalidUrl { url, reason } => write!(f, "invalid URL `{url}`: {reason}"),
            PushError::InvalidGrouping { label, reason } => {
                write!(f, "invalid grouping label `{label}`: {reason}")
            }
            PushError::LabelClash { metric, label } => write!(
                f,
                "series `{metric}` already has the label `{label}`, which the grouping key sets"
            ),
            PushError::InvalidName { name, reason } => write!(f, "invalid name `{name}`: {reason}"),
            PushError::InvalidHeader { name } => write!(f, "invalid header `{name}`"),
            PushError::InvalidCertificate { reason } => {
                write!(f, "invalid root certificate: {reason}")
            }
            PushError::NotWritten { url } => write!(
                f,
                "{url} answered a remote write 2.0 without saying what it wrote: it takes 1.0 \
                 only, and wrote nothing (use protocol 1.0 or automatic)"
            ),
            PushError::Runtime(source) => write!(f, "cannot start the push runtime: {source}"),
        }
    }
}

impl std::error::Error for PushError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PushError::Transport(source) => Some(&**source),
            PushError::Runtime(source) => Some(source),
            _ => None,
        }
    }
}

/// How a push is retried: a 5xx, a 429, a connection failure or a timed-out attempt is tried
/// again after a backoff that doubles from `initial_backoff` up to `max_backoff`, with
/// jitter (a random half of it), for at most `attempts` tries and never past `total` since
/// the first try. Other 4xx answers are not retried, nor is a server certificate that does
/// not verify. A 429 or 503 with `Retry-After` (seconds or an HTTP date) waits at least that
/// long; one asking for more than the time left ends the push at once with that answer.
///
/// Every method is retried, POST included: a timed-out attempt may have arrived, and sending
/// the same body again is harmless, since a Pushgateway PUT or POST replaces what it got and a
/// remote write repeats the same samples at the same timestamps, which receivers take once.
/// Of an error answer, at most 4 KiB of the body is read (kept in [`PushError::Status`]); of
/// a success, none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included (at least 1).
    pub attempts: u32,
    /// The wait before the second try.
    pub initial_backoff: Duration,
    /// The longest wait between tries.
    pub max_backoff: Duration,
    /// The most the push may take, retries and waits included.
    pub total: Duration,
}

impl Default for Retry {
    /// 4 tries, waits from 200 ms up to 2 s, 30 s in all.
    fn default() -> Retry {
        Retry {
            attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            total: Duration::from_secs(30),
        }
    }
}

impl Retry {
    /// One try, no retries, within `total`.
    pub fn never(total: Duration) -> Retry {
        Retry {
            attempts: 1,
            total,
            ..Retry::default()
        }
    }
}
