//! The workloads other than binary trees (see [`super::trees`]).

use std::hint::black_box;

use super::{Pool, Tally, Workload, XorShift};

/// The value of the original crate's benchmark.
pub type Triple = [usize; 3];

/// A 4 KiB value: moving it costs more than allocating it.
pub type Page = [u8; 4096];

/// A value type the workloads can make from a counter and fold into a
/// checksum.
pub trait Value {
    /// A value that depends on `i`.
    fn make(i: u64) -> Self;
    /// A few of the value's bytes, to prove it was stored and read back.
    fn sum(&self) -> u64;
}

impl Value for Triple {
    #[inline]
    fn make(i: u64) -> Self {
        let i = i as usize;
        [i, i.rotate_left(17), !i]
    }
    #[inline]
    fn sum(&self) -> u64 {
        self.iter().fold(0u64, |s, &x| s.wrapping_add(x as u64))
    }
}

impl Value for () {
    #[inline]
    fn make(_: u64) -> Self {}
    #[inline]
    fn sum(&self) -> u64 {
        1
    }
}

impl Value for Page {
    #[inline]
    fn make(i: u64) -> Self {
        [i as u8; 4096]
    }
    #[inline]
    fn sum(&self) -> u64 {
        u64::from(self[0]) + u64::from(self[4095])
    }
}

/// (1) The original crate's benchmark: a live set of `Triple`s that starts
/// halfway between `min_live` and `max_live` and then, for `steps` steps,
/// either gains a new value or loses a random one (a coin flip, forced at
/// the bounds). Whatever is left is reclaimed at the end.
pub struct RandomAddDrop {
    /// The live set never shrinks below this.
    pub min_live: usize,
    /// The live set never grows above this.
    pub max_live: usize,
    /// Add-or-drop steps after the initial fill.
    pub steps: usize,
    /// Seeds the [`XorShift`] that flips the coins and picks the victims.
    pub seed: u64,
}

impl RandomAddDrop {
    /// The original: a live set between 1000 and 5000, 30 000 steps.
    pub const ORIGINAL: RandomAddDrop = RandomAddDrop {
        min_live: 1000,
        max_live: 5000,
        steps: 30_000,
        seed: 0x5eed,
    };
}

impl Workload for RandomAddDrop {
    type Item = Triple;

    fn name(&self) -> &'static str {
        "random add/drop"
    }

    fn run<P: Pool<Triple>>(&self, pool: &mut P) -> Tally {
        let mut rng = XorShift::new(self.seed);
        let mut live = Vec::with_capacity(self.max_live);
        let mut checksum = 0u64;
        let mut values = 0u64;
        let mut add = |live: &mut Vec<P::Handle>, pool: &mut P, rng: &mut XorShift| {
            live.push(pool.alloc(Triple::make(rng.next_u64())));
            values += 1;
        };
        for _ in 0..(self.min_live + self.max_live) / 2 {
            add(&mut live, pool, &mut rng);
        }
        for _ in 0..self.steps {
            let n = live.len();
            if n == self.max_live || (n != self.min_live && rng.next_u64() >> 63 == 0) {
                let victim = live.swap_remove(rng.below(n));
                checksum = checksum.wrapping_add(pool.take(victim).sum());
            } else {
                add(&mut live, pool, &mut rng);
            }
        }
        for handle in live {
            checksum = checksum.wrapping_add(pool.take(handle).sum());
        }
        Tally { checksum, values }
    }
}

/// (2) and (7) The hot path: allocate one value, read it, reclaim it, and
/// again, `steps` times. The handle goes through `black_box`, so the value
/// must really be written and the allocation cannot be optimised away.
pub struct HotPath<T> {
    /// What the table calls it.
    pub name: &'static str,
    /// Allocate-and-reclaim pairs per run.
    pub steps: u64,
    /// Makes the value type part of the workload's type.
    pub value: std::marker::PhantomData<T>,
}

impl<T: Value> Workload for HotPath<T> {
    type Item = T;

    fn name(&self) -> &'static str {
        self.name
    }

    fn run<P: Pool<T>>(&self, pool: &mut P) -> Tally {
        let mut checksum = 0u64;
        for i in 0..self.steps {
            let handle = black_box(pool.alloc(T::make(i)));
            checksum = checksum.wrapping_add(pool.get(&handle).sum());
            drop(pool.take(handle));
        }
        Tally {
            checksum,
            values: self.steps,
        }
    }
}

