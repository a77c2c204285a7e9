// Misuse: move a box into `std::thread::spawn` (not a scoped thread).
//
// Unsound because the spawned thread may outlive the arena: `with` returns,
// the arena frees its memory, and the thread still reads the box.
//
// Rejected because `spawn` requires a `'static` closure and a box carries its
// brand, which is never `'static`: "borrowed data escapes outside of closure
// ... argument requires that `'1` must outlive `'static`" (E0521). Use
// `std::thread::scope` instead (see `ui-tests/pass/boxes_moved_into_scoped_threads.rs`).
use drop_arena::DropArena;

fn main() {
    DropArena::with(|arena| {
        let b = arena.alloc(String::from("sent"));
        std::thread::spawn(move || println!("{}", *b));
    });
}
