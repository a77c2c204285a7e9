// Misuse: a helper generic over one brand, `fn f<'id>(from: &'id DropArena<'id,
// T>, to: &'id DropArena<'id, T>, ...)`, called with two `make_arena!` arenas
// of the same scope, so that a box of one is reclaimed by the other.
//
// Unsound because `to` would put `from`'s slot on its free list (see the
// `*_from_foreign_make_arena` cases).
//
// Rejected because two `make_arena!` brands can never be one lifetime: each
// must last until its own guard is dropped and end before its own hidden
// `branded_place` is, and the two guards die at different points. The compiler
// says "temporary value dropped while borrowed ... when `lifetime_brand` is
// dropped" (E0716) at `make_arena!(second)`: the "temporary value" is the
// macro's hidden place, `lifetime_brand` the first guard.
use drop_arena::{DropArena, DropBox, make_arena};

fn move_between<'id, T>(
    from: &'id DropArena<'id, T>,
    to: &'id DropArena<'id, T>,
    b: DropBox<'id, T>,
) {
    let _ = from;
    to.drop_box(b);
}

fn main() {
    make_arena!(first);
    make_arena!(second);
    let b = first.alloc(1u32);
    move_between(first, second, b);
}
