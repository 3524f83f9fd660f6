//! Walks `paths` and turns each operation into a [`ToolDef`]: title and
//! description, annotations, security, and (through `params` and `output`)
//! the schemas and bindings.
//!
//! - Order: paths in document order, the methods of a path item in document
//!   order. Non-method keys (`parameters`, `summary`, `servers`, `x-*`) are
//!   not operations.
//! - Title: the `summary`. Description: summary, a blank line, description
//!   (just one of them when they are equal or one is missing); a deprecated
//!   operation's starts with `Deprecated: `.
//! - Annotations: GET, HEAD, OPTIONS and TRACE are read-only; DELETE is
//!   destructive; everything but POST and PATCH is idempotent; every tool is
//!   open-world.
//! - Security: the operation's `security` (an empty list means none), else
//!   the document's.
//! - Webhooks and callbacks are requests the API makes, not operations: one
//!   document-level note each says they were not turned into tools.

use serde_json::{Map, Value};

use crate::error::json_type;
use crate::model::{Annotations, HttpBinding, HttpMethod, ToolDef, Warning, WarningKind};
use crate::naming::ToolName;
use crate::output::build_output;
use crate::params::build_input;
use crate::schema::Schemas;

/// How many `$ref` hops [`resolve_local`] follows.
const MAX_HOPS: usize = 16;

/// One operation of the document, located.
#[derive(Debug, Clone)]
pub(crate) struct OperationRef<'a> {
    /// The path template, e.g. `/tasks/{task_id}`.
    pub path: &'a str,
    /// The method.
    pub method: HttpMethod,
    /// The operation object.
    pub operation: &'a Map<String, Value>,
    /// The path item it sits in (for path-level parameters).
    pub path_item: &'a Map<String, Value>,
    /// `METHOD /path`, for messages.
    pub label: String,
}

impl<'a> OperationRef<'a> {
    /// The operationId, when it is a string.
    pub(crate) fn operation_id(&self) -> Option<&'a str> {
        self.operation.get("operationId").and_then(Value::as_str)
    }

    /// The tags that are strings.
    pub(crate) fn tags(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let operation = self.operation;
        operation
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// Whether `key` names this operation: its operationId, or
    /// `METHOD /path` (method in any case).
    pub(crate) fn matches_key(&self, key: &str) -> bool {
        if self.operation_id() == Some(key) {
            return true;
        }
        key.split_once(' ').is_some_and(|(method, path)| {
            method.parse::<HttpMethod>().is_ok_and(|m| m == self.method) && path.trim() == self.path
        })
    }
}

/// An operation that cannot become a tool, and why.
#[derive(Debug)]
pub(crate) struct Skip(pub String);

/// Collects the warnings of one operation.
pub(crate) struct Log<'w> {
    operation: &'w str,
    warnings: &'w mut Vec<Warning>,
}

impl Log<'_> {
    /// Records that the tool was made with something dropped or loosened.
    pub(crate) fn degraded(&mut self, message: impl Into<String>) {
        self.warnings
            .push(Warning::new(WarningKind::Degraded, self.operation, message));
    }
}

/// Follows local `$ref`s (`#/components/parameters/x`, ...) of a parameter,
/// request body, response or media object. The normalized shape has none
/// left; a raw document may. `None` when a reference does not resolve.
pub(crate) fn resolve_local<'a>(
    document: &'a Map<String, Value>,
    value: &'a Value,
) -> Option<&'a Value> {
    let mut current = value;
    for _ in 0..MAX_HOPS {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            return Some(current);
        };
        current = pointer(document, reference.strip_prefix('#')?)?;
    }
    None
}

