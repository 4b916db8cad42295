//! The validity window of an X.509 certificate, read from its DER encoding: enough of the
//! structure to reach `tbsCertificate.validity`, so that an expired certificate is refused
//! when it is loaded (rustls checks dates only on the client's side).

use crate::civil::days_from_civil;

/// `notBefore` and `notAfter` of the DER certificate `der`, in seconds since the Unix epoch;
/// `None` when it is not a certificate this reader understands.
pub(crate) fn validity(der: &[u8]) -> Option<(i64, i64)> {
    let (certificate, _) = element(der, SEQUENCE)?;
    let (mut tbs, _) = element(certificate, SEQUENCE)?;
    // version [0] EXPLICIT, when not v1.
    if tbs.first() == Some(&0xa0) {
        tbs = skip(tbs)?;
    }
    // serialNumber, signature, issuer.
    for _ in 0..3 {
        tbs = skip(tbs)?;
    }
    let (validity, _) = element(tbs, SEQUENCE)?;
    let (not_before, rest) = time(validity)?;
    let (not_after, _) = time(rest)?;
    Some((not_before, not_after))
}

const SEQUENCE: u8 = 0x30;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// The tag, the content and what follows of the element at the start of `der` (single-byte
/// tags, definite lengths, as DER has them).
fn tlv(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let octets = usize::from(first & 0x7f);
        if octets == 0 || octets > 4 || rest.len() < octets {
            return None;
        }
        let length = rest[..octets]
            .iter()
            .fold(0usize, |n, &b| (n << 8) | usize::from(b));
        (length, &rest[octets..])
    };
    (rest.len() >= length).then(|| (tag, &rest[..length], &rest[length..]))
}

fn element(der: &[u8], want: u8) -> Option<(&[u8], &[u8])> {
    let (tag, content, rest) = tlv(der)?;
    (tag == want).then_some((content, rest))
}

fn skip(der: &[u8]) -> Option<&[u8]> {
    tlv(der).map(|(_, _, rest)| rest)
}

/// A `Time` (UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`) in seconds since
/// the Unix epoch, and what follows it.
fn time(der: &[u8]) -> Option<(i64, &[u8])> {
    let (tag, content, rest) = tlv(der)?;
    let text = std::str::from_utf8(content).ok()?;
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits.get(range)?.parse::<i64>().ok();
    let (year, at) = match (tag, digits.len()) {
        // RFC 5280: two-digit years 50-99 are 19xx, 00-49 are 20xx.
        (UTC_TIME, 12) => {
            let yy = number(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        (GENERALIZED_TIME, 14) => (number(0..4)?, 4),
        _ => return None,
    };
    let month = number(at..at + 2)?;
    let day = number(at + 2..at + 4)?;
    let (hour, minute, second) = (
        number(at + 4..at + 6)?,
        number(at + 6..at + 8)?,
        number(at + 8..at + 10)?,
    );
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some((seconds, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_time_encodings() {
        let utc = [&[UTC_TIME, 13][..], b"491231235959Z"].concat();
        assert_eq!(
            time(&utc).map(|t| t.0),
            Some(days_from_civil(2049, 12, 31) * 86_400 + 86_399)
        );
        let utc_1950 = [&[UTC_TIME, 13][..], b"500101000000Z"].concat();
        assert_eq!(
            time(&utc_1950).map(|t| t.0),
            Some(days_from_civil(1950, 1, 1) * 86_400)
        );
        let generalized = [&[GENERALIZED_TIME, 15][..], b"20500101000000Z"].concat();
        assert_eq!(
            time(&generalized).map(|t| t.0),
            Some(days_from_civil(2050, 1, 1) * 86_400)
        );
        // Local times, fractions and junk are not DER times.
        for bad in [&b"4912312359590"[..], b"49123123595Z", b"4913312359 9Z"] {
            let der = [&[UTC_TIME, bad.len() as u8][..], bad].concat();
            assert_eq!(time(&der), None, "{bad:?}");
        }
    }

    #[test]
    fn truncated_input_is_refused_not_read_past() {
        assert_eq!(tlv(&[SEQUENCE, 0x82, 0x01]), None);
        assert_eq!(tlv(&[SEQUENCE, 5, 1, 2]), None);
        assert_eq!(tlv(&[SEQUENCE, 0x85, 1, 1, 1, 1, 1]), None);
        assert_eq!(validity(&[]), None);
        assert_eq!(validity(&[SEQUENCE, 2, SEQUENCE, 0]), None);
    }
}
