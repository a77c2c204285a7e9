// Misuse: keep reading a box after giving it back with `drop_box`.
//
// Unsound because its value has been dropped and its slot reused by the next
// `alloc`: the read would see freed memory, or another box's value.
//
// Rejected because `drop_box` (like `box_to_inner` and
// `free_without_dropping`) takes the box by value: "borrow of moved value"
// (E0382).
use drop_arena::DropArena;

fn main() {
    DropArena::with(|arena| {
        let b = arena.alloc(String::from("reclaimed"));
        arena.drop_box(b);
        let _reused = arena.alloc(String::from("now in b's slot"));
        println!("{}", *b);
    });
}
