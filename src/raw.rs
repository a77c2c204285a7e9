//! The kernel at the bottom of the house: slots of uninitialized memory
//! handed out and taken back in O(1). It imports nothing above it.
//!
//! Both arenas share the [`Slot`], the chunks ([`take_chunk`],
//! [`next_chunk_len`]), the link helpers ([`read_next`], [`write_next`]) and
//! the fast path, [`SlotStack`]; [`RawArena`] is `DropArena`'s kernel, on
//! which it builds with [`RawArena::take_slot`] and
//! [`RawArena::give_back_slot`], and `sync/` holds `SyncDropArena`'s. The
//! words used for memory here are defined once, on [`RawArena`].

use core::cell::{Cell, OnceCell};
use core::mem::ManuallyDrop;
use core::ptr::{self, NonNull};

use crate::sanitizer;

/// One slot: the value while the slot is in use, the link to the next free
/// slot while it is free. A union has no drop glue, so `typed-arena` never
/// drops a slot and the arena's drop never touches `T`.
///
/// The zero-sized `_uninit` field makes "neither" a valid state too, as in
/// `MaybeUninit`: fresh slots sit uninitialized in their chunk.
pub(crate) union Slot<T> {
    _uninit: (),
    _value: ManuallyDrop<T>,
    pub(crate) next: Option<NonNull<Slot<T>>>,
}

/// The smallest chunk worth asking `typed-arena` for: about 4 KiB.
pub(crate) const fn min_chunk<T>() -> usize {
    let n = 4096 / size_of::<Slot<T>>();
    if n == 0 { 1 } else { n }
}

/// The length of the chunk that [`take_chunk`] takes next for at least `min`
/// slots, after a newest chunk of `newest` slots (0 before the first), or
/// `None` where `typed-arena` would panic because its size in bytes overflows
/// `isize`. `typed-arena`'s rule, restated so that a caller can check before
/// it changes anything (or, in `SyncDropArena`, before it holds a lock while
/// the panic hook runs): the first chunk has `max(min, min_chunk)` slots and
/// each later one `max(2 * newest, min.next_power_of_two())`.
pub(crate) fn next_chunk_len<T>(newest: usize, min: usize) -> Option<usize> {
    let len = if newest == 0 {
        min.max(min_chunk::<T>())
    } else {
        newest.checked_mul(2)?.max(min.checked_next_power_of_two()?)
    };
    core::alloc::Layout::array::<Slot<T>>(len).ok()?;
    Some(len)
}

/// Takes a new chunk of at least `min` slots from `chunks`, whole, and
/// returns its first slot and its length. Its slots are fresh (and poisoned
/// under ASan); nobody else is handed them. The caller must have used up
/// the slots of every earlier chunk it took.
///
/// Each chunk is taken whole, so every byte `typed-arena` allocates becomes
/// a slot. `typed-arena` makes each chunk at least twice as large as the one
/// before (and at least `min`), so there are `O(log n)` chunks for `n`
/// slots. If it panics (capacity overflow), no chunk was taken.
pub(crate) fn take_chunk<T>(
    chunks: &typed_arena::Arena<Slot<T>>,
    min: usize,
) -> (*mut Slot<T>, usize) {
    // Either this is the first chunk, untouched, or the newest chunk is
    // used up and `reserve_extend` starts the next one.
    let spare = chunks.uninitialized_array().len();
    debug_assert!(spare == 0 || spare >= min, "a chunk was left half used");
    if spare < min {
        chunks.reserve_extend(min);
    }
    let n = chunks.uninitialized_array().len();
    // SAFETY: typed-arena hands out uninitialized memory; `Slot` is a
    // union without drop glue, so typed-arena dropping these "values"
    // later does nothing, and we only ever write them before reading.
    let chunk = unsafe { chunks.alloc_uninitialized(n) };
    let start = chunk.as_mut_ptr().cast::<Slot<T>>();
    sanitizer::poison_many(start, n);
    (start, n)
}

