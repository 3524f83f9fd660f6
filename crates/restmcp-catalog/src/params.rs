//! Parameters and request bodies → the tool's input schema and the
//! [`ArgBinding`]s that say where each argument goes.
//!
//! One flat object: path, query, header and cookie parameters in document
//! order (path-level ones the operation does not redeclare, then the
//! operation's own), then the body.
//!
//! - Argument names are the document's names when they only use
//!   `[A-Za-z0-9_.-]` (so `X-User-ID` stays `X-User-ID`); other names are
//!   cleaned (`filter[state]` → `filter_state`) and the binding keeps the
//!   original. When two arguments want the same name (path `id` and body
//!   field `id`), every one of them gets its location as a suffix
//!   (`id__path`, `id__body`) so no name is ambiguous; a clash that remains
//!   gets `_2`, `_3` in order.
//! - Body media type: JSON (`application/json` or any `+json`) first, then
//!   `application/x-www-form-urlencoded`, then `multipart/form-data`, then
//!   the first one listed, sent raw.
//! - A JSON or form body whose schema is a plain object (after following
//!   `$ref`s and merging simple `allOf`s) is flattened: each property is an
//!   argument, required when the body is required and the property is.
//!   Anything else (an array, a primitive, `oneOf`, a map with
//!   `additionalProperties`) is one `body` argument.
//! - Multipart file parts become base64 strings carrying their
//!   `contentMediaType`.
//! - Path parameters are always required. `Accept`, `Content-Type` and
//!   `Authorization` header parameters are ignored, as OpenAPI says.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use crate::error::json_type;
use crate::model::{ArgBinding, BodyBinding, BodyKind, ParamLocation, ParamStyle};
use crate::operation::{Log, OperationRef, Skip, resolve_local};
use crate::schema::{Flavour, Found, Schemas};

/// The input side of a tool.
#[derive(Debug)]
pub(crate) struct Input {
    /// `{"type": "object", "properties": …, "required": …,
    /// "additionalProperties": false, "$defs": …}`.
    pub schema: Map<String, Value>,
    /// One per property, in property order.
    pub args: Vec<ArgBinding>,
    /// The request body, when there is one.
    pub body: Option<BodyBinding>,
}

/// An argument before its final name is known.
struct Arg {
    /// The wanted name (the document's, cleaned if need be).
    base: String,
    schema: Value,
    binding: ArgBinding,
}

impl Arg {
    fn new(name: &str, location: ParamLocation, schema: Value, required: bool) -> Self {
        let (style, explode) = match location {
            ParamLocation::Query
            | ParamLocation::Cookie
            | ParamLocation::FormField
            | ParamLocation::MultipartField { .. } => (ParamStyle::Form, true),
            ParamLocation::Path
            | ParamLocation::Header
            | ParamLocation::BodyField
            | ParamLocation::Body => (ParamStyle::Simple, false),
        };
        Self {
            base: arg_base(name),
            schema,
            binding: ArgBinding {
                arg: String::new(),
                name: name.to_owned(),
                location,
                style,
                explode,
                allow_reserved: false,
                required,
                content_type: None,
            },
        }
    }
}

/// Builds the input schema and bindings of one operation.
pub(crate) fn build_input<'a>(
    op: &OperationRef<'a>,
    document: &'a Map<String, Value>,
    schemas: &mut Schemas<'a>,
    log: &mut Log<'_>,
) -> Result<Input, Skip> {
    let mut found = Found::default();
    let mut args = parameters(op, document, schemas, &mut found, log)?;
    let body = match op.operation.get("requestBody") {
        Some(request_body) => {
            let (body, body_args) =
                request_body_args(request_body, document, schemas, &mut found, log)?;
            args.extend(body_args);
            body
        }
        None => None,
    };

    name_args(&mut args);

    let mut properties = Map::with_capacity(args.len());
    let mut required = Vec::new();
    let mut bindings = Vec::with_capacity(args.len());
    for arg in args {
        if arg.binding.required {
            required.push(Value::String(arg.binding.arg.clone()));
        }
        properties.insert(arg.binding.arg.clone(), arg.schema);
        bindings.push(arg.binding);
    }
    let mut schema = Map::new();
    schema.insert("type".into(), Value::String("object".into()));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    // Every argument is known: the gateway refuses others, and the schema
    // says so, so a client can check before calling.
    schema.insert("additionalProperties".into(), Value::Bool(false));
    let defs = schemas.defs(&found.refs, Flavour::Input);
    if !defs.is_empty() {
        schema.insert("$defs".into(), Value::Object(defs));
    }
    for note in found.notes {
        log.degraded(format!("input schema: {note}"));
    }
    Ok(Input {
        schema,
        args: bindings,
        body,
    })
}

