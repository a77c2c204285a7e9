// Not in tests/all: its waves test fails if other tests' threads take `thread_local` ids meanwhile.

//! `SyncDropArena` on many threads, written for ThreadSanitizer: `.ci/tsan`
//! runs this file under TSan, which must report nothing. Under plain
//! `cargo test` it is an ordinary, quick behaviour test.
//!
//! std is not instrumented (there is no `-Zbuild-std` here), so TSan cannot
//! see synchronisation done inside std and reports races that are not
//! there. Measured on nightly 1.97 (2026-05-19) with one thread writing a
//! plain variable and another reading it, no arena involved: after a
//! `thread::scope`'s implicit join, after a contended `Mutex`, and after a
//! message on `mpsc::channel` or `sync_channel`, TSan reports a race that
//! is not one; after an explicit `join`, or a Release store and an Acquire
//! load compiled in the test, it reports nothing (and with Relaxed ones, the
//! race). So the threads here synchronise only in ways TSan sees:
//!
//! - every thread is joined explicitly, a `pthread_join` that TSan
//!   intercepts ([`on_threads`]);
//! - values travel between threads through [`Ring`], whose atomics are
//!   compiled with this file and so instrumented;
//! - counters are atomics.
//!
//! A [`Ring`] orders the sender before the receiver and nothing the other
//! way, so whatever a receiver does to a slot reaches the sender's next
//! allocation only through the arena's own synchronisation, which is what
//! TSan is here to check.

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::{Rng, assert_expected_panic, expected_panic, quiet_expected_panics};
use drop_arena::{DropBox, LocalHandle, SyncDropArena, make_sync_arena};

/// A value that shows whether it is intact: `check` is `id` scrambled, so a
/// slot handed to two owners at once, or a free-list link written over a
/// live value, breaks the pair.
#[derive(Clone, Copy, PartialEq, Debug)]
struct Stamp {
    id: u64,
    check: u64,
}

impl Stamp {
    fn new(owner: usize, seq: u64) -> Stamp {
        let id = (owner as u64) << 40 | seq;
        Stamp {
            id,
            check: !id.rotate_left(17),
        }
    }

    fn owner(&self) -> usize {
        (self.id >> 40) as usize
    }

    fn seq(&self) -> u64 {
        self.id & ((1 << 40) - 1)
    }

    fn assert_intact(&self) {
        assert_eq!(
            self.check,
            !self.id.rotate_left(17),
            "a damaged value: {self:?}"
        );
    }
}

/// How long a thread waits for another before the test fails: a hang
/// becomes a panic, even under TSan on a busy machine.
const PATIENCE: Duration = Duration::from_secs(120);

/// Spins (yielding: there may be more threads than cores) until `ready`.
fn wait_until(mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !ready() {
        assert!(Instant::now() < deadline, "a peer thread stopped answering");
        thread::yield_now();
    }
}

/// Runs `work` on one scoped thread per input, all at once, and returns the
/// results in input order. A panic on any thread is raised here once every
/// thread has ended.
///
/// Each thread first runs `first_call`, one thread at a time in input
/// order, and none starts `work` before all are done; the threads then end
/// one at a time, in input order, each joined explicitly. The reason: a
/// thread's first call to an arena's `std` methods takes an id from the
/// `thread_local` crate, and its end gives the id back, both under a
/// `std::sync::Mutex` whose contended path runs inside std, where TSan does
/// not see it. Kept apart, those moments never contend. For threads that
/// use only handles, `first_call` does nothing.
fn on_threads<I: Send, R: Send>(
    inputs: Vec<I>,
    first_call: impl Fn() + Sync,
    work: impl Fn(I) -> R + Sync,
) -> Vec<R> {
    let threads = inputs.len();
    let started = AtomicUsize::new(0);
    let may_end = AtomicUsize::new(0);
    let (started, may_end, first_call, work) = (&started, &may_end, &first_call, &work);
    thread::scope(|s| {
        let handles: Vec<_> = inputs
            .into_iter()
            .enumerate()
            .map(|(i, input)| {
                s.spawn(move || {
                    wait_until(|| started.load(Ordering::Acquire) == i);
                    let first = panic::catch_unwind(AssertUnwindSafe(first_call));
                    started.store(i + 1, Ordering::Release);
                    wait_until(|| started.load(Ordering::Acquire) == threads);
                    let result =
                        first.and_then(|()| panic::catch_unwind(AssertUnwindSafe(|| work(input))));
                    wait_until(|| may_end.load(Ordering::Acquire) >= i);
                    result
                })
            })
            .collect();
        let results: Vec<_> = handles
            .into_iter()
            .enumerate()
            .map(|(i, handle)| {
                may_end.store(i, Ordering::Release);
                handle.join().and_then(|result| result)
            })
            .collect();
        results
            .into_iter()
            .map(|result| result.unwrap_or_else(|payload| panic::resume_unwind(payload)))
            .collect()
    })
}

