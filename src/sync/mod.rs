//! [`SyncDropArena`]: one arena shared by many threads.
//!
//! One job per file: this one the public type, `local.rs` the handle
//! ([`LocalHandle`]), `per_thread.rs` the `std` path (the arena's own
//! methods, through a cache per thread), `cache.rs` the slot cache and
//! `depot.rs` the depot. The unsafe kernel is the last two:
//! [`SlotCache`](cache::SlotCache), one handle's (or, under `std`, one
//! thread's) private slots, and [`Depot`], the slots no cache
//! holds. The value-level operations are `crate::ops`, shared with
//! `DropArena`, running on [`CacheRef`](cache::CacheRef).

mod atomic;
mod cache;
mod depot;
mod local;
#[cfg(feature = "std")]
mod per_thread;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, shuttle))]
mod shuttle_tests;
#[cfg(all(test, not(any(loom, shuttle))))]
mod tests;

use core::fmt;
use core::marker::PhantomData;

use crate::brand::Brand;
use cache::Caches;
use depot::Depot;
pub use local::LocalHandle;

/// A single-type allocator shared by many threads: any thread allocates,
/// and any thread reclaims, whichever thread allocated the box.
///
/// It is `Sync` when `T: Send`, so `&'id SyncDropArena<'id, T>` goes into
/// [`std::thread::scope`](https://doc.rust-lang.org/std/thread/fn.scope.html)
/// (or a rayon scope), and its boxes are the same
/// [`DropBox<'id, T>`](crate::DropBox) as [`DropArena`](crate::DropArena)'s,
/// branded the same way: reclaiming into a foreign arena is a compile error
/// on any thread. Get one from [`SyncDropArena::with`],
/// [`make_sync_arena!`](crate::make_sync_arena) or [`SyncDropArena::new`];
/// the [crate docs](crate#the-brand) explain the brand.
///
/// ```
/// use drop_arena::SyncDropArena;
/// use std::thread;
///
/// SyncDropArena::with(|arena| {
///     let boxes: Vec<_> = thread::scope(|s| {
///         let a = s.spawn(|| arena.local().alloc(1u64));
///         let b = s.spawn(|| arena.local().alloc(2u64));
///         vec![a.join().unwrap(), b.join().unwrap()]
///     });
///     // Reclaimed on a third thread: the slots go back to the arena.
///     let local = arena.local();
///     let sum: u64 = boxes.into_iter().map(|b| local.box_to_inner(b)).sum();
///     assert_eq!(sum, 3);
///     assert_eq!(arena.len(), 0);
/// });
/// ```
///
/// # Two ways in
///
/// - **A handle**, [`arena.local()`](Self::local): a [`LocalHandle`] for
///   one thread at a time, with `alloc`, `alloc_with`, `try_alloc_with`,
///   `drop_box`, `box_to_inner` and `free_without_dropping`. It needs only
///   `alloc`, not `std`, and it is the fastest path.
/// - **The arena itself**, with the default `std` feature: the same methods
///   on `&SyncDropArena`, through the slots the arena keeps for each thread
///   that uses it, as a handle keeps its own (with the
///   [`thread_local`](https://docs.rs/thread_local) crate). A thread
///   remembers the arena it used last, so while it keeps to one arena each
///   call costs a thread-local read and a compare more than a handle's; a
///   call on another arena than the last costs a lookup. The per-thread
///   slots live until the arena ends: a thread that exits leaves them to the
///   next thread that gets its id.
///
/// # How the threads share slots
///
/// The slots and chunks are those of `DropArena` (the crate docs' "Costs").
/// Each handle keeps its own free list, last in, first out, and a run of up
/// to 64 fresh slots, which it uses with plain loads and stores: no atomic
/// read-modify-write and no lock on the fast path. A box reclaimed through a
/// handle goes on that handle's list, whichever thread allocated it.
///
/// Slots move between handles 64 at a time, in *magazines*:
///
/// - When a handle's free list grows past 128 slots, it passes the 64 it
///   reclaimed last, as one magazine, to the arena's **depot**: a few cells,
///   each empty or holding one magazine, filled by one atomic
///   `compare_exchange` from empty. If every cell is full, the magazine goes
///   on an **overflow stack**, pushed with one `compare_exchange`.
/// - When a handle's free list and fresh run are both empty, it takes a
///   magazine from a cell with one atomic `swap` to empty. If the cells are
///   empty, it locks the chunks (a spin lock, held for a few dozen
///   instructions) and takes, in this order, the loose slots dropped handles
///   left behind, one magazine off the overflow stack, or a new fresh run,
///   allocating a new chunk only when the newest one is used up and no
///   magazine is parked in the depot.
/// - Dropping a handle gives all its slots back: whole magazines to the
///   depot, the rest (fewer than 64) to the loose list.
///
/// So a thread pays about one atomic operation per 64 allocations or
/// reclaims, and producer-to-consumer traffic (boxes allocated on one
/// thread, reclaimed on another) flows back to the producer through the
/// depot. A dropped handle strands nothing; on the `std` path, a thread
/// that exits leaves its cached slots to the next thread that gets its id,
/// or to the end of the arena.
///
/// # How much memory
///
/// A handle holds at most `3 * 64 - 1` free or fresh slots between
/// operations (a free list of up to 128 and a fresh run of up to 63), and
/// the arena takes a new chunk only when its fresh slots, its loose slots
/// and its parked magazines are all used up: every free slot is then in a
/// handle's hands (or in a magazine a handle is parking at that moment). A
/// new chunk is twice as long as the last. So, for an arena that
/// [`reserve`](Self::reserve) never grew,
///
/// ```text
/// capacity <= 2 * (live + 192 * (handles - 1)) + first_chunk
/// ```
///
/// where `live` is the most slots in use at once, `handles` the most handles
/// alive at once, counting as one handle each thread that has used the
/// arena's own methods (the `std` path; its cache lives until the arena
/// ends, and a later thread with its id reuses it), and `first_chunk` the
/// first chunk's length, 4 KiB worth of slots. It holds in every schedule:
/// a handle that finds the depot's cells empty while a magazine is still
/// being parked waits the few instructions it takes rather than grow. (The
/// factor 2 is the doubling: when the arena grows, at most
/// `192 * (handles - 1)` slots are free.) `tests/all/sync/memory.rs` checks the bound
/// after each of 10,000 trials, in `.ci/run`.
///
/// A slot's link to the next free slot shares its memory with the value, so
/// no thread reads a link that another thread may take meanwhile: a
/// magazine changes owner whole, by one atomic step, and only the thread
/// holding the lock pops the overflow stack. That rules out the ABA problem
/// and races between a link and a value. `SAFETY.md` gives the argument and
/// the memory orderings.
///
/// # `len` and `capacity` while threads run
///
/// [`capacity`](Self::capacity) counts the slots of all chunks;
/// [`len`](Self::len) sums per-handle counters of allocations minus
/// reclaims. Both are exact whenever no other thread is in the middle of an
/// operation on the arena, and, like any count read while others change
/// it, a snapshot otherwise: `len` may miss or see each operation in flight,
/// so it can be off by the number of them (and briefly look negative, which
/// it reports as a huge number, if a reclaim is seen before the allocation
/// it undoes).
///
/// # The brand and threads
///
/// `'id` is not `'static`, so the arena and its boxes go only into scoped
/// threads, which are joined before the arena ends; `std::thread::spawn`
/// is rejected at compile time.
pub struct SyncDropArena<'id, T> {
    depot: Depot<T>,
    caches: Caches,
    /// The cache each thread holds for the `std` methods, claimed from
    /// `caches` on the thread's first call.
    #[cfg(feature = "std")]
    per_thread: thread_local::ThreadLocal<per_thread::ThreadCache>,
    /// Names this arena to [`per_thread`], which finds this thread's cache
    /// without a lookup in `caches`.
    #[cfg(feature = "std")]
    id: per_thread::ArenaId,
    brand: Brand<'id>,
}

