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

mod expiry;
#[cfg(all(test, loom))]
mod loom_tests;
mod stats;
pub(crate) use stats::ranked;
mod table;

use std::time::{Duration, Instant};

use crate::label::{ValueHashSeed, ValueHasher};
use crate::metric::header::{SeriesHash, SeriesHeader};
use crate::metric::values::{RetiredValues, ValueIds, ValueSlots, ValuesRead};
use crate::metric::Metric;
use crate::runtime::epoch::{self, Pin};
use crate::runtime::sync::{AtomicPtr, AtomicU32, AtomicUsize, Mutex, Ordering};

use expiry::{idle_for, pack_seen};
use table::{Table, EMPTY, FREE, LIVE, REMOVED};

/// Retired series and tables that wait before the writer tries to free them.
const COLLECT_EVERY: usize = 64;

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
