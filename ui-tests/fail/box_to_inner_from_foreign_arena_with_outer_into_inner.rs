// Misuse: inside a nested `DropArena::with`, hand a box made by the OUTER
// arena to the INNER arena's `box_to_inner`.
//
// Unsound because `box_to_inner` moves the value out and puts its slot on the
// free list, and that slot belongs to the outer arena. The inner arena would
// hand it out again as its own: its `len` would drop below the real count
// (underflowing if it was empty), the outer arena would count the slot in use
// forever, and the kernel's invariant that a free list only holds the arena's
// own slots, which is what keeps it from pointing into freed memory, would be
// gone (the inner-into-outer case shows where that leads).
//
// Rejected by the brand: `box_to_inner` takes `DropBox<'id, T>` of the arena's
// own `'id`, and both types are invariant in `'id`. The inner closure must
// work for *any* brand, so it cannot assume `'inner == 'outer`. The compiler
// says the brand "escapes the closure body" (E0521), once for each closure
// whose brand the call would have to stretch.
use drop_arena::DropArena;

fn main() {
    DropArena::with(|outer| {
        let b = outer.alloc(String::from("outer"));
        DropArena::with(|inner| {
            let _own = inner.alloc(String::from("inner"));
            let _value: String = inner.box_to_inner(b);
        });
    });
}
