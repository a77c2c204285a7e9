//! `SyncDropArena` under threads, for the `threads` section of `compare`:
//! the goals of issue 11, measured side by side in one process.
//!
//! 1. **One thread**: random add/drop and alloc+reclaim pairs on
//!    `DropArena`, on `SyncDropArena` through a [`LocalHandle`] handle, and
//!    through the `std` path (the methods on `&SyncDropArena`).
//! 2. **Two threads churning** their own values on one arena, through
//!    handles, against one thread doing the same total work.
//! 3. **Producer -> consumer** ([`handoff`]): one thread allocates, the
//!    other reclaims. Boxes travel in `Vec`s of [`BATCH`] through a
//!    `std::sync::mpsc::sync_channel` of [`CHANNEL_BOUND`] batches, the same
//!    for every variant, so that the channel (one send per 64 values) is not
//!    what is measured.
//! 4. **N producers -> N consumers** ([`Xmalloc`]), as in mimalloc-bench's
//!    xmalloc-test: each producer allocates batches of [`XMALLOC_BATCH`] and
//!    sends each whole batch to the next consumer in turn, which reclaims
//!    it; beside the allocators, the same handoff of objects made before the
//!    run, with no allocation at all.
//! 5. **Bounded memory** ([`bounded`]): millions of values through
//!    producer -> consumer and through an exchange between two threads, with
//!    the arena's capacity against the peak live set.
//!
//! Every run returns a [`Tally`] whose checksum must be the same for every
//! variant of a measurement.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use drop_arena::{DropArena, DropBox, LocalHandle, SyncDropArena, make_guard};

use crate::peers::{Arena, MiBox};
use crate::workloads::{RandomAddDrop, Triple, Value};
use crate::{Pool, Tally, Workload};

/// Boxes per message between threads.
pub const BATCH: usize = 64;
/// Messages a channel holds before `send` blocks.
pub const CHANNEL_BOUND: usize = 16;
/// Boxes per batch in [`Xmalloc`]: four of `SyncDropArena`'s magazines, so
/// that a batch spans several handovers between threads, and the channel
/// costs each value a quarter of what it costs in the producer -> consumer
/// run.
pub const XMALLOC_BATCH: usize = 256;

/// The variants of one measurement, in its table's order; ratios are
/// against the first.
pub trait Variant: Copy + std::fmt::Debug + 'static {
    /// Every variant, in the table's order.
    const ALL: &'static [Self];

    /// What the table calls it.
    fn name(self) -> &'static str;
}

