//! Swagger 2.0 → OpenAPI 3.x: servers from `host`/`basePath`/`schemes`,
//! `definitions` → `components/schemas`, `securityDefinitions` →
//! `components/securitySchemes`, `body`/`formData` parameters → `requestBody`,
//! other parameters' type keywords → `schema` (with `collectionFormat` →
//! `style`/`explode`), response `schema` → `content` per `produces`.
//!
//! The result still has Swagger's schema refs (`#/definitions/X`) and
//! keywords (`type: file`, `x-nullable`); the common walk in `normalize.rs`
//! translates those like it does for 3.0.

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::normalize::{At, METHODS, shape_error};
use crate::refs::Refs;

/// The document-wide `consumes` and `produces`.
pub(crate) struct Defaults {
    consumes: Vec<String>,
    produces: Vec<String>,
}

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

/// Keywords of a non-body parameter (and of `items`, and of response
/// headers) that describe its value: they move under `schema`.
fn is_schema_keyword(key: &str) -> bool {
    matches!(
        key,
        "type"
            | "format"
            | "items"
            | "enum"
            | "default"
            | "maximum"
            | "exclusiveMaximum"
            | "minimum"
            | "exclusiveMinimum"
            | "maxLength"
            | "minLength"
            | "pattern"
            | "maxItems"
            | "minItems"
            | "uniqueItems"
            | "multipleOf"
            | "x-nullable"
    )
}

/// Rewrites the top level in place: `swagger` → `openapi` (first),
/// `servers` after `info`, the Swagger sections moved under `components`.
pub(crate) fn convert_top_level(
    root: &mut Map<String, Value>,
    warnings: &mut Vec<String>,
) -> Result<Defaults> {
    let old = std::mem::take(root);
    let mut host = None;
    let mut base_path = None;
    let mut schemes = Vec::new();
    let mut defaults = Defaults {
        consumes: Vec::new(),
        produces: Vec::new(),
    };
    let mut components = Map::new();
    let mut rest = Map::new();
    for (key, value) in old {
        match key.as_str() {
            "swagger" => {}
            "host" => host = value.as_str().map(str::to_owned),
            "basePath" => base_path = value.as_str().map(str::to_owned),
            "schemes" => schemes = strings(&value),
            "consumes" => defaults.consumes = strings(&value),
            "produces" => defaults.produces = strings(&value),
            "definitions" => {
                components.insert("schemas".to_owned(), value);
            }
            "parameters" | "responses" => {
                components.insert(key, value);
            }
            "securityDefinitions" => {
                let Value::Object(definitions) = value else {
                    return Err(shape_error(
                        &At::base("#/securityDefinitions"),
                        "an object",
                        &value,
                    ));
                };
                let mut schemes = Map::new();
                for (name, definition) in definitions {
                    let converted = security_scheme(definition, &name, warnings);
                    schemes.insert(name, converted);
                }
                components.insert("securitySchemes".to_owned(), Value::Object(schemes));
            }
            _ => {
                rest.insert(key, value);
            }
        }
    }

    let servers = servers(host.as_deref(), base_path.as_deref(), &schemes);
    root.insert("openapi".to_owned(), json!("3.1.0"));
    let mut servers = Some(servers);
    for (key, value) in rest {
        let after_info = key == "info";
        root.insert(key, value);
        if after_info && let Some(servers) = servers.take() {
            root.insert("servers".to_owned(), servers);
        }
    }
    if let Some(servers) = servers {
        root.insert("servers".to_owned(), servers);
    }
    root.insert("components".to_owned(), Value::Object(components));
    Ok(defaults)
}

/// `scheme://host/basePath` for each scheme (https when none is given); a
/// document without `host` gets the relative `basePath`.
fn servers(host: Option<&str>, base_path: Option<&str>, schemes: &[String]) -> Value {
    let path = base_path.map(|p| p.trim_end_matches('/')).unwrap_or("");
    let path = if path.is_empty() || path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    match host {
        Some(host) => {
            let schemes: Vec<&str> = if schemes.is_empty() {
                vec!["https"]
            } else {
                schemes.iter().map(String::as_str).collect()
            };
            Value::Array(
                schemes
                    .iter()
                    .map(|s| json!({ "url": format!("{s}://{host}{path}") }))
                    .collect(),
            )
        }
        None if !path.is_empty() => json!([{ "url": path }]),
        None => json!([]),
    }
}

