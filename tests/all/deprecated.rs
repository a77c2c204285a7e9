//! The names kept from drop_arena 0.3 as deprecated forwarders still do what
//! their new names do. CHANGELOG.md's migration guide lists them.
#![allow(deprecated)]

use drop_arena::{DropArena, make_arena};

#[test]
fn box_into_inner_moves_the_value_out_and_reclaims_the_slot() {
    DropArena::with(|arena| {
        let b = arena.alloc(String::from("kept"));
        let slot = &*b as *const String;
        let s: String = arena.box_into_inner(b);
        assert_eq!(s, "kept");
        assert_eq!(arena.len(), 0);
        // The slot is reused, as after `box_to_inner`.
        let c = arena.alloc(String::from("next"));
        assert_eq!(&*c as *const String, slot);
        arena.drop_box(c);
    });
}

#[test]
fn box_into_inner_works_with_make_arena() {
    make_arena!(arena);
    let b = arena.alloc(vec![1, 2, 3]);
    assert_eq!(arena.box_into_inner(b), [1, 2, 3]);
    assert!(arena.is_empty());
}
