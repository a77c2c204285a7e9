//! Each arena operation, the counters, slot reuse, every scope, and DropBox's trait impls.

use std::borrow::{Borrow, BorrowMut};
use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashSet};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::common::{self, Ledger, addr};
use drop_arena::{DropArena, DropBox, make_arena, make_guard};

#[test]
fn alloc_stores_the_value_and_counts_the_slot() {
    DropArena::with(|arena| {
        assert!(arena.is_empty());
        assert_eq!(arena.len(), 0);
        let a = arena.alloc(String::from("a"));
        let b = arena.alloc(String::from("b"));
        assert_eq!((a.as_str(), b.as_str()), ("a", "b"));
        assert_eq!(arena.len(), 2);
        assert!(!arena.is_empty());
        assert_ne!(addr(&*a), addr(&*b));
        arena.drop_box(a);
        arena.drop_box(b);
        assert!(arena.is_empty());
    });
}

#[test]
fn alloc_with_stores_the_constructed_value() {
    DropArena::with(|arena| {
        let b = arena.alloc_with(|| vec![1, 2, 3]);
        assert_eq!(*b, [1, 2, 3]);
        assert_eq!(arena.len(), 1);
        assert_eq!(arena.box_to_inner(b), [1, 2, 3]);
        assert_eq!(arena.len(), 0);
    });
}

#[test]
fn drop_box_drops_the_value_once_and_frees_the_slot() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let b = arena.alloc(ledger.track(1));
        arena.drop_box(b);
        assert_eq!(ledger.drops_of(0), 1);
        assert_eq!(arena.len(), 0);
    });
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn box_to_inner_moves_the_value_out_without_dropping_it() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let b = arena.alloc(ledger.track(7));
        let value = arena.box_to_inner(b);
        assert_eq!(arena.len(), 0);
        assert_eq!(ledger.drops_of(0), 0);
        assert_eq!(value.value, 7);
        drop(value);
        assert_eq!(ledger.drops_of(0), 1);
    });
}

#[test]
fn free_without_dropping_frees_the_slot_and_forgets_the_value() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let b = arena.alloc(ledger.track(7));
        arena.free_without_dropping(b);
        assert_eq!(arena.len(), 0);
    });
    ledger.assert_all_dropped_once_except(&[0]);
}

#[test]
fn plain_drop_drops_the_value_but_keeps_the_slot() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let kept = arena.alloc(ledger.track(1));
        let kept_at = addr(&*kept);
        drop(kept);
        assert_eq!(ledger.drops_of(0), 1);
        assert_eq!(arena.len(), 1);
        let next = arena.alloc(ledger.track(2));
        assert_ne!(addr(&*next), kept_at, "a dropped box's slot was reused");
        arena.drop_box(next);
        assert_eq!(arena.len(), 1);
    });
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn boxes_left_in_a_vec_are_dropped_once_when_the_vec_is() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let boxes: Vec<_> = (0..100).map(|i| arena.alloc(ledger.track(i))).collect();
        drop(boxes);
        assert_eq!(ledger.total_drops(), 100);
        assert_eq!(arena.len(), 100);
    });
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn into_inner_returns_the_value_and_keeps_the_slot() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let b = arena.alloc(ledger.track(5));
        let at = addr(&*b);
        let value = DropBox::into_inner(b);
        assert_eq!(value.value, 5);
        assert_eq!(ledger.drops_of(0), 0);
        assert_eq!(arena.len(), 1);
        let next = arena.alloc(ledger.track(6));
        assert_ne!(addr(&*next), at, "an into_inner slot was reused");
        arena.drop_box(next);
    });
    ledger.assert_all_dropped_once_except(&[]);
}

#[test]
fn leak_keeps_the_value_alive_and_its_slot_in_use() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let leaked = DropBox::leak(arena.alloc(ledger.track(1)));
        leaked.value += 10;
        let other = arena.alloc(ledger.track(2));
        assert_ne!(addr(&*other), addr(leaked));
        arena.drop_box(other);
        assert_eq!(leaked.value, 11);
        assert_eq!(arena.len(), 1);
    });
    // The arena does not drop what was leaked into it.
    ledger.assert_all_dropped_once_except(&[0]);
}

#[test]
fn the_arena_never_drops_values_left_in_it() {
    let ledger = Ledger::new();
    DropArena::with(|arena| {
        let forgotten = arena.alloc(ledger.track(1));
        std::mem::forget(forgotten);
        assert_eq!(arena.len(), 1);
    });
    ledger.assert_all_dropped_once_except(&[0]);
}

