// Not in tests/all: a panic hook is global to the process, and tests/all installs its own.

//! No user code runs while `SyncDropArena` holds the lock on its chunks: a
//! panic hook that waits for another thread's allocation must not
//! deadlock.

use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use drop_arena::SyncDropArena;

#[test]
fn a_panic_hook_that_waits_for_an_allocation_does_not_deadlock() {
    SyncDropArena::<u64>::with(|arena| {
        let (go, wait_for_go) = mpsc::channel::<()>();
        let (done, wait_for_done) = mpsc::channel::<()>();
        let allocated_during_the_hook = Arc::new(AtomicBool::new(false));
        thread::scope(|s| {
            // An empty arena: this thread's first allocation needs the lock,
            // to take the first chunk.
            s.spawn(move || {
                let local = arena.local();
                wait_for_go.recv().unwrap();
                let b = local.alloc(1);
                local.drop_box(b);
                // The hook may have given up waiting and gone: ignore that.
                let _ = done.send(());
            });
            let me = thread::current().id();
            let default = Arc::new(panic::take_hook());
            let previous = Arc::clone(&default);
            let seen = Arc::clone(&allocated_during_the_hook);
            let (go, wait_for_done) = (Mutex::new(go), Mutex::new(wait_for_done));
            panic::set_hook(Box::new(move |info| {
                if thread::current().id() != me {
                    return previous(info);
                }
                go.lock().unwrap().send(()).unwrap();
                // Long enough for any machine; a deadlock waits it out and fails.
                let finished = wait_for_done
                    .lock()
                    .unwrap()
                    .recv_timeout(Duration::from_secs(20));
                seen.store(finished.is_ok(), Ordering::Relaxed);
            }));
            let overflow =
                panic::catch_unwind(panic::AssertUnwindSafe(|| arena.reserve(usize::MAX / 4)));
            drop(panic::take_hook());
            panic::set_hook(Box::new(move |info| default(info)));
            assert!(overflow.is_err(), "the reserve did not panic");
        });
        assert!(
            allocated_during_the_hook.load(Ordering::Relaxed),
            "the allocation waited for the panic hook: the lock was held"
        );
        assert_eq!(arena.len(), 0);
    });
}
