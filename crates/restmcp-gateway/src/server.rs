//! The MCP server: an rmcp [`ServerHandler`] written by hand over a
//! [`Catalog`] (tools are known only at run time).
//!
//! Owns: `tools/list` (catalog order, paginated on request), `tools/call`
//! (validate → build the request → send → map the answer), the audit record
//! of every call, and secret redaction of everything a call reports.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use restmcp_catalog::{Catalog, ParamLocation, ToolDef};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Map, Value, json};
use url::Url;

use crate::backend::{Backend, Outcome, RetryPolicy};
use crate::caller::Caller;
use crate::errors::{ErrorType, ToolError};
use crate::outbound::{BackendAuth, Outbound};
use crate::table::{Served, ToolTable};
use crate::{Error, request, response};

/// How the gateway reaches the backend.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Base URL the tools' paths are appended to.
    pub base_url: Url,
    /// Per attempt: connect, send, and read the whole answer.
    pub timeout: Duration,
    /// Retries and backoff.
    pub retry: RetryPolicy,
    /// Answers larger than this are cut and reported.
    pub max_response_bytes: usize,
    /// Headers sent with every backend request (credentials: their values
    /// are secrets and never logged).
    pub headers: Vec<(String, String)>,
    /// Further secret values to redact from every message and log.
    pub secrets: Vec<String>,
    /// `instructions` for the client.
    pub instructions: Option<String>,
    /// Credentials and caller identity towards the backend.
    pub auth: BackendAuth,
    /// The caller when the transport authenticates no one (stdio
    /// `--user-id`); an authenticated HTTP caller takes precedence.
    pub caller: Option<Caller>,
}

impl GatewayConfig {
    /// Defaults for `base_url`: 30 s timeout, 3 attempts, 1 MiB answers.
    #[must_use]
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            max_response_bytes: 1024 * 1024,
            headers: Vec::new(),
            secrets: Vec::new(),
            instructions: None,
            auth: BackendAuth::default(),
            caller: None,
        }
    }
}

/// The MCP server. Cheap to clone (the HTTP transport makes one per session).
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    tools: ToolTable,
    backend: Backend,
    base_url: Url,
    headers: HeaderMap,
    redactor: Redactor,
    max_response_bytes: usize,
    instructions: Option<String>,
    outbound: Outbound,
    caller: Option<Caller>,
}

