//! The slot cache: [`SlotCache`], one handle's (or one thread's) private
//! slots, refilled from and flushed to the [`Depot`] a magazine at a time;
//! [`Caches`], the list that keeps every slot cache of an arena, whose
//! counts `SyncDropArena::len` sums; and [`CacheRef`], a cache with its depot, the slot
//! source the value-level operations (`crate::ops`) run on for both the
//! handle and the arena's `std` methods.

use alloc::boxed::Box;
use core::cell::Cell;
use core::ptr::{self, NonNull};

use super::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
#[cfg(any(test, fuzzing))]
use super::depot::IdleWalk;
use super::depot::{Depot, MAGAZINE, Refill, cut_after, nth_slot};
use crate::ops::SlotSource;
use crate::raw::{Link, Slot, SlotStack};

/// The private slots of one `LocalHandle`, or of one thread under the `std`
/// feature: what makes their hot path free of atomic read-modify-writes.
/// Each lives at a fixed address in its arena's [`Caches`], which owns it;
/// a handle or a thread claims one and uses it through a reference.
///
/// Its free list and fresh run are a [`SlotStack`], the fast path it
/// shares with `DropArena`'s kernel, which stores its pointers untyped so
/// that this type does not mention `T`: the arena's caches then have no
/// drop glue that needs `T` alive, and `SyncDropArena`, like `DropArena`,
/// may hold values that borrow its own brand.
///
/// # Invariants
///
/// A cache belongs to one arena: its `Depot<T>` and `Caches`. Every method
/// that takes a depot must be given that one (their safety contract). Only
/// the one holder that claimed the cache (see [`Caches`]) calls its methods
/// or touches its `Cell`s; other threads read only `net_taken`, and the
/// list fields.
///
/// 1. **Free list.** The free list of `slots` holds free slots of the
///    depot's chunks, owned by this cache alone: no other thread reads or
///    writes them (the `Depot` invariant 2), and `slots`' invariant 1
///    holds with the arena's `T`. Its
///    length is `empty_at - net_taken` (modulo `usize`): `empty_at` is what
///    `net_taken` will be once every slot on the list is taken. Popping or
///    pushing a slot then moves one number, `net_taken`, instead of two.
/// 2. **Fresh run.** The fresh run of `slots` holds fresh slots of one of
///    the depot's chunks, claimed by this cache alone (`slots`' invariant
///    2).
/// 3. **Count.** `net_taken` is the slots taken through this cache minus
///    those given back through it, modulo `usize`: a cache that reclaims
///    boxes from other threads goes below zero, and the sum over all caches
///    is still the number in use. Only the holder writes it.
/// 4. **Released empty.** A cache that no one holds has an empty free list
///    and fresh run.
///
/// For a zero-sized `T` the list and run stay empty and only `net_taken`
/// moves (`empty_at` is then meaningless).
///
/// Aligned to 128 bytes (two cache lines, which x86 prefetches in pairs),
/// so that two threads' caches never share a line: each writes its own on
/// every operation.
#[repr(align(128))]
pub(crate) struct SlotCache {
    net_taken: AtomicUsize,
    slots: SlotStack,
    empty_at: Cell<usize>,
    /// Set while a handle or thread holds the cache.
    claimed: AtomicBool,
    /// The next cache of the list: set before the cache is published,
    /// never changed after.
    next_cache: *mut SlotCache,
}

impl SlotCache {
    /// The count (invariant 3), as last written by the holder (or, read by
    /// the holder, its own last write).
    #[inline]
    fn net_taken(&self) -> usize {
        self.net_taken.load(Ordering::Relaxed)
    }

    /// Counts one slot taken and returns the new count.
    #[inline]
    fn count_taken(&self) -> usize {
        self.set_net_taken(self.net_taken().wrapping_add(1))
    }

    /// Counts one slot given back and returns the new count.
    #[inline]
    fn count_given_back(&self) -> usize {
        self.set_net_taken(self.net_taken().wrapping_sub(1))
    }

