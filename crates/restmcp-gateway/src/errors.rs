//! The error taxonomy: every failed tool call becomes one [`ToolError`] —
//! `{error_type, message, details, suggestions, status_code}` — returned as an
//! `isError` tool result the model can read and act on.
//!
//! Owns: the [`ErrorType`] names (the seed's seven plus conflict, rate
//! limit, response-too-large and other client errors), the mapping from a
//! backend status to a type, the reading of a backend error body (FastAPI's
//! `detail`, including 422 `detail[]` mapped back to tool argument names),
//! and suggestions that name real sibling tools.

use restmcp_catalog::{ParamLocation, ToolDef, related};
use rmcp::model::{CallToolResult, ContentBlock};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// What kind of failure a tool call met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    /// The arguments are wrong (checked before the call, or the backend said
    /// 400/422).
    ValidationError,
    /// The backend refused the credentials (401).
    AuthenticationError,
    /// The credentials are fine but not allowed to do this (403).
    AuthorizationError,
    /// Nothing at that address (404, 410).
    NotFoundError,
    /// The request conflicts with the backend's current state (409, 412).
    ConflictError,
    /// Too many requests (429).
    RateLimitError,
    /// Another 4xx the backend gave.
    ClientError,
    /// The backend failed (5xx) or answered something unreadable.
    BackendError,
    /// No complete answer within the timeout.
    TimeoutError,
    /// The backend could not be reached.
    ConnectionError,
    /// The answer was larger than `--max-response-bytes`.
    ResponseTooLargeError,
}

impl ErrorType {
    /// The snake_case name used in results and logs.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ValidationError => "validation_error",
            Self::AuthenticationError => "authentication_error",
            Self::AuthorizationError => "authorization_error",
            Self::NotFoundError => "not_found_error",
            Self::ConflictError => "conflict_error",
            Self::RateLimitError => "rate_limit_error",
            Self::ClientError => "client_error",
            Self::BackendError => "backend_error",
            Self::TimeoutError => "timeout_error",
            Self::ConnectionError => "connection_error",
            Self::ResponseTooLargeError => "response_too_large_error",
        }
    }

    /// The type a non-2xx backend status maps to.
    #[must_use]
    pub const fn from_status(status: u16) -> Self {
        match status {
            400 | 422 => Self::ValidationError,
            401 => Self::AuthenticationError,
            403 => Self::AuthorizationError,
            404 | 410 => Self::NotFoundError,
            408 => Self::TimeoutError,
            409 | 412 => Self::ConflictError,
            413 => Self::ClientError,
            429 => Self::RateLimitError,
            400..=499 => Self::ClientError,
            _ => Self::BackendError,
        }
    }
}

/// One field-level problem: which tool argument, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// The tool argument's name (or a path inside it: `tags/0`); empty when
    /// the problem is with the arguments as a whole.
    pub argument: String,
    /// What was wrong, in words.
    pub problem: String,
}

/// A failed tool call, as the model sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ToolError {
    /// The category.
    pub error_type: ErrorType,
    /// One or two sentences: what happened.
    pub message: String,
    /// Specifics: field problems for validation errors, the backend's own
    /// answer for HTTP errors.
    pub details: Value,
    /// What to try next.
    pub suggestions: Vec<String>,
    /// The backend's HTTP status, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
}

impl ToolError {
    /// A validation error listing `problems`.
    #[must_use]
    pub fn validation(tool: &ToolDef, problems: Vec<FieldProblem>) -> Self {
        let names: Vec<&str> = problems
            .iter()
            .map(|p| {
                if p.argument.is_empty() {
                    "(arguments)"
                } else {
                    p.argument.as_str()
                }
            })
            .collect();
        let message = format!(
            "Invalid arguments for `{}`: {}. Nothing was sent to the backend.",
            tool.name.as_str(),
            summarize(&problems)
        );
        Self {
            error_type: ErrorType::ValidationError,
            message,
            details: json!({ "fields": problems }),
            suggestions: vec![
                format!("Fix {} and call `{}` again", names.join(", "), tool.name.as_str()),
                "Check the tool's inputSchema for the expected types, formats and required arguments".to_owned(),
            ],
            status_code: None,
        }
    }

