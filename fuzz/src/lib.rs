//! The bodies of canonica's fuzz targets, one function per target.
//!
//! Each function takes the fuzzer's bytes, drives one entry point of canonica with them and
//! checks what must hold whatever the input: no panic, and the invariants named below. The
//! targets in `fuzz_targets/` call these functions, and `tests/fuzz_regressions.rs` in the main
//! crate includes this file and runs every input kept under `fuzz/regressions/<target>/`
//! through the same function, so plain `cargo test` replays them without a fuzzer.

use std::sync::OnceLock;

use canonica::{CsvOptions, Entity, KnowledgeBase, LinkOptions, Resolver};

/// The example knowledge base of the repository, built once.
pub fn seed_resolver() -> &'static Resolver {
    static SEED: OnceLock<Resolver> = OnceLock::new();
    SEED.get_or_init(|| {
        let text = include_str!("../../examples/seed_kb.jsonl");
        let kb = KnowledgeBase::read_jsonl(text.as_bytes()).expect("the seed KB loads");
        Resolver::new(kb).expect("the seed KB builds")
    })
}

/// The bytes as text, as a caller that decodes leniently would pass them.
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// `normalize`: idempotent, only lowercase ASCII letters and digits in single-spaced tokens, and
/// token spans that slice the input on character boundaries.
pub fn normalize(data: &[u8]) {
    let text = text(data);
    let once = canonica::normalize(&text);
    assert_eq!(canonica::normalize(&once), once, "normalize is idempotent");
    assert!(
        once.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' '),
        "{once:?}"
    );
    assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
    for t in canonica::Normalizer::new().tokens(&text) {
        assert!(t.start <= t.end && t.end <= text.len());
        assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
    }
}

/// Checks one answer of `resolve` against the candidates and the batch call.
fn check_resolver(resolver: &Resolver, query: &str) {
    let found = resolver.resolve(query);
    if let Some(m) = &found {
        assert!((0.0..=1.0).contains(&m.score), "score {}", m.score);
        assert!(
            m.score >= resolver.threshold() - 1e-4,
            "{} < {}",
            m.score,
            resolver.threshold()
        );
        assert!(resolver.knowledge_base().get(&m.id).is_some());
    }
    let candidates = resolver.candidates(query, 5);
    assert!(candidates.len() <= 5);
    assert!(candidates.windows(2).all(|w| w[0].score >= w[1].score));
    let batch = resolver.resolve_many(&[query, query]);
    assert_eq!(batch[0], found, "resolve_many equals resolve");
    assert_eq!(batch[1], found);
}

/// `resolve` and `candidates`: the first line is the query, resolved against the seed
/// knowledge base; the other lines, when there are any, are the names of a knowledge base of
/// their own (`name|alias|alias`), built and queried too.
pub fn resolve(data: &[u8]) {
    let text = text(data);
    let mut lines = text.split('\n');
    let query = lines.next().unwrap_or_default();
    check_resolver(seed_resolver(), query);
    let mut kb = KnowledgeBase::new();
    for (i, line) in lines.enumerate().take(64) {
        let mut names = line.split('|');
        let name = names.next().unwrap_or_default();
        let kind = if i % 2 == 0 { "person" } else { "org" };
        let entity = Entity::new(format!("e{i}"), name)
            .with_aliases(names)
            .with_kind(kind);
        // Invalid records are refused with an error; that is all they need to do here.
        let _ = kb.add(entity);
    }
    if kb.is_empty() {
        return;
    }
    let resolver = Resolver::new(kb).expect("a validated knowledge base builds");
    check_resolver(&resolver, query);
    for entity in resolver.knowledge_base().entities() {
        for name in entity.names() {
            if let Some(m) = resolver.resolve(name) {
                assert!((0.0..=1.0).contains(&m.score));
            }
        }
    }
}