/// Declares an enum of variants with its [`Variant`] impl, so that each
/// variant's name is written once, beside it, and a run matches on the enum
/// rather than on names.
macro_rules! variants {
    (
        $(#[$doc:meta])*
        pub enum $enum:ident {
            $($(#[$variant_doc:meta])* $variant:ident => $name:literal,)+
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $enum {
            $($(#[$variant_doc])* $variant,)+
        }

        impl Variant for $enum {
            const ALL: &'static [Self] = &[$(Self::$variant),+];

            fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }
        }
    };
}

variants! {
    /// The variants of the one-thread measurements ([`random_add_drop`],
    /// [`pairs`]).
    pub enum OneThreadVariant {
        /// `SyncDropArena` through a [`LocalHandle`] handle.
        Handle => "SyncDropArena (handle)",
        /// `SyncDropArena` through its `std` methods.
        StdPath => "SyncDropArena (std)",
        /// A `DropArena`, for the price of being shareable.
        DropArena => "DropArena",
    }
}

variants! {
    /// The variants of [`churn`]: the first two share one `SyncDropArena`;
    /// the last two share nothing, and their ratio is how much two threads
    /// can gain on this machine at all.
    pub enum ChurnVariant {
        /// Two threads at once, each through its own handle.
        SharedTwoThreads => "2 threads (handles)",
        /// The same two runs one after the other on one thread.
        SharedOneThread => "1 thread, same work",
        /// Two threads at once, each on a `DropArena` of its own.
        SeparateTwoThreads => "2 threads, 2 DropArenas",
        /// The same two runs one after the other on one thread.
        SeparateOneThread => "1 thread, 2 DropArenas",
    }
}

variants! {
    /// The variants of [`handoff`].
    pub enum HandoffVariant {
        /// One `SyncDropArena`, each thread through its own [`LocalHandle`].
        Handles => "SyncDropArena (handles)",
        /// One `DropArena` behind a `Mutex`.
        LockedDropArena => "Mutex<DropArena>",
        /// `Box` on mimalloc.
        MimallocBox => "Box (mimalloc)",
        /// `Box` on the system allocator.
        SystemBox => "Box (system)",
        /// One sharded-slab `Pool`.
        ShardedSlabPool => "sharded-slab Pool",
        /// No allocator: the values themselves go over the channel.
        ByValue => "no allocator (by value)",
    }
}

/// A [`LocalHandle`] as a [`Pool`].
struct Handle<'h, 'id, T>(&'h LocalHandle<'id, T>);

impl<'id, T> Pool<T> for Handle<'_, 'id, T> {
    type Handle = DropBox<'id, T>;

    #[inline]
    fn alloc(&mut self, value: T) -> DropBox<'id, T> {
        self.0.alloc(value)
    }

    #[inline]
    fn get<'a>(&'a self, handle: &'a DropBox<'id, T>) -> &'a T {
        handle
    }

    #[inline]
    fn take(&mut self, handle: DropBox<'id, T>) -> T {
        self.0.box_to_inner(handle)
    }
}

/// A `SyncDropArena` used through its `std` methods, as a [`Pool`].
struct Shared<'id, T>(&'id SyncDropArena<'id, T>);

impl<'id, T: Send> Pool<T> for Shared<'id, T> {
    type Handle = DropBox<'id, T>;

    #[inline]
    fn alloc(&mut self, value: T) -> DropBox<'id, T> {
        self.0.alloc(value)
    }

    #[inline]
    fn get<'a>(&'a self, handle: &'a DropBox<'id, T>) -> &'a T {
        handle
    }

    #[inline]
    fn take(&mut self, handle: DropBox<'id, T>) -> T {
        self.0.box_to_inner(handle)
    }
}

/// (1) Random add/drop (`workload`) on one thread, on `variant`.
pub fn random_add_drop(variant: OneThreadVariant, workload: &RandomAddDrop) -> Tally {
    match variant {
        OneThreadVariant::Handle => {
            SyncDropArena::with(|arena| workload.run(&mut Handle(&arena.local())))
        }
        OneThreadVariant::StdPath => SyncDropArena::with(|arena| workload.run(&mut Shared(arena))),
        OneThreadVariant::DropArena => DropArena::with(|arena| workload.run(&mut Arena(arena))),
    }
}

/// (1) Alloc+reclaim pairs on one thread, written as a plain loop (as
/// `PlainPairs`), on `variant`.
pub fn pairs(variant: OneThreadVariant, steps: u64) -> Tally {
    macro_rules! pairs_on {
        ($alloc:expr, $reclaim:expr) => {{
            let mut checksum = 0u64;
            for i in 0..steps {
                let b = black_box($alloc(Triple::make(i)));
                checksum = checksum.wrapping_add($reclaim(b).sum());
            }
            Tally {
                checksum,
                values: steps,
            }
        }};
    }
    match variant {
        OneThreadVariant::Handle => SyncDropArena::with(|arena| {
            let local = arena.local();
            pairs_on!(|v| local.alloc(v), |b| local.box_to_inner(b))
        }),
        OneThreadVariant::StdPath => {
            SyncDropArena::with(|arena| pairs_on!(|v| arena.alloc(v), |b| arena.box_to_inner(b)))
        }
        OneThreadVariant::DropArena => {
            DropArena::with(|arena| pairs_on!(|v| arena.alloc(v), |b| arena.box_to_inner(b)))
        }
    }
}

