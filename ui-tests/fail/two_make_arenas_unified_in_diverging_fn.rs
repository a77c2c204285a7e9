// Misuse: in a function that never returns (`-> !`, e.g. a server's main
// loop), make two arenas with `make_arena!` and treat them as one brand.
//
// Unsound for the usual reason (either arena would reclaim the other's boxes),
// and a diverging function is where generative brands are weakest: if the end
// of the block is unreachable, the guards are never dropped, and it is their
// drop that keeps two brands apart.
//
// Rejected because `make_guard!` (which `make_arena!` is built on) adds a
// never-taken `return` path on which the guards are dropped, so the brands
// still end at different points: "temporary value dropped while borrowed"
// (E0716) at `make_arena!(second)`. A single arena in a `-> !` function is fine
// (see `ui-tests/pass/event_loop_in_diverging_fn.rs`).
use drop_arena::{DropArena, make_arena};

type Pair<'id, T> = (&'id DropArena<'id, T>, &'id DropArena<'id, T>);

fn same<'id, T>(a: &'id DropArena<'id, T>, b: &'id DropArena<'id, T>) -> Pair<'id, T> {
    (a, b)
}

fn serve() -> ! {
    make_arena!(first);
    make_arena!(second);
    let (first, second) = same(first, second);
    let b = first.alloc(1u32);
    second.drop_box(b);
    loop {}
}

fn main() {
    if std::env::args().count() > 100 {
        serve();
    }
}
