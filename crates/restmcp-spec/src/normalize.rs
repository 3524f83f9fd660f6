//! The walk that turns a parsed document into the normalized 3.1 shape
//! described in the crate docs: it visits every path item, operation,
//! parameter, body, response, header and schema once, inlines non-schema
//! `$ref`s (through `refs.rs`), and translates OpenAPI 3.0 schema keywords
//! (`nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`, `example`,
//! `x-nullable`, Swagger's `type: file`) into JSON Schema 2020-12.
//!
//! The document is changed in place: parsing a 13 MB document is the
//! expensive part, so nothing here copies more than the components it
//! inlines.

use std::collections::HashMap;
use std::fmt;

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::parse::{describe, push_escaped};
use crate::refs::{Begin, ExternalPolicy, Kind, Refs, SCHEMAS, may_need_prescan, prescan};
use crate::{SourceVersion, swagger};

/// The HTTP methods a path item may hold, in the order OpenAPI lists them.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Where the walk is, as a chain of borrowed segments: building it costs
/// nothing, and it is rendered as a JSON pointer only for a message.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    parent: Option<&'a At<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    /// Already a pointer (`#`, `#/components/parameters/P`, `file.yaml#/P`).
    Base(&'a str),
    Key(&'a str),
    Index(usize),
}

impl<'a> At<'a> {
    pub(crate) fn base(pointer: &'a str) -> Self {
        At {
            parent: None,
            segment: Segment::Base(pointer),
        }
    }

    pub(crate) fn key(&'a self, key: &'a str) -> At<'a> {
        At {
            parent: Some(self),
            segment: Segment::Key(key),
        }
    }

    pub(crate) fn index(&'a self, index: usize) -> At<'a> {
        At {
            parent: Some(self),
            segment: Segment::Index(index),
        }
    }

    fn write(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.write(out);
        }
        match self.segment {
            Segment::Base(pointer) => out.push_str(pointer),
            Segment::Key(key) => {
                out.push('/');
                push_escaped(out, key);
            }
            Segment::Index(index) => {
                out.push('/');
                out.push_str(&index.to_string());
            }
        }
    }
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out);
        f.write_str(&out)
    }
}

pub(crate) fn shape_error(at: &At<'_>, expected: &'static str, found: &Value) -> Error {
    Error::InvalidShape {
        pointer: at.to_string(),
        expected,
        found: describe(found),
    }
}

