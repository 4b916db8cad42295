//! The label values of a hashed family, each stored once and shared by every series that
//! carries it.
//!
//! Label values repeat across series: a route appears once per status code and method, a
//! status code once per route. A series keeps a `u32` id per label, and the family keeps each
//! distinct value once, escaped and closed by a quote as the encoders write it (see
//! [`push_value`]), with a count of the series using it. A value leaves with the last series
//! that used it, so the values are bounded by the family's series, whatever comes and goes.
//!
//! Lookups read a value by id with no lock ([`ValueSlots`]): one array of 32-byte slots,
//! found from the id with one load, and holding the text itself when it is 30 bytes or
//! shorter (status codes, methods, most routes), else where it is on the heap. The family's
//! writer lock guards the rest ([`ValueIds`]). A slot is written when its id is handed out
//! and cleared when the last series using it is freed, which happens only once no lookup can
//! reach that series (see `runtime/epoch.rs`): so no lookup reads a slot while it is written. When
//! the array is full the writer copies it into one twice as big and retires the old one,
//! which is freed once no lookup can be reading it.

use hashbrown::HashTable;

use crate::label::{push_value, same_bytes, stored_is, ValueHashSeed, ValueHasher};
use crate::runtime::sync::{AtomicPtr, Ordering, UnsafeCell};

/// Bytes of text a slot holds itself.
const INLINE: usize = 30;
/// `Slot` byte 0 for a slot holding no value.
const UNUSED: u8 = 0xff;
/// `Slot` byte 0 for a text on the heap (pointer at bytes 8-15, length at 16-23).
const ON_HEAP: u8 = 0xfe;
/// `Slot` byte 0 for a text held here that was escaped: this bit and its length.
const ESCAPED: u8 = 0x40;

/// One stored value: byte 0 is the length of a plain text held here (at most [`INLINE`]),
/// or that length with [`ESCAPED`], or [`ON_HEAP`], or [`UNUSED`]; byte 1 says whether a
/// text on the heap is plain; the text follows, from byte 2, or is on the heap. So the common
/// comparison, a plain value held here, tests one byte before the text.
#[repr(C, align(8))]
#[derive(Clone, Copy)]
struct Slot([u8; 32]);

impl Slot {
    const UNUSED: Slot = {
        let mut bytes = [0; 32];
        bytes[0] = UNUSED;
        Slot(bytes)
    };

    /// A slot holding `text`, which stays where it is until [`Slot::free`].
    fn new(text: &str) -> Slot {
        let mut bytes = [0; 32];
        let plain = !text.contains('\\');
        if text.len() <= INLINE {
            bytes[0] = text.len() as u8 | if plain { 0 } else { ESCAPED };
            bytes[2..2 + text.len()].copy_from_slice(text.as_bytes());
        } else {
            bytes[0] = ON_HEAP;
            bytes[1] = u8::from(plain);
            let len = text.len();
            let text: *mut str = Box::into_raw(Box::<str>::from(text));
            bytes[8..16].copy_from_slice(&(text as *mut u8 as usize).to_ne_bytes());
            bytes[16..24].copy_from_slice(&len.to_ne_bytes());
        }
        Slot(bytes)
    }

    /// The text, if the slot holds one, and whether it is plain.
    #[inline(always)]
    fn get(&self) -> Option<(&str, bool)> {
        let (bytes, plain) = match self.0[0] {
            UNUSED => return None,
            ON_HEAP => {
                let word = |at: usize| {
                    usize::from_ne_bytes(self.0[at..at + 8].try_into().unwrap_or_default())
                };
                // SAFETY: made by `Slot::new` from a leaked `Box<str>` of this length, which
                // lives until `Slot::free`, after which the slot is never read again.
                #[allow(unsafe_code)]
                let text = unsafe { std::slice::from_raw_parts(word(8) as *const u8, word(16)) };
                (text, self.0[1] != 0)
            }
            len => {
                let plain = len & ESCAPED == 0;
                (self.0.get(2..2 + (len & !ESCAPED) as usize)?, plain)
            }
        };
        // SAFETY: the bytes were copied from a `str`, whole.
        #[allow(unsafe_code)]
        Some((unsafe { std::str::from_utf8_unchecked(bytes) }, plain))
    }

