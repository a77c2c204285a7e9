//! An ordered map (a treap) written once, for nodes owned by `Box` or by a
//! [`DropArena`].
//!
//! The map only ever does three things with a node's memory: allocate a
//! node, follow the owner to the node (`Deref`/`DerefMut`), and take a node
//! back out of its owner when it is removed. [`NodeAlloc`] names exactly
//! those: [`Heap`] implements it with `Box`, [`Arena`] with a `DropArena`
//! (`free` is [`DropArena::box_to_inner`], which reclaims the slot).
//!
//! A treap is a binary search tree by key that is also a heap by a random
//! priority per node, which keeps it balanced in expectation: its depth is
//! O(log n) whatever order the keys come in.
//!
//! This file depends only on `drop_arena` and `std`, so it can be copied,
//! or included with `#[path]` (the benchmark package runs [`workload`] on
//! every allocator).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::mem;
use std::ops::DerefMut;

use drop_arena::{DropArena, DropBox};

/// How a structure's nodes are owned: allocated, reached and given back.
pub trait NodeAlloc<N> {
    /// The owner of one node: `Box<N>` or `DropBox<'id, N>`.
    type Owned: DerefMut<Target = N>;
    /// Moves `node` into memory of its own.
    fn alloc(&self, node: N) -> Self::Owned;
    /// Moves the node out and gives its memory back.
    fn free(&self, node: Self::Owned) -> N;
}

/// Nodes in `Box`es, from the global allocator.
#[derive(Clone, Copy, Debug, Default)]
pub struct Heap;

impl<N> NodeAlloc<N> for Heap {
    type Owned = Box<N>;

    #[inline]
    fn alloc(&self, node: N) -> Box<N> {
        Box::new(node)
    }

    #[inline]
    fn free(&self, node: Box<N>) -> N {
        *node
    }
}

/// Nodes in a [`DropArena`]; removed nodes go back to it.
///
/// A struct rather than a type alias: the arena holds nodes that hold
/// boxes of the arena, and only a named type can close that loop.
pub struct Arena<'id, K, V>(pub &'id DropArena<'id, Node<K, V, Arena<'id, K, V>>>);

// Derived impls would ask for `K: Copy, V: Copy`; the reference is Copy
// whatever the nodes hold.
impl<K, V> Clone for Arena<'_, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, V> Copy for Arena<'_, K, V> {}

impl<'id, K, V> NodeAlloc<Node<K, V, Self>> for Arena<'id, K, V> {
    type Owned = DropBox<'id, Node<K, V, Self>>;

    #[inline]
    fn alloc(&self, node: Node<K, V, Self>) -> Self::Owned {
        self.0.alloc(node)
    }

    #[inline]
    fn free(&self, node: Self::Owned) -> Node<K, V, Self> {
        self.0.box_to_inner(node)
    }
}

/// One entry of the map and its two subtrees.
pub struct Node<K, V, A: NodeAlloc<Node<K, V, A>>> {
    key: K,
    value: V,
    /// Every node's priority is at least its children's.
    priority: u64,
    left: Option<A::Owned>,
    right: Option<A::Owned>,
}

/// A map from `K` to `V`, in key order, whose nodes are owned through `A`.
pub struct OrderedMap<K, V, A: NodeAlloc<Node<K, V, A>>> {
    root: Option<A::Owned>,
    len: usize,
    /// State of the generator of node priorities.
    seed: u64,
    alloc: A,
}

impl<K: Ord, V, A: NodeAlloc<Node<K, V, A>>> OrderedMap<K, V, A> {
    /// An empty map whose nodes will come from `alloc`.
    pub fn new_in(alloc: A) -> Self {
        OrderedMap {
            root: None,
            len: 0,
            seed: 0x2545_F491_4F6C_DD1D,
            alloc,
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of `key`, if it is in the map.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let mut tree = &self.root;
        while let Some(node) = tree {
            match key.cmp(node.key.borrow()) {
                Ordering::Less => tree = &node.left,
                Ordering::Greater => tree = &node.right,
                Ordering::Equal => return Some(&node.value),
            }
        }
        None
    }

    /// Whether `key` is in the map.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.get(key).is_some()
    }

