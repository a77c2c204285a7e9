// Must compile: a self-referential type, a cons list whose cells are
// `DropBox<'id, Cons<'id>>`, in a `make_arena!` arena. This is what
// `make_arena!` is for: with `DropArena::with`, `T` is fixed before the brand
// exists and cannot name it.
use drop_arena::{DropBox, make_arena};

struct Cons<'id> {
    head: u64,
    tail: List<'id>,
}

type List<'id> = Option<DropBox<'id, Cons<'id>>>;

fn sum(mut list: &List<'_>) -> u64 {
    let mut total = 0;
    while let Some(cell) = list {
        total += cell.head;
        list = &cell.tail;
    }
    total
}

fn main() {
    make_arena!(arena);
    let mut list: List = None;
    for head in 1..=10 {
        list = Some(arena.alloc(Cons { head, tail: list }));
    }
    assert_eq!(sum(&list), 55);
    // Tear down iteratively, giving each cell's slot back.
    while let Some(cell) = list {
        list = arena.box_to_inner(cell).tail;
    }
    assert!(arena.is_empty());
}