    /// Whether the slot holds `value`.
    #[inline(always)]
    fn is(&self, value: &str) -> bool {
        // The common case: a plain text held here, the value and its closing quote.
        let len = value.len() + 1;
        if usize::from(self.0[0]) == len {
            return self
                .0
                .get(2..len + 1)
                .is_some_and(|text| same_bytes(text, value.as_bytes()));
        }
        self.is_other(value)
    }

    /// [`is`](Slot::is) for the other cases: a different length, an escaped text, a text on
    /// the heap, no text.
    #[inline(never)]
    fn is_other(&self, value: &str) -> bool {
        match self.0[0] {
            UNUSED => false,
            ON_HEAP => self
                .get()
                .is_some_and(|(text, plain)| stored_is(text, plain, value)),
            escaped if escaped & ESCAPED != 0 => self
                .get()
                .is_some_and(|(text, _)| stored_is(text, false, value)),
            // Plain, held here, of another length.
            _ => false,
        }
    }

    /// Frees the text's heap copy, if it has one.
    fn free(&self) {
        if self.0[0] == ON_HEAP {
            if let Some((text, _)) = self.get() {
                // SAFETY: the leaked box of `Slot::new`, freed once: the caller clears the
                // slot (or drops the array) at once, and no lookup reads it any more.
                #[allow(unsafe_code)]
                drop(unsafe { Box::from_raw(text as *const str as *mut str) });
            }
        }
    }
}

/// The slots of an array generation.
struct Array {
    slots: Box<[UnsafeCell<Slot>]>,
}

impl Array {
    fn new(capacity: usize) -> Box<Array> {
        Box::new(Array {
            slots: (0..capacity)
                .map(|_| UnsafeCell::new(Slot::UNUSED))
                .collect(),
        })
    }

    #[inline(always)]
    fn slot(&self, id: u32) -> Option<Slot> {
        let cell = self.slots.get(id as usize)?;
        // SAFETY: see `ValueSlots`'s `Sync`: nothing writes a slot while a caller may read it.
        #[allow(unsafe_code)]
        Some(cell.with(|slot| unsafe { *slot }))
    }
}

/// The values' array as a lookup loaded it.
#[derive(Clone, Copy)]
pub(crate) struct ValuesRead<'a>(&'a Array);

impl ValuesRead<'_> {
    /// Whether the value of `id` is `value`.
    #[inline(always)]
    pub(crate) fn is(self, id: u32, value: &str) -> bool {
        let Some(cell) = self.0.slots.get(id as usize) else {
            return false;
        };
        // SAFETY: as in `ValueSlots::get`.
        #[allow(unsafe_code)]
        let slot = cell.with(|slot| unsafe { &*slot });
        slot.is(value)
    }
}

