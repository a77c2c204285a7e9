// Misuse: a helper that shortens a box's brand, as one may shorten the lifetime
// of a `&'long T` to `&'short T`.
//
// Unsound because a shortened brand could then match an arena whose brand is
// that shorter lifetime, and that arena would reclaim a slot it does not own.
//
// Rejected because `DropBox<'id, T>` is invariant in `'id`: "lifetime may not
// live long enough" (the message names `'long` and `'short` the other way
// round, since invariance fails in both directions), with a note naming the
// invariance.
use drop_arena::DropBox;

fn shrink<'short, 'long: 'short, T>(b: DropBox<'long, T>) -> DropBox<'short, T> {
    b
}

fn main() {}
