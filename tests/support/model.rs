//! The model: random operation sequences on real arenas, checked step by
//! step against what the arena must do.
//!
//! One file, compiled in two places: the crate's unit tests (`cargo test
//! --lib`: `src/lib.rs` includes it by path, and proptest drives it from
//! `model_tests.rs` beside it) and the cargo-fuzz target
//! `fuzz/fuzz_targets/ops.rs`. Both hand [`run`] raw bytes: the low bit of
//! the first chooses the [`Mode`], and the rest decode into a flat list of
//! [`Op`]s.
//!
//! # What runs
//!
//! An arena of [`Val`]s, beside a *side* `DropArena` of [`Leaf`]s that
//! outlives it. The arena is a `DropArena`, or in the sync mode a
//! `SyncDropArena` used through up to [`MAX_HANDLES`] `LocalHandle`s,
//! interleaved on this one thread. A `Val` may own a box of the side arena,
//! which it gives back there when dropped; then it allocates and reclaims
//! temporaries in its own arena (through a handle of its own, in the sync
//! mode), may reserve there, and may panic. Some ops claim the ops after
//! them: `AllocWith { during }` runs the next few ops inside its
//! constructor (reentrantly, on the same arena) and may then panic;
//! `Nested` runs the next few in a fresh arena of the same kind.
//!
//! In the sync mode, `NewHandle`, `DropHandle` and `UseHandle` make, drop
//! and choose the handle that the ops after them go through (one is made
//! when an op needs one and none lives), so a box made through one handle
//! is often reclaimed through another; a dropped handle gives its slots to
//! the depot. `AllocBatch` and `DropBatch` move 64 to 200 values at once,
//! so that free lists pass two magazines and magazines go through the
//! depot and back. In the `DropArena` mode the handle ops do nothing, and
//! batches go to the arena.
//!
//! # What is checked
//!
//! - Every allocation gets the address the model predicts ([`SlotModel`]),
//!   and never a slot in use in any arena. In a `DropArena`, the last slot
//!   reclaimed is the next one handed out; else an address never seen
//!   before (or one a `reserve` reshuffled). Across the handles of a
//!   `SyncDropArena` no such order holds, and only what is cheap to know is
//!   predicted ([`Handle`]): a handle hands out the slot it took back last,
//!   unless that slot left in a magazine, which the model sees happen (a
//!   free list that passes two magazines passes its top 64 slots to the
//!   depot, exactly then and exactly those). A slot that a refill or a
//!   fresh run hands out is only checked to be free or never seen before.
//! - After every op, in each arena the op could touch: the kernel's own
//!   invariants, with `check_invariants` (for a `DropArena`: capacity = in
//!   use + free + fresh, the free list acyclic and inside the arena's
//!   chunks; for a `SyncDropArena`, over the depot and every slot cache:
//!   every free or fresh slot inside the chunks and in one place only,
//!   every magazine whole and counted, each cache's counts matching its
//!   free list, and capacity = in use + idle); `len`; capacity never
//!   shrinking, and, in a `DropArena`, never growing while a slot was free
//!   unless a `reserve` asked for more than was spare (a `SyncDropArena`
//!   grows while other handles hold free slots); the contents of every live
//!   box and leaked reference (a slot handed out twice would be
//!   overwritten).
//! - `try_alloc_with` whose constructor fails or panics leaves no trace:
//!   the same checks then see the arena as it was. `into_raw` keeps the
//!   value where it is, in a slot still in use, until `from_raw`.
//! - `allocated_bytes` is the capacity times the slot size. After a
//!   `reserve`, that much room (less a handle's run of 64, in a
//!   `SyncDropArena`) is there without growing.
//! - A value is dropped at most once, never once forgotten, and its
//!   destructor or constructor panics exactly when told to; at the end every
//!   value was dropped exactly once, unless forgotten or leaked.
//! - Built with AddressSanitizer (`cfg(drop_arena_asan)`): slots in use are
//!   addressable and free slots poisoned (but for a slot that a constructor
//!   still running took, if the model cannot yet tell which it is).
//!
//! [`Stats`] counts the rare paths a run took, so tests can prove they ran.

use std::boxed::Box;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::mem::{self, ManuallyDrop};
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;
use std::sync::Once;
use std::vec::Vec;

use arbitrary::{Arbitrary, Unstructured};
use drop_arena::{DropArena, DropBox, LocalHandle, SyncDropArena, make_arena, make_sync_arena};

/// One step. A `u8` index picks a live box (modulo their number); an op on
/// a box does nothing while there is none.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Op {
    Alloc(New),
    /// The constructor runs the next `during % 8` ops, then panics if
    /// `panic`.
    AllocWith {
        new: New,
        during: u8,
        panic: bool,
    },
    /// `try_alloc_with`: the constructor runs the next `during % 8` ops,
    /// then succeeds, fails or panics (`outcome % 3`).
    TryAllocWith {
        new: New,
        during: u8,
        outcome: u8,
    },
    DropBox(u8),
    BoxToInner(u8),
    FreeWithoutDropping(u8),
    /// Plain `drop`: the slot stays in use until the arena ends.
    Drop(u8),
    IntoInner(u8),
    /// `DropBox::leak`, then a write through the reference.
    Leak(u8),
    /// `*b = new`: the old value drops in place.
    Replace(u8, New),
    /// Swaps the values of two boxes.
    Swap(u8, u8),
    /// `DropBox::into_raw`: the model keeps the pointer.
    IntoRaw(u8),
    /// `DropBox::from_raw` on a pointer the model keeps.
    FromRaw(u8),
    /// Reserves `additional % 512`; that many allocations (up to 64) must
    /// then not grow the arena.
    Reserve(u16),
    /// Runs the next `count % 32` ops in a fresh arena.
    Nested(u8),
    /// In an arena of `()`: `count` boxes, the first `given_back` reclaimed.
    Zsts {
        count: u8,
        given_back: u8,
    },
    /// Makes a handle, while fewer than [`MAX_HANDLES`] live; the ops after
    /// it go through it.
    NewHandle,
    /// Drops a handle (`i` modulo their number), which gives its slots to
    /// the depot.
    DropHandle(u8),
    /// The ops after it go through handle `i` (modulo their number).
    UseHandle(u8),
    /// Allocates `64 + count % 137` plain values.
    AllocBatch(u8),
    /// Gives back `64 + count % 137` boxes (or all there are), the last
    /// made first, with `drop_box`.
    DropBatch(u8),
}