/// A JSON pointer (percent- and `~`-escaped) into the document.
fn pointer<'a>(document: &'a Map<String, Value>, pointer: &str) -> Option<&'a Value> {
    let pointer = crate::schema::percent_decode(pointer)?;
    let mut segments = pointer.strip_prefix('/')?.split('/');
    let first = unescape(segments.next()?);
    let mut current = document.get(first.as_str())?;
    for segment in segments {
        let segment = unescape(segment);
        current = match current {
            Value::Object(map) => map.get(segment.as_str())?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Every operation under `paths`, in order. Problems with path items (not
/// objects, unresolvable) and document-level notes go to `warnings`.
pub(crate) fn collect<'a>(
    document: &'a Map<String, Value>,
    paths: &'a Map<String, Value>,
    warnings: &mut Vec<Warning>,
) -> Vec<OperationRef<'a>> {
    let mut operations = Vec::new();
    let mut with_callbacks = 0usize;
    for (path, item) in paths {
        let Some(item) = resolve_local(document, item).and_then(Value::as_object) else {
            warnings.push(Warning::new(
                WarningKind::Skipped,
                path.as_str(),
                format!(
                    "skipped the path: its path item is {} (or an unresolvable `$ref`)",
                    json_type(item)
                ),
            ));
            continue;
        };
        for (key, operation) in item {
            let Ok(method) = key.parse::<HttpMethod>() else {
                continue;
            };
            let label = format!("{method} {path}");
            let Some(operation) = operation.as_object() else {
                warnings.push(Warning::new(
                    WarningKind::Skipped,
                    label,
                    format!(
                        "skipped: the operation is {}, not an object",
                        json_type(operation)
                    ),
                ));
                continue;
            };
            if operation
                .get("callbacks")
                .and_then(Value::as_object)
                .is_some_and(|c| !c.is_empty())
            {
                with_callbacks += 1;
            }
            operations.push(OperationRef {
                path,
                method,
                operation,
                path_item: item,
                label,
            });
        }
    }
    if let Some(webhooks) = document.get("webhooks").and_then(Value::as_object)
        && !webhooks.is_empty()
    {
        warnings.push(Warning::new(
            WarningKind::Note,
            "",
            format!(
                "the document declares {} webhook(s); webhooks are requests the API sends, not operations, so they are not tools",
                webhooks.len()
            ),
        ));
    }
    if with_callbacks > 0 {
        warnings.push(Warning::new(
            WarningKind::Note,
            "",
            format!(
                "{with_callbacks} operation(s) declare callbacks; callbacks are requests the API sends, not operations, so they are not tools (the operations themselves are)"
            ),
        ));
    }
    operations
}

/// Builds the tool for one operation, or records why it was skipped.
/// Degradations are recorded in `warnings` either way.
pub(crate) fn build_tool<'a>(
    op: &OperationRef<'a>,
    name: ToolName,
    document: &'a Map<String, Value>,
    schemas: &mut Schemas<'a>,
    warnings: &mut Vec<Warning>,
) -> Option<ToolDef> {
    let mut op_warnings = Vec::new();
    let mut log = Log {
        operation: &op.label,
        warnings: &mut op_warnings,
    };
    let input = match build_input(op, document, schemas, &mut log) {
        Ok(input) => input,
        Err(Skip(why)) => {
            warnings.extend(op_warnings);
            warnings.push(Warning::new(
                WarningKind::Skipped,
                op.label.as_str(),
                format!("skipped: {why}"),
            ));
            return None;
        }
    };
    let output = build_output(op, document, schemas, &mut log);

    let operation_id = match op.operation.get("operationId") {
        Some(Value::String(id)) => Some(id.clone()),
        Some(other) => {
            log.degraded(format!(
                "ignored the `operationId` that is {}",
                json_type(other)
            ));
            None
        }
        None => None,
    };
    let deprecated = op.operation.get("deprecated") == Some(&Value::Bool(true));
    let (title, description) = describe(op.operation, deprecated);
    let security = security(op.operation, document, &mut log);
    warnings.extend(op_warnings);

    Some(ToolDef {
        name,
        title,
        description,
        input_schema: input.schema,
        output_schema: output.schema,
        output_wrapped: output.wrapped,
        annotations: annotations(op.method),
        deprecated,
        operation_id,
        tags: op.tags().map(str::to_owned).collect(),
        binding: HttpBinding {
            method: op.method,
            path: op.path.to_owned(),
            args: input.args,
            body: input.body,
            response: output.response,
            security,
        },
    })
}

