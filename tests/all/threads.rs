//! Boxes and leaked references crossing into scoped threads, and arenas living on many threads.

use std::sync::mpsc;
use std::thread;

use crate::common::{self, Ledger, addr};
use drop_arena::{DropArena, DropBox};

#[test]
fn boxes_are_mutated_and_dropped_on_other_threads_and_reclaimed_at_home() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let boxes: Vec<_> = (0..64).map(|i| arena.alloc(ledger.track(i))).collect();
        let mut chunks: Vec<Vec<_>> = Vec::new();
        let mut boxes = boxes.into_iter();
        for _ in 0..4 {
            chunks.push(boxes.by_ref().take(16).collect());
        }
        let returned: Vec<DropBox<'_, _>> = thread::scope(|s| {
            let workers: Vec<_> = chunks
                .into_iter()
                .map(|chunk| {
                    s.spawn(move || {
                        let mut back = Vec::new();
                        for mut b in chunk {
                            b.value *= 10;
                            // Odd values die here, even ones go home.
                            if b.value % 20 == 0 {
                                back.push(b);
                            } else {
                                drop(b);
                            }
                        }
                        back
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        // Dropped abroad: values gone, slots still in use.
        assert_eq!(ledger.total_drops(), 32);
        assert_eq!(arena.len(), 64);
        let mut values: Vec<u64> = returned.iter().map(|b| b.value).collect();
        values.sort_unstable();
        assert_eq!(
            values,
            (0..64).step_by(2).map(|i| i * 10).collect::<Vec<_>>()
        );
        let last = addr(&**returned.last().unwrap());
        for b in returned {
            arena.drop_box(b);
        }
        assert_eq!(arena.len(), 32);
        // A box that went abroad is reused like any other.
        let next = arena.alloc(ledger.track(99));
        assert_eq!(addr(&*next), last);
        arena.drop_box(next);
    });
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn a_box_travels_through_a_channel_and_back() {
    DropArena::with(|arena| {
        let b = arena.alloc(vec![1u32]);
        let at = addr(&*b);
        let (to_worker, worker_rx) = mpsc::channel::<DropBox<'_, Vec<u32>>>();
        let (to_home, home_rx) = mpsc::channel();
        thread::scope(|s| {
            s.spawn(move || {
                for mut b in worker_rx {
                    let next = b.len() as u32 + 1;
                    b.push(next);
                    to_home.send(b).unwrap();
                }
            });
            let mut b = b;
            for _ in 0..10 {
                to_worker.send(b).unwrap();
                b = home_rx.recv().unwrap();
            }
            drop(to_worker);
            assert_eq!(*b, (1..=11).collect::<Vec<_>>());
            assert_eq!(addr(&*b), at, "the value moved out of its slot");
            arena.drop_box(b);
        });
        assert!(arena.is_empty());
    });
}

#[test]
fn shared_boxes_are_read_from_many_threads() {
    DropArena::with(|arena| {
        let boxes: Vec<_> = (0..100u64).map(|i| arena.alloc(i)).collect();
        let sums: Vec<u64> = thread::scope(|s| {
            let readers: Vec<_> = (0..4)
                .map(|_| s.spawn(|| boxes.iter().map(|b| **b).sum::<u64>()))
                .collect();
            readers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        assert_eq!(sums, [4950; 4]);
        for b in boxes {
            arena.drop_box(b);
        }
    });
}

#[test]
fn leaked_references_are_written_on_other_threads() {
    DropArena::with(|arena| {
        let mut counters: Vec<&mut u64> = (0..8).map(|_| DropBox::leak(arena.alloc(0))).collect();
        thread::scope(|s| {
            for (i, counter) in (0u64..).zip(counters.iter_mut()) {
                s.spawn(move || **counter += i);
            }
        });
        let values: Vec<u64> = counters.iter().map(|c| **c).collect();
        assert_eq!(values, (0..8).collect::<Vec<_>>());
        assert_eq!(arena.len(), 8);
    });
}

#[test]
fn arenas_on_many_threads_do_not_interfere() {
    let ledger = Ledger::new();
    thread::scope(|s| {
        for seed in 0..4u64 {
            let ledger = &ledger;
            s.spawn(move || {
                DropArena::with(|arena| {
                    let mut rng = common::Rng::new(seed);
                    let mut live = Vec::new();
                    for i in 0..20_000u64 {
                        if live.is_empty() || rng.below(3) != 0 {
                            live.push(arena.alloc(ledger.track(i)));
                        } else {
                            let b = live.swap_remove(rng.below(live.len()));
                            arena.drop_box(b);
                        }
                    }
                    assert_eq!(arena.len(), live.len());
                    for b in live {
                        arena.drop_box(b);
                    }
                });
            });
        }
    });
    ledger.assert_all_dropped_once_except(&[]);
}