/// Path-level parameters the operation does not redeclare, then the
/// operation's own (the normalized shape has merged them already; a raw
/// document may not have).
fn declared_parameters<'a>(
    op: &OperationRef<'a>,
    document: &'a Map<String, Value>,
    log: &mut Log<'_>,
) -> Vec<&'a Map<String, Value>> {
    let key = |parameter: &'a Map<String, Value>| {
        (
            parameter.get("name").and_then(Value::as_str).unwrap_or(""),
            parameter.get("in").and_then(Value::as_str).unwrap_or(""),
        )
    };
    let mut list = |list: Option<&'a Value>| -> Vec<&'a Map<String, Value>> {
        let Some(list) = list else { return Vec::new() };
        let Some(list) = list.as_array() else {
            log.degraded(format!(
                "ignored `parameters`: expected an array, found {}",
                json_type(list)
            ));
            return Vec::new();
        };
        let mut out = Vec::with_capacity(list.len());
        let mut seen: HashSet<(&'a str, &'a str)> = HashSet::new();
        for parameter in list {
            let Some(parameter) = resolve_local(document, parameter).and_then(Value::as_object)
            else {
                log.degraded(format!("ignored a parameter that is not an object (or an unresolvable `$ref`): {parameter}"));
                continue;
            };
            let (name, location) = key(parameter);
            if !seen.insert((name, location)) {
                log.degraded(format!(
                    "the parameter `{name}` in `{location}` is declared twice; the first is used"
                ));
                continue;
            }
            out.push(parameter);
        }
        out
    };
    let own = list(op.operation.get("parameters"));
    let own_keys: HashSet<(&str, &str)> = own.iter().map(|p| key(p)).collect();
    let mut out: Vec<&'a Map<String, Value>> = list(op.path_item.get("parameters"))
        .into_iter()
        .filter(|p| !own_keys.contains(&key(p)))
        .collect();
    out.extend(own);
    out
}

fn parameters<'a>(
    op: &OperationRef<'a>,
    document: &'a Map<String, Value>,
    schemas: &mut Schemas<'a>,
    found: &mut Found<'a>,
    log: &mut Log<'_>,
) -> Result<Vec<Arg>, Skip> {
    let template_vars = path_template_vars(op.path);
    let mut args = Vec::new();
    let mut path_params: HashSet<&str> = HashSet::new();

    for parameter in declared_parameters(op, document, log) {
        let required = parameter.get("required") == Some(&Value::Bool(true));
        let drop_or_skip = |why: String, log: &mut Log<'_>| unusable(required, why, log);
        let Some(name) = parameter
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
        else {
            drop_or_skip("a parameter has no `name`".to_owned(), log)?;
            continue;
        };
        let location = match parameter.get("in").and_then(Value::as_str) {
            Some("path") => ParamLocation::Path,
            Some("query") => ParamLocation::Query,
            Some("header") => ParamLocation::Header,
            Some("cookie") => ParamLocation::Cookie,
            Some(other) => {
                drop_or_skip(
                    format!(
                        "the parameter `{name}` is `in: {other}`, which OpenAPI 3 does not define"
                    ),
                    log,
                )?;
                continue;
            }
            None => {
                drop_or_skip(format!("the parameter `{name}` has no `in`"), log)?;
                continue;
            }
        };
        match location {
            ParamLocation::Header
                if ["accept", "content-type", "authorization"]
                    .contains(&name.to_ascii_lowercase().as_str()) =>
            {
                log.degraded(format!(
                    "ignored the header parameter `{name}`: OpenAPI says `Accept`, `Content-Type` and `Authorization` parameters are ignored (the gateway sets them)"
                ));
                continue;
            }
            ParamLocation::Header if !is_token(name) => {
                drop_or_skip(
                    format!("the header parameter `{name}` is not a valid HTTP header name"),
                    log,
                )?;
                continue;
            }
            ParamLocation::Cookie if !is_token(name) => {
                drop_or_skip(
                    format!("the cookie parameter `{name}` is not a valid cookie name"),
                    log,
                )?;
                continue;
            }
            ParamLocation::Path if !template_vars.contains(&name) => {
                log.degraded(format!(
                    "ignored the path parameter `{name}`: the path template has no `{{{name}}}`"
                ));
                continue;
            }
            _ => {}
        }
        if location == ParamLocation::Path {
            path_params.insert(name);
        }

        let (schema, content_type) =
            parameter_schema(parameter, name, document, schemas, found, log);
        let required = required || location == ParamLocation::Path;
        let mut arg = Arg::new(
            name,
            location,
            decorate(schema, parameter, document),
            required,
        );
        arg.binding.content_type = content_type;
        apply_style(&mut arg.binding, parameter, log);
        args.push(arg);
    }

    // `{var}` in the template without a parameter: still has to be filled.
    for var in template_vars {
        if !path_params.contains(var) {
            log.degraded(format!(
                "the path template variable `{{{var}}}` has no parameter; it became a required string argument"
            ));
            args.push(Arg::new(
                var,
                ParamLocation::Path,
                json!({"type": "string"}),
                true,
            ));
        }
    }
    Ok(args)
}

