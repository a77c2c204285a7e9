// Misuse: two `make_arena!` arenas of the same type in one scope; hand a box
// made by `second` to `first.free_without_dropping`.
//
// Unsound because `free_without_dropping` forgets the value and puts its slot
// on the free list: `first` would later hand that slot out again, for example
// to a box declared before `make_arena!(second)`, which is dropped after
// `second` has freed its memory: a use after free.
//
// Rejected by the brand: the call needs `'first == 'second`. Each
// `make_arena!` brand must last until its guard is dropped at the end of the
// block, and must end before the macro's hidden `branded_place` is gone; the
// two guards die at different points, so no single lifetime fits both. The
// compiler words this as "temporary value dropped while borrowed" (E0716) at
// `make_arena!(second)`, twice (once for the arena's hidden storage, once for
// the guard's hidden place): the macro's hygienic locals are the "temporary
// value", and "when `lifetime_brand` is dropped" is the end of `first`'s
// guard.
use drop_arena::make_arena;

fn main() {
    make_arena!(first);
    make_arena!(second);
    let _own = first.alloc(String::from("first"));
    let b = second.alloc(String::from("second"));
    first.free_without_dropping(b);
}