    /// A store, not a read-modify-write: only the holder writes `net_taken`
    /// (invariant 3), so no update is lost, and the hot path has no atomic
    /// read-modify-write.
    #[inline]
    fn set_net_taken(&self, count: usize) -> usize {
        self.net_taken.store(count, Ordering::Relaxed);
        count
    }

    /// The length of the free list (invariant 1).
    #[inline]
    pub(crate) fn free_len(&self) -> usize {
        self.empty_at.get().wrapping_sub(self.net_taken())
    }

    /// Makes `head`, a list of `len` slots, the free list.
    ///
    /// # Safety
    ///
    /// As for [`SlotStack::set_free`], with `T` our depot's.
    #[inline]
    unsafe fn set_free<T>(&self, head: Link<T>, len: usize) {
        // SAFETY: the caller's promise.
        unsafe { self.slots.set_free(head) };
        self.empty_at.set(len.wrapping_add(self.net_taken()));
    }

    /// Puts one slot in use and returns it, uninitialized. Nobody else is
    /// handed it until it is given back, through any cache of the arena.
    ///
    /// # Safety
    ///
    /// `depot` is this cache's arena's depot.
    #[inline]
    pub(crate) unsafe fn take_slot<T>(&self, depot: &Depot<T>) -> NonNull<T> {
        if size_of::<T>() == 0 {
            self.count_taken();
            return NonNull::dangling();
        }
        // SAFETY: our slots are `Slot<T>`s of `depot` (this function's
        // contract).
        match unsafe { self.slots.pop_free::<T>() } {
            Some(slot) => {
                // One slot fewer on the list, one more taken: `empty_at`
                // stays.
                self.count_taken();
                slot.cast()
            }
            // SAFETY: `depot` is our arena's (this function's contract), and
            // the free list is empty.
            None => unsafe { self.take_slot_slow(depot) }.cast(),
        }
    }

    /// The slow half of `take_slot`, with the free list empty: the fresh run,
    /// else a magazine from a depot cell, else whatever [`Depot::refill`]
    /// hands out under the lock. The fresh run comes first because its
    /// slots are already ours: using them grows nothing.
    ///
    /// Counts the slot only once it has one: growing may panic, and then no
    /// slot is in use.
    ///
    /// # Safety
    ///
    /// As for `take_slot`, and the free list is empty.
    #[cold]
    #[inline(never)]
    unsafe fn take_slot_slow<T>(&self, depot: &Depot<T>) -> NonNull<Slot<T>> {
        if !self.slots.has_fresh() {
            if let Some(head) = depot.take_magazine() {
                // SAFETY: a magazine is a free list of MAGAZINE slots of the
                // depot's chunks, now ours alone (`Depot::take_magazine`),
                // and ours is still empty.
                return unsafe { self.pop_refilled(head, MAGAZINE) };
            }
            match depot.refill() {
                // SAFETY: a free list of `len` of the depot's slots, now ours
                // alone (`Depot::refill`), and ours is still empty.
                Refill::Free { head, len } => return unsafe { self.pop_refilled(head, len) },
                // SAFETY: a run of the depot's fresh slots, not empty, ours
                // alone (`Depot::refill`); ours is used up.
                Refill::Fresh { start, end } => unsafe {
                    self.slots.set_fresh(start.as_ptr(), end)
                },
            }
        }
        // SAFETY: our slots are `Slot<T>`s of `depot` (this function's
        // contract), and one is fresh (checked, or just refilled).
        let slot = unsafe { self.slots.next_fresh::<T>() };
        // One more taken, the free list (empty) unchanged.
        self.count_taken();
        self.empty_at.set(self.empty_at.get().wrapping_add(1));
        slot
    }

    /// Makes `head` (a free list of `len >= 1` slots) our free list, pops
    /// its first slot and counts it.
    ///
    /// # Safety
    ///
    /// The list is free slots of our depot's chunks, owned by us alone,
    /// and our free list is empty.
    unsafe fn pop_refilled<T>(&self, head: NonNull<Slot<T>>, len: usize) -> NonNull<Slot<T>> {
        // SAFETY: the caller's promise; our empty list is nowhere now.
        unsafe { self.set_free(Some(head), len) };
        // SAFETY: our `T`, and the list is not empty.
        let slot = unsafe { self.slots.pop_free::<T>().unwrap_unchecked() };
        self.count_taken();
        slot
    }

