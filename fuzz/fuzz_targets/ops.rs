//! Random operation sequences against a model of the arena.
//!
//! The input decodes to a flat list of [`Op`]s. Some ops claim the ops after
//! them: `AllocWith { during }` runs the next `during` ops inside its
//! constructor (reentrantly, on the same arena), `Nested { ops }` runs the next
//! `ops` ops in a fresh arena. Values can reenter the arena from their
//! destructor and can panic there; constructors can panic too.
//!
//! After every op the model is checked: `len`, `capacity` (a slot is never
//! lost), every live value and leaked reference (a slot is never handed out
//! twice or overwritten), each value dropped at most once, and at the end of
//! the input exactly once unless it was forgotten or leaked. Under ASan (the
//! cargo-fuzz default) the slots of live values must be unpoisoned and
//! reclaimed slots poisoned.
#![no_main]

use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use arbitrary::Arbitrary;
use drop_arena::{DropArena, DropBox, make_arena};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Op {
    Alloc {
        value: u64,
        on_drop: OnDrop,
    },
    AllocWith {
        value: u64,
        on_drop: OnDrop,
        during: u8,
        panic: bool,
    },
    DropBox(u8),
    BoxToInner(u8),
    FreeWithoutDropping(u8),
    Drop(u8),
    IntoInner(u8),
    Leak(u8),
    Write {
        index: u8,
        value: u64,
    },
    Reserve(u16),
    Nested {
        ops: u8,
    },
    Zsts {
        count: u8,
        reclaim: u8,
    },
}

/// What a value does when it is dropped.
#[derive(Arbitrary, Debug, Clone, Copy, Default)]
struct OnDrop {
    /// Allocates this many (mod 4) temporaries in the same arena and
    /// reclaims them again.
    temporaries: u8,
    /// Reserves this much (mod 64) room in between.
    reserve: u8,
    /// Panics afterwards.
    panic: bool,
}

/// The payload of every panic this target raises on purpose.
struct Deliberate;

/// Deepest nesting of `AllocWith` constructors and `Nested` arenas.
const MAX_DEPTH: usize = 4;

/// Bookkeeping shared with destructors, which cannot reach the harness.
#[derive(Default)]
struct Ledger {
    /// Per value id: how often it was dropped, and whether it must never be.
    drops: Vec<(u32, bool)>,
    /// Addresses of every slot in use in any live arena.
    in_use: HashSet<usize>,
}

thread_local! {
    static LEDGER: RefCell<Ledger> = RefCell::new(Ledger::default());
}

fn new_id() -> usize {
    LEDGER.with_borrow_mut(|l| {
        l.drops.push((0, false));
        l.drops.len() - 1
    })
}

fn drops_of(id: usize) -> u32 {
    LEDGER.with_borrow(|l| l.drops[id].0)
}

fn mark_forgotten(id: usize) {
    LEDGER.with_borrow_mut(|l| l.drops[id].1 = true);
}

/// Records a slot handed out; it must not be in use already.
fn claim(addr: usize) {
    let fresh = LEDGER.with_borrow_mut(|l| l.in_use.insert(addr));
    assert!(fresh, "slot {addr:#x} handed out twice");
    asan::expect_poisoned(addr as *const Val, false);
}

/// Records a slot reclaimed by the arena.
fn release(addr: usize) {
    let was = LEDGER.with_borrow_mut(|l| l.in_use.remove(&addr));
    assert!(was, "slot {addr:#x} released but not in use");
}

/// A value that counts its drops and may use its arena while being dropped.
struct Val<'id> {
    id: usize,
    value: u64,
    arena: &'id DropArena<'id, Val<'id>>,
    on_drop: OnDrop,
}

impl<'id> Val<'id> {
    fn new(arena: &'id DropArena<'id, Val<'id>>, value: u64, on_drop: OnDrop) -> Self {
        Val {
            id: new_id(),
            value,
            arena,
            on_drop,
        }
    }
}

impl Drop for Val<'_> {
    fn drop(&mut self) {
        let dropped = LEDGER.with_borrow_mut(|l| {
            l.drops[self.id].0 += 1;
            l.drops[self.id]
        });
        assert_eq!(dropped, (1, false), "value {} dropped wrongly", self.id);
        let len = self.arena.len();
        let temporaries: Vec<_> = (0..self.on_drop.temporaries % 4)
            .map(|i| {
                let b = self
                    .arena
                    .alloc(Val::new(self.arena, i.into(), OnDrop::default()));
                claim(addr(&b));
                b
            })
            .collect();
        self.arena.reserve(usize::from(self.on_drop.reserve % 64));
        assert!(self.arena.capacity() - self.arena.len() >= usize::from(self.on_drop.reserve % 64));
        for (i, b) in temporaries.into_iter().enumerate() {
            assert_eq!(b.value, i as u64);
            release(addr(&b));
            self.arena.drop_box(b);
        }
        assert_eq!(self.arena.len(), len);
        if self.on_drop.panic {
            panic::panic_any(Deliberate);
        }
    }
}