/// The arena under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    DropArena,
    /// A `SyncDropArena`, through `LocalHandle`s on one thread.
    SyncDropArena,
}

/// A new value.
#[derive(Arbitrary, Debug, Clone, Copy, Default)]
pub struct New {
    pub value: u64,
    /// Owns a box of the side arena.
    pub with_leaf: bool,
    pub on_drop: OnDrop,
}

/// What a value does to its own arena when dropped, in this order.
#[derive(Arbitrary, Debug, Clone, Copy, Default)]
pub struct OnDrop {
    /// Allocates this many (mod 4) temporaries, reclaimed before returning.
    pub temporaries: u8,
    /// Reserves this much (mod 64) room.
    pub reserve: u8,
    pub panic: bool,
}

/// Deepest nesting of `AllocWith` constructors and `Nested` arenas.
const MAX_DEPTH: usize = 4;

/// The most handles of one `SyncDropArena` the ops keep alive at once.
pub const MAX_HANDLES: usize = 4;

/// The slots in a magazine of a `SyncDropArena` (its docs, "How the
/// threads share slots"); a free list passes one on past twice this.
const MAGAZINE: usize = 64;

/// How often a run took each rarer path, by name.
pub type Stats = BTreeMap<&'static str, usize>;

/// What the model knows about every value and arena of the current run; a
/// thread-local, so that constructors and destructors can report to it.
#[derive(Default)]
struct Ledger {
    /// Per value id: how often it was dropped, and whether it was forgotten.
    values: Vec<(u32, bool)>,
    /// The slot model of every live arena, by the arena's address.
    arenas: HashMap<usize, SlotModel>,
    /// The handles made so far, which numbers them from 1.
    handles: usize,
    stats: Stats,
}

std::thread_local! {
    static LEDGER: RefCell<Ledger> = RefCell::new(Ledger::default());
}

/// Never call an arena inside `f`: destructors use the ledger too.
fn ledger<R>(f: impl FnOnce(&mut Ledger) -> R) -> R {
    LEDGER.with_borrow_mut(f)
}

fn stat(path: &'static str, n: usize) {
    ledger(|l| *l.stats.entry(path).or_default() += n);
}

fn new_id() -> usize {
    ledger(|l| {
        l.values.push((0, false));
        l.values.len() - 1
    })
}

fn drops_of(id: usize) -> u32 {
    ledger(|l| l.values[id].0)
}

/// The payload of every panic the model raises on purpose.
struct Deliberate;

/// Runs `f`: `None` if it panicked on purpose. Any other panic is a failed
/// check, and goes on.
fn catch<R>(f: impl FnOnce() -> R) -> Option<R> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => Some(result),
        Err(payload) if payload.is::<Deliberate>() => None,
        Err(payload) => panic::resume_unwind(payload),
    }
}

/// Keeps deliberate panics from the hook installed before (the test
/// harness's prints, libFuzzer's aborts), which still sees all others.
fn quiet_deliberate_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<Deliberate>() {
                previous(info);
            }
        }));
    });
}

/// One arena's slots, by address, and so which it must hand out next.
#[derive(Default)]
struct SlotModel {
    /// A `SyncDropArena`'s: its free slots are all `unordered`, and the
    /// order its handles hand them out in is [`Handle`]'s business.
    sync: bool,
    /// Free slots, the last reclaimed last: the arena hands them out again
    /// from the end. `None` is a slot whose address the model never saw (a
    /// fresh one whose constructor panicked).
    free: Vec<Option<usize>>,
    /// Free slots in an order the model does not know: a `reserve` that grew
    /// put the arena's fresh slots on the free list among them.
    unordered: HashSet<usize>,
    in_use: HashSet<usize>,
    /// Every address handed out so far.
    seen: HashSet<usize>,
    /// Slots taken by `alloc_with`s whose constructors are still running,
    /// and how many of them are at addresses the model does not know: those
    /// are in use, though the model may still count them free.
    pending: usize,
    unknown_pending: usize,
    /// The capacity at the last check, and the most slots in use since.
    capacity: usize,
    peak: usize,
    /// A reserve since the last check asked for more than was spare.
    reserved_short: bool,
}

impl SlotModel {
    /// The slot a `DropArena` hands out next, if the model knows it. (A
    /// `SyncDropArena`'s handles know theirs: [`Handle::take`].)
    fn next(&mut self) -> Option<usize> {
        self.free.pop().flatten()
    }

    /// The arena takes a slot, at `expected` if the model knows where, for a
    /// value still to come.
    fn take(&mut self, expected: Option<usize>) {
        self.pending += 1;
        self.unknown_pending += usize::from(expected.is_none());
        self.peak = self.peak.max(self.in_use.len() + self.pending);
        if let (true, Some(at)) = (self.sync, expected) {
            assert!(self.unordered.remove(&at), "slot {at:#x} taken is not free");
        }
    }

    /// The value for the slot taken at `expected` came, or never will.
    fn settle(&mut self, expected: Option<usize>) {
        self.pending -= 1;
        self.unknown_pending -= usize::from(expected.is_none());
    }

    /// The slot taken with `expected` went back unused, on top of the free
    /// list it came from.
    fn untake(&mut self, expected: Option<usize>) {
        self.settle(expected);
        if self.sync {
            self.unordered.extend(expected);
        } else {
            self.free.push(expected);
        }
    }

