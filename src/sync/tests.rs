//! Unit tests of the shared structures' bookkeeping, which need private
//! access: after handles on several threads drop, every slot of the chunks
//! is in use or idle in the depot, and every magazine there is whole.

use std::sync::mpsc;
use std::thread;

use super::SyncDropArena;
use super::depot::MAGAZINE;

#[test]
fn after_the_handles_drop_every_slot_is_in_use_or_in_the_depot() {
    let total = 20 * MAGAZINE + 7;
    SyncDropArena::<usize>::with(|arena| {
        let (to_consumer, from_producer) = mpsc::sync_channel(64);
        thread::scope(|s| {
            s.spawn(move || {
                let local = arena.local();
                for i in 0..total {
                    to_consumer.send(local.alloc(i)).unwrap();
                }
            });
            s.spawn(move || {
                let local = arena.local();
                for (i, b) in from_producer.into_iter().enumerate() {
                    if i % 3 == 0 {
                        // Leaked on purpose: in use, and counted.
                        core::mem::forget(b);
                    } else {
                        local.drop_box(b);
                    }
                }
            });
        });
        // SAFETY: the scope joined every other thread.
        let (free, fresh) = unsafe { arena.count_idle() };
        let in_use = total.div_ceil(3);
        assert_eq!(arena.len(), in_use);
        assert_eq!(in_use + free + fresh, arena.capacity());
    });
}
