//! Counting memory for the memory table: a global allocator that counts the
//! bytes in use while asked to, and a pool that counts live values.
//!
//! The library does not install [`CountingSystem`]: the `compare` program
//! does, and hands it to the memory table, so the criterion bench and the
//! tests keep the system allocator untouched. Its counters are its own
//! fields, so they live in the program's static, where the allocator's
//! code reaches them directly, as it did when it was written there.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};

use crate::{Pool, Tally};

/// The system's allocator, counting bytes while [`peak_bytes`] runs. Off,
/// it costs one relaxed load per call.
///
/// [`peak_bytes`]: CountingSystem::peak_bytes
#[derive(Default)]
pub struct CountingSystem {
    counting: AtomicBool,
    in_use: AtomicIsize,
    peak: AtomicIsize,
}

impl CountingSystem {
    /// An allocator that is not counting, for a `#[global_allocator]`.
    pub const fn new() -> Self {
        CountingSystem {
            counting: AtomicBool::new(false),
            in_use: AtomicIsize::new(0),
            peak: AtomicIsize::new(0),
        }
    }

    /// The peak of heap bytes in use while `f` runs, above what was in use
    /// before; nothing is counted unless `self` is the global allocator.
    pub fn peak_bytes(&self, f: impl FnOnce() -> Tally) -> usize {
        self.in_use.store(0, Relaxed);
        self.peak.store(0, Relaxed);
        self.counting.store(true, Relaxed);
        std::hint::black_box(f());
        self.counting.store(false, Relaxed);
        self.peak.load(Relaxed) as usize
    }

    #[inline]
    fn count(&self, delta: isize) {
        if self.counting.load(Relaxed) {
            let now = self.in_use.fetch_add(delta, Relaxed) + delta;
            self.peak.fetch_max(now, Relaxed);
        }
    }
}

// SAFETY: every call goes to `System` unchanged; only counters are updated.
//
// Each method is `#[inline]`, as `System`'s are: the program that installs
// it is another crate, and an allocation must cost what it cost when the
// allocator lived in that program.
unsafe impl GlobalAlloc for CountingSystem {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.count(layout.size() as isize);
        // SAFETY: the caller's promises, passed on.
        unsafe { System.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.count(layout.size() as isize);
        // SAFETY: the caller's promises, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.count(-(layout.size() as isize));
        // SAFETY: the caller's promises, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.count(new_size as isize - layout.size() as isize);
        // SAFETY: the caller's promises, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// A pool that allocates nothing and counts how many values are live, to
/// know the live set's peak.
#[derive(Default)]
pub struct LiveCounter {
    live: usize,
    /// The most values live at once.
    pub peak: usize,
}

impl<T> Pool<T> for LiveCounter {
    type Handle = T;

    fn alloc(&mut self, value: T) -> T {
        self.live += 1;
        self.peak = self.peak.max(self.live);
        value
    }

    fn get<'a>(&'a self, handle: &'a T) -> &'a T {
        handle
    }

    fn take(&mut self, handle: T) -> T {
        self.live -= 1;
        handle
    }
}
