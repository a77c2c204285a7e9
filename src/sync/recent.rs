//! The slot cache this thread used last, and for which arena: the `std`
//! methods of `SyncDropArena` look here first, and in the arena's
//! `ThreadLocal` only when the thread turns to another arena.
//!
//! An entry is one thread-local pair: an arena's id and a pointer to that
//! arena's cache for this thread. Ids are never reused (a `u64` counted up
//! once per arena, which panics rather than wrap), so an entry whose id
//! matches an arena that is alive names its cache, which lives as long as
//! the arena; an entry of an arena that has ended matches no other arena.
//! Why the cache stays this thread's for as long as the thread can call the
//! arena, though its `thread_local` id may pass to a later thread, is argued
//! in SAFETY.md, "The `std` path".

use core::cell::Cell;
use core::ptr::NonNull;

use super::cache::SlotCache;

/// A cache claimed by a thread, as `SyncDropArena` keeps it per thread.
pub(crate) struct Held(pub(crate) NonNull<SlotCache>);

// SAFETY: a pointer to a cache that lives as long as the arena; it is
// dereferenced only on the thread that holds the entry's `thread_local` id,
// and passes to another thread only with that id, after the first thread's
// last use of the arena (SAFETY.md, "The `std` path"). The cache itself
// holds no values, only free and fresh slots.
unsafe impl Send for Held {}

/// An arena's name here, unique for the life of the process; never 0.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct ArenaId(u64);

impl ArenaId {
    /// A new id, never given before. Panics once all 2^64 - 1 are used,
    /// rather than wrap and give one twice (as `std::thread::ThreadId`
    /// does): centuries away at any rate of arenas, but then sound.
    pub(crate) fn new() -> Self {
        #[cfg(target_has_atomic = "64")]
        {
            use core::sync::atomic::{AtomicU64, Ordering};
            static NEXT: AtomicU64 = AtomicU64::new(1);
            // Relaxed: only uniqueness matters, which the read-modify-write
            // gives on its own. `checked_add` stops at the last id for good.
            match NEXT.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |id| id.checked_add(1)) {
                Ok(id) => ArenaId(id),
                Err(_) => exhausted(),
            }
        }
        #[cfg(not(target_has_atomic = "64"))]
        {
            static NEXT: std::sync::Mutex<u64> = std::sync::Mutex::new(1);
            let mut next = NEXT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let id = *next;
            *next = id.checked_add(1).unwrap_or_else(|| exhausted());
            ArenaId(id)
        }
    }
}

#[cold]
fn exhausted() -> ! {
    panic!("drop_arena: every SyncDropArena id has been used")
}

std::thread_local! {
    /// The last arena this thread used through its `std` methods (0: none)
    /// and its cache for this thread. No destructor, so it is always
    /// accessible, even while the thread exits.
    static RECENT: Cell<(u64, *const SlotCache)> = const { Cell::new((0, core::ptr::null())) };
}

/// The cache recorded for `arena` on this thread, if it was the last one
/// recorded.
#[inline]
pub(crate) fn get(arena: ArenaId) -> Option<NonNull<SlotCache>> {
    let (id, cache) = RECENT.with(Cell::get);
    if id == arena.0 {
        NonNull::new(cache.cast_mut())
    } else {
        None
    }
}

/// Records `cache` as this thread's cache of `arena`.
///
/// # Safety
///
/// `cache` is this thread's cache of `arena`, and lives as long as the
/// arena: [`get`] hands it out on that promise.
#[inline]
pub(crate) unsafe fn set(arena: ArenaId, cache: &SlotCache) {
    RECENT.with(|recent| recent.set((arena.0, cache)));
}
