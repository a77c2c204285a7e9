// Misuse: a constructor function that makes an arena with `make_arena!`,
// allocates, and returns the box to its caller.
//
// Unsound because the arena is a local of the function: its memory is freed
// on return, and the box would point into it.
//
// Rejected because `make_arena!` borrows hidden locals of the function for the
// brand `'id`, so the box (which carries `'id`) cannot outlive the function:
// "cannot return value referencing temporary value" (E0515). The "temporary
// value" is the macro's hidden storage and guard place; it is reported once
// for each.
use drop_arena::{DropBox, make_arena};

fn make_one<'id>() -> DropBox<'id, String> {
    make_arena!(arena);
    arena.alloc(String::from("dangling"))
}

fn main() {
    let b = make_one();
    println!("{}", *b);
}