    /// The value of `key`, mutably, if it is in the map.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let mut tree = &mut self.root;
        while let Some(node) = tree {
            match key.cmp(node.key.borrow()) {
                Ordering::Less => tree = &mut node.left,
                Ordering::Greater => tree = &mut node.right,
                Ordering::Equal => return Some(&mut node.value),
            }
        }
        None
    }

    /// Sets the value of `key`, returning the old value if it had one.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if let Some(old) = self.get_mut(&key) {
            return Some(mem::replace(old, value));
        }
        self.seed = self.seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let priority = mix(self.seed);
        // Go down to the first node of lower priority: the new node takes
        // its place, with the subtree split around the new key below it.
        // (Deciding and stepping down are two borrows: the borrow checker
        // rejects a single `while let` that breaks out and then uses `tree`.)
        let mut tree = &mut self.root;
        loop {
            let go_left = match tree {
                Some(node) if node.priority > priority => key < node.key,
                _ => break,
            };
            if let Some(node) = tree {
                tree = if go_left {
                    &mut node.left
                } else {
                    &mut node.right
                };
            }
        }
        let (left, right) = Node::<K, V, A>::split(tree.take(), &key);
        *tree = Some(self.alloc.alloc(Node {
            key,
            value,
            priority,
            left,
            right,
        }));
        self.len += 1;
        None
    }

    /// Removes `key`, returning its value; its node goes back to the
    /// allocator.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let mut tree = &mut self.root;
        loop {
            let go_left = match key.cmp(tree.as_ref()?.key.borrow()) {
                Ordering::Less => true,
                Ordering::Greater => false,
                Ordering::Equal => break,
            };
            if let Some(node) = tree {
                tree = if go_left {
                    &mut node.left
                } else {
                    &mut node.right
                };
            }
        }
        let node = self.alloc.free(tree.take()?);
        *tree = Node::<K, V, A>::merge(node.left, node.right);
        self.len -= 1;
        Some(node.value)
    }

    /// The entries in key order.
    pub fn iter(&self) -> Iter<'_, K, V, A> {
        let mut iter = Iter {
            stack: Vec::new(),
            left: self.len,
        };
        iter.push_left_spine(&self.root);
        iter
    }

    /// The number of nodes on the longest path from the root to a leaf.
    pub fn height(&self) -> usize {
        Node::<K, V, A>::height(&self.root)
    }

    /// Panics unless the tree is a treap with `len` nodes: keys increase
    /// in order, and no child has a higher priority than its parent.
    #[cfg(test)]
    pub fn assert_treap(&self) {
        fn check<K: Ord, V, A: NodeAlloc<Node<K, V, A>>>(
            node: &Node<K, V, A>,
            above: Option<&K>,
            below: Option<&K>,
        ) -> usize {
            assert!(above.is_none_or(|above| node.key > *above));
            assert!(below.is_none_or(|below| node.key < *below));
            let mut count = 1;
            if let Some(left) = &node.left {
                assert!(left.priority <= node.priority);
                count += check(left, above, Some(&node.key));
            }
            if let Some(right) = &node.right {
                assert!(right.priority <= node.priority);
                count += check(right, Some(&node.key), below);
            }
            count
        }
        let count = self.root.as_ref().map_or(0, |root| check(root, None, None));
        assert_eq!(count, self.len);
    }
}

impl<K, V, A: NodeAlloc<Node<K, V, A>>> OrderedMap<K, V, A> {
    /// Removes every entry, giving every node back to the allocator.
    ///
    /// Iterative, in O(n) time and O(1) space whatever the tree's shape:
    /// rotate the root's left child up until the root has none, then free
    /// the root and carry on with its right subtree.
    pub fn clear(&mut self) {
        let mut tree = self.root.take();
        self.len = 0;
        while let Some(mut node) = tree {
            tree = match node.left.take() {
                Some(mut left) => {
                    node.left = left.right.take();
                    left.right = Some(node);
                    Some(left)
                }
                None => self.alloc.free(node).right,
            };
        }
    }
}

/// Without this, dropping the map would drop every node in place: fine for
/// `Box`, but an arena's slots would stay in use until the arena ends.
impl<K, V, A: NodeAlloc<Node<K, V, A>>> Drop for OrderedMap<K, V, A> {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The tree operations, on subtrees: `Option<A::Owned>`, empty or not.
impl<K: Ord, V, A: NodeAlloc<Node<K, V, A>>> Node<K, V, A> {
    /// Splits a treap into the keys below `key` and those above it; `key`
    /// itself is not in it.
    fn split(tree: Option<A::Owned>, key: &K) -> (Option<A::Owned>, Option<A::Owned>) {
        let Some(mut node) = tree else {
            return (None, None);
        };
        if node.key < *key {
            let (below, above) = Self::split(node.right.take(), key);
            node.right = below;
            (Some(node), above)
        } else {
            let (below, above) = Self::split(node.left.take(), key);
            node.left = above;
            (below, Some(node))
        }
    }

    /// Joins two treaps, every key of `left` being below every key of `right`.
    fn merge(left: Option<A::Owned>, right: Option<A::Owned>) -> Option<A::Owned> {
        match (left, right) {
            (None, tree) | (tree, None) => tree,
            (Some(mut l), Some(mut r)) => {
                if l.priority > r.priority {
                    l.right = Self::merge(l.right.take(), Some(r));
                    Some(l)
                } else {
                    r.left = Self::merge(Some(l), r.left.take());
                    Some(r)
                }
            }
        }
    }

