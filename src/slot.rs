//! The unsafe kernel: slots carved from `typed-arena` chunks, handed out by a
//! bump pointer, and recycled through an intrusive free list.
//!
//! Everything else in the crate is safe code on top of [`Slots::take`] and
//! [`Slots::give_back`].

use core::cell::{Cell, OnceCell};
use core::mem::ManuallyDrop;
use core::ptr::{self, NonNull};

use crate::sanitizer;

/// One slot: the value while the slot is in use, the link to the next free
/// slot while it is free. A union has no drop glue, so `typed-arena` never
/// drops a slot and the arena's drop never touches `T`.
///
/// The zero-sized `_uninit` field makes "neither" a valid state too, as in
/// `MaybeUninit`: fresh slots sit uninitialized in typed-arena's chunks.
pub(crate) union Slot<T> {
    _uninit: (),
    _value: ManuallyDrop<T>,
    next: Option<NonNull<Slot<T>>>,
}

/// The memory behind one arena and the bookkeeping of which slot is where.
///
/// # Invariants
///
/// For a non-zero-sized `T`:
///
/// 1. **Stable memory.** Every slot pointer stored here or handed out by
///    [`take`](Self::take) points into a chunk owned by `chunks`. A chunk is
///    never moved, shrunk or freed before `Slots` itself is dropped
///    (`typed-arena` starts a new chunk rather than growing one).
/// 2. **Three disjoint states.** Each carved slot is in exactly one state:
///    - *fresh*: in the run `fresh..fresh_end`, never handed out, contents
///      uninitialized;
///    - *free*: on the singly linked list starting at `free`, its `next` field
///      initialized and pointing to the next free slot (or `None`);
///    - *in use*: handed out by `take` and not yet passed to `give_back`.
/// 3. **Counts.** `len` is the number of slots in use; `capacity` is the number
///    of slots carved from `chunks`, so `capacity - len` slots are fresh or
///    free.
///
/// For a zero-sized `T` no memory exists: `take` returns a dangling, aligned
/// pointer (valid for zero-sized reads and writes), `free`, `fresh` and
/// `chunks` stay empty, and only `len` moves.
pub(crate) struct Slots<T> {
    free: Cell<Option<NonNull<Slot<T>>>>,
    fresh: Cell<*mut Slot<T>>,
    fresh_end: Cell<*mut Slot<T>>,
    len: Cell<usize>,
    capacity: Cell<usize>,
    chunks: OnceCell<typed_arena::Arena<Slot<T>>>,
}

impl<T> Slots<T> {
    const IS_ZST: bool = size_of::<T>() == 0;

    /// The smallest run worth asking `typed-arena` for: about 4 KiB.
    const MIN_RUN: usize = {
        let n = 4096 / size_of::<Slot<T>>();
        if n == 0 { 1 } else { n }
    };

