//! The model: random operation sequences on real arenas, checked step by
//! step against what the arena must do.
//!
//! One file, compiled in two places: the crate's unit tests (`cargo test
//! --lib`: `src/lib.rs` includes it by path, and proptest drives it from
//! `model_tests.rs` beside it) and the cargo-fuzz target
//! `fuzz/fuzz_targets/ops.rs`. Both hand [`run`] raw bytes, which decode
//! into a flat list of [`Op`]s.
//!
//! # What runs
//!
//! An arena of [`Val`]s, beside a *side* arena of [`Leaf`]s that outlives
//! it. A `Val` may own a box of the side arena, which it gives back there
//! when dropped; then it allocates and reclaims temporaries in its own arena,
//! may reserve there, and may panic. Some ops claim the ops after them:
//! `AllocWith { during }` runs the next few ops inside its constructor
//! (reentrantly, on the same arena) and may then panic; `Nested` runs the
//! next few in a fresh arena.
//!
//! # What is checked
//!
//! - Every allocation gets the address the model predicts ([`SlotModel`]):
//!   the last slot reclaimed is the next one handed out; else an address
//!   never seen before (or one a `reserve` reshuffled); never a slot in use
//!   in any arena.
//! - After every op, in each arena the op could touch: the kernel's own
//!   invariants (`check_invariants`: capacity = in use + free + fresh, the
//!   free list acyclic and inside the arena's chunks); `len`; capacity never
//!   shrinking, and never growing while a slot was free unless a `reserve`
//!   asked for more than was spare; the contents of every live box and
//!   leaked reference (a slot handed out twice would be overwritten).
//! - `try_alloc_with` whose constructor fails or panics leaves no trace:
//!   the same checks then see the arena as it was. `into_raw` keeps the
//!   value where it is, in a slot still in use, until `from_raw`.
//! - `allocated_bytes` is the capacity times the slot size.
//! - A value is dropped at most once, never once forgotten, and its
//!   destructor or constructor panics exactly when told to; at the end every
//!   value was dropped exactly once, unless forgotten or leaked.
//! - Built with AddressSanitizer (`cfg(drop_arena_asan)`): slots in use are
//!   addressable and free slots poisoned.
//!
//! [`Stats`] counts the rare paths a run took, so tests can prove they ran.

use std::boxed::Box;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::vec::Vec;
use std::{mem, ptr};

use arbitrary::{Arbitrary, Unstructured};
use drop_arena::{DropArena, DropBox, make_arena};

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
    /// Slots taken by `alloc_with`s whose constructors are still running.
    pending: usize,
    /// The capacity at the last check, and the most slots in use since.
    capacity: usize,
    peak: usize,
    /// A reserve since the last check asked for more than was spare.
    reserved_short: bool,
}

impl SlotModel {
    /// The arena takes a slot: the address it must have, if known.
    fn take(&mut self) -> Option<usize> {
        self.pending += 1;
        self.peak = self.peak.max(self.in_use.len() + self.pending);
        self.free.pop().flatten()
    }

