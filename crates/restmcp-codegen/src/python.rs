//! Python spelling, in one place: identifiers from outside names (tool
//! arguments, model fields, schema names), string and value literals.
//! Every name that reaches a template as Python code goes through here.

use serde_json::Value;

/// Python keywords and soft keywords that cannot (or should not) be names.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", "match", "case", "type",
];

/// Names a generated function parameter or model field must not take: the
/// injected context, pydantic's own attributes, ruff's ambiguous letters.
const RESERVED: &[&str] = &[
    "ctx",
    "l",
    "O",
    "I",
    "self",
    "cls",
    "json",
    "dict",
    "copy",
    "schema",
    "validate",
    "construct",
    "fields",
    "parse_obj",
    "parse_raw",
    "parse_file",
    "from_orm",
    "update_forward_refs",
    "schema_json",
    "model_config",
    "model_fields",
    "str",
    "int",
    "float",
    "bool",
    "list",
    "bytes",
    "Any",
    "Literal",
    "Field",
    "Annotated",
    "ToolResult",
    "Context",
];

/// The order ruff's isort gives module names: case-insensitive, with runs
/// of digits compared as numbers (`tool2` before `tool10`).
#[must_use]
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    natural(a, b, true)
}

/// [`natural_cmp`] without folding case (the order of RUF022's `__all__`).
#[must_use]
pub fn natural_cmp_cased(a: &str, b: &str) -> std::cmp::Ordering {
    natural(a, b, false)
}

fn natural(a: &str, b: &str, fold: bool) -> std::cmp::Ordering {
    let chunks = |s: &str| {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let digit = c.is_ascii_digit();
            let c = if fold { c.to_ascii_lowercase() } else { c };
            match out.last_mut() {
                Some((d, run)) if *d == digit => run.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    };
    let (left, right) = (chunks(a), chunks(b));
    for ((ld, l), (rd, r)) in left.iter().zip(&right) {
        let ord = if *ld && *rd {
            let (lt, rt) = (l.trim_start_matches('0'), r.trim_start_matches('0'));
            lt.len().cmp(&rt.len()).then_with(|| lt.cmp(rt))
        } else {
            l.cmp(r)
        };
        if ord.is_ne() {
            return ord;
        }
    }
    left.len().cmp(&right.len()).then_with(|| a.cmp(b))
}

/// Whether `code` names `word` as a whole identifier (so `Any` is found in
/// `dict[str, Any]` but not in `AnyOf`); a `word` ending in punctuation,
/// like `Literal[`, is matched as written.
#[must_use]
pub fn mentions(code: &str, word: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back().is_none_or(|c| !ident(c));
        let after = !word.ends_with(ident)
            || code[at + word.len()..]
                .chars()
                .next()
                .is_none_or(|c| !ident(c));
        before && after
    })
}

/// A snake_case Python identifier for an outside name: non-word characters
/// become `_`, camelCase is split, a leading digit gets a `_` prefix, and
/// keywords or reserved names get a `_` suffix. Never empty.
#[must_use]
pub fn identifier(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 2);
    let mut prev_lower = false;
    for ch in raw.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
            out.push(ch.to_ascii_lowercase());
        } else {
            prev_lower = false;
            if !out.ends_with('_') {
                out.push('_');
            }
        }
    }
    let trimmed = out.trim_matches('_');
    let mut name = if trimmed.is_empty() {
        "value".to_owned()
    } else {
        trimmed.to_owned()
    };
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if name.starts_with("model_") {
        name.insert_str(0, "field_");
    }
    if KEYWORDS.contains(&name.as_str()) || RESERVED.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// A PascalCase class name for an outside name (`task-create` → `TaskCreate`).
