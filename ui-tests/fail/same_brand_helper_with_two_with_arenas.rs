// Misuse: a helper generic over one brand, `fn f<'id>(from: &'id DropArena<'id,
// T>, to: &'id DropArena<'id, T>, ...)`, called with two different arenas from
// nested `DropArena::with` calls, so that a box of one is reclaimed by the
// other.
//
// Unsound because `to` would put `from`'s slot on its free list (see the
// `*_from_foreign_arena_with_*` cases).
//
// Rejected because the helper needs both brands to be one lifetime, and each
// closure must work for *any* brand, so neither may assume the other's: the
// compiler reports "borrowed data escapes outside of closure" (E0521) for each.
// Such a helper is fine, and useful, when called with one arena twice.
use drop_arena::{DropArena, DropBox};

fn move_between<'id, T>(
    from: &'id DropArena<'id, T>,
    to: &'id DropArena<'id, T>,
    b: DropBox<'id, T>,
) {
    let _ = from;
    to.drop_box(b);
}

fn main() {
    DropArena::with(|first| {
        DropArena::with(|second| {
            let b = first.alloc(1u32);
            move_between(first, second, b);
        });
    });
}
