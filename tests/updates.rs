//! Live updates answer as a rebuild: after any sequence of `add`, `update` and `remove`, a
//! resolver gives exactly the matches (ids, scores, evidence), candidates and mentions that a
//! resolver built from scratch on its resulting entities gives.

use canonica::{Entity, KnowledgeBase, LinkOptions, Resolver};
use proptest::prelude::*;

/// Names that share words, make acronyms ("United Arab Emirates", two-word names), block them
/// (an alias "uae" or "us"), carry legal forms, or are persons with shared surnames.
const NAMES: &[&str] = &[
    "United States",
    "United Arab Emirates",
    "United Kingdom",
    "South Africa",
    "Saudi Arabia",
    "South Korea",
    "New Zealand",
    "Kingdom of Saudi Arabia",
    "Deutsche Bank AG",
    "Deutsche Post",
    "Siemens Energy GmbH",
    "The Washington Post",
    "Kassym-Jomart Tokayev",
    "Tokayev",
    "John Smith",
    "Jane Smith",
    "Emmanuel Macron",
    "Kazakhstan",
    "Qazaqstan",
    "UAE",
    "us",
    "sk",
    "Uzbekistan",
    "Springfield",
    "Bank of Korea",
    "Korea Post",
];

/// Identifiers: some written as codes ("SK" blocks South Korea's acronym while it lives).
const IDS: &[&str] = &[
    "US", "AE", "SK", "SA", "ZA", "e1", "e2", "e3", "e4", "e5", "e6", "e7",
];

const KINDS: &[Option<&str>] = &[None, Some("country"), Some("org"), Some("person")];

fn entity(id: usize, name: usize, aliases: &[usize], kind: usize, weight: u8) -> Entity {
    let mut e = Entity::new(IDS[id], NAMES[name])
        .with_aliases(aliases.iter().map(|&a| NAMES[a]))
        .with_weight(f64::from(weight));
    if let Some(kind) = KINDS[kind] {
        e = e.with_kind(kind);
    }
    e
}

fn entity_strategy() -> impl Strategy<Value = Entity> {
    (
        0..IDS.len(),
        0..NAMES.len(),
        prop::collection::vec(0..NAMES.len(), 0..3),
        0..KINDS.len(),
        0u8..4,
    )
        .prop_map(|(id, name, aliases, kind, weight)| entity(id, name, &aliases, kind, weight))
}

#[derive(Clone, Debug)]
enum Op {
    Add(Vec<Entity>),
    Update(Vec<Entity>),
    Remove(Vec<usize>),
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        prop::collection::vec(entity_strategy(), 1..4).prop_map(Op::Add),
        prop::collection::vec(entity_strategy(), 1..4).prop_map(Op::Update),
        prop::collection::vec(0..IDS.len(), 1..3).prop_map(Op::Remove),
    ]
}

/// The queries and texts both resolvers answer.
fn probes() -> (Vec<String>, Vec<String>) {
    let mut queries: Vec<String> = NAMES.iter().map(|n| n.to_string()).collect();
    queries.extend(
        [
            "US",
            "U.S.",
            "UAE",
            "U.A.E.",
            "SA",
            "SK",
            "NZ",
            "KSA",
            "UK",
            "Tokaev",
            "Smith",
            "Deutsche Bank",
            "Washington Post",
            "Untied States",
            "Kazakstan",
            "Springfeld",
            "Korea",
            "Bank",
            "President Tokayev",
        ]
        .map(String::from),
    );
    let texts = vec![
        "US–Kazakh ties: the United Arab Emirates, UAE and SK talks.".to_string(),
        "Kassym-Jomart Tokayev met John Smith; Tokayev and Jane Smith spoke. Smith left.".into(),
        "Deutsche Bank said The Washington Post and Deutsche Post, NZ and South Korea.".into(),
        "Kazakstan, Untied States and Springfeld in Saudi Arabia's south.".into(),
    ];
    (queries, texts)
}

/// Everything a user can observe of `r`'s answers to the probes, as text.
fn answers(r: &Resolver) -> Vec<String> {
    let (queries, texts) = probes();
    let mut out = Vec::new();
    for q in &queries {
        out.push(format!("{q}: {:?}", r.resolve(q)));
        out.push(format!("{q} cands: {:?}", r.candidates(q, 10)));
    }
    out.push(format!("batch: {:?}", r.resolve_many(&queries)));
    for t in &texts {
        for fuzzy in [false, true] {
            let options = LinkOptions {
                fuzzy,
                ..LinkOptions::default()
            };
            out.push(format!("{t}: {:?}", r.link_with(t, &options)));
        }
    }
    out
}

