//! The shared half of a `SyncDropArena`: the [`Depot`] of free magazines
//! and the chunks behind a spin lock.
//!
//! The words for memory (slot, chunk, fresh, free, in use) are defined on
//! `RawArena` (`raw.rs`); the concurrent design is explained once, on
//! `SyncDropArena`.

use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::ptr::{self, NonNull};

use super::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, PUBLISH, spin};
use crate::raw::{self, Slot};

/// The number of slots in a magazine. The loom and shuttle tests use 2, so
/// that a few operations already move magazines.
pub(crate) const MAGAZINE: usize = if cfg!(any(loom, shuttle)) { 2 } else { 64 };

/// The number of depot cells. The loom and shuttle tests use 1, so that the
/// overflow stack is reached.
const CELLS: usize = if cfg!(any(loom, shuttle)) { 1 } else { 8 };

/// The fresh slots a slot cache claims at once.
const RUN: usize = MAGAZINE;

/// A link in a free list: the next free slot, or none.
pub(crate) type Link<T> = Option<NonNull<Slot<T>>>;

/// Where a slot cache refills from when its free list and fresh run are
/// empty and the depot had nothing: see [`Depot::refill`].
pub(crate) enum Refill<T> {
    /// A free list of `len` slots, null-terminated, now owned by the caller.
    Free { head: NonNull<Slot<T>>, len: usize },
    /// A run of fresh slots, `start..end`, not empty, now owned by the
    /// caller.
    Fresh {
        start: NonNull<Slot<T>>,
        end: *mut Slot<T>,
    },
}

/// The free slots and fresh memory that no slot cache holds.
///
/// # Vocabulary
///
/// - A **magazine** is a free list of exactly [`MAGAZINE`] slots, linked
///   through their `next` fields, its last slot (the **tail**) holding a
///   null `next`.
/// - Each **cell** of the depot is null or holds one magazine's head.
/// - The **overflow stack** holds magazines that found every cell full,
///   linked through their tails: a magazine's tail points to the head of
///   the magazine below it.
/// - The **chunks** and the **loose list** sit behind the spin lock
///   `locked`: the newest chunk's fresh slots `fresh..fresh_end`, and a free
///   list of `loose_len` slots, the odd ends that dropped slot caches could
///   not fill a magazine with.
///
/// # Invariants
///
/// 1. **Stable memory.** Every slot here lies in a chunk of `chunks.arena`,
///    which is never moved, shrunk or freed before the depot is dropped.
/// 2. **Exclusive ownership.** Every free or fresh slot of the chunks is
///    owned by exactly one place: a cell (its whole magazine), the overflow
///    stack, the loose list, the fresh slots behind the lock, or one slot
///    cache. Only the owner reads or writes a slot's `next`. Ownership moves
///    only by a single atomic step (`compare_exchange` from null or
///    `swap` to null on a cell; a push `compare_exchange` or a take-all
///    `swap` on the overflow stack) or under the lock, so at every moment
///    one thread owns each slot.
/// 3. **Counts.** `capacity` is the number of slots in all chunks. It is
///    written only under the lock.
///
/// For a zero-sized `T` nothing here is ever used.
///
/// # Memory orderings
///
/// Every publication is `Release` (a cell's `compare_exchange`, an overflow
/// push, unlocking) and every taking is `Acquire` (a cell's `swap`, the
/// overflow take-all, locking). A thread that publishes slots wrote their
/// `next` links, and before that the values that lived in them were
/// dropped or moved out; the taker's `Acquire` synchronizes with that
/// `Release`, so all those writes happen before its own reads and writes of
/// the slots. Nothing else is ordered through these atomics, so nothing
/// stronger is needed; failed exchanges and the emptiness peeks before them
/// publish and take nothing, so they are `Relaxed`.
pub(crate) struct Depot<T> {
    cells: [AtomicPtr<Slot<T>>; CELLS],
    overflow: AtomicPtr<Slot<T>>,
    locked: AtomicBool,
    chunks: UnsafeCell<Chunks<T>>,
    capacity: AtomicUsize,
}

/// The state behind [`Depot`]'s lock.
struct Chunks<T> {
    arena: Option<typed_arena::Arena<Slot<T>>>,
    fresh: *mut Slot<T>,
    fresh_end: *mut Slot<T>,
    loose: Link<T>,
    loose_len: usize,
    #[cfg(drop_arena_asan)]
    bounds: raw::ChunkBounds,
}

