//! Panicking constructors and destructors, alone and inside reentrant sequences: the arena stays consistent.

use std::collections::HashSet;

use crate::common::{self, Ledger, Tracked, addr, assert_expected_panic, expected_panic};
use drop_arena::{DropArena, DropBox, make_arena};

#[test]
fn a_constructor_panic_leaves_len_unchanged_and_the_slot_reusable() {
    DropArena::with(|arena| {
        let keep = arena.alloc(1u64);
        let probe = arena.alloc(2u64);
        let slot = addr(&*probe);
        arena.drop_box(probe);
        // alloc_with takes `slot` before the constructor runs.
        assert_expected_panic(|| {
            let _ = arena.alloc_with(|| -> u64 { expected_panic() });
        });
        assert_eq!(arena.len(), 1);
        let next = arena.alloc(3);
        assert_eq!(addr(&*next), slot, "the reserved slot was not given back");
        assert_eq!((*keep, *next), (1, 3));
        arena.drop_box(next);
        arena.drop_box(keep);
    });
}

#[test]
fn a_constructor_panic_on_a_fresh_slot_loses_no_capacity() {
    DropArena::with(|arena| {
        let first = arena.alloc(0u64);
        let capacity = arena.capacity();
        for _ in 0..3 {
            assert_expected_panic(|| {
                let _ = arena.alloc_with(|| -> u64 { expected_panic() });
            });
        }
        assert_eq!(arena.len(), 1);
        // Every slot is still there to be filled without growing.
        let rest: Vec<_> = (1..capacity as u64).map(|i| arena.alloc(i)).collect();
        assert_eq!(arena.capacity(), capacity);
        let addrs: HashSet<usize> = rest.iter().map(|b| addr(&**b)).collect();
        assert_eq!(addrs.len(), rest.len());
        assert!(!addrs.contains(&addr(&*first)));
        for b in rest {
            arena.drop_box(b);
        }
        arena.drop_box(first);
    });
}

#[test]
fn a_destructor_panic_in_drop_box_still_reclaims_the_slot() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let keep = arena.alloc(ledger.track(0));
        let doomed = arena.alloc(ledger.track(1).panicking());
        let slot = addr(&*doomed);
        assert_expected_panic(|| arena.drop_box(doomed));
        assert_eq!(ledger.drops_of(1), 1);
        assert_eq!(arena.len(), 1);
        let next = arena.alloc(ledger.track(2));
        assert_eq!(addr(&*next), slot, "the panicking value's slot was lost");
        assert_eq!(keep.value, 0);
        arena.drop_box(next);
        arena.drop_box(keep);
    });
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn a_destructor_panic_still_drops_the_other_fields() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let pair = arena.alloc((ledger.track(0).panicking(), ledger.track(1)));
        assert_expected_panic(|| arena.drop_box(pair));
        assert!(arena.is_empty());
    });
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn a_destructor_panic_in_a_plain_drop_keeps_the_slot() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let doomed = arena.alloc(ledger.track(0).panicking());
        let slot = addr(&*doomed);
        assert_expected_panic(|| drop(doomed));
        assert_eq!(arena.len(), 1);
        let next = arena.alloc(ledger.track(1));
        assert_ne!(addr(&*next), slot);
        arena.drop_box(next);
    });
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn a_panic_after_box_to_inner_happens_outside_the_arena() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let doomed = arena.alloc(ledger.track(0).panicking());
        let slot = addr(&*doomed);
        assert_expected_panic(|| drop(arena.box_to_inner(doomed)));
        assert!(arena.is_empty());
        let next = arena.alloc(ledger.track(1));
        assert_eq!(addr(&*next), slot);
        arena.drop_box(next);
    });
    ledger.assert_all_dropped_once_except(&[]);
}

/// A value that can use its own arena while it is built or dropped.
struct Node<'id> {
    arena: &'id DropArena<'id, Node<'id>>,
    tracked: Tracked<'id>,
    /// While dropped: allocate this many temporaries and keep them (they are
    /// plain-dropped, so their slots stay in use) before panicking.
    keep_then_panic: usize,
}

