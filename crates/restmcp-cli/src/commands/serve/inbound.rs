//! `serve` flags for who may call restmcp over HTTP (inbound auth): static
//! bearer tokens, or an OAuth 2.1 resource server. Turned into the
//! gateway's inbound auth settings here.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use restmcp_gateway::{InboundAuth, OAuthConfig, OAuthVerifier, StaticTokens, TokenSource};
use url::Url;

use super::Transport;

/// The environment variable that may hold the token mapping itself (there
/// is deliberately no flag for it: command lines are visible to every user
/// of the machine).
const TOKENS_ENV: &str = "RESTMCP_AUTH_TOKENS";

/// Who may call the HTTP transport.
#[derive(Debug, Args)]
pub struct InboundArgs {
    /// Require a bearer token (http): a file of `CALLER_ID TOKEN` lines
    /// (or `CALLER_ID sha256:<hex>`; `#` comments). The mapping itself may
    /// instead be put in $RESTMCP_AUTH_TOKENS (entries separated by newlines
    /// or commas). Make tokens with `restmcp token`.
    #[arg(long, value_name = "PATH", env = "RESTMCP_AUTH_TOKENS_FILE")]
    pub auth_tokens_file: Option<PathBuf>,

    /// Accept OAuth access tokens (JWT, RS256/ES256) from this issuer (http);
    /// its keys are found through its metadata unless --oauth-jwks-url.
    #[arg(long, value_name = "URL", env = "RESTMCP_OAUTH_ISSUER")]
    pub oauth_issuer: Option<String>,
    /// This server's resource URI, the audience tokens must carry: the URL
    /// clients use, e.g. `https://mcp.example.com/mcp`.
    #[arg(long, value_name = "URI", env = "RESTMCP_OAUTH_RESOURCE")]
    pub oauth_resource: Option<String>,
    /// The issuer's JWKS URL (default: discovered from the issuer).
    #[arg(long, value_name = "URL", env = "RESTMCP_OAUTH_JWKS_URL")]
    pub oauth_jwks_url: Option<Url>,
    /// A scope every token must carry (repeatable; the variable takes a
    /// comma-separated list).
    #[arg(
        long = "oauth-scope",
        value_name = "SCOPE",
        env = "RESTMCP_OAUTH_SCOPES",
        value_delimiter = ','
    )]
    pub oauth_scopes: Vec<String>,
    /// The token claim that names the caller.
    #[arg(
        long,
        value_name = "CLAIM",
        env = "RESTMCP_OAUTH_IDENTITY_CLAIM",
        default_value = "sub"
    )]
    pub oauth_identity_claim: String,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "RESTMCP_OAUTH_LEEWAY",
        default_value_t = 60
    )]
    pub oauth_leeway: u64,
}

impl InboundArgs {
    fn tokens_configured(&self) -> bool {
        self.auth_tokens_file.is_some() || tokens_env().is_some()
    }

    fn oauth_configured(&self) -> bool {
        self.oauth_issuer.is_some()
            || self.oauth_resource.is_some()
            || self.oauth_jwks_url.is_some()
            || !self.oauth_scopes.is_empty()
    }

    /// Refuses inbound auth settings the transport cannot use: stdio has
    /// one local caller (`--user-id`), not bearer tokens.
    pub fn check_transport(&self, transport: Transport) -> anyhow::Result<()> {
        if transport == Transport::Stdio && (self.tokens_configured() || self.oauth_configured()) {
            bail!(
                "Bearer tokens and OAuth (--auth-tokens-file, ${TOKENS_ENV}, --oauth-*) apply to --transport http only; over stdio the one caller is named with --user-id"
            );
        }
        Ok(())
    }

    /// The inbound auth of the HTTP transport, `None` when none is
    /// configured. Reads the token mapping, or reaches the OAuth issuer for
    /// its keys (so a wrong issuer stops start-up).
    pub async fn auth(&self) -> anyhow::Result<Option<Arc<InboundAuth>>> {
        if self.tokens_configured() && self.oauth_configured() {
            bail!(
                "Choose one kind of inbound auth: static tokens (--auth-tokens-file or ${TOKENS_ENV}) or OAuth (--oauth-*), not both"
            );
        }
        if self.tokens_configured() {
            return Ok(Some(Arc::new(InboundAuth::tokens(self.tokens()?))));
        }
        if self.oauth_configured() {
            return Ok(Some(Arc::new(InboundAuth::oauth(self.oauth().await?))));
        }
        Ok(None)
    }

    fn tokens(&self) -> anyhow::Result<StaticTokens> {
        let env_text = tokens_env();
        let (text, source) = match (&self.auth_tokens_file, env_text) {
            (Some(_), Some(_)) => {
                bail!("Both --auth-tokens-file and ${TOKENS_ENV} are set; keep one of them")
            }
            (Some(path), None) => {
                warn_if_others_can_read(path);
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!(
                        "Failed to read the token file `{}` given by --auth-tokens-file",
                        path.display()
                    )
                })?;
                (text, TokenSource::File(path.clone()))
            }
            (None, Some(text)) => {
                let text = text.into_string().map_err(|_| {
                    anyhow::anyhow!(
                        "${TOKENS_ENV} is not valid UTF-8; write `CALLER_ID TOKEN` entries"
                    )
                })?;
                (text, TokenSource::Env(TOKENS_ENV.into()))
            }
            (None, None) => bail!("No token mapping given"),
        };
        let tokens = StaticTokens::parse(&text, &source)?;
        tracing::info!(callers = tokens.len(), from = %source, "inbound auth: static bearer tokens");
        Ok(tokens)
    }

    async fn oauth(&self) -> anyhow::Result<OAuthVerifier> {
        let Some(issuer) = &self.oauth_issuer else {
            bail!(
                "The --oauth-* flags need --oauth-issuer, the authorization server whose tokens to accept"
            );
        };
        let Some(resource) = &self.oauth_resource else {
            bail!(
                "--oauth-issuer needs --oauth-resource: the URL clients use to reach this server (the tokens' audience), e.g. `https://mcp.example.com/mcp`"
            );
        };
        let mut config = OAuthConfig::new(issuer.clone(), resource.clone());
        config.jwks_url = self.oauth_jwks_url.clone();
        config.scopes = self
            .oauth_scopes
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        config.identity_claim = self.oauth_identity_claim.clone();
        config.leeway = Duration::from_secs(self.oauth_leeway);
        let verifier = OAuthVerifier::connect(config).await?;
        tracing::info!(
            issuer = issuer.as_str(),
            resource = resource.as_str(),
            metadata = verifier.metadata_url(),
            "inbound auth: OAuth resource server"
        );
        Ok(verifier)
    }
}

/// $RESTMCP_AUTH_TOKENS, unless unset or blank (as clap treats empty
/// variables).
fn tokens_env() -> Option<std::ffi::OsString> {
    std::env::var_os(TOKENS_ENV).filter(|v| !v.to_string_lossy().trim().is_empty())
}

/// A token file others can read leaks every caller's token.
fn warn_if_others_can_read(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o004 != 0
        {
            tracing::warn!(
                path = %path.display(),
                "the token file is readable by every user of this machine; restrict it, e.g. `chmod 600`"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
