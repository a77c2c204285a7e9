//! Unusual layouts: zero-sized types, page alignment, 4 KiB values, values smaller than a pointer.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::addr;
use drop_arena::{DropArena, DropBox};

/// A zero-sized type whose drops are counted in a static (it has no room
/// for a ledger).
struct CountedZst;

static ZST_DROPS: AtomicUsize = AtomicUsize::new(0);

impl Drop for CountedZst {
    fn drop(&mut self) {
        ZST_DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn zsts_are_counted_and_dropped_but_need_no_capacity() {
    DropArena::with(|arena| {
        assert_eq!(arena.capacity(), usize::MAX);
        let boxes: Vec<_> = (0..1000).map(|_| arena.alloc(CountedZst)).collect();
        assert_eq!(arena.len(), 1000);
        assert_eq!(arena.capacity(), usize::MAX);
        arena.reserve(usize::MAX);
        let mut boxes = boxes.into_iter();
        for b in boxes.by_ref().take(400) {
            arena.drop_box(b);
        }
        for b in boxes.by_ref().take(300) {
            let _value: CountedZst = arena.box_to_inner(b);
        }
        for b in boxes.by_ref().take(100) {
            arena.free_without_dropping(b);
        }
        assert_eq!(arena.len(), 200);
        // Plain drops keep their (empty) slots counted, as for any type.
        for b in boxes {
            drop(b);
        }
        assert_eq!(arena.len(), 200);
        let zst = arena.alloc_with(|| CountedZst);
        let _: &mut CountedZst = DropBox::leak(zst);
        assert_eq!(arena.len(), 201);
    });
    // 400 + 300 + 200 dropped; 100 forgotten; 1 leaked.
    assert_eq!(ZST_DROPS.load(Ordering::Relaxed), 900);
}

#[repr(align(4096))]
struct AlignedZst;

#[test]
fn zsts_are_aligned() {
    DropArena::with(|arena| {
        let boxes: Vec<_> = (0..10).map(|_| arena.alloc(AlignedZst)).collect();
        for b in boxes {
            assert_eq!(addr(&*b) % 4096, 0);
            arena.drop_box(b);
        }
    });
}

#[repr(align(4096))]
#[derive(Debug, PartialEq)]
struct Page {
    first: u64,
    last: u64,
}

#[test]
fn page_aligned_values_are_page_aligned() {
    assert_eq!(size_of::<Page>(), 4096);
    DropArena::with(|arena| {
        for round in 0..3u64 {
            let pages: Vec<_> = (0..300u64)
                .map(|i| arena.alloc(Page { first: i, last: !i }))
                .collect();
            let addrs: HashSet<usize> = pages.iter().map(|p| addr(&**p)).collect();
            assert_eq!(addrs.len(), pages.len());
            for (i, p) in (0u64..).zip(&pages) {
                assert_eq!(addr(&**p) % 4096, 0, "round {round}: page {i} misaligned");
                assert_eq!(**p, Page { first: i, last: !i });
            }
            // Reused slots are as aligned as fresh ones: free half, refill.
            let mut pages = pages;
            for p in pages.drain(..150) {
                arena.drop_box(p);
            }
            let again = arena.alloc_with(|| Page { first: 7, last: 7 });
            assert_eq!(addr(&*again) % 4096, 0);
            arena.drop_box(again);
            for p in pages {
                arena.drop_box(p);
            }
        }
    });
}

#[test]
fn four_kib_values_by_value_and_in_place() {
    DropArena::with(|arena| {
        let mut boxes = Vec::new();
        for i in 0..64u8 {
            boxes.push(arena.alloc([i; 4096]));
            boxes.push(arena.alloc_with(|| [!i; 4096]));
        }
        for (i, pair) in (0u8..).zip(boxes.chunks(2)) {
            assert!(pair[0].iter().all(|&byte| byte == i));
            assert!(pair[1].iter().all(|&byte| byte == !i));
        }
        let addrs: HashSet<usize> = boxes.iter().map(|b| addr(&**b)).collect();
        assert_eq!(addrs.len(), boxes.len());
        for b in boxes {
            arena.drop_box(b);
        }
    });
}

#[test]
fn values_smaller_than_a_pointer_survive_their_neighbours_being_freed() {
    // A free slot stores a pointer: if slots were only one byte apart,
    // freeing one would overwrite its neighbours.
    DropArena::with(|arena| {
        let mut boxes: Vec<_> = (0..2000u32).map(|i| arena.alloc(i as u8)).collect();
        let addrs: HashSet<usize> = boxes.iter().map(|b| addr(&**b)).collect();
        assert_eq!(addrs.len(), boxes.len());
        let mut kept = Vec::new();
        for (i, b) in boxes.drain(..).enumerate() {
            if i % 2 == 0 {
                arena.drop_box(b);
            } else {
                kept.push((i, b));
            }
        }
        for (i, b) in &kept {
            assert_eq!(**b, *i as u8, "a u8 was overwritten by the free list");
        }
        // Refill the holes and check everything again.
        let refill: Vec<_> = (0..1000).map(|_| arena.alloc(0xAAu8)).collect();
        assert!(refill.iter().all(|b| **b == 0xAA));
        for (i, b) in &kept {
            assert_eq!(**b, *i as u8);
        }
        for b in refill.into_iter().chain(kept.into_iter().map(|(_, b)| b)) {
            arena.drop_box(b);
        }
    });
}

#[test]
fn odd_sized_small_values_survive_neighbours_being_freed() {
    DropArena::with(|arena| {
        let boxes: Vec<_> = (0..999u16)
            .map(|i| arena.alloc([i as u8, (i >> 8) as u8, 0x5A]))
            .collect();
        let mut kept = Vec::new();
        for (i, b) in (0u16..).zip(boxes) {
            if i % 3 == 0 {
                kept.push((i, b));
            } else {
                arena.free_without_dropping(b);
            }
        }
        for (i, b) in &kept {
            assert_eq!(**b, [*i as u8, (*i >> 8) as u8, 0x5A]);
        }
        for (_, b) in kept {
            arena.drop_box(b);
        }
    });
}

#[repr(align(65536))]
struct Huge(u8);

#[test]
fn alignment_beyond_a_page_is_honoured() {
    DropArena::with(|arena| {
        let boxes: Vec<_> = (0..8u8).map(|i| arena.alloc(Huge(i))).collect();
        for (i, b) in (0u8..).zip(&boxes) {
            assert_eq!(addr(&**b) % 65536, 0);
            assert_eq!(b.0, i);
        }
        for b in boxes {
            arena.drop_box(b);
        }
    });
}
