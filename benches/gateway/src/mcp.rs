//! MCP over Streamable HTTP without an SDK: stateless 2026-07-28 requests,
//! legacy (2025-11-25) sessions, and reading answers that come as JSON or as
//! SSE `data:` lines.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::load::{Check, Target, error_chain, excerpt};

pub const STATELESS_VERSION: &str = "2026-07-28";
pub const LEGACY_VERSION: &str = "2025-11-25";

fn header(map: &mut HeaderMap, name: &'static str, value: &str) {
    map.insert(
        HeaderName::from_static(name),
        HeaderValue::from_str(value).expect("a valid header value"),
    );
}

fn base_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    header(&mut headers, "content-type", "application/json");
    header(&mut headers, "accept", "application/json, text/event-stream");
    headers
}

/// `_meta` every 2026-07-28 request carries (no handshake).
fn stateless_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": STATELESS_VERSION,
        "io.modelcontextprotocol/clientCapabilities": {}
    })
}

/// Headers and body of a stateless 2026-07-28 request.
pub fn stateless_request(method: &str, name: Option<&str>, mut params: Value) -> (HeaderMap, Bytes) {
    let mut headers = base_headers();
    header(&mut headers, "mcp-protocol-version", STATELESS_VERSION);
    header(&mut headers, "mcp-method", method);
    if let Some(name) = name {
        header(&mut headers, "mcp-name", name);
    }
    params["_meta"] = stateless_meta();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    (headers, Bytes::from(body.to_string()))
}

/// A stateless `tools/call` of `tool` with `arguments`, as a load target.
pub fn tool_call_target(url: &str, tool: &str, arguments: Value) -> Target {
    let (headers, body) = stateless_request(
        "tools/call",
        Some(tool),
        json!({"name": tool, "arguments": arguments}),
    );
    Target {
        method: Method::POST,
        url: url.to_owned(),
        headers,
        body: Some(body),
        check: Check::ToolResult,
    }
}

/// The JSON-RPC messages of an answer: a JSON body, or the `data:` of each
/// SSE event (empty priming events skipped).
pub fn messages(body: &[u8]) -> Vec<Value> {
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        return vec![value];
    }
    let text = String::from_utf8_lossy(body);
    let mut out = Vec::new();
    let mut data = String::new();
    let mut flush = |data: &mut String| {
        if !data.trim().is_empty()
            && let Ok(value) = serde_json::from_str::<Value>(data)
        {
            out.push(value);
        }
        data.clear();
    };
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            flush(&mut data);
        } else if let Some(rest) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        }
    }
    flush(&mut data);
    out
}

/// Sends a request and reads SSE or JSON until the response with `id`
/// arrives (an SSE stream may stay open after it). Returns the response
/// headers and that message.
async fn exchange(
    client: &reqwest::Client,
    url: &str,
    headers: HeaderMap,
    body: Bytes,
    id: i64,
) -> Result<(HeaderMap, Value), String> {
    let mut response = client
        .post(url)
        .headers(headers)
        .body(body)
        .send()
        .await
        .map_err(|e| error_chain(&e))?;
    let status = response.status();
    let response_headers = response.headers().clone();
    let mut buffer = Vec::new();
    loop {
        let chunk = response.chunk().await.map_err(|e| error_chain(&e))?;
        let done = chunk.is_none();
        if let Some(chunk) = chunk {
            buffer.extend_from_slice(&chunk);
        }
        if status != reqwest::StatusCode::OK {
            if done {
                return Err(format!("HTTP {status}: {}", excerpt(&buffer)));
            }
            continue;
        }
        if let Some(message) = messages(&buffer)
            .into_iter()
            .find(|m| m.get("id").and_then(Value::as_i64) == Some(id))
        {
            return Ok((response_headers, message));
        }
        if done {
            return Err(format!("no JSON-RPC response with id {id} in: {}", excerpt(&buffer)));
        }
    }
}

