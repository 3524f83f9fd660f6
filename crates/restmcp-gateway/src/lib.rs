//! The gateway: serves a [`restmcp_catalog::Catalog`]'s tools over MCP and
//! proxies every call to the HTTP backend.
//!
//! Owns: the MCP server ([`Gateway`], an rmcp `ServerHandler` written by
//! hand over the catalog), the transports ([`serve_stdio`], [`HttpServer`]),
//! argument validation, building the backend request from each tool's
//! binding, retries and timeouts, mapping answers to tool results, the error
//! taxonomy ([`ErrorType`]), audit logging with secret redaction, and
//! launching a FastAPI app under uvicorn ([`AppProcess`]), and inbound auth
//! for the HTTP transport ([`InboundAuth`]).
//! Does not own: reading OpenAPI (it never sees the document) or the
//! command line.
//!
//! Modules, in the order a call flows through them: `server` (the handler),
//! `table` (the tools, kept compact),
//! `validate`, `request`, `backend` (send + retry), `response`, `errors`;
//! `transport` and `launch` around them; `inbound` (who may call over
//! HTTP) and `caller` (who is calling) in front of the handler.
#![deny(missing_docs)]

mod backend;
mod caller;
mod errors;
mod inbound;
mod launch;
mod outbound;
mod request;
mod response;
mod server;
mod table;
mod transport;
mod validate;

use std::net::SocketAddr;

pub use crate::backend::RetryPolicy;
pub use crate::caller::Caller;
pub use crate::errors::{ErrorType, FieldProblem, ToolError};
pub use crate::inbound::{
    InboundAuth, InboundError, KEY_MAX_AGE, KEY_REFRESH_INTERVAL, MIN_TOKEN_CHARS, OAuthConfig,
    OAuthVerifier, Reason, Rejection, StaticTokens, TokenSource,
};
pub use crate::launch::{AppLaunch, AppProcess};
pub use crate::outbound::{
    AuthConfigError, BackendAuth, BearerToken, MIN_SERVICE_TOKEN_CHARS, Secret, ServiceAuth,
};
pub use crate::server::{Gateway, GatewayConfig, Redactor};
pub use crate::transport::{HttpOptions, HttpServer, serve_stdio};

/// What can stop the gateway from starting or serving. (A failing tool call
/// is never an `Error`: it is a tool result with `isError`.)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configured backend header has an invalid name.
    #[error("Invalid backend header name `{name}`: use letters, digits and `-`, e.g. `X-Api-Key`")]
    InvalidHeader {
        /// The name given.
        name: String,
    },
    /// A configured backend header's value cannot be sent.
    #[error(
        "The value of backend header `{name}` cannot be sent over HTTP (only visible ASCII, no line breaks); check the environment variable it comes from"
    )]
    InvalidHeaderValue {
        /// The header's name (never the value: it may be a secret).
        name: String,
    },
    /// The HTTP client could not be built.
    #[error("Failed to set up the HTTP client for the backend: {0}")]
    Client(String),
    /// The listening address is taken or not allowed.
    #[error("Failed to listen on {addr}: {source}; choose another --port or --host")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The app could not be started.
    #[error("Failed to start the app: {message}")]
    Launch {
        /// What went wrong and what to do.
        message: String,
    },
    /// The backend credentials are misconfigured.
    #[error(transparent)]
    Auth(#[from] AuthConfigError),
    /// The MCP transport failed.
    #[error("The MCP transport failed: {0}")]
    Transport(String),
}
