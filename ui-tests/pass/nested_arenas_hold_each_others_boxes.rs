// Must compile: an inner arena whose values are boxes of an outer arena, with
// both kinds of brand. The inner arena ends first, so its values (outer boxes)
// never outlive the memory they point into. Each box goes back to the arena
// that made it: the inner box to `inner`, the outer box it held to `outer`.
// (The other direction, an outer arena holding inner boxes, is rejected:
// `ui-tests/fail/outer_arena_holds_inner_arena_box.rs`.)
use drop_arena::{DropArena, DropBox, make_arena};

fn main() {
    // `with`: the inner closure's arena stores the outer arena's boxes.
    DropArena::with(|outer| {
        let words = [
            outer.alloc(String::from("a")),
            outer.alloc(String::from("b")),
        ];
        DropArena::with(|inner| {
            let held: Vec<DropBox<'_, DropBox<'_, String>>> =
                words.into_iter().map(|w| inner.alloc(w)).collect();
            assert_eq!(held.iter().map(|h| h.as_str()).collect::<String>(), "ab");
            for h in held {
                let w = inner.box_to_inner(h);
                outer.drop_box(w);
            }
            assert!(inner.is_empty());
        });
        assert!(outer.is_empty());
    });

    // `make_arena!`: the arena made second stores boxes of the one made first.
    make_arena!(first);
    make_arena!(second);
    let small = first.alloc(7u64);
    let holder = second.alloc(small);
    assert_eq!(**holder, 7);
    let small = second.box_to_inner(holder);
    first.drop_box(small);
    assert!(first.is_empty() && second.is_empty());
}