impl<T> Chunks<T> {
    /// The number of fresh slots left, `fresh..fresh_end`.
    fn fresh_left(&self) -> usize {
        if self.fresh == self.fresh_end {
            // Also before the first chunk, when both are null.
            return 0;
        }
        // SAFETY: `fresh..fresh_end` is a range of one chunk, so both lie in
        // (or one past) the same allocation and the distance is exact and
        // not negative.
        unsafe { self.fresh_end.offset_from(self.fresh) as usize }
    }
}

impl<T> Depot<T> {
    pub(crate) fn new() -> Self {
        Depot {
            cells: [(); CELLS].map(|()| AtomicPtr::new(ptr::null_mut())),
            overflow: AtomicPtr::new(ptr::null_mut()),
            locked: AtomicBool::new(false),
            chunks: UnsafeCell::new(Chunks {
                arena: None,
                fresh: ptr::null_mut(),
                fresh_end: ptr::null_mut(),
                loose: None,
                loose_len: 0,
                #[cfg(drop_arena_asan)]
                bounds: raw::ChunkBounds::new(),
            }),
            capacity: AtomicUsize::new(0),
        }
    }

    /// The number of slots in all chunks.
    pub(crate) fn capacity(&self) -> usize {
        // Relaxed: a count, ordered with nothing else. A reader that
        // synchronized with the last grower (a join, a channel) sees its
        // store, which is what "exact when no operation is in flight" means.
        self.capacity.load(Ordering::Relaxed)
    }

    /// Puts a magazine in an empty cell, or on the overflow stack if every
    /// cell is full.
    ///
    /// # Safety
    ///
    /// `head..=tail` is a magazine of this depot's slots (invariant 1) that
    /// the caller owns exclusively; its tail's `next` is null.
    pub(crate) unsafe fn put(&self, head: NonNull<Slot<T>>, tail: NonNull<Slot<T>>) {
        for cell in &self.cells {
            // Peek first, so that a full depot costs loads, not exchanges.
            if cell.load(Ordering::Relaxed).is_null()
                && cell
                    .compare_exchange(
                        ptr::null_mut(),
                        head.as_ptr(),
                        // Release: publishes the magazine's links.
                        PUBLISH,
                        Ordering::Relaxed,
                    )
                    .is_ok()
            {
                return;
            }
        }
        let mut top = self.overflow.load(Ordering::Relaxed);
        loop {
            // SAFETY: the magazine is still ours until the exchange below
            // succeeds (the caller's promise); nobody else reads its tail.
            unsafe { raw::write_next(tail, NonNull::new(top)) };
            // Release: publishes the magazine's links, the tail's included.
            match self.overflow.compare_exchange_weak(
                top,
                head.as_ptr(),
                PUBLISH,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(now) => top = now,
            }
        }
    }

    /// Takes a full magazine, if there is one, and returns its head: a
    /// free list of [`MAGAZINE`] slots, null-terminated, now owned by the
    /// caller.
    pub(crate) fn take(&self) -> Link<T> {
        for cell in &self.cells {
            if !cell.load(Ordering::Relaxed).is_null() {
                // Acquire: pairs with the Release that put the magazine in.
                let head = cell.swap(ptr::null_mut(), Ordering::Acquire);
                if let Some(head) = NonNull::new(head) {
                    return Some(head);
                }
            }
        }
        if self.overflow.load(Ordering::Relaxed).is_null() {
            return None;
        }
        // Acquire: pairs with the Release of every push below the top, since
        // each push read the previous top before publishing on it.
        let head = NonNull::new(self.overflow.swap(ptr::null_mut(), Ordering::Acquire))?;
        // SAFETY: the swap made the whole stack ours: magazines linked
        // through their tails (invariant 2).
        let (_, rest) = unsafe { split_magazine(head) };
        let mut next = rest;
        while let Some(head) = next {
            // SAFETY: as above: still ours, still a chain of magazines.
            let (tail, after) = unsafe { split_magazine(head) };
            next = after;
            // SAFETY: `head..=tail` is one whole magazine, ours, its tail
            // now null.
            unsafe { self.put(head, tail) };
        }
        Some(head)
    }