/// A queue from one thread to one other, in place of `mpsc`: a ring of
/// cells, each null or holding one boxed message.
struct Ring<M> {
    cells: Box<[AtomicPtr<M>]>,
}

impl<M> Ring<M> {
    fn new(capacity: usize) -> Ring<M> {
        Ring {
            cells: (0..capacity)
                .map(|_| AtomicPtr::new(ptr::null_mut()))
                .collect(),
        }
    }

    /// Its two ends. `&mut` so that every cell has one sender and one
    /// receiver, which is what lets each end use a load and a store where a
    /// queue with many ends would need read-modify-writes.
    fn ends(&mut self) -> (Sender<'_, M>, Receiver<'_, M>) {
        let cells = &*self.cells;
        (Sender { cells, next: 0 }, Receiver { cells, next: 0 })
    }
}

impl<M> Drop for Ring<M> {
    fn drop(&mut self) {
        for cell in self.cells.iter_mut() {
            let message = *cell.get_mut();
            if !message.is_null() {
                // SAFETY: a cell holds null or a pointer from `Box::into_raw`
                // in `try_send` that no receiver took; `&mut self` means no
                // end is left to take it.
                drop(unsafe { Box::from_raw(message) });
            }
        }
    }
}

/// The sending end of a [`Ring`].
struct Sender<'r, M> {
    cells: &'r [AtomicPtr<M>],
    next: usize,
}

impl<M: Send> Sender<'_, M> {
    /// Sends `message`, or hands it back if the ring is full.
    fn try_send(&mut self, message: M) -> Result<(), M> {
        let cell = &self.cells[self.next];
        // Relaxed: only this end fills a cell, so a cell seen empty stays
        // empty until the store below; and the sender must learn nothing
        // else from the receiver (the arena orders its slots itself).
        if !cell.load(Ordering::Relaxed).is_null() {
            return Err(message);
        }
        // Release: the message, and all this thread did before sending it,
        // happen before the receiver's Acquire.
        cell.store(Box::into_raw(Box::new(message)), Ordering::Release);
        self.next = (self.next + 1) % self.cells.len();
        Ok(())
    }

    /// Sends `message`, waiting while the ring is full.
    fn send(&mut self, mut message: M) {
        let deadline = Instant::now() + PATIENCE;
        while let Err(back) = self.try_send(message) {
            message = back;
            assert!(Instant::now() < deadline, "the receiver stopped answering");
            thread::yield_now();
        }
    }
}

/// The receiving end of a [`Ring`].
struct Receiver<'r, M> {
    cells: &'r [AtomicPtr<M>],
    next: usize,
}

impl<M: Send> Receiver<'_, M> {
    /// The next message, if it has arrived.
    fn try_recv(&mut self) -> Option<M> {
        let cell = &self.cells[self.next];
        // Acquire: pairs with the sender's Release.
        let message = NonNull::new(cell.load(Ordering::Acquire))?;
        // Says the cell is free again, and the sender's Relaxed load takes
        // no ordering from it (see `try_send`). Release only for TSan's
        // sake: a Release starts a new epoch of this thread, and once TSan
        // fails to find an access of some epoch in the thread's history it
        // drops every later race against that epoch; a receiver that never
        // released would stay in one epoch, and one such miss would hide
        // all its races for the rest of the test.
        cell.store(ptr::null_mut(), Ordering::Release);
        self.next = (self.next + 1) % self.cells.len();
        // SAFETY: the pointer came from `Box::into_raw` in `try_send`, and
        // only this end empties the cell, so it is taken out once.
        Some(*unsafe { Box::from_raw(message.as_ptr()) })
    }

    /// The next message, waiting for it.
    fn recv(&mut self) -> M {
        let mut message = None;
        wait_until(|| {
            message = self.try_recv();
            message.is_some()
        });
        message.expect("wait_until returned early")
    }
}

