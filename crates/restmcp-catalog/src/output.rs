//! The output side of a tool: which response is the result, and its
//! `outputSchema`.
//!
//! - The primary response is the first 2xx with content, in the order
//!   `200`, `201`, the other codes ascending, then `2XX`; when no 2xx has
//!   content, the first 2xx without (a `204`). `default` is never used: it
//!   usually describes errors.
//! - Its JSON content (`application/json` or any `+json`, else the first
//!   media type listed, which then has no output schema) gives the output
//!   schema: write-only properties removed, `$defs` reachable-only.
//! - MCP wants an object: an object schema (also a `$ref` to one, which is
//!   inlined at the root) is used as is; anything else (array, primitive,
//!   union, nullable object) is wrapped as `{"result": …}` and the tool says
//!   [`output_wrapped`](crate::ToolDef::output_wrapped).
//! - An empty schema (`{}`, FastAPI's `response_model=None`, or one with only
//!   a title) promises nothing, so there is no output schema at all.
//! - A schema whose reachable definitions are huge (Stripe's responses reach
//!   most of its ~1,000 components: ~580 KB per tool) is kept shallow: the
//!   root as written, each reference to a definition replaced by an
//!   unconstrained schema titled with the definition's name, and a warning.
//!   Every tool definition is sent to each client, and many clients cap one
//!   message at 1 MiB.

use serde_json::{Map, Value};

use crate::model::ResponseInfo;
use crate::operation::{Log, OperationRef, resolve_local};
use crate::params::{essence, is_json};
use crate::schema::{Flavour, Found, Schemas, is_annotation};

/// The output side of a tool.
#[derive(Debug, Default)]
pub(crate) struct Output {
    /// The MCP `outputSchema`, when the result is JSON with a useful schema.
    pub schema: Option<Map<String, Value>>,
    /// The schema was wrapped as `{"result": …}`.
    pub wrapped: bool,
    /// The primary success response.
    pub response: Option<ResponseInfo>,
}

/// A 2xx response: its rank (lower is preferred), status key and object.
type Candidate<'a> = ((u8, u16), &'a String, &'a Map<String, Value>);

