//! The core's seams, checked from its sources: the top-level modules of `src/` import each other
//! without a cycle (see ARCHITECTURE.md), and no file grows past the size a reader can hold.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The longest a core source file may be, in lines.
const MAX_CORE_LINES: usize = 700;
/// The longest a bindings source file may be, in lines.
const MAX_BINDINGS_LINES: usize = 500;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to: `src/index/build.rs` is `index`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The code of a file without its unit tests and comments.
fn code_of(text: &str) -> String {
    let code = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => text,
    };
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules named by `crate::x` paths in `code`, `crate::{x, y::z}` included.
fn imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            // Only the first segment of each item names a module.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group[..end].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        found.insert(ident(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

#[test]
fn core_modules_import_each_other_without_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" {
            continue;
        }
        let code = code_of(&fs::read_to_string(file).unwrap());
        let deps = graph.entry(module.clone()).or_default();
        deps.extend(imports(&code).into_iter().filter(|m| *m != module));
    }
    assert!(graph.contains_key("rules") && graph.contains_key("index"));
    // Peel off modules that import nothing left; whatever remains lies on a cycle.
    let mut left = graph.clone();
    loop {
        let leaves: Vec<String> = left
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !left.contains_key(d)))
            .map(|(m, _)| m.clone())
            .collect();
        if leaves.is_empty() {
            break;
        }
        for m in leaves {
            left.remove(&m);
        }
    }
    assert!(
        left.is_empty(),
        "modules on an import cycle: {:?}",
        left.keys()
    );
    // The rules sit below every stage that scores.
    for stage in ["index", "query", "candidates", "score", "resolve", "link"] {
        assert!(
            graph[stage].contains("rules"),
            "{stage} reads the shared rules"
        );
        assert!(!graph["rules"].contains(stage), "rules import {stage}");
    }
    assert!(
        !graph["index"].contains("store"),
        "the codec sits below the index"
    );
}

#[test]
fn the_import_reader_sees_grouped_paths() {
    let code = "use crate::{index::Index, rules::{self, edit_budget}};\nuse crate::kb::Entity;";
    let found: Vec<String> = imports(code).into_iter().collect();
    assert_eq!(found, ["index", "kb", "rules"]);
}

#[test]
fn source_files_stay_short() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (dir, limit) in [
        ("src", MAX_CORE_LINES),
        ("crates/canonica-py/src", MAX_BINDINGS_LINES),
    ] {
        let mut files = Vec::new();
        rust_files(&root.join(dir), &mut files);
        assert!(!files.is_empty(), "{dir} holds Rust files");
        for file in files {
            let lines = fs::read_to_string(&file).unwrap().lines().count();
            assert!(
                lines <= limit,
                "{} has {lines} lines; split it along a seam (at most {limit})",
                file.display()
            );
        }
    }
}