impl Gateway {
    /// Builds the server: MCP tool definitions and compiled argument
    /// validators for every tool, and the backend client.
    pub fn new(mut catalog: Catalog, config: GatewayConfig) -> Result<Self, Error> {
        let mut headers = HeaderMap::new();
        let mut secrets = config.secrets.clone();
        secrets.extend(config.auth.secret_values());
        let outbound = Outbound::new(config.auth, &catalog.security_schemes, &config.base_url)?;
        outbound.prepare(&mut catalog.tools)?;
        for (name, value) in &config.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::InvalidHeader { name: name.clone() })?;
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| Error::InvalidHeaderValue { name: name.clone() })?;
            value.set_sensitive(true);
            headers.append(header, value.clone());
            if let Ok(text) = value.to_str() {
                secrets.push(text.to_owned());
            }
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("restmcp/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Client(e.to_string()))?;
        let backend = Backend::new(
            client,
            config.timeout,
            config.max_response_bytes,
            config.retry.clone(),
        );
        let tools = ToolTable::new(catalog.tools);
        Ok(Self {
            inner: Arc::new(Inner {
                tools,
                backend,
                base_url: config.base_url,
                headers,
                redactor: Redactor::new(secrets),
                max_response_bytes: config.max_response_bytes,
                instructions: config.instructions,
                outbound,
                caller: config.caller,
            }),
        })
    }

    /// How many tools are served.
    #[must_use]
    pub fn tool_count(&self) -> usize {
        self.inner.tools.len()
    }

    /// The backend's base URL.
    #[must_use]
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// Whether the backend answers HTTP at all (any status) within 2 s.
    pub async fn backend_ready(&self) -> bool {
        self.inner
            .backend
            .client()
            .get(self.inner.base_url.clone())
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok()
    }

    /// Runs one call: validation, request, retries, answer mapping. Never
    /// fails: every problem is a tool result with `isError`.
    async fn call(
        &self,
        served: Served<'_>,
        mut arguments: Map<String, Value>,
        caller: Option<&Caller>,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Option<CallToolResult> {
        let inner = &self.inner;
        let tool = served.def();
        let request_id = format!("{:016x}", rand::random::<u64>());
        let started = Instant::now();
        let user_id = match caller {
            Some(caller) => Some(caller.id.clone()),
            None => user_id(tool, &arguments).or_else(|| served.default_user().map(str::to_owned)),
        };
        let endpoint = format!("{} {}", tool.binding.method, tool.binding.path);

        let mut audit = Audit {
            request_id: &request_id,
            tool: tool.name.as_str(),
            method: tool.binding.method.as_str(),
            endpoint: &tool.binding.path,
            user_id: user_id.as_deref(),
            status_code: None,
            attempts: 0,
            error_type: None,
            cancelled: false,
        };

        let problems = match served.validator() {
            Ok(validator) => validator.check(&arguments),
            Err(why) => {
                let error = ToolError {
                    error_type: ErrorType::BackendError,
                    message: format!(
                        "restmcp cannot check the arguments of `{}`: its input schema does not compile ({why}).",
                        tool.name.as_str()
                    ),
                    details: json!({}),
                    suggestions: vec![
                        "Report this: the OpenAPI document produced a schema restmcp cannot use"
                            .to_owned(),
                    ],
                    status_code: None,
                };
                audit.error_type = Some(error.error_type);
                audit.log(started);
                return Some(self.redacted(error).into_result());
            }
        };
        if !problems.is_empty() {
            let error = ToolError::validation(tool, problems);
            audit.error_type = Some(error.error_type);
            audit.log(started);
            return Some(self.redacted(error).into_result());
        }
        if let Err(error) = inner.outbound.inject(tool, caller, &mut arguments) {
            audit.error_type = Some(error.error_type);
            audit.log(started);
            return Some(self.redacted(*error).into_result());
        }
        let mut built = match request::build(&inner.base_url, &tool.binding, &arguments) {
            Ok(built) => built,
            Err(problems) => {
                let error = ToolError::validation(tool, problems);
                audit.error_type = Some(error.error_type);
                audit.log(started);
                return Some(self.redacted(error).into_result());
            }
        };
        for (name, value) in &inner.headers {
            built.headers.insert(name.clone(), value.clone());
        }
        if let Err(error) = inner
            .outbound
            .apply(tool, caller, &mut built, inner.backend.client())
            .await
        {
            audit.error_type = Some(error.error_type);
            audit.log(started);
            return Some(self.redacted(*error).into_result());
        }
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            built
                .headers
                .insert(HeaderName::from_static("x-request-id"), value);
        }
        if !built.headers.contains_key(reqwest::header::ACCEPT) {
            let accept = match tool
                .binding
                .response
                .as_ref()
                .and_then(|r| r.media_type.as_deref())
            {
                Some(media) => format!("{media}, */*;q=0.5"),
                None => "application/json, */*;q=0.5".to_owned(),
            };
            if let Ok(value) = HeaderValue::from_str(&accept) {
                built.headers.insert(reqwest::header::ACCEPT, value);
            }
        }

        let mut sent = inner
            .backend
            .send(&built, tool.binding.method.is_idempotent(), cancel)
            .await;
        // A refused OAuth2 client-credentials token: fetch a new one and
        // send once more.
        if matches!(&sent.outcome, Outcome::Response(answer) if answer.status == 401)
            && inner
                .outbound
                .renew_tokens(tool, &mut built, inner.backend.client())
                .await
        {
            let attempts = sent.attempts;
            sent = inner
                .backend
                .send(&built, tool.binding.method.is_idempotent(), cancel)
                .await;
            sent.attempts += attempts;
        }
        audit.attempts = sent.attempts;
        let result = match sent.outcome {
            Outcome::Cancelled => {
                tracing::info!(
                    request_id,
                    tool = tool.name.as_str(),
                    "call cancelled by the client; backend request aborted"
                );
                audit.cancelled = true;
                audit.log(started);
                return None;
            }
            Outcome::Response(answer) => {
                audit.status_code = Some(answer.status);
                response::to_result(
                    tool,
                    inner.tools.siblings(),
                    &answer,
                    &arguments,
                    inner.max_response_bytes,
                )
            }
            Outcome::Timeout { after } => Err(Box::new(ToolError {
                error_type: ErrorType::TimeoutError,
                message: format!(
                    "`{}` got no complete answer from the backend within {} s ({endpoint}).",
                    tool.name.as_str(),
                    after.as_secs_f64()
                ),
                details: json!({"endpoint": endpoint, "timeout_seconds": after.as_secs_f64(), "attempts": sent.attempts}),
                suggestions: timeout_suggestions(tool),
                status_code: None,
            })),
            Outcome::Connection { reason } => Err(Box::new(ToolError {
                error_type: ErrorType::ConnectionError,
                message: format!(
                    "`{}` could not reach the backend at {} ({reason}).",
                    tool.name.as_str(),
                    origin_of(&inner.base_url)
                ),
                details: json!({"endpoint": endpoint, "attempts": sent.attempts}),
                suggestions: vec![
                    "Check that the backend is running and reachable from restmcp (--base-url)"
                        .to_owned(),
                    "Try again in a moment; restmcp already retried".to_owned(),
                ],
                status_code: None,
            })),
        };
        let result = match result {
            Ok(result) => result,
            Err(mut error) => {
                if error.error_type == ErrorType::AuthenticationError {
                    let hints = inner.outbound.hints_for_401(tool);
                    if let Some(first) = hints.first() {
                        error.message = format!("{} {first}.", error.message);
                    }
                    error.suggestions.splice(0..0, hints);
                }
                audit.error_type = Some(error.error_type);
                self.redacted(*error).into_result()
            }
        };
        audit.log(started);
        Some(result)
    }

    fn redacted(&self, mut error: ToolError) -> ToolError {
        let redactor = &self.inner.redactor;
        if redactor.is_empty() {
            return error;
        }
        error.message = redactor.redact(&error.message);
        error.suggestions = error
            .suggestions
            .iter()
            .map(|s| redactor.redact(s))
            .collect();
        let details = redactor.redact(&error.details.to_string());
        error.details = serde_json::from_str(&details).unwrap_or(Value::Null);
        error
    }
}

