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
use crate::raw::{self, Link, Slot};

/// The number of slots in a magazine. The loom and shuttle tests use 2, so
/// that a few operations already move magazines.
pub(crate) const MAGAZINE: usize = if cfg!(any(loom, shuttle)) { 2 } else { 64 };

/// The number of depot cells. The loom and shuttle tests use 1, so that the
/// overflow stack is reached.
const CELLS: usize = if cfg!(any(loom, shuttle)) { 1 } else { 8 };

/// The fresh slots a slot cache claims at once.
const RUN: usize = MAGAZINE;

/// Where a slot cache refills from when its free list and fresh run are
/// empty and no depot cell had a magazine: see [`Depot::refill`].
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
///   the magazine below it. Anyone pushes; only the lock holder pops, one
///   magazine at a time.
/// - **Parked** magazines are those in the cells and on the overflow stack.
/// - The **chunks** and the **loose list** sit behind the spin lock
///   `locked`: the newest chunk's fresh slots `fresh..fresh_end`, and a free
///   list of `loose_len` slots, fewer than a magazine, the odd ends that
///   dropped slot caches and [`reserve`](Depot::reserve) leave.
///
/// # Invariants
///
/// 1. **Stable memory.** Every slot here lies in a chunk of `chunks.arena`,
///    which is never moved, shrunk or freed before the depot is dropped.
/// 2. **Exclusive ownership.** Every free or fresh slot of the chunks is
///    owned by exactly one place: a cell (its whole magazine), the overflow
///    stack, the loose list, the fresh slots behind the lock, or one slot
///    cache. Only the owner reads or writes a slot's `next`; a magazine on
///    the overflow stack is read only by the lock holder, who alone may
///    take it off, and its tail is written only by its pusher before the
///    push. Ownership moves only by a single atomic step (`compare_exchange`
///    from null or `swap` to null on a cell; a push `compare_exchange` on the
///    overflow stack, or the lock holder's pop `compare_exchange`) or under
///    the lock, so at every moment one thread owns each slot.
/// 3. **Counts.** `capacity` is the number of slots in all chunks, and
///    `newest` the length of the newest chunk; both are written only under
///    the lock. `loose_len < MAGAZINE`.
/// 4. **Parked count.** `parked` is the number of `put_magazine` calls begun
///    minus the number of magazines taken out of a cell or off the overflow
///    stack: a `put_magazine` adds 1 before it places its magazine, a taker
///    subtracts 1 after it has taken one. So every parked magazine is
///    counted, and `parked == 0` means no magazine is parked but those of
///    `put_magazine` calls still under way. This is what makes the memory
///    bound hold in every schedule: [`refill`] grows the arena only when it
///    reads `parked == 0`.
///
/// For a zero-sized `T` nothing here is ever used.
///
/// # Memory orderings
///
/// Every publication is `Release` (a cell's `compare_exchange`, an overflow
/// push, unlocking) and every taking is `Acquire` (a cell's `swap`, the
/// overflow pop's load and exchange, locking). A thread that publishes slots
/// wrote their `next` links, and before that the values that lived in them
/// were dropped or moved out; the taker's `Acquire` synchronizes with that
/// `Release`, so all those writes happen before its own reads and writes of
/// the slots. Every change of the overflow stack's top is a
/// read-modify-write, so the pushes of all magazines below the top are in the
/// release sequence the popper's `Acquire` load reads from. Nothing else is
/// ordered through these atomics, so nothing stronger is needed; failed
/// exchanges, the emptiness peeks before them and `parked` publish and take
/// nothing, so they are `Relaxed` (`parked`'s argument rests on its own
/// modification order: a magazine's `put_magazine` happens before its taking,
/// so its increment precedes its decrement).
///
/// [`refill`]: Depot::refill
pub(crate) struct Depot<T> {
    cells: [AtomicPtr<Slot<T>>; CELLS],
    parked: AtomicUsize,
    overflow: AtomicPtr<Slot<T>>,
    locked: AtomicBool,
    chunks: UnsafeCell<Chunks<T>>,
    capacity: AtomicUsize,
}

