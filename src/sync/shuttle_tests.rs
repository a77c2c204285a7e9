//! shuttle tests of `SyncDropArena` driven as a user drives it: 4 to 8
//! threads, each with its own handle, allocating and reclaiming in a random
//! mix and passing boxes to each other, under randomised schedules. As for
//! loom, a magazine holds 2 slots and the depot has one cell, so that a few
//! operations already move magazines through the cell, the overflow stack,
//! the loose list and the chunks:
//!
//! ```text
//! RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle cargo test --release --lib sync::shuttle_tests
//! ```
//!
//! loom (`loom_tests.rs`) explores the interleavings of small models of the
//! depot, up to two preemptions, and checks the memory orderings; shuttle
//! samples schedules of whole programs: more threads, more operations, the
//! public path from `alloc` to `drop_box`. It runs every atomic as `SeqCst`,
//! so it says nothing about orderings. A failure prints a schedule that
//! `shuttle::replay` reproduces; the tests draw their random choices from
//! `shuttle::rand`, so the schedule replays those too.
//!
//! Every test checks that no slot is handed to two owners at once (a set of
//! the addresses in use, and a stamp in each value naming the thread that
//! holds its box, checked before the box ends), that every value is dropped
//! exactly once unless it was forgotten, and, once the threads are done,
//! `len` and that every slot of the chunks is in use or idle in the depot,
//! every magazine there whole.
//!
//! Only handles are tested. shuttle's threads are coroutines on one OS
//! thread, so the `std` path (the methods on `&SyncDropArena`, whose
//! per-thread caches the `thread_local` crate finds by OS thread) would give
//! every shuttle thread the same cache. The `std` feature still builds under
//! `cfg(shuttle)`; it is just not called here.

use core::mem::ManuallyDrop;
use std::collections::HashSet;
use std::sync::{Mutex as StdMutex, MutexGuard, PoisonError};
use std::vec::Vec;

use shuttle::rand::{Rng, thread_rng};
use shuttle::sync::{Mutex, mpsc};
use shuttle::thread;

use super::{LocalHandle, SyncDropArena};
use crate::DropBox;

/// Schedules per scheduler and test: about 15 seconds for the three tests
/// in release on one core.
const ITERATIONS: usize = 10_000;

/// Runs `test` under shuttle's random scheduler, then under PCT (which
/// favours schedules with a few well-placed preemptions), [`ITERATIONS`]
/// times each, with fresh seeds on every run.
fn check(test: impl Fn() + Send + Sync + 'static) {
    let test = std::sync::Arc::new(test);
    let mut config = shuttle::Config::new();
    // The warning that shuttle runs every ordering as SeqCst; said above.
    config.silence_warnings = true;
    // shuttle's default, 32 KiB, is too small to report a failure: the
    // panic's backtrace overflows it.
    config.stack_size = 256 * 1024;
    let random = shuttle::scheduler::RandomScheduler::new(ITERATIONS);
    let t = std::sync::Arc::clone(&test);
    shuttle::Runner::new(random, config.clone()).run(move || t());
    let pct = shuttle::scheduler::PctScheduler::new(3, ITERATIONS);
    shuttle::Runner::new(pct, config).run(move || test());
}

/// Every value made, and how many times each was dropped: exactly once at
/// the end, or never if it was forgotten.
///
/// A `std` mutex, not shuttle's: it is never held across a shuttle
/// operation, so it adds no scheduling points of its own.
#[derive(Default)]
struct Ledger(StdMutex<Vec<Drops>>);

#[derive(Clone, Copy)]
struct Drops {
    seen: u32,
    expected: u32,
}

impl Ledger {
    /// The counts, even after a failed check poisoned the lock: the values
    /// still drop while the failure unwinds.
    ///
    /// No check panics while holding it: shuttle's panic hook drops the
    /// other threads' values before the panic unwinds.
    fn drops(&self) -> MutexGuard<'_, Vec<Drops>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn make(&self, holder: usize) -> Token<'_> {
        let mut drops = self.drops();
        drops.push(Drops {
            seen: 0,
            expected: 1,
        });
        let id = drops.len() - 1;
        Token {
            ballast: [id; BALLAST],
            id,
            holder,
            ledger: self,
        }
    }

    fn forgotten(&self, id: usize) {
        self.drops()[id].expected = 0;
    }

