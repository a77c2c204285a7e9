//! The allocators under test, each behind [`Pool`] and [`Peer`]. Each
//! `Pool` method is one call of the peer's own API, `#[inline]`, so the
//! plain loops ([`PlainBulk`](super::workloads::PlainBulk),
//! [`PlainPairs`](super::workloads::PlainPairs)) compile on each peer to
//! what its users would write.
//!
//! | Peer | Handle | Reclaims one value |
//! |---|---|---|
//! | [`Ours`]: `DropArena` | `DropBox` | yes, onto its free list |
//! | [`Ours03`]: `drop_arena` 0.3.0 | its `DropBox` | yes, onto its free list |
//! | [`FreeList`]: hand-written, unchecked | raw pointer | yes; the lower bound |
//! | [`SystemBox`]: `Box` on the system allocator | `Box` | yes, `free` |
//! | [`MimallocBox`]: a `Box` on mimalloc | [`MiBox`] | yes, `mi_free` |
//! | [`Slab`]: `slab::Slab` | `usize` key | yes, onto its vacant list |
//! | [`TypedArena`]: `typed_arena::Arena` | `&mut T` | no: memory grows until the arena ends |
//! | [`Bumpalo`]: `bumpalo::Bump` | `&mut T` | no: memory grows until the bump is dropped or reset |

use std::alloc::{GlobalAlloc, Layout, handle_alloc_error};
use std::mem::{ManuallyDrop, MaybeUninit};
use std::ops::{Deref, DerefMut};
use std::ptr::{self, NonNull};

use drop_arena::{DropArena, DropBox, make_arena};

use super::trees::{binary_trees, build_and_check, one_tree, throwaway_trees};
use super::{Peer, Pool, Tally, Workload};

/// This crate.
pub struct Ours;

/// A [`DropArena`] as a [`Pool`].
pub struct Arena<'id, T>(pub &'id DropArena<'id, T>);

impl<'id, T> Pool<T> for Arena<'id, T> {
    type Handle = DropBox<'id, T>;

    #[inline]
    fn alloc(&mut self, value: T) -> DropBox<'id, T> {
        self.0.alloc(value)
    }

    #[inline]
    fn get<'a>(&'a self, handle: &'a DropBox<'id, T>) -> &'a T {
        handle
    }

    #[inline]
    fn take(&mut self, handle: DropBox<'id, T>) -> T {
        self.0.box_to_inner(handle)
    }
}

impl Peer for Ours {
    const NAME: &'static str = "DropArena";
    const RECLAIMS: bool = true;
    type Ptr<'a, T: 'a> = DropBox<'a, T>;

    fn run<W: Workload>(workload: &W) -> Tally {
        DropArena::with(|arena| workload.run(&mut Arena(arena)))
    }

    /// One arena per tree; the root is forgotten, and the arena frees every
    /// node at once when it ends, without visiting them.
    fn throwaway_trees(depth: u32) -> Tally {
        throwaway_trees(depth, |d| {
            make_arena!(arena);
            let (tree, nodes) = build_and_check::<Self, _>(&mut Arena(arena), d);
            std::mem::forget(tree);
            nodes
        })
    }

    fn binary_trees(depth: u32) -> Tally {
        make_arena!(long_lived);
        make_arena!(short_lived);
        binary_trees::<Self, _>(depth, &mut Arena(long_lived), |d| {
            one_tree::<Self, _>(&mut Arena(short_lived), d)
        })
    }
}

/// The previous release, `drop_arena` 0.3.0.
pub struct Ours03;

/// A `drop_arena` 0.3.0 arena as a [`Pool`].
pub struct Arena03<'a, T>(pub &'a drop_arena_03::DropArena<'a, T>);

impl<'a, T> Pool<T> for Arena03<'a, T> {
    type Handle = drop_arena_03::DropBox<'a, T>;