/// (2) Random add/drop twice, with seeds `workload.seed` and
/// `workload.seed + 1`: on one `SyncDropArena` through handles, on two
/// threads at once or one after the other on one thread; and, as the
/// machine's own ceiling for this work, the same on a `DropArena` per run,
/// which share nothing (`variant`). All run on spawned threads, so all pay
/// for spawning.
pub fn churn(variant: ChurnVariant, workload: &RandomAddDrop) -> Tally {
    let second = RandomAddDrop {
        seed: workload.seed + 1,
        ..*workload
    };
    let add = |a: Tally, b: Tally| Tally {
        checksum: a.checksum.wrapping_add(b.checksum),
        values: a.values + b.values,
    };
    let alone = |w: &RandomAddDrop| DropArena::with(|arena| w.run(&mut Arena(arena)));
    SyncDropArena::with(|arena| {
        let run = |w: &RandomAddDrop| w.run(&mut Handle(&arena.local()));
        thread::scope(|s| match variant {
            ChurnVariant::SharedTwoThreads => {
                let a = s.spawn(|| run(workload));
                let b = s.spawn(|| run(&second));
                add(a.join().unwrap(), b.join().unwrap())
            }
            ChurnVariant::SharedOneThread => {
                s.spawn(|| add(run(workload), run(&second))).join().unwrap()
            }
            ChurnVariant::SeparateTwoThreads => {
                let a = s.spawn(|| alone(workload));
                let b = s.spawn(|| alone(&second));
                add(a.join().unwrap(), b.join().unwrap())
            }
            ChurnVariant::SeparateOneThread => s
                .spawn(|| add(alone(workload), alone(&second)))
                .join()
                .unwrap(),
        })
    })
}

/// One way of owning values that cross threads: `Local` is what each thread
/// makes for itself before it starts (a handle, or nothing).
trait Owner: Sync {
    type Local;
    type Boxed: Send;
    fn local(&self) -> Self::Local;
    fn alloc(&self, local: &Self::Local, value: Triple) -> Self::Boxed;
    fn reclaim(&self, local: &Self::Local, boxed: Self::Boxed) -> Triple;
}

struct SyncArena<'id>(&'id SyncDropArena<'id, Triple>);

impl<'id> Owner for SyncArena<'id> {
    type Local = LocalHandle<'id, Triple>;
    type Boxed = DropBox<'id, Triple>;

    fn local(&self) -> Self::Local {
        self.0.local()
    }

    #[inline]
    fn alloc(&self, local: &Self::Local, value: Triple) -> Self::Boxed {
        local.alloc(value)
    }

    #[inline]
    fn reclaim(&self, local: &Self::Local, boxed: Self::Boxed) -> Triple {
        local.box_to_inner(boxed)
    }
}

/// A `SyncDropArena` through its `std` methods: every call finds the
/// thread's cache itself.
struct SyncStd<'id>(&'id SyncDropArena<'id, Triple>);

impl<'id> Owner for SyncStd<'id> {
    type Local = ();
    type Boxed = DropBox<'id, Triple>;

    fn local(&self) {}

    #[inline]
    fn alloc(&self, _: &(), value: Triple) -> Self::Boxed {
        self.0.alloc(value)
    }

    #[inline]
    fn reclaim(&self, _: &(), boxed: Self::Boxed) -> Triple {
        self.0.box_to_inner(boxed)
    }
}

/// A `DropArena` behind a `Mutex`, locked for each allocation and each
/// reclaim, as a user would share it. `Mutex<DropArena>` is `Sync` because
/// `DropArena` is `Send`, and its boxes are `Send`. But `alloc` and
/// `box_to_inner` take `&'id DropArena`, and a lock guard lends the arena
/// only as long as the guard: so the reference is stretched to `'id`, and
/// only ever used while the lock is held.
struct LockedArena<'id>(Mutex<DropArena<'id, Triple>>);

impl<'id> LockedArena<'id> {
    #[inline]
    fn with<R>(&'id self, f: impl FnOnce(&'id DropArena<'id, Triple>) -> R) -> R {
        let guard = self.0.lock().unwrap();
        let arena: *const DropArena<'id, Triple> = &*guard;
        // SAFETY: the arena lives in `self`, borrowed for `'id`, so it
        // outlives the reference; the reference is used only inside `f`,
        // while the lock is held, so no two threads use the arena at once.
        let arena = unsafe { &*arena };
        f(arena)
    }
}