// SAFETY: the arena owns its chunks, depot and slot caches outright; its
// per-thread caches are not tied to the threads that made them (a cache
// owns its slots, which hold no values). Moving it moves no `T` but those
// in its memory, hence `T: Send`.
unsafe impl<T: Send> Send for SyncDropArena<'_, T> {}

// SAFETY: every state shared between threads is behind an atomic or the
// chunks' spin lock (the `Depot` and `Caches` invariants), and each
// `SlotCache` is used by one thread (a handle is `!Sync`, a per-thread cache
// is reached only from its thread). Sharing the arena lets a value made on
// one thread be dropped or moved out on another, as with `Mutex<T>`: hence
// `T: Send`, and no `T: Sync`, since the arena never hands out `&T`.
unsafe impl<T: Send> Sync for SyncDropArena<'_, T> {}

impl<'id, T> SyncDropArena<'id, T> {
    /// Creates an arena branded by `guard`, for code that makes the guard
    /// itself. [`make_sync_arena!`](crate::make_sync_arena) writes this for
    /// you; as with [`DropArena::new`](crate::DropArena::new), declare the
    /// arena before the guard.
    ///
    /// ```
    /// use drop_arena::{SyncDropArena, make_guard};
    ///
    /// let storage;
    /// make_guard!(guard);
    /// storage = SyncDropArena::new(guard);
    /// let arena = &storage;
    ///
    /// let local = arena.local();
    /// let b = local.alloc(7);
    /// assert_eq!(local.box_to_inner(b), 7);
    /// ```
    pub fn new(guard: generativity::Guard<'id>) -> Self {
        let _ = guard;
        // SAFETY: `guard` is consumed here, and a `Guard<'id>` is unique: no
        // other guard, and so no other arena, carries `'id`.
        unsafe { SyncDropArena::branded() }
    }