#[must_use]
pub fn class_name(raw: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for ch in raw.chars() {
        if ch.is_ascii_alphanumeric() {
            if upper {
                out.push(ch.to_ascii_uppercase());
            } else {
                out.push(ch);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() {
        out.push_str("Model");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'M');
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// Picks `base`, else `base_2`, `base_3`… not yet in `taken`, and records it.
pub fn unique(base: String, taken: &mut std::collections::BTreeSet<String>) -> String {
    if taken.insert(base.clone()) {
        return base;
    }
    let mut n = 2;
    loop {
        let candidate = format!("{base}_{n}");
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

/// A double-quoted Python string literal.
#[must_use]
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text made safe inside a `"""` docstring: backslashes doubled, quotes that
/// would end it escaped, trailing spaces dropped, tabs expanded, and blank
/// edges trimmed (ruff's docstring formatting does the same).
#[must_use]
pub fn docstring_text(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('\t', "    ")
        .replace('"', "\\\"");
    let lines: Vec<String> = escaped
        .lines()
        .map(|line| {
            line.chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect();
    let mut lines: Vec<String> = lines
        .into_iter()
        .map(|l| l.trim_start().to_owned())
        .collect();
    // Collapse runs of blank lines (ruff keeps them, but they read badly).
    lines.dedup_by(|a, b| a.is_empty() && b.is_empty());
    lines.join("\n").trim().to_owned()
}

/// A Python literal for a JSON value, formatted the way ruff formats it:
/// non-empty containers exploded one item a line with a trailing comma,
/// `indent` being the column of the line the literal starts on.
#[must_use]
pub fn literal(value: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent + 4);
    let close = " ".repeat(indent);
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(items) if items.is_empty() => "[]".to_owned(),
        Value::Array(items) => {
            let mut out = "[\n".to_owned();
            for item in items {
                out.push_str(&pad);
                out.push_str(&literal(item, indent + 4));
                out.push_str(",\n");
            }
            out.push_str(&close);
            out.push(']');
            out
        }
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        Value::Object(map) => {
            let mut out = "{\n".to_owned();
            for (key, item) in map {
                out.push_str(&pad);
                out.push_str(&string(key));
                out.push_str(": ");
                out.push_str(&literal(item, indent + 4));
                out.push_str(",\n");
            }
            out.push_str(&close);
            out.push('}');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_like_isort() {
        let mut names = vec!["tool10", "get_task", "tool2", "get", "get_stats", "Get_x"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["get", "get_stats", "get_task", "Get_x", "tool2", "tool10"]
        );
    }

    #[test]
    fn mentions_whole_identifiers() {
        assert!(mentions("dict[str, Any]", "Any"));
        assert!(mentions("Any", "Any"));
        assert!(!mentions("AnyOf | None", "Any"));
        assert!(!mentions("list[MyAny]", "Any"));
        assert!(mentions("Literal[\"a\"]", "Literal["));
    }
    use serde_json::json;

    #[test]
    fn identifiers() {
        assert_eq!(identifier("X-User-ID"), "x_user_id");
        assert_eq!(identifier("name__path"), "name_path");
        assert_eq!(identifier("userId"), "user_id");
        assert_eq!(identifier("class"), "class_");
        assert_eq!(identifier("1st"), "_1st");
        assert_eq!(identifier("l"), "l_");
        assert_eq!(identifier("model_config"), "field_model_config");
        assert_eq!(identifier("$$$"), "value");
    }

    #[test]
    fn class_names() {
        assert_eq!(class_name("task-create"), "TaskCreate");
        assert_eq!(
            class_name("account.business_profile"),
            "AccountBusinessProfile"
        );
        assert_eq!(class_name("3ds"), "M3ds");
    }

    #[test]
    fn literals() {
        assert_eq!(string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(
            literal(&json!({"a": [1, true, null]}), 0),
            "{\n    \"a\": [\n        1,\n        True,\n        None,\n    ],\n}"
        );
        assert_eq!(
            docstring_text("  Hi \"\"\"\n\n\n there\\ "),
            "Hi \\\"\\\"\\\"\n\nthere\\\\"
        );
    }
}
