//! A single-type allocator with `Box`-like owners that can be reclaimed one
//! by one.
//!
//! [`DropArena<'id, T>`](DropArena) hands out [`DropBox<'id, T>`](DropBox):
//! an owner of one `T` that derefs to it and drops it when it goes out of
//! scope, like `Box<T>`, but lives in the arena's memory. Give a box back
//! with [`drop_box`](DropArena::drop_box) or
//! [`box_to_inner`](DropArena::box_to_inner) and its slot goes on an
//! intrusive free list, to be handed out by the next allocation. New slots
//! come from chunks allocated by [`typed-arena`](typed_arena), so both
//! directions are O(1) with a handful of instructions, and all memory goes
//! back to the system when the arena ends.
//!
//! ```
//! use drop_arena::DropArena;
//!
//! DropArena::with(|arena| {
//!     let a = arena.alloc(String::from("reclaimed"));
//!     let b = arena.alloc(String::from("dropped, slot kept"));
//!     let slot = &*a as *const String;
//!     arena.drop_box(a); // drops the String, frees the slot
//!     let c = arena.alloc(String::from("reuses a's slot"));
//!     assert_eq!(&*c as *const String, slot);
//!     drop(b); // drops the String; the slot stays in use until the arena ends
//!     assert_eq!(arena.len(), 2);
//! #   arena.drop_box(c);
//! });
//! ```
//!
//! # The brand
//!
//! Reclaiming a slot is only sound in the arena the box came from: a box
//! handed to another arena of the same type would put foreign memory on its
//! free list. The arena could check at run time; instead, every arena carries
//! a *brand*, a lifetime `'id` that no other arena has, and its boxes carry
//! it too. `DropArena<'id, T>` and `DropBox<'id, T>` are *invariant* in `'id`,
//! so the compiler can neither shorten nor stretch one brand into another,
//! and `drop_box` takes only `DropBox<'id, T>` of its own `'id`. A mix-up is a
//! compile error, and there is no check left to run.
//!
//! The arena is always used as `&'id DropArena<'id, T>`: the brand is also
//! the borrow, so the arena outlives every box and leaked reference it makes.
//!
//! There are two ways to make a brand:
//!
//! | Scope | How | `T` may name `'id` | Use it for |
//! |---|---|---|---|
//! | [`DropArena::with(\|arena\| ...)`](DropArena::with) | a closure that must work for *any* lifetime | no | values that do not point into the arena, results returned from the closure |
//! | [`make_arena!(arena)`](make_arena) | [`generativity`]'s [`make_guard!`]: a lifetime pinned to the end of the block | yes | self-referential types: lists, trees, graphs of `DropBox<'id, Node<'id>>` |
//!
//! With the closure, `T` is chosen outside the closure, before `'id`
//! exists, so `struct Node<'id> { next: Option<DropBox<'id, Node<'id>>> }`
//! cannot be expressed. The macro declares the arena in the current block and
//! infers `T` from use, so it can. [`DropArena::new`] takes a [`Guard`] for
//! code that makes its own. Nothing branded leaves either scope: not a box,
//! not the arena reference, not a leaked `&'id mut T`.
//!
//! # What the compiler rejects
//!
//! Misuses are compile errors: among them, reclaiming a box in another
//! arena; a box, the arena reference or a leaked `&mut` outliving the arena;
//! changing a brand through a signature; two arenas from one [`Guard`]; and
//! sharing a `DropArena` or a [`LocalHandle`] between threads. The
//! repository's compile-fail suite, `ui-tests/` (run by `cargo test`), keeps
//! one file per misuse, each saying what a user might write, why it would be
//! unsound and which rule rejects it; `ui-tests/README.md` lists them all.
//! [Troubleshooting brand errors](#troubleshooting-brand-errors) below
//! explains the messages.
//!
//! # Ending a box's life
//!
//! | How | The value | The slot |
//! |---|---|---|
//! | [`arena.drop_box(b)`](DropArena::drop_box) | dropped | reclaimed, reused by the next allocation |
//! | [`arena.box_to_inner(b)`](DropArena::box_to_inner) | moved out and returned | reclaimed |
//! | [`arena.free_without_dropping(b)`](DropArena::free_without_dropping) | forgotten: its destructor never runs | reclaimed |
//! | `drop(b)`, or `b` going out of scope | dropped | in use until the arena ends |
//! | [`DropBox::into_inner(b)`](DropBox::into_inner) | moved out and returned | in use until the arena ends |
//! | [`DropBox::leak(b)`](DropBox::leak) | lives on as `&'id mut T`, never dropped | in use until the arena ends |
//! | [`DropBox::into_raw(b)`](DropBox::into_raw) | lives on behind a `*mut T` | in use until [`DropBox::from_raw`] makes a box of it again, or the arena ends |
//!
//! When the arena ends, all of its memory goes back to the system at once;
//! values still in it (leaked or forgotten) are not dropped.
//!
//! A box's destructor cannot reclaim its own slot: it has no reference to
//! the arena. A structure that owns boxes can, by keeping the arena
//! reference and giving every node back in its own `Drop`:
//!
//! ```
//! use drop_arena::{DropArena, DropBox, make_arena};
//!
//! struct Node<'id, T> {
//!     value: T,
//!     next: Option<DropBox<'id, Node<'id, T>>>,
//! }
//!
//! /// A stack whose nodes live in an arena and go back to it.
//! struct Stack<'id, T> {
//!     arena: &'id DropArena<'id, Node<'id, T>>,
//!     head: Option<DropBox<'id, Node<'id, T>>>,
//! }
//!
//! impl<'id, T> Stack<'id, T> {
//!     fn new(arena: &'id DropArena<'id, Node<'id, T>>) -> Self {
//!         Stack { arena, head: None }
//!     }
//!
//!     fn push(&mut self, value: T) {
//!         let next = self.head.take();
//!         self.head = Some(self.arena.alloc(Node { value, next }));
//!     }
//!
//!     fn pop(&mut self) -> Option<T> {
//!         let node = self.arena.box_to_inner(self.head.take()?);
//!         self.head = node.next;
//!         Some(node.value)
//!     }
//! }
//!
//! impl<T> Drop for Stack<'_, T> {
//!     fn drop(&mut self) {
//!         // One node at a time: each slot is reclaimed, and a long list
//!         // does not recurse once per node.
//!         while self.pop().is_some() {}
//!     }
//! }
//!
//! make_arena!(arena);
//! let mut stack = Stack::new(arena);
//! for word in ["a", "b", "c"] {
//!     stack.push(String::from(word));
//! }
//! assert_eq!(stack.pop().as_deref(), Some("c"));
//! assert_eq!(arena.len(), 2);
//! drop(stack);
//! assert!(arena.is_empty()); // every node went back to the arena
//! ```
//!
//! A structure that is built, read and then thrown away as a whole needs no
//! teardown at all: give it an arena of its own, forget the root, and let the
//! arena end. The arena frees its chunks at once without visiting a node,
//! which is faster than reclaiming them one by one (PERFORMANCE.md measures
//! this "throwaway" pattern against a fresh bumpalo `Bump` per tree). The
//! nodes' destructors never run, so keep it for nodes that own nothing else
//! (no `String`, no file):
//!
//! ```
//! use drop_arena::{DropArena, DropBox, make_arena};
//!
//! struct Node<'id> {
//!     kids: Option<[DropBox<'id, Node<'id>>; 2]>,
//! }
//!
//! fn build<'id>(arena: &'id DropArena<'id, Node<'id>>, depth: u32) -> DropBox<'id, Node<'id>> {
//!     let kids = (depth > 0).then(|| [build(arena, depth - 1), build(arena, depth - 1)]);
//!     arena.alloc(Node { kids })
//! }
//!
//! fn count(node: &Node<'_>) -> u64 {
//!     node.kids.as_ref().map_or(1, |[l, r]| 1 + count(l) + count(r))
//! }
//!
//! for depth in [4, 8, 12] {
//!     make_arena!(arena);
//!     let tree = build(arena, depth);
//!     assert_eq!(count(&tree), (1 << (depth + 1)) - 1);
//!     std::mem::forget(tree); // no node is visited again: the arena frees them all
//! }
//! ```
//!
//! # Costs
//!
//! - [`alloc`](DropArena::alloc), [`drop_box`](DropArena::drop_box),
//!   [`box_to_inner`](DropArena::box_to_inner) and
//!   [`free_without_dropping`](DropArena::free_without_dropping) are O(1):
//!   a free-list pop or push, or taking the next fresh slot of the newest
//!   chunk. When no slot is free or fresh, the arena allocates a new chunk at
//!   least twice as large as the one before, so that too is O(1) amortized.
//! - [`len`](DropArena::len), [`capacity`](DropArena::capacity) and
//!   [`is_empty`](DropArena::is_empty) are O(1). The arena counts the
//!   pushes on and pops off its free list and derives `len` from them and the
//!   fresh slots left, so taking a fresh slot counts nothing.
//! - A reclaimed slot is reused before any fresh one (last in, first out),
//!   so under steady churn the footprint follows the peak number of live
//!   values, not the number of allocations.
//! - A slot is as large as `T` or a pointer, whichever is larger, and aligned
//!   for both (page-aligned types work). Zero-sized types allocate no memory
//!   at all; [`len`](DropArena::len) still counts them.
//!
//! # When to use it
//!
//! - **`Box`** goes through the global allocator for every value. Choose
//!   `DropArena` when you allocate and free many values of one type and want
//!   the free to be a pointer push; choose `Box` when values outlive any
//!   scope you can name or need `dyn Trait`.
//! - **[`typed-arena`](typed_arena)** and **bumpalo** never free a single
//!   value: memory grows with every allocation until the arena ends. Choose
//!   them when nothing is freed early; choose `DropArena` when values come
//!   and go.
//! - **slab** hands out indices, checked at run time and valid in any slab.
//!   Choose it when you need keys (to store, compare or look up); choose
//!   `DropArena` for owning pointers with `Box` ergonomics, checked at
//!   compile time.
//!
//! # Sharing one arena between threads
//!
//! A `DropArena` is not `Sync`: give each thread its own, or move boxes
//! rather than the arena. When many threads should allocate from and
//! reclaim into one arena, use [`SyncDropArena`]. It is made the same three
//! ways ([`SyncDropArena::with`], [`make_sync_arena!`],
//! [`SyncDropArena::new`]), its boxes are the same [`DropBox<'id, T>`](DropBox)
//! under the same brand, and a box may be reclaimed on any thread. Each
//! thread works through a [`LocalHandle`] handle (`no_std`), or, with the
//! default `std` feature, through the arena's own methods. How the threads
//! share slots, and what `len` means while they run, is explained on
//! [`SyncDropArena`]. For rayon, the repository's `examples/parallel_tree`
//! builds a tree with `rayon::join` and takes it apart with `rayon::scope`,
//! through the arena's methods near the root and a handle per subtree.
//!
//! ```
//! use drop_arena::SyncDropArena;
//!
//! SyncDropArena::with(|arena| {
//!     std::thread::scope(|s| {
//!         for _ in 0..2 {
//!             s.spawn(|| {
//!                 let local = arena.local();
//!                 let b = local.alloc(String::from("per thread"));
//!                 local.drop_box(b);
//!             });
//!         }
//!     });
//!     assert!(arena.is_empty());
//! });
//! ```
//!
//! # Troubleshooting brand errors
//!
//! The brand is a lifetime, so every misuse shows up as a lifetime or borrow
//! error, often pointing at the macro rather than at the mistake.
//!
//! **"temporary value dropped while borrowed" (E0716) at `make_arena!(..)`,
//! usually twice** (some compiler versions say "`branded_place` does not live
//! long enough", E0597). [`make_arena!`] declares hidden locals: `storage`
//! (the arena itself) and, through [`make_guard!`], `branded_place` (the
//! anchor of the brand) and a guard marker `lifetime_brand`. Being hygienic,
//! they are called "temporary value": the error "originating in the macro
//! `make_arena`" is about `storage`, the one "in the macro
//! `$crate::make_guard`" about `branded_place`. The brand borrows both, so
//! something needs the brand to outlast the block that made it. The *other*
//! spans of the message say what:
//!
//! - "borrow might be used here, when `lifetime_brand` is dropped": two
//!   brands were required to be equal (a box given to another arena, a helper
//!   taking two arenas with one `'id`, an outer arena storing an inner
//!   arena's boxes); the span is the end of the *other* guard's scope.
//! - "borrow might be used here, when `x` is dropped and runs the `Drop` code
//!   for type `DropBox`": `x` was declared before `make_arena!`; declare it
//!   after.
//! - "borrow later used here" after the block, or "argument requires that
//!   borrow lasts for `'static`": something branded leaves the block (a box,
//!   the arena reference, a `static`, `thread::spawn`).
//! - The note "consider using a `let` binding to create a longer lived
//!   value" does not apply: no brand can outlive its block.
//!
//! The same E0716 at a `make_guard!` of your own, with nothing else to go
//! on, comes from two hand-made arenas forced to one type, e.g.
//! `mem::swap(&mut first, &mut second)` on their storages: each guard's brand
//! is unique, so the two types can never be equal. Keep one arena per brand;
//! to start afresh, make a new arena in a new block.
//!
//! A nightly compiler with `RUSTFLAGS=-Zmacro-backtrace` shows which hidden
//! local an error is about.
//!
//! **"`x` does not live long enough ... borrow might be used here, when
//! `lifetime_brand` is dropped" (E0597)**, where `x` is a local whose
//! reference was stored in the arena, even though the box was given back: a
//! stored value must outlive the brand (`&'id DropArena<'id, T>` needs
//! `T: 'id`), because the arena may keep values until it ends. Declare `x`
//! before `make_arena!`, or outside the `with` call.
//!
//! **"cannot return value referencing temporary value" (E0515)** at the end
//! of a function that uses `make_arena!`: it returns a box or the arena
//! reference, and the "temporary value" is the hidden storage. Make the
//! arena in the caller and pass `&'id DropArena<'id, T>` down.
//!
//! **"borrowed data escapes outside of closure" (E0521)** with
//! [`DropArena::with`]: something ties the closure's arena to a lifetime
//! outside it: a variable declared outside, another closure's arena, or a
//! `'static` requirement ("argument requires that `'1` must outlive
//! `'static`"). "`inner` escapes the closure body here" at a `drop_box`-like
//! call means the box comes from another arena.
//!
//! **"lifetime may not live long enough ... returning this value requires
//! that `'1` must outlive `'2`"**: a `with` closure returns something that
//! carries its brand (`'1`, "has type `&'1 DropArena<'1, T>`"): a box, a
//! leaked `&mut`, or a trait object made from one. Return plain values, or
//! use `make_arena!` in the scope that needs the boxes.
//!
//! **"lifetime may not live long enough ... function was supposed to return
//! data with lifetime `'long` but it is returning data with lifetime
//! `'short`"**, with the note "`DropArena<'id, T>` is invariant over the
//! parameter `'id`" (or `DropBox`): a signature changes a brand. Brands can
//! be neither shortened nor lengthened, and the message may name the two
//! lifetimes the other way round from your change, because invariance needs
//! both directions. Give the function one `'id` used everywhere.
//!
//! **"lifetime may not live long enough ... requires that `'1` must outlive
//! `'static`"** on a `with` closure's argument: its type is annotated with a
//! specific lifetime, but `with` needs one that accepts any brand. Drop the
//! annotation, or write `&DropArena<'_, T>`.
//!
//! **"`Cell<...>` cannot be shared between threads safely" (E0277)**, naming
//! private types such as `drop_arena::raw::Slot<T>`: a thread captured a
//! `DropArena` reference. A `DropArena` is not `Sync`; give each thread its
//! own arena, move boxes (not the arena) into the threads, or use
//! [`SyncDropArena`].
//!
//! **"`storage` does not live long enough ... borrow might be used here, when
//! `lifetime_brand` is dropped" (E0597)** with [`DropArena::new`]: the arena
//! was declared after [`make_guard!`], so it is dropped before the guard,
//! whose drop still uses the brand. Declare it first and assign it later, as
//! `make_arena!` does (see [`DropArena::new`]).
//!
//! **"cannot move out of `storage` because it is borrowed" (E0505)**: an
//! arena made with [`DropArena::new`] is moved after its first allocation,
//! which borrows it for the whole brand. Put it where it will stay before
//! allocating.
//!
//! **"use of moved value" (E0382)**: a [`Guard`] used for a second arena (one
//! guard per arena: call `make_guard!` again), or a box used after
//! `drop_box`, `box_to_inner` or `free_without_dropping` took it.
//!
//! **"expected `Guard<'_>`, found `Id<'_>`" (E0308)**: [`DropArena::new`]
//! wants the guard itself; an [`Id`] can be copied, so it cannot vouch for a
//! unique arena.
//!
//! # Debugging with AddressSanitizer
//!
//! Built with `-Zsanitizer=address` (nightly), the arena tells ASan which
//! slots are off limits: fresh slots are poisoned when their chunk is
//! allocated, a slot is poisoned when it goes on the free list (after
//! `drop_box`, `box_to_inner`, `free_without_dropping`, a panicking
//! constructor, or `reserve` moving fresh slots there), and it is unpoisoned
//! when it is handed out again. A read or write through a stale pointer into
//! a free or fresh slot then stops the program with `ERROR: AddressSanitizer:
//! use-after-poison`: useful when debugging your own `unsafe` code. After the
//! arena ends its chunks are freed, and ASan's own `heap-use-after-free`
//! check takes over. A [`SyncDropArena`] poisons the same way: a free or
//! fresh slot stays poisoned wherever it waits (a handle's free list or fresh
//! run, a thread's, or the shared depot) until it is handed out again.
//!
//! It switches on by itself: the build script sets `cfg(drop_arena_asan)`
//! when the target's `cfg(sanitize)` values include exactly `address`
//! (`hwaddress` and `kernel-address` do not count). There is no feature to
//! enable, and without ASan every hook is an empty inline function. In the
//! crate that uses `drop_arena`:
//!
//! ```text
//! RUSTFLAGS=-Zsanitizer=address cargo +nightly test --target x86_64-unknown-linux-gnu
//! ```
//!
//! `--target` keeps the flag away from build scripts and proc macros, which
//! cannot load the ASan runtime. It cannot see:
//!
//! - a stale pointer into a slot that has been handed out again: that memory
//!   is in use, and since reuse is last in, first out, the next allocation
//!   takes the slot just reclaimed. There is no quarantine;
//! - a slot that stays in use: after a plain `drop`, `DropBox::into_inner`,
//!   `DropBox::leak` or `mem::forget` the slot stays unpoisoned until the
//!   arena ends, so reading the dropped value is not reported;
//! - an overrun within one slot: the bytes of a small `T`'s slot beyond `T`
//!   are unpoisoned while it is in use;
//! - accesses inside precompiled `std` code, which is not instrumented
//!   (generic `std` code is monomorphised into your crate and is);
//! - anything that is not an invalid access: data races, logic errors, or
//!   uninitialised reads inside valid memory.
//!
//! Two mistakes of `unsafe` code get a panic with a message naming the cause,
//! because ASan alone would miss them: a box given back to an arena that did
//! not make it (a brand forged with `transmute`, or a [`DropBox::from_raw`]
//! given the wrong arena's pointer), which the arena catches by checking that
//! every slot it gets back lies in its own chunks; and
//! [`DropBox::from_raw`] of a pointer whose slot is free or fresh. A
//! `SyncDropArena` makes both checks too: every slot given back, through a
//! handle or through the arena's own methods, is checked against its chunks
//! before it joins a free list. That check takes the lock on the chunks, so
//! under ASan, threads that reclaim at the same time wait for each other.
//!
//! # Soundness
//!
//! The memory kernel of a `DropArena`, `RawArena` in the private module
//! `raw`, owns all of its raw memory: it gets the chunks from `typed-arena`
//! and decides which slot is fresh, free or in use. Its invariants are
//! written on that type. The rest of the `unsafe` code:
//!
//! - the private module `ops` reads, writes and drops the value in a slot
//!   that a kernel handed out, under the `DropBox` invariant, and hands the
//!   slot back through that kernel, for both arenas;
//! - `DropBox` borrows, moves out and drops the value it owns;
//! - `DropArena` and `SyncDropArena` make the brand, whose uniqueness the
//!   rest relies on;
//! - the `Send` and `Sync` impls are written by hand;
//! - the sanitizer hooks call ASan's poisoning functions;
//! - `SyncDropArena` adds a second kernel in the private module `sync`: the
//!   shared `Depot` of free magazines and chunks, and the `SlotCache` of
//!   each handle (or, with `std`, each thread, found through the
//!   `thread_local` crate), with their invariants and memory orderings
//!   written on those types.
//!
//! Every `unsafe` block names the invariant it relies on in a `// SAFETY:`
//! comment. `SAFETY.md` in the repository gives the arguments that span
//! files (the brand, drop check, `Send`/`Sync`, panics and reentrancy,
//! threads sharing a `SyncDropArena`) and the evidence: behaviour tests,
//! the compile-fail suite, a property-based model, a fuzz target, loom
//! models, shuttle schedules, AddressSanitizer, ThreadSanitizer and
//! valgrind.
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod arena;
mod boxed;
mod brand;
mod ops;
mod raw;
mod sanitizer;
mod sync;

