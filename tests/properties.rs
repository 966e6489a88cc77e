//! Properties of the Rust API checked on generated input (proptest); `tests/test_properties.py`
//! checks the same through the Python bindings with hypothesis.
//!
//! - normalize is idempotent, and its output is lowercase ASCII words separated by one space;
//! - every name and alias of an entity, in a knowledge base where no two entities share a
//!   normalized name, resolves to that entity;
//! - a resolver saved and loaded gives identical answers (resolve, candidates, link);
//! - `resolve_many` equals `resolve` item by item;
//! - link offsets slice the original text to the mention, on character boundaries;
//! - a knowledge base written as JSON Lines reads back equal, data and weights included.

use std::collections::HashMap;
use std::sync::OnceLock;

use canonica::{Entity, KnowledgeBase, LinkOptions, Resolver};
use proptest::prelude::*;

fn seed() -> &'static Resolver {
    static SEED: OnceLock<Resolver> = OnceLock::new();
    SEED.get_or_init(|| {
        let text = include_str!("../examples/seed_kb.jsonl");
        Resolver::new(KnowledgeBase::read_jsonl(text.as_bytes()).unwrap()).unwrap()
    })
}

/// Names people write, and pieces of them, to mix into generated text.
const PIECES: &[&str] = &[
    "Tokayev",
    "President Kassym-Jomart Tokayev",
    "UAE",
    "U.A.E.",
    "United Arab Emirates",
    "Kazakhstan’s",
    "Netanyahu",
    "Bibi",
    "US–Kazakh",
    "Токаев",
    "Қазақстан",
    "the",
    "said",
    ",",
    ".",
    "-",
    "’s",
    " ",
    "\n",
    "İ",
    "ß",
    "\u{200b}",
    "\u{0301}",
    "😀",
];

/// Text made of known names, punctuation and arbitrary characters.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(PIECES).prop_map(str::to_string),
            1 => any::<String>(),
            1 => "[a-zA-Z .'-]{0,12}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.join(" "))
}

/// A word of the generated knowledge bases: capitalised, starting with Q or Z so that it is no
/// title, legal form, nickname or small word.
fn word() -> impl Strategy<Value = String> {
    "[QZ][a-z]{2,7}"
}

/// A name of one to three words.
fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 1..=3).prop_map(|w| w.join(" "))
}

/// Knowledge bases of up to eight entities, each with a name and up to two aliases, where no two
/// entities share a normalized name (within one entity, repeats are fine).
fn unambiguous_kb() -> impl Strategy<Value = KnowledgeBase> {
    prop::collection::vec(
        (name(), prop::collection::vec(name(), 0..=2), any::<bool>()),
        1..=8,
    )
    .prop_map(|entities| {
        let mut owner: HashMap<String, usize> = HashMap::new();
        let mut kb = KnowledgeBase::new();
        for (i, (name, aliases, person)) in entities.into_iter().enumerate() {
            let names: Vec<&String> = std::iter::once(&name).chain(&aliases).collect();
            let keys: Vec<String> = names.iter().map(|n| canonica::normalize(n)).collect();
            if keys.iter().any(|k| owner.get(k).is_some_and(|&o| o != i)) {
                continue;
            }
            for k in keys {
                owner.insert(k, i);
            }
            let mut e = Entity::new(format!("e{i}"), name.clone()).with_aliases(aliases);
            if person {
                e = e.with_kind("person");
            }
            kb.add(e).unwrap();
        }
        kb
    })
}

