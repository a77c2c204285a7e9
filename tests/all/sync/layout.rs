//! Unusual layouts in a `SyncDropArena`: zero-sized and page-aligned values
//! on several threads.

use std::thread;

use drop_arena::{DropBox, SyncDropArena};

#[test]
fn zero_sized_values_use_no_memory_but_are_counted() {
    SyncDropArena::with(|arena| {
        thread::scope(|s| {
            let boxes: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        (0..1000)
                            .map(|_| arena.local().alloc(()))
                            .collect::<Vec<_>>()
                    })
                })
                .flat_map(|t| t.join().unwrap())
                .collect();
            assert_eq!(arena.len(), 2000);
            let local = arena.local();
            for b in boxes {
                local.drop_box(b);
            }
        });
        assert_eq!(arena.len(), 0);
        assert_eq!(arena.capacity(), usize::MAX);
        assert_eq!(arena.allocated_bytes(), 0);
    });
}

#[repr(align(4096))]
struct Page([u8; 4096]);

#[test]
fn over_aligned_values_are_aligned_on_every_thread() {
    SyncDropArena::with(|arena| {
        thread::scope(|s| {
            for t in 0..2u8 {
                s.spawn(move || {
                    let local = arena.local();
                    let boxes: Vec<_> = (0..200).map(|_| local.alloc(Page([t; 4096]))).collect();
                    for b in &boxes {
                        assert_eq!(DropBox::as_ptr(b) as usize % 4096, 0);
                        assert!(b.0.iter().all(|&x| x == t));
                    }
                    for b in boxes {
                        local.drop_box(b);
                    }
                });
            }
        });
        assert_eq!(arena.len(), 0);
        assert_eq!(arena.allocated_bytes(), arena.capacity() * 4096);
    });
}