    fn assert_each_dropped_as_expected(&self) {
        let wrong: Vec<usize> = (self.drops().iter().enumerate())
            .filter(|(_, drops)| drops.seen != drops.expected)
            .map(|(id, _)| id)
            .collect();
        assert!(
            wrong.is_empty(),
            "values dropped too often or never: {wrong:?}"
        );
    }
}

/// Words of a `Token` that repeat its id: large enough that a 4 KiB chunk
/// holds only a few slots, so the threads grow the arena under its lock,
/// and checked whole, so a free-list link written into a slot in use shows.
const BALLAST: usize = 60;

/// A value that stamps the thread holding its box.
///
/// `repr(C)` with the ballast first, where a free slot keeps its link: if a
/// bug reads a link out of a slot in use, it gets a small id, and crashes on
/// it, rather than the ledger's address, whose memory it would then hand
/// out and overwrite, hanging the test on a corrupted lock.
#[repr(C)]
struct Token<'l> {
    ballast: [usize; BALLAST],
    id: usize,
    holder: usize,
    ledger: &'l Ledger,
}

impl Drop for Token<'_> {
    fn drop(&mut self) {
        let seen = (self.ledger.drops().get_mut(self.id)).map(|drops| {
            drops.seen += 1;
            drops.seen
        });
        // Not while unwinding from another failure: that would abort.
        if !std::thread::panicking() {
            assert_eq!(seen, Some(1), "value {} dropped twice", self.id);
        }
    }
}

type Boxed<'a, 'l> = DropBox<'a, Token<'l>>;

/// What a test shares between its threads.
struct World<'a, 'l> {
    arena: &'a SyncDropArena<'a, Token<'l>>,
    ledger: &'l Ledger,
    /// The addresses of the slots in use: an allocation must find its slot
    /// absent, a box that ends must find it present. A shuttle mutex, so
    /// that taking it is a scheduling point between a slot's allocation and
    /// its claim.
    owners: Mutex<HashSet<usize>>,
    /// One per thread: boxes sent to it, not yet collected.
    mailboxes: Vec<Mutex<Vec<Boxed<'a, 'l>>>>,
}

impl<'a, 'l> World<'a, 'l> {
    fn new(arena: &'a SyncDropArena<'a, Token<'l>>, ledger: &'l Ledger, threads: usize) -> Self {
        World {
            arena,
            ledger,
            owners: Mutex::new(HashSet::new()),
            mailboxes: (0..threads).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    fn claim(&self, b: &Boxed<'a, 'l>) {
        let at = DropBox::as_ptr(b) as usize;
        let fresh = self.owners.lock().unwrap().insert(at);
        assert!(fresh, "slot {at:#x} handed to two owners at once");
    }

    fn release(&self, b: &Boxed<'a, 'l>) {
        let at = DropBox::as_ptr(b) as usize;
        let owned = self.owners.lock().unwrap().remove(&at);
        assert!(owned, "slot {at:#x} ended twice");
    }

    /// Once every handle is dropped: `len` is `in_use`, and every other
    /// slot of the chunks is idle in the depot, every magazine whole.
    fn assert_every_slot_in_use_or_idle(&self, in_use: usize) {
        assert_eq!(self.arena.len(), in_use);
        let owned = self.owners.lock().unwrap().len();
        assert_eq!(owned, in_use);
        // SAFETY: the callers hold no handle, and every thread that used
        // the arena has been joined.
        let (free, fresh) = unsafe { self.arena.count_idle() };
        assert_eq!(
            in_use + free + fresh,
            self.arena.capacity(),
            "a slot was lost"
        );
    }
}

/// How a box's life ends.
#[derive(Clone, Copy)]
enum End {
    DropBox,
    BoxToInner,
    FreeWithoutDropping,
    /// `drop(b)`: the value is dropped, the slot stays in use until the
    /// arena ends.
    DropInPlace,
    /// `mem::forget(b)`: neither.
    Forget,
}

/// The ends that give the slot back to the arena.
const RECLAIMS: &[End] = &[End::DropBox, End::BoxToInner, End::FreeWithoutDropping];

/// Every end, some of which leave the slot in use until the arena ends.
const ALL_ENDS: &[End] = &[
    End::DropBox,
    End::BoxToInner,
    End::FreeWithoutDropping,
    End::DropInPlace,
    End::Forget,
];

/// One thread of a test: its handle and the boxes it holds.
struct Worker<'w, 'a, 'l> {
    me: usize,
    world: &'w World<'a, 'l>,
    /// Dropped by `Worker::drop`, unless a check failed.
    local: ManuallyDrop<LocalHandle<'a, Token<'l>>>,
    live: Vec<Boxed<'a, 'l>>,
    /// Slots this worker left in use (`DropInPlace`, `Forget`).
    left_in_use: usize,
}

impl<'w, 'a, 'l> Worker<'w, 'a, 'l> {
    fn new(me: usize, world: &'w World<'a, 'l>) -> Self {
        Worker {
            me,
            world,
            local: ManuallyDrop::new(world.arena.local()),
            live: Vec::new(),
            left_in_use: 0,
        }
    }

