// Misuse: move a hand-made arena of `Rc` values to another thread.
//
// An arena owns its values' memory, so it may change threads only with values
// that may: `DropArena<'id, T>` is `Send` exactly when `T` is, as `Vec<T>`
// is. The bound is conservative today, since an arena can only move before its
// first allocation (allocating borrows it for all of `'id`), while it holds
// nothing; it keeps the rule simple and the arena free to, say, cache values
// later without a breaking change.
//
// Rejected because `Rc<u32>` is not `Send` (E0277). An arena of `Send` values
// moves to a scoped thread this way.
use std::rc::Rc;

use drop_arena::{DropArena, make_guard};

fn main() {
    let storage;
    make_guard!(guard);
    storage = DropArena::<Rc<u32>>::new(guard);
    std::thread::scope(|s| {
        s.spawn(move || assert!(storage.is_empty()));
    });
}
