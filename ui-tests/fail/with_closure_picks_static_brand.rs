// Misuse: annotate the `DropArena::with` closure's argument as
// `&'static DropArena<'static, u32>`, so that its boxes are `'static` and can be
// kept after `with` returns.
//
// Unsound because the arena is dropped when `with` returns; `'static` boxes
// would dangle.
//
// Rejected because `with` needs a closure that accepts an arena of *any*
// brand (`for<'a> FnOnce(&'a DropArena<'a, T>)`); one that only accepts
// `'static` does not qualify: "lifetime may not live long enough ... requires
// that `'1` must outlive `'static`".
use drop_arena::{DropArena, DropBox};

fn main() {
    let mut kept: Vec<DropBox<'static, u32>> = Vec::new();
    DropArena::with(|arena: &'static DropArena<'static, u32>| {
        kept.push(arena.alloc(1));
    });
}
