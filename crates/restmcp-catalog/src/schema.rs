//! Schema cleanup: OpenAPI 3.1 schemas into self-contained JSON Schema
//! 2020-12 for tool inputs and outputs.
//!
//! - `$ref: #/components/schemas/X` becomes `$ref: #/$defs/X`; a tool's
//!   schema carries in `$defs` only the components reachable from it
//!   (recursive ones stay `$ref`s). Any other reference (dangling, external,
//!   into the middle of a component) is dropped, with a warning: that spot
//!   then accepts any value.
//! - Two flavours: [`Flavour::Input`] drops `readOnly: true` properties (the
//!   server sets them), [`Flavour::Output`] drops `writeOnly: true` ones
//!   (the server never returns them). Each component is cleaned once per
//!   flavour and memoized; a tool clones only the definitions it reaches.
//! - OpenAPI-only keywords go (`discriminator`, `xml`, `externalDocs`,
//!   `x-*`), as do keywords that would break a self-contained schema (`$id`,
//!   `$schema`, `$anchor`, `$dynamicAnchor`, `$dynamicRef`, nested
//!   `$defs`/`definitions`). Left-over OpenAPI 3.0 forms are translated
//!   (`nullable`, `example`, boolean `exclusiveMinimum`/`exclusiveMaximum`,
//!   `type: file`). Keywords are only recognised in keyword positions: a
//!   property called `xml` or `x-id` is kept, and `default`, `enum`,
//!   `const` and `examples` values are copied untouched.
//! - Values that would stop the schema from compiling are dropped with a
//!   warning: a `pattern` the `jsonschema` crate cannot compile (its own
//!   ECMA-262 translation and regex engine decide), an unknown `type`, a
//!   non-numeric `maxLength`, and the like.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::error::json_type;
use crate::model::{Warning, WarningKind};

/// Where component schemas live in a normalized document.
const COMPONENTS_PREFIX: &str = "#/components/schemas/";

/// How many `$ref` hops we follow before giving up (a cycle of pure refs).
const MAX_HOPS: usize = 32;

/// Deeper inline nesting than this is accepted as any value. serde_json stops
/// parsing at 128 levels anyway; this keeps our recursion well away from it.
const MAX_DEPTH: usize = 96;

/// Which side of the tool a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Flavour {
    /// Tool arguments: `readOnly` properties are not inputs.
    Input,
    /// `structuredContent`: `writeOnly` properties are never returned.
    Output,
}

impl Flavour {
    /// The keyword whose `true` removes a property in this flavour.
    const fn hidden_keyword(self) -> &'static str {
        match self {
            Self::Input => "readOnly",
            Self::Output => "writeOnly",
        }
    }
}

/// What cleaning one or more schemas found: the components they reference
/// (directly) and problems to report.
#[derive(Debug, Default)]
pub(crate) struct Found<'a> {
    /// Component names referenced, possibly repeated.
    pub refs: Vec<&'a str>,
    /// Human-readable problems, each already saying what was done.
    pub notes: Vec<String>,
}

impl Found<'_> {
    fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }
}

/// One component, cleaned in one flavour.
#[derive(Debug)]
struct Def {
    schema: Value,
    /// The components it references directly, by index.
    refs: Vec<usize>,
}

/// The document's component schemas, and the memoized cleanup of them.
/// Components are numbered (document order) so that walking the reference
/// graph for each tool costs no string hashing.
pub(crate) struct Schemas<'a> {
    document: &'a Map<String, Value>,
    names: Vec<&'a str>,
    values: Vec<&'a Value>,
    index: HashMap<&'a str, usize>,
    /// Position of each component in name order, for sorted `$defs`.
    rank: Vec<usize>,
    /// Per flavour (input, output), per component.
    cleaned: [Vec<Option<Def>>; 2],
    /// Pattern → compiles with the `jsonschema` crate's engine.
    patterns: HashMap<String, bool>,
    /// Components whose problems were reported already.
    reported: Vec<bool>,
    warnings: Vec<Warning>,
}