#[test]
fn a_reclaimed_slot_is_handed_out_by_the_next_alloc() {
    DropArena::with(|arena| {
        let boxes: Vec<_> = (0..10u64).map(|i| arena.alloc(i)).collect();
        let addrs: Vec<usize> = boxes.iter().map(|b| addr(&**b)).collect();
        // Free in order 0..10: the free list must hand them back 9, 8, ... 0.
        for b in boxes {
            arena.drop_box(b);
        }
        for &expected in addrs.iter().rev() {
            let b = arena.alloc(0);
            assert_eq!(addr(&*b), expected);
            std::mem::forget(b);
        }
    });
}

#[test]
fn every_reclaiming_operation_feeds_the_next_alloc() {
    DropArena::with(|arena| {
        let keep = arena.alloc(0u64);
        for how in 0..3 {
            let b = arena.alloc(1);
            let at = addr(&*b);
            match how {
                0 => arena.drop_box(b),
                1 => assert_eq!(arena.box_to_inner(b), 1),
                _ => arena.free_without_dropping(b),
            }
            let next = arena.alloc(2);
            assert_eq!(addr(&*next), at, "reclaim #{how} was not reused");
            arena.drop_box(next);
        }
        arena.drop_box(keep);
    });
}

#[test]
fn live_boxes_have_distinct_addresses() {
    DropArena::with(|arena| {
        let boxes: Vec<_> = (0..5000u32).map(|i| arena.alloc(i)).collect();
        let addrs: HashSet<usize> = boxes.iter().map(|b| addr(&**b)).collect();
        assert_eq!(addrs.len(), boxes.len());
        for (i, b) in boxes.iter().enumerate() {
            assert_eq!(**b as usize, i);
        }
        assert!(arena.capacity() >= 5000);
        for b in boxes {
            arena.drop_box(b);
        }
    });
}

#[test]
fn capacity_is_at_least_len_and_never_shrinks() {
    DropArena::with(|arena| {
        assert_eq!(arena.capacity(), 0, "an unused arena allocated");
        let mut boxes = Vec::new();
        let mut last = 0;
        for i in 0..3000u64 {
            boxes.push(arena.alloc(i));
            assert!(arena.capacity() >= arena.len());
            assert!(arena.capacity() >= last);
            last = arena.capacity();
        }
        for b in boxes.drain(..) {
            arena.drop_box(b);
            assert_eq!(arena.capacity(), last);
        }
    });
}

#[test]
fn capacity_does_not_grow_while_a_slot_is_free() {
    DropArena::with(|arena| {
        let mut boxes: Vec<_> = (0..100u64).map(|i| arena.alloc(i)).collect();
        let capacity = arena.capacity();
        // Fill the rest of the capacity exactly: no growth yet.
        while arena.len() < capacity {
            boxes.push(arena.alloc(0));
            assert_eq!(arena.capacity(), capacity);
        }
        // Full: the next alloc must grow.
        boxes.push(arena.alloc(0));
        assert!(arena.capacity() > capacity);
        for b in boxes {
            arena.drop_box(b);
        }
    });
}

#[test]
fn reserve_then_that_many_allocs_do_not_grow() {
    // Around the edges of the first chunks (512 slots of u64 each at first),
    // so that reserving must keep the rest of a partly used run.
    let preloads = [0, 1, 5, 100, 511, 512, 513, 600, 1500];
    let additions = [0, 1, 10, 511, 512, 1000, 5000];
    let cases = preloads
        .iter()
        .flat_map(|&p| additions.iter().map(move |&a| (p, a)));
    for (preloaded, additional) in cases {
        DropArena::with(|arena| {
            let mut boxes: Vec<_> = (0..preloaded).map(|i| arena.alloc(i as u64)).collect();
            arena.reserve(additional);
            let capacity = arena.capacity();
            assert!(capacity - arena.len() >= additional);
            for i in 0..additional {
                boxes.push(arena.alloc(i as u64));
            }
            assert_eq!(
                arena.capacity(),
                capacity,
                "reserve({additional}) after {preloaded} allocs was short"
            );
            // Every slot counted in the capacity is really there.
            while arena.len() < capacity {
                boxes.push(arena.alloc(0));
            }
            assert_eq!(
                arena.capacity(),
                capacity,
                "reserve({additional}) after {preloaded} allocs lost slots"
            );
            for b in boxes {
                arena.drop_box(b);
            }
        });
    }
}