    #[inline]
    fn alloc(&mut self, value: T) -> Self::Handle {
        self.0.alloc(value)
    }

    #[inline]
    fn get<'h>(&'h self, handle: &'h Self::Handle) -> &'h T {
        handle
    }

    #[inline]
    fn take(&mut self, handle: Self::Handle) -> T {
        self.0.box_into_inner(handle)
    }
}

impl Peer for Ours03 {
    const NAME: &'static str = "drop_arena 0.3";
    const RECLAIMS: bool = true;
    type Ptr<'a, T: 'a> = drop_arena_03::DropBox<'a, T>;

    fn run<W: Workload>(workload: &W) -> Tally {
        let arena = drop_arena_03::DropArena::new();
        workload.run(&mut Arena03(&arena))
    }

    fn throwaway_trees(depth: u32) -> Tally {
        throwaway_trees(depth, |d| {
            let arena = drop_arena_03::DropArena::new();
            let (tree, nodes) = build_and_check::<Self, _>(&mut Arena03(&arena), d);
            std::mem::forget(tree);
            nodes
        })
    }

    fn binary_trees(depth: u32) -> Tally {
        let long_lived = drop_arena_03::DropArena::new();
        let short_lived = drop_arena_03::DropArena::new();
        binary_trees::<Self, _>(depth, &mut Arena03(&long_lived), |d| {
            one_tree::<Self, _>(&mut Arena03(&short_lived), d)
        })
    }
}

/// The lower bound: a hand-written intrusive free list over chunks with a
/// bump pointer, the same design as `DropArena` with nothing else — no
/// counters, no brand, no checks of any kind. Its handles are raw pointers
/// that it trusts blindly; the workloads only ever give a handle back to the
/// list that made it, once.
pub struct FreeList;

/// The unchecked free list behind [`FreeList`].
pub struct UncheckedList<T> {
    free: *mut Link<T>,
    next: *mut Link<T>,
    end: *mut Link<T>,
    chunks: Vec<Box<[MaybeUninit<Link<T>>]>>,
}

/// A slot: a value, or the next free slot.
union Link<T> {
    _value: ManuallyDrop<T>,
    next: *mut Link<T>,
}

impl<T> UncheckedList<T> {
    fn new() -> Self {
        UncheckedList {
            free: ptr::null_mut(),
            next: ptr::null_mut(),
            end: ptr::null_mut(),
            chunks: Vec::new(),
        }
    }

    /// Carves a new chunk as large as all the earlier ones together.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let len = self
            .chunks
            .last()
            .map_or((4096 / size_of::<Link<T>>()).max(1), |chunk| {
                chunk.len() * 2
            });
        let mut chunk = Box::new_uninit_slice(len);
        self.next = chunk.as_mut_ptr().cast();
        // SAFETY: one past the end of the chunk just allocated.
        self.end = unsafe { self.next.add(len) };
        self.chunks.push(chunk);
    }
}

impl<T> Pool<T> for UncheckedList<T> {
    type Handle = NonNull<T>;

    #[inline]
    fn alloc(&mut self, value: T) -> NonNull<T> {
        let slot = if self.free.is_null() {
            if self.next == self.end {
                self.grow();
            }
            let slot = self.next;
            // SAFETY: `next` is inside the current chunk, so one past it is
            // at most `end`.
            self.next = unsafe { slot.add(1) };
            slot
        } else {
            let slot = self.free;
            // SAFETY: a free slot holds the link to the next free slot.
            self.free = unsafe { (*slot).next };
            slot
        };
        // SAFETY: the slot is ours, unused, and sized and aligned for `T`.
        unsafe {
            slot.cast::<T>().write(value);
            NonNull::new_unchecked(slot.cast())
        }
    }

    #[inline]
    fn get<'a>(&'a self, handle: &'a NonNull<T>) -> &'a T {
        // SAFETY: unchecked by design: the handle came from this list's
        // `alloc` and has not been taken back.
        unsafe { handle.as_ref() }
    }