    /// The slot taken with `expected` turned out to be at `actual`.
    fn placed(&mut self, expected: Option<usize>, actual: usize) {
        self.settle(expected);
        match expected {
            Some(expected) => assert_eq!(actual, expected, "not the last slot reclaimed"),
            None => assert!(
                !self.seen.contains(&actual) || self.unordered.remove(&actual),
                "slot {actual:#x} handed out out of order, or neither free nor new"
            ),
        }
        self.seen.insert(actual);
        self.in_use.insert(actual);
    }

    fn reclaimed(&mut self, at: usize) {
        assert!(
            self.in_use.remove(&at),
            "slot {at:#x} reclaimed but not in use"
        );
        if self.sync {
            self.unordered.insert(at);
        } else {
            self.free.push(Some(at));
        }
    }

    /// Compares with the arena's counters after an op.
    fn check(&mut self, len: usize, capacity: usize) {
        assert_eq!(len, self.in_use.len() + self.pending, "len");
        assert!(
            capacity >= len.max(self.capacity),
            "capacity below len, or shrank"
        );
        assert!(
            capacity == self.capacity
                || self.peak > self.capacity
                || self.reserved_short
                || self.sync,
            "capacity grew from {} to {capacity} while a slot was free",
            self.capacity
        );
        (self.capacity, self.peak, self.reserved_short) = (capacity, len, false);
    }
}

fn addr<T>(value: &T) -> usize {
    ptr::from_ref(value) as usize
}

/// Runs `f` on the model of the arena at `arena`.
fn slots<R>(arena: usize, f: impl FnOnce(&mut SlotModel) -> R) -> R {
    ledger(|l| f(l.arenas.get_mut(&arena).expect("an unknown arena")))
}

/// A handle of a `SyncDropArena`, with what the model knows of its free
/// list: the slots on top, which it hands out first.
struct Handle<'a, T> {
    /// Dropped by hand: see `Drop`.
    local: ManuallyDrop<LocalHandle<'a, T>>,
    /// Numbers the handle in messages, and tells which handle made a box.
    id: usize,
    /// The top of the handle's free list, the slot taken back last last;
    /// more slots, unknown, may lie below. `None` is a slot whose address
    /// the model never saw.
    top: RefCell<Vec<Option<usize>>>,
}

impl<'a, T> Handle<'a, T> {
    fn new(arena: &'a SyncDropArena<'a, T>) -> Self {
        let id = ledger(|l| {
            l.handles += 1;
            l.handles
        });
        Handle {
            local: ManuallyDrop::new(arena.local()),
            id,
            top: RefCell::default(),
        }
    }

    /// The handle is about to take a slot: the address it must have, if
    /// known.
    fn take(&self) -> Option<usize> {
        let on_list = free_list_len(&self.local)?;
        let mut top = self.top.borrow_mut();
        if on_list == 0 {
            // A refill or the fresh run: any free or new slot.
            assert!(top.is_empty(), "handle {}'s free list lost slots", self.id);
            return None;
        }
        top.pop().flatten()
    }

    /// The handle took back a slot (at `at`, if known) onto its free list,
    /// which held `before` slots.
    fn took_back(&self, at: Option<usize>, before: Option<usize>) {
        let (Some(before), Some(after)) = (before, free_list_len(&self.local)) else {
            return;
        };
        let mut top = self.top.borrow_mut();
        top.push(at);
        if after != before + 1 {
            assert_eq!(
                (before, after),
                (2 * MAGAZINE, before + 1 - MAGAZINE),
                "handle {}'s free list: not one more, nor a magazine less",
                self.id
            );
            // The magazine was the top of the list, this slot included.
            let kept = top.len().saturating_sub(MAGAZINE);
            top.truncate(kept);
            stat("magazines passed to the depot", 1);
        }
    }

    fn check(&self) {
        if let Some(on_list) = free_list_len(&self.local) {
            let known = self.top.borrow().len();
            assert!(
                known <= on_list,
                "handle {}'s free list holds {on_list} slots, not the {known} known",
                self.id
            );
        }
    }
}

impl<T> Drop for Handle<'_, T> {
    fn drop(&mut self) {
        // Only a failed check unwinds through live handles: leave their
        // caches as they are, rather than flush one that the failure may
        // have found broken, panic again and abort (proptest could then not
        // shrink the input).
        if !std::thread::panicking() {
            // SAFETY: dropped here only, once: the handle is being dropped.
            unsafe { ManuallyDrop::drop(&mut self.local) };
        }
    }
}

/// The length of a handle's free list, which the crate shows only to its
/// unit tests and to cargo-fuzz: the builds that run the model. (A plain
/// build of the fuzz crate, as clippy makes, only compiles it.)
#[cfg(any(test, fuzzing))]
fn free_list_len<T>(local: &LocalHandle<'_, T>) -> Option<usize> {
    Some(local.free_list_len())
}

#[cfg(not(any(test, fuzzing)))]
fn free_list_len<T>(_: &LocalHandle<'_, T>) -> Option<usize> {
    None
}

/// Where an op takes its slot and gives it back: a `DropArena`, or a
/// handle of a `SyncDropArena`.
enum Via<'a, T> {
    Arena(&'a DropArena<'a, T>),
    Handle(Rc<Handle<'a, T>>),
}

impl<'a, T> Via<'a, T> {
    /// The arena's address, which names its [`SlotModel`].
    fn arena(&self) -> usize {
        match self {
            Via::Arena(arena) => addr(*arena),
            Via::Handle(h) => addr(h.local.arena()),
        }
    }

    /// The handle's id; 0 for a `DropArena`.
    fn id(&self) -> usize {
        match self {
            Via::Arena(_) => 0,
            Via::Handle(h) => h.id,
        }
    }

    fn free_list_len(&self) -> Option<usize> {
        match self {
            Via::Arena(_) => None,
            Via::Handle(h) => free_list_len(&h.local),
        }
    }