#[test]
fn reserve_keeps_free_slots_and_live_values() {
    DropArena::with(|arena| {
        let mut boxes: Vec<_> = (0..50u64).map(|i| arena.alloc(i)).collect();
        let kept = boxes.split_off(25);
        let freed_at: HashSet<usize> = boxes.iter().map(|b| addr(&**b)).collect();
        for b in boxes {
            arena.drop_box(b);
        }
        arena.reserve(10_000);
        assert!(arena.capacity() - arena.len() >= 10_000);
        // The slots free before the reserve are still handed out within the
        // reserved allocations, and no live value is disturbed.
        let fresh: Vec<_> = (0..10_000u64).map(|i| arena.alloc(i)).collect();
        let fresh_at: HashSet<usize> = fresh.iter().map(|b| addr(&**b)).collect();
        assert_eq!(fresh_at.len(), fresh.len());
        assert!(freed_at.is_subset(&fresh_at));
        for (i, b) in kept.iter().enumerate() {
            assert_eq!(**b, 25 + i as u64);
            assert!(!fresh_at.contains(&addr(&**b)));
        }
        for b in fresh.into_iter().chain(kept) {
            arena.drop_box(b);
        }
    });
}

#[test]
fn steady_churn_keeps_capacity_bounded_by_the_peak() {
    DropArena::with(|arena| {
        let mut rng = common::Rng::new(1);
        let mut live = Vec::new();
        // Reach the peak once.
        for i in 0..500u64 {
            live.push(arena.alloc(i));
        }
        let capacity = arena.capacity();
        for _round in 0..200 {
            // Free a random half, then allocate back up to the peak.
            for _ in 0..250 {
                let b = live.swap_remove(rng.below(live.len()));
                arena.drop_box(b);
            }
            while live.len() < 500 {
                live.push(arena.alloc(rng.next_u64()));
            }
            assert_eq!(arena.capacity(), capacity, "churn grew the arena");
        }
        for b in live {
            arena.drop_box(b);
        }
    });
}

#[test]
fn make_arena_scope() {
    make_arena!(arena);
    let b = arena.alloc(String::from("macro"));
    assert_eq!(*b, "macro");
    assert_eq!(arena.len(), 1);
    arena.drop_box(b);
    assert!(arena.is_empty());
}

#[test]
fn make_arena_with_capacity_reserves() {
    make_arena!(arena, 300);
    assert!(arena.capacity() >= 300);
    let capacity = arena.capacity();
    let boxes: Vec<_> = (0..300u64).map(|i| arena.alloc(i)).collect();
    assert_eq!(arena.capacity(), capacity);
    for b in boxes {
        arena.drop_box(b);
    }
}

#[test]
fn with_capacity_scope_reserves_and_returns_the_result() {
    let sum = DropArena::with_capacity(200, |arena| {
        assert!(arena.capacity() >= 200);
        let capacity = arena.capacity();
        let boxes: Vec<_> = (0..200u64).map(|i| arena.alloc(i)).collect();
        assert_eq!(arena.capacity(), capacity);
        boxes
            .into_iter()
            .map(|b| arena.box_to_inner(b))
            .sum::<u64>()
    });
    assert_eq!(sum, 199 * 200 / 2);
}

#[test]
fn with_scope_returns_the_result() {
    let text = DropArena::with(|arena| {
        let b = arena.alloc(String::from("out"));
        arena.box_to_inner(b)
    });
    assert_eq!(text, "out");
}

#[test]
// The arena is declared before the guard so that it outlives the brand,
// as `DropArena::new` documents; clippy cannot see why.
#[allow(clippy::needless_late_init)]
fn new_with_a_guard_scope() {
    let storage;
    make_guard!(guard);
    storage = DropArena::new(guard);
    let arena = &storage;
    assert_eq!(arena.capacity(), 0);
    let b = arena.alloc(3u8);
    assert_eq!(arena.box_to_inner(b), 3);
    assert!(arena.is_empty());
}

#[test]
fn arena_debug_shows_the_counters() {
    DropArena::with(|arena| {
        let b = arena.alloc(1u64);
        let text = format!("{arena:?}");
        assert!(text.starts_with("DropArena"), "{text}");
        assert!(text.contains("len: 1"), "{text}");
        assert!(
            text.contains(&format!("capacity: {}", arena.capacity())),
            "{text}"
        );
        arena.drop_box(b);
    });
}