    #[inline]
    fn take(&mut self, handle: NonNull<T>) -> T {
        let slot = handle.as_ptr().cast::<Link<T>>();
        // SAFETY: unchecked by design, as in `get`; the value is moved out
        // once and its slot becomes the head of the free list.
        unsafe {
            let value = handle.as_ptr().read();
            (*slot).next = self.free;
            self.free = slot;
            value
        }
    }
}

impl Peer for FreeList {
    const NAME: &'static str = "free list (unchecked)";
    const RECLAIMS: bool = true;
    type Ptr<'a, T: 'a> = NonNull<T>;

    fn run<W: Workload>(workload: &W) -> Tally {
        workload.run(&mut UncheckedList::new())
    }

    fn throwaway_trees(depth: u32) -> Tally {
        throwaway_trees(depth, |d| {
            let mut list = UncheckedList::new();
            build_and_check::<Self, _>(&mut list, d).1
        })
    }

    fn binary_trees(depth: u32) -> Tally {
        let mut short_lived = UncheckedList::new();
        binary_trees::<Self, _>(depth, &mut UncheckedList::new(), |d| {
            one_tree::<Self, _>(&mut short_lived, d)
        })
    }
}

/// `Box` on the global allocator, which the benchmarks leave as the system
/// allocator (glibc malloc on Linux).
pub struct SystemBox;

/// Plain boxes as a [`Pool`].
pub struct Boxes;

impl<T> Pool<T> for Boxes {
    type Handle = Box<T>;

    #[inline]
    fn alloc(&mut self, value: T) -> Box<T> {
        Box::new(value)
    }

    #[inline]
    fn get<'a>(&'a self, handle: &'a Box<T>) -> &'a T {
        handle
    }

    #[inline]
    fn take(&mut self, handle: Box<T>) -> T {
        *handle
    }
}

impl Peer for SystemBox {
    const NAME: &'static str = "Box (system)";
    const RECLAIMS: bool = true;
    type Ptr<'a, T: 'a> = Box<T>;

    fn run<W: Workload>(workload: &W) -> Tally {
        workload.run(&mut Boxes)
    }

    /// A `Box` tree can only be dropped node by node.
    fn throwaway_trees(depth: u32) -> Tally {
        throwaway_trees(depth, |d| build_and_check::<Self, _>(&mut Boxes, d).1)
    }

    fn binary_trees(depth: u32) -> Tally {
        binary_trees::<Self, _>(depth, &mut Boxes, |d| one_tree::<Self, _>(&mut Boxes, d))
    }
}

/// A box on mimalloc, whatever the global allocator is: it calls
/// [`GlobalAlloc`] on [`mimalloc::MiMalloc`] directly, so one binary can
/// compare both allocators.
pub struct MimallocBox;

/// The owner of one `T` in mimalloc's heap.
pub struct MiBox<T>(NonNull<T>);

// SAFETY: the box owns its `T` outright, as a `Box` does, and mimalloc
// frees memory from any thread.
unsafe impl<T: Send> Send for MiBox<T> {}

impl<T> MiBox<T> {
    /// Moves `value` to mimalloc's heap.
    #[inline]
    pub fn new(value: T) -> Self {
        let layout = Layout::new::<T>();
        let ptr = if layout.size() == 0 {
            NonNull::<T>::dangling()
        } else {
            // SAFETY: the layout has a non-zero size.
            let raw = unsafe { mimalloc::MiMalloc.alloc(layout) };
            NonNull::new(raw.cast()).unwrap_or_else(|| handle_alloc_error(layout))
        };
        // SAFETY: fresh memory, sized and aligned for `T` (or dangling for a
        // zero-sized `T`).
        unsafe { ptr.as_ptr().write(value) };
        MiBox(ptr)
    }

