//! The flat containers the index is made of: strings end to end, lists as offsets into one
//! array, and keys as sorted 64-bit hashes. Each is a few large arrays, so the index is compact in
//! memory and is saved and loaded without rebuilding anything.

use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use smallvec::SmallVec;

use crate::codec::{PairsSection, Reader, Writer};
use crate::error::Result;

/// The hash keys are stored and looked up by.
pub(crate) fn hash_bytes(s: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

/// Strings stored end to end.
#[derive(Debug, Default)]
pub(super) struct Strings {
    text: String,
    ends: Vec<u32>,
}

impl Strings {
    pub(super) fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
    }

    pub(super) fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The byte length of string `i`, without touching its text.
    pub(super) fn len_of(&self, i: u32) -> usize {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (self.ends[i] - start) as usize
    }

    pub(super) fn encode(&self, w: &mut Writer) {
        w.str(&self.text);
        w.u32s(&self.ends);
    }

    pub(super) fn decode(r: &mut Reader) -> Result<Strings> {
        let text = r.string()?;
        let ends = r.u32s()?;
        let mut last = 0;
        for &e in &ends {
            if e < last || e as usize > text.len() || !text.is_char_boundary(e as usize) {
                return Err(r.invalid("string offsets out of order"));
            }
            last = e;
        }
        Ok(Strings { text, ends })
    }
}

/// Lists of ids stored end to end (compressed sparse rows).
#[derive(Debug, Default)]
pub(super) struct Lists {
    values: Vec<u32>,
    ends: Vec<u32>,
}

impl Lists {
    pub(super) fn push(&mut self, list: &[u32]) {
        self.values.extend_from_slice(list);
        self.ends.push(self.values.len() as u32);
    }

    pub(super) fn get(&self, i: u32) -> &[u32] {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.values[start..self.ends[i] as usize]
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(super) fn encode(&self, w: &mut Writer) {
        w.u32s(&self.values);
        w.u32s(&self.ends);
    }

    pub(super) fn decode(r: &mut Reader, max_value: usize) -> Result<Lists> {
        let values = r.u32s()?;
        let ends = r.u32s()?;
        let mut last = 0;
        for &e in &ends {
            if e < last || e as usize > values.len() {
                return Err(r.invalid("list offsets out of order"));
            }
            last = e;
        }
        if values.iter().any(|&v| v as usize >= max_value) {
            return Err(r.invalid("list value out of range"));
        }
        Ok(Lists { values, ends })
    }
}

/// A multimap from 64-bit key hashes to ids, as one sorted array with a directory on the top
/// bits of the hash, so that a lookup touches one or two cache lines instead of binary
/// searching a large array. The directory is derived from the array, not saved.
#[derive(Debug, Default)]
pub(super) struct HashedKeys {
    pub(super) pairs: Vec<(u64, u32)>,
    /// `dir[b]` is the first position whose hash has top bits >= b; `dir.len() == 2^bits + 1`.
    dir: Vec<u32>,
    bits: u32,
    /// Pairs added after the sorted array was made (live updates), looked up after it. Ids
    /// within one key stay in the order they were added, after the sorted ones.
    added: FxHashMap<u64, SmallVec<[u32; 2]>>,
}

impl HashedKeys {
    pub(super) fn from_pairs(mut pairs: Vec<(u64, u32)>) -> HashedKeys {
        pairs.sort_unstable();
        pairs.dedup();
        HashedKeys::with_directory(pairs)
    }

    /// Builds the directory over sorted pairs: about two pairs per bucket.
    pub(super) fn with_directory(pairs: Vec<(u64, u32)>) -> HashedKeys {
        let bits = (pairs.len().max(2).ilog2()).clamp(1, 26);
        let buckets = 1usize << bits;
        let bucket_of = |hash: u64| (hash >> (64 - bits)) as usize;
        let mut dir = vec![0u32; buckets + 1];
        // Filled in parts on every thread of the pool: for a large table this is a good share of
        // loading it. Each part finds where its first bucket starts, then walks on from there.
        const PART: usize = 1 << 16;
        dir[..buckets]
            .par_chunks_mut(PART)
            .enumerate()
            .for_each(|(part, slots)| {
                let first = part * PART;
                let mut at = pairs.partition_point(|&(h, _)| bucket_of(h) < first);
                for (b, slot) in (first..).zip(slots.iter_mut()) {
                    while at < pairs.len() && bucket_of(pairs[at].0) < b {
                        at += 1;
                    }
                    *slot = at as u32;
                }
            });
        dir[buckets] = pairs.len() as u32;
        HashedKeys {
            pairs,
            dir,
            bits,
            added: FxHashMap::default(),
        }
    }