    /// The number of nodes on the longest path down from the root of `tree`.
    fn height(tree: &Option<A::Owned>) -> usize {
        tree.as_ref().map_or(0, |node| {
            1 + Self::height(&node.left).max(Self::height(&node.right))
        })
    }
}

/// The entries of an [`OrderedMap`] in key order.
pub struct Iter<'a, K, V, A: NodeAlloc<Node<K, V, A>>> {
    /// The nodes whose own entry and right subtree are still to come.
    stack: Vec<&'a Node<K, V, A>>,
    left: usize,
}

impl<'a, K, V, A: NodeAlloc<Node<K, V, A>>> Iter<'a, K, V, A> {
    fn push_left_spine(&mut self, mut tree: &'a Option<A::Owned>) {
        while let Some(node) = tree {
            self.stack.push(node);
            tree = &node.left;
        }
    }
}

impl<'a, K, V, A: NodeAlloc<Node<K, V, A>>> Iterator for Iter<'a, K, V, A> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        let node = self.stack.pop()?;
        self.push_left_spine(&node.right);
        self.left -= 1;
        Some((&node.key, &node.value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K, V, A: NodeAlloc<Node<K, V, A>>> ExactSizeIterator for Iter<'_, K, V, A> {}

impl<'a, K: Ord, V, A: NodeAlloc<Node<K, V, A>>> IntoIterator for &'a OrderedMap<K, V, A> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V, A>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The finalizer of SplitMix64: spreads a counter into random-looking bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One operation of [`workload`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Insert the key with the value, or set its value.
    Insert(u64, u64),
    /// Remove the key.
    Remove(u64),
    /// Look the key up.
    Get(u64),
}

/// `count` random operations on keys below `keys` (at most `u32::MAX`), a
/// third of each kind, the same for the same `seed`.
pub fn ops(count: usize, keys: u64, seed: u64) -> impl Iterator<Item = Op> {
    let mut state = seed;
    (0..count).map(move |_| {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let r = mix(state);
        // The high half picks the key and the low half the kind, each by a
        // multiply-shift: cheaper than `%`, which would be a good part of
        // the work being measured.
        let key = ((r >> 32) * keys) >> 32;
        match ((r & 0xFFFF_FFFF) * 3) >> 32 {
            0 => Op::Insert(key, r & 0xFFFF),
            1 => Op::Remove(key),
            _ => Op::Get(key),
        }
    })
}

/// The benchmark: runs [`ops`] on a map of `u64`s with nodes from `alloc`,
/// walks the survivors in order and drops the map. Returns a checksum of
/// everything the operations returned, the same whatever the allocator.
pub fn workload<A: NodeAlloc<Node<u64, u64, A>>>(
    alloc: A,
    count: usize,
    keys: u64,
    seed: u64,
) -> u64 {
    let mut map = OrderedMap::new_in(alloc);
    let sum = checksum_ops(count, keys, seed, |op| match op {
        Op::Insert(key, value) => map.insert(key, value),
        Op::Remove(key) => map.remove(&key),
        Op::Get(key) => map.get(&key).copied(),
    });
    checksum_survivors(sum, &map, map.len())
}

/// [`workload`] on `std`'s `BTreeMap`, for comparison; same checksum.
pub fn workload_btree(count: usize, keys: u64, seed: u64) -> u64 {
    let mut map = BTreeMap::new();
    let sum = checksum_ops(count, keys, seed, |op| match op {
        Op::Insert(key, value) => map.insert(key, value),
        Op::Remove(key) => map.remove(&key),
        Op::Get(key) => map.get(&key).copied(),
    });
    checksum_survivors(sum, &map, map.len())
}

/// Runs [`ops`] through `apply` and folds what each returned into a sum.
fn checksum_ops(
    count: usize,
    keys: u64,
    seed: u64,
    mut apply: impl FnMut(Op) -> Option<u64>,
) -> u64 {
    ops(count, keys, seed).fold(0u64, |sum, op| {
        let found = apply(op);
        sum.wrapping_mul(31)
            .wrapping_add(found.map_or(1, |v| v + 2))
    })
}

/// Folds the surviving entries, in key order, and their number into `sum`.
fn checksum_survivors<'a>(
    sum: u64,
    entries: impl IntoIterator<Item = (&'a u64, &'a u64)>,
    len: usize,
) -> u64 {
    let sum = entries.into_iter().fold(sum, |sum, (key, value)| {
        sum.wrapping_mul(31).wrapping_add(key ^ value)
    });
    sum.wrapping_add(len as u64)
}
