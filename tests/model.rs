//! Proptest: random operations on two nested arenas, with reentrant and panicking constructors and destructors, checked against a plain model.
//!
//! Every allocation and reclamation, including those made from inside a
//! constructor or destructor, goes through a [`SlotModel`], which predicts
//! the address the arena must hand out next (last reclaimed, first reused)
//! and checks no slot is handed out twice. After every operation the model's
//! counts are compared with `len` and `capacity`, every live box's value is
//! checked, and at the end the ledger shows each value dropped exactly once
//! unless it was leaked or forgotten.

mod common;

use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};

use common::{ExpectedPanic, Ledger, Tracked, addr, expected_panic};
use drop_arena::{DropArena, DropBox, make_arena};
use proptest::prelude::*;

/// What the model knows about one arena's slots.
#[derive(Default)]
struct SlotModel {
    /// Reclaimed slots, most recent last, which the arena must hand out
    /// again in reverse order. `None` is a slot at an address the model never
    /// saw: a fresh slot whose constructor panicked.
    free: Vec<Option<usize>>,
    /// Slots in use, by address: boxed, or kept by a plain drop, `into_inner`
    /// or `leak`.
    in_use: HashSet<usize>,
    /// Every address ever handed out.
    seen: HashSet<usize>,
    /// Addresses known to be free but in an order the model does not know
    /// (`reserve` parks fresh slots on top of them).
    unordered: HashSet<usize>,
    /// Slots taken by an `alloc_with` whose constructor is still running.
    pending: usize,
    /// The most slots in use at once since the last check.
    peak: usize,
    /// Capacity at the last check.
    capacity: usize,
    /// Whether a `reserve` since the last check asked for more than was
    /// spare, which lets the capacity grow without a full arena.
    may_grow: bool,
}

impl SlotModel {
    fn len(&self) -> usize {
        self.in_use.len() + self.pending
    }

    /// The arena takes a slot; returns the address it must have, if known.
    fn take(&mut self) -> Option<usize> {
        self.pending += 1;
        self.peak = self.peak.max(self.len());
        self.free.pop().flatten()
    }

    /// The slot taken with expectation `expected` turned out to be `actual`.
    fn placed(&mut self, expected: Option<usize>, actual: usize) {
        self.pending -= 1;
        match expected {
            Some(expected) => assert_eq!(actual, expected, "not the last reclaimed slot"),
            // Unknown: a fresh slot, or one whose place in the order was lost.
            None => assert!(
                !self.seen.contains(&actual) || self.unordered.remove(&actual),
                "a slot was handed out out of order"
            ),
        }
        self.seen.insert(actual);
        assert!(self.in_use.insert(actual), "a slot in use was handed out");
    }

    /// The constructor of the slot taken with `expected` panicked.
    fn abandoned(&mut self, expected: Option<usize>) {
        self.pending -= 1;
        self.free.push(expected);
    }

    fn reclaimed(&mut self, actual: usize) {
        assert!(self.in_use.remove(&actual), "reclaimed a slot not in use");
        self.free.push(Some(actual));
    }

    /// A `reserve` was made; `short` if it asked for more than was spare.
    fn reserved(&mut self, short: bool) {
        self.unordered.extend(self.free.drain(..).flatten());
        self.may_grow |= short;
    }

    /// Compares with the arena after an operation.
    fn check<T>(&mut self, arena: &DropArena<'_, T>) {
        let (len, capacity) = (arena.len(), arena.capacity());
        assert_eq!(len, self.len(), "len");
        assert!(capacity >= len, "capacity below len");
        assert!(capacity >= self.capacity, "capacity shrank");
        if capacity > self.capacity {
            assert!(
                self.peak > self.capacity || self.may_grow,
                "capacity grew from {} to {capacity} while a slot was free",
                self.capacity
            );
        }
        self.capacity = capacity;
        self.peak = len;
        self.may_grow = false;
    }
}

/// The model of both arenas and of every value, shared with the values so
/// that their constructors and destructors report to it.
#[derive(Default)]
struct Model {
    outer: RefCell<SlotModel>,
    inner: RefCell<SlotModel>,
    ledger: Ledger,
    /// Values the test leaked or forgot: never to be dropped.
    leaked: RefCell<Vec<usize>>,
    stats: RefCell<Stats>,
}