    pub(super) fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let (lo, hi) = if self.dir.is_empty() {
            (0, 0)
        } else {
            let b = (hash >> (64 - self.bits)) as usize;
            (self.dir[b] as usize, self.dir[b + 1] as usize)
        };
        let bucket = &self.pairs[lo..hi];
        let start = bucket.partition_point(|&(h, _)| h < hash);
        let added: &[u32] = if self.added.is_empty() {
            &[]
        } else {
            self.added.get(&hash).map_or(&[], |ids| ids.as_slice())
        };
        bucket[start..]
            .iter()
            .take_while(move |&&(h, _)| h == hash)
            .map(|&(_, id)| id)
            .chain(added.iter().copied())
    }

    /// Adds a pair after the sorted array was made; a pair already present is not added again.
    pub(super) fn insert(&mut self, hash: u64, id: u32) {
        if self.get(hash).any(|known| known == id) {
            return;
        }
        self.added.entry(hash).or_default().push(id);
    }

    pub(super) fn get_str(&self, key: &str) -> impl Iterator<Item = u32> + '_ {
        self.get(hash_bytes(key.as_bytes()))
    }

    pub(super) fn encode(&self, w: &mut Writer) {
        if self.added.is_empty() {
            w.pairs(&self.pairs);
        } else {
            let mut all = self.pairs.clone();
            all.extend(
                self.added
                    .iter()
                    .flat_map(|(&h, ids)| ids.iter().map(move |&id| (h, id))),
            );
            all.sort_unstable();
            all.dedup();
            w.pairs(&all);
        }
    }

    /// The table of pairs read as a section (see [`Reader::pairs_section`]), checked: sorted,
    /// and every id below `max_id`.
    pub(super) fn decode(section: &PairsSection, max_id: usize) -> Result<HashedKeys> {
        let pairs = section.decode();
        if pairs.par_windows(2).any(|w| w[0] > w[1]) {
            return Err(section.invalid("keys out of order"));
        }
        if pairs.par_iter().any(|&(_, id)| id as usize >= max_id) {
            return Err(section.invalid("key id out of range"));
        }
        Ok(HashedKeys::with_directory(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table large enough for its directory to be filled in several parts finds every key,
    /// and nothing else, after a round trip through the codec.
    #[test]
    fn a_large_table_finds_every_key_after_decoding() {
        let pairs: Vec<(u64, u32)> = (0..300_000u64)
            .map(|i| (hash_bytes(&i.to_le_bytes()), (i % 1000) as u32))
            .collect();
        let table = HashedKeys::from_pairs(pairs.clone());
        assert!(table.dir.len() > 4 << 16, "the directory has several parts");
        let mut w = Writer::default();
        table.encode(&mut w);
        let bytes = w.into_bytes();
        let back = HashedKeys::decode(&Reader::new(&bytes).pairs_section().unwrap(), 1000).unwrap();
        let bucket_start = |b: usize| {
            back.pairs
                .partition_point(|&(h, _)| ((h >> (64 - back.bits)) as usize) < b)
        };
        assert!((0..back.dir.len()).all(|b| back.dir[b] as usize == bucket_start(b)));
        for &(hash, id) in &pairs {
            assert_eq!(back.get(hash).collect::<Vec<_>>(), [id]);
        }
        assert_eq!(back.get(hash_bytes(b"no such key")).count(), 0);
        // An id out of range is refused.
        let refused = HashedKeys::decode(&Reader::new(&bytes).pairs_section().unwrap(), 999);
        assert!(refused.is_err());
    }
}