    /// The slot taken with `expected` turned out to be at `actual`.
    fn placed(&mut self, expected: Option<usize>, actual: usize) {
        self.pending -= 1;
        match expected {
            Some(expected) => assert_eq!(actual, expected, "not the last slot reclaimed"),
            None => assert!(
                !self.seen.contains(&actual) || self.unordered.remove(&actual),
                "slot {actual:#x} handed out out of order"
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
        self.free.push(Some(at));
    }

    /// Compares with the arena's counters after an op.
    fn check(&mut self, len: usize, capacity: usize) {
        assert_eq!(len, self.in_use.len() + self.pending, "len");
        assert!(
            capacity >= len.max(self.capacity),
            "capacity below len, or shrank"
        );
        assert!(
            capacity == self.capacity || self.peak > self.capacity || self.reserved_short,
            "capacity grew from {} to {capacity} while a slot was free",
            self.capacity
        );
        (self.capacity, self.peak, self.reserved_short) = (capacity, len, false);
    }
}

fn addr<T>(value: &T) -> usize {
    ptr::from_ref(value) as usize
}

/// Runs `f` on the model of `arena`.
fn slots<T, R>(arena: &DropArena<'_, T>, f: impl FnOnce(&mut SlotModel) -> R) -> R {
    ledger(|l| f(l.arenas.get_mut(&addr(arena)).expect("an unknown arena")))
}

// The arena's operations, each with its slot accounted for.

fn alloc<'a, T>(arena: &'a DropArena<'a, T>, value: T) -> DropBox<'a, T> {
    let expected = slots(arena, SlotModel::take);
    let b = arena.alloc(value);
    placed(arena, expected, addr(&*b));
    b
}

/// `None` if `f` panicked on purpose; then the slot is free again, on top.
fn alloc_with<'a, T>(arena: &'a DropArena<'a, T>, f: impl FnOnce() -> T) -> Option<DropBox<'a, T>> {
    let expected = slots(arena, SlotModel::take);
    let b = catch(|| arena.alloc_with(f));
    match &b {
        Some(b) => placed(arena, expected, addr(&**b)),
        None => slots(arena, |s| {
            s.pending -= 1;
            s.free.push(expected);
        }),
    }
    b
}

fn placed<T>(arena: &DropArena<'_, T>, expected: Option<usize>, actual: usize) {
    let in_use = ledger(|l| l.arenas.values().any(|s| s.in_use.contains(&actual)));
    assert!(!in_use, "slot {actual:#x} handed out while in use");
    slots(arena, |s| s.placed(expected, actual));
    stat("predicted addresses", usize::from(expected.is_some()));
}

/// Gives `b` back with `how`: `drop_box`, `box_to_inner` or
/// `free_without_dropping`.
fn reclaim<'a, T, R>(
    arena: &'a DropArena<'a, T>,
    b: DropBox<'a, T>,
    how: impl FnOnce(DropBox<'a, T>) -> R,
) -> R {
    let at = addr(&*b);
    let result = how(b);
    slots(arena, |s| s.reclaimed(at));
    result
}

fn reserve<T>(arena: &DropArena<'_, T>, additional: usize) {
    let short = arena.capacity() - arena.len() < additional;
    arena.reserve(additional);
    assert!(
        arena.capacity() - arena.len() >= additional,
        "reserve fell short"
    );
    if short {
        slots(arena, |s| {
            s.unordered.extend(s.free.drain(..).flatten());
            s.reserved_short = true;
        });
        stat("short reserves", 1);
    }
}

/// Checks an arena against its model.
fn check_arena<T>(arena: &DropArena<'_, T>) {
    // Poisoning first: the kernel's check poisons the free slots it walks.
    if cfg!(drop_arena_asan) {
        slots(arena, |s| {
            for &at in s.free.iter().flatten().chain(&s.unordered) {
                asan::expect_poisoned(at as *const T, true);
            }
            for &at in &s.in_use {
                asan::expect_poisoned(at as *const T, false);
            }
        });
    }
    #[cfg(any(test, fuzzing))]
    arena.check_invariants();
    let (len, capacity) = (arena.len(), arena.capacity());
    // A slot holds a `T` or the free-list link, aligned for both.
    let align = align_of::<T>().max(align_of::<usize>());
    let slot = size_of::<T>()
        .max(size_of::<usize>())
        .next_multiple_of(align);
    assert_eq!(arena.allocated_bytes(), capacity * slot, "allocated_bytes");
    slots(arena, |s| s.check(len, capacity));
}

type Arena<'a, 's> = DropArena<'a, Val<'a, 's>>;
type Side<'s> = DropArena<'s, Leaf>;

/// The value of the arenas under test: counts its drops, may own a box of
/// the side arena, and does `on_drop` when dropped.
struct Val<'a, 's> {
    id: usize,
    value: u64,
    arena: &'a Arena<'a, 's>,
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
    fn new(arena: &'a Arena<'a, 's>, side: &'s Side<'s>, new: New) -> Self {
        let id = new_id();
        let leaf = new.with_leaf.then(|| {
            let leaf = Leaf {
                id: new_id(),
                owner: id,
            };
            alloc(side, leaf)
        });
        let (value, on_drop) = (new.value, new.on_drop);
        Val {
            id,
            value,
            arena,
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
        let (arena, side) = (self.arena, self.side);
        if let Some(leaf) = self.leaf.take() {
            reclaim(side, leaf, |leaf| side.drop_box(leaf));
            stat("leaves given back", 1);
        }
        let len = arena.len();
        let n = self.on_drop.temporaries % 4;
        let mut temporaries: Vec<_> = (0..n)
            .map(|i| {
                let new = New {
                    value: i.into(),
                    ..New::default()
                };
                (i, alloc(arena, Val::new(arena, side, new)))
            })
            .collect();
        reserve(arena, usize::from(self.on_drop.reserve % 64));
        if n == 2 {
            temporaries.reverse(); // the free list sees both orders
        }
        for (i, t) in temporaries {
            assert_eq!(t.value, u64::from(i));
            reclaim(arena, t, |t| arena.drop_box(t));
        }
        stat("temporaries", n.into());
        assert_eq!(arena.len(), len);
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

/// The model of one arena: the boxes and leaked references it holds.
struct Model<'a, 's> {
    arena: &'a Arena<'a, 's>,
    side: &'s Side<'s>,
    live: Vec<Live<'a, 's>>,
    leaked: Vec<(&'a mut Val<'a, 's>, usize, u64)>,
    /// Values given up with `into_raw`: still in their slots, which stay in
    /// use, until `from_raw` makes boxes of them again.
    raw: Vec<(*mut Val<'a, 's>, usize, u64)>,
}

impl<'a, 's> Model<'a, 's> {
    fn new(arena: &'a Arena<'a, 's>, side: &'s Side<'s>) -> Self {
        ledger(|l| l.arenas.insert(addr(arena), SlotModel::default()));
        Model {
            arena,
            side,
            live: Vec::new(),
            leaked: Vec::new(),
            raw: Vec::new(),
        }
    }

    fn new_val(&self, new: New) -> Val<'a, 's> {
        Val::new(self.arena, self.side, new)
    }

    fn push(&mut self, b: DropBox<'a, Val<'a, 's>>) {
        let (id, value) = (b.id, b.value);
        self.live.push(Live { b, id, value });
    }

    fn run(&mut self, ops: &[Op], depth: usize) {
        let mut rest = ops.iter();
        while let Some(&op) = rest.next() {
            self.apply(op, &mut rest, depth);
            self.check();
        }
    }

    fn apply(&mut self, op: Op, rest: &mut core::slice::Iter<'_, Op>, depth: usize) {
        let arena = self.arena;
        let n = self.live.len();
        let pick = |i: u8| usize::from(i) % n.max(1);
        match op {
            Op::Alloc(new) => {
                let b = alloc(arena, self.new_val(new));
                self.push(b);
            }
            Op::AllocWith { new, during, panic } => {
                let during: Vec<Op> = rest
                    .by_ref()
                    .take(usize::from(during % 8))
                    .copied()
                    .collect();
                let b = alloc_with(arena, || {
                    if depth < MAX_DEPTH {
                        stat("reentrant ops", during.len());
                        self.run(&during, depth + 1);
                    }
                    self.check();
                    if panic {
                        panic::panic_any(Deliberate);
                    }
                    self.new_val(new)
                });
                assert_eq!(b.is_none(), panic, "a constructor panicked or not as told");
                match b {
                    Some(b) => self.push(b),
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
                let mut expected = None;
                // Nothing is taken before the constructor succeeds, so after
                // an error or a panic the checks that follow (len, capacity
                // not grown, the next address) see the arena as it was.
                let result = catch(|| {
                    arena.try_alloc_with(|| {
                        if depth < MAX_DEPTH {
                            stat("reentrant ops", during.len());
                            self.run(&during, depth + 1);
                        }
                        self.check();
                        match outcome % 3 {
                            0 => {
                                expected = Some(slots(arena, SlotModel::take));
                                Ok(self.new_val(new))
                            }
                            1 => Err(new.value),
                            _ => panic::panic_any(Deliberate),
                        }
                    })
                });
                match (outcome % 3, result) {
                    (0, Some(Ok(b))) => {
                        placed(arena, expected.flatten(), addr(&*b));
                        self.push(b);
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
                let Live { b, id, value } = self.live.swap_remove(pick(i));
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
                self.push(b); // `check` then compares its value
                stat("raw round trips", 1);
            }
            Op::DropBox(i)
            | Op::BoxToInner(i)
            | Op::FreeWithoutDropping(i)
            | Op::Drop(i)
            | Op::IntoInner(i)
            | Op::Leak(i)
                if n > 0 =>
            {
                let live = self.live.swap_remove(pick(i));
                match op {
                    // Even if the destructor panics, the slot is reclaimed.
                    Op::DropBox(_) => live
                        .drop_with(|live| reclaim(arena, live.b, |b| catch(|| arena.drop_box(b)))),
                    Op::BoxToInner(_) => live.drop_with(|Live { b, id, value }| {
                        let val = reclaim(arena, b, |b| arena.box_to_inner(b));
                        assert_eq!((val.id, val.value), (id, value), "moved out wrong");
                        catch(|| drop(val))
                    }),
                    // The slot stays in use until the arena ends.
                    Op::Drop(_) => live.drop_with(|live| catch(|| drop(live.b))),
                    Op::IntoInner(_) => live.drop_with(|Live { b, id, value }| {
                        let val = DropBox::into_inner(b);
                        assert_eq!((val.id, val.value), (id, value), "moved out wrong");
                        catch(|| drop(val))
                    }),
                    Op::FreeWithoutDropping(_) => {
                        live.b.forget();
                        reclaim(arena, live.b, |b| arena.free_without_dropping(b));
                    }
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
                reserve(arena, additional);
                let capacity = arena.capacity();
                let room: Vec<_> = (0..additional.min(64))
                    .map(|_| alloc(arena, self.new_val(New::default())))
                    .collect();
                assert_eq!(arena.capacity(), capacity, "grew within reserved room");
                for b in room {
                    reclaim(arena, b, |b| arena.drop_box(b));
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
                    make_arena!(inner);
                    let mut model = Model::new(inner, self.side);
                    model.run(&ops, depth + 1);
                    model.finish();
                }
            }
            Op::Zsts { count, given_back } => zsts(count, given_back),
            _ => {} // an op on a box, and none is live
        }
    }

    /// Checks this arena and the side arena: no op touches any other.
    fn check(&self) {
        check_arena(self.arena);
        check_arena(self.side);
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
    /// cannot panic while another unwinds, and forgets the arena.
    fn finish(mut self) {
        for (raw, ..) in mem::take(&mut self.raw) {
            // SAFETY: as in `Op::FromRaw`: each pointer is used once.
            self.push(unsafe { DropBox::from_raw(raw) });
        }
        for live in mem::take(&mut self.live) {
            live.drop_with(|live| catch(|| drop(live.b)));
        }
        self.check();
        ledger(|l| l.arenas.remove(&addr(self.arena)));
    }
}

/// Zero-sized values: no memory, only `len` moves.
fn zsts(count: u8, given_back: u8) {
    stat("zst arenas", 1);
    DropArena::with(|arena| {
        let boxes: Vec<DropBox<'_, ()>> = (0..count).map(|_| arena.alloc_with(|| ())).collect();
        assert_eq!((arena.len(), arena.capacity()), (count.into(), usize::MAX));
        let given_back = usize::from(given_back).min(boxes.len());
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
    });
}

/// Decodes `data` into ops and runs them: the fuzz target's whole body.
/// With `DROP_ARENA_MODEL_OPS` set, prints the ops first (to replay a
/// failing input readably).
pub fn run(data: &[u8]) -> Stats {
    // Op after op until the bytes run out (the last op reads zeros past them).
    let mut u = Unstructured::new(data);
    let mut ops = Vec::new();
    while !u.is_empty() {
        let Ok(op) = Op::arbitrary(&mut u) else { break };
        ops.push(op);
    }
    if std::env::var_os("DROP_ARENA_MODEL_OPS").is_some() {
        ops.iter().for_each(|op| std::eprintln!("{op:?}"));
    }
    run_ops(&ops)
}

/// Runs `ops` on a fresh arena, checking everything at every step and at
/// the end.
pub fn run_ops(ops: &[Op]) -> Stats {
    quiet_deliberate_panics();
    LEDGER.set(Ledger::default());
    {
        make_arena!(side);
        ledger(|l| l.arenas.insert(addr(side), SlotModel::default()));
        make_arena!(arena);
        let mut model = Model::new(arena, side);
        model.run(ops, 0);
        model.finish();
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

    /// Asserts that the value at `at` is wholly poisoned (a free slot) or
    /// wholly addressable (a slot in use).
    #[cfg(drop_arena_asan)]
    pub fn expect_poisoned<T>(at: *const T, poisoned: bool) {
        let at = at.cast::<u8>();
        // SAFETY: the query reads ASan's shadow memory only, not `at`.
        let first = unsafe { __asan_region_is_poisoned(at, size_of::<T>()) };
        if poisoned {
            assert_eq!(first, at, "free slot {at:?} is addressable");
        } else {
            assert!(first.is_null(), "slot in use {at:?} is poisoned");
        }
    }

    #[cfg(not(drop_arena_asan))]
    pub fn expect_poisoned<T>(_: *const T, _: bool) {}
}
