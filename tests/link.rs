//! Linking the seed article against the seed knowledge base finds every mention listed in
//! `tests/data/seed_article_mentions.tsv`, and nothing else, with offsets into the original text.

use std::path::PathBuf;

use canonica::{KnowledgeBase, LinkOptions, Resolver};

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
    let found = resolver.link(&text);
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
    let people = resolver.link_with(&text, &LinkOptions::new().kind("person"));
    assert!(!people.is_empty());
    assert!(people.iter().all(|m| m.kind.as_deref() == Some("person")));
}

/// The shared link cases (`tests/data/link_cases.jsonl`): each text links exactly the listed
/// mentions, with offsets into the text.
#[test]
fn shared_link_cases() {
    let kb = KnowledgeBase::from_jsonl(root().join("tests/data/users_kb.jsonl")).unwrap();
    let resolver = Resolver::new(kb).unwrap();
    let cases = std::fs::read_to_string(root().join("tests/data/link_cases.jsonl")).unwrap();
    let mut failures = Vec::new();
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = case["text"].as_str().unwrap();
        let options = LinkOptions {
            fuzzy: case["fuzzy"].as_bool().unwrap_or(false),
            ..LinkOptions::default()
        };
        let expected: Vec<(String, String)> = case["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().unwrap().to_string(),
                    pair[1].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let found = resolver.link_with(text, &options);
        for m in &found {
            assert_eq!(&text[m.start..m.end], m.text, "offsets of {m:?}");
        }
        let got: Vec<(String, String)> = found.into_iter().map(|m| (m.text, m.id)).collect();
        if got != expected {
            failures.push(format!("{text:?}: got {got:?}, expected {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
