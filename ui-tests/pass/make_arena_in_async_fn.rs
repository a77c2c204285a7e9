// Must compile: `make_arena!` in an `async fn`, with a box held across
// `.await`. The arena lives in the future; once polled, the future is pinned,
// so the arena cannot move while boxes point into it, and a forgotten future
// leaks its arena rather than freeing it. Unifying two brands there is
// rejected (`ui-tests/fail/two_make_arenas_unified_in_async_fn.rs`).
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use drop_arena::make_arena;

async fn pause() {}

async fn work() -> u32 {
    make_arena!(arena);
    let b = arena.alloc(5u32);
    pause().await;
    arena.box_to_inner(b)
}

fn main() {
    let future = pin!(work());
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(future.poll(&mut cx), Poll::Ready(5));
}
