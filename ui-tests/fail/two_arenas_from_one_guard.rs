// Misuse: build two arenas by hand with `DropArena::new` from one
// `make_guard!` guard.
//
// Unsound because both arenas would carry the same brand, so either would
// accept the other's boxes and put foreign slots on its free list.
//
// Rejected because `Guard` is neither `Copy` nor `Clone` and `DropArena::new`
// takes it by value: "use of moved value" (E0382).
use drop_arena::{DropArena, make_guard};

fn main() {
    let (first, second);
    make_guard!(guard);
    first = DropArena::new(guard);
    second = DropArena::new(guard);
    let b = (&first).alloc(1u32);
    (&second).drop_box(b);
}
