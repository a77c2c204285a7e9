//! `reserve` and `with_capacity` on a `SyncDropArena`: the room they promise
//! to every thread, and the free slots they count.

use std::thread;

use drop_arena::SyncDropArena;

/// What `reserve` promises: `n` values on each of `t` handles need no new
/// memory once `t * (n + 64)` are reserved, whatever the threads do.
#[test]
fn reserved_room_is_enough_for_every_thread() {
    const THREADS: usize = 4;
    const EACH: usize = 1000;
    SyncDropArena::with(|arena| {
        let warm_up = arena.local().alloc(0u64); // a first chunk, partly used
        arena.reserve(THREADS * (EACH + 64));
        let capacity = arena.capacity();
        thread::scope(|s| {
            for t in 0..THREADS as u64 {
                s.spawn(move || {
                    let local = arena.local();
                    let boxes: Vec<_> =
                        (0..EACH as u64).map(|i| local.alloc(t << 32 | i)).collect();
                    for (i, b) in boxes.into_iter().enumerate() {
                        assert_eq!(local.box_to_inner(b), t << 32 | i as u64);
                    }
                });
            }
        });
        assert_eq!(arena.capacity(), capacity, "the reserve was enough");
        assert_eq!(arena.len(), 1);
        // Enough room already: nothing to do.
        arena.reserve(THREADS * 64);
        assert_eq!(arena.capacity(), capacity);
        arena.local().drop_box(warm_up);
    });
    SyncDropArena::<()>::with(|arena| {
        arena.reserve(1 << 40);
        assert_eq!(
            arena.allocated_bytes(),
            0,
            "zero-sized values need no memory"
        );
    });
}

#[test]
fn with_capacity_starts_with_the_room() {
    SyncDropArena::<[u64; 2]>::with_capacity(5000, |arena| {
        assert!(arena.capacity() >= 5000);
        assert_eq!(arena.len(), 0);
        let local = arena.local();
        let b = local.alloc([1, 2]);
        assert_eq!(*b, [1, 2]);
        local.drop_box(b);
    });
}

/// `reserve` counts every free slot the arena holds, the magazines parked in
/// its depot included, whether a dropped handle or a thread's own cache (the
/// `std` path) put them there.
#[test]
fn reserve_counts_the_free_slots_parked_in_the_depot() {
    fn through_a_handle<'a>(arena: &'a SyncDropArena<'a, u64>) {
        let local = arena.local();
        let boxes: Vec<_> = (0..1000).map(|i| local.alloc(i)).collect();
        boxes.into_iter().for_each(|b| local.drop_box(b));
    }
    #[cfg(feature = "std")]
    fn through_the_arena<'a>(arena: &'a SyncDropArena<'a, u64>) {
        let boxes: Vec<_> = (0..1000).map(|i| arena.alloc(i)).collect();
        boxes.into_iter().for_each(|b| arena.drop_box(b));
    }
    let ways: &[for<'a> fn(&'a SyncDropArena<'a, u64>)] = &[
        through_a_handle,
        #[cfg(feature = "std")]
        through_the_arena,
    ];
    for churn in ways {
        SyncDropArena::<u64>::with(|arena| {
            arena.reserve(1000);
            assert_eq!(arena.capacity(), 1000);
            churn(arena);
            assert_eq!(arena.len(), 0);
            arena.reserve(500);
            assert_eq!(
                arena.capacity(),
                1000,
                "500 of the 1000 free slots were enough"
            );
        });
    }
}