/// Picks the primary response and builds the output schema.
pub(crate) fn build_output<'a>(
    op: &OperationRef<'a>,
    document: &'a Map<String, Value>,
    schemas: &mut Schemas<'a>,
    log: &mut Log<'_>,
) -> Output {
    let Some(responses) = op.operation.get("responses").and_then(Value::as_object) else {
        return Output::default();
    };
    let mut candidates: Vec<Candidate<'a>> = responses
        .iter()
        .filter_map(|(status, response)| {
            let rank = success_rank(status)?;
            let response = resolve_local(document, response)?.as_object()?;
            Some((rank, status, response))
        })
        .collect();
    candidates.sort_by_key(|(rank, _, _)| *rank);
    let content_of = |response: &'a Map<String, Value>| {
        response
            .get("content")
            .and_then(Value::as_object)
            .filter(|content| !content.is_empty())
    };
    let Some((_, status, response)) = candidates
        .iter()
        .find(|(_, _, response)| content_of(response).is_some())
        .or_else(|| candidates.first())
    else {
        return Output::default();
    };
    let Some(content) = content_of(response) else {
        return Output {
            response: Some(ResponseInfo {
                status: (*status).clone(),
                media_type: None,
            }),
            ..Output::default()
        };
    };
    let (media_type, media) = content
        .iter()
        .find(|(media_type, _)| is_json(&essence(media_type)))
        .or_else(|| content.iter().next())
        .map_or((None, None), |(m, v)| (Some(m), Some(v)));
    let response_info = Some(ResponseInfo {
        status: (*status).clone(),
        media_type: media_type.cloned(),
    });
    let schema = media_type
        .filter(|m| is_json(&essence(m)))
        .and(media)
        .and_then(|media| resolve_local(document, media))
        .and_then(|media| media.get("schema"))
        .filter(|schema| !promises_nothing(schema));
    let Some(schema) = schema else {
        return Output {
            response: response_info,
            ..Output::default()
        };
    };

    let mut found = Found::default();
    let root = match schemas.ref_target(schema) {
        // `$ref` to an object component: inline it, MCP wants `type: object`
        // at the root.
        Some(name) if object_kind(schemas.resolve(schema)).is_some() => match schemas
            .component(name, Flavour::Output)
        {
            Some((mut cleaned, refs)) => {
                found.refs.extend(refs);
                // The referring schema's own title and description say more
                // about this response than the component's.
                if let (Some(root), Some(referring)) = (cleaned.as_object_mut(), schema.as_object())
                {
                    for key in ["title", "description"] {
                        if let Some(text) = referring.get(key).filter(|v| v.is_string()) {
                            root.insert(key.into(), text.clone());
                        }
                    }
                }
                cleaned
            }
            None => schemas.clean(schema, Flavour::Output, &mut found),
        },
        _ => schemas.clean(schema, Flavour::Output, &mut found),
    };
    // Decided on the cleaned schema: that is what clients will check.
    let kind = object_kind(&root);
    let (mut root, wrapped) = match (root, kind) {
        (Value::Object(map), Some(ObjectKind::Typed)) => (map, false),
        (Value::Object(map), Some(ObjectKind::Untyped)) => {
            let mut typed = Map::with_capacity(map.len() + 1);
            typed.insert("type".into(), Value::String("object".into()));
            typed.extend(map);
            (typed, false)
        }
        (other, _) => {
            let mut properties = Map::new();
            properties.insert("result".into(), other);
            let mut wrapper = Map::new();
            wrapper.insert("type".into(), Value::String("object".into()));
            wrapper.insert("properties".into(), Value::Object(properties));
            wrapper.insert(
                "required".into(),
                Value::Array(vec![Value::String("result".into())]),
            );
            (wrapper, true)
        }
    };
    let defs = schemas.defs(&found.refs, Flavour::Output);
    if !defs.is_empty() {
        let size = serialized_len(&defs);
        if size > OUTPUT_DEFS_BUDGET {
            drop(defs);
            for value in root.values_mut() {
                shallow(value);
            }
            log.degraded(format!(
                "output schema: its definitions are {} KB, over the {} KB limit; kept the top level, nested definitions are not described",
                size / 1024,
                OUTPUT_DEFS_BUDGET / 1024
            ));
        } else {
            root.insert("$defs".into(), Value::Object(defs));
        }
    }
    for note in found.notes {
        log.degraded(format!("output schema: {note}"));
    }
    Output {
        schema: Some(root),
        wrapped,
        response: response_info,
    }
}

/// The largest `$defs` an output schema keeps, serialized.
const OUTPUT_DEFS_BUDGET: usize = 64 * 1024;

/// Bytes of `value` as compact JSON, without building the text.
fn serialized_len(value: &Map<String, Value>) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => usize::MAX,
    }
}

