//! `allocated_bytes`: what the arena holds from the global allocator.

use drop_arena::DropArena;

#[test]
fn nothing_before_the_first_allocation() {
    DropArena::<u64>::with(|arena| assert_eq!(arena.allocated_bytes(), 0));
}

#[test]
fn zero_sized_types_never_allocate() {
    DropArena::with(|arena| {
        let boxes: Vec<_> = (0..1000).map(|_| arena.alloc(())).collect();
        arena.reserve(1 << 20);
        assert_eq!(arena.allocated_bytes(), 0);
        boxes.into_iter().for_each(|b| arena.drop_box(b));
    });
}

#[test]
fn it_is_the_capacity_in_slots_of_at_least_a_pointer() {
    fn slot_bytes<T>(value: T) -> usize {
        DropArena::with(|arena| {
            let b = arena.alloc(value);
            let bytes = arena.allocated_bytes();
            assert_eq!(bytes % arena.capacity(), 0);
            arena.drop_box(b);
            bytes / arena.capacity()
        })
    }
    assert_eq!(slot_bytes(1u8), size_of::<usize>());
    assert_eq!(slot_bytes([0u64; 3]), 24);
    assert_eq!(slot_bytes([0u8; 4096]), 4096);
    #[repr(align(64))]
    struct Aligned(#[allow(dead_code)] u8);
    assert_eq!(slot_bytes(Aligned(0)), 64);
}

#[test]
fn it_grows_with_the_chunks_and_never_shrinks() {
    DropArena::with(|arena| {
        let mut last = 0;
        let mut boxes = Vec::new();
        for i in 0..100_000u64 {
            boxes.push(arena.alloc(i));
            let bytes = arena.allocated_bytes();
            assert!(bytes >= last);
            assert_eq!(bytes, arena.capacity() * 8);
            last = bytes;
        }
        for b in boxes {
            arena.drop_box(b);
        }
        assert_eq!(
            arena.allocated_bytes(),
            last,
            "freed slots stay with the arena"
        );
        arena.reserve(last / 8 + 1);
        assert!(arena.allocated_bytes() > last);
    });
}
