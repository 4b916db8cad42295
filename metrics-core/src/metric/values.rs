//! The label values of a hashed family, each stored once and shared by every series that
//! carries it.
//!
//! Label values repeat across series: a route appears once per status code and method, a
//! status code once per route. A series keeps a `u32` id per label, and the table keeps each
//! distinct value once, escaped and closed by a quote as the encoders write it (see
//! [`push_value`]), with a count of the series using it. A value leaves the table with the
//! last series that used it, so the table is bounded by the family's series, whatever values
//! come and go.

use hashbrown::HashTable;

use crate::label::{push_value, ValueHashSeed, ValueHasher, ValuesMatcher};

/// Makes room for `n` more elements, growing by a quarter where `Vec` would double: a
/// family's slabs grow with its series, and a smaller step leaves less of them unused
/// (about 12% on average rather than 40%), for a copy every quarter more instead of every
/// doubling.
pub(crate) fn reserve_a_quarter<T>(v: &mut Vec<T>, n: usize) {
    if v.capacity() - v.len() < n {
        v.reserve_exact((v.capacity() / 4).max(n).max(16));
    }
}

/// The values a family's series use, by id.
pub(crate) struct ValueTable {
    seed: ValueHashSeed,
    /// Ids by the hash of their stored text.
    index: HashTable<u32>,
    entries: Vec<Option<Entry>>,
    /// Ids of `None` entries, to reuse.
    free: Vec<u32>,
    /// Where a value is escaped before it is looked up.
    scratch: String,
}

struct Entry {
    /// Escaped, then closed by a `"` (see [`push_value`]).
    text: Box<str>,
    /// Whether nothing needed escaping.
    plain: bool,
    /// How many series use the value.
    uses: u32,
}

impl ValueTable {
    pub(crate) fn new(seed: ValueHashSeed) -> ValueTable {
        ValueTable {
            seed,
            index: HashTable::new(),
            entries: Vec::new(),
            free: Vec::new(),
            scratch: String::new(),
        }
    }

    fn hash(seed: ValueHashSeed, text: &str) -> u64 {
        let mut hasher = ValueHasher::new(seed);
        hasher.value(text);
        hasher.finish()
    }

    fn entry(&self, id: u32) -> Option<&Entry> {
        self.entries.get(id as usize)?.as_ref()
    }

    /// The id of `value`, stored if it is new, with one more use counted; `None` only if the
    /// table cannot count or number more (4 billion), which a series limit reaches first.
    pub(crate) fn acquire(&mut self, value: &str) -> Option<u32> {
        self.scratch.clear();
        push_value(&mut self.scratch, value);
        let hash = Self::hash(self.seed, &self.scratch);
        let ValueTable {
            seed,
            index,
            entries,
            free,
            scratch,
        } = self;
        let text_of = |id: u32| entries[id as usize].as_ref().map_or("", |e| &*e.text);
        if let Some(&id) = index.find(hash, |&id| text_of(id) == scratch.as_str()) {
            let entry = entries[id as usize].as_mut()?;
            entry.uses = entry.uses.checked_add(1)?;
            return Some(id);
        }
        let entry = Entry {
            plain: !scratch.contains('\\'),
            text: scratch.as_str().into(),
            uses: 1,
        };
        let id = match free.pop() {
            Some(id) => {
                entries[id as usize] = Some(entry);
                id
            }
            None => {
                let id = u32::try_from(entries.len()).ok()?;
                reserve_a_quarter(entries, 1);
                entries.push(Some(entry));
                id
            }
        };
        index.insert_unique(hash, id, |&id| {
            Self::hash(*seed, entries[id as usize].as_ref().map_or("", |e| &e.text))
        });
        Some(id)
    }

    /// One use of `id` fewer; the value leaves the table with its last use.
    pub(crate) fn release(&mut self, id: u32) {
        let Some(Some(entry)) = self.entries.get_mut(id as usize) else {
            return;
        };
        entry.uses -= 1;
        if entry.uses > 0 {
            return;
        }
        let hash = Self::hash(self.seed, &entry.text);
        if let Ok(found) = self.index.find_entry(hash, |&j| j == id) {
            found.remove();
        }
        self.entries[id as usize] = None;
        self.free.push(id);
    }

    /// The stored text of `id`: escaped and closed by a `"`.
    pub(crate) fn text(&self, id: u32) -> &str {
        self.entry(id).map_or("\"", |e| &e.text)
    }

    /// Whether the values of `ids` are, in order, the ones `visit` gives.
    pub(crate) fn matches(&self, ids: &[u32], visit: impl FnOnce(&mut dyn FnMut(&str))) -> bool {
        let mut ids = ids.iter();
        let mut same = true;
        visit(&mut |value| {
            same = same && ids.next().is_some_and(|&id| self.is(id, value));
        });
        same && ids.next().is_none()
    }

    /// Whether the values of `ids` are exactly `values`.
    pub(crate) fn matches_values(&self, ids: &[u32], values: &[&str]) -> bool {
        self.matches(ids, |visit| values.iter().for_each(|v| visit(v)))
    }

    fn is(&self, id: u32, value: &str) -> bool {
        self.entry(id).is_some_and(|e| {
            let mut matcher = ValuesMatcher::new(&e.text, e.plain);
            matcher.value(value);
            matcher.matched()
        })
    }

    /// The values of `ids` as one block (see [`push_value`]), and whether none was escaped.
    pub(crate) fn block(&self, ids: &[u32]) -> (Box<str>, bool) {
        let mut block = String::new();
        let mut plain = true;
        for &id in ids {
            if let Some(e) = self.entry(id) {
                block.push_str(&e.text);
                plain &= e.plain;
            }
        }
        (block.into_boxed_str(), plain)
    }

    /// How many distinct values are stored.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_stored_once_and_leaves_with_its_last_use() {
        let mut table = ValueTable::new(ValueHashSeed::new());
        let a = table.acquire("/api").unwrap();
        let b = table.acquire("say \"hi\"").unwrap();
        assert_eq!(table.acquire("/api"), Some(a));
        assert_ne!(a, b);
        assert_eq!(table.len(), 2);
        assert_eq!(table.text(a), "/api\"");
        assert_eq!(table.text(b), "say \\\"hi\\\"\"");
        assert!(table.matches_values(&[a, b], &["/api", "say \"hi\""]));
        assert!(!table.matches_values(&[a, b], &["/api", "say"]));
        assert!(table.matches(&[b], |visit| visit("say \"hi\"")));
        assert!(!table.matches(&[b], |visit| {
            visit("say \"hi\"");
            visit("more");
        }));
        assert_eq!(
            table.block(&[a, b]),
            ("/api\"say \\\"hi\\\"\"".into(), false)
        );

        table.release(a);
        assert_eq!(table.len(), 2, "one use of /api is left");
        table.release(a);
        assert_eq!(table.len(), 1);
        assert!(!table.matches_values(&[a], &["/api"]));
        // The freed id is reused for the next new value.
        assert_eq!(table.acquire("/other"), Some(a));
        assert_eq!(table.text(a), "/other\"");
    }
}
