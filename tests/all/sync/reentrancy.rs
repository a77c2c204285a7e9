//! Constructors and destructors that allocate from and reclaim into the
//! `SyncDropArena` that is running them, through handles.

use drop_arena::{DropBox, LocalHandle, SyncDropArena, make_sync_arena};

#[test]
fn a_constructor_may_use_its_own_handle() {
    SyncDropArena::with(|arena| {
        let local = arena.local();
        let kept = local.alloc(1u64);
        let b = local.alloc_with(|| {
            // Allocate and reclaim through the handle that is allocating.
            let inner = local.alloc(2);
            let value = *inner + *kept;
            local.drop_box(inner);
            let parsed = local.try_alloc_with(|| Ok::<_, ()>(value)).unwrap();
            local.box_to_inner(parsed)
        });
        assert_eq!(*b, 3);
        assert_ne!(DropBox::as_ptr(&b), DropBox::as_ptr(&kept));
        assert_eq!(arena.len(), 2);
        local.drop_box(b);
        local.drop_box(kept);
        assert_eq!(arena.len(), 0);
    });
}

/// A node whose destructor gives its children back to the arena itself,
/// through a new handle: reentrancy from inside `drop_box`.
struct Tree<'id> {
    arena: &'id SyncDropArena<'id, Tree<'id>>,
    children: Vec<DropBox<'id, Tree<'id>>>,
}

impl Drop for Tree<'_> {
    fn drop(&mut self) {
        let local = self.arena.local();
        for child in self.children.drain(..) {
            local.drop_box(child);
        }
    }
}

#[test]
fn a_destructor_may_reclaim_into_the_arena_that_runs_it() {
    make_sync_arena!(arena);
    let local: LocalHandle<'_, Tree<'_>> = arena.local();
    let leaves = (0..3)
        .map(|_| {
            local.alloc(Tree {
                arena,
                children: Vec::new(),
            })
        })
        .collect();
    let root = local.alloc(Tree {
        arena,
        children: leaves,
    });
    assert_eq!(arena.len(), 4);
    local.drop_box(root);
    assert_eq!(arena.len(), 0);
}
