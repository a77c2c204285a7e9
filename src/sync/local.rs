//! [`LocalHandle`]: a handle on a [`SyncDropArena`] for one thread at a time.

use core::fmt;

use super::SyncDropArena;
use super::cache::{CacheRef, SlotCache};
use crate::boxed::DropBox;
use crate::ops::Ops;

/// A handle on a [`SyncDropArena`] for one thread at a time: allocation and
/// reclamation with no atomic read-modify-write on the fast path, and no
/// `std`.
///
/// Get one with [`SyncDropArena::local`]. It is `Send` (when `T: Send`), so
/// it can be made on one thread and moved to another, but not `Sync`. Boxes
/// it makes belong to the arena, not to the handle: any handle of the same
/// arena, on any thread, can reclaim them, and they outlive the handle.
/// Dropping the handle gives its free slots back to the arena. How the
/// handles share slots is explained on [`SyncDropArena`].
///
/// ```
/// use drop_arena::SyncDropArena;
///
/// SyncDropArena::with(|arena| {
///     let local = arena.local();
///     let b = local.alloc(String::from("hello"));
///     assert_eq!(*b, "hello");
///     local.drop_box(b);
///     assert_eq!(arena.len(), 0);
/// });
/// ```
///
/// # Invariants
///
/// `cache` was claimed from `arena`'s caches for this handle, which holds
/// it until it drops, and then flushes and releases it.
pub struct LocalHandle<'id, T> {
    arena: &'id SyncDropArena<'id, T>,
    cache: &'id SlotCache,
}

// SAFETY: the handle holds its cache (only it uses the cache, through
// `&self`, so never from two threads at once: the handle is not `Sync`).
// The cache owns only slots, which hold no values while cached, so moving
// the handle moves no `T`; sending `arena` needs it `Sync`, hence
// `T: Send`.
unsafe impl<T: Send> Send for LocalHandle<'_, T> {}

impl<'id, T> LocalHandle<'id, T> {
    pub(super) fn new(arena: &'id SyncDropArena<'id, T>) -> Self {
        LocalHandle {
            arena,
            cache: arena.caches.claim(),
        }
    }

    #[inline]
    fn ops(&self) -> Ops<'id, CacheRef<'_, T>> {
        // SAFETY: `cache` belongs to `arena` and only this handle, which is
        // `!Sync`, uses it (the `LocalHandle` invariant); the arena's brand is
        // `'id`, so its slots are that arena's.
        unsafe { Ops::new(CacheRef::new(self.cache, &self.arena.depot)) }
    }

    /// The arena this handle allocates from.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let local = arena.local();
    /// let b = local.alloc(1u8);
    /// assert_eq!(local.arena().len(), 1);
    /// # local.drop_box(b);
    /// # });
    /// ```
    #[inline]
    pub fn arena(&self) -> &'id SyncDropArena<'id, T> {
        self.arena
    }

