//! Credentials: what the exporter demands of a scraper, and what a push client presents.

use std::fmt;

use base64::Engine as _;

/// HTTP credentials: a bearer token or a user name and password (basic auth).
///
/// The exporter answers 401 to a scrape that does not present them; a push client sends them
/// with every request. `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: Basic base64(<username>:<password>)`.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
}

impl Auth {
    /// Bearer token credentials.
    pub fn bearer(token: impl Into<String>) -> Auth {
        Auth::Bearer(token.into())
    }

    /// Basic auth credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Auth {
        Auth::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The `Authorization` header value that presents these credentials.
    ///
    /// ```
    /// use metrics_http::Auth;
    /// assert_eq!(Auth::bearer("s3cret").header_value(), "Bearer s3cret");
    /// assert_eq!(Auth::basic("prom", "pw").header_value(), "Basic cHJvbTpwdw==");
    /// ```
    pub fn header_value(&self) -> String {
        match self {
            Auth::Bearer(token) => format!("Bearer {token}"),
            Auth::Basic { username, password } => {
                let raw = format!("{username}:{password}");
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                )
            }
        }
    }

    /// The `WWW-Authenticate` challenge sent with a 401.
    #[cfg(any(feature = "server", feature = "actix"))]
    pub(crate) fn challenge(&self) -> &'static str {
        match self {
            Auth::Bearer(_) => "Bearer",
            Auth::Basic { .. } => "Basic realm=\"metrics\"",
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Bearer(_) => f.write_str("Auth::Bearer(<redacted>)"),
            Auth::Basic { username, .. } => f
                .debug_struct("Auth::Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
        }
    }
}

/// Compares a presented `Authorization` header with the expected one in time that depends
/// only on the lengths, so a scraper cannot guess the secret byte by byte.
#[cfg(any(feature = "server", feature = "actix"))]
pub(crate) fn matches(presented: &[u8], expected: &[u8]) -> bool {
    if presented.len() != expected.len() {
        return false;
    }
    presented
        .iter()
        .zip(expected)
        .fold(0u8, |diff, (a, b)| diff | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let shown = format!("{:?} {:?}", Auth::bearer("tok"), Auth::basic("u", "pw"));
        assert!(!shown.contains("tok") && !shown.contains("pw"), "{shown}");
        assert!(shown.contains("\"u\""));
    }

    #[cfg(any(feature = "server", feature = "actix"))]
    #[test]
    fn comparison() {
        assert!(matches(b"Bearer a", b"Bearer a"));
        assert!(!matches(b"Bearer b", b"Bearer a"));
        assert!(!matches(b"Bearer", b"Bearer a"));
    }
}
