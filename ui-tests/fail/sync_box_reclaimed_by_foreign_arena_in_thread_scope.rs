// Misuse: two `SyncDropArena`s, one nested in the other; inside a
// `thread::scope`, a thread gives a box of the inner arena to a handle of the
// outer one.
//
// Unsound because the outer arena would put a slot of the inner arena on its
// free lists; the inner arena frees its chunks when its closure returns, and
// the outer arena would then hand out freed memory, on any thread.
//
// Rejected because boxes and handles carry their arena's brand, and the
// brands of two arenas never unify, whichever thread the code runs on:
// "borrowed data escapes outside of closure" (E0521).
use drop_arena::SyncDropArena;

fn main() {
    SyncDropArena::with(|outer| {
        SyncDropArena::with(|inner| {
            std::thread::scope(|s| {
                s.spawn(|| {
                    let b = inner.local().alloc(1u32);
                    outer.local().drop_box(b);
                });
            });
        });
    });
}
