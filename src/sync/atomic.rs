//! The atomics of the shared structures, swapped for loom's under
//! `cfg(loom)` and for shuttle's under `cfg(shuttle)`, so that their tests
//! (`loom_tests.rs`, `shuttle_tests.rs`) choose the interleavings.

#[cfg(all(loom, shuttle))]
compile_error!("cfg(loom) and cfg(shuttle) each replace the atomics: pass one of them");

// loom and shuttle are dev-dependencies (kept out of users' lock files), so
// only the library's own unit tests can see them.
#[cfg(all(any(loom, shuttle), not(test)))]
compile_error!("cfg(loom) and cfg(shuttle) are for the library's unit tests: cargo test --lib");

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize};

#[cfg(shuttle)]
pub(crate) use shuttle::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize};

#[cfg(not(any(loom, shuttle)))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize};

pub(crate) use core::sync::atomic::Ordering;

/// The ordering that hands a magazine to the depot: `Release` (the `Depot`
/// docs, "Memory orderings"). A build with `--cfg drop_arena_planted_race`
/// weakens it to `Relaxed`, a data race on the slots' links, so that the
/// ThreadSanitizer step (`.ci/tsan`) shows it reports what it exists to
/// catch. Never set it otherwise.
pub(crate) const PUBLISH: Ordering = if cfg!(drop_arena_planted_race) {
    Ordering::Relaxed
} else {
    Ordering::Release
};

/// One turn of a spin loop. Under loom or shuttle, a yield, so that the
/// scheduler lets the thread being waited for run.
#[inline]
pub(crate) fn spin() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(shuttle)]
    shuttle::hint::spin_loop();
    #[cfg(not(any(loom, shuttle)))]
    core::hint::spin_loop();
}
