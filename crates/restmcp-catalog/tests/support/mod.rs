//! Invariants every catalog must satisfy, as a reusable checker: a test
//! builds a catalog from any document and asserts that
//! [`check_catalog_invariants`] returns no violations.

use std::collections::{BTreeSet, HashSet};

use restmcp_catalog::{Catalog, ParamLocation, ToolDef};
use serde_json::Value;

/// Everything wrong with `catalog` (built from the document called
/// `doc_name`), one line per violation; empty when all invariants hold:
///
/// - names match `^[A-Za-z0-9_-]{1,64}$` and are unique;
/// - input and output schemas are objects with `"type": "object"`, compile
///   as JSON Schema 2020-12 with the `jsonschema` crate, contain no
///   `#/components`, and every `$ref` in them resolves inside their own
///   `$defs`, which hold only definitions reachable from the root;
/// - the input schema's properties and the bindings correspond one to one,
///   in order, and `required` matches the bindings' `required`;
/// - a wrapped output schema has exactly the `result` property;
/// - the MCP JSON of each tool has `name` and `inputSchema`.
pub fn check_catalog_invariants(doc_name: &str, catalog: &Catalog) -> Vec<String> {
    let mut violations = Vec::new();
    let mut names = HashSet::new();
    for tool in &catalog.tools {
        let name = tool.name.as_str();
        let at = format!(
            "{doc_name}: `{name}` ({} {})",
            tool.binding.method, tool.binding.path
        );
        if !is_valid_tool_name(name) {
            violations.push(format!("{at}: invalid tool name"));
        }
        if !names.insert(name) {
            violations.push(format!("{at}: duplicate tool name"));
        }
        for problem in check_schema(&Value::Object(tool.input_schema.clone())) {
            violations.push(format!("{at}: input schema: {problem}"));
        }
        if let Some(output) = &tool.output_schema {
            for problem in check_schema(&Value::Object(output.clone())) {
                violations.push(format!("{at}: output schema: {problem}"));
            }
            if tool.output_wrapped {
                let keys: Vec<&String> = output
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|p| p.keys().collect())
                    .unwrap_or_default();
                if keys != ["result"] {
                    violations.push(format!(
                        "{at}: wrapped output schema has properties {keys:?}"
                    ));
                }
            }
        } else if tool.output_wrapped {
            violations.push(format!("{at}: output_wrapped without an output schema"));
        }
        violations.extend(check_bindings(&at, tool));
        let mcp = tool.to_mcp_json();
        if mcp.get("name").and_then(Value::as_str) != Some(name) || mcp.get("inputSchema").is_none()
        {
            violations.push(format!("{at}: MCP JSON lacks `name` or `inputSchema`"));
        }
    }
    violations
}

/// `^[A-Za-z0-9_-]{1,64}$`.
pub fn is_valid_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Problems with one tool schema (input or output).
pub fn check_schema(schema: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        problems.push("root is not `\"type\": \"object\"`".to_owned());
    }
    let text = schema.to_string();
    if text.contains("#/components") {
        problems.push("mentions `#/components`".to_owned());
    }
    if let Err(error) = jsonschema::draft202012::new(schema) {
        problems.push(format!("does not compile as 2020-12: {error}"));
    }
    let defs = schema.get("$defs").and_then(Value::as_object);
    let mut root_refs = BTreeSet::new();
    let mut without_defs = schema.clone();
    if let Some(map) = without_defs.as_object_mut() {
        map.remove("$defs");
    }
    collect_refs(&without_defs, &mut root_refs);
    let mut all_refs = root_refs.clone();
    if let Some(defs) = defs {
        for def in defs.values() {
            collect_refs(def, &mut all_refs);
        }
    }
    for reference in &all_refs {
        match def_name(reference) {
            Some(name) if defs.is_some_and(|d| d.contains_key(&name)) => {}
            _ => problems.push(format!(
                "`$ref` `{reference}` does not resolve in the schema's own `$defs`"
            )),
        }
    }
    // Reachable-only: every definition is reachable from the root.
    if let Some(defs) = defs {
        let mut reachable: BTreeSet<String> = BTreeSet::new();
        let mut stack: Vec<String> = root_refs.iter().filter_map(|r| def_name(r)).collect();
        while let Some(name) = stack.pop() {
            if reachable.insert(name.clone())
                && let Some(def) = defs.get(&name)
            {
                let mut refs = BTreeSet::new();
                collect_refs(def, &mut refs);
                stack.extend(refs.iter().filter_map(|r| def_name(r)));
            }
        }
        for name in defs.keys() {
            if !reachable.contains(name) {
                problems.push(format!("`$defs` holds `{name}`, which nothing references"));
            }
        }
    }
    problems
}

/// Every `$ref` string in keyword position (we check everywhere; documents
/// in the corpus never put a `$ref` key inside a `default` or example).
fn collect_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref"
                    && let Some(reference) = value.as_str()
                {
                    out.insert(reference.to_owned());
                } else if !matches!(key.as_str(), "default" | "examples" | "const" | "enum") {
                    collect_refs(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// The `$defs` entry a `#/$defs/{name}` reference names (escapes undone).
fn def_name(reference: &str) -> Option<String> {
    let rest = reference.strip_prefix("#/$defs/")?;
    if rest.contains('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let Some(hex) = rest.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            decoded.push(byte);
            i += 3;
        } else {
            decoded.push(b);
            i += 1;
        }
    }
    let decoded = String::from_utf8(decoded).ok()?;
    Some(decoded.replace("~1", "/").replace("~0", "~"))
}

fn check_bindings(at: &str, tool: &ToolDef) -> Vec<String> {
    let mut problems = Vec::new();
    let properties: Vec<&String> = tool
        .input_schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    let args: Vec<&String> = tool.binding.args.iter().map(|a| &a.arg).collect();
    if properties != args {
        problems.push(format!(
            "{at}: properties {properties:?} differ from bindings {args:?}"
        ));
    }
    let required: BTreeSet<&str> = tool
        .input_schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let bound_required: BTreeSet<&str> = tool
        .binding
        .args
        .iter()
        .filter(|a| a.required)
        .map(|a| a.arg.as_str())
        .collect();
    if required != bound_required {
        problems.push(format!(
            "{at}: required {required:?} differs from bindings {bound_required:?}"
        ));
    }
    for arg in &tool.binding.args {
        if arg.location == ParamLocation::Path && !arg.required {
            problems.push(format!("{at}: path argument `{}` is not required", arg.arg));
        }
        let body_arg = matches!(
            arg.location,
            ParamLocation::Body
                | ParamLocation::BodyField
                | ParamLocation::FormField
                | ParamLocation::MultipartField { .. }
        );
        if body_arg && tool.binding.body.is_none() {
            problems.push(format!(
                "{at}: body argument `{}` without a body binding",
                arg.arg
            ));
        }
    }
    problems
}

/// A compact, reviewable view of what the gateway gets: bindings,
/// wrapping, and the catalog's warnings.
pub fn bindings_view(catalog: &Catalog) -> Value {
    let tools: Vec<Value> = catalog
        .tools
        .iter()
        .map(|tool| {
            serde_json::json!({
                "name": tool.name,
                "operation_id": tool.operation_id,
                "tags": tool.tags,
                "deprecated": tool.deprecated,
                "output_wrapped": tool.output_wrapped,
                "binding": tool.binding,
            })
        })
        .collect();
    serde_json::json!({
        "tools": tools,
        "warnings": catalog.warnings,
        "filtered": catalog.filtered,
    })
}
