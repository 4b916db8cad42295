//! Compressing a body when the client allows it.

use std::io::Write;

/// How a response body is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// Sent as it is.
    Identity,
    /// gzip.
    Gzip,
}

impl Compression {
    /// What to send, from a request's `Accept-Encoding`: gzip when it is acceptable (by
    /// name, `x-gzip`, or `*`) with a `q` above zero.
    ///
    /// ```
    /// use metrics_core::Compression;
    /// assert_eq!(Compression::from_accept_encoding("gzip, deflate"), Compression::Gzip);
    /// assert_eq!(Compression::from_accept_encoding("gzip;q=0, br"), Compression::Identity);
    /// assert_eq!(Compression::from_accept_encoding(""), Compression::Identity);
    /// ```
    pub fn from_accept_encoding(accept_encoding: &str) -> Compression {
        let mut gzip = None;
        let mut any = None;
        for coding in accept_encoding.split(',') {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map_or(1.0, |(_, v)| v.trim().parse::<f64>().unwrap_or(0.0));
            match name.as_str() {
                "gzip" | "x-gzip" => gzip = Some(q),
                "*" => any = Some(q),
                _ => {}
            }
        }
        match gzip.or(any) {
            Some(q) if q > 0.0 => Compression::Gzip,
            _ => Compression::Identity,
        }
    }

    /// The `Content-Encoding` header value, if any.
    pub fn content_encoding(self) -> Option<&'static str> {
        match self {
            Compression::Identity => None,
            Compression::Gzip => Some("gzip"),
        }
    }

    /// Appends `body`, compressed this way, to `out`.
    pub fn compress(self, body: &[u8], out: &mut Vec<u8>) {
        match self {
            Compression::Identity => out.extend_from_slice(body),
            Compression::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
                // Writing into a `Vec` cannot fail.
                let _ = encoder.write_all(body);
                let _ = encoder.finish();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn gzip_round_trips() {
        let body = b"# HELP a A.\n# TYPE a counter\na_total 1\n".repeat(100);
        let mut out = Vec::new();
        Compression::Gzip.compress(&body, &mut out);
        assert!(out.len() < body.len() / 4);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&out[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, body);
        assert_eq!(
            Compression::from_accept_encoding("*;q=0.5"),
            Compression::Gzip
        );
        assert_eq!(
            Compression::from_accept_encoding("identity"),
            Compression::Identity
        );
        assert_eq!(
            Compression::from_accept_encoding("x-gzip"),
            Compression::Gzip
        );
        assert_eq!(
            Compression::from_accept_encoding("gzip;q=0, *;q=1"),
            Compression::Identity
        );
    }
}