fn timeout_suggestions(tool: &ToolDef) -> Vec<String> {
    if tool.binding.method.is_idempotent() {
        vec![
            "Try again; if it keeps timing out the backend is overloaded or the request too large"
                .to_owned(),
            "Ask for less (paging or filter arguments) if the tool has them".to_owned(),
        ]
    } else {
        vec![format!(
            "The backend may have made the change before timing out: check (e.g. with a list or get tool) before calling `{}` again",
            tool.name.as_str()
        )]
    }
}

/// `scheme://host:port` of the base URL (no path, no credentials).
fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The caller's user id when the call carries one: an `X-User-ID` header
/// argument or a `user_id` parameter.
fn user_id(tool: &ToolDef, arguments: &Map<String, Value>) -> Option<String> {
    tool.binding
        .args
        .iter()
        .filter(|a| {
            (a.location == ParamLocation::Header && a.name.eq_ignore_ascii_case("x-user-id"))
                || (a.location != ParamLocation::Header && a.name == "user_id")
        })
        .find_map(|a| arguments.get(&a.arg))
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
}

/// One audit record per call (target `restmcp::audit`).
struct Audit<'a> {
    request_id: &'a str,
    tool: &'a str,
    method: &'a str,
    endpoint: &'a str,
    user_id: Option<&'a str>,
    status_code: Option<u16>,
    attempts: u32,
    error_type: Option<ErrorType>,
    /// The client cancelled the call (no result was sent).
    cancelled: bool,
}

