//! `SyncDropArena`'s own methods (the `std` feature), through the cache each
//! thread keeps: threads that use the arena itself, inherit the caches of
//! exited threads, and turn between arenas.

use std::sync::mpsc;
use std::thread;

use super::{Owners, SCALE};
use crate::common::{Ledger, Tracked, assert_expected_panic, expected_panic};
use drop_arena::{DropBox, SyncDropArena, make_sync_arena};

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

/// As `Tree` in `sync::reentrancy`, but through the arena's own methods.
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
