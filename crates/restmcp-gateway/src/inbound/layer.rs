//! The HTTP side of inbound auth: the middleware on the MCP route (bearer
//! token in, [`Caller`](crate::Caller) into the request's extensions, or a
//! 401/403 with its `WWW-Authenticate` challenge) and the RFC 9728 metadata
//! routes.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;

use super::{InboundAuth, Reason, Rejection};

/// Lets a request through only with a bearer token that proves a caller,
/// and attaches that [`Caller`](crate::Caller) for the handler
/// ([`Caller::of`](crate::Caller::of)).
pub(crate) async fn require_caller(
    State(auth): State<Arc<InboundAuth>>,
    mut request: Request,
    next: Next,
) -> Response {
    let outcome = match bearer_token(request.headers()) {
        Ok(token) => auth.authenticate(token).await,
        Err(rejection) => Err(rejection),
    };
    match outcome {
        Ok(caller) => {
            tracing::debug!(caller = caller.id.as_str(), "inbound caller authenticated");
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(rejection) => {
            match &rejection {
                Rejection::Missing => {
                    tracing::info!(reason = "missing", "inbound request without a bearer token");
                }
                Rejection::InvalidToken(reason) => {
                    tracing::warn!(reason = reason.as_str(), "inbound authentication failed");
                }
                Rejection::InsufficientScope { .. } => {
                    tracing::warn!(
                        reason = "insufficient_scope",
                        "inbound token lacks a required scope"
                    );
                }
            }
            reject(&auth, &rejection)
        }
    }
}

/// The token of `Authorization: Bearer <token>`.
fn bearer_token(headers: &HeaderMap) -> Result<&str, Rejection> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(Rejection::Missing);
    };
    if values.next().is_some() {
        return Err(Rejection::InvalidToken(Reason::NotBearer));
    }
    let value = value
        .to_str()
        .map_err(|_| Rejection::InvalidToken(Reason::NotBearer))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(Rejection::InvalidToken(Reason::NotBearer))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(Rejection::InvalidToken(Reason::NotBearer));
    }
    Ok(token)
}

fn reject(auth: &InboundAuth, rejection: &Rejection) -> Response {
    let mut challenge = String::from("Bearer realm=\"restmcp\"");
    let (status, error, description) = match rejection {
        Rejection::Missing => (StatusCode::UNAUTHORIZED, None, None),
        Rejection::InvalidToken(reason) => (
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
            Some(reason.description()),
        ),
        Rejection::InsufficientScope { .. } => (
            StatusCode::FORBIDDEN,
            Some("insufficient_scope"),
            Some("The access token lacks a scope this resource requires"),
        ),
    };
    if let Some(error) = error {
        challenge.push_str(&format!(", error=\"{error}\""));
    }
    if let Some(description) = description {
        challenge.push_str(&format!(", error_description=\"{description}\""));
    }
    if let Rejection::InsufficientScope { required } = rejection {
        challenge.push_str(&format!(", scope=\"{}\"", required.join(" ")));
    }
    if let Some(verifier) = auth.oauth_verifier() {
        challenge.push_str(&format!(
            ", resource_metadata=\"{}\"",
            verifier.metadata_url()
        ));
    }
    let body = serde_json::json!({
        "error": error.unwrap_or("unauthorized"),
        "error_description": description.unwrap_or("A bearer token is required"),
    });
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match HeaderValue::from_str(&challenge) {
        Ok(value) => {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        Err(_) => {
            // Only a scope or URL with characters a header cannot carry gets
            // here; the bare challenge still tells the client to authenticate.
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"restmcp\""),
            );
        }
    }
    response
}

/// RFC 9728 metadata at `/.well-known/oauth-protected-resource`, with the
/// MCP path appended (what clients derive from the endpoint URL) and with
/// the resource URI's own path appended (what `resource_metadata` names);
/// none in token mode.
pub(crate) fn metadata_routes(auth: &InboundAuth, mcp_path: &str) -> Router {
    let Some(verifier) = auth.oauth_verifier() else {
        return Router::new();
    };
    let body = verifier.metadata().to_string();
    let base = "/.well-known/oauth-protected-resource";
    let mut paths = vec![base.to_owned()];
    let suffixed = format!("{base}{}", mcp_path.trim_end_matches('/'));
    paths.push(suffixed);
    if let Some(path) = verifier
        .metadata_url()
        .find(base)
        .map(|at| &verifier.metadata_url()[at..])
    {
        paths.push(path.to_owned());
    }
    paths.sort();
    paths.dedup();
    let mut router = Router::new();
    for path in paths {
        let body = body.clone();
        router = router.route(
            &path,
            get(move || {
                let body = body.clone();
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "application/json"),
                            (header::CACHE_CONTROL, "max-age=300"),
                        ],
                        body,
                    )
                }
            }),
        );
    }
    router
}
