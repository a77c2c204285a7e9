// Misuse: create an arena with `make_arena!` inside a block and hand the arena
// reference out of the block.
//
// Unsound because the arena's storage is a local of the block and is dropped
// at its end; allocating through the reference afterwards would write into
// freed memory.
//
// Rejected by the borrow checker: the reference borrows the macro's hidden
// storage (and the guard's hidden place) for the brand, and both die at the end
// of the block: "temporary value dropped while borrowed" (E0716), once each.
use drop_arena::make_arena;

fn main() {
    let arena = {
        make_arena!(arena);
        arena
    };
    let _b = arena.alloc(1u32);
}