impl<'id> Node<'id> {
    fn new(arena: &'id DropArena<'id, Node<'id>>, ledger: &'id Ledger, value: u64) -> Self {
        Node {
            arena,
            tracked: ledger.track(value),
            keep_then_panic: 0,
        }
    }
}

impl Drop for Node<'_> {
    fn drop(&mut self) {
        if self.keep_then_panic == 0 {
            return;
        }
        let ledger = self.tracked.ledger;
        let _kept: Vec<_> = (0..self.keep_then_panic)
            .map(|i| {
                self.arena
                    .alloc(Node::new(self.arena, ledger, 100 + i as u64))
            })
            .collect();
        expected_panic();
    }
}

#[test]
fn a_constructor_that_allocates_frees_and_then_panics() {
    let ledger = Ledger::new();
    make_arena!(arena);
    let before = arena.alloc(Node::new(arena, &ledger, 0));
    assert_expected_panic(|| {
        let _ = arena.alloc_with(|| {
            let freed = arena.alloc(Node::new(arena, &ledger, 1));
            let _kept = arena.alloc(Node::new(arena, &ledger, 2));
            arena.drop_box(freed);
            expected_panic()
        });
    });
    // `_kept` was plain-dropped by the unwinding: its slot stays in use.
    // `freed` and the reserved slot were given back.
    assert_eq!(arena.len(), 2);
    ledger.assert_all_dropped_once_except(&[0]);
    assert_distinct_fresh_slots(arena, &ledger, &before);
    arena.drop_box(before);
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn a_destructor_that_allocates_and_then_panics() {
    let ledger = Ledger::new();
    make_arena!(arena);
    let before = arena.alloc(Node::new(arena, &ledger, 0));
    let mut doomed = Node::new(arena, &ledger, 1);
    doomed.keep_then_panic = 3;
    let doomed = arena.alloc(doomed);
    let slot = addr(&*doomed);
    assert_expected_panic(|| arena.drop_box(doomed));
    // The three temporaries keep their slots; the doomed node's is reclaimed.
    assert_eq!(arena.len(), 1 + 3);
    let next = arena.alloc(Node::new(arena, &ledger, 2));
    assert_eq!(addr(&*next), slot);
    arena.drop_box(next);
    assert_distinct_fresh_slots(arena, &ledger, &before);
    arena.drop_box(before);
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn a_destructor_panic_inside_a_constructor_unwinds_both() {
    let ledger = Ledger::new();
    make_arena!(arena);
    let reserved = arena.alloc(Node::new(arena, &ledger, 0));
    let doomed = {
        let mut node = Node::new(arena, &ledger, 1);
        node.keep_then_panic = 1;
        arena.alloc(node)
    };
    let (reserved_at, doomed_at) = (addr(&*reserved), addr(&*doomed));
    arena.drop_box(reserved);
    let len = arena.len();
    assert_expected_panic(|| {
        // Takes `reserved_at`, then the destructor's temporary takes a
        // fresh slot, then `doomed_at` goes back, then `reserved_at`.
        let _ = arena.alloc_with(|| {
            arena.drop_box(doomed);
            Node::new(arena, &ledger, 2)
        });
    });
    assert_eq!(arena.len(), len - 1 + 1, "doomed freed, its temporary kept");
    let first = arena.alloc(Node::new(arena, &ledger, 3));
    let second = arena.alloc(Node::new(arena, &ledger, 4));
    assert_eq!(addr(&*first), reserved_at);
    assert_eq!(addr(&*second), doomed_at);
    arena.drop_box(second);
    arena.drop_box(first);
    // Two nodes, the destructor's temporary, `first` and `second`: the
    // constructor panicked before making its own node.
    assert_eq!(ledger.made(), 5);
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn random_panicking_sequences_leave_the_arena_consistent() {
    let ledger = Ledger::new();
    make_arena!(arena);
    let mut rng = common::Rng::new(11);
    let mut live: Vec<DropBox<'_, Node<'_>>> = Vec::new();
    // Slots kept in use by temporaries the unwinding dropped.
    let mut stranded = 0;
    for step in 0..2000u64 {
        match rng.below(5) {
            0 => {
                let mut node = Node::new(arena, &ledger, step);
                node.keep_then_panic = rng.below(3);
                live.push(arena.alloc(node));
            }
            1 => {
                let n = rng.below(3);
                let panics = rng.below(2) == 0;
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    arena.alloc_with(|| {
                        let temps: Vec<_> = (0..n)
                            .map(|_| arena.alloc(Node::new(arena, &ledger, step)))
                            .collect();
                        for t in temps {
                            arena.drop_box(t);
                        }
                        if panics {
                            expected_panic();
                        }
                        Node::new(arena, &ledger, step)
                    })
                }));
                match result {
                    Ok(b) => live.push(b),
                    Err(payload) => assert!(payload.is::<common::ExpectedPanic>()),
                }
            }
            _ if live.is_empty() => {}
            _ => {
                let victim = live.swap_remove(rng.below(live.len()));
                let kept_on_panic = victim.keep_then_panic;
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    arena.drop_box(victim);
                }));
                assert_eq!(result.is_err(), kept_on_panic > 0);
                stranded += kept_on_panic;
            }
        }
        assert_eq!(arena.len(), live.len() + stranded);
        let addrs: HashSet<usize> = live.iter().map(|b| addr(&**b)).collect();
        assert_eq!(addrs.len(), live.len(), "a slot was handed out twice");
        for b in &live {
            assert_eq!(ledger.drops_of(b.tracked.id), 0, "a live value was dropped");
        }
    }
    for b in live.iter_mut() {
        b.keep_then_panic = 0;
    }
    for b in live {
        arena.drop_box(b);
    }
    assert_eq!(arena.len(), stranded);
    ledger.assert_all_dropped_once_except(&[]);
}

