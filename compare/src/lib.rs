//! DropArena against its peers: the workloads and the peers shared by the
//! `compare` example (the quick side-by-side table, memory and chart) and the
//! `peers` criterion bench, so that both measure exactly the same code.
//!
//! It is a package of its own in the workspace, so that `cargo test` for
//! `drop_arena` builds none of the peers, criterion or plotters.
//!
//! - [`Pool`] is the one interface the harness-driven workloads use: allocate
//!   a value, look at it, take it back out (reclaiming its memory if the
//!   allocator can).
//! - [`Peer`] is one allocator under test: it makes a fresh pool for a
//!   [`Workload`] and runs the binary-trees workload its own idiomatic way.
//!   Each peer's `Pool` methods are its own calls, inlined, so the
//!   [plain loops](workloads::PlainBulk), written once over `Pool`, compile
//!   to the loop a user writes on that peer's API.
//! - [`for_each_peer`] lists the peers, DropArena first; [`for_each_job`]
//!   lists the workloads.
//! - The `compare` example is a short `main` over the program's modules:
//!   [`cli`] reads its command line; [`report`] prints the report, each
//!   table measured by [`sections`] with [`timing`]'s interleaved rounds;
//!   [`goals`] holds the goal table and checks it; [`counting`] is the
//!   allocator behind the memory table; [`chart`] draws the ratios as an
//!   SVG bar chart.
//!
//! Every workload returns a checksum that must be the same for every peer, so
//! a peer that skipped work (or an optimiser that skipped it) is caught.

pub mod chart;
pub mod cli;
pub mod counting;
pub mod goals;
pub mod peers;
pub mod report;
pub mod sections;
pub mod structures;
pub mod threads;
pub mod timing;
pub mod trees;
pub mod workloads;

/// The version of `drop_arena` under test (this package's own version is
/// 0.0.0), read from the crate's manifest when this package is compiled.
pub fn drop_arena_version() -> &'static str {
    include_str!("../../Cargo.toml")
        .lines()
        .find_map(|line| line.strip_prefix("version = \"")?.strip_suffix('"'))
        .unwrap_or("(unknown version)")
}

/// An allocator seen from a workload: values of one type go in, handles
/// come out, and handles go back.
pub trait Pool<T> {
    /// What `alloc` hands out: a box, a key, or a reference.
    type Handle;

    /// Moves `value` into the pool.
    fn alloc(&mut self, value: T) -> Self::Handle;

    /// The value behind `handle`, which came from this pool.
    fn get<'a>(&'a self, handle: &'a Self::Handle) -> &'a T;

    /// Moves the value out of the pool and gives its memory back, if this
    /// allocator can reclaim single values at all (bump arenas cannot).
    fn take(&mut self, handle: Self::Handle) -> T;
}

/// One measured job on a pool of `Item`s.
pub trait Workload {
    /// The type of the values allocated.
    type Item;

    /// What the table calls it.
    fn name(&self) -> &'static str;

    /// Runs once on `pool`.
    fn run<P: Pool<Self::Item>>(&self, pool: &mut P) -> Tally;
}

/// What one run did, the same for every peer: a checksum over the values
/// read back, and how many values were allocated (the "op" that times are
/// divided by).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Depends only on the workload, never on the allocator.
    pub checksum: u64,
    /// Values allocated (each is also reclaimed or dropped with its pool).
    pub values: u64,
}

/// One allocator under test.
pub trait Peer: 'static {
    /// What the table calls it.
    const NAME: &'static str;

    /// Whether the peer can give single values back (for the memory table).
    const RECLAIMS: bool;

    /// The handle a pool of this peer gives for a `T`; binary trees store
    /// them in their nodes.
    type Ptr<'a, T: 'a>;

    /// Runs `workload` once on a fresh pool, dropped at the end.
    fn run<W: Workload>(workload: &W) -> Tally;

    /// Runs [`trees::binary_trees`] of `depth`, allocating its nodes the way
    /// a user of this peer would.
    fn binary_trees(depth: u32) -> Tally;

    /// [`trees::throwaway_trees`] of `depth`: each tree in a pool of its
    /// own, thrown away whole, as cheaply as the peer allows.
    fn throwaway_trees(depth: u32) -> Tally;
}

/// Something done once per peer: building a table row, registering a bench.
pub trait PeerVisitor {
    /// Called once for each peer, in [`for_each_peer`]'s order.
    fn visit<P: Peer>(&mut self);
}

/// Calls `visitor` for every peer, DropArena first: the ratios in the tables
/// are "this peer's time / DropArena's time".
pub fn for_each_peer(visitor: &mut impl PeerVisitor) {
    visitor.visit::<peers::Ours>();
    visitor.visit::<peers::Ours03>();
    visitor.visit::<peers::FreeList>();
    visitor.visit::<peers::SystemBox>();
    visitor.visit::<peers::MimallocBox>();
    visitor.visit::<peers::Slab>();
    visitor.visit::<peers::TypedArena>();
    visitor.visit::<peers::Bumpalo>();
}

