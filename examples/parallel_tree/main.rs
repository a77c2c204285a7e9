//! A binary tree built and taken apart in parallel with rayon, its nodes
//! allocated from one [`SyncDropArena`] and given back to it by whichever
//! thread frees them.
//!
//! ```text
//! cargo run --release --example parallel_tree
//! cargo test --example parallel_tree
//! ```
//!
//! `rayon::join` and `rayon::scope` wait for their tasks before they return,
//! so, as with `std::thread::scope`, the tasks may borrow the arena and own
//! its boxes, whose brand is not `'static`. The tasks reach the arena in two
//! ways:
//!
//! - the arena's own methods, `arena.alloc` and `arena.box_to_inner` (the
//!   default `std` feature), for the nodes near the root: a task may run on
//!   any thread of the pool, and the arena finds that thread's cache;
//! - a [`LocalHandle`] handle, made by a task that handles a whole subtree
//!   alone: it skips the thread-local lookup the arena's methods pay on each
//!   call, and gives its spare slots back when the task ends.
//!
//! A node can go back on any thread, whichever allocated it: the tests tear
//! a tree down on a pool that did not build it. Free slots flow back to the
//! threads that allocate, 64 at a time (see [`SyncDropArena`]).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use drop_arena::{DropBox, LocalHandle, SyncDropArena, make_sync_arena};

/// A node of a complete binary tree; its children live in the same arena.
struct Node<'id, V> {
    value: V,
    kids: Option<[Tree<'id, V>; 2]>,
}

type Tree<'id, V> = DropBox<'id, Node<'id, V>>;
type Arena<'id, V> = SyncDropArena<'id, Node<'id, V>>;

/// A subtree this many levels deep (2047 nodes) is one task's work: split
/// further, the tasks would cost more to schedule than they save.
const ONE_TASK: u32 = 10;

/// Builds a complete tree `depth` levels below its root, numbered from `n`
/// at the root (the children of `k` are `2k` and `2k + 1`), whose node `k`
/// holds `make(k)`.
fn build<'id, V: Send>(
    arena: &'id Arena<'id, V>,
    depth: u32,
    n: u64,
    make: &(impl Fn(u64) -> V + Sync),
) -> Tree<'id, V> {
    if depth <= ONE_TASK {
        return build_alone(&arena.local(), depth, n, make);
    }
    let (left, right) = rayon::join(
        || build(arena, depth - 1, 2 * n, make),
        || build(arena, depth - 1, 2 * n + 1, make),
    );
    let kids = Some([left, right]);
    arena.alloc(Node {
        value: make(n),
        kids,
    })
}

fn build_alone<'id, V>(
    local: &LocalHandle<'id, Node<'id, V>>,
    depth: u32,
    n: u64,
    make: &impl Fn(u64) -> V,
) -> Tree<'id, V> {
    let kids = (depth > 0).then(|| {
        let left = build_alone(local, depth - 1, 2 * n, make);
        [left, build_alone(local, depth - 1, 2 * n + 1, make)]
    });
    local.alloc(Node {
        value: make(n),
        kids,
    })
}

/// Gives every node of a tree from `build(arena, depth, ..)` back to the
/// arena, in parallel, and returns the sum of `weigh(value)` over the nodes.
fn take_apart<'id, V: Send>(
    arena: &'id Arena<'id, V>,
    tree: Tree<'id, V>,
    depth: u32,
    weigh: &(impl Fn(V) -> u64 + Sync),
) -> u64 {
    let total = AtomicU64::new(0);
    rayon::scope(|s| take_apart_in(s, arena, tree, depth, weigh, &total));
    total.into_inner()
}

/// `take_apart` as a task of `scope`: one task per node near the root, each
/// spawning one per child.
fn take_apart_in<'s, 'id: 's, V: Send + 's>(
    scope: &rayon::Scope<'s>,
    arena: &'id Arena<'id, V>,
    tree: Tree<'id, V>,
    depth: u32,
    weigh: &'s (impl Fn(V) -> u64 + Sync),
    total: &'s AtomicU64,
) {
    if depth <= ONE_TASK {
        total.fetch_add(take_apart_alone(&arena.local(), tree, weigh), Relaxed);
        return;
    }
    let Node { value, kids } = arena.box_to_inner(tree);
    total.fetch_add(weigh(value), Relaxed);
    for kid in kids.into_iter().flatten() {
        scope.spawn(move |s| take_apart_in(s, arena, kid, depth - 1, weigh, total));
    }
}

