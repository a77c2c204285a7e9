//! Expression trees and a simplifier that rewrites them in place, written
//! once for nodes owned by `Box` or by a [`DropArena`].
//!
//! Simplifying folds constants (`2 * 3` becomes `6`) and applies identities
//! (`x + 0`, `x * 1`, `x * 0`, `--x`). Each rewrite replaces a node by a
//! child or a constant and frees the nodes it no longer needs, so nodes are
//! created (building) and destroyed (simplifying) all the time: the
//! allocation pattern an arena with O(1) reclamation is for.
//!
//! As in the ordered map, [`NodeAlloc`] says how a node is allocated and
//! freed; [`Heap`] uses `Box`, [`Arena`] a `DropArena`, whose `free` is
//! [`DropArena::box_to_inner`] and reclaims the slot.
//!
//! This file depends only on `drop_arena` and `std`, so it can be copied,
//! or included with `#[path]` (the benchmark package runs [`workload`]).

use std::fmt;
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

/// Nodes in a [`DropArena`]; discarded nodes go back to it.
///
/// A struct rather than a type alias: the arena holds expressions that hold
/// boxes of the arena, and only a named type can close that loop.
#[derive(Clone, Copy)]
pub struct Arena<'id>(pub &'id DropArena<'id, Expr<Arena<'id>>>);

impl<'id> NodeAlloc<Expr<Self>> for Arena<'id> {
    type Owned = DropBox<'id, Expr<Self>>;

    #[inline]
    fn alloc(&self, node: Expr<Self>) -> Self::Owned {
        self.0.alloc(node)
    }

    #[inline]
    fn free(&self, node: Self::Owned) -> Expr<Self> {
        self.0.box_to_inner(node)
    }
}

/// An integer expression in one variable, with wrapping arithmetic.
pub enum Expr<A: NodeAlloc<Expr<A>>> {
    /// A constant.
    Num(i64),
    /// The variable `x`.
    X,
    /// The sum of two expressions.
    Add(A::Owned, A::Owned),
    /// The product of two expressions.
    Mul(A::Owned, A::Owned),
    /// The negation of an expression.
    Neg(A::Owned),
}

impl<A: NodeAlloc<Expr<A>>> Expr<A> {
    /// The value at `x`.
    pub fn eval(&self, x: i64) -> i64 {
        match self {
            Expr::Num(n) => *n,
            Expr::X => x,
            Expr::Add(l, r) => l.eval(x).wrapping_add(r.eval(x)),
            Expr::Mul(l, r) => l.eval(x).wrapping_mul(r.eval(x)),
            Expr::Neg(e) => e.eval(x).wrapping_neg(),
        }
    }

    /// The number of nodes.
    pub fn size(&self) -> usize {
        match self {
            Expr::Num(_) | Expr::X => 1,
            Expr::Add(l, r) | Expr::Mul(l, r) => 1 + l.size() + r.size(),
            Expr::Neg(e) => 1 + e.size(),
        }
    }

    /// Whether [`simplify`] would leave the expression as it is.
    pub fn is_simplified(&self) -> bool {
        match self {
            Expr::Num(_) | Expr::X => true,
            Expr::Add(l, r) => {
                !matches!((&**l, &**r), (Expr::Num(_), Expr::Num(_)))
                    && !matches!(**l, Expr::Num(0))
                    && !matches!(**r, Expr::Num(0))
                    && l.is_simplified()
                    && r.is_simplified()
            }
            Expr::Mul(l, r) => {
                !matches!((&**l, &**r), (Expr::Num(_), Expr::Num(_)))
                    && !matches!(**l, Expr::Num(0 | 1))
                    && !matches!(**r, Expr::Num(0 | 1))
                    && l.is_simplified()
                    && r.is_simplified()
            }
            Expr::Neg(e) => !matches!(**e, Expr::Num(_) | Expr::Neg(_)) && e.is_simplified(),
        }
    }
}

/// Writes the expression with every operation in parentheses.
impl<A: NodeAlloc<Expr<A>>> fmt::Display for Expr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Num(n) => write!(f, "{n}"),
            Expr::X => write!(f, "x"),
            Expr::Add(l, r) => write!(f, "({} + {})", **l, **r),
            Expr::Mul(l, r) => write!(f, "({} * {})", **l, **r),
            Expr::Neg(e) => write!(f, "-{}", **e),
        }
    }
}

