//! Turns document text into a `serde_json::Value` (JSON or YAML, told apart by
//! content, not by file extension) and tells which OpenAPI version it is.

use serde_json::{Map, Number, Value};

use crate::SourceVersion;
use crate::error::{Error, Result};

/// Parses JSON or YAML text. Text whose first significant character is `{`
/// or `[` is JSON (and parsed strictly as JSON, so its errors point at the
/// JSON problem); anything else is YAML. YAML mapping keys that are not
/// strings (`200:`, `true:`) become strings; numbers stay numbers.
pub(crate) fn parse_text(text: &str, name: &str) -> Result<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.trim_start().chars().next();
    if matches!(first, Some('{' | '[')) {
        serde_json::from_str(text).map_err(|source| Error::InvalidJson {
            name: name.to_owned(),
            line: source.line(),
            column: source.column(),
            source,
        })
    } else {
        let mut yaml: serde_norway::Value =
            serde_norway::from_str(text).map_err(|source| yaml_error(name, source))?;
        yaml.apply_merge()
            .map_err(|source| yaml_error(name, source))?;
        let mut pointer = String::new();
        yaml_to_json(yaml, name, &mut pointer)
    }
}

fn yaml_error(name: &str, source: serde_norway::Error) -> Error {
    let (line, column) = source.location().map_or((0, 0), |l| (l.line(), l.column()));
    Error::InvalidYaml {
        name: name.to_owned(),
        line,
        column,
        source,
    }
}

/// Converts a YAML value into JSON, turning scalar keys into strings.
fn yaml_to_json(value: serde_norway::Value, name: &str, pointer: &mut String) -> Result<Value> {
    use serde_norway::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => yaml_number(&n),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.into_iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                out.push(yaml_to_json(item, name, pointer)?);
                pointer.truncate(len);
            }
            Value::Array(out)
        }
        Y::Mapping(mapping) => {
            let mut out = Map::with_capacity(mapping.len());
            for (key, item) in mapping {
                let key = match key {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_owned(),
                    Y::Tagged(tagged) => match tagged.value {
                        Y::String(s) => s,
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        _ => {
                            return Err(unconvertible(
                                name,
                                pointer,
                                "a tagged mapping key that is not a scalar",
                            ));
                        }
                    },
                    Y::Sequence(_) => {
                        return Err(unconvertible(
                            name,
                            pointer,
                            "a sequence used as a mapping key",
                        ));
                    }
                    Y::Mapping(_) => {
                        return Err(unconvertible(
                            name,
                            pointer,
                            "a mapping used as a mapping key",
                        ));
                    }
                };
                let len = pointer.len();
                pointer.push('/');
                push_escaped(pointer, &key);
                let item = yaml_to_json(item, name, pointer)?;
                pointer.truncate(len);
                out.insert(key, item);
            }
            Value::Object(out)
        }
        // Tags (`!Thing`) carry no meaning in OpenAPI; keep the value.
        Y::Tagged(tagged) => yaml_to_json(tagged.value, name, pointer)?,
    })
}

fn yaml_number(n: &serde_norway::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Number(i.into())
    } else if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else {
        // `.inf` and `.nan` have no JSON number; keep their YAML spelling.
        n.as_f64()
            .and_then(Number::from_f64)
            .map_or_else(|| Value::String(n.to_string()), Value::Number)
    }
}

fn unconvertible(name: &str, pointer: &str, reason: &str) -> Error {
    Error::UnconvertibleYaml {
        name: name.to_owned(),
        pointer: if pointer.is_empty() {
            "/".to_owned()
        } else {
            pointer.to_owned()
        },
        reason: reason.to_owned(),
    }
}

/// Appends a JSON-pointer token (`~` → `~0`, `/` → `~1`).
pub(crate) fn push_escaped(buf: &mut String, token: &str) {
    if token.contains(['~', '/']) {
        for c in token.chars() {
            match c {
                '~' => buf.push_str("~0"),
                '/' => buf.push_str("~1"),
                c => buf.push(c),
            }
        }
    } else {
        buf.push_str(token);
    }
}