/// An unusable parameter: dropped when optional; when required the tool
/// could never make a valid request, so the operation is skipped.
fn unusable(required: bool, why: String, log: &mut Log<'_>) -> Result<(), Skip> {
    if required {
        Err(Skip(format!("{why}, and it is required")))
    } else {
        log.degraded(format!("{why}; the parameter was left out"));
        Ok(())
    }
}

/// The schema of a parameter (`schema`, else the schema of its one
/// `content` entry, whose media type the value is then serialized as).
fn parameter_schema<'a>(
    parameter: &'a Map<String, Value>,
    name: &str,
    document: &'a Map<String, Value>,
    schemas: &mut Schemas<'a>,
    found: &mut Found<'a>,
    log: &mut Log<'_>,
) -> (Value, Option<String>) {
    if let Some(schema) = parameter.get("schema") {
        return (schemas.clean(schema, Flavour::Input, found), None);
    }
    if let Some((media_type, media)) = parameter
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.iter().next())
    {
        let media = resolve_local(document, media);
        let schema = match media.and_then(|m| m.get("schema")) {
            Some(schema) => schemas.clean(schema, Flavour::Input, found),
            None => Value::Object(Map::new()),
        };
        return (schema, Some(media_type.clone()));
    }
    log.degraded(format!(
        "the parameter `{name}` has neither `schema` nor `content`; it accepts any value"
    ));
    (Value::Object(Map::new()), None)
}

/// Parameter-level `description`, `deprecated` and `example(s)` onto the
/// argument's schema (they win over the schema's own).
fn decorate(schema: Value, parameter: &Map<String, Value>, document: &Map<String, Value>) -> Value {
    let mut map = into_map(schema);
    if let Some(description) = parameter
        .get("description")
        .and_then(Value::as_str)
        .filter(|d| !d.trim().is_empty())
    {
        map.insert("description".into(), Value::String(description.to_owned()));
    }
    if parameter.get("deprecated") == Some(&Value::Bool(true)) {
        map.insert("deprecated".into(), Value::Bool(true));
    }
    if let Some(example) = parameter.get("example") {
        map.insert("examples".into(), Value::Array(vec![example.clone()]));
    } else if let Some(examples) = parameter.get("examples").and_then(Value::as_object) {
        let values: Vec<Value> = examples
            .values()
            .filter_map(|e| resolve_local(document, e)?.get("value").cloned())
            .collect();
        if !values.is_empty() {
            map.insert("examples".into(), Value::Array(values));
        }
    }
    Value::Object(map)
}

/// A schema as an object, so keywords can be added (`true` is `{}`,
/// `false` is `{"not": {}}`).
fn into_map(schema: Value) -> Map<String, Value> {
    match schema {
        Value::Object(map) => map,
        Value::Bool(false) => {
            let mut map = Map::new();
            map.insert("not".into(), Value::Object(Map::new()));
            map
        }
        _ => Map::new(),
    }
}

