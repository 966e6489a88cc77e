//! What linking asks the index about a span of text: may it be a whole name, or the first words
//! of a longer one? A Bloom filter answers from one word of memory; the key tables are read only
//! for spans that may be whole names.

use super::flat::{hash_bytes, HashedKeys};
use super::Index;

/// What a span of text may be, for linking (see [`Index::span_candidates`]).
pub(crate) struct SpanCandidates<'i> {
    index: &'i Index,
    hash: u64,
    /// True when the span may be a whole key: of an alias, or of one without its legal forms.
    pub whole: bool,
    /// True when a longer name may start with the span.
    pub longer: bool,
}

impl<'i> SpanCandidates<'i> {
    /// The aliases whose whole key the span is.
    pub fn aliases(&self) -> impl Iterator<Item = u32> + 'i {
        self.lookup(&self.index.exact)
    }

    /// The aliases whose key the span is once their legal forms and leading article are left
    /// out.
    pub fn without_legal_form(&self) -> impl Iterator<Item = u32> + 'i {
        self.lookup(&self.index.bare)
    }

    fn lookup(&self, table: &'i HashedKeys) -> impl Iterator<Item = u32> + 'i {
        let index = self.index;
        self.whole
            .then(|| table.get(self.hash).filter(|&a| index.is_live(a)))
            .into_iter()
            .flatten()
    }
}

impl Index {
    /// The hash a key is looked up by in [`Index::span_candidates`].
    pub fn key_hash(key: &str) -> u64 {
        hash_bytes(key.as_bytes())
    }

    /// For linking, what a span with this [`Index::key_hash`] can be: `None` when it is
    /// neither a name nor the first words of a longer one; else whether it may be a whole key,
    /// with the aliases it is the key of (looked up when asked for), and whether a longer name
    /// may start with it. Both come from the span filter, which now and then says yes wrongly:
    /// the aliases are then none, and a longer span is tried in vain.
    pub fn span_candidates(&self, hash: u64) -> Option<SpanCandidates<'_>> {
        let filter = &self.span_filter;
        if filter.is_empty() {
            return None;
        }
        let probe = SpanProbe::of(hash, self.span_filter_bits());
        let word = filter[probe.word];
        let whole = word & probe.whole == probe.whole;
        let longer = word & probe.start == probe.start;
        (whole || longer).then_some(SpanCandidates {
            index: self,
            hash,
            whole,
            longer,
        })
    }

    fn span_filter_bits(&self) -> u32 {
        (self.span_filter.len() * 64).trailing_zeros()
    }
}

/// The bitset of [`Index::span_candidates`]: about eight bits per key of the tables it covers,
/// each key setting two bits of one 64-bit word for whole keys, two for the first words of longer
/// ones (see [`SpanProbe`]).
pub(super) fn span_filter(whole: &[&HashedKeys], start: &[&HashedKeys]) -> Vec<u64> {
    let keys: usize = whole.iter().chain(start).map(|t| t.pairs.len()).sum();
    let bits = (keys.max(64) * 8).next_power_of_two().trailing_zeros();
    let mut set = vec![0u64; (1usize << bits) / 64];
    for (tables, role) in [(whole, SpanRole::Whole), (start, SpanRole::Start)] {
        for &(hash, _) in tables.iter().flat_map(|t| &t.pairs) {
            SpanProbe::of(hash, bits).mark(&mut set, role);
        }
    }
    set
}

/// What a key is to linking, as the span filter records it.
#[derive(Clone, Copy)]
pub(super) enum SpanRole {
    /// The whole key of a name.
    Whole,
    /// The first words of a longer name's key.
    Start,
}

/// Where a key hash sits in a span filter of `2^bits` bits: one 64-bit word, and two bits of it
/// for each [`SpanRole`]. A span is probed on every word of a text, so a probe is one memory
/// access: a span that starts no name passes about 5% of the time at eight bits per key, and
/// each pass costs a lookup in the key tables or a longer span tried.
pub(super) struct SpanProbe {
    word: usize,
    whole: u64,
    start: u64,
}

impl SpanProbe {
    pub(super) fn of(hash: u64, bits: u32) -> SpanProbe {
        // The top bits choose the word; the bits below them, six at a time, the bits in it.
        let word_bits = bits - 6;
        let rest = hash << word_bits;
        let bit = |i: u32| 1u64 << ((rest >> (58 - 6 * i)) & 63);
        SpanProbe {
            word: (hash >> (64 - word_bits)) as usize,
            whole: bit(0) | bit(1),
            start: bit(2) | bit(3),
        }
    }

    pub(super) fn mark(&self, filter: &mut [u64], role: SpanRole) {
        filter[self.word] |= match role {
            SpanRole::Whole => self.whole,
            SpanRole::Start => self.start,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(prefix: &str, n: u32) -> HashedKeys {
        HashedKeys::from_pairs(
            (0..n)
                .map(|i| (hash_bytes(format!("{prefix} {i}").as_bytes()), i))
                .collect(),
        )
    }

    /// Every key passes in its role, and few others pass in either.
    #[test]
    fn the_filter_knows_every_key_and_few_others() {
        let (whole, start) = (keys("whole", 20_000), keys("start", 30_000));
        let filter = span_filter(&[&whole], &[&start]);
        let bits = (filter.len() * 64).trailing_zeros();
        let passes = |hash: u64, role: SpanRole| {
            let probe = SpanProbe::of(hash, bits);
            let mask = match role {
                SpanRole::Whole => probe.whole,
                SpanRole::Start => probe.start,
            };
            filter[probe.word] & mask == mask
        };
        assert!(whole.pairs.iter().all(|&(h, _)| passes(h, SpanRole::Whole)));
        assert!(start.pairs.iter().all(|&(h, _)| passes(h, SpanRole::Start)));
        let others: Vec<u64> = (0..100_000)
            .map(|i| hash_bytes(format!("other {i}").as_bytes()))
            .collect();
        for role in [SpanRole::Whole, SpanRole::Start] {
            let wrong = others.iter().filter(|&&h| passes(h, role)).count();
            assert!(wrong < 10_000, "{wrong} of 100,000 other keys pass");
        }
    }
}