fn addr(b: &DropBox<'_, Val<'_>>) -> usize {
    &**b as *const Val as usize
}

/// A box the harness holds, with the value it must contain.
struct Live<'id> {
    b: DropBox<'id, Val<'id>>,
    id: usize,
    value: u64,
}

/// The harness's model of one arena.
struct Model<'id> {
    arena: &'id DropArena<'id, Val<'id>>,
    live: Vec<Live<'id>>,
    leaked: Vec<(&'id mut Val<'id>, usize, u64)>,
    /// Slots in use: allocated and not reclaimed through the arena.
    len: usize,
    /// Addresses of this arena's slots in use, to forget when it ends.
    slots: Vec<usize>,
}

impl<'id> Model<'id> {
    fn new(arena: &'id DropArena<'id, Val<'id>>) -> Self {
        Model {
            arena,
            live: Vec::new(),
            leaked: Vec::new(),
            len: 0,
            slots: Vec::new(),
        }
    }

    fn check(&self) {
        assert_eq!(self.arena.len(), self.len);
        assert!(self.arena.capacity() >= self.len);
        for live in &self.live {
            assert_eq!((live.b.id, live.b.value), (live.id, live.value));
            asan::expect_poisoned(&*live.b, false);
        }
        for (val, id, value) in &self.leaked {
            assert_eq!((val.id, val.value), (*id, *value));
        }
    }

    fn take(&mut self, index: u8) -> Option<Live<'id>> {
        if self.live.is_empty() {
            return None;
        }
        Some(self.live.swap_remove(usize::from(index) % self.live.len()))
    }

    /// Forgets a slot the arena has just reclaimed.
    fn reclaimed(&mut self, slot: usize) {
        release(slot);
        self.len -= 1;
        let at = self.slots.iter().position(|&s| s == slot).unwrap();
        self.slots.swap_remove(at);
    }

    fn push(&mut self, b: DropBox<'id, Val<'id>>, value: u64) {
        let id = b.id;
        self.live.push(Live { b, id, value });
    }

    fn alloc(&mut self, value: u64, on_drop: OnDrop) {
        let (len, capacity) = (self.arena.len(), self.arena.capacity());
        let b = self.arena.alloc(Val::new(self.arena, value, on_drop));
        if len < capacity {
            assert_eq!(self.arena.capacity(), capacity, "grew with room to spare");
        }
        claim(addr(&b));
        self.slots.push(addr(&b));
        self.len += 1;
        self.push(b, value);
    }

    fn apply(&mut self, op: Op, rest: &mut std::slice::Iter<'_, Op>, depth: usize) {
        let arena = self.arena;
        match op {
            Op::Alloc { value, on_drop } => self.alloc(value, on_drop),
            Op::AllocWith {
                value,
                on_drop,
                during,
                panic,
            } => {
                let during: Vec<Op> = rest.by_ref().take(during.into()).copied().collect();
                // The slot is taken before the constructor runs.
                self.len += 1;
                let result = panic::catch_unwind(AssertUnwindSafe(|| {
                    arena.alloc_with(|| {
                        if depth < MAX_DEPTH {
                            self.run(&during, depth + 1);
                        }
                        self.check();
                        if panic {
                            panic::panic_any(Deliberate);
                        }
                        Val::new(arena, value, on_drop)
                    })
                }));
                match result {
                    Ok(b) => {
                        claim(addr(&b));
                        self.slots.push(addr(&b));
                        self.push(b, value);
                    }
                    Err(_) => self.len -= 1,
                }
            }
            Op::DropBox(index) => {
                if let Some(live) = self.take(index) {
                    let slot = addr(&live.b);
                    // A panicking destructor still gives the slot back.
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| arena.drop_box(live.b)));
                    self.reclaimed(slot);
                    assert_eq!(drops_of(live.id), 1);
                    // A destructor of the same arena may have reused it.
                    if !self.reused(slot) {
                        asan::expect_poisoned(slot as *const Val, true);
                    }
                }
            }
            Op::BoxToInner(index) => {
                if let Some(live) = self.take(index) {
                    let slot = addr(&live.b);
                    let val = arena.box_to_inner(live.b);
                    self.reclaimed(slot);
                    asan::expect_poisoned(slot as *const Val, true);
                    assert_eq!((val.id, val.value), (live.id, live.value));
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(val)));
                    assert_eq!(drops_of(live.id), 1);
                }
            }
            Op::FreeWithoutDropping(index) => {
                if let Some(live) = self.take(index) {
                    let slot = addr(&live.b);
                    mark_forgotten(live.id);
                    arena.free_without_dropping(live.b);
                    self.reclaimed(slot);
                    asan::expect_poisoned(slot as *const Val, true);
                    assert_eq!(drops_of(live.id), 0);
                }
            }
            Op::Drop(index) => {
                if let Some(live) = self.take(index) {
                    // The slot stays in use until the arena ends.
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(live.b)));
                    assert_eq!(drops_of(live.id), 1);
                }
            }
            Op::IntoInner(index) => {
                if let Some(live) = self.take(index) {
                    let val = DropBox::into_inner(live.b);
                    assert_eq!((val.id, val.value), (live.id, live.value));
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(val)));
                    assert_eq!(drops_of(live.id), 1);
                }
            }
            Op::Leak(index) => {
                if let Some(live) = self.take(index) {
                    mark_forgotten(live.id);
                    let val = DropBox::leak(live.b);
                    val.value = val.value.wrapping_add(1);
                    self.leaked.push((val, live.id, live.value.wrapping_add(1)));
                }
            }
            Op::Write { index, value } => {
                if let Some(mut live) = self.take(index) {
                    live.b.value = value;
                    live.value = value;
                    self.live.push(live);
                }
            }
            Op::Reserve(additional) => {
                let additional = usize::from(additional);
                arena.reserve(additional);
                assert!(arena.capacity() - arena.len() >= additional);
                let capacity = arena.capacity();
                // Those allocations must fit without growing.
                let room: Vec<_> = (0..additional.min(64))
                    .map(|_| arena.alloc(Val::new(arena, 0, OnDrop::default())))
                    .collect();
                assert_eq!(arena.capacity(), capacity);
                for b in room {
                    let id = b.id;
                    arena.drop_box(b);
                    assert_eq!(drops_of(id), 1);
                }
            }
            Op::Nested { ops } => {
                let ops: Vec<Op> = rest.by_ref().take(ops.into()).copied().collect();
                if depth < MAX_DEPTH {
                    make_arena!(inner);
                    let mut model = Model::new(inner);
                    model.run(&ops, depth + 1);
                    model.finish();
                }
            }
            Op::Zsts { count, reclaim } => zsts(count, reclaim),
        }
    }

    /// Whether the slot was handed out again already (by a destructor).
    fn reused(&self, slot: usize) -> bool {
        LEDGER.with_borrow(|l| l.in_use.contains(&slot))
    }

    fn run(&mut self, ops: &[Op], depth: usize) {
        let mut rest = ops.iter();
        while let Some(&op) = rest.next() {
            self.apply(op, &mut rest, depth);
            self.check();
        }
    }

    /// Drops what is left, one box at a time so that a panicking destructor
    /// cannot abort the process by panicking during another's unwinding.
    fn finish(mut self) {
        self.check();
        for live in std::mem::take(&mut self.live) {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(live.b)));
            assert_eq!(drops_of(live.id), 1);
        }
        assert_eq!(self.arena.len(), self.len);
        LEDGER.with_borrow_mut(|l| {
            for slot in &self.slots {
                assert!(l.in_use.remove(slot));
            }
        });
    }
}

