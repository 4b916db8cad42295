//! Floats: shortest round-trip formatting for the expositions, and adding to an `f64` kept
//! as bits in an atomic.

use crate::runtime::sync::{AtomicU64, Ordering};

/// Writes `v` in the shortest form that parses back to the same `f64`: integral values (within
/// `i64` range) without a fraction or exponent, `+Inf`, `-Inf`, `NaN`.
pub(crate) fn write_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
    } else if v == v.trunc() && v.abs() < 9e18 {
        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
    } else {
        out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
    }
}

/// Writes a Unix timestamp in seconds with millisecond precision (`1700000000.123`): two
/// integer conversions instead of a shortest-float search, for the `_created` of every series.
pub(crate) fn write_timestamp(out: &mut Vec<u8>, seconds: f64) {
    if !(0.0..1e15).contains(&seconds) {
        return write_f64(out, seconds);
    }
    let millis = (seconds * 1000.0).round() as u64;
    write_u64(out, millis / 1000);
    let frac = millis % 1000;
    out.extend_from_slice(&[
        b'.',
        b'0' + (frac / 100) as u8,
        b'0' + (frac / 10 % 10) as u8,
        b'0' + (frac % 10) as u8,
    ]);
}

/// Writes an unsigned integer.
#[inline]
pub(crate) fn write_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Adds `v` to the `f64` whose bits are in `cell`.
#[inline]
pub(crate) fn add_f64(cell: &AtomicU64, v: f64) {
    let mut old = cell.load(Ordering::Relaxed);
    loop {
        let new = (f64::from_bits(old) + v).to_bits();
        match cell.compare_exchange_weak(old, new, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return,
            Err(seen) => old = seen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds() {
        let text = |v: f64| {
            let mut out = Vec::new();
            write_timestamp(&mut out, v);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(text(1_700_000_000.123_4), "1700000000.123");
        assert_eq!(text(1_700_000_000.999_6), "1700000001.000");
        assert_eq!(text(5.0), "5.000");
        assert_eq!(text(-1.5), "-1.5");
    }

    #[test]
    fn floats_are_shortest_round_trip() {
        let cases = [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-3.0, "-3"),
            (0.1, "0.1"),
            (0.005, "0.005"),
            (1e15, "1000000000000000"),
            (1e20, "1e20"),
            (123456789012345.0, "123456789012345"),
            (1.5e-7, "1.5e-7"),
            (f64::MAX, "1.7976931348623157e308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ];
        for (v, text) in cases {
            let mut out = Vec::new();
            write_f64(&mut out, v);
            assert_eq!(std::str::from_utf8(&out).unwrap(), text);
            if v.is_finite() {
                assert_eq!(text.parse::<f64>().unwrap(), v);
            }
        }
    }
}