/// The `next` field of a free slot, read with the slot unpoisoned just for
/// the read.
///
/// # Safety
///
/// `slot` is a free slot (its `next` initialized) of live memory that the
/// caller owns exclusively: no other thread reads or writes it meanwhile.
#[inline]
pub(crate) unsafe fn read_next<T>(slot: NonNull<Slot<T>>) -> Option<NonNull<Slot<T>>> {
    sanitizer::unpoison(slot.as_ptr());
    // SAFETY: the caller promises an initialized `next` in live memory,
    // with no concurrent access.
    let next = unsafe { (*slot.as_ptr()).next };
    sanitizer::poison(slot.as_ptr());
    next
}

/// Makes `slot` free with `next` as its link, and poisons it.
///
/// # Safety
///
/// `slot` is a slot of live memory that the caller owns exclusively and
/// that holds no live value.
#[inline]
pub(crate) unsafe fn write_next<T>(slot: NonNull<Slot<T>>, next: Option<NonNull<Slot<T>>>) {
    sanitizer::unpoison(slot.as_ptr());
    // SAFETY: the caller owns the slot and nothing live is in it, so the
    // write overwrites nothing and races with nothing.
    unsafe { (*slot.as_ptr()).next = next };
    sanitizer::poison(slot.as_ptr());
}

/// A link in a free list: the next free slot, or none.
pub(crate) type Link<T> = Option<NonNull<Slot<T>>>;

/// The slots a slot source hands out next, the fast path that `RawArena`
/// and each of `SyncDropArena`'s slot caches share: a stack of free slots,
/// the **free list**, linked through their `next` fields and reused last
/// in, first out, over a **fresh run** `fresh..fresh_end` of one chunk.
/// What to do when both are empty, and what to count, is the owner's.
///
/// The pointers are stored untyped (each a `*mut Slot<T>` of the owner's
/// `T`) so that a slot cache, which holds one, need not mention `T` (see
/// `SlotCache`). So every method that touches a slot is generic over `T`,
/// and unsafe: the caller names its own `T`.
///
/// # Invariants
///
/// The owner keeps these, and the methods' contracts say how:
///
/// 1. **Free list.** `free` heads a null-terminated list of free slots of
///    live chunks, owned by the stack's owner alone.
/// 2. **Fresh run.** `fresh..fresh_end` are fresh slots of one live chunk,
///    owned by the stack's owner alone; both null before the first run.
pub(crate) struct SlotStack {
    free: Cell<*mut ()>,
    fresh: Cell<*mut ()>,
    fresh_end: Cell<*mut ()>,
}

impl SlotStack {
    /// Empty: no free list, no fresh run.
    pub(crate) const fn new() -> Self {
        SlotStack {
            free: Cell::new(ptr::null_mut()),
            fresh: Cell::new(ptr::null_mut()),
            fresh_end: Cell::new(ptr::null_mut()),
        }
    }

    /// The head of the free list: the slot [`pop_free`](Self::pop_free)
    /// hands out next.
    #[inline]
    pub(crate) fn free_head<T>(&self) -> Link<T> {
        NonNull::new(self.free.get().cast())
    }

    /// Makes `head` the free list.
    ///
    /// # Safety
    ///
    /// `head` is null or heads a list as invariant 1 describes, of the
    /// owner's `T`; the list it replaces is owned elsewhere now.
    #[inline]
    pub(crate) unsafe fn set_free<T>(&self, head: Link<T>) {
        self.free
            .set(head.map_or(ptr::null_mut(), |slot| slot.as_ptr().cast()));
    }

    /// Takes the head of the free list off it and returns it, unpoisoned,
    /// or returns `None` if the list is empty.
    ///
    /// # Safety
    ///
    /// `T` is the owner's.
    #[inline]
    pub(crate) unsafe fn pop_free<T>(&self) -> Link<T> {
        let slot = self.free_head::<T>()?;
        sanitizer::unpoison(slot.as_ptr());
        // SAFETY: a slot of the free list is free, so its `next` is
        // initialized, and its memory is live and ours alone (invariant 1).
        let next = unsafe { (*slot.as_ptr()).next };
        // SAFETY: the rest of the same list.
        unsafe { self.set_free(next) };
        Some(slot)
    }

