// Misuse: build two arenas by hand and swap their storages, e.g. to "reset"
// one arena by swapping in a fresh one.
//
// Unsound because each storage carries its own brand: after a swap, boxes
// branded by the first guard would be given back to the memory of the second
// arena, and each arena's boxes would outlive the memory they point into.
//
// Rejected because `mem::swap` needs both storages to have one type, so the
// two brands would have to be one lifetime, and each guard's brand is unique.
// The compiler reports it at the second `make_guard!` as "temporary value
// dropped while borrowed" (E0716), with a "consider using a `let` binding"
// hint that does not apply: the temporary is the guard's own place, and the
// real fix is to keep one arena per brand (use a new `make_arena!` in a new
// block instead of swapping).
use drop_arena::{DropArena, make_guard};

fn main() {
    let mut first;
    make_guard!(first_guard);
    first = DropArena::new(first_guard);
    let mut second;
    make_guard!(second_guard);
    second = DropArena::new(second_guard);
    std::mem::swap(&mut first, &mut second);
    let _ = (&first).alloc(1u32);
}
