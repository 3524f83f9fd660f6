//! JSON Schema → Python type hints and pydantic `Field` constraints.
//!
//! One `match` over schema shapes; each arm names its case. What has no
//! faithful hint (mixed enums, `not`, deep `allOf`) becomes `Any`, which
//! pydantic accepts as is: the backend still validates.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::python;

/// A `Literal[...]` alias a module declares at its top.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LiteralAlias {
    /// The alias name, e.g. `ListTasksStatus`.
    pub name: String,
    /// The right-hand side, ruff-formatted, e.g. `Literal["a", "b"]` exploded.
    pub expr: String,
}

/// How `$ref`s to `$defs` are spelled.
pub enum Refs<'a> {
    /// Tool arguments: an object model is a plain `dict[str, Any]`, an enum
    /// a `Literal` alias, anything else its own hint (cycles become `Any`).
    Inline(&'a Map<String, Value>),
    /// Model fields: a `$def` that became a class is named by its class.
    Classes {
        /// `$defs` name → class name (objects and enums).
        classes: &'a BTreeMap<String, String>,
        /// All `$defs`, for the ones that did not become classes.
        defs: &'a Map<String, Value>,
    },
}

/// Builds hints for one module, collecting its `Literal` aliases.
pub struct Hinter<'a> {
    refs: Refs<'a>,
    /// Aliases declared so far, in order.
    pub aliases: Vec<LiteralAlias>,
    by_expr: BTreeMap<String, String>,
    taken: BTreeSet<String>,
    visiting: BTreeSet<String>,
}

impl<'a> Hinter<'a> {
    /// A hinter resolving references as `refs` says; `taken` are names the
    /// module already uses.
    pub fn new(refs: Refs<'a>, taken: BTreeSet<String>) -> Self {
        Self {
            refs,
            aliases: Vec::new(),
            by_expr: BTreeMap::new(),
            taken,
            visiting: BTreeSet::new(),
        }
    }

    /// The hint for `schema`; `hint_name` names an alias it may need. The
    /// result never includes `| None` for nullability; the bool says whether
    /// the schema allows null.
    pub fn hint(&mut self, schema: &Value, hint_name: &str) -> (String, bool) {
        let Value::Object(s) = schema else {
            // Boolean schemas: `true` accepts anything.
            return ("Any".to_owned(), false);
        };
        // `$ref` to a local `$defs` entry.
        if let Some(Value::String(reference)) = s.get("$ref") {
            let name = reference.rsplit('/').next().unwrap_or_default().to_owned();
            return self.reference(&name, hint_name);
        }
        // `const`: a one-value Literal.
        if let Some(value) = s.get("const") {
            return match literal_item(value) {
                Some(item) => (format!("Literal[{item}]"), false),
                None => ("Any".to_owned(), false),
            };
        }
        // `enum`: a Literal alias when every value is a string, integer or bool.
        if let Some(Value::Array(values)) = s.get("enum") {
            let nullable = values.iter().any(Value::is_null);
            let items: Option<Vec<String>> = values
                .iter()
                .filter(|v| !v.is_null())
                .map(literal_item)
                .collect();
            return match items {
                Some(items) if !items.is_empty() => (self.alias(&items, hint_name), nullable),
                _ => ("Any".to_owned(), nullable),
            };
        }
        // `anyOf` / `oneOf`: a union of the branches.
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = s.get(key) {
                return self.union(branches.iter(), hint_name);
            }
        }
        // `allOf` with one member: that member.
        if let Some(Value::Array(parts)) = s.get("allOf") {
            return match parts.as_slice() {
                [only] => self.hint(only, hint_name),
                _ => ("dict[str, Any]".to_owned(), false),
            };
        }
        match s.get("type") {
            // `type: [..]`: a union of the listed types.
            Some(Value::Array(types)) => {
                let branches: Vec<Value> = types
                    .iter()
                    .map(|t| {
                        let mut one = s.clone();
                        one.insert("type".into(), t.clone());
                        Value::Object(one)
                    })
                    .collect();
                self.union(branches.iter(), hint_name)
            }
            Some(Value::String(t)) => match t.as_str() {
                "string" => ("str".to_owned(), false),
                "integer" => ("int".to_owned(), false),
                "number" => ("float".to_owned(), false),
                "boolean" => ("bool".to_owned(), false),
                "null" => ("None".to_owned(), true),
                // Arrays: a list of the item hint.
                "array" => {
                    let (item, nullable) = match s.get("items") {
                        Some(items) => self.hint(items, &format!("{hint_name}Item")),
                        None => ("Any".to_owned(), false),
                    };
                    let item = if nullable && item != "Any" {
                        format!("{item} | None")
                    } else {
                        item
                    };
                    (format!("list[{item}]"), false)
                }
                // Objects: tool arguments take plain JSON objects.
                "object" => ("dict[str, Any]".to_owned(), false),
                _ => ("Any".to_owned(), false),
            },
            // No type: an object if it lists properties, else anything.
            _ if s.contains_key("properties") => ("dict[str, Any]".to_owned(), false),
            _ => ("Any".to_owned(), false),
        }
    }

    fn reference(&mut self, name: &str, hint_name: &str) -> (String, bool) {
        match &self.refs {
            Refs::Classes { classes, .. } => {
                if let Some(class) = classes.get(name) {
                    return (class.clone(), false);
                }
            }
            Refs::Inline(_) => {}
        }
        let defs = match &self.refs {
            Refs::Inline(defs) | Refs::Classes { defs, .. } => *defs,
        };
        let Some(target) = defs.get(name) else {
            return ("Any".to_owned(), false);
        };
        if !self.visiting.insert(name.to_owned()) {
            // A cycle through non-class definitions.
            return ("Any".to_owned(), false);
        }
        let result = self.hint(target, hint_name);
        self.visiting.remove(name);
        result
    }

    fn union<'b>(
        &mut self,
        branches: impl Iterator<Item = &'b Value>,
        hint_name: &str,
    ) -> (String, bool) {
        let mut parts: Vec<String> = Vec::new();
        let mut nullable = false;
        for (i, branch) in branches.enumerate() {
            let (hint, null) = self.hint(branch, &format!("{hint_name}{}", i + 1));
            nullable |= null;
            if hint == "Any" {
                return ("Any".to_owned(), nullable);
            }
            if hint != "None" && !parts.contains(&hint) {
                parts.push(hint);
            }
        }
        if parts.is_empty() {
            return ("None".to_owned(), true);
        }
        (parts.join(" | "), nullable)
    }

    fn alias(&mut self, items: &[String], hint_name: &str) -> String {
        let expr = if items.len() == 1 {
            format!("Literal[{}]", items[0])
        } else {
            let mut e = "Literal[\n".to_owned();
            for item in items {
                e.push_str("    ");
                e.push_str(item);
                e.push_str(",\n");
            }
            e.push(']');
            e
        };
        if let Some(name) = self.by_expr.get(&expr) {
            return name.clone();
        }
        let name = python::unique(python::class_name(hint_name), &mut self.taken);
        self.by_expr.insert(expr.clone(), name.clone());
        self.aliases.push(LiteralAlias {
            name: name.clone(),
            expr,
        });
        name
    }
}

