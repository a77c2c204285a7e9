// Misuse: mix the two kinds of brand: allocate from a `make_arena!` arena and
// reclaim the box in a `DropArena::with` arena of the same type.
//
// Unsound because the `with` arena would put a slot of the other arena on its
// free list (see the `*_from_foreign_*` cases).
//
// Rejected because the `with` closure must accept any brand, so it cannot
// assume its brand is the `make_arena!` one: "borrowed data escapes outside of
// closure" (E0521), plus "argument requires that borrow lasts for `'static`"
// (E0716) for the `make_arena!` side, whose hidden locals would have to
// outlive every possible brand.
use drop_arena::{DropArena, make_arena};

fn main() {
    make_arena!(outer);
    let b = outer.alloc(1u32);
    DropArena::with(|inner| {
        inner.drop_box(b);
    });
}
