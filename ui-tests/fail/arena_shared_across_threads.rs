// Misuse: share one arena between scoped threads and allocate from both.
//
// Unsound because the arena's free list, bump pointer and counters are plain
// `Cell`s: two threads allocating at once would race on them and could be
// handed the same slot.
//
// Rejected because `DropArena` is not `Sync` (it contains `Cell`s), so
// `&DropArena` is not `Send` and cannot be captured by `spawn`'s closure. The
// compiler lists every non-`Sync` field of the arena's private kernel, one
// error each, so this snapshot changes whenever `src/slot.rs` changes its
// fields; the first line of each error is what matters. Moving the whole
// arena to another thread is allowed (`DropArena: Send`) while no box exists.
use drop_arena::DropArena;

fn main() {
    DropArena::with(|arena| {
        std::thread::scope(|s| {
            s.spawn(|| arena.alloc(1u32));
            let _b = arena.alloc(2u32);
        });
    });
}
