//! `SyncDropArena` under threads: no slot handed to two owners, exact drop
//! counts, no slot lost, memory bounded by the live set, reentrancy, panics
//! and odd layouts, through handles and (with `std`) the arena itself.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::thread;

use crate::common::{Ledger, Rng, Tracked, assert_expected_panic, expected_panic};
use drop_arena::{DropBox, LocalArena, SyncDropArena, make_sync_arena};

/// Long runs are ten times shorter in debug builds.
const SCALE: usize = if cfg!(debug_assertions) { 1 } else { 10 };

/// The addresses of the slots currently owned by someone: every allocation
/// must find its slot unowned, every reclaim must find it owned.
#[derive(Default)]
struct Owners(Mutex<HashSet<usize>>);

impl Owners {
    fn claim<T>(&self, b: &DropBox<'_, T>) {
        let at = DropBox::as_ptr(b) as usize;
        assert!(
            self.0.lock().unwrap().insert(at),
            "slot {at:#x} handed out twice"
        );
    }

    fn release<T>(&self, b: &DropBox<'_, T>) {
        let at = DropBox::as_ptr(b) as usize;
        assert!(
            self.0.lock().unwrap().remove(&at),
            "slot {at:#x} was not owned"
        );
    }
}

/// A value that remembers who allocated it, to check it is intact.
struct Stamp {
    owner: usize,
    seq: u64,
}

#[test]
fn no_slot_is_handed_to_two_owners_at_once() {
    let owners = Owners::default();
    SyncDropArena::with(|arena| {
        thread::scope(|s| {
            for owner in 0..4 {
                let owners = &owners;
                s.spawn(move || {
                    let local = arena.local();
                    let mut rng = Rng::new(owner as u64);
                    let mut live: Vec<DropBox<'_, Stamp>> = Vec::new();
                    let mut last = None;
                    for seq in 0..(20_000 * SCALE) as u64 {
                        if live.is_empty() || rng.below(3) != 0 {
                            let b = local.alloc(Stamp { owner, seq });
                            last = Some(seq);
                            owners.claim(&b);
                            live.push(b);
                        } else {
                            let b = live.swap_remove(rng.below(live.len()));
                            assert_eq!(b.owner, owner);
                            assert!(Some(b.seq) <= last, "a value from the future");
                            owners.release(&b);
                            local.drop_box(b);
                        }
                        if live.len() > 500 {
                            for b in live.drain(..) {
                                owners.release(&b);
                                local.drop_box(b);
                            }
                        }
                    }
                    for b in live {
                        owners.release(&b);
                        local.drop_box(b);
                    }
                });
            }
        });
        assert_eq!(arena.len(), 0);
    });
}

