//! The value-level operations, written once for both arenas: moving a value
//! into a slot, dropping it or moving it out, and giving the slot back, on
//! whatever hands out the slots ([`SlotSource`]).

use core::marker::PhantomData;
use core::mem;
use core::ptr::NonNull;

use crate::boxed::DropBox;
use crate::brand::Brand;

/// Hands out slots of one arena and takes them back: the single-threaded
/// kernel (`&RawArena`) for `DropArena`, one thread's slot cache for
/// `SyncDropArena`.
///
/// # Safety
///
/// An implementation promises that `take_slot` returns a slot sized and
/// aligned for `Value`, uninitialized and in use, that nobody else is handed
/// until it goes back through `give_back_slot` of a source of the same arena.
pub(crate) unsafe trait SlotSource: Copy {
    /// The type the slots hold.
    type Value;

    /// Puts one slot in use and returns it, uninitialized.
    fn take_slot(self) -> NonNull<Self::Value>;

    /// Takes an in-use slot back.
    ///
    /// # Safety
    ///
    /// `slot` was taken from a source of the same arena, has not been given
    /// back since, and holds no value that will be used again (never written,
    /// dropped, moved out or forgotten).
    unsafe fn give_back_slot(self, slot: NonNull<Self::Value>);
}

/// The operations of the arena branded `'id`, on its slot source `S`.
///
/// # Invariants
///
/// `slots` hands out the slots of the arena branded `'id`, and only that
/// arena's: a box made here with brand `'id` satisfies the `DropBox`
/// invariant, and the slot of every `DropBox<'id, _>` may be given back
/// through `slots` (brands are unique, so a box with this brand came from
/// this arena).
#[derive(Clone, Copy)]
pub(crate) struct Ops<'id, S> {
    slots: S,
    brand: Brand<'id>,
}

impl<'id, S: SlotSource> Ops<'id, S> {
    /// # Safety
    ///
    /// `slots` hands out the slots of the arena branded `'id` (the
    /// invariant above).
    #[inline]
    pub(crate) unsafe fn new(slots: S) -> Self {
        Ops {
            slots,
            brand: PhantomData,
        }
    }

    #[inline]
    pub(crate) fn alloc(self, value: S::Value) -> DropBox<'id, S::Value> {
        // Nothing to drop if `take_slot` unwinds, so the fast path needs no
        // landing pad, and `value` can stay in registers instead of being
        // spilled to the stack for one.
        let value = mem::ManuallyDrop::new(value);
        let slot = self.slots.take_slot();
        // SAFETY: `take_slot` hands out an in-use slot that nobody else holds,
        // sized and aligned for the value; writing initializes it.
        unsafe { slot.as_ptr().write(mem::ManuallyDrop::into_inner(value)) };
        // SAFETY: the slot is in use, holds a value, and is of the arena
        // branded `'id` (the `Ops` invariant): the `DropBox` invariant.
        unsafe { DropBox::from_non_null(slot) }
    }

    #[inline]
    pub(crate) fn alloc_with(self, f: impl FnOnce() -> S::Value) -> DropBox<'id, S::Value> {
        let slot = self.slots.take_slot();
        let unwind = EmptySlot {
            slots: self.slots,
            slot,
        };
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
    pub(crate) fn try_alloc_with<E>(
        self,
        f: impl FnOnce() -> Result<S::Value, E>,
    ) -> Result<DropBox<'id, S::Value>, E> {
        f().map(|value| self.alloc(value))
    }

    #[inline]
    pub(crate) fn drop_box(self, b: DropBox<'id, S::Value>) {
        let slot = DropBox::into_non_null(b);
        // Gives the slot back after the drop below, even if it unwinds.
        let _empty = EmptySlot {
            slots: self.slots,
            slot,
        };
        // SAFETY: `into_non_null` gave up ownership of the value in an
        // in-use slot (the `DropBox` invariant); it is dropped exactly once
        // here.
        unsafe { slot.as_ptr().drop_in_place() };
    }

    #[inline]
    pub(crate) fn box_to_inner(self, b: DropBox<'id, S::Value>) -> S::Value {
        let slot = DropBox::into_non_null(b);
        // SAFETY: `into_non_null` gave up ownership of the initialized
        // value; it is read out once, leaving the slot empty.
        let value = unsafe { slot.as_ptr().read() };
        // SAFETY: the slot is of this arena (same brand, the `Ops`
        // invariant), in use and now empty.
        unsafe { self.slots.give_back_slot(slot) };
        value
    }

    #[inline]
    pub(crate) fn free_without_dropping(self, b: DropBox<'id, S::Value>) {
        let slot = DropBox::into_non_null(b);
        // SAFETY: the slot is of this arena (same brand) and in use; its
        // value is forgotten, which `give_back_slot` allows.
        unsafe { self.slots.give_back_slot(slot) };
    }
}

/// An in-use slot whose value is gone, given back when dropped: after a
/// value's destructor (even one that panics) or when a constructor panics.
struct EmptySlot<S: SlotSource> {
    slots: S,
    slot: NonNull<S::Value>,
}

impl<S: SlotSource> Drop for EmptySlot<S> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: an `EmptySlot` is only made for an in-use slot of the
        // source's arena whose value is gone (dropped, or never written) by
        // the time it drops, and it is dropped or forgotten exactly once.
        unsafe { self.slots.give_back_slot(self.slot) };
    }
}
