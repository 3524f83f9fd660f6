//! The shape `Spec::document` promises (crate docs), checked over a whole
//! document.

use serde_json::Value;

/// Keys whose value is data, not OpenAPI structure or schemas.
const DATA: [&str; 5] = ["example", "default", "enum", "const", "value"];
/// Keys whose children are named by the author (a property may be called
/// `nullable`).
const NAMED: [&str; 11] = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "paths",
    "webhooks",
    "schemas",
    "responses",
    "callbacks",
    "securitySchemes",
];

/// Returns every violation, as `pointer: what`.
pub fn violations(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if doc["openapi"] != "3.1.0" {
        out.push(format!("/openapi: {}", doc["openapi"]));
    }
    if !doc["servers"].is_array() {
        out.push("/servers: not an array".to_owned());
    }
    if !doc["components"]["schemas"].is_object() {
        out.push("/components/schemas: not an object".to_owned());
    }
    for kind in [
        "parameters",
        "responses",
        "requestBodies",
        "headers",
        "examples",
        "links",
        "callbacks",
        "pathItems",
    ] {
        if doc["components"].get(kind).is_some() {
            out.push(format!("/components/{kind}: left in place"));
        }
    }
    walk(doc, doc, "", false, &mut out);
    check_operations(doc, &mut out);
    out
}

fn walk(doc: &Value, value: &Value, at: &str, named: bool, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{at}/{key}");
                if !named {
                    if key.starts_with("x-") || DATA.contains(&key.as_str()) {
                        continue;
                    }
                    if key == "examples" && child.is_array() {
                        continue;
                    }
                    match key.as_str() {
                        "$ref" => check_ref(doc, child, &here, out),
                        "nullable" => out.push(format!("{here}: `nullable` left")),
                        "exclusiveMinimum" | "exclusiveMaximum" if child.is_boolean() => {
                            out.push(format!("{here}: boolean"));
                        }
                        _ => {}
                    }
                }
                walk(
                    doc,
                    child,
                    &here,
                    !named && NAMED.contains(&key.as_str()),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(doc, item, &format!("{at}/{i}"), false, out);
            }
        }
        _ => {}
    }
}

fn check_ref(doc: &Value, reference: &Value, at: &str, out: &mut Vec<String>) {
    let Some(reference) = reference.as_str() else {
        out.push(format!("{at}: not a string"));
        return;
    };
    match reference.strip_prefix("#/components/schemas/") {
        Some(name) if doc["components"]["schemas"].get(name).is_some() => {}
        Some(_) => out.push(format!("{at}: `{reference}` does not exist")),
        None => out.push(format!("{at}: `{reference}` is not a schema ref")),
    }
}

/// Parameters have `name`, `in`, `schema` or `content`; no path-level parameters.
fn check_operations(doc: &Value, out: &mut Vec<String>) {
    let Some(paths) = doc["paths"].as_object() else {
        return;
    };
    for (path, item) in paths {
        if item.get("parameters").is_some() {
            out.push(format!(
                "/paths/{path}/parameters: path-level parameters left"
            ));
        }
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let Some(params) = op.get("parameters").and_then(Value::as_array) else {
                continue;
            };
            for (i, p) in params.iter().enumerate() {
                let ok = p["name"].is_string()
                    && p["in"].is_string()
                    && (p.get("schema").is_some() || p.get("content").is_some());
                if !ok {
                    out.push(format!(
                        "/paths/{path}/{method}/parameters/{i}: incomplete parameter"
                    ));
                }
            }
        }
    }
}
