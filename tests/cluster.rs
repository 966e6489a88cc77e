//! Clustering through the Rust API: the shared cluster cases (`tests/data/cluster_cases.jsonl`)
//! and OpenRefine's key vectors (`tests/data/openrefine_keys.jsonl`), which the Python suite
//! (`tests/test_cluster.py`) runs through the bindings too; then determinism, explanations,
//! the knowledge base a clustering becomes, and bad arguments.

use std::path::PathBuf;

use canonica::{Clusterer, Clustering, KnowledgeBase, Progress, Resolver};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lines(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(root().join("tests/data").join(file)).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{file}: {e}: {l}")))
        .collect()
}

fn positions(v: &Value) -> Vec<usize> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|p| p.as_u64().unwrap() as usize)
        .collect()
}

fn check(case: &Value, c: &Clustering) -> Vec<String> {
    let note = case["note"].as_str().unwrap_or("");
    let labels = c.labels();
    let mut failures = Vec::new();
    let mut fail = |what: String| failures.push(format!("{note}: {what}"));
    for group in case["together"].as_array().into_iter().flatten() {
        let group = positions(group);
        if group
            .iter()
            .any(|&p| labels[p].is_none() || labels[p] != labels[group[0]])
        {
            fail(format!("{group:?} should be one cluster: {labels:?}"));
        }
    }
    for pair in case["apart"].as_array().into_iter().flatten() {
        let pair = positions(pair);
        if labels[pair[0]] == labels[pair[1]] {
            fail(format!("{pair:?} should be apart: {labels:?}"));
        }
    }
    for p in positions(&case["unlabelled"]) {
        if labels[p].is_some() {
            fail(format!("{p} should have no label"));
        }
    }
    let expected = |key: &str| -> Vec<(usize, String)> {
        case[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e[0].as_u64().unwrap() as usize,
                    e[1].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    for (p, name) in expected("canonical") {
        let got = &c.clusters()[labels[p].unwrap()].name;
        if *got != name {
            fail(format!(
                "cluster of {p} should be named {name:?}, not {got:?}"
            ));
        }
    }
    for (p, id) in expected("entity") {
        let got = &c.clusters()[labels[p].unwrap()].entity_id;
        if *got != id {
            fail(format!(
                "cluster of {p} should be entity {id:?}, not {got:?}"
            ));
        }
    }
    failures
}

fn names_of(case: &Value) -> Vec<Option<String>> {
    case["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().map(String::from))
        .collect()
}

#[test]
fn shared_cluster_cases() {
    let mut failures = Vec::new();
    let cases = lines("cluster_cases.jsonl");
    assert!(cases.len() >= 10);
    for case in &cases {
        let mut clusterer = Clusterer::new();
        if let Some(kb) = case["kb"].as_str() {
            let kb = KnowledgeBase::from_jsonl(root().join(kb)).unwrap();
            clusterer = clusterer.knowledge_base(Resolver::new(kb).unwrap());
        }
        let c = clusterer
            .cluster_with(&names_of(case), &Progress::new())
            .unwrap();
        failures.extend(check(case, &c));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn openrefine_key_vectors() {
    let vectors = lines("openrefine_keys.jsonl");
    assert!(vectors.len() > 50);
    for v in vectors {
        let input = v["input"].as_str().unwrap();
        let got = match v["key"].as_str().unwrap() {
            "fingerprint" => canonica::fingerprint(input),
            _ => canonica::ngram_fingerprint(input, v["n"].as_u64().unwrap() as usize).unwrap(),
        };
        assert_eq!(got, v["expected"].as_str().unwrap(), "{input:?}");
    }
}

/// A column with repeats, typos and several entities, for the properties below.
fn column() -> Vec<String> {
    let base = [
        "Kassym-Jomart Tokayev",
        "Tokayev, Kassym-Jomart",
        "Siemens AG",
        "Siemens Aktiengesellschaft",
        "Deutsche Bank",
        "Deutsche Post",
        "John Smith",
        "Jon Smith",
        "Jane Smith",
        "Kazakhstan",
        "Kazakstan",
    ];
    (0..40)
        .flat_map(|i| {
            base.iter()
                .map(move |b| format!("{b}{}", " ".repeat(i % 3)))
        })
        .collect()
}

#[test]
fn labels_do_not_depend_on_threads() {
    let names = column();
    canonica::set_num_threads(1).unwrap();
    let one = Clusterer::new().cluster(&names).unwrap();
    canonica::set_num_threads(4).unwrap();
    let four = Clusterer::new().cluster(&names).unwrap();
    canonica::set_num_threads(0).unwrap();
    assert_eq!(one.labels(), four.labels());
    assert_eq!(one.clusters(), four.clusters());
}

#[test]
fn clusters_cover_every_name_once() {
    let names = column();
    let c = Clusterer::new().cluster(&names).unwrap();
    let mut seen = vec![false; names.len()];
    for (k, cluster) in c.clusters().iter().enumerate() {
        assert_eq!(cluster.id, k);
        for &m in &cluster.members {
            assert!(!seen[m]);
            seen[m] = true;
            assert_eq!(c.labels()[m], Some(k));
        }
        assert!(cluster.spellings.contains(&cluster.name));
    }
    assert!(seen.iter().all(|&s| s));
    // Clusters come in the order of their first members.
    let firsts: Vec<usize> = c.clusters().iter().map(|c| c.members[0]).collect();
    assert!(firsts.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn explain_names_the_joins() {
    let names = ["Kazakhstan", "Kazakstan", "Qazaqstan", "Bosch"];
    let c = Clusterer::new().cluster(&names).unwrap();
    let steps = c.explain(0, 2).unwrap().expect("one cluster");
    assert_eq!(steps.first().unwrap().a, "Kazakhstan");
    assert_eq!(steps.last().unwrap().b, "Qazaqstan");
    assert!(steps
        .iter()
        .all(|s| s.score >= canonica::DEFAULT_CLUSTER_THRESHOLD && !s.evidence.is_empty()));
    assert!(c.explain(0, 3).unwrap().is_none());
    assert!(c.explain(0, 4).is_err());
}

#[test]
fn a_clustering_becomes_a_knowledge_base() {
    let names = [
        "Siemens AG",
        "SIEMENS Aktiengesellschaft",
        "Siemens",
        "Bosch GmbH",
    ];
    let c = Clusterer::new().cluster(&names).unwrap();
    let kb = c.to_knowledge_base().unwrap();
    assert_eq!(kb.len(), c.clusters().len());
    let resolver = Resolver::new(kb).unwrap();
    for name in names {
        let m = resolver.resolve(name).unwrap();
        let cluster =
            &c.clusters()[c.labels()[names.iter().position(|n| *n == name).unwrap()].unwrap()];
        assert_eq!(m.id, cluster.entity_id, "{name}");
    }
}

#[test]
fn bad_arguments_are_errors() {
    assert!(Clusterer::new().threshold(1.5).cluster(&["a"]).is_err());
    assert!(Clusterer::new()
        .threshold(f64::NAN)
        .cluster(&["a"])
        .is_err());
    assert!(canonica::ngram_fingerprint("abc", 0).is_err());
    let empty = Clusterer::new().cluster::<&str>(&[]).unwrap();
    assert!(empty.labels().is_empty() && empty.clusters().is_empty());
}

#[test]
fn a_cancelled_clustering_stops() {
    let progress = Progress::new();
    progress.cancel();
    let names: Vec<Option<&str>> = vec![Some("a b"), Some("a c")];
    assert!(Clusterer::new().cluster_with(&names, &progress).is_err());
}
