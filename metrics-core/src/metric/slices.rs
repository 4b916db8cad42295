//! Finding a value's bucket from its float bits, for classic and native histograms alike.
//!
//! Positive floats order as their bits. Cut the number line into slices by the top bits of
//! a float (the exponent, and a few mantissa bits below it) so fine that no slice holds two
//! bounds: the bucket of a value is then the number of bounds below its slice, plus one if
//! the slice's next bound is below the value too. One table load and one integer compare,
//! against a compare per bound for a count, or a chain of dependent ones for a search.

/// One slice of the number line.
#[derive(Clone, Copy, Debug)]
pub(super) struct Slice {
    /// The bits of the first bound at or above the slice's start (or of some value past the
    /// slice when there is none).
    next_bits: u64,
    /// How many bounds lie below the slice's start.
    pub(super) below: i32,
}

impl Slice {
    /// The slice starting at `start`, given all bounds, increasing; `past` stands for the
    /// next bound when none lies at or above `start`.
    pub(super) fn new(bounds: &[f64], start: f64, past: u64) -> Slice {
        let below = bounds.partition_point(|&b| b < start);
        Slice {
            next_bits: bounds.get(below).map_or(past, |b| b.to_bits()),
            below: below as i32,
        }
    }

    /// The bucket of the value with bits `bits`, which lies in this slice.
    #[inline(always)]
    pub(super) fn bucket(self, bits: u64) -> i32 {
        self.below + i32::from(self.next_bits < bits)
    }
}

/// The slices of a classic histogram's bounds, from the octave of the smallest bound to
/// that of the largest. Built only for positive bounds that need few slices.
#[derive(Clone, Debug)]
pub(super) struct SliceTable {
    slices: Box<[Slice]>,
    /// The slice number of the table's first slice: a value's bits shifted by `shift`,
    /// less this, is its slice in the table.
    first_key: u64,
    shift: u32,
    first_bound: f64,
    len: usize,
}

/// At most this many slices (16 bytes each): past it, the bounds are counted instead.
const MAX_SLICES: usize = 256;

impl SliceTable {
    /// A table for `bounds` (finite, strictly increasing), or `None` when a bound is not a
    /// positive normal float or the bounds lie too close for [`MAX_SLICES`] slices.
    pub(super) fn new(bounds: &[f64]) -> Option<SliceTable> {
        let (&first, &last) = (bounds.first()?, bounds.last()?);
        // Bounds are finite, never NaN.
        if first < f64::MIN_POSITIVE {
            return None;
        }
        let (first_octave, last_octave) = (first.to_bits() >> 52, last.to_bits() >> 52);
        let octaves = (last_octave - first_octave + 1) as usize;
        // The fewest mantissa bits that give every bound a slice of its own.
        let mantissa_bits = (0..=8u32)
            .take_while(|&m| octaves << m <= MAX_SLICES)
            .find(|&m| {
                let shift = 52 - m;
                bounds
                    .windows(2)
                    .all(|w| w[0].to_bits() >> shift != w[1].to_bits() >> shift)
            })?;
        let shift = 52 - mantissa_bits;
        let first_key = first_octave << mantissa_bits;
        let slices = (0..(octaves << mantissa_bits) as u64)
            .map(|k| Slice::new(bounds, f64::from_bits((first_key + k) << shift), u64::MAX))
            .collect();
        Some(SliceTable {
            slices,
            first_key,
            shift,
            first_bound: first,
            len: bounds.len(),
        })
    }

    /// The number of bounds below `v`: its bucket, `+Inf`'s for NaN.
    #[inline]
    pub(super) fn index(&self, v: f64) -> usize {
        let bits = v.to_bits();
        let key = (bits >> self.shift).wrapping_sub(self.first_key);
        match self.slices.get(key as usize) {
            Some(slice) => slice.bucket(bits) as usize,
            // Below the first bound's octave (zero and negatives too), or above the last's.
            None if v < self.first_bound => 0,
            None => self.len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bucket by definition: how many bounds are below `v`.
    fn counted(bounds: &[f64], v: f64) -> usize {
        if v.is_nan() {
            return bounds.len();
        }
        bounds.iter().filter(|&&b| b < v).count()
    }

    /// Values at, just around and between every bound, and the edges of the number line.
    fn probes(bounds: &[f64]) -> Vec<f64> {
        let mut values = vec![
            0.0,
            -0.0,
            -1.0,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
        ];
        for (i, &b) in bounds.iter().enumerate() {
            values.extend([
                b,
                f64::from_bits(b.to_bits() - 1),
                f64::from_bits(b.to_bits() + 1),
                b * 0.5,
                b * 2.0,
                -b,
            ]);
            if let Some(&next) = bounds.get(i + 1) {
                values.extend((1..16).map(|k| b + (next - b) * f64::from(k) / 16.0));
            }
        }
        values
    }

    #[test]
    fn the_table_agrees_with_counting_the_bounds_below() {
        let layouts: [Vec<f64>; 6] = [
            crate::DEFAULT_BUCKETS.to_vec(),
            (1..=10).map(|i| f64::from(i) * 0.1).collect(),
            (0..20).map(|i| 1e-9 * 10f64.powi(i)).collect(),
            (0..40).map(|i| 1.1f64.powi(i)).collect(),
            vec![1.0],
            vec![0.75, 1.0, 1.5, 2.0, 1024.0],
        ];
        for bounds in &layouts {
            let table = SliceTable::new(bounds).expect("these bounds get a table");
            for v in probes(bounds) {
                assert_eq!(table.index(v), counted(bounds, v), "{v} in {bounds:?}");
            }
        }
    }

    #[test]
    fn bounds_it_cannot_slice_are_left_to_counting() {
        // Not positive.
        assert!(SliceTable::new(&[-1.0, 0.0, 1.0]).is_none());
        assert!(SliceTable::new(&[0.0, 1.0]).is_none());
        // Closer than 1/256 of an octave.
        assert!(SliceTable::new(&[1.0, 1.001]).is_none());
        // Two bounds 2^300 apart: one slice per octave would be 301 slices.
        assert!(SliceTable::new(&[1.0, 2f64.powi(300)]).is_none());
        assert!(SliceTable::new(&[]).is_none());
    }
}
