// Misuse: call `alloc` for its side effect and ignore the box, expecting the
// arena to keep the value, or expecting the slot to come back.
//
// Not unsound, but a silent leak: the box is dropped at the end of the
// statement, which drops the value and keeps its slot in use until the arena
// ends (only `drop_box`, `box_to_inner` and `free_without_dropping` give a
// slot back).
//
// Warned about because `alloc` is `#[must_use]` ("unused return value ...
// that must be used", with a note saying what to do instead); this case denies
// the lint so that the warning is checked. `alloc_with`, `box_to_inner`,
// `DropBox::into_inner`, `DropBox::leak`, `DropBox::into_raw` and
// `DropBox::from_raw` carry the same attribute.
#![deny(unused_must_use)]

use drop_arena::DropArena;

fn main() {
    DropArena::with(|arena| {
        arena.alloc(String::from("lost at once"));
        assert_eq!(arena.len(), 1);
    });
}