    /// The call as a tool result: `isError`, the structured error, and a
    /// text copy for clients that read only text.
    #[must_use]
    pub fn into_result(self) -> CallToolResult {
        let value = serde_json::to_value(&self)
            .unwrap_or_else(|_| json!({"error_type": self.error_type.as_str()}));
        let mut result = CallToolResult::error(vec![ContentBlock::text(self.to_text())]);
        result.structured_content = Some(value);
        result
    }

    /// Plain-text rendering: the message, the field problems, suggestions.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut text = format!("{}: {}", self.error_type.as_str(), self.message);
        if let Some(fields) = self.details.get("fields").and_then(Value::as_array) {
            for field in fields {
                let argument = field.get("argument").and_then(Value::as_str).unwrap_or("");
                let problem = field.get("problem").and_then(Value::as_str).unwrap_or("");
                text.push_str(&format!(
                    "\n- {}: {problem}",
                    if argument.is_empty() {
                        "(arguments)"
                    } else {
                        argument
                    }
                ));
            }
        }
        if !self.suggestions.is_empty() {
            text.push_str("\nSuggestions:");
            for suggestion in &self.suggestions {
                text.push_str("\n- ");
                text.push_str(suggestion);
            }
        }
        text
    }
}

fn summarize(problems: &[FieldProblem]) -> String {
    let mut parts: Vec<String> = problems
        .iter()
        .take(3)
        .map(|p| {
            if p.argument.is_empty() {
                p.problem.clone()
            } else {
                format!("`{}` {}", p.argument, p.problem)
            }
        })
        .collect();
    if problems.len() > 3 {
        parts.push(format!("and {} more", problems.len() - 3));
    }
    parts.join("; ")
}