/// Runs `f` on a fresh, empty `Mutex<DropArena>`.
fn with_locked_arena<R>(f: impl for<'id> FnOnce(&'id LockedArena<'id>) -> R) -> R {
    // Declared before the guard, as `DropArena::new` asks.
    #[expect(
        clippy::needless_late_init,
        reason = "the arena must outlive the guard"
    )]
    let storage;
    make_guard!(guard);
    storage = LockedArena(Mutex::new(DropArena::new(guard)));
    f(&storage)
}

impl<'id> Owner for &'id LockedArena<'id> {
    type Local = ();
    type Boxed = DropBox<'id, Triple>;

    fn local(&self) {}

    #[inline]
    fn alloc(&self, _: &(), value: Triple) -> Self::Boxed {
        self.with(|arena| arena.alloc(value))
    }

    #[inline]
    fn reclaim(&self, _: &(), boxed: Self::Boxed) -> Triple {
        self.with(|arena| arena.box_to_inner(boxed))
    }
}

struct Mimalloc;

impl Owner for Mimalloc {
    type Local = ();
    type Boxed = MiBox<Triple>;

    fn local(&self) {}

    #[inline]
    fn alloc(&self, _: &(), value: Triple) -> MiBox<Triple> {
        MiBox::new(value)
    }

    #[inline]
    fn reclaim(&self, _: &(), boxed: MiBox<Triple>) -> Triple {
        MiBox::into_inner(boxed)
    }
}

struct SystemBox;

impl Owner for SystemBox {
    type Local = ();
    type Boxed = Box<Triple>;

    fn local(&self) {}

    #[inline]
    fn alloc(&self, _: &(), value: Triple) -> Box<Triple> {
        Box::new(value)
    }

    #[inline]
    fn reclaim(&self, _: &(), boxed: Box<Triple>) -> Triple {
        *boxed
    }
}

/// For scale, no allocator at all: the values themselves go over the
/// channel in the same `Vec`s (24 bytes each where the other variants send
/// 8-byte owners). What the channel, the batches and two cores passing data
/// cost, with no allocation in them.
struct ByValue;

impl Owner for ByValue {
    type Local = ();
    type Boxed = Triple;

    fn local(&self) {}

    #[inline]
    fn alloc(&self, _: &(), value: Triple) -> Triple {
        value
    }

    #[inline]
    fn reclaim(&self, _: &(), value: Triple) -> Triple {
        value
    }
}

/// For scale in [`Xmalloc`], no allocator at all: the objects were made
/// before the run, and the batches carry references to them, 8 bytes each
/// like the other variants' owners. The producers only pick the object; the
/// consumers read it, as the others do. What the batches, the channels and
/// the threads cost, with no allocation in them and no object written
/// during the run.
struct Preallocated<'a>(&'a [Triple]);

impl<'a> Owner for Preallocated<'a> {
    type Local = ();
    type Boxed = &'a Triple;

    fn local(&self) {}

    #[inline]
    fn alloc(&self, _: &(), value: Triple) -> &'a Triple {
        // Value `i` is `Triple::make(i)`, whose first word is `i`, and
        // object `i` was made from it.
        &self.0[value[0]]
    }

    #[inline]
    fn reclaim(&self, _: &(), object: &'a Triple) -> Triple {
        *object
    }
}

/// sharded-slab's `Pool`: values are created in place and named by keys;
/// `clear` gives the slot back (from any thread).
struct ShardedPool(sharded_slab::Pool<Option<Triple>>);

impl Owner for ShardedPool {
    type Local = ();
    type Boxed = usize;

    fn local(&self) {}

    #[inline]
    fn alloc(&self, _: &(), value: Triple) -> usize {
        self.0
            .create_with(|slot| *slot = Some(value))
            .expect("sharded-slab is full")
    }

