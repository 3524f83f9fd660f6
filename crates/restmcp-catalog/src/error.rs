//! The crate's one error type. Only document-level failures and bad options
//! are errors; a problem with one operation is a [`Warning`](crate::Warning)
//! and the rest of the document still becomes tools.

use crate::naming::InvalidToolName;

/// Why a document (with these options) cannot be catalogued at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The document is not a JSON object.
    #[error("Failed to read the document: expected an object at the top level, found {found}")]
    NotAnObject {
        /// The JSON type found instead.
        found: &'static str,
    },
    /// The document has no `paths`.
    #[error("Failed to find `paths` in the document: there are no operations to turn into tools")]
    MissingPaths,
    /// `paths` is there but is not an object.
    #[error("Failed to read `paths`: expected an object, found {found}")]
    InvalidPaths {
        /// The JSON type found instead.
        found: &'static str,
    },
    /// A tool-name glob of the [`Filter`](crate::Filter) does not parse.
    #[error("Failed to parse the tool-name glob `{glob}`")]
    InvalidGlob {
        /// The glob as given.
        glob: String,
        /// Why globset rejected it.
        #[source]
        source: globset::Error,
    },
    /// An override names a tool name that is not a valid MCP tool name.
    #[error("Failed to use `{name}` as the tool name for `{operation}`")]
    InvalidOverride {
        /// The override's key (an operationId or `METHOD /path`).
        operation: String,
        /// The tool name asked for.
        name: String,
        /// What is wrong with it.
        #[source]
        source: InvalidToolName,
    },
    /// Two overrides ask for the same tool name.
    #[error(
        "Failed to apply the overrides: `{first}` and `{second}` both ask for the tool name `{name}`"
    )]
    DuplicateOverride {
        /// The tool name asked for twice.
        name: String,
        /// The first operation (`METHOD /path`), in document order.
        first: String,
        /// The second operation (`METHOD /path`).
        second: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The JSON type of a value, for error messages.
pub(crate) const fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
