//! The two ways the gateway is reached: stdio (one client, MCP on
//! stdin/stdout) and Streamable HTTP (many clients; sessions for the
//! 2025-11-25 era unless stateless; 2026-07-28 requests are served
//! statelessly either way — rmcp handles both eras per request).
//!
//! Owns: the axum router (`/mcp`, `/healthz`, `/readyz`, and with OAuth the
//! RFC 9728 metadata), Host and Origin allow-lists, the request body limit,
//! where inbound auth sits, and shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use rmcp::service::ServerInitializeError;
use rmcp::transport::stdio;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServerHandler, ServiceExt as _};
use tokio_util::sync::CancellationToken;

use crate::inbound::{self, InboundAuth};
use crate::{Error, Gateway};

/// Serves MCP on stdin/stdout until stdin closes or `shutdown` fires.
pub async fn serve_stdio(gateway: Gateway, shutdown: CancellationToken) -> Result<(), Error> {
    let running = match gateway.serve_with_ct(stdio(), shutdown.child_token()).await {
        Ok(running) => running,
        // stdin closed before the first message: nothing to serve.
        Err(ServerInitializeError::ConnectionClosed(_)) => return Ok(()),
        Err(error) => return Err(Error::Transport(error.to_string())),
    };
    running
        .waiting()
        .await
        .map_err(|e| Error::Transport(e.to_string()))?;
    Ok(())
}

/// A session `DELETE` answers 204 rather than rmcp's 202: clients (the
/// Python SDK among them) expect 200 or 204 and log 202 as a failure.
async fn session_delete_no_content(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let is_delete = request.method() == axum::http::Method::DELETE;
    let mut response = next.run(request).await;
    if is_delete && response.status() == StatusCode::ACCEPTED {
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    response
}

/// Settings of the HTTP transport.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The MCP endpoint's path, e.g. `/mcp`.
    pub path: String,
    /// No sessions; plain JSON answers where the protocol allows.
    pub stateless: bool,
    /// Host header values accepted (besides the loopback names).
    pub allowed_hosts: Vec<String>,
    /// Origin header values accepted (besides loopback origins), e.g.
    /// `https://app.example.com`.
    pub allowed_origins: Vec<String>,
    /// Largest request body accepted.
    pub max_request_bytes: usize,
    /// Who may call the MCP endpoint; `None` lets anyone who reaches it in
    /// (fine on loopback only).
    pub auth: Option<Arc<InboundAuth>>,
}

/// A bound HTTP listener: [`HttpServer::local_addr`] tells the port when
/// port 0 was asked for.
pub struct HttpServer {
    listener: tokio::net::TcpListener,
    router: Router,
}

impl HttpServer {
    /// Binds and builds the router (nothing is served until [`Self::run`]).
    pub async fn bind(
        gateway: Gateway,
        options: &HttpOptions,
        shutdown: &CancellationToken,
    ) -> Result<Self, Error> {
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|source| Error::Bind {
                addr: options.addr,
                source,
            })?;
        let mcp = mcp_router(gateway.clone(), options, shutdown);
        let ready = gateway.clone();
        let router = mcp.route("/healthz", get(|| async { "ok\n" })).route(
            "/readyz",
            get(move || {
                let gateway = ready.clone();
                async move {
                    if gateway.backend_ready().await {
                        (StatusCode::OK, "ready\n")
                    } else {
                        (StatusCode::SERVICE_UNAVAILABLE, "backend not answering\n")
                    }
                }
            }),
        );
        Ok(Self { listener, router })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        self.listener
            .local_addr()
            .map_err(|e| Error::Transport(e.to_string()))
    }

    /// Serves until `shutdown` fires.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), Error> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await
            .map_err(|e| Error::Transport(e.to_string()))
    }
}

/// The MCP endpoint with its layers (and, with OAuth, the metadata routes),
/// for any handler: the gateway in production, small handlers in tests.
fn mcp_router<H>(handler: H, options: &HttpOptions, shutdown: &CancellationToken) -> Router
where
    H: ServerHandler + Clone + Send + Sync + 'static,
{
    let mut hosts: Vec<String> = vec![
        "localhost".into(),
        "127.0.0.1".into(),
        "::1".into(),
        "[::1]".into(),
    ];
    hosts.extend(options.allowed_hosts.iter().cloned());
    if !options.addr.ip().is_unspecified() && !options.addr.ip().is_loopback() {
        hosts.push(options.addr.ip().to_string());
    }
    let mut origins: Vec<String> = ["http://localhost", "http://127.0.0.1", "http://[::1]"]
        .iter()
        .map(|o| format!("{o}:*"))
        .collect();
    origins.extend(options.allowed_origins.iter().cloned());
    let config = StreamableHttpServerConfig::default()
        .with_cancellation_token(shutdown.child_token())
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        .with_legacy_session_mode(!options.stateless)
        .with_json_response(options.stateless)
        .with_max_request_body_bytes(options.max_request_bytes);
    let path = if options.path.starts_with('/') {
        options.path.clone()
    } else {
        format!("/{}", options.path)
    };
    let factory = move || Ok(handler.clone());
    let mcp: Router = if options.stateless {
        Router::new().nest_service(
            &path,
            StreamableHttpService::new(factory, Arc::new(NeverSessionManager::default()), config),
        )
    } else {
        Router::new().nest_service(
            &path,
            StreamableHttpService::new(factory, Arc::new(LocalSessionManager::default()), config),
        )
    };
    let mcp = mcp.layer(axum::middleware::from_fn(session_delete_no_content));
    match &options.auth {
        None => mcp,
        // Outermost on the MCP route only: a request without a valid token
        // never reaches rmcp (no session is created for it), while /healthz,
        // /readyz and the metadata document, added after, stay open.
        Some(auth) => mcp
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(auth),
                inbound::require_caller,
            ))
            .merge(inbound::metadata_routes(auth, &path)),
    }
}

