// Must compile: boxes moved into scoped threads (`DropBox<T>: Send` for
// `T: Send`) and shared with them (`DropBox<T>: Sync` for `T: Sync`), then
// given back to their arena on the thread that owns it. Scoped threads are
// joined before `scope` returns, so no box outlives the arena; the arena itself
// stays on its thread (it is not `Sync`).
use drop_arena::{DropArena, DropBox};

fn main() {
    DropArena::with(|arena| {
        let boxes: Vec<DropBox<'_, Vec<u32>>> = (0..4).map(|i| arena.alloc(vec![i])).collect();
        let back: Vec<DropBox<'_, Vec<u32>>> = std::thread::scope(|s| {
            let workers: Vec<_> = boxes
                .into_iter()
                .map(|mut b| {
                    s.spawn(move || {
                        let first = b[0];
                        b.push(first * 10);
                        b
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let shared = arena.alloc(vec![5u32]);
        std::thread::scope(|s| {
            s.spawn(|| assert_eq!(*shared, [5]));
            s.spawn(|| assert_eq!(shared.len(), 1));
        });
        for b in back {
            assert_eq!(b[1], b[0] * 10);
            arena.drop_box(b);
        }
        arena.drop_box(shared);
        assert!(arena.is_empty());
    });
}
