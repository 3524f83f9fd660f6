//! OAuth 2.1 resource server: checks JWT access tokens (RS256, ES256) issued
//! by one authorization server, against that server's published keys.
//!
//! Owns: [`OAuthConfig`], finding the JWKS (given, or discovered from the
//! issuer's metadata), caching it and refreshing it when a token names an
//! unknown key (at most once per [`KEY_REFRESH_INTERVAL`], so a flood of
//! invented key ids cannot hammer the issuer), the claim checks (`iss`,
//! `aud`, `exp`/`nbf`, scopes, the identity claim) and the RFC 9728
//! protected resource metadata document.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use url::Url;

use super::{InboundError, Reason, Rejection};
use crate::Caller;

/// Least time between two key refreshes caused by unknown key ids.
pub const KEY_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// Keys older than this are fetched again on the next request (a key the
/// issuer withdrew stops being accepted within this time).
pub const KEY_MAX_AGE: Duration = Duration::from_secs(3600);
/// Largest JWKS or metadata document read.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// How long one fetch from the issuer may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The algorithms accepted; never `none`, never HMAC (a shared secret would
/// let anyone holding the JWKS mint tokens).
const ALGORITHMS: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];

/// Settings of the OAuth resource server.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    /// The authorization server's issuer identifier, compared with `iss`
    /// exactly as written.
    pub issuer: String,
    /// This server's resource URI: the audience tokens must carry, and the
    /// `resource` of the metadata document.
    pub resource: String,
    /// Where the issuer's keys are; discovered from the issuer when absent.
    pub jwks_url: Option<Url>,
    /// Scopes every token must carry.
    pub scopes: Vec<String>,
    /// The claim that names the caller (default `sub`).
    pub identity_claim: String,
    /// Clock skew allowed for `exp` and `nbf` (default 60 s).
    pub leeway: Duration,
}

impl OAuthConfig {
    /// Settings with the defaults: no required scope, identity from `sub`,
    /// 60 s leeway, JWKS discovered.
    #[must_use]
    pub fn new(issuer: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            resource: resource.into(),
            jwks_url: None,
            scopes: Vec::new(),
            identity_claim: "sub".into(),
            leeway: Duration::from_secs(60),
        }
    }
}

/// One verification key from the JWKS.
struct Key {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

struct KeySet {
    keys: Vec<Key>,
    fetched_at: Instant,
}

/// Checks access tokens for one issuer and one resource.
pub struct OAuthVerifier {
    config: OAuthConfig,
    jwks_url: Url,
    metadata_url: String,
    http: reqwest::Client,
    keys: RwLock<Arc<KeySet>>,
    /// When the keys were last refreshed after start-up (the start-up fetch
    /// does not count, so a key rotated in just after start is still picked
    /// up); held across the fetch so that concurrent requests wait for one
    /// refresh instead of each starting their own.
    last_refresh: tokio::sync::Mutex<Option<Instant>>,
    fetches: AtomicU64,
}

impl std::fmt::Debug for OAuthVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthVerifier")
            .field("issuer", &self.config.issuer)
            .field("resource", &self.config.resource)
            .field("jwks_url", &self.jwks_url.as_str())
            .finish_non_exhaustive()
    }
}

