//! Loads an OpenAPI document and hands back one normalized OpenAPI 3.1 shape.
//!
//! Owns: reading a source (file, http(s) URL, or a FastAPI app imported by the
//! user's Python), parsing JSON or YAML (detected by content), resolving
//! `$ref`s, and translating Swagger 2.0 and OpenAPI 3.0 into 3.1.
//! Does not own: anything about MCP, tools, names or HTTP requests to the API
//! itself — that is `restmcp-catalog` and later stages.
//!
//! # The normalized shape (what later stages may rely on)
//!
//! [`Spec::document`] is a `serde_json::Value` (key order preserved) with:
//! - `"openapi": "3.1.0"`; `info` as in the source; `servers` always an array
//!   (Swagger `host`/`basePath`/`schemes` become server URLs; a document
//!   without servers gets none — see [`Spec::base_url`]).
//! - `paths` → path item → lower-case method → operation. Path-item `$ref`s are
//!   resolved; path-level `parameters` are merged into every operation's
//!   `parameters` (the operation's own win on the same `name` + `in`).
//! - every parameter, request body and response is inlined (no `$ref` left in
//!   them except inside schemas); a parameter has `name`, `in`, and `schema`
//!   (or `content` with one media type).
//! - request bodies and responses have `content`: media type → `{schema}`
//!   (plus `encoding`); a media type's `example`/`examples` are dropped.
//!   Swagger `body`/`formData` parameters become `requestBody` (form fields as
//!   an object schema under `application/x-www-form-urlencoded` or
//!   `multipart/form-data`; `type: file` becomes `{type: string, format: binary}`).
//! - every schema (anywhere) is JSON Schema 2020-12 flavoured: `nullable`
//!   folded into `type` arrays / `anyOf` with `{type: null}`; boolean
//!   `exclusiveMinimum`/`exclusiveMaximum` turned numeric; `example` moved to
//!   `examples: [..]`; `x-nullable` honoured.
//! - schema `$ref`s point only at `#/components/schemas/{Name}`, and every one
//!   resolves (a dangling ref is an error naming it). Refs into other places
//!   are hoisted into `components/schemas` under a derived name.
//! - `components.securitySchemes` in 3.x form (Swagger `securityDefinitions`
//!   translated).
//! - non-schema components (`parameters`, `requestBodies`, `responses`,
//!   `headers`, `examples`, `links`, `callbacks`, `pathItems`) are inlined at
//!   every use and then dropped: `components` holds `schemas` (always present,
//!   maybe empty), `securitySchemes` when the source has any, and any
//!   `x-` extensions.
//! - Extensions (`x-…`) are kept as written and not walked: a `$ref` inside
//!   an extension is left untouched.
//!
//! Errors are [`Error`]s that name what failed and where (a JSON pointer) and
//! say what to do. [`Spec::warnings`] lists what was changed beyond the above
//! (renamed schemas, a `collectionFormat: tsv` read as csv, …).
//!
//! # Example
//!
//! ```
//! use restmcp_spec::{LoadOptions, Origin, SourceVersion};
//!
//! let text = r#"{"openapi": "3.0.3", "info": {"title": "Todo", "version": "1"},
//!   "servers": [{"url": "https://{host}/v1", "variables": {"host": {"default": "api.example.com"}}}],
//!   "paths": {"/todos": {"get": {"responses": {"200": {"description": "ok",
//!     "content": {"application/json": {"schema": {"type": "string", "nullable": true}}}}}}}}}"#;
//! let spec = restmcp_spec::parse_str(text, Origin::Inline, &LoadOptions::default())?;
//! assert_eq!(spec.source_version, SourceVersion::OpenApi30);
//! assert_eq!(spec.title(), Some("Todo"));
//! assert_eq!(spec.base_url().map(String::from).as_deref(), Some("https://api.example.com/v1"));
//! let schema = &spec.document["paths"]["/todos"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
//! assert_eq!(schema["type"], serde_json::json!(["string", "null"]));
//! # Ok::<(), restmcp_spec::Error>(())
//! ```

#![deny(missing_docs)]

mod error;
mod normalize;
mod parse;
mod refs;
mod source;
mod swagger;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use url::Url;