fn take_apart_alone<'id, V>(
    local: &LocalHandle<'id, Node<'id, V>>,
    tree: Tree<'id, V>,
    weigh: &impl Fn(V) -> u64,
) -> u64 {
    let Node { value, kids } = local.box_to_inner(tree);
    let below: u64 = kids
        .into_iter()
        .flatten()
        .map(|kid| take_apart_alone(local, kid, weigh))
        .sum();
    weigh(value) + below
}

fn main() {
    const DEPTH: u32 = 18;
    let nodes = (1u64 << (DEPTH + 1)) - 1;
    make_sync_arena!(arena);
    let tree = build(arena, DEPTH, 1, &|n| n);
    println!(
        "built {} nodes on {} threads, in {} MiB of chunks",
        arena.len(),
        rayon::current_num_threads(),
        arena.allocated_bytes() >> 20,
    );
    let sum = take_apart(arena, tree, DEPTH, &|n| n);
    assert_eq!(sum, nodes * (nodes + 1) / 2);
    println!(
        "took it apart: the numbers sum to {sum}; {} in use",
        arena.len()
    );
    assert!(arena.is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::thread::{self, ThreadId};

    /// Deep enough for eight one-task subtrees below seven shared nodes.
    const DEPTH: u32 = ONE_TASK + 3;
    const NODES: u64 = (1 << (DEPTH + 1)) - 1;

    /// The number of nodes below `node`, itself included, asserting that
    /// node `n` holds `n` and its children `2n` and `2n + 1`.
    fn count_checked(node: &Node<'_, u64>) -> u64 {
        let Some([left, right]) = &node.kids else {
            return 1;
        };
        assert_eq!(
            (left.value, right.value),
            (2 * node.value, 2 * node.value + 1)
        );
        1 + count_checked(left) + count_checked(right)
    }

    #[test]
    fn the_parallel_tree_is_the_sequential_one_and_every_slot_comes_back() {
        make_sync_arena!(arena);
        let tree = build(arena, DEPTH, 1, &|n| n);
        assert_eq!(count_checked(&tree), NODES);
        assert_eq!(arena.len() as u64, NODES);
        let sum = take_apart(arena, tree, DEPTH, &|n| n);
        assert_eq!(sum, (1..=NODES).sum());
        assert_eq!(arena.len(), 0);
    }

    struct Counted<'a>(u64, &'a AtomicUsize);

    impl Drop for Counted<'_> {
        fn drop(&mut self) {
            self.1.fetch_add(1, Relaxed);
        }
    }

    #[test]
    fn every_value_is_dropped_once_when_the_tree_is_taken_apart() {
        let drops = AtomicUsize::new(0);
        make_sync_arena!(arena);
        let tree = build(arena, DEPTH, 1, &|n| Counted(n, &drops));
        assert_eq!(drops.load(Relaxed), 0);
        let sum = take_apart(arena, tree, DEPTH, &|value| value.0);
        assert_eq!(drops.load(Relaxed) as u64, NODES);
        assert_eq!(sum, (1..=NODES).sum());
        assert!(arena.is_empty());
    }

    #[test]
    fn a_tree_built_on_one_pool_goes_back_from_another() {
        let pool = || rayon::ThreadPoolBuilder::new().num_threads(2).build();
        let (builders, breakers) = (pool().unwrap(), pool().unwrap());
        make_sync_arena!(arena);
        let tree = builders.install(|| build(arena, DEPTH, 1, &|_| thread::current().id()));
        let elsewhere = breakers.install(|| {
            take_apart(arena, tree, DEPTH, &|made_on: ThreadId| {
                u64::from(made_on != thread::current().id())
            })
        });
        assert_eq!(elsewhere, NODES, "every node went back on another thread");
        assert!(arena.is_empty());
    }
}