/// `style`, `explode` and `allowReserved` from a parameter or an encoding
/// object, checked against what the location allows.
fn apply_style(binding: &mut ArgBinding, declared: &Map<String, Value>, log: &mut Log<'_>) {
    if let Some(style) = declared.get("style").and_then(Value::as_str) {
        let allowed: &[ParamStyle] = match binding.location {
            ParamLocation::Path => &[ParamStyle::Simple, ParamStyle::Label, ParamStyle::Matrix],
            ParamLocation::Query
            | ParamLocation::FormField
            | ParamLocation::MultipartField { .. } => &[
                ParamStyle::Form,
                ParamStyle::SpaceDelimited,
                ParamStyle::PipeDelimited,
                ParamStyle::DeepObject,
            ],
            ParamLocation::Header => &[ParamStyle::Simple],
            ParamLocation::Cookie => &[ParamStyle::Form],
            ParamLocation::BodyField | ParamLocation::Body => &[],
        };
        match parse_style(style).filter(|s| allowed.contains(s)) {
            Some(style) => {
                binding.style = style;
                binding.explode = style == ParamStyle::Form;
            }
            None => log.degraded(format!(
                "`{}`: the style `{style}` is not valid in {}; the default `{}` is used",
                binding.name,
                binding.location.as_str(),
                binding.style.as_str()
            )),
        }
    }
    if let Some(explode) = declared.get("explode").and_then(Value::as_bool) {
        binding.explode = explode;
    }
    if let Some(allow_reserved) = declared.get("allowReserved").and_then(Value::as_bool) {
        binding.allow_reserved = allow_reserved;
    }
}

fn parse_style(style: &str) -> Option<ParamStyle> {
    Some(match style {
        "matrix" => ParamStyle::Matrix,
        "label" => ParamStyle::Label,
        "form" => ParamStyle::Form,
        "simple" => ParamStyle::Simple,
        "spaceDelimited" => ParamStyle::SpaceDelimited,
        "pipeDelimited" => ParamStyle::PipeDelimited,
        "deepObject" => ParamStyle::DeepObject,
        _ => return None,
    })
}

/// The `{name}` variables of a path template, in order.
fn path_template_vars(path: &str) -> Vec<&str> {
    let mut vars = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let var = &after[..end];
        if !var.is_empty() && !vars.contains(&var) {
            vars.push(var);
        }
        rest = &after[end + 1..];
    }
    vars
}

/// An RFC 9110 token: what header and cookie names are made of.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The argument name for a document name: as is when it only uses
/// `[A-Za-z0-9_.-]`, else cleaned (others → `_`, runs collapsed, trimmed).
fn arg_base(name: &str) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if !name.is_empty() && name.chars().all(allowed) {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if allowed(c) { c } else { '_' };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() {
        "arg".to_owned()
    } else {
        out
    }
}

/// Settles argument names: clashing names all get `__{location}`, then any
/// clash left gets `_2`, `_3`, … in order.
fn name_args(args: &mut [Arg]) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for arg in args.iter() {
        *counts.entry(arg.base.as_str()).or_default() += 1;
    }
    let wanted: Vec<String> = args
        .iter()
        .map(|arg| {
            if counts.get(arg.base.as_str()).is_some_and(|&n| n > 1) {
                format!("{}__{}", arg.base, arg.binding.location.as_str())
            } else {
                arg.base.clone()
            }
        })
        .collect();
    let reserved: HashSet<&str> = wanted.iter().map(String::as_str).collect();
    let mut used: HashSet<String> = HashSet::new();
    for (arg, name) in args.iter_mut().zip(&wanted) {
        let mut chosen = name.clone();
        if !used.insert(chosen.clone()) {
            let mut n = 2;
            loop {
                let candidate = format!("{name}_{n}");
                n += 1;
                if !reserved.contains(candidate.as_str()) && used.insert(candidate.clone()) {
                    chosen = candidate;
                    break;
                }
            }
        }
        arg.binding.arg = chosen;
    }
}

/// The body media type we use, and how it is encoded.
fn choose_media(content: &Map<String, Value>) -> Option<(&String, &Value, BodyKind)> {
    let find =
        |want: &dyn Fn(&str) -> bool| content.iter().find(|(media, _)| want(&essence(media)));
    if let Some((m, v)) = find(&|e| is_json(e)) {
        return Some((m, v, BodyKind::Json));
    }
    if let Some((m, v)) = find(&|e| e == "application/x-www-form-urlencoded") {
        return Some((m, v, BodyKind::Form));
    }
    if let Some((m, v)) = find(&|e| e == "multipart/form-data") {
        return Some((m, v, BodyKind::Multipart));
    }
    content.iter().next().map(|(m, v)| (m, v, BodyKind::Raw))
}

/// `Application/JSON; charset=utf-8` → `application/json`.
pub(crate) fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// `application/json` or any `+json` type.
pub(crate) fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

/// Media types whose bodies are bytes, not text.
fn is_binary_media(essence: &str) -> bool {
    essence == "application/octet-stream"
        || essence == "application/pdf"
        || essence == "application/zip"
        || essence == "application/gzip"
        || ["image/", "audio/", "video/", "font/"]
            .iter()
            .any(|p| essence.starts_with(p))
}