/// An array the writer replaced, freed (its memory only: the texts moved on) once no lookup
/// can be reading it.
pub(crate) struct RetiredValues(#[allow(dead_code)] Box<Array>);

/// The stored values, by id.
pub(crate) struct ValueSlots {
    array: AtomicPtr<Array>,
}

// SAFETY: a slot is written only by the family's writer (under its lock) while no lookup can
// reach its id: before the id is published with a series, or after the last series using it
// was freed (see the module's notes); a replaced array is never written again. Otherwise
// slots are only read, from any thread; the texts they point to are immutable.
#[allow(unsafe_code)]
unsafe impl Sync for ValueSlots {}
// SAFETY: the slots own their texts like `Box<str>`s.
#[allow(unsafe_code)]
unsafe impl Send for ValueSlots {}

impl ValueSlots {
    pub(crate) fn new() -> ValueSlots {
        ValueSlots {
            array: AtomicPtr::new(Box::into_raw(Array::new(16))),
        }
    }

    #[inline(always)]
    fn array(&self) -> &Array {
        // SAFETY: always a live `Box<Array>`: a replaced one is retired and freed only once no
        // lookup can be reading it; callers are pinned or hold the writer's lock.
        #[allow(unsafe_code)]
        unsafe {
            &*self.array.load(Ordering::Acquire)
        }
    }

    /// The stored text of `id` and whether it is plain, if the id is in use.
    #[inline(always)]
    fn get(&self, id: u32) -> Option<(&str, bool)> {
        let slot = self.array().slots.get(id as usize)?;
        // SAFETY: as in `Array::slot`; the reference lives while the caller is pinned (or
        // holds the lock), within which the slot is not written and its text not freed.
        #[allow(unsafe_code)]
        let slot = slot.with(|slot| unsafe { &*slot });
        slot.get()
    }

    /// The stored text of `id`: escaped and closed by a `"`.
    pub(crate) fn text(&self, id: u32) -> &str {
        self.get(id).map_or("\"", |(text, _)| text)
    }

    /// Whether the value of `id` is `value`.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn is(&self, id: u32, value: &str) -> bool {
        self.read().is(id, value)
    }

    /// The values as they are now, for several comparisons: the array is loaded once.
    #[inline(always)]
    pub(crate) fn read(&self) -> ValuesRead<'_> {
        ValuesRead(self.array())
    }

    /// Writes the slot of `id`, growing the array first if it is too small (the old one is
    /// pushed to `retired`). Writer only, while no lookup can reach `id`.
    fn set(&self, id: u32, slot: Slot, retired: &mut Vec<RetiredValues>) {
        let array = self.array();
        let array = match array.slots.get(id as usize) {
            Some(_) => array,
            None => {
                let bigger = Array::new((id as usize + 1).next_power_of_two().max(16));
                for (to, from) in bigger.slots.iter().zip(array.slots.iter()) {
                    // SAFETY: the writer alone writes slots; the texts move to the new array.
                    #[allow(unsafe_code)]
                    let copy = from.with(|slot| unsafe { *slot });
                    // SAFETY: the new array is not published yet.
                    #[allow(unsafe_code)]
                    to.with_mut(|slot| unsafe { *slot = copy });
                }
                // Release: lookups that load the new array see its slots.
                let old = self.array.swap(Box::into_raw(bigger), Ordering::AcqRel);
                // SAFETY: `old` came from `Box::into_raw` and is no longer reachable.
                #[allow(unsafe_code)]
                retired.push(RetiredValues(unsafe { Box::from_raw(old) }));
                self.array()
            }
        };
        if let Some(cell) = array.slots.get(id as usize) {
            // SAFETY: the caller holds the writer lock and no lookup can reach `id`.
            #[allow(unsafe_code)]
            cell.with_mut(|old| unsafe { *old = slot });
        }
    }

    /// Frees the text of `id` and marks its slot unused. Writer only, once no lookup can
    /// reach `id`.
    fn clear(&self, id: u32) {
        if let Some(slot) = self.array().slot(id) {
            slot.free();
            self.set(id, Slot::UNUSED, &mut Vec::new());
        }
    }
}

impl Drop for ValueSlots {
    fn drop(&mut self) {
        // SAFETY: the current array came from `Box::into_raw`; nothing reads it any more.
        #[allow(unsafe_code)]
        let array = unsafe { Box::from_raw(self.array.load(Ordering::Relaxed)) };
        for cell in array.slots.iter() {
            // SAFETY: as above.
            #[allow(unsafe_code)]
            cell.with(|slot| unsafe { (*slot).free() });
        }
    }
}

/// The writer's side of the values: ids by stored text, and how many series use each.
pub(crate) struct ValueIds {
    seed: ValueHashSeed,
    /// Ids by the hash of their stored text.
    index: HashTable<u32>,
    /// Series using each id; 0 for a free id.
    uses: Vec<u32>,
    /// Free ids, to reuse.
    free: Vec<u32>,
    /// Where a value is escaped before it is looked up.
    scratch: String,
}

impl ValueIds {
    pub(crate) fn new(seed: ValueHashSeed) -> ValueIds {
        ValueIds {
            seed,
            index: HashTable::new(),
            uses: Vec::new(),
            free: Vec::new(),
            scratch: String::new(),
        }
    }

    fn hash(seed: ValueHashSeed, text: &str) -> u64 {
        let mut hasher = ValueHasher::new(seed);
        hasher.value(text);
        hasher.finish()
    }