    /// Moves the value out and frees its memory.
    #[inline]
    pub fn into_inner(b: Self) -> T {
        let b = ManuallyDrop::new(b);
        // SAFETY: the box owns an initialized value; after reading it, only
        // the memory is freed, not the value.
        unsafe {
            let value = b.0.as_ptr().read();
            MiBox::free(b.0);
            value
        }
    }

    /// # Safety
    ///
    /// `ptr` came from [`MiBox::new`] and holds no live value.
    #[inline]
    unsafe fn free(ptr: NonNull<T>) {
        let layout = Layout::new::<T>();
        if layout.size() != 0 {
            // SAFETY: allocated by mimalloc with this layout (see `new`).
            unsafe { mimalloc::MiMalloc.dealloc(ptr.as_ptr().cast(), layout) };
        }
    }
}

impl<T> Deref for MiBox<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the box owns an initialized value.
        unsafe { self.0.as_ref() }
    }
}

impl<T> DerefMut for MiBox<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the box owns an initialized value, and `&mut self` makes
        // the access unique.
        unsafe { self.0.as_mut() }
    }
}

impl<T> Drop for MiBox<T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the box owns an initialized value: drop it, then free it.
        unsafe {
            self.0.as_ptr().drop_in_place();
            MiBox::free(self.0);
        }
    }
}

/// Mimalloc boxes as a [`Pool`].
pub struct MiBoxes;

impl<T> Pool<T> for MiBoxes {
    type Handle = MiBox<T>;

    #[inline]
    fn alloc(&mut self, value: T) -> MiBox<T> {
        MiBox::new(value)
    }

    #[inline]
    fn get<'a>(&'a self, handle: &'a MiBox<T>) -> &'a T {
        handle
    }

    #[inline]
    fn take(&mut self, handle: MiBox<T>) -> T {
        MiBox::into_inner(handle)
    }
}

impl Peer for MimallocBox {
    const NAME: &'static str = "Box (mimalloc)";
    const RECLAIMS: bool = true;
    type Ptr<'a, T: 'a> = MiBox<T>;

    fn run<W: Workload>(workload: &W) -> Tally {
        workload.run(&mut MiBoxes)
    }

    /// A `Box` tree can only be dropped node by node.
    fn throwaway_trees(depth: u32) -> Tally {
        throwaway_trees(depth, |d| build_and_check::<Self, _>(&mut MiBoxes, d).1)
    }

    fn binary_trees(depth: u32) -> Tally {
        binary_trees::<Self, _>(depth, &mut MiBoxes, |d| {
            one_tree::<Self, _>(&mut MiBoxes, d)
        })
    }
}

/// `slab::Slab`: keys instead of pointers, checked on every access.
pub struct Slab;

impl<T> Pool<T> for slab::Slab<T> {
    type Handle = usize;

    #[inline]
    fn alloc(&mut self, value: T) -> usize {
        self.insert(value)
    }

    #[inline]
    fn get<'a>(&'a self, handle: &'a usize) -> &'a T {
        &self[*handle]
    }

    #[inline]
    fn take(&mut self, handle: usize) -> T {
        self.remove(handle)
    }
}

impl Peer for Slab {
    const NAME: &'static str = "slab";
    const RECLAIMS: bool = true;
    type Ptr<'a, T: 'a> = usize;

    fn run<W: Workload>(workload: &W) -> Tally {
        workload.run(&mut slab::Slab::new())
    }

    fn throwaway_trees(depth: u32) -> Tally {
        throwaway_trees(depth, |d| {
            build_and_check::<Self, _>(&mut slab::Slab::new(), d).1
        })
    }

    fn binary_trees(depth: u32) -> Tally {
        let mut short_lived = slab::Slab::new();
        binary_trees::<Self, _>(depth, &mut slab::Slab::new(), |d| {
            one_tree::<Self, _>(&mut short_lived, d)
        })
    }
}

