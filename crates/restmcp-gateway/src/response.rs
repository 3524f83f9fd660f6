//! Turns a backend answer into the tool result the client sees.
//!
//! 2xx JSON → `structuredContent` (an object; anything else wrapped as
//! `{"result": …}`, as the tool's output schema says) plus a text copy;
//! `text/*` → text; `image/*` → image content; `audio/*` → audio; any other
//! body → an embedded resource blob. A body cut at the size limit is an
//! error that says so and shows the beginning. Non-2xx → the taxonomy
//! ([`crate::errors::from_status`]).

use base64::Engine as _;
use restmcp_catalog::ToolDef;
use rmcp::model::{CallToolResult, ContentBlock, ResourceContents};
use serde_json::{Map, Value, json};

use crate::backend::{BackendResponse, retry_after_seconds};
use crate::errors::{self, ErrorType, ToolError};

/// The result of a call the backend answered, or the error to report.
pub fn to_result(
    tool: &ToolDef,
    siblings: &[ToolDef],
    response: &BackendResponse,
    arguments: &Map<String, Value>,
    max_bytes: usize,
) -> Result<CallToolResult, Box<ToolError>> {
    let status = response.status;
    if !(200..300).contains(&status) {
        return Err(Box::new(errors::from_status(
            tool,
            siblings,
            status,
            &response.body,
            retry_after_seconds(&response.headers),
            arguments,
        )));
    }
    let media = media_type(response);
    if response.truncated {
        let shown =
            String::from_utf8_lossy(&response.body[..response.body.len().min(2000)]).into_owned();
        return Err(Box::new(ToolError {
            error_type: ErrorType::ResponseTooLargeError,
            message: format!(
                "`{}` answered with more than {max_bytes} bytes (the --max-response-bytes limit); restmcp cut the answer rather than pass on a partial document.",
                tool.name.as_str()
            ),
            details: json!({
                "limit_bytes": max_bytes,
                "content_type": media,
                "beginning": shown,
            }),
            suggestions: vec![
                "Ask for less: use paging or filter arguments (limit, page, per_page, fields) if the tool has them".to_owned(),
                "Or raise --max-response-bytes when starting restmcp".to_owned(),
            ],
            status_code: Some(status),
        }));
    }
    if response.body.is_empty() {
        let text = format!(
            "Done: `{}` succeeded (HTTP {status}, no content).",
            tool.name.as_str()
        );
        return Ok(CallToolResult::success(vec![ContentBlock::text(text)]));
    }
    // JSON when the backend says so, or says nothing and it looks like it.
    let declared_json = media.as_deref().is_some_and(is_json_media);
    if declared_json || (media.is_none() && looks_like_json(&response.body)) {
        return match serde_json::from_slice::<Value>(&response.body) {
            Ok(value) => Ok(structured(tool, value)),
            Err(error) if declared_json => Err(Box::new(ToolError {
                error_type: ErrorType::BackendError,
                message: format!(
                    "`{}` answered HTTP {status} with a body that says it is JSON but is not ({error}).",
                    tool.name.as_str()
                ),
                details: json!({"content_type": media, "beginning": excerpt(&response.body)}),
                suggestions: vec![
                    "The backend is misbehaving; its own logs say why. Try again later".to_owned(),
                ],
                status_code: Some(status),
            })),
            Err(_) => Ok(text_result(&response.body)),
        };
    }
    let media = media.unwrap_or_else(|| "application/octet-stream".to_owned());
    if media.starts_with("text/") || is_textual(&media) {
        return Ok(text_result(&response.body));
    }
    let data = base64::engine::general_purpose::STANDARD.encode(&response.body);
    let block = if media.starts_with("image/") {
        ContentBlock::image(data, media)
    } else if media.starts_with("audio/") {
        ContentBlock::audio(data, media)
    } else {
        let uri = format!("restmcp://{}/response", tool.name.as_str());
        ContentBlock::resource(ResourceContents::blob(data, uri).with_mime_type(media))
    };
    Ok(CallToolResult::success(vec![block]))
}

/// Above this size the text copy of a JSON answer is cut: sent twice (as
/// structured content and as text) a large answer would exceed what clients
/// accept in one message (the Python SDK refuses events over 1 MiB).
const FULL_TEXT_COPY_BYTES: usize = 256 * 1024;

/// JSON → `structuredContent` (wrapped when the tool says so or when it is
/// not an object) and its text: whole when small, else the beginning and a
/// note that the whole answer is in `structuredContent`.
fn structured(tool: &ToolDef, value: Value) -> CallToolResult {
    let wrapped = if tool.output_wrapped || !value.is_object() {
        json!({ "result": value })
    } else {
        value
    };
    let mut text = serde_json::to_string(&wrapped).unwrap_or_default();
    if text.len() > FULL_TEXT_COPY_BYTES {
        let total = text.len();
        let mut end = 4096;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(&format!(
            "… [{total} bytes of JSON in all: the whole answer is in structuredContent]"
        ));
    }
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(wrapped);
    result
}

fn text_result(body: &[u8]) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(
        String::from_utf8_lossy(body).into_owned(),
    )])
}

fn media_type(response: &BackendResponse) -> Option<String> {
    let value = response
        .headers
        .get(reqwest::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    let essence = value.split(';').next()?.trim().to_ascii_lowercase();
    (!essence.is_empty()).then_some(essence)
}

fn is_json_media(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json") || media == "text/json"
}

fn is_textual(media: &str) -> bool {
    matches!(
        media,
        "application/xml"
            | "application/javascript"
            | "application/yaml"
            | "application/x-yaml"
            | "application/csv"
    ) || media.ends_with("+xml")
}

fn looks_like_json(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| {
            matches!(
                b,
                b'{' | b'[' | b'"' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9'
            )
        })
}

fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned()
}