/// Fills the arena's spare capacity and checks no fresh slot collides with
/// `live` or another fresh one: a slot handed out twice would show here.
fn assert_distinct_fresh_slots<'id>(
    arena: &'id DropArena<'id, Node<'id>>,
    ledger: &'id Ledger,
    live: &DropBox<'id, Node<'id>>,
) {
    let spare = arena.capacity() - arena.len();
    let fresh: Vec<_> = (0..spare)
        .map(|i| arena.alloc(Node::new(arena, ledger, i as u64)))
        .collect();
    let mut addrs: HashSet<usize> = fresh.iter().map(|b| addr(&**b)).collect();
    assert_eq!(addrs.len(), spare);
    assert!(addrs.insert(addr(&**live)));
    for b in fresh {
        arena.drop_box(b);
    }
}

#[test]
fn a_reserve_too_large_to_allocate_panics_and_leaves_the_arena_usable() {
    for preloaded in [0, 3, 600] {
        DropArena::with(|arena| {
            let mut boxes: Vec<_> = (0..preloaded).map(|i| arena.alloc(i as u64)).collect();
            let (len, capacity_before) = (arena.len(), arena.capacity());
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                arena.reserve(usize::MAX)
            }));
            assert!(result.is_err(), "reserving usize::MAX slots succeeded");
            assert_eq!(arena.len(), len);
            // It may have kept the spare end of a chunk before giving up,
            // but every slot it counts must be there to be handed out.
            let capacity = arena.capacity();
            assert!(capacity >= capacity_before);
            while arena.len() < capacity {
                boxes.push(arena.alloc(7));
            }
            assert_eq!(arena.capacity(), capacity);
            let addrs: HashSet<usize> = boxes.iter().map(|b| addr(&**b)).collect();
            assert_eq!(addrs.len(), boxes.len());
            for (i, b) in boxes.iter().enumerate() {
                let expected = if i < preloaded { i as u64 } else { 7 };
                assert_eq!(**b, expected);
            }
            for b in boxes {
                arena.drop_box(b);
            }
        });
    }
}