fn request_body_args<'a>(
    request_body: &'a Value,
    document: &'a Map<String, Value>,
    schemas: &mut Schemas<'a>,
    found: &mut Found<'a>,
    log: &mut Log<'_>,
) -> Result<(Option<BodyBinding>, Vec<Arg>), Skip> {
    let Some(request_body) = resolve_local(document, request_body).and_then(Value::as_object)
    else {
        log.degraded("ignored `requestBody`: not an object (or an unresolvable `$ref`)");
        return Ok((None, Vec::new()));
    };
    let required = request_body.get("required") == Some(&Value::Bool(true));
    let Some((media_type, media, kind)) = request_body
        .get("content")
        .and_then(Value::as_object)
        .and_then(choose_media)
    else {
        if required {
            return Err(Skip(
                "the request body is required but has no `content`".into(),
            ));
        }
        log.degraded("ignored the request body: it has no `content`");
        return Ok((None, Vec::new()));
    };
    let media = resolve_local(document, media).and_then(Value::as_object);
    let raw_schema = media.and_then(|m| m.get("schema"));
    let description = request_body
        .get("description")
        .and_then(Value::as_str)
        .filter(|d| !d.trim().is_empty());
    let binding = |kind, base64| BodyBinding {
        media_type: media_type.clone(),
        kind,
        required,
        base64,
    };

    match kind {
        BodyKind::Json | BodyKind::Form | BodyKind::Multipart => {
            let shape = match raw_schema {
                Some(schema) => flatten(schemas, schema, 0),
                None => Flat::Other,
            };
            match shape {
                Flat::Object(shape) => {
                    let encoding = media
                        .and_then(|m| m.get("encoding"))
                        .and_then(Value::as_object);
                    let args = field_args(&shape, kind, required, encoding, schemas, found, log);
                    Ok((Some(binding(kind, false)), args))
                }
                Flat::Other | Flat::Unmergeable(_) => {
                    if let Flat::Unmergeable(why) = &shape {
                        log.degraded(format!("the request body could not be flattened ({why}); it is one `body` argument"));
                    }
                    // A form whose values are not all known (`additionalProperties`,
                    // a union of models) is still an object: one `body` object
                    // argument, form-encoded by key. Only a schema that cannot be
                    // an object leaves the encoding to the caller.
                    let form_object = kind == BodyKind::Form
                        && !raw_schema.is_some_and(|s| never_object(schemas.resolve(s)));
                    match kind {
                        BodyKind::Json | BodyKind::Form
                            if kind == BodyKind::Json || form_object =>
                        {
                            let schema = match raw_schema {
                                Some(schema) => schemas.clean(schema, Flavour::Input, found),
                                None => Value::Object(Map::new()),
                            };
                            let mut schema = into_map(schema);
                            if let Some(description) = description {
                                schema.insert(
                                    "description".into(),
                                    Value::String(description.to_owned()),
                                );
                            }
                            let arg = Arg::new(
                                "body",
                                ParamLocation::Body,
                                Value::Object(schema),
                                required,
                            );
                            Ok((Some(binding(kind, false)), vec![arg]))
                        }
                        BodyKind::Form => {
                            log.degraded(
                                "the form body's schema is not an object; it is one `body` argument holding the encoded form text",
                            );
                            let schema = text_body_schema(media_type, description);
                            let arg = Arg::new("body", ParamLocation::Body, schema, required);
                            Ok((Some(binding(BodyKind::Raw, false)), vec![arg]))
                        }
                        _ => Err(Skip(format!(
                            "the `{media_type}` body's schema is not a plain object, so its parts cannot be named"
                        ))),
                    }
                }
            }
        }
        BodyKind::Raw => {
            let resolved = raw_schema.map(|s| schemas.resolve(s));
            let binary =
                resolved.is_some_and(marks_binary) || is_binary_media(&essence(media_type));
            let schema = if binary {
                let mut schema = Map::new();
                schema.insert("type".into(), Value::String("string".into()));
                schema.insert("contentEncoding".into(), Value::String("base64".into()));
                schema.insert(
                    "contentMediaType".into(),
                    Value::String(essence(media_type)),
                );
                let text = format!("The `{media_type}` request body, base64-encoded.");
                schema.insert(
                    "description".into(),
                    Value::String(join_description(description, &text)),
                );
                Value::Object(schema)
            } else {
                text_body_schema(media_type, description)
            };
            let arg = Arg::new("body", ParamLocation::Body, schema, required);
            Ok((Some(binding(BodyKind::Raw, binary)), vec![arg]))
        }
    }
}

