//! A single-type allocator with `Box`-like owners that can be reclaimed one
//! by one.
//!
//! [`DropArena<'id, T>`](DropArena) hands out [`DropBox<'id, T>`](DropBox):
//! an owner of one `T` that derefs to it and drops it when it goes out of
//! scope, like `Box<T>`, but lives in the arena's memory. Give a box back
//! with [`drop_box`](DropArena::drop_box) or
//! [`box_to_inner`](DropArena::box_to_inner) and its slot goes on an
//! intrusive free list, to be handed out by the next allocation. Fresh slots
//! are carved from [`typed-arena`](typed_arena) chunks, so both directions
//! are O(1) with a handful of instructions, and memory goes back to the
//! system when the arena ends.
//!
//! ```
//! use drop_arena::DropArena;
//!
//! DropArena::with(|arena| {
//!     let a = arena.alloc(String::from("reclaimed"));
//!     let b = arena.alloc(String::from("dropped in place"));
//!     let slot = &*a as *const String;
//!     arena.drop_box(a); // drops the String, frees the slot
//!     let c = arena.alloc(String::from("reuses a's slot"));
//!     assert_eq!(&*c as *const String, slot);
//!     drop(b); // drops the String; the slot stays taken until the arena ends
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
//! The compiler's proof is only as good as its test: the compile-fail suite
//! in the repository's `ui-tests/` lists every misuse it rejects.
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
//!
//! When the arena ends, all of its memory goes back to the system at once;
//! values still in it (leaked or forgotten) are not dropped.
//!
//! # Costs
//!
//! - [`alloc`](DropArena::alloc), [`drop_box`](DropArena::drop_box),
//!   [`box_to_inner`](DropArena::box_to_inner) and
//!   [`free_without_dropping`](DropArena::free_without_dropping) are O(1):
//!   a free-list pop or push, or a bump pointer. Growing carves a new chunk
//!   at least as large as all the earlier ones together, so that too is O(1)
//!   amortized.
//! - [`len`](DropArena::len), [`capacity`](DropArena::capacity) and
//!   [`is_empty`](DropArena::is_empty) are O(1) counters.
//! - A reclaimed slot is reused before fresh memory is carved (last in,
//!   first out), so under steady churn the footprint follows the peak number
//!   of live values, not the number of allocations.
//! - A slot is as large as `T` or a pointer, whichever is larger, with `T`'s
//!   alignment (page-aligned types work). Zero-sized types allocate no
//!   memory at all; [`len`](DropArena::len) still counts them.
//!
//! # A recursive list
//!
//! ```
//! use drop_arena::{DropBox, make_arena};
//!
//! struct Cons<'id> {
//!     head: i64,
//!     tail: List<'id>,
//! }
//! type List<'id> = Option<DropBox<'id, Cons<'id>>>;
//!
//! make_arena!(arena);
//! let mut list: List = None;
//! for head in 1..=100 {
//!     list = Some(arena.alloc(Cons { head, tail: list }));
//! }
//! // Tear down iteratively, reusing each slot as it is freed.
//! let mut sum = 0;
//! while let Some(cell) = list {
//!     let Cons { head, tail } = arena.box_to_inner(cell);
//!     sum += head;
//!     list = tail;
//! }
//! assert_eq!(sum, 5050);
//! assert_eq!(arena.len(), 0);
//! assert!(arena.capacity() >= 100);
//! ```
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
//! # Debugging with AddressSanitizer
//!
//! Built with `-Zsanitizer=address` (nightly), the arena poisons every slot
//! that is free or not yet handed out, and unpoisons it when it is handed
//! out, so a read or write through a stale pointer into a reclaimed slot is
//! reported — useful when debugging your own `unsafe` code. It switches on
//! by itself (the build script reads the compiler flags); there is no feature
//! to enable.
//!
//! ```text
//! RUSTFLAGS=-Zsanitizer=address cargo +nightly test --target x86_64-unknown-linux-gnu
//! ```
#![no_std]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod arena;
mod boxed;
mod brand;
mod sanitizer;
mod slot;

pub use arena::DropArena;
pub use boxed::DropBox;
#[doc(no_inline)]
pub use generativity::{Guard, Id, make_guard};

/// The README's examples run as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