#[test]
fn every_value_is_dropped_once_whichever_thread_reclaims_it() {
    let ledger = Ledger::new();
    SyncDropArena::with(|arena| {
        let (to_reclaimer, boxes) = mpsc::sync_channel::<DropBox<'_, Tracked<'_>>>(100);
        thread::scope(|s| {
            for t in 0..3u64 {
                let to_reclaimer = to_reclaimer.clone();
                let ledger = &ledger;
                s.spawn(move || {
                    let local = arena.local();
                    for i in 0..1000 {
                        let b = local.alloc(ledger.track(t * 10_000 + i));
                        match i % 3 {
                            0 => to_reclaimer.send(b).unwrap(),
                            1 => local.drop_box(b),
                            _ => drop(local.box_to_inner(b)),
                        }
                    }
                });
            }
            drop(to_reclaimer);
            s.spawn(move || {
                let local = arena.local();
                for b in boxes {
                    local.drop_box(b);
                }
            });
        });
        assert_eq!(arena.len(), 0);
    });
    assert_eq!(ledger.made(), 3000);
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn after_mixed_thread_frees_every_slot_is_reusable_without_growing() {
    SyncDropArena::with(|arena| {
        let (to_home, home) = mpsc::channel();
        thread::scope(|s| {
            for t in 0..4u64 {
                let to_home = to_home.clone();
                s.spawn(move || {
                    let local = arena.local();
                    let mut rng = Rng::new(t);
                    let mut live = Vec::new();
                    for i in 0..5000 {
                        live.push(local.alloc(i));
                        if rng.below(4) == 0 {
                            let b = live.swap_remove(rng.below(live.len()));
                            local.drop_box(b);
                        }
                    }
                    // Half reclaimed here, half by other threads.
                    for (i, b) in live.into_iter().enumerate() {
                        if i % 2 == 0 {
                            local.drop_box(b);
                        } else {
                            to_home.send(b).unwrap();
                        }
                    }
                });
            }
            drop(to_home);
            let receivers: Vec<_> = (0..2).map(|_| Mutex::new(Vec::new())).collect();
            for (i, b) in home.into_iter().enumerate() {
                receivers[i % 2].lock().unwrap().push(b);
            }
            for boxes in receivers {
                s.spawn(move || {
                    let local = arena.local();
                    for b in boxes.into_inner().unwrap() {
                        local.free_without_dropping(b);
                    }
                });
            }
        });
        assert_eq!(arena.len(), 0);
        let capacity = arena.capacity();
        let local = arena.local();
        let all: Vec<_> = (0..capacity as u64).map(|i| local.alloc(i)).collect();
        assert_eq!(arena.capacity(), capacity, "a slot was stranded");
        assert_eq!(arena.len(), capacity);
        for b in all {
            local.drop_box(b);
        }
    });
}

/// sharded-slab issue #83 is the failure this avoids: memory growing with
/// the number of values passed, not with the number alive.
#[test]
fn producer_to_consumer_memory_follows_the_live_set() {
    const BOUND: usize = 1024;
    let total = 1_000_000 * SCALE;
    SyncDropArena::with(|arena| {
        let (to_consumer, from_producer) = mpsc::sync_channel(BOUND);
        thread::scope(|s| {
            s.spawn(move || {
                let local = arena.local();
                for i in 0..total as u64 {
                    to_consumer.send(local.alloc([i; 2])).unwrap();
                }
            });
            s.spawn(move || {
                let local = arena.local();
                let mut expected = 0;
                for b in from_producer {
                    assert_eq!(b[0], expected);
                    expected += 1;
                    local.drop_box(b);
                }
                assert_eq!(expected as usize, total);
            });
        });
        assert_eq!(arena.len(), 0);
        // At most BOUND + 2 values alive, plus each handle's slack.
        assert!(
            arena.capacity() <= 4 * BOUND + 1024,
            "capacity {} for at most {} live values",
            arena.capacity(),
            BOUND + 2
        );
    });
}

#[test]
fn all_to_all_exchange_memory_follows_the_live_set() {
    const THREADS: usize = 4;
    const BOUND: usize = 256;
    let per_thread = 250_000 * SCALE;
    SyncDropArena::with(|arena| {
        let (senders, receivers): (Vec<_>, Vec<_>) = (0..THREADS)
            .map(|_| mpsc::sync_channel::<DropBox<'_, u64>>(BOUND))
            .unzip();
        let received = AtomicUsize::new(0);
        thread::scope(|s| {
            for (me, inbox) in receivers.into_iter().enumerate() {
                let senders = senders.clone();
                let received = &received;
                s.spawn(move || {
                    let local = arena.local();
                    let mut rng = Rng::new(me as u64);
                    for i in 0..per_thread as u64 {
                        let b = local.alloc(i);
                        let peer = rng.below(THREADS);
                        if let Err(mpsc::TrySendError::Full(b)) = senders[peer].try_send(b) {
                            local.drop_box(b);
                        }
                        while let Ok(b) = inbox.try_recv() {
                            received.fetch_add(1, Ordering::Relaxed);
                            local.drop_box(b);
                        }
                    }
                    drop(senders);
                    for b in inbox {
                        received.fetch_add(1, Ordering::Relaxed);
                        local.drop_box(b);
                    }
                });
            }
            drop(senders);
        });
        assert!(received.load(Ordering::Relaxed) > 0);
        assert_eq!(arena.len(), 0);
        // At most THREADS * (BOUND + 1) values alive at once.
        let live = THREADS * (BOUND + 1);
        assert!(
            arena.capacity() <= 4 * live + THREADS * 512,
            "capacity {} for at most {live} live values",
            arena.capacity()
        );
    });
}

#[test]
fn a_constructor_may_use_its_own_handle() {
    SyncDropArena::with(|arena| {
        let local = arena.local();
        let kept = local.alloc(1u64);
        let b = local.alloc_with(|| {
            // Allocate and reclaim through the handle that is allocating.
            let inner = local.alloc(2);
            let value = *inner + *kept;
            local.drop_box(inner);
            let parsed = local.try_alloc_with(|| Ok::<_, ()>(value)).unwrap();
            local.box_to_inner(parsed)
        });
        assert_eq!(*b, 3);
        assert_ne!(DropBox::as_ptr(&b), DropBox::as_ptr(&kept));
        assert_eq!(arena.len(), 2);
        local.drop_box(b);
        local.drop_box(kept);
        assert_eq!(arena.len(), 0);
    });
}

/// A node whose destructor gives its children back to the arena itself,
/// through a new handle: reentrancy from inside `drop_box`.
struct Tree<'id> {
    arena: &'id SyncDropArena<'id, Tree<'id>>,
    children: Vec<DropBox<'id, Tree<'id>>>,
}

impl Drop for Tree<'_> {
    fn drop(&mut self) {
        let local = self.arena.local();
        for child in self.children.drain(..) {
            local.drop_box(child);
        }
    }
}

