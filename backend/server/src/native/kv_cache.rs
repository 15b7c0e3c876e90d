//! What the native KV keeps in memory: the values it last read or wrote, so that the session
//! record every authenticated request reads, and the rate-limit counters, cost no SQLite round
//! trip. This process is the one writer of its KV file, so the copy is exact, not merely eventual:
//!
//! - a write first marks its key as being written (reads then go to the file and keep nothing),
//!   and on commit leaves its own value, unless another write to that key overlapped it;
//! - a read that missed keeps what it read only if no write to the key began meanwhile (the
//!   ticket it left on the key is still there);
//! - an entry's TTL is checked on the platform clock at each read, as the file's rows are.
//!
//! Nothing the service must refuse at once depends on this (a logout is refused in SQL, see
//! `auth/session.rs`). Entries are also dropped after [`MAX_AGE`]: were another process ever to
//! write the same file, a reader here would be stale no longer than Workers KV may be.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Workers KV may serve a value this long after it changed elsewhere; so may this cache.
pub(super) const MAX_AGE: Duration = Duration::from_secs(60);

/// Entries kept at most; past it, the cached values are all dropped (pending marks stay).
const CAPACITY: usize = 20_000;

/// A value as the file holds it: the bytes (or none) and when they expire on the platform clock.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Value {
    pub bytes: Option<Arc<[u8]>>,
    pub expires_at: Option<i64>,
}

impl Value {
    /// What a read at `now` returns.
    fn read(&self, now: i64) -> Option<Vec<u8>> {
        match self.expires_at {
            Some(at) if at <= now => None,
            _ => self.bytes.as_deref().map(<[u8]>::to_vec),
        }
    }
}

enum Slot {
    Cached {
        value: Value,
        at: Instant,
    },
    /// A read missed and is fetching the key; it keeps what it read only if this is still here.
    Filling(u64),
    /// Writes under way; `overlapped` once two were at the same time (then none knows the result).
    Writing {
        writers: u32,
        overlapped: bool,
    },
}

#[derive(Default)]
struct State {
    slots: HashMap<String, Slot>,
    cached: usize,
    next_ticket: u64,
}

impl State {
    fn keep(&mut self, key: &str, value: Value) {
        if self.cached >= CAPACITY {
            self.slots
                .retain(|_, slot| !matches!(slot, Slot::Cached { .. }));
            self.cached = 0;
        }
        let slot = Slot::Cached {
            value,
            at: Instant::now(),
        };
        if !matches!(
            self.slots.insert(key.to_owned(), slot),
            Some(Slot::Cached { .. })
        ) {
            self.cached += 1;
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(Slot::Cached { .. }) = self.slots.remove(key) {
            self.cached -= 1;
        }
    }
}

#[derive(Default, Clone)]
pub(super) struct KvCache {
    state: Arc<Mutex<State>>,
}

/// What [`KvCache::get`] found.
pub(super) enum Lookup {
    Hit(Option<Vec<u8>>),
    /// Read the file; give the value to the fill, if any (none while a write is under way).
    Miss(Option<Fill>),
}

/// A missed read's right to keep what it reads. Dropped unused (the read failed, or its request
/// went away), it leaves the key as it found it.
pub(super) struct Fill {
    cache: KvCache,
    key: String,
    ticket: u64,
}

/// A write's mark on its key, from before it reaches the file until it has committed. Dropped
/// without [`Write::committed`] (the write failed), it leaves nothing cached for the key.
pub(super) struct Write {
    cache: KvCache,
    key: String,
    outcome: Option<Value>,
}

impl KvCache {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change to the state is made whole under the lock: a panic cannot leave half of one.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value of `key` at `now` if it is known here.
    pub fn get(&self, key: &str, now: i64) -> Lookup {
        let mut state = self.lock();
        match state.slots.get(key) {
            Some(Slot::Cached { value, at }) if at.elapsed() < MAX_AGE => {
                return Lookup::Hit(value.read(now));
            }
            Some(Slot::Cached { .. }) => state.remove(key),
            Some(Slot::Filling(_) | Slot::Writing { .. }) => return Lookup::Miss(None),
            None => {}
        }
        state.next_ticket += 1;
        let ticket = state.next_ticket;
        state.slots.insert(key.to_owned(), Slot::Filling(ticket));
        Lookup::Miss(Some(Fill {
            cache: self.clone(),
            key: key.to_owned(),
            ticket,
        }))
    }

    /// Marks `key` as being written, before the write reaches the file.
    pub fn write(&self, key: &str) -> Write {
        let mut state = self.lock();
        let slot = match state.slots.get(key) {
            Some(Slot::Writing { writers, .. }) => Slot::Writing {
                writers: writers + 1,
                overlapped: true,
            },
            _ => Slot::Writing {
                writers: 1,
                overlapped: false,
            },
        };
        state.remove(key);
        state.slots.insert(key.to_owned(), slot);
        Write {
            cache: self.clone(),
            key: key.to_owned(),
            outcome: None,
        }
    }

