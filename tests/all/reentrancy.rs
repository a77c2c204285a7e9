//! Constructors and destructors that allocate from and free into the arena that is running them.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use crate::common::{self, Ledger, Tracked, addr};
use drop_arena::{DropArena, DropBox, make_arena};

/// A value that knows its arena, so its destructor can use it.
struct Node<'id> {
    arena: &'id DropArena<'id, Node<'id>>,
    tracked: Tracked<'id>,
    /// Temporaries to allocate and free while this node is dropped.
    churn_on_drop: usize,
    /// Children, given back to the arena (not just dropped) by `drop`.
    children: Vec<DropBox<'id, Node<'id>>>,
    /// Room to reserve while this node is dropped.
    reserve_on_drop: usize,
}

impl<'id> Node<'id> {
    fn new(arena: &'id DropArena<'id, Node<'id>>, ledger: &'id Ledger, value: u64) -> Self {
        Node {
            arena,
            tracked: ledger.track(value),
            churn_on_drop: 0,
            children: Vec::new(),
            reserve_on_drop: 0,
        }
    }
}

impl Drop for Node<'_> {
    fn drop(&mut self) {
        let ledger = self.tracked.ledger;
        let temps: Vec<_> = (0..self.churn_on_drop)
            .map(|i| {
                self.arena
                    .alloc(Node::new(self.arena, ledger, 1000 + i as u64))
            })
            .collect();
        let me = addr(self);
        let mut seen = HashSet::from([me]);
        for t in &temps {
            assert!(seen.insert(addr(&**t)), "a temporary shares a live slot");
        }
        for t in temps {
            self.arena.drop_box(t);
        }
        for child in self.children.drain(..) {
            self.arena.drop_box(child);
        }
        self.arena.reserve(self.reserve_on_drop);
    }
}

#[test]
fn alloc_with_closure_allocates_and_frees_in_the_same_arena() {
    let ledger = Ledger::new();
    make_arena!(arena);
    let (freed_at, kept_at) = (Cell::new(0), Cell::new(0));
    let parent = arena.alloc_with(|| {
        let kept = arena.alloc(Node::new(arena, &ledger, 1));
        let freed = arena.alloc(Node::new(arena, &ledger, 2));
        freed_at.set(addr(&*freed));
        kept_at.set(addr(&*kept));
        arena.drop_box(freed);
        let mut parent = Node::new(arena, &ledger, 0);
        parent.children.push(kept);
        parent
    });
    assert_eq!(arena.len(), 2);
    let parent_at = addr(&*parent);
    assert_ne!(parent_at, kept_at.get());
    assert_ne!(parent_at, freed_at.get());
    assert_eq!(parent.tracked.value, 0);
    assert_eq!(parent.children[0].tracked.value, 1);
    assert_eq!(addr(&*parent.children[0]), kept_at.get());

    // The slot freed inside the constructor is the next one handed out.
    let next = arena.alloc(Node::new(arena, &ledger, 3));
    assert_eq!(addr(&*next), freed_at.get());
    arena.drop_box(next);
    arena.drop_box(parent);
    assert!(arena.is_empty());
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn alloc_with_in_a_plain_with_scope_may_use_the_arena() {
    DropArena::with(|arena| {
        let inner_at = Cell::new(0);
        let outer = arena.alloc_with(|| {
            let inner = arena.alloc(10u64);
            inner_at.set(addr(&*inner));
            arena.box_to_inner(inner) + 1
        });
        assert_eq!(*outer, 11);
        assert_ne!(addr(&*outer), inner_at.get());
        assert_eq!(arena.len(), 1);
        let next = arena.alloc(0);
        assert_eq!(addr(&*next), inner_at.get());
        arena.drop_box(next);
        arena.drop_box(outer);
    });
}

/// Builds a full binary tree of `depth` levels, every node inside the
/// constructor of its parent.
fn build<'id>(
    arena: &'id DropArena<'id, Node<'id>>,
    ledger: &'id Ledger,
    depth: u32,
) -> DropBox<'id, Node<'id>> {
    arena.alloc_with(|| {
        let mut node = Node::new(arena, ledger, u64::from(depth));
        if depth > 0 {
            node.children.push(build(arena, ledger, depth - 1));
            node.children.push(build(arena, ledger, depth - 1));
        }
        node
    })
}

fn collect_addrs(node: &Node<'_>, depth: u32, out: &mut Vec<usize>) {
    assert_eq!(node.tracked.value, u64::from(depth));
    out.push(addr(node));
    for child in &node.children {
        collect_addrs(child, depth - 1, out);
    }
}

