//! AddressSanitizer poisoning: a slot is poisoned exactly while it is free or
//! fresh, so a stale pointer into a reclaimed slot is caught.
//!
//! Only built under `-Zsanitizer=address` (`.ci/asan`): `build.rs` sets
//! `cfg(drop_arena_asan)` for every target of the package, tests included.
//! Without ASan this module compiles to nothing.
//!
//! The state checks ask ASan's shadow memory directly. The crash checks
//! re-run this test binary as a child that makes the bad access for real, and
//! assert that ASan stopped it with a `use-after-poison` report naming the
//! stale address.
#![cfg(drop_arena_asan)]

use std::ffi::c_void;
use std::process::Command;

use drop_arena::{DropArena, DropBox, SyncDropArena};

unsafe extern "C" {
    /// The first poisoned byte in `addr..addr + size`, or null.
    fn __asan_region_is_poisoned(addr: *const c_void, size: usize) -> *const c_void;
}

/// Whether any byte of `len` bytes at `ptr` is poisoned.
fn any_poisoned<T>(ptr: *const T, len: usize) -> bool {
    // SAFETY: the query reads only ASan's shadow memory, never `ptr` itself.
    !unsafe { __asan_region_is_poisoned(ptr.cast(), len) }.is_null()
}

/// Whether every byte of `len` bytes at `ptr` is poisoned (checked at ASan's
/// 8-byte granularity, which every slot respects).
fn all_poisoned<T>(ptr: *const T, len: usize) -> bool {
    let bytes = ptr.cast::<u8>();
    (0..len)
        .step_by(8)
        .all(|offset| any_poisoned(bytes.wrapping_add(offset), 1))
}

#[test]
fn a_handed_out_slot_is_unpoisoned_and_the_rest_of_its_run_is_poisoned() {
    DropArena::with(|arena| {
        let first = arena.alloc(1u64);
        let at: *const u64 = &*first;
        assert!(!any_poisoned(at, 8));
        // The first run is carved in one piece, and slots are handed out in
        // address order: everything after the first slot is fresh.
        let fresh = arena.capacity() - 1;
        assert!(fresh > 0);
        assert!(all_poisoned(at.wrapping_add(1), fresh * 8));

        let second = arena.alloc(2u64);
        assert_eq!(&*second as *const u64, at.wrapping_add(1));
        assert!(!any_poisoned(at, 16));
        assert!(all_poisoned(at.wrapping_add(2), (fresh - 1) * 8));
        arena.drop_box(first);
        arena.drop_box(second);
    });
}

#[test]
fn every_way_of_reclaiming_poisons_the_slot_and_reuse_unpoisons_it() {
    DropArena::with(|arena| {
        let b = arena.alloc(String::from("dropped"));
        let at: *const String = &*b;
        arena.drop_box(b);
        assert!(all_poisoned(at, size_of::<String>()));

        let b = arena.alloc(String::from("moved out"));
        assert_eq!(&*b as *const String, at, "LIFO reuse");
        assert!(!any_poisoned(at, size_of::<String>()));
        assert_eq!(arena.box_to_inner(b), "moved out");
        assert!(all_poisoned(at, size_of::<String>()));

        // An empty string owns no heap memory, so forgetting it leaks nothing.
        let b = arena.alloc_with(String::new);
        assert_eq!(&*b as *const String, at);
        assert!(!any_poisoned(at, size_of::<String>()));
        arena.free_without_dropping(b);
        assert!(all_poisoned(at, size_of::<String>()));
    });
}

#[test]
fn a_value_dropped_in_place_keeps_its_slot_unpoisoned() {
    // `drop(b)` leaves the slot in use until the arena ends: ASan cannot
    // flag reads of it, and this test records that limit.
    DropArena::with(|arena| {
        let b = arena.alloc(5u64);
        let at: *const u64 = &*b;
        drop(b);
        assert!(!any_poisoned(at, 8));
        assert_eq!(arena.len(), 1);
    });
}