/// Producer and consumer ends, for [`on_threads`], which gives each thread
/// one input.
enum Role<'r, M> {
    Producer(Sender<'r, M>),
    Consumer(Receiver<'r, M>),
}

/// The scenario `.ci/tsan` also runs with the depot's publishing ordering
/// weakened (`--cfg drop_arena_planted_race`), where TSan must report the
/// race: the consumer's frees fill magazines, the depot hands them to the
/// producer, and the producer reads the links the consumer wrote. The ring
/// adds no ordering from consumer to producer, so only the depot's does.
#[test]
fn a_producer_reuses_the_slots_its_consumer_frees() {
    const VALUES: u64 = 20_000;
    const BOUND: usize = 256;
    SyncDropArena::with(|arena| {
        let mut ring = Ring::new(BOUND);
        let (to_consumer, from_producer) = ring.ends();
        let roles = vec![Role::Producer(to_consumer), Role::Consumer(from_producer)];
        on_threads(
            roles,
            || (),
            |role| {
                let local = arena.local();
                match role {
                    Role::Producer(mut to_consumer) => {
                        for seq in 0..VALUES {
                            to_consumer.send(local.alloc(Stamp::new(0, seq)));
                        }
                    }
                    Role::Consumer(mut from_producer) => {
                        for seq in 0..VALUES {
                            let b = from_producer.recv();
                            assert_eq!(*b, Stamp::new(0, seq));
                            local.drop_box(b);
                        }
                    }
                }
            },
        );
        assert_eq!(arena.len(), 0);
        // At most BOUND + 2 values alive, plus each handle's slack: the
        // producer went on with the consumer's slots.
        assert!(
            arena.capacity() <= 4 * BOUND + 1024,
            "capacity {} for {VALUES} values",
            arena.capacity()
        );
    });
}

#[test]
fn every_thread_sends_to_every_other_and_frees_what_it_receives() {
    const THREADS: usize = 3;
    const EACH: u64 = 4_000;
    SyncDropArena::with(|arena| {
        // rings[from * THREADS + to]; a thread's ring to itself stays unused.
        let mut rings: Vec<Ring<DropBox<'_, Stamp>>> =
            (0..THREADS * THREADS).map(|_| Ring::new(64)).collect();
        let mut outboxes: Vec<Vec<_>> = (0..THREADS).map(|_| Vec::new()).collect();
        let mut inboxes: Vec<Vec<_>> = (0..THREADS).map(|_| Vec::new()).collect();
        for (i, ring) in rings.iter_mut().enumerate() {
            let (tx, rx) = ring.ends();
            outboxes[i / THREADS].push(tx);
            inboxes[i % THREADS].push(rx);
        }
        let senders_done = AtomicUsize::new(0);
        let inputs: Vec<_> = outboxes.into_iter().zip(inboxes).enumerate().collect();
        let received = on_threads(
            inputs,
            || (),
            |(me, (mut outbox, mut inbox))| {
                let local = arena.local();
                let mut rng = Rng::new(me as u64);
                // Messages from one sender arrive in order.
                let mut last_seq = [None; THREADS];
                let mut received = 0;
                let mut drain = || {
                    for rx in inbox.iter_mut() {
                        while let Some(b) = rx.try_recv() {
                            b.assert_intact();
                            assert!(
                                last_seq[b.owner()] < Some(b.seq()),
                                "out of order: {:?}",
                                *b
                            );
                            last_seq[b.owner()] = Some(b.seq());
                            received += 1;
                            local.drop_box(b);
                        }
                    }
                };
                for seq in 0..EACH {
                    let b = local.alloc(Stamp::new(me, seq));
                    let peer = (me + 1 + rng.below(THREADS - 1)) % THREADS;
                    if let Err(b) = outbox[peer].try_send(b) {
                        local.drop_box(b);
                    }
                    drain();
                }
                senders_done.fetch_add(1, Ordering::Release);
                wait_until(|| senders_done.load(Ordering::Acquire) == THREADS);
                // Every send happened before the count reached THREADS.
                drain();
                received
            },
        );
        assert!(received.iter().all(|&n| n > 0), "received {received:?}");
        assert_eq!(arena.len(), 0);
    });
}

/// A handle, the boxes it made, and the arena's capacity when it set out.
type Baton<'id> = (LocalHandle<'id, Stamp>, Vec<DropBox<'id, Stamp>>, usize);

#[test]
fn a_handle_passed_from_thread_to_thread_keeps_its_slots() {
    const THREADS: usize = 3;
    const HOPS: usize = 30;
    SyncDropArena::with(|arena| {
        // Thread i passes the baton to thread i + 1 on rings[i].
        let mut rings: Vec<Ring<Baton<'_>>> = (0..THREADS).map(|_| Ring::new(1)).collect();
        let (mut senders, mut receivers): (Vec<_>, Vec<_>) =
            rings.iter_mut().map(Ring::ends).unzip();
        receivers.rotate_right(1);
        let local = arena.local();
        let boxes: Vec<_> = (0..200)
            .map(|seq| local.alloc(Stamp::new(0, seq)))
            .collect();
        senders[THREADS - 1].send((local, boxes, 0));
        let inputs: Vec<_> = senders.into_iter().zip(receivers).enumerate().collect();
        on_threads(
            inputs,
            || (),
            |(me, (mut next, mut previous))| {
                for hop in (me..HOPS).step_by(THREADS) {
                    let (local, mut boxes, capacity) = previous.recv();
                    let capacity = if hop == 0 { arena.capacity() } else { capacity };
                    // Give back the older half and make as many again: the
                    // handle's own free slots serve them, wherever it is.
                    let older: Vec<_> = boxes.drain(..100).collect();
                    for b in older {
                        b.assert_intact();
                        local.drop_box(b);
                    }
                    boxes.extend(
                        (0..100).map(|seq| local.alloc(Stamp::new(me, hop as u64 * 100 + seq))),
                    );
                    assert_eq!(
                        local.arena().capacity(),
                        capacity,
                        "hop {hop} grew the arena"
                    );
                    if hop + 1 < HOPS {
                        next.send((local, boxes, capacity));
                    } else {
                        for b in boxes {
                            b.assert_intact();
                            local.drop_box(b);
                        }
                    }
                }
            },
        );
        assert_eq!(arena.len(), 0);
    });
}

#[test]
fn reserve_while_other_threads_churn_hands_out_every_slot_once() {
    const CHURNERS: usize = 2;
    const ROUNDS: usize = 30;
    const MIN_STEPS: u64 = 4_000;
    SyncDropArena::with(|arena| {
        let reserver_done = AtomicUsize::new(0);
        let inputs: Vec<usize> = (0..=CHURNERS).collect();
        on_threads(
            inputs,
            || (),
            |me| {
                if me == CHURNERS {
                    // The reserver: hands the fresh slots to the depot as
                    // magazines, and grows, while the others take and give back.
                    for round in 0..ROUNDS {
                        let additional = 64 + (round % 7) * 200;
                        arena.reserve(additional);
                        assert!(arena.capacity() >= additional);
                        for _ in 0..10 {
                            thread::yield_now();
                        }
                    }
                    reserver_done.store(1, Ordering::Release);
                    return;
                }
                let local = arena.local();
                let mut rng = Rng::new(me as u64 + 100);
                let mut live: Vec<DropBox<'_, Stamp>> = Vec::new();
                let mut seq = 0;
                // Until the reserver is done, so that the two overlap.
                while seq < MIN_STEPS || reserver_done.load(Ordering::Acquire) == 0 {
                    if live.len() < 300 && (live.is_empty() || rng.below(3) != 0) {
                        live.push(local.alloc(Stamp::new(me, seq)));
                    } else {
                        let b = live.swap_remove(rng.below(live.len()));
                        b.assert_intact();
                        assert_eq!(b.owner(), me);
                        local.drop_box(b);
                    }
                    seq += 1;
                }
                for b in live {
                    b.assert_intact();
                    local.drop_box(b);
                }
            },
        );
        assert_eq!(arena.len(), 0);
    });
}

/// Nodes dropped, over every tree of the test below (its own counter, so
/// tests running at once do not mix).
static TREE_DROPS: AtomicUsize = AtomicUsize::new(0);

/// A node whose destructor gives its children back to its own arena,
/// through a new handle, on whichever thread drops it.
struct Tree<'id> {
    arena: &'id SyncDropArena<'id, Tree<'id>>,
    stamp: Stamp,
    children: Vec<DropBox<'id, Tree<'id>>>,
}

