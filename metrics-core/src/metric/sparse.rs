//! The hashed part of a family: series found by the hash of their label values, in a table
//! that lookups read with no lock, no reference count and no write to shared memory.
//!
//! - The table is open-addressing with linear probes. Each place has a control byte (empty,
//!   removed, free again, or 7 bits of the hash), the series' metric handle and an id per
//!   label value (`values.rs`), in three arrays: a probe reads the control byte and, where
//!   the bits match, the ids and the handle at the same place, so a lookup reaches its
//!   series in one step. A lookup hashes the values, pins its thread (`runtime/epoch.rs`: plain
//!   stores to the thread's own record), probes, and compares the stored values with the
//!   ones it was given. A miss takes the writer's lock to insert.
//! - The writer fills a place, then publishes it with a release store of its control byte;
//!   a lookup that reads the byte sees the place.
//! - Removing a series marks its place removed and retires the series: once no pinned
//!   lookup can reach it, its metric is dropped, its values released and the place is free
//!   for another series. Growing builds a bigger table (the handles copied over, the table's
//!   places in the same order of probes) and retires the old one, which goes once no lookup
//!   reads it. Whoever holds the writer's lock frees what waits, in batches.
//! - One lock for every change (insert, remove, clear, the expiry a scrape does): a family
//!   gains series far more rarely than it looks them up, and a lookup never waits for it.
//!   No user code runs under it: callers hand over the label values as strings.

use std::mem::MaybeUninit;
use std::time::{Duration, Instant};

use crate::label::{ValueHashSeed, ValueHasher};
use crate::metric::header::{SeriesHash, SeriesHeader};
use crate::metric::values::{RetiredValues, ValueIds, ValueSlots, ValuesRead};
use crate::metric::Metric;
use crate::runtime::epoch::{self, Pin};
use crate::runtime::sync::{
    AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Mutex, Ordering, UnsafeCell,
};

/// Control bytes: a live place holds `LIVE | 7 bits of the hash`.
const EMPTY: u8 = 0;
/// Removed, and perhaps still read by a pinned lookup: probes go past it.
const REMOVED: u8 = 1;
/// Removed, and read by no lookup any more: probes go past it, inserts may take it.
const FREE: u8 = 2;
const LIVE: u8 = 0x80;
/// Retired series and tables that wait before the writer tries to free them.
const COLLECT_EVERY: usize = 64;

/// A place's metric: written by the writer before the place is published, and owned by the
/// table while the place is live.
struct MetricSlot<M>(UnsafeCell<MaybeUninit<M>>);

/// One table: a power of two of places, at most 7/8 of them not empty.
struct Table<M> {
    mask: usize,
    control: Box<[AtomicU8]>,
    metrics: Box<[MetricSlot<M>]>,
    /// `arity` value ids per place, in label order.
    ids: Box<[AtomicU32]>,
    /// Per place, for families whose idle series expire: what the last scrape saw of the
    /// metric (see [`pack_seen`]).
    seen: Option<Box<[AtomicU64]>>,
}

impl<M> Table<M> {
    fn new(capacity: usize, arity: usize, expires: bool) -> Box<Table<M>> {
        let capacity = capacity.next_power_of_two().max(8);
        Box::new(Table {
            mask: capacity - 1,
            control: (0..capacity).map(|_| AtomicU8::new(EMPTY)).collect(),
            metrics: (0..capacity)
                .map(|_| MetricSlot(UnsafeCell::new(MaybeUninit::uninit())))
                .collect(),
            ids: (0..capacity * arity).map(|_| AtomicU32::new(0)).collect(),
            seen: expires.then(|| (0..capacity).map(|_| AtomicU64::new(0)).collect()),
        })
    }

    fn capacity(&self) -> usize {
        self.mask + 1
    }

    /// Where `hash`'s probes start.
    #[inline(always)]
    fn start(&self, hash: SeriesHash) -> usize {
        hash.position() & self.mask
    }