#[test]
fn reserved_slots_are_poisoned_until_handed_out() {
    DropArena::with(|arena| {
        // Leave part of a run unused, so `reserve` parks it on the free list.
        let first = arena.alloc([0u64; 3]);
        arena.reserve(10_000);
        let boxes: Vec<_> = (0..10_000).map(|i| arena.alloc([i; 3])).collect();
        for b in &boxes {
            assert!(!any_poisoned(&**b, 24));
        }
        let slots: Vec<*const [u64; 3]> = boxes.iter().map(|b| &**b as *const _).collect();
        for b in boxes {
            arena.drop_box(b);
        }
        for slot in slots {
            assert!(all_poisoned(slot, 24));
        }
        arena.drop_box(first);
    });
}

#[test]
fn over_aligned_and_tiny_slots_are_poisoned_whole() {
    #[repr(align(4096))]
    struct Page([u8; 4096]);

    DropArena::with(|arena| {
        let b = arena.alloc(Page([7; 4096]));
        let at: *const Page = &*b;
        assert_eq!(b.0[4095], 7);
        assert!(!any_poisoned(at, 4096));
        arena.drop_box(b);
        assert!(all_poisoned(at, 4096));
    });
    // A `u8` slot is pointer-sized, to hold the free-list link.
    DropArena::with(|arena| {
        let b = arena.alloc(1u8);
        let at: *const u8 = &*b;
        assert!(!any_poisoned(at, 8));
        arena.drop_box(b);
        assert!(all_poisoned(at, 8));
    });
}

#[test]
fn a_sync_arena_poisons_free_and_fresh_slots_on_every_thread() {
    SyncDropArena::with(|arena| {
        let local = arena.local();
        let b = local.alloc(String::from("reclaimed"));
        let at: *const String = &*b;
        let size = size_of::<String>();
        assert!(!any_poisoned(at, size));
        // The rest of the handle's fresh run.
        assert!(all_poisoned(at.wrapping_add(1), size));
        local.drop_box(b);
        assert!(all_poisoned(at, size));

        let b = local.alloc(String::from("moved to another thread"));
        assert_eq!(&*b as *const String, at, "LIFO reuse");
        assert!(!any_poisoned(at, size));
        // Reclaimed by another thread's handle, which gives it to the depot
        // when it drops.
        std::thread::scope(|s| s.spawn(|| arena.local().drop_box(b)).join().unwrap());
        assert!(all_poisoned(at, size));
    });
}

/// The environment variable that turns a test run into the child that makes
/// the bad access; its value is the test's name.
const CHILD: &str = "DROP_ARENA_ASAN_CHILD";

/// In the parent: re-runs test `name` as a child and asserts that ASan killed
/// it with a `use-after-poison` report of an `access` at the address the child
/// printed. In the child: runs `bad_access`, which must never return.
fn expect_use_after_poison(name: &str, access: &str, bad_access: impl FnOnce()) {
    if std::env::var(CHILD).as_deref() == Ok(name) {
        bad_access();
        eprintln!("the bad access went unreported");
        std::process::exit(0);
    }
    // libtest names a test by its path from the crate root, which `--exact`
    // needs in full.
    let path = match module_path!().split_once("::") {
        Some((_crate, module)) => format!("{module}::{name}"),
        None => name.to_owned(),
    };
    let output = Command::new(std::env::current_exe().unwrap())
        .args([&path, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "child survived:\n{stderr}");
    let stale = stderr
        .lines()
        .find_map(|line| line.strip_prefix("stale pointer: "))
        .unwrap_or_else(|| panic!("child printed no address:\n{stderr}"));
    let report = format!("ERROR: AddressSanitizer: use-after-poison on address {stale}");
    assert!(
        stderr.contains(&report),
        "expected `{report}` in:\n{stderr}"
    );
    assert!(stderr.contains(access), "expected `{access}` in:\n{stderr}");
}

#[test]
fn reading_a_reclaimed_slot_is_reported() {
    expect_use_after_poison(
        "reading_a_reclaimed_slot_is_reported",
        "READ of size 8",
        || {
            DropArena::with(|arena| {
                let b = arena.alloc(7u64);
                let stale: *const u64 = &*b;
                arena.drop_box(b);
                eprintln!("stale pointer: {stale:p}");
                // SAFETY: none. This reads a reclaimed slot on purpose;
                // ASan must stop the process here.
                let _ = unsafe { stale.read_volatile() };
            });
        },
    );
}

#[test]
fn writing_a_slot_moved_out_of_is_reported() {
    expect_use_after_poison(
        "writing_a_slot_moved_out_of_is_reported",
        "WRITE of size 8",
        || {
            DropArena::with(|arena| {
                let mut b = arena.alloc(7u64);
                let stale: *mut u64 = &mut *b;
                let _ = arena.box_to_inner(b);
                eprintln!("stale pointer: {stale:p}");
                // SAFETY: none. This writes a reclaimed slot on purpose;
                // ASan must stop the process here.
                unsafe { stale.write_volatile(8) };
            });
        },
    );
}

#[test]
fn reading_past_the_last_handed_out_slot_is_reported() {
    expect_use_after_poison(
        "reading_past_the_last_handed_out_slot_is_reported",
        "READ of size 8",
        || {
            DropArena::with(|arena| {
                let b = arena.alloc(7u64);
                let stale = (&*b as *const u64).wrapping_add(1);
                eprintln!("stale pointer: {stale:p}");
                // SAFETY: none. This reads a fresh slot, never handed out,
                // on purpose; ASan must stop the process here.
                let _ = unsafe { stale.read_volatile() };
                arena.drop_box(b);
            });
        },
    );
}

/// The message of the panic `f` raises.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .expect_err("the closure was expected to panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_else(|| String::from("(not a String)"))
}