/// Replaces every reference to a definition with an unconstrained schema
/// that keeps its annotations and names the definition.
fn shallow(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
            {
                let mut any = Map::new();
                let title = map
                    .get("title")
                    .cloned()
                    .unwrap_or_else(|| Value::String(name.replace("~1", "/").replace("~0", "~")));
                any.insert("title".into(), title);
                if let Some(description) = map.get("description") {
                    any.insert("description".into(), description.clone());
                }
                *map = any;
                return;
            }
            for child in map.values_mut() {
                shallow(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(shallow),
        _ => {}
    }
}

/// Sort key of a success status: `200`, `201`, other `2xx` ascending, `2XX`.
fn success_rank(status: &str) -> Option<(u8, u16)> {
    match status {
        "200" => Some((0, 200)),
        "201" => Some((1, 201)),
        "2XX" | "2xx" => Some((3, 0)),
        _ if status.len() == 3 && status.starts_with('2') => {
            status.parse().ok().map(|code| (2, code))
        }
        _ => None,
    }
}

/// `{}`, `true`, or only annotations: any JSON is valid.
fn promises_nothing(schema: &Value) -> bool {
    match schema {
        Value::Bool(b) => *b,
        Value::Object(map) => map.keys().all(|k| is_annotation(k)),
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ObjectKind {
    /// `type: object`.
    Typed,
    /// No `type`, but `properties` and nothing that could allow non-objects.
    Untyped,
}

/// Whether values of this schema are always objects.
fn object_kind(schema: &Value) -> Option<ObjectKind> {
    let map = schema.as_object()?;
    match map.get("type") {
        Some(Value::String(t)) if t == "object" => Some(ObjectKind::Typed),
        Some(_) => None,
        None => {
            let open = [
                "anyOf", "oneOf", "allOf", "not", "if", "$ref", "enum", "const",
            ]
            .iter()
            .any(|k| map.contains_key(*k));
            (map.contains_key("properties") && !open).then_some(ObjectKind::Untyped)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_statuses_rank_200_201_then_ascending_then_range() {
        let mut statuses = vec!["204", "2XX", "201", "202", "200", "default", "404", "299x"];
        statuses.retain(|s| success_rank(s).is_some());
        statuses.sort_by_key(|s| success_rank(s));
        assert_eq!(statuses, ["200", "201", "202", "204", "2XX"]);
    }

    #[test]
    fn huge_output_definitions_are_kept_shallow() {
        use serde_json::json;
        // `Big` has ~100 KB of properties; the response is an object whose
        // `items` refers to it.
        let big: Map<String, Value> = (0..1000)
            .map(|i| {
                (
                    format!("field_{i}"),
                    json!({"type": "string", "description": "x".repeat(80)}),
                )
            })
            .collect();
        let document = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/things": {"get": {
                "operationId": "list_things",
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {
                        "count": {"type": "integer"},
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Big"}}
                    }
                }}}}}
            }}},
            "components": {"schemas": {"Big": {"type": "object", "properties": big}}}
        });
        let catalog = crate::build(&document, &crate::CatalogOptions::default()).expect("builds");
        let tool = &catalog.tools[0];
        let output = tool.output_schema.as_ref().expect("an output schema");
        assert!(
            !output.contains_key("$defs"),
            "definitions should be dropped"
        );
        assert_eq!(
            Value::Object(output.clone()),
            json!({
                "type": "object",
                "properties": {
                    "count": {"type": "integer"},
                    "items": {"type": "array", "items": {"title": "Big"}}
                }
            })
        );
        assert!(
            catalog
                .warnings
                .iter()
                .any(|w| w.message.contains("over the 64 KB limit")),
            "{:?}",
            catalog.warnings
        );
    }

    #[test]
    fn empty_schemas_promise_nothing() {
        assert!(promises_nothing(&serde_json::json!({})));
        assert!(promises_nothing(&serde_json::json!(true)));
        assert!(promises_nothing(
            &serde_json::json!({"title": "Response Read"})
        ));
        assert!(!promises_nothing(&serde_json::json!({"type": "object"})));
        assert!(!promises_nothing(&serde_json::json!(false)));
    }

    #[test]
    fn object_kinds() {
        use serde_json::json;
        assert_eq!(
            object_kind(&json!({"type": "object"})),
            Some(ObjectKind::Typed)
        );
        assert_eq!(
            object_kind(&json!({"properties": {}})),
            Some(ObjectKind::Untyped)
        );
        assert_eq!(object_kind(&json!({"properties": {}, "anyOf": []})), None);
        assert_eq!(object_kind(&json!({"type": ["object", "null"]})), None);
        assert_eq!(object_kind(&json!({"type": "array"})), None);
    }
}