/// The state behind [`Depot`]'s lock.
struct Chunks<T> {
    arena: Option<typed_arena::Arena<Slot<T>>>,
    newest: usize,
    fresh: *mut Slot<T>,
    fresh_end: *mut Slot<T>,
    loose: Link<T>,
    loose_len: usize,
    /// For `assert_owns` under ASan, and for the invariant check.
    #[cfg(any(test, fuzzing, drop_arena_asan))]
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
            parked: AtomicUsize::new(0),
            overflow: AtomicPtr::new(ptr::null_mut()),
            locked: AtomicBool::new(false),
            chunks: UnsafeCell::new(Chunks {
                arena: None,
                newest: 0,
                fresh: ptr::null_mut(),
                fresh_end: ptr::null_mut(),
                loose: None,
                loose_len: 0,
                #[cfg(any(test, fuzzing, drop_arena_asan))]
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

    /// Parks a magazine: in an empty cell, or on the overflow stack if every
    /// cell is full.
    ///
    /// # Safety
    ///
    /// `head..=tail` is a magazine of this depot's slots (invariant 1) that
    /// the caller owns exclusively; its tail's `next` is null.
    pub(crate) unsafe fn put_magazine(&self, head: NonNull<Slot<T>>, tail: NonNull<Slot<T>>) {
        // Counted before anyone can take it (invariant 4).
        self.parked.fetch_add(1, Ordering::Relaxed);
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

    /// Takes a magazine from a cell, if one holds one, without the lock, and
    /// returns its head: a free list of [`MAGAZINE`] slots, null-terminated,
    /// now owned by the caller. The overflow stack is [`refill`]'s.
    ///
    /// [`refill`]: Depot::refill
    pub(crate) fn take_magazine(&self) -> Link<T> {
        for cell in &self.cells {
            if !cell.load(Ordering::Relaxed).is_null() {
                // Acquire: pairs with the Release that put the magazine in.
                let head = cell.swap(ptr::null_mut(), Ordering::Acquire);
                if let Some(head) = NonNull::new(head) {
                    // Uncounted once taken (invariant 4).
                    self.parked.fetch_sub(1, Ordering::Relaxed);
                    return Some(head);
                }
            }
        }
        None
    }

    /// Takes the top magazine off the overflow stack, if there is one. Only
    /// the lock holder pops, which `_locked` stands for.
    fn pop_overflow(&self, _locked: &mut Chunks<T>) -> Link<T> {
        // Acquire: pairs with the Release of the push that made `top` the
        // top, and (a release sequence of read-modify-writes) of every push
        // below it.
        let mut top = self.overflow.load(Ordering::Acquire);
        loop {
            let head = NonNull::new(top)?;
            // SAFETY: `head` starts a whole magazine on the stack. Only a lock
            // holder takes magazines off, and we hold the lock, so it stays
            // there until our exchange below; pushes write only their own
            // magazine's tail. So its links are read by us alone
            // (invariant 2), and they are visible (the Acquire above).
            let tail = unsafe { nth_slot(head, MAGAZINE) };
            // SAFETY: the tail is the same magazine's, read under the same
            // lock: its link names the magazine below.
            let below = unsafe { raw::read_next(tail) };
            // Nobody else pops, so if the top is still `head`, `below` is
            // still the magazine under it: no ABA. A failure means a push.
            match self.overflow.compare_exchange_weak(
                top,
                below.map_or(ptr::null_mut(), NonNull::as_ptr),
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // SAFETY: the magazine is off the stack and ours alone.
                    unsafe { raw::write_next(tail, None) };
                    // Uncounted once taken (invariant 4).
                    self.parked.fetch_sub(1, Ordering::Relaxed);
                    return Some(head);
                }
                Err(now) => top = now,
            }
        }
    }

    /// Refills a slot cache whose free list and fresh run are empty and which
    /// found no magazine in a cell. Takes the lock and hands out, in this
    /// order: the loose list, a magazine off the overflow stack, a run of
    /// fresh slots; and only when nothing is parked (invariant 4), a run of a
    /// new chunk. While a magazine is counted but not yet in reach (a
    /// `put_magazine` between counting and placing it, or a taker between
    /// taking and uncounting), it waits, for a few instructions of that
    /// thread, rather than grow.
    ///
    /// Panics, with nothing changed and the lock released, if growing
    /// overflows `isize`.
    pub(crate) fn refill(&self) -> Refill<T> {
        let mut chunks = self.lock();
        if let Some(head) = chunks.loose.take() {
            let len = core::mem::take(&mut chunks.loose_len);
            return Refill::Free { head, len };
        }
        while chunks.fresh == chunks.fresh_end {
            if let Some(head) = self.pop_overflow(&mut chunks) {
                return Refill::Free {
                    head,
                    len: MAGAZINE,
                };
            }
            if self.parked.load(Ordering::Relaxed) == 0 {
                let (start, n) = match self.new_chunk(&mut chunks, 1) {
                    Ok(chunk) => chunk,
                    Err(CapacityOverflow) => {
                        drop(chunks);
                        capacity_overflow()
                    }
                };
                chunks.fresh = start;
                // SAFETY: one past the end of the chunk just taken.
                chunks.fresh_end = unsafe { start.add(n) };
                break;
            }
            if let Some(head) = self.take_magazine() {
                return Refill::Free {
                    head,
                    len: MAGAZINE,
                };
            }
            spin();
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

    /// Makes sure at least `additional` free or fresh slots wait in the
    /// depot for any slot cache that runs out: counts the fresh and loose
    /// slots and the parked magazines, and if they are fewer, takes a new
    /// chunk of at least the difference. Its fresh slots replace the old
    /// fresh range, whose slots become free: whole magazines parked, the
    /// rest loose. Takes the lock.
    ///
    /// Panics, with nothing changed and the lock released, if growing
    /// overflows `isize`.
    pub(crate) fn reserve(&self, additional: usize) {
        let mut chunks = self.lock();
        let parked = self.parked.load(Ordering::Relaxed);
        let left = (chunks.fresh_left() + chunks.loose_len)
            .saturating_add(parked.saturating_mul(MAGAZINE));
        if left >= additional {
            return;
        }
        let (start, n) = match self.new_chunk(&mut chunks, additional - left) {
            Ok(chunk) => chunk,
            Err(CapacityOverflow) => {
                drop(chunks);
                capacity_overflow()
            }
        };
        let old = chunks.fresh;
        let old_len = chunks.fresh_left();
        chunks.fresh = start;
        // SAFETY: one past the end of the chunk just taken.
        chunks.fresh_end = unsafe { start.add(n) };
        if let Some(head) = NonNull::new(old).filter(|_| old_len > 0) {
            // SAFETY: the old fresh slots were ours behind the lock, in one
            // chunk, holding nothing; no range names them any more.
            let tail = unsafe { link_run(head, old_len) };
            // SAFETY: a free list of ours, now in no other place.
            unsafe { self.add_loose(&mut chunks, head, tail, old_len) };
        }
    }

    /// Takes a new chunk for at least `min` slots and counts it; the caller
    /// makes its slots the fresh range. Checks its size first, so that a
    /// capacity overflow changes nothing and panics only once the caller
    /// has released the lock: no panic hook runs under it. (An allocation
    /// failure aborts, as for `Vec`.)
    fn new_chunk(
        &self,
        chunks: &mut Chunks<T>,
        min: usize,
    ) -> Result<(*mut Slot<T>, usize), CapacityOverflow> {
        let len = raw::next_chunk_len::<T>(chunks.newest, min).ok_or(CapacityOverflow)?;
        let arena = chunks
            .arena
            .get_or_insert_with(|| typed_arena::Arena::with_capacity(len));
        let (start, n) = raw::take_chunk(arena, min);
        debug_assert_eq!(n, len, "typed-arena's growth rule changed");
        #[cfg(any(test, fuzzing, drop_arena_asan))]
        chunks.bounds.push(start, n);
        chunks.newest = n;
        // Under the lock, so a load and a store are enough.
        self.capacity
            .store(self.capacity.load(Ordering::Relaxed) + n, Ordering::Relaxed);
        Ok((start, n))
    }

    /// Gives a free list that is not a whole magazine back to the loose
    /// list, parking whole magazines from it as it reaches their size.
    /// Takes the lock.
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
        // SAFETY: the caller's promise.
        unsafe { self.add_loose(&mut chunks, head, tail, len) };
    }

    /// `put_loose` with the lock held.
    ///
    /// # Safety
    ///
    /// As for `put_loose`.
    unsafe fn add_loose(
        &self,
        chunks: &mut Chunks<T>,
        head: NonNull<Slot<T>>,
        tail: NonNull<Slot<T>>,
        len: usize,
    ) {
        // SAFETY: the list is ours (the caller's promise) and the loose list
        // is ours under the lock: linking them reads and writes only our
        // slots.
        unsafe { raw::write_next(tail, chunks.loose) };
        chunks.loose = Some(head);
        chunks.loose_len += len;
        while chunks.loose_len >= MAGAZINE {
            let head = chunks.loose.expect("loose_len counts a slot");
            // SAFETY: the loose list is ours under the lock and holds at
            // least MAGAZINE slots.
            let (tail, rest) = unsafe { cut_after(head, MAGAZINE) };
            chunks.loose = rest;
            chunks.loose_len -= MAGAZINE;
            // SAFETY: `head..=tail` is a whole magazine, detached, ours.
            unsafe { self.put_magazine(head, tail) };
        }
    }

    /// Under AddressSanitizer, stops with a clear message if `slot` is not
    /// a slot of this depot's chunks ([`raw::ChunkBounds::assert_owns`]).
    /// Takes the lock, and panics only after releasing it: a slow check for
    /// a debugging build.
    #[cfg(drop_arena_asan)]
    #[track_caller]
    pub(crate) fn assert_owns(&self, slot: NonNull<Slot<T>>) {
        let owned = self.lock().bounds.owns(slot);
        if !owned {
            raw::foreign_slot(slot);
        }
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

    /// Walks every slot idle here, asserting invariants 2 and 3 as far as
    /// the depot shows them: the counts match the chunks, the fresh slots
    /// are the newest chunk's tail, every magazine is whole and counted by
    /// `parked` (invariant 4), and the loose list is as long as
    /// `loose_len`, shorter than a magazine. Returns the walk, which holds
    /// the lock, so that the slot caches' slots can be added to it
    /// ([`IdleWalk`]). For tests and fuzzing.
    ///
    /// # Safety
    ///
    /// No other thread uses the depot meanwhile.
    #[cfg(any(test, fuzzing))]
    pub(crate) unsafe fn walk_idle(&self) -> IdleWalk<'_, T> {
        let mut walk = IdleWalk {
            chunks: self.lock(),
            capacity: self.capacity(),
            free: alloc::vec::Vec::new(),
            runs: alloc::vec::Vec::new(),
            fresh: 0,
        };
        let chunks = &walk.chunks;
        let size = size_of::<Slot<T>>();
        let ranges = chunks.bounds.ranges();
        let in_chunks: usize = ranges
            .iter()
            .map(|&(start, end)| (end - start) / size)
            .sum();
        assert_eq!(
            walk.capacity, in_chunks,
            "capacity is not the chunks' slots"
        );
        match ranges.last() {
            Some(&(start, end)) => {
                assert_eq!(chunks.newest, (end - start) / size, "newest miscounts");
                assert_eq!(
                    chunks.fresh_end as usize, end,
                    "the fresh slots are not the newest chunk's tail"
                );
            }
            None => assert!(chunks.fresh.is_null() && chunks.fresh_end.is_null()),
        }
        let (fresh, fresh_end) = (chunks.fresh, chunks.fresh_end);
        let (loose, loose_len) = (chunks.loose, chunks.loose_len);
        let mut parked = 0;
        for cell in &self.cells {
            // SAFETY: a cell's magazine is free slots, and no other thread
            // runs (the caller's promise).
            let n = unsafe { walk.free_list(NonNull::new(cell.load(Ordering::Acquire))) };
            assert!(n == 0 || n == MAGAZINE, "a cell holds {n} slots");
            parked += n;
        }
        // SAFETY: as for the cells: the stack is whole magazines, linked
        // through their tails into one list.
        let n = unsafe { walk.free_list(NonNull::new(self.overflow.load(Ordering::Acquire))) };
        assert_eq!(n % MAGAZINE, 0, "the overflow stack holds {n} slots");
        parked += n;
        assert_eq!(
            self.parked.load(Ordering::Relaxed) * MAGAZINE,
            parked,
            "parked miscounts the magazines"
        );
        // SAFETY: the loose list is free slots, and we hold the lock.
        let n = unsafe { walk.free_list(loose) };
        assert_eq!(n, loose_len, "loose_len miscounts");
        assert!(loose_len < MAGAZINE, "a whole magazine is loose");
        walk.fresh_run(fresh, fresh_end);
        walk
    }

    /// Asserts what [`walk_idle`](Self::walk_idle) does, and returns the
    /// number of free slots held here (parked and loose) and of fresh slots
    /// behind the lock. For tests.
    ///
    /// # Safety
    ///
    /// No other thread uses the depot meanwhile.
    #[cfg(test)]
    pub(crate) unsafe fn count_idle(&self) -> (usize, usize) {
        // SAFETY: the same contract.
        unsafe { self.walk_idle() }.finish()
    }
}

/// The idle slots of one depot's chunks, met one free list or fresh run at
/// a time by the invariant checks of tests and fuzzing
/// (`SyncDropArena::check_invariants`): each must lie in the chunks, and
/// none may be met twice, since each free or fresh slot has exactly one
/// owner (the `Depot` invariant 2). Holds the depot's lock.
#[cfg(any(test, fuzzing))]
pub(crate) struct IdleWalk<'a, T> {
    chunks: ChunksGuard<'a, T>,
    capacity: usize,
    /// The addresses of the free slots met so far.
    free: alloc::vec::Vec<usize>,
    /// The fresh runs met so far, as address ranges `start..end`.
    runs: alloc::vec::Vec<(usize, usize)>,
    fresh: usize,
}

#[cfg(any(test, fuzzing))]
impl<T> IdleWalk<'_, T> {
    /// Meets a null-terminated free list and returns its length.
    ///
    /// # Safety
    ///
    /// The list's slots are free, their links initialized, and no other
    /// thread uses them meanwhile.
    pub(crate) unsafe fn free_list(&mut self, mut link: Link<T>) -> usize {
        let mut n = 0;
        while let Some(slot) = link {
            assert!(
                self.chunks.bounds.owns(slot),
                "free slot {slot:p} is not a slot of the chunks"
            );
            // A slot handed out twice can close a list into a cycle.
            assert!(
                self.free.len() < self.capacity,
                "more free slots than slots: a free list is cyclic"
            );
            self.free.push(slot.as_ptr() as usize);
            n += 1;
            // SAFETY: the slot is free and no other thread uses it (the
            // caller's promise), in live memory (it is in the chunks).
            link = unsafe { raw::read_next(slot) };
        }
        n
    }

    /// Meets a run of fresh slots `start..end`, which must lie in one
    /// chunk (both null, or equal, for none), and returns its length.
    pub(crate) fn fresh_run(&mut self, start: *mut Slot<T>, end: *mut Slot<T>) -> usize {
        if start == end {
            return 0;
        }
        let (start, end) = (start as usize, end as usize);
        let size = size_of::<Slot<T>>();
        let in_a_chunk = self.chunks.bounds.ranges().iter().any(|&(first, last)| {
            first <= start && start < end && end <= last && (start - first) % size == 0
        });
        assert!(
            in_a_chunk,
            "fresh run {start:#x}..{end:#x} is not in a chunk"
        );
        self.runs.push((start, end));
        let n = (end - start) / size;
        self.fresh += n;
        n
    }

    /// Asserts that no slot was met twice, releases the lock and returns
    /// the number of free and of fresh slots met.
    pub(crate) fn finish(mut self) -> (usize, usize) {
        self.free.sort_unstable();
        if let Some(pair) = self.free.windows(2).find(|pair| pair[0] == pair[1]) {
            panic!("free slot {:#x} is on two free lists", pair[0]);
        }
        self.runs.sort_unstable();
        if let Some(pair) = self.runs.windows(2).find(|pair| pair[0].1 > pair[1].0) {
            panic!("fresh runs {:#x?} and {:#x?} overlap", pair[0], pair[1]);
        }
        for &at in &self.free {
            // The last run starting at or before `at`.
            let i = self.runs.partition_point(|&(start, _)| start <= at);
            if let Some(&(start, end)) = i.checked_sub(1).map(|i| &self.runs[i]) {
                assert!(
                    at >= end,
                    "free slot {at:#x} is also fresh, in {start:#x}..{end:#x}"
                );
            }
        }
        (self.free.len(), self.fresh)
    }
}

/// A capacity overflow found by [`Depot::new_chunk`], to be reported once
/// the lock is released.
struct CapacityOverflow;

#[cold]
#[track_caller]
fn capacity_overflow() -> ! {
    panic!("capacity overflow")
}

/// The `n`-th slot (`n >= 1`) of a free list: its tail, if it has `n`.
///
/// # Safety
///
/// The caller owns the list's first `n` slots exclusively, and the list has
/// at least `n` slots.
pub(crate) unsafe fn nth_slot<T>(head: NonNull<Slot<T>>, n: usize) -> NonNull<Slot<T>> {
    let mut slot = head;
    for _ in 1..n {
        // SAFETY: one of the first `n - 1` slots, ours (the caller's
        // promise), so its `next` is initialized and nobody else touches it.
        slot = unsafe { raw::read_next(slot) }.expect("a free list shorter than promised");
    }
    slot
}

/// Cuts a free list after its `n`-th slot (`n >= 1`): returns that slot,
/// now the null-terminated tail of the first `n`, and the rest of the list.
///
/// # Safety
///
/// As for [`nth_slot`]: the caller owns the list's first `n` slots
/// exclusively, and the list has at least `n` slots.
pub(crate) unsafe fn cut_after<T>(head: NonNull<Slot<T>>, n: usize) -> (NonNull<Slot<T>>, Link<T>) {
    // SAFETY: the caller's promise, which covers the tail's link too.
    unsafe {
        let tail = nth_slot(head, n);
        let rest = raw::read_next(tail);
        raw::write_next(tail, None);
        (tail, rest)
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
    // SAFETY: the last of the `n`, ours and empty too.
    unsafe { raw::write_next(tail, None) };
    tail
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