    fn alloc(&self, value: T) -> DropBox<'a, T> {
        match self {
            Via::Arena(arena) => arena.alloc(value),
            Via::Handle(h) => h.local.alloc(value),
        }
    }

    fn alloc_with(&self, f: impl FnOnce() -> T) -> DropBox<'a, T> {
        match self {
            Via::Arena(arena) => arena.alloc_with(f),
            Via::Handle(h) => h.local.alloc_with(f),
        }
    }

    fn try_alloc_with<E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<DropBox<'a, T>, E> {
        match self {
            Via::Arena(arena) => arena.try_alloc_with(f),
            Via::Handle(h) => h.local.try_alloc_with(f),
        }
    }

    fn drop_box(&self, b: DropBox<'a, T>) {
        match self {
            Via::Arena(arena) => arena.drop_box(b),
            Via::Handle(h) => h.local.drop_box(b),
        }
    }

    fn box_to_inner(&self, b: DropBox<'a, T>) -> T {
        match self {
            Via::Arena(arena) => arena.box_to_inner(b),
            Via::Handle(h) => h.local.box_to_inner(b),
        }
    }

    fn free_without_dropping(&self, b: DropBox<'a, T>) {
        match self {
            Via::Arena(arena) => arena.free_without_dropping(b),
            Via::Handle(h) => h.local.free_without_dropping(b),
        }
    }
}

// The arena's operations, each with its slot accounted for.

/// The model's half of taking a slot: the address it must have, if known.
fn take<T>(via: &Via<'_, T>) -> Option<usize> {
    let expected = match via {
        Via::Arena(_) => slots(via.arena(), SlotModel::next),
        Via::Handle(h) => h.take(),
    };
    slots(via.arena(), |s| s.take(expected));
    expected
}

fn alloc<'a, T>(via: &Via<'a, T>, value: T) -> DropBox<'a, T> {
    let before = via.free_list_len();
    let expected = take(via);
    let b = via.alloc(value);
    placed(via, expected, addr(&*b));
    // An empty list refilled with a whole magazine (a loose list is shorter).
    if before == Some(0) && via.free_list_len() == Some(MAGAZINE - 1) {
        stat("magazines taken from the depot", 1);
    }
    b
}

/// `None` if `f` returned `None`, which makes the constructor panic; then
/// the slot is free again, on top of the free list it came from.
fn alloc_with<'a, T>(via: &Via<'a, T>, f: impl FnOnce() -> Option<T>) -> Option<DropBox<'a, T>> {
    let expected = take(via);
    let mut before = None;
    let b = catch(|| {
        via.alloc_with(|| {
            f().unwrap_or_else(|| {
                before = via.free_list_len();
                panic::panic_any(Deliberate)
            })
        })
    });
    match &b {
        Some(b) => placed(via, expected, addr(&**b)),
        None => {
            slots(via.arena(), |s| s.untake(expected));
            if let Via::Handle(h) = via {
                h.took_back(expected, before);
            }
        }
    }
    b
}

fn placed<T>(via: &Via<'_, T>, expected: Option<usize>, actual: usize) {
    let in_use = ledger(|l| l.arenas.values().any(|s| s.in_use.contains(&actual)));
    assert!(!in_use, "slot {actual:#x} handed out while in use");
    slots(via.arena(), |s| s.placed(expected, actual));
    let path = match via {
        Via::Arena(_) => "predicted addresses",
        Via::Handle(_) => "predicted addresses of handles",
    };
    stat(path, usize::from(expected.is_some()));
}

/// Gives `b` back with `how`: `drop_box`, `box_to_inner` or
/// `free_without_dropping`, through `via`.
fn reclaim<'a, T, R>(
    via: &Via<'a, T>,
    b: DropBox<'a, T>,
    how: impl FnOnce(DropBox<'a, T>) -> R,
) -> R {
    let at = addr(&*b);
    let before = via.free_list_len();
    let result = how(b);
    slots(via.arena(), |s| s.reclaimed(at));
    if let Via::Handle(h) = via {
        h.took_back(Some(at), before);
    }
    result
}

fn reserve(home: Home<'_, '_>, additional: usize) {
    let short = home.capacity() - home.len() < additional;
    let capacity = home.capacity();
    match home {
        Home::Plain(arena) => arena.reserve(additional),
        Home::Sync(arena) => arena.reserve(additional),
    }
    assert!(
        home.capacity() - home.len() >= additional,
        "reserve fell short"
    );
    match home {
        Home::Plain(_) if short => {
            slots(home.key(), |s| {
                s.unordered.extend(s.free.drain(..).flatten());
                s.reserved_short = true;
            });
            stat("short reserves", 1);
        }
        // Short of what the depot holds, which handles' slots do not count
        // towards.
        Home::Sync(_) if home.capacity() > capacity => stat("short reserves", 1),
        _ => {}
    }
}

/// Under ASan: every free slot the model knows is poisoned (but those that
/// constructors still running may have taken unbeknown to the model), and
/// every slot in use addressable. First in a check: the kernels' checks
/// poison the free slots they walk.
fn check_poisoning<T>(arena: usize) {
    if cfg!(drop_arena_asan) {
        slots(arena, |s| {
            let free = s.free.iter().flatten().chain(&s.unordered);
            let addressable = free
                .filter(|&&at| !asan::is_poisoned(at as *const T))
                .count();
            assert!(
                addressable <= s.unknown_pending,
                "{addressable} free slots are addressable"
            );
            for &at in &s.in_use {
                assert!(
                    !asan::is_poisoned(at as *const T),
                    "slot in use {at:#x} is poisoned"
                );
            }
        });
    }
}

/// Checks the counters both arenas have against the model.
fn check_counts<T>(arena: usize, len: usize, capacity: usize, allocated_bytes: usize) {
    // A slot holds a `T` or the free-list link, aligned for both.
    let align = align_of::<T>().max(align_of::<usize>());
    let slot = size_of::<T>()
        .max(size_of::<usize>())
        .next_multiple_of(align);
    assert_eq!(allocated_bytes, capacity * slot, "allocated_bytes");
    slots(arena, |s| s.check(len, capacity));
}

/// Checks a `DropArena` against its model.
fn check_arena<T>(arena: &DropArena<'_, T>) {
    check_poisoning::<T>(addr(arena));
    #[cfg(any(test, fuzzing))]
    arena.check_invariants();
    let (len, capacity) = (arena.len(), arena.capacity());
    check_counts::<T>(addr(arena), len, capacity, arena.allocated_bytes());
}

