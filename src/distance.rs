//! A bounded edit distance for the fuzzy lookup: optimal string alignment (insertions,
//! deletions, substitutions and adjacent transpositions) over bytes, giving up as soon as the
//! distance must exceed the bound. Normalized tokens are ASCII, so bytes are letters.
//!
//! It computes what `strsim::osa_distance` computes (a test checks the two agree), without
//! allocating and without finishing rows that are already over the bound.
//!
//! Also the Jaro-Winkler similarity the scorer leans near ties by, as `strsim::jaro_winkler`
//! computes it to the last bit, without its allocations for the ASCII words it is given.

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

/// `strsim::jaro_winkler(a, b)`, bit for bit: the same matches, transpositions and arithmetic
/// in the same order, over bytes with the match flags in two words of bits. Texts that are not
/// ASCII, or longer than the flags hold, go to `strsim`.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    if !a.is_ascii() || !b.is_ascii() || a.len() > MAX_LEN || b.len() > MAX_LEN {
        return strsim::jaro_winkler(a, b);
    }
    let sim = jaro(a.as_bytes(), b.as_bytes());
    if sim > 0.7 {
        let prefix = a
            .bytes()
            .take(4)
            .zip(b.bytes())
            .take_while(|(x, y)| x == y)
            .count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// The bytes of `s` whose bit is set in `flags`, in order.
fn matched(s: &[u8], flags: u64) -> impl Iterator<Item = u8> + '_ {
    s.iter()
        .enumerate()
        .filter(move |&(i, _)| flags & (1 << i) != 0)
        .map(|(_, &c)| c)
}

/// The Jaro similarity of two byte strings of at most [`MAX_LEN`] bytes.
fn jaro(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let range = (a.len().max(b.len()) / 2).saturating_sub(1);
    let (mut a_flags, mut b_flags) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &x) in a.iter().enumerate() {
        let lo = i.saturating_sub(range);
        let hi = b.len().min(i + range + 1);
        if let Some(j) = (lo..hi).find(|&j| b[j] == x && b_flags & (1 << j) == 0) {
            a_flags |= 1 << i;
            b_flags |= 1 << j;
            matches += 1;
        }
    }
    if matches == 0 {
        return 0.0;
    }
    // The matched bytes of each, in order, compared pairwise.
    let transpositions = matched(a, a_flags)
        .zip(matched(b, b_flags))
        .filter(|(x, y)| x != y)
        .count()
        / 2;
    ((matches as f64 / a.len() as f64)
        + (matches as f64 / b.len() as f64)
        + ((matches - transpositions) as f64 / matches as f64))
        / 3.0
}

#[cfg(test)]
mod tests {
    use super::{bounded_osa, jaro_winkler};

    /// A deterministic source of words of fewer than `max` letters over the first `letters`
    /// letters of the alphabet, so that near words are common.
    fn words(seed: u64, letters: u64) -> impl FnMut(u64) -> String {
        let mut state = seed;
        move |max| {
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            let len = (next() % max) as usize;
            (0..len)
                .map(|_| (b'a' + (next() % letters) as u8) as char)
                .collect()
        }
    }

    #[test]
    fn jaro_winkler_is_strsims_to_the_bit() {
        let mut word = words(0x9e37_79b9_7f4a_7c15, 5);
        for i in 0..50_000 {
            let max = if i % 10 == 0 { 80 } else { 14 };
            let (a, b) = (word(max), word(max));
            let expected = strsim::jaro_winkler(&a, &b);
            assert_eq!(
                jaro_winkler(&a, &b).to_bits(),
                expected.to_bits(),
                "{a} {b}"
            );
        }
        for (a, b) in [
            ("tokayev", "tokaev"),
            ("", ""),
            ("a", ""),
            ("токаев", "tokaev"),
        ] {
            assert_eq!(
                jaro_winkler(a, b).to_bits(),
                strsim::jaro_winkler(a, b).to_bits()
            );
        }
    }

    #[test]
    fn agrees_with_strsim() {
        let mut word = words(0x2545_f491_4f6c_dd1d, 4);
        for _ in 0..20_000 {
            let a = word(9);
            let b = word(9);
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
