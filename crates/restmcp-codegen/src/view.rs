//! The plain data templates see: one [`ToolView`] per catalog tool and one
//! [`ModelView`] per schema `$defs` entry, built here so that the templates
//! hold no logic beyond loops. Reads the catalog IR only.

use std::collections::{BTreeMap, BTreeSet};

use restmcp_catalog::{ArgBinding, BodyKind, ParamLocation, ToolDef, related};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::options::AuthPattern;
use crate::python;
use crate::pytype::{self, Hinter, LiteralAlias, Refs};

/// One tool as the templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct ToolView {
    /// The MCP tool name.
    pub name: String,
    /// The Python function and module name.
    pub func: String,
    /// Title from the summary.
    pub title: Option<String>,
    /// The docstring's body (description), docstring-safe.
    pub doc: String,
    /// One line for tables.
    pub summary: String,
    /// `GET`…
    pub method: String,
    /// The path template.
    pub path: String,
    /// Annotation hints.
    pub read_only: bool,
    /// DELETE.
    pub destructive: bool,
    /// Safe to repeat.
    pub idempotent: bool,
    /// The function's parameters (the tool's arguments).
    pub params: Vec<ParamView>,
    /// Where every argument goes.
    pub bindings: Vec<BindingView>,
    /// The argument the caller's identity fills (patterns 1 and 4), if any.
    pub identity: Option<BindingView>,
    /// `json`, `form`, `multipart`, `raw` or empty.
    pub body: &'static str,
    /// The body's media type.
    pub body_media_type: String,
    /// A raw body argument is base64.
    pub body_base64: bool,
    /// JSON answers are wrapped as `{"result": ...}`.
    pub output_wrapped: bool,
    /// A sibling list tool, for 404 suggestions.
    pub list_tool: Option<String>,
    /// A sibling get tool, for 409 suggestions.
    pub get_tool: Option<String>,
    /// `Literal` aliases the parameters use.
    pub aliases: Vec<LiteralAlias>,
    /// Minimal valid-looking arguments, as a Python dict literal (indent 8).
    pub example_args: String,
    /// The same, for a top-level assignment (indent 0).
    pub example_args_top: String,
    /// Some parameter's hint uses `Any`.
    pub uses_any: bool,
    /// The same arguments as JSON (for documents).
    pub example_json: String,
    /// `get_task(task_id=1)`, for docstrings.
    pub example_call: String,
    /// Argument names (MCP) the tool takes, in order.
    pub arg_names: Vec<String>,
    /// Required argument names (MCP).
    pub required: Vec<String>,
    /// The backend's answer: what a success returns, in words.
    pub returns: String,
}

/// One function parameter.
#[derive(Debug, Clone, Serialize)]
pub struct ParamView {
    /// The Python name.
    pub py: String,
    /// The MCP argument name.
    pub arg: String,
    /// The type hint, `| None` included when optional.
    pub annotation: String,
    /// `Field(...)` keyword arguments, values as Python source.
    pub kwargs: Vec<(String, String)>,
    /// No default.
    pub required: bool,
    /// One line for the docstring's Args section.
    pub doc: String,
}

/// Where one argument goes (a `Param(...)` in the generated code).
#[derive(Debug, Clone, Serialize)]
pub struct BindingView {
    /// The MCP argument name.
    pub arg: String,
    /// The name on the wire.
    pub name: String,
    /// `path`, `query`, `header`, `cookie`, `body_field`, `body`, `form`, `part`, `file`.
    pub location: &'static str,
    /// OpenAPI style.
    pub style: &'static str,
    /// OpenAPI explode.
    pub explode: bool,
    /// Upload file name (`file` parts).
    pub file_name: String,
    /// A part's or file's media type.
    pub content_type: String,
}

/// One pydantic model or enum for `schemas/models.py`.
#[derive(Debug, Clone, Serialize)]
pub struct ModelView {
    /// The class name.
    pub name: String,
    /// The `$defs` key it came from.
    pub original: String,
    /// `model` or `enum`.
    pub kind: &'static str,
    /// Docstring text.
    pub doc: String,
    /// Fields (models).
    pub fields: Vec<FieldView>,
    /// `(NAME, literal)` members (enums).
    pub members: Vec<(String, String)>,
}

/// One model field.
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    /// The Python name.
    pub py: String,
    /// The type hint, `| None` included when optional.
    pub annotation: String,
    /// `Field(...)` keyword arguments (alias, description, constraints).
    pub kwargs: Vec<(String, String)>,
    /// No default.
    pub required: bool,
}

