//! AddressSanitizer hooks: the kernels (`raw.rs`, and `sync/cache.rs` for
//! `SyncDropArena`) call them to poison slots that are free or fresh and to
//! unpoison the slots they hand out, and `boxed.rs` to check that
//! `DropBox::from_raw` gets a slot in use. What that catches and misses is
//! explained once, in the crate docs' "Debugging with AddressSanitizer".
//!
//! `build.rs` sets `cfg(drop_arena_asan)` under `-Zsanitizer=address`;
//! without it every hook is an empty inline function.

#[cfg(drop_arena_asan)]
mod asan {
    unsafe extern "C" {
        pub(super) fn __asan_poison_memory_region(addr: *const u8, size: usize);
        pub(super) fn __asan_unpoison_memory_region(addr: *const u8, size: usize);
        pub(super) fn __asan_region_is_poisoned(addr: *const u8, size: usize) -> *const u8;
    }
}

/// Marks the `n` objects starting at `start` as off limits.
#[inline(always)]
pub(crate) fn poison_many<S>(start: *mut S, n: usize) {
    #[cfg(drop_arena_asan)]
    // SAFETY: poisoning only changes ASan's shadow memory; `start..start + n`
    // is memory this crate owns, so no other owner's accesses are affected.
    unsafe {
        asan::__asan_poison_memory_region(start.cast(), n * size_of::<S>())
    };
    let _ = (start, n);
}

/// Marks the object at `slot` as off limits.
#[inline(always)]
pub(crate) fn poison<S>(slot: *mut S) {
    poison_many(slot, 1);
}

/// Marks the object at `slot` as usable again.
#[inline(always)]
pub(crate) fn unpoison<S>(slot: *mut S) {
    #[cfg(drop_arena_asan)]
    // SAFETY: unpoisoning only changes ASan's shadow memory, for a slot this
    // crate owns and is about to use.
    unsafe {
        asan::__asan_unpoison_memory_region(slot.cast(), size_of::<S>())
    };
    let _ = slot;
}

/// Stops with a clear message if the object at `at` is poisoned: a pointer
/// handed back to the arena's API whose slot is free or fresh.
#[inline(always)]
#[track_caller]
pub(crate) fn assert_in_use<S>(at: *const S) {
    #[cfg(drop_arena_asan)]
    {
        // SAFETY: the query reads only ASan's shadow memory, never `at`.
        let poisoned = unsafe { asan::__asan_region_is_poisoned(at.cast(), size_of::<S>()) };
        assert!(
            poisoned.is_null(),
            "drop_arena: DropBox::from_raw({at:p}): that slot is not in use; \
             the pointer was given back already, or never came from DropBox::into_raw",
        );
    }
    let _ = at;
}