impl OAuthVerifier {
    /// Checks the settings, finds the JWKS (discovering it from the issuer
    /// when no URL is given) and fetches the keys once, so a wrong issuer or
    /// JWKS URL stops start-up instead of failing every request.
    pub async fn connect(config: OAuthConfig) -> Result<Self, InboundError> {
        let issuer_url = parse_url(&config.issuer, "--oauth-issuer")?;
        let resource_url = parse_url(&config.resource, "--oauth-resource")?;
        if resource_url.fragment().is_some() || resource_url.query().is_some() {
            return Err(InboundError::OAuthSetting {
                setting: "--oauth-resource",
                reason: format!(
                    "`{}` has a query or fragment; a resource URI is the MCP endpoint's URL, e.g. `https://mcp.example.com/mcp`",
                    config.resource
                ),
            });
        }
        if config.identity_claim.trim().is_empty() {
            return Err(InboundError::OAuthSetting {
                setting: "--oauth-identity-claim",
                reason: "it is empty; name the claim that identifies the caller, e.g. `sub`".into(),
            });
        }
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(|e| InboundError::OAuthSetting {
                setting: "--oauth-issuer",
                reason: format!("cannot set up the HTTP client: {e}"),
            })?;
        let jwks_url = match &config.jwks_url {
            Some(url) => {
                check_transport(url, "--oauth-jwks-url")?;
                url.clone()
            }
            None => discover_jwks(&http, &config.issuer, &issuer_url).await?,
        };
        let fetches = AtomicU64::new(0);
        let keys = fetch_keys(&http, &jwks_url, &fetches).await?;
        if keys.keys.is_empty() {
            return Err(InboundError::Jwks {
                url: jwks_url.to_string(),
                reason: "it holds no RS256 or ES256 signing key".into(),
            });
        }
        tracing::info!(
            issuer = config.issuer.as_str(),
            jwks_url = jwks_url.as_str(),
            keys = keys.keys.len(),
            "OAuth resource server: issuer keys loaded"
        );
        Ok(Self {
            metadata_url: metadata_url(&resource_url),
            config,
            jwks_url,
            http,
            keys: RwLock::new(Arc::new(keys)),
            last_refresh: tokio::sync::Mutex::new(None),
            fetches,
        })
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &OAuthConfig {
        &self.config
    }

    /// Where the keys come from.
    #[must_use]
    pub fn jwks_url(&self) -> &Url {
        &self.jwks_url
    }

    /// How many times the JWKS was fetched (start-up included).
    #[must_use]
    pub fn jwks_fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The absolute URL of the metadata document (RFC 9728 §3.1: the
    /// well-known path inserted between the resource's host and its path).
    #[must_use]
    pub fn metadata_url(&self) -> &str {
        &self.metadata_url
    }

    /// The RFC 9728 protected resource metadata document.
    #[must_use]
    pub fn metadata(&self) -> serde_json::Value {
        serde_json::json!({
            "resource": self.config.resource,
            "authorization_servers": [self.config.issuer],
            "scopes_supported": self.config.scopes,
            "bearer_methods_supported": ["header"],
            "resource_name": "restmcp",
        })
    }

    /// Checks an access token; the caller it names, or why not.
    pub async fn verify(&self, token: &str) -> Result<Caller, Rejection> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| Rejection::invalid(Reason::Malformed))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(Rejection::invalid(Reason::UnsupportedAlgorithm));
        }
        let keys = self.keys_for(header.kid.as_deref()).await?;
        let candidates: Vec<&Key> = keys
            .keys
            .iter()
            .filter(|key| match (&header.kid, &key.kid) {
                (Some(wanted), Some(kid)) => wanted == kid,
                (Some(_), None) => false,
                (None, _) => true,
            })
            .collect();
        if candidates.is_empty() {
            return Err(Rejection::invalid(Reason::UnknownKey));
        }
        let mut last = Reason::UnsupportedAlgorithm;
        for key in candidates
            .into_iter()
            .filter(|key| key.algorithm == header.alg)
        {
            match jsonwebtoken::decode::<serde_json::Value>(
                token,
                &key.key,
                &self.validation(header.alg),
            ) {
                Ok(data) => return self.caller(token, &data.claims),
                Err(error) => {
                    last = reason_of(error.kind());
                    if last != Reason::BadSignature {
                        // The signature held: the claims are what failed.
                        break;
                    }
                }
            }
        }
        Err(Rejection::invalid(last))
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.leeway = self.config.leeway.as_secs();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_audience(&[&self.config.resource]);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation
    }

    /// The identity and scopes of verified claims; 403 when a required scope
    /// is missing.
    fn caller(&self, token: &str, claims: &serde_json::Value) -> Result<Caller, Rejection> {
        let id = match claims.get(&self.config.identity_claim) {
            Some(serde_json::Value::String(id)) if !id.is_empty() => id.clone(),
            Some(serde_json::Value::Number(id)) => id.to_string(),
            _ => return Err(Rejection::invalid(Reason::NoIdentity)),
        };
        let scopes = scopes_of(claims);
        let granted: HashSet<&str> = scopes.iter().map(String::as_str).collect();
        if self
            .config
            .scopes
            .iter()
            .any(|scope| !granted.contains(scope.as_str()))
        {
            return Err(Rejection::InsufficientScope {
                required: self.config.scopes.clone(),
            });
        }
        Ok(Caller {
            id,
            token: Some(token.to_owned()),
            scopes,
        })
    }

    /// The current keys, refreshed first when they are old or when `kid` is
    /// not among them (rate-limited).
    async fn keys_for(&self, kid: Option<&str>) -> Result<Arc<KeySet>, Rejection> {
        let current = self.current_keys();
        let knows = |keys: &KeySet| match kid {
            Some(kid) => keys.keys.iter().any(|k| k.kid.as_deref() == Some(kid)),
            None => true,
        };
        let stale = current.fetched_at.elapsed() > KEY_MAX_AGE;
        if knows(&current) && !stale {
            return Ok(current);
        }
        let mut last_refresh = self.last_refresh.lock().await;
        // Another request may have refreshed while this one waited.
        let current = self.current_keys();
        let stale = current.fetched_at.elapsed() > KEY_MAX_AGE;
        if knows(&current) && !stale {
            return Ok(current);
        }
        // Every refresh after start-up counts, a failed one too: an issuer
        // that is down is asked again only once per interval.
        if last_refresh.is_some_and(|at| at.elapsed() < KEY_REFRESH_INTERVAL) {
            tracing::debug!("the issuer's keys were refreshed moments ago; not again yet");
            return Ok(current);
        }
        *last_refresh = Some(Instant::now());
        match fetch_keys(&self.http, &self.jwks_url, &self.fetches).await {
            Ok(fresh) => {
                tracing::info!(
                    jwks_url = self.jwks_url.as_str(),
                    keys = fresh.keys.len(),
                    "OAuth resource server: issuer keys refreshed"
                );
                let fresh = Arc::new(fresh);
                if let Ok(mut slot) = self.keys.write() {
                    *slot = Arc::clone(&fresh);
                }
                Ok(fresh)
            }
            Err(error) => {
                tracing::warn!(error = %error, "OAuth resource server: cannot refresh the issuer's keys; keeping the ones held");
                if stale && knows(&current) {
                    Ok(current)
                } else {
                    Err(Rejection::invalid(Reason::KeysUnavailable))
                }
            }
        }
    }

    fn current_keys(&self) -> Arc<KeySet> {
        match self.keys.read() {
            Ok(keys) => Arc::clone(&keys),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}

/// Scopes from `scope` (a space-separated string, RFC 9068) or `scp` (an
/// array, or a string, as some issuers write it).
fn scopes_of(claims: &serde_json::Value) -> Vec<String> {
    let mut scopes = Vec::new();
    for name in ["scope", "scp"] {
        match claims.get(name) {
            Some(serde_json::Value::String(text)) => {
                scopes.extend(text.split_whitespace().map(str::to_owned));
            }
            Some(serde_json::Value::Array(items)) => {
                scopes.extend(items.iter().filter_map(|v| v.as_str().map(str::to_owned)));
            }
            _ => {}
        }
    }
    scopes.dedup();
    scopes
}

fn reason_of(kind: &ErrorKind) -> Reason {
    match kind {
        ErrorKind::InvalidSignature => Reason::BadSignature,
        ErrorKind::ExpiredSignature => Reason::Expired,
        ErrorKind::ImmatureSignature => Reason::NotYetValid,
        ErrorKind::InvalidAudience => Reason::WrongAudience,
        ErrorKind::InvalidIssuer => Reason::WrongIssuer,
        ErrorKind::MissingRequiredClaim(_) | ErrorKind::InvalidClaimFormat(_) => {
            Reason::MissingClaim
        }
        ErrorKind::InvalidAlgorithm | ErrorKind::UnsupportedAlgorithm => {
            Reason::UnsupportedAlgorithm
        }
        _ => Reason::Malformed,
    }
}

fn parse_url(text: &str, setting: &'static str) -> Result<Url, InboundError> {
    let url = Url::parse(text).map_err(|e| InboundError::OAuthSetting {
        setting,
        reason: format!("`{text}` is not an absolute URL ({e})"),
    })?;
    check_transport(&url, setting)?;
    Ok(url)
}

/// https, or plain http to a loopback address (a local issuer in tests and
/// development); keys fetched over plain http from elsewhere could be forged.
fn check_transport(url: &Url, setting: &'static str) -> Result<(), InboundError> {
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(InboundError::OAuthSetting {
            setting,
            reason: format!(
                "`{url}` must be an https URL (plain http only for localhost / 127.0.0.1)"
            ),
        }),
    }
}