/// How often a run took the rarer paths, so a fixed run can prove it did.
#[derive(Clone, Copy, Debug, Default)]
struct Stats {
    constructor_panics: usize,
    destructor_panics: usize,
    reserves: usize,
    temporaries: usize,
    victims: usize,
}

/// The outer arena's value: tracked, maybe owning a box of the inner arena
/// (given back to it on drop), maybe churning through its own arena or
/// panicking when dropped.
struct Item<'o, 'i> {
    ctx: Ctx<'o, 'i>,
    tracked: Tracked<'i>,
    inner: Option<DropBox<'i, Tracked<'i>>>,
    on_drop: Reentry,
}

/// The inner box holds the item's value with these bits flipped.
const INNER_MASK: u64 = 0xFFFF_0000;

impl Drop for Item<'_, '_> {
    fn drop(&mut self) {
        // Only a failed check unwinds through live items (expected panics
        // never do): do nothing more, so a second panic does not abort the
        // run and proptest can still shrink the first.
        if std::thread::panicking() {
            return;
        }
        // The inner box goes back before any panic, so it is not stranded.
        if let Some(inner) = self.inner.take() {
            self.ctx.drop_box_inner(inner);
        }
        self.ctx.reenter(self.on_drop);
    }
}

/// The two arenas and the model, with every operation checked.
#[derive(Clone, Copy)]
struct Ctx<'o, 'i> {
    outer: &'o DropArena<'o, Item<'o, 'i>>,
    inner: &'i DropArena<'i, Tracked<'i>>,
    /// Declared before both arenas, so it outlives both brands.
    model: &'i Model,
}

type Outcome<T> = Result<T, Box<dyn std::any::Any + Send>>;

impl<'o, 'i> Ctx<'o, 'i> {
    fn item(&self, value: u64, with_inner: bool) -> Item<'o, 'i> {
        let inner = with_inner.then(|| {
            let expected = self.model.inner.borrow_mut().take();
            let b = self
                .inner
                .alloc(self.model.ledger.track(value ^ INNER_MASK));
            self.model.inner.borrow_mut().placed(expected, addr(&*b));
            b
        });
        Item {
            ctx: *self,
            tracked: self.model.ledger.track(value),
            inner,
            on_drop: Reentry::default(),
        }
    }