impl Drop for Tree<'_> {
    fn drop(&mut self) {
        self.stamp.assert_intact();
        let local = self.arena.local();
        for child in self.children.drain(..) {
            local.drop_box(child);
        }
        TREE_DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn destructors_that_free_into_their_own_arena_run_on_any_thread() {
    const TREES: u64 = 200;
    make_sync_arena!(arena);
    let mut ring = Ring::new(16);
    let (to_dropper, from_builder) = ring.ends();
    let roles = vec![Role::Producer(to_dropper), Role::Consumer(from_builder)];
    on_threads(
        roles,
        || (),
        |role| {
            let local: LocalHandle<'_, Tree<'_>> = arena.local();
            match role {
                Role::Producer(mut to_dropper) => {
                    for seq in 0..TREES {
                        // The children are made by the same handle, from inside
                        // the constructor that has already taken the root's slot.
                        let root = local.alloc_with(|| Tree {
                            arena,
                            stamp: Stamp::new(0, seq),
                            children: (0..3)
                                .map(|i| {
                                    local.alloc(Tree {
                                        arena,
                                        stamp: Stamp::new(1, seq * 3 + i),
                                        children: Vec::new(),
                                    })
                                })
                                .collect(),
                        });
                        to_dropper.send(root);
                    }
                }
                Role::Consumer(mut from_builder) => {
                    for seq in 0..TREES {
                        let root = from_builder.recv();
                        assert_eq!(root.stamp, Stamp::new(0, seq));
                        local.drop_box(root);
                    }
                }
            }
        },
    );
    assert_eq!(TREE_DROPS.load(Ordering::Relaxed), 4 * TREES as usize);
    assert_eq!(arena.len(), 0);
}

#[test]
fn short_lived_handles_on_many_threads_give_their_slots_back() {
    const THREADS: usize = 3;
    const ROUNDS: u64 = 150;
    SyncDropArena::with(|arena| {
        // Each thread passes boxes to the next, to be freed by another
        // handle than the one that made them.
        let mut rings: Vec<Ring<DropBox<'_, Stamp>>> =
            (0..THREADS).map(|_| Ring::new(256)).collect();
        let (senders, mut receivers): (Vec<_>, Vec<_>) = rings.iter_mut().map(Ring::ends).unzip();
        receivers.rotate_right(1);
        let senders_done = AtomicUsize::new(0);
        let inputs: Vec<_> = senders.into_iter().zip(receivers).enumerate().collect();
        on_threads(
            inputs,
            || (),
            |(me, (mut next, mut previous))| {
                let mut rng = Rng::new(me as u64 + 200);
                for round in 0..ROUNDS {
                    let local = arena.local();
                    let n = 1 + rng.below(150) as u64;
                    for seq in 0..n {
                        let b = local.alloc(Stamp::new(me, round << 8 | seq));
                        if seq % 2 == 0 {
                            local.drop_box(b);
                        } else if let Err(b) = next.try_send(b) {
                            local.drop_box(b);
                        }
                    }
                    while let Some(b) = previous.try_recv() {
                        b.assert_intact();
                        local.drop_box(b);
                    }
                }
                senders_done.fetch_add(1, Ordering::Release);
                wait_until(|| senders_done.load(Ordering::Acquire) == THREADS);
                let local = arena.local();
                while let Some(b) = previous.try_recv() {
                    b.assert_intact();
                    local.drop_box(b);
                }
            },
        );
        assert_eq!(arena.len(), 0);
        // Every handle gave its slots back, so the memory follows the few
        // hundred values alive at once, not the thousands made.
        assert!(arena.capacity() <= 4096, "capacity {}", arena.capacity());
    });
}

/// A value that counts its drops and may panic when dropped.
struct Fragile<'c> {
    stamp: Stamp,
    drops: &'c AtomicUsize,
    panics_on_drop: bool,
}