/// Reads the `openapi` or `swagger` field and tells which version this is.
pub(crate) fn detect_version(doc: &Value, name: &str) -> Result<SourceVersion> {
    let Value::Object(map) = doc else {
        return Err(Error::NotOpenApi {
            name: name.to_owned(),
            found: format!("the document is {}", describe(doc)),
        });
    };
    let (field, raw) = if let Some(v) = map.get("openapi") {
        ("openapi", v)
    } else if let Some(v) = map.get("swagger") {
        ("swagger", v)
    } else {
        return Err(Error::NotOpenApi {
            name: name.to_owned(),
            found: top_level_keys(map),
        });
    };
    let version = match raw {
        Value::String(s) => s.trim().to_owned(),
        // YAML `openapi: 3.0` / `swagger: 2.0` are numbers.
        Value::Number(n) => n.to_string(),
        other => {
            return Err(Error::UnsupportedVersion {
                name: name.to_owned(),
                field,
                version: describe(other),
            });
        }
    };
    let supported = match field {
        "swagger" if version == "2.0" || version == "2" => Some(SourceVersion::Swagger2),
        "openapi" if is_minor(&version, "3.0") => Some(SourceVersion::OpenApi30),
        "openapi" if is_minor(&version, "3.1") => Some(SourceVersion::OpenApi31),
        _ => None,
    };
    supported.ok_or(Error::UnsupportedVersion {
        name: name.to_owned(),
        field,
        version,
    })
}

/// `3.0`, `3.0.3`, `3.0.0-rc2` are all minor `3.0`; `3.01` is not.
fn is_minor(version: &str, minor: &str) -> bool {
    version
        .strip_prefix(minor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '-']))
}

fn top_level_keys(map: &Map<String, Value>) -> String {
    if map.is_empty() {
        return "the document is an empty object".to_owned();
    }
    const SHOWN: usize = 8;
    let mut keys: Vec<String> = map
        .keys()
        .take(SHOWN)
        .map(|k| format!("`{}`", short(k)))
        .collect();
    if map.len() > SHOWN {
        keys.push(format!("and {} more", map.len() - SHOWN));
    }
    format!("top-level keys {}", keys.join(", "))
}

/// A short description of a value's type, never its content.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the string `{}`", short(s)),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// Cuts long text for messages.
pub(crate) fn short(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_integer_and_boolean_keys_become_strings() {
        let value = parse_text(
            "responses:\n  200: {description: ok}\n  true: x\n  1.5: y\nn: 3\n",
            "t.yaml",
        )
        .unwrap();
        assert_eq!(
            value,
            json!({"responses": {"200": {"description": "ok"}, "true": "x", "1.5": "y"}, "n": 3})
        );
    }

    #[test]
    fn yaml_merge_keys_are_applied() {
        let value = parse_text("base: &b {a: 1}\nderived:\n  <<: *b\n  c: 2\n", "t.yaml").unwrap();
        assert_eq!(value["derived"], json!({"a": 1, "c": 2}));
    }

    #[test]
    fn json_is_detected_by_content() {
        let value = parse_text("\u{feff}  \n{\"openapi\": \"3.1.0\"}", "x.yaml").unwrap();
        assert_eq!(value, json!({"openapi": "3.1.0"}));
    }

    #[test]
    fn json_error_has_position() {
        let err = parse_text("{\n  \"a\": 1,\n  \"b\" 2\n}", "bad.json").unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidJson {
                    line: 3,
                    column: 7,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("Failed to parse `bad.json` as JSON at line 3, column 7")
        );
    }

    #[test]
    fn yaml_error_has_position() {
        let err = parse_text("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml").unwrap_err();
        let Error::InvalidYaml { line, .. } = err else {
            panic!("{err:?}")
        };
        assert!(line >= 2);
    }

    #[test]
    fn non_scalar_yaml_key_is_an_error() {
        let err = parse_text("a:\n  ? [1, 2]\n  : x\n", "k.yaml").unwrap_err();
        assert!(err.to_string().contains("`/a`"), "{err}");
    }

    #[test]
    fn versions() {
        let v = |doc: Value| detect_version(&doc, "d");
        assert_eq!(
            v(json!({"openapi": "3.1.0"})).unwrap(),
            SourceVersion::OpenApi31
        );
        assert_eq!(
            v(json!({"openapi": "3.0.3"})).unwrap(),
            SourceVersion::OpenApi30
        );
        assert_eq!(
            v(json!({"openapi": 3.0})).unwrap(),
            SourceVersion::OpenApi30
        );
        assert_eq!(
            v(json!({"swagger": "2.0"})).unwrap(),
            SourceVersion::Swagger2
        );
        assert_eq!(v(json!({"swagger": 2.0})).unwrap(), SourceVersion::Swagger2);
        let err = v(json!({"openapi": "4.0"})).unwrap_err();
        assert!(err.to_string().contains("`openapi: 4.0`"), "{err}");
        assert!(matches!(
            v(json!({"openapi": "3.01"})),
            Err(Error::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            v(json!({"swagger": "1.2"})),
            Err(Error::UnsupportedVersion { .. })
        ));
        let err = v(json!({"type": "object", "properties": {}})).unwrap_err();
        assert!(
            err.to_string()
                .contains("top-level keys `type`, `properties`"),
            "{err}"
        );
        let err = v(json!([1, 2])).unwrap_err();
        assert!(err.to_string().contains("an array of 2 items"), "{err}");
    }
}
