// Misuse: call `DropArena::with` in a loop and carry a box from one round to
// the next, reclaiming it in the next round's arena (both arenas have the same
// type and are made by the same line of code).
//
// Unsound because each round's arena is dropped at the end of its round: the
// next arena would put a slot of freed memory on its free list and hand it
// out again.
//
// Rejected because each round's closure must accept any brand, so a box
// stored in `carried`, declared outside the closure, would need a brand chosen
// outside it: "borrowed data escapes outside of closure" (E0521). A brand
// belongs to one run of `with`, not to the line of code that calls it.
use drop_arena::DropArena;

fn main() {
    let mut carried = None;
    for round in 0..2 {
        DropArena::with(|arena| {
            if let Some(b) = carried.take() {
                arena.drop_box(b);
            }
            carried = Some(arena.alloc(format!("round {round}")));
        });
    }
}