#[test]
fn a_destructor_may_reclaim_into_the_arena_that_runs_it() {
    make_sync_arena!(arena);
    let local: LocalArena<'_, Tree<'_>> = arena.local();
    let leaves = (0..3)
        .map(|_| {
            local.alloc(Tree {
                arena,
                children: Vec::new(),
            })
        })
        .collect();
    let root = local.alloc(Tree {
        arena,
        children: leaves,
    });
    assert_eq!(arena.len(), 4);
    local.drop_box(root);
    assert_eq!(arena.len(), 0);
}

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
fn zero_sized_values_use_no_memory_but_are_counted() {
    SyncDropArena::with(|arena| {
        thread::scope(|s| {
            let boxes: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        (0..1000)
                            .map(|_| arena.local().alloc(()))
                            .collect::<Vec<_>>()
                    })
                })
                .flat_map(|t| t.join().unwrap())
                .collect();
            assert_eq!(arena.len(), 2000);
            let local = arena.local();
            for b in boxes {
                local.drop_box(b);
            }
        });
        assert_eq!(arena.len(), 0);
        assert_eq!(arena.capacity(), usize::MAX);
        assert_eq!(arena.allocated_bytes(), 0);
    });
}

#[repr(align(4096))]
struct Page([u8; 4096]);

#[test]
fn over_aligned_values_are_aligned_on_every_thread() {
    SyncDropArena::with(|arena| {
        thread::scope(|s| {
            for t in 0..2u8 {
                s.spawn(move || {
                    let local = arena.local();
                    let boxes: Vec<_> = (0..200).map(|_| local.alloc(Page([t; 4096]))).collect();
                    for b in &boxes {
                        assert_eq!(DropBox::as_ptr(b) as usize % 4096, 0);
                        assert!(b.0.iter().all(|&x| x == t));
                    }
                    for b in boxes {
                        local.drop_box(b);
                    }
                });
            }
        });
        assert_eq!(arena.len(), 0);
        assert_eq!(arena.allocated_bytes(), arena.capacity() * 4096);
    });
}