fn apply(r: &Resolver, op: &Op) {
    // A call the resolver refuses (an id taken, missing or given twice) changes nothing; the
    // comparison below checks that too.
    let _ = match op {
        Op::Add(es) => r.add(es.clone()),
        Op::Update(es) => r.update(es.clone()),
        Op::Remove(ids) => r.remove(ids.iter().map(|&i| IDS[i])),
    };
}

fn kb_of(entities: &[Entity]) -> KnowledgeBase {
    let mut kb = KnowledgeBase::new();
    for e in entities {
        // Later duplicates of an id are left out.
        let _ = kb.add(e.clone());
    }
    kb
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn updates_answer_as_a_rebuild(
        start in prop::collection::vec(entity_strategy(), 0..8),
        ops in prop::collection::vec(op_strategy(), 1..8),
        rebuild in any::<bool>(),
    ) {
        // Without rebuilds every change is made in place; with them, some calls rebuild.
        let share = if rebuild { canonica::REBUILD_SHARE } else { f64::INFINITY };
        let live = Resolver::builder().rebuild_share(share).build(kb_of(&start)).unwrap();
        for op in &ops {
            apply(&live, op);
            let rebuilt = Resolver::new(live.knowledge_base()).unwrap();
            prop_assert_eq!(answers(&live), answers(&rebuilt), "after {:?}", op);
        }
        // A save keeps every update, and loads into the same answers.
        let loaded = Resolver::from_bytes(&live.to_bytes()).unwrap();
        prop_assert_eq!(answers(&loaded), answers(&live));
    }
}

#[test]
fn calls_are_atomic_and_errors_name_the_record() {
    let mut kb = KnowledgeBase::new();
    kb.add(Entity::new("KZ", "Kazakhstan")).unwrap();
    let r = Resolver::new(kb).unwrap();
    let before = answers(&r);
    let err = r
        .add([
            Entity::new("UZ", "Uzbekistan"),
            Entity::new("KZ", "Qazaqstan"),
        ])
        .unwrap_err();
    assert_eq!(err.location().record, Some(2));
    assert_eq!(err.location().field.as_deref(), Some("id"));
    assert!(r.entity("UZ").is_none(), "nothing of the call was applied");
    assert_eq!(answers(&r), before);
    let err = r.remove(["KZ", "XX"]).unwrap_err();
    assert_eq!(err.location().record, Some(2));
    assert!(r.contains("KZ"));
    let err = r.update([Entity::new("UZ", "")]).unwrap_err();
    assert_eq!(err.location().field.as_deref(), Some("name"));
    r.update([Entity::new("KZ", "Qazaqstan")]).unwrap();
    assert_eq!(r.resolve("Qazaqstan").unwrap().id, "KZ");
    assert!(
        r.resolve("Kazakhstan").is_none(),
        "the old name went with the update"
    );
    r.remove(["KZ"]).unwrap();
    assert!(r.is_empty());
}

#[test]
fn acronyms_follow_the_words_and_codes_of_the_knowledge_base() {
    let mut kb = KnowledgeBase::new();
    kb.add(Entity::new("kr", "South Korea")).unwrap();
    let r = Resolver::builder()
        .rebuild_share(f64::INFINITY)
        .build(kb)
        .unwrap();
    assert_eq!(r.resolve("SK").unwrap().id, "kr");
    // Slovakia's code "SK" takes the acronym away, and gives it back when it goes.
    r.add([Entity::new("SK", "Slovakia")]).unwrap();
    assert!(r.resolve("SK").is_none());
    r.remove(["SK"]).unwrap();
    assert_eq!(r.resolve("SK").unwrap().id, "kr");
    // A name that holds the word "sk" does too.
    r.add([Entity::new("x", "Sk Group")]).unwrap();
    assert_ne!(r.resolve("SK").map(|m| m.id), Some("kr".to_string()));
    r.remove(["x"]).unwrap();
    assert_eq!(r.resolve("SK").unwrap().id, "kr");
}
