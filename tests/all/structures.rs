//! Self-referential structures in make_arena! arenas: a linked list, a search tree, an expression folder.

use std::collections::{BTreeSet, HashSet};

use crate::common::{Rng, addr};
use drop_arena::{DropArena, DropBox, make_arena};

struct Cell<'id> {
    value: u64,
    next: List<'id>,
}

type List<'id> = Option<DropBox<'id, Cell<'id>>>;

fn push_all<'id>(
    arena: &'id DropArena<'id, Cell<'id>>,
    values: impl Iterator<Item = u64>,
) -> List<'id> {
    let mut list = None;
    for value in values {
        list = Some(arena.alloc(Cell { value, next: list }));
    }
    list
}

fn addrs_of(mut list: &List<'_>) -> Vec<usize> {
    let mut out = Vec::new();
    while let Some(cell) = list {
        out.push(addr(&**cell));
        list = &cell.next;
    }
    out
}

fn values_of(mut list: &List<'_>) -> Vec<u64> {
    let mut out = Vec::new();
    while let Some(cell) = list {
        out.push(cell.value);
        list = &cell.next;
    }
    out
}

/// Reverses by relinking the boxes: no value moves, no slot changes.
fn reverse<'id>(mut list: List<'id>) -> List<'id> {
    let mut reversed = None;
    while let Some(mut cell) = list {
        list = cell.next.take();
        cell.next = reversed;
        reversed = Some(cell);
    }
    reversed
}

/// Gives every cell back to the arena, iteratively (a recursive drop of a
/// long list could overflow the stack), returning the sum of the values.
fn tear_down<'id>(arena: &'id DropArena<'id, Cell<'id>>, mut list: List<'id>) -> u64 {
    let mut sum = 0;
    while let Some(cell) = list {
        let Cell { value, next } = arena.box_to_inner(cell);
        sum += value;
        list = next;
    }
    sum
}

#[test]
fn a_linked_list_is_built_reversed_and_torn_down() {
    const N: u64 = 10_000;
    make_arena!(arena);
    let list = push_all(arena, 0..N);
    assert_eq!(arena.len(), N as usize);
    assert_eq!(values_of(&list), (0..N).rev().collect::<Vec<_>>());
    let addrs = addrs_of(&list);
    assert_eq!(addrs.iter().collect::<HashSet<_>>().len(), N as usize);

    let list = reverse(list);
    assert_eq!(values_of(&list), (0..N).collect::<Vec<_>>());
    let mut reversed_addrs = addrs_of(&list);
    reversed_addrs.reverse();
    assert_eq!(reversed_addrs, addrs, "relinking moved a value");

    let capacity = arena.capacity();
    assert_eq!(tear_down(arena, list), N * (N - 1) / 2);
    assert!(arena.is_empty());

    // A second list lives in exactly the first one's slots.
    let again = push_all(arena, 0..N);
    assert_eq!(arena.capacity(), capacity);
    let again_addrs: HashSet<usize> = addrs_of(&again).into_iter().collect();
    assert_eq!(again_addrs, addrs.into_iter().collect());
    tear_down(arena, again);
}

struct Node<'id> {
    key: u32,
    left: Tree<'id>,
    right: Tree<'id>,
}

type Tree<'id> = Option<DropBox<'id, Node<'id>>>;

fn insert<'id>(arena: &'id DropArena<'id, Node<'id>>, tree: &mut Tree<'id>, key: u32) -> bool {
    match tree {
        None => {
            *tree = Some(arena.alloc(Node {
                key,
                left: None,
                right: None,
            }));
            true
        }
        Some(node) if key < node.key => insert(arena, &mut node.left, key),
        Some(node) if key > node.key => insert(arena, &mut node.right, key),
        Some(_) => false,
    }
}

/// Detaches the smallest node of a non-empty tree.
fn pop_min<'id>(tree: &mut Tree<'id>) -> DropBox<'id, Node<'id>> {
    let node = tree.as_mut().expect("pop_min of an empty tree");
    if node.left.is_some() {
        return pop_min(&mut node.left);
    }
    let mut min = tree.take().unwrap();
    *tree = min.right.take();
    min
}

