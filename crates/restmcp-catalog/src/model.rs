//! The catalog's IR: a [`ToolDef`] per operation, with everything a later
//! stage (gateway, codegen, CLI listing) needs and nothing OpenAPI-specific.
//!
//! Nothing here knows about HTTP clients, MCP transports or templates; the
//! gateway builds requests from [`HttpBinding`], the CLI and gateway print
//! [`ToolDef::to_mcp_json`].

use serde::Serialize;
use serde_json::{Map, Value};

use crate::naming::ToolName;

/// The result of cataloguing one document: the tools, in document order
/// (paths in document order, the methods of a path item in document order),
/// and every warning.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    /// The tools, deterministic order.
    pub tools: Vec<ToolDef>,
    /// Operations that were skipped or degraded, each naming the operation,
    /// and document-level notes.
    pub warnings: Vec<Warning>,
    /// How many operations the [`Filter`](crate::Filter) left out (asked
    /// for, so not warnings).
    pub filtered: usize,
    /// The document's `components.securitySchemes`, by name (what the tools'
    /// [`HttpBinding::security`] requirements refer to).
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub security_schemes: Map<String, Value>,
}

impl Catalog {
    /// Looks a tool up by its MCP name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&ToolDef> {
        self.tools.iter().find(|t| t.name.as_str() == name)
    }

    /// The MCP `tools` array exactly as `tools/list` returns it.
    #[must_use]
    pub fn to_mcp_json(&self) -> Value {
        Value::Array(self.tools.iter().map(ToolDef::to_mcp_json).collect())
    }
}

/// Something the catalog could not map cleanly; never silent.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Warning {
    /// What happened: skipped, degraded or a note.
    pub kind: WarningKind,
    /// `METHOD /path` of the operation, or empty for document-level warnings
    /// (those about a component schema name it in the message).
    pub operation: String,
    /// What was wrong and what happened to it (skipped, degraded).
    pub message: String,
}

/// The three outcomes a [`Warning`] reports.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// The operation did not become a tool.
    Skipped,
    /// The tool was made, but something of the document was dropped or
    /// loosened (an argument, a keyword, a schema); the message says what.
    Degraded,
    /// Document-level information: webhooks and callbacks (not operations),
    /// an override that matches no operation.
    Note,
}

impl WarningKind {
    /// `skipped`, `degraded` or `note`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Skipped => "skipped",
            Self::Degraded => "degraded",
            Self::Note => "note",
        }
    }
}

impl Warning {
    pub(crate) fn new(
        kind: WarningKind,
        operation: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            operation: operation.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.operation.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "`{}`: {}", self.operation, self.message)
        }
    }
}

/// One MCP tool, built from one OpenAPI operation.
#[derive(Debug, Clone, Serialize)]
pub struct ToolDef {
    /// The MCP tool name: unique, `^[A-Za-z0-9_-]{1,64}$`.
    pub name: ToolName,
    /// Human title (from the operation's `summary`).
    pub title: Option<String>,
    /// Description for the model (summary + description, deprecation noted).
    pub description: Option<String>,
    /// JSON Schema 2020-12 of the arguments: always `"type": "object"`,
    /// self-contained (local `$defs` only).
    pub input_schema: Map<String, Value>,
    /// JSON Schema 2020-12 of `structuredContent`, when the primary 2xx
    /// response is JSON. Always an object schema.
    pub output_schema: Option<Map<String, Value>>,
    /// True when the response JSON is wrapped as `{"result": ...}` because its
    /// schema is not an object.
    pub output_wrapped: bool,
    /// MCP behaviour hints derived from the HTTP method.
    pub annotations: Annotations,
    /// The operation is marked deprecated (the description says so too).
    pub deprecated: bool,
    /// The operation's `operationId`, as written in the document.
    pub operation_id: Option<String>,
    /// The operation's tags.
    pub tags: Vec<String>,
    /// How to turn arguments into an HTTP request.
    pub binding: HttpBinding,
}

