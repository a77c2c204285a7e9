// Must compile: `DropBox` is covariant in `T`, like `Box`: a
// `DropBox<'id, &'static str>` may be passed where a `DropBox<'id, &'a str>`
// is expected. (Only in `T`: the brand `'id` is invariant, and giving a
// shortened box back to its arena is rejected:
// `ui-tests/fail/shortened_box_returned_to_its_arena.rs`.)
use drop_arena::{DropArena, DropBox};

fn longest<'a>(x: DropBox<'_, &'a str>, y: &'a str) -> &'a str {
    if x.len() >= y.len() { *x } else { y }
}

fn main() {
    let local = String::from("local");
    DropArena::with(|arena| {
        let b: DropBox<'_, &'static str> = arena.alloc("static");
        let shorter: DropBox<'_, &str> = b;
        assert_eq!(longest(shorter, &local), "static");
    });
}
