//! [`LocalArena`], a handle on a [`SyncDropArena`], and the value-level
//! operations it shares with the arena's `std` methods.

use core::fmt;
use core::marker::PhantomData;
use core::mem;
use core::ptr::NonNull;

use super::SyncDropArena;
use super::cache::SlotCache;
use super::depot::Depot;
use crate::boxed::DropBox;
use crate::brand::Brand;

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
/// `cache` belongs to `arena` (its counter was claimed from the arena's
/// counters, and its slots come from the arena's depot) and is flushed to
/// it when the handle drops.
pub struct LocalArena<'id, T> {
    arena: &'id SyncDropArena<'id, T>,
    cache: SlotCache,
}

impl<'id, T> LocalArena<'id, T> {
    pub(super) fn new(arena: &'id SyncDropArena<'id, T>) -> Self {
        LocalArena {
            arena,
            cache: SlotCache::new(arena.counters.claim()),
        }
    }

    #[inline]
    fn ops(&self) -> CacheRef<'_, 'id, T> {
        // SAFETY: `cache` belongs to `arena` (the `LocalArena` invariant),
        // whose brand is `'id`.
        unsafe { CacheRef::new(&self.cache, &self.arena.depot) }
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

    /// Moves `value` into the arena. O(1): reuses the slot this handle
    /// reclaimed last if there is one; else refills its free list from the
    /// arena (see [`SyncDropArena`]).
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
        f().map(|value| self.alloc(value))
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
    /// [`mem::forget`] on the value followed by reclaiming.
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
}

impl<T> Drop for LocalArena<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `cache` belongs to `arena` (the `LocalArena` invariant).
        unsafe { self.cache.flush(&self.arena.depot) };
        // SAFETY: the counter was claimed for `cache`, which is gone after
        // this.
        unsafe { self.arena.counters.release(self.cache.counter()) };
    }
}

impl<T> fmt::Debug for LocalArena<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalArena")
            .field("arena", &self.arena)
            .finish_non_exhaustive()
    }
}

/// A slot cache with the depot it belongs to, for the arena branded `'id`:
/// the value-level operations, written once for `LocalArena` and for
/// `SyncDropArena`'s `std` methods.
///
/// # Invariants
///
/// `cache` belongs to `depot`, the depot of the `SyncDropArena` branded
/// `'id`, and is used by this thread only while the `CacheRef` lives.
pub(super) struct CacheRef<'a, 'id, T> {
    cache: &'a SlotCache,
    depot: &'a Depot<T>,
    brand: Brand<'id>,
}

impl<T> Clone for CacheRef<'_, '_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for CacheRef<'_, '_, T> {}

impl<'a, 'id, T> CacheRef<'a, 'id, T> {
    /// # Safety
    ///
    /// `cache` belongs to `depot`, the depot of the arena branded `'id`.
    #[inline]
    pub(super) unsafe fn new(cache: &'a SlotCache, depot: &'a Depot<T>) -> Self {
        CacheRef {
            cache,
            depot,
            brand: PhantomData,
        }
    }

    #[inline]
    fn take(self) -> NonNull<T> {
        // SAFETY: the cache belongs to the depot (the `CacheRef` invariant).
        unsafe { self.cache.take(self.depot) }
    }

    /// # Safety
    ///
    /// As for `SlotCache::give_back`: an in-use slot of this arena with
    /// nothing live in it.
    #[inline]
    unsafe fn give_back(self, slot: NonNull<T>) {
        // SAFETY: forwarded from the caller; the cache belongs to the depot.
        unsafe { self.cache.give_back(self.depot, slot) };
    }

    #[inline]
    pub(super) fn alloc(self, value: T) -> DropBox<'id, T> {
        // As in `DropArena::alloc`: nothing to drop if `take` unwinds.
        let value = mem::ManuallyDrop::new(value);
        let slot = self.take();
        // SAFETY: `take` hands out an in-use slot that nobody else holds,
        // sized and aligned for `T`; writing initializes it.
        unsafe { slot.as_ptr().write(mem::ManuallyDrop::into_inner(value)) };
        // SAFETY: in use, holding a `T`, of the arena branded `'id` (the
        // `CacheRef` invariant): the `DropBox` invariant.
        unsafe { DropBox::from_non_null(slot) }
    }

    #[inline]
    pub(super) fn alloc_with(self, f: impl FnOnce() -> T) -> DropBox<'id, T> {
        let slot = self.take();
        let unwind = EmptySlot { ops: self, slot };
        let value = f();
        mem::forget(unwind);
        // SAFETY: as in `alloc`; the slot stayed in use while `f` ran, so
        // nothing `f` did could have touched it.
        unsafe {
            slot.as_ptr().write(value);
            DropBox::from_non_null(slot)
        }
    }

    #[inline]
    pub(super) fn drop_box(self, b: DropBox<'id, T>) {
        let slot = DropBox::into_non_null(b);
        // Reclaims the slot after the drop below, even if it unwinds.
        let _empty = EmptySlot { ops: self, slot };
        // SAFETY: `into_non_null` gave up ownership of the value in an in-use
        // slot (the `DropBox` invariant); it is dropped exactly once here.
        unsafe { slot.as_ptr().drop_in_place() };
    }

    #[inline]
    pub(super) fn box_to_inner(self, b: DropBox<'id, T>) -> T {
        let slot = DropBox::into_non_null(b);
        // SAFETY: `into_non_null` gave up ownership of the initialized
        // value; it is read out once, leaving the slot empty.
        let value = unsafe { slot.as_ptr().read() };
        // SAFETY: the slot is of this arena (same brand), in use and empty.
        unsafe { self.give_back(slot) };
        value
    }

    #[inline]
    pub(super) fn free_without_dropping(self, b: DropBox<'id, T>) {
        let slot = DropBox::into_non_null(b);
        // SAFETY: the slot is of this arena (same brand) and in use; its
        // value is forgotten, which `give_back` allows.
        unsafe { self.give_back(slot) };
    }
}

/// An in-use slot whose value is gone, given back when dropped: after a
/// value's destructor (even one that panics) or when a constructor panics.
struct EmptySlot<'a, 'id, T> {
    ops: CacheRef<'a, 'id, T>,
    slot: NonNull<T>,
}

impl<T> Drop for EmptySlot<'_, '_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: an `EmptySlot` is only made for an in-use slot of the
        // arena whose value is gone by the time it drops, and it is dropped
        // or forgotten exactly once.
        unsafe { self.ops.give_back(self.slot) };
    }
}
