//! How often normalizing and linking allocate: once warm, a thread builds each token's text in a
//! buffer an earlier token handed back, so long and repeated texts cost allocations per batch of
//! tokens or per mention, not per token.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use canonica::{Entity, KnowledgeBase, LinkOptions, Normalizer, Resolver};

/// The system allocator, counting the allocations each thread makes.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocations_of(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// About 18,000 words of prose with two names in it.
fn prose() -> (String, usize) {
    let sentence = "the quick brown fox jumps over the lazy dog again ";
    let mut text = sentence.repeat(1_000);
    text.push_str("Kazakhstan and the United Arab Emirates signed. ");
    text.push_str(&sentence.repeat(1_000));
    let words = text.split_whitespace().count();
    (text, words)
}

#[test]
fn normalizing_allocates_per_batch_not_per_token() {
    let (text, words) = prose();
    let normalizer = Normalizer::new();
    let warm = normalizer.normalize(&text);
    let n = allocations_of(|| {
        assert_eq!(normalizer.normalize(&text), warm);
    });
    assert!(n < words / 10, "{n} allocations for {words} words");
}

#[test]
fn linking_allocates_per_batch_and_mention_not_per_token() {
    let mut kb = KnowledgeBase::new();
    kb.add(Entity::new("KZ", "Kazakhstan")).unwrap();
    kb.add(Entity::new("AE", "United Arab Emirates")).unwrap();
    let resolver = Resolver::new(kb).unwrap();
    let (text, words) = prose();
    let options = LinkOptions::default();
    let warm = resolver.link_spans(&text, &options);
    assert_eq!(warm.len(), 2);
    let n = allocations_of(|| {
        assert_eq!(resolver.link_spans(&text, &options), warm);
    });
    assert!(n < words / 10, "{n} allocations for {words} words");
    // Short texts linked again and again: the tokens of one call serve the next, so 30 more
    // words cost a few more allocations (growing lists), not one each.
    let short = "Kazakhstan joined the accords, said the United Arab Emirates.";
    let longer = format!(
        "{short} {}",
        "the quick brown fox jumps over the lazy dog again ".repeat(3)
    );
    let per_call = |text: &str| {
        resolver.link_spans(text, &options);
        allocations_of(|| {
            for _ in 0..100 {
                resolver.link_spans(text, &options);
            }
        }) / 100
    };
    let (few, more) = (per_call(short), per_call(&longer));
    assert!(
        more < few + 10,
        "{few} allocations a call, {more} with 30 more words"
    );
}