fn security_scheme(definition: Value, name: &str, warnings: &mut Vec<String>) -> Value {
    let Value::Object(mut def) = definition else {
        return definition;
    };
    let ty = def
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let mut out = Map::new();
    match ty.as_str() {
        "basic" => {
            out.insert("type".to_owned(), json!("http"));
            out.insert("scheme".to_owned(), json!("basic"));
        }
        "apiKey" => {
            out.insert("type".to_owned(), json!("apiKey"));
            for key in ["name", "in"] {
                if let Some(v) = def.shift_remove(key) {
                    out.insert(key.to_owned(), v);
                }
            }
        }
        "oauth2" => {
            out.insert("type".to_owned(), json!("oauth2"));
            let flow = def.shift_remove("flow");
            let (name3, urls): (&str, &[&str]) = match flow.as_ref().and_then(Value::as_str) {
                Some("implicit") => ("implicit", &["authorizationUrl"]),
                Some("password") => ("password", &["tokenUrl"]),
                Some("application") => ("clientCredentials", &["tokenUrl"]),
                Some("accessCode") => ("authorizationCode", &["authorizationUrl", "tokenUrl"]),
                other => {
                    warnings.push(format!(
                        "Kept the oauth2 security definition `{name}` with unknown flow `{}` as written",
                        other.unwrap_or("")
                    ));
                    ("implicit", &["authorizationUrl", "tokenUrl"])
                }
            };
            let mut flow_obj = Map::new();
            for url in urls {
                if let Some(v) = def.shift_remove(*url) {
                    flow_obj.insert((*url).to_owned(), v);
                }
            }
            flow_obj.insert(
                "scopes".to_owned(),
                def.shift_remove("scopes").unwrap_or_else(|| json!({})),
            );
            out.insert("flows".to_owned(), json!({ name3: flow_obj }));
        }
        _ => {
            warnings.push(format!(
                "Kept the security definition `{name}` of unknown type `{ty}` as written"
            ));
            return Value::Object(def);
        }
    }
    for (key, value) in def {
        if key != "type" && key != "tokenUrl" && key != "authorizationUrl" {
            out.insert(key, value);
        }
    }
    Value::Object(out)
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Converts every operation under `paths` to the 3.x shape.
pub(crate) fn convert_paths(
    paths: &mut Value,
    refs: &mut Refs,
    defaults: &Defaults,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let at = At::base("#/paths");
    let Value::Object(paths) = paths else {
        return Err(shape_error(&at, "an object", paths));
    };
    let mut conv = Converter {
        refs,
        defaults,
        warnings,
    };
    for (path, item) in paths.iter_mut() {
        if path.starts_with("x-") {
            continue;
        }
        conv.path_item(item, &at.key(path))?;
    }
    Ok(())
}

struct Converter<'a> {
    refs: &'a mut Refs,
    defaults: &'a Defaults,
    warnings: &'a mut Vec<String>,
}

/// The parameters of one operation once sorted by where they go.
#[derive(Default)]
struct Sorted {
    params: Vec<Value>,
    body: Option<Map<String, Value>>,
    form: Vec<Map<String, Value>>,
}

