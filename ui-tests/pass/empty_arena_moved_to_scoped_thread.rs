// Idiom: a hand-made arena of `Send` values is `Send`, and may move to another
// thread before its first allocation (afterwards it is borrowed for good).
use drop_arena::{DropArena, make_guard};

fn main() {
    let storage;
    make_guard!(guard);
    storage = DropArena::<String>::new(guard);
    std::thread::scope(|s| {
        s.spawn(move || assert!(storage.is_empty()));
    });
}