/// Checks a `SyncDropArena` against its model.
fn check_sync_arena<T>(arena: &SyncDropArena<'_, T>) {
    check_poisoning::<T>(addr(arena));
    check_sync_kernel(arena);
    let (len, capacity) = (arena.len(), arena.capacity());
    check_counts::<T>(addr(arena), len, capacity, arena.allocated_bytes());
}

/// The kernel's own check of a `SyncDropArena`, which the crate has only in
/// its unit tests and under cargo-fuzz (see [`free_list_len`]).
#[cfg(any(test, fuzzing))]
fn check_sync_kernel<T>(arena: &SyncDropArena<'_, T>) {
    // SAFETY: the model runs on one thread, and no arena of it leaves that
    // thread.
    unsafe { arena.check_invariants() };
}

#[cfg(not(any(test, fuzzing)))]
fn check_sync_kernel<T>(_: &SyncDropArena<'_, T>) {}

type Arena<'a, 's> = DropArena<'a, Val<'a, 's>>;
type SyncArena<'a, 's> = SyncDropArena<'a, Val<'a, 's>>;
type Side<'s> = DropArena<'s, Leaf>;

/// The arena under test, where the values live.
#[derive(Clone, Copy)]
enum Home<'a, 's> {
    Plain(&'a Arena<'a, 's>),
    Sync(&'a SyncArena<'a, 's>),
}

impl<'a, 's> Home<'a, 's> {
    fn mode(self) -> Mode {
        match self {
            Home::Plain(_) => Mode::DropArena,
            Home::Sync(_) => Mode::SyncDropArena,
        }
    }

    /// The arena's address, which names its [`SlotModel`].
    fn key(self) -> usize {
        match self {
            Home::Plain(arena) => addr(arena),
            Home::Sync(arena) => addr(arena),
        }
    }

    fn len(self) -> usize {
        match self {
            Home::Plain(arena) => arena.len(),
            Home::Sync(arena) => arena.len(),
        }
    }

    fn capacity(self) -> usize {
        match self {
            Home::Plain(arena) => arena.capacity(),
            Home::Sync(arena) => arena.capacity(),
        }
    }

    /// The arena, or a new handle of it: for a value's destructor, which
    /// holds no handle.
    fn new_via(self) -> Via<'a, Val<'a, 's>> {
        match self {
            Home::Plain(arena) => Via::Arena(arena),
            Home::Sync(arena) => Via::Handle(Rc::new(Handle::new(arena))),
        }
    }

    fn check(self) {
        match self {
            Home::Plain(arena) => check_arena(arena),
            Home::Sync(arena) => check_sync_arena(arena),
        }
    }
}

/// The value of the arenas under test: counts its drops, may own a box of
/// the side arena, and does `on_drop` when dropped.
struct Val<'a, 's> {
    id: usize,
    value: u64,
    home: Home<'a, 's>,
    side: &'s Side<'s>,
    leaf: Option<DropBox<'s, Leaf>>,
    on_drop: OnDrop,
}

/// The side arena's value: counts its drops, knows its owner.
struct Leaf {
    id: usize,
    owner: usize,
}

impl<'a, 's> Val<'a, 's> {
    fn new(home: Home<'a, 's>, side: &'s Side<'s>, new: New) -> Self {
        let id = new_id();
        let leaf = new.with_leaf.then(|| {
            let leaf = Leaf {
                id: new_id(),
                owner: id,
            };
            alloc(&Via::Arena(side), leaf)
        });
        let (value, on_drop) = (new.value, new.on_drop);
        Val {
            id,
            value,
            home,
            side,
            leaf,
            on_drop,
        }
    }

    /// It will never be dropped, nor its leaf, whose slot stays in use.
    fn forget(&self) {
        let leaf = self.leaf.as_ref().map(|leaf| leaf.id);
        ledger(|l| {
            for id in [Some(self.id), leaf].into_iter().flatten() {
                l.values[id].1 = true;
            }
        });
    }
}

/// Records a drop of value `id`: its first, and it was not forgotten.
fn count_drop(id: usize) {
    let value = ledger(|l| {
        l.values[id].0 += 1;
        l.values[id]
    });
    assert_eq!(value, (1, false), "value {id} dropped wrongly");
}

impl Drop for Val<'_, '_> {
    fn drop(&mut self) {
        // Only a failed check unwinds through live values: add nothing to it.
        if std::thread::panicking() {
            return;
        }
        count_drop(self.id);
        let (home, side) = (self.home, self.side);
        if let Some(leaf) = self.leaf.take() {
            reclaim(&Via::Arena(side), leaf, |leaf| side.drop_box(leaf));
            stat("leaves given back", 1);
        }
        let len = home.len();
        let n = self.on_drop.temporaries % 4;
        let via = home.new_via();
        let mut temporaries: Vec<_> = (0..n)
            .map(|i| {
                let new = New {
                    value: i.into(),
                    ..New::default()
                };
                (i, alloc(&via, Val::new(home, side, new)))
            })
            .collect();
        reserve(home, usize::from(self.on_drop.reserve % 64));
        if n == 2 {
            temporaries.reverse(); // the free list sees both orders
        }
        for (i, t) in temporaries {
            assert_eq!(t.value, u64::from(i));
            reclaim(&via, t, |t| via.drop_box(t));
        }
        drop(via); // a handle gives its slots to the depot
        stat("temporaries", n.into());
        assert_eq!(home.len(), len);
        if self.on_drop.panic {
            panic::panic_any(Deliberate);
        }
    }
}

impl Drop for Leaf {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            count_drop(self.id);
        }
    }
}

/// A box the model holds, with the value it must contain.
struct Live<'a, 's> {
    b: DropBox<'a, Val<'a, 's>>,
    id: usize,
    value: u64,
    /// The handle that made the box ([`Via::id`]); 0 if unknown.
    by: usize,
}

