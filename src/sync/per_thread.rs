//! The `std` path: `SyncDropArena`'s own `alloc`, `drop_box` and the rest,
//! through one slot cache per thread instead of a handle.
//!
//! A thread's cache is found in two places. The arena's `per_thread`
//! (`thread_local::ThreadLocal<ThreadCache>`) holds, for each of that
//! crate's thread ids, the cache claimed on the first call under the id.
//! `RECENT`, a thread-local pair, holds the arena this thread used last (by
//! its [`ArenaId`]) and a pointer to its cache there, so a thread that keeps
//! to one arena finds its cache with one thread-local read and a compare.
//! Ids are never reused (a `u64` counted up once per arena, which panics
//! rather than wrap), so an entry whose id matches an arena that is alive
//! names its cache, which lives as long as the arena; an entry of an arena
//! that has ended matches no other arena. Why the cache stays this thread's
//! for as long as the thread can call the arena, though its `thread_local`
//! id may pass to a later thread, is argued in SAFETY.md, "The `std` path".

use core::cell::Cell;
use core::ptr::NonNull;

use super::SyncDropArena;
use super::cache::{CacheRef, SlotCache};
use crate::boxed::DropBox;
use crate::ops::Ops;

/// A cache claimed by a thread, as `SyncDropArena` keeps it per thread.
pub(crate) struct ThreadCache(NonNull<SlotCache>);

// SAFETY: a pointer to a cache that lives as long as the arena; it is
// dereferenced only on the thread that holds the entry's `thread_local` id,
// and passes to another thread only with that id, after the first thread's
// last use of the arena (SAFETY.md, "The `std` path"). The cache itself
// holds no values, only free and fresh slots.
unsafe impl Send for ThreadCache {}

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
fn get(arena: ArenaId) -> Option<NonNull<SlotCache>> {
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
unsafe fn set(arena: ArenaId, cache: &SlotCache) {
    RECENT.with(|recent| recent.set((arena.0, cache)));
}

/// The methods of [`LocalHandle`](super::LocalHandle), on the arena itself,
/// through a slot cache the arena keeps for each thread.
impl<'id, T> SyncDropArena<'id, T> {
    #[inline]
    fn ops(&self) -> Ops<'id, CacheRef<'_, T>> {
        let cache = match get(self.id) {
            // SAFETY: `get` returns only a cache that `cache_slow`
            // recorded for this arena on this thread (ids are never reused);
            // it lives in `caches` until the arena drops, and stays this
            // thread's while the thread can call the arena (SAFETY.md, "The
            // `std` path").
            Some(cache) => unsafe { cache.as_ref() },
            None => self.cache_slow(),
        };
        // SAFETY: the cache was claimed from this arena's caches under this
        // thread's `thread_local` id, which no other running thread holds;
        // a thread that held the id before has exited, and its uses of the
        // cache happen before ours (SAFETY.md, "The `std` path"). The arena
        // is the one branded `'id`, so its slots are that arena's.
        unsafe { Ops::new(CacheRef::new(cache, &self.depot)) }
    }

    /// This thread's cache, found in `per_thread` (or claimed), and recorded as
    /// the one this thread used last.
    #[cold]
    #[inline(never)]
    fn cache_slow(&self) -> &SlotCache {
        let held = self
            .per_thread
            .get_or(|| ThreadCache(NonNull::from(self.caches.claim())));
        // SAFETY: claimed from `caches` for this thread's `thread_local`
        // id, whose entry in `per_thread` only the thread holding the id
        // reaches (SAFETY.md, "The `std` path"), and caches live as long as
        // the arena.
        let cache = unsafe { held.0.as_ref() };
        // SAFETY: `cache` is this thread's cache of this arena (just above),
        // which lives until the arena drops, as `set` requires.
        unsafe { set(self.id, cache) };
        cache
    }

    /// Moves `value` into the arena, as [`LocalHandle::alloc`](super::LocalHandle::alloc) does, through
    /// this thread's cache.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let b = arena.alloc(String::from("hello"));
    /// assert_eq!(*b, "hello");
    /// # arena.drop_box(b);
    /// # });
    /// ```
    #[inline]
    #[must_use = "a box dropped at once drops its value but keeps its slot in use until the arena ends; bind the box and give it back with `drop_box`"]
    pub fn alloc(&'id self, value: T) -> DropBox<'id, T> {
        self.ops().alloc(value)
    }

    /// Takes a slot, then moves the value `f` returns into it, as
    /// [`LocalHandle::alloc_with`](super::LocalHandle::alloc_with) does. `f` may use the arena.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let b = arena.alloc_with(|| [1u8; 64]);
    /// assert_eq!(b[63], 1);
    /// # arena.drop_box(b);
    /// # });
    /// ```
    #[inline]
    #[must_use = "a box dropped at once drops its value but keeps its slot in use until the arena ends; bind the box and give it back with `drop_box`"]
    pub fn alloc_with(&'id self, f: impl FnOnce() -> T) -> DropBox<'id, T> {
        self.ops().alloc_with(f)
    }

    /// Allocates the value `f` returns if it returns `Ok`, as
    /// [`LocalHandle::try_alloc_with`](super::LocalHandle::try_alloc_with) does.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// assert!(arena.try_alloc_with(|| "x".parse::<u32>()).is_err());
    /// assert_eq!(arena.len(), 0);
    /// # });
    /// ```
    #[inline]
    pub fn try_alloc_with<E>(
        &'id self,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<DropBox<'id, T>, E> {
        self.ops().try_alloc_with(f)
    }

    /// Drops the value and reclaims its slot, as [`LocalHandle::drop_box`](super::LocalHandle::drop_box)
    /// does. The box may come from any thread.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let b = std::thread::scope(|s| s.spawn(|| arena.alloc(5)).join().unwrap());
    /// arena.drop_box(b);
    /// assert!(arena.is_empty());
    /// # });
    /// ```
    #[inline]
    pub fn drop_box(&'id self, b: DropBox<'id, T>) {
        self.ops().drop_box(b);
    }

    /// Moves the value out and reclaims its slot, as
    /// [`LocalHandle::box_to_inner`](super::LocalHandle::box_to_inner) does.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let b = arena.alloc(String::from("kept"));
    /// assert_eq!(arena.box_to_inner(b), "kept");
    /// # });
    /// ```
    #[inline]
    #[must_use = "the value is moved out and dropped at once; to drop it in place, use `drop_box`"]
    pub fn box_to_inner(&'id self, b: DropBox<'id, T>) -> T {
        self.ops().box_to_inner(b)
    }

    /// Reclaims the slot without running the value's destructor, as
    /// [`LocalHandle::free_without_dropping`](super::LocalHandle::free_without_dropping) does.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let b = arena.alloc(std::sync::Arc::new(()));
    /// let arc = std::sync::Arc::clone(&b);
    /// arena.free_without_dropping(b);
    /// assert_eq!(std::sync::Arc::strong_count(&arc), 2); // the forgotten count
    /// # });
    /// ```
    #[inline]
    pub fn free_without_dropping(&'id self, b: DropBox<'id, T>) {
        self.ops().free_without_dropping(b);
    }
}