impl<'a> Schemas<'a> {
    /// Reads `components.schemas` of `document` (if any).
    pub(crate) fn new(document: &'a Map<String, Value>) -> Self {
        let components = document
            .get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(Value::as_object);
        let (names, values): (Vec<&'a str>, Vec<&'a Value>) = components
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v))
            .unzip();
        let index = names
            .iter()
            .enumerate()
            .map(|(i, name)| (*name, i))
            .collect();
        let mut by_name: Vec<usize> = (0..names.len()).collect();
        by_name.sort_by_key(|&i| names.get(i).copied());
        let mut rank = vec![0; names.len()];
        for (position, &i) in by_name.iter().enumerate() {
            if let Some(slot) = rank.get_mut(i) {
                *slot = position;
            }
        }
        let count = names.len();
        Self {
            document,
            names,
            values,
            index,
            rank,
            cleaned: [
                std::iter::repeat_with(|| None).take(count).collect(),
                std::iter::repeat_with(|| None).take(count).collect(),
            ],
            patterns: HashMap::new(),
            reported: vec![false; count],
            warnings: Vec::new(),
        }
    }

    /// Problems found in component schemas (one warning per problem, each
    /// naming its component), in the order the components were first used.
    pub(crate) fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// The component a `#/components/schemas/X` reference names, with its
    /// name borrowed from the document.
    fn target(&self, reference: &str) -> Option<(&'a str, &'a Value)> {
        let name = component_name(reference)?;
        let &i = self.index.get(name.as_ref())?;
        Some((*self.names.get(i)?, *self.values.get(i)?))
    }

    const fn slot(flavour: Flavour) -> usize {
        match flavour {
            Flavour::Input => 0,
            Flavour::Output => 1,
        }
    }

    fn def(&self, i: usize, flavour: Flavour) -> Option<&Def> {
        self.cleaned[Self::slot(flavour)].get(i)?.as_ref()
    }

    /// Follows `$ref`s whose siblings are only annotations (`title`,
    /// `description`, ...) to the schema that says something.
    pub(crate) fn resolve(&self, schema: &'a Value) -> &'a Value {
        let mut current = schema;
        for _ in 0..MAX_HOPS {
            let Some(map) = current.as_object() else {
                return current;
            };
            let Some((_, target)) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| self.target(r))
            else {
                return current;
            };
            if !map.keys().all(|k| k == "$ref" || is_annotation(k)) {
                return current;
            }
            current = target;
        }
        current
    }

    /// True when `schema` (or the component it refers to, or the single
    /// part of an `allOf` wrapper) is `readOnly: true` for inputs or
    /// `writeOnly: true` for outputs.
    pub(crate) fn is_hidden(&self, schema: &Value, flavour: Flavour) -> bool {
        let keyword = flavour.hidden_keyword();
        let mut current = schema;
        for _ in 0..MAX_HOPS {
            if current.get(keyword) == Some(&Value::Bool(true)) {
                return true;
            }
            let next = if let Some(reference) = current.get("$ref").and_then(Value::as_str) {
                self.target(reference).map(|(_, target)| target)
            } else {
                match current
                    .get("allOf")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                {
                    Some([only]) => Some(only),
                    _ => None,
                }
            };
            match next {
                Some(next) => current = next,
                None => return false,
            }
        }
        false
    }

    /// The cleaned `$defs` for a tool schema whose own cleanup found
    /// `roots`: every component reachable from them, keys sorted.
    pub(crate) fn defs(&mut self, roots: &[&'a str], flavour: Flavour) -> Map<String, Value> {
        let mut seen = vec![false; self.names.len()];
        let mut reached: Vec<usize> = Vec::new();
        let mut stack: Vec<usize> = roots
            .iter()
            .filter_map(|name| self.index.get(name).copied())
            .collect();
        while let Some(i) = stack.pop() {
            match seen.get_mut(i) {
                Some(seen) if !*seen => *seen = true,
                _ => continue,
            }
            reached.push(i);
            self.ensure(i, flavour);
            if let Some(def) = self.def(i, flavour) {
                stack.extend(def.refs.iter().copied());
            }
        }
        reached.sort_by_key(|&i| self.rank.get(i).copied());
        reached
            .into_iter()
            .filter_map(|i| {
                Some((
                    (*self.names.get(i)?).to_owned(),
                    self.def(i, flavour)?.schema.clone(),
                ))
            })
            .collect()
    }

    /// The cleaned component `name` in `flavour` and the components it
    /// references directly (cleaning it on first use).
    pub(crate) fn component(
        &mut self,
        name: &'a str,
        flavour: Flavour,
    ) -> Option<(Value, Vec<&'a str>)> {
        let &i = self.index.get(name)?;
        self.ensure(i, flavour);
        let def = self.def(i, flavour)?;
        let refs = def
            .refs
            .iter()
            .filter_map(|&r| self.names.get(r).copied())
            .collect();
        Some((def.schema.clone(), refs))
    }

    /// The component a (pure, annotation-only) `$ref` chain from `schema`
    /// ends at, if it ends at one.
    pub(crate) fn ref_target(&self, schema: &'a Value) -> Option<&'a str> {
        let mut name = None;
        let mut current = schema;
        for _ in 0..MAX_HOPS {
            let Some(map) = current.as_object() else {
                break;
            };
            let Some((key, target)) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| self.target(r))
            else {
                break;
            };
            if !map.keys().all(|k| k == "$ref" || is_annotation(k)) {
                break;
            }
            name = Some(key);
            current = target;
        }
        name
    }

    fn ensure(&mut self, i: usize, flavour: Flavour) {
        if self.def(i, flavour).is_some() {
            return;
        }
        let (Some(&name), Some(&raw)) = (self.names.get(i), self.values.get(i)) else {
            return;
        };
        let mut found = Found::default();
        let schema = self.clean(raw, flavour, &mut found);
        // Both flavours see the same problems; report them once.
        if let Some(reported) = self.reported.get_mut(i)
            && !*reported
        {
            *reported = true;
            for note in found.notes {
                self.warnings.push(Warning::new(
                    WarningKind::Degraded,
                    "",
                    format!("in `#/components/schemas/{name}`: {note}"),
                ));
            }
        }
        let refs = found
            .refs
            .iter()
            .filter_map(|r| self.index.get(r).copied())
            .collect();
        if let Some(slot) = self.cleaned[Self::slot(flavour)].get_mut(i) {
            *slot = Some(Def { schema, refs });
        }
    }

    /// Cleans one schema (not a whole component graph): references are
    /// rewritten and recorded in `found`, not followed.
    pub(crate) fn clean(
        &mut self,
        schema: &Value,
        flavour: Flavour,
        found: &mut Found<'a>,
    ) -> Value {
        self.clean_at(schema, flavour, found, 0)
    }

    fn clean_at(
        &mut self,
        schema: &Value,
        flavour: Flavour,
        found: &mut Found<'a>,
        depth: usize,
    ) -> Value {
        match schema {
            // `true` / `false` are schemas in 2020-12.
            Value::Bool(_) => schema.clone(),
            Value::Object(map) if depth < MAX_DEPTH => {
                Value::Object(self.clean_object(map, flavour, found, depth))
            }
            Value::Object(_) => {
                found.note(format!(
                    "a schema nested deeper than {MAX_DEPTH} levels was replaced by `{{}}` (any value)"
                ));
                Value::Object(Map::new())
            }
            other => {
                found.note(format!(
                    "a schema that was {} was replaced by `{{}}` (any value)",
                    json_type(other)
                ));
                Value::Object(Map::new())
            }
        }
    }

    fn clean_map_of_schemas(
        &mut self,
        keyword: &str,
        value: &Value,
        flavour: Flavour,
        found: &mut Found<'a>,
        depth: usize,
    ) -> Option<Value> {
        let Some(map) = value.as_object() else {
            found.note(format!(
                "dropped `{keyword}`: expected an object, found {}",
                json_type(value)
            ));
            return None;
        };
        let cleaned = map
            .iter()
            .map(|(k, v)| (k.clone(), self.clean_at(v, flavour, found, depth + 1)))
            .collect();
        Some(Value::Object(cleaned))
    }

    fn clean_list_of_schemas(
        &mut self,
        keyword: &str,
        value: &Value,
        flavour: Flavour,
        found: &mut Found<'a>,
        depth: usize,
    ) -> Option<Value> {
        match value.as_array() {
            Some(items) if !items.is_empty() => Some(Value::Array(
                items
                    .iter()
                    .map(|v| self.clean_at(v, flavour, found, depth + 1))
                    .collect(),
            )),
            _ => {
                found.note(format!(
                    "dropped `{keyword}`: expected a non-empty array of schemas"
                ));
                None
            }
        }
    }

    #[allow(clippy::too_many_lines)] // one arm per keyword family reads best as one match
    fn clean_object(
        &mut self,
        map: &Map<String, Value>,
        flavour: Flavour,
        found: &mut Found<'a>,
        depth: usize,
    ) -> Map<String, Value> {
        let mut out = Map::with_capacity(map.len());
        let mut hidden: Vec<&str> = Vec::new();
        let mut nullable = false;
        let mut example: Option<&Value> = None;
        let mut exclusive_minimum_flag = false;
        let mut exclusive_maximum_flag = false;

        for (key, value) in map {
            match key.as_str() {
                // References: only whole components survive, as local `$defs`.
                "$ref" => match value.as_str() {
                    Some(reference) => match self.rewrite_ref(reference) {
                        Ok((rewritten, name)) => {
                            found.refs.push(name);
                            out.insert(key.clone(), Value::String(rewritten));
                        }
                        Err(note) => found.note(note),
                    },
                    None => found.note(format!("dropped a `$ref` that was {}", json_type(value))),
                },
                // Properties: read-only (input) / write-only (output) ones go.
                "properties" => {
                    let Some(properties) = value.as_object() else {
                        found.note(format!(
                            "dropped `properties`: expected an object, found {}",
                            json_type(value)
                        ));
                        continue;
                    };
                    let mut cleaned = Map::with_capacity(properties.len());
                    for (name, property) in properties {
                        if self.is_hidden(property, flavour) {
                            hidden.push(name);
                        } else {
                            cleaned.insert(
                                name.clone(),
                                self.clean_at(property, flavour, found, depth + 1),
                            );
                        }
                    }
                    out.insert(key.clone(), Value::Object(cleaned));
                }
                // Keys are regular expressions, values schemas.
                "patternProperties" => {
                    let Some(patterns) = value.as_object() else {
                        found.note(format!(
                            "dropped `patternProperties`: expected an object, found {}",
                            json_type(value)
                        ));
                        continue;
                    };
                    let mut cleaned = Map::new();
                    for (pattern, property) in patterns {
                        if self.pattern_compiles(pattern) {
                            cleaned.insert(
                                pattern.clone(),
                                self.clean_at(property, flavour, found, depth + 1),
                            );
                        } else {
                            found.note(format!(
                                "dropped the `patternProperties` entry `{pattern}`: the regular expression does not compile"
                            ));
                        }
                    }
                    out.insert(key.clone(), Value::Object(cleaned));
                }
                // Maps of schemas.
                "dependentSchemas" => {
                    if let Some(v) = self.clean_map_of_schemas(key, value, flavour, found, depth) {
                        out.insert(key.clone(), v);
                    }
                }
                // `items` as an array is the pre-2020 tuple form.
                "items" => match value {
                    Value::Array(_) => {
                        if let Some(v) =
                            self.clean_list_of_schemas(key, value, flavour, found, depth)
                            && !map.contains_key("prefixItems")
                        {
                            out.insert("prefixItems".into(), v);
                        }
                    }
                    _ => {
                        let v = self.clean_at(value, flavour, found, depth + 1);
                        out.insert(key.clone(), v);
                    }
                },
                // Pre-2020: applies after a tuple `items`; 2020-12 calls it `items`.
                "additionalItems" => {
                    if map.get("items").is_some_and(Value::is_array) {
                        let v = self.clean_at(value, flavour, found, depth + 1);
                        out.insert("items".into(), v);
                    }
                }
                // Single subschemas.
                "additionalProperties"
                | "unevaluatedProperties"
                | "unevaluatedItems"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contains"
                | "propertyNames"
                | "contentSchema" => {
                    let v = self.clean_at(value, flavour, found, depth + 1);
                    out.insert(key.clone(), v);
                }
                // Lists of subschemas (2020-12 wants them non-empty).
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                    if let Some(v) = self.clean_list_of_schemas(key, value, flavour, found, depth) {
                        out.insert(key.clone(), v);
                    }
                }
                // OpenAPI-only, or meaningless once the schema stands alone:
                // a nested `$id` would move the base URI away from our
                // `#/$defs`, and nothing can reference nested `$defs` any more.
                "discriminator" | "xml" | "externalDocs" | "$id" | "$schema" | "$anchor"
                | "$dynamicAnchor" | "$dynamicRef" | "$recursiveRef" | "$recursiveAnchor"
                | "$vocabulary" | "$comment" | "$defs" | "definitions" => {}
                k if k.starts_with("x-") => {}
                // OpenAPI 3.0 left-overs, translated below.
                "nullable" => nullable = value == &Value::Bool(true),
                "example" => example = Some(value),
                "pattern" => match value.as_str() {
                    Some(pattern) if self.pattern_compiles(pattern) => {
                        out.insert(key.clone(), value.clone());
                    }
                    Some(pattern) => found.note(format!(
                        "dropped the `pattern` `{pattern}`: the regular expression does not compile"
                    )),
                    None => {
                        found.note(format!("dropped a `pattern` that was {}", json_type(value)))
                    }
                },
                "type" => match clean_type(value) {
                    Some((ty, file)) => {
                        out.insert(key.clone(), ty);
                        if file && !map.contains_key("format") {
                            out.insert("format".into(), Value::String("binary".into()));
                        }
                    }
                    None => found.note(format!("dropped the unknown `type` {value}")),
                },
                "required" => match value.as_array() {
                    Some(names) => {
                        let mut seen = HashSet::new();
                        let names: Vec<Value> = names
                            .iter()
                            .filter(|n| n.as_str().is_some_and(|s| seen.insert(s)))
                            .cloned()
                            .collect();
                        out.insert(key.clone(), Value::Array(names));
                    }
                    // `required: true` on a property is a common slip from
                    // parameter syntax; it never meant anything in a schema.
                    None => found.note(format!(
                        "dropped `required: {value}` (a schema's `required` lists names)"
                    )),
                },
                "minimum" | "maximum" => match as_number(value) {
                    Some(n) => {
                        out.insert(key.clone(), n);
                    }
                    None => found.note(format!("dropped `{key}: {value}` (not a number)")),
                },
                "multipleOf" => match as_number(value)
                    .filter(|n| n.as_f64().is_some_and(|f| f > 0.0))
                {
                    Some(n) => {
                        out.insert(key.clone(), n);
                    }
                    None => found.note(format!("dropped `{key}: {value}` (not a positive number)")),
                },
                "exclusiveMinimum" | "exclusiveMaximum" => match value {
                    // OpenAPI 3.0's boolean form: moves `minimum` below.
                    Value::Bool(flag) => {
                        if key == "exclusiveMinimum" {
                            exclusive_minimum_flag = *flag;
                        } else {
                            exclusive_maximum_flag = *flag;
                        }
                    }
                    _ => match as_number(value) {
                        Some(n) => {
                            out.insert(key.clone(), n);
                        }
                        None => found.note(format!("dropped `{key}: {value}` (not a number)")),
                    },
                },
                "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties"
                | "maxProperties" | "minContains" | "maxContains" => match as_count(value) {
                    Some(n) => {
                        out.insert(key.clone(), n);
                    }
                    None => found.note(format!(
                        "dropped `{key}: {value}` (not a non-negative integer)"
                    )),
                },
                "enum" => match value {
                    Value::Array(_) => {
                        out.insert(key.clone(), value.clone());
                    }
                    _ => found.note(format!("dropped `enum: {value}` (not an array)")),
                },
                // A single example where a list belongs: wrap it.
                "examples" => {
                    let examples = match value {
                        Value::Array(items) => items
                            .iter()
                            .filter_map(|v| self.example_value(v, found))
                            .collect(),
                        other => self.example_value(other, found).into_iter().collect(),
                    };
                    out.insert(key.clone(), Value::Array(examples));
                }
                "title" | "description" | "format" | "contentEncoding" | "contentMediaType" => {
                    if value.is_string() {
                        out.insert(key.clone(), value.clone());
                    } else {
                        found.note(format!("dropped `{key}: {value}` (not a string)"));
                    }
                }
                "readOnly" | "writeOnly" | "deprecated" | "uniqueItems" => {
                    if value.is_boolean() {
                        out.insert(key.clone(), value.clone());
                    } else {
                        found.note(format!("dropped `{key}: {value}` (not a boolean)"));
                    }
                }
                "dependentRequired" => {
                    let valid = value.as_object().is_some_and(|m| {
                        m.values().all(|v| {
                            v.as_array()
                                .is_some_and(|names| names.iter().all(Value::is_string))
                        })
                    });
                    if valid {
                        out.insert(key.clone(), value.clone());
                    } else {
                        found.note("dropped a malformed `dependentRequired`");
                    }
                }
                // Values (`default`, `const`) and other annotations, untouched.
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }

        if !hidden.is_empty()
            && let Some(Value::Array(required)) = out.get_mut("required")
        {
            required.retain(|name| name.as_str().is_none_or(|n| !hidden.contains(&n)));
        }
        if exclusive_minimum_flag && let Some(minimum) = out.shift_remove("minimum") {
            out.insert("exclusiveMinimum".into(), minimum);
        }
        if exclusive_maximum_flag && let Some(maximum) = out.shift_remove("maximum") {
            out.insert("exclusiveMaximum".into(), maximum);
        }
        if let Some(example) = example
            && !out.contains_key("examples")
            && let Some(example) = self.example_value(example, found)
        {
            out.insert("examples".into(), Value::Array(vec![example]));
        }
        if nullable {
            out = allow_null(out);
        }
        out
    }

    /// An example value; a `{"$ref": "#/components/examples/X"}` in its
    /// place (a common slip in OpenAPI 3.0 documents) is replaced by that
    /// Example object's `value`, or dropped when it has none.
    fn example_value(&self, value: &Value, found: &mut Found<'a>) -> Option<Value> {
        let Some(reference) = value
            .as_object()
            .filter(|map| map.len() == 1)
            .and_then(|map| map.get("$ref"))
            .and_then(Value::as_str)
        else {
            return Some(value.clone());
        };
        let resolved = crate::operation::resolve_local(self.document, value)
            .and_then(|example| example.get("value"));
        if resolved.is_none() {
            found.note(format!(
                "dropped an example that is a `$ref` to `{reference}`, which has no `value`"
            ));
        }
        resolved.cloned()
    }

    /// `#/components/schemas/X` → `#/$defs/X` (and the component's name).
    fn rewrite_ref(&self, reference: &str) -> Result<(String, &'a str), String> {
        if let Some(rest) = reference.strip_prefix(COMPONENTS_PREFIX)
            && rest.contains('/')
        {
            return Err(format!(
                "dropped the `$ref` `{reference}` (it points inside a component); that spot accepts any value"
            ));
        }
        if !reference.starts_with(COMPONENTS_PREFIX) {
            return Err(format!(
                "dropped the `$ref` `{reference}` (only `#/components/schemas/...` can be kept); that spot accepts any value"
            ));
        }
        match self.target(reference) {
            Some((name, _)) => Ok((def_ref(name), name)),
            None => Err(format!(
                "dropped the `$ref` `{reference}` (no such component); that spot accepts any value"
            )),
        }
    }

    /// Whether the `jsonschema` crate can compile `pattern`: its ECMA-262 →
    /// Rust translation, then `fancy-regex`, exactly as it does.
    fn pattern_compiles(&mut self, pattern: &str) -> bool {
        if let Some(&ok) = self.patterns.get(pattern) {
            return ok;
        }
        let ok = jsonschema_regex::to_rust_regex(pattern)
            .is_ok_and(|translated| fancy_regex::Regex::new(&translated).is_ok());
        self.patterns.insert(pattern.to_owned(), ok);
        ok
    }
}