fn text_body_schema(media_type: &str, description: Option<&str>) -> Value {
    let text = format!("The `{media_type}` request body, as text.");
    json!({"type": "string", "description": join_description(description, &text)})
}

fn join_description(description: Option<&str>, text: &str) -> String {
    match description {
        Some(description) => format!("{} {text}", description.trim()),
        None => text.to_owned(),
    }
}

/// A schema whose `type` rules objects out (`array`, `string`, ...).
fn never_object(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t != "object",
        Some(Value::Array(types)) => !types.iter().any(|t| t == "object"),
        _ => false,
    }
}

/// `format: binary`, `contentMediaType` or `contentEncoding` on a string.
fn marks_binary(schema: &Value) -> bool {
    let Some(map) = schema.as_object() else {
        return false;
    };
    let is_string = match map.get("type") {
        None => true,
        Some(Value::String(t)) => t == "string",
        Some(_) => false,
    };
    is_string
        && (map.get("format").and_then(Value::as_str) == Some("binary")
            || map.contains_key("contentMediaType")
            || map.contains_key("contentEncoding"))
}

/// A body schema seen as a plain object: its properties (each with every
/// schema that constrains it, when `allOf` parts repeat one) and `required`.
#[derive(Debug, Default)]
struct Shape<'a> {
    properties: Vec<(&'a str, Vec<&'a Value>)>,
    required: Vec<&'a str>,
}

impl<'a> Shape<'a> {
    fn add(&mut self, map: &'a Map<String, Value>) {
        if let Some(properties) = map.get("properties").and_then(Value::as_object) {
            for (name, schema) in properties {
                match self.properties.iter_mut().find(|(n, _)| n == name) {
                    Some((_, schemas)) => schemas.push(schema),
                    None => self.properties.push((name, vec![schema])),
                }
            }
        }
        if let Some(required) = map.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !self.required.contains(&name) {
                    self.required.push(name);
                }
            }
        }
    }
}

#[derive(Debug)]
enum Flat<'a> {
    /// A plain object: flatten it.
    Object(Shape<'a>),
    /// Not an object with properties: one `body` argument.
    Other,
    /// An `allOf` we could not merge (warn, then one `body` argument).
    Unmergeable(String),
}

/// Keywords a flattenable object may carry besides `properties`.
fn is_plain_object_keyword(keyword: &str, value: &Value) -> bool {
    match keyword {
        "type" => value == "object",
        "properties" | "required" => true,
        "additionalProperties" | "unevaluatedProperties" => value == &Value::Bool(false),
        "nullable" => value == &Value::Bool(false),
        "$id" | "$schema" => true,
        other => crate::schema::is_annotation(other),
    }
}

fn flatten<'a>(schemas: &Schemas<'a>, schema: &'a Value, depth: usize) -> Flat<'a> {
    if depth > 16 {
        return Flat::Unmergeable("`allOf` nested more than 16 levels".into());
    }
    let schema = schemas.resolve(schema);
    let Some(map) = schema.as_object() else {
        return Flat::Other;
    };
    if let Some(all_of) = map.get("allOf") {
        if !map
            .iter()
            .all(|(k, v)| k == "allOf" || is_plain_object_keyword(k, v))
        {
            return Flat::Unmergeable("`allOf` next to other constraints".into());
        }
        let Some(parts) = all_of.as_array() else {
            return Flat::Unmergeable("`allOf` is not an array".into());
        };
        let mut shape = Shape::default();
        shape.add(map);
        for part in parts {
            match flatten(schemas, part, depth + 1) {
                Flat::Object(part) => {
                    for (name, part_schemas) in part.properties {
                        match shape.properties.iter_mut().find(|(n, _)| *n == name) {
                            Some((_, existing)) => existing.extend(part_schemas),
                            None => shape.properties.push((name, part_schemas)),
                        }
                    }
                    for name in part.required {
                        if !shape.required.contains(&name) {
                            shape.required.push(name);
                        }
                    }
                }
                Flat::Other => {
                    return Flat::Unmergeable("an `allOf` part is not a plain object".into());
                }
                unmergeable @ Flat::Unmergeable(_) => return unmergeable,
            }
        }
        return Flat::Object(shape);
    }
    if !map.get("properties").is_some_and(Value::is_object)
        || !map.iter().all(|(k, v)| is_plain_object_keyword(k, v))
    {
        return Flat::Other;
    }
    let mut shape = Shape::default();
    shape.add(map);
    Flat::Object(shape)
}