/// Normalizes `doc` (whose version was detected as `version`) in place and
/// returns the warnings. `text`, when given, is the JSON the document was
/// parsed from: it lets the walk skip the copy-ahead scan of `$ref` targets
/// when the text proves there are none to copy.
pub(crate) fn normalize(
    doc: &mut Value,
    version: SourceVersion,
    external: ExternalPolicy,
    text: Option<&str>,
) -> Result<Vec<String>> {
    let snapshots = if text.is_some_and(|text| !may_need_prescan(text, version)) {
        HashMap::new()
    } else {
        prescan(doc, version)
    };
    let Value::Object(root) = doc else {
        return Err(shape_error(&At::base("#"), "an object", doc));
    };
    let mut warnings = Vec::new();
    let swagger_defaults = match version {
        SourceVersion::Swagger2 => Some(swagger::convert_top_level(root, &mut warnings)?),
        _ => None,
    };

    // Take the components apart: schemas stay (normalized in place),
    // securitySchemes stay, every other kind goes into the ref table.
    let mut components = match root.get_mut("components") {
        Some(Value::Object(map)) => std::mem::take(map),
        Some(other) => return Err(shape_error(&At::base("#/components"), "an object", other)),
        None => Map::new(),
    };
    let schemas = match components.shift_remove("schemas") {
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(shape_error(
                &At::base("#/components/schemas"),
                "an object",
                &other,
            ));
        }
        None => Map::new(),
    };
    let security = components.shift_remove("securitySchemes");
    let mut tables = Vec::new();
    let mut kept = Map::new();
    for (kind, entries) in components {
        match entries {
            Value::Object(map) if !kind.starts_with("x-") => tables.push((kind, map)),
            other => {
                kept.insert(kind, other);
            }
        }
    }
    let refs = Refs::new(
        version,
        snapshots,
        tables,
        schemas.keys().cloned(),
        external,
    );
    let mut walker = Walker { refs };

    if let Some(defaults) = &swagger_defaults
        && let Some(paths) = root.get_mut("paths")
    {
        swagger::convert_paths(paths, &mut walker.refs, defaults, &mut warnings)?;
    }

    let top = At::base("#");
    for section in ["paths", "webhooks"] {
        if let Some(items) = root.get_mut(section) {
            let at = top.key(section);
            let Value::Object(items) = items else {
                return Err(shape_error(&at, "an object", items));
            };
            for (name, item) in items.iter_mut() {
                if !name.starts_with("x-") {
                    walker.path_item(item, &at.key(name))?;
                }
            }
        }
    }

    // Schemas, under their output names.
    let mut out_schemas = Map::with_capacity(schemas.len());
    let at = At::base("#/components/schemas");
    for (name, mut schema) in schemas {
        walker.schema(&mut schema, &at.key(&name))?;
        out_schemas.insert(walker.refs.output_name(&name).to_owned(), schema);
    }
    let security = match security {
        Some(Value::Object(mut map)) => {
            let at = At::base("#/components/securitySchemes");
            for (name, scheme) in map.iter_mut() {
                if is_ref(scheme) {
                    walker.inline(Kind::SecurityScheme, scheme, &at.key(name))?;
                }
            }
            Some(Value::Object(map))
        }
        Some(other) => {
            return Err(shape_error(
                &At::base("#/components/securitySchemes"),
                "an object",
                &other,
            ));
        }
        None => None,
    };
    // Hoisted schemas can hoist more; loop until none are left.
    loop {
        let batch = walker.refs.take_pending();
        if batch.is_empty() {
            break;
        }
        for hoisted in batch {
            let mut value = hoisted.value;
            walker.schema(&mut value, &At::base(&hoisted.key))?;
            out_schemas.insert(hoisted.name, value);
        }
    }
    check_alias_cycles(&out_schemas)?;

    let mut components = Map::new();
    components.insert("schemas".to_owned(), Value::Object(out_schemas));
    if let Some(security) = security {
        components.insert("securitySchemes".to_owned(), security);
    }
    components.extend(kept);
    match root.get_mut("components") {
        Some(slot) => *slot = Value::Object(components),
        None => {
            root.insert("components".to_owned(), Value::Object(components));
        }
    }
    root.insert("openapi".to_owned(), Value::String("3.1.0".to_owned()));
    match root.get("servers") {
        Some(Value::Array(_)) => {}
        Some(other) => return Err(shape_error(&At::base("#/servers"), "an array", other)),
        None => {
            root.insert("servers".to_owned(), Value::Array(Vec::new()));
        }
    }

    warnings.append(&mut walker.refs.warnings);
    Ok(warnings)
}

/// A schema component that is only a `$ref` to another, which is only a
/// `$ref` back, describes nothing: report the chain.
fn check_alias_cycles(schemas: &Map<String, Value>) -> Result<()> {
    let target = |name: &str| -> Option<&str> {
        schemas
            .get(name)?
            .get("$ref")?
            .as_str()?
            .strip_prefix(SCHEMAS)
    };
    // 0 = unvisited, 1 = on the current chain, 2 = known to end in a definition.
    let mut state: HashMap<&str, u8> = HashMap::new();
    for start in schemas.keys() {
        let mut chain: Vec<&str> = Vec::new();
        let mut current = start.as_str();
        loop {
            match state.get(current).copied().unwrap_or(0) {
                2 => break,
                1 => {
                    let from = chain.iter().position(|n| *n == current).unwrap_or(0);
                    let mut names: Vec<String> = chain[from..]
                        .iter()
                        .map(|n| format!("`{SCHEMAS}{n}`"))
                        .collect();
                    names.push(format!("`{SCHEMAS}{current}`"));
                    return Err(Error::RefCycle {
                        chain: names.join(" → "),
                    });
                }
                _ => {}
            }
            state.insert(current, 1);
            chain.push(current);
            match target(current) {
                Some(next) if schemas.contains_key(next) => current = next,
                _ => break,
            }
        }
        for name in chain {
            state.insert(name, 2);
        }
    }
    Ok(())
}