    fn alloc(&self, item: Item<'o, 'i>) -> DropBox<'o, Item<'o, 'i>> {
        let expected = self.model.outer.borrow_mut().take();
        let b = self.outer.alloc(item);
        self.model.outer.borrow_mut().placed(expected, addr(&*b));
        b
    }

    fn alloc_with(&self, f: impl FnOnce() -> Item<'o, 'i>) -> Outcome<DropBox<'o, Item<'o, 'i>>> {
        let expected = self.model.outer.borrow_mut().take();
        let result = panic::catch_unwind(AssertUnwindSafe(|| self.outer.alloc_with(f)));
        let mut model = self.model.outer.borrow_mut();
        match &result {
            Ok(b) => model.placed(expected, addr(&**b)),
            Err(_) => model.abandoned(expected),
        }
        result
    }

    /// Even if the destructor panics, the slot is reclaimed.
    fn drop_box(&self, b: DropBox<'o, Item<'o, 'i>>) -> Outcome<()> {
        let at = addr(&*b);
        let result = panic::catch_unwind(AssertUnwindSafe(|| self.outer.drop_box(b)));
        self.model.outer.borrow_mut().reclaimed(at);
        result
    }

    fn box_to_inner(&self, b: DropBox<'o, Item<'o, 'i>>) -> Item<'o, 'i> {
        let at = addr(&*b);
        let item = self.outer.box_to_inner(b);
        self.model.outer.borrow_mut().reclaimed(at);
        item
    }

    fn free_without_dropping(&self, b: DropBox<'o, Item<'o, 'i>>) {
        let at = addr(&*b);
        self.forgotten(&b);
        self.outer.free_without_dropping(b);
        self.model.outer.borrow_mut().reclaimed(at);
    }

    /// `item` will never be dropped, nor its inner box (whose slot stays in
    /// use).
    fn forgotten(&self, item: &Item<'o, 'i>) {
        let mut leaked = self.model.leaked.borrow_mut();
        leaked.push(item.tracked.id);
        leaked.extend(item.inner.as_ref().map(|b| b.id));
    }

    fn drop_box_inner(&self, b: DropBox<'i, Tracked<'i>>) {
        let at = addr(&*b);
        self.inner.drop_box(b);
        self.model.inner.borrow_mut().reclaimed(at);
    }

    /// Does what `reentry` says, through the model.
    fn reenter(&self, reentry: Reentry) {
        self.model.stats.borrow_mut().temporaries += usize::from(reentry.churn);
        let temporaries: Vec<_> = (0..reentry.churn)
            .map(|i| self.alloc(self.item(u64::from(i), false)))
            .collect();
        // Alternate orders, so the free list sees both.
        let backwards = reentry.churn % 2 == 0;
        let ordered: Vec<_> = if backwards {
            temporaries.into_iter().rev().collect()
        } else {
            temporaries
        };
        for t in ordered {
            self.drop_box(t).expect("temporaries do not panic");
        }
        if reentry.reserve > 0 {
            self.reserve(reentry.reserve.into());
        }
        if reentry.panic {
            expected_panic();
        }
    }

    fn reserve(&self, additional: usize) {
        self.model.stats.borrow_mut().reserves += 1;
        let spare = self.outer.capacity() - self.outer.len();
        self.outer.reserve(additional);
        let spare_after = self.outer.capacity() - self.outer.len();
        assert!(spare_after >= additional, "reserve fell short");
        self.model.outer.borrow_mut().reserved(spare < additional);
    }

    fn check(&self) {
        self.model.outer.borrow_mut().check(self.outer);
        self.model.inner.borrow_mut().check(self.inner);
    }
}

/// Passes on a panic that is not an [`ExpectedPanic`]: a failed check.
fn rethrow_failed_check(payload: Box<dyn std::any::Any + Send>) -> Box<dyn std::any::Any + Send> {
    if payload.is::<ExpectedPanic>() {
        payload
    } else {
        panic::resume_unwind(payload)
    }
}

/// Checks that `result` panicked (with [`ExpectedPanic`]) if and only if
/// `expected`, and counts the panic.
fn tolerate_panic(result: Outcome<()>, expected: bool, stats: &RefCell<Stats>) {
    match result.map_err(rethrow_failed_check) {
        Ok(()) => assert!(!expected, "an expected panic did not happen"),
        Err(_) => {
            assert!(expected, "an unexpected panic");
            stats.borrow_mut().destructor_panics += 1;
        }
    }
}

/// Picks one of the live boxes: `n % len`.
#[derive(Clone, Copy, Debug)]
struct Index(u16);

impl Index {
    fn index(self, len: usize) -> usize {
        usize::from(self.0) % len
    }
}

impl Arbitrary for Index {
    type Parameters = ();
    type Strategy = prop::strategy::Map<prop::num::u16::Any, fn(u16) -> Index>;

