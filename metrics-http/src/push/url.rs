//! Push URLs: checked once, when a client is built, and any credentials in them
//! (`http://user:password@host`) taken out to become basic auth, so that they are sent as
//! such and never appear in an error message or a `Debug`.

use http::Uri;

use crate::auth::Auth;
use crate::push::PushError;

/// A URL as given to a builder, unchecked: `Debug` shows it without its credentials.
#[derive(Clone)]
pub(crate) struct GivenUrl(pub(crate) String);

impl std::fmt::Debug for GivenUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&redacted(&self.0), f)
    }
}

/// A checked push URL.
#[derive(Debug)]
pub(crate) struct PushUrl {
    /// Without credentials or a trailing `/`.
    pub(crate) url: String,
    /// The URL's user and password, decoded.
    pub(crate) credentials: Option<Auth>,
}

/// Checks that `url` is an `http://` URL (or `https://`, with feature `tls`) with a host and
/// no query, and takes its credentials out.
pub(crate) fn parse(url: &str) -> Result<PushUrl, PushError> {
    let invalid = |reason| PushError::InvalidUrl {
        url: redacted(url),
        reason,
    };
    let (clean, userinfo) = split_userinfo(url);
    let credentials = match userinfo {
        None => None,
        Some(userinfo) => {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            let decode =
                |s| percent_decode(s).ok_or_else(|| invalid("its credentials do not decode"));
            Some(Auth::basic(decode(user)?, decode(password)?))
        }
    };
    let uri: Uri = clean.parse().map_err(|_| invalid("does not parse"))?;
    let tls = cfg!(feature = "tls");
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") if tls => {}
        Some("https") => {
            return Err(invalid(
                "https needs the `tls` feature of metrics-http (or a TLS-terminating proxy)",
            ))
        }
        _ if tls => return Err(invalid("must start with http:// or https://")),
        _ => return Err(invalid("must start with http://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    if uri.query().is_some() {
        return Err(invalid("must not have a query"));
    }
    Ok(PushUrl {
        url: clean.trim_end_matches('/').to_owned(),
        credentials,
    })
}

/// `url` with its credentials, if any, replaced: what an error may show.
pub(crate) fn redacted(url: &str) -> String {
    match split_userinfo(url) {
        (clean, Some(_)) => match clean.split_once("://") {
            Some((scheme, rest)) => format!("{scheme}://<credentials>@{rest}"),
            None => clean,
        },
        (_, None) => url.to_owned(),
    }
}

/// The URL without its userinfo, and the userinfo.
fn split_userinfo(url: &str) -> (String, Option<&str>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => (format!("{scheme}://{host}{path}"), Some(userinfo)),
        None => (url.to_owned(), None),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let clean = |url| parse(url).unwrap().url;
        assert_eq!(clean("http://gw:9091/"), "http://gw:9091");
        assert_eq!(clean("http://gw:9091/prefix"), "http://gw:9091/prefix");
        // https is a URL like any other with feature `tls`, and refused, saying why, without.
        assert_eq!(parse("https://gw/").is_ok(), cfg!(feature = "tls"));
        for bad in [
            "gw:9091",
            "ftp://gw",
            "http://",
            "not a url",
            "http://gw/?a=b",
        ] {
            assert!(
                matches!(parse(bad), Err(PushError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn credentials_become_basic_auth_and_leave_the_url() {
        let parsed = parse("http://prom:pa%40ss%3Aword@gw:9091/base/").unwrap();
        assert_eq!(parsed.url, "http://gw:9091/base");
        assert_eq!(parsed.credentials, Some(Auth::basic("prom", "pa@ss:word")));
        let user_only = parse("http://prom@gw").unwrap();
        assert_eq!(user_only.credentials, Some(Auth::basic("prom", "")));
        assert_eq!(
            parse("http://gw/a@b").unwrap().credentials,
            None,
            "@ in the path"
        );
    }

    #[test]
    fn errors_never_show_the_password() {
        for bad in [
            "ftp://u:s3cret@gw",
            "http://u:s3cret@gw/?q=1",
            "http://u:s3cret%zz@gw",
            "http://u:s3cret@",
        ] {
            let error = parse(bad).unwrap_err();
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("<credentials>"), "{shown}");
        }
    }
}
