// Misuse: move a box holding an `Rc` into another thread.
//
// Unsound because the `Rc`'s count is not atomic: the box's destructor (or a
// clone through it) on the other thread would race with the clone that stays
// behind.
//
// Rejected because `DropBox<T>` is `Send` only when `T` is, as `Box<T>` is:
// "`Rc<String>` cannot be sent between threads safely" (E0277).
use std::rc::Rc;

use drop_arena::DropArena;

fn main() {
    let shared = Rc::new(String::from("counted"));
    DropArena::with(|arena| {
        let b = arena.alloc(Rc::clone(&shared));
        std::thread::scope(|s| {
            s.spawn(move || drop(b));
        });
    });
}
