// Misuse: build an arena by hand with `DropArena::new`, allocate, then move
// the arena (to return it, or put it in a struct).
//
// Unsound in general because a box must not outlive the memory it points
// into: the boxes would keep pointing at the old place, and the arena could be
// dropped (freeing its chunks) while they live.
//
// Rejected because `alloc` takes `&'id self`: the first allocation borrows the
// storage for the whole brand, so it cannot be moved afterwards: "cannot move
// out of `storage` because it is borrowed" (E0505). Move it before the first
// allocation, into a place declared before the guard.
use drop_arena::{DropArena, make_guard};

fn main() {
    let storage;
    make_guard!(guard);
    storage = DropArena::new(guard);
    let b = (&storage).alloc(String::from("in the old place"));
    let moved = storage;
    println!("{} {:?}", *b, moved);
}
