// Misuse: a helper that lengthens an arena's brand, e.g. to make it look like
// an outer arena's.
//
// Unsound because it would let the arena take boxes of a longer-lived arena, or
// hand its own boxes to it: the brand would no longer identify one arena.
//
// Rejected because `DropArena<'id, T>` is invariant in `'id`, so it is neither
// covariant (see `arena_brand_cannot_shrink`) nor contravariant: "lifetime may
// not live long enough", with a note naming the invariance.
use drop_arena::DropArena;

fn grow<'short, 'long: 'short, T>(
    arena: &'short DropArena<'short, T>,
) -> &'short DropArena<'long, T> {
    arena
}

fn main() {}