impl ToolDef {
    /// This tool as an MCP `Tool` object (`name`, `title`, `description`,
    /// `inputSchema`, `outputSchema`, `annotations`).
    #[must_use]
    pub fn to_mcp_json(&self) -> Value {
        let mut tool = Map::new();
        tool.insert("name".into(), Value::String(self.name.as_str().to_owned()));
        if let Some(title) = &self.title {
            tool.insert("title".into(), Value::String(title.clone()));
        }
        if let Some(description) = &self.description {
            tool.insert("description".into(), Value::String(description.clone()));
        }
        tool.insert(
            "inputSchema".into(),
            Value::Object(self.input_schema.clone()),
        );
        if let Some(output) = &self.output_schema {
            tool.insert("outputSchema".into(), Value::Object(output.clone()));
        }
        let mut annotations = Map::new();
        if let Some(title) = &self.title {
            annotations.insert("title".into(), Value::String(title.clone()));
        }
        annotations.insert("readOnlyHint".into(), self.annotations.read_only.into());
        annotations.insert(
            "destructiveHint".into(),
            self.annotations.destructive.into(),
        );
        annotations.insert("idempotentHint".into(), self.annotations.idempotent.into());
        annotations.insert("openWorldHint".into(), self.annotations.open_world.into());
        tool.insert("annotations".into(), Value::Object(annotations));
        Value::Object(tool)
    }
}

/// MCP tool annotations (hints), derived from the HTTP method.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Annotations {
    /// GET, HEAD (and OPTIONS): does not change state.
    pub read_only: bool,
    /// DELETE: may destroy data. (MCP's default for non-read-only tools is
    /// `true`; we say `false` for POST/PUT/PATCH since they add or update.)
    pub destructive: bool,
    /// PUT, DELETE (and the read-only methods): repeating has no further effect.
    pub idempotent: bool,
    /// Always true: the tool talks to an external system.
    pub open_world: bool,
}

/// An HTTP method the catalog maps.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
}

impl HttpMethod {
    /// All methods, in the order operations of one path are catalogued.
    pub const ALL: [Self; 8] = [
        Self::Get,
        Self::Put,
        Self::Post,
        Self::Delete,
        Self::Options,
        Self::Head,
        Self::Patch,
        Self::Trace,
    ];

    /// Upper-case method name, as sent on the wire.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Put => "PUT",
            Self::Post => "POST",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
            Self::Head => "HEAD",
            Self::Patch => "PATCH",
            Self::Trace => "TRACE",
        }
    }

    /// Lower-case name, as used for the key in an OpenAPI path item.
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Put => "put",
            Self::Post => "post",
            Self::Delete => "delete",
            Self::Options => "options",
            Self::Head => "head",
            Self::Patch => "patch",
            Self::Trace => "trace",
        }
    }

    /// Safe to repeat: GET, HEAD, PUT, DELETE, OPTIONS, TRACE (RFC 9110 §9.2.2).
    #[must_use]
    pub const fn is_idempotent(self) -> bool {
        !matches!(self, Self::Post | Self::Patch)
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for HttpMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.key().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown HTTP method `{s}`"))
    }
}

/// Everything needed to build the HTTP request for a tool call, without the spec.
#[derive(Debug, Clone, Serialize)]
pub struct HttpBinding {
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template as in the document, e.g. `/tasks/{task_id}`.
    pub path: String,
    /// Where each tool argument goes, in input-schema property order.
    pub args: Vec<ArgBinding>,
    /// The request body, when the operation takes one.
    pub body: Option<BodyBinding>,
    /// The primary success response.
    pub response: Option<ResponseInfo>,
    /// The operation's effective security requirements (operation-level, else
    /// document-level): each entry is one alternative, mapping scheme name to
    /// scopes. `None` when the document declares none.
    pub security: Option<Vec<Map<String, Value>>>,
}