impl Converter<'_> {
    /// Follows `$ref` chains to a raw (unconverted) object; siblings of a
    /// `$ref` (descriptions) are laid over the target.
    fn resolve(&mut self, value: Value, at: &At<'_>) -> Result<Value> {
        let mut current = value;
        let mut seen: Vec<String> = Vec::new();
        loop {
            let Value::Object(map) = &current else {
                return Ok(current);
            };
            let Some(reference) = map.get("$ref") else {
                return Ok(current);
            };
            let found_at = match seen.last() {
                Some(key) => At::base(key),
                None => *at,
            };
            let Some(reference) = reference.as_str() else {
                return Err(shape_error(&found_at.key("$ref"), "a string", reference));
            };
            let (mut target, key) = self.refs.raw(reference, &found_at)?;
            if seen.contains(&key) {
                let mut chain: Vec<String> = seen.iter().map(|k| format!("`{k}`")).collect();
                chain.push(format!("`{key}`"));
                return Err(Error::RefCycle {
                    chain: chain.join(" → "),
                });
            }
            if let (Value::Object(target_map), Value::Object(map)) = (&mut target, &current) {
                for (k, v) in map {
                    if k != "$ref" {
                        target_map.insert(k.clone(), v.clone());
                    }
                }
            }
            seen.push(key);
            current = target;
        }
    }

    fn path_item(&mut self, item: &mut Value, at: &At<'_>) -> Result<()> {
        let owned = std::mem::take(item);
        *item = self.resolve(owned, at)?;
        let Value::Object(map) = item else {
            return Err(shape_error(at, "a path item object", item));
        };
        let shared = match map.shift_remove("parameters") {
            Some(params) => self.raw_parameters(params, &at.key("parameters"))?,
            None => Vec::new(),
        };
        for (key, operation) in map.iter_mut() {
            if METHODS.contains(&key.as_str()) {
                self.operation(operation, &shared, &at.key(key))?;
            }
        }
        Ok(())
    }

    fn raw_parameters(&mut self, params: Value, at: &At<'_>) -> Result<Vec<Map<String, Value>>> {
        let Value::Array(list) = params else {
            return Err(shape_error(at, "an array of parameters", &params));
        };
        let mut out = Vec::with_capacity(list.len());
        for (index, param) in list.into_iter().enumerate() {
            let at = at.index(index);
            let param = self.resolve(param, &at)?;
            let Value::Object(param) = param else {
                return Err(shape_error(&at, "a parameter object", &param));
            };
            for field in ["name", "in"] {
                if !param.get(field).is_some_and(Value::is_string) {
                    return Err(shape_error(
                        &at.key(field),
                        "a string (parameters need `name` and `in`)",
                        param.get(field).unwrap_or(&Value::Null),
                    ));
                }
            }
            out.push(param);
        }
        Ok(out)
    }

    fn operation(
        &mut self,
        operation: &mut Value,
        shared: &[Map<String, Value>],
        at: &At<'_>,
    ) -> Result<()> {
        let Value::Object(op) = operation else {
            return Err(shape_error(at, "an operation object", operation));
        };
        let consumes = op
            .shift_remove("consumes")
            .map(|v| strings(&v))
            .unwrap_or_else(|| self.defaults.consumes.clone());
        let produces = op
            .shift_remove("produces")
            .map(|v| strings(&v))
            .unwrap_or_else(|| self.defaults.produces.clone());
        let own = match op.get_mut("parameters") {
            Some(params) => self.raw_parameters(std::mem::take(params), &at.key("parameters"))?,
            None => Vec::new(),
        };
        let same = |a: &Map<String, Value>, b: &Map<String, Value>| {
            a.get("in") == b.get("in")
                && (a.get("in").and_then(Value::as_str) == Some("body")
                    || a.get("name") == b.get("name"))
        };
        let mut merged: Vec<Map<String, Value>> = shared
            .iter()
            .filter(|p| !own.iter().any(|o| same(o, p)))
            .cloned()
            .collect();
        merged.extend(own);

        let mut sorted = Sorted::default();
        for param in merged {
            match param.get("in").and_then(Value::as_str) {
                Some("body") => {
                    if sorted.body.is_some() {
                        self.warnings
                            .push(format!("Kept only the last `in: body` parameter at `{at}`"));
                    }
                    sorted.body = Some(param);
                }
                Some("formData") => sorted.form.push(param),
                _ => sorted.params.push(self.parameter(param, at)),
            }
        }
        if sorted.body.is_some() && !sorted.form.is_empty() {
            self.warnings.push(format!(
                "Ignored the `formData` parameters next to an `in: body` parameter at `{at}` (Swagger 2.0 allows only one of them)"
            ));
        }
        let request_body = match (sorted.body, sorted.form.is_empty()) {
            (Some(body), _) => Some(body_request(body, &consumes)),
            (None, false) => Some(self.form_request(sorted.form, &consumes, at)),
            (None, true) => None,
        };
        if sorted.params.is_empty() {
            op.shift_remove("parameters");
        } else {
            op.insert("parameters".to_owned(), Value::Array(sorted.params));
        }
        if let Some(body) = request_body {
            op.insert("requestBody".to_owned(), body);
        }

        if let Some(Value::Object(responses)) = op.get_mut("responses") {
            let at = at.key("responses");
            for (status, response) in responses.iter_mut() {
                if status.starts_with("x-") {
                    continue;
                }
                let at = at.key(status);
                let raw = self.resolve(std::mem::take(response), &at)?;
                *response = self.response(raw, &produces, &at)?;
            }
        }
        Ok(())
    }

    /// A query/path/header parameter: value keywords move under `schema`.
    fn parameter(&mut self, param: Map<String, Value>, at: &At<'_>) -> Value {
        let location = param
            .get("in")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let mut out = Map::new();
        let mut schema = Map::new();
        let mut collection = None;
        for (key, value) in param {
            if key == "collectionFormat" {
                collection = value.as_str().map(str::to_owned);
            } else if key == "schema" {
                // Not Swagger 2.0 for a non-body parameter, but clear enough.
                out.insert(key, value);
            } else if is_schema_keyword(&key) {
                let value = self.items(&key, value, at);
                schema.insert(key, value);
            } else {
                out.insert(key, value);
            }
        }
        if location == "path" {
            out.insert("required".to_owned(), json!(true));
        }
        if schema.get("type").and_then(Value::as_str) == Some("array") {
            let (style, explode) =
                self.style(collection.as_deref().unwrap_or("csv"), &location, at);
            out.insert("style".to_owned(), json!(style));
            out.insert("explode".to_owned(), json!(explode));
        }
        if !out.contains_key("schema") {
            out.insert("schema".to_owned(), Value::Object(schema));
        }
        Value::Object(out)
    }

    /// Swagger `items` objects may carry their own `collectionFormat`, which
    /// 3.x cannot express; it is dropped with a warning.
    fn items(&mut self, key: &str, value: Value, at: &At<'_>) -> Value {
        if key != "items" {
            return value;
        }
        let Value::Object(mut items) = value else {
            return value;
        };
        if items.shift_remove("collectionFormat").is_some() {
            self.warnings.push(format!(
                "Dropped a nested `collectionFormat` under `items` at `{at}` (OpenAPI 3 cannot express it)"
            ));
        }
        if let Some(inner) = items.shift_remove("items") {
            let inner = self.items("items", inner, at);
            items.insert("items".to_owned(), inner);
        }
        Value::Object(items)
    }

    /// `collectionFormat` → (`style`, `explode`).
    fn style(&mut self, format: &str, location: &str, at: &At<'_>) -> (&'static str, bool) {
        let simple = location == "path" || location == "header";
        match format {
            "multi" => ("form", true),
            "ssv" => ("spaceDelimited", false),
            "pipes" => ("pipeDelimited", false),
            other => {
                if other == "tsv" {
                    self.warnings.push(format!(
                        "Treated `collectionFormat: tsv` at `{at}` as `csv` (OpenAPI 3 has no tab-delimited style)"
                    ));
                } else if other != "csv" {
                    self.warnings.push(format!(
                        "Treated unknown `collectionFormat: {other}` at `{at}` as `csv`"
                    ));
                }
                if simple {
                    ("simple", false)
                } else {
                    ("form", false)
                }
            }
        }
    }

    /// `formData` parameters → one object schema under a form media type.
    fn form_request(
        &mut self,
        fields: Vec<Map<String, Value>>,
        consumes: &[String],
        at: &At<'_>,
    ) -> Value {
        let has_file = fields
            .iter()
            .any(|f| f.get("type").and_then(Value::as_str) == Some("file"));
        let media = if has_file || consumes.iter().any(|c| c.starts_with(MULTIPART)) {
            MULTIPART
        } else {
            FORM
        };
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut encoding = Map::new();
        for field in fields {
            let mut name = String::new();
            let mut schema = Map::new();
            let mut collection = None;
            let mut is_required = false;
            for (key, value) in field {
                match key.as_str() {
                    "name" => name = value.as_str().unwrap_or("").to_owned(),
                    "in" => {}
                    "required" => is_required = value.as_bool() == Some(true),
                    "collectionFormat" => collection = value.as_str().map(str::to_owned),
                    "description" => {
                        schema.insert(key, value);
                    }
                    _ if is_schema_keyword(&key) || key.starts_with("x-") => {
                        let value = self.items(&key, value, at);
                        schema.insert(key, value);
                    }
                    _ => {
                        schema.insert(key, value);
                    }
                }
            }
            if is_required {
                required.push(Value::String(name.clone()));
            }
            if schema.get("type").and_then(Value::as_str) == Some("array") {
                let (style, explode) =
                    self.style(collection.as_deref().unwrap_or("csv"), "query", at);
                encoding.insert(name.clone(), json!({"style": style, "explode": explode}));
            }
            properties.insert(name, Value::Object(schema));
        }
        let mut schema = Map::new();
        schema.insert("type".to_owned(), json!("object"));
        schema.insert("properties".to_owned(), Value::Object(properties));
        let any_required = !required.is_empty();
        if any_required {
            schema.insert("required".to_owned(), Value::Array(required));
        }
        let mut media_object = Map::new();
        media_object.insert("schema".to_owned(), Value::Object(schema));
        if !encoding.is_empty() {
            media_object.insert("encoding".to_owned(), Value::Object(encoding));
        }
        let mut body = Map::new();
        body.insert("content".to_owned(), json!({ media: media_object }));
        if any_required {
            body.insert("required".to_owned(), json!(true));
        }
        Value::Object(body)
    }

    /// A response: `schema` → `content` per `produces`, headers' value
    /// keywords → `schema`, `examples` (by media type) → `example`.
    fn response(&mut self, raw: Value, produces: &[String], at: &At<'_>) -> Result<Value> {
        let Value::Object(response) = raw else {
            return Err(shape_error(at, "a response object", &raw));
        };
        let mut out = Map::new();
        let mut schema = None;
        let mut examples = None;
        for (key, value) in response {
            match key.as_str() {
                "schema" => schema = Some(value),
                "examples" => examples = Some(value),
                "headers" => {
                    let headers = match value {
                        Value::Object(headers) => headers
                            .into_iter()
                            .map(|(name, header)| {
                                let header = self.header(header, at);
                                (name, header)
                            })
                            .collect(),
                        other => return Err(shape_error(at, "an object of headers", &other)),
                    };
                    out.insert(key, Value::Object(headers));
                }
                _ => {
                    out.insert(key, value);
                }
            }
        }
        if !out.contains_key("description") {
            out.insert("description".to_owned(), json!(""));
        }
        let mut content = Map::new();
        if let Some(schema) = schema {
            let default = [JSON.to_owned()];
            let media_types = if produces.is_empty() {
                &default[..]
            } else {
                produces
            };
            for media in media_types {
                content.insert(media.clone(), json!({ "schema": schema.clone() }));
            }
        }
        if let Some(Value::Object(examples)) = examples {
            for (media, example) in examples {
                match content.get_mut(&media) {
                    Some(Value::Object(entry)) => {
                        entry.insert("example".to_owned(), example);
                    }
                    _ => {
                        content.insert(media, json!({ "example": example }));
                    }
                }
            }
        }
        if !content.is_empty() {
            out.insert("content".to_owned(), Value::Object(content));
        }
        Ok(Value::Object(out))
    }

    fn header(&mut self, header: Value, at: &At<'_>) -> Value {
        let Value::Object(header) = header else {
            return header;
        };
        let mut out = Map::new();
        let mut schema = Map::new();
        for (key, value) in header {
            if is_schema_keyword(&key) {
                let value = self.items(&key, value, at);
                schema.insert(key, value);
            } else if key != "collectionFormat" {
                out.insert(key, value);
            }
        }
        out.insert("schema".to_owned(), Value::Object(schema));
        Value::Object(out)
    }
}

