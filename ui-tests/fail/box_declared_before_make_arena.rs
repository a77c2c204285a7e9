// Misuse: declare a variable before `make_arena!` and assign it a box later.
//
// Unsound because locals are dropped in reverse order of declaration: the box
// would be dropped after the arena, and its destructor would drop a `String`
// in memory the arena has already freed.
//
// Rejected by drop check: `DropBox` has a `Drop` impl, so the compiler must
// keep the brand alive until `early` is dropped, which is after the arena's
// hidden storage and guard place are gone: "temporary value dropped while
// borrowed ... borrow might be used here, when `early` is dropped and runs the
// `Drop` code for type `DropBox`" (E0716). Fix: declare the box after the arena.
use drop_arena::make_arena;

fn main() {
    let early;
    make_arena!(arena);
    early = arena.alloc(String::from("dropped after the arena"));
    println!("{}", *early);
}