/// Any JSON value a record's data may hold, a few levels deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Entities with any strings, weights and data; those that fail validation are left out.
fn any_kb() -> impl Strategy<Value = KnowledgeBase> {
    let entity = (
        any::<String>(),
        text(),
        prop::collection::vec(any::<String>(), 0..3),
        prop::option::of(any::<String>()),
        prop_oneof![Just(1.0), 1e-300f64..1e300],
        prop::collection::btree_map(any::<String>(), json_value(), 0..3),
    );
    prop::collection::vec(entity, 0..6).prop_map(|entities| {
        let mut kb = KnowledgeBase::new();
        for (id, name, aliases, kind, weight, data) in entities {
            let mut e = Entity::new(id, name)
                .with_aliases(aliases)
                .with_weight(weight);
            e.kind = kind;
            e.data = data.into_iter().collect();
            let _ = kb.add(e);
        }
        kb
    })
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn normalize_is_idempotent(s in text()) {
        let once = canonica::normalize(&s);
        prop_assert_eq!(canonica::normalize(&once), once.clone());
        prop_assert!(once.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' '));
        prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
    }

    #[test]
    fn normalize_is_idempotent_on_any_string(s in any::<String>()) {
        let once = canonica::normalize(&s);
        prop_assert_eq!(canonica::normalize(&once), once);
    }

    #[test]
    fn every_alias_resolves_to_its_entity(kb in unambiguous_kb()) {
        let resolver = Resolver::new(kb).unwrap();
        for e in resolver.knowledge_base().entities() {
            for n in e.names() {
                let found = resolver.resolve(n);
                prop_assert_eq!(
                    found.as_ref().map(|m| m.id.as_str()),
                    Some(e.id.as_str()),
                    "{:?} of {:?}: {:?}",
                    n,
                    e.id,
                    found
                );
            }
        }
    }

    #[test]
    fn save_and_load_give_identical_answers(kb in unambiguous_kb(), queries in prop::collection::vec(text(), 0..6)) {
        let resolver = Resolver::new(kb).unwrap();
        let loaded = Resolver::from_bytes(&resolver.to_bytes()).unwrap();
        prop_assert_eq!(loaded.to_bytes(), resolver.to_bytes());
        let names: Vec<String> = resolver
            .knowledge_base()
            .entities()
            .iter()
            .flat_map(|e| e.names().map(str::to_string))
            .chain(queries)
            .collect();
        for q in &names {
            prop_assert_eq!(loaded.resolve(q), resolver.resolve(q));
            prop_assert_eq!(loaded.candidates(q, 5), resolver.candidates(q, 5));
        }
        let all = names.join(", ");
        let options = LinkOptions { overlapping: true, fuzzy: true, ..LinkOptions::default() };
        prop_assert_eq!(loaded.link_with(&all, &options), resolver.link_with(&all, &options));
    }

    #[test]
    fn jsonl_round_trips(kb in any_kb()) {
        let mut jsonl = Vec::new();
        kb.write_jsonl(&mut jsonl).unwrap();
        let back = KnowledgeBase::read_jsonl(jsonl.as_slice()).unwrap();
        prop_assert_eq!(back.entities(), kb.entities());
    }

    #[test]
    fn resolve_many_equals_resolve(names in prop::collection::vec(text(), 0..16)) {
        let r = seed();
        let batch = r.resolve_many(&names);
        prop_assert_eq!(batch.len(), names.len());
        for (name, got) in names.iter().zip(batch) {
            prop_assert_eq!(got, r.resolve(name));
        }
    }

    #[test]
    fn link_offsets_slice_the_text(s in text(), overlapping in any::<bool>(), fuzzy in any::<bool>()) {
        let options = LinkOptions { overlapping, fuzzy, ..LinkOptions::default() };
        let found = seed().link_with(&s, &options);
        for m in &found {
            prop_assert!(m.start < m.end && m.end <= s.len());
            prop_assert!(s.is_char_boundary(m.start) && s.is_char_boundary(m.end));
            prop_assert_eq!(&s[m.start..m.end], m.text.as_str());
        }
        if !overlapping {
            prop_assert!(found.windows(2).all(|w| w[0].end <= w[1].start));
        }
    }
}

#[test]
fn linked_names_are_found_in_generated_text() {
    // Not only empty answers: the generated texts do hold mentions.
    let text = PIECES.join(" ");
    let found = seed().link(&text);
    assert!(found.len() >= 5, "{found:?}");
}