fn literal_item(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(python::string(s)),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Value::Bool(true) => Some("True".to_owned()),
        Value::Bool(false) => Some("False".to_owned()),
        _ => None,
    }
}

/// pydantic `Field` keyword arguments for a schema's constraints, for a
/// hint that is a plain `str`, `int`, `float` or `list[...]`.
#[must_use]
pub fn constraints(schema: &Value, hint: &str) -> Vec<(String, String)> {
    let Some(s) = schema.as_object() else {
        return Vec::new();
    };
    // `X | None` written as `anyOf: [X, {type: null}]`: X's constraints
    // (pydantic applies them to the non-None value).
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = s.get(key) {
            let mut typed = branches
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"));
            if let (Some(only), None) = (typed.next(), typed.next()) {
                return constraints(only, hint);
            }
        }
    }
    let mut out = Vec::new();
    let number = |key: &str| s.get(key).filter(|v| v.is_number()).map(Value::to_string);
    let integer = |key: &str| s.get(key).and_then(Value::as_u64).map(|n| n.to_string());
    match hint {
        "int" | "float" => {
            for (key, kw) in [
                ("minimum", "ge"),
                ("maximum", "le"),
                ("exclusiveMinimum", "gt"),
                ("exclusiveMaximum", "lt"),
            ] {
                if let Some(n) = number(key) {
                    out.push((kw.to_owned(), n));
                }
            }
        }
        "str" => {
            for (key, kw) in [("minLength", "min_length"), ("maxLength", "max_length")] {
                if let Some(n) = integer(key) {
                    out.push((kw.to_owned(), n));
                }
            }
        }
        h if h.starts_with("list[") => {
            for (key, kw) in [("minItems", "min_length"), ("maxItems", "max_length")] {
                if let Some(n) = integer(key) {
                    out.push((kw.to_owned(), n));
                }
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hint(schema: Value) -> (String, bool, Vec<LiteralAlias>) {
        let defs = Map::new();
        let mut h = Hinter::new(Refs::Inline(&defs), BTreeSet::new());
        let (t, n) = h.hint(&schema, "Arg");
        (t, n, h.aliases)
    }

    #[test]
    fn shapes() {
        assert_eq!(hint(json!({"type": "integer"})).0, "int");
        assert_eq!(
            hint(json!({"type": "array", "items": {"type": "string"}})).0,
            "list[str]"
        );
        let (t, n, _) = hint(json!({"anyOf": [{"type": "string"}, {"type": "null"}]}));
        assert_eq!((t.as_str(), n), ("str", true));
        let (t, _, aliases) = hint(json!({"enum": ["a", "b"]}));
        assert_eq!(t, "Arg");
        assert_eq!(aliases[0].expr, "Literal[\n    \"a\",\n    \"b\",\n]");
        assert_eq!(hint(json!({"type": ["string", "integer"]})).0, "str | int");
        assert_eq!(hint(json!({})).0, "Any");
    }

    #[test]
    fn cycles_end_in_any() {
        let defs = json!({"A": {"$ref": "#/$defs/A"}});
        let defs = defs.as_object().cloned().unwrap_or_default();
        let mut h = Hinter::new(Refs::Inline(&defs), BTreeSet::new());
        assert_eq!(h.hint(&json!({"$ref": "#/$defs/A"}), "X").0, "Any");
    }

    #[test]
    fn field_constraints() {
        let c = constraints(&json!({"minimum": 1, "maximum": 500}), "int");
        assert_eq!(
            c,
            vec![("ge".into(), "1".into()), ("le".into(), "500".into())]
        );
        assert!(constraints(&json!({"minimum": 1}), "Any").is_empty());
        let nullable =
            json!({"anyOf": [{"type": "number", "minimum": 0, "maximum": 1000}, {"type": "null"}]});
        assert_eq!(
            constraints(&nullable, "float"),
            vec![
                ("ge".to_owned(), "0".to_owned()),
                ("le".to_owned(), "1000".to_owned())
            ]
        );
    }
}
