//! Linking the seed article against the seed knowledge base finds every mention listed in
//! `tests/data/seed_article_mentions.tsv`, and nothing else, with offsets into the original text.

use std::path::PathBuf;

use canonica::{KnowledgeBase, Resolver};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn seed_article_mentions() {
    let kb = KnowledgeBase::from_jsonl(root().join("examples/seed_kb.jsonl")).unwrap();
    let resolver = Resolver::new(kb).unwrap();
    let text = std::fs::read_to_string(root().join("examples/seed_article.txt")).unwrap();
    let expected: Vec<(String, String)> =
        std::fs::read_to_string(root().join("tests/data/seed_article_mentions.tsv"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| {
                let (text, id) = l.split_once('\t').expect("text<TAB>id");
                (text.to_string(), id.to_string())
            })
            .collect();
    let found = resolver.link(&text, None);
    for m in &found {
        assert_eq!(&text[m.start..m.end], m.text, "offsets of {m:?}");
    }
    let got: Vec<(String, String)> = found.into_iter().map(|m| (m.text, m.id)).collect();
    assert_eq!(got, expected);
}

#[test]
fn kind_filter_keeps_only_that_kind() {
    let kb = KnowledgeBase::from_jsonl(root().join("examples/seed_kb.jsonl")).unwrap();
    let resolver = Resolver::new(kb).unwrap();
    let text = std::fs::read_to_string(root().join("examples/seed_article.txt")).unwrap();
    let people = resolver.link(&text, Some("person"));
    assert!(!people.is_empty());
    assert!(people.iter().all(|m| m.kind.as_deref() == Some("person")));
}