#[test]
fn nested_alloc_with_gives_every_node_its_own_slot() {
    let ledger = Ledger::new();
    make_arena!(arena);
    let depth = 9;
    let root = build(arena, &ledger, depth);
    let nodes = (1 << (depth + 1)) - 1;
    assert_eq!(arena.len(), nodes);
    let mut addrs = Vec::new();
    collect_addrs(&root, depth, &mut addrs);
    assert_eq!(addrs.len(), nodes);
    assert_eq!(addrs.iter().collect::<HashSet<_>>().len(), nodes);

    // The destructors give every child back: a second tree fits in the
    // same memory.
    let capacity = arena.capacity();
    arena.drop_box(root);
    assert!(arena.is_empty());
    let again = build(arena, &ledger, depth);
    assert_eq!(arena.capacity(), capacity);
    arena.drop_box(again);
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn a_destructor_allocates_and_frees_during_drop_box() {
    let ledger = Ledger::new();
    make_arena!(arena);
    let anchor = arena.alloc(Node::new(arena, &ledger, 0));
    let mut churner = Node::new(arena, &ledger, 1);
    churner.churn_on_drop = 5;
    let churner = arena.alloc(churner);
    let churner_at = addr(&*churner);
    let len = arena.len();
    arena.drop_box(churner);
    assert_eq!(arena.len(), len - 1);
    // The churner's own slot went back last, so it comes out first.
    let next = arena.alloc(Node::new(arena, &ledger, 2));
    assert_eq!(addr(&*next), churner_at);
    assert_ne!(addr(&*next), addr(&*anchor));
    arena.drop_box(next);
    arena.drop_box(anchor);
    assert!(arena.is_empty());
    // Five temporaries, the churner, the anchor and `next`.
    assert_eq!(ledger.made(), 8);
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn a_plain_drop_may_free_children_into_the_arena() {
    let ledger = Ledger::new();
    make_arena!(arena);
    let mut parent = Node::new(arena, &ledger, 0);
    for i in 1..=3 {
        let mut child = Node::new(arena, &ledger, i);
        child.churn_on_drop = 2;
        parent.children.push(arena.alloc(child));
    }
    let parent = arena.alloc(parent);
    assert_eq!(arena.len(), 4);
    drop(parent);
    // The children were given back; only the parent's slot stays in use.
    assert_eq!(arena.len(), 1);
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn random_reentrant_churn_keeps_live_boxes_distinct_and_intact() {
    let ledger = Ledger::new();
    make_arena!(arena);
    let live: RefCell<Vec<DropBox<'_, Node<'_>>>> = RefCell::new(Vec::new());
    let mut rng = common::Rng::new(7);
    for value in 1..=3000u64 {
        match rng.below(4) {
            0 => {
                let churn = rng.below(4);
                // The constructor frees one live box and makes a child.
                let b = arena.alloc_with(|| {
                    let victim = {
                        let mut live = live.borrow_mut();
                        let n = live.len();
                        (n > 0).then(|| live.swap_remove(value as usize % n))
                    };
                    if let Some(victim) = victim {
                        arena.drop_box(victim);
                    }
                    let mut node = Node::new(arena, &ledger, value);
                    node.churn_on_drop = churn;
                    node.children
                        .push(arena.alloc(Node::new(arena, &ledger, value)));
                    node
                });
                live.borrow_mut().push(b);
            }
            1 | 2 => {
                let mut node = Node::new(arena, &ledger, value);
                node.churn_on_drop = rng.below(3);
                live.borrow_mut().push(arena.alloc(node));
            }
            _ => {
                let victim = {
                    let mut live = live.borrow_mut();
                    let n = live.len();
                    (n > 0).then(|| live.swap_remove(rng.below(n)))
                };
                if let Some(victim) = victim {
                    arena.drop_box(victim);
                }
            }
        }
        let live = live.borrow();
        let mut seen = HashSet::new();
        for b in live.iter() {
            assert!(seen.insert(addr(&**b)), "two live boxes share a slot");
            for child in &b.children {
                assert!(seen.insert(addr(&**child)), "a child shares a slot");
                assert_eq!(child.tracked.value, b.tracked.value);
            }
        }
        assert_eq!(arena.len(), seen.len());
    }
    for b in live.into_inner() {
        arena.drop_box(b);
    }
    assert!(arena.is_empty());
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn a_constructor_may_reserve() {
    DropArena::with(|arena| {
        let before = arena.alloc(1u64);
        let made = arena.alloc_with(|| {
            arena.reserve(2000);
            let temporary = arena.alloc(5);
            arena.box_to_inner(temporary) + 1
        });
        let capacity = arena.capacity();
        assert!(capacity - arena.len() >= 2000);
        let filler: Vec<_> = (0..2000).map(|_| arena.alloc(0)).collect();
        assert_eq!(arena.capacity(), capacity);
        assert_eq!((*before, *made), (1, 6));
        let addrs: HashSet<usize> = filler
            .iter()
            .chain([&before, &made])
            .map(|b| addr(&**b))
            .collect();
        assert_eq!(addrs.len(), 2002);
        for b in filler {
            arena.drop_box(b);
        }
        arena.drop_box(made);
        arena.drop_box(before);
    });
}

#[test]
fn a_destructor_may_reserve_and_its_slot_is_still_reused_first() {
    let ledger = Ledger::new();
    make_arena!(arena);
    let keep = arena.alloc(Node::new(arena, &ledger, 0));
    let mut reserving = Node::new(arena, &ledger, 1);
    reserving.reserve_on_drop = 1000;
    let reserving = arena.alloc(reserving);
    let at = addr(&*reserving);
    arena.drop_box(reserving);
    let capacity = arena.capacity();
    // The reserved room plus the slot the node gave back.
    assert!(capacity - arena.len() > 1000);
    let next = arena.alloc(Node::new(arena, &ledger, 2));
    assert_eq!(
        addr(&*next),
        at,
        "the destructor's reserve pushed its slot down"
    );
    let filler: Vec<_> = (0..1000)
        .map(|i| arena.alloc(Node::new(arena, &ledger, i)))
        .collect();
    assert_eq!(arena.capacity(), capacity);
    assert_eq!(keep.tracked.value, 0);
    for b in filler {
        arena.drop_box(b);
    }
    arena.drop_box(next);
    arena.drop_box(keep);
    ledger.assert_all_dropped_once_except(&[]);
}
