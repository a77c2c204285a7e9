//! Binary trees, after the Benchmarks Game: a stretch tree, a long-lived tree
//! that stays up the whole time, and many short-lived trees of depths 4, 6,
//! ..., `max_depth`, each built, checked (its nodes counted) and torn down
//! node by node.
//!
//! A node holds its children through the peer's own handle type
//! ([`Peer::Ptr`]), so the same code builds `Box` trees, `DropBox` trees,
//! slab-key trees and bump-reference trees.

use super::{Peer, Pool, Tally};

/// The shallowest short-lived trees.
pub const MIN_DEPTH: u32 = 4;

/// A node: a leaf, or two children.
pub struct Node<'a, P: Peer> {
    kids: Option<(Tree<'a, P>, Tree<'a, P>)>,
}

/// A handle to the root node of a tree, as peer `P` hands them out.
pub type Tree<'a, P> = <P as Peer>::Ptr<'a, Node<'a, P>>;

/// Builds a perfect tree of `depth`: `2^(depth + 1) - 1` nodes.
pub fn build<'a, P, Q>(pool: &mut Q, depth: u32) -> Tree<'a, P>
where
    P: Peer,
    Q: Pool<Node<'a, P>, Handle = Tree<'a, P>>,
{
    let kids = if depth == 0 {
        None
    } else {
        Some((build(pool, depth - 1), build(pool, depth - 1)))
    };
    pool.alloc(Node { kids })
}

/// Counts the nodes of `tree`, visiting each.
pub fn check<'a, P, Q>(pool: &Q, tree: &Tree<'a, P>) -> u64
where
    P: Peer,
    Q: Pool<Node<'a, P>, Handle = Tree<'a, P>>,
{
    match &pool.get(tree).kids {
        None => 1,
        Some((left, right)) => 1 + check(pool, left) + check(pool, right),
    }
}

/// Gives every node of `tree` back, root first.
pub fn tear_down<'a, P, Q>(pool: &mut Q, tree: Tree<'a, P>)
where
    P: Peer,
    Q: Pool<Node<'a, P>, Handle = Tree<'a, P>>,
{
    if let Some((left, right)) = pool.take(tree).kids {
        tear_down(pool, left);
        tear_down(pool, right);
    }
}

/// Builds, checks and tears down one tree; returns its node count.
pub fn one_tree<'a, P, Q>(pool: &mut Q, depth: u32) -> u64
where
    P: Peer,
    Q: Pool<Node<'a, P>, Handle = Tree<'a, P>>,
{
    let tree = build(pool, depth);
    let nodes = check(pool, &tree);
    tear_down(pool, tree);
    nodes
}

/// Builds one tree and reads it (counts its nodes), for a caller that then
/// throws the tree away whole: returns the root and the node count.
pub fn build_and_check<'a, P, Q>(pool: &mut Q, depth: u32) -> (Tree<'a, P>, u64)
where
    P: Peer,
    Q: Pool<Node<'a, P>, Handle = Tree<'a, P>>,
{
    let tree = build(pool, depth);
    let nodes = check(pool, &tree);
    (tree, nodes)
}

/// The throwaway pattern: the short-lived trees of [`binary_trees`] (the
/// same depths and counts, no long-lived tree), each in a pool of its own
/// that `one(depth)` makes, fills with [`build_and_check`] and throws away
/// with the tree, as cheaply as the peer allows; returns the node count.
pub fn throwaway_trees(max_depth: u32, mut one: impl FnMut(u32) -> u64) -> Tally {
    let max_depth = max_depth.max(MIN_DEPTH + 2);
    let mut nodes = 0;
    for depth in (MIN_DEPTH..=max_depth).step_by(2) {
        for _ in 0..1u32 << (max_depth - depth + MIN_DEPTH) {
            nodes += one(depth);
        }
    }
    Tally {
        checksum: nodes,
        values: nodes,
    }
}

/// The whole benchmark. The long-lived tree lives in `long_lived`; each
/// short-lived tree is made by `short_lived(depth)`, which returns the node
/// count of [`one_tree`] on whatever pool the peer uses for them (the same
/// arena every time, or a reset bump arena).
pub fn binary_trees<'a, P, Q>(
    max_depth: u32,
    long_lived: &mut Q,
    mut short_lived: impl FnMut(u32) -> u64,
) -> Tally
where
    P: Peer,
    Q: Pool<Node<'a, P>, Handle = Tree<'a, P>>,
{
    let max_depth = max_depth.max(MIN_DEPTH + 2);
    let mut nodes = short_lived(max_depth + 1);
    let long = build(long_lived, max_depth);
    for depth in (MIN_DEPTH..=max_depth).step_by(2) {
        for _ in 0..1u32 << (max_depth - depth + MIN_DEPTH) {
            nodes += short_lived(depth);
        }
    }
    nodes += check(long_lived, &long);
    tear_down(long_lived, long);
    Tally {
        checksum: nodes,
        values: nodes,
    }
}
