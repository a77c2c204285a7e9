// Misuse: stash a box in a `static` to use it from anywhere later.
//
// Unsound because the static outlives the arena: once the arena's block ends,
// its memory is freed and the static points into it.
//
// Rejected because a `static` can only hold `DropBox<'static, _>`, and a
// `make_arena!` brand is a borrow of the block's hidden locals, which cannot
// last for `'static`: "temporary value dropped while borrowed ... argument
// requires that borrow lasts for `'static`" (E0716), once for the storage,
// once for the guard.
use std::sync::Mutex;

use drop_arena::{DropBox, make_arena};

static KEPT: Mutex<Option<DropBox<'static, u32>>> = Mutex::new(None);

fn main() {
    make_arena!(arena);
    *KEPT.lock().unwrap() = Some(arena.alloc(1));
}
