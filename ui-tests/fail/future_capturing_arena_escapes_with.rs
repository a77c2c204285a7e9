// Misuse: return an `async` block that uses the arena from the
// `DropArena::with` closure, to run it later (e.g. to spawn it on an
// executor).
//
// Unsound because the future captures a reference to the arena, which is
// dropped when `with` returns, before the future is ever polled.
//
// Rejected because the future's type captures the closure's brand, and the
// result type of `with` is chosen outside the closure: "lifetime may not live
// long enough ... return type of closure `{async block@...}` contains a
// lifetime `'2` ... returning this value requires that `'1` must outlive
// `'2`". Make the arena inside the future instead (`make_arena!` works in
// `async` code: `ui-tests/pass/make_arena_in_async_fn.rs`).
use drop_arena::DropArena;

async fn pause() {}

fn main() {
    let future = DropArena::with(|arena| async move {
        let b = arena.alloc(String::from("later"));
        pause().await;
        arena.drop_box(b);
    });
    drop(future);
}