/// (2b) The hot path as a user writes it: allocate a `Triple`, move it
/// back out (`box_to_inner` for DropArena), `steps` times, and nothing
/// else. The handle goes through one `black_box`, or the optimiser would
/// delete a `Box`'s allocation outright.
///
/// Written once over [`Pool`], whose methods are each peer's own calls
/// inlined: it compiles to the loop a user writes on that peer's API.
pub struct PlainPairs {
    /// What the table calls it.
    pub name: &'static str,
    /// Allocate-and-move-out pairs per run.
    pub steps: u64,
}

impl Workload for PlainPairs {
    type Item = Triple;

    fn name(&self) -> &'static str {
        self.name
    }

    // Inlined into the peer's `run`, where the pool is made, as a user's
    // loop sits beside its pool: through a `&mut` from a caller, the pool's
    // fields would have to be written back before every `black_box`.
    #[inline(always)]
    fn run<P: Pool<Triple>>(&self, pool: &mut P) -> Tally {
        let steps = black_box(self.steps);
        let mut checksum = 0u64;
        for i in 0..steps {
            let handle = black_box(pool.alloc(Triple::make(i)));
            checksum = checksum.wrapping_add(pool.take(handle).sum());
        }
        Tally {
            checksum,
            values: steps,
        }
    }
}

/// (3) and (6) Bulk: allocate `batch` values, reclaim them all in the order
/// they were made, and again, `rounds` times, in the same pool.
pub struct Bulk<T> {
    /// What the table calls it.
    pub name: &'static str,
    /// Values live at once.
    pub batch: usize,
    /// Fill-and-empty rounds per run.
    pub rounds: usize,
    /// Makes the value type part of the workload's type.
    pub value: std::marker::PhantomData<T>,
}

impl<T: Value> Workload for Bulk<T> {
    type Item = T;

    fn name(&self) -> &'static str {
        self.name
    }

    fn run<P: Pool<T>>(&self, pool: &mut P) -> Tally {
        let mut live = Vec::with_capacity(self.batch);
        let mut checksum = 0u64;
        for round in 0..self.rounds {
            let first = (round * self.batch) as u64;
            live.extend((first..first + self.batch as u64).map(|i| pool.alloc(T::make(i))));
            for handle in black_box(&mut live).drain(..) {
                checksum = checksum.wrapping_add(pool.take(handle).sum());
            }
        }
        Tally {
            checksum,
            values: (self.rounds * self.batch) as u64,
        }
    }
}

/// (3b) Bulk as a user writes it: `batch` allocations of a `Triple` pushed
/// onto a `Vec`, then each popped off (so in reverse order) and moved back
/// out (`box_to_inner` for DropArena), `rounds` times in one pool. One
/// `black_box` per round, on the `Vec`, keeps the optimiser from seeing
/// through it. Written once over [`Pool`], as [`PlainPairs`] is.
pub struct PlainBulk {
    /// What the table calls it.
    pub name: &'static str,
    /// Values live at once.
    pub batch: usize,
    /// Fill-and-empty rounds per run.
    pub rounds: usize,
}

impl Workload for PlainBulk {
    type Item = Triple;

    fn name(&self) -> &'static str {
        self.name
    }

    // Inlined, as `PlainPairs::run` is.
    #[inline(always)]
    fn run<P: Pool<Triple>>(&self, pool: &mut P) -> Tally {
        let (batch, rounds) = (black_box(self.batch), black_box(self.rounds));
        let mut handles = Vec::with_capacity(batch);
        let mut checksum = 0u64;
        for round in 0..rounds {
            let first = (round * batch) as u64;
            for i in first..first + batch as u64 {
                handles.push(pool.alloc(Triple::make(i)));
            }
            black_box(&mut handles);
            while let Some(handle) = handles.pop() {
                checksum = checksum.wrapping_add(pool.take(handle).sum());
            }
        }
        Tally {
            checksum,
            values: (batch * rounds) as u64,
        }
    }
}

/// (5) Growth: a fresh pool filled with `values` values and dropped whole,
/// as each peer drops its values (a `Box` frees each one, an arena its
/// chunks).
pub struct Growth<T> {
    /// What the table calls it.
    pub name: &'static str,
    /// Values allocated into the fresh pool.
    pub values: usize,
    /// Makes the value type part of the workload's type.
    pub value: std::marker::PhantomData<T>,
}

impl<T: Value> Workload for Growth<T> {
    type Item = T;

    fn name(&self) -> &'static str {
        self.name
    }

    fn run<P: Pool<T>>(&self, pool: &mut P) -> Tally {
        let live: Vec<P::Handle> = (0..self.values as u64)
            .map(|i| pool.alloc(T::make(i)))
            .collect();
        let live = black_box(live);
        let checksum = live
            .iter()
            .fold(0u64, |s, h| s.wrapping_add(pool.get(h).sum()));
        Tally {
            checksum,
            values: self.values as u64,
        }
    }
}
