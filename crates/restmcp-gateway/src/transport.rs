//! The two ways the gateway is reached: stdio (one client, MCP on
//! stdin/stdout) and Streamable HTTP (many clients; sessions for the
//! 2025-11-25 era unless stateless; 2026-07-28 requests are served
//! statelessly either way — rmcp handles both eras per request).
//!
//! Owns: the axum router (`/mcp`, `/healthz`, `/readyz`), Host and Origin
//! allow-lists, the request body limit, and shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use rmcp::ServiceExt as _;
use rmcp::service::ServerInitializeError;
use rmcp::transport::stdio;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

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
        let factory = {
            let gateway = gateway.clone();
            move || Ok(gateway.clone())
        };
        let mcp: Router = if options.stateless {
            Router::new().nest_service(
                &path,
                StreamableHttpService::new(
                    factory,
                    Arc::new(NeverSessionManager::default()),
                    config,
                ),
            )
        } else {
            Router::new().nest_service(
                &path,
                StreamableHttpService::new(
                    factory,
                    Arc::new(LocalSessionManager::default()),
                    config,
                ),
            )
        };
        let mcp = mcp.layer(axum::middleware::from_fn(session_delete_no_content));
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
