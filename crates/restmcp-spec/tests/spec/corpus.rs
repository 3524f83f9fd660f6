//! Every document of the shared corpus (`../shared/corpus/`, see its
//! README): each either loads and satisfies the contract, or fails with a
//! message; fragments (files of multi-file documents) are counted apart.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use restmcp_spec::{Error, LoadOptions, Origin};

use crate::contract::violations;

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn documents(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            documents(&path, out);
        } else {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let is_doc =
                name.ends_with(".json") || name.ends_with(".yaml") || name.ends_with(".yml");
            if is_doc && name != "_index.json" {
                out.push(path);
            }
        }
    }
}

#[test]
fn corpus_loads_or_fails_cleanly() {
    let root = corpus_root();
    let mut paths = Vec::new();
    documents(&root, &mut paths);
    if paths.is_empty() {
        eprintln!(
            "skipping: no corpus at {} (is ../shared beside the repo?)",
            root.display()
        );
        return;
    }
    paths.sort();
    let options = LoadOptions::default();
    let (mut loaded, mut fragments, mut errors, mut broken) = (0, 0, Vec::new(), Vec::new());
    for path in &paths {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) => {
                errors.push(format!("{rel}: unreadable: {err}"));
                continue;
            }
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            restmcp_spec::parse_str(&text, Origin::File(path.clone()), &options)
        }));
        match result {
            Err(_) => broken.push(format!("{rel}: panicked")),
            Ok(Ok(spec)) => {
                loaded += 1;
                let found = violations(&spec.document);
                if !found.is_empty() {
                    broken.push(format!(
                        "{rel}: {} contract violations, first: {}",
                        found.len(),
                        found[..found.len().min(3)].join("; ")
                    ));
                }
            }
            Ok(Err(Error::NotOpenApi { .. })) => fragments += 1,
            Ok(Err(err)) => {
                let message = err.to_string();
                if message.is_empty() {
                    broken.push(format!("{rel}: empty error message"));
                }
                errors.push(format!("{rel}: {}", message.lines().next().unwrap_or("")));
            }
        }
    }
    println!(
        "spec corpus: {} documents, {loaded} loaded, {fragments} fragments, {} errors",
        paths.len(),
        errors.len()
    );
    for error in &errors {
        println!("  error: {error}");
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