#[test]
fn from_raw_of_a_reclaimed_slot_is_reported() {
    DropArena::with(|arena| {
        let p = drop_arena::DropBox::into_raw(arena.alloc(7u64));
        // SAFETY: `p` came from `into_raw` on a box of this arena, once.
        arena.drop_box(unsafe { drop_arena::DropBox::from_raw(p) });
        let message = panic_message(|| {
            // SAFETY: none. `p` was given back already; ASan mode must stop
            // this before a box is made.
            let _ = unsafe { drop_arena::DropBox::<u64>::from_raw(p) };
        });
        assert!(message.contains("that slot is not in use"), "{message}");
    });
}

/// The case that once went unreported: unsafe code relabels an inner arena's
/// box with the outer arena's brand. Giving it to the outer arena would put
/// the inner arena's slot on the outer free list; once the inner arena has
/// freed its memory, the next outer `alloc` would unpoison freed memory and
/// read its link, hiding the use-after-free from ASan. The arena checks that
/// every slot given back is its own and says so.
#[test]
fn a_box_given_back_to_an_arena_that_did_not_make_it_is_reported() {
    let message = panic_message(|| {
        DropArena::with(|outer| {
            let keep = outer.alloc(1u64);
            DropArena::with(|inner| {
                let foreign = inner.alloc(2u64);
                // SAFETY: none. The brands differ; this transmute is the
                // mistake the ASan mode must catch.
                let relabeled: drop_arena::DropBox<'_, u64> =
                    unsafe { std::mem::transmute(foreign) };
                outer.drop_box(relabeled);
            });
            let _ = outer.alloc(3u64);
            outer.drop_box(keep);
        });
    });
    assert!(
        message.contains("does not belong to this arena"),
        "{message}"
    );
}

/// The same mistake on a `SyncDropArena`, given back through a handle and
/// through the arena's own methods: the slot would join the thread's free
/// list and, after a trip through the depot, any thread's. The arena checks
/// every slot given back against its chunks first.
#[test]
fn a_box_given_back_to_a_sync_arena_that_did_not_make_it_is_reported() {
    for through_a_handle in [true, false] {
        let message = panic_message(|| {
            SyncDropArena::with(|outer| {
                let keep = outer.local().alloc(1u64);
                SyncDropArena::with(|inner| {
                    let foreign = inner.local().alloc(2u64);
                    // SAFETY: none. The brands differ; this transmute is the
                    // mistake the ASan mode must catch.
                    let relabeled: DropBox<'_, u64> = unsafe { std::mem::transmute(foreign) };
                    if through_a_handle {
                        outer.local().drop_box(relabeled);
                    } else {
                        outer.drop_box(relabeled);
                    }
                });
                outer.local().drop_box(keep);
            });
        });
        assert!(
            message.contains("does not belong to this arena"),
            "through a handle: {through_a_handle}: {message}"
        );
    }
}