    /// Moves `value` into the arena. O(1): reuses the top slot of this
    /// handle's free list if there is one (the slot it reclaimed last,
    /// unless that one just went to the depot in a magazine); else refills
    /// its free list from the arena (see [`SyncDropArena`]).
    ///
    /// If the arena must grow and cannot, it panics or aborts as
    /// [`DropArena::reserve`](crate::DropArena::reserve) does; on a panic
    /// `value` is forgotten rather than dropped.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let local = arena.local();
    /// let mut b = local.alloc(vec![1, 2]);
    /// b.push(3);
    /// assert_eq!(*b, [1, 2, 3]);
    /// # local.drop_box(b);
    /// # });
    /// ```
    #[inline]
    #[must_use = "a box dropped at once drops its value but keeps its slot in use until the arena ends; bind the box and give it back with `drop_box`"]
    pub fn alloc(&self, value: T) -> DropBox<'id, T> {
        self.ops().alloc(value)
    }

    /// Takes a slot, then moves the value `f` returns into it.
    ///
    /// `f` may use this handle and the arena: the slot is taken before `f`
    /// runs. If `f` panics the slot is reclaimed and the panic goes on.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let local = arena.local();
    /// let big = local.alloc_with(|| [0u8; 4096]);
    /// assert_eq!(big.len(), 4096);
    /// # local.drop_box(big);
    /// # });
    /// ```
    #[inline]
    #[must_use = "a box dropped at once drops its value but keeps its slot in use until the arena ends; bind the box and give it back with `drop_box`"]
    pub fn alloc_with(&self, f: impl FnOnce() -> T) -> DropBox<'id, T> {
        self.ops().alloc_with(f)
    }

    /// Allocates the value `f` returns if it returns `Ok`, and returns `f`'s
    /// error otherwise. The slot is taken only once `f` has succeeded, so
    /// an `Err` (or a panic) leaves the arena as it was.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let local = arena.local();
    /// let parsed = local.try_alloc_with(|| "42".parse::<u32>()).unwrap();
    /// assert_eq!(*parsed, 42);
    /// assert!(local.try_alloc_with(|| "x".parse::<u32>()).is_err());
    /// assert_eq!(arena.len(), 1);
    /// # local.drop_box(parsed);
    /// # });
    /// ```
    #[inline]
    pub fn try_alloc_with<E>(
        &self,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<DropBox<'id, T>, E> {
        self.ops().try_alloc_with(f)
    }

    /// Drops the value and reclaims its slot for this handle's next
    /// allocation. The box may come from any handle of the arena, on any
    /// thread.
    ///
    /// The value's destructor may use this handle and the arena. If it
    /// panics, the slot is still reclaimed and the panic goes on.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let local = arena.local();
    /// let b = local.alloc(String::from("gone"));
    /// local.drop_box(b);
    /// assert_eq!(arena.len(), 0);
    /// # });
    /// ```
    #[inline]
    pub fn drop_box(&self, b: DropBox<'id, T>) {
        self.ops().drop_box(b);
    }

    /// Moves the value out and reclaims its slot.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let local = arena.local();
    /// let b = local.alloc(String::from("kept"));
    /// assert_eq!(local.box_to_inner(b), "kept");
    /// assert_eq!(arena.len(), 0);
    /// # });
    /// ```
    #[inline]
    #[must_use = "the value is moved out and dropped at once; to drop it in place, use `drop_box`"]
    pub fn box_to_inner(&self, b: DropBox<'id, T>) -> T {
        self.ops().box_to_inner(b)
    }

    /// Reclaims the slot without running the value's destructor, like
    /// [`mem::forget`](core::mem::forget) on the value followed by reclaiming.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let local = arena.local();
    /// let b = local.alloc(std::sync::Arc::new(()));
    /// let arc = std::sync::Arc::clone(&b);
    /// local.free_without_dropping(b);
    /// assert_eq!(std::sync::Arc::strong_count(&arc), 2); // the forgotten count
    /// # });
    /// ```
    #[inline]
    pub fn free_without_dropping(&self, b: DropBox<'id, T>) {
        self.ops().free_without_dropping(b);
    }

    /// The number of slots on this handle's free list. Not part of the API:
    /// it exists only in this crate's unit tests and under cargo-fuzz, where
    /// the shared model predicts from it which slot the handle hands out
    /// next, and sees magazines leave.
    #[cfg(any(test, fuzzing))]
    #[doc(hidden)]
    pub fn free_list_len(&self) -> usize {
        if size_of::<T>() == 0 {
            0
        } else {
            self.cache.free_len()
        }
    }
}

impl<T> Drop for LocalHandle<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `cache` belongs to `arena` (the `LocalHandle` invariant).
        unsafe { self.cache.flush(&self.arena.depot) };
        // SAFETY: claimed by this handle, flushed just now, and not used
        // again.
        unsafe { self.arena.caches.release(self.cache) };
    }
}

impl<T> fmt::Debug for LocalHandle<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalHandle")
            .field("arena", &self.arena)
            .finish_non_exhaustive()
    }
}
