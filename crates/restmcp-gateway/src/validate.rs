//! Argument validation: each tool's input schema compiled once (JSON Schema
//! 2020-12, the `jsonschema` crate), and a validation failure turned into one
//! [`FieldProblem`] per argument, named as the model named it.

use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use serde_json::{Map, Value};

use crate::errors::FieldProblem;

/// A compiled input schema.
pub struct ArgumentValidator {
    validator: jsonschema::Validator,
    /// The declared arguments; anything else is refused (a model that
    /// invents an argument should hear so, not have it dropped).
    known: Vec<String>,
}

impl ArgumentValidator {
    /// Compiles `schema`; the error says why it does not compile.
    pub fn new(schema: &Map<String, Value>) -> Result<Self, String> {
        let schema = Value::Object(schema.clone());
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(false)
            .build(&schema)
            .map(|validator| Self {
                validator,
                known: schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default(),
            })
            .map_err(|e| e.to_string())
    }

    /// Every problem with `arguments`, at most one per argument (the first
    /// found), in argument order; empty when they are valid.
    pub fn check(&self, arguments: &Map<String, Value>) -> Vec<FieldProblem> {
        let instance = Value::Object(arguments.clone());
        let mut problems: Vec<FieldProblem> = Vec::new();
        for name in arguments.keys() {
            if !self.known.iter().any(|k| k == name) {
                problems.push(FieldProblem {
                    argument: name.clone(),
                    problem: format!(
                        "is not an argument of this tool (it takes: {})",
                        self.known.join(", ")
                    ),
                });
            }
        }
        for error in self.validator.iter_errors(&instance) {
            let mut path: Vec<String> = error
                .instance_path()
                .iter()
                .map(|segment| match segment {
                    LocationSegment::Property(p) => p.into_owned(),
                    LocationSegment::Index(i) => i.to_string(),
                })
                .collect();
            let problem = match error.kind() {
                ValidationErrorKind::Required { property } => {
                    path.push(
                        property
                            .as_str()
                            .map_or_else(|| property.to_string(), str::to_owned),
                    );
                    "is required but missing".to_owned()
                }
                ValidationErrorKind::AdditionalProperties { .. } if path.is_empty() => {
                    // Unknown arguments: already reported above, by name.
                    continue;
                }
                _ => describe(&error.to_string(), error.instance()),
            };
            push_unique(
                &mut problems,
                FieldProblem {
                    argument: path.join("/"),
                    problem,
                },
            );
        }
        problems
    }
}

fn push_unique(problems: &mut Vec<FieldProblem>, problem: FieldProblem) {
    if !problems.iter().any(|p| p.argument == problem.argument) {
        problems.push(problem);
    }
}

/// The crate's message, with the offending value cut short: a 1 MB string
/// must not come back whole in an error.
fn describe(message: &str, instance: &Value) -> String {
    let shown = instance.to_string();
    if shown.len() > 120 && message.contains(&shown) {
        let mut end = 100;
        while !shown.is_char_boundary(end) {
            end -= 1;
        }
        return message.replace(&shown, &format!("{}…", &shown[..end]));
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn validator(schema: Value) -> ArgumentValidator {
        ArgumentValidator::new(schema.as_object().unwrap()).unwrap()
    }

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn each_bad_argument_is_named_once() {
        let v = validator(json!({
            "type": "object",
            "properties": {
                "title": {"type": "string", "minLength": 1},
                "limit": {"type": "integer", "minimum": 1, "maximum": 10},
                "tags": {"type": "array", "items": {"type": "string"}}
            },
            "required": ["title"],
            "additionalProperties": false
        }));
        assert!(v.check(&args(json!({"title": "x"}))).is_empty());
        let problems = v.check(&args(json!({"limit": 0, "tags": ["a", 3], "bogus": 1})));
        let names: Vec<&str> = problems.iter().map(|p| p.argument.as_str()).collect();
        assert!(names.contains(&"title"), "{problems:?}");
        assert!(names.contains(&"limit"), "{problems:?}");
        assert!(names.contains(&"tags/1"), "{problems:?}");
        assert!(names.contains(&"bogus"), "{problems:?}");
        let open = validator(json!({"type": "object", "properties": {"a": {"type": "string"}}}));
        let extra = open.check(&args(json!({"a": "x", "extra": 1})));
        assert_eq!(extra.len(), 1);
        assert_eq!(extra[0].argument, "extra");
        assert!(extra[0].problem.contains("it takes: a"), "{extra:?}");
        let title = problems.iter().find(|p| p.argument == "title").unwrap();
        assert_eq!(title.problem, "is required but missing");
        let limit = problems.iter().find(|p| p.argument == "limit").unwrap();
        assert!(
            limit.problem.contains("minimum") || limit.problem.contains("less than"),
            "{limit:?}"
        );
    }

    #[test]
    fn huge_values_are_not_echoed_whole() {
        let v = validator(json!({"type": "object", "properties": {"n": {"type": "integer"}}}));
        let big = "x".repeat(10_000);
        let problems = v.check(&args(json!({"n": big})));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].problem.len() < 400,
            "{}",
            problems[0].problem.len()
        );
    }
}
