//! `DropBox::as_ptr`, `as_mut_ptr`, `into_raw` and `from_raw`, and an
//! intrusive structure built on them.

use crate::common::{Ledger, addr};
use drop_arena::{DropArena, DropBox, make_arena};

#[test]
fn as_ptr_and_as_mut_ptr_point_at_the_value() {
    DropArena::with(|arena| {
        let mut b = arena.alloc(10u32);
        assert_eq!(DropBox::as_ptr(&b) as usize, addr(&*b));
        let p = DropBox::as_mut_ptr(&mut b);
        // SAFETY: `p` points at the live value and `b` is not used meanwhile.
        unsafe { *p += 1 };
        assert_eq!(*b, 11);
        arena.drop_box(b);
    });
}

#[test]
fn into_raw_keeps_the_value_and_its_slot_until_from_raw() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let b = arena.alloc(ledger.track(5));
        let at = addr(&*b);
        let p = DropBox::into_raw(b);
        assert_eq!(p as usize, at);
        assert_eq!(ledger.drops_of(0), 0);
        assert_eq!(arena.len(), 1);
        // SAFETY: `p` came from `into_raw` on a box of this arena, once.
        let b = unsafe { DropBox::from_raw(p) };
        assert_eq!(b.value, 5);
        arena.drop_box(b);
        assert_eq!((ledger.drops_of(0), arena.len()), (1, 0));
        let next = arena.alloc(ledger.track(6));
        assert_eq!(addr(&*next), at, "the slot came back to the free list");
        arena.drop_box(next);
    });
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn a_raw_pointer_never_turned_back_leaks_the_value_and_its_slot() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let _ = DropBox::into_raw(arena.alloc(ledger.track(1)));
        assert_eq!(arena.len(), 1);
    });
    ledger.assert_all_dropped_once_except(&[0]);
}

#[test]
fn zero_sized_values_round_trip() {
    DropArena::with(|arena| {
        let p = DropBox::into_raw(arena.alloc(()));
        // SAFETY: `p` came from `into_raw` on a box of this arena, once.
        let b = unsafe { DropBox::from_raw(p) };
        arena.drop_box(b);
        assert_eq!(arena.len(), 0);
    });
}

/// A doubly linked list: `next` owns, `prev` is a raw back pointer.
struct Node<'id> {
    value: u32,
    prev: *mut Node<'id>,
    next: Option<DropBox<'id, Node<'id>>>,
}

#[test]
fn a_doubly_linked_list_with_raw_back_pointers() {
    make_arena!(arena);
    // Build 0 <-> 1 <-> 2 <-> 3 by pushing at the front.
    let mut head: Option<DropBox<'_, Node<'_>>> = None;
    for value in (0..4).rev() {
        let mut node = arena.alloc(Node {
            value,
            prev: std::ptr::null_mut(),
            next: head.take(),
        });
        let node_ptr = DropBox::as_mut_ptr(&mut node);
        if let Some(next) = node.next.as_mut() {
            next.prev = node_ptr;
        }
        head = Some(node);
    }
    // Walk to the tail through owning links, then back through raw ones.
    let mut tail: *const Node<'_> = DropBox::as_ptr(head.as_ref().unwrap());
    // SAFETY: every pointer followed points at a node the list still owns.
    unsafe {
        while let Some(next) = (*tail).next.as_ref() {
            tail = DropBox::as_ptr(next);
        }
        let mut backwards = Vec::new();
        let mut at = tail;
        while !at.is_null() {
            backwards.push((*at).value);
            at = (*at).prev;
        }
        assert_eq!(backwards, [3, 2, 1, 0]);
    }
    // Unlink the second node through raw pointers and give it back.
    let mut first = head.unwrap();
    let second = first.next.take().unwrap();
    let second_ptr = DropBox::into_raw(second);
    // SAFETY: `second_ptr` came from `into_raw` on a box of this arena, once.
    let mut second = unsafe { DropBox::from_raw(second_ptr) };
    let mut third = second.next.take().unwrap();
    third.prev = DropBox::as_mut_ptr(&mut first);
    first.next = Some(third);
    arena.drop_box(second);
    assert_eq!(arena.len(), 3);
    let mut values = Vec::new();
    let mut list = Some(first);
    while let Some(node) = list {
        let node = arena.box_to_inner(node);
        values.push(node.value);
        list = node.next;
    }
    assert_eq!(values, [0, 2, 3]);
    assert!(arena.is_empty());
}
