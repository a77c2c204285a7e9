// Misuse: use `DropBox`'s covariance in `T` (a `DropBox<'id, &'static str>`
// may be used as a `DropBox<'id, &'a str>`, as with `Box`) to store a
// short-lived reference in a box, then hand the box back to its arena of
// `&'static str` with `box_to_inner`.
//
// Unsound because `box_to_inner` returns the arena's `T`: it would return the
// short-lived reference as `&'static str`, readable after `local` is dropped.
//
// Rejected because `box_to_inner` takes a `DropBox<'id, T>` of the arena's own
// `T` and returns that `T`: giving the box back requires it to hold a
// `&'static str`,
// so `&local` would have to be `'static`: "`local` does not live long enough
// ... argument requires that `local` is borrowed for `'1`" (E0597), where `'1`
// is the lifetime in the arena's `T` (shown in the arena's type, and
// `'static` here), then "cannot move out of `local` because it is borrowed"
// (E0505).
use drop_arena::{DropArena, DropBox};

fn main() {
    DropArena::<&'static str>::with(|arena| {
        let local = String::from("short-lived");
        let b = arena.alloc("static");
        let mut b: DropBox<'_, &str> = b;
        *b = &local;
        let extended = arena.box_to_inner(b);
        drop(local);
        println!("{extended}");
    });
}
