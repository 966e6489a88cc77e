//! The flat containers the index is made of: strings end to end, lists as offsets into one
//! array, and keys as sorted 64-bit hashes. Each is a few large arrays, so the index is compact in
//! memory and is saved and loaded without rebuilding anything.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};
use smallvec::SmallVec;

use crate::codec::{Reader, Writer};
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
        let mut dir = vec![0u32; buckets + 1];
        let mut at = 0usize;
        for (b, slot) in dir.iter_mut().enumerate() {
            while at < pairs.len() && ((pairs[at].0 >> (64 - bits)) as usize) < b {
                at += 1;
            }
            *slot = at as u32;
        }
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

    pub(super) fn decode(r: &mut Reader, max_id: usize) -> Result<HashedKeys> {
        let pairs = r.pairs()?;
        if pairs.windows(2).any(|w| w[0] > w[1]) {
            return Err(r.invalid("keys out of order"));
        }
        if pairs.iter().any(|&(_, id)| id as usize >= max_id) {
            return Err(r.invalid("key id out of range"));
        }
        Ok(HashedKeys::with_directory(pairs))
    }
}