#[test]
fn deref_and_deref_mut_reach_the_value() {
    DropArena::with(|arena| {
        let mut b = arena.alloc(vec![1]);
        b.push(2);
        (*b)[0] = 10;
        assert_eq!(b.len(), 2);
        assert_eq!(*b, [10, 2]);
        arena.drop_box(b);
    });
}

#[test]
fn as_ref_as_mut_borrow_borrow_mut_reach_the_value() {
    DropArena::with(|arena| {
        let mut b = arena.alloc(5i32);
        let at = addr(&*b);
        assert_eq!(addr(AsRef::<i32>::as_ref(&b)), at);
        *AsMut::<i32>::as_mut(&mut b) += 1;
        assert_eq!(*Borrow::<i32>::borrow(&b), 6);
        *BorrowMut::<i32>::borrow_mut(&mut b) += 1;
        assert_eq!(*b, 7);
        arena.drop_box(b);
    });
}

#[test]
fn boxes_work_as_set_keys_looked_up_by_value() {
    DropArena::with(|arena| {
        let set: HashSet<DropBox<'_, String>> =
            ["x", "y"].map(|s| arena.alloc(s.to_string())).into();
        // Borrow<T> lets a set of boxes be queried with a plain &T.
        assert!(set.contains(&String::from("x")));
        assert!(!set.contains(&String::from("z")));
        for b in set {
            arena.drop_box(b);
        }
    });
}

#[test]
fn debug_display_and_pointer_formatting() {
    DropArena::with(|arena| {
        let b = arena.alloc(String::from("hi\n"));
        assert_eq!(format!("{b:?}"), "\"hi\\n\"");
        assert_eq!(format!("{b}"), "hi\n");
        assert_eq!(format!("{b:p}"), format!("{:p}", &*b as *const String));
        assert_eq!(format!("{b:>5}"), "  hi\n", "format flags are forwarded");
        arena.drop_box(b);
    });
}

fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

#[test]
fn eq_ord_and_hash_compare_values_across_arenas() {
    DropArena::with(|left| {
        DropArena::with(|right| {
            let a = left.alloc(3);
            let b = right.alloc(3);
            let c = right.alloc(4);
            assert_eq!(a, b);
            assert_ne!(a, c);
            assert!(a < c);
            assert_eq!(a.partial_cmp(&c), Some(Ordering::Less));
            assert_eq!(c.cmp(&b), Ordering::Greater);
            assert_eq!(hash_of(&a), hash_of(&3));
            assert_eq!(hash_of(&a), hash_of(&b));
            right.drop_box(c);
            right.drop_box(b);
            left.drop_box(a);
        });
    });
}

#[test]
fn partial_ord_forwards_incomparable_values() {
    DropArena::with(|arena| {
        let nan = arena.alloc(f64::NAN);
        let one = arena.alloc(1.0);
        assert_eq!(nan.partial_cmp(&one), None);
        assert_ne!(nan, nan);
        arena.drop_box(one);
        arena.drop_box(nan);
    });
}

#[test]
fn ord_sorts_boxes_by_value() {
    DropArena::with(|arena| {
        let mut boxes: Vec<_> = [5, 1, 4, 2, 3].map(|v| arena.alloc(v)).into();
        boxes.sort();
        let sorted: Vec<i32> = boxes.iter().map(|b| **b).collect();
        assert_eq!(sorted, [1, 2, 3, 4, 5]);
        let set: BTreeSet<_> = boxes.into_iter().collect();
        assert_eq!(set.first().map(|b| **b), Some(1));
        for b in set {
            arena.drop_box(b);
        }
    });
}

#[test]
fn a_boxed_hasher_hashes() {
    DropArena::with(|arena| {
        let mut boxed = arena.alloc(DefaultHasher::new());
        let mut plain = DefaultHasher::new();
        boxed.write(b"bytes");
        plain.write(b"bytes");
        42u32.hash(&mut *boxed);
        42u32.hash(&mut plain);
        assert_eq!(boxed.finish(), plain.finish());
        arena.drop_box(boxed);
    });
}