/// One argument per property of a flattened body.
fn field_args<'a>(
    shape: &Shape<'a>,
    kind: BodyKind,
    body_required: bool,
    encoding: Option<&'a Map<String, Value>>,
    schemas: &mut Schemas<'a>,
    found: &mut Found<'a>,
    log: &mut Log<'_>,
) -> Vec<Arg> {
    let mut args = Vec::with_capacity(shape.properties.len());
    for (name, property_schemas) in &shape.properties {
        if property_schemas
            .iter()
            .any(|s| schemas.is_hidden(s, Flavour::Input))
        {
            continue;
        }
        let schema = match property_schemas.as_slice() {
            [one] => schemas.clean(one, Flavour::Input, found),
            many => {
                let parts = many
                    .iter()
                    .map(|s| schemas.clean(s, Flavour::Input, found))
                    .collect();
                json!({ "allOf": Value::Array(parts) })
            }
        };
        let required = body_required && shape.required.contains(name);
        let field_encoding = encoding
            .and_then(|e| e.get(*name))
            .and_then(Value::as_object);
        let encoded_type = field_encoding
            .and_then(|e| e.get("contentType"))
            .and_then(Value::as_str)
            .map(|ct| ct.split(',').next().unwrap_or(ct).trim().to_owned());
        let arg = match kind {
            BodyKind::Form | BodyKind::Multipart => {
                let (schema, location, content_type) = if kind == BodyKind::Multipart {
                    match file_part(&schema, encoded_type.as_deref()) {
                        Some((schema, content_type)) => (
                            schema,
                            ParamLocation::MultipartField { file: true },
                            Some(content_type),
                        ),
                        None => (
                            schema,
                            ParamLocation::MultipartField { file: false },
                            encoded_type,
                        ),
                    }
                } else {
                    (schema, ParamLocation::FormField, encoded_type)
                };
                let mut arg = Arg::new(name, location, schema, required);
                arg.binding.content_type = content_type;
                if let Some(field_encoding) = field_encoding {
                    apply_style(&mut arg.binding, field_encoding, log);
                }
                arg
            }
            BodyKind::Json | BodyKind::Raw => {
                Arg::new(name, ParamLocation::BodyField, schema, required)
            }
        };
        args.push(arg);
    }
    args
}