    /// Forgets entries past their TTL at `now` (the file's sweep removes their rows).
    pub fn sweep(&self, now: i64) {
        let mut state = self.lock();
        let before = state.slots.len();
        state.slots.retain(|_, slot| match slot {
            Slot::Cached { value, at } => {
                value.expires_at.is_none_or(|t| t > now) && at.elapsed() < MAX_AGE
            }
            _ => true,
        });
        let dropped = before - state.slots.len();
        state.cached -= dropped;
    }
}

impl Fill {
    pub fn keep(self, value: Value) {
        let mut state = self.cache.lock();
        if matches!(state.slots.get(&self.key), Some(Slot::Filling(t)) if *t == self.ticket) {
            state.slots.remove(&self.key);
            state.keep(&self.key, value);
        }
        // `Drop` finds nothing left to undo.
    }
}

impl Drop for Fill {
    fn drop(&mut self) {
        let mut state = self.cache.lock();
        if matches!(state.slots.get(&self.key), Some(Slot::Filling(t)) if *t == self.ticket) {
            state.slots.remove(&self.key);
        }
    }
}

impl Write {
    /// The write reached the file with this outcome.
    pub fn committed(mut self, value: Value) {
        self.outcome = Some(value);
    }
}

impl Drop for Write {
    fn drop(&mut self) {
        let mut state = self.cache.lock();
        let Some(Slot::Writing {
            writers,
            overlapped,
        }) = state.slots.get_mut(&self.key)
        else {
            return;
        };
        if *writers > 1 {
            *writers -= 1;
            return;
        }
        let alone = !*overlapped;
        state.slots.remove(&self.key);
        if let (true, Some(value)) = (alone, self.outcome.take()) {
            state.keep(&self.key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(bytes: &[u8]) -> Value {
        Value {
            bytes: Some(bytes.into()),
            expires_at: None,
        }
    }

    fn hit(cache: &KvCache, key: &str) -> Option<Option<Vec<u8>>> {
        match cache.get(key, 0) {
            Lookup::Hit(v) => Some(v),
            Lookup::Miss(_) => None,
        }
    }

    fn fill(cache: &KvCache, key: &str) -> Fill {
        match cache.get(key, 0) {
            Lookup::Miss(Some(fill)) => fill,
            _ => panic!("expected a miss with a fill"),
        }
    }

    #[test]
    fn a_read_keeps_what_it_read_and_later_reads_hit() {
        let cache = KvCache::default();
        fill(&cache, "k").keep(value(b"1"));
        assert_eq!(hit(&cache, "k"), Some(Some(b"1".to_vec())));
        // An absent key is remembered as absent.
        fill(&cache, "none").keep(Value {
            bytes: None,
            expires_at: None,
        });
        assert_eq!(hit(&cache, "none"), Some(None));
    }

    #[test]
    fn a_read_overtaken_by_a_write_keeps_nothing() {
        let cache = KvCache::default();
        // The read fetched the old value; a write began and committed before the read returned.
        let stale = fill(&cache, "k");
        let write = cache.write("k");
        write.committed(value(b"new"));
        stale.keep(value(b"old"));
        assert_eq!(hit(&cache, "k"), Some(Some(b"new".to_vec())));
        // Same with the write still under way when the read returns, then failing.
        let stale = fill(&cache, "j");
        let write = cache.write("j");
        stale.keep(value(b"old"));
        assert!(hit(&cache, "j").is_none(), "read during a write must miss");
        drop(write);
        assert!(hit(&cache, "j").is_none(), "a failed write leaves nothing");
    }

    #[test]
    fn a_read_that_began_after_a_write_ended_is_not_taken_for_a_stale_one() {
        let cache = KvCache::default();
        let first = fill(&cache, "k");
        cache.write("k").committed(value(b"new"));
        cache.write("k"); // a failed write: nothing cached
        // A second read misses, takes its own ticket; the first one's stale value must not land.
        let second = fill(&cache, "k");
        first.keep(value(b"old"));
        second.keep(value(b"new"));
        assert_eq!(hit(&cache, "k"), Some(Some(b"new".to_vec())));
    }

    #[test]
    fn overlapping_writes_leave_the_key_to_the_file() {
        let cache = KvCache::default();
        let a = cache.write("k");
        let b = cache.write("k");
        b.committed(value(b"b"));
        a.committed(value(b"a"));
        // Which one the file holds is the file's business: read it again.
        assert!(hit(&cache, "k").is_none());
    }

    #[test]
    fn a_dropped_read_leaves_the_key_free() {
        let cache = KvCache::default();
        drop(fill(&cache, "k"));
        fill(&cache, "k").keep(value(b"1"));
        assert_eq!(hit(&cache, "k"), Some(Some(b"1".to_vec())));
    }

    #[test]
    fn entries_expire_on_the_platform_clock() {
        let cache = KvCache::default();
        cache.write("k").committed(Value {
            bytes: Some(b"1"[..].into()),
            expires_at: Some(1_000),
        });
        assert!(matches!(cache.get("k", 999), Lookup::Hit(Some(_))));
        assert!(matches!(cache.get("k", 1_000), Lookup::Hit(None)));
        cache.sweep(1_000);
        assert!(matches!(cache.get("k", 0), Lookup::Miss(Some(_))));
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let cache = KvCache::default();
        for i in 0..CAPACITY + 10 {
            cache.write(&format!("k{i}")).committed(value(b"v"));
        }
        let state = cache.lock();
        assert!(state.cached <= CAPACITY, "{}", state.cached);
        assert_eq!(
            state.cached,
            state
                .slots
                .values()
                .filter(|s| matches!(s, Slot::Cached { .. }))
                .count()
        );
    }
}
