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
//! [What the compiler rejects](#what-the-compiler-rejects) lists the misuses
//! this rules out.
//!
//! # What the compiler rejects
//!
//! The brand is worth exactly what the compiler proves, so the repository
//! keeps a compile-fail suite, `ui-tests/` (run by `cargo test`): 42 misuses
//! that must not compile, each with a comment saying why it would be unsound
//! and the compiler output it must produce, and 8 idioms that must keep
//! compiling (nested arenas, a recursive list, scoped threads, `async`). Its
//! README explains each error message. In brief:
//!
//! | Misuse | Cases in `ui-tests/fail/` |
//! |---|---|
//! | reclaiming a box in another arena (`drop_box`, `box_to_inner`, `free_without_dropping`; nested `with` either way, two `make_arena!`s, `make_arena!` into `with`, across loop iterations) | `*_from_foreign_arena_*`, `*_from_foreign_make_arena`, `box_carried_between_with_calls`, `box_from_make_arena_into_with_arena` |
//! | a helper asking for two arenas of one brand, called with two arenas | `same_brand_helper_with_two_*` |
//! | changing a brand through a signature (invariance of `DropArena` and `DropBox`) | `arena_brand_cannot_*`, `box_brand_cannot_*`, `with_closure_picks_static_brand` |
//! | two arenas from one `Guard`, a copied `Id`, a loop, or a diverging or `async` fn | `two_arenas_from_one_guard`, `arena_from_copied_id`, `arenas_from_guards_in_a_loop`, `two_make_arenas_unified_in_*` |
//! | a box, the arena, a leaked `&mut` or a future escaping its scope | `box_escapes_with*`, `arena_ref_escapes_*`, `leaked_mut_escapes_with`, `future_capturing_arena_escapes_with`, `box_returned_from_make_arena_fn` |
//! | a box outliving its arena (drop check, a `'static` requirement, moving the storage, an outer arena holding inner boxes) | `box_declared_before_make_arena`, `box_stored_in_static`, `box_sent_to_thread_spawn`, `arena_storage_moved_while_boxes_exist`, `arena_storage_declared_after_guard`, `outer_arena_holds_inner_arena_box` |
//! | getting the value back through `DropBox`'s covariance in `T` | `shortened_box_returned_to_its_arena` |
//! | using a box after reclaiming it | `box_used_after_drop_box` |
//! | sharing an arena across threads; sending an arena or a box of a `!Send` value; sharing a box of a `!Sync` value | `arena_shared_across_threads`, `arena_of_rc_sent_to_thread`, `box_of_rc_sent_to_thread`, `box_of_cell_shared_across_threads` |
//!
//! Troubleshooting: an error about `storage` or `branded_place` "dropped
//! while still borrowed" or "does not live long enough" comes from inside
//! [`make_arena!`]: something branded is used after the block that made the
//! arena, or is dropped after it. "borrowed data escapes outside of closure"
//! from [`DropArena::with`] means a box or the arena is leaving the closure.
//! "lifetime may not live long enough" with two `'id`s means two brands met.
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
//!
//! (`--target` keeps the flag away from build scripts and proc macros.) It
//! cannot see a stale pointer into a slot that has been handed out again:
//! reuse is LIFO, so the next allocation takes the slot just reclaimed.
//!
//! # Soundness
//!
//! All `unsafe` code lives in one private module, the slot kernel, whose
//! invariants are documented on the type that keeps them; every `unsafe`
//! block names the invariant it relies on. `SAFETY.md` in the repository
//! walks through the argument — the brand, drop check, `Send`/`Sync`, panics
//! and reentrancy — and says which test, compile-fail case, sanitizer run or
//! fuzz target checks each claim.
#![no_std]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

#[cfg(any(test, fuzzing))]
extern crate alloc;

mod arena;
mod boxed;
mod brand;
mod raw;
mod sanitizer;

pub use arena::DropArena;
pub use boxed::DropBox;
#[doc(no_inline)]
pub use generativity::{Guard, Id, make_guard};

/// The README's examples run as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

// The shared randomised model (also the fuzz target's body) runs as unit
// tests, where `check_invariants` exists; it names the crate `drop_arena`.
#[cfg(test)]
extern crate self as drop_arena;
#[cfg(test)]
extern crate std;
#[cfg(test)]
#[path = "../tests/support/model.rs"]
mod model;
#[cfg(test)]
#[path = "../tests/support/model_tests.rs"]
mod model_tests;