impl Drop for Fragile<'_> {
    fn drop(&mut self) {
        self.stamp.assert_intact();
        self.drops.fetch_add(1, Ordering::Relaxed);
        if self.panics_on_drop {
            expected_panic();
        }
    }
}

#[test]
fn panics_in_constructors_and_destructors_on_many_threads_keep_the_counts() {
    const VALUES: u64 = 600;
    quiet_expected_panics();
    let drops = AtomicUsize::new(0);
    let drops = &drops;
    SyncDropArena::with(|arena| {
        let mut ring = Ring::new(64);
        let (to_dropper, from_maker) = ring.ends();
        let roles = vec![Role::Producer(to_dropper), Role::Consumer(from_maker)];
        on_threads(
            roles,
            || (),
            |role| {
                let local = arena.local();
                match role {
                    Role::Producer(mut to_dropper) => {
                        for seq in 0..VALUES {
                            match seq % 4 {
                                0 => assert_expected_panic(|| {
                                    let _ = local.alloc_with(|| expected_panic());
                                }),
                                1 => assert_expected_panic(|| {
                                    let _ = local
                                        .try_alloc_with(|| -> Result<_, ()> { expected_panic() });
                                }),
                                _ => to_dropper.send(local.alloc(Fragile {
                                    stamp: Stamp::new(0, seq),
                                    drops,
                                    panics_on_drop: seq % 4 == 3,
                                })),
                            }
                        }
                    }
                    Role::Consumer(mut from_maker) => {
                        for seq in (0..VALUES).filter(|seq| seq % 4 >= 2) {
                            let b = from_maker.recv();
                            assert_eq!(b.stamp, Stamp::new(0, seq));
                            if b.panics_on_drop {
                                assert_expected_panic(|| local.drop_box(b));
                            } else {
                                local.drop_box(b);
                            }
                        }
                    }
                }
            },
        );
        // The panicking constructors left nothing in use, and the slots of
        // the panicking destructors were reclaimed.
        assert_eq!(arena.len(), 0);
    });
    assert_eq!(drops.load(Ordering::Relaxed), VALUES as usize / 2);
}

