// Misuse: build an arena by hand, declaring its storage after the guard:
// `make_guard!(guard); let storage = DropArena::new(guard);`.
//
// Unsound if it compiled because the guard's brand lasts to the end of the
// scope (its drop counts as a use of `'id`), and `&'id storage` must live as
// long: a storage dropped before the guard would leave the brand, and any
// box or leaked `&'id mut T` typed with it, outliving the arena's memory.
//
// Rejected because locals drop in reverse order of declaration: `storage` is
// dropped before the guard, while the guard's drop still uses the borrow
// `&'id storage` (E0597, "borrow might be used here, when `lifetime_brand` is
// dropped"). Declare the storage first and assign it later, as `make_arena!`
// does: `let storage; make_guard!(guard); storage = DropArena::new(guard);`.
use drop_arena::{DropArena, make_guard};

fn main() {
    make_guard!(guard);
    let storage = DropArena::new(guard);
    let arena = &storage;
    let b = arena.alloc(1u32);
    arena.drop_box(b);
}