pub use crate::error::{Error, Result};

/// Where an OpenAPI document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A JSON or YAML file (told apart by content, not extension).
    File(PathBuf),
    /// An `http://` or `https://` URL. When it does not answer with a
    /// document, `{url}/openapi.json` is tried (FastAPI's default).
    Url(String),
    /// A Python app whose `openapi()` is called without starting a server.
    App(AppSource),
}

impl Source {
    /// `http://…` and `https://…` are URLs; anything else is a file path.
    pub fn parse(arg: &str) -> Source {
        let lower = arg.get(..8).unwrap_or(arg).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Source::Url(arg.to_owned())
        } else {
            Source::File(PathBuf::from(arg))
        }
    }
}

/// A Python (FastAPI) app to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSource {
    /// `package.module:app` (the attribute may be dotted, or a factory).
    pub target: String,
    /// Put first on `sys.path` (default: the current directory).
    pub app_dir: Option<PathBuf>,
    /// The interpreter (default: `$VIRTUAL_ENV/bin/python`, else `python3`).
    pub python: Option<PathBuf>,
}

impl AppSource {
    /// The interpreter to run: `python`, else `$VIRTUAL_ENV`'s, else `python3`.
    #[must_use]
    pub fn interpreter(&self) -> PathBuf {
        self.python.clone().unwrap_or_else(source::default_python)
    }
}

/// How to load a document.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Follow `$ref`s into other files, but only relative paths under the
    /// document's own folder (never URLs, absolute paths or `../` escapes).
    pub allow_external_refs: bool,
    /// Limit for fetching a URL or importing an app (default 30 s).
    pub timeout: Option<Duration>,
}

/// Which OpenAPI version the source was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceVersion {
    /// Swagger 2.0.
    Swagger2,
    /// OpenAPI 3.0.x.
    OpenApi30,
    /// OpenAPI 3.1.x.
    OpenApi31,
}

impl SourceVersion {
    /// `"2.0"`, `"3.0"` or `"3.1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceVersion::Swagger2 => "2.0",
            SourceVersion::OpenApi30 => "3.0",
            SourceVersion::OpenApi31 => "3.1",
        }
    }
}

impl fmt::Display for SourceVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a loaded document came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file, as given.
    File(PathBuf),
    /// The URL that served the document (after the `/openapi.json` fallback).
    Url(Url),
    /// A Python app, by its `package.module:app` target.
    App(String),
    /// Text handed to [`parse_str`] with no location.
    Inline,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Url(url) => f.write_str(url.as_str()),
            Origin::App(target) => f.write_str(target),
            Origin::Inline => f.write_str("<inline document>"),
        }
    }
}

/// A loaded, normalized document. See the crate docs for its shape.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The normalized OpenAPI 3.1 document.
    pub document: Value,
    /// Where it came from.
    pub origin: Origin,
    /// The version it was written in.
    pub source_version: SourceVersion,
    /// What was changed beyond the documented normalization, one sentence each.
    pub warnings: Vec<String>,
}

impl Spec {
    /// The API's base URL: the first server's URL with server variables
    /// replaced by their defaults. A relative URL (or no server at all, which
    /// OpenAPI reads as `/`) is resolved against the document's URL when it
    /// was loaded from one. `None` when that cannot be worked out (a relative
    /// server in a file, an unknown variable, a scheme other than http(s)).
    pub fn base_url(&self) -> Option<Url> {
        let first = self
            .document
            .get("servers")
            .and_then(Value::as_array)
            .and_then(|s| s.first());
        let raw = match first {
            Some(server) => substitute_variables(server)?,
            None => "/".to_owned(),
        };
        let url = match Url::parse(&raw) {
            Ok(url) => url,
            Err(url::ParseError::RelativeUrlWithoutBase) => match &self.origin {
                Origin::Url(base) => base.join(&raw).ok()?,
                _ => return None,
            },
            Err(_) => return None,
        };
        matches!(url.scheme(), "http" | "https").then_some(url)
    }

    /// `info.title`.
    pub fn title(&self) -> Option<&str> {
        self.document.get("info")?.get("title")?.as_str()
    }
}

