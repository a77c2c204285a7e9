//! `try_alloc_with`: fallible construction that leaves no trace on failure.

use crate::common::{Ledger, addr, assert_expected_panic, expected_panic};
use drop_arena::{DropArena, make_arena};

#[test]
fn ok_allocates_the_value() {
    DropArena::with(|arena| {
        let b = arena
            .try_alloc_with(|| Ok::<_, ()>(String::from("built")))
            .unwrap();
        assert_eq!(*b, "built");
        assert_eq!(arena.len(), 1);
        arena.drop_box(b);
    });
}

#[test]
fn err_is_returned_and_the_arena_is_as_if_the_call_never_happened() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        // A new arena: nothing allocated, so an error must not allocate.
        let err = arena.try_alloc_with(|| Err::<u64, _>(ledger.track(7)));
        assert_eq!(err.map(|_| ()).unwrap_err().value, 7);
        assert_eq!(
            (arena.len(), arena.capacity(), arena.allocated_bytes()),
            (0, 0, 0)
        );

        // A full chunk: an error must not grow it.
        let mut boxes = vec![arena.alloc(0)];
        while arena.len() < arena.capacity() {
            boxes.push(arena.alloc(0));
        }
        let capacity = arena.capacity();
        assert!(arena.try_alloc_with(|| Err::<u64, _>("no")).is_err());
        assert_eq!((arena.len(), arena.capacity()), (capacity, capacity));

        // With a free slot on top: the next allocation still gets it.
        let top = boxes.pop().unwrap();
        let top_at = addr(&*top);
        arena.drop_box(top);
        assert!(arena.try_alloc_with(|| Err::<u64, _>("no")).is_err());
        let next = arena.alloc(1);
        assert_eq!(addr(&*next), top_at);
        assert_eq!(arena.len(), capacity);
    });
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn a_panic_leaves_the_arena_as_it_was() {
    DropArena::with(|arena| {
        let kept = arena.alloc(1u64);
        let freed = arena.alloc(2u64);
        let freed_at = addr(&*freed);
        arena.drop_box(freed);
        let (len, capacity) = (arena.len(), arena.capacity());
        assert_expected_panic(|| {
            let _ = arena.try_alloc_with(|| -> Result<u64, ()> { expected_panic() });
        });
        assert_eq!((arena.len(), arena.capacity()), (len, capacity));
        let next = arena.alloc(3);
        assert_eq!(addr(&*next), freed_at);
        arena.drop_box(next);
        arena.drop_box(kept);
    });
}

#[test]
fn the_closure_may_use_the_arena() {
    struct Node<'id> {
        value: u32,
        child: Option<drop_arena::DropBox<'id, Node<'id>>>,
    }
    make_arena!(arena);
    let parent = arena.try_alloc_with(|| {
        let scratch = arena.alloc(Node {
            value: 0,
            child: None,
        });
        arena.drop_box(scratch);
        let child = arena.try_alloc_with(|| {
            Ok::<_, ()>(Node {
                value: 2,
                child: None,
            })
        })?;
        Ok::<_, ()>(Node {
            value: 1,
            child: Some(child),
        })
    });
    let parent = parent.unwrap();
    assert_eq!(parent.value, 1);
    assert_eq!(parent.child.as_ref().unwrap().value, 2);
    assert_eq!(arena.len(), 2);

    // An error after the closure allocated: what it allocated stays.
    let failed = arena.try_alloc_with(|| {
        let orphan = arena.alloc(Node {
            value: 3,
            child: None,
        });
        drop_arena::DropBox::leak(orphan).value += 1;
        Err::<Node<'_>, _>("gave up")
    });
    assert_eq!(failed.map(|_| ()).unwrap_err(), "gave up");
    assert_eq!(arena.len(), 3);
    let mut parent = arena.box_to_inner(parent);
    arena.drop_box(parent.child.take().unwrap());
    assert_eq!(arena.len(), 1);
}