    /// Puts a slot on our free list; if the list grows past two magazines,
    /// passes one magazine to the depot.
    ///
    /// # Safety
    ///
    /// `depot` is this cache's arena's depot, and `value` was handed out by
    /// `take_slot` on any cache of this arena, is not given back since, and
    /// holds no value that will be used again (as for
    /// `RawArena::give_back_slot`).
    #[inline]
    pub(crate) unsafe fn give_back_slot<T>(&self, depot: &Depot<T>, value: NonNull<T>) {
        let slot = value.cast::<Slot<T>>();
        // Before the slot is linked or poisoned: a foreign slot would join
        // our free list, and be unpoisoned when handed out again.
        #[cfg(drop_arena_asan)]
        if size_of::<T>() != 0 {
            depot.assert_owns(slot);
        }
        // One fewer taken, and (below) one more on the free list:
        // `empty_at` stays.
        let net_taken = self.count_given_back();
        if size_of::<T>() == 0 {
            return;
        }
        // SAFETY: the slot is in use and handed to us with nothing live in
        // it (the caller's promise): what `push_free` takes, for our `T`.
        unsafe { self.slots.push_free(slot) };
        if self.empty_at.get().wrapping_sub(net_taken) > 2 * MAGAZINE {
            // SAFETY: `depot` is our arena's (this function's contract), and
            // the list holds more than two magazines.
            unsafe { self.flush_magazine(depot) };
        }
    }

    /// Detaches the first [`MAGAZINE`] slots of our free list and puts them
    /// in the depot.
    ///
    /// # Safety
    ///
    /// `depot` is this cache's arena's depot, and the free list holds at
    /// least `MAGAZINE` slots.
    #[cold]
    #[inline(never)]
    unsafe fn flush_magazine<T>(&self, depot: &Depot<T>) {
        let len = self.free_len();
        let head = self
            .slots
            .free_head::<T>()
            .expect("flushing an empty free list");
        // SAFETY: the list is ours (invariant 1) and has at least MAGAZINE
        // slots (this function's contract).
        let (tail, rest) = unsafe { cut_after(head, MAGAZINE) };
        // SAFETY: the rest of our list, with the first magazine cut off.
        unsafe { self.set_free(rest, len - MAGAZINE) };
        // SAFETY: `head..=tail` is now a magazine, detached from our list,
        // ours alone, and of the depot's chunks.
        unsafe { depot.put_magazine(head, tail) };
    }

    /// Gives every slot this cache holds back to the depot: the fresh run
    /// becomes free slots, whole magazines go to the depot, and the rest
    /// to its loose list. Leaves the cache empty, its count untouched.
    ///
    /// # Safety
    ///
    /// `depot` is this cache's arena's depot.
    pub(crate) unsafe fn flush<T>(&self, depot: &Depot<T>) {
        if size_of::<T>() == 0 {
            return;
        }
        while self.slots.has_fresh() {
            // SAFETY: our slots are `Slot<T>`s of `depot` (this function's
            // contract), and one is fresh.
            let slot = unsafe { self.slots.next_fresh::<T>() };
            // SAFETY: ours alone, and holding nothing: it becomes free.
            unsafe { self.slots.push_free(slot) };
            // One more on the list, as many taken.
            self.empty_at.set(self.empty_at.get().wrapping_add(1));
        }
        while self.free_len() >= MAGAZINE {
            // SAFETY: `depot` is our arena's (this function's contract), and
            // the list holds a magazine.
            unsafe { self.flush_magazine(depot) };
        }
        let len = self.free_len();
        if let Some(head) = self.slots.free_head::<T>() {
            // SAFETY: the list is ours with `len` slots (invariant 1).
            let tail = unsafe { nth_slot(head, len) };
            // SAFETY: an empty list; the old one goes to the depot below.
            unsafe { self.set_free::<T>(None, 0) };
            // SAFETY: the whole list, ours alone, of the depot's chunks.
            unsafe { depot.put_loose(head, tail, len) };
        }
    }