    /// The place after `at`, round the end.
    #[inline(always)]
    fn next(&self, at: usize) -> usize {
        (at + 1) & self.mask
    }

    /// Whether `used` places not empty stay within the load the probes are cheap at.
    fn fits(&self, used: usize) -> bool {
        used * 8 <= self.capacity() * 7
    }

    /// The value ids of place `at`.
    #[inline(always)]
    fn ids(&self, at: usize, arity: usize) -> &[AtomicU32] {
        let start = at * arity;
        self.ids.get(start..start + arity).unwrap_or_default()
    }

    /// The metric at place `at`, which holds one (live, or removed while the caller was
    /// pinned).
    #[inline(always)]
    fn metric(&self, at: usize) -> Option<&M> {
        let slot = self.metrics.get(at)?;
        // SAFETY: a place's metric is written before its control byte says live (release,
        // read with acquire by the caller), and stays until the place is free again, which
        // waits for every lookup pinned while it was reachable; the caller is pinned, or
        // holds the writer's lock.
        #[allow(unsafe_code)]
        let metric = slot
            .0
            .with(|m| unsafe { (*m).assume_init_ref() as *const M });
        // SAFETY: as above, for as long as the caller's pin (or lock) lasts.
        #[allow(unsafe_code)]
        Some(unsafe { &*metric })
    }

    /// The first place on `hash`'s probe path that an insert may take. Writer only.
    fn free_place(&self, hash: SeriesHash) -> usize {
        let mut at = self.start(hash);
        loop {
            let control = self.control[at].load(Ordering::Relaxed);
            if control == EMPTY || control == FREE {
                return at;
            }
            at = self.next(at);
        }
    }
}

