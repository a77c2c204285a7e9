//! Every value is dropped exactly once, unless the test leaked or forgot it, over long random operation sequences.

mod common;

use common::{Ledger, Rng, Tracked};
use drop_arena::{DropArena, DropBox};

/// What one random run did that the ledger must agree with.
#[derive(Default)]
struct Expected {
    /// Values that must never be dropped.
    leaked: Vec<usize>,
    /// Slots in use whose box is gone (plain drop, into_inner, leak).
    stranded: usize,
}

/// One random step on `arena`. `live` are the boxes, `moved_out` values
/// taken out of boxes and not yet dropped.
fn step<'a, 'l>(
    arena: &'a DropArena<'a, Tracked<'l>>,
    ledger: &'l Ledger,
    rng: &mut Rng,
    live: &mut Vec<DropBox<'a, Tracked<'l>>>,
    moved_out: &mut Vec<Tracked<'l>>,
    expected: &mut Expected,
) {
    let value = rng.next_u64();
    let pick = |live: &mut Vec<DropBox<'a, Tracked<'l>>>, rng: &mut Rng| {
        let n = live.len();
        (n > 0).then(|| live.swap_remove(rng.below(n)))
    };
    match rng.below(12) {
        0..=2 => live.push(arena.alloc(ledger.track(value))),
        3 => live.push(arena.alloc_with(|| ledger.track(value))),
        4 => {
            if let Some(b) = pick(live, rng) {
                arena.drop_box(b);
            }
        }
        5 => {
            if let Some(b) = pick(live, rng) {
                moved_out.push(arena.box_to_inner(b));
            }
        }
        6 => {
            if let Some(b) = pick(live, rng) {
                expected.leaked.push(b.id);
                arena.free_without_dropping(b);
            }
        }
        7 => {
            if let Some(b) = pick(live, rng) {
                expected.stranded += 1;
                drop(b);
            }
        }
        8 => {
            if let Some(b) = pick(live, rng) {
                expected.stranded += 1;
                moved_out.push(DropBox::into_inner(b));
            }
        }
        9 => {
            if let Some(b) = pick(live, rng) {
                expected.stranded += 1;
                expected.leaked.push(b.id);
                let leaked: &mut Tracked<'_> = DropBox::leak(b);
                leaked.value = value;
            }
        }
        10 => {
            // Swap two boxes' contents: each value still drops once, from
            // whichever box holds it.
            if live.len() >= 2 {
                let (i, j) = (rng.below(live.len()), rng.below(live.len()));
                if i != j {
                    let (lo, hi) = (i.min(j), i.max(j));
                    let (left, right) = live.split_at_mut(hi);
                    std::mem::swap(&mut *left[lo], &mut *right[0]);
                }
            }
        }
        _ => {
            // Replace a boxed value in place: the old one drops now.
            if let Some(b) = live.last_mut() {
                **b = ledger.track(value);
            } else if let Some(v) = moved_out.pop() {
                drop(v);
            }
        }
    }
}

fn run(seed: u64, steps: usize) {
    let ledger = Ledger::new();
    let mut expected = Expected::default();
    DropArena::with(|arena| {
        let mut rng = Rng::new(seed);
        let mut live = Vec::new();
        let mut moved_out = Vec::new();
        for _ in 0..steps {
            step(
                arena,
                &ledger,
                &mut rng,
                &mut live,
                &mut moved_out,
                &mut expected,
            );
            assert_eq!(arena.len(), live.len() + expected.stranded, "seed {seed}");
            // Nothing still owned has been dropped.
            for b in &live {
                assert_eq!(ledger.drops_of(b.id), 0, "seed {seed}: live #{}", b.id);
            }
        }
        for b in live {
            arena.drop_box(b);
        }
        assert_eq!(arena.len(), expected.stranded);
    });
    ledger.assert_all_dropped_once_except(&expected.leaked);
}

#[test]
fn random_sequences_drop_each_value_exactly_once() {
    for seed in 0..40 {
        run(seed, 2000);
    }
}

#[test]
fn one_long_random_sequence_drops_each_value_exactly_once() {
    run(0xD809, 50_000);
}

#[test]
fn boxes_left_in_a_vec_are_dropped_once_when_the_vec_is() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let boxes: Vec<_> = (0..100).map(|i| arena.alloc(ledger.track(i))).collect();
        drop(boxes);
        assert_eq!(ledger.total_drops(), 100);
        assert_eq!(arena.len(), 100);
    });
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn boxes_of_boxes_across_nested_arenas_drop_once() {
    let ledger = Ledger::new();
    DropArena::with(|inner| {
        DropArena::with(|outer| {
            let mut rng = Rng::new(9);
            let mut live = Vec::new();
            for i in 0..5000u64 {
                match rng.below(4) {
                    0 | 1 => live.push(outer.alloc(inner.alloc(ledger.track(i)))),
                    2 if !live.is_empty() => {
                        // Give both boxes back, outer first.
                        let b = live.swap_remove(rng.below(live.len()));
                        inner.drop_box(outer.box_to_inner(b));
                    }
                    3 if !live.is_empty() => {
                        // Dropping the outer box drops the inner box, whose
                        // value drops; both slots stay in use.
                        let b = live.swap_remove(rng.below(live.len()));
                        drop(b);
                    }
                    _ => {}
                }
                assert_eq!(outer.len(), inner.len());
            }
            for b in live {
                inner.drop_box(outer.box_to_inner(b));
            }
        });
    });
    ledger.assert_all_dropped_once_except(&[]);
}