    /// An arena with a brand chosen by the caller.
    ///
    /// # Safety
    ///
    /// No other arena carries `'id` while this one lives.
    unsafe fn branded() -> Self {
        SyncDropArena {
            depot: Depot::new(),
            caches: Caches::new(),
            #[cfg(feature = "std")]
            per_thread: thread_local::ThreadLocal::new(),
            #[cfg(feature = "std")]
            id: per_thread::ArenaId::new(),
            brand: PhantomData,
        }
    }

    /// Runs `f` with a fresh arena and drops the arena when `f` returns.
    /// As with [`DropArena::with`](crate::DropArena::with), `T` cannot name
    /// the brand; use [`make_sync_arena!`](crate::make_sync_arena) for that.
    ///
    /// ```
    /// use drop_arena::SyncDropArena;
    ///
    /// let total = SyncDropArena::with(|arena| {
    ///     std::thread::scope(|s| {
    ///         let worker = s.spawn(|| {
    ///             let local = arena.local();
    ///             let b = local.alloc(String::from("abroad"));
    ///             let len = b.len();
    ///             local.drop_box(b);
    ///             len
    ///         });
    ///         worker.join().unwrap()
    ///     })
    /// });
    /// assert_eq!(total, 6);
    /// ```
    pub fn with<R>(f: impl for<'a> FnOnce(&'a SyncDropArena<'a, T>) -> R) -> R {
        // SAFETY: `f` is generic over the brand, so it cannot tell this
        // arena's brand from any other: the brand is unique to this arena.
        let arena = unsafe { SyncDropArena::branded() };
        f(&arena)
    }

    /// Like [`with`](Self::with), with room for `capacity` values allocated
    /// up front, as [`reserve`](Self::reserve) makes it.
    ///
    /// ```
    /// use drop_arena::SyncDropArena;
    ///
    /// // Two threads, 400 values each: 800 + 64 * 2 slots are enough.
    /// SyncDropArena::with_capacity(1000, |arena| {
    ///     let before = arena.capacity();
    ///     assert!(before >= 1000);
    ///     std::thread::scope(|s| {
    ///         for _ in 0..2 {
    ///             s.spawn(|| {
    ///                 let local = arena.local();
    ///                 let boxes: Vec<_> = (0..400u32).map(|i| local.alloc(i)).collect();
    ///                 boxes.into_iter().for_each(|b| local.drop_box(b));
    ///             });
    ///         }
    ///     });
    ///     assert_eq!(arena.capacity(), before);
    /// });
    /// ```
    pub fn with_capacity<R>(
        capacity: usize,
        f: impl for<'a> FnOnce(&'a SyncDropArena<'a, T>) -> R,
    ) -> R {
        SyncDropArena::with(|arena| {
            arena.reserve(capacity);
            f(arena)
        })
    }

