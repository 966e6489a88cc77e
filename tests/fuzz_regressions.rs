//! Replays the inputs kept from fuzzing (`fuzz/regressions/<target>/`) through the same
//! functions the fuzz targets call (`fuzz/src/lib.rs`, included here), so that plain
//! `cargo test` checks every crash ever found and a small corpus of each target without a
//! fuzzer or a nightly toolchain.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::PathBuf;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    for file in files {
        let data = std::fs::read(&file).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{target} fails on {}", file.display());
    }
}

#[test]
fn normalize() {
    replay("normalize", harness::normalize);
}

#[test]
fn resolve() {
    replay("resolve", harness::resolve);
}

#[test]
fn link() {
    replay("link", harness::link);
}

#[test]
fn kb() {
    replay("kb", harness::kb);
}

#[test]
fn saved() {
    replay("saved", harness::saved);
}

#[test]
fn the_crc_of_the_harness_is_the_crc_of_the_saved_format() {
    for data in [&b""[..], b"canonica", &[0xff; 1000]] {
        assert_eq!(harness::crc32(data), crc32fast::hash(data));
    }
}