    fn alloc(&mut self) -> Boxed<'a, 'l> {
        let token = self.world.ledger.make(self.me);
        let b = match thread_rng().gen_range(0..3) {
            0 => self.local.alloc(token),
            1 => self.local.alloc_with(|| token),
            _ => {
                assert!(self.local.try_alloc_with(|| Err::<Token, _>(())).is_err());
                self.local.try_alloc_with(|| Ok::<_, ()>(token)).unwrap()
            }
        };
        self.world.claim(&b);
        b
    }

    /// Ends `b`'s life one of the ways in `ends`, after checking that this
    /// worker holds it.
    fn end(&mut self, b: Boxed<'a, 'l>, ends: &[End]) {
        assert_eq!(b.holder, self.me, "a box held by two threads");
        assert!(
            b.ballast.iter().all(|&w| w == b.id),
            "value {} overwritten",
            b.id
        );
        let how = ends[thread_rng().gen_range(0..ends.len())];
        if matches!(how, End::FreeWithoutDropping | End::Forget) {
            self.world.ledger.forgotten(b.id);
        }
        if matches!(how, End::DropInPlace | End::Forget) {
            self.left_in_use += 1;
        } else {
            // Before the slot goes back: after, another thread may get it.
            self.world.release(&b);
        }
        match how {
            End::DropBox => self.local.drop_box(b),
            End::BoxToInner => drop(self.local.box_to_inner(b)),
            End::FreeWithoutDropping => self.local.free_without_dropping(b),
            End::DropInPlace => drop(b),
            End::Forget => core::mem::forget(b),
        }
    }

    fn send(&mut self, mut b: Boxed<'a, 'l>, to: usize) {
        assert_eq!(b.holder, self.me, "a box held by two threads");
        b.holder = to;
        self.world.mailboxes[to].lock().unwrap().push(b);
    }

    fn collect(&mut self) {
        let boxes = core::mem::take(&mut *self.world.mailboxes[self.me].lock().unwrap());
        self.live.extend(boxes);
    }

    /// Drops the handle, which flushes its slots to the depot while the
    /// other threads run, and takes a new one.
    fn replace_handle(&mut self) {
        let new = ManuallyDrop::new(self.world.arena.local());
        drop(ManuallyDrop::into_inner(core::mem::replace(
            &mut self.local,
            new,
        )));
    }

    /// `steps` random operations: allocate, end a box one of the ways in
    /// `ends`, send one to a thread (itself included), collect the boxes
    /// sent here, or replace the handle; then collects once more.
    fn run(&mut self, steps: usize, ends: &[End]) {
        let threads = self.world.mailboxes.len();
        for _ in 0..steps {
            match thread_rng().gen_range(0..16) {
                0..=5 => {
                    let b = self.alloc();
                    self.live.push(b);
                }
                6..=9 if !self.live.is_empty() => {
                    let b = self
                        .live
                        .swap_remove(thread_rng().gen_range(0..self.live.len()));
                    self.end(b, ends);
                }
                10..=12 if !self.live.is_empty() => {
                    let b = self
                        .live
                        .swap_remove(thread_rng().gen_range(0..self.live.len()));
                    let to = thread_rng().gen_range(0..threads);
                    self.send(b, to);
                }
                13 | 14 => self.collect(),
                15 => self.replace_handle(),
                _ => {}
            }
        }
        self.collect();
    }

    fn end_all(&mut self, ends: &[End]) {
        while let Some(b) = self.live.pop() {
            self.end(b, ends);
        }
    }
}

impl Drop for Worker<'_, '_, '_> {
    fn drop(&mut self) {
        // After a failed check the free lists may be corrupt, and flushing
        // the handle would crash before the test reports the failure.
        if !std::thread::panicking() {
            // SAFETY: `local` is dropped only here, and `self` is gone after.
            unsafe { ManuallyDrop::drop(&mut self.local) };
        }
    }
}

