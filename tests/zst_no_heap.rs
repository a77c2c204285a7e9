// Not in tests/all: a `#[global_allocator]` is per binary, and would sit under every test there.

//! A counting global allocator shows that ZSTs, and an arena not yet used, touch no heap memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use drop_arena::DropArena;

/// Counts allocations made by the current thread only, so the test harness's
/// own threads do not disturb the count.
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the
// `GlobalAlloc` contract; counting touches only a const-initialised
// thread-local, which itself never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with` fails harmlessly while the thread is being torn down.
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// How many heap allocations `f` makes on this thread.
fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

struct Zst;

#[test]
fn many_zsts_allocate_nothing() {
    let count = DropArena::with(|arena| {
        // Room for the boxes, allocated before counting starts.
        let mut boxes = Vec::with_capacity(10_000);
        allocations_in(|| {
            for _ in 0..10_000 {
                boxes.push(arena.alloc(Zst));
            }
            assert_eq!(arena.len(), 10_000);
            for b in boxes.drain(..) {
                arena.drop_box(b);
            }
            for _ in 0..10_000 {
                let b = arena.alloc_with(|| Zst);
                let _value: Zst = arena.box_to_inner(b);
            }
            arena.reserve(1 << 40);
            assert!(arena.is_empty());
        })
    });
    assert_eq!(count, 0);
}

#[test]
fn an_unused_arena_allocates_nothing() {
    let count = allocations_in(|| {
        DropArena::<u64>::with(|arena| {
            assert_eq!(arena.capacity(), 0);
            assert!(arena.is_empty());
        });
    });
    assert_eq!(count, 0);
}

#[test]
fn the_counter_sees_a_sized_allocation() {
    // A control: without it, a broken counter would pass the tests above.
    let count = allocations_in(|| {
        DropArena::with(|arena| {
            let b = arena.alloc(1u64);
            arena.drop_box(b);
        });
    });
    assert!(count >= 1);
}