#[test]
fn arenas_nested_in_threads_of_another_arena_end_cleanly() {
    const OUTER_THREADS: usize = 2;
    const VALUES: u64 = 500;
    SyncDropArena::with(|outer| {
        let inputs: Vec<usize> = (0..OUTER_THREADS).collect();
        let totals = on_threads(
            inputs,
            || (),
            |me| {
                // The inner arena's values own boxes of the outer one.
                SyncDropArena::with(|inner| {
                    let mut ring = Ring::new(32);
                    let (tx, rx) = ring.ends();
                    let roles = vec![Role::Producer(tx), Role::Consumer(rx)];
                    let sums = on_threads(
                        roles,
                        || (),
                        |role| {
                            let (outer_local, inner_local) = (outer.local(), inner.local());
                            match role {
                                Role::Producer(mut tx) => {
                                    for seq in 0..VALUES {
                                        let b = outer_local.alloc(Stamp::new(me, seq));
                                        tx.send(inner_local.alloc(b));
                                    }
                                    0
                                }
                                Role::Consumer(mut rx) => {
                                    let mut sum = 0;
                                    for seq in 0..VALUES {
                                        let b = inner_local.box_to_inner(rx.recv());
                                        assert_eq!(*b, Stamp::new(me, seq));
                                        sum += b.seq();
                                        outer_local.drop_box(b);
                                    }
                                    sum
                                }
                            }
                        },
                    );
                    assert_eq!(inner.len(), 0);
                    sums[1]
                })
            },
        );
        assert_eq!(totals, vec![VALUES * (VALUES - 1) / 2; OUTER_THREADS]);
        assert_eq!(outer.len(), 0);
    });
}

/// The `std` methods take thread ids from the `thread_local` crate, which
/// every thread of the process shares. The tests that use them take this
/// lock, so that the threads of one never take ids in the middle of
/// another's: `on_threads` keeps the id lock uncontended only among its own
/// threads, and the waves test counts on the ids its threads give back.
#[cfg(feature = "std")]
mod through_the_arena {
    use std::sync::atomic::AtomicBool;

    use super::*;
    use common::addr;

    static STD_PATH: AtomicBool = AtomicBool::new(false);

    /// Holds [`STD_PATH`] while it lives. An atomic rather than a `Mutex`,
    /// for the same reason as everything else here.
    struct Serial;

    impl Serial {
        fn new() -> Serial {
            wait_until(|| {
                STD_PATH
                    .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            });
            Serial
        }
    }

    impl Drop for Serial {
        fn drop(&mut self) {
            STD_PATH.store(false, Ordering::Release);
        }
    }

