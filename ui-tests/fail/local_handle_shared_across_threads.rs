// Misuse: share one `LocalHandle` between two scoped threads.
//
// Unsound because a handle's free list and fresh slots are plain `Cell`s,
// updated without synchronisation: two threads could be handed one slot.
//
// Rejected because `LocalHandle` is `!Sync` (each thread takes its own handle
// with `arena.local()`, or moves one, as it is `Send`): "`Cell<...>` cannot be
// shared between threads safely" (E0277).
use drop_arena::SyncDropArena;

fn main() {
    SyncDropArena::with(|arena| {
        let local = arena.local();
        std::thread::scope(|s| {
            s.spawn(|| local.drop_box(local.alloc(1u32)));
            s.spawn(|| local.drop_box(local.alloc(2u32)));
        });
    });
}