    #[inline]
    fn reclaim(&self, _: &(), key: usize) -> Triple {
        let value = self.0.get(key).and_then(|v| *v).expect("a live key");
        assert!(self.0.clear(key), "key {key} cleared twice");
        value
    }
}

/// Values in flight, counted per batch: the peak live set of [`bounded`].
#[derive(Default)]
struct Live {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Live {
    fn add(&self, n: usize) {
        let now = self.now.fetch_add(n, Relaxed) + n;
        self.peak.fetch_max(now, Relaxed);
    }

    fn sub(&self, n: usize) {
        self.now.fetch_sub(n, Relaxed);
    }
}

/// Allocates the batch of values `first..first + len`, or fewer if `end`
/// comes first.
fn make_batch<O: Owner>(
    owner: &O,
    local: &O::Local,
    first: u64,
    len: usize,
    end: u64,
) -> Vec<O::Boxed> {
    let mut batch = Vec::with_capacity(len);
    for i in first..end.min(first + len as u64) {
        batch.push(owner.alloc(local, Triple::make(i)));
    }
    batch
}

/// Reclaims a batch; returns its checksum.
fn reclaim_batch<O: Owner>(owner: &O, local: &O::Local, batch: Vec<O::Boxed>) -> u64 {
    batch.into_iter().fold(0u64, |sum, b| {
        sum.wrapping_add(owner.reclaim(local, b).sum())
    })
}

/// Producer -> consumer: values `0..values` allocated on one thread, sent in
/// batches, reclaimed on another.
fn handoff_on<O: Owner>(owner: &O, values: u64, live: &Live) -> Tally {
    let (tx, rx) = mpsc::sync_channel::<Vec<O::Boxed>>(CHANNEL_BOUND);
    let checksum = thread::scope(|s| {
        s.spawn(move || {
            let local = owner.local();
            for first in (0..values).step_by(BATCH) {
                live.add(BATCH);
                tx.send(make_batch(owner, &local, first, BATCH, values))
                    .unwrap();
            }
        });
        s.spawn(move || {
            let local = owner.local();
            let mut checksum = 0u64;
            for batch in rx {
                checksum = checksum.wrapping_add(reclaim_batch(owner, &local, batch));
                live.sub(BATCH);
            }
            checksum
        })
        .join()
        .unwrap()
    });
    Tally { checksum, values }
}

/// (3) Producer -> consumer with `values` values on `variant`.
pub fn handoff(variant: HandoffVariant, values: u64) -> Tally {
    let live = Live::default();
    match variant {
        HandoffVariant::Handles => {
            SyncDropArena::with(|arena| handoff_on(&SyncArena(arena), values, &live))
        }
        HandoffVariant::LockedDropArena => {
            with_locked_arena(|arena| handoff_on(&arena, values, &live))
        }
        HandoffVariant::MimallocBox => handoff_on(&Mimalloc, values, &live),
        HandoffVariant::SystemBox => handoff_on(&SystemBox, values, &live),
        HandoffVariant::ShardedSlabPool => {
            handoff_on(&ShardedPool(sharded_slab::Pool::new()), values, &live)
        }
        HandoffVariant::ByValue => handoff_on(&ByValue, values, &live),
    }
}

variants! {
    /// The variants of [`Xmalloc`].
    pub enum XmallocVariant {
        /// One `SyncDropArena`, each thread through its own [`LocalHandle`].
        Handles => "SyncDropArena (handles)",
        /// One `SyncDropArena` through its `std` methods.
        StdPath => "SyncDropArena (std)",
        /// One `DropArena` behind a `Mutex`.
        LockedDropArena => "Mutex<DropArena>",
        /// `Box` on mimalloc.
        MimallocBox => "Box (mimalloc)",
        /// `Box` on the system allocator.
        SystemBox => "Box (system)",
        /// One sharded-slab `Pool`.
        ShardedSlabPool => "sharded-slab Pool",
        /// No allocator: references to objects made before the run.
        Preallocated => "no allocator (prealloc)",
    }
}

/// (4) N producers -> N consumers, as in mimalloc-bench's xmalloc-test:
/// `threads` producers allocate the values `0..values` between them, in
/// batches of [`XMALLOC_BATCH`] (producer `p` makes batches `p`, `p +
/// threads`, ...), and send each whole batch to one of `threads` consumers,
/// in turn, over a `sync_channel` of [`CHANNEL_BOUND`] batches per
/// consumer; the consumers reclaim them.
pub struct Xmalloc {
    threads: usize,
    values: u64,
    /// The objects of [`XmallocVariant::Preallocated`], made once here so
    /// that no run pays for them.
    objects: Vec<Triple>,
}

impl Xmalloc {
    /// `threads` producers and as many consumers (at least one each), for
    /// `values` values a run.
    pub fn new(threads: usize, values: u64) -> Self {
        assert!(threads > 0, "at least one producer and one consumer");
        Xmalloc {
            threads,
            values,
            objects: (0..values).map(Triple::make).collect(),
        }
    }