/// The argument a backend uses to say whose data to act on: the
/// `user_header` header, or a `user_id`-like query or header parameter.
#[must_use]
pub fn is_identity(arg: &ArgBinding, user_header: &str) -> bool {
    match arg.location {
        ParamLocation::Header => {
            arg.name.eq_ignore_ascii_case(user_header) || python::identifier(&arg.name) == "user_id"
        }
        ParamLocation::Query | ParamLocation::Cookie => python::identifier(&arg.name) == "user_id",
        _ => false,
    }
}

/// Builds the view of every tool; `auth` decides whether identity
/// arguments are hidden.
#[must_use]
pub fn tools(tools: &[ToolDef], auth: AuthPattern, user_header: &str) -> Vec<ToolView> {
    let mut funcs = BTreeSet::new();
    tools
        .iter()
        .map(|tool| tool_view(tool, tools, auth, user_header, &mut funcs))
        .collect()
}

fn tool_view(
    tool: &ToolDef,
    siblings: &[ToolDef],
    auth: AuthPattern,
    user_header: &str,
    funcs: &mut BTreeSet<String>,
) -> ToolView {
    let name = tool.name.as_str().to_owned();
    let func = python::unique(python::identifier(&name), funcs);
    let empty = Map::new();
    let defs = tool
        .input_schema
        .get("$defs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let props = tool
        .input_schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut taken: BTreeSet<String> = ["ENDPOINT", "Annotated", "Any", "Literal", "Field"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    taken.insert(func.clone());
    let mut hinter = Hinter::new(Refs::Inline(defs), taken);
    let prefix = python::class_name(&name);
    let mut params = Vec::new();
    let mut bindings = Vec::new();
    let mut identity = None;
    let mut py_names: BTreeSet<String> = BTreeSet::new();
    let mut example = Map::new();
    let mut arg_names = Vec::new();
    let mut required = Vec::new();
    for arg in &tool.binding.args {
        let binding = binding_view(arg);
        if auth.injects_caller() && is_identity(arg, user_header) {
            identity = Some(binding);
            continue;
        }
        bindings.push(binding);
        let schema = props.get(&arg.arg).cloned().unwrap_or(Value::Bool(true));
        let (mut hint, nullable) = hinter.hint(
            &schema,
            &format!("{prefix}{}", python::class_name(&arg.arg)),
        );
        let mut kwargs = Vec::new();
        let py = python::unique(python::identifier(&arg.arg), &mut py_names);
        if py != arg.arg {
            kwargs.push(("alias".to_owned(), python::string(&arg.arg)));
        }
        let description = schema
            .get("description")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map_or_else(|| format!("The `{}` argument.", arg.arg), str::to_owned);
        kwargs.push(("description".to_owned(), python::string(&description)));
        kwargs.extend(pytype::constraints(&schema, &hint));
        if (nullable || !arg.required) && hint != "Any" && hint != "None" {
            hint.push_str(" | None");
        }
        if arg.required {
            example.insert(arg.arg.clone(), example_value(&schema, defs, 0));
            required.push(arg.arg.clone());
        }
        arg_names.push(arg.arg.clone());
        let first_line = description.lines().next().unwrap_or_default().to_owned();
        params.push(ParamView {
            doc: python::docstring_text(&format!("{py}: {first_line}")),
            py,
            arg: arg.arg.clone(),
            annotation: hint,
            kwargs,
            required: arg.required,
        });
    }
    let (body, body_media_type, body_base64) = match &tool.binding.body {
        None => ("", String::new(), false),
        Some(b) => (
            match b.kind {
                BodyKind::Json => "json",
                BodyKind::Form => "form",
                BodyKind::Multipart => "multipart",
                BodyKind::Raw => "raw",
            },
            b.media_type.clone(),
            b.base64,
        ),
    };
    let example_value = Value::Object(example);
    let example_call = format!(
        "{func}({})",
        params
            .iter()
            .filter(|p| p.required)
            .map(|p| format!(
                "{}={}",
                p.py,
                compact_literal(example_value.get(&p.arg).unwrap_or(&Value::Null))
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let returns = match (&tool.output_schema, &tool.binding.response) {
        (Some(_), _) if tool.output_wrapped => "The backend's JSON answer as `{\"result\": ...}` (structured content) with a text copy.".to_owned(),
        (Some(_), _) => "The backend's JSON object (structured content) with a text copy.".to_owned(),
        (None, Some(r)) => match &r.media_type {
            Some(m) => format!("The backend's `{m}` answer (HTTP {}).", r.status),
            None => format!("A confirmation (HTTP {}, no content).", r.status),
        },
        (None, None) => "The backend's answer.".to_owned(),
    };
    let description = tool.description.clone().unwrap_or_else(|| name.clone());
    let uses_any = params
        .iter()
        .any(|p| python::mentions(&p.annotation, "Any"));
    ToolView {
        summary: description
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned(),
        doc: python::docstring_text(&description),
        title: tool.title.clone(),
        method: tool.binding.method.as_str().to_owned(),
        path: tool.binding.path.clone(),
        read_only: tool.annotations.read_only,
        destructive: tool.annotations.destructive,
        idempotent: tool.annotations.idempotent,
        params,
        bindings,
        identity,
        body,
        body_media_type,
        body_base64,
        output_wrapped: tool.output_wrapped,
        list_tool: related::list_tool_for(tool, siblings).map(|t| t.name.as_str().to_owned()),
        get_tool: related::get_tool_for(tool, siblings).map(|t| t.name.as_str().to_owned()),
        aliases: hinter.aliases,
        example_args: python::literal(&example_value, 8),
        example_args_top: python::literal(&example_value, 0),
        uses_any,
        example_json: serde_json::to_string(&example_value).unwrap_or_default(),
        example_call: python::docstring_text(&example_call),
        arg_names,
        required,
        returns,
        name,
        func,
    }
}

fn binding_view(arg: &ArgBinding) -> BindingView {
    let location = match arg.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
        ParamLocation::BodyField => "body_field",
        ParamLocation::Body => "body",
        ParamLocation::FormField => "form",
        ParamLocation::MultipartField { file: false } => "part",
        ParamLocation::MultipartField { file: true } => "file",
    };
    let style = arg.style.as_str();
    let is_file = matches!(arg.location, ParamLocation::MultipartField { file: true });
    let content_type = if is_file {
        arg.content_type
            .clone()
            .filter(|c| !c.contains('*'))
            .unwrap_or_else(|| "application/octet-stream".to_owned())
    } else {
        arg.content_type.clone().unwrap_or_default()
    };
    let file_name = if is_file {
        arg.upload_file_name()
    } else {
        String::new()
    };
    BindingView {
        arg: arg.arg.clone(),
        name: arg.name.clone(),
        location,
        style,
        explode: arg.explode,
        file_name,
        content_type,
    }
}

/// A value that satisfies the obvious parts of a schema: the first enum
/// value, an example, a minimum, a date for `format: date`.
#[must_use]
pub fn example_value(schema: &Value, defs: &Map<String, Value>, depth: usize) -> Value {
    let Some(s) = schema.as_object() else {
        return json!("example");
    };
    if depth > 6 {
        return Value::Null;
    }
    if let Some(Value::String(r)) = s.get("$ref") {
        let name = r.rsplit('/').next().unwrap_or_default();
        return defs
            .get(name)
            .map_or(Value::Null, |d| example_value(d, defs, depth + 1));
    }
    if let Some(v) = s.get("const") {
        return v.clone();
    }
    if let Some(first) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|values| values.iter().find(|v| !v.is_null()))
    {
        return first.clone();
    }
    if let Some(first) = s
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|examples| examples.first())
    {
        return first.clone();
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(first) = s.get(key).and_then(Value::as_array).and_then(|branches| {
            branches
                .iter()
                .find(|b| b.get("type").and_then(Value::as_str) != Some("null"))
        }) {
            return example_value(first, defs, depth + 1);
        }
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string"),
        _ if s.contains_key("properties") => "object",
        _ => "string",
    };
    match ty {
        "integer" => {
            let min = s.get("minimum").and_then(Value::as_i64).unwrap_or(1);
            json!(min.max(1))
        }
        "number" => json!(
            s.get("minimum")
                .and_then(Value::as_f64)
                .unwrap_or(1.0)
                .max(1.0)
        ),
        "boolean" => json!(true),
        "array" => {
            let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            if min == 0 {
                json!([])
            } else {
                let item = s
                    .get("items")
                    .map_or(json!("example"), |i| example_value(i, defs, depth + 1));
                Value::Array(vec![item; usize::try_from(min.min(3)).unwrap_or(1)])
            }
        }
        "object" => {
            let mut out = Map::new();
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(Value::Object(props)) = s.get("properties") {
                for name in required {
                    if let Some(p) = props.get(name) {
                        out.insert(name.to_owned(), example_value(p, defs, depth + 1));
                    }
                }
            }
            Value::Object(out)
        }
        "null" => Value::Null,
        _ => {
            let text = match s.get("format").and_then(Value::as_str) {
                Some("date") => "2025-01-31",
                Some("date-time") => "2025-01-31T12:00:00Z",
                Some("email") => "user@example.com",
                Some("uri" | "url") => "https://example.com",
                Some("uuid") => "00000000-0000-4000-8000-000000000000",
                Some("binary" | "byte") => "aGVsbG8=",
                _ if s.contains_key("contentEncoding") || s.contains_key("contentMediaType") => {
                    "aGVsbG8="
                }
                _ => "example",
            };
            let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0);
            let mut text = text.to_owned();
            while (text.len() as u64) < min {
                text.push('x');
            }
            json!(text)
        }
    }
}

/// A one-line Python literal (for docstring examples).
fn compact_literal(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => python::string(s),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(compact_literal)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", python::string(k), compact_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The `$defs` of every tool (input and output), first definition of a
/// name wins, as pydantic models and enums.
#[must_use]
pub fn models(tools: &[ToolDef]) -> (Vec<ModelView>, Vec<LiteralAlias>) {
    let mut defs = Map::new();
    for tool in tools {
        for schema in std::iter::once(&tool.input_schema).chain(tool.output_schema.as_ref()) {
            if let Some(Value::Object(d)) = schema.get("$defs") {
                for (name, def) in d {
                    if !defs.contains_key(name) {
                        defs.insert(name.clone(), def.clone());
                    }
                }
            }
        }
    }
    let mut sorted: Vec<(&String, &Value)> = defs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut taken: BTreeSet<String> = [
        "Any",
        "BaseModel",
        "ConfigDict",
        "Enum",
        "Field",
        "Literal",
        "annotations",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut classes = BTreeMap::new();
    for (name, def) in &sorted {
        if is_model(def) || is_string_enum(def) {
            let class = python::class_name(name);
            let class = if taken.contains(&class) {
                format!("{class}Model")
            } else {
                class
            };
            let class = python::unique(class, &mut taken);
            classes.insert((*name).clone(), class);
        }
    }
    let mut hinter = Hinter::new(
        Refs::Classes {
            classes: &classes,
            defs: &defs,
        },
        taken,
    );
    let mut views = Vec::new();
    for (name, def) in sorted {
        let Some(class) = classes.get(name) else {
            continue;
        };
        let text = |key: &str| {
            def.get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|t| !t.is_empty())
        };
        let doc = text("description")
            .or_else(|| text("title"))
            .map_or_else(|| format!("The `{name}` schema."), str::to_owned);
        if is_string_enum(def) {
            let mut members = Vec::new();
            let mut names = BTreeSet::new();
            for value in def
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Value::String(s) = value {
                    let member =
                        python::unique(python::identifier(s).to_ascii_uppercase(), &mut names);
                    members.push((member, python::string(s)));
                }
            }
            views.push(ModelView {
                name: class.clone(),
                original: name.clone(),
                kind: "enum",
                doc: python::docstring_text(&doc),
                fields: Vec::new(),
                members,
            });
            continue;
        }
        let required: BTreeSet<&str> = def
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut fields = Vec::new();
        let mut py_names = BTreeSet::new();
        if let Some(Value::Object(props)) = def.get("properties") {
            for (field, schema) in props {
                let (mut hint, nullable) =
                    hinter.hint(schema, &format!("{class}{}", python::class_name(field)));
                let py = python::unique(python::identifier(field), &mut py_names);
                let mut kwargs = Vec::new();
                let is_required = required.contains(field.as_str());
                if !is_required {
                    kwargs.push(("default".to_owned(), "None".to_owned()));
                }
                if py != *field {
                    kwargs.push(("alias".to_owned(), python::string(field)));
                }
                if let Some(d) = schema.get("description").and_then(Value::as_str) {
                    let d = d.trim();
                    if !d.is_empty() {
                        kwargs.push(("description".to_owned(), python::string(d)));
                    }
                }
                kwargs.extend(pytype::constraints(schema, &hint));
                if (nullable || !is_required) && hint != "Any" && hint != "None" {
                    hint.push_str(" | None");
                }
                fields.push(FieldView {
                    py,
                    annotation: hint,
                    kwargs,
                    required: is_required,
                });
            }
        }
        views.push(ModelView {
            name: class.clone(),
            original: name.clone(),
            kind: "model",
            doc: python::docstring_text(&doc),
            fields,
            members: Vec::new(),
        });
    }
    (views, hinter.aliases)
}

fn is_model(def: &Value) -> bool {
    def.get("type").and_then(Value::as_str) == Some("object") || def.get("properties").is_some()
}

fn is_string_enum(def: &Value) -> bool {
    def.get("enum")
        .and_then(Value::as_array)
        .is_some_and(|v| !v.is_empty() && v.iter().all(Value::is_string))
}
