//! [`DropArena`]: allocation and reclamation.

use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::boxed::DropBox;
use crate::brand::Brand;
use crate::ops::{Ops, SlotSource};
use crate::raw::RawArena;

/// A single-type allocator whose [`DropBox`]es can be given back one by one.
///
/// An arena is always used through `&'id DropArena<'id, T>`: the brand `'id`
/// is also the borrow, so the arena outlives every box it makes and only it
/// can reclaim them. Get one from [`DropArena::with`], [`make_arena!`] or
/// [`DropArena::new`]; the [crate docs](crate#the-brand) explain the brand.
///
/// [`make_arena!`]: crate::make_arena
///
/// # Invariants
///
/// `raw` holds every slot this arena has handed out. A `DropBox<'id, T>` is
/// only ever made by [`alloc`](Self::alloc) or [`alloc_with`](Self::alloc_with)
/// on the one arena branded `'id`, so a box with the same brand points to an
/// in-use slot of `raw`.
pub struct DropArena<'id, T> {
    raw: RawArena<T>,
    brand: Brand<'id>,
}

// SAFETY: the arena owns its chunks and free list outright and keeps no
// thread-local state, so it may move to another thread with its values'
// memory (hence `T: Send`). It cannot move while a box or leaked reference
// of its brand exists: making one borrows it for all of `'id`. It is not
// `Sync`: its `Cell`s are updated without synchronisation.
unsafe impl<T: Send> Send for DropArena<'_, T> {}

impl<'id, T> DropArena<'id, T> {
    /// Creates an arena branded by `guard`, for code that makes the guard
    /// itself. [`make_arena!`](crate::make_arena) writes this for you.
    ///
    /// The arena must be declared *before* the guard so that it is dropped
    /// after the guard's scope ends — the brand lasts to the end of that
    /// scope, and the arena must outlive every use of the brand:
    ///
    /// ```
    /// use drop_arena::{DropArena, make_guard};
    ///
    /// let storage;
    /// make_guard!(guard);
    /// storage = DropArena::new(guard);
    /// let arena = &storage;
    ///
    /// let b = arena.alloc(7);
    /// assert_eq!(arena.box_to_inner(b), 7);
    /// ```
    ///
    /// Allocates nothing until the first value arrives.
    pub fn new(guard: generativity::Guard<'id>) -> Self {
        let _ = guard;
        // SAFETY: `guard` is consumed here, and a `Guard<'id>` is unique: no
        // other guard, and so no other arena, carries `'id`.
        unsafe { DropArena::branded() }
    }

    /// An arena with a brand chosen by the caller.
    ///
    /// # Safety
    ///
    /// No other arena carries `'id` while this one lives: that is what makes
    /// "same brand" mean "same arena" (the invariant above).
    const unsafe fn branded() -> Self {
        DropArena {
            raw: RawArena::new(),
            brand: PhantomData,
        }
    }

    /// The value-level operations, on this arena's kernel.
    #[inline]
    fn ops(&'id self) -> Ops<'id, &'id RawArena<T>> {
        // SAFETY: `raw` hands out this arena's slots, and the arena is the
        // only one branded `'id` (the `DropArena` invariant).
        unsafe { Ops::new(&self.raw) }
    }

    /// Runs `f` with a fresh arena and drops the arena when `f` returns.
    ///
    /// The closure must accept an arena of *any* brand, so no box or arena
    /// reference can leave it. Use it when `T` does not mention the brand;
    /// for self-referential types use [`make_arena!`](crate::make_arena).
    ///
    /// ```
    /// use drop_arena::DropArena;
    ///
    /// let total = DropArena::with(|arena| {
    ///     let a = arena.alloc(String::from("left"));
    ///     let b = arena.alloc(String::from("right"));
    ///     let len = a.len() + b.len();
    ///     arena.drop_box(a);
    ///     arena.drop_box(b);
    ///     len
    /// });
    /// assert_eq!(total, 9);
    /// ```
    pub fn with<R>(f: impl for<'a> FnOnce(&'a DropArena<'a, T>) -> R) -> R {
        // SAFETY: `f` is generic over the brand, so it cannot tell this
        // arena's brand from any other: the brand is unique to this arena.
        let arena = unsafe { DropArena::branded() };
        f(&arena)
    }

