//! The codegen crate's one error type: what went wrong, with the path or
//! name at fault, and the cause kept as a source.

use std::path::PathBuf;

/// A failure of `generate`, `add_tool` or the writer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `--out` already holds files and `--force` was not given.
    #[error("Refused to write into `{}`: it is not empty (pass --force to regenerate; files you edited are kept)", path.display())]
    OutNotEmpty {
        /// The output folder.
        path: PathBuf,
    },
    /// A file or folder could not be read.
    #[error("Failed to read `{}`", path.display())]
    Read {
        /// What was read.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file or folder could not be written.
    #[error("Failed to write `{}`", path.display())]
    Write {
        /// What was written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A template (built in or an override) failed to parse or render.
    #[error("Failed to render template `{name}`")]
    Render {
        /// The template's file name.
        name: String,
        /// minijinja's error, with the line.
        #[source]
        source: minijinja::Error,
    },
    /// A file in `--templates DIR` does not override any built-in template.
    #[error(
        "Found `{name}` in the templates folder, but no built-in template has that name (known: {known})"
    )]
    UnknownTemplate {
        /// The file name.
        name: String,
        /// The built-in names, comma-separated.
        known: String,
    },
    /// The catalog has no tools to generate.
    #[error("Found no tools to generate: the document (after filters) has no operations")]
    NoTools,
    /// `add-tool` was asked for an operation the document does not have.
    #[error(
        "Found no operation `{operation}` in the document (operationIds or tool names; e.g. {examples})"
    )]
    UnknownOperation {
        /// What was asked for.
        operation: String,
        /// A few that exist.
        examples: String,
    },
    /// `add-tool` target is not a modular project restmcp wrote.
    #[error("`{}` is not a modular project written by `restmcp generate`: {reason}", path.display())]
    NotAProject {
        /// The project folder.
        path: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// `add-tool` for a tool the project already has.
    #[error("The project already has tool `{tool}` (`{}`)", path.display())]
    ToolExists {
        /// The tool name.
        tool: String,
        /// Its file.
        path: PathBuf,
    },
    /// The manifest file exists but is not what restmcp writes.
    #[error("Failed to parse the manifest `{}`", path.display())]
    Manifest {
        /// The manifest path.
        path: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