/// `typed_arena::Arena`: a bump arena of one type. It cannot give a single
/// value back, so taking a value out leaves its memory in use, and it has no
/// reset: a short-lived tree gets an arena of its own.
pub struct TypedArena;

impl Peer for TypedArena {
    const NAME: &'static str = "typed-arena";
    const RECLAIMS: bool = false;
    type Ptr<'a, T: 'a> = &'a mut T;

    fn run<W: Workload>(workload: &W) -> Tally {
        workload.run(&mut Bumped(&typed_arena::Arena::new()))
    }

    fn throwaway_trees(depth: u32) -> Tally {
        throwaway_trees(depth, |d| {
            let arena = typed_arena::Arena::new();
            build_and_check::<Self, _>(&mut Bumped(&arena), d).1
        })
    }

    fn binary_trees(depth: u32) -> Tally {
        let long_lived = typed_arena::Arena::new();
        binary_trees::<Self, _>(depth, &mut Bumped(&long_lived), |d| {
            one_tree::<Self, _>(&mut Bumped(&typed_arena::Arena::new()), d)
        })
    }
}

/// `bumpalo::Bump`: a bump arena of any type. It cannot give a single value
/// back; short-lived trees share one bump that is reset after each tree.
pub struct Bumpalo;

impl Peer for Bumpalo {
    const NAME: &'static str = "bumpalo";
    const RECLAIMS: bool = false;
    type Ptr<'a, T: 'a> = &'a mut T;

    fn run<W: Workload>(workload: &W) -> Tally {
        workload.run(&mut Bumped(&bumpalo::Bump::new()))
    }

    /// A fresh `Bump` per tree, as the performance issue's goal says.
    fn throwaway_trees(depth: u32) -> Tally {
        throwaway_trees(depth, |d| {
            let bump = bumpalo::Bump::new();
            build_and_check::<Self, _>(&mut Bumped(&bump), d).1
        })
    }

    fn binary_trees(depth: u32) -> Tally {
        let long_lived = bumpalo::Bump::new();
        let mut short_lived = bumpalo::Bump::new();
        binary_trees::<Self, _>(depth, &mut Bumped(&long_lived), |d| {
            let nodes = one_tree::<Self, _>(&mut Bumped(&short_lived), d);
            short_lived.reset();
            nodes
        })
    }
}

/// A bump arena that hands out `&mut T` and never drops what it holds.
pub trait NeverDrops<T> {
    /// Moves `value` into the arena.
    #[allow(clippy::mut_from_ref)] // an arena's `alloc`, as in typed-arena and bumpalo
    fn place(&self, value: T) -> &mut T;
}

/// typed-arena drops its values with the arena, so they are kept in
/// `ManuallyDrop`: one moved out by [`Pool::take`] must not be dropped again.
impl<T> NeverDrops<T> for typed_arena::Arena<ManuallyDrop<T>> {
    #[inline]
    fn place(&self, value: T) -> &mut T {
        self.alloc(ManuallyDrop::new(value))
    }
}

impl<T> NeverDrops<T> for bumpalo::Bump {
    #[inline]
    fn place(&self, value: T) -> &mut T {
        self.alloc(value)
    }
}

/// A bump arena as a [`Pool`]: taking a value moves it out and leaves its
/// memory in use.
pub struct Bumped<'a, A>(pub &'a A);

impl<'a, T: 'a, A: NeverDrops<T>> Pool<T> for Bumped<'a, A> {
    type Handle = &'a mut T;

    #[inline]
    fn alloc(&mut self, value: T) -> &'a mut T {
        self.0.place(value)
    }

    #[inline]
    fn get<'h>(&'h self, handle: &'h &'a mut T) -> &'h T {
        handle
    }

    #[inline]
    fn take(&mut self, handle: &'a mut T) -> T {
        // SAFETY: the handle is the only reference to the value and is used
        // up here, and the arena never drops the value (`NeverDrops`).
        unsafe { ptr::read(handle) }
    }
}