impl Live<'_, '_> {
    /// Drops the value, moved out of the box or in it: it panics (`f`
    /// returns `None`) exactly when told to, and is dropped once.
    fn drop_with(self, f: impl FnOnce(Self) -> Option<()>) {
        let (id, told) = (self.id, self.b.on_drop.panic);
        assert_eq!(f(self).is_none(), told, "value {id}: a panic not as told");
        assert_eq!(drops_of(id), 1, "value {id}");
        stat("destructor panics", told.into());
    }
}

/// The model of one arena: the boxes and leaked references it holds, and
/// a `SyncDropArena`'s handles.
struct Model<'a, 's> {
    home: Home<'a, 's>,
    side: &'s Side<'s>,
    /// The handles the ops may go through, and the one they do (modulo
    /// their number). An op that holds one keeps it alive.
    handles: Vec<Rc<Handle<'a, Val<'a, 's>>>>,
    current: usize,
    live: Vec<Live<'a, 's>>,
    leaked: Vec<(&'a mut Val<'a, 's>, usize, u64)>,
    /// Values given up with `into_raw`: still in their slots, which stay in
    /// use, until `from_raw` makes boxes of them again.
    raw: Vec<(*mut Val<'a, 's>, usize, u64)>,
}

impl<'a, 's> Model<'a, 's> {
    fn new(home: Home<'a, 's>, side: &'s Side<'s>) -> Self {
        let sync = home.mode() == Mode::SyncDropArena;
        let slots = SlotModel {
            sync,
            ..SlotModel::default()
        };
        ledger(|l| l.arenas.insert(home.key(), slots));
        Model {
            home,
            side,
            handles: Vec::new(),
            current: 0,
            live: Vec::new(),
            leaked: Vec::new(),
            raw: Vec::new(),
        }
    }

    fn new_val(&self, new: New) -> Val<'a, 's> {
        Val::new(self.home, self.side, new)
    }

    fn push(&mut self, b: DropBox<'a, Val<'a, 's>>, by: usize) {
        let (id, value) = (b.id, b.value);
        self.live.push(Live { b, id, value, by });
    }

    /// Where the next op goes: the arena, or the current handle (made if
    /// none lives).
    fn via(&mut self) -> Via<'a, Val<'a, 's>> {
        match self.home {
            Home::Plain(arena) => Via::Arena(arena),
            Home::Sync(arena) => {
                if self.handles.is_empty() {
                    self.new_handle(arena);
                }
                let current = self.current % self.handles.len();
                Via::Handle(Rc::clone(&self.handles[current]))
            }
        }
    }

    fn new_handle(&mut self, arena: &'a SyncArena<'a, 's>) {
        self.handles.push(Rc::new(Handle::new(arena)));
        self.current = self.handles.len() - 1;
    }