    /// Pushes `slot` on the free list, poisoned.
    ///
    /// # Safety
    ///
    /// `slot` is a slot of a live chunk of the owner's `T`, owned by the
    /// caller alone (in no list and no run), and holds no live value.
    #[inline]
    pub(crate) unsafe fn push_free<T>(&self, slot: NonNull<Slot<T>>) {
        // SAFETY: the slot is ours and holds nothing live, so writing its
        // `next` overwrites nothing; it becomes free with `next`
        // initialized, as invariant 1 requires.
        unsafe { (*slot.as_ptr()).next = self.free_head() };
        sanitizer::poison(slot.as_ptr());
        self.free.set(slot.as_ptr().cast());
    }

    /// Whether a slot is fresh.
    #[inline]
    pub(crate) fn has_fresh(&self) -> bool {
        self.fresh.get() != self.fresh_end.get()
    }

    /// Takes the next fresh slot, unpoisoned.
    ///
    /// # Safety
    ///
    /// `T` is the owner's, and a slot is fresh ([`has_fresh`](Self::has_fresh)).
    #[inline]
    pub(crate) unsafe fn next_fresh<T>(&self) -> NonNull<Slot<T>> {
        let slot: *mut Slot<T> = self.fresh.get().cast();
        debug_assert!(self.has_fresh());
        // SAFETY: a slot is fresh (the caller's promise), so `slot` lies in
        // the run's chunk and one past it is at most `fresh_end`, in or one
        // past the same chunk (invariant 2).
        self.fresh.set(unsafe { slot.add(1) }.cast());
        sanitizer::unpoison(slot);
        // SAFETY: a run starts at a chunk's slice pointer, never null.
        unsafe { NonNull::new_unchecked(slot) }
    }

    /// Makes `start..end` the fresh run.
    ///
    /// # Safety
    ///
    /// The range is as invariant 2 describes, of the owner's `T`, and the
    /// run it replaces is used up or owned elsewhere now.
    #[inline]
    pub(crate) unsafe fn set_fresh<T>(&self, start: *mut Slot<T>, end: *mut Slot<T>) {
        self.fresh.set(start.cast());
        self.fresh_end.set(end.cast());
    }

    /// The fresh run, `fresh..fresh_end`.
    #[cfg(any(test, fuzzing))]
    pub(crate) fn fresh_run<T>(&self) -> (*mut Slot<T>, *mut Slot<T>) {
        (self.fresh.get().cast(), self.fresh_end.get().cast())
    }

    /// Whether the free list and the fresh run are both empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.free.get().is_null() && self.fresh.get() == self.fresh_end.get()
    }

    /// How many slots are fresh. Not `offset_from`, which null pointers (no
    /// run yet) do not allow.
    #[inline]
    pub(crate) fn fresh_left<T>(&self) -> usize {
        let bytes = self.fresh_end.get() as usize - self.fresh.get() as usize;
        bytes / size_of::<Slot<T>>()
    }
}

/// Where an arena's chunks lie, to tell its slots from others': for
/// [`RawArena::check`] in tests, and for [`assert_owns`](Self::assert_owns)
/// under AddressSanitizer, in both arenas.
#[cfg(any(test, fuzzing, drop_arena_asan))]
pub(crate) struct ChunkBounds(alloc::vec::Vec<(usize, usize)>);

#[cfg(any(test, fuzzing, drop_arena_asan))]
impl ChunkBounds {
    pub(crate) const fn new() -> Self {
        ChunkBounds(alloc::vec::Vec::new())
    }

    /// Records the chunk of `n` slots that starts at `start`.
    pub(crate) fn push<T>(&mut self, start: *mut Slot<T>, n: usize) {
        let start = start as usize;
        self.0.push((start, start + n * size_of::<Slot<T>>()));
    }

    /// Whether `slot` is the start of a slot in one of the chunks.
    pub(crate) fn owns<T>(&self, slot: NonNull<Slot<T>>) -> bool {
        let at = slot.as_ptr() as usize;
        let size = size_of::<Slot<T>>();
        self.0
            .iter()
            .any(|&(start, end)| start <= at && at < end && (at - start) % size == 0)
    }