/// The `in: body` parameter → a request body with its schema under every
/// `consumes` media type (JSON when there is none).
fn body_request(body: Map<String, Value>, consumes: &[String]) -> Value {
    let mut out = Map::new();
    let mut schema = json!({});
    for (key, value) in body {
        match key.as_str() {
            "schema" => schema = value,
            "name" => {
                out.insert("x-body-name".to_owned(), value);
            }
            "in" => {}
            "required" => {
                if value.as_bool() == Some(true) {
                    out.insert(key, value);
                }
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
    let default = [JSON.to_owned()];
    let media_types = if consumes.is_empty() {
        &default[..]
    } else {
        consumes
    };
    let content: Map<String, Value> = media_types
        .iter()
        .map(|media| (media.clone(), json!({ "schema": schema.clone() })))
        .collect();
    out.insert("content".to_owned(), Value::Object(content));
    Value::Object(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::SourceVersion;
    use crate::normalize::normalize;
    use crate::refs::ExternalPolicy;

    fn run(mut doc: Value) -> (Value, Vec<String>) {
        let warnings = normalize(
            &mut doc,
            SourceVersion::Swagger2,
            ExternalPolicy::Refuse,
            None,
        )
        .unwrap();
        (doc, warnings)
    }

    #[test]
    fn servers_from_host_base_path_schemes() {
        assert_eq!(
            servers(Some("h"), Some("/v1/"), &["http".into(), "https".into()]),
            json!([{"url": "http://h/v1"}, {"url": "https://h/v1"}])
        );
        assert_eq!(servers(Some("h"), None, &[]), json!([{"url": "https://h"}]));
        assert_eq!(servers(None, Some("/api"), &[]), json!([{"url": "/api"}]));
        assert_eq!(servers(None, None, &[]), json!([]));
    }

    #[test]
    fn top_level_order_and_security() {
        let (doc, _) = run(json!({
            "swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "api.x.com", "basePath": "/v2",
            "paths": {},
            "securityDefinitions": {
                "basic": {"type": "basic"},
                "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
                "code": {"type": "oauth2", "flow": "accessCode", "authorizationUrl": "https://a", "tokenUrl": "https://t", "scopes": {"r": "read"}},
                "app": {"type": "oauth2", "flow": "application", "tokenUrl": "https://t"}
            }
        }));
        let keys: Vec<&str> = doc
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["openapi", "info", "servers", "paths", "components"]);
        assert_eq!(doc["servers"], json!([{"url": "https://api.x.com/v2"}]));
        let s = &doc["components"]["securitySchemes"];
        assert_eq!(s["basic"], json!({"type": "http", "scheme": "basic"}));
        assert_eq!(
            s["key"],
            json!({"type": "apiKey", "name": "X-Key", "in": "header"})
        );
        assert_eq!(
            s["code"],
            json!({"type": "oauth2", "flows": {"authorizationCode": {"authorizationUrl": "https://a", "tokenUrl": "https://t", "scopes": {"r": "read"}}}})
        );
        assert_eq!(
            s["app"],
            json!({"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://t", "scopes": {}}}})
        );
    }

    #[test]
    fn parameters_and_bodies() {
        let (doc, warnings) = run(json!({
            "swagger": "2.0", "info": {"title": "t", "version": "1"},
            "consumes": ["application/json"], "produces": ["application/json", "application/xml"],
            "parameters": {"limit": {"name": "limit", "in": "query", "type": "integer", "minimum": 1, "exclusiveMinimum": true}},
            "paths": {"/pets/{id}": {
                "parameters": [{"name": "id", "in": "path", "type": "string"}],
                "post": {
                    "parameters": [
                        {"$ref": "#/parameters/limit"},
                        {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}},
                        {"name": "ids", "in": "query", "type": "array", "items": {"type": "integer"}, "collectionFormat": "multi"},
                        {"name": "t", "in": "header", "type": "array", "items": {"type": "string"}, "collectionFormat": "tsv"},
                        {"name": "pet", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Pet"}}
                    ],
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}, "headers": {"X-Rate": {"type": "integer"}}}}
                }
            }},
            "definitions": {"Pet": {"type": "object", "x-nullable": true}}
        }));
        let op = &doc["paths"]["/pets/{id}"]["post"];
        assert_eq!(
            op["parameters"],
            json!([
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "exclusiveMinimum": 1}},
                {"name": "tags", "in": "query", "style": "form", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "ids", "in": "query", "style": "form", "explode": true, "schema": {"type": "array", "items": {"type": "integer"}}},
                {"name": "t", "in": "header", "style": "simple", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}}
            ])
        );
        assert_eq!(
            op["requestBody"],
            json!({"required": true, "x-body-name": "pet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}})
        );
        let response = &op["responses"]["200"];
        assert_eq!(
            response["content"]["application/xml"]["schema"]["$ref"],
            "#/components/schemas/Pet"
        );
        assert_eq!(
            response["headers"]["X-Rate"],
            json!({"schema": {"type": "integer"}})
        );
        assert_eq!(
            doc["components"]["schemas"]["Pet"],
            json!({"type": ["object", "null"]})
        );
        assert!(warnings.iter().any(|w| w.contains("tsv")), "{warnings:?}");
    }

    #[test]
    fn form_data_with_file_is_multipart() {
        let (doc, _) = run(json!({
            "swagger": "2.0", "info": {"title": "t", "version": "1"},
            "paths": {"/up": {"post": {
                "consumes": ["application/x-www-form-urlencoded"],
                "parameters": [
                    {"name": "file", "in": "formData", "type": "file", "required": true, "description": "the file"},
                    {"name": "note", "in": "formData", "type": "string"},
                    {"name": "tags", "in": "formData", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"}
                ],
                "responses": {"204": {"description": "done"}}
            }}}
        }));
        assert_eq!(
            doc["paths"]["/up"]["post"]["requestBody"],
            json!({"content": {"multipart/form-data": {
                "schema": {"type": "object", "properties": {
                    "file": {"description": "the file", "type": "string", "format": "binary"},
                    "note": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}}
                }, "required": ["file"]},
                "encoding": {"tags": {"style": "form", "explode": true}}
            }}, "required": true})
        );
        assert!(doc["paths"]["/up"]["post"].get("parameters").is_none());
    }

    #[test]
    fn form_data_without_file_is_urlencoded() {
        let (doc, _) = run(json!({
            "swagger": "2.0", "info": {"title": "t", "version": "1"},
            "paths": {"/f": {"post": {
                "parameters": [{"name": "a", "in": "formData", "type": "string"}],
                "responses": {"200": {"description": "ok"}}
            }}}
        }));
        assert!(
            doc["paths"]["/f"]["post"]["requestBody"]["content"]
                .get(FORM)
                .is_some()
        );
    }

    #[test]
    fn response_refs_and_param_cycles() {
        let (doc, _) = run(json!({
            "swagger": "2.0", "info": {"title": "t", "version": "1"},
            "responses": {"NotFound": {"description": "nf", "schema": {"type": "string"}}},
            "paths": {"/a": {"get": {"responses": {"404": {"$ref": "#/responses/NotFound"}}}}}
        }));
        assert_eq!(
            doc["paths"]["/a"]["get"]["responses"]["404"],
            json!({"description": "nf", "content": {"application/json": {"schema": {"type": "string"}}}})
        );
        assert!(doc["components"].get("responses").is_none());

        let mut doc = json!({
            "swagger": "2.0", "info": {"title": "t", "version": "1"},
            "parameters": {"A": {"$ref": "#/parameters/B"}, "B": {"$ref": "#/parameters/A"}},
            "paths": {"/a": {"get": {"parameters": [{"$ref": "#/parameters/A"}], "responses": {}}}}
        });
        let err = normalize(
            &mut doc,
            SourceVersion::Swagger2,
            ExternalPolicy::Refuse,
            None,
        )
        .unwrap_err();
        assert!(matches!(err, Error::RefCycle { .. }), "{err}");
    }
}
