use canonica::*;
use std::time::Instant;
#[test]
#[ignore]
fn scratch() {
    let t = Instant::now();
    let kb = KnowledgeBase::from_jsonl("/tmp/cities.jsonl").unwrap();
    println!("kb {:?}", t.elapsed());
    let t = Instant::now();
    let r = Resolver::new(kb).unwrap();
    println!("build {:?}", t.elapsed());
    let qs: Vec<String> = std::fs::read_to_string("/tmp/queries.txt")
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    for pass in 0..3 {
        let t = Instant::now();
        let mut found = 0;
        for q in &qs {
            if r.resolve(q, None).is_some() {
                found += 1;
            }
        }
        let dt = t.elapsed();
        println!(
            "pass {pass} single-thread {:.0} q/s, found {found}",
            qs.len() as f64 / dt.as_secs_f64()
        );
    }
    let t = Instant::now();
    let many = r.resolve_many(&qs, None);
    println!(
        "resolve_many {:.0} q/s ({} found)",
        qs.len() as f64 / t.elapsed().as_secs_f64(),
        many.iter().flatten().count()
    );
}
