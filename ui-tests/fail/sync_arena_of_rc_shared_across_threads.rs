// Misuse: share a `SyncDropArena<Rc<u32>>` between scoped threads.
//
// Unsound because a box allocated on one thread can be reclaimed (and its
// value dropped) on another: an `Rc`'s non-atomic count would be raced.
//
// Rejected because `SyncDropArena<'id, T>` is `Sync` only when `T: Send`, as
// `Mutex<T>` is: "`Rc<u32>` cannot be sent between threads safely" (E0277).
use std::rc::Rc;

use drop_arena::SyncDropArena;

fn main() {
    SyncDropArena::with(|arena| {
        std::thread::scope(|s| {
            s.spawn(|| arena.local().drop_box(arena.local().alloc(Rc::new(1u32))));
        });
    });
}