fn remove<'id>(arena: &'id DropArena<'id, Node<'id>>, tree: &mut Tree<'id>, key: u32) -> bool {
    let Some(node) = tree else { return false };
    if key < node.key {
        return remove(arena, &mut node.left, key);
    }
    if key > node.key {
        return remove(arena, &mut node.right, key);
    }
    let Node { left, right, .. } = arena.box_to_inner(tree.take().unwrap());
    *tree = match (left, right) {
        (None, only) | (only, None) => only,
        (left, mut right) => {
            let mut successor = pop_min(&mut right);
            successor.left = left;
            successor.right = right;
            Some(successor)
        }
    };
    true
}

fn in_order(tree: &Tree<'_>, out: &mut Vec<u32>) {
    if let Some(node) = tree {
        in_order(&node.left, out);
        out.push(node.key);
        in_order(&node.right, out);
    }
}

fn tear_down_tree<'id>(arena: &'id DropArena<'id, Node<'id>>, tree: Tree<'id>) -> usize {
    let Some(node) = tree else { return 0 };
    let Node { left, right, .. } = arena.box_to_inner(node);
    1 + tear_down_tree(arena, left) + tear_down_tree(arena, right)
}

#[test]
fn a_search_tree_is_built_checked_pruned_and_torn_down() {
    make_arena!(arena);
    let mut rng = Rng::new(3);
    let mut reused_rounds = 0;
    for round in 0..5 {
        let capacity = arena.capacity();
        let mut tree = None;
        let mut expected = BTreeSet::new();
        for _ in 0..2000 {
            let key = rng.below(5000) as u32;
            assert_eq!(insert(arena, &mut tree, key), expected.insert(key));
        }
        assert_eq!(arena.len(), expected.len());
        let peak = expected.len();
        for _ in 0..1000 {
            let key = rng.below(5000) as u32;
            assert_eq!(remove(arena, &mut tree, key), expected.remove(&key));
        }
        assert_eq!(arena.len(), expected.len());
        let mut keys = Vec::new();
        in_order(&tree, &mut keys);
        assert_eq!(keys, expected.iter().copied().collect::<Vec<_>>());
        assert_eq!(tear_down_tree(arena, tree), expected.len());
        assert!(arena.is_empty());
        // A round that fits in the earlier rounds' slots reuses them.
        if peak <= capacity {
            assert_eq!(arena.capacity(), capacity, "round {round} grew");
            reused_rounds += 1;
        }
    }
    assert!(
        reused_rounds >= 3,
        "too few rounds fit: the test proves little"
    );
}

enum Expr<'id> {
    Num(i64),
    Add(DropBox<'id, Expr<'id>>, DropBox<'id, Expr<'id>>),
    Mul(DropBox<'id, Expr<'id>>, DropBox<'id, Expr<'id>>),
    Neg(DropBox<'id, Expr<'id>>),
}

fn random_expr<'id>(
    arena: &'id DropArena<'id, Expr<'id>>,
    rng: &mut Rng,
    depth: u32,
) -> DropBox<'id, Expr<'id>> {
    if depth == 0 || rng.below(4) == 0 {
        return arena.alloc(Expr::Num(rng.below(21) as i64 - 10));
    }
    match rng.below(3) {
        0 => {
            let (l, r) = (
                random_expr(arena, rng, depth - 1),
                random_expr(arena, rng, depth - 1),
            );
            arena.alloc(Expr::Add(l, r))
        }
        1 => {
            let (l, r) = (
                random_expr(arena, rng, depth - 1),
                random_expr(arena, rng, depth - 1),
            );
            arena.alloc(Expr::Mul(l, r))
        }
        _ => {
            let inner = random_expr(arena, rng, depth - 1);
            arena.alloc(Expr::Neg(inner))
        }
    }
}

