// Idiom: one `SyncDropArena` shared by scoped threads; boxes made on one
// thread are sent to another and reclaimed there, through each thread's own
// handle.
use std::sync::mpsc;

use drop_arena::{DropBox, SyncDropArena};

fn main() {
    SyncDropArena::with(|arena| {
        let (send, receive) = mpsc::sync_channel::<DropBox<'_, u64>>(64);
        std::thread::scope(|s| {
            s.spawn(move || {
                let local = arena.local();
                for i in 0..10_000 {
                    send.send(local.alloc(i)).unwrap();
                }
            });
            s.spawn(move || {
                let local = arena.local();
                let mut sum = 0;
                for b in receive {
                    sum += local.box_to_inner(b);
                }
                assert_eq!(sum, 10_000 * 9_999 / 2);
            });
        });
        assert_eq!(arena.len(), 0);
    });
}