/// Keywords that say nothing about which values are valid.
pub(crate) fn is_annotation(keyword: &str) -> bool {
    matches!(
        keyword,
        "title"
            | "description"
            | "examples"
            | "example"
            | "default"
            | "deprecated"
            | "readOnly"
            | "writeOnly"
            | "$comment"
            | "discriminator"
            | "xml"
            | "externalDocs"
    ) || keyword.starts_with("x-")
}

/// The component name in a `#/components/schemas/{name}` reference: JSON
/// pointer and percent escapes undone. `None` for anything else.
fn component_name(reference: &str) -> Option<Cow<'_, str>> {
    let rest = reference.strip_prefix(COMPONENTS_PREFIX)?;
    if rest.contains('/') || rest.is_empty() {
        return None;
    }
    let decoded = percent_decode(rest)?;
    if decoded.contains('~') {
        Some(Cow::Owned(decoded.replace("~1", "/").replace("~0", "~")))
    } else {
        Some(decoded)
    }
}

/// `#/$defs/{name}`, JSON-pointer escaped and percent-encoded as a URI
/// fragment needs.
pub(crate) fn def_ref(name: &str) -> String {
    let mut out = String::with_capacity(8 + name.len());
    out.push_str("#/$defs/");
    for c in name.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c if c.is_ascii_alphanumeric() || "-._!$&'()*+,;=:@".contains(c) => out.push(c),
            c => {
                let mut buf = [0; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
        }
    }
    out
}