/// `scheme://host[:port]/.well-known/oauth-protected-resource[/path]`.
fn metadata_url(resource: &Url) -> String {
    let path = resource.path().trim_end_matches('/');
    format!(
        "{}/.well-known/oauth-protected-resource{path}",
        resource.origin().ascii_serialization()
    )
}

/// Finds `jwks_uri` in the issuer's metadata: RFC 8414 (the well-known path
/// inserted before the issuer's path, then appended to it), then OpenID
/// Connect discovery.
async fn discover_jwks(
    http: &reqwest::Client,
    issuer: &str,
    issuer_url: &Url,
) -> Result<Url, InboundError> {
    let origin = issuer_url.origin().ascii_serialization();
    let path = issuer_url.path().trim_end_matches('/');
    let base = issuer.trim_end_matches('/');
    let mut candidates = vec![
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!("{base}/.well-known/oauth-authorization-server"),
        format!("{base}/.well-known/openid-configuration"),
    ];
    candidates.dedup();
    let mut tried = Vec::new();
    for candidate in candidates {
        let Ok(url) = Url::parse(&candidate) else {
            continue;
        };
        match fetch_json(http, &url).await {
            Ok(document) => {
                let named = document.get("issuer").and_then(|v| v.as_str());
                if named.map(|n| n.trim_end_matches('/')) != Some(base) {
                    return Err(InboundError::Discovery {
                        issuer: issuer.to_owned(),
                        reason: format!(
                            "`{url}` names issuer `{}`, not `{issuer}`; check --oauth-issuer",
                            named.unwrap_or("(none)")
                        ),
                    });
                }
                let Some(jwks) = document.get("jwks_uri").and_then(|v| v.as_str()) else {
                    return Err(InboundError::Discovery {
                        issuer: issuer.to_owned(),
                        reason: format!("`{url}` has no `jwks_uri`; pass --oauth-jwks-url"),
                    });
                };
                let jwks = parse_url(jwks, "jwks_uri")?;
                return Ok(jwks);
            }
            Err(reason) => tried.push(format!("{url}: {reason}")),
        }
    }
    Err(InboundError::Discovery {
        issuer: issuer.to_owned(),
        reason: format!(
            "no metadata document answered ({}); pass --oauth-jwks-url",
            tried.join("; ")
        ),
    })
}

