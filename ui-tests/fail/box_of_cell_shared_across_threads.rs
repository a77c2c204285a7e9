// Misuse: share a box holding a `Cell` between threads and set it from both.
//
// Unsound because `Cell::set` through a shared reference is an unsynchronised
// write: two threads doing it at once is a data race.
//
// Rejected because `DropBox<T>` is `Sync` only when `T` is, as `Box<T>` is:
// "`Cell<u32>` cannot be shared between threads safely" (E0277).
use std::cell::Cell;

use drop_arena::DropArena;

fn main() {
    DropArena::with(|arena| {
        let b = arena.alloc(Cell::new(0u32));
        std::thread::scope(|s| {
            s.spawn(|| b.set(1));
            b.set(2);
        });
    });
}
