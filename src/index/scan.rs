//! Near words in a very small vocabulary (the one or two names of a pairwise comparison): the
//! vocabulary is scanned, instead of building the tables of deletes and drift keys, which cost
//! far more to build than such a scan costs to run.

use super::Index;
use crate::normalize::drift::drift_key;
use crate::normalize::is_lossy_text;
use crate::normalize::legal::is_legal_form;
use crate::rules::MIN_DRIFT_LEN;

/// Vocabularies of at most this many tokens are scanned for near words.
pub(super) const SCAN_VOCAB: usize = 64;

/// True for a token that may meet others within the edit budget or by romanization: not a
/// folded legal form nor a lossy transliteration, which are matched exactly only.
pub(super) fn is_fuzzy(token: &str) -> bool {
    !is_legal_form(token) && !is_lossy_text(token)
}

/// The drift key of `word` when it has one: five letters or more, neither a legal form nor lossy.
fn scan_key(word: &str) -> Option<String> {
    (word.len() >= MIN_DRIFT_LEN && is_fuzzy(word)).then(|| drift_key(word))
}

impl Index {
    /// True when near words are found by scanning the vocabulary: the index of a pairwise
    /// comparison, built with at most [`SCAN_VOCAB`] tokens and no tables of deletes and drift
    /// keys (live updates would keep it so).
    pub(super) fn scans(&self) -> bool {
        self.scan_vocab
    }

    /// Every token a scan compares with a query's word: those that may meet others fuzzily.
    pub(super) fn scanned_words(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.vocab.len() as u32).filter(|&v| is_fuzzy(self.vocab.get(v)))
    }

    /// The used tokens other than `token` whose drift key is `key`, found by a scan.
    pub(super) fn scanned_drift(&self, token: &str, key: &str) -> Vec<u32> {
        (0..self.vocab.len() as u32)
            .filter(|&v| {
                let word = self.vocab.get(v);
                let same_key = match self.scan_drift.get(v as usize) {
                    Some(cached) => cached.as_deref() == Some(key),
                    // A token added by a live update after the keys were made.
                    None => scan_key(word).as_deref() == Some(key),
                };
                same_key && self.is_used(v) && word != token
            })
            .collect()
    }

    /// Makes the drift keys a scan compares, when the vocabulary is scanned.
    pub(super) fn derive_scan_drift(&mut self) {
        self.scan_drift = if self.scan_vocab {
            (0..self.vocab.len() as u32)
                .map(|v| scan_key(self.vocab.get(v)))
                .collect()
        } else {
            Vec::new()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::super::Index;
    use crate::kb::{Entity, KnowledgeBase};
    use crate::normalize::Normalizer;

    #[test]
    fn scanning_finds_what_the_tables_find() {
        // Words over a small alphabet, so that many are a few edits apart.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let word = |next: &mut dyn FnMut() -> u64| -> String {
            let len = 2 + (next() % 10) as usize;
            // Letters that romanization drift folds together, and a few others.
            let letters = b"aeiykcqjwvhzs";
            (0..len)
                .map(|_| letters[(next() % letters.len() as u64) as usize] as char)
                .collect()
        };
        let mut kb = KnowledgeBase::new();
        for i in 0..400 {
            kb.add(Entity::new(format!("e{i}"), word(&mut next)))
                .unwrap();
        }
        let tables = Index::build(&kb, &Normalizer::new()).unwrap();
        assert!(!tables.scans());
        let mut scanned = Index::build(&kb, &Normalizer::new()).unwrap();
        scanned.scan_vocab = true;
        scanned.derive();
        for _ in 0..2000 {
            let q = word(&mut next);
            assert_eq!(scanned.fuzzy_tokens(&q), tables.fuzzy_tokens(&q), "{q}");
            assert_eq!(scanned.drift_tokens(&q), tables.drift_tokens(&q), "{q}");
        }
    }
}