/// Title from `summary`; description from summary and description.
fn describe(operation: &Map<String, Value>, deprecated: bool) -> (Option<String>, Option<String>) {
    let text = |key: &str| {
        operation
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let summary = text("summary");
    let description = match (summary, text("description")) {
        (Some(s), Some(d)) if s == d => Some(s.to_owned()),
        (Some(s), Some(d)) => Some(format!("{s}\n\n{d}")),
        (Some(s), None) => Some(s.to_owned()),
        (None, Some(d)) => Some(d.to_owned()),
        (None, None) => None,
    };
    let description = if deprecated {
        Some(description.map_or_else(|| "Deprecated.".to_owned(), |d| format!("Deprecated: {d}")))
    } else {
        description
    };
    (summary.map(str::to_owned), description)
}

/// MCP hints from the HTTP method.
fn annotations(method: HttpMethod) -> Annotations {
    Annotations {
        read_only: matches!(
            method,
            HttpMethod::Get | HttpMethod::Head | HttpMethod::Options | HttpMethod::Trace
        ),
        destructive: method == HttpMethod::Delete,
        idempotent: method.is_idempotent(),
        open_world: true,
    }
}

/// The effective security requirements: the operation's, else the
/// document's; `None` when neither declares any.
fn security(
    operation: &Map<String, Value>,
    document: &Map<String, Value>,
    log: &mut Log<'_>,
) -> Option<Vec<Map<String, Value>>> {
    let declared = operation
        .get("security")
        .or_else(|| document.get("security"))?;
    let Some(list) = declared.as_array() else {
        log.degraded(format!(
            "ignored `security`: expected an array, found {}",
            json_type(declared)
        ));
        return None;
    };
    let mut requirements = Vec::with_capacity(list.len());
    for requirement in list {
        match requirement.as_object() {
            Some(requirement) => requirements.push(requirement.clone()),
            None => log.degraded(format!(
                "ignored a security requirement that is {}",
                json_type(requirement)
            )),
        }
    }
    Some(requirements)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn description_joins_summary_and_description() {
        let d = |v| describe(&map(v), false);
        assert_eq!(
            d(json!({"summary": "List", "description": "All of them."})),
            (Some("List".into()), Some("List\n\nAll of them.".into()))
        );
        assert_eq!(
            d(json!({"summary": "Same", "description": " Same\n"})),
            (Some("Same".into()), Some("Same".into()))
        );
        assert_eq!(
            d(json!({"description": "Only"})),
            (None, Some("Only".into()))
        );
        assert_eq!(d(json!({"summary": ""})), (None, None));
        assert_eq!(
            describe(&map(json!({"summary": "Old"})), true),
            (Some("Old".into()), Some("Deprecated: Old".into()))
        );
        assert_eq!(
            describe(&map(json!({})), true),
            (None, Some("Deprecated.".into()))
        );
    }

    #[test]
    fn annotations_follow_the_method() {
        let get = annotations(HttpMethod::Get);
        assert!(get.read_only && !get.destructive && get.idempotent && get.open_world);
        let post = annotations(HttpMethod::Post);
        assert!(!post.read_only && !post.destructive && !post.idempotent);
        let put = annotations(HttpMethod::Put);
        assert!(!put.read_only && !put.destructive && put.idempotent);
        let delete = annotations(HttpMethod::Delete);
        assert!(!delete.read_only && delete.destructive && delete.idempotent);
        let patch = annotations(HttpMethod::Patch);
        assert!(!patch.read_only && !patch.idempotent);
        assert!(annotations(HttpMethod::Head).read_only);
    }

    #[test]
    fn local_refs_resolve_with_escapes() {
        let doc = map(json!({
            "components": {"parameters": {"a/b": {"name": "x"}, "c": {"$ref": "#/components/parameters/a~1b"}}},
            "loop": {"$ref": "#/loop"}
        }));
        let value = json!({"$ref": "#/components/parameters/c"});
        assert_eq!(resolve_local(&doc, &value), Some(&json!({"name": "x"})));
        assert_eq!(resolve_local(&doc, &json!({"$ref": "#/loop"})), None);
        assert_eq!(resolve_local(&doc, &json!({"$ref": "other.yaml#/x"})), None);
        assert_eq!(resolve_local(&doc, &json!({"$ref": "#/nope"})), None);
        let plain = json!({"name": "y"});
        assert_eq!(resolve_local(&doc, &plain), Some(&plain));
    }

    #[test]
    fn operations_match_by_id_or_method_and_path() {
        let operation = map(json!({"operationId": "getTask"}));
        let item = Map::new();
        let op = OperationRef {
            path: "/tasks/{id}",
            method: HttpMethod::Get,
            operation: &operation,
            path_item: &item,
            label: "GET /tasks/{id}".into(),
        };
        assert!(op.matches_key("getTask"));
        assert!(op.matches_key("GET /tasks/{id}"));
        assert!(op.matches_key("get /tasks/{id}"));
        assert!(!op.matches_key("POST /tasks/{id}"));
        assert!(!op.matches_key("gettask"));
    }
}
