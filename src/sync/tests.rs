//! Unit tests of the shared structures' bookkeeping, which need private
//! access: after handles on several threads drop, every slot of the chunks
//! is in use or idle in the depot, and every magazine there is whole; while
//! handles live, their caches hold the rest. (The shared model,
//! `tests/support/model.rs`, runs the same check after every operation.)

use std::sync::mpsc;
use std::thread;
use std::vec::Vec;

use super::SyncDropArena;
use super::depot::MAGAZINE;

#[test]
fn after_the_handles_drop_every_slot_is_in_use_or_in_the_depot() {
    let total = 20 * MAGAZINE + 7;
    SyncDropArena::<usize>::with(|arena| {
        let (to_consumer, from_producer) = mpsc::sync_channel(64);
        thread::scope(|s| {
            s.spawn(move || {
                let local = arena.local();
                for i in 0..total {
                    to_consumer.send(local.alloc(i)).unwrap();
                }
            });
            s.spawn(move || {
                let local = arena.local();
                for (i, b) in from_producer.into_iter().enumerate() {
                    if i % 3 == 0 {
                        // Leaked on purpose: in use, and counted.
                        core::mem::forget(b);
                    } else {
                        local.drop_box(b);
                    }
                }
            });
        });
        // SAFETY: the scope joined every other thread.
        let (free, fresh) = unsafe { arena.count_idle() };
        let in_use = total.div_ceil(3);
        assert_eq!(arena.len(), in_use);
        assert_eq!(in_use + free + fresh, arena.capacity());
    });
}

/// `reserve` replaces the fresh range with a new chunk: the fresh slots it
/// had must become free slots in the depot, not be lost, and every
/// magazine there must be whole.
#[test]
fn reserve_hands_the_fresh_slots_left_to_the_depot() {
    SyncDropArena::<u64>::with(|arena| {
        // A first chunk of 1000 slots (more than the 512 of 4 KiB): after
        // the handle takes a run of 64 and gives back what it did not use,
        // 936 fresh slots are left behind the lock, 14 magazines' worth and
        // a remainder of 40.
        arena.reserve(1000);
        let local = arena.local();
        let kept: Vec<_> = (0..3).map(|i| local.alloc(i)).collect();
        drop(local);
        // SAFETY: no other thread uses the arena.
        let (free, fresh) = unsafe { arena.count_idle() };
        assert_eq!((free, fresh), (64 - 3, 1000 - 64));
        assert_ne!(fresh % MAGAZINE, 0);
        let before = arena.capacity();
        arena.reserve(before * 4);
        assert!(arena.capacity() >= before + before * 4 - free - fresh);
        // SAFETY: as above.
        let (free_after, fresh_after) = unsafe { arena.count_idle() };
        assert_eq!(free_after, free + fresh, "the old fresh slots are free now");
        assert_eq!(kept.len() + free_after + fresh_after, arena.capacity());
        let local = arena.local();
        kept.into_iter().for_each(|b| local.drop_box(b));
    });
}

/// While handles live, their slot caches hold free and fresh slots: the
/// check must count those too, and find every magazine whole.
#[test]
fn while_handles_live_every_slot_is_in_use_in_a_cache_or_in_the_depot() {
    SyncDropArena::<u64>::with(|arena| {
        let (maker, taker) = (arena.local(), arena.local());
        let boxes: Vec<_> = (0..5 * MAGAZINE as u64).map(|i| maker.alloc(i)).collect();
        // SAFETY: no other thread uses the arena.
        unsafe { arena.check_invariants() };
        // The taker's free list passes two magazines, and passes one on.
        boxes.into_iter().for_each(|b| taker.drop_box(b));
        assert!(taker.free_list_len() <= 2 * MAGAZINE);
        // SAFETY: as above.
        unsafe { arena.check_invariants() };
        drop(taker);
        // SAFETY: as above.
        unsafe { arena.check_invariants() };
        assert_eq!(arena.len(), 0);
    });
}