    /// Refills a slot cache whose free list and fresh run are empty: the
    /// loose list if there is one, else a run of fresh slots, growing the
    /// chunks if none is left. Takes the lock.
    ///
    /// Panics, with nothing changed, if growing overflows `isize`.
    pub(crate) fn refill(&self) -> Refill<T> {
        let mut chunks = self.lock();
        if let Some(head) = chunks.loose.take() {
            let len = core::mem::take(&mut chunks.loose_len);
            return Refill::Free { head, len };
        }
        if chunks.fresh == chunks.fresh_end {
            self.grow(&mut chunks, 1);
        }
        let start = chunks.fresh;
        // SAFETY: at most the fresh slots left past `fresh`, so at most
        // `fresh_end`.
        let end = unsafe { start.add(chunks.fresh_left().min(RUN)) };
        chunks.fresh = end;
        Refill::Fresh {
            // SAFETY: a chunk's slots start at a slice pointer, never null.
            start: unsafe { NonNull::new_unchecked(start) },
            end,
        }
    }

    /// Makes sure at least `additional` slots wait in the depot for any
    /// slot cache that runs out. Counts the fresh and loose slots behind the
    /// lock (whole magazines in the cells and on the overflow stack would
    /// need a walk, so they are left out); if those are fewer, hands the
    /// fresh ones to the depot as free slots (a new chunk replaces the fresh
    /// range, which must not lose any) and grows by one chunk of the
    /// difference. Takes the lock.
    ///
    /// Panics, with every slot still in one place, if growing overflows
    /// `isize`.
    pub(crate) fn reserve(&self, additional: usize) {
        let mut chunks = self.lock();
        let left = chunks.fresh_left() + chunks.loose_len;
        if left >= additional {
            return;
        }
        while chunks.fresh != chunks.fresh_end {
            let run = chunks.fresh_left().min(MAGAZINE);
            let start = chunks.fresh;
            // SAFETY: `run` fresh slots follow `fresh`, so this is at most
            // `fresh_end`.
            chunks.fresh = unsafe { start.add(run) };
            // SAFETY: a chunk's slots start at a slice pointer, never null.
            let head = unsafe { NonNull::new_unchecked(start) };
            // SAFETY: the `run` slots from `head` were fresh behind our lock,
            // ours alone and holding nothing: linking them makes a free list.
            let tail = unsafe { link_run(head, run) };
            if run == MAGAZINE {
                // SAFETY: a whole magazine of our slots, its tail null.
                unsafe { self.put(head, tail) };
            } else {
                // SAFETY: as above; the loose list is ours under the lock.
                unsafe { raw::write_next(tail, chunks.loose) };
                chunks.loose = Some(head);
                chunks.loose_len += run;
            }
        }
        self.grow(&mut chunks, additional - left);
    }

    /// Takes a new chunk of at least `min` slots, all fresh. The fresh
    /// range must be empty.
    fn grow(&self, chunks: &mut Chunks<T>, min: usize) {
        debug_assert!(chunks.fresh == chunks.fresh_end);
        let arena = chunks.arena.get_or_insert_with(|| {
            typed_arena::Arena::with_capacity(min.max(raw::min_chunk::<T>()))
        });
        let (start, n) = raw::take_chunk(arena, min);
        #[cfg(drop_arena_asan)]
        chunks.bounds.push(start, n);
        // SAFETY: one past the end of the chunk just taken.
        let end = unsafe { start.add(n) };
        chunks.fresh = start;
        chunks.fresh_end = end;
        // Under the lock, so a load and a store are enough.
        self.capacity
            .store(self.capacity.load(Ordering::Relaxed) + n, Ordering::Relaxed);
    }

    /// Adds a free list that is not a whole magazine to the loose list.
    ///
    /// # Safety
    ///
    /// `head..=tail` is a free list of `len` slots of this depot (invariant
    /// 1), owned exclusively by the caller, null-terminated.
    pub(crate) unsafe fn put_loose(
        &self,
        head: NonNull<Slot<T>>,
        tail: NonNull<Slot<T>>,
        len: usize,
    ) {
        let mut chunks = self.lock();
        // SAFETY: the list is ours (the caller's promise) and the loose list
        // is ours under the lock: linking them reads and writes only our
        // slots.
        unsafe { raw::write_next(tail, chunks.loose) };
        chunks.loose = Some(head);
        chunks.loose_len += len;
    }

    /// Under AddressSanitizer, stops with a clear message if `slot` is not
    /// a slot of this depot's chunks ([`raw::ChunkBounds::assert_owns`]).
    /// Takes the lock: a slow check for a debugging build.
    #[cfg(drop_arena_asan)]
    #[track_caller]
    pub(crate) fn assert_owns(&self, slot: NonNull<Slot<T>>) {
        self.lock().bounds.assert_owns(slot);
    }