    /// One run on `variant`.
    pub fn run(&self, variant: XmallocVariant) -> Tally {
        let (threads, values) = (self.threads, self.values);
        match variant {
            XmallocVariant::Handles => {
                SyncDropArena::with(|arena| xmalloc_on(&SyncArena(arena), threads, values))
            }
            XmallocVariant::StdPath => {
                SyncDropArena::with(|arena| xmalloc_on(&SyncStd(arena), threads, values))
            }
            XmallocVariant::LockedDropArena => {
                with_locked_arena(|arena| xmalloc_on(&arena, threads, values))
            }
            XmallocVariant::MimallocBox => xmalloc_on(&Mimalloc, threads, values),
            XmallocVariant::SystemBox => xmalloc_on(&SystemBox, threads, values),
            XmallocVariant::ShardedSlabPool => {
                xmalloc_on(&ShardedPool(sharded_slab::Pool::new()), threads, values)
            }
            XmallocVariant::Preallocated => {
                xmalloc_on(&Preallocated(&self.objects), threads, values)
            }
        }
    }
}

/// One run of [`Xmalloc`] on `owner`.
fn xmalloc_on<O: Owner>(owner: &O, threads: usize, values: u64) -> Tally {
    let batches = values.div_ceil(XMALLOC_BATCH as u64);
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..threads)
        .map(|_| mpsc::sync_channel::<Vec<O::Boxed>>(CHANNEL_BOUND))
        .unzip();
    let checksum = thread::scope(|s| {
        let consumers: Vec<_> = receivers
            .into_iter()
            .map(|rx| {
                s.spawn(move || {
                    let local = owner.local();
                    rx.into_iter().fold(0u64, |sum, batch| {
                        sum.wrapping_add(reclaim_batch(owner, &local, batch))
                    })
                })
            })
            .collect();
        for producer in 0..threads {
            let senders = senders.clone();
            s.spawn(move || {
                let local = owner.local();
                let mine = (producer as u64..batches).step_by(threads);
                for (turn, b) in mine.enumerate() {
                    let first = b * XMALLOC_BATCH as u64;
                    let batch = make_batch(owner, &local, first, XMALLOC_BATCH, values);
                    // Each producer starts at its own consumer, so that
                    // they do not all queue at the first.
                    senders[(producer + turn) % threads].send(batch).unwrap();
                }
            });
        }
        // The consumers stop once every producer has dropped its senders.
        drop(senders);
        consumers
            .into_iter()
            .fold(0u64, |sum, c| sum.wrapping_add(c.join().unwrap()))
    });
    Tally { checksum, values }
}

