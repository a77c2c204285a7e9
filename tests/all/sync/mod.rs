//! `SyncDropArena` by the same concerns as `DropArena`'s modules, through
//! handles and (with `std`) the arena itself. Here: what more than one of
//! them uses.

use std::collections::HashSet;
use std::sync::Mutex;

use drop_arena::DropBox;

mod layout;
mod memory;
mod panics;
mod reentrancy;
mod reserve;
#[cfg(feature = "std")]
mod std_path;
mod threads;

/// Long runs are ten times shorter in debug builds.
const SCALE: usize = if cfg!(debug_assertions) { 1 } else { 10 };

/// The addresses of the slots currently owned by someone: every allocation
/// must find its slot unowned, every reclaim must find it owned.
#[derive(Default)]
struct Owners(Mutex<HashSet<usize>>);

impl Owners {
    fn claim<T>(&self, b: &DropBox<'_, T>) {
        let at = DropBox::as_ptr(b) as usize;
        assert!(
            self.0.lock().unwrap().insert(at),
            "slot {at:#x} handed out twice"
        );
    }

    fn release<T>(&self, b: &DropBox<'_, T>) {
        let at = DropBox::as_ptr(b) as usize;
        assert!(
            self.0.lock().unwrap().remove(&at),
            "slot {at:#x} was not owned"
        );
    }
}