    fn lock(&self) -> ChunksGuard<'_, T> {
        // Acquire: pairs with the Release of the last unlock, so the last
        // holder's writes to the chunks and the slots it handed over are
        // visible to us.
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            while self.locked.load(Ordering::Relaxed) {
                spin();
            }
        }
        ChunksGuard { depot: self }
    }

    /// Asserts that every magazine in the depot has exactly [`MAGAZINE`]
    /// slots, and returns the number of free slots held here (cells,
    /// overflow, loose) and of fresh slots behind the lock. For tests.
    ///
    /// # Safety
    ///
    /// No other thread uses the depot meanwhile.
    #[cfg(test)]
    pub(crate) unsafe fn count_idle(&self) -> (usize, usize) {
        let mut free = 0;
        let capacity = self.capacity();
        let count = |mut link: Link<T>| {
            let mut n = 0;
            while let Some(slot) = link {
                n += 1;
                // A slot handed out twice can close a list into a cycle.
                assert!(n <= capacity, "a free list longer than the arena");
                // SAFETY: no other thread runs (the caller's promise), and
                // every slot listed here is free (invariant 2).
                link = unsafe { raw::read_next(slot) };
            }
            n
        };
        for cell in &self.cells {
            let n = count(NonNull::new(cell.load(Ordering::Acquire)));
            assert!(n == 0 || n == MAGAZINE, "a cell holds {n} slots");
            free += n;
        }
        let n = count(NonNull::new(self.overflow.load(Ordering::Acquire)));
        assert_eq!(n % MAGAZINE, 0, "the overflow stack holds {n} slots");
        free += n;
        let chunks = self.lock();
        assert_eq!(count(chunks.loose), chunks.loose_len);
        free += chunks.loose_len;
        // SAFETY: as in `refill`.
        let fresh = unsafe { chunks.fresh_end.offset_from(chunks.fresh) } as usize;
        (free, fresh)
    }
}

/// Links the `n >= 1` slots from `head` on, in address order, into a
/// null-terminated free list, and returns its tail.
///
/// # Safety
///
/// The `n` slots lie in one chunk and the caller owns them exclusively,
/// holding nothing (fresh ones, for instance).
unsafe fn link_run<T>(head: NonNull<Slot<T>>, n: usize) -> NonNull<Slot<T>> {
    let mut tail = head;
    for _ in 1..n {
        // SAFETY: the next slot is one of the `n` in the same chunk.
        let next = unsafe { tail.add(1) };
        // SAFETY: ours and empty (the caller's promise).
        unsafe { raw::write_next(tail, Some(next)) };
        tail = next;
    }
    // SAFETY: as above.
    unsafe { raw::write_next(tail, None) };
    tail
}

/// Splits the first magazine off a chain of magazines linked through their
/// tails: returns its tail (now null-terminated) and the rest of the chain.
///
/// # Safety
///
/// The caller owns the chain exclusively, and `head` starts a whole
/// magazine.
unsafe fn split_magazine<T>(head: NonNull<Slot<T>>) -> (NonNull<Slot<T>>, Link<T>) {
    let mut tail = head;
    for _ in 1..MAGAZINE {
        // SAFETY: a magazine's first `MAGAZINE - 1` slots each link to the
        // next one; the caller owns them all, so no other thread reads or
        // writes these `next` fields.
        tail = unsafe { raw::read_next(tail) }.expect("a magazine is shorter than MAGAZINE");
    }
    // SAFETY: as above; the tail is ours too.
    let rest = unsafe { raw::read_next(tail) };
    // SAFETY: as above.
    unsafe { raw::write_next(tail, None) };
    (tail, rest)
}

/// The lock on a [`Depot`]'s chunks, released when dropped, even by a panic
/// while growing (which would otherwise leave every thread spinning).
struct ChunksGuard<'a, T> {
    depot: &'a Depot<T>,
}

impl<T> Deref for ChunksGuard<'_, T> {
    type Target = Chunks<T>;

    fn deref(&self) -> &Chunks<T> {
        // SAFETY: the guard exists only while `locked` is held by us, so no
        // other thread touches the chunks.
        unsafe { &*self.depot.chunks.get() }
    }
}

impl<T> DerefMut for ChunksGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut Chunks<T> {
        // SAFETY: as in `deref`, and `&mut self` makes this borrow unique.
        unsafe { &mut *self.depot.chunks.get() }
    }
}

impl<T> Drop for ChunksGuard<'_, T> {
    fn drop(&mut self) {
        // Release: publishes our writes to the chunks and to the slots we
        // handed over to the next holder.
        self.depot.locked.store(false, Ordering::Release);
    }
}
