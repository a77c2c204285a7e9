//! [`DropBox`]: the owner of one value in a [`DropArena`].

use core::borrow::{Borrow, BorrowMut};
use core::cmp::Ordering;
use core::fmt;
use core::future::Future;
use core::hash::{Hash, Hasher};
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll};

#[cfg(doc)]
use crate::DropArena;
use crate::brand::Brand;

/// An owner of one `T` in a [`DropArena`] branded `'id`: derefs to `T` and
/// drops it when it goes out of scope, like `Box<T>`.
///
/// Dropping a box drops the value but leaves its slot in use until the arena
/// ends; give it to [`DropArena::drop_box`] or [`DropArena::box_to_inner`] to
/// reuse the slot. The [crate docs](crate#ending-a-boxs-life) compare the ways
/// to end a box's life.
///
/// ```
/// use drop_arena::DropArena;
///
/// DropArena::with(|arena| {
///     let mut b = arena.alloc(String::from("hello"));
///     b.push_str(", world");
///     assert_eq!(*b, "hello, world");
///     assert_eq!(b.len(), 12); // `String`'s own method, through `Deref`
///     arena.drop_box(b);
/// });
/// ```
///
/// # Trait implementations
///
/// `DropBox` implements what `Box<T>` implements wherever that is sound
/// without the arena at hand: `Deref`/`DerefMut`, `AsRef`/`AsMut`,
/// `Borrow`/`BorrowMut`, `Debug`, `Display`, `Pointer`, comparisons, `Hash`,
/// `Hasher`, the iterator traits, `Future` for `Unpin` futures and `Error`.
///
/// Deliberately missing:
/// - `Clone` and `Default`: a new box needs an arena to live in;
///   write `arena.alloc((*b).clone())`.
/// - Pinning (`Pin<DropBox<T>>`, `Future` for `!Unpin` futures): when the
///   arena ends it frees the memory of a box that was forgotten without
///   running its destructor, which `Pin`'s drop guarantee forbids. So
///   `DropBox` is `Unpin` whatever `T` is, like `Box`.
/// - Unsized values (`DropBox<dyn Trait>`, `DropBox<[T]>`): unsizing
///   coercions are not stable for user types, and every slot has one size.
/// - The `Fn*` traits: they cannot be implemented on stable Rust; call
///   `(*b)(args)` instead.
///
/// # Invariants
///
/// `ptr` points to an initialized `T` in a slot of the arena branded `'id`.
/// That slot is in use, and this box is the only owner of the value: no other
/// box or leaked reference points to it. The slot's memory lives as long as
/// the arena, which outlives `'id`.
pub struct DropBox<'id, T> {
    ptr: NonNull<T>,
    brand: Brand<'id>,
    /// Owns a `T`: for drop check, auto traits and variance (covariant, as
    /// `Box<T>` is).
    value: PhantomData<T>,
}

// SAFETY: a box is the sole owner of its value (the `DropBox` invariant) and
// dropping it touches only the value, never the arena, so sending it is
// sending a `T`.
unsafe impl<T: Send> Send for DropBox<'_, T> {}

// SAFETY: `&DropBox<T>` gives nothing but `&T`.
unsafe impl<T: Sync> Sync for DropBox<'_, T> {}

// Moving a box never moves its value, and no API pins the value.
impl<T> Unpin for DropBox<'_, T> {}

impl<'id, T> DropBox<'id, T> {
    /// # Safety
    ///
    /// `ptr` satisfies the `DropBox` invariant for brand `'id`, and ownership
    /// of the value passes to the new box.
    #[inline]
    pub(crate) unsafe fn from_non_null(ptr: NonNull<T>) -> Self {
        DropBox {
            ptr,
            brand: PhantomData,
            value: PhantomData,
        }
    }

    /// Gives up the box without dropping the value, returning where it is.
    /// The caller takes over the value and the in-use slot.
    #[inline]
    pub(crate) fn into_non_null(b: Self) -> NonNull<T> {
        ManuallyDrop::new(b).ptr
    }

    /// A pointer to the value, for reading. As with `Box`, writing through
    /// it is undefined behaviour; use [`as_mut_ptr`](Self::as_mut_ptr).
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// let b = arena.alloc(5u32);
    /// let p = drop_arena::DropBox::as_ptr(&b);
    /// assert_eq!(unsafe { *p }, 5);
    /// # arena.drop_box(b);
    /// # });
    /// ```
    #[inline]
    pub fn as_ptr(b: &Self) -> *const T {
        b.ptr.as_ptr()
    }

