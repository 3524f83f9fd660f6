//! Writes a standalone Python MCP server project from a restmcp catalog:
//! the seed's v2.0 simple and v2.1 modular layouts (FastMCP, httpx,
//! pydantic-settings, tenacity), the documents suite with a security review
//! computed from the generated files, the pattern-4 backend patch, and
//! `add-tool` for an existing project. Reads the catalog IR only, never
//! OpenAPI; no network, no processes.
//!
//! Modules: [`options`] (what the user chose), `view` (the plain data the
//! templates see), `pytype` (JSON Schema → Python hints), `python` (names
//! and literals), `render` (the embedded minijinja templates), `security`
//! (the review's checks), [`manifest`] (writing without losing edits),
//! `project` and `add_tool` (the two entry points).
#![deny(missing_docs)]

mod add_tool;
mod error;
pub mod manifest;
pub mod options;
mod project;
mod python;
mod pytype;
mod render;
mod security;
mod view;

pub use add_tool::{AddToolReport, add_tool};
pub use error::{Error, Result};
pub use manifest::{WriteReport, write_project};
pub use options::{AuthPattern, Options, Structure, StructureChoice, Transport, choose_structure};
pub use project::{Project, backend_patch, env_prefix, generate};
pub use render::TEMPLATES;
