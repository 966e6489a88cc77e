//! A bounded edit distance for the fuzzy lookup: optimal string alignment (insertions,
//! deletions, substitutions and adjacent transpositions) over bytes, giving up as soon as the
//! distance must exceed the bound. Normalized tokens are ASCII, so bytes are letters.
//!
//! It computes what `strsim::osa_distance` computes (a test checks the two agree), without
//! allocating and without finishing rows that are already over the bound.

/// Rows longer than this use `strsim` instead of the stack buffers.
const MAX_LEN: usize = 64;

/// The OSA distance between `a` and `b` when it is at most `bound`, else `None`.
///
/// Only the band of cells within `bound` of the diagonal is computed: a cell further out is
/// more than `bound` edits away whatever follows, so it is taken as `bound + 1`. Three rows
/// of a few bytes are rotated instead of copied.
pub(crate) fn bounded_osa(a: &[u8], b: &[u8], bound: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    if a.len() > MAX_LEN || b.len() > MAX_LEN || bound >= u8::MAX as usize - 1 {
        let d = strsim::osa_distance(std::str::from_utf8(a).ok()?, std::str::from_utf8(b).ok()?);
        return (d <= bound).then_some(d);
    }
    if a == b {
        return Some(0);
    }
    let n = b.len();
    let over = (bound + 1) as u8;
    // Rows i-2, i-1 and i; cells outside the band hold `over`.
    let mut rows = [[over; MAX_LEN + 1]; 3];
    for (j, cell) in rows[1][..=n.min(bound)].iter_mut().enumerate() {
        *cell = j as u8;
    }
    let (mut before, mut prev, mut cur) = (0usize, 1usize, 2usize);
    for i in 1..=a.len() {
        let lo = i.saturating_sub(bound).max(1);
        let hi = (i + bound).min(n);
        let row = &mut rows[cur];
        // The cell left of the band, and the band's own cells, are written; the rest stays
        // `over` from the row's previous use only where it was outside the band then too.
        row[lo - 1] = if lo == 1 && i <= bound { i as u8 } else { over };
        let mut row_min = row[lo - 1];
        for j in lo..=hi {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let (p, r) = (&rows[prev], &rows[cur]);
            let mut d = (p[j] + 1).min(r[j - 1] + 1).min(p[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[before][j - 2] + 1);
            }
            let d = d.min(over);
            rows[cur][j] = d;
            row_min = row_min.min(d);
        }
        if hi < n {
            rows[cur][hi + 1] = over;
        }
        if row_min > bound as u8 {
            return None;
        }
        (before, prev, cur) = (prev, cur, before);
    }
    let d = rows[prev][n] as usize;
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
