//! Helpers shared by the behaviour tests: a drop-counting value, a seeded
//! RNG and a quiet panic hook for panics the tests expect.

// Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::panic;
use std::sync::{Mutex, Once};

/// Counts, per value, how many times it was dropped. A `Mutex` so that
/// tracked values can move across threads.
#[derive(Default)]
pub struct Ledger {
    drops: Mutex<Vec<u32>>,
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// A new tracked value carrying `value`.
    pub fn track(&self, value: u64) -> Tracked<'_> {
        let mut drops = self.drops.lock().unwrap();
        drops.push(0);
        Tracked {
            id: drops.len() - 1,
            value,
            ledger: self,
            panic_on_drop: false,
        }
    }

    /// How many tracked values were made so far.
    pub fn made(&self) -> usize {
        self.drops.lock().unwrap().len()
    }

    /// How many times value `id` was dropped.
    pub fn drops_of(&self, id: usize) -> u32 {
        self.drops.lock().unwrap()[id]
    }

    /// The number of drops over all values.
    pub fn total_drops(&self) -> u64 {
        self.drops
            .lock()
            .unwrap()
            .iter()
            .map(|&n| u64::from(n))
            .sum()
    }

    /// Every value made was dropped exactly once, except those in `leaked`,
    /// which were never dropped.
    pub fn assert_all_dropped_once_except(&self, leaked: &[usize]) {
        let drops = self.drops.lock().unwrap();
        for (id, &n) in drops.iter().enumerate() {
            let expected = u32::from(!leaked.contains(&id));
            assert_eq!(n, expected, "value #{id} dropped {n} times");
        }
    }
}

/// A value whose drops are counted in a [`Ledger`]; optionally its drop
/// panics (after being counted), with an [`ExpectedPanic`] payload.
///
/// It borrows the ledger rather than sharing ownership: a value the test
/// leaks on purpose then leaks no heap memory, so LeakSanitizer stays quiet.
pub struct Tracked<'l> {
    pub id: usize,
    pub value: u64,
    pub ledger: &'l Ledger,
    pub panic_on_drop: bool,
}

impl Tracked<'_> {
    pub fn panicking(mut self) -> Self {
        self.panic_on_drop = true;
        self
    }
}

impl std::fmt::Debug for Tracked<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tracked(#{}: {})", self.id, self.value)
    }
}

impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        self.ledger.drops.lock().unwrap()[self.id] += 1;
        if self.panic_on_drop {
            expected_panic();
        }
    }
}

/// The payload of every panic a test provokes on purpose.
pub struct ExpectedPanic;

/// Panics with [`ExpectedPanic`], which [`quiet_expected_panics`] keeps off
/// the test output.
pub fn expected_panic() -> ! {
    quiet_expected_panics();
    panic::panic_any(ExpectedPanic)
}

/// Installs (once per test binary) a panic hook that stays silent for
/// [`ExpectedPanic`] and reports every other panic as usual.
pub fn quiet_expected_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<ExpectedPanic>() {
                default(info);
            }
        }));
    });
}

/// Runs `f`, expecting it to panic with [`ExpectedPanic`].
pub fn assert_expected_panic(f: impl FnOnce()) {
    let payload = panic::catch_unwind(panic::AssertUnwindSafe(f))
        .expect_err("the closure was expected to panic");
    assert!(
        payload.is::<ExpectedPanic>(),
        "the closure panicked, but not with ExpectedPanic"
    );
}

/// A small deterministic RNG (SplitMix64), so a failing run can be replayed
/// from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; `n` must not be zero.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// The address a reference points to, for comparing slots.
pub fn addr<T>(value: &T) -> usize {
    std::ptr::from_ref(value) as usize
}
