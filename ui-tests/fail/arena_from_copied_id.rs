// Misuse: turn the guard into a `generativity::Id` (which is `Copy`) and build
// two arenas from copies of it.
//
// Unsound because both arenas would carry the same brand (see
// `two_arenas_from_one_guard`).
//
// Rejected because `DropArena::new` takes a `Guard`, the one unique token per
// brand, not an `Id`: "mismatched types ... expected `Guard<'_>`, found
// `Id<'_>`" (E0308), for each call. There is no way back from `Id` to `Guard`.
use drop_arena::{DropArena, Id, make_guard};

fn main() {
    let (first, second);
    make_guard!(guard);
    let id: Id<'_> = guard.into();
    first = DropArena::new(id);
    second = DropArena::new(id);
    let b = (&first).alloc(1u32);
    (&second).drop_box(b);
}