    /// The id of `value`, stored if it is new, with one more use counted; `None` only if the
    /// ids or a count run out (4 billion), which a series limit reaches first. An array the
    /// values outgrew goes to `retired`.
    pub(crate) fn acquire(
        &mut self,
        slots: &ValueSlots,
        value: &str,
        retired: &mut Vec<RetiredValues>,
    ) -> Option<u32> {
        self.scratch.clear();
        push_value(&mut self.scratch, value);
        let hash = Self::hash(self.seed, &self.scratch);
        let scratch = self.scratch.as_str();
        if let Some(&id) = self.index.find(hash, |&id| slots.text(id) == scratch) {
            let uses = &mut self.uses[id as usize];
            *uses = uses.checked_add(1)?;
            return Some(id);
        }
        let id = match self.free.pop() {
            Some(id) => id,
            None => u32::try_from(self.uses.len()).ok()?,
        };
        slots.set(id, Slot::new(scratch), retired);
        match self.uses.get_mut(id as usize) {
            Some(uses) => *uses = 1,
            None => self.uses.push(1),
        }
        let seed = self.seed;
        self.index
            .insert_unique(hash, id, |&id| Self::hash(seed, slots.text(id)));
        Some(id)
    }

    /// One use of `id` fewer; the value leaves with its last use. Only once no lookup can
    /// reach a series that used it.
    pub(crate) fn release(&mut self, slots: &ValueSlots, id: u32) {
        let Some(uses) = self.uses.get_mut(id as usize).filter(|u| **u > 0) else {
            return;
        };
        *uses -= 1;
        if *uses > 0 {
            return;
        }
        let hash = Self::hash(self.seed, slots.text(id));
        if let Ok(found) = self.index.find_entry(hash, |&j| j == id) {
            found.remove();
        }
        slots.clear(id);
        self.free.push(id);
    }

    /// Whether an id is free to reuse, so that a new value takes no more room.
    pub(crate) fn has_free(&self) -> bool {
        !self.free.is_empty()
    }

    /// How many distinct values are stored.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_stored_once_and_leaves_with_its_last_use() {
        let slots = ValueSlots::new();
        let mut ids = ValueIds::new(ValueHashSeed::new());
        let mut retired = Vec::new();
        let a = ids.acquire(&slots, "/api", &mut retired).unwrap();
        let b = ids.acquire(&slots, "say \"hi\"", &mut retired).unwrap();
        assert_eq!(ids.acquire(&slots, "/api", &mut retired), Some(a));
        assert_ne!(a, b);
        assert_eq!(ids.len(), 2);
        assert_eq!(slots.text(a), "/api\"");
        assert_eq!(slots.text(b), "say \\\"hi\\\"\"");
        assert!(slots.is(a, "/api") && slots.is(b, "say \"hi\""));
        assert!(!slots.is(b, "say") && !slots.is(a, "/ap"));

        ids.release(&slots, a);
        assert_eq!(ids.len(), 2, "one use of /api is left");
        ids.release(&slots, a);
        assert_eq!(ids.len(), 1);
        assert!(!slots.is(a, "/api"));
        // The freed id is reused for the next new value.
        assert_eq!(ids.acquire(&slots, "/other", &mut retired), Some(a));
        assert_eq!(slots.text(a), "/other\"");
    }

    #[test]
    fn long_values_and_many_values_survive_the_array_growing() {
        let slots = ValueSlots::new();
        let mut ids = ValueIds::new(ValueHashSeed::new());
        let mut retired = Vec::new();
        let value = |i: usize| "x".repeat(i % 64) + &i.to_string();
        let got: Vec<u32> = (0..1000)
            .map(|i| ids.acquire(&slots, &value(i), &mut retired).unwrap())
            .collect();
        assert!(!retired.is_empty(), "the array grew");
        for (i, &id) in got.iter().enumerate() {
            assert!(slots.is(id, &value(i)), "{i}");
            assert_eq!(slots.text(id), format!("{}\"", value(i)));
        }
        // Exactly at the inline limit, and one past it.
        for len in [INLINE - 1, INLINE, INLINE + 1] {
            let v = "y".repeat(len - 1);
            let id = ids.acquire(&slots, &v, &mut retired).unwrap();
            assert!(slots.is(id, &v) && !slots.is(id, &v[1..]));
            ids.release(&slots, id);
        }
        for &id in &got {
            ids.release(&slots, id);
        }
        assert_eq!(ids.len(), 0);
    }
}
