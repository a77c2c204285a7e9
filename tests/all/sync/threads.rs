//! `SyncDropArena` shared by threads through handles: no slot handed to two
//! owners, every value dropped once whichever thread reclaims it, no slot
//! lost, and a handle that moves between threads.

use std::sync::{Mutex, mpsc};
use std::thread;

use super::{Owners, SCALE};
use crate::common::{Ledger, Rng, Tracked};
use drop_arena::{DropBox, SyncDropArena};

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