/// A tiny seeded xorshift64* generator, so that every peer sees the same
/// "random" sequence and no `rand` dependency is needed.
pub struct XorShift(u64);

impl XorShift {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Self {
        XorShift(seed | 1)
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (multiply-shift, no division).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// Anything the drivers time on every peer: a [`Workload`] or
/// [`BinaryTrees`].
pub trait Job {
    /// What the tables call it.
    fn label(&self) -> String;

    /// Runs once with peer `P`, on a fresh pool.
    fn run_on<P: Peer>(&self) -> Tally;
}

impl<W: Workload> Job for W {
    fn label(&self) -> String {
        Workload::name(self).to_string()
    }

    fn run_on<P: Peer>(&self) -> Tally {
        P::run(self)
    }
}

/// (4) Binary trees of `depth` (see [`trees`]), each peer allocating the
/// nodes its own idiomatic way.
pub struct BinaryTrees {
    /// The depth of the long-lived tree and of the deepest short-lived ones.
    pub depth: u32,
}

impl Job for BinaryTrees {
    fn label(&self) -> String {
        format!("binary trees, depth {}", self.depth)
    }

    fn run_on<P: Peer>(&self) -> Tally {
        P::binary_trees(std::hint::black_box(self.depth))
    }
}

/// (4b) The throwaway pattern (see [`trees::throwaway_trees`]): a tree is
/// built, read and thrown away whole, with a fresh pool per tree.
pub struct ThrowawayTrees {
    /// The depth of the deepest trees.
    pub depth: u32,
}

impl Job for ThrowawayTrees {
    fn label(&self) -> String {
        format!("throwaway trees, depth {}", self.depth)
    }

    fn run_on<P: Peer>(&self) -> Tally {
        P::throwaway_trees(std::hint::black_box(self.depth))
    }
}

/// Something done once per job.
pub trait JobVisitor {
    /// Called once for each job, in [`for_each_job`]'s order.
    fn visit(&mut self, job: &impl Job);
}

/// The suite of the issue, in its order: (1) random add/drop, (2) the hot
/// path, and (2b) the same as a plain user loop, (3) bulk, and (3b) the same
/// as a plain user loop, (4) binary trees of `tree_depth`, and (4b) the
/// throwaway pattern at the same depth, (5) growth, (6)
/// zero-sized values, (7) a 4 KiB value.
pub fn for_each_job(visitor: &mut impl JobVisitor, tree_depth: u32) {
    use std::marker::PhantomData;
    use workloads::{Bulk, Growth, HotPath, Page, PlainBulk, PlainPairs, RandomAddDrop, Triple};

    visitor.visit(&RandomAddDrop::ORIGINAL);
    visitor.visit(&HotPath::<Triple> {
        name: "hot path: alloc + reclaim",
        steps: 100_000,
        value: PhantomData,
    });
    visitor.visit(&PlainPairs {
        name: "plain pairs: alloc + into_inner",
        steps: 200_000,
    });
    visitor.visit(&Bulk::<Triple> {
        name: "bulk: 10k in, 10k out",
        batch: 10_000,
        rounds: 10,
        value: PhantomData,
    });
    visitor.visit(&PlainBulk {
        name: "plain bulk: 10k in, 10k out reversed",
        batch: 10_000,
        rounds: 100,
    });
    visitor.visit(&BinaryTrees { depth: tree_depth });
    visitor.visit(&ThrowawayTrees { depth: tree_depth });
    visitor.visit(&Growth::<Triple> {
        name: "growth: fresh pool to 100k",
        values: 100_000,
        value: PhantomData,
    });
    visitor.visit(&Bulk::<()> {
        name: "zero-sized: 10k in, 10k out",
        batch: 10_000,
        rounds: 10,
        value: PhantomData,
    });
    visitor.visit(&HotPath::<Page> {
        name: "4 KiB value: alloc + reclaim",
        steps: 20_000,
        value: PhantomData,
    });
}

/// Runs `job` once on every peer and checks that they all did the same work;
/// returns what they did.
pub fn agree(job: &impl Job) -> Tally {
    struct Agree<'j, J> {
        job: &'j J,
        first: Option<(&'static str, Tally)>,
    }
    impl<J: Job> PeerVisitor for Agree<'_, J> {
        fn visit<P: Peer>(&mut self) {
            let tally = self.job.run_on::<P>();
            let (first, expected) = *self.first.get_or_insert((P::NAME, tally));
            assert_eq!(
                tally,
                expected,
                "{}: {} and {} disagree",
                self.job.label(),
                P::NAME,
                first
            );
        }
    }
    let mut agree = Agree { job, first: None };
    for_each_peer(&mut agree);
    agree.first.expect("no peers").1
}
