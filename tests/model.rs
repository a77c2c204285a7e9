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
use std::rc::Rc;
use std::sync::Arc;

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

    fn reserved(&mut self) {
        self.unordered.extend(self.free.drain(..).flatten());
    }

    /// Compares with the arena after an operation. `reserved` is the
    /// `additional` of a `reserve` just made.
    fn check<T>(&mut self, arena: &DropArena<'_, T>, reserved: usize) {
        let (len, capacity) = (arena.len(), arena.capacity());
        assert_eq!(len, self.len(), "len");
        assert!(capacity >= len, "capacity below len");
        assert!(capacity >= self.capacity, "capacity shrank");
        assert!(capacity - len >= reserved, "reserve fell short");
        if capacity > self.capacity {
            let spare_before_reserve = self.capacity.saturating_sub(len);
            assert!(
                self.peak > self.capacity || spare_before_reserve < reserved,
                "capacity grew from {} to {capacity} while a slot was free",
                self.capacity
            );
        }
        self.capacity = capacity;
        self.peak = len;
    }
}

/// The model of both arenas and of every value, shared with the values so
/// that their constructors and destructors report to it.
#[derive(Default)]
struct Model {
    outer: RefCell<SlotModel>,
    inner: RefCell<SlotModel>,
    ledger: Arc<Ledger>,
    /// Values the test leaked or forgot: never to be dropped.
    leaked: RefCell<Vec<usize>>,
}

/// The outer arena's value: tracked, maybe owning a box of the inner arena
/// (given back to it on drop), maybe churning through its own arena or
/// panicking when dropped.
struct Item<'o, 'i> {
    ctx: Ctx<'o, 'i>,
    tracked: Tracked,
    inner: Option<DropBox<'i, Tracked>>,
    churn_on_drop: u8,
    panic_on_drop: bool,
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
        let temporaries: Vec<_> = (0..self.churn_on_drop)
            .map(|i| self.ctx.alloc(self.ctx.item(u64::from(i), false)))
            .collect();
        // Alternate orders, so the free list sees both.
        let backwards = self.churn_on_drop % 2 == 0;
        let ordered: Vec<_> = if backwards {
            temporaries.into_iter().rev().collect()
        } else {
            temporaries
        };
        for t in ordered {
            self.ctx.drop_box(t).expect("temporaries do not panic");
        }
        if let Some(inner) = self.inner.take() {
            self.ctx.drop_box_inner(inner);
        }
        if self.panic_on_drop {
            expected_panic();
        }
    }
}

/// The two arenas and the model, with every operation checked.
#[derive(Clone)]
struct Ctx<'o, 'i> {
    outer: &'o DropArena<'o, Item<'o, 'i>>,
    inner: &'i DropArena<'i, Tracked>,
    model: Rc<Model>,
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
            ctx: self.clone(),
            tracked: self.model.ledger.track(value),
            inner,
            churn_on_drop: 0,
            panic_on_drop: false,
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

    fn drop_box_inner(&self, b: DropBox<'i, Tracked>) {
        let at = addr(&*b);
        self.inner.drop_box(b);
        self.model.inner.borrow_mut().reclaimed(at);
    }

