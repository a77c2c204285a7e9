//! The brand: a unique, invariant lifetime that ties each box to its arena.
//!
//! See the [crate docs](crate#the-brand) for how it works and which scope to
//! choose.

use core::marker::PhantomData;

/// Zero-sized marker making a type invariant in `'id`, so a brand can be
/// neither shortened nor lengthened into another arena's brand.
pub(crate) type Brand<'id> = PhantomData<generativity::Id<'id>>;

/// Declares `$name: &'id DropArena<'id, T>` for a fresh brand `'id` that
/// lasts to the end of the enclosing block, with `T` inferred from use.
///
/// Unlike [`DropArena::with`](crate::DropArena::with), `T` may name the
/// brand, which is what self-referential types need:
///
/// ```
/// use drop_arena::{DropBox, make_arena};
///
/// struct Node<'id> {
///     value: u32,
///     next: Option<DropBox<'id, Node<'id>>>,
/// }
///
/// make_arena!(arena);
/// let mut list = None;
/// for value in 0..3 {
///     list = Some(arena.alloc(Node { value, next: list }));
/// }
/// let mut sum = 0;
/// while let Some(node) = list {
///     let node = arena.box_to_inner(node);
///     sum += node.value;
///     list = node.next;
/// }
/// assert_eq!(sum, 3);
/// assert!(arena.is_empty());
/// ```
///
/// `make_arena!(name, capacity)` reserves room for `capacity` values up front.
/// The macro is built on [`make_guard!`](crate::make_guard): the brand ends
/// with the enclosing block, so nothing branded can be returned from it. It
/// works in `async` code too, with boxes held across `.await`.
#[macro_export]
macro_rules! make_arena {
    ($name:ident) => {
        let storage;
        $crate::make_guard!(guard);
        storage = $crate::DropArena::new(guard);
        let $name = &storage;
    };
    ($name:ident, $capacity:expr) => {
        $crate::make_arena!($name);
        $name.reserve($capacity);
    };
}

/// Declares `$name: &'id SyncDropArena<'id, T>` for a fresh brand `'id`
/// that lasts to the end of the enclosing block, as
/// [`make_arena!`](crate::make_arena) does for a `DropArena`: `T` may name
/// the brand.
///
/// ```
/// use drop_arena::{DropBox, make_sync_arena};
///
/// struct Node<'id> {
///     value: u32,
///     next: Option<DropBox<'id, Node<'id>>>,
/// }
///
/// make_sync_arena!(arena);
/// let local = arena.local();
/// let list = local.alloc(Node { value: 1, next: None });
/// let list = local.alloc(Node { value: 2, next: Some(list) });
/// let sum = std::thread::scope(|s| {
///     s.spawn(|| {
///         let local = arena.local();
///         let mut sum = 0;
///         let mut next = Some(list);
///         while let Some(node) = next {
///             let node = local.box_to_inner(node);
///             sum += node.value;
///             next = node.next;
///         }
///         sum
///     })
///     .join()
///     .unwrap()
/// });
/// assert_eq!(sum, 3);
/// assert!(arena.is_empty());
/// ```
///
/// `make_sync_arena!(name, capacity)` reserves room for `capacity` values up
/// front, as [`SyncDropArena::reserve`](crate::SyncDropArena::reserve) does.
///
/// ```
/// drop_arena::make_sync_arena!(arena, 1000);
/// assert!(arena.capacity() >= 1000);
/// let local = arena.local();
/// let b = local.alloc(7u64);
/// # local.drop_box(b);
/// ```
#[macro_export]
macro_rules! make_sync_arena {
    ($name:ident) => {
        let storage;
        $crate::make_guard!(guard);
        storage = $crate::SyncDropArena::new(guard);
        let $name = &storage;
    };
    ($name:ident, $capacity:expr) => {
        $crate::make_sync_arena!($name);
        $name.reserve($capacity);
    };
}
