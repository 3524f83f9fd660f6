//! The trivial fast backend: `GET /ping` answers a small JSON object. Run as
//! a separate process (`restmcp-gateway-bench ping-server`) so that it does
//! not share a runtime with the load generator; it prints its port on stdout.
//! Any other path and method gets the same answer.

use std::io::Write as _;

use axum::Router;
use axum::routing::get;

/// The OpenAPI document restmcp is given for the ping backend.
pub fn openapi(base_url: &str) -> serde_json::Value {
    serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "Ping", "version": "1.0.0"},
        "servers": [{"url": base_url}],
        "paths": {
            "/ping": {
                "get": {
                    "operationId": "ping",
                    "summary": "Answer a small JSON object",
                    "responses": {
                        "200": {
                            "description": "Pong",
                            "content": {"application/json": {"schema": {
                                "type": "object",
                                "properties": {
                                    "ok": {"type": "boolean"},
                                    "service": {"type": "string"},
                                    "version": {"type": "integer"}
                                },
                                "required": ["ok", "service", "version"]
                            }}}
                        }
                    }
                }
            }
        }
    })
}

pub fn main() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{port}")?;
            out.flush()?;
        }
        // Every other path answers the same (the schema-size test points
        // restmcp's GitHub tools here).
        let pong = || async {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                r#"{"ok":true,"service":"ping","version":1}"#,
            )
        };
        let app = Router::new().route("/ping", get(pong)).fallback(pong);
        axum::serve(listener, app).await
    })
}