fn eval(expr: &Expr<'_>) -> i64 {
    match expr {
        Expr::Num(n) => *n,
        Expr::Add(l, r) => eval(l).wrapping_add(eval(r)),
        Expr::Mul(l, r) => eval(l).wrapping_mul(eval(r)),
        Expr::Neg(e) => eval(e).wrapping_neg(),
    }
}

fn size(expr: &Expr<'_>) -> usize {
    match expr {
        Expr::Num(_) => 1,
        Expr::Add(l, r) | Expr::Mul(l, r) => 1 + size(l) + size(r),
        Expr::Neg(e) => 1 + size(e),
    }
}

/// Folds the tree to one number, giving back each node as it goes and
/// allocating each intermediate result into the slot just freed.
fn fold<'id>(
    arena: &'id DropArena<'id, Expr<'id>>,
    expr: DropBox<'id, Expr<'id>>,
) -> DropBox<'id, Expr<'id>> {
    let (at, leaf) = (addr(&*expr), matches!(*expr, Expr::Num(_)));
    let value = match arena.box_to_inner(expr) {
        Expr::Num(n) => n,
        Expr::Add(l, r) => num(arena, fold(arena, l)).wrapping_add(num(arena, fold(arena, r))),
        Expr::Mul(l, r) => num(arena, fold(arena, l)).wrapping_mul(num(arena, fold(arena, r))),
        Expr::Neg(e) => num(arena, fold(arena, e)).wrapping_neg(),
    };
    let result = arena.alloc(Expr::Num(value));
    if leaf {
        assert_eq!(addr(&*result), at, "a leaf's result did not reuse its slot");
    }
    result
}

fn num<'id>(arena: &'id DropArena<'id, Expr<'id>>, folded: DropBox<'id, Expr<'id>>) -> i64 {
    match arena.box_to_inner(folded) {
        Expr::Num(n) => n,
        _ => unreachable!("fold returns a number"),
    }
}

#[test]
fn an_expression_tree_folds_to_its_value_in_place() {
    make_arena!(arena);
    let mut rng = Rng::new(5);
    for _ in 0..50 {
        let expr = random_expr(arena, &mut rng, 12);
        let expected = eval(&expr);
        assert_eq!(arena.len(), size(&expr));
        let capacity = arena.capacity();
        let folded = fold(arena, expr);
        assert_eq!(num(arena, folded), expected);
        assert!(arena.is_empty());
        assert_eq!(
            arena.capacity(),
            capacity,
            "folding needed more than the tree's slots"
        );
    }
}

/// A graph node: edges are plain shared references into the arena, which
/// leaking makes possible (a leaked node lives as long as the brand). The
/// edges are inline so that leaking a vertex leaks no heap memory.
struct Vertex<'id> {
    id: usize,
    edges: [std::cell::Cell<Option<&'id Vertex<'id>>>; 2],
}

#[test]
fn a_cyclic_graph_of_leaked_vertices() {
    make_arena!(arena);
    let vertices: Vec<&Vertex<'_>> = (0..200)
        .map(|id| {
            let vertex = Vertex {
                id,
                edges: Default::default(),
            };
            &*DropBox::leak(arena.alloc(vertex))
        })
        .collect();
    // A ring through all vertices plus random chords: full of cycles.
    let mut rng = Rng::new(8);
    for (i, v) in vertices.iter().enumerate() {
        v.edges[0].set(Some(vertices[(i + 1) % vertices.len()]));
        v.edges[1].set(Some(vertices[rng.below(vertices.len())]));
    }
    // Everything is reachable from any vertex, following the references.
    let mut seen = HashSet::from([vertices[17].id]);
    let mut stack = vec![vertices[17]];
    while let Some(v) = stack.pop() {
        for next in v.edges.iter().filter_map(std::cell::Cell::get) {
            if seen.insert(next.id) {
                stack.push(next);
            }
        }
    }
    assert_eq!(seen.len(), vertices.len());
    for (i, v) in vertices.iter().enumerate() {
        assert_eq!(v.id, i);
    }
    // Leaked vertices keep their slots until the arena ends.
    assert_eq!(arena.len(), vertices.len());
}
