// Misuse: smuggle a box out of `DropArena::with` behind a trait object, so
// that the result type no longer mentions the brand.
//
// Unsound for the same reason as returning the box itself: the arena's memory
// is freed when `with` returns, and the trait object would still point into it.
//
// Rejected because a trait object keeps a lifetime bound, `dyn Trait + '2`,
// and a `DropBox<'a, T>` only coerces to one whose bound `'a` outlives. The
// result type, bound included, is chosen outside the closure, so it cannot be
// the closure's brand: "lifetime may not live long enough ... returning this
// value requires that `'1` must outlive `'2`" (`'1` is the brand).
use std::ops::Deref;

use drop_arena::DropArena;

fn main() {
    let escaped = DropArena::with(|arena| -> Box<dyn Deref<Target = String>> {
        Box::new(arena.alloc(String::from("erased")))
    });
    println!("{}", **escaped);
}