pub use arena::DropArena;
pub use boxed::DropBox;
#[doc(no_inline)]
pub use generativity::{Guard, Id, make_guard};
pub use sync::{LocalHandle, SyncDropArena};

/// The README's examples run as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// So are CHANGELOG.md's: the 0.4 side of the migration guide.
#[cfg(doctest)]
#[doc = include_str!("../CHANGELOG.md")]
struct ChangelogDoctests;

// The shared randomised model (tests/support/model.rs, also the fuzz
// target's body) runs as unit tests. It needs the kernels' checks
// (`check_invariants`, `LocalHandle::free_list_len`), which exist only under
// `cfg(test)` and cargo-fuzz's `cfg(fuzzing)`, so it runs in this crate's
// unit tests and in fuzz/fuzz_targets/ops.rs, and each includes it by path.
// The plainer ways cost more:
// - as an integration test it would see no `cfg(test)` item: the checks
//   would need a cargo feature, turned on by a dev-dependency of this crate
//   on itself, and public to any crate that turns it on;
// - as a module of `src/` under `cfg(any(test, fuzzing))` it would need no
//   path, but cargo-fuzz sets `cfg(fuzzing)` for every crate it builds, so
//   every crate that depends on this one would compile the model, and pull
//   in `arbitrary` and its derive, in its own fuzz builds.
// `extern crate self` lets the one file name the crate `drop_arena` in both
// builds.
#[cfg(test)]
extern crate self as drop_arena;
#[cfg(all(test, not(feature = "std")))]
extern crate std;
#[cfg(test)]
#[path = "../tests/support/model.rs"]
mod model;
#[cfg(test)]
#[path = "../tests/support/model_tests.rs"]
mod model_tests;