#[test]
fn eight_threads_pass_boxes_all_to_all() {
    const THREADS: usize = 8;
    check(|| {
        let ledger = Ledger::default();
        SyncDropArena::with(|arena| {
            let world = World::new(arena, &ledger, THREADS);
            let left_in_use: usize = thread::scope(|s| {
                let workers: Vec<_> = (0..THREADS)
                    .map(|me| {
                        let world = &world;
                        s.spawn(move || {
                            let mut worker = Worker::new(me, world);
                            worker.run(32, RECLAIMS);
                            worker.end_all(RECLAIMS);
                            worker.left_in_use
                        })
                    })
                    .collect();
                workers.into_iter().map(|w| w.join().unwrap()).sum()
            });
            assert_eq!(left_in_use, 0);
            // Boxes sent after their receiver's last collect.
            let mut last = Worker::new(0, &world);
            for mailbox in &world.mailboxes {
                for mut b in core::mem::take(&mut *mailbox.lock().unwrap()) {
                    b.holder = 0;
                    last.live.push(b);
                }
            }
            last.end_all(RECLAIMS);
            drop(last);
            world.assert_every_slot_in_use_or_idle(0);
        });
        ledger.assert_each_dropped_as_expected();
    });
}

#[test]
fn consumers_reclaim_while_producers_drop_their_handles() {
    const PRODUCERS: usize = 3;
    const CONSUMERS: usize = 3;
    const EACH: usize = 16;
    check(|| {
        let ledger = Ledger::default();
        SyncDropArena::with(|arena| {
            let world = World::new(arena, &ledger, PRODUCERS + CONSUMERS);
            thread::scope(|s| {
                let (senders, receivers): (Vec<_>, Vec<_>) =
                    (0..CONSUMERS).map(|_| mpsc::sync_channel(1)).unzip();
                for me in 0..PRODUCERS {
                    let (world, senders) = (&world, senders.clone());
                    s.spawn(move || {
                        let mut worker = Worker::new(me, world);
                        for i in 0..EACH {
                            let mut b = worker.alloc();
                            let consumer = (me + i) % CONSUMERS;
                            b.holder = PRODUCERS + consumer;
                            senders[consumer].send(b).unwrap();
                        }
                        // The handle flushes here, while the consumers run.
                    });
                }
                drop(senders);
                for (c, boxes) in receivers.into_iter().enumerate() {
                    let world = &world;
                    s.spawn(move || {
                        let mut worker = Worker::new(PRODUCERS + c, world);
                        for b in boxes {
                            worker.end(b, RECLAIMS);
                            // Allocating too, from the slots just reclaimed.
                            if thread_rng().gen_range(0..3) == 0 {
                                let mine = worker.alloc();
                                worker.end(mine, RECLAIMS);
                            }
                        }
                    });
                }
            });
            world.assert_every_slot_in_use_or_idle(0);
        });
        ledger.assert_each_dropped_as_expected();
    });
}

#[test]
fn the_arena_ends_on_another_thread_with_slots_left_in_use() {
    const THREADS: usize = 5;
    check(|| {
        let ledger = Ledger::default();
        let ledger = &ledger;
        thread::scope(|s| {
            // The thread that makes the arena, runs the workers and drops
            // the arena, with boxes of every worker's handle still in use.
            s.spawn(move || {
                crate::make_sync_arena!(arena);
                let world = World::new(arena, ledger, THREADS);
                let left_in_use: usize = thread::scope(|s| {
                    let workers: Vec<_> = (0..THREADS)
                        .map(|me| {
                            let world = &world;
                            s.spawn(move || {
                                let mut worker = Worker::new(me, world);
                                worker.run(24, ALL_ENDS);
                                // Half of what it holds stays in the
                                // mailboxes until the arena ends.
                                let keep = worker.live.len() / 2;
                                for b in worker.live.drain(..keep).collect::<Vec<_>>() {
                                    worker.send(b, me);
                                }
                                worker.end_all(ALL_ENDS);
                                worker.left_in_use
                            })
                        })
                        .collect();
                    workers.into_iter().map(|w| w.join().unwrap()).sum()
                });
                let in_mailboxes: usize = world
                    .mailboxes
                    .iter()
                    .map(|m| m.lock().unwrap().len())
                    .sum();
                world.assert_every_slot_in_use_or_idle(left_in_use + in_mailboxes);
                // `world` drops the mailboxes' boxes in place, then the
                // arena ends.
            });
        });
        ledger.assert_each_dropped_as_expected();
    });
}
