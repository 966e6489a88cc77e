//! Runs the shared case corpus (`tests/data/cases.jsonl`) against the Rust API; the Python suite
//! (`tests/test_corpus.py`) runs the same cases through the bindings.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use canonica::{KnowledgeBase, ResolveOptions, Resolver};
use serde_json::Value;

const DEFAULT_KB: &str = "examples/seed_kb.jsonl";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The knowledge base a case names: a file, or "countries" for the built-in one.
fn load(kb: &str) -> Resolver {
    if kb == "countries" {
        return Resolver::new(canonica::countries()).unwrap();
    }
    let path = root().join(kb);
    let kb = KnowledgeBase::from_jsonl(&path)
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", path.display()));
    Resolver::new(kb).unwrap()
}

#[test]
fn shared_corpus() {
    let text = std::fs::read_to_string(root().join("tests/data/cases.jsonl")).unwrap();
    let mut resolvers: HashMap<String, Resolver> = HashMap::new();
    let mut failures = Vec::new();
    let mut count = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("cases.jsonl line {}: {e}", n + 1));
        let kb = case["kb"].as_str().unwrap_or(DEFAULT_KB).to_string();
        let resolver = resolvers.entry(kb.clone()).or_insert_with(|| load(&kb));
        let query = case["query"].as_str().expect("query is a string");
        let kind = case["kind"].as_str();
        let options = match kind {
            Some(kind) => ResolveOptions::new().kind(kind),
            None => ResolveOptions::new(),
        };
        let expect = case["expect"].as_str();
        let got = resolver.resolve_with(query, &options);
        count += 1;
        if got.as_ref().map(|m| m.id.as_str()) != expect {
            let candidates: Vec<String> = resolver
                .candidates_with(query, 3, &options)
                .into_iter()
                .map(|m| format!("{} {:.3} ({})", m.id, m.score, m.evidence))
                .collect();
            failures.push(format!(
                "line {}: {query:?} (kind {kind:?}) expected {expect:?}, got {:?}; candidates: {candidates:?}",
                n + 1,
                got.map(|m| m.id)
            ));
        }
    }
    assert!(count > 100, "the corpus has only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn batch_equals_single() {
    let resolver = load(DEFAULT_KB);
    let names = ["Tokayev", "U.A.E.", "President", "Netanyahu", "", "Trump’s"];
    let batch = resolver.resolve_many(&names);
    for (name, got) in names.iter().zip(batch) {
        assert_eq!(got, resolver.resolve(name), "{name}");
    }
}

#[test]
fn candidates_show_evidence_best_first() {
    let resolver = load(DEFAULT_KB);
    let found = resolver.candidates("Washington", 5);
    assert!(found.len() >= 2, "{found:?}");
    assert_eq!(found[0].id, "washington_dc");
    assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(found.iter().all(|m| !m.evidence.is_empty()));
    assert!(found.iter().any(|m| m.id == "washington_institute"));
}

#[test]
fn threshold_is_validated() {
    let kb = KnowledgeBase::from_jsonl(root().join(DEFAULT_KB)).unwrap();
    let err = Resolver::builder().threshold(1.5).build(kb).unwrap_err();
    assert_eq!(err.kind(), canonica::ErrorKind::InvalidArgument);
}

#[test]
fn save_and_load_give_identical_answers() {
    let resolver = load(DEFAULT_KB);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.canonica");
    resolver.save(&path).unwrap();
    let loaded = Resolver::load(&path).unwrap();
    for name in ["Tokayev", "UAE", "Kazakh", "Washington Post"] {
        assert_eq!(loaded.resolve(name), resolver.resolve(name));
    }
    let missing = Resolver::load(Path::new("/nonexistent/kb.canonica")).unwrap_err();
    assert!(missing.to_string().contains("/nonexistent/kb.canonica"));
}

/// `similarity` gives every pair of `tests/data/similarity_pairs.tsv` the score recorded there,
/// so that making it faster never changes what it answers.
#[test]
fn similarity_scores_stay_as_recorded() {
    let pairs = std::fs::read_to_string(root().join("tests/data/similarity_pairs.tsv")).unwrap();
    let mut changed = Vec::new();
    for line in pairs.lines().filter(|l| !l.starts_with('#')) {
        let mut fields = line.split('\t');
        let (a, b) = (fields.next().unwrap(), fields.next().unwrap());
        let expected: f64 = fields.next().unwrap().parse().unwrap();
        let got = canonica::similarity(a, b);
        if got != expected {
            changed.push(format!("{a:?} / {b:?}: {got} instead of {expected}"));
        }
    }
    assert!(changed.is_empty(), "{}", changed.join("\n"));
}
