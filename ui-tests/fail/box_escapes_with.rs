// Misuse: return a box from the `DropArena::with` closure, to keep using it
// after `with` returns.
//
// Unsound because the arena, and the memory the box points into, is dropped
// when the closure returns: reading or dropping the box afterwards is a use
// after free.
//
// Rejected because `with` takes `impl for<'a> FnOnce(&'a DropArena<'a, T>) -> R`:
// the result type `R` is chosen outside the closure and cannot name the
// closure's brand `'a`. "lifetime may not live long enough ... returning this
// value requires that `'1` must outlive `'2`": `'1` is the brand, `'2` the
// lifetime `R` would need.
use drop_arena::DropArena;

fn main() {
    let escaped = DropArena::with(|arena| arena.alloc(String::from("escapee")));
    println!("{}", *escaped);
}
