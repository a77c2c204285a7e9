// Misuse: turn a raw pointer back into a box without `unsafe`, e.g. to give
// it to an arena.
//
// Unsound because nothing ties a `*mut T` to an arena: the pointer may come
// from another arena (whose slot would land on this arena's free list), from
// a box that was already given back, or from anywhere at all. The brand that
// proved where a box came from is gone once it is a raw pointer.
//
// Rejected because `DropBox::from_raw` is an `unsafe fn` whose contract asks
// the caller to prove exactly that: "call to unsafe function ... is unsafe
// and requires unsafe block" (E0133).
use drop_arena::{DropArena, DropBox};

fn main() {
    DropArena::with(|arena| {
        let p = DropBox::into_raw(arena.alloc(1u32));
        arena.drop_box(DropBox::from_raw(p));
    });
}