    fn arbitrary_with((): ()) -> Self::Strategy {
        any::<u16>().prop_map(Index)
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// An item whose destructor will do `on_drop`.
    Alloc {
        value: u64,
        with_inner: bool,
        on_drop: Reentry,
    },
    /// The constructor does `reentry`, then may give back a live box (whose
    /// destructor may panic).
    AllocWith {
        value: u64,
        with_inner: bool,
        reentry: Reentry,
        victim: Option<Index>,
    },
    DropBox(Index),
    BoxToInner(Index),
    FreeWithoutDropping(Index),
    Drop(Index),
    IntoInner(Index),
    Leak(Index),
    Mutate(Index, u64),
    Reserve(u16),
}

/// What a constructor or destructor does to its own arena while it runs:
/// allocate and give back `churn` temporaries, reserve room, then panic.
#[derive(Clone, Copy, Debug, Default)]
struct Reentry {
    churn: u8,
    reserve: u16,
    panic: bool,
}

fn reentry() -> impl Strategy<Value = Reentry> {
    let reserve = prop_oneof![6 => Just(0), 1 => 1..300u16];
    (0..4u8, reserve, prop::bool::weighted(0.15)).prop_map(|(churn, reserve, panic)| Reentry {
        churn,
        reserve,
        panic,
    })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (any::<u64>(), any::<bool>(), reentry()).prop_map(|(value, with_inner, on_drop)| {
            Op::Alloc {
                value,
                with_inner,
                on_drop,
            }
        }),
        3 => (
            any::<u64>(),
            any::<bool>(),
            reentry(),
            prop::option::weighted(0.3, any::<Index>()),
        )
            .prop_map(|(value, with_inner, reentry, victim)| Op::AllocWith {
                value,
                with_inner,
                reentry,
                victim,
            }),
        3 => any::<Index>().prop_map(Op::DropBox),
        2 => any::<Index>().prop_map(Op::BoxToInner),
        1 => any::<Index>().prop_map(Op::FreeWithoutDropping),
        1 => any::<Index>().prop_map(Op::Drop),
        1 => any::<Index>().prop_map(Op::IntoInner),
        1 => any::<Index>().prop_map(Op::Leak),
        1 => (any::<Index>(), any::<u64>()).prop_map(|(i, v)| Op::Mutate(i, v)),
        1 => (0..300u16).prop_map(Op::Reserve),
    ]
}

/// A live box and the value it must hold.
struct Live<'o, 'i> {
    b: DropBox<'o, Item<'o, 'i>>,
    id: usize,
    value: u64,
}

fn run(ops: &[Op]) -> Stats {
    let model = Model::default();
    make_arena!(inner);
    make_arena!(outer);
    let ctx = Ctx {
        outer,
        inner,
        model: &model,
    };
    let mut live: Vec<Live<'_, '_>> = Vec::new();
    for op in ops {
        match *op {
            Op::Alloc {
                value,
                with_inner,
                on_drop,
            } => {
                let mut item = ctx.item(value, with_inner);
                item.on_drop = on_drop;
                let id = item.tracked.id;
                live.push(Live {
                    b: ctx.alloc(item),
                    id,
                    value,
                });
            }
            Op::AllocWith {
                value,
                with_inner,
                reentry,
                victim,
            } => {
                let victim = victim
                    .filter(|_| !live.is_empty())
                    .map(|i| live.swap_remove(i.index(live.len())));
                let victim_panics = victim.as_ref().is_some_and(|v| v.b.on_drop.panic);
                model.stats.borrow_mut().victims += usize::from(victim.is_some());
                let panic = reentry.panic;
                let result = ctx.alloc_with(|| {
                    if let Some(victim) = victim {
                        if let Err(payload) = ctx.drop_box(victim.b) {
                            panic::resume_unwind(payload);
                        }
                    }
                    ctx.reenter(reentry);
                    ctx.item(value, with_inner)
                });
                match result.map_err(rethrow_failed_check) {
                    Ok(b) => {
                        assert!(!panic && !victim_panics, "a constructor did not panic");
                        let id = b.tracked.id;
                        live.push(Live { b, id, value });
                    }
                    Err(_) => {
                        assert!(panic || victim_panics, "a constructor panicked");
                        model.stats.borrow_mut().constructor_panics += 1;
                    }
                }
            }
            Op::Reserve(additional) => ctx.reserve(additional.into()),
            Op::Mutate(i, value) if !live.is_empty() => {
                let at = i.index(live.len());
                let entry = &mut live[at];
                entry.value = value;
                entry.b.tracked.value = value;
                if let Some(inner) = &mut entry.b.inner {
                    inner.value = value ^ INNER_MASK;
                }
            }
            Op::DropBox(i)
            | Op::BoxToInner(i)
            | Op::FreeWithoutDropping(i)
            | Op::Drop(i)
            | Op::IntoInner(i)
            | Op::Leak(i)
                if !live.is_empty() =>
            {
                let entry = live.swap_remove(i.index(live.len()));
                let panics = entry.b.on_drop.panic;
                match op {
                    Op::DropBox(_) => tolerate_panic(ctx.drop_box(entry.b), panics, &model.stats),
                    Op::BoxToInner(_) => {
                        let item = ctx.box_to_inner(entry.b);
                        assert_eq!(item.tracked.value, entry.value);
                        tolerate_panic(
                            panic::catch_unwind(AssertUnwindSafe(|| drop(item))),
                            panics,
                            &model.stats,
                        );
                    }
                    Op::FreeWithoutDropping(_) => ctx.free_without_dropping(entry.b),
                    Op::Drop(_) => {
                        let result = panic::catch_unwind(AssertUnwindSafe(|| drop(entry.b)));
                        tolerate_panic(result, panics, &model.stats);
                    }
                    Op::IntoInner(_) => {
                        let item = DropBox::into_inner(entry.b);
                        assert_eq!(item.tracked.value, entry.value);
                        tolerate_panic(
                            panic::catch_unwind(AssertUnwindSafe(|| drop(item))),
                            panics,
                            &model.stats,
                        );
                    }
                    _ => {
                        let item: &mut Item<'_, '_> = DropBox::leak(entry.b);
                        ctx.forgotten(item);
                        // Still writable, and never touched again.
                        item.tracked.value = !entry.value;
                    }
                }
            }
            _ => {}
        }
        ctx.check();
        for entry in &live {
            assert_eq!(entry.b.tracked.id, entry.id, "a box holds another value");
            assert_eq!(entry.b.tracked.value, entry.value);
            if let Some(inner) = &entry.b.inner {
                assert_eq!(inner.value, entry.value ^ INNER_MASK);
            }
            assert_eq!(
                model.ledger.drops_of(entry.id),
                0,
                "a live value was dropped"
            );
        }
    }
    for mut entry in live {
        entry.b.on_drop.panic = false;
        ctx.drop_box(entry.b).expect("no panic left");
    }
    ctx.check();
    model
        .ledger
        .assert_all_dropped_once_except(&model.leaked.borrow());
    *model.stats.borrow()
}