    #[test]
    fn threads_allocate_and_free_through_the_arena_itself() {
        const VALUES: u64 = 10_000;
        let _serial = Serial::new();
        SyncDropArena::with(|arena| {
            let first_call = || arena.drop_box(arena.alloc(Stamp::new(9, 0)));
            let mut ring = Ring::new(256);
            let (to_consumer, from_producer) = ring.ends();
            let roles = vec![Role::Producer(to_consumer), Role::Consumer(from_producer)];
            on_threads(roles, first_call, |role| match role {
                Role::Producer(mut to_consumer) => {
                    for seq in 0..VALUES {
                        let b = if seq % 2 == 0 {
                            arena.alloc(Stamp::new(0, seq))
                        } else {
                            arena.alloc_with(|| Stamp::new(0, seq))
                        };
                        to_consumer.send(b);
                    }
                }
                Role::Consumer(mut from_producer) => {
                    for seq in 0..VALUES {
                        let b = from_producer.recv();
                        match seq % 3 {
                            0 => assert_eq!(arena.box_to_inner(b), Stamp::new(0, seq)),
                            1 => {
                                assert_eq!(*b, Stamp::new(0, seq));
                                arena.free_without_dropping(b);
                            }
                            _ => {
                                assert_eq!(*b, Stamp::new(0, seq));
                                arena.drop_box(b);
                            }
                        }
                        // The consumer also makes values of its own.
                        let own = arena.try_alloc_with(|| Ok::<_, ()>(Stamp::new(1, seq)));
                        arena.drop_box(own.unwrap());
                    }
                }
            });
            assert_eq!(arena.len(), 0);
            assert!(
                arena.capacity() <= 4 * 256 + 1024,
                "capacity {} for {VALUES} values",
                arena.capacity()
            );
        });
    }

    /// A thread that exits leaves its cache to the next thread that gets
    /// its id (`thread_local` reuses the ids of exited threads, lowest
    /// first). Each wave is joined before the next starts, and the next
    /// takes the same ids, so each of its threads starts on a cache an
    /// earlier thread filled: its first slot is the one a thread of the
    /// previous wave freed last. (How much the arena grows depends on how
    /// the threads of a wave overlap, so it is not checked here.)
    #[test]
    fn threads_of_a_later_wave_inherit_the_caches_of_an_earlier_one() {
        const WAVES: usize = 8;
        const THREADS: usize = 3;
        const VALUES: u64 = 300;
        const CARRIED: usize = 20;
        let _serial = Serial::new();
        SyncDropArena::with(|arena| {
            // Boxes each thread leaves for the next wave, to be freed there
            // by another thread than the one that made them.
            let mut carried: Vec<Vec<DropBox<'_, Stamp>>> =
                (0..THREADS).map(|_| Vec::new()).collect();
            let mut freed_last: Vec<usize> = Vec::new();
            for wave in 0..WAVES {
                carried.rotate_left(1);
                let inputs: Vec<_> = carried.drain(..).enumerate().collect();
                // Allocates and frees: the cache is left as it was.
                let first_call = || arena.drop_box(arena.alloc(Stamp::new(9, 0)));
                let results = on_threads(inputs, first_call, |(me, from_before)| {
                    let first = arena.alloc(Stamp::new(me, 0));
                    let first_at = addr(&*first);
                    let mut live = vec![first];
                    live.extend((1..VALUES).map(|seq| arena.alloc(Stamp::new(me, seq))));
                    for b in from_before {
                        b.assert_intact();
                        assert_ne!(b.owner(), me, "a box stayed with its maker");
                        arena.drop_box(b);
                    }
                    let keep = live.split_off(live.len() - CARRIED);
                    for (seq, b) in live.into_iter().enumerate() {
                        assert_eq!(*b, Stamp::new(me, seq as u64));
                        arena.drop_box(b);
                    }
                    // At most two magazines stay on the list, so this slot
                    // heads it when the thread exits.
                    let last = arena.alloc(Stamp::new(me, VALUES));
                    let last_at = addr(&*last);
                    arena.drop_box(last);
                    (first_at, last_at, keep)
                });
                let mut freed_now = Vec::new();
                for (first_at, last_at, keep) in results {
                    if wave > 0 {
                        assert!(
                            freed_last.contains(&first_at),
                            "wave {wave} started on a slot no thread of wave {} freed last",
                            wave - 1
                        );
                    }
                    freed_now.push(last_at);
                    carried.push(keep);
                }
                freed_last = freed_now;
                assert_eq!(arena.len(), THREADS * CARRIED);
            }
            // The last wave's boxes, freed here: this thread takes an id now
            // that no other thread of the test runs.
            for b in carried.into_iter().flatten() {
                b.assert_intact();
                arena.drop_box(b);
            }
            assert_eq!(arena.len(), 0);
        });
    }
}
