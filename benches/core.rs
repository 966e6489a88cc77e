//! Micro-benchmarks of the hot paths: `normalize` and a single `resolve` against the built-in
//! countries and the seed knowledge base. Run with `cargo bench`.

use std::hint::black_box;

use canonica::{countries, normalize, KnowledgeBase, Resolver};
use criterion::{criterion_group, criterion_main, Criterion};

fn bench_normalize(c: &mut Criterion) {
    let mut group = c.benchmark_group("normalize");
    for (label, text) in [
        ("ascii", "President Kassym-Jomart Tokayev"),
        ("cyrillic", "Президент Касым-Жомарт Токаев"),
        (
            "punctuated",
            "U.A.E. Ministry of Foreign Affairs’ statement",
        ),
    ] {
        group.bench_function(label, |b| b.iter(|| normalize(black_box(text))));
    }
    group.finish();
}

fn bench_resolve(c: &mut Criterion) {
    let countries = Resolver::new(countries()).expect("the built-in knowledge base builds");
    let seed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed_kb.jsonl");
    let seed = Resolver::new(KnowledgeBase::from_jsonl(seed_path).expect("the seed KB loads"))
        .expect("the seed KB builds");
    let mut group = c.benchmark_group("resolve");
    for (label, resolver, name) in [
        ("countries/exact", &countries, "Kazakhstan"),
        ("countries/acronym", &countries, "U.A.E."),
        ("countries/typo", &countries, "Kazakstan"),
        ("countries/none", &countries, "Washington Post"),
        (
            "seed/title+surname",
            &seed,
            "Israeli Prime Minister Netanyahu",
        ),
        ("seed/romanization", &seed, "Tokajew"),
    ] {
        group.bench_function(label, |b| b.iter(|| resolver.resolve(black_box(name))));
    }
    group.finish();
}

criterion_group!(benches, bench_normalize, bench_resolve);
criterion_main!(benches);
