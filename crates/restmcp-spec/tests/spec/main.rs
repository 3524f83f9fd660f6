//! Integration tests of `restmcp-spec`, one binary: fixtures (one behaviour
//! per file under `fixtures/openapi/spec/`), URL loading against a local
//! server, FastAPI-free app imports, and the shared real-world corpus.

#![allow(clippy::unwrap_used)]

mod app;
mod contract;
mod corpus;
mod fixtures;
mod url;

use std::path::{Path, PathBuf};

/// `fixtures/openapi/spec/{name}` at the workspace root.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/openapi/spec")
        .join(name)
}