    /// A handle for allocating and reclaiming on one thread at a time,
    /// without `std`. Make one per thread (or per task); a thread may hold
    /// several.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let local = arena.local();
    /// let b = local.alloc(1);
    /// local.drop_box(b);
    /// # });
    /// ```
    pub fn local(&'id self) -> LocalHandle<'id, T> {
        LocalHandle::new(self)
    }

    /// The number of slots in use: allocated and not yet reclaimed, on any
    /// thread. While other threads run it is a snapshot; see "`len` and
    /// `capacity` while threads run" above. O(number of handles ever alive at
    /// once).
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let local = arena.local();
    /// let a = local.alloc(1);
    /// let b = local.alloc(2);
    /// drop(a); // the value is dropped, the slot stays in use
    /// local.drop_box(b);
    /// assert_eq!(arena.len(), 1);
    /// # });
    /// ```
    pub fn len(&self) -> usize {
        self.caches.sum()
    }

    /// Whether no slot is in use (a snapshot, as [`len`](Self::len)).
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// assert!(arena.is_empty());
    /// let local = arena.local();
    /// let b = local.alloc(1);
    /// assert!(!arena.is_empty());
    /// # local.drop_box(b);
    /// # });
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of values the arena can hold without allocating more
    /// memory: slots in use plus slots free or fresh, wherever they are.
    /// `usize::MAX` for zero-sized types, which never allocate.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// let local = arena.local();
    /// let b = local.alloc(1u32);
    /// assert!(arena.capacity() >= 1);
    /// # local.drop_box(b);
    /// # });
    /// ```
    pub fn capacity(&self) -> usize {
        if size_of::<T>() == 0 {
            usize::MAX
        } else {
            self.depot.capacity()
        }
    }

    /// Makes room for at least `additional` more values in the arena's
    /// shared reserve: the free and fresh slots that no handle (or thread)
    /// holds, which a handle takes from when its own run out. Grows by one
    /// chunk if the reserve is short; if that panics, the arena is left as
    /// it was.
    ///
    /// Handles take fresh slots 64 at a time, and keep up to 128 free ones,
    /// so the reserve is not a promise per handle: `n` allocations spread
    /// over `t` handles allocate no memory if `n + 64 * t` were reserved
    /// and nothing else draws on the reserve meanwhile. Panics or aborts as
    /// [`DropArena::reserve`](crate::DropArena::reserve) does. Nothing to do
    /// for zero-sized types.
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// arena.reserve(1000 + 64); // one handle: 1000 values and a run of 64
    /// let capacity = arena.capacity();
    /// assert!(capacity >= 1000);
    /// let local = arena.local();
    /// let boxes: Vec<_> = (0..1000u64).map(|i| local.alloc(i)).collect();
    /// assert_eq!(arena.capacity(), capacity);
    /// # boxes.into_iter().for_each(|b| local.drop_box(b));
    /// # });
    /// ```
    pub fn reserve(&self, additional: usize) {
        if size_of::<T>() != 0 {
            self.depot.reserve(additional);
        }
    }

    /// The bytes this arena holds from the global allocator for its slots,
    /// as [`DropArena::allocated_bytes`](crate::DropArena::allocated_bytes).
    ///
    /// ```
    /// # drop_arena::SyncDropArena::with(|arena| {
    /// assert_eq!(arena.allocated_bytes(), 0);
    /// let local = arena.local();
    /// let b = local.alloc([0u64; 4]);
    /// assert_eq!(arena.allocated_bytes(), arena.capacity() * 32);
    /// # local.drop_box(b);
    /// # });
    /// ```
    pub fn allocated_bytes(&self) -> usize {
        self.depot.capacity() * size_of::<crate::raw::Slot<T>>()
    }

    /// `Depot::count_idle`, for unit tests.
    ///
    /// # Safety
    ///
    /// No other thread uses the arena meanwhile.
    #[cfg(all(test, not(loom)))]
    pub(crate) unsafe fn count_idle(&self) -> (usize, usize) {
        // SAFETY: the same contract, for the arena's depot.
        unsafe { self.depot.count_idle() }
    }

    /// Asserts the invariants of the shared structures and of every slot
    /// cache (`Depot::walk_idle`, `Caches::walk_idle`): each free or fresh
    /// slot lies in the chunks and has one owner, every magazine is whole,
    /// each cache's counts match its free list, and every slot of the
    /// chunks is in use or idle: `len` plus the idle slots is `capacity`.
    /// O(capacity). Not part of the API: it exists only in this crate's
    /// unit tests and under cargo-fuzz, where the shared model calls it
    /// after every operation.
    ///
    /// # Safety
    ///
    /// No other thread uses the arena meanwhile: the check reads every
    /// handle's private slots.
    #[cfg(any(test, fuzzing))]
    #[doc(hidden)]
    pub unsafe fn check_invariants(&self) {
        // SAFETY: no other thread uses the depot (this function's contract).
        let mut walk = unsafe { self.depot.walk_idle() };
        // SAFETY: the caches are this arena's, so they belong to the depot
        // walked, and no other thread uses them (this function's contract).
        let cached = unsafe { self.caches.walk_idle(&mut walk) };
        let (free, fresh) = walk.finish();
        if size_of::<T>() != 0 {
            let len = self.len();
            assert_eq!(
                len + free + fresh,
                self.capacity(),
                "a slot is lost or counted twice: {len} in use, {free} free and \
                 {fresh} fresh ({cached} of those idle in slot caches)"
            );
        }
    }
}

impl<T> fmt::Debug for SyncDropArena<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncDropArena")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .finish_non_exhaustive()
    }
}