    /// Empty: no memory is allocated until the first slot is taken.
    pub(crate) const fn new() -> Self {
        Slots {
            free: Cell::new(None),
            fresh: Cell::new(ptr::null_mut()),
            fresh_end: Cell::new(ptr::null_mut()),
            len: Cell::new(0),
            capacity: Cell::new(0),
            chunks: OnceCell::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len.get()
    }

    pub(crate) fn capacity(&self) -> usize {
        if Self::IS_ZST {
            usize::MAX
        } else {
            self.capacity.get()
        }
    }

    /// Marks one slot in use and returns it, uninitialized. The slot stays in
    /// use, and nobody else is handed it, until it is passed to
    /// [`give_back`](Self::give_back).
    #[inline]
    pub(crate) fn take(&self) -> NonNull<T> {
        if Self::IS_ZST {
            self.len.set(self.len.get() + 1);
            return NonNull::dangling();
        }
        let slot = match self.free.get() {
            Some(slot) => {
                sanitizer::unpoison(slot.as_ptr());
                // SAFETY: `slot` is free (invariant 2), so its `next` field is
                // initialized, and its memory is live (invariant 1).
                self.free.set(unsafe { (*slot.as_ptr()).next });
                slot
            }
            None => self.take_fresh(),
        };
        // Counted only now: carving may panic, and then no slot is in use.
        self.len.set(self.len.get() + 1);
        slot.cast()
    }

    /// Returns a slot to the free list, to be handed out again before any
    /// fresh one (LIFO).
    ///
    /// # Safety
    ///
    /// `value` was returned by [`take`](Self::take) on this `Slots`, has not
    /// been given back since, and holds no value that will be used again: it
    /// was never written, or its value has been dropped, moved out or
    /// forgotten. (Forgetting is fine: leaking is safe, and no `Pin` can
    /// promise the value's memory outlives it, as `DropBox` cannot be pinned.)
    #[inline]
    pub(crate) unsafe fn give_back(&self, value: NonNull<T>) {
        self.len.set(self.len.get() - 1);
        if !Self::IS_ZST {
            // SAFETY: the caller hands over an in-use slot of ours with no
            // live value in it, which is exactly what `push_free` takes.
            unsafe { self.push_free(value.cast()) };
        }
    }

    /// Makes sure the next `additional` calls to `take` allocate no memory.
    pub(crate) fn reserve(&self, additional: usize) {
        if Self::IS_ZST {
            return;
        }
        let spare = self.capacity.get() - self.len.get();
        if spare >= additional {
            return;
        }
        // A new run must start empty-handed: park what is left of the current
        // fresh run on the free list so that none of it is lost.
        while self.fresh.get() != self.fresh_end.get() {
            // SAFETY: the loop condition says the run is not empty.
            let slot = unsafe { self.bump() };
            // SAFETY: a slot just taken from the fresh run is ours and holds
            // nothing (invariant 2).
            unsafe { self.push_free(slot) };
        }
        self.carve(additional - spare);
    }

    /// # Safety
    ///
    /// `slot` is one of ours (invariant 1), holds no live value, and is in no
    /// state but the caller's hands: not free, not fresh.
    #[inline]
    unsafe fn push_free(&self, slot: NonNull<Slot<T>>) {
        // SAFETY: the caller promises the slot is ours and unused, so writing
        // its `next` field overwrites nothing live; it becomes free with
        // `next` initialized, as invariant 2 requires.
        unsafe { (*slot.as_ptr()).next = self.free.get() };
        self.free.set(Some(slot));
        sanitizer::poison(slot.as_ptr());
    }

    /// The slow half of `take`: the next slot of the fresh run, carving a new
    /// run first if this one is used up.
    #[inline]
    fn take_fresh(&self) -> NonNull<Slot<T>> {
        if self.fresh.get() == self.fresh_end.get() {
            self.carve(1);
        }
        // SAFETY: a run was just carved if this one was used up, and carving
        // yields at least one slot.
        unsafe { self.bump() }
    }

    /// Takes the first slot of the fresh run.
    ///
    /// # Safety
    ///
    /// The fresh run is not empty: `fresh != fresh_end`.
    #[inline]
    unsafe fn bump(&self) -> NonNull<Slot<T>> {
        let slot = self.fresh.get();
        debug_assert!(slot != self.fresh_end.get());
        // SAFETY: the run is not empty (the caller's promise), so `slot` lies
        // inside a run carved by `carve` and one past it is at most
        // `fresh_end`, the end of that same allocation.
        self.fresh.set(unsafe { slot.add(1) });
        sanitizer::unpoison(slot);
        // SAFETY: a fresh run starts at a slice pointer, never null.
        unsafe { NonNull::new_unchecked(slot) }
    }

    /// Replaces the used-up fresh run with a new run of at least `min` slots:
    /// the whole of a typed-arena chunk.
    ///
    /// A run always takes all that is left of its chunk, so the current chunk
    /// is either brand new (the first) or used up, and every byte typed-arena
    /// allocates becomes a slot. typed-arena makes each new chunk at least
    /// twice as large as the one before (and at least `min`), so there are
    /// `O(log n)` runs for `n` slots.
    #[cold]
    #[inline(never)]
    fn carve(&self, min: usize) {
        debug_assert!(self.fresh.get() == self.fresh_end.get());
        let chunks = self
            .chunks
            .get_or_init(|| typed_arena::Arena::with_capacity(min.max(Self::MIN_RUN)));
        let spare = chunks.uninitialized_array().len();
        debug_assert!(spare == 0 || spare >= min, "a chunk was left half-claimed");
        if spare < min {
            chunks.reserve_extend(min);
        }
        let n = chunks.uninitialized_array().len();
        self.fresh_end.set(self.claim(chunks, n));
    }

    /// Claims `n` slots from `chunks` as the new fresh run, returning its end.
    fn claim(&self, chunks: &typed_arena::Arena<Slot<T>>, n: usize) -> *mut Slot<T> {
        // SAFETY: typed-arena hands out uninitialized memory; `Slot` is a
        // union without drop glue, so typed-arena dropping these "values"
        // later does nothing, and we only ever write them before reading.
        let run = unsafe { chunks.alloc_uninitialized(n) };
        let start = run.as_mut_ptr().cast::<Slot<T>>();
        // SAFETY: one past the end of the run just handed to us.
        let end = unsafe { start.add(n) };
        sanitizer::poison_run(start, n);
        self.fresh.set(start);
        self.capacity.set(self.capacity.get() + n);
        end
    }
}