/// Lists every tool with a stateless client, following `nextCursor`.
/// Returns (tools, pages, bytes of the answers).
pub async fn list_all_tools(url: &str) -> Result<(Vec<Value>, usize, usize), String> {
    let client = crate::load::client();
    let mut cursor: Option<String> = None;
    let (mut tools, mut pages, mut bytes) = (Vec::new(), 0, 0);
    loop {
        let params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let (headers, body) = stateless_request("tools/list", None, params);
        let (_, message) = exchange(&client, url, headers, body, 1).await?;
        bytes += message.to_string().len();
        pages += 1;
        let result = message
            .get("result")
            .ok_or_else(|| format!("tools/list failed: {message}"))?;
        if let Some(page) = result.get("tools").and_then(Value::as_array) {
            tools.extend(page.iter().cloned());
        }
        match result.get("nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok((tools, pages, bytes)),
        }
        if pages > 1000 {
            return Err("tools/list: more than 1000 pages".into());
        }
    }
}

/// What the concurrent-sessions test saw.
#[derive(Default, Debug)]
pub struct SessionsReport {
    pub sessions: usize,
    pub initialize_errors: usize,
    pub initialized_errors: usize,
    pub call_errors: usize,
    pub delete_errors: usize,
    pub first_error: Option<String>,
    pub initialize_time: Duration,
    pub call_time: Duration,
    pub delete_time: Duration,
    /// restmcp memory: before, with all sessions open after their call, and
    /// after they were deleted.
    pub memory: Vec<(String, crate::procs::Memory)>,
}

impl SessionsReport {
    pub fn errors(&self) -> usize {
        self.initialize_errors + self.initialized_errors + self.call_errors + self.delete_errors
    }
}

enum Phase {
    Initialize,
    Initialized,
    Call,
    Delete,
}