/// A handle is `Send`: made on one thread, it goes on working on another,
/// and dropping it there gives its slots back.
#[test]
fn a_handle_moves_to_another_thread_with_its_slots() {
    SyncDropArena::with(|arena| {
        let local = arena.local();
        let kept: Vec<_> = (0..100u64).map(|i| local.alloc(i)).collect();
        let freed: Vec<_> = (0..100u64).map(|i| local.alloc(i)).collect();
        for b in freed {
            local.drop_box(b);
        }
        let capacity = arena.capacity();
        thread::scope(|s| {
            s.spawn(move || {
                let again: Vec<_> = (0..100u64).map(|i| local.alloc(i)).collect();
                assert_eq!(
                    arena.capacity(),
                    capacity,
                    "the handle's free slots came along"
                );
                for b in again.into_iter().chain(kept) {
                    local.drop_box(b);
                }
            });
        });
        assert_eq!(arena.len(), 0);
        let local = arena.local();
        let again: Vec<_> = (0..200u64).map(|i| local.alloc(i)).collect();
        assert_eq!(
            arena.capacity(),
            capacity,
            "the moved handle gave its slots back"
        );
        for b in again {
            local.drop_box(b);
        }
    });
}

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

/// Magazines in the depot are used before the arena grows, in every
/// schedule: eight threads that together need 192 of the 200 magazines
/// parked there never grow it. (Taking the overflow stack whole used to
/// hide its magazines from the other threads, which then grew the arena in
/// about one trial in a hundred.)
fn eight_threads_draw_on_a_full_depot_without_growing(trials: usize) {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 24 * 64;
    const PARKED: usize = 200 * 64;
    for trial in 0..trials {
        SyncDropArena::<u64>::with(|arena| {
            arena.reserve(PARKED);
            let local = arena.local();
            let boxes: Vec<_> = (0..PARKED as u64).map(|i| local.alloc(i)).collect();
            boxes.into_iter().for_each(|b| local.drop_box(b));
            drop(local);
            let capacity = arena.capacity();
            thread::scope(|s| {
                for t in 0..THREADS as u64 {
                    s.spawn(move || {
                        let local = arena.local();
                        let boxes: Vec<_> = (0..PER_THREAD as u64)
                            .map(|i| local.alloc(t << 32 | i))
                            .collect();
                        for (i, b) in boxes.into_iter().enumerate() {
                            assert_eq!(local.box_to_inner(b), t << 32 | i as u64);
                        }
                    });
                }
            });
            assert_eq!(arena.len(), 0);
            assert_eq!(
                arena.capacity(),
                capacity,
                "trial {trial}: the arena grew with magazines parked"
            );
        });
    }
}

#[test]
fn eight_threads_draw_on_a_full_depot_without_growing_in_100_trials() {
    eight_threads_draw_on_a_full_depot_without_growing(100);
}

/// The release stress run of the test above, a step of `.ci/run`.
#[test]
#[ignore = "a stress run: cargo test --release --test all -- --ignored"]
fn eight_threads_draw_on_a_full_depot_without_growing_in_10_000_trials() {
    eight_threads_draw_on_a_full_depot_without_growing(10_000);
}

/// The memory bound stated on `SyncDropArena` ("How much memory"), checked
/// after every trial: for an arena that `reserve` never grew,
/// `capacity <= 2 * (live + 3 * 64 * (handles - 1)) + first_chunk`.
fn memory_stays_within_the_stated_bound(trials: usize) {
    const THREADS: usize = 8;
    const LIVE: usize = 3000;
    const ROUNDS: usize = 3;
    // 512 slots of 8 bytes: 4 KiB.
    const FIRST_CHUNK: usize = 512;
    let bound = 2 * (THREADS * LIVE + 3 * 64 * (THREADS - 1)) + FIRST_CHUNK;
    for trial in 0..trials {
        SyncDropArena::<u64>::with(|arena| {
            thread::scope(|s| {
                for t in 0..THREADS {
                    s.spawn(move || {
                        let local = arena.local();
                        let mut rng = Rng::new((trial * THREADS + t) as u64);
                        for _ in 0..ROUNDS {
                            // A different live count each round, never above LIVE.
                            let n = LIVE - rng.below(LIVE / 2);
                            let boxes: Vec<_> = (0..n as u64).map(|i| local.alloc(i)).collect();
                            boxes.into_iter().for_each(|b| local.drop_box(b));
                        }
                    });
                }
            });
            assert_eq!(arena.len(), 0);
            assert!(
                arena.capacity() <= bound,
                "trial {trial}: capacity {} above the bound {bound}",
                arena.capacity()
            );
        });
    }
}

