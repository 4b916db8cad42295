//! What every metric keeps beside its value: when its series started, and the family
//! table's hash of its label values, in one word.

use std::fmt;
use std::sync::LazyLock;

use crate::runtime::clock::unix_ms;
use crate::runtime::sync::{AtomicU64, Ordering};

/// What every metric keeps with it besides its value, in one word of its own allocation:
/// when the series started, and the family table's hash of its label values. The label
/// values are kept by the family (as ids into its values), since series share them.
// `pub` only to appear in the sealed `Metric` trait; unreachable from outside the crate.
pub struct SeriesHeader {
    /// Bits 24-63: when the series started or was last reset (ms since [`EPOCH`]: 34 years).
    /// Bits 0-23: the table's hash of the values (see [`SeriesHash`]), fixed at creation.
    started: AtomicU64,
}

/// Unix milliseconds when the process first made a metric: creation times count from it, in
/// 40 bits.
static EPOCH: LazyLock<u64> = LazyLock::new(unix_ms);

const HASH_BITS: u32 = 24;
const HASH_MASK: u64 = (1 << HASH_BITS) - 1;

impl SeriesHeader {
    /// The header of a metric outside any family, or of a dense family's series.
    pub(crate) fn detached() -> SeriesHeader {
        SeriesHeader::new(SeriesHash(0))
    }

    /// A header started now.
    pub(crate) fn new(hash: SeriesHash) -> SeriesHeader {
        SeriesHeader {
            started: AtomicU64::new(Self::now() | u64::from(hash.0)),
        }
    }

    /// Now, placed as in `started`.
    fn now() -> u64 {
        let since = unix_ms().saturating_sub(*EPOCH);
        (since & ((1 << (64 - HASH_BITS)) - 1)) << HASH_BITS
    }

    /// When the series started or was last reset, in Unix seconds (to the millisecond).
    pub(crate) fn created(&self) -> f64 {
        let since = self.started.load(Ordering::Relaxed) >> HASH_BITS;
        (*EPOCH + since) as f64 / 1000.0
    }

    /// Starts the series again now (a reset), keeping its hash.
    pub(crate) fn restart(&self) {
        let hash = self.started.load(Ordering::Relaxed) & HASH_MASK;
        self.started.store(Self::now() | hash, Ordering::Relaxed);
    }

    /// The table's hash of the series' label values.
    pub(crate) fn hash(&self) -> SeriesHash {
        SeriesHash((self.started.load(Ordering::Relaxed) & HASH_MASK) as u32)
    }
}

impl fmt::Debug for SeriesHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeriesHeader")
            .field("created", &self.created())
            .finish_non_exhaustive()
    }
}

/// A series' hash as the table keeps it: 24 bits, so that it shares a word of the header with
/// the creation time. The table spreads them back over 64 bits (a multiply), so that it can
/// rehash without the values: the low bits give the place in the table, the top 7 the tag its
/// control byte keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeriesHash(u32);

impl SeriesHash {
    #[inline(always)]
    pub(crate) fn of(full: u64) -> SeriesHash {
        SeriesHash(((full ^ full >> 32) & HASH_MASK) as u32)
    }

    #[inline(always)]
    fn spread(self) -> u64 {
        u64::from(self.0).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    /// Where a probe starts, before the index's mask.
    #[inline(always)]
    pub(crate) fn position(self) -> usize {
        self.spread() as usize
    }

    /// The 7 bits a table's control byte keeps, so that most probes compare no values.
    #[inline(always)]
    pub(crate) fn tag(self) -> u8 {
        (self.spread() >> 57) as u8
    }
}