/// Zero-sized values: nothing is allocated, only `len` moves.
fn zsts(count: u8, reclaim: u8) {
    DropArena::with(|arena| {
        let boxes: Vec<DropBox<'_, ()>> = (0..count).map(|_| arena.alloc(())).collect();
        assert_eq!(arena.len(), usize::from(count));
        assert_eq!(arena.capacity(), usize::MAX);
        let reclaim = usize::from(reclaim).min(boxes.len());
        for (i, b) in boxes.into_iter().enumerate() {
            if i < reclaim {
                arena.drop_box(b);
            } else {
                drop(b);
            }
        }
        assert_eq!(arena.len(), usize::from(count) - reclaim);
    });
}

/// ASan's view of a slot, checked only when the target is built with ASan
/// (`fuzz/build.rs` sets `fuzz_asan`, as the crate's own build script does).
mod asan {
    #[cfg(fuzz_asan)]
    unsafe extern "C" {
        fn __asan_region_is_poisoned(addr: *const u8, size: usize) -> *const u8;
    }

    /// Asserts that the value at `at` is wholly poisoned (a reclaimed slot)
    /// or wholly addressable (a slot in use).
    #[cfg(fuzz_asan)]
    pub fn expect_poisoned<T>(at: *const T, poisoned: bool) {
        let at = at.cast::<u8>();
        // SAFETY: the query reads ASan's shadow memory only, not `at`.
        let first = unsafe { __asan_region_is_poisoned(at, size_of::<T>()) };
        if poisoned {
            assert_eq!(first, at, "reclaimed slot {at:?} is addressable");
        } else {
            assert!(first.is_null(), "slot in use {at:?} is poisoned");
        }
    }

    #[cfg(not(fuzz_asan))]
    pub fn expect_poisoned<T>(_: *const T, _: bool) {}
}

fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        // libFuzzer's hook aborts on any panic; ours are expected.
        let abort = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<Deliberate>() {
                abort(info);
            }
        }));
    });
}

fuzz_target!(|ops: Vec<Op>| {
    install_panic_hook();
    LEDGER.set(Ledger::default());
    {
        make_arena!(arena);
        let mut model = Model::new(arena);
        model.run(&ops, 0);
        model.finish();
    }
    LEDGER.with_borrow(|l| {
        for (id, &(drops, forgotten)) in l.drops.iter().enumerate() {
            assert_eq!(drops, u32::from(!forgotten), "value {id}");
        }
        assert!(l.in_use.is_empty());
    });
});