#[test]
fn memory_stays_within_the_stated_bound_in_20_trials() {
    memory_stays_within_the_stated_bound(20);
}

/// The release stress run of the test above, a step of `.ci/run`.
#[test]
#[ignore = "a stress run: cargo test --release --test all -- --ignored"]
fn memory_stays_within_the_stated_bound_in_10_000_trials() {
    memory_stays_within_the_stated_bound(10_000);
}

#[cfg(feature = "std")]
mod through_the_arena {
    use super::*;

    #[test]
    fn threads_allocate_and_reclaim_through_the_arena_itself() {
        let ledger = Ledger::new();
        let owners = Owners::default();
        SyncDropArena::with(|arena| {
            let (to_consumer, from_producers) = mpsc::sync_channel(256);
            thread::scope(|s| {
                for t in 0..2u64 {
                    let to_consumer = to_consumer.clone();
                    let (ledger, owners) = (&ledger, &owners);
                    s.spawn(move || {
                        for i in 0..(10_000 * SCALE) as u64 {
                            let b = arena.alloc(ledger.track(t << 32 | i));
                            owners.claim(&b);
                            if i % 2 == 0 {
                                to_consumer.send(b).unwrap();
                            } else {
                                owners.release(&b);
                                arena.drop_box(b);
                            }
                        }
                    });
                }
                drop(to_consumer);
                let owners = &owners;
                s.spawn(move || {
                    for b in from_producers {
                        owners.release(&b);
                        drop(arena.box_to_inner(b));
                    }
                });
            });
            assert_eq!(arena.len(), 0);
            assert!(arena.capacity() <= 4 * 256 + 3 * 512 + 1024);
        });
        ledger.assert_all_dropped_once_except(&[]);
    }

    /// A thread that exits leaves its cache to the next thread that gets
    /// its `thread_local` id (SAFETY.md, "The `std` path"): waves of
    /// threads, each wave joined before the next, inherit the caches of
    /// the last, with their free slots and counts. No slot is handed out
    /// twice, the counts carry over, and memory does not grow with the
    /// number of waves.
    #[test]
    fn later_threads_inherit_the_caches_of_exited_ones() {
        const WAVES: usize = 20;
        const THREADS: usize = 4;
        let ledger = Ledger::new();
        let owners = Owners::default();
        SyncDropArena::with(|arena| {
            // Boxes each wave leaves for the next to reclaim.
            let mut kept: Vec<DropBox<'_, Tracked<'_>>> = Vec::new();
            let mut capacity_after_first_wave = 0;
            for wave in 0..WAVES {
                let inherited = std::mem::take(&mut kept);
                let per_thread = inherited.len().div_ceil(THREADS).max(1);
                let mut batches = inherited.into_iter();
                kept = thread::scope(|s| {
                    let handles: Vec<_> = (0..THREADS)
                        .map(|t| {
                            let batch: Vec<_> = batches.by_ref().take(per_thread).collect();
                            let (ledger, owners) = (&ledger, &owners);
                            s.spawn(move || {
                                for b in batch {
                                    owners.release(&b);
                                    arena.drop_box(b);
                                }
                                let id = (wave * THREADS + t) as u64;
                                let boxes: Vec<_> = (0..300)
                                    .map(|i| {
                                        let b = arena.alloc(ledger.track(id << 32 | i));
                                        owners.claim(&b);
                                        b
                                    })
                                    .collect();
                                // Half die here, half go to the next wave.
                                let mut keep = Vec::new();
                                for (i, b) in boxes.into_iter().enumerate() {
                                    if i % 2 == 0 {
                                        keep.push(b);
                                    } else {
                                        owners.release(&b);
                                        arena.drop_box(b);
                                    }
                                }
                                keep
                            })
                        })
                        .collect();
                    handles
                        .into_iter()
                        .flat_map(|h| h.join().unwrap())
                        .collect()
                });
                assert_eq!(arena.len(), THREADS * 150);
                if wave == 0 {
                    capacity_after_first_wave = arena.capacity();
                }
            }
            // Every wave holds the same number of values, through caches
            // it inherited: the arena grows at most once more.
            assert!(arena.capacity() <= 2 * capacity_after_first_wave + 512);
            for b in kept {
                owners.release(&b);
                arena.drop_box(b);
            }
            assert_eq!(arena.len(), 0);
        });
        ledger.assert_all_dropped_once_except(&[]);
    }

