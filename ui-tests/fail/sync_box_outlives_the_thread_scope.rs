// Misuse: allocate in a scoped thread and keep the box after the arena's
// scope, by returning it from `SyncDropArena::with`.
//
// Unsound because the arena frees its chunks when `with` returns: the box
// would point into freed memory, whichever thread made it.
//
// Rejected because the box carries the arena's brand, which cannot leave the
// closure: "borrowed data escapes outside of closure" or "lifetime may not
// live long enough".
use drop_arena::SyncDropArena;

fn main() {
    let escaped = SyncDropArena::with(|arena| {
        std::thread::scope(|s| s.spawn(|| arena.local().alloc(7u32)).join().unwrap())
    });
    println!("{}", *escaped);
}