/// Simplifies `expr` in place, bottom-up, freeing every node it drops.
///
/// A node is never moved to another node's memory except when it replaces
/// its parent: then it moves into the parent's slot and its own slot is
/// freed, so the tree shrinks by one node per rewrite.
pub fn simplify<A: NodeAlloc<Expr<A>>>(alloc: &A, expr: &mut Expr<A>) {
    match expr {
        Expr::Num(_) | Expr::X => return,
        Expr::Add(l, r) | Expr::Mul(l, r) => {
            simplify(alloc, l);
            simplify(alloc, r);
        }
        Expr::Neg(e) => simplify(alloc, e),
    }
    // Take the node apart (`X` is a placeholder for a moment) and put
    // together what replaces it.
    *expr = match mem::replace(expr, Expr::X) {
        Expr::Add(l, r) => match (&*l, &*r) {
            (&Expr::Num(a), &Expr::Num(b)) => {
                free_all(alloc, l);
                free_all(alloc, r);
                Expr::Num(a.wrapping_add(b))
            }
            (Expr::Num(0), _) => {
                free_all(alloc, l);
                alloc.free(r)
            }
            (_, Expr::Num(0)) => {
                free_all(alloc, r);
                alloc.free(l)
            }
            _ => Expr::Add(l, r),
        },
        Expr::Mul(l, r) => match (&*l, &*r) {
            (&Expr::Num(a), &Expr::Num(b)) => {
                free_all(alloc, l);
                free_all(alloc, r);
                Expr::Num(a.wrapping_mul(b))
            }
            (Expr::Num(0), _) | (_, Expr::Num(0)) => {
                free_all(alloc, l);
                free_all(alloc, r);
                Expr::Num(0)
            }
            (Expr::Num(1), _) => {
                free_all(alloc, l);
                alloc.free(r)
            }
            (_, Expr::Num(1)) => {
                free_all(alloc, r);
                alloc.free(l)
            }
            _ => Expr::Mul(l, r),
        },
        Expr::Neg(e) => match &*e {
            &Expr::Num(n) => {
                free_all(alloc, e);
                Expr::Num(n.wrapping_neg())
            }
            Expr::Neg(_) => {
                let Expr::Neg(inner) = alloc.free(e) else {
                    unreachable!("matched just above")
                };
                alloc.free(inner)
            }
            _ => Expr::Neg(e),
        },
        leaf => leaf,
    };
}

/// Frees a whole subtree. Recursion is as deep as the tree is.
pub fn free_all<A: NodeAlloc<Expr<A>>>(alloc: &A, expr: A::Owned) {
    match alloc.free(expr) {
        Expr::Num(_) | Expr::X => {}
        Expr::Add(l, r) | Expr::Mul(l, r) => {
            free_all(alloc, l);
            free_all(alloc, r);
        }
        Expr::Neg(e) => free_all(alloc, e),
    }
}

/// A small seeded random number generator (SplitMix64).
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (for small `n`), by a multiply-shift.
    pub fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }
}

/// A random expression at most `depth` levels deep, with many small
/// constants (0 and 1 among them) so that simplifying has work to do.
pub fn random_expr<A: NodeAlloc<Expr<A>>>(alloc: &A, rng: &mut SplitMix64, depth: u32) -> A::Owned {
    let node = if depth == 0 || rng.below(5) == 0 {
        match rng.below(3) {
            0 => Expr::X,
            _ => Expr::Num(i64::from(rng.below(5)) - 1),
        }
    } else {
        match rng.below(5) {
            0 | 1 => Expr::Add(
                random_expr(alloc, rng, depth - 1),
                random_expr(alloc, rng, depth - 1),
            ),
            2 | 3 => Expr::Mul(
                random_expr(alloc, rng, depth - 1),
                random_expr(alloc, rng, depth - 1),
            ),
            _ => Expr::Neg(random_expr(alloc, rng, depth - 1)),
        }
    };
    alloc.alloc(node)
}

/// The benchmark: builds `trees` random expressions `depth` deep with
/// nodes from `alloc`, simplifies each, evaluates it and frees it. Returns
/// a checksum of the values and sizes, the same whatever the allocator.
pub fn workload<A: NodeAlloc<Expr<A>>>(alloc: &A, trees: usize, depth: u32, seed: u64) -> u64 {
    let mut rng = SplitMix64(seed);
    let mut sum = 0u64;
    for i in 0..trees {
        let mut expr = random_expr(alloc, &mut rng, depth);
        simplify(alloc, &mut expr);
        let x = i as i64 - 7;
        sum = sum
            .wrapping_mul(31)
            .wrapping_add(expr.eval(x) as u64)
            .wrapping_add(expr.size() as u64);
        free_all(alloc, expr);
    }
    sum
}
