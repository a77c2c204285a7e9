//! The data structures of `examples/`, timed on every way of owning their
//! nodes: the same code, generic over a `NodeAlloc`, on DropArena nodes,
//! drop_arena 0.3 nodes and `Box` nodes (system allocator and mimalloc). The
//! ordered map is also timed against `std`'s `BTreeMap`.
//!
//! The structures are the examples' own files, included by path, so what is
//! timed is exactly what users copy.

use drop_arena::make_arena;

use crate::peers::MiBox;

#[allow(dead_code)]
#[path = "../../examples/ordered_map/map.rs"]
pub mod map;

#[allow(dead_code)]
#[path = "../../examples/simplifier/expr.rs"]
pub mod expr;

/// The ordered map's workload: random inserts, removes and lookups.
pub const MAP_OPS: usize = 400_000;
/// The keys the map's operations draw from.
pub const MAP_KEYS: u64 = 50_000;
/// Expressions built, simplified and freed per run.
pub const EXPR_TREES: usize = 2_000;
/// Their depth.
pub const EXPR_DEPTH: u32 = 14;
const SEED: u64 = 0x5eed;

/// Who owns the nodes, in the order the tables show them.
pub const OWNERS: [&str; 5] = [
    "DropArena",
    "drop_arena 0.3",
    "Box (system)",
    "Box (mimalloc)",
    "BTreeMap",
];

/// The ordered map's workload with nodes owned by `owner` (one of
/// [`OWNERS`]); returns its checksum, the same for every owner.
pub fn ordered_map(owner: &str) -> u64 {
    match owner {
        "DropArena" => {
            make_arena!(arena);
            map::workload(map::Arena(arena), MAP_OPS, MAP_KEYS, SEED)
        }
        "drop_arena 0.3" => {
            let arena = drop_arena_03::DropArena::new();
            map::workload(Map03(&arena), MAP_OPS, MAP_KEYS, SEED)
        }
        "Box (system)" => map::workload(map::Heap, MAP_OPS, MAP_KEYS, SEED),
        "Box (mimalloc)" => map::workload(Mimalloc, MAP_OPS, MAP_KEYS, SEED),
        "BTreeMap" => map::workload_btree(MAP_OPS, MAP_KEYS, SEED),
        _ => unreachable!("no owner {owner}"),
    }
}

/// The simplifier's workload with nodes owned by `owner`; `None` for
/// `BTreeMap`, which has nothing to do with expressions.
pub fn simplifier(owner: &str) -> Option<u64> {
    Some(match owner {
        "DropArena" => {
            make_arena!(arena);
            expr::workload(&expr::Arena(arena), EXPR_TREES, EXPR_DEPTH, SEED)
        }
        "drop_arena 0.3" => {
            let arena = drop_arena_03::DropArena::new();
            expr::workload(&Expr03(&arena), EXPR_TREES, EXPR_DEPTH, SEED)
        }
        "Box (system)" => expr::workload(&expr::Heap, EXPR_TREES, EXPR_DEPTH, SEED),
        "Box (mimalloc)" => expr::workload(&Mimalloc, EXPR_TREES, EXPR_DEPTH, SEED),
        _ => return None,
    })
}

/// Map nodes in a drop_arena 0.3 arena (0.3 has no brand).
pub struct Map03<'a>(&'a drop_arena_03::DropArena<'a, map::Node<u64, u64, Map03<'a>>>);

impl<'a> map::NodeAlloc<map::Node<u64, u64, Self>> for Map03<'a> {
    type Owned = drop_arena_03::DropBox<'a, map::Node<u64, u64, Self>>;

    #[inline]
    fn alloc(&self, node: map::Node<u64, u64, Self>) -> Self::Owned {
        self.0.alloc(node)
    }

    #[inline]
    fn free(&self, node: Self::Owned) -> map::Node<u64, u64, Self> {
        self.0.box_into_inner(node)
    }
}

/// Expression nodes in a drop_arena 0.3 arena.
pub struct Expr03<'a>(&'a drop_arena_03::DropArena<'a, expr::Expr<Expr03<'a>>>);

impl<'a> expr::NodeAlloc<expr::Expr<Self>> for Expr03<'a> {
    type Owned = drop_arena_03::DropBox<'a, expr::Expr<Self>>;

    #[inline]
    fn alloc(&self, node: expr::Expr<Self>) -> Self::Owned {
        self.0.alloc(node)
    }

    #[inline]
    fn free(&self, node: Self::Owned) -> expr::Expr<Self> {
        self.0.box_into_inner(node)
    }
}

/// Nodes in mimalloc boxes, whatever the global allocator.
pub struct Mimalloc;

impl<N> map::NodeAlloc<N> for Mimalloc {
    type Owned = MiBox<N>;

    #[inline]
    fn alloc(&self, node: N) -> MiBox<N> {
        MiBox::new(node)
    }

    #[inline]
    fn free(&self, node: MiBox<N>) -> N {
        MiBox::into_inner(node)
    }
}

impl<N> expr::NodeAlloc<N> for Mimalloc {
    type Owned = MiBox<N>;

    #[inline]
    fn alloc(&self, node: N) -> MiBox<N> {
        MiBox::new(node)
    }

    #[inline]
    fn free(&self, node: MiBox<N>) -> N {
        MiBox::into_inner(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_owner_computes_the_same_checksums() {
        let map: Vec<u64> = OWNERS.iter().map(|o| ordered_map(o)).collect();
        assert!(map.iter().all(|&c| c == map[0]), "{map:?}");
        let expr: Vec<u64> = OWNERS.iter().filter_map(|o| simplifier(o)).collect();
        assert_eq!(expr.len(), 4);
        assert!(expr.iter().all(|&c| c == expr[0]), "{expr:?}");
    }
}