    /// Stops with a clear message when a slot that is not in the chunks is
    /// given back (or, in `DropArena`, found on the free list). Safe code
    /// cannot get here (the brand rules it out); unsafe code that mixes up
    /// two arenas' boxes can, and ASan alone would miss it once the arena
    /// unpoisons the slot.
    #[cfg(drop_arena_asan)]
    #[track_caller]
    pub(crate) fn assert_owns<T>(&self, slot: NonNull<Slot<T>>) {
        if !self.owns(slot) {
            foreign_slot(slot);
        }
    }

    /// The chunks' address ranges, `start..end`, oldest first.
    #[cfg(any(test, fuzzing))]
    pub(crate) fn ranges(&self) -> &[(usize, usize)] {
        &self.0
    }
}

/// The message of [`ChunkBounds::assert_owns`], for a caller that must
/// release a lock before it panics.
#[cfg(drop_arena_asan)]
#[cold]
#[track_caller]
pub(crate) fn foreign_slot<T>(slot: NonNull<Slot<T>>) -> ! {
    panic!(
        "drop_arena: the slot at {slot:p} does not belong to this arena; \
         unsafe code gave a box back to an arena that did not make it",
    )
}

/// Slots for values of one type: the memory behind a `DropArena`, and the
/// bookkeeping of which slot is where.
///
/// # Vocabulary
///
/// - A **slot** holds one `T`: a [`Slot<T>`], as large as `T` or a pointer.
/// - A **chunk** is an array of slots allocated by `typed-arena`. The kernel
///   takes each chunk whole, and only when the previous one is used up.
/// - Every slot of every chunk is in exactly one **state**:
///   - **fresh**: never handed out; the fresh slots are the tail of the
///     newest chunk, the fresh run of `slots`;
///   - **free**: given back, on the intrusive **free list** of `slots`,
///     linked through the slots' `next` fields;
///   - **in use**: handed out by [`take_slot`](Self::take_slot) and not yet
///     passed to [`give_back_slot`](Self::give_back_slot).
///
/// `take_slot` pops the free list, or else takes the next fresh slot, or else
/// allocates a new chunk ([`grow`](Self::grow)). `give_back_slot` pushes on
/// the free list, so slots are reused last in, first out.
///
/// # Invariants
///
/// For a non-zero-sized `T`:
///
/// 1. **Stable memory.** Every slot pointer stored here or handed out by
///    `take_slot` points into a chunk owned by `chunks`. A chunk is never
///    moved, shrunk or freed before the `RawArena` is dropped (`typed-arena`
///    starts a new chunk rather than growing one).
/// 2. **Three disjoint states.** Each slot is fresh, free or in use, as the
///    vocabulary above says; a free slot's `next` field is initialized, a
///    fresh slot's contents are not.
/// 3. **Counts.** `capacity` is the number of slots in all chunks. `pushed`
///    and `popped` count the pushes on and pops off the free list, wrapping,
///    so `pushed - popped` (wrapping) slots are free. [`len`](Self::len)
///    derives the slots in use from these and the fresh range; taking a
///    fresh slot counts nothing.
///
/// For a zero-sized `T` no memory exists: `take_slot` returns a dangling,
/// aligned pointer (valid for zero-sized reads and writes), `slots` and
/// `chunks` stay empty, every `take_slot` counts as a pop and every
/// `give_back_slot` as a push, and `popped - pushed` is the number in use.
///
/// `check` asserts all of this in tests.
pub(crate) struct RawArena<T> {
    slots: SlotStack,
    pushed: Cell<usize>,
    popped: Cell<usize>,
    capacity: Cell<usize>,
    chunks: OnceCell<typed_arena::Arena<Slot<T>>>,
    #[cfg(any(test, fuzzing, drop_arena_asan))]
    bounds: core::cell::RefCell<ChunkBounds>,
}

impl<T> RawArena<T> {
    const IS_ZST: bool = size_of::<T>() == 0;

    /// Empty: no memory is allocated until the first slot is taken.
    pub(crate) const fn new() -> Self {
        RawArena {
            slots: SlotStack::new(),
            pushed: Cell::new(0),
            popped: Cell::new(0),
            capacity: Cell::new(0),
            chunks: OnceCell::new(),
            #[cfg(any(test, fuzzing, drop_arena_asan))]
            bounds: core::cell::RefCell::new(ChunkBounds::new()),
        }
    }