    /// Where `live` goes back: [`via`](Self::via).
    fn via_back(&mut self, live: &Live<'a, 's>) -> Via<'a, Val<'a, 's>> {
        let via = self.via();
        if live.by != 0 && live.by != via.id() {
            stat("reclaimed through another handle", 1);
        }
        via
    }

    fn run(&mut self, ops: &[Op], depth: usize) {
        let mut rest = ops.iter();
        while let Some(&op) = rest.next() {
            self.apply(op, &mut rest, depth);
            self.check();
        }
    }

    fn apply(&mut self, op: Op, rest: &mut core::slice::Iter<'_, Op>, depth: usize) {
        let n = self.live.len();
        let pick = |i: u8| usize::from(i) % n.max(1);
        match op {
            Op::Alloc(new) => {
                let via = self.via();
                let b = alloc(&via, self.new_val(new));
                self.push(b, via.id());
            }
            Op::AllocWith { new, during, panic } => {
                let during: Vec<Op> = rest
                    .by_ref()
                    .take(usize::from(during % 8))
                    .copied()
                    .collect();
                let via = self.via();
                let b = alloc_with(&via, || {
                    if depth < MAX_DEPTH {
                        stat("reentrant ops", during.len());
                        self.run(&during, depth + 1);
                    }
                    self.check();
                    (!panic).then(|| self.new_val(new))
                });
                assert_eq!(b.is_none(), panic, "a constructor panicked or not as told");
                match b {
                    Some(b) => self.push(b, via.id()),
                    None => stat("constructor panics", 1),
                }
            }
            Op::TryAllocWith {
                new,
                during,
                outcome,
            } => {
                let during: Vec<Op> = rest
                    .by_ref()
                    .take(usize::from(during % 8))
                    .copied()
                    .collect();
                let via = self.via();
                let mut expected = None;
                // Nothing is taken before the constructor succeeds, so after
                // an error or a panic the checks that follow (len, capacity
                // not grown, the next address) see the arena as it was.
                let result = catch(|| {
                    via.try_alloc_with(|| {
                        if depth < MAX_DEPTH {
                            stat("reentrant ops", during.len());
                            self.run(&during, depth + 1);
                        }
                        self.check();
                        match outcome % 3 {
                            0 => {
                                expected = Some(take(&via));
                                Ok(self.new_val(new))
                            }
                            1 => Err(new.value),
                            _ => panic::panic_any(Deliberate),
                        }
                    })
                });
                match (outcome % 3, result) {
                    (0, Some(Ok(b))) => {
                        placed(&via, expected.flatten(), addr(&*b));
                        self.push(b, via.id());
                    }
                    (1, Some(Err(value))) => {
                        assert_eq!(value, new.value, "the error came back changed");
                        stat("failed constructions", 1);
                    }
                    (2, None) => stat("constructor panics", 1),
                    (outcome, _) => panic!("try_alloc_with did not do as told ({outcome})"),
                }
            }
            Op::IntoRaw(i) if n > 0 => {
                let Live { b, id, value, .. } = self.live.swap_remove(pick(i));
                let at = addr(&*b);
                let raw = DropBox::into_raw(b);
                assert_eq!(raw as usize, at, "into_raw moved the value");
                self.raw.push((raw, id, value));
            }
            Op::FromRaw(i) if !self.raw.is_empty() => {
                let (raw, ..) = self.raw.swap_remove(usize::from(i) % self.raw.len());
                // SAFETY: `raw` came from `into_raw` on a box of this arena
                // and is used once: it left `self.raw` above.
                let b = unsafe { DropBox::from_raw(raw) };
                self.push(b, 0); // `check` then compares its value
                stat("raw round trips", 1);
            }
            Op::DropBox(i) | Op::BoxToInner(i) | Op::FreeWithoutDropping(i) if n > 0 => {
                let live = self.live.swap_remove(pick(i));
                let via = self.via_back(&live);
                match op {
                    // Even if the destructor panics, the slot is reclaimed.
                    Op::DropBox(_) => {
                        live.drop_with(|live| reclaim(&via, live.b, |b| catch(|| via.drop_box(b))));
                    }
                    Op::BoxToInner(_) => live.drop_with(|Live { b, id, value, .. }| {
                        let val = reclaim(&via, b, |b| via.box_to_inner(b));
                        assert_eq!((val.id, val.value), (id, value), "moved out wrong");
                        catch(|| drop(val))
                    }),
                    _ => {
                        live.b.forget();
                        reclaim(&via, live.b, |b| via.free_without_dropping(b));
                    }
                }
            }
            Op::Drop(i) | Op::IntoInner(i) | Op::Leak(i) if n > 0 => {
                let live = self.live.swap_remove(pick(i));
                match op {
                    // The slot stays in use until the arena ends.
                    Op::Drop(_) => live.drop_with(|live| catch(|| drop(live.b))),
                    Op::IntoInner(_) => live.drop_with(|Live { b, id, value, .. }| {
                        let val = DropBox::into_inner(b);
                        assert_eq!((val.id, val.value), (id, value), "moved out wrong");
                        catch(|| drop(val))
                    }),
                    _ => {
                        live.b.forget();
                        let val = DropBox::leak(live.b);
                        val.value = !val.value;
                        self.leaked.push((val, live.id, !live.value));
                        stat("leaks", 1);
                    }
                }
            }
            Op::Replace(i, new) if n > 0 => {
                let new = self.new_val(new);
                let live = &mut self.live[pick(i)];
                // An assignment whose drop unwinds is not this test's business.
                live.b.on_drop.panic = false;
                let old = mem::replace(&mut live.id, new.id);
                live.value = new.value;
                *live.b = new;
                assert_eq!(drops_of(old), 1);
            }
            Op::Swap(i, j) if pick(i) != pick(j) => {
                let (low, high) = self.live.split_at_mut(pick(i).max(pick(j)));
                let (a, b) = (&mut low[pick(i).min(pick(j))], &mut high[0]);
                mem::swap(&mut *a.b, &mut *b.b);
                mem::swap(&mut a.id, &mut b.id);
                mem::swap(&mut a.value, &mut b.value);
                stat("swaps", 1);
            }
            Op::Reserve(additional) => {
                let additional = usize::from(additional % 512);
                reserve(self.home, additional);
                let capacity = self.home.capacity();
                // What the reserve covers through one handle: all of it in
                // a `DropArena`; in a `SyncDropArena`, less the run of 64
                // fresh slots the handle may take and not use (its docs).
                let room = match self.home {
                    Home::Plain(_) => additional,
                    Home::Sync(_) => additional.saturating_sub(64),
                };
                let via = self.via();
                let room: Vec<_> = (0..room.min(64))
                    .map(|_| alloc(&via, self.new_val(New::default())))
                    .collect();
                assert_eq!(self.home.capacity(), capacity, "grew within reserved room");
                for b in room {
                    reclaim(&via, b, |b| via.drop_box(b));
                }
            }
            Op::Nested(count) => {
                let ops: Vec<Op> = rest
                    .by_ref()
                    .take(usize::from(count % 32))
                    .copied()
                    .collect();
                if depth < MAX_DEPTH {
                    stat("nested arenas", 1);
                    match self.home.mode() {
                        Mode::DropArena => {
                            make_arena!(inner);
                            run_model(Home::Plain(inner), self.side, &ops, depth + 1);
                        }
                        Mode::SyncDropArena => {
                            make_sync_arena!(inner);
                            run_model(Home::Sync(inner), self.side, &ops, depth + 1);
                        }
                    }
                }
            }
            Op::Zsts { count, given_back } => zsts(self.home.mode(), count, given_back),
            Op::NewHandle => match self.home {
                Home::Sync(arena) if self.handles.len() < MAX_HANDLES => self.new_handle(arena),
                _ => {}
            },
            Op::DropHandle(i) if !self.handles.is_empty() => {
                self.handles.remove(usize::from(i) % self.handles.len());
                stat("handles dropped", 1);
            }
            Op::UseHandle(i) => self.current = usize::from(i),
            Op::AllocBatch(count) => {
                let via = self.via();
                for value in 0..64 + u64::from(count % 137) {
                    let new = New {
                        value,
                        ..New::default()
                    };
                    let b = alloc(&via, self.new_val(new));
                    self.push(b, via.id());
                }
                stat("batches", 1);
            }
            Op::DropBatch(count) => {
                let n = self.live.len().min(64 + usize::from(count % 137));
                for live in self.live.split_off(self.live.len() - n).into_iter().rev() {
                    let via = self.via_back(&live);
                    live.drop_with(|live| reclaim(&via, live.b, |b| catch(|| via.drop_box(b))));
                }
                stat("batches", 1);
            }
            _ => {} // an op on a box, and none is live; or on a handle, and none is
        }
    }

    /// Checks this arena, its handles and the side arena: no op touches
    /// any other.
    fn check(&self) {
        self.home.check();
        check_arena(self.side);
        for h in &self.handles {
            h.check();
        }
        for live in &self.live {
            let val = &*live.b;
            assert_eq!((val.id, val.value), (live.id, live.value), "a box changed");
            assert_eq!(
                drops_of(live.id),
                0,
                "value {} dropped while boxed",
                live.id
            );
            if let Some(leaf) = &live.b.leaf {
                assert_eq!(leaf.owner, live.id, "a leaf changed");
            }
        }
        for (val, id, value) in &self.leaked {
            assert_eq!((val.id, val.value), (*id, *value), "a leaked value changed");
        }
        for &(raw, id, value) in &self.raw {
            // SAFETY: the value behind a pointer from `into_raw` lives until
            // `from_raw` takes it back, and nothing else uses it meanwhile.
            let val = unsafe { &*raw };
            assert_eq!((val.id, val.value), (id, value), "a raw value changed");
        }
    }

    /// Drops the boxes left, one at a time so that a panicking destructor
    /// cannot panic while another unwinds, then the handles, and forgets
    /// the arena.
    fn finish(mut self) {
        for (raw, ..) in mem::take(&mut self.raw) {
            // SAFETY: as in `Op::FromRaw`: each pointer is used once.
            self.push(unsafe { DropBox::from_raw(raw) }, 0);
        }
        for live in mem::take(&mut self.live) {
            live.drop_with(|live| catch(|| drop(live.b)));
        }
        self.handles.clear();
        self.check();
        ledger(|l| l.arenas.remove(&self.home.key()));
    }
}