    /// A pointer to the value, for reading and writing while the box lives
    /// and is not otherwise used.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// let mut b = arena.alloc(5u32);
    /// let p = drop_arena::DropBox::as_mut_ptr(&mut b);
    /// unsafe { *p += 1 };
    /// assert_eq!(*b, 6);
    /// # arena.drop_box(b);
    /// # });
    /// ```
    #[inline]
    pub fn as_mut_ptr(b: &mut Self) -> *mut T {
        b.ptr.as_ptr()
    }

    /// Gives up the box and returns a pointer to its value, which stays
    /// alive and keeps its slot. Turn it back into a box with
    /// [`from_raw`](Self::from_raw) to drop or reclaim it; otherwise it is
    /// leaked, as with [`leak`](Self::leak).
    ///
    /// For intrusive structures (parent pointers, doubly linked lists) whose
    /// links cannot all be owning boxes.
    ///
    /// ```
    /// use drop_arena::DropBox;
    ///
    /// # drop_arena::DropArena::with(|arena| {
    /// let p: *mut String = DropBox::into_raw(arena.alloc(String::from("raw")));
    /// unsafe { (*p).push('!') };
    /// // SAFETY: `p` came from `into_raw` on a box of this arena, once.
    /// let b = unsafe { DropBox::from_raw(p) };
    /// assert_eq!(arena.box_to_inner(b), "raw!");
    /// # });
    /// ```
    #[inline]
    #[must_use = "the value and its slot are leaked unless the pointer goes back through `DropBox::from_raw`"]
    pub fn into_raw(b: Self) -> *mut T {
        DropBox::into_non_null(b).as_ptr()
    }

    /// Takes back ownership of a value given up with
    /// [`into_raw`](Self::into_raw).
    ///
    /// # Safety
    ///
    /// The brand no longer proves where the pointer came from, so the caller
    /// must:
    /// - have `ptr` from [`DropBox::into_raw`] on a box of the arena branded
    ///   `'id` (the arena this box will be given back to), and
    /// - use it once: no other box has been made from `ptr` since that
    ///   `into_raw`, and the value behind it is still there (it may have been
    ///   changed through `ptr`, but not moved out or dropped).
    ///
    /// With AddressSanitizer on, a `ptr` whose slot was reclaimed is caught
    /// here (see the [crate docs](crate#debugging-with-addresssanitizer)).
    #[inline]
    #[must_use = "dropping the box drops the value, but its slot stays in use until the arena ends; give it to `drop_box` instead"]
    pub unsafe fn from_raw(ptr: *mut T) -> Self {
        crate::sanitizer::assert_in_use(ptr);
        // SAFETY: the caller promises `ptr` came from `into_raw` on a box
        // branded `'id` and is used once, so it still satisfies the `DropBox`
        // invariant, ownership included; `into_raw` never returns null.
        unsafe { DropBox::from_non_null(NonNull::new_unchecked(ptr)) }
    }

    /// Moves the value out. The slot stays in use until the arena ends; use
    /// [`DropArena::box_to_inner`] to reuse it.
    ///
    /// An associated function, as with `Box`, so it never hides a method of `T`.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// let b = arena.alloc(String::from("out"));
    /// let s = drop_arena::DropBox::into_inner(b);
    /// assert_eq!(s, "out");
    /// assert_eq!(arena.len(), 1);
    /// # });
    /// ```
    #[inline]
    #[must_use = "the value is moved out and its slot stays in use until the arena ends; to drop the value and reuse the slot, use `DropArena::drop_box`"]
    pub fn into_inner(b: Self) -> T {
        // SAFETY: the box owned an initialized value (the `DropBox`
        // invariant), which `into_raw` gave up: it is read exactly once.
        unsafe { DropBox::into_non_null(b).as_ptr().read() }
    }

    /// Gives up ownership and returns a reference to the value for the rest of
    /// the brand. The value is never dropped; its slot is never reused.
    ///
    /// ```
    /// # drop_arena::DropArena::with(|arena| {
    /// let n: &mut u32 = drop_arena::DropBox::leak(arena.alloc(1));
    /// *n += 1;
    /// assert_eq!(*n, 2);
    /// # });
    /// ```
    #[inline]
    #[must_use = "the value is never dropped and its slot never reused; to drop it now and reuse the slot, use `DropArena::drop_box`"]
    pub fn leak(b: Self) -> &'id mut T
    where
        T: 'id,
    {
        // SAFETY: the value is initialized and owned by nobody else (the
        // `DropBox` invariant); since the box is gone and the slot is never
        // reclaimed, the reference is unique. The arena outlives `'id`.
        unsafe { &mut *DropBox::into_non_null(b).as_ptr() }
    }
}