    /// Meets this cache's free list and fresh run in `walk`, asserting the
    /// invariants 1, 2 and 4, and returns how many slots they hold. For
    /// tests and fuzzing.
    ///
    /// # Safety
    ///
    /// `walk` walks this cache's arena's depot, and no other thread uses
    /// the cache meanwhile.
    #[cfg(any(test, fuzzing))]
    unsafe fn walk_idle<T>(&self, walk: &mut IdleWalk<'_, T>) -> usize {
        // SAFETY: our free list is free slots (invariant 1), and no other
        // thread touches them (the caller's promise).
        let free = unsafe { walk.free_list(self.slots.free_head()) };
        let (start, end) = self.slots.fresh_run::<T>();
        let fresh = walk.fresh_run(start, end);
        if size_of::<T>() != 0 {
            assert_eq!(
                free,
                self.free_len(),
                "empty_at - net_taken miscounts the free list"
            );
        }
        if !self.claimed.load(Ordering::Relaxed) {
            assert_eq!(free + fresh, 0, "a released cache holds slots");
        }
        free + fresh
    }
}

/// The slot caches of one arena: a push-only list, one cache per handle
/// or thread that holds one, reused once released, freed with the arena.
///
/// # Invariants
///
/// 1. Every cache on the list was allocated with `Box` by `claim`, is never
///    unlinked, and is freed only when `Caches` is dropped: a reference to
///    one lives as long as the list.
/// 2. A cache is held by at most one handle or thread at a time: its
///    `claimed` flag is set by the `claim` that hands it out and cleared by
///    the holder's `release`.
pub(crate) struct Caches {
    head: AtomicPtr<SlotCache>,
}

// SAFETY: the raw pointers are a list of caches this value owns. Shared
// access only loads the list and the caches' atomics; a cache's `Cell`s are
// touched only by its one holder (invariant 2), on one thread at a time.
unsafe impl Send for Caches {}
// SAFETY: the `Send` argument above covers shared access too: it names
// everything shared access touches.
unsafe impl Sync for Caches {}

impl Caches {
    pub(crate) fn new() -> Self {
        Caches {
            head: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Claims a cache, empty: an unclaimed one from the list, or a new one.
    /// Not on the hot path: once per handle, and once per thread under
    /// `std`.
    ///
    /// The caller holds the cache until it calls `release`; until then it
    /// alone may call the cache's methods (invariant 2).
    pub(crate) fn claim(&self) -> &SlotCache {
        let mut at = self.head.load(Ordering::Acquire);
        while let Some(cache) = NonNull::new(at) {
            // SAFETY: caches on the list live as long as `self` (invariant
            // 1); `next_cache` is immutable once published, and the Acquire
            // load of `head` saw its publication.
            let cache = unsafe { cache.as_ref() };
            // Acquire: pairs with `release`, so the last holder's writes to
            // the cache happen before ours.
            if cache
                .claimed
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return cache;
            }
            at = cache.next_cache;
        }
        let cache = NonNull::from(Box::leak(Box::new(SlotCache {
            net_taken: AtomicUsize::new(0),
            slots: SlotStack::new(),
            empty_at: Cell::new(0),
            claimed: AtomicBool::new(true),
            next_cache: ptr::null_mut(),
        })));
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // SAFETY: the cache is not published yet: ours alone.
            unsafe { (*cache.as_ptr()).next_cache = head };
            // Release: publishes `next_cache` and the cache's initial state.
            match self.head.compare_exchange_weak(
                head,
                cache.as_ptr(),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                // SAFETY: published on the list, so it lives as long as
                // `self` (invariant 1).
                Ok(_) => return unsafe { cache.as_ref() },
                Err(now) => head = now,
            }
        }
    }

