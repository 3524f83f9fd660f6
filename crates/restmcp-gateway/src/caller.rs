//! Who is calling: the identity inbound auth established for one MCP request
//! (HTTP: a static bearer token or an OAuth access token) or the one the
//! operator configured (stdio: `--user-id`).
//!
//! Owns: [`Caller`] and how a tool call finds it. The HTTP layer puts a
//! `Caller` into the request's extensions; rmcp hands the request's
//! `http::request::Parts` to the handler, where [`Caller::of`] reads it back.

use std::fmt;

use rmcp::RoleServer;
use rmcp::service::RequestContext;

/// An authenticated caller.
#[derive(Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller id: a token file's name for the token, or the JWT's
    /// identity claim (default `sub`). Sent to the backend as `X-User-ID`
    /// (pattern 4) or injected as its user id parameter (pattern 1).
    pub id: String,
    /// The inbound bearer token. Kept only so the explicit `passthrough`
    /// option can forward it; never logged (its `Debug` is redacted).
    pub token: Option<String>,
    /// Scopes the token carries (OAuth mode), for the audit trail.
    pub scopes: Vec<String>,
}

impl Caller {
    /// A caller known by id alone (stdio `--user-id`).
    #[must_use]
    pub fn local(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            token: None,
            scopes: Vec::new(),
        }
    }

    /// The caller the HTTP layer attached to this request, if any.
    #[must_use]
    pub fn of(context: &RequestContext<RoleServer>) -> Option<&Self> {
        context
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Self>())
    }
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("id", &self.id)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("scopes", &self.scopes)
            .finish()
    }
}