pub(crate) fn percent_decode(s: &str) -> Option<Cow<'_, str>> {
    if !s.contains('%') {
        return Some(Cow::Borrowed(s));
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(decoded) = u8::from_str_radix(hex, 16)
        {
            out.push(decoded);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

const TYPES: [&str; 7] = [
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// A valid `type` (deduplicated), and whether it was Swagger's `file`.
fn clean_type(value: &Value) -> Option<(Value, bool)> {
    let one = |name: &str| -> Option<(&'static str, bool)> {
        if name == "file" {
            return Some(("string", true));
        }
        TYPES.iter().find(|t| **t == name).map(|t| (*t, false))
    };
    match value {
        Value::String(name) => one(name).map(|(t, file)| (Value::String(t.into()), file)),
        Value::Array(names) => {
            let mut types: Vec<&'static str> = Vec::new();
            let mut file = false;
            for name in names {
                let (t, f) = one(name.as_str()?)?;
                file |= f;
                if !types.contains(&t) {
                    types.push(t);
                }
            }
            if types.is_empty() {
                return None;
            }
            Some((
                Value::Array(types.into_iter().map(|t| Value::String(t.into())).collect()),
                file,
            ))
        }
        _ => None,
    }
}

/// A number, or a string holding one (`"255"`).
fn as_number(value: &Value) -> Option<Value> {
    match value {
        Value::Number(_) => Some(value.clone()),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(i) = s.parse::<i64>() {
                Some(Value::from(i))
            } else {
                s.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
            }
        }
        _ => None,
    }
}

/// A non-negative integer (`3`, `3.0`, `"3"`).
fn as_count(value: &Value) -> Option<Value> {
    match value {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                return Some(Value::from(u));
            }
            let f = n.as_f64()?;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            // checked: whole and in range
            (f >= 0.0 && f.fract() == 0.0 && f < 9.0e15).then(|| Value::from(f as u64))
        }
        Value::String(s) => s.trim().parse::<u64>().ok().map(Value::from),
        _ => None,
    }
}