    /// Gives back a cache claimed by `claim`; its count stays in the sum.
    ///
    /// # Safety
    ///
    /// `cache` was claimed from `self` by the caller, which has flushed it
    /// (invariant 4 of `SlotCache`) and does not use it again.
    pub(crate) unsafe fn release(&self, cache: &SlotCache) {
        debug_assert!(cache.slots.is_empty());
        // Release: our last writes to the cache happen before the next
        // claim.
        cache.claimed.store(false, Ordering::Release);
    }

    /// The sum of all caches' counts, modulo `usize`.
    pub(crate) fn sum(&self) -> usize {
        let mut sum = 0usize;
        let mut at = self.head.load(Ordering::Acquire);
        while let Some(cache) = NonNull::new(at) {
            // SAFETY: as in `claim`.
            let cache = unsafe { cache.as_ref() };
            sum = sum.wrapping_add(cache.net_taken());
            at = cache.next_cache;
        }
        sum
    }

    /// Meets every cache's free list and fresh run in `walk` (see
    /// `SlotCache::walk_idle`) and returns how many slots they hold. For
    /// tests and fuzzing.
    ///
    /// # Safety
    ///
    /// `walk` walks the depot these caches belong to, and no other thread
    /// uses any of them meanwhile.
    #[cfg(any(test, fuzzing))]
    pub(crate) unsafe fn walk_idle<T>(&self, walk: &mut IdleWalk<'_, T>) -> usize {
        let mut idle = 0;
        let mut at = self.head.load(Ordering::Acquire);
        while let Some(cache) = NonNull::new(at) {
            // SAFETY: as in `claim`.
            let cache = unsafe { cache.as_ref() };
            // SAFETY: the caller's promise, for each cache.
            idle += unsafe { cache.walk_idle(walk) };
            at = cache.next_cache;
        }
        idle
    }
}

impl Drop for Caches {
    fn drop(&mut self) {
        let mut at = self.head.load(Ordering::Acquire);
        while let Some(cache) = NonNull::new(at) {
            // SAFETY: every cache on the list came from `Box::leak` and is
            // freed only here, once (invariant 1); `&mut self` means no
            // handle or thread holds one any more.
            let cache = unsafe { Box::from_raw(cache.as_ptr()) };
            at = cache.next_cache;
        }
    }
}

/// A slot cache with the depot it belongs to: the [`SlotSource`] under
/// [`Ops`](crate::ops::Ops) for `LocalHandle` and for `SyncDropArena`'s `std` methods (`Ops`
/// carries the brand).
///
/// # Invariants
///
/// `cache` belongs to `depot`, and is used by this thread only while the
/// `CacheRef` lives.
pub(crate) struct CacheRef<'a, T> {
    cache: &'a SlotCache,
    depot: &'a Depot<T>,
}

// By hand: derived impls would ask for `T: Copy`.
impl<T> Clone for CacheRef<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for CacheRef<'_, T> {}

impl<'a, T> CacheRef<'a, T> {
    /// # Safety
    ///
    /// `cache` belongs to `depot`, and only this thread uses it meanwhile.
    #[inline]
    pub(crate) unsafe fn new(cache: &'a SlotCache, depot: &'a Depot<T>) -> Self {
        CacheRef { cache, depot }
    }
}

// SAFETY: `take_slot` and `give_back_slot` are the slot cache's, on the depot
// the cache belongs to (the `CacheRef` invariant), whose contracts are the
// trait's: a slot taken is in use and nobody else's until it is given back,
// through any cache of the same arena.
unsafe impl<T> SlotSource for CacheRef<'_, T> {
    type Value = T;

    #[inline]
    fn take_slot(self) -> NonNull<T> {
        // SAFETY: the cache belongs to the depot (the `CacheRef` invariant).
        unsafe { self.cache.take_slot(self.depot) }
    }

    #[inline]
    unsafe fn give_back_slot(self, slot: NonNull<T>) {
        // SAFETY: the cache belongs to the depot (the `CacheRef` invariant),
        // and the trait's contract on `slot` is the cache's.
        unsafe { self.cache.give_back_slot(self.depot, slot) };
    }
}