    /// The slots in use (invariant 3): every slot that has left the fresh
    /// range and is not on the free list.
    pub(crate) fn len(&self) -> usize {
        let popped_minus_pushed = self.popped.get().wrapping_sub(self.pushed.get());
        if Self::IS_ZST {
            return popped_minus_pushed;
        }
        let not_fresh = self.capacity.get() - self.fresh_left();
        not_fresh.wrapping_add(popped_minus_pushed)
    }

    /// How many slots are fresh.
    fn fresh_left(&self) -> usize {
        self.slots.fresh_left::<T>()
    }

    pub(crate) fn capacity(&self) -> usize {
        if Self::IS_ZST {
            usize::MAX
        } else {
            self.capacity.get()
        }
    }

    /// The bytes of all chunks: every slot, whatever its state. 0 for a
    /// zero-sized `T`, whose `capacity` field never moves.
    pub(crate) fn chunk_bytes(&self) -> usize {
        self.capacity.get() * size_of::<Slot<T>>()
    }

    /// Puts one slot in use and returns it, uninitialized. Nobody else is
    /// handed it until it is passed to
    /// [`give_back_slot`](Self::give_back_slot).
    #[inline]
    pub(crate) fn take_slot(&self) -> NonNull<T> {
        if Self::IS_ZST {
            self.popped.set(self.popped.get().wrapping_add(1));
            return NonNull::dangling();
        }
        // Unpoisoning memory that is not ours would hide a real
        // use-after-free from ASan: say whose mistake it is instead.
        #[cfg(drop_arena_asan)]
        if let Some(slot) = self.slots.free_head::<T>() {
            self.bounds.borrow().assert_owns(slot);
        }
        // SAFETY: our slots are `Slot<T>`s.
        match unsafe { self.slots.pop_free::<T>() } {
            Some(slot) => {
                self.popped.set(self.popped.get().wrapping_add(1));
                slot.cast()
            }
            // A fresh slot is counted by moving `fresh`, so a panic while
            // growing counts nothing.
            None => self.take_fresh().cast(),
        }
    }

    /// Puts a slot on the free list, to be handed out again before any fresh
    /// one.
    ///
    /// # Safety
    ///
    /// `value` was returned by [`take_slot`](Self::take_slot) on this
    /// `RawArena`, has not been given back since, and holds no value that
    /// will be used again: it was never written, or its value has been
    /// dropped, moved out or forgotten. (Forgetting is fine: leaking is safe,
    /// and no `Pin` can promise the value's memory outlives it, as `DropBox`
    /// cannot be pinned.)
    #[inline]
    pub(crate) unsafe fn give_back_slot(&self, value: NonNull<T>) {
        if Self::IS_ZST {
            self.pushed.set(self.pushed.get().wrapping_add(1));
            return;
        }
        #[cfg(drop_arena_asan)]
        self.bounds.borrow().assert_owns(value.cast::<Slot<T>>());
        // SAFETY: the caller hands over an in-use slot of ours with no live
        // value in it, which is exactly what `push_free` takes.
        unsafe { self.push_free(value.cast()) };
    }

    /// Makes sure the next `additional` calls to `take_slot` allocate no
    /// memory.
    pub(crate) fn reserve(&self, additional: usize) {
        if Self::IS_ZST {
            return;
        }
        let spare = self.capacity.get() - self.len();
        if spare >= additional {
            return;
        }
        // `grow` needs the newest chunk used up: move its fresh slots to the
        // free list first, so that none of them is lost.
        while self.slots.has_fresh() {
            // SAFETY: our slots are `Slot<T>`s, and one is fresh.
            let slot = unsafe { self.slots.next_fresh::<T>() };
            // SAFETY: a slot just taken from the fresh ones is ours and holds
            // nothing (invariant 2).
            unsafe { self.push_free(slot) };
        }
        self.grow(additional - spare);
    }

    /// # Safety
    ///
    /// `slot` is one of ours (invariant 1), holds no live value, and is in no
    /// state but the caller's hands: not free, not fresh.
    #[inline]
    unsafe fn push_free(&self, slot: NonNull<Slot<T>>) {
        // SAFETY: the caller's promise is `SlotStack::push_free`'s, for our
        // `T`.
        unsafe { self.slots.push_free(slot) };
        self.pushed.set(self.pushed.get().wrapping_add(1));
    }

