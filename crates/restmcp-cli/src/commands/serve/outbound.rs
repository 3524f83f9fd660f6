//! `serve` flags for what the backend gets (outbound auth): the seed's four
//! patterns, credentials for the document's security schemes, and plain
//! extra headers. Every secret is named by reference (`env:NAME`,
//! `file:PATH`; see `secrets`), read here once at start-up.

use std::collections::HashMap;

use anyhow::{Context as _, bail};
use clap::Args;
use restmcp_gateway::{BackendAuth, BearerToken, Secret, ServiceAuth};

use crate::secrets;

/// Credentials and caller identity towards the backend.
#[derive(Debug, Args)]
pub struct OutboundArgs {
    /// Pattern 1 (inject): fill the backend's parameter of this name (e.g.
    /// `user_id` or `X-User-ID`) from the caller id, and remove it from the
    /// tools' arguments. Without it, such a parameter stays an argument.
    #[arg(long, value_name = "PARAM", env = "RESTMCP_INJECT_USER_ID")]
    pub inject_user_id: Option<String>,
    /// Pattern 2: send a session cookie, e.g. `session=env:TODO_SESSION`.
    #[arg(long, value_name = "NAME=SECRET", env = "RESTMCP_SESSION_COOKIE")]
    pub session_cookie: Option<String>,
    /// Pattern 3: send `Authorization: Bearer <token>`, the token read from
    /// `env:NAME` or `file:PATH`.
    #[arg(long, value_name = "SECRET", env = "RESTMCP_BACKEND_BEARER")]
    pub backend_bearer: Option<String>,
    /// Pattern 3, per caller: a map (`env:NAME` or `file:PATH`) with one
    /// `CALLER_ID TOKEN` line per caller; a caller without a line is refused.
    #[arg(
        long,
        value_name = "SECRET",
        env = "RESTMCP_BACKEND_BEARER_MAP",
        conflicts_with = "backend_bearer"
    )]
    pub backend_bearer_map: Option<String>,
    /// Pattern 4, service to service: send `Authorization: Bearer <service
    /// token>` and the caller id in `--user-header`. Calls without a caller
    /// id are refused.
    #[arg(long, env = "RESTMCP_SERVICE_AUTH")]
    pub service_auth: bool,
    /// Where the service token is (at least 32 characters; `restmcp token`
    /// makes one).
    #[arg(
        long,
        value_name = "SECRET",
        env = "RESTMCP_SERVICE_TOKEN",
        default_value = "env:SERVICE_AUTH_TOKEN"
    )]
    pub service_token: String,
    /// The header that carries the caller id in pattern 4.
    #[arg(
        long,
        value_name = "HEADER",
        env = "RESTMCP_USER_HEADER",
        default_value = "X-User-ID"
    )]
    pub user_header: String,
    /// A credential for one of the document's `securitySchemes`
    /// (repeatable), e.g. `api_key=env:TODO_KEY`: an apiKey's value; HTTP
    /// basic `user:password`; HTTP bearer a token; OAuth2 (client
    /// credentials flow) `client_id:client_secret`.
    #[arg(
        long = "security",
        value_name = "SCHEME=SECRET",
        env = "RESTMCP_SECURITY",
        value_delimiter = ','
    )]
    pub security: Vec<String>,
    /// Forward the caller's own inbound bearer token to the backend. Off by
    /// default: the MCP spec forbids token passthrough; restmcp warns at
    /// start-up when it is on.
    #[arg(long, env = "RESTMCP_PASSTHROUGH_TOKEN")]
    pub passthrough_token: bool,
    /// Send this header with every backend request (repeatable), its value
    /// a secret reference: `X-Api-Key=env:TODO_KEY`.
    #[arg(long = "backend-header", value_name = "NAME=SECRET")]
    pub backend_headers: Vec<String>,
}

impl OutboundArgs {
    /// Reads every secret and builds the gateway's settings.
    pub fn backend_auth(&self) -> anyhow::Result<BackendAuth> {
        let session_cookie = self
            .session_cookie
            .as_deref()
            .map(|spec| secrets::read_pair(spec, "--session-cookie", "session=env:TODO_SESSION"))
            .transpose()?;
        let bearer = match (&self.backend_bearer, &self.backend_bearer_map) {
            (Some(reference), _) => Some(BearerToken::Static(secrets::read(
                reference,
                "--backend-bearer",
            )?)),
            (None, Some(reference)) => {
                let map = secrets::read(reference, "--backend-bearer-map")?;
                Some(BearerToken::PerCaller {
                    tokens: bearer_map(&map)?,
                    source: map.source,
                })
            }
            (None, None) => None,
        };
        let service = if self.service_auth {
            Some(ServiceAuth {
                token: secrets::read(&self.service_token, "--service-token")?,
                user_header: self.user_header.clone(),
            })
        } else {
            None
        };
        let schemes = self
            .security
            .iter()
            .map(|spec| secrets::read_pair(spec, "--security", "api_key=env:TODO_KEY"))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(BackendAuth {
            inject_user_id: self.inject_user_id.clone(),
            session_cookie,
            bearer,
            service,
            schemes,
            passthrough: self.passthrough_token,
        })
    }

    /// `--backend-header`s as (name, value).
    pub fn headers(&self) -> anyhow::Result<Vec<(String, String)>> {
        self.backend_headers
            .iter()
            .map(|spec| {
                secrets::read_pair(spec, "--backend-header", "X-Api-Key=env:TODO_KEY")
                    .map(|(name, secret)| (name, secret.value))
            })
            .collect()
    }
}

/// `CALLER_ID TOKEN` lines (blank lines and `#` comments skipped).
fn bearer_map(secret: &Secret) -> anyhow::Result<HashMap<String, String>> {
    let mut tokens = HashMap::new();
    for (n, line) in secret.value.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(caller), Some(token), None) = (words.next(), words.next(), words.next()) else {
            bail!(
                "--backend-bearer-map: line {} of {} is not `CALLER_ID TOKEN`",
                n + 1,
                secret.source
            );
        };
        if tokens.insert(caller.to_owned(), token.to_owned()).is_some() {
            bail!(
                "--backend-bearer-map: caller `{caller}` appears twice in {}; keep one line per caller",
                secret.source
            );
        }
    }
    if tokens.is_empty() {
        return Err(anyhow::anyhow!("no `CALLER_ID TOKEN` lines"))
            .with_context(|| format!("--backend-bearer-map: {} maps no caller", secret.source));
    }
    Ok(tokens)
}
