//! An ordered map whose removed nodes go back to a [`DropArena`].
//!
//! ```text
//! cargo run --example ordered_map
//! cargo test --example ordered_map
//! ```
//!
//! `map.rs` holds a treap (a balanced binary search tree) written once,
//! generic over how its nodes are owned: the `NodeAlloc` trait allocates a
//! node, and frees one by moving it out of its owner. With `Heap` the
//! owner is a `Box`; with `Arena` it is a `DropBox` from a `DropArena`,
//! and `free` is `arena.box_to_inner(node)`, which puts the slot back on
//! the arena's free list for the next insert. `remove` frees the removed
//! node, and `clear` (which `Drop` calls) frees every node, so an arena
//! that outlives the map ends up empty.
//!
//! The arena version, to copy:
//!
//! ```text
//! make_arena!(arena);                               // nodes may name the brand
//! let mut map = OrderedMap::new_in(Arena(arena));
//! map.insert(3, "three");
//! map.remove(&3);                                   // the slot is free again
//! ```
//!
//! The benchmark package times `map::workload` (random inserts, removes and
//! lookups) on `Box`, on the arena and on `BTreeMap`; see PERFORMANCE.md.
//!
//! [`DropArena`]: drop_arena::DropArena

mod map;

use drop_arena::make_arena;
use map::{Arena, Heap, OrderedMap};

fn main() {
    make_arena!(arena);
    let mut scores = OrderedMap::new_in(Arena(arena));
    for (name, score) in [("ada", 36), ("grace", 85), ("alan", 41), ("edsger", 72)] {
        scores.insert(name, score);
    }
    scores.insert("alan", 42);
    println!("scores, in name order:");
    for (name, score) in &scores {
        println!("  {name:8} {score}");
    }
    assert_eq!(scores.remove("grace"), Some(85));
    println!(
        "after removing grace: {} entries in {} slots in use",
        scores.len(),
        arena.len()
    );
    drop(scores);
    println!("map dropped: {} slots in use", arena.len());

    make_arena!(numbers);
    let mut squares = OrderedMap::new_in(Arena(numbers));
    for n in 0..100_000u64 {
        squares.insert(n, n * n);
    }
    for n in (0..100_000).step_by(2) {
        squares.remove(&n);
    }
    let capacity = numbers.capacity();
    for n in (0..100_000).step_by(2) {
        squares.insert(n, n * n);
    }
    println!(
        "100000 keys inserted in order: height {} (an unbalanced tree would be 100000 deep)",
        squares.height()
    );
    println!(
        "half removed and reinserted: capacity {capacity} slots before, {} after",
        numbers.capacity()
    );

    let on_arena = {
        make_arena!(arena);
        map::workload(Arena(arena), 400_000, 50_000, 1)
    };
    let on_heap = map::workload(Heap, 400_000, 50_000, 1);
    let on_btree = map::workload_btree(400_000, 50_000, 1);
    println!(
        "benchmark workload checksums: arena {on_arena:#x}, Box {on_heap:#x}, BTreeMap {on_btree:#x}"
    );
    assert!(on_arena == on_heap && on_heap == on_btree);
}

/// Counts the nodes alive in a [`Heap`] map, to check it frees them too.
#[cfg(test)]
mod counting {
    use super::map::{Heap, NodeAlloc};
    use std::cell::Cell;

    #[derive(Default)]
    pub struct Counted {
        pub live: Cell<usize>,
    }

    impl<N> NodeAlloc<N> for &Counted {
        type Owned = Box<N>;

        fn alloc(&self, node: N) -> Box<N> {
            self.live.set(self.live.get() + 1);
            Heap.alloc(node)
        }

        fn free(&self, node: Box<N>) -> N {
            self.live.set(self.live.get() - 1);
            Heap.free(node)
        }
    }
}