/// OpenAPI 3.0's `nullable: true`, in 2020-12 terms.
fn allow_null(mut schema: Map<String, Value>) -> Map<String, Value> {
    let null = Value::String("null".into());
    match schema.get_mut("type") {
        Some(Value::String(t)) => {
            if t != "null" {
                let t = Value::String(std::mem::take(t));
                schema.insert("type".into(), Value::Array(vec![t, null.clone()]));
            }
        }
        Some(Value::Array(types)) => {
            if !types.contains(&null) {
                types.push(null.clone());
            }
        }
        _ => {
            // No `type` to widen (a `$ref`, an `allOf`, ...): say it as anyOf.
            if schema.contains_key("$ref")
                || schema.contains_key("allOf")
                || schema.contains_key("oneOf")
            {
                let mut wrapper = Map::new();
                wrapper.insert(
                    "anyOf".into(),
                    Value::Array(vec![
                        Value::Object(schema),
                        serde_json::json!({"type": "null"}),
                    ]),
                );
                return wrapper;
            }
            return schema;
        }
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    schema
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc(components: Value) -> Map<String, Value> {
        let Value::Object(map) = json!({"components": {"schemas": components}}) else {
            unreachable!()
        };
        map
    }

    fn clean(
        document: &Map<String, Value>,
        schema: &Value,
        flavour: Flavour,
    ) -> (Value, Vec<String>, Vec<String>) {
        let mut schemas = Schemas::new(document);
        let mut found = Found::default();
        let cleaned = schemas.clean(schema, flavour, &mut found);
        let refs = found.refs.iter().map(|s| (*s).to_owned()).collect();
        (cleaned, refs, found.notes)
    }

    #[test]
    fn rewrites_component_refs_and_records_them() {
        let d = doc(json!({"Item": {"type": "object"}, "A B": {}, "a/b": {}}));
        let (cleaned, refs, notes) = clean(
            &d,
            &json!({"anyOf": [
                {"$ref": "#/components/schemas/Item"},
                {"$ref": "#/components/schemas/A%20B"},
                {"$ref": "#/components/schemas/a~1b"},
            ]}),
            Flavour::Input,
        );
        assert_eq!(
            cleaned,
            json!({"anyOf": [{"$ref": "#/$defs/Item"}, {"$ref": "#/$defs/A%20B"}, {"$ref": "#/$defs/a~1b"}]})
        );
        assert_eq!(refs, ["Item", "A B", "a/b"]);
        assert!(notes.is_empty());
    }

    #[test]
    fn drops_refs_it_cannot_keep() {
        let d = doc(json!({"Item": {"type": "object", "properties": {"a": {}}}}));
        for reference in [
            "#/components/schemas/Missing",
            "#/components/schemas/Item/properties/a",
            "other.json#/Foo",
            "#/paths/x",
        ] {
            let (cleaned, refs, notes) = clean(
                &d,
                &json!({"$ref": reference, "title": "T"}),
                Flavour::Input,
            );
            assert_eq!(cleaned, json!({"title": "T"}), "{reference}");
            assert!(refs.is_empty());
            assert_eq!(notes.len(), 1, "{reference}");
        }
    }

    #[test]
    fn strips_openapi_keywords_only_in_keyword_positions() {
        let d = doc(json!({}));
        let (cleaned, _, notes) = clean(
            &d,
            &json!({
                "type": "object",
                "x-internal": true,
                "xml": {"name": "pet"},
                "discriminator": {"propertyName": "kind"},
                "externalDocs": {"url": "https://example.invalid"},
                "$id": "https://example.invalid/pet",
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "properties": {
                    "xml": {"type": "string", "x-go-name": "XML"},
                    "x-id": {"type": "integer"},
                    "discriminator": {"type": "string"}
                },
                "default": {"x-keep": 1, "$ref": "not a ref"},
                "examples": [{"xml": "<a/>"}]
            }),
            Flavour::Input,
        );
        assert_eq!(
            cleaned,
            json!({
                "type": "object",
                "properties": {
                    "xml": {"type": "string"},
                    "x-id": {"type": "integer"},
                    "discriminator": {"type": "string"}
                },
                "default": {"x-keep": 1, "$ref": "not a ref"},
                "examples": [{"xml": "<a/>"}]
            })
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn read_only_goes_from_inputs_write_only_from_outputs() {
        let d = doc(json!({"Id": {"type": "integer", "readOnly": true}}));
        let schema = json!({
            "type": "object",
            "properties": {
                "id": {"$ref": "#/components/schemas/Id"},
                "created": {"type": "string", "readOnly": true},
                "password": {"type": "string", "writeOnly": true},
                "nested": {"type": "object", "properties": {"etag": {"type": "string", "readOnly": true}, "x": {}}, "required": ["etag", "x"]},
                "name": {"type": "string"}
            },
            "required": ["id", "created", "password", "name"]
        });
        let (input, refs, _) = clean(&d, &schema, Flavour::Input);
        assert_eq!(
            input,
            json!({
                "type": "object",
                "properties": {
                    "password": {"type": "string", "writeOnly": true},
                    "nested": {"type": "object", "properties": {"x": {}}, "required": ["x"]},
                    "name": {"type": "string"}
                },
                "required": ["password", "name"]
            })
        );
        assert!(
            refs.is_empty(),
            "the read-only `$ref` went with its property"
        );
        let (output, refs, _) = clean(&d, &schema, Flavour::Output);
        assert_eq!(
            output["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect::<Vec<_>>()),
            Some(vec![
                "id".into(),
                "created".into(),
                "nested".into(),
                "name".into()
            ])
        );
        assert_eq!(output["required"], json!(["id", "created", "name"]));
        assert_eq!(refs, ["Id"]);
    }

    #[test]
    fn translates_openapi_30_leftovers() {
        let d = doc(json!({"Item": {}}));
        let (cleaned, _, notes) = clean(
            &d,
            &json!({
                "type": "object",
                "properties": {
                    "a": {"type": "string", "nullable": true, "example": "x"},
                    "b": {"type": "integer", "minimum": 1, "exclusiveMinimum": true, "maximum": 9, "exclusiveMaximum": false},
                    "c": {"allOf": [{"$ref": "#/components/schemas/Item"}], "nullable": true},
                    "d": {"type": "string", "enum": ["x"], "nullable": true},
                    "e": {"type": "file"},
                    "f": {"items": [{"type": "string"}, {"type": "integer"}], "additionalItems": false},
                    "g": {"maxLength": "10", "minLength": 1.0, "required": true, "type": ["string", "string"]}
                }
            }),
            Flavour::Input,
        );
        assert_eq!(
            cleaned["properties"],
            json!({
                "a": {"type": ["string", "null"], "examples": ["x"]},
                "b": {"type": "integer", "maximum": 9, "exclusiveMinimum": 1},
                "c": {"anyOf": [{"allOf": [{"$ref": "#/$defs/Item"}]}, {"type": "null"}]},
                "d": {"type": ["string", "null"], "enum": ["x", null]},
                "e": {"type": "string", "format": "binary"},
                "f": {"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false},
                "g": {"maxLength": 10, "minLength": 1, "type": ["string"]}
            })
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[test]
    fn drops_what_would_not_compile() {
        let d = doc(json!({}));
        let (cleaned, _, notes) = clean(
            &d,
            &json!({
                "type": "string",
                "pattern": "^(?<year>[0-9]{4}$",
                "patternProperties": {"^ok$": {}, "(": {}},
                "format": 3,
                "anyOf": [],
                "properties": {"a": "string", "b": {"type": "date"}}
            }),
            Flavour::Input,
        );
        assert_eq!(
            cleaned,
            json!({"type": "string", "patternProperties": {"^ok$": {}}, "properties": {"a": {}, "b": {}}})
        );
        assert_eq!(notes.len(), 6, "{notes:?}");
    }

    #[test]
    fn keeps_patterns_the_validator_understands() {
        let d = doc(json!({}));
        for pattern in [
            r"^\d+$",
            r"^(?=.*[a-z]).+$",
            r"^[\w.-]+@[\w-]+\.\w+$",
            r"^\p{L}+$",
            r"^[^\s/]+$",
        ] {
            let (cleaned, _, notes) = clean(&d, &json!({"pattern": pattern}), Flavour::Input);
            assert_eq!(cleaned, json!({"pattern": pattern}), "{notes:?}");
            assert!(jsonschema::draft202012::new(&cleaned).is_ok(), "{pattern}");
        }
    }

    #[test]
    fn defs_hold_only_what_is_reachable_and_recursion_stays_a_ref() {
        let d = doc(json!({
            "Node": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}, "tag": {"$ref": "#/components/schemas/Tag"}}},
            "Tag": {"type": "string", "x-extra": 1},
            "Unused": {"type": "integer"}
        }));
        let mut schemas = Schemas::new(&d);
        let mut found = Found::default();
        let root = schemas.clean(
            &json!({"$ref": "#/components/schemas/Node"}),
            Flavour::Input,
            &mut found,
        );
        let defs = schemas.defs(&found.refs, Flavour::Input);
        assert_eq!(defs.keys().collect::<Vec<_>>(), ["Node", "Tag"]);
        assert_eq!(defs["Tag"], json!({"type": "string"}));
        assert_eq!(
            defs["Node"]["properties"]["children"]["items"],
            json!({"$ref": "#/$defs/Node"})
        );
        let mut schema = root.as_object().cloned().unwrap_or_default();
        schema.insert("$defs".into(), Value::Object(defs));
        let schema = Value::Object(schema);
        let validator = jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{e}"));
        assert!(validator.is_valid(&json!({"children": [{"children": [], "tag": "a"}]})));
        assert!(!validator.is_valid(&json!({"children": [{"tag": 1}]})));
    }

    #[test]
    fn odd_component_names_round_trip_through_the_validator() {
        let d = doc(json!({"Page[Item] ~x/y%": {"type": "integer"}}));
        let mut schemas = Schemas::new(&d);
        let mut found = Found::default();
        let root = schemas.clean(
            &json!({"$ref": "#/components/schemas/Page[Item]%20~0x~1y%25"}),
            Flavour::Input,
            &mut found,
        );
        let defs = schemas.defs(&found.refs, Flavour::Input);
        assert_eq!(defs.keys().collect::<Vec<_>>(), ["Page[Item] ~x/y%"]);
        let schema = json!({"$ref": root["$ref"], "$defs": defs});
        let validator =
            jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{e}: {schema}"));
        assert!(validator.is_valid(&json!(1)));
        assert!(!validator.is_valid(&json!("a")));
    }

    #[test]
    fn component_problems_are_reported_once() {
        let d = doc(json!({"Bad": {"type": "string", "pattern": "("}}));
        let mut schemas = Schemas::new(&d);
        schemas.defs(&["Bad"], Flavour::Input);
        schemas.defs(&["Bad"], Flavour::Output);
        schemas.defs(&["Bad"], Flavour::Input);
        let warnings = schemas.take_warnings();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].message.contains("`#/components/schemas/Bad`"));
    }

    #[test]
    fn resolve_follows_annotation_only_refs() {
        let d = doc(
            json!({"A": {"$ref": "#/components/schemas/B", "description": "a"}, "B": {"type": "object"}, "Loop": {"$ref": "#/components/schemas/Loop"}}),
        );
        let mut schemas = Schemas::new(&d);
        let a = json!({"$ref": "#/components/schemas/A"});
        assert_eq!(schemas.resolve(&a), &json!({"type": "object"}));
        assert_eq!(schemas.ref_target(&a), Some("B"));
        let constrained = json!({"$ref": "#/components/schemas/A", "minProperties": 1});
        assert_eq!(schemas.resolve(&constrained), &constrained);
        let looping = json!({"$ref": "#/components/schemas/Loop"});
        let _ = schemas.resolve(&looping);
        // A self-referencing component still cleans and validates.
        let defs = schemas.defs(&["Loop"], Flavour::Input);
        assert_eq!(defs["Loop"], json!({"$ref": "#/$defs/Loop"}));
    }
}
