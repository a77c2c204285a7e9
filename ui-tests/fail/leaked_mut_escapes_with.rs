// Misuse: `DropBox::leak` a box inside `DropArena::with` and return the
// `&mut` it gives, since a plain reference "has no brand".
//
// Unsound because the leaked value still lives in the arena's memory, which is
// freed when `with` returns; the reference would dangle.
//
// Rejected because `leak` returns `&'id mut T`: the reference carries the brand
// as its lifetime, and the brand cannot leave the closure ("lifetime may not
// live long enough ... `'1` must outlive `'2`").
use drop_arena::{DropArena, DropBox};

fn main() {
    let leaked: &mut String =
        DropArena::with(|arena| DropBox::leak(arena.alloc(String::from("leaked"))));
    leaked.push_str(" and freed");
}