/// A multipart part that is a file (or a list of files, or an optional
/// one), rewritten as base64 text; with the part's media type.
fn file_part(schema: &Value, encoded_type: Option<&str>) -> Option<(Value, String)> {
    let map = schema.as_object()?;
    if marks_binary(schema) && map.get("type").is_some() {
        let content_type = encoded_type
            .or_else(|| map.get("contentMediaType").and_then(Value::as_str))
            .unwrap_or("application/octet-stream")
            .to_owned();
        let mut out = Map::new();
        for (key, value) in map {
            match key.as_str() {
                "format" | "contentEncoding" | "contentMediaType" | "description" => {}
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        out.insert("contentEncoding".into(), Value::String("base64".into()));
        out.insert(
            "contentMediaType".into(),
            Value::String(content_type.clone()),
        );
        let description = map.get("description").and_then(Value::as_str);
        out.insert(
            "description".into(),
            Value::String(join_description(
                description,
                "File content, base64-encoded.",
            )),
        );
        return Some((Value::Object(out), content_type));
    }
    if let Some(items) = map.get("items")
        && let Some((items, content_type)) = file_part(items, encoded_type)
    {
        let mut out = map.clone();
        out.insert("items".into(), items);
        return Some((Value::Object(out), content_type));
    }
    for keyword in ["anyOf", "oneOf"] {
        if let Some(branches) = map.get(keyword).and_then(Value::as_array) {
            let mut content_type = None;
            let rewritten: Vec<Value> = branches
                .iter()
                .map(|branch| match file_part(branch, encoded_type) {
                    Some((branch, ct)) => {
                        content_type.get_or_insert(ct);
                        branch
                    }
                    None => branch.clone(),
                })
                .collect();
            if let Some(content_type) = content_type {
                let mut out = map.clone();
                out.insert(keyword.into(), Value::Array(rewritten));
                return Some((Value::Object(out), content_type));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_names_keep_safe_names_and_clean_others() {
        assert_eq!(arg_base("task_id"), "task_id");
        assert_eq!(arg_base("X-User-ID"), "X-User-ID");
        assert_eq!(arg_base("page.size"), "page.size");
        assert_eq!(arg_base("filter[state]"), "filter_state");
        assert_eq!(arg_base("expand[]"), "expand");
        assert_eq!(arg_base("user id"), "user_id");
        assert_eq!(arg_base("$"), "arg");
    }

    fn arg(name: &str, location: ParamLocation) -> Arg {
        Arg::new(name, location, json!({}), false)
    }

    #[test]
    fn clashing_arguments_all_get_their_location() {
        let mut args = vec![
            arg("name", ParamLocation::Path),
            arg("q", ParamLocation::Query),
            arg("name", ParamLocation::BodyField),
            arg("body", ParamLocation::Query),
            arg("body", ParamLocation::Body),
        ];
        name_args(&mut args);
        let names: Vec<&str> = args.iter().map(|a| a.binding.arg.as_str()).collect();
        assert_eq!(
            names,
            ["name__path", "q", "name__body", "body__query", "body__body"]
        );
        assert_eq!(args[0].binding.name, "name");
    }

    #[test]
    fn clashes_within_one_location_get_numbers() {
        let mut args = vec![
            arg("a[b]", ParamLocation::Query),
            arg("a(b)", ParamLocation::Query),
            arg("a_b__query", ParamLocation::Header),
        ];
        name_args(&mut args);
        let names: Vec<&str> = args.iter().map(|a| a.binding.arg.as_str()).collect();
        assert_eq!(names, ["a_b__query", "a_b__query_2", "a_b__query_3"]);
        assert_eq!(args[1].binding.name, "a(b)");
    }

    #[test]
    fn template_variables() {
        assert_eq!(path_template_vars("/a/{x}/b/{y}.{fmt}"), ["x", "y", "fmt"]);
        assert_eq!(path_template_vars("/a/{x"), Vec::<&str>::new());
        assert_eq!(path_template_vars("/"), Vec::<&str>::new());
    }

    #[test]
    fn file_parts_become_base64() {
        let (schema, ct) = file_part(
            &json!({"type": "string", "format": "binary", "title": "File"}),
            None,
        )
        .unwrap_or_else(|| panic!("a file"));
        assert_eq!(ct, "application/octet-stream");
        assert_eq!(
            schema,
            json!({"type": "string", "title": "File", "contentEncoding": "base64", "contentMediaType": "application/octet-stream", "description": "File content, base64-encoded."})
        );
        let (schema, ct) = file_part(
            &json!({"anyOf": [{"type": "array", "items": {"type": "string", "contentMediaType": "image/png"}}, {"type": "null"}]}),
            None,
        )
        .unwrap_or_else(|| panic!("files"));
        assert_eq!(ct, "image/png");
        assert_eq!(schema["anyOf"][0]["items"]["contentEncoding"], "base64");
        assert_eq!(schema["anyOf"][1], json!({"type": "null"}));
        let (_, ct) = file_part(
            &json!({"type": "string", "format": "binary"}),
            Some("image/jpeg"),
        )
        .unwrap_or_else(|| panic!("a file"));
        assert_eq!(ct, "image/jpeg");
        assert!(file_part(&json!({"type": "string"}), None).is_none());
        assert!(file_part(&json!({"type": "integer", "format": "binary"}), None).is_none());
    }

    #[test]
    fn media_type_preference() {
        let content = json!({"text/plain": {}, "multipart/form-data": {}, "application/x-www-form-urlencoded": {}, "application/vnd.api+json; charset=utf-8": {}});
        let content = content.as_object().unwrap_or_else(|| unreachable!());
        let (media, _, kind) = choose_media(content).unwrap_or_else(|| panic!("a media type"));
        assert_eq!(
            (media.as_str(), kind),
            ("application/vnd.api+json; charset=utf-8", BodyKind::Json)
        );
        let content = json!({"text/plain": {}, "multipart/form-data": {}});
        let content = content.as_object().unwrap_or_else(|| unreachable!());
        assert_eq!(
            choose_media(content).map(|c| c.2),
            Some(BodyKind::Multipart)
        );
        let content = json!({"text/csv": {}, "application/xml": {}});
        let content = content.as_object().unwrap_or_else(|| unreachable!());
        assert_eq!(
            choose_media(content).map(|c| (c.0.as_str(), c.2)),
            Some(("text/csv", BodyKind::Raw))
        );
    }

    #[test]
    fn header_and_cookie_names_must_be_tokens() {
        assert!(is_token("X-User-ID"));
        assert!(is_token("session_id"));
        assert!(!is_token("bad name"));
        assert!(!is_token("a;b"));
        assert!(!is_token(""));
    }
}
