//! An expression simplifier whose discarded nodes go back to a
//! [`DropArena`] as it works.
//!
//! ```text
//! cargo run --example simplifier
//! cargo test --example simplifier
//! ```
//!
//! `expr.rs` holds expression trees (`x`, constants, `+`, `*`, negation)
//! and a simplifier that folds constants and applies `x + 0 = x`,
//! `x * 1 = x`, `x * 0 = 0` and `--x = x` bottom-up, in place. Every rewrite
//! frees nodes: the constants it folded, the `0` or `1` it dropped, a whole
//! subtree multiplied by zero. Like the ordered map, the code is written
//! once over a small `NodeAlloc` trait: with `Heap` the nodes are
//! `Box`es, with `Arena` they are `DropBox`es and `free` is
//! `arena.box_to_inner(node)`, which reclaims the slot at once, so the next
//! tree is built in the slots the last one gave back.
//!
//! The arena version, to copy:
//!
//! ```text
//! make_arena!(arena);                        // `Expr` names the brand
//! let nodes = Arena(arena);
//! let mut e = random_expr(&nodes, &mut SplitMix64(1), 10);
//! simplify(&nodes, &mut e);                  // discarded nodes are reclaimed
//! free_all(&nodes, e);                       // and the rest when done
//! ```
//!
//! The benchmark package times `expr::workload` on `Box` and on the arena;
//! see PERFORMANCE.md.
//!
//! [`DropArena`]: drop_arena::DropArena

mod expr;

use drop_arena::make_arena;
use expr::{Arena, Heap, SplitMix64, free_all, random_expr, simplify};