proptest! {
    // The default config reads PROPTEST_CASES (256 cases unless set).
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arenas_match_the_model(ops in prop::collection::vec(op(), 0..120)) {
        let _ = run(&ops);
    }
}

/// A fixed sequence that exercises every path at least once, so a weak
/// random draw cannot hide a regression.
#[test]
fn a_fixed_sequence_covering_every_operation_matches_the_model() {
    let reentry = |churn, reserve, panic| Reentry {
        churn,
        reserve,
        panic,
    };
    let alloc = |value, with_inner, on_drop| Op::Alloc {
        value,
        with_inner,
        on_drop,
    };
    let alloc_with = |value, with_inner, reentry, victim| Op::AllocWith {
        value,
        with_inner,
        reentry,
        victim,
    };
    let ops = [
        alloc(1, true, reentry(3, 0, false)),
        alloc(2, true, reentry(2, 0, true)),
        alloc(3, false, reentry(0, 250, false)),
        Op::DropBox(Index(2)),
        alloc_with(4, true, reentry(3, 0, false), None),
        Op::Reserve(200),
        alloc(5, true, reentry(1, 0, false)),
        Op::DropBox(Index(0)),
        alloc_with(6, false, reentry(2, 0, true), None),
        alloc_with(7, true, reentry(1, 100, false), None),
        alloc(8, true, reentry(0, 0, true)),
        // The victim is the item just made, whose destructor panics.
        alloc_with(9, true, reentry(1, 0, false), Some(Index(4))),
        Op::BoxToInner(Index(1)),
        Op::Mutate(Index(2), 99),
        Op::FreeWithoutDropping(Index(3)),
        Op::Drop(Index(0)),
        Op::IntoInner(Index(1)),
        alloc(10, true, reentry(2, 0, false)),
        Op::Leak(Index(0)),
        alloc(11, false, reentry(0, 0, false)),
        Op::DropBox(Index(0)),
    ];
    let stats = run(&ops);
    assert!(stats.constructor_panics >= 2, "{stats:?}");
    assert!(stats.destructor_panics >= 1, "{stats:?}");
    assert!(stats.reserves >= 3, "{stats:?}");
    assert!(stats.temporaries >= 10, "{stats:?}");
    assert_eq!(stats.victims, 1, "{stats:?}");
}