/// Where one tool argument goes in the HTTP request.
///
/// For [`ParamLocation::BodyField`] and [`ParamLocation::Body`], `style` is
/// [`ParamStyle::Simple`] and `explode` false: JSON needs neither.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ArgBinding {
    /// The tool argument's name (a property of the input schema).
    pub arg: String,
    /// The name in the HTTP request (parameter name, body field, form field).
    pub name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Serialization style (OpenAPI `style`; defaults applied per location).
    pub style: ParamStyle,
    /// OpenAPI `explode` (defaults applied: true for `form`, else false).
    pub explode: bool,
    /// OpenAPI `allowReserved` for query parameters.
    pub allow_reserved: bool,
    /// The argument is required.
    pub required: bool,
    /// Send the value serialized as this media type instead of by `style`:
    /// a parameter declared with `content` (e.g. `application/json`), or a
    /// form/multipart field whose `encoding` names a `contentType`, or the
    /// media type of a multipart file part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

impl ArgBinding {
    /// The file name an uploaded part is sent with (a base64 argument has
    /// none): the field name, with an extension matching the declared media
    /// type when it is a common one, e.g. `file.png`.
    #[must_use]
    pub fn upload_file_name(&self) -> String {
        let extension = match self.content_type.as_deref().unwrap_or("") {
            "image/png" => ".png",
            "image/jpeg" => ".jpg",
            "image/gif" => ".gif",
            "application/pdf" => ".pdf",
            "text/plain" => ".txt",
            "text/csv" => ".csv",
            "application/json" => ".json",
            _ => ".bin",
        };
        format!("{}{extension}", self.name)
    }
}

/// Where an argument is placed.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ParamLocation {
    /// A `{name}` segment of the path template.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
    /// One property of a JSON object body.
    BodyField,
    /// The whole body (non-object JSON, or any non-JSON/non-form media type).
    Body,
    /// One field of an `application/x-www-form-urlencoded` body.
    FormField,
    /// One part of a `multipart/form-data` body; `file` parts are base64
    /// strings in the tool arguments (arrays of them for several files) and
    /// binary on the wire.
    MultipartField {
        /// The part is a file (`format: binary`, `contentMediaType` or
        /// `contentEncoding` in the document).
        file: bool,
    },
}

impl ParamLocation {
    /// Short name used in collision suffixes (`id__path`) and listings.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
            Self::Cookie => "cookie",
            Self::BodyField | Self::Body => "body",
            Self::FormField | Self::MultipartField { .. } => "form",
        }
    }
}

/// OpenAPI parameter serialization styles.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum ParamStyle {
    /// `;name=value` path style.
    Matrix,
    /// `.value` path style.
    Label,
    /// `name=value` query/cookie style (default for query and cookie).
    Form,
    /// `a,b,c` (default for path and header).
    Simple,
    /// `a b c` arrays.
    SpaceDelimited,
    /// `a|b|c` arrays.
    PipeDelimited,
    /// `name[key]=value` objects.
    DeepObject,
}

impl ParamStyle {
    /// The name OpenAPI uses, e.g. `deepObject`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Matrix => "matrix",
            Self::Label => "label",
            Self::Form => "form",
            Self::Simple => "simple",
            Self::SpaceDelimited => "spaceDelimited",
            Self::PipeDelimited => "pipeDelimited",
            Self::DeepObject => "deepObject",
        }
    }
}

/// The request body of a tool's HTTP request.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BodyBinding {
    /// The chosen media type, e.g. `application/json`.
    pub media_type: String,
    /// How the body is encoded.
    pub kind: BodyKind,
    /// The body is required.
    pub required: bool,
    /// For [`BodyKind::Raw`]: the `body` argument is base64 text, to be
    /// decoded into bytes before sending (binary media types such as
    /// `application/octet-stream`); otherwise it is sent as text.
    pub base64: bool,
}

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// JSON (`application/json` or `+json`).
    Json,
    /// `application/x-www-form-urlencoded`: [`ParamLocation::FormField`]
    /// arguments, or (when the form's fields are not all known, e.g.
    /// `additionalProperties` or a union of models) one `body` object
    /// argument whose keys are the fields.
    Form,
    /// `multipart/form-data`.
    Multipart,
    /// Anything else: the `body` argument is sent as a string (text) or
    /// base64-decoded bytes (binary).
    Raw,
}

/// The primary success response of an operation.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ResponseInfo {
    /// The status code as written (`200`, `201`, `2XX`, `default`).
    pub status: String,
    /// The media type of its content, if it has any.
    pub media_type: Option<String>,
}