fn main() {
    make_arena!(arena);
    let nodes = Arena(arena);
    let mut rng = SplitMix64(2);
    let mut e = random_expr(&nodes, &mut rng, 5);
    println!("a random expression, {} nodes:\n  {}", e.size(), *e);
    let (before, x) = (e.eval(3), 3);
    simplify(&nodes, &mut e);
    assert!(e.is_simplified());
    println!("simplified, {} nodes:\n  {}", e.size(), *e);
    println!(
        "value at x = {x}: {before} before, {} after; {} slots in use",
        e.eval(x),
        arena.len()
    );
    free_all(&nodes, e);

    let (mut built, mut kept) = (0, 0);
    for _ in 0..1000 {
        let mut e = random_expr(&nodes, &mut rng, 14);
        built += e.size();
        simplify(&nodes, &mut e);
        kept += e.size();
        free_all(&nodes, e);
    }
    println!(
        "1000 random trees: {built} nodes built, {kept} kept by simplifying, \
         in an arena of {} slots; {} in use now",
        arena.capacity(),
        arena.len()
    );

    let on_arena = expr::workload(&nodes, 5000, 14, 1);
    let on_heap = expr::workload(&Heap, 5000, 14, 1);
    println!("benchmark workload checksums: arena {on_arena:#x}, Box {on_heap:#x}");
    assert_eq!(on_arena, on_heap);
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::expr::{
        self, Arena, Expr, Heap, NodeAlloc, SplitMix64, free_all, random_expr, simplify,
    };
    use drop_arena::make_arena;

    const XS: [i64; 6] = [-1000, -2, 0, 1, 7, i64::MAX];

    /// Builds the expression written as `(op, args)` in postfix order:
    /// "x", "0".."9", "+", "*", "-".
    fn parse<A: NodeAlloc<Expr<A>>>(alloc: &A, postfix: &str) -> A::Owned {
        let mut stack = Vec::new();
        for token in postfix.split_whitespace() {
            let node = match token {
                "x" => Expr::X,
                "+" | "*" => {
                    let r = stack.pop().unwrap();
                    let l = stack.pop().unwrap();
                    if token == "+" {
                        Expr::Add(l, r)
                    } else {
                        Expr::Mul(l, r)
                    }
                }
                "-" => Expr::Neg(stack.pop().unwrap()),
                n => Expr::Num(n.parse().unwrap()),
            };
            stack.push(alloc.alloc(node));
        }
        assert_eq!(stack.len(), 1);
        stack.pop().unwrap()
    }

    #[test]
    fn each_rule_rewrites_and_gives_back_what_it_drops() {
        let cases = [
            ("2 3 *", "6", 1),
            ("2 3 + x +", "(5 + x)", 3),
            ("x 0 +", "x", 1),
            ("0 x +", "x", 1),
            ("x 1 *", "x", 1),
            ("1 x *", "x", 1),
            ("x x * x + 0 *", "0", 1),
            ("x 2 3 + * 0 *", "0", 1),
            ("x - -", "x", 1),
            ("3 -", "-3", 1),
            ("x 1 * 0 + - -", "x", 1),
            ("x - x *", "(-x * x)", 4),
            ("x 0 1 + *", "x", 1),
        ];
        for (postfix, expected, size) in cases {
            make_arena!(arena);
            let nodes = Arena(arena);
            let mut e = parse(&nodes, postfix);
            let values: Vec<i64> = XS.iter().map(|&x| e.eval(x)).collect();
            simplify(&nodes, &mut e);
            assert_eq!(e.to_string(), expected, "{postfix}");
            assert_eq!(e.size(), size, "{postfix}");
            assert_eq!(arena.len(), size, "{postfix}: a dropped node was not freed");
            assert!(XS.iter().map(|&x| e.eval(x)).eq(values));
            free_all(&nodes, e);
            assert!(arena.is_empty());
        }
    }

    #[test]
    fn simplifying_keeps_the_value_and_frees_every_discarded_node() {
        make_arena!(arena);
        let nodes = Arena(arena);
        let mut rng = SplitMix64(11);
        let (mut before, mut after) = (0, 0);
        for depth in 0..14 {
            for _ in 0..40 {
                let mut e = random_expr(&nodes, &mut rng, depth);
                let values: Vec<i64> = XS.iter().map(|&x| e.eval(x)).collect();
                before += e.size();
                simplify(&nodes, &mut e);
                after += e.size();
                assert!(e.is_simplified(), "{}", *e);
                assert!(XS.iter().map(|&x| e.eval(x)).eq(values), "{}", *e);
                // Only the simplified tree's nodes are in use.
                assert_eq!(arena.len(), e.size());
                // Simplifying again changes nothing.
                let text = e.to_string();
                simplify(&nodes, &mut e);
                assert_eq!(e.to_string(), text);
                free_all(&nodes, e);
                assert!(arena.is_empty());
            }
        }
        // The random trees gave the simplifier plenty to do.
        assert!(after * 2 < before, "{before} nodes simplified to {after}");
    }

    #[test]
    fn box_and_arena_build_and_simplify_the_same_trees() {
        make_arena!(arena);
        let nodes = Arena(arena);
        let (mut on_heap, mut on_arena) = (SplitMix64(5), SplitMix64(5));
        for _ in 0..200 {
            let mut b = random_expr(&Heap, &mut on_heap, 10);
            let mut a = random_expr(&nodes, &mut on_arena, 10);
            assert_eq!(b.to_string(), a.to_string());
            simplify(&Heap, &mut b);
            simplify(&nodes, &mut a);
            assert_eq!(b.to_string(), a.to_string());
            free_all(&nodes, a);
        }
        assert_eq!(
            expr::workload(&Heap, 300, 10, 9),
            expr::workload(&nodes, 300, 10, 9)
        );
        assert!(arena.is_empty());
    }

    #[test]
    fn memory_stays_at_the_largest_tree() {
        make_arena!(arena);
        let nodes = Arena(arena);
        let mut rng = SplitMix64(3);
        let mut largest = 0;
        for _ in 0..2000 {
            let mut e = random_expr(&nodes, &mut rng, 12);
            largest = largest.max(arena.len());
            simplify(&nodes, &mut e);
            free_all(&nodes, e);
        }
        // 2000 trees of a few hundred nodes each, in the slots of one (the
        // arena's chunks round its capacity up, at most to double).
        assert!(
            arena.capacity() <= 2 * largest,
            "capacity {} for a largest tree of {largest} nodes",
            arena.capacity()
        );
    }

    /// Boxes that count how many nodes are alive.
    struct Counted {
        live: Cell<isize>,
    }

    impl<N> NodeAlloc<N> for Counted {
        type Owned = Box<N>;

        fn alloc(&self, node: N) -> Box<N> {
            self.live.set(self.live.get() + 1);
            Box::new(node)
        }

        fn free(&self, node: Box<N>) -> N {
            self.live.set(self.live.get() - 1);
            *node
        }
    }

    #[test]
    fn on_the_heap_simplify_frees_through_the_allocator_too() {
        let counted = Counted { live: Cell::new(0) };
        let mut rng = SplitMix64(8);
        for _ in 0..200 {
            let mut e = random_expr(&counted, &mut rng, 10);
            assert_eq!(counted.live.get(), e.size() as isize);
            simplify(&counted, &mut e);
            assert_eq!(counted.live.get(), e.size() as isize);
            free_all(&counted, e);
            assert_eq!(counted.live.get(), 0);
        }
    }
}
