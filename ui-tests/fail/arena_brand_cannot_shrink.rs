// Misuse: a helper that shortens an arena's brand, e.g. to pass it where a
// shorter-lived arena is expected.
//
// Unsound because a brand is an identity, not a length: if `DropArena` were
// covariant in `'id`, two arenas could both be shortened to one common brand,
// and then each would accept the other's boxes (see the
// `*_from_foreign_*` cases).
//
// Rejected because `DropArena<'id, T>` is invariant in `'id` (it holds
// `PhantomData<generativity::Id<'id>>`). The message "lifetime may not live
// long enough ... function was supposed to return data with lifetime `'long`
// but it is returning data with lifetime `'short`" reads backwards for a
// shrink: invariance demands `'short` and `'long` be equal, and the compiler
// reports the half of that equality that fails; the note names the invariance.
use drop_arena::DropArena;

fn shrink<'short, 'long: 'short, T>(
    arena: &'short DropArena<'long, T>,
) -> &'short DropArena<'short, T> {
    arena
}

fn main() {}