    /// Like [`with`](Self::with), with room for `capacity` values allocated
    /// up front. Panics or aborts as [`reserve`](Self::reserve) does.
    ///
    /// ```
    /// use drop_arena::DropArena;
    ///
    /// DropArena::with_capacity(100, |arena| {
    ///     assert!(arena.capacity() >= 100);
    ///     let b = arena.alloc(1u64);
    ///     assert_eq!(*b, 1);
    /// });
    /// ```
    pub fn with_capacity<R>(
        capacity: usize,
        f: impl for<'a> FnOnce(&'a DropArena<'a, T>) -> R,
    ) -> R {
        DropArena::with(|arena| {
            arena.reserve(capacity);
            f(arena)
        })
    }

    /// Moves `value` into the arena. O(1): reuses the most recently reclaimed
    /// slot if there is one, and takes a fresh slot otherwise.
    ///
    /// If the arena must grow and cannot, it panics or aborts as
    /// [`reserve`](Self::reserve) does; on a panic `value` is forgotten
    /// rather than dropped.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// let mut b = arena.alloc(vec![1, 2]);
    /// b.push(3);
    /// assert_eq!(*b, [1, 2, 3]);
    /// # });
    /// ```
    #[inline]
    #[must_use = "a box dropped at once drops its value but keeps its slot in use until the arena ends; bind the box and give it back with `drop_box`"]
    pub fn alloc(&'id self, value: T) -> DropBox<'id, T> {
        self.ops().alloc(value)
    }

    /// Takes a slot, then moves the value `f` returns into it.
    ///
    /// With optimisations the compiler often builds the value straight in
    /// the slot, but nothing guarantees it: a very large value may still be
    /// built on the stack first, as with bumpalo's `alloc_with`.
    ///
    /// `f` may allocate from and reclaim into this same arena: the slot is
    /// taken before `f` runs. If `f` panics the slot is reclaimed and the
    /// panic goes on.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// let big = arena.alloc_with(|| [0u8; 4096]);
    /// assert_eq!(big.len(), 4096);
    /// # });
    /// ```
    #[inline]
    #[must_use = "a box dropped at once drops its value but keeps its slot in use until the arena ends; bind the box and give it back with `drop_box`"]
    pub fn alloc_with(&'id self, f: impl FnOnce() -> T) -> DropBox<'id, T> {
        self.ops().alloc_with(f)
    }

    /// Allocates the value `f` returns if it returns `Ok`, and returns `f`'s
    /// error otherwise.
    ///
    /// The slot is taken only once `f` has succeeded, so an `Err` (or a
    /// panic) leaves the arena exactly as it was: same `len`, same
    /// `capacity`, same next slot. `f` may use this arena, as in
    /// [`alloc_with`](Self::alloc_with). The value is built before it has a
    /// slot, so it is moved into place once.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// let parsed = arena.try_alloc_with(|| "42".parse::<u32>());
    /// assert_eq!(*parsed.unwrap(), 42);
    ///
    /// let failed = arena.try_alloc_with(|| "forty-two".parse::<u32>());
    /// assert!(failed.is_err());
    /// assert_eq!(arena.len(), 1);
    /// # });
    /// ```
    #[inline]
    pub fn try_alloc_with<E>(
        &'id self,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<DropBox<'id, T>, E> {
        self.ops().try_alloc_with(f)
    }

    /// Drops the value and reclaims its slot for the next allocation.
    ///
    /// The value's destructor may use this arena. If it panics, the slot is
    /// still reclaimed and the panic goes on.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// let b = arena.alloc(String::from("gone"));
    /// arena.drop_box(b);
    /// assert_eq!(arena.len(), 0);
    /// # });
    /// ```
    #[inline]
    pub fn drop_box(&'id self, b: DropBox<'id, T>) {
        self.ops().drop_box(b);
    }

    /// Moves the value out and reclaims its slot.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// let b = arena.alloc(String::from("kept"));
    /// let s: String = arena.box_to_inner(b);
    /// assert_eq!(s, "kept");
    /// assert_eq!(arena.len(), 0);
    /// # });
    /// ```
    #[inline]
    #[must_use = "the value is moved out and dropped at once; to drop it in place, use `drop_box`"]
    pub fn box_to_inner(&'id self, b: DropBox<'id, T>) -> T {
        self.ops().box_to_inner(b)
    }

    /// The 0.3 name of [`box_to_inner`](Self::box_to_inner), which it calls.
    #[deprecated(since = "0.4.0", note = "renamed to `box_to_inner`")]
    #[must_use = "the value is moved out and dropped at once; to drop it in place, use `drop_box`"]
    #[inline]
    pub fn box_into_inner(&'id self, b: DropBox<'id, T>) -> T {
        self.box_to_inner(b)
    }

    /// Reclaims the slot without running the value's destructor, like
    /// [`mem::forget`](core::mem::forget) on the value followed by reclaiming.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// let b = arena.alloc(std::rc::Rc::new(()));
    /// let rc = std::rc::Rc::clone(&b);
    /// arena.free_without_dropping(b);
    /// assert_eq!(std::rc::Rc::strong_count(&rc), 2); // the forgotten count
    /// # });
    /// ```
    #[inline]
    pub fn free_without_dropping(&'id self, b: DropBox<'id, T>) {
        self.ops().free_without_dropping(b);
    }

    /// The number of slots in use: allocated and not yet reclaimed through
    /// the arena. A box that was dropped with plain `drop`, unwrapped with
    /// [`DropBox::into_inner`] or leaked keeps its slot until the arena ends.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// let a = arena.alloc(1);
    /// let b = arena.alloc(2);
    /// drop(a); // the value is dropped, the slot stays in use
    /// arena.drop_box(b);
    /// assert_eq!(arena.len(), 1);
    /// # });
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether no slot is in use.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// assert!(arena.is_empty());
    /// let b = arena.alloc(1);
    /// assert!(!arena.is_empty());
    /// # arena.drop_box(b);
    /// # });
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of values the arena can hold without allocating more
    /// memory: slots in use plus slots free or not yet handed out.
    /// `usize::MAX` for zero-sized types, which never allocate.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// let b = arena.alloc(1u32);
    /// assert!(arena.capacity() >= 1);
    /// # arena.drop_box(b);
    /// # });
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.raw.capacity()
    }

    /// Makes room for at least `additional` more values, so that the next
    /// `additional` allocations do not allocate memory.
    ///
    /// As with `Vec`, a request whose size in bytes overflows `isize` panics
    /// with "capacity overflow" and leaves the arena usable. So may a request
    /// of more than half that size, because a new chunk is rounded up to a
    /// power of two. A request the allocator cannot meet goes to
    /// [`handle_alloc_error`], which aborts the process in programs that use
    /// `std`.
    ///
    /// [`handle_alloc_error`]: https://doc.rust-lang.org/alloc/alloc/fn.handle_alloc_error.html
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// arena.reserve(1000);
    /// assert!(arena.capacity() - arena.len() >= 1000);
    /// # arena.alloc(0u8);
    /// # });
    /// ```
    pub fn reserve(&self, additional: usize) {
        self.raw.reserve(additional);
    }

    /// The bytes this arena holds from the global allocator for its slots:
    /// [`capacity`](Self::capacity) times the slot size (`T`'s size, at
    /// least a pointer's, rounded up to `T`'s alignment), in use or not.
    ///
    /// 0 until the first allocation, and always for zero-sized types. Not
    /// counted: `typed-arena`'s list of its chunks, a few words per chunk.
    /// Memory only goes back to the system when the arena ends.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// assert_eq!(arena.allocated_bytes(), 0);
    /// let b = arena.alloc([0u64; 4]);
    /// assert_eq!(arena.allocated_bytes(), arena.capacity() * 32);
    /// # arena.drop_box(b);
    /// # });
    /// ```
    #[inline]
    pub fn allocated_bytes(&self) -> usize {
        self.raw.chunk_bytes()
    }

    /// Asserts the kernel's invariants (`RawArena::check`). Not part of the
    /// API: it exists only in this crate's unit tests and under cargo-fuzz,
    /// where the shared model calls it after every operation.
    #[cfg(any(test, fuzzing))]
    #[doc(hidden)]
    pub fn check_invariants(&self) {
        self.raw.check();
    }
}

impl<T> fmt::Debug for DropArena<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DropArena")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}

// SAFETY: `take_slot` and `give_back_slot` are `RawArena`'s own, whose
// contracts are the trait's: `take_slot` hands out an in-use slot nobody else
// holds, and `give_back_slot` takes one back under the same conditions.
unsafe impl<T> SlotSource for &RawArena<T> {
    type Value = T;

    #[inline]
    fn take_slot(self) -> NonNull<T> {
        RawArena::take_slot(self)
    }

    #[inline]
    unsafe fn give_back_slot(self, slot: NonNull<T>) {
        // SAFETY: the trait's contract on `slot` is `RawArena`'s.
        unsafe { RawArena::give_back_slot(self, slot) }
    }
}
