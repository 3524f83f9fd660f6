//! Loading `Source::Url` against a minimal HTTP/1.1 server started in the
//! test: documents by URL, the `/openapi.json` fallback, YAML over HTTP, and
//! the errors for error statuses, refused connections and silent servers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use restmcp_spec::{Error, LoadOptions, Origin, Source, SourceVersion, Spec};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::contract::violations;

/// What the server answers for one path (any other path gets a 404).
struct Route {
    path: &'static str,
    status: u16,
    content_type: &'static str,
    body: String,
}

fn route(
    path: &'static str,
    status: u16,
    content_type: &'static str,
    body: impl Into<String>,
) -> Route {
    Route {
        path,
        status,
        content_type,
        body: body.into(),
    }
}

/// A running server: its base URL (`http://127.0.0.1:PORT`, no slash) and
/// the request paths it has seen, in order.
struct Server {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// Serves `routes` on a free port for the rest of the test: reads a request
/// head, answers by path and closes the connection.
async fn serve(routes: Vec<Route>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (routes, log) = (Arc::new(routes), seen.clone());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (routes, log) = (routes.clone(), log.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut chunk = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                log.lock().unwrap().push(path.clone());
                let (status, content_type, body) = match routes.iter().find(|r| r.path == path) {
                    Some(r) => (r.status, r.content_type, r.body.as_str()),
                    None => (404, "application/json", r#"{"detail": "Not Found"}"#),
                };
                let reason = match status {
                    200 => "OK",
                    404 => "Not Found",
                    500 => "Internal Server Error",
                    _ => "Whatever",
                };
                let answer = format!(
                    "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Server { base, seen }
}

const DOC_30: &str = r#"{"openapi": "3.0.3", "info": {"title": "Served", "version": "1"},
  "servers": [{"url": "/api/v1"}],
  "paths": {"/todos": {"get": {"responses": {"200": {"description": "ok",
    "content": {"application/json": {"schema": {"type": "string", "nullable": true}}}}}}}}}"#;

const DOC_NO_SERVERS: &str =
    r#"{"openapi": "3.1.0", "info": {"title": "FastAPI", "version": "0.1.0"}, "paths": {}}"#;

async fn load_url(url: &str) -> Result<Spec, Error> {
    let spec = restmcp_spec::load(&Source::Url(url.to_owned()), &LoadOptions::default()).await?;
    let found = violations(&spec.document);
    assert!(found.is_empty(), "{url} breaks the contract: {found:#?}");
    Ok(spec)
}

fn origin(url: &str) -> Origin {
    Origin::Url(::url::Url::parse(url).unwrap())
}

#[tokio::test]
async fn a_url_to_a_document_loads() {
    let server = serve(vec![route(
        "/specs/api.json",
        200,
        "application/json",
        DOC_30,
    )])
    .await;
    let url = format!("{}/specs/api.json", server.base);
    let spec = load_url(&url).await.unwrap();
    assert_eq!(spec.origin, origin(&url));
    assert_eq!(spec.source_version, SourceVersion::OpenApi30);
    assert_eq!(
        spec.document["paths"]["/todos"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"],
        json!({"type": ["string", "null"]})
    );
    // A relative server is resolved against the document's URL.
    assert_eq!(
        spec.base_url().map(String::from),
        Some(format!("{}/api/v1", server.base))
    );
    // It was a document: no fallback was tried.
    assert_eq!(server.seen(), ["/specs/api.json"]);
}

#[tokio::test]
async fn a_base_url_answering_404_falls_back_to_openapi_json() {
    let server = serve(vec![route(
        "/openapi.json",
        200,
        "application/json",
        DOC_NO_SERVERS,
    )])
    .await;
    let spec = load_url(&server.base).await.unwrap();
    assert_eq!(spec.title(), Some("FastAPI"));
    assert_eq!(
        spec.origin,
        origin(&format!("{}/openapi.json", server.base))
    );
    assert_eq!(server.seen(), ["/", "/openapi.json"]);
    // No servers means `/` of where the document came from.
    assert_eq!(
        spec.base_url().map(String::from),
        Some(format!("{}/", server.base))
    );
}

#[tokio::test]
async fn a_base_url_answering_html_falls_back_to_openapi_json() {
    let page = "<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>";
    let server = serve(vec![
        route("/", 200, "text/html; charset=utf-8", page),
        route("/openapi.json", 200, "application/json", DOC_NO_SERVERS),
    ])
    .await;
    let spec = load_url(&format!("{}/", server.base)).await.unwrap();
    assert_eq!(
        spec.origin,
        origin(&format!("{}/openapi.json", server.base))
    );
    assert_eq!(server.seen(), ["/", "/openapi.json"]);
}

#[tokio::test]
async fn a_yaml_document_over_http_loads() {
    let yaml = "swagger: '2.0'\ninfo:\n  title: YAML over HTTP\n  version: '1'\nbasePath: /v2\npaths:\n  /ping:\n    get:\n      responses:\n        200:\n          description: pong\n";
    let server = serve(vec![route("/swagger.yaml", 200, "application/yaml", yaml)]).await;
    let spec = load_url(&format!("{}/swagger.yaml", server.base))
        .await
        .unwrap();
    assert_eq!(spec.title(), Some("YAML over HTTP"));
    assert_eq!(spec.source_version, SourceVersion::Swagger2);
    assert_eq!(
        spec.document["paths"]["/ping"]["get"]["responses"]["200"]["description"],
        "pong"
    );
    // `basePath` without `host`: the API is on the server that served the document.
    assert_eq!(
        spec.base_url().map(String::from),
        Some(format!("{}/v2", server.base))
    );
}

#[tokio::test]
async fn a_server_error_names_the_status() {
    let server = serve(vec![route(
        "/openapi.json",
        500,
        "text/plain",
        "Internal Server Error",
    )])
    .await;
    let url = format!("{}/openapi.json", server.base);
    let err = load_url(&url).await.unwrap_err();
    assert!(matches!(err, Error::NoDocumentAtUrl { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&format!("`{url}` (HTTP 500")), "{message}");
    // The URL already names `/openapi.json`: nothing else to try.
    assert_eq!(server.seen(), ["/openapi.json"]);
}

#[tokio::test]
async fn a_base_url_without_a_document_lists_what_each_url_answered() {
    let server = serve(vec![route(
        "/",
        200,
        "application/json",
        r#"{"message": "Hello World"}"#,
    )])
    .await;
    let err = load_url(&server.base).await.unwrap_err();
    assert!(matches!(err, Error::NoDocumentAtUrl { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("keys `message`"), "{message}");
    assert!(
        message.contains(&format!("`{}/openapi.json` (HTTP 404", server.base)),
        "{message}"
    );
}

#[tokio::test]
async fn broken_json_over_http_names_the_url_and_position() {
    let server = serve(vec![route(
        "/openapi.json",
        200,
        "application/json",
        "{\"openapi\": \"3.1.0\",\n  \"info\": }",
    )])
    .await;
    let url = format!("{}/openapi.json", server.base);
    let err = load_url(&url).await.unwrap_err();
    assert!(matches!(err, Error::InvalidJson { line: 2, .. }), "{err:?}");
    assert!(err.to_string().contains(&url), "{err}");
}

#[tokio::test]
async fn an_unreachable_url_fails_quickly_naming_it() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/openapi.json");
    let options = LoadOptions {
        timeout: Some(Duration::from_secs(20)),
        ..LoadOptions::default()
    };
    let started = Instant::now();
    let err = restmcp_spec::load(&Source::Url(url.clone()), &options)
        .await
        .unwrap_err();
    // A refused connection is reported as such, not after the time limit.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(matches!(err, Error::Fetch { .. }), "{err:?}");
    assert!(err.to_string().contains(&format!("`{url}`")), "{err}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    // Connections queue in the backlog but are never accepted or answered.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/openapi.json", silent.local_addr().unwrap());
    let options = LoadOptions {
        timeout: Some(Duration::from_millis(300)),
        ..LoadOptions::default()
    };
    let result = tokio::time::timeout(
        Duration::from_secs(20),
        restmcp_spec::load(&Source::Url(url.clone()), &options),
    )
    .await
    .expect("the load ignored its timeout");
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("Timed out"), "{message}");
    assert!(message.contains(&url), "{message}");
    drop(silent);
}
