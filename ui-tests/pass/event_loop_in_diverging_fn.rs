// Must compile: one `make_arena!` arena in a function that never returns
// (`-> !`), as an event loop would be. Only unifying two brands there is
// rejected (`ui-tests/fail/two_make_arenas_unified_in_diverging_fn.rs`).
use drop_arena::make_arena;

fn serve() -> ! {
    make_arena!(arena);
    let mut handled = 0u32;
    loop {
        let request = arena.alloc(handled);
        handled = arena.box_to_inner(request) + 1;
        assert_eq!(arena.len(), 0);
        if handled == 10 {
            std::process::exit(0);
        }
    }
}

fn main() {
    serve()
}