async fn fetch_keys(
    http: &reqwest::Client,
    url: &Url,
    fetches: &AtomicU64,
) -> Result<KeySet, InboundError> {
    fetches.fetch_add(1, Ordering::Relaxed);
    let document = fetch_json(http, url)
        .await
        .map_err(|reason| InboundError::Jwks {
            url: url.to_string(),
            reason,
        })?;
    let Some(entries) = document.get("keys").and_then(|v| v.as_array()) else {
        return Err(InboundError::Jwks {
            url: url.to_string(),
            reason: "it is not a JWK set (no `keys` array)".into(),
        });
    };
    let keys = entries.iter().filter_map(key_of).collect();
    Ok(KeySet {
        keys,
        fetched_at: Instant::now(),
    })
}

/// A signing key from one JWK entry; `None` for keys restmcp does not use
/// (encryption keys, other algorithms, malformed entries).
fn key_of(entry: &serde_json::Value) -> Option<Key> {
    let jwk: Jwk = serde_json::from_value(entry.clone()).ok()?;
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return None;
    }
    let algorithm = match (&jwk.algorithm, jwk.common.key_algorithm) {
        (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
        (AlgorithmParameters::EllipticCurve(p), None | Some(KeyAlgorithm::ES256))
            if p.curve == EllipticCurve::P256 =>
        {
            Algorithm::ES256
        }
        _ => return None,
    };
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    Some(Key {
        kid: jwk.common.key_id,
        algorithm,
        key,
    })
}

async fn fetch_json(http: &reqwest::Client, url: &Url) -> Result<serde_json::Value, String> {
    let mut response = http
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("request failed: {}", describe(e)))?;
    if !response.status().is_success() {
        return Err(format!("answered HTTP {}", response.status().as_u16()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("reading failed: {}", describe(e)))?
    {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(format!("larger than {MAX_DOCUMENT_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| format!("not JSON: {e}"))
}

/// A reqwest error with its causes (its own text alone says little, e.g.
/// "error sending request"), without the URL the caller already names.
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