/// What the writer retired, freed once no lookup can reach it.
enum Retired<M> {
    /// A removed series: its metric (moved out of its place), its value ids, and its place
    /// in the table of `generation`.
    Series {
        metric: M,
        ids: Box<[u32]>,
        generation: u64,
        at: usize,
    },
    /// A table replaced by a bigger one: its places' metrics moved to the new one, so that
    /// dropping it frees its memory alone.
    Table(#[allow(dead_code)] Box<Table<M>>),
    /// The values' array, replaced by a bigger one.
    Values(#[allow(dead_code)] RetiredValues),
}

/// What only the writer touches, under the lock.
struct Writer<M> {
    /// Places of the current table not empty: live, removed or free.
    used: usize,
    /// Bumped with every new table.
    generation: u64,
    /// Retired series and tables with their tags (see `runtime/epoch.rs`).
    limbo: Vec<(u64, Retired<M>)>,
    /// How many were waiting when the last insert tried to free them.
    limbo_scanned: usize,
    /// The places of the current table in the order their series came: the order scrapes
    /// write them in (stable from one scrape to the next), and, as series come in one after
    /// another in memory, a scrape reads them in the order they lie. Removals leave their
    /// entries behind, skipped, and dropped by [`Sparse::live_in_order`] before their places
    /// are taken again.
    order: Vec<u32>,
    values: ValueIds,
}

pub(crate) struct Sparse<M> {
    table: AtomicPtr<Table<M>>,
    values: ValueSlots,
    writer: Mutex<Writer<M>>,
    len: AtomicUsize,
    arity: usize,
    expires: bool,
    seed: ValueHashSeed,
    born: Instant,
}

// SAFETY: the metric places are written by the writer alone (under its lock) while no lookup
// can reach them: before the place is published, or once it is free again (every lookup that
// could have read it has finished, `runtime/epoch.rs`). Otherwise they are only read, as `&M`, from
// any thread, which `M: Sync` allows; a metric may be dropped on another thread than made
// it, which `M: Send` allows.
#[allow(unsafe_code)]
unsafe impl<M: Send + Sync> Sync for Sparse<M> {}
// SAFETY: as above; the table owns its metrics like a `Vec<M>`.
#[allow(unsafe_code)]
unsafe impl<M: Send + Sync> Send for Sparse<M> {}

impl<M: Metric> Sparse<M> {
    pub(crate) fn new(arity: usize, expires: bool) -> Sparse<M> {
        epoch::init();
        let seed = ValueHashSeed::new();
        Sparse {
            table: AtomicPtr::new(Box::into_raw(Table::new(8, arity, expires))),
            values: ValueSlots::new(),
            writer: Mutex::new(Writer {
                used: 0,
                generation: 0,
                limbo: Vec::new(),
                limbo_scanned: 0,
                order: Vec::new(),
                values: ValueIds::new(seed),
            }),
            len: AtomicUsize::new(0),
            arity,
            expires,
            seed,
            born: Instant::now(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// The hash of label values given one at a time by `visit`.
    #[inline]
    pub(crate) fn hash(&self, visit: impl FnOnce(&mut dyn FnMut(&str))) -> SeriesHash {
        let mut hasher = ValueHasher::new(self.seed);
        visit(&mut |v| hasher.value(v));
        SeriesHash::of(hasher.finish())
    }

    /// The hash of `values`: [`hash`](Sparse::hash) without the visitor.
    #[inline(always)]
    pub(crate) fn hash_values(&self, values: &[&str]) -> SeriesHash {
        let mut hasher = ValueHasher::new(self.seed);
        for value in values {
            hasher.value(value);
        }
        SeriesHash::of(hasher.finish())
    }

    /// Whether the ids of a place are, in order, the values `visit` gives.
    #[inline]
    pub(crate) fn ids_match(
        stored: ValuesRead<'_>,
        ids: &[AtomicU32],
        visit: impl FnOnce(&mut dyn FnMut(&str)),
    ) -> bool {
        let mut ids = ids.iter();
        let mut same = true;
        visit(&mut |value| {
            same = same
                && ids
                    .next()
                    .is_some_and(|id| stored.is(id.load(Ordering::Relaxed), value));
        });
        same && ids.next().is_none()
    }

    /// Whether the ids of a place are exactly `values` (as many as the family has labels,
    /// which the caller checked).
    #[inline(always)]
    pub(crate) fn ids_match_values(
        stored: ValuesRead<'_>,
        ids: &[AtomicU32],
        values: &[&str],
    ) -> bool {
        ids.iter()
            .zip(values)
            .all(|(id, value)| stored.is(id.load(Ordering::Relaxed), value))
    }

    /// The table lookups read now.
    #[inline(always)]
    fn current(&self) -> &Table<M> {
        // SAFETY: the pointer is always a live `Box<Table>`: a replaced one is retired, and
        // freed only once no lookup can be reading it; callers are pinned or hold the lock.
        #[allow(unsafe_code)]
        unsafe {
            &*self.table.load(Ordering::Acquire)
        }
    }

    /// The series whose values `matches` accepts, if the table has it: the lookup of every
    /// labelled update. The caller holds `pin` for as long as it uses the reference.
    #[inline]
    pub(crate) fn find(
        &self,
        _pin: &Pin,
        hash: SeriesHash,
        matches: impl Fn(ValuesRead<'_>, &[AtomicU32]) -> bool,
    ) -> Option<&M> {
        let table = self.current();
        let at = self.find_place(table, hash, matches)?;
        table.metric(at)
    }

    /// The place of the series `matches` accepts, in `table`.
    #[inline(always)]
    fn find_place(
        &self,
        table: &Table<M>,
        hash: SeriesHash,
        matches: impl Fn(ValuesRead<'_>, &[AtomicU32]) -> bool,
    ) -> Option<usize> {
        let tag = LIVE | hash.tag();
        let stored = self.values.read();
        let mut at = table.start(hash);
        loop {
            // Acquire: the place was written before its control byte.
            let control = table.control.get(at)?.load(Ordering::Acquire);
            if control == tag && matches(stored, table.ids(at, self.arity)) {
                return Some(at);
            }
            if control == EMPTY {
                return None;
            }
            at = table.next(at);
        }
    }

    /// The series of `values` (one per label, in order), made with `make` if the family
    /// does not have it; `None` if the family holds `limit` series (or ran out of value ids).
    /// The caller is pinned, and `hash` is the hash of `values`.
    pub(crate) fn insert(
        &self,
        _pin: &Pin,
        hash: SeriesHash,
        values: &[&str],
        make: impl FnOnce(SeriesHeader) -> M,
        limit: usize,
    ) -> Option<&M> {
        if self.len() >= limit || values.len() != self.arity {
            return None;
        }
        let mut writer = self.writer.lock();
        let w = &mut *writer;
        let table = self.current();
        if let Some(at) = self.find_place(table, hash, |stored, ids| {
            Self::ids_match_values(stored, ids, values)
        }) {
            return table.metric(at);
        }
        if self.len() >= limit {
            return None;
        }
        if !w.values.has_free() {
            self.reclaim_before_growing(w);
        }
        let mut ids = Vec::with_capacity(values.len());
        let mut outgrown = Vec::new();
        for value in values {
            match w.values.acquire(&self.values, value, &mut outgrown) {
                Some(id) => ids.push(id),
                None => break,
            }
        }
        for array in outgrown {
            w.limbo.push((epoch::retire(), Retired::Values(array)));
        }
        if ids.len() < values.len() {
            ids.iter()
                .for_each(|&id| w.values.release(&self.values, id));
            return None;
        }
        let (table, at) = self.place_for(w, hash);
        let metric = make(SeriesHeader::new(hash));
        if let Some(seen) = &table.seen {
            seen[at].store(
                pack_seen(metric.fingerprint(), self.now_ms()),
                Ordering::Relaxed,
            );
        }
        // SAFETY: an empty or free place: no lookup can reach it (see `Sync`).
        #[allow(unsafe_code)]
        table.metrics[at].0.with_mut(|m| unsafe {
            (*m).write(metric);
        });
        for (cell, id) in table.ids(at, self.arity).iter().zip(ids) {
            cell.store(id, Ordering::Relaxed);
        }
        if table.control[at].load(Ordering::Relaxed) == EMPTY {
            w.used += 1;
        }
        self.len.fetch_add(1, Ordering::Relaxed);
        // Release: a lookup that reads the byte sees the place written before it.
        table.control[at].store(LIVE | hash.tag(), Ordering::Release);
        if w.order.len() == w.order.capacity() {
            // A quarter more, not double: the list grows with the family's series.
            w.order.reserve_exact((w.order.len() / 4).max(16));
        }
        w.order.push(at as u32);
        if w.order.len() > 2 * self.len() + 64 {
            // Many removals since the last scrape: drop their entries.
            w.order = self.live_in_order(w, table);
        }
        table.metric(at)
    }

    /// Where a new series of `hash` goes: a free place of the current table, or an empty one
    /// if that keeps the table within its load; else a place in a bigger table, made now.
    fn place_for(&self, w: &mut Writer<M>, hash: SeriesHash) -> (&Table<M>, usize) {
        let table = self.current();
        let at = table.free_place(hash);
        if table.control[at].load(Ordering::Relaxed) == FREE || table.fits(w.used + 1) {
            return (table, at);
        }
        if self.reclaim_before_growing(w) {
            let at = table.free_place(hash);
            if table.control[at].load(Ordering::Relaxed) == FREE {
                return (table, at);
            }
        }
        let table = self.grow(w);
        (table, table.free_place(hash))
    }

    /// Frees what was retired before the table or the values grow, if anything new waits;
    /// whether it tried. (Once per batch: a pin held long keeps the batch from being freed,
    /// and need not cost every insert a scan.)
    fn reclaim_before_growing(&self, w: &mut Writer<M>) -> bool {
        if w.limbo.len() <= w.limbo_scanned {
            return false;
        }
        self.collect(w, true);
        w.limbo_scanned = w.limbo.len();
        true
    }

    /// Replaces the table by one at most half full, with the live series alone, and retires
    /// the old one.
    fn grow(&self, w: &mut Writer<M>) -> &Table<M> {
        let table = self.current();
        // At most half full, counting the series to come.
        let new = Table::new((self.len() + 1) * 2, self.arity, self.expires);
        let mut order = Vec::with_capacity(self.len() + 1);
        for at in self.live_in_order(w, table) {
            let at = at as usize;
            let Some(hash) = table.metric(at).map(|m| m.header().hash()) else {
                continue;
            };
            let to = new.free_place(hash);
            // SAFETY: the handle's bits move to the new table, which owns them from now on;
            // the old table's copy is never dropped (a table drops no metric), only read by
            // lookups still on it.
            #[allow(unsafe_code)]
            let metric = table.metrics[at].0.with(|m| unsafe { std::ptr::read(m) });
            // SAFETY: the new table is not published yet: no lookup reads it.
            #[allow(unsafe_code)]
            new.metrics[to].0.with_mut(|m| unsafe { m.write(metric) });
            for (to, from) in new
                .ids(to, self.arity)
                .iter()
                .zip(table.ids(at, self.arity))
            {
                to.store(from.load(Ordering::Relaxed), Ordering::Relaxed);
            }
            if let (Some(to_seen), Some(from_seen)) = (&new.seen, &table.seen) {
                to_seen[to].store(from_seen[at].load(Ordering::Relaxed), Ordering::Relaxed);
            }
            new.control[to].store(LIVE | hash.tag(), Ordering::Relaxed);
            order.push(to as u32);
        }
        w.order = order;
        w.used = self.len();
        w.generation += 1;
        // Release: lookups that load the new table see its places.
        let old = self.table.swap(Box::into_raw(new), Ordering::AcqRel);
        // SAFETY: `old` came from `Box::into_raw` and is no longer reachable from `table`.
        #[allow(unsafe_code)]
        let old = unsafe { Box::from_raw(old) };
        w.limbo.push((epoch::retire(), Retired::Table(old)));
        self.current()
    }

    /// The live places of `table` in the order their series came, each once: `order`
    /// without the entries of removed series (whose places are not free for another series
    /// before this has dropped them, see [`collect`](Sparse::collect)).
    fn live_in_order(&self, w: &Writer<M>, table: &Table<M>) -> Vec<u32> {
        let mut seen = vec![0u64; table.capacity().div_ceil(64)];
        let mut live = Vec::with_capacity(self.len());
        for &at in &w.order {
            let (word, bit) = (at as usize / 64, 1u64 << (at % 64));
            let is_live = table
                .control
                .get(at as usize)
                .is_some_and(|c| c.load(Ordering::Relaxed) & LIVE != 0);
            if is_live && seen.get(word).is_some_and(|w| w & bit == 0) {
                seen[word] |= bit;
                live.push(at);
            }
        }
        live
    }

    /// Removes the series whose values `matches` accepts; whether there was one.
    pub(crate) fn remove(
        &self,
        hash: SeriesHash,
        matches: impl Fn(ValuesRead<'_>, &[AtomicU32]) -> bool,
    ) -> bool {
        let mut writer = self.writer.lock();
        let table = self.current();
        let Some(at) = self.find_place(table, hash, matches) else {
            return false;
        };
        self.unlink(&mut writer, at);
        self.collect(&mut writer, false);
        true
    }

    /// Takes the series at place `at` of the current table out, and retires it.
    fn unlink(&self, w: &mut Writer<M>, at: usize) {
        let table = self.current();
        table.control[at].store(REMOVED, Ordering::Release);
        // SAFETY: the place was live: its metric moves to the retired list, which owns it
        // from now on; lookups pinned meanwhile still read the place's copy, which stays
        // until the place is free again (after them).
        #[allow(unsafe_code)]
        let metric = table.metrics[at]
            .0
            .with(|m| unsafe { std::ptr::read(m).assume_init() });
        let ids = table
            .ids(at, self.arity)
            .iter()
            .map(|id| id.load(Ordering::Relaxed))
            .collect();
        self.len.fetch_sub(1, Ordering::Relaxed);
        let retired = Retired::Series {
            metric,
            ids,
            generation: w.generation,
            at,
        };
        w.limbo.push((epoch::retire(), retired));
    }

    /// Removes every series.
    pub(crate) fn clear(&self) {
        let mut writer = self.writer.lock();
        let w = &mut *writer;
        let table = self.current();
        for at in 0..table.capacity() {
            if table.control[at].load(Ordering::Relaxed) & LIVE != 0 {
                self.unlink(w, at);
            }
        }
        // A small table again: the series all moved to the retired list.
        let fresh = Table::new(8, self.arity, self.expires);
        let old = self.table.swap(Box::into_raw(fresh), Ordering::AcqRel);
        // SAFETY: as in `grow`.
        #[allow(unsafe_code)]
        let old = unsafe { Box::from_raw(old) };
        w.used = 0;
        w.generation += 1;
        w.order.clear();
        w.limbo.push((epoch::retire(), Retired::Table(old)));
        self.collect(w, true);
    }

    /// Frees what no lookup can reach any more, when enough waits (or `now`).
    fn collect(&self, w: &mut Writer<M>, now: bool) {
        if w.limbo.is_empty() || (!now && w.limbo.len() < COLLECT_EVERY) {
            return;
        }
        let frontier = epoch::frontier();
        let table = self.current();
        let frees_places = w.limbo.iter().any(|(tag, retired)| {
            *tag < frontier
                && matches!(retired, Retired::Series { generation, .. } if *generation == w.generation)
        });
        if frees_places {
            // Before a place is free for a new series, the old one's entry leaves the order:
            // the new series takes its turn at the end, as it came.
            w.order = self.live_in_order(w, table);
        }
        for (tag, retired) in std::mem::take(&mut w.limbo) {
            if tag >= frontier {
                w.limbo.push((tag, retired));
                continue;
            }
            if let Retired::Series {
                metric,
                ids,
                generation,
                at,
            } = retired
            {
                drop(metric);
                for &id in ids.iter() {
                    w.values.release(&self.values, id);
                }
                if generation == w.generation {
                    table.control[at].store(FREE, Ordering::Relaxed);
                }
            }
        }
    }

    fn now_ms(&self) -> u64 {
        self.born.elapsed().as_millis() as u64
    }

    /// Calls `write` with every live series and its stored label values, in the order the
    /// series came, and drops those idle for `expire_after` (unchanged since an earlier scrape saw
    /// them). Holds the writer's lock meanwhile: lookups go on, new series wait.
    pub(crate) fn for_each(
        &self,
        expire_after: Option<Duration>,
        mut write: impl FnMut(&M, &mut dyn Iterator<Item = &str>),
    ) {
        let mut writer = self.writer.lock();
        let w = &mut *writer;
        let table = self.current();
        let now = self.now_ms();
        let ttl = expire_after.map(|d| d.as_millis() as u64);
        let order = self.live_in_order(w, table);
        for &at in &order {
            let at = at as usize;
            let Some(metric) = table.metric(at) else {
                continue;
            };
            if let (Some(ttl), Some(seen)) = (ttl, &table.seen) {
                if idle_for(&seen[at], metric, now) >= ttl {
                    self.unlink(w, at);
                    continue;
                }
            }
            let ids = table.ids(at, self.arity);
            write(
                metric,
                &mut ids
                    .iter()
                    .map(|id| self.values.text(id.load(Ordering::Relaxed))),
            );
        }
        w.order = order;
        self.collect(w, true);
    }
}

impl<M> Drop for Sparse<M> {
    fn drop(&mut self) {
        // No lookup is left: every `Series` borrows the family. Retired metrics drop with
        // the writer's list; the live ones are the current table's.
        // SAFETY: the current table came from `Box::into_raw`, and nothing reads it any more.
        #[allow(unsafe_code)]
        let table = unsafe { Box::from_raw(self.table.load(Ordering::Relaxed)) };
        for (control, slot) in table.control.iter().zip(table.metrics.iter()) {
            if control.load(Ordering::Relaxed) & LIVE != 0 {
                // SAFETY: a live place owns its metric, dropped once here.
                #[allow(unsafe_code)]
                slot.0.with_mut(|m| unsafe { (*m).assume_init_drop() });
            }
        }
    }
}

const SEEN_MS_BITS: u32 = 40;
const SEEN_MS: u64 = (1 << SEEN_MS_BITS) - 1;

/// What a scrape notes of a series, to tell when it stops changing: the metric's
/// fingerprint, folded to 24 bits, and when the scrape first saw that fingerprint (ms since
/// the family was made: 34 years).
fn pack_seen(fingerprint: u64, ms: u64) -> u64 {
    let folded = (fingerprint ^ fingerprint >> 24 ^ fingerprint >> 48) & 0xff_ffff;
    folded << SEEN_MS_BITS | ms & SEEN_MS
}

/// Milliseconds since the series' value last changed, as seen by scrapes. Writer only.
fn idle_for<M: Metric>(seen: &AtomicU64, metric: &M, now: u64) -> u64 {
    let last = seen.load(Ordering::Relaxed);
    let current = pack_seen(metric.fingerprint(), now);
    if last >> SEEN_MS_BITS != current >> SEEN_MS_BITS {
        seen.store(current, Ordering::Relaxed);
        return 0;
    }
    now.saturating_sub(last & SEEN_MS)
}

#[cfg(all(test, loom))]
mod loom_tests {
    use crate::{DynLabels, Family, Gauge, Opts, Registry};

    /// One thread looks a series up and updates it while another removes every series, frees
    /// what it may and puts a new series where the old one was: the lookup gets the old
    /// series or the new, whole either way, and the place is not written while a pinned
    /// lookup may read it (the metric's cell reports that). Gauges: a counter's thread cells
    /// are not modelled, and the protocol is the table's.
    #[test]
    fn a_lookup_racing_removal_and_reuse_reads_a_whole_series() {
        // Two preemptions per run: what the reclamation protocol needs (a pin racing the
        // writer's unlink and scan), with a state space that finishes in seconds.
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(3);
        model.check(|| {
            let family: Family<DynLabels, Gauge> =
                Registry::new().family(Opts::new("level", "Level.").labels(&["key"]));
            family.with_label_values(&["a"]).set(1.0);
            let other = family.clone();
            let reader = loom::thread::spawn(move || {
                // A thread's first pin leases its record under a lock (see `runtime/epoch.rs`); the
                // second lookup's pin, racing the writer's scan, is the one that matters.
                other.with_label_values(&["a"]).add(1.0);
                let series = other.with_label_values(&["a"]);
                series.add(1.0);
                series.get()
            });
            family.clear();
            family.with_label_values(&["b"]).set(5.0);
            let seen = reader.join().unwrap();
            // The old series (1 + 1 + 1), or a new one made after the clear, once or twice.
            assert!(seen == 3.0 || seen == 2.0 || seen == 1.0, "{seen}");
            assert_eq!(family.with_label_values(&["b"]).get(), 5.0);
        });
    }

    /// One thread adds a series while another looks it up: a lookup that finds it sees the
    /// series as it was written, value ids and metric both (their cells report a read that
    /// the writer's stores do not happen before).
    #[test]
    fn a_series_is_whole_when_a_lookup_first_finds_it() {
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(3);
        model.check(|| {
            let family: Family<DynLabels, Gauge> =
                Registry::new().family(Opts::new("level", "Level.").labels(&["key"]));
            let other = family.clone();
            // Adds on both sides: loom's model of a plain store racing a compare-and-swap on
            // one atomic lets the swap read a stale value, which real processors do not.
            let writer = loom::thread::spawn(move || other.with_label_values(&["x"]).add(3.0));
            family.with_label_values(&["x"]).add(1.0);
            writer.join().unwrap();
            assert_eq!(family.with_label_values(&["x"]).get(), 4.0);
            assert_eq!(family.len(), 1);
        });
    }
}