/// Builds the error for a non-2xx answer. `body` is the (possibly cut)
/// response body; `retry_after` the parsed `Retry-After` in seconds.
#[must_use]
pub fn from_status(
    tool: &ToolDef,
    siblings: &[ToolDef],
    status: u16,
    body: &[u8],
    retry_after: Option<u64>,
    arguments: &Map<String, Value>,
) -> ToolError {
    let error_type = ErrorType::from_status(status);
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let excerpt = text_excerpt(body);
    let backend_says = parsed
        .as_ref()
        .and_then(backend_message)
        .or_else(|| excerpt.clone());
    let name = tool.name.as_str();
    let endpoint = format!("{} {}", tool.binding.method, tool.binding.path);
    let mut details = Map::new();
    details.insert("endpoint".into(), json!(endpoint));
    if let Some(parsed) = &parsed {
        details.insert("backend_response".into(), excerpt_value(parsed));
    } else if let Some(text) = excerpt {
        details.insert("backend_response".into(), json!(text));
    }
    let said = backend_says
        .as_deref()
        .map(|s| format!(" The backend said: {s}"))
        .unwrap_or_default();
    let mut suggestions = Vec::new();
    let message = match error_type {
        ErrorType::ValidationError => {
            let fields = parsed
                .as_ref()
                .map(|p| fastapi_fields(tool, p))
                .unwrap_or_default();
            if !fields.is_empty() {
                for field in &fields {
                    suggestions.push(format!("Fix `{}`: {}", field.argument, field.problem));
                }
                details.insert("fields".into(), json!(fields));
            }
            suggestions.push(format!(
                "Check the arguments against `{name}`'s inputSchema and call it again"
            ));
            format!("The backend rejected the arguments of `{name}` (HTTP {status}).{said}")
        }
        ErrorType::AuthenticationError => {
            suggestions.push("Check the credentials restmcp sends to the backend (the environment variables named by --backend-header)".to_owned());
            suggestions.push("If the token expired, renew it and restart restmcp".to_owned());
            format!("The backend could not authenticate the request for `{name}` (HTTP 401).{said}")
        }
        ErrorType::AuthorizationError => {
            suggestions.push("The caller is authenticated but not allowed to do this; ask for the permission or act on your own resources".to_owned());
            format!("The backend refused `{name}` for this caller (HTTP 403).{said}")
        }
        ErrorType::NotFoundError => {
            let ids = path_arguments(tool, arguments);
            if ids.is_empty() {
                suggestions.push(
                    "Check the arguments: the backend has nothing at this address".to_owned(),
                );
            } else {
                suggestions.push(format!("Verify {ids}: the backend has no such item (or it is not visible to this caller)"));
            }
            if let Some(list) = related::list_tool_for(tool, siblings).map(|t| t.name.as_str()) {
                suggestions.push(format!("Call `{list}` to see which items exist"));
            }
            format!("`{name}` found nothing (HTTP {status}).{said}")
        }
        ErrorType::ConflictError => {
            if let Some(get) = related::get_tool_for(tool, siblings).map(|t| t.name.as_str()) {
                suggestions.push(format!(
                    "Call `{get}` to read the current state, then retry with arguments that fit it"
                ));
            } else {
                suggestions.push(
                    "Read the current state first, then retry with arguments that fit it"
                        .to_owned(),
                );
            }
            format!("`{name}` conflicts with the backend's current state (HTTP {status}).{said}")
        }
        ErrorType::RateLimitError => {
            if let Some(seconds) = retry_after {
                details.insert("retry_after_seconds".into(), json!(seconds));
                suggestions.push(format!(
                    "Wait {seconds} seconds before calling `{name}` again"
                ));
            } else {
                suggestions.push(format!("Wait a little before calling `{name}` again"));
            }
            suggestions.push(
                "Make fewer calls, e.g. use list or search tools with larger pages".to_owned(),
            );
            format!("The backend is rate-limiting `{name}` (HTTP 429).{said}")
        }
        ErrorType::TimeoutError => {
            suggestions.push(
                "Try again; if it keeps timing out, the backend may be overloaded".to_owned(),
            );
            format!("The backend timed out handling `{name}` (HTTP {status}).{said}")
        }
        ErrorType::ClientError => {
            suggestions.push(format!(
                "Check the arguments of `{name}`; the backend refused the request as made"
            ));
            format!("The backend refused `{name}` (HTTP {status}).{said}")
        }
        _ => {
            if tool.binding.method.is_idempotent() {
                suggestions.push("The backend failed; try again shortly".to_owned());
            } else {
                suggestions.push(format!(
                    "The backend failed; before calling `{name}` again, check whether the change was made (it may have been)"
                ));
            }
            suggestions.push("If it keeps failing, the backend's own logs say why".to_owned());
            format!("The backend failed while handling `{name}` (HTTP {status}).{said}")
        }
    };
    ToolError {
        error_type,
        message,
        details: Value::Object(details),
        suggestions,
        status_code: Some(status),
    }
}

/// A short human message from a JSON error body: FastAPI's `detail` string,
/// or `message` / `error` / `title`.
fn backend_message(body: &Value) -> Option<String> {
    let object = body.as_object()?;
    for key in ["detail", "message", "error", "title", "error_description"] {
        match object.get(key) {
            Some(Value::String(s)) if !s.is_empty() => return Some(cut(s, 300)),
            Some(Value::Object(inner)) => {
                if let Some(Value::String(s)) = inner.get("message") {
                    return Some(cut(s, 300));
                }
            }
            Some(Value::Array(items)) if key == "detail" => {
                let msgs: Vec<String> = items
                    .iter()
                    .filter_map(|i| i.get("msg").and_then(Value::as_str))
                    .take(3)
                    .map(str::to_owned)
                    .collect();
                if !msgs.is_empty() {
                    return Some(cut(&msgs.join("; "), 300));
                }
            }
            _ => {}
        }
    }
    None
}