#[test]
fn a_boxed_iterator_iterates_from_both_ends() {
    DropArena::with(|arena| {
        let mut it = arena.alloc(1..11);
        assert_eq!(it.len(), 10);
        assert_eq!(it.size_hint(), (10, Some(10)));
        assert_eq!(it.next(), Some(1));
        assert_eq!(it.next_back(), Some(10));
        assert_eq!(it.nth(1), Some(3));
        assert_eq!(it.nth_back(1), Some(8));
        assert_eq!(ExactSizeIterator::len(&it), 4);
        assert_eq!(it.by_ref().rev().collect::<Vec<_>>(), [7, 6, 5, 4]);
        assert_eq!(it.next(), None);
        assert_eq!(it.next(), None, "a fused iterator stays done");
        arena.drop_box(it);
    });
}

/// A hasher that records which of its methods were called.
#[derive(Default)]
struct CallRecorder {
    calls: Vec<&'static str>,
}

impl Hasher for CallRecorder {
    fn finish(&self) -> u64 {
        self.calls.len() as u64
    }

    fn write(&mut self, _bytes: &[u8]) {
        self.calls.push("write");
    }

    fn write_u8(&mut self, _: u8) {
        self.calls.push("write_u8");
    }

    fn write_u64(&mut self, _: u64) {
        self.calls.push("write_u64");
    }

    fn write_usize(&mut self, _: usize) {
        self.calls.push("write_usize");
    }
}

#[test]
fn a_boxed_hasher_forwards_the_typed_writes_like_box() {
    let mut unboxed = Box::new(CallRecorder::default());
    unboxed.write_u8(1);
    unboxed.write_u64(2);
    unboxed.write_usize(3);
    assert_eq!(unboxed.calls, ["write_u8", "write_u64", "write_usize"]);
    DropArena::with(|arena| {
        let mut boxed = arena.alloc(CallRecorder::default());
        boxed.write_u8(1);
        boxed.write_u64(2);
        boxed.write_usize(3);
        assert_eq!(boxed.calls, unboxed.calls);
        arena.drop_box(boxed);
    });
}

/// Ready on the second poll, waking the waker on the first.
struct ReadyOnSecondPoll {
    polls: u32,
}

impl Future for ReadyOnSecondPoll {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        self.polls += 1;
        if self.polls == 2 {
            Poll::Ready(42)
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[test]
fn a_boxed_unpin_future_polls_through() {
    DropArena::with(|arena| {
        let mut fut = arena.alloc(ReadyOnSecondPoll { polls: 0 });
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(Pin::new(&mut fut).poll(&mut cx), Poll::Pending);
        assert_eq!(Pin::new(&mut fut).poll(&mut cx), Poll::Ready(42));
        assert_eq!(fut.polls, 2);
        arena.drop_box(fut);
    });
}

#[derive(Debug)]
struct Root;

impl fmt::Display for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("root cause")
    }
}

impl Error for Root {}

#[derive(Debug)]
struct Wrapper(Root);

impl fmt::Display for Wrapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("wrapper")
    }
}

impl Error for Wrapper {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn a_boxed_error_forwards_display_and_source() {
    DropArena::with(|arena| {
        let err = arena.alloc(Wrapper(Root));
        let as_error: &dyn Error = &err;
        assert_eq!(as_error.to_string(), "wrapper");
        let source = as_error.source().expect("source was not forwarded");
        assert_eq!(source.to_string(), "root cause");
        assert!(source.is::<Root>());
        assert!(source.source().is_none());
        arena.drop_box(err);
    });
}

/// Compile-time facts: each function only compiles if its bound holds.
mod auto_traits {
    use drop_arena::{DropArena, DropBox};
    use std::cell::Cell;
    use std::rc::Rc;

    fn is_send<T: Send>() {}
    fn is_sync<T: Sync>() {}
    fn is_unpin<T: Unpin>() {}

    #[test]
    fn box_of_send_is_send_and_box_of_sync_is_sync() {
        is_send::<DropBox<'static, String>>();
        is_sync::<DropBox<'static, String>>();
        // Cell is Send but not Sync: the box follows.
        is_send::<DropBox<'static, Cell<u8>>>();
    }

    #[test]
    fn arena_of_send_is_send() {
        is_send::<DropArena<'static, String>>();
    }

    #[test]
    fn boxes_are_unpin_whatever_they_hold() {
        is_unpin::<DropBox<'static, std::marker::PhantomPinned>>();
        is_unpin::<DropBox<'static, Rc<u8>>>();
    }
}
