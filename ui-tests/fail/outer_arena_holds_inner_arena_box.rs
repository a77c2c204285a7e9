// Misuse: store a box of an inner (shorter-lived) arena as a value in an outer
// arena, e.g. an outer index of nodes that live in a per-request arena.
//
// Unsound because the outer arena outlives the inner one: a value it keeps
// (leaked with `DropBox::leak`, or a box kept in the outer scope) would point
// into the inner arena's freed memory. The reverse nesting, an inner arena
// holding outer boxes, is fine (see
// `ui-tests/pass/nested_arenas_hold_each_others_boxes.rs`).
//
// Rejected because `&'outer DropArena<'outer, T>` requires `T: 'outer`, and
// `T = DropBox<'inner, u64>` only lives for `'inner`: so `'inner` would have to
// outlive the inner block, where its hidden locals die: "temporary value
// dropped while borrowed" (E0716) at `make_arena!(inner)`.
use drop_arena::make_arena;

fn main() {
    make_arena!(outer);
    {
        make_arena!(inner);
        let small = inner.alloc(7u64);
        let _held = outer.alloc(small);
    }
    println!("{}", outer.len());
}