#[cfg(test)]
mod tests {
    //! That the [`Caller`](crate::Caller) the inbound layer attaches reaches
    //! the MCP handler through rmcp, in every way a request can arrive:
    //! inside a legacy session, stateless, and as a per-request 2026-07-28
    //! message in either server mode.

    use rmcp::model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ServerCapabilities,
    };
    use rmcp::service::RequestContext;
    use rmcp::{ErrorData, RoleServer};

    use super::*;
    use crate::inbound::{StaticTokens, TokenSource};

    const TOKEN: &str = "alice-token-0123456789abcdefghijklmnop";
    /// The headers a 2026-07-28 client sends with a tool call.
    const MODERN: &[(&str, &str)] = &[
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", "whoami"),
    ];

    /// Answers every tool call with the caller it sees.
    #[derive(Clone)]
    struct WhoAmI;

    impl ServerHandler for WhoAmI {
        fn get_info(&self) -> rmcp::model::ServerConfig {
            rmcp::model::ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
        }

        async fn call_tool(
            &self,
            _request: CallToolRequestParams,
            context: RequestContext<RoleServer>,
        ) -> Result<CallToolResponse, ErrorData> {
            let seen = crate::Caller::of(&context).map_or_else(
                || "caller=<none>".to_owned(),
                |c| format!("caller={}", c.id),
            );
            Ok(CallToolResult::success(vec![ContentBlock::text(seen)]).into())
        }
    }

    async fn serve(stateless: bool) -> String {
        let tokens = StaticTokens::parse(
            &format!("alice {TOKEN}"),
            &TokenSource::Env("RESTMCP_AUTH_TOKENS".into()),
        )
        .expect("mapping");
        let options = HttpOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            path: "/mcp".into(),
            stateless,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_request_bytes: 1 << 20,
            auth: Some(Arc::new(InboundAuth::tokens(tokens))),
        };
        let shutdown = CancellationToken::new();
        let router = mcp_router(WhoAmI, &options, &shutdown);
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        format!("http://{addr}/mcp")
    }

    async fn post(
        url: &str,
        body: serde_json::Value,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = reqwest::Client::new()
            .post(url)
            .bearer_auth(TOKEN)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request")
    }

    fn call(id: u32) -> serde_json::Value {
        serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "whoami", "arguments": {}}})
    }

    fn modern_call(id: u32) -> serde_json::Value {
        serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "whoami", "arguments": {}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "0"},
        }}})
    }

    async fn seen(response: reqwest::Response) -> String {
        let status = response.status();
        let body = response.text().await.expect("body");
        assert_eq!(status, 200, "{body}");
        body
    }

    #[tokio::test]
    async fn caller_reaches_the_handler_in_a_legacy_session() {
        let url = serve(false).await;
        let init = post(
            &url,
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "test", "version": "0"}}}),
            &[],
        )
        .await;
        let session = init
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .expect("a session id")
            .to_owned();
        seen(init).await;
        let version = ("mcp-protocol-version", "2025-11-25");
        let initialized = post(
            &url,
            serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            &[("mcp-session-id", &session), version],
        )
        .await;
        assert!(initialized.status().is_success());
        let body = seen(post(&url, call(2), &[("mcp-session-id", &session), version]).await).await;
        assert!(body.contains("caller=alice"), "{body}");
        // The session's later requests carry their own request's caller,
        // not the one that opened the session.
        let body = seen(post(&url, modern_call(3), MODERN).await).await;
        assert!(body.contains("caller=alice"), "{body}");
    }

    #[tokio::test]
    async fn caller_reaches_the_handler_when_stateless() {
        let url = serve(true).await;
        let body = seen(post(&url, call(1), &[("mcp-protocol-version", "2025-11-25")]).await).await;
        assert!(body.contains("caller=alice"), "{body}");
        let body = seen(post(&url, modern_call(2), MODERN).await).await;
        assert!(body.contains("caller=alice"), "{body}");
    }

    #[tokio::test]
    async fn no_token_no_session() {
        let url = serve(false).await;
        let response = reqwest::Client::new()
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(call(1).to_string())
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 401);
        assert!(response.headers().get("mcp-session-id").is_none());
    }
}
