//! Symmetric deletes: a token and every string made by deleting up to its edit budget of its
//! bytes, hashed. Two words within that many edits share one of them, so the index finds the
//! near words of a query word by looking its deletes up instead of comparing every word.

use super::flat::hash_bytes;

/// Tokens longer than this (in bytes) are matched exactly only: no word is this long, and the
/// deletes of a token grow with the square of its length (a megabyte-long token would need
/// terabytes).
pub(super) const MAX_FUZZY_TOKEN_LEN: usize = 64;

/// Calls `f` with the hash of `token` and of every distinct string made by deleting up to
/// `edits` of its bytes (none for tokens longer than [`MAX_FUZZY_TOKEN_LEN`]).
pub(super) fn for_each_delete(token: &str, edits: usize, f: &mut impl FnMut(u64)) {
    let word = token.as_bytes();
    f(hash_bytes(word));
    if edits == 0 || word.is_empty() || word.len() > MAX_FUZZY_TOKEN_LEN {
        return;
    }
    let n = word.len();
    let mut hashes: Vec<u64> = Vec::with_capacity(n * (n + 1) / 2);
    // Words are at most MAX_FUZZY_TOKEN_LEN bytes: the deletes are made in a buffer on the stack.
    let mut one = [0u8; MAX_FUZZY_TOKEN_LEN];
    let mut two = [0u8; MAX_FUZZY_TOKEN_LEN];
    for i in 0..n {
        one[..i].copy_from_slice(&word[..i]);
        one[i..n - 1].copy_from_slice(&word[i + 1..]);
        hashes.push(hash_bytes(&one[..n - 1]));
        if edits >= 2 {
            // Deleting j after i covers every pair once (j >= i in the shorter word).
            for j in i..n - 1 {
                two[..j].copy_from_slice(&one[..j]);
                two[j..n - 2].copy_from_slice(&one[j + 1..n - 1]);
                hashes.push(hash_bytes(&two[..n - 2]));
            }
        }
    }
    hashes.sort_unstable();
    hashes.dedup();
    for h in hashes {
        f(h);
    }
}

/// How many hashes [`for_each_delete`] gives at most for a token of `len` bytes: the token, and
/// every way to delete up to `edits` of its bytes, before the equal ones are merged.
pub(super) fn max_deletes(len: usize, edits: usize) -> usize {
    if edits == 0 || len == 0 || len > MAX_FUZZY_TOKEN_LEN {
        return 1;
    }
    let pairs = if edits >= 2 { len * (len - 1) / 2 } else { 0 };
    1 + len + pairs
}

#[cfg(test)]
mod tests {
    use super::{for_each_delete, max_deletes};

    #[test]
    fn the_bound_holds_and_is_reached_by_words_of_distinct_letters() {
        for word in [
            "a",
            "ab",
            "abc",
            "tokayev",
            "anna",
            "mississippi",
            "abcdefghijklmnop",
        ] {
            for edits in 0..=2 {
                let mut count = 0;
                for_each_delete(word, edits, &mut |_| count += 1);
                let most = max_deletes(word.len(), edits);
                assert!(count <= most, "{word} {edits}: {count} > {most}");
                let distinct = word
                    .bytes()
                    .all(|b| word.bytes().filter(|&c| c == b).count() == 1);
                if distinct && word.len() > 2 {
                    assert_eq!(count, most, "{word} {edits}");
                }
            }
        }
    }
}