/// `link` with every combination of options: mentions lie on character boundaries inside the
/// text, their text is the slice they name, scores are in [0, 1], and the leftmost-longest
/// mentions come in order without overlapping.
pub fn link(data: &[u8]) {
    let text = text(data);
    let resolver = seed_resolver();
    for overlapping in [false, true] {
        for fuzzy in [false, true] {
            let options = LinkOptions {
                kind: None,
                overlapping,
                fuzzy,
            };
            let found = resolver.link_with(&text, &options);
            for m in &found {
                assert!(m.start < m.end && m.end <= text.len());
                assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
                assert_eq!(text[m.start..m.end], m.text);
                assert!((0.0..=1.0).contains(&m.score));
            }
            if !overlapping {
                assert!(
                    found.windows(2).all(|w| w[0].end <= w[1].start),
                    "{found:?}"
                );
            }
        }
    }
}

/// Every entity of a loaded knowledge base is valid, the knowledge base builds a resolver, and
/// the resolver survives a save and load.
fn check_kb(kb: KnowledgeBase) {
    for e in kb.entities() {
        assert!(!e.id.trim().is_empty());
        assert!(e.weight.is_finite() && e.weight >= 0.0);
        assert!(!canonica::normalize(&e.name).is_empty());
    }
    let resolver = Resolver::new(kb).expect("a validated knowledge base builds");
    let back = Resolver::from_bytes(&resolver.to_bytes()).expect("a saved resolver loads");
    assert_eq!(
        back.knowledge_base().entities(),
        resolver.knowledge_base().entities()
    );
    if let Some(e) = resolver.knowledge_base().entities().first() {
        assert_eq!(back.resolve(&e.name), resolver.resolve(&e.name));
    }
}

/// Knowledge-base loading from bytes: as JSON Lines, as a JSON array and as CSV (with the
/// delimiter and alias separator taken from the first two bytes, and with the defaults). Bad
/// input is an error; good input gives a valid knowledge base.
pub fn kb(data: &[u8]) {
    if let Ok(kb) = KnowledgeBase::read_jsonl(data) {
        check_kb(kb);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(kb) = KnowledgeBase::parse_json(text) {
            check_kb(kb);
        }
    }
    if let Ok(kb) = KnowledgeBase::read_csv(data, &CsvOptions::default()) {
        check_kb(kb);
    }
    if let [delimiter, separator, rest @ ..] = data {
        let options = CsvOptions {
            delimiter: *delimiter,
            alias_separator: char::from(*separator).to_string(),
        };
        if let Ok(kb) = KnowledgeBase::read_csv(rest, &options) {
            check_kb(kb);
        }
    }
}

/// The saved format: the bytes as a whole file, and as a payload behind a valid header (so that
/// the fuzzer reaches the decoder past the checksum). A resolver that loads must answer
/// queries and link text without panicking, and save and load again.
pub fn saved(data: &[u8]) {
    if let Ok(r) = Resolver::from_bytes(data) {
        exercise(&r);
    }
    let mut file = Vec::with_capacity(24 + data.len());
    file.extend_from_slice(canonica::store::MAGIC);
    file.extend_from_slice(&canonica::store::FORMAT_VERSION.to_le_bytes());
    file.extend_from_slice(&(data.len() as u64).to_le_bytes());
    file.extend_from_slice(&crc32(data).to_le_bytes());
    file.extend_from_slice(data);
    if let Ok(r) = Resolver::from_bytes(&file) {
        exercise(&r);
        let again = Resolver::from_bytes(&r.to_bytes()).expect("a loaded resolver saves and loads");
        assert_eq!(again.to_bytes(), r.to_bytes(), "saving is stable");
    }
}

/// A resolver read from untrusted bytes, asked everything once.
fn exercise(r: &Resolver) {
    let mut queries: Vec<String> = ["Tokayev", "UAE", "Kazakstan", "President Trump", "Q"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for e in r.knowledge_base().entities().iter().take(8) {
        queries.extend(e.names().take(3).map(str::to_string));
    }
    for q in &queries {
        check_resolver(r, q);
    }
    let text = queries.join(" and ");
    let options = LinkOptions {
        kind: None,
        overlapping: true,
        fuzzy: true,
    };
    for m in r.link_with(&text, &options) {
        assert_eq!(text[m.start..m.end], m.text);
    }
    let _ = r.link(&text);
}

/// CRC-32 (IEEE), as the saved format uses, without a dependency of the fuzz crate's own.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