fn is_ref(value: &Value) -> bool {
    matches!(value, Value::Object(map) if map.contains_key("$ref"))
}

// Bits of `Walker::schema`'s keyword scan.
const NULLABLE: u8 = 1;
const EXCLUSIVE: u8 = 2;
const EXAMPLE: u8 = 4;
const FILE: u8 = 8;
const DISCRIMINATOR: u8 = 16;

/// Keys that describe a schema rather than constrain it; they stay outside
/// when a nullable schema is wrapped in `anyOf`.
fn is_annotation(key: &str) -> bool {
    matches!(
        key,
        "title"
            | "description"
            | "default"
            | "examples"
            | "deprecated"
            | "readOnly"
            | "writeOnly"
            | "$comment"
            | "externalDocs"
    ) || key.starts_with("x-")
}

struct Walker {
    refs: Refs,
}

/// A walk step over one kind of object.
type Step = fn(&mut Walker, &mut Value, &At<'_>) -> Result<()>;

impl Walker {
    /// Replaces the `$ref` object `value` by a normalized copy of its target.
    fn inline(&mut self, kind: Kind, value: &mut Value, at: &At<'_>) -> Result<()> {
        let Value::Object(map) = value else {
            return Err(shape_error(at, "an object", value));
        };
        let reference = match map.get("$ref") {
            Some(Value::String(reference)) => reference.clone(),
            other => {
                return Err(shape_error(
                    &at.key("$ref"),
                    "a string",
                    other.unwrap_or(&Value::Null),
                ));
            }
        };
        let mut target = match self.refs.begin(kind, &reference, at)? {
            Begin::Ready(target) => target,
            Begin::Normalize { mut value, key } => {
                self.walk(kind, &mut value, &At::base(&key))?;
                self.refs.finish(key, value)
            }
        };
        // Siblings of a `$ref`: 3.1 lets `summary`/`description` override the
        // target's; a path item's siblings are merged into it.
        if let Value::Object(target_map) = &mut target {
            for (key, sibling) in map.iter() {
                if key == "$ref" {
                    continue;
                }
                if kind == Kind::PathItem || key == "summary" || key == "description" {
                    target_map.insert(key.clone(), sibling.clone());
                }
            }
        }
        *value = target;
        Ok(())
    }

    fn walk(&mut self, kind: Kind, value: &mut Value, at: &At<'_>) -> Result<()> {
        match kind {
            Kind::Parameter => self.parameter(value, at),
            Kind::RequestBody => self.request_body(value, at),
            Kind::Response => self.response(value, at),
            Kind::Header => self.header(value, at),
            Kind::Callback => self.callback(value, at),
            Kind::PathItem => self.path_item(value, at),
            Kind::Example | Kind::Link | Kind::SecurityScheme => {
                if is_ref(value) {
                    self.inline(kind, value, at)?;
                }
                Ok(())
            }
        }
    }

    fn path_item(&mut self, item: &mut Value, at: &At<'_>) -> Result<()> {
        if is_ref(item) {
            return self.inline(Kind::PathItem, item, at);
        }
        let Value::Object(map) = item else {
            return Err(shape_error(at, "a path item object", item));
        };
        // Path-level parameters go into every operation (contract).
        let shared = match map.shift_remove("parameters") {
            Some(params) => self.parameter_list(params, &at.key("parameters"))?,
            None => Vec::new(),
        };
        for (key, operation) in map.iter_mut() {
            if METHODS.contains(&key.as_str()) {
                self.operation(operation, &shared, &at.key(key))?;
            }
        }
        Ok(())
    }

    fn parameter_list(&mut self, params: Value, at: &At<'_>) -> Result<Vec<Value>> {
        let Value::Array(mut list) = params else {
            return Err(shape_error(at, "an array of parameters", &params));
        };
        for (index, param) in list.iter_mut().enumerate() {
            self.parameter(param, &at.index(index))?;
        }
        Ok(list)
    }

    fn operation(&mut self, operation: &mut Value, shared: &[Value], at: &At<'_>) -> Result<()> {
        let Value::Object(map) = operation else {
            return Err(shape_error(at, "an operation object", operation));
        };
        let own = match map.get_mut("parameters") {
            Some(params) => {
                Some(self.parameter_list(std::mem::take(params), &at.key("parameters"))?)
            }
            None => None,
        };
        if own.is_some() || !shared.is_empty() {
            let own = own.unwrap_or_default();
            let mut merged: Vec<Value> = shared
                .iter()
                .filter(|p| !own.iter().any(|o| same_parameter(o, p)))
                .cloned()
                .collect();
            merged.extend(own);
            match map.get_mut("parameters") {
                Some(slot) => *slot = Value::Array(merged),
                None => {
                    map.insert("parameters".to_owned(), Value::Array(merged));
                }
            }
        }
        for (key, value) in map.iter_mut() {
            match key.as_str() {
                "requestBody" => self.request_body(value, &at.key(key))?,
                "responses" => self.map_of(value, &at.key(key), Self::response)?,
                "callbacks" => self.map_of(value, &at.key(key), Self::callback)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Walks every non-extension entry of an object with `step`.
    fn map_of(&mut self, value: &mut Value, at: &At<'_>, step: Step) -> Result<()> {
        let Value::Object(map) = value else {
            return Err(shape_error(at, "an object", value));
        };
        for (name, entry) in map.iter_mut() {
            if !name.starts_with("x-") {
                step(self, entry, &at.key(name))?;
            }
        }
        Ok(())
    }

    fn parameter(&mut self, param: &mut Value, at: &At<'_>) -> Result<()> {
        if is_ref(param) {
            return self.inline(Kind::Parameter, param, at);
        }
        let Value::Object(map) = param else {
            return Err(shape_error(at, "a parameter object", param));
        };
        for field in ["name", "in"] {
            match map.get(field) {
                Some(Value::String(_)) => {}
                other => {
                    return Err(shape_error(
                        &at.key(field),
                        "a string (parameters need `name` and `in`)",
                        other.unwrap_or(&Value::Null),
                    ));
                }
            }
        }
        self.schema_holder(map, at)?;
        if !map.contains_key("schema") && !map.contains_key("content") {
            map.insert("schema".to_owned(), json!({}));
        }
        Ok(())
    }

    /// The fields parameters, headers and media types share: `schema`,
    /// `content`, `examples`.
    fn schema_holder(&mut self, map: &mut Map<String, Value>, at: &At<'_>) -> Result<()> {
        for (key, value) in map.iter_mut() {
            match key.as_str() {
                "schema" => self.schema(value, &at.key(key))?,
                "content" => self.map_of(value, &at.key(key), Self::media_type)?,
                "examples" => self.map_of(value, &at.key(key), Self::example)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn request_body(&mut self, body: &mut Value, at: &At<'_>) -> Result<()> {
        if is_ref(body) {
            return self.inline(Kind::RequestBody, body, at);
        }
        let Value::Object(map) = body else {
            return Err(shape_error(at, "a request body object", body));
        };
        if let Some(content) = map.get_mut("content") {
            self.map_of(content, &at.key("content"), Self::media_type)?;
        }
        Ok(())
    }

    fn media_type(&mut self, media: &mut Value, at: &At<'_>) -> Result<()> {
        let Value::Object(map) = media else {
            return Err(shape_error(at, "a media type object", media));
        };
        // A media type's examples are sample payloads for readers; they are
        // not part of the normalized shape (the crate docs), so they are
        // dropped rather than walked.
        map.shift_remove("examples");
        map.shift_remove("example");
        self.schema_holder(map, at)?;
        if let Some(encoding) = map.get_mut("encoding") {
            self.map_of(encoding, &at.key("encoding"), Self::encoding)?;
        }
        Ok(())
    }

    fn encoding(&mut self, encoding: &mut Value, at: &At<'_>) -> Result<()> {
        if let Some(headers) = encoding.get_mut("headers") {
            self.map_of(headers, &at.key("headers"), Self::header)?;
        }
        Ok(())
    }

    fn response(&mut self, response: &mut Value, at: &At<'_>) -> Result<()> {
        if is_ref(response) {
            return self.inline(Kind::Response, response, at);
        }
        let Value::Object(map) = response else {
            return Err(shape_error(at, "a response object", response));
        };
        for (key, value) in map.iter_mut() {
            match key.as_str() {
                "headers" => self.map_of(value, &at.key(key), Self::header)?,
                "content" => self.map_of(value, &at.key(key), Self::media_type)?,
                "links" => self.map_of(value, &at.key(key), Self::link)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn header(&mut self, header: &mut Value, at: &At<'_>) -> Result<()> {
        if is_ref(header) {
            return self.inline(Kind::Header, header, at);
        }
        let Value::Object(map) = header else {
            return Err(shape_error(at, "a header object", header));
        };
        self.schema_holder(map, at)
    }

    fn example(&mut self, example: &mut Value, at: &At<'_>) -> Result<()> {
        if is_ref(example) {
            return self.inline(Kind::Example, example, at);
        }
        Ok(())
    }

    fn link(&mut self, link: &mut Value, at: &At<'_>) -> Result<()> {
        if is_ref(link) {
            return self.inline(Kind::Link, link, at);
        }
        Ok(())
    }

    fn callback(&mut self, callback: &mut Value, at: &At<'_>) -> Result<()> {
        if is_ref(callback) {
            return self.inline(Kind::Callback, callback, at);
        }
        self.map_of(callback, at, Self::path_item)
    }

    /// Normalizes a schema and everything under it. One pass over the keys
    /// finds both the subschemas to visit and the keywords to translate, so
    /// a schema with nothing to translate costs one scan of its keys.
    pub(crate) fn schema(&mut self, schema: &mut Value, at: &At<'_>) -> Result<()> {
        let Value::Object(map) = schema else {
            // `true`/`false` are schemas too; anything else is left alone.
            return Ok(());
        };
        let mut flags = 0u8;
        for (key, value) in map.iter_mut() {
            match key.as_str() {
                "$ref" => {
                    if let Value::String(reference) = value
                        && let Some(new) = self.refs.schema_ref(reference, at)?
                    {
                        *reference = new;
                    }
                }
                // Objects of named subschemas.
                "properties" | "patternProperties" | "$defs" | "definitions"
                | "dependentSchemas" | "dependencies" => {
                    if let Value::Object(children) = value {
                        let at = at.key(key);
                        for (name, child) in children.iter_mut() {
                            self.schema(child, &at.key(name))?;
                        }
                    }
                }
                // One subschema, or a list of them (`allOf`…, old-style tuple `items`).
                "items"
                | "additionalProperties"
                | "additionalItems"
                | "unevaluatedItems"
                | "unevaluatedProperties"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contains"
                | "propertyNames"
                | "contentSchema"
                | "allOf"
                | "anyOf"
                | "oneOf"
                | "prefixItems" => {
                    let at = at.key(key);
                    if let Value::Array(items) = value {
                        for (index, item) in items.iter_mut().enumerate() {
                            self.schema(item, &at.index(index))?;
                        }
                    } else {
                        self.schema(value, &at)?;
                    }
                }
                "nullable" | "x-nullable" => flags |= NULLABLE,
                "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => flags |= EXCLUSIVE,
                "example" => flags |= EXAMPLE,
                "type" if value.as_str() == Some("file") => flags |= FILE,
                "discriminator" => flags |= DISCRIMINATOR,
                _ => {}
            }
        }
        if flags != 0 {
            self.translate(map, flags, at);
        }
        Ok(())
    }

    /// The 3.0 → 2020-12 keyword translations of one schema object.
    fn translate(&mut self, map: &mut Map<String, Value>, flags: u8, at: &At<'_>) {
        if flags & FILE != 0 {
            // Swagger 2.0 `type: file` is a binary string.
            map.insert("type".to_owned(), json!("string"));
            if !map.contains_key("format") {
                map.insert("format".to_owned(), json!("binary"));
            }
        }
        if flags & EXCLUSIVE != 0 {
            // 3.0: `exclusiveMinimum: true` qualifies `minimum`; 2020-12: it is the bound.
            for (exclusive, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                match map.get(exclusive) {
                    Some(Value::Bool(true)) => match map.shift_remove(bound) {
                        Some(limit) => {
                            map.insert(exclusive.to_owned(), limit);
                        }
                        None => {
                            map.shift_remove(exclusive);
                            self.refs.warnings.push(format!(
                                "Dropped `{exclusive}: true` without `{bound}` at `{at}`"
                            ));
                        }
                    },
                    Some(Value::Bool(false)) => {
                        map.shift_remove(exclusive);
                    }
                    _ => {}
                }
            }
        }
        if flags & EXAMPLE != 0
            && let Some(example) = map.shift_remove("example")
        {
            match map.get_mut("examples") {
                Some(Value::Array(examples)) => {
                    if !examples.contains(&example) {
                        examples.insert(0, example);
                    }
                }
                Some(other) => {
                    self.refs.warnings.push(format!(
                        "Replaced `examples` that was not an array by `[example]` at `{at}`"
                    ));
                    *other = Value::Array(vec![example]);
                }
                None => {
                    map.insert("examples".to_owned(), Value::Array(vec![example]));
                }
            }
        }
        if flags & DISCRIMINATOR != 0 {
            self.discriminator(map, at);
        }
        if flags & NULLABLE != 0 {
            let nullable = map
                .shift_remove("nullable")
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            let x_nullable = map
                .shift_remove("x-nullable")
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if nullable || x_nullable {
                fold_null(map);
            }
        }
    }

    /// Swagger's `discriminator: name` becomes `{propertyName: name}`;
    /// mapping values that are refs follow schema renames.
    fn discriminator(&mut self, map: &mut Map<String, Value>, at: &At<'_>) {
        let Some(discriminator) = map.get_mut("discriminator") else {
            return;
        };
        if let Value::String(name) = discriminator {
            *discriminator = json!({ "propertyName": std::mem::take(name) });
        }
        if let Some(Value::Object(mapping)) = discriminator.get_mut("mapping") {
            for target in mapping.values_mut() {
                if let Value::String(reference) = target
                    && reference.starts_with('#')
                {
                    match self.refs.schema_ref(reference, at) {
                        Ok(Some(new)) => *reference = new,
                        Ok(None) => {}
                        Err(err) => self
                            .refs
                            .warnings
                            .push(format!("Left a discriminator mapping as written: {err}")),
                    }
                }
            }
        }
    }
}

/// `nullable: true` in 2020-12 terms: `null` joins the `type` (and the
/// `enum`); a schema without `type` made of `$ref`/`allOf`/`oneOf` becomes
/// `anyOf: [that, {type: null}]`; an `anyOf` gains a `{type: null}` branch.
fn fold_null(map: &mut Map<String, Value>) {
    let null = || Value::String("null".to_owned());
    if let Some(ty) = map.get_mut("type") {
        match ty {
            Value::String(name) if name != "null" => {
                *ty = Value::Array(vec![Value::String(std::mem::take(name)), null()])
            }
            Value::Array(types) if !types.contains(&null()) => types.push(null()),
            _ => {}
        }
        if let Some(Value::Array(values)) = map.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
    } else if map.contains_key("$ref") || map.contains_key("allOf") || map.contains_key("oneOf") {
        let mut inner = Map::new();
        let mut outer = Map::new();
        for (key, value) in std::mem::take(map) {
            if is_annotation(&key) {
                outer.insert(key, value);
            } else {
                inner.insert(key, value);
            }
        }
        outer.insert(
            "anyOf".to_owned(),
            json!([Value::Object(inner), {"type": "null"}]),
        );
        *map = outer;
    } else if let Some(Value::Array(branches)) = map.get_mut("anyOf") {
        let null_branch = json!({"type": "null"});
        if !branches.contains(&null_branch) {
            branches.push(null_branch);
        }
    } else if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    // No `type` and nothing else: the schema already accepts null.
}

/// Parameters are the same when `name` and `in` match.
fn same_parameter(a: &Value, b: &Value) -> bool {
    a.get("name") == b.get("name") && a.get("in") == b.get("in")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run(mut doc: Value) -> Value {
        normalize(
            &mut doc,
            SourceVersion::OpenApi30,
            ExternalPolicy::Refuse,
            None,
        )
        .unwrap();
        doc
    }

    fn schema_of(doc: Value, schema: Value) -> Value {
        let mut doc = doc;
        doc["components"]["schemas"]["S"] = schema;
        let out = run(doc);
        out["components"]["schemas"]["S"].clone()
    }

    fn base() -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}})
    }

    #[test]
    fn nullable_type_becomes_type_array() {
        let s = schema_of(
            base(),
            json!({"type": "string", "nullable": true, "enum": ["a"]}),
        );
        assert_eq!(s, json!({"type": ["string", "null"], "enum": ["a", null]}));
    }

    #[test]
    fn nullable_ref_becomes_any_of() {
        let mut doc = base();
        doc["components"]["schemas"]["T"] = json!({"type": "object"});
        let s = schema_of(
            doc,
            json!({"$ref": "#/components/schemas/T", "nullable": true, "description": "d"}),
        );
        assert_eq!(
            s,
            json!({"description": "d", "anyOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}]})
        );
    }

    #[test]
    fn nullable_any_of_gains_null_branch() {
        let s = schema_of(
            base(),
            json!({"anyOf": [{"type": "string"}], "nullable": true}),
        );
        assert_eq!(s, json!({"anyOf": [{"type": "string"}, {"type": "null"}]}));
        let s = schema_of(base(), json!({"enum": ["a"], "nullable": true}));
        assert_eq!(s, json!({"enum": ["a", null]}));
        let s = schema_of(base(), json!({"nullable": false, "type": "integer"}));
        assert_eq!(s, json!({"type": "integer"}));
    }

    #[test]
    fn exclusive_bounds_and_example() {
        let s = schema_of(
            base(),
            json!({"type": "number", "minimum": 1, "exclusiveMinimum": true, "maximum": 9, "exclusiveMaximum": false, "example": 3}),
        );
        assert_eq!(
            s,
            json!({"type": "number", "exclusiveMinimum": 1, "maximum": 9, "examples": [3]})
        );
    }

    #[test]
    fn property_named_nullable_is_not_a_keyword() {
        let s = schema_of(
            base(),
            json!({"properties": {"nullable": {"type": "boolean", "nullable": true}}}),
        );
        assert_eq!(
            s,
            json!({"properties": {"nullable": {"type": ["boolean", "null"]}}})
        );
    }

    #[test]
    fn path_parameters_merge_and_refs_inline() {
        let mut doc = base();
        doc["paths"] = json!({"/a/{id}": {
            "parameters": [{"$ref": "#/components/parameters/Id"}, {"name": "q", "in": "query", "schema": {"type": "string"}}],
            "get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"$ref": "#/components/responses/Ok"}}}
        }});
        doc["components"] = json!({
            "parameters": {"Id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "nullable": true}}},
            "responses": {"Ok": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/T"}}}}},
            "schemas": {"T": {"type": "object"}}
        });
        let out = run(doc);
        let item = &out["paths"]["/a/{id}"];
        assert!(item.get("parameters").is_none());
        assert_eq!(
            item["get"]["parameters"],
            json!([
                {"name": "id", "in": "path", "required": true, "schema": {"type": ["string", "null"]}},
                {"name": "q", "in": "query", "schema": {"type": "integer"}}
            ])
        );
        assert_eq!(item["get"]["responses"]["200"]["description"], "ok");
        assert_eq!(out["openapi"], "3.1.0");
        assert_eq!(out["servers"], json!([]));
        assert!(out["components"].get("parameters").is_none());
    }

    #[test]
    fn deep_schema_ref_is_hoisted() {
        let mut doc = base();
        doc["components"] = json!({"schemas": {
            "A": {"properties": {"b": {"type": "string", "example": "x"}}},
            "C": {"properties": {"d": {"$ref": "#/components/schemas/A/properties/b"}}}
        }});
        let out = run(doc);
        assert_eq!(
            out["components"]["schemas"]["C"]["properties"]["d"]["$ref"],
            "#/components/schemas/A_b"
        );
        assert_eq!(
            out["components"]["schemas"]["A_b"],
            json!({"type": "string", "examples": ["x"]})
        );
    }

    #[test]
    fn odd_schema_names_are_renamed() {
        let mut doc = base();
        doc["components"] = json!({"schemas": {
            "Page«Pet»": {"type": "object"},
            "Use": {"$ref": "#/components/schemas/Page%C2%ABPet%C2%BB"},
            "Use2": {"$ref": "#/components/schemas/Page«Pet»"}
        }});
        let mut out = doc.clone();
        let warnings = normalize(
            &mut out,
            SourceVersion::OpenApi30,
            ExternalPolicy::Refuse,
            None,
        )
        .unwrap();
        assert_eq!(
            out["components"]["schemas"]["Use"]["$ref"],
            "#/components/schemas/Page_Pet"
        );
        assert_eq!(
            out["components"]["schemas"]["Use2"]["$ref"],
            "#/components/schemas/Page_Pet"
        );
        assert!(out["components"]["schemas"].get("Page_Pet").is_some());
        assert!(
            warnings[0].contains("Renamed 1 schema name"),
            "{warnings:?}"
        );
    }

    #[test]
    fn alias_cycle_is_an_error() {
        let mut doc = base();
        doc["components"] = json!({"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"$ref": "#/components/schemas/A"},
            "C": {"properties": {"self": {"$ref": "#/components/schemas/C"}}}
        }});
        let err = normalize(
            &mut doc,
            SourceVersion::OpenApi30,
            ExternalPolicy::Refuse,
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Failed to resolve a `$ref` cycle: `#/components/schemas/A` → `#/components/schemas/B` → `#/components/schemas/A`; make one of them a definition instead of a reference"
        );
    }

    #[test]
    fn parameter_cycle_is_an_error() {
        let mut doc = base();
        doc["paths"] =
            json!({"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/A"}]}}});
        doc["components"] = json!({"parameters": {"A": {"$ref": "#/components/parameters/B"}, "B": {"$ref": "#/components/parameters/A"}}});
        let err = normalize(
            &mut doc,
            SourceVersion::OpenApi30,
            ExternalPolicy::Refuse,
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("`#/components/parameters/A` → `#/components/parameters/B` → `#/components/parameters/A`"),
            "{err}"
        );
    }

    #[test]
    fn dangling_ref_names_ref_and_place() {
        let mut doc = base();
        doc["paths"] = json!({"/a": {"get": {"responses": {"200": {"description": "x", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}}}}});
        let err = normalize(
            &mut doc,
            SourceVersion::OpenApi30,
            ExternalPolicy::Refuse,
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Failed to resolve `$ref: #/components/schemas/Nope` at `#/paths/~1a/get/responses/200/content/application~1json/schema`: `#/components/schemas/Nope` does not exist; fix the reference or add what it names"
        );
    }
}