impl Audit<'_> {
    fn log(&self, started: Instant) {
        tracing::info!(
            target: "restmcp::audit",
            request_id = self.request_id,
            tool = self.tool,
            method = self.method,
            endpoint = self.endpoint,
            status_code = self.status_code,
            user_id = self.user_id,
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            attempt = self.attempts,
            error_type = self.error_type.map(ErrorType::as_str),
            cancelled = self.cancelled,
            "tool call"
        );
    }
}

/// Replaces every configured secret value with `[REDACTED]`.
#[derive(Debug, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Redacts these values, and the credential part of each (`Bearer abc`
    /// leaks as `abc` too). Short ones, under 4 characters, are ignored:
    /// they would blank out ordinary words.
    #[must_use]
    pub fn new(secrets: Vec<String>) -> Self {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .flat_map(|secret| {
                let token = secret
                    .split_once(' ')
                    .map(|(_, token)| token.trim().to_owned());
                std::iter::once(secret).chain(token)
            })
            .filter(|s| s.len() >= 4)
            .collect();
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    /// Nothing to redact.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every secret replaced.
    #[must_use]
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "[REDACTED]");
            }
        }
        out
    }
}

impl ServerHandler for Gateway {
    fn get_info(&self) -> ServerConfig {
        let mut config = ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("restmcp", env!("CARGO_PKG_VERSION")).with_title("restmcp"),
            );
        if let Some(instructions) = &self.inner.instructions {
            config = config.with_instructions(instructions.clone());
        }
        config
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = &self.inner.tools;
        let start = match request.and_then(|r| r.cursor) {
            None => 0,
            Some(cursor) => cursor
                .parse::<usize>()
                .ok()
                .filter(|&n| n < tools.len())
                .ok_or_else(|| {
                    ErrorData::invalid_params(
                        format!(
                            "Invalid cursor `{cursor}`: pass back a `nextCursor` from an earlier tools/list, or none to start over"
                        ),
                        None,
                    )
                })?,
        };
        let end = tools.page_end(start);
        let mut page = ListToolsResult::with_all_items(tools.page(start..end));
        page.next_cursor = (end < tools.len()).then(|| end.to_string());
        Ok(page)
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.inner
            .tools
            .get(name)
            .map(|tool| tool.called_tool().clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(served) = self.inner.tools.get(request.name.as_ref()) else {
            let close = self.inner.tools.similar(request.name.as_ref());
            let hint = if close.is_empty() {
                "call tools/list to see the tools".to_owned()
            } else {
                format!(
                    "did you mean {}?",
                    close
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(ErrorData::invalid_params(
                format!("Unknown tool `{}`: {hint}", request.name),
                None,
            ));
        };
        let arguments = request.arguments.unwrap_or_default();
        let caller = Caller::of(&context).or(self.inner.caller.as_ref());
        match self.call(served, arguments, caller, &context.ct).await {
            Some(result) => Ok(result.into()),
            None => Err(ErrorData::internal_error(
                "The call was cancelled by the client",
                None,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_replaces_longest_first() {
        let r = Redactor::new(vec![
            "abc".into(),
            "secret-token".into(),
            "secret-token-long".into(),
        ]);
        let bearer = Redactor::new(vec!["Bearer 0123456789".into()]);
        assert_eq!(
            bearer.redact("a Bearer 0123456789 b 0123456789"),
            "a [REDACTED] b [REDACTED]"
        );
        assert_eq!(
            r.redact("x secret-token-long y secret-token abc"),
            "x [REDACTED] y [REDACTED] abc"
        );
    }
}
