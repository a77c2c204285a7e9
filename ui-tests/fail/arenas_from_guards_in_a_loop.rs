// Misuse: make a guard in each iteration of a loop and collect the arenas in
// one `Vec`, hoping each iteration's `make_guard!` gives a distinct brand.
//
// Unsound because a `Vec` holds one type, so all the arenas in it would share
// one brand and accept each other's boxes.
//
// Rejected because the brand borrows the guard's hidden place, which dies at
// the end of each iteration, while the `Vec` (whose type names the brand) is
// used after the loop: "temporary value dropped while borrowed" (E0716) at
// `make_guard!`, "borrow later used here" at the use after the loop.
use drop_arena::{DropArena, make_guard};

fn main() {
    let mut arenas = Vec::new();
    for _ in 0..2 {
        make_guard!(guard);
        arenas.push(DropArena::new(guard));
    }
    let b = arenas[0].alloc(1u32);
    arenas[1].drop_box(b);
}