/// `n` legacy sessions at once against a session-mode restmcp: all
/// initialize; then, all sessions open, each sends notifications/initialized
/// and one tools/call; then each deletes its session. Barriers between the
/// phases keep all `n` sessions alive together.
pub async fn concurrent_sessions(url: &str, tool: &str, n: usize, pid: u32) -> SessionsReport {
    let barrier = Arc::new(Barrier::new(n + 1));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Phase, String)>();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let barrier = Arc::clone(&barrier);
        let tx = tx.clone();
        let url = url.to_owned();
        let tool = tool.to_owned();
        tasks.push(tokio::spawn(async move {
            // Every client its own connection, as separate MCP clients would.
            let client = crate::load::client();
            // Phase 1: initialize.
            let mut headers = base_headers();
            header(&mut headers, "mcp-protocol-version", LEGACY_VERSION);
            let body = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": LEGACY_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "restmcp-gateway-bench", "version": "0"}
            }});
            let session = match exchange(&client, &url, headers, Bytes::from(body.to_string()), 0).await {
                Ok((headers, message)) => {
                    let id = headers
                        .get("mcp-session-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let version = message
                        .pointer("/result/protocolVersion")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    match (id, version) {
                        (Some(id), Some(version)) => Some((id, version)),
                        _ => {
                            let _ = tx.send((Phase::Initialize, format!("session {i}: no Mcp-Session-Id or protocolVersion: {message}")));
                            None
                        }
                    }
                }
                Err(e) => {
                    let _ = tx.send((Phase::Initialize, format!("session {i} initialize: {e}")));
                    None
                }
            };
            barrier.wait().await;
            // Phase 2: notifications/initialized + one tools/call.
            if let Some((id, version)) = &session {
                let mut headers = base_headers();
                header(&mut headers, "mcp-protocol-version", version);
                header(&mut headers, "mcp-session-id", id);
                let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
                match client
                    .post(&url)
                    .headers(headers.clone())
                    .body(note.to_string())
                    .send()
                    .await
                {
                    Ok(r) if r.status() == reqwest::StatusCode::ACCEPTED => {}
                    Ok(r) => {
                        let status = r.status();
                        let body = r.bytes().await.unwrap_or_default();
                        let _ = tx.send((Phase::Initialized, format!("session {i} notifications/initialized: HTTP {status}: {}", excerpt(&body))));
                    }
                    Err(e) => {
                        let _ = tx.send((Phase::Initialized, format!("session {i} notifications/initialized: {}", error_chain(&e))));
                    }
                }
                let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                    "params": {"name": tool, "arguments": {}}});
                match exchange(&client, &url, headers, Bytes::from(call.to_string()), 1).await {
                    Ok((_, message)) => {
                        let ok = message.get("result").is_some()
                            && message.pointer("/result/isError") != Some(&Value::Bool(true));
                        if !ok {
                            let _ = tx.send((Phase::Call, format!("session {i} tools/call: {message}")));
                        }
                    }
                    Err(e) => {
                        let _ = tx.send((Phase::Call, format!("session {i} tools/call: {e}")));
                    }
                }
            }
            barrier.wait().await;
            // Phase 3: end the session.
            if let Some((id, version)) = &session {
                let result = client
                    .delete(&url)
                    .header("mcp-session-id", id)
                    .header("mcp-protocol-version", version)
                    .send()
                    .await;
                match result {
                    Ok(r) if r.status().is_success() => {}
                    Ok(r) => {
                        let _ = tx.send((Phase::Delete, format!("session {i} DELETE: HTTP {}", r.status())));
                    }
                    Err(e) => {
                        let _ = tx.send((Phase::Delete, format!("session {i} DELETE: {}", error_chain(&e))));
                    }
                }
            }
            barrier.wait().await;
        }));
    }
    drop(tx);
    let mut report = SessionsReport {
        sessions: n,
        ..SessionsReport::default()
    };
    report.memory.push(("before".into(), crate::procs::memory(pid)));
    let t = Instant::now();
    barrier.wait().await;
    report.initialize_time = t.elapsed();
    report.memory.push((format!("{n} sessions initialized"), crate::procs::memory(pid)));
    let t = Instant::now();
    barrier.wait().await;
    report.call_time = t.elapsed();
    report.memory.push(("after the calls, sessions open".into(), crate::procs::memory(pid)));
    let t = Instant::now();
    barrier.wait().await;
    report.delete_time = t.elapsed();
    for task in tasks {
        if let Err(e) = task.await {
            report.call_errors += 1;
            report.first_error.get_or_insert(format!("client task failed: {e}"));
        }
    }
    // Give the session workers a moment to wind down.
    tokio::time::sleep(Duration::from_millis(500)).await;
    report.memory.push(("after DELETE of every session".into(), crate::procs::memory(pid)));
    while let Ok((phase, error)) = rx.try_recv() {
        match phase {
            Phase::Initialize => report.initialize_errors += 1,
            Phase::Initialized => report.initialized_errors += 1,
            Phase::Call => report.call_errors += 1,
            Phase::Delete => report.delete_errors += 1,
        }
        report.first_error.get_or_insert(error);
    }
    report
}

/// Bytes of a listed tool's input and output schemas (compact JSON).
pub fn schema_bytes(tool: &Value) -> usize {
    ["inputSchema", "outputSchema"]
        .iter()
        .filter_map(|k| tool.get(*k))
        .map(|s| s.to_string().len())
        .sum()
}

/// Arguments that satisfy a tool's required properties with dummy values.
pub fn dummy_arguments(tool: &Value) -> Value {
    let schema = tool.get("inputSchema").cloned().unwrap_or(Value::Null);
    let mut arguments = serde_json::Map::new();
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for name in required.iter().filter_map(Value::as_str) {
        let property = schema.pointer(&format!("/properties/{name}")).cloned().unwrap_or(Value::Null);
        arguments.insert(name.to_owned(), dummy_value(&property));
    }
    Value::Object(arguments)
}

fn dummy_value(schema: &Value) -> Value {
    if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return first.clone();
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("string"),
        _ => "string",
    };
    match kind {
        "integer" | "number" => json!(1),
        "boolean" => json!(true),
        "array" => json!([]),
        "object" => json!({}),
        _ => json!("x"),
    }
}
