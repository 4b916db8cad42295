//! Hashing label values: one seeded hasher per family, fed the values as a lookup gives
//! them.

use crate::label::words::{short_words, word_at};

#[cfg(not(loom))]
use std::hash::BuildHasher;

/// Hashes label values in order, seeded per family: a folded multiply per value of up to
/// 16 bytes (label values mostly are), mixing in the length so that value boundaries count.
/// The values' products do not wait on each other (the processor overlaps them); they are
/// chained by a rotation, so that order counts. Collisions only cost a comparison; the seeds
/// keep them from being chosen from outside.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ValueHashSeed {
    k0: u64,
    k1: u64,
}

impl ValueHashSeed {
    /// Fresh random seeds (fixed ones under loom, whose models must run the same way each
    /// time).
    pub(crate) fn new() -> ValueHashSeed {
        #[cfg(loom)]
        return ValueHashSeed {
            k0: 0x243f_6a88_85a3_08d3,
            k1: 0x1319_8a2e_0370_7345,
        };
        #[cfg(not(loom))]
        {
            let state = foldhash::fast::RandomState::default();
            ValueHashSeed {
                k0: state.hash_one(0x243f_6a88_85a3_08d3_u64),
                k1: state.hash_one(0x1319_8a2e_0370_7344_u64) | 1,
            }
        }
    }
}

/// Hashes label values one at a time (see [`ValueHashSeed`]).
pub(crate) struct ValueHasher {
    seed: ValueHashSeed,
    hash: u64,
}

/// The high and low halves of the full product, folded: the mixing step of foldhash.
#[inline(always)]
pub(super) fn folded_multiply(a: u64, b: u64) -> u64 {
    let full = u128::from(a) * u128::from(b);
    (full as u64) ^ ((full >> 64) as u64)
}

impl ValueHasher {
    #[inline(always)]
    pub(crate) fn new(seed: ValueHashSeed) -> ValueHasher {
        ValueHasher {
            seed,
            hash: seed.k0,
        }
    }

    #[inline(always)]
    pub(crate) fn value(&mut self, value: &str) {
        let v = value.as_bytes();
        let n = v.len();
        let (lo, hi) = if n <= 16 {
            short_words(v)
        } else if n <= 32 {
            // Routes mostly: the first 16 bytes in one product, the last 16 (overlapping
            // them where shorter than 32) as a short value's two words.
            let acc = folded_multiply(
                word_at(v, 0) ^ self.seed.k0 ^ self.seed.k1,
                word_at(v, 8) ^ self.seed.k1,
            );
            (word_at(v, n - 16) ^ acc, word_at(v, n - 8))
        } else {
            // 16 bytes at a time, read in place, then the last 16 (overlapping the ones
            // before where the length is not a multiple): one product per 16 bytes.
            let mut acc = self.seed.k1;
            let mut at = 0;
            while at + 16 < n {
                acc = folded_multiply(
                    word_at(v, at) ^ self.seed.k0 ^ acc,
                    word_at(v, at + 8) ^ self.seed.k1,
                );
                at += 16;
            }
            (word_at(v, n - 16) ^ acc, word_at(v, n - 8))
        };
        let mixed = folded_multiply(
            lo ^ self.seed.k0,
            hi ^ self.seed.k1 ^ (n as u64).rotate_right(8),
        );
        self.hash = self.hash.rotate_left(23) ^ mixed;
    }

    #[inline(always)]
    pub(crate) fn finish(&self) -> u64 {
        self.hash
    }
}
