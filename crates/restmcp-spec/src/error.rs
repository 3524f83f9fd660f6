//! The crate's one error type: every way loading a document can fail, with the
//! input that caused it as named fields and what to do about it in the message.

use std::path::PathBuf;

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Why a document could not be loaded. Messages start with what failed, put
/// values in backticks, keep the cause in `source()` and end with what to do.
/// They never contain the document itself, only pointers into it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    #[error("Failed to read the OpenAPI document `{}`; check that the file exists and is readable", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The HTTP client could not be set up (TLS backend).
    #[error(
        "Failed to set up the HTTP client; this is an environment problem (TLS roots), not one of the document"
    )]
    HttpClient {
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },

    /// An `http(s)` source did not parse as a URL.
    #[error("Failed to parse `{url}` as a URL; pass a full `http://` or `https://` URL")]
    InvalidUrl {
        /// The text given.
        url: String,
        /// The parse error.
        #[source]
        source: url::ParseError,
    },

    /// The request for a URL failed before any answer came (connection refused, DNS, TLS).
    #[error("Failed to fetch `{url}`; check that the server is running and the URL is right")]
    Fetch {
        /// The URL requested.
        url: String,
        /// What the HTTP client reported.
        #[source]
        source: reqwest::Error,
    },

    /// Neither the URL nor its `/openapi.json` fallback served an OpenAPI document.
    #[error(
        "Failed to find an OpenAPI document at {tried}; pass the URL of the document itself (FastAPI serves it at `/openapi.json`)"
    )]
    NoDocumentAtUrl {
        /// The URL as given.
        url: String,
        /// Each URL tried with what it answered, e.g. "`http://x` (HTTP 404 Not Found)".
        tried: String,
    },

    /// Fetching the URL or importing the app took longer than allowed.
    #[error(
        "Timed out after {seconds} s while {doing}; check that it responds, or allow more time with `--load-timeout`"
    )]
    Timeout {
        /// What was being done, e.g. "fetching `http://…`".
        doing: String,
        /// The limit in seconds.
        seconds: f64,
    },

    /// The Python interpreter for an app source could not be started.
    #[error(
        "Failed to start the Python interpreter `{}`; install Python 3, activate the app's virtualenv, or pass its interpreter with `--python`", python.display()
    )]
    PythonNotFound {
        /// The interpreter tried.
        python: PathBuf,
        /// The spawn error.
        #[source]
        source: std::io::Error,
    },

    /// Importing the app or calling `app.openapi()` failed in Python.
    #[error(
        "Failed to get the OpenAPI document of `{target}` from `{}` ({status}); check that `--app-dir` is the folder that contains the package and that `--python` is the virtualenv with the app's dependencies. Python said:\n{stderr_tail}", python.display()
    )]
    AppFailed {
        /// The `package.module:app` target.
        target: String,
        /// The interpreter used.
        python: PathBuf,
        /// How the process ended, e.g. "exit status: 1".
        status: String,
        /// The last lines of Python's stderr (the traceback's end).
        stderr_tail: String,
    },

    /// The app ran but did not print a JSON document.
    #[error(
        "Failed to read the OpenAPI document printed for `{target}` as JSON; check that `app.openapi()` returns a plain dict (FastAPI's does)"
    )]
    AppOutput {
        /// The `package.module:app` target.
        target: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },

    /// The text is not valid JSON.
    #[error(
        "Failed to parse `{name}` as JSON at line {line}, column {column}; fix the syntax there"
    )]
    InvalidJson {
        /// The document's name (file, URL, app).
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },

    /// The text is not valid YAML.
    #[error(
        "Failed to parse `{name}` as YAML at line {line}, column {column}; fix the syntax there"
    )]
    InvalidYaml {
        /// The document's name (file, URL, app).
        name: String,
        /// 1-based line (0 when the parser gave none).
        line: usize,
        /// 1-based column (0 when the parser gave none).
        column: usize,
        /// The parser's error.
        #[source]
        source: serde_norway::Error,
    },

    /// The YAML uses something JSON cannot hold (a mapping or sequence as a key).
    #[error(
        "Failed to convert `{name}` from YAML to JSON at `{pointer}`: {reason}; rewrite that part as plain JSON-compatible YAML"
    )]
    UnconvertibleYaml {
        /// The document's name.
        name: String,
        /// Where, as a JSON pointer.
        pointer: String,
        /// What could not be converted.
        reason: String,
    },

    /// The document has neither an `openapi` nor a `swagger` field.
    #[error(
        "Failed to recognize `{name}` as an OpenAPI document: it has no `openapi` or `swagger` field ({found}); pass the API's root document, not a fragment of it"
    )]
    NotOpenApi {
        /// The document's name.
        name: String,
        /// What was found instead, e.g. "top-level keys `type`, `properties`".
        found: String,
    },

    /// The `openapi`/`swagger` field names a version this crate does not read.
    #[error(
        "Failed to load `{name}`: `{field}: {version}` is not a supported version; restmcp reads Swagger 2.0, OpenAPI 3.0.x and OpenAPI 3.1.x, so convert the document to one of them"
    )]
    UnsupportedVersion {
        /// The document's name.
        name: String,
        /// `openapi` or `swagger`.
        field: &'static str,
        /// The version found.
        version: String,
    },

    /// A part of the document does not have the shape OpenAPI requires.
    #[error(
        "Failed to read `{pointer}`: expected {expected}, found {found}; fix the document there"
    )]
    InvalidShape {
        /// Where, as a JSON pointer.
        pointer: String,
        /// What OpenAPI expects there.
        expected: &'static str,
        /// What was there (a type or a short description, never the content).
        found: String,
    },

    /// A `$ref` points at nothing.
    #[error(
        "Failed to resolve `$ref: {reference}` at `{pointer}`: {reason}; fix the reference or add what it names"
    )]
    DanglingRef {
        /// The `$ref` as written.
        reference: String,
        /// Where it was found, as a JSON pointer.
        pointer: String,
        /// Which part is missing.
        reason: String,
    },

    /// A `$ref` is not something this crate can follow (anchors, bad escapes).
    #[error(
        "Failed to follow `$ref: {reference}` at `{pointer}`: {reason}; rewrite it as a JSON pointer such as `#/components/schemas/Name`"
    )]
    InvalidRef {
        /// The `$ref` as written.
        reference: String,
        /// Where it was found.
        pointer: String,
        /// Why it cannot be followed.
        reason: String,
    },

    /// `$ref`s that lead back to themselves without reaching a definition.
    #[error(
        "Failed to resolve a `$ref` cycle: {chain}; make one of them a definition instead of a reference"
    )]
    RefCycle {
        /// The chain, e.g. "`#/components/parameters/A` → `#/components/parameters/B` → `#/components/parameters/A`".
        chain: String,
    },

    /// An external `$ref` while external refs are not allowed.
    #[error(
        "Refused to follow the external `$ref: {reference}` at `{pointer}`; bundle the document into one file, or pass `--allow-external-refs` to load files under the document's folder"
    )]
    ExternalRef {
        /// The `$ref` as written.
        reference: String,
        /// Where it was found.
        pointer: String,
    },

    /// An external `$ref` that is allowed in principle but not this one.
    #[error("Refused to follow the external `$ref: {reference}` at `{pointer}`: {reason}")]
    ExternalRefRefused {
        /// The `$ref` as written.
        reference: String,
        /// Where it was found.
        pointer: String,
        /// Why, with what to do.
        reason: String,
    },

    /// An external file named by a `$ref` could not be read or parsed.
    #[error("Failed to load `{}` named by `$ref: {reference}` at `{pointer}`; check that the file exists and is valid JSON or YAML", path.display())]
    ExternalFile {
        /// The `$ref` as written.
        reference: String,
        /// Where it was found.
        pointer: String,
        /// The file.
        path: PathBuf,
        /// The read or parse error.
        #[source]
        source: Box<Error>,
    },
}
