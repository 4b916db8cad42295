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

/// The `Authorization` headers of a scrape.
#[cfg(any(feature = "server", feature = "actix"))]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presented<'a> {
    /// None.
    #[default]
    Nothing,
    /// Exactly one, its value.
    One(&'a [u8]),
    /// More than one: refused, whatever they hold.
    Several,
}

#[cfg(any(feature = "server", feature = "actix"))]
impl<'a> Presented<'a> {
    /// From every value of the header, in any framework's header map.
    pub(crate) fn from_values(mut values: impl Iterator<Item = &'a [u8]>) -> Presented<'a> {
        match (values.next(), values.next()) {
            (None, _) => Presented::Nothing,
            (Some(one), None) => Presented::One(one),
            (Some(_), Some(_)) => Presented::Several,
        }
    }
}

/// An `Authorization` value's scheme and credentials, apart.
#[cfg(any(feature = "server", feature = "actix"))]
fn split(value: &[u8]) -> Option<(&[u8], &[u8])> {
    let space = value.iter().position(|b| *b == b' ')?;
    let (scheme, rest) = value.split_at(space);
    let start = rest.iter().position(|b| *b != b' ').unwrap_or(rest.len());
    Some((scheme, &rest[start..]))
}

/// Whether a scrape presented `expected` (an `Authorization` value as
/// [`Auth::header_value`] makes it): exactly one header, its scheme matched without regard to
/// case (RFC 9110), its credentials compared in time that depends only on what was presented,
/// so that a scraper learns neither the secret byte by byte nor its length.
#[cfg(any(feature = "server", feature = "actix"))]
pub(crate) fn matches(presented: Presented<'_>, expected: &str) -> bool {
    let Presented::One(presented) = presented else {
        return false;
    };
    let (Some((scheme, credentials)), Some((want_scheme, want))) =
        (split(presented), split(expected.as_bytes()))
    else {
        return false;
    };
    // The scheme is public (the challenge names it); only the credentials are secret.
    let scheme_ok = scheme.eq_ignore_ascii_case(want_scheme);
    // Every presented byte is compared with a byte of the secret (cycling through it), and
    // the lengths are compared too: the loop runs as long as the presented value, whatever
    // the secret's length.
    let mut diff = u8::from(credentials.len() != want.len());
    for (i, byte) in credentials.iter().enumerate() {
        diff |= byte ^ want[i % want.len().max(1)];
    }
    scheme_ok & (diff == 0) & !want.is_empty()
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
        let one = |v: &'static str| Presented::One(v.as_bytes());
        let expected = Auth::bearer("s3cret").header_value();
        assert!(matches(one("Bearer s3cret"), &expected));
        assert!(
            matches(one("bearer s3cret"), &expected),
            "schemes ignore case"
        );
        assert!(matches(one("BEARER  s3cret"), &expected));
        for wrong in [
            "Bearer s3creT",
            "Bearer s3cre",
            "Bearer s3cret0",
            "Bearer",
            "",
            "s3cret",
        ] {
            assert!(!matches(one(wrong), &expected), "{wrong}");
        }
        assert!(!matches(one("Basic s3cret"), &expected));
        assert!(!matches(Presented::Nothing, &expected));
        assert!(!matches(Presented::Several, &expected));
        let basic = Auth::basic("prom", "pw").header_value();
        assert!(matches(one("basic cHJvbTpwdw=="), &basic));
        let values = [&b"Bearer s3cret"[..], &b"Bearer x"[..]];
        assert_eq!(
            Presented::from_values(values.into_iter()),
            Presented::Several
        );
        assert_eq!(
            Presented::from_values(values[..1].iter().copied()),
            Presented::One(b"Bearer s3cret")
        );
    }
}
