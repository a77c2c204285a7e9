// Misuse: in an `async fn`, make two arenas with `make_arena!` and treat them
// as one brand.
//
// Unsound for the usual reason: either arena would reclaim the other's boxes.
// In async code a future can be forgotten instead of dropped, so the guards'
// drop may never run; the brand must not depend on it running.
//
// Rejected just as in a plain function: borrow checking sees the guards'
// drops in the future's body whether or not they run, so the two brands end
// at different points: "temporary value dropped while borrowed" (E0716) at
// `make_arena!(second)`. One arena per `async fn`, with boxes held across
// `.await`, is fine (see `ui-tests/pass/make_arena_in_async_fn.rs`).
use drop_arena::{DropArena, make_arena};

type Pair<'id, T> = (&'id DropArena<'id, T>, &'id DropArena<'id, T>);

fn same<'id, T>(a: &'id DropArena<'id, T>, b: &'id DropArena<'id, T>) -> Pair<'id, T> {
    (a, b)
}

async fn pause() {}

async fn work() {
    make_arena!(first);
    make_arena!(second);
    pause().await;
    let (first, second) = same(first, second);
    let b = first.alloc(1u32);
    second.drop_box(b);
}

fn main() {
    drop(work());
}