/// A server's `url` with each `{name}` replaced by `variables.name.default`.
fn substitute_variables(server: &Value) -> Option<String> {
    let url = server.get("url")?.as_str()?;
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}')? + open;
        let name = &rest[open + 1..close];
        let value = server.get("variables")?.get(name)?.get("default")?;
        match value {
            Value::String(s) => out.push_str(s),
            Value::Number(n) => out.push_str(&n.to_string()),
            _ => return None,
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Reads, parses and normalizes the document `source` names.
pub async fn load(source: &Source, options: &LoadOptions) -> Result<Spec> {
    let timeout = options.timeout.unwrap_or(source::DEFAULT_TIMEOUT);
    match source {
        Source::File(path) => {
            let text = source::read_file(path)?;
            parse_str(&text, Origin::File(path.clone()), options)
        }
        Source::Url(url) => {
            let (document, url) = source::fetch(url, timeout).await?;
            from_value(document, Origin::Url(url), options, None)
        }
        Source::App(app) => {
            let document = source::run_app(app, timeout).await?;
            from_value(document, Origin::App(app.target.clone()), options, None)
        }
    }
}

/// Parses and normalizes document text. `origin` names the document in
/// errors and is the base for external refs (a file) and relative server
/// URLs (a URL).
pub fn parse_str(text: &str, origin: Origin, options: &LoadOptions) -> Result<Spec> {
    let document = parse::parse_text(text, &origin.to_string())?;
    from_value(document, origin, options, Some(text))
}

/// Detects the version and normalizes; `text` is the JSON or YAML the
/// document was parsed from, when at hand (it speeds up `$ref` handling).
fn from_value(
    mut document: Value,
    origin: Origin,
    options: &LoadOptions,
    text: Option<&str>,
) -> Result<Spec> {
    let source_version = parse::detect_version(&document, &origin.to_string())?;
    let external = match (&origin, options.allow_external_refs) {
        (_, false) => refs::ExternalPolicy::Refuse,
        (Origin::File(path), true) => refs::ExternalPolicy::Folder(path.clone()),
        (_, true) => refs::ExternalPolicy::NoFolder,
    };
    let warnings = normalize::normalize(&mut document, source_version, external, text)?;
    Ok(Spec {
        document,
        origin,
        source_version,
        warnings,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(document: Value, origin: Origin) -> Spec {
        Spec {
            document,
            origin,
            source_version: SourceVersion::OpenApi31,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn source_parse() {
        assert_eq!(
            Source::parse("http://127.0.0.1:8000"),
            Source::Url("http://127.0.0.1:8000".into())
        );
        assert_eq!(Source::parse("HTTPS://x"), Source::Url("HTTPS://x".into()));
        assert_eq!(Source::parse("api.yaml"), Source::File("api.yaml".into()));
        assert_eq!(Source::parse("httpfile"), Source::File("httpfile".into()));
    }

    #[test]
    fn base_url_rules() {
        let url = |doc: Value, origin: Origin| spec(doc, origin).base_url().map(String::from);
        let from = Origin::Url(Url::parse("http://127.0.0.1:8000/openapi.json").unwrap());
        assert_eq!(
            url(json!({"servers": []}), from.clone()).as_deref(),
            Some("http://127.0.0.1:8000/")
        );
        assert_eq!(
            url(json!({"servers": [{"url": "/api/v1"}]}), from.clone()).as_deref(),
            Some("http://127.0.0.1:8000/api/v1")
        );
        assert_eq!(
            url(
                json!({"servers": [{"url": "/api"}]}),
                Origin::File("a.json".into())
            ),
            None
        );
        assert_eq!(url(json!({"servers": []}), Origin::Inline), None);
        assert_eq!(
            url(
                json!({"servers": [{"url": "{scheme}://x.io:{port}/", "variables": {"scheme": {"default": "http"}, "port": {"default": "81"}}}]}),
                Origin::Inline
            )
            .as_deref(),
            Some("http://x.io:81/")
        );
        assert_eq!(
            url(
                json!({"servers": [{"url": "https://{missing}.x.io"}]}),
                Origin::Inline
            ),
            None
        );
        assert_eq!(
            url(json!({"servers": [{"url": "ftp://x"}]}), Origin::Inline),
            None
        );
    }
}
