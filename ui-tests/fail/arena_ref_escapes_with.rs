// Misuse: store the `&DropArena` that `DropArena::with` hands the closure in a
// variable outside it, to allocate from it later.
//
// Unsound because the arena is a local of `with` and is dropped, with all of
// its memory, when the closure returns; allocating through the stale reference
// would write into freed memory.
//
// Rejected because the closure must accept an arena of *any* brand `'a`, so
// `&'a DropArena<'a, u32>` cannot be stored where a lifetime chosen outside the
// closure is expected: "borrowed data escapes outside of closure" (E0521),
// with a note that `DropArena` is invariant in its brand.
use drop_arena::DropArena;

fn main() {
    let mut kept: Option<&DropArena<'_, u32>> = None;
    DropArena::with(|arena| {
        kept = Some(arena);
    });
    let _b = kept.unwrap().alloc(1);
}
