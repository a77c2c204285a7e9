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
//! in the depot, and that every magazine there is whole and counted.
//!
//! The models of the memory bound use values of 4 KiB, whose chunks have
//! no minimum length: `reserve(n)` on an empty depot makes a chunk of
//! exactly `n` slots, so a model can use up the fresh slots and see whether
//! anyone grows the arena.

use loom::sync::Arc;
use loom::thread;
use std::vec::Vec;

use super::cache::Caches;
use super::depot::{Depot, MAGAZINE};

/// A depot and its caches, shared by the model's threads. Each slot's first
/// `u64` holds a stamp; `T` sets the slot size.
struct Shared<T> {
    depot: Depot<T>,
    caches: Caches,
}

/// A value as large as a minimum chunk, so that chunks have any length.
type Page = [u64; 512];

// SAFETY: shared as `SyncDropArena` shares its depot and caches (its
// `Sync` impl); the test's values are `u64`.
unsafe impl<T> Send for Shared<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Shared<T> {}

impl<T> Shared<T> {
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
            let slot = unsafe { cache.take_slot(&self.depot) }.cast::<u64>();
            let stamp = who << 32 | i;
            // SAFETY: an in-use slot, ours alone.
            unsafe { slot.as_ptr().write(stamp) };
            slots.push((slot, stamp));
        }
        for &(slot, stamp) in &slots[keep..] {
            // SAFETY: ours, written above.
            assert_eq!(unsafe { slot.as_ptr().read() }, stamp, "slot shared");
            // SAFETY: handed out by this depot's cache, holding only a
            // stamp, which needs no drop.
            unsafe { cache.give_back_slot(&self.depot, slot.cast::<T>()) };
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
        let shared = Shared::<u64>::new();
        let other = Arc::clone(&shared);
        let t = thread::spawn(move || other.churn(1, 5, 0));
        shared.churn(2, 5, 1);
        t.join().unwrap();
        shared.check(1);
    });
}

#[test]
fn overflow_push_races_a_pop() {
    model(|| {
        let shared = Shared::<u64>::new();
        // Two magazines: one fills the cell, one goes on the overflow
        // stack; the fifth slot ends on the loose list.
        shared.churn(0, 5, 0);
        let other = Arc::clone(&shared);
        // Allocating 5 takes the cell's magazine, then pops the overflow
        // stack, then takes the loose list, while the main thread pushes.
        let t = thread::spawn(move || other.churn(1, 5, 2));
        shared.churn(2, 4, 0);
        t.join().unwrap();
        shared.check(2);
    });
}

#[test]
fn a_dropped_handle_flushes_while_another_refills_under_the_lock() {
    model(|| {
        let shared = Shared::<u64>::new();
        let other = Arc::clone(&shared);
        // Three slots: a magazine and one loose slot when flushed.
        let t = thread::spawn(move || other.churn(1, 3, 0));
        shared.churn(2, 3, 1);
        t.join().unwrap();
        shared.check(1);
    });
}

/// A depot holding `magazines` whole magazines (one in the cell, the rest
/// on the overflow stack) and no fresh or loose slot: the arena must not
/// grow while the threads' demand stays below that.
fn parked_only(magazines: usize) -> Arc<Shared<Page>> {
    let shared = Shared::<Page>::new();
    let slots = magazines * MAGAZINE;
    shared.depot.reserve(slots);
    shared.churn(0, slots, 0);
    // SAFETY: no other thread exists yet.
    assert_eq!(unsafe { shared.depot.count_idle() }, (slots, 0));
    shared
}

/// The bug a take-all `swap` of the overflow stack had: one taker held the
/// whole stack while putting it back a magazine at a time, and the other,
/// finding the depot empty, grew the arena.
#[test]
fn two_takers_share_the_overflow_stack_without_growing() {
    model(|| {
        let shared = parked_only(4);
        let capacity = shared.depot.capacity();
        let other = Arc::clone(&shared);
        let t = thread::spawn(move || other.churn(1, 2 * MAGAZINE, 0));
        shared.churn(2, 2 * MAGAZINE, 0);
        t.join().unwrap();
        assert_eq!(
            shared.depot.capacity(),
            capacity,
            "grew with magazines parked"
        );
        shared.check(0);
    });
}

/// A taker that finds nothing parked grows; one that finds a magazine
/// counted but not yet in its cell waits for it instead. Either way every
/// slot stays accounted for, and the wait ends.
#[test]
fn a_taker_races_a_magazine_being_parked() {
    model(|| {
        let shared = parked_only(1);
        let capacity = shared.depot.capacity();
        // The main thread holds the parked magazine's slots, in use.
        let cache = shared.caches.claim();
        // SAFETY: the cache belongs to this depot.
        let slots: Vec<_> = (0..MAGAZINE)
            .map(|_| unsafe { cache.take_slot(&shared.depot) })
            .collect();
        let other = Arc::clone(&shared);
        let t = thread::spawn(move || other.churn(1, MAGAZINE, 0));
        for slot in slots {
            // SAFETY: handed out by this depot's cache, never written.
            unsafe { cache.give_back_slot(&shared.depot, slot) };
        }
        // SAFETY: as above; parks one whole magazine.
        unsafe { cache.flush(&shared.depot) };
        // SAFETY: claimed above, flushed, done with.
        unsafe { shared.caches.release(cache) };
        t.join().unwrap();
        let grown = shared.depot.capacity() - capacity;
        // No growth, or the one chunk that doubles the newest.
        assert!(grown == 0 || grown == 2 * capacity, "grew by {grown}");
        shared.check(0);
    });
}

/// `reserve` counts the parked magazines while takers take them and
/// putters park them: with enough parked, it takes no chunk.
#[test]
fn reserve_races_a_taker_and_counts_what_is_parked() {
    model(|| {
        let shared = parked_only(3);
        let capacity = shared.depot.capacity();
        let other = Arc::clone(&shared);
        let t = thread::spawn(move || other.churn(1, MAGAZINE, 0));
        // At most one magazine is out at a time, so two stay parked.
        shared.depot.reserve(2 * MAGAZINE);
        t.join().unwrap();
        assert_eq!(shared.depot.capacity(), capacity, "reserve grew");
        // Now short of room: it grows, and every slot stays accounted for.
        shared.depot.reserve(4 * MAGAZINE);
        assert!(shared.depot.capacity() > capacity);
        shared.check(0);
    });
}