fn text_excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    (!text.is_empty()).then(|| cut(text, 300))
}

/// A JSON error body, kept whole when small, else cut to a text excerpt.
fn excerpt_value(value: &Value) -> Value {
    let text = value.to_string();
    if text.len() <= 2048 {
        value.clone()
    } else {
        json!(cut(&text, 2048))
    }
}

fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], text.len())
}

/// FastAPI's 422 `detail[]` (`{loc, msg, type}`) mapped to tool arguments.
fn fastapi_fields(tool: &ToolDef, body: &Value) -> Vec<FieldProblem> {
    let Some(items) = body.get("detail").and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let problem = item.get("msg").and_then(Value::as_str)?.to_owned();
            let loc: Vec<String> = item
                .get("loc")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            Some(FieldProblem {
                argument: argument_for_loc(tool, &loc),
                problem,
            })
        })
        .collect()
}

/// `["body", "title"]` → `title` (or `title__body` after a collision);
/// `["query", "limit"]` → `limit`; unknown → the joined location.
fn argument_for_loc(tool: &ToolDef, loc: &[String]) -> String {
    let Some((first, rest)) = loc.split_first() else {
        return String::new();
    };
    let wanted: &[ParamLocation] = match first.as_str() {
        "path" => &[ParamLocation::Path],
        "query" => &[ParamLocation::Query],
        "header" => &[ParamLocation::Header],
        "cookie" => &[ParamLocation::Cookie],
        "body" => &[
            ParamLocation::BodyField,
            ParamLocation::FormField,
            ParamLocation::MultipartField { file: false },
            ParamLocation::MultipartField { file: true },
        ],
        _ => return loc.join("/"),
    };
    let Some((field, inner)) = rest.split_first() else {
        // The whole body.
        return tool
            .binding
            .args
            .iter()
            .find(|a| a.location == ParamLocation::Body)
            .map_or_else(|| "body".to_owned(), |a| a.arg.clone());
    };
    let matched = tool.binding.args.iter().find(|a| {
        wanted.contains(&a.location)
            && (a.name == *field || (first == "header" && a.name.eq_ignore_ascii_case(field)))
    });
    let base = match matched {
        Some(arg) => arg.arg.clone(),
        // A whole-body argument: the field is inside it.
        None => match tool
            .binding
            .args
            .iter()
            .find(|a| a.location == ParamLocation::Body)
        {
            Some(body) if first == "body" => format!("{}/{field}", body.arg),
            _ => field.clone(),
        },
    };
    if inner.is_empty() {
        base
    } else {
        format!("{base}/{}", inner.join("/"))
    }
}

/// `task_id=7, owner="x"`: the path arguments of the call, for messages.
fn path_arguments(tool: &ToolDef, arguments: &Map<String, Value>) -> String {
    tool.binding
        .args
        .iter()
        .filter(|a| a.location == ParamLocation::Path)
        .filter_map(|a| {
            arguments
                .get(&a.arg)
                .map(|v| format!("{}={}", a.arg, cut(&v.to_string(), 80)))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_the_taxonomy() {
        let cases = [
            (400, "validation_error"),
            (401, "authentication_error"),
            (403, "authorization_error"),
            (404, "not_found_error"),
            (409, "conflict_error"),
            (422, "validation_error"),
            (429, "rate_limit_error"),
            (418, "client_error"),
            (500, "backend_error"),
            (503, "backend_error"),
        ];
        for (status, name) in cases {
            assert_eq!(ErrorType::from_status(status).as_str(), name, "{status}");
            let serialized = serde_json::to_value(ErrorType::from_status(status)).unwrap();
            assert_eq!(serialized, json!(name));
        }
    }

    #[test]
    fn long_text_is_cut_on_a_char_boundary() {
        let text = "é".repeat(400);
        let out = cut(&text, 301);
        assert!(out.starts_with(&"é".repeat(150)));
        assert!(out.ends_with("(800 bytes in all)"));
    }
}
