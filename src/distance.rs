//! A bounded edit distance for the fuzzy lookup: optimal string alignment (insertions,
//! deletions, substitutions and adjacent transpositions) over bytes, giving up as soon as the
//! distance must exceed the bound. Normalized tokens are ASCII, so bytes are letters.
//!
//! It computes what `strsim::osa_distance` computes (a test checks the two agree), without
//! allocating and without finishing rows that are already over the bound.

/// Rows longer than this use `strsim` instead of the stack buffers.
const MAX_LEN: usize = 64;

/// The OSA distance between `a` and `b` when it is at most `bound`, else `None`.
pub(crate) fn bounded_osa(a: &[u8], b: &[u8], bound: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    if a.len() > MAX_LEN || b.len() > MAX_LEN {
        let d = strsim::osa_distance(std::str::from_utf8(a).ok()?, std::str::from_utf8(b).ok()?);
        return (d <= bound).then_some(d);
    }
    let n = b.len();
    let mut before = [0usize; MAX_LEN + 1];
    let mut prev: [usize; MAX_LEN + 1] = std::array::from_fn(|j| j);
    let mut cur = [0usize; MAX_LEN + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > bound {
            return None;
        }
        before[..=n].copy_from_slice(&prev[..=n]);
        prev[..=n].copy_from_slice(&cur[..=n]);
    }
    let d = prev[n];
    (d <= bound).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::bounded_osa;

    #[test]
    fn agrees_with_strsim() {
        // A small deterministic generator of words over a short alphabet, so that near words
        // are common.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let word = |next: &mut dyn FnMut() -> u64| -> String {
            let len = (next() % 9) as usize;
            (0..len)
                .map(|_| (b'a' + (next() % 4) as u8) as char)
                .collect()
        };
        for _ in 0..20_000 {
            let a = word(&mut next);
            let b = word(&mut next);
            let expected = strsim::osa_distance(&a, &b);
            for bound in 0..4 {
                let got = bounded_osa(a.as_bytes(), b.as_bytes(), bound);
                assert_eq!(
                    got,
                    (expected <= bound).then_some(expected),
                    "{a} {b} {bound}"
                );
            }
        }
    }

    #[test]
    fn examples() {
        assert_eq!(bounded_osa(b"tokayev", b"tokaev", 1), Some(1));
        assert_eq!(bounded_osa(b"ab", b"ba", 1), Some(1));
        assert_eq!(bounded_osa(b"niger", b"nigeria", 1), None);
        assert_eq!(bounded_osa(b"", b"", 0), Some(0));
        let long = "a".repeat(100);
        assert_eq!(bounded_osa(long.as_bytes(), long.as_bytes(), 0), Some(0));
    }
}
