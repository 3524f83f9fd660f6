//! Inbound auth for the HTTP transport: who may call restmcp.
//!
//! Owns: [`InboundAuth`] (static bearer tokens, [`StaticTokens`], or an
//! OAuth 2.1 resource server, [`OAuthVerifier`]), the axum middleware that
//! guards the MCP route and attaches the [`Caller`] to each request, the
//! 401/403 answers with their `WWW-Authenticate` challenges, and the RFC 9728
//! metadata routes. Does not own: what a caller may do once in (the tools
//! and the backend credentials), or stdio's `--user-id`.
//!
//! No token ever reaches a log line or an error text: failures are logged
//! by their [`Reason`] alone.

mod layer;
mod oauth;
mod tokens;

pub use self::oauth::{KEY_MAX_AGE, KEY_REFRESH_INTERVAL, OAuthConfig, OAuthVerifier};
pub use self::tokens::{MIN_TOKEN_CHARS, StaticTokens, TokenSource};

pub(crate) use self::layer::{metadata_routes, require_caller};

use crate::Caller;

/// Who may call the HTTP transport.
#[derive(Debug)]
pub struct InboundAuth {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Tokens(StaticTokens),
    // Boxed: built once, and keeps the enum as small as its token twin.
    OAuth(Box<OAuthVerifier>),
}

impl InboundAuth {
    /// Callers prove who they are with a static bearer token.
    #[must_use]
    pub fn tokens(tokens: StaticTokens) -> Self {
        Self {
            kind: Kind::Tokens(tokens),
        }
    }

    /// Callers present OAuth access tokens (JWTs) of one issuer.
    #[must_use]
    pub fn oauth(verifier: OAuthVerifier) -> Self {
        Self {
            kind: Kind::OAuth(Box::new(verifier)),
        }
    }

    /// The OAuth verifier, in OAuth mode.
    #[must_use]
    pub fn oauth_verifier(&self) -> Option<&OAuthVerifier> {
        match &self.kind {
            Kind::OAuth(verifier) => Some(verifier),
            Kind::Tokens(_) => None,
        }
    }

    /// The caller a presented bearer token proves, or why it proves none.
    pub async fn authenticate(&self, token: &str) -> Result<Caller, Rejection> {
        match &self.kind {
            Kind::Tokens(tokens) => tokens
                .caller_of(token)
                .map(|id| Caller {
                    id: id.to_owned(),
                    token: Some(token.to_owned()),
                    scopes: Vec::new(),
                })
                .ok_or(Rejection::invalid(Reason::UnknownToken)),
            Kind::OAuth(verifier) => verifier.verify(token).await,
        }
    }
}

/// Why a request was turned away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// No bearer token at all: 401 with a bare challenge.
    Missing,
    /// A token that proves nothing: 401 `invalid_token`.
    InvalidToken(Reason),
    /// A valid token without every required scope: 403
    /// `insufficient_scope`.
    InsufficientScope {
        /// The scopes the resource requires.
        required: Vec<String>,
    },
}

impl Rejection {
    fn invalid(reason: Reason) -> Self {
        Self::InvalidToken(reason)
    }
}

/// What was wrong with a presented token: logged as its [`Reason::as_str`],
/// told to the client as its [`Reason::description`] (neither holds any
/// part of the token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The `Authorization` header is not `Bearer <token>`.
    NotBearer,
    /// Not a JWT (OAuth mode).
    Malformed,
    /// No static token matches.
    UnknownToken,
    /// Signed with an algorithm other than RS256/ES256 (`none`, HS256, …).
    UnsupportedAlgorithm,
    /// Names a key the issuer does not publish.
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
    /// Past `exp` (beyond the leeway).
    Expired,
    /// Before `nbf` (beyond the leeway).
    NotYetValid,
    /// `aud` does not include this resource.
    WrongAudience,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `exp`, `iss` or `aud` is missing or malformed.
    MissingClaim,
    /// The identity claim is missing or empty.
    NoIdentity,
    /// The issuer's keys could not be fetched.
    KeysUnavailable,
}

impl Reason {
    /// A short stable name, for logs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotBearer => "not_bearer",
            Self::Malformed => "malformed",
            Self::UnknownToken => "unknown_token",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::UnknownKey => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::WrongAudience => "wrong_audience",
            Self::WrongIssuer => "wrong_issuer",
            Self::MissingClaim => "missing_claim",
            Self::NoIdentity => "no_identity",
            Self::KeysUnavailable => "keys_unavailable",
        }
    }

    /// What the client is told (`error_description`).
    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            Self::NotBearer => "The Authorization header must be `Bearer <token>`",
            Self::Malformed => "The access token is not a well-formed JWT",
            Self::UnknownToken => "The bearer token is not valid",
            Self::UnsupportedAlgorithm => "The access token must be signed with RS256 or ES256",
            Self::UnknownKey => "The access token is signed with a key the issuer does not publish",
            Self::BadSignature => "The access token signature is invalid",
            Self::Expired => "The access token has expired",
            Self::NotYetValid => "The access token is not valid yet",
            Self::WrongAudience => "The access token is not meant for this resource",
            Self::WrongIssuer => "The access token comes from another issuer",
            Self::MissingClaim => "The access token lacks exp, iss or aud",
            Self::NoIdentity => "The access token does not name the caller",
            Self::KeysUnavailable => "The issuer's keys cannot be fetched; try again later",
        }
    }
}

/// What stops inbound auth from being set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InboundError {
    /// An entry of the token mapping is wrong.
    #[error("Invalid token mapping {origin}, entry {entry}: {reason}")]
    TokenMapping {
        /// The file or variable.
        origin: String,
        /// The entry's number (its line in a file).
        entry: usize,
        /// What is wrong (never the token).
        reason: String,
    },
    /// The mapping names no caller.
    #[error(
        "The token mapping {origin} names no caller; write one `CALLER_ID TOKEN` per line (make a token with `restmcp token`)"
    )]
    NoTokens {
        /// The file or variable.
        origin: String,
    },
    /// An OAuth setting is wrong.
    #[error("Invalid {setting}: {reason}")]
    OAuthSetting {
        /// The flag.
        setting: &'static str,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The issuer's metadata could not be used to find its keys.
    #[error("Failed to discover the keys of OAuth issuer `{issuer}`: {reason}")]
    Discovery {
        /// The issuer.
        issuer: String,
        /// What went wrong.
        reason: String,
    },
    /// The JWKS could not be fetched or read.
    #[error("Failed to load the OAuth issuer's keys from `{url}`: {reason}")]
    Jwks {
        /// The JWKS URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
}

#[cfg(test)]
mod tests;