    /// The slow half of `take_slot`: the next fresh slot, growing first if
    /// there is none.
    #[inline]
    fn take_fresh(&self) -> NonNull<Slot<T>> {
        if !self.slots.has_fresh() {
            self.grow(1);
        }
        // SAFETY: our slots are `Slot<T>`s, and `grow` was just called if no
        // slot was fresh, which leaves at least one.
        unsafe { self.slots.next_fresh::<T>() }
    }

    /// Takes a new chunk of at least `min` slots, all fresh
    /// ([`take_chunk`]). No slot may be fresh when it is called.
    #[cold]
    #[inline(never)]
    fn grow(&self, min: usize) {
        debug_assert_eq!(self.fresh_left(), 0);
        let chunks = self
            .chunks
            .get_or_init(|| typed_arena::Arena::with_capacity(min.max(min_chunk::<T>())));
        let (start, n) = take_chunk(chunks, min);
        // SAFETY: one past the end of the chunk just handed to us.
        let end = unsafe { start.add(n) };
        // Updated only now that the memory exists: if allocating it panicked,
        // nothing changed.
        // SAFETY: the new chunk is ours, all fresh, and the old run is used
        // up (the caller's promise).
        unsafe { self.slots.set_fresh(start, end) };
        self.capacity.set(self.capacity.get() + n);
        #[cfg(any(test, fuzzing, drop_arena_asan))]
        self.bounds.borrow_mut().push(start, n);
    }

    /// Asserts the invariants: the counts add up, the fresh slots are the
    /// tail of the newest chunk, and the free list is acyclic, inside the
    /// chunks and clear of the fresh slots. O(capacity), for tests.
    #[cfg(any(test, fuzzing))]
    pub(crate) fn check(&self) {
        let free = self.slots.free_head::<T>();
        let (fresh, fresh_end) = self.slots.fresh_run::<T>();
        if Self::IS_ZST {
            assert!(free.is_none() && fresh.is_null() && fresh_end.is_null());
            assert!(self.chunks.get().is_none() && self.capacity.get() == 0);
            return;
        }
        let bounds = self.bounds.borrow();
        let size = size_of::<Slot<T>>();
        let in_chunks: usize = bounds
            .ranges()
            .iter()
            .map(|&(start, end)| (end - start) / size)
            .sum();
        assert_eq!(
            self.capacity.get(),
            in_chunks,
            "capacity is not the chunks' slots"
        );
        match bounds.ranges().last() {
            Some(&(start, end)) => {
                assert!(
                    start <= fresh as usize && fresh as usize <= end,
                    "fresh outside the newest chunk"
                );
                assert_eq!(
                    fresh_end as usize, end,
                    "fresh slots are not the newest chunk's tail"
                );
            }
            None => assert!(fresh.is_null() && fresh_end.is_null() && free.is_none()),
        }
        let n_fresh = (fresh_end as usize - fresh as usize) / size;
        let mut n_free = 0;
        let mut next = free;
        while let Some(slot) = next {
            n_free += 1;
            assert!(
                n_free + n_fresh <= self.capacity.get(),
                "the free list is cyclic"
            );
            let at = slot.as_ptr() as usize;
            assert!(
                bounds.owns(slot),
                "free slot {at:#x} is not a slot of this arena"
            );
            assert!(
                !(fresh as usize <= at && at < fresh_end as usize),
                "free slot {at:#x} is also fresh"
            );
            sanitizer::unpoison(slot.as_ptr());
            // SAFETY: the slot lies in one of our chunks (checked above) and
            // is on the free list, so its `next` field is initialized.
            next = unsafe { (*slot.as_ptr()).next };
            sanitizer::poison(slot.as_ptr());
        }
        assert_eq!(
            self.pushed.get().wrapping_sub(self.popped.get()),
            n_free,
            "pushed - popped is not the free list's length"
        );
        assert_eq!(n_fresh, self.fresh_left(), "fresh_left miscounts");
        assert!(self.len() <= self.capacity.get(), "more in use than slots");
    }
}