/// Runs `ops` on the arena `home`, then ends the values left.
fn run_model<'a, 's>(home: Home<'a, 's>, side: &'s Side<'s>, ops: &[Op], depth: usize) {
    let mut model = Model::new(home, side);
    model.run(ops, depth);
    model.finish();
}

/// Zero-sized values: no memory, only `len` moves.
fn zsts(mode: Mode, count: u8, given_back: u8) {
    stat("zst arenas", 1);
    let given_back = usize::from(given_back.min(count));
    match mode {
        Mode::DropArena => DropArena::with(|arena| {
            let boxes: Vec<DropBox<'_, ()>> = (0..count).map(|_| arena.alloc_with(|| ())).collect();
            assert_eq!((arena.len(), arena.capacity()), (count.into(), usize::MAX));
            for (i, b) in boxes.into_iter().enumerate() {
                match i {
                    _ if i >= given_back => drop(b),
                    _ if i % 2 == 0 => arena.drop_box(b),
                    _ => arena.box_to_inner(b),
                }
            }
            assert_eq!(arena.len(), usize::from(count) - given_back);
            assert_eq!(arena.allocated_bytes(), 0);
            #[cfg(any(test, fuzzing))]
            arena.check_invariants();
        }),
        // Made through one handle, given back through another.
        Mode::SyncDropArena => SyncDropArena::with(|arena| {
            let (maker, taker) = (arena.local(), arena.local());
            let boxes: Vec<DropBox<'_, ()>> = (0..count).map(|_| maker.alloc_with(|| ())).collect();
            assert_eq!((arena.len(), arena.capacity()), (count.into(), usize::MAX));
            for (i, b) in boxes.into_iter().enumerate() {
                match i {
                    _ if i >= given_back => drop(b),
                    _ if i % 2 == 0 => taker.drop_box(b),
                    _ => taker.box_to_inner(b),
                }
            }
            drop(taker);
            assert_eq!(arena.len(), usize::from(count) - given_back);
            assert_eq!(arena.allocated_bytes(), 0);
            check_sync_kernel(arena);
        }),
    }
}

/// Decodes `data` into a mode (the low bit of the first byte) and ops, and
/// runs them: the fuzz target's whole body. With `DROP_ARENA_MODEL_OPS`
/// set, prints them first (to replay a failing input readably).
pub fn run(data: &[u8]) -> Stats {
    // Op after op until the bytes run out (the last op reads zeros past them).
    let mut u = Unstructured::new(data);
    let mode = match bool::arbitrary(&mut u) {
        Ok(true) => Mode::SyncDropArena,
        _ => Mode::DropArena,
    };
    let mut ops = Vec::new();
    while !u.is_empty() {
        let Ok(op) = Op::arbitrary(&mut u) else { break };
        ops.push(op);
    }
    if std::env::var_os("DROP_ARENA_MODEL_OPS").is_some() {
        std::eprintln!("{mode:?}");
        ops.iter().for_each(|op| std::eprintln!("{op:?}"));
    }
    run_ops(mode, &ops)
}

/// Runs `ops` on a fresh arena of `mode`, checking everything at every step
/// and at the end.
pub fn run_ops(mode: Mode, ops: &[Op]) -> Stats {
    quiet_deliberate_panics();
    LEDGER.set(Ledger::default());
    {
        make_arena!(side);
        ledger(|l| l.arenas.insert(addr(side), SlotModel::default()));
        match mode {
            Mode::DropArena => {
                make_arena!(arena);
                run_model(Home::Plain(arena), side, ops, 0);
            }
            Mode::SyncDropArena => {
                make_sync_arena!(arena);
                run_model(Home::Sync(arena), side, ops, 0);
            }
        }
    }
    ledger(|l| {
        for (id, &(drops, forgotten)) in l.values.iter().enumerate() {
            assert_eq!(drops, u32::from(!forgotten), "value {id} at the end");
        }
        mem::take(&mut l.stats)
    })
}

/// ASan's view of a slot, when built with AddressSanitizer.
mod asan {
    #[cfg(drop_arena_asan)]
    unsafe extern "C" {
        fn __asan_region_is_poisoned(addr: *const u8, size: usize) -> *const u8;
    }

    /// Whether the value at `at` is poisoned (a free slot) rather than
    /// addressable (a slot in use); asserts it is wholly one or the other.
    #[cfg(drop_arena_asan)]
    pub fn is_poisoned<T>(at: *const T) -> bool {
        let at = at.cast::<u8>();
        // SAFETY: the query reads ASan's shadow memory only, not `at`.
        let first = unsafe { __asan_region_is_poisoned(at, size_of::<T>()) };
        assert!(
            first.is_null() || first == at,
            "slot {at:?} is partly poisoned"
        );
        !first.is_null()
    }

    /// Never called: the checks ask only under ASan.
    #[cfg(not(drop_arena_asan))]
    pub fn is_poisoned<T>(_: *const T) -> bool {
        false
    }
}
