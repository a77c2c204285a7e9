//! Panicking constructors, destructors and `reserve`s on a `SyncDropArena`:
//! the counts stay right and the arena stays usable.

use std::collections::HashSet;

use crate::common::{Ledger, assert_expected_panic, expected_panic};
use drop_arena::{DropBox, SyncDropArena};

#[test]
fn panics_in_constructors_and_destructors_leave_the_counts_right() {
    let ledger = Ledger::new();
    SyncDropArena::with(|arena| {
        let local = arena.local();
        let kept = local.alloc(ledger.track(0));
        assert_expected_panic(|| {
            let _ = local.alloc_with(|| expected_panic());
        });
        assert_eq!(arena.len(), 1);
        assert_expected_panic(|| {
            let _ = local.try_alloc_with(|| -> Result<_, ()> { expected_panic() });
        });
        assert_eq!(arena.len(), 1);
        let bomb = local.alloc(ledger.track(1).panicking());
        assert_expected_panic(|| local.drop_box(bomb));
        assert_eq!(arena.len(), 1);
        // The slots are reused: nothing leaked, nothing handed out twice.
        let next = local.alloc(ledger.track(2));
        assert_ne!(DropBox::as_ptr(&next), DropBox::as_ptr(&kept));
        local.drop_box(next);
        local.drop_box(kept);
        assert_eq!(arena.len(), 0);
    });
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn a_reserve_too_large_to_allocate_panics_and_leaves_the_arena_usable() {
    for preloaded in [0u64, 3, 600] {
        SyncDropArena::with(|arena| {
            let local = arena.local();
            let mut boxes: Vec<_> = (0..preloaded).map(|i| local.alloc(i)).collect();
            let capacity = arena.capacity();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                arena.reserve(usize::MAX);
            }));
            assert!(result.is_err(), "reserving usize::MAX slots succeeded");
            assert_eq!(arena.len(), preloaded as usize);
            assert_eq!(arena.capacity(), capacity, "nothing was added");
            // The lock was released, and every slot counted can be handed out.
            drop(local);
            let local = arena.local();
            while boxes.len() < capacity {
                boxes.push(local.alloc(7));
            }
            assert_eq!(arena.capacity(), capacity);
            let addrs: HashSet<usize> = boxes.iter().map(|b| DropBox::as_ptr(b) as usize).collect();
            assert_eq!(addrs.len(), boxes.len());
            boxes.into_iter().for_each(|b| local.drop_box(b));
        });
    }
}

/// A `reserve` that panics must leave the arena exactly as it was: the
/// fresh slots it would have set aside must still count as room, or every
/// later `reserve` grows the arena again.
#[test]
fn a_failed_reserve_leaves_nothing_for_the_next_reserve_to_grow_over() {
    SyncDropArena::<u64>::with(|arena| {
        arena.reserve(1);
        let capacity = arena.capacity();
        for _ in 0..12 {
            let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                arena.reserve(usize::MAX / 4)
            }));
            assert!(failed.is_err());
            arena.reserve(1);
        }
        assert_eq!(arena.capacity(), capacity);
        assert_eq!(arena.len(), 0);
    });
}