    fn check(&self, reserved: usize) {
        self.model.outer.borrow_mut().check(self.outer, reserved);
        self.model.inner.borrow_mut().check(self.inner, 0);
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
/// `expected`.
fn tolerate_panic(result: Outcome<()>, expected: bool) {
    match result.map_err(rethrow_failed_check) {
        Ok(()) => assert!(!expected, "an expected panic did not happen"),
        Err(_) => assert!(expected, "an unexpected panic"),
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
    Alloc {
        value: u64,
        with_inner: bool,
        churn_on_drop: u8,
        panic_on_drop: bool,
    },
    /// The constructor churns through the arena, may give back a live box
    /// (whose destructor may panic), and may panic itself.
    AllocWith {
        value: u64,
        with_inner: bool,
        churn: u8,
        victim: Option<Index>,
        panic: bool,
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

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (any::<u64>(), any::<bool>(), 0..4u8, prop::bool::weighted(0.15)).prop_map(
            |(value, with_inner, churn_on_drop, panic_on_drop)| Op::Alloc {
                value,
                with_inner,
                churn_on_drop,
                panic_on_drop,
            }
        ),
        3 => (
            any::<u64>(),
            any::<bool>(),
            0..4u8,
            prop::option::weighted(0.3, any::<Index>()),
            prop::bool::weighted(0.15),
        )
            .prop_map(|(value, with_inner, churn, victim, panic)| Op::AllocWith {
                value,
                with_inner,
                churn,
                victim,
                panic,
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

fn run(ops: &[Op]) {
    let model = Rc::new(Model::default());
    make_arena!(inner);
    make_arena!(outer);
    let ctx = Ctx {
        outer,
        inner,
        model: Rc::clone(&model),
    };
    let mut live: Vec<Live<'_, '_>> = Vec::new();
    for op in ops {
        let mut reserved = 0;
        match *op {
            Op::Alloc {
                value,
                with_inner,
                churn_on_drop,
                panic_on_drop,
            } => {
                let mut item = ctx.item(value, with_inner);
                item.churn_on_drop = churn_on_drop;
                item.panic_on_drop = panic_on_drop;
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
                churn,
                victim,
                panic,
            } => {
                let victim = victim
                    .filter(|_| !live.is_empty())
                    .map(|i| live.swap_remove(i.index(live.len())));
                let victim_panics = victim.as_ref().is_some_and(|v| v.b.panic_on_drop);
                let result = ctx.alloc_with(|| {
                    let temporaries: Vec<_> = (0..churn)
                        .map(|i| ctx.alloc(ctx.item(u64::from(i), false)))
                        .collect();
                    for t in temporaries {
                        ctx.drop_box(t).expect("temporaries do not panic");
                    }
                    if let Some(victim) = victim {
                        if let Err(payload) = ctx.drop_box(victim.b) {
                            panic::resume_unwind(payload);
                        }
                    }
                    if panic {
                        expected_panic();
                    }
                    ctx.item(value, with_inner)
                });
                match result.map_err(rethrow_failed_check) {
                    Ok(b) => {
                        assert!(!panic && !victim_panics, "a constructor did not panic");
                        let id = b.tracked.id;
                        live.push(Live { b, id, value });
                    }
                    Err(_) => assert!(panic || victim_panics, "a constructor panicked"),
                }
            }
            Op::Reserve(additional) => {
                reserved = usize::from(additional);
                outer.reserve(reserved);
                model.outer.borrow_mut().reserved();
            }
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
                let panics = entry.b.panic_on_drop;
                match op {
                    Op::DropBox(_) => tolerate_panic(ctx.drop_box(entry.b), panics),
                    Op::BoxToInner(_) => {
                        let item = ctx.box_to_inner(entry.b);
                        assert_eq!(item.tracked.value, entry.value);
                        tolerate_panic(
                            panic::catch_unwind(AssertUnwindSafe(|| drop(item))),
                            panics,
                        );
                    }
                    Op::FreeWithoutDropping(_) => ctx.free_without_dropping(entry.b),
                    Op::Drop(_) => {
                        let result = panic::catch_unwind(AssertUnwindSafe(|| drop(entry.b)));
                        tolerate_panic(result, panics);
                    }
                    Op::IntoInner(_) => {
                        let item = DropBox::into_inner(entry.b);
                        assert_eq!(item.tracked.value, entry.value);
                        tolerate_panic(
                            panic::catch_unwind(AssertUnwindSafe(|| drop(item))),
                            panics,
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
        ctx.check(reserved);
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
        entry.b.panic_on_drop = false;
        ctx.drop_box(entry.b).expect("no panic left");
    }
    ctx.check(0);
    model
        .ledger
        .assert_all_dropped_once_except(&model.leaked.borrow());
}

proptest! {
    // The default config reads PROPTEST_CASES (256 cases unless set).
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arenas_match_the_model(ops in prop::collection::vec(op(), 0..120)) {
        run(&ops);
    }
}

/// A fixed sequence that exercises every path at least once, so a weak
/// random draw cannot hide a regression.
#[test]
fn a_fixed_sequence_covering_every_operation_matches_the_model() {
    let alloc = |value, with_inner, churn_on_drop, panic_on_drop| Op::Alloc {
        value,
        with_inner,
        churn_on_drop,
        panic_on_drop,
    };
    let ops = [
        alloc(1, true, 3, false),
        alloc(2, true, 2, true),
        alloc(3, false, 0, false),
        Op::AllocWith {
            value: 4,
            with_inner: true,
            churn: 3,
            victim: None,
            panic: false,
        },
        Op::Reserve(200),
        alloc(5, true, 1, false),
        Op::DropBox(Index(0)),
        Op::AllocWith {
            value: 6,
            with_inner: false,
            churn: 2,
            victim: None,
            panic: true,
        },
        alloc(7, true, 0, true),
        Op::AllocWith {
            value: 8,
            with_inner: true,
            churn: 1,
            victim: Some(Index(7)),
            panic: false,
        },
        Op::BoxToInner(Index(1)),
        Op::Mutate(Index(2), 99),
        Op::FreeWithoutDropping(Index(3)),
        Op::Drop(Index(0)),
        Op::IntoInner(Index(1)),
        alloc(9, true, 2, false),
        Op::Leak(Index(0)),
        alloc(10, false, 0, false),
    ];
    run(&ops);
}
