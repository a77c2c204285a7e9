//! loom models of the shared structures, with `MAGAZINE = 2` and one depot
//! cell, so that a handful of operations moves magazines through the cell,
//! the overflow stack, the loose list and the chunks:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test --release --lib sync::loom_tests
//! ```
//!
//! loom explores the interleavings of the atomics (and their orderings);
//! the slots' own memory is plain memory it does not track. So each model
//! stamps every slot it is handed and checks the stamp before giving the
//! slot back (a slot handed to two threads at once fails that check in some
//! interleaving), and at the end checks that every slot is in use or idle
//! in the depot, and that every magazine there is whole.

use loom::sync::Arc;
use loom::thread;
use std::vec::Vec;

use super::cache::Caches;
use super::depot::Depot;

struct Shared {
    depot: Depot<u64>,
    caches: Caches,
}

// SAFETY: shared as `SyncDropArena` shares its depot and caches (its
// `Sync` impl); the test's values are `u64`.
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

impl Shared {
    fn new() -> Arc<Self> {
        Arc::new(Shared {
            depot: Depot::new(),
            caches: Caches::new(),
        })
    }

    /// A cache that allocates `n` slots, stamps them with `who`, checks the
    /// stamps and gives them all back, `keep` of them left in use; then it is
    /// flushed, as a dropped handle is.
    fn churn(&self, who: u64, n: usize, keep: usize) {
        let cache = self.caches.claim();
        let mut slots = Vec::new();
        for i in 0..n as u64 {
            // SAFETY: the cache belongs to this depot.
            let slot = unsafe { cache.take(&self.depot) };
            let stamp = who << 32 | i;
            // SAFETY: an in-use slot, ours alone.
            unsafe { slot.as_ptr().write(stamp) };
            slots.push((slot, stamp));
        }
        for &(slot, stamp) in &slots[keep..] {
            // SAFETY: ours, written above.
            assert_eq!(unsafe { slot.as_ptr().read() }, stamp, "slot shared");
            // SAFETY: handed out by this depot's cache, holding a `u64`.
            unsafe { cache.give_back(&self.depot, slot) };
        }
        // SAFETY: as above.
        unsafe { cache.flush(&self.depot) };
        // SAFETY: claimed here, flushed just now, and done with.
        unsafe { self.caches.release(cache) };
    }

    /// Every slot of the chunks is in use or idle in the depot.
    fn check(&self, in_use: usize) {
        assert_eq!(self.caches.sum(), in_use);
        // SAFETY: every other thread has been joined.
        let (free, fresh) = unsafe { self.depot.count_idle() };
        assert_eq!(in_use + free + fresh, self.depot.capacity());
    }
}

/// `loom::model` with at most two preemptions per run, which keeps the
/// models to seconds and finds most ordering bugs (loom's own advice).
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.check(f);
}

#[test]
fn two_threads_flush_and_refill_through_the_depot() {
    model(|| {
        let shared = Shared::new();
        let other = Arc::clone(&shared);
        let t = thread::spawn(move || other.churn(1, 5, 0));
        shared.churn(2, 5, 1);
        t.join().unwrap();
        shared.check(1);
    });
}

#[test]
fn overflow_push_races_take_all() {
    model(|| {
        let shared = Shared::new();
        // Two magazines: one fills the cell, one goes on the overflow
        // stack; the fifth slot ends on the loose list.
        shared.churn(0, 5, 0);
        let other = Arc::clone(&shared);
        // Allocating 5 takes the cell's magazine, then the overflow stack,
        // then the loose list, while the main thread pushes.
        let t = thread::spawn(move || other.churn(1, 5, 2));
        shared.churn(2, 4, 0);
        t.join().unwrap();
        shared.check(2);
    });
}

#[test]
fn a_dropped_handle_flushes_while_another_refills_under_the_lock() {
    model(|| {
        let shared = Shared::new();
        let other = Arc::clone(&shared);
        // Three slots: a magazine and one loose slot when flushed.
        let t = thread::spawn(move || other.churn(1, 3, 0));
        shared.churn(2, 3, 1);
        t.join().unwrap();
        shared.check(1);
    });
}
