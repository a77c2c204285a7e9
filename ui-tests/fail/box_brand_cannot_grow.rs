// Misuse: a helper that lengthens a box's brand, e.g. to hand an inner arena's
// box to an outer arena.
//
// Unsound because the outer arena would put the inner arena's slot on its free
// list, and reuse it after the inner arena has freed its memory.
//
// Rejected because `DropBox<'id, T>` is invariant in `'id`: "lifetime may not
// live long enough", with a note naming the invariance.
use drop_arena::DropBox;

fn grow<'short, 'long: 'short, T>(b: DropBox<'short, T>) -> DropBox<'long, T> {
    b
}

fn main() {}