    /// As [`Tree`], but through the arena's own methods.
    struct Node<'id> {
        arena: &'id SyncDropArena<'id, Node<'id>>,
        children: Vec<DropBox<'id, Node<'id>>>,
    }

    impl Drop for Node<'_> {
        fn drop(&mut self) {
            for child in self.children.drain(..) {
                self.arena.drop_box(child);
            }
        }
    }

    #[test]
    fn constructors_and_destructors_may_use_the_arena_itself() {
        make_sync_arena!(arena);
        let root = arena.alloc_with(|| {
            let children = (0..3)
                .map(|_| {
                    arena.alloc_with(|| Node {
                        arena,
                        children: Vec::new(),
                    })
                })
                .collect();
            Node { arena, children }
        });
        assert_eq!(arena.len(), 4);
        arena.drop_box(root);
        assert_eq!(arena.len(), 0);
        let b = arena.alloc(Node {
            arena,
            children: Vec::new(),
        });
        arena.free_without_dropping(b);
        assert!(arena.is_empty());
    }

    #[test]
    fn a_panicking_constructor_through_the_arena_gives_its_slot_back() {
        SyncDropArena::with(|arena| {
            assert_expected_panic(|| {
                let _ = arena.alloc_with(|| -> u64 { expected_panic() });
            });
            assert_eq!(arena.len(), 0);
            assert!(arena.try_alloc_with(|| Err::<u64, _>(())).is_err());
            assert_eq!(arena.len(), 0);
        });
    }

    /// The `std` methods remember the arena a thread used last; turning
    /// between arenas, and making new arenas where ended ones lived (each
    /// round's arenas take the same stack addresses), must find each
    /// arena's own cache every time.
    #[test]
    fn threads_turning_between_arenas_find_each_arenas_own_cache() {
        let ledger = Ledger::new();
        for round in 0..50u64 {
            SyncDropArena::with(|a| {
                SyncDropArena::with(|b| {
                    thread::scope(|s| {
                        for t in 0..2u64 {
                            let ledger = &ledger;
                            s.spawn(move || {
                                // Alternate: a, b, a, b, ... (two brands, two lists).
                                let (mut in_a, mut in_b) = (Vec::new(), Vec::new());
                                for i in 0..100 {
                                    let value = ledger.track(round << 16 | t << 8 | i);
                                    if i % 2 == 0 {
                                        in_a.push(a.alloc(value));
                                    } else {
                                        in_b.push(b.alloc(value));
                                    }
                                }
                                for (x, y) in in_a.into_iter().zip(in_b) {
                                    a.drop_box(x);
                                    b.drop_box(y);
                                }
                            });
                        }
                    });
                    assert_eq!((a.len(), b.len()), (0, 0));
                    let kept = (
                        a.alloc(ledger.track(1 << 40)),
                        b.alloc(ledger.track(2 << 40)),
                    );
                    assert_eq!((a.len(), b.len()), (1, 1));
                    a.drop_box(kept.0);
                    b.drop_box(kept.1);
                });
            });
        }
        ledger.assert_all_dropped_once_except(&[]);
    }
}
