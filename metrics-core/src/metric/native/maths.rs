//! The bucket maths of native histograms: which bucket a value falls in at a schema, a
//! bucket's bounds, and where a bucket goes at a coarser layout.

use std::sync::LazyLock;

use crate::metric::slices::Slice;

/// The finest and coarsest schemas Prometheus accepts.
pub(crate) const MAX_SCHEMA: i8 = 8;
/// See [`MAX_SCHEMA`].
pub(crate) const MIN_SCHEMA: i8 = -4;

/// Added to bucket keys (±2^19 at schema 8) where they are stored, to keep them positive.
pub(super) const KEY_OFFSET: i64 = 1 << 20;

/// The upper bound of bucket `key` at `schema`: `2^(key * 2^-schema)`.
pub(crate) fn bucket_upper_bound(schema: i8, key: i32) -> f64 {
    if schema >= 0 {
        let per_octave = 1i32 << schema;
        let (octave, step) = (key.div_euclid(per_octave), key.rem_euclid(per_octave));
        // bounds[step] is 2^(step/per_octave - 1), in [0.5, 1).
        bounds(schema)[step as usize] * 2f64.powi(octave + 1)
    } else {
        let octaves = key.saturating_mul(1 << -schema);
        2f64.powi(octaves)
    }
}

/// The fractions `2^(i / 2^schema - 1)` for `i < 2^schema`: where in an octave the bucket
/// bounds fall.
#[inline]
pub(super) fn bounds(schema: i8) -> &'static [f64] {
    &octaves(schema).bounds
}

/// An octave's bucket bounds, and for each of `2^cell_bits` equal slices of the octave how
/// many bounds lie below the slice, with the next bound: the bucket of a fraction is that
/// count, plus one if the next bound (at most one lies inside a slice) is below it too. Both
/// come from one entry, so the index waits on one load, not two in a row.
// 64 bytes: indexing the tables is a shift, not a multiply.
#[repr(align(64))]
pub(super) struct Octave {
    pub(super) bounds: Vec<f64>,
    pub(super) cells: Vec<Slice>,
    /// `52 - log2(cells.len())`: the mantissa shifted by it is the slice.
    pub(super) cell_shift: u32,
}

/// Slices per bucket, as a power of two: for `n` buckets per octave the closest two bounds
/// (near 0.5) are `0.5 * (2^(1/n) - 1)`, more than `0.34 / n`, apart, and slices are
/// `0.5 / (4 n)` wide, so no slice holds two bounds.
pub(super) const CELLS_PER_BUCKET_BITS: u32 = 2;

#[inline]
pub(super) fn octaves(schema: i8) -> &'static Octave {
    static TABLES: LazyLock<Vec<Octave>> = LazyLock::new(|| {
        (0..=MAX_SCHEMA)
            .map(|s| {
                let n = 1u32 << s;
                let bounds: Vec<f64> = (0..n)
                    .map(|i| (f64::from(i) / f64::from(n) - 1.0).exp2())
                    .collect();
                let cell_bits = s as u32 + CELLS_PER_BUCKET_BITS;
                let cells = (0..1u64 << cell_bits)
                    .map(|cell| {
                        // The smallest fraction in the slice: mantissa bits `cell` on top.
                        let start = f64::from_bits((1022 << 52) | (cell << (52 - cell_bits)));
                        // Past the last bound: the next octave's first, 1.0.
                        Slice::new(&bounds, start, 1f64.to_bits())
                    })
                    .collect();
                Octave {
                    bounds,
                    cells,
                    cell_shift: 52 - cell_bits,
                }
            })
            .collect()
    });
    &TABLES[schema.max(0) as usize]
}

pub(super) const EXPONENT: u64 = 0x7ff << 52;
pub(super) const MANTISSA: u64 = (1 << 52) - 1;

/// The index of the bucket `|v|` falls in at `schema`, for `|v| > 0` (infinities, and NaN,
/// one past the largest finite value's bucket).
///
/// On the bits of `v`: `|v| = frac * 2^exp` with `frac` in [0.5, 1) is the mantissa under
/// the exponent 1022, and positive floats order as their bits, so the comparison with the
/// next bound is an integer one.
#[inline]
pub(crate) fn bucket_index(schema: i8, v: f64) -> i32 {
    let bits = v.to_bits() & !(1 << 63);
    if bits >= EXPONENT {
        return bucket_index(schema, f64::MAX) + 1;
    }
    if bits < 1 << 52 {
        return bucket_index_subnormal(schema, v);
    }
    index_of(schema, bits & MANTISSA, (bits >> 52) as i32 - 1022)
}

/// [`bucket_index`] of subnormals (and zero): scaled into the normal range first.
#[cold]
pub(super) fn bucket_index_subnormal(schema: i8, v: f64) -> i32 {
    let scaled = (v * 2f64.powi(64)).to_bits() & !(1 << 63);
    let exp = (scaled >> 52) as i32 - 1022 - 64;
    index_of(schema, scaled & MANTISSA, exp)
}

/// The bucket of `frac * 2^exp`, `frac` being `0.5` with `mantissa` below it.
#[inline(always)]
pub(super) fn index_of(schema: i8, mantissa: u64, exp: i32) -> i32 {
    if schema > 0 {
        let octave = octaves(schema);
        let slice = octave.cells[(mantissa >> octave.cell_shift) as usize];
        let frac_bits = mantissa | 1022 << 52;
        slice.bucket(frac_bits) + (exp - 1) * octave.bounds.len() as i32
    } else {
        // At schema 0 the bucket is the exponent (an exact power of two closes its bucket);
        // coarser schemas group 2^-schema of those: ceil(key / 2^-schema).
        let key = if mantissa == 0 { exp - 1 } else { exp };
        ceil_shift(key, -schema)
    }
}

/// Where bucket `key` of layout `from` goes at the coarser (or equal) layout `to`: its
/// index there, or `None` for the zero bucket, which now reaches past it.
pub(super) fn rebucket(key: i32, from: Layout, to: Layout) -> Option<i32> {
    if from == to {
        // A bucket that exists at a layout is above its zero bucket.
        return Some(key);
    }
    if bucket_upper_bound(from.schema, key) <= to.zero_threshold {
        return None;
    }
    Some(ceil_shift(key, from.schema - to.schema))
}

/// `ceil(key / 2^shift)`: a bucket index `shift` schemas coarser.
pub(crate) fn ceil_shift(key: i32, shift: i8) -> i32 {
    (key + (1 << shift) - 1) >> shift
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Layout {
    pub(super) schema: i8,
    pub(super) zero_threshold: f64,
}