/// All-to-all between two threads: each allocates half of `0..values` and
/// sends it to the other in batches, and reclaims what the other sends, in
/// lockstep (send one, receive one), so neither channel ever fills up.
fn exchange_on<O: Owner>(owner: &O, values: u64, live: &Live) -> Tally {
    let (to_a, from_b) = mpsc::sync_channel::<Vec<O::Boxed>>(CHANNEL_BOUND);
    let (to_b, from_a) = mpsc::sync_channel::<Vec<O::Boxed>>(CHANNEL_BOUND);
    let half = values / 2;
    let side = |range: std::ops::Range<u64>, tx: mpsc::SyncSender<_>, rx: mpsc::Receiver<_>| {
        move || {
            let local = owner.local();
            let mut checksum = 0u64;
            for first in range.clone().step_by(BATCH) {
                live.add(BATCH);
                tx.send(make_batch(owner, &local, first, BATCH, range.end))
                    .unwrap();
                let batch = rx.recv().unwrap();
                checksum = checksum.wrapping_add(reclaim_batch(owner, &local, batch));
                live.sub(BATCH);
            }
            checksum
        }
    };
    let checksum = thread::scope(|s| {
        let a = s.spawn(side(0..half, to_b, from_b));
        let b = s.spawn(side(half..2 * half, to_a, from_a));
        a.join().unwrap().wrapping_add(b.join().unwrap())
    });
    Tally {
        checksum,
        values: 2 * half,
    }
}

/// What [`bounded`] saw.
#[derive(Clone, Copy, Debug)]
pub struct Bounded {
    /// What the run did (its checksum depends only on the values).
    pub tally: Tally,
    /// The most values allocated and not yet reclaimed at once (counted per
    /// batch, so an upper bound).
    pub peak_live: usize,
    /// `arena.capacity()` after the run.
    pub capacity: usize,
    /// `arena.allocated_bytes()` after the run.
    pub allocated_bytes: usize,
    /// How long the run took.
    pub elapsed: Duration,
}

/// (5) `values` values through producer -> consumer (`exchange == false`)
/// or all-to-all exchange between two threads (`exchange == true`) on one
/// `SyncDropArena`, through handles.
pub fn bounded(values: u64, exchange: bool) -> Bounded {
    let live = Live::default();
    SyncDropArena::with(|arena| {
        let start = Instant::now();
        let tally = if exchange {
            exchange_on(&SyncArena(arena), values, &live)
        } else {
            handoff_on(&SyncArena(arena), values, &live)
        };
        let elapsed = start.elapsed();
        assert_eq!(arena.len(), 0, "every value reclaimed");
        Bounded {
            tally,
            peak_live: live.peak.load(Relaxed),
            capacity: arena.capacity(),
            allocated_bytes: arena.allocated_bytes(),
            elapsed,
        }
    })
}

/// The checksum of values `0..values`, which every handoff and exchange must
/// return.
pub fn expected(values: u64) -> Tally {
    Tally {
        checksum: (0..values).fold(0u64, |s, i| s.wrapping_add(Triple::make(i).sum())),
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_computes_the_same_checksums() {
        let w = RandomAddDrop {
            steps: 5_000,
            ..RandomAddDrop::ORIGINAL
        };
        let one_thread = OneThreadVariant::ALL;
        let random: Vec<Tally> = one_thread.iter().map(|&v| random_add_drop(v, &w)).collect();
        assert!(random.iter().all(|t| *t == random[0]), "{random:?}");
        let pairs: Vec<Tally> = one_thread.iter().map(|&v| pairs(v, 10_000)).collect();
        assert!(pairs.iter().all(|t| *t == pairs[0]), "{pairs:?}");
        let churn: Vec<Tally> = ChurnVariant::ALL.iter().map(|&v| churn(v, &w)).collect();
        assert!(churn.iter().all(|t| *t == churn[0]), "{churn:?}");
        for &v in HandoffVariant::ALL {
            assert_eq!(handoff(v, 10_001), expected(10_001), "{v:?}");
        }
        // 40 batches, the last one short: uneven between 3 producers.
        for threads in 1..=3 {
            let xmalloc = Xmalloc::new(threads, 10_001);
            for &v in XmallocVariant::ALL {
                assert_eq!(xmalloc.run(v), expected(10_001), "{v:?} on {threads}");
            }
        }
        for exchange in [false, true] {
            let b = bounded(100_000, exchange);
            assert_eq!(b.tally, expected(100_000));
            assert!(b.peak_live > 0 && b.capacity >= b.peak_live.min(100_000) / 2);
        }
    }
}
