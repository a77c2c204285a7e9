// Misuse: inside a nested `DropArena::with`, hand a box made by the INNER
// arena to the OUTER arena's `box_to_inner`.
//
// Unsound because `box_to_inner` moves the value out and puts its slot on the
// free list: the outer arena's free list would point into the inner arena's
// memory, which is freed when the inner closure returns. The outer arena's
// next `alloc` would write a value into freed memory and hand out a box to it.
//
// Rejected by the brand: `box_to_inner` takes only `DropBox<'outer, T>`, and
// `'inner` (a brand the inner closure must accept in any form) cannot be made
// equal to `'outer`. The compiler says the brand "escapes the closure body"
// (E0521): at the call, and at the `alloc` whose brand it would have to
// stretch.
use drop_arena::DropArena;

fn main() {
    DropArena::with(|outer| {
        let _own = outer.alloc(String::from("outer"));
        DropArena::with(|inner| {
            let b = inner.alloc(String::from("inner"));
            let _value: String = outer.box_to_inner(b);
        });
    });
}