#[cfg(test)]
#[path = "../../tests/common/mod.rs"]
mod common;

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::common::{Ledger, Rng, Tracked};
    use super::counting::Counted;
    use super::map::{self, Arena, Heap, Node, NodeAlloc, Op, OrderedMap};
    use drop_arena::make_arena;

    /// Runs random operations on `map` and on a `BTreeMap`, comparing every
    /// result, the length and (now and then) the whole contents in order.
    /// `after_each` sees the map after every operation.
    fn against_model<A: NodeAlloc<Node<u32, u64, A>>>(
        map: &mut OrderedMap<u32, u64, A>,
        seed: u64,
        ops: usize,
        keys: usize,
        mut after_each: impl FnMut(&OrderedMap<u32, u64, A>),
    ) {
        let mut model = BTreeMap::new();
        let mut rng = Rng::new(seed);
        for i in 0..ops {
            let key = rng.below(keys) as u32;
            match rng.below(3) {
                0 => {
                    let value = rng.next_u64();
                    assert_eq!(map.insert(key, value), model.insert(key, value));
                }
                1 => assert_eq!(map.remove(&key), model.remove(&key)),
                _ => assert_eq!(map.get(&key), model.get(&key)),
            }
            assert_eq!(map.contains_key(&key), model.contains_key(&key));
            assert_eq!(map.len(), model.len());
            after_each(map);
            if i % 500 == 0 {
                map.assert_treap();
                assert!(map.iter().eq(model.iter()), "contents differ at op {i}");
                assert_eq!(map.iter().len(), model.len());
            }
        }
        assert!(map.iter().eq(model.iter()));
        map.assert_treap();
    }

    #[test]
    fn on_the_heap_it_behaves_like_btreemap() {
        for seed in 0..4 {
            let mut map = OrderedMap::new_in(Heap);
            against_model(&mut map, seed, 4000, 300, |_| {});
        }
    }

    #[test]
    fn heap_nodes_are_freed_by_remove_clear_and_drop() {
        let counted = Counted::default();
        let mut map = OrderedMap::new_in(&counted);
        against_model(&mut map, 1, 3000, 200, |map| {
            assert_eq!(counted.live.get(), map.len());
        });
        map.clear();
        assert_eq!(counted.live.get(), 0);
        map.insert(1, 1);
        map.insert(2, 2);
        drop(map);
        assert_eq!(counted.live.get(), 0);
    }

    #[test]
    fn in_the_arena_it_behaves_like_btreemap_and_reclaims_every_node() {
        for seed in 10..14 {
            make_arena!(arena);
            let mut map = OrderedMap::new_in(Arena(arena));
            let mut peak = 0;
            against_model(&mut map, seed, 4000, 300, |map| {
                // Removed nodes went back: the slots in use are the entries.
                assert_eq!(arena.len(), map.len());
                peak = peak.max(map.len());
            });
            // Freed slots were reused: the arena never grew much past the
            // largest the map ever was (its chunks round up a little).
            assert!(
                arena.capacity() <= 2 * peak.max(64),
                "capacity {} for a peak of {peak} entries",
                arena.capacity()
            );
            drop(map);
            assert!(arena.is_empty());
        }
    }

    #[test]
    fn churn_in_the_arena_stays_in_the_same_slots() {
        make_arena!(arena);
        let mut map = OrderedMap::new_in(Arena(arena));
        let mut rng = Rng::new(99);
        for key in 0..1000u32 {
            map.insert(key, 0u64);
        }
        let capacity = arena.capacity();
        for _ in 0..50_000 {
            let key = rng.below(1000) as u32;
            if map.remove(&key).is_none() {
                map.insert(key, 1);
            }
            // At most 1000 entries, so never more than the first 1000 slots.
            assert!(arena.len() <= 1000);
        }
        assert_eq!(arena.capacity(), capacity, "churn grew the arena");
    }

    #[test]
    fn clear_gives_every_node_back_and_the_map_is_reusable() {
        make_arena!(arena);
        let mut map = OrderedMap::new_in(Arena(arena));
        for key in 0..5000u32 {
            map.insert(key, u64::from(key));
        }
        let capacity = arena.capacity();
        map.clear();
        assert!(map.is_empty());
        assert!(arena.is_empty());
        assert_eq!(map.iter().next(), None);
        for key in (0..5000u32).rev() {
            map.insert(key, 0);
        }
        assert_eq!(arena.capacity(), capacity);
        assert!(map.iter().map(|(k, _)| *k).eq(0..5000));
    }

    #[test]
    fn every_value_is_dropped_once_by_insert_remove_clear_and_drop() {
        let ledger = Ledger::new();
        make_arena!(arena);
        let mut map = OrderedMap::new_in(Arena(arena));
        let mut rng = Rng::new(4);
        for _ in 0..3000 {
            let key = rng.below(100) as u64;
            if rng.below(2) == 0 {
                // A replaced value is returned, and dropped here.
                map.insert(key, ledger.track(key));
            } else {
                map.remove(&key);
            }
        }
        assert_eq!(ledger.made() - map.len(), ledger.total_drops() as usize);
        map.clear();
        for key in 0..50 {
            map.insert(key, ledger.track(key));
        }
        drop(map);
        ledger.assert_all_dropped_once_except(&[]);
        assert!(arena.is_empty());
    }

    /// The map's `Drop` impl passes drop check with the arena's brand: the
    /// map may hold values that borrow locals declared before the arena.
    #[test]
    fn a_map_of_borrowed_values_drops_before_its_arena() {
        let ledger = Ledger::new();
        make_arena!(arena);
        let mut map: OrderedMap<u64, Tracked<'_>, _> = OrderedMap::new_in(Arena(arena));
        map.insert(1, ledger.track(1));
        let _ = map.insert(1, ledger.track(2));
        assert_eq!(ledger.total_drops(), 1);
        drop(map);
        assert_eq!(ledger.total_drops(), 2);
    }

    #[test]
    fn sorted_insertion_stays_shallow_and_a_large_map_is_given_back() {
        make_arena!(arena);
        let mut map = OrderedMap::new_in(Arena(arena));
        let n = 200_000u64;
        for key in 0..n {
            map.insert(key, ());
        }
        // A treap's expected height is about 3 log2 n; 18 * 3 = 54.
        assert!(map.height() < 100, "height {}", map.height());
        map.assert_treap();
        drop(map);
        assert!(arena.is_empty());
    }

    #[test]
    fn lookups_borrow_the_key() {
        let mut map = OrderedMap::new_in(Heap);
        map.insert(String::from("b"), 2);
        map.insert(String::from("a"), 1);
        assert_eq!(map.get("a"), Some(&1));
        assert_eq!(map.remove("b"), Some(2));
        assert!(!map.contains_key("b"));
    }

    #[test]
    fn the_workload_gives_one_checksum_on_every_allocator() {
        make_arena!(arena);
        let on_arena = map::workload(Arena(arena), 20_000, 1000, 3);
        assert_eq!(on_arena, map::workload(Heap, 20_000, 1000, 3));
        assert_eq!(on_arena, map::workload_btree(20_000, 1000, 3));
        assert!(arena.is_empty());
        // Every kind of operation occurs, with keys over the whole range.
        let ops: Vec<Op> = map::ops(3000, 1000, 3).collect();
        let keys = |op: &Op| match *op {
            Op::Insert(key, _) | Op::Remove(key) | Op::Get(key) => key,
        };
        assert!(ops.iter().all(|op| keys(op) < 1000));
        assert!(ops.iter().any(|op| keys(op) > 990));
        for kind in 0..3 {
            let count = ops
                .iter()
                .filter(|op| match op {
                    Op::Insert(..) => kind == 0,
                    Op::Remove(_) => kind == 1,
                    Op::Get(_) => kind == 2,
                })
                .count();
            assert!((900..1100).contains(&count), "kind {kind}: {count} ops");
        }
    }
}
