// Must compile: a helper generic over one brand,
// `fn f<'id>(from: &'id DropArena<'id, T>, to: &'id DropArena<'id, T>, ...)`,
// called with the same arena twice, from both kinds of brand. Naming the brand
// in signatures is how code outside the closure or block works with an arena;
// only calling it with two different arenas is rejected
// (`ui-tests/fail/same_brand_helper_with_two_*.rs`).
use drop_arena::{DropArena, DropBox, make_arena};

fn recycle<'id, T>(
    from: &'id DropArena<'id, T>,
    to: &'id DropArena<'id, T>,
    b: DropBox<'id, T>,
    value: T,
) -> DropBox<'id, T> {
    from.drop_box(b);
    to.alloc(value)
}

fn main() {
    DropArena::with(|arena| {
        let old = arena.alloc(String::from("old"));
        let new = recycle(arena, arena, old, String::from("new"));
        assert_eq!(*new, "new");
        assert_eq!(arena.len(), 1);
    });

    make_arena!(arena);
    let old = arena.alloc(1u32);
    let new = recycle(arena, arena, old, 2);
    assert_eq!(*new, 2);
    assert_eq!(arena.len(), 1);
}