impl<T> Drop for DropBox<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the box owns an initialized value (the `DropBox`
        // invariant) and is dropped once; the slot stays in use, so its
        // memory is not reused while we drop.
        unsafe { self.ptr.as_ptr().drop_in_place() }
    }
}

impl<T> Deref for DropBox<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: initialized and owned by this box (the `DropBox`
        // invariant); the borrow of `self` keeps it alive and unaliased
        // by writers.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> DerefMut for DropBox<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes the access unique.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> AsRef<T> for DropBox<'_, T> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T> AsMut<T> for DropBox<'_, T> {
    fn as_mut(&mut self) -> &mut T {
        self
    }
}

impl<T> Borrow<T> for DropBox<'_, T> {
    fn borrow(&self) -> &T {
        self
    }
}

impl<T> BorrowMut<T> for DropBox<'_, T> {
    fn borrow_mut(&mut self) -> &mut T {
        self
    }
}

impl<T: fmt::Debug> fmt::Debug for DropBox<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for DropBox<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Formats the address of the value, as `Box`'s `Pointer` does.
impl<T> fmt::Pointer for DropBox<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&self.ptr, f)
    }
}

/// Compares the values, so boxes from different arenas compare too.
impl<T: PartialEq> PartialEq<DropBox<'_, T>> for DropBox<'_, T> {
    #[inline]
    fn eq(&self, other: &DropBox<'_, T>) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for DropBox<'_, T> {}

impl<T: PartialOrd> PartialOrd<DropBox<'_, T>> for DropBox<'_, T> {
    #[inline]
    fn partial_cmp(&self, other: &DropBox<'_, T>) -> Option<Ordering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: Ord> Ord for DropBox<'_, T> {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        (**self).cmp(&**other)
    }
}

impl<T: Hash> Hash for DropBox<'_, T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

/// Forwards every method, so a hasher's specialised `write_*` are kept.
impl<T: Hasher> Hasher for DropBox<'_, T> {
    fn finish(&self) -> u64 {
        (**self).finish()
    }

    fn write(&mut self, bytes: &[u8]) {
        (**self).write(bytes);
    }

    fn write_u8(&mut self, i: u8) {
        (**self).write_u8(i);
    }

    fn write_u16(&mut self, i: u16) {
        (**self).write_u16(i);
    }

    fn write_u32(&mut self, i: u32) {
        (**self).write_u32(i);
    }

    fn write_u64(&mut self, i: u64) {
        (**self).write_u64(i);
    }

    fn write_u128(&mut self, i: u128) {
        (**self).write_u128(i);
    }

    fn write_usize(&mut self, i: usize) {
        (**self).write_usize(i);
    }

    fn write_i8(&mut self, i: i8) {
        (**self).write_i8(i);
    }

    fn write_i16(&mut self, i: i16) {
        (**self).write_i16(i);
    }

    fn write_i32(&mut self, i: i32) {
        (**self).write_i32(i);
    }

    fn write_i64(&mut self, i: i64) {
        (**self).write_i64(i);
    }

    fn write_i128(&mut self, i: i128) {
        (**self).write_i128(i);
    }

    fn write_isize(&mut self, i: isize) {
        (**self).write_isize(i);
    }
}

impl<I: Iterator> Iterator for DropBox<'_, I> {
    type Item = I::Item;

    #[inline]
    fn next(&mut self) -> Option<I::Item> {
        (**self).next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (**self).size_hint()
    }

    fn nth(&mut self, n: usize) -> Option<I::Item> {
        (**self).nth(n)
    }
}

impl<I: DoubleEndedIterator> DoubleEndedIterator for DropBox<'_, I> {
    fn next_back(&mut self) -> Option<I::Item> {
        (**self).next_back()
    }

    fn nth_back(&mut self, n: usize) -> Option<I::Item> {
        (**self).nth_back(n)
    }
}

impl<I: ExactSizeIterator> ExactSizeIterator for DropBox<'_, I> {
    fn len(&self) -> usize {
        (**self).len()
    }
}

impl<I: FusedIterator> FusedIterator for DropBox<'_, I> {}

/// Only for `Unpin` futures: see [`DropBox`] for why there is no pinning.
impl<F: Future + Unpin> Future for DropBox<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        Pin::new(&mut **self).poll(cx)
    }
}

impl<T: core::error::Error> core::error::Error for DropBox<'_, T> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        (**self).source()
    }
}
