// Misuse: store a reference to a local in the arena, where the local is
// declared after `make_arena!` (or inside the `with` closure), and give the
// box back before the local goes away.
//
// Unsound in general because the arena may hold values until it ends, and it
// ends after the local: a value left in it (plain `drop` or `leak` keep their
// slots) would point at a dead local for the rest of the brand.
//
// Rejected because `&'id DropArena<'id, T>` requires `T: 'id`: every stored
// value must outlive the brand, which lasts to the end of the block that made
// the arena, whatever the code does with the box. "`name` does not live long
// enough ... borrowed value does not live long enough" (E0597), pointing at
// the end of the block, even though the box was given back with `drop_box`.
// Declare the local before `make_arena!` (or outside the `with` call).
use drop_arena::make_arena;

fn main() {
    make_arena!(arena);
    let name = String::from("declared after the arena");
    let b = arena.alloc(&name);
    arena.drop_box(b);
}
