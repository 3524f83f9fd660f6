//! What the backend gets: the credentials and the caller's identity on every
//! backend request — the seed's four patterns (user id parameter, session
//! cookie, JWT bearer, service-to-service) and what the document's
//! `securitySchemes` declare (apiKey, HTTP basic/bearer, OAuth2 client
//! credentials), applied per operation by its `security` requirement.
//!
//! Owns: checking that configuration at start-up ([`BackendAuth`] →
//! [`Outbound`]), taking what restmcp sets out of the tools' input schemas
//! (so a model can neither see nor forge it), filling those values on each
//! request, the OAuth2 token cache, and the hints a backend 401 gets.
//! Does not own: who the caller is (`inbound`, `caller`), sending (`backend`).

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, HeaderName, HeaderValue};
use restmcp_catalog::{ParamLocation, ToolDef};
use serde_json::{Map, Value, json};
use url::Url;

use crate::caller::Caller;
use crate::errors::{ErrorType, ToolError};
use crate::request::BackendRequest;

/// The shortest service token accepted (pattern 4).
pub const MIN_SERVICE_TOKEN_CHARS: usize = 32;

/// A secret value and where it came from (`SERVICE_AUTH_TOKEN`, `file
/// tokens.txt`): errors name the source, never the value.
#[derive(Clone)]
pub struct Secret {
    /// The value.
    pub value: String,
    /// Where it was read from, for messages.
    pub source: String,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(from {})", self.source)
    }
}

/// The JWT bearer token sent to the backend (pattern 3).
#[derive(Debug, Clone)]
pub enum BearerToken {
    /// One token for every call.
    Static(Secret),
    /// One token per caller id; a caller without one is refused.
    PerCaller {
        /// Caller id → token.
        tokens: HashMap<String, String>,
        /// Where the map was read from, for messages.
        source: String,
    },
}

/// Pattern 4: restmcp's own service identity plus the caller's id.
#[derive(Debug, Clone)]
pub struct ServiceAuth {
    /// Sent as `Authorization: Bearer <token>`.
    pub token: Secret,
    /// The header carrying the caller id (default `X-User-ID`).
    pub user_header: String,
}

/// Backend credentials as configured (values already read from the
/// environment or files).
#[derive(Debug, Clone, Default)]
pub struct BackendAuth {
    /// Pattern 1, inject mode: the backend parameter (by its wire name, e.g.
    /// `user_id` or `X-User-ID`) filled from the caller id and removed from
    /// the tools' input schemas.
    pub inject_user_id: Option<String>,
    /// Pattern 2: a session cookie (name, value).
    pub session_cookie: Option<(String, Secret)>,
    /// Pattern 3: a bearer token.
    pub bearer: Option<BearerToken>,
    /// Pattern 4: service token plus caller id header.
    pub service: Option<ServiceAuth>,
    /// Credentials for the document's `securitySchemes`, by scheme name:
    /// apiKey → the key; http basic → `user:password`; http bearer → the
    /// token; oauth2 → `client_id:client_secret` (client credentials flow).
    pub schemes: Vec<(String, Secret)>,
    /// Forward the caller's own inbound bearer token (off by default: the
    /// MCP spec forbids token passthrough).
    pub passthrough: bool,
}

impl BackendAuth {
    /// Whether some call needs the caller's identity (patterns 1 inject, 3
    /// per caller, 4, passthrough).
    #[must_use]
    pub fn needs_caller(&self) -> bool {
        self.inject_user_id.is_some()
            || self.service.is_some()
            || self.passthrough
            || matches!(self.bearer, Some(BearerToken::PerCaller { .. }))
    }

    /// Every secret value, for redaction.
    #[must_use]
    pub fn secret_values(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((_, s)) = &self.session_cookie {
            out.push(s.value.clone());
        }
        match &self.bearer {
            Some(BearerToken::Static(s)) => out.push(s.value.clone()),
            Some(BearerToken::PerCaller { tokens, .. }) => out.extend(tokens.values().cloned()),
            None => {}
        }
        if let Some(service) = &self.service {
            out.push(service.token.value.clone());
        }
        for (_, secret) in &self.schemes {
            out.push(secret.value.clone());
            if let Some((_, password)) = secret.value.split_once(':') {
                out.push(password.to_owned());
                out.push(base64::engine::general_purpose::STANDARD.encode(secret.value.as_bytes()));
            }
        }
        out
    }
}

/// Why the backend credentials cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthConfigError {
    /// The service token is too short to be a real secret.
    #[error(
        "The service token from {origin} has {chars} characters; at least {MIN_SERVICE_TOKEN_CHARS} are required. Make one with `restmcp token` and set it on both restmcp and the backend"
    )]
    ShortServiceToken {
        /// Where it came from.
        origin: String,
        /// How long it is.
        chars: usize,
    },
    /// A value cannot be sent in an HTTP header.
    #[error(
        "The value from {origin} cannot be sent in an HTTP header (only visible ASCII, no line breaks); check it"
    )]
    BadValue {
        /// Where it came from.
        origin: String,
    },
    /// A header name is invalid.
    #[error("Invalid header name `{name}`: use letters, digits and `-`, e.g. `X-User-ID`")]
    BadHeaderName {
        /// The name.
        name: String,
    },
    /// Two patterns both want to set `Authorization`.
    #[error("{first} and {second} both set the backend's Authorization header; choose one")]
    Conflict {
        /// One option.
        first: String,
        /// The other.
        second: String,
    },
    /// A credential names a scheme the document does not declare.
    #[error("The OpenAPI document declares no security scheme `{name}`; declared: {known}")]
    UnknownScheme {
        /// The name given.
        name: String,
        /// The declared names.
        known: String,
    },
    /// A scheme restmcp cannot fill.
    #[error("Security scheme `{name}`: {why}")]
    UnsupportedScheme {
        /// The scheme.
        name: String,
        /// Why, and what to do.
        why: String,
    },
    /// The parameter to inject appears in no tool.
    #[error(
        "--inject-user-id `{name}`: no tool has a parameter with that name; give the backend's parameter name as the document spells it (e.g. `user_id` or `X-User-ID`)"
    )]
    NoSuchParameter {
        /// The name given.
        name: String,
    },
}

/// How one scheme's credential goes on the request.
#[derive(Debug)]
enum Apply {
    Header(HeaderName, HeaderValue),
    Query(String, String),
    Cookie(String),
    ClientCredentials(Box<TokenCache>),
}

#[derive(Debug)]
struct SchemeCredential {
    name: String,
    apply: Apply,
    /// Where the secret came from, for 401 hints.
    source: String,
}

/// Pattern 3's `Authorization` values, built once at start-up.
#[derive(Debug)]
enum Bearer {
    Static {
        value: HeaderValue,
        source: String,
    },
    PerCaller {
        values: HashMap<String, HeaderValue>,
        source: String,
    },
}

/// The backend credentials, checked and ready to apply.
#[derive(Debug)]
pub struct Outbound {
    inject_user_id: Option<String>,
    session_cookie: Option<String>,
    session_source: Option<String>,
    bearer: Option<Bearer>,
    service: Option<(HeaderValue, HeaderName, String)>,
    schemes: Vec<SchemeCredential>,
    passthrough: bool,
}

impl Outbound {
    /// Checks the configuration against the document's security schemes.
    /// `base_url` resolves relative OAuth2 token URLs.
    pub fn new(
        auth: BackendAuth,
        security_schemes: &Map<String, Value>,
        base_url: &Url,
    ) -> Result<Self, AuthConfigError> {
        let sets_authorization = [
            (auth.service.is_some(), "--service-auth"),
            (auth.bearer.is_some(), "--backend-bearer"),
            (auth.passthrough, "--passthrough-token"),
        ];
        let mut setters = sets_authorization.iter().filter(|(on, _)| *on);
        let pattern_setter = setters.next().map(|(_, flag)| *flag);
        if let (Some(first), Some((_, second))) = (pattern_setter, setters.next()) {
            return Err(AuthConfigError::Conflict {
                first: first.to_owned(),
                second: (*second).to_owned(),
            });
        }
        let service = match auth.service {
            None => None,
            Some(service) => {
                let chars = service.token.value.chars().count();
                if chars < MIN_SERVICE_TOKEN_CHARS {
                    return Err(AuthConfigError::ShortServiceToken {
                        origin: service.token.source,
                        chars,
                    });
                }
                let value = sensitive(
                    &format!("Bearer {}", service.token.value),
                    &service.token.source,
                )?;
                let header =
                    HeaderName::from_bytes(service.user_header.as_bytes()).map_err(|_| {
                        AuthConfigError::BadHeaderName {
                            name: service.user_header.clone(),
                        }
                    })?;
                Some((value, header, service.token.source))
            }
        };
        let (session_cookie, session_source) = match auth.session_cookie {
            None => (None, None),
            Some((name, secret)) => {
                let pair = format!("{name}={}", secret.value);
                sensitive(&pair, &secret.source)?;
                (Some(pair), Some(secret.source))
            }
        };
        let bearer = match auth.bearer {
            None => None,
            Some(BearerToken::Static(secret)) => Some(Bearer::Static {
                value: sensitive(&format!("Bearer {}", secret.value), &secret.source)?,
                source: secret.source,
            }),
            Some(BearerToken::PerCaller { tokens, source }) => {
                let values = tokens
                    .into_iter()
                    .map(|(caller, token)| {
                        sensitive(&format!("Bearer {token}"), &source).map(|v| (caller, v))
                    })
                    .collect::<Result<_, _>>()?;
                Some(Bearer::PerCaller { values, source })
            }
        };
        let mut schemes = Vec::new();
        for (name, secret) in auth.schemes {
            let Some(scheme) = security_schemes.get(&name) else {
                let known: Vec<&str> = security_schemes.keys().map(String::as_str).collect();
                return Err(AuthConfigError::UnknownScheme {
                    name,
                    known: if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    },
                });
            };
            let apply = scheme_apply(&name, scheme, &secret, base_url)?;
            let sets_authorization = match &apply {
                Apply::Header(header, _) => header == AUTHORIZATION,
                Apply::ClientCredentials(_) => true,
                Apply::Query(..) | Apply::Cookie(_) => false,
            };
            if let (true, Some(pattern)) = (sets_authorization, pattern_setter) {
                return Err(AuthConfigError::Conflict {
                    first: pattern.to_owned(),
                    second: format!("--security {name}"),
                });
            }
            schemes.push(SchemeCredential {
                name,
                apply,
                source: secret.source,
            });
        }
        Ok(Self {
            inject_user_id: auth.inject_user_id,
            session_cookie,
            session_source,
            bearer,
            service,
            schemes,
            passthrough: auth.passthrough,
        })
    }

    /// Takes what restmcp fills itself out of the tools: the injected user
    /// id parameter (from the input schema; the binding stays, filled per
    /// call) and, in pattern 4, any argument bound to the caller id header
    /// or `Authorization` (from schema and binding: nothing a model sends
    /// can reach those headers).
    pub fn prepare(&self, tools: &mut [ToolDef]) -> Result<(), AuthConfigError> {
        let mut injected_somewhere = false;
        for tool in tools.iter_mut() {
            let mut hidden: Vec<String> = Vec::new();
            let mut dropped: Vec<String> = Vec::new();
            for arg in &tool.binding.args {
                if self
                    .inject_user_id
                    .as_deref()
                    .is_some_and(|name| is_named(arg.name.as_str(), arg.location, name))
                {
                    hidden.push(arg.arg.clone());
                    injected_somewhere = true;
                } else if self.manages(arg.location, &arg.name) {
                    dropped.push(arg.arg.clone());
                }
            }
            if hidden.is_empty() && dropped.is_empty() {
                continue;
            }
            tool.binding.args.retain(|a| !dropped.contains(&a.arg));
            remove_properties(&mut tool.input_schema, hidden.iter().chain(&dropped));
        }
        if let Some(name) = &self.inject_user_id
            && !injected_somewhere
        {
            return Err(AuthConfigError::NoSuchParameter { name: name.clone() });
        }
        Ok(())
    }

    /// Whether restmcp sets this parameter itself (so no argument may).
    fn manages(&self, location: ParamLocation, name: &str) -> bool {
        if location == ParamLocation::Header {
            if let Some((_, header, _)) = &self.service
                && name.eq_ignore_ascii_case(header.as_str())
            {
                return true;
            }
            if (self.service.is_some() || self.bearer.is_some() || self.passthrough)
                && name.eq_ignore_ascii_case("authorization")
            {
                return true;
            }
        }
        self.schemes.iter().any(|s| match &s.apply {
            Apply::Header(header, _) => {
                location == ParamLocation::Header && name.eq_ignore_ascii_case(header.as_str())
            }
            Apply::Query(key, _) => location == ParamLocation::Query && name == key,
            Apply::Cookie(pair) => {
                location == ParamLocation::Cookie
                    && pair.split_once('=').is_some_and(|(key, _)| key == name)
            }
            Apply::ClientCredentials(_) => {
                location == ParamLocation::Header && name.eq_ignore_ascii_case("authorization")
            }
        })
    }

    /// Pattern 1 inject mode: puts the caller id into the arguments (after
    /// validation, before the request is built).
    pub fn inject(
        &self,
        tool: &ToolDef,
        caller: Option<&Caller>,
        arguments: &mut Map<String, Value>,
    ) -> Result<(), Box<ToolError>> {
        let Some(name) = &self.inject_user_id else {
            return Ok(());
        };
        let Some(arg) = tool
            .binding
            .args
            .iter()
            .find(|a| is_named(&a.name, a.location, name))
        else {
            return Ok(());
        };
        let caller = caller.ok_or_else(|| no_caller(tool, &format!("its `{name}` parameter")))?;
        arguments.insert(arg.arg.clone(), Value::String(caller.id.clone()));
        Ok(())
    }

    /// Puts the credentials on a built request. Fails closed: a pattern
    /// that needs the caller's identity refuses a call that has none.
    pub async fn apply(
        &self,
        tool: &ToolDef,
        caller: Option<&Caller>,
        request: &mut BackendRequest,
        client: &reqwest::Client,
    ) -> Result<(), Box<ToolError>> {
        for scheme in self.schemes_for(tool) {
            match &scheme.apply {
                Apply::Header(name, value) => {
                    request.headers.insert(name.clone(), value.clone());
                }
                Apply::Query(key, value) => {
                    request.url.query_pairs_mut().append_pair(key, value);
                }
                Apply::Cookie(pair) => add_cookie(&mut request.headers, pair),
                Apply::ClientCredentials(_) => {}
            }
        }
        self.apply_tokens(tool, request, client).await?;
        if let Some(pair) = &self.session_cookie {
            add_cookie(&mut request.headers, pair);
        }
        match &self.bearer {
            None => {}
            Some(Bearer::Static { value, .. }) => {
                request.headers.insert(AUTHORIZATION, value.clone());
            }
            Some(Bearer::PerCaller { values, source }) => {
                let caller = caller.ok_or_else(|| no_caller(tool, "its backend token"))?;
                let value = values.get(&caller.id).ok_or_else(|| {
                    Box::new(ToolError {
                        error_type: ErrorType::AuthenticationError,
                        message: format!(
                            "`{}` was not sent: caller `{}` has no backend token in {source}.",
                            tool.name.as_str(),
                            caller.id
                        ),
                        details: json!({"caller": caller.id}),
                        suggestions: vec![format!(
                            "Add a line `{} <token>` to {source}, or call as a user who has one",
                            caller.id
                        )],
                        status_code: None,
                    })
                })?;
                request.headers.insert(AUTHORIZATION, value.clone());
            }
        }
        if self.passthrough {
            let token = caller
                .and_then(|c| c.token.as_deref())
                .ok_or_else(|| no_caller(tool, "the caller's token (--passthrough-token)"))?;
            request.headers.insert(AUTHORIZATION, bearer_value(token));
        }
        if let Some((token, header, _)) = &self.service {
            let caller = caller.ok_or_else(|| no_caller(tool, "the caller's identity"))?;
            let id = HeaderValue::from_str(&caller.id).map_err(|_| {
                Box::new(ToolError {
                    error_type: ErrorType::AuthenticationError,
                    message: format!(
                        "`{}` was not sent: the caller id cannot be sent in the {} header (only visible ASCII).",
                        tool.name.as_str(),
                        header.as_str()
                    ),
                    details: json!({}),
                    suggestions: vec!["Use caller ids made of letters, digits, `-`, `_`, `.`, `@`".to_owned()],
                    status_code: None,
                })
            })?;
            request.headers.remove(header);
            request.headers.insert(header.clone(), id);
            request.headers.insert(AUTHORIZATION, token.clone());
        }
        Ok(())
    }

    /// Puts this tool's OAuth2 client-credentials tokens on the request
    /// (fetched when none is cached).
    async fn apply_tokens(
        &self,
        tool: &ToolDef,
        request: &mut BackendRequest,
        client: &reqwest::Client,
    ) -> Result<(), Box<ToolError>> {
        for scheme in self.schemes_for(tool) {
            if let Apply::ClientCredentials(cache) = &scheme.apply {
                let token = cache.token(client).await.map_err(|why| {
                    Box::new(token_error(tool, &scheme.name, &scheme.source, &why))
                })?;
                request.headers.insert(AUTHORIZATION, token);
            }
        }
        Ok(())
    }

    /// After a 401: when the call used OAuth2 client credentials, forgets
    /// those tokens and puts fresh ones on the request (true: worth sending
    /// once more). Nothing else on the request changes.
    pub async fn renew_tokens(
        &self,
        tool: &ToolDef,
        request: &mut BackendRequest,
        client: &reqwest::Client,
    ) -> bool {
        let mut any = false;
        for scheme in self.schemes_for(tool) {
            if let Apply::ClientCredentials(cache) = &scheme.apply {
                cache.forget().await;
                any = true;
            }
        }
        any && self.apply_tokens(tool, request, client).await.is_ok()
    }

    /// What to check when the backend answers 401: the credentials restmcp
    /// sent, by where they come from (never their values).
    #[must_use]
    pub fn hints_for_401(&self, tool: &ToolDef) -> Vec<String> {
        let mut hints = Vec::new();
        if let Some((_, header, source)) = &self.service {
            hints.push(format!(
                "Check {source}: restmcp sends it as the service token (with the caller id in {}), and the backend must have the same value configured",
                header.as_str()
            ));
        }
        match &self.bearer {
            Some(Bearer::Static { source, .. }) => hints.push(format!(
                "Check the backend bearer token in {source}: it may be wrong or expired"
            )),
            Some(Bearer::PerCaller { source, .. }) => hints.push(format!(
                "Check this caller's token in {source}: it may be wrong or expired"
            )),
            None => {}
        }
        if let Some(source) = &self.session_source {
            hints.push(format!(
                "Check the session cookie in {source}: the session may have expired; log in again and update it"
            ));
        }
        for scheme in self.schemes_for(tool) {
            hints.push(format!(
                "Check the credential for security scheme `{}` in {}",
                scheme.name, scheme.source
            ));
        }
        hints
    }

    /// The configured schemes this tool's `security` asks for: the first
    /// alternative whose schemes all have credentials (none when the tool
    /// declares no security).
    fn schemes_for<'a>(&'a self, tool: &ToolDef) -> Vec<&'a SchemeCredential> {
        let Some(alternatives) = &tool.binding.security else {
            return Vec::new();
        };
        for alternative in alternatives {
            let found: Vec<&SchemeCredential> = alternative
                .keys()
                .filter_map(|name| self.schemes.iter().find(|s| &s.name == name))
                .collect();
            if found.len() == alternative.len() && !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }
}

fn is_named(arg_name: &str, location: ParamLocation, name: &str) -> bool {
    if location == ParamLocation::Header {
        arg_name.eq_ignore_ascii_case(name)
    } else {
        arg_name == name
    }
}

fn remove_properties<'a>(schema: &mut Map<String, Value>, names: impl Iterator<Item = &'a String>) {
    let names: Vec<&String> = names.collect();
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        for name in &names {
            properties.shift_remove(name.as_str());
        }
    }
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|r| !names.iter().any(|n| r.as_str() == Some(n.as_str())));
        if required.is_empty() {
            schema.shift_remove("required");
        }
    }
}

fn sensitive(text: &str, source: &str) -> Result<HeaderValue, AuthConfigError> {
    let mut value = HeaderValue::from_str(text).map_err(|_| AuthConfigError::BadValue {
        origin: source.to_owned(),
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The caller's own token as `Authorization` (passthrough). Inbound auth
/// accepted it as a header value already; one that still cannot be sent is
/// sent empty, so the backend refuses it.
fn bearer_value(token: &str) -> HeaderValue {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap_or(HeaderValue::from_static(""));
    value.set_sensitive(true);
    value
}

fn add_cookie(headers: &mut HeaderMap, pair: &str) {
    let joined = match headers.get(COOKIE).and_then(|v| v.to_str().ok()) {
        Some(existing) if !existing.is_empty() => format!("{existing}; {pair}"),
        _ => pair.to_owned(),
    };
    if let Ok(mut value) = HeaderValue::from_str(&joined) {
        value.set_sensitive(true);
        headers.insert(COOKIE, value);
    }
}

fn no_caller(tool: &ToolDef, what: &str) -> Box<ToolError> {
    Box::new(ToolError {
        error_type: ErrorType::AuthenticationError,
        message: format!(
            "`{}` was not sent: restmcp fills {what} from the authenticated caller, and this call has no caller id. There is no default user.",
            tool.name.as_str()
        ),
        details: json!({}),
        suggestions: vec![
            "stdio: start restmcp with --user-id (or RESTMCP_USER_ID)".to_owned(),
            "HTTP: configure inbound auth (--auth-tokens-file or --oauth-issuer) and call with a bearer token".to_owned(),
        ],
        status_code: None,
    })
}

fn token_error(tool: &ToolDef, scheme: &str, source: &str, why: &str) -> ToolError {
    ToolError {
        error_type: ErrorType::AuthenticationError,
        message: format!(
            "`{}` was not sent: restmcp could not get an OAuth2 access token for security scheme `{scheme}` ({why}).",
            tool.name.as_str()
        ),
        details: json!({"scheme": scheme}),
        suggestions: vec![format!(
            "Check the client id and secret in {source} (written `client_id:client_secret`) and that the token endpoint is reachable"
        )],
        status_code: None,
    }
}

fn scheme_apply(
    name: &str,
    scheme: &Value,
    secret: &Secret,
    base_url: &Url,
) -> Result<Apply, AuthConfigError> {
    let unsupported = |why: String| AuthConfigError::UnsupportedScheme {
        name: name.to_owned(),
        why,
    };
    let kind = scheme.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "apiKey" => {
            let key = scheme
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| unsupported("the apiKey scheme has no `name`".to_owned()))?;
            match scheme.get("in").and_then(Value::as_str) {
                Some("header") => {
                    let header = HeaderName::from_bytes(key.as_bytes()).map_err(|_| {
                        AuthConfigError::BadHeaderName {
                            name: key.to_owned(),
                        }
                    })?;
                    Ok(Apply::Header(
                        header,
                        sensitive(&secret.value, &secret.source)?,
                    ))
                }
                Some("query") => Ok(Apply::Query(key.to_owned(), secret.value.clone())),
                Some("cookie") => {
                    let pair = format!("{key}={}", secret.value);
                    sensitive(&pair, &secret.source)?;
                    Ok(Apply::Cookie(pair))
                }
                other => Err(unsupported(format!(
                    "apiKey `in` is {other:?}; restmcp fills header, query and cookie keys"
                ))),
            }
        }
        "http" => {
            let http = scheme
                .get("scheme")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            match http.as_str() {
                "basic" => {
                    if !secret.value.contains(':') {
                        return Err(unsupported(format!(
                            "HTTP basic needs `user:password` in {}",
                            secret.source
                        )));
                    }
                    let encoded =
                        base64::engine::general_purpose::STANDARD.encode(secret.value.as_bytes());
                    Ok(Apply::Header(
                        AUTHORIZATION,
                        sensitive(&format!("Basic {encoded}"), &secret.source)?,
                    ))
                }
                "bearer" => Ok(Apply::Header(
                    AUTHORIZATION,
                    sensitive(&format!("Bearer {}", secret.value), &secret.source)?,
                )),
                other => Err(unsupported(format!(
                    "HTTP scheme `{other}`; restmcp fills basic and bearer"
                ))),
            }
        }
        "oauth2" => {
            let flow = scheme
                .get("flows")
                .and_then(|f| f.get("clientCredentials"))
                .ok_or_else(|| {
                    unsupported(
                        "restmcp fills only the OAuth2 client credentials flow, which this scheme does not declare".to_owned(),
                    )
                })?;
            let token_url = flow
                .get("tokenUrl")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    unsupported("the clientCredentials flow has no tokenUrl".to_owned())
                })?;
            let token_url = base_url
                .join(token_url)
                .map_err(|e| unsupported(format!("tokenUrl `{token_url}` is not a URL ({e})")))?;
            let Some((client_id, client_secret)) = secret.value.split_once(':') else {
                return Err(unsupported(format!(
                    "OAuth2 client credentials need `client_id:client_secret` in {}",
                    secret.source
                )));
            };
            let scopes: Vec<String> = flow
                .get("scopes")
                .and_then(Value::as_object)
                .map(|s| s.keys().cloned().collect())
                .unwrap_or_default();
            Ok(Apply::ClientCredentials(Box::new(TokenCache {
                token_url,
                client_id: client_id.to_owned(),
                client_secret: client_secret.to_owned(),
                scopes,
                current: tokio::sync::Mutex::new(None),
            })))
        }
        "openIdConnect" | "mutualTLS" | "" => Err(unsupported(format!(
            "type `{kind}` is not filled by restmcp; use --backend-header or --backend-bearer instead"
        ))),
        other => Err(unsupported(format!("unknown type `{other}`"))),
    }
}

/// OAuth2 client credentials: one token, fetched when first needed and
/// kept until shortly before it expires (or the backend refuses it).
struct TokenCache {
    token_url: Url,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
    current: tokio::sync::Mutex<Option<(HeaderValue, Instant)>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("token_url", &self.token_url.as_str())
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// Renew this long before `expires_in` runs out.
    const MARGIN: Duration = Duration::from_secs(30);

    async fn token(&self, client: &reqwest::Client) -> Result<HeaderValue, String> {
        // Held across the fetch: concurrent calls wait for one fetch.
        let mut current = self.current.lock().await;
        if let Some((token, until)) = current.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let mut form = vec![("grant_type", "client_credentials".to_owned())];
        if !self.scopes.is_empty() {
            form.push(("scope", self.scopes.join(" ")));
        }
        let response = client
            .post(self.token_url.clone())
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&form)
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .map_err(|e| format!("{} unreachable: {}", self.token_url, e.without_url()))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let error = body.get("error").and_then(Value::as_str).unwrap_or("");
            return Err(format!(
                "{} answered HTTP {}{}",
                self.token_url,
                status.as_u16(),
                if error.is_empty() {
                    String::new()
                } else {
                    format!(" `{error}`")
                }
            ));
        }
        let token = body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{} answered without an access_token", self.token_url))?;
        let lifetime = body
            .get("expires_in")
            .and_then(Value::as_u64)
            .map_or(Duration::from_secs(3600), Duration::from_secs);
        let value = sensitive(&format!("Bearer {token}"), "the token endpoint")
            .map_err(|_| format!("{} answered a token that cannot be sent", self.token_url))?;
        let until = Instant::now() + lifetime.saturating_sub(Self::MARGIN);
        *current = Some((value.clone(), until));
        tracing::info!(token_url = %self.token_url, expires_in_s = lifetime.as_secs(), "fetched an OAuth2 access token");
        Ok(value)
    }

    async fn forget(&self) {
        *self.current.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(value: &str) -> Secret {
        Secret {
            value: value.to_owned(),
            source: "TEST_VAR".to_owned(),
        }
    }

    fn base() -> Url {
        Url::parse("http://127.0.0.1:9/api/").expect("url")
    }

    #[test]
    fn short_service_token_is_refused_without_echo() {
        let auth = BackendAuth {
            service: Some(ServiceAuth {
                token: secret("x".repeat(31).as_str()),
                user_header: "X-User-ID".into(),
            }),
            ..BackendAuth::default()
        };
        let error = Outbound::new(auth, &Map::new(), &base()).expect_err("31 chars");
        let text = error.to_string();
        assert!(
            text.contains("31 characters") && text.contains("restmcp token"),
            "{text}"
        );
        assert!(!text.contains(&"x".repeat(31)), "{text}");
    }

    #[test]
    fn two_authorization_setters_conflict() {
        let auth = BackendAuth {
            service: Some(ServiceAuth {
                token: secret(&"s".repeat(40)),
                user_header: "X-User-ID".into(),
            }),
            bearer: Some(BearerToken::Static(secret("tok"))),
            ..BackendAuth::default()
        };
        assert!(matches!(
            Outbound::new(auth, &Map::new(), &base()),
            Err(AuthConfigError::Conflict { .. })
        ));
    }

    #[test]
    fn a_scheme_that_sets_authorization_conflicts_with_a_pattern() {
        let schemes = json!({"bearer": {"type": "http", "scheme": "bearer"}, "key": {"type": "apiKey", "in": "header", "name": "X-Key"}});
        let schemes = schemes.as_object().expect("obj");
        let service = || ServiceAuth {
            token: secret(&"s".repeat(40)),
            user_header: "X-User-ID".into(),
        };
        let clash = BackendAuth {
            service: Some(service()),
            schemes: vec![("bearer".into(), secret("tok"))],
            ..BackendAuth::default()
        };
        let error = Outbound::new(clash, schemes, &base()).expect_err("both set Authorization");
        assert!(error.to_string().contains("--security bearer"), "{error}");
        let fine = BackendAuth {
            service: Some(service()),
            schemes: vec![("key".into(), secret("k"))],
            ..BackendAuth::default()
        };
        assert!(Outbound::new(fine, schemes, &base()).is_ok());
    }

    #[test]
    fn unknown_scheme_lists_declared_ones() {
        let schemes = json!({"key": {"type": "apiKey", "in": "header", "name": "X-Key"}});
        let auth = BackendAuth {
            schemes: vec![("nope".into(), secret("v"))],
            ..BackendAuth::default()
        };
        let error =
            Outbound::new(auth, schemes.as_object().expect("obj"), &base()).expect_err("unknown");
        assert!(error.to_string().contains("declared: key"), "{error}");
    }

    #[test]
    fn oauth_token_url_resolves_against_base() {
        let scheme = json!({"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "token", "scopes": {"read": ""}}}});
        let Apply::ClientCredentials(cache) =
            scheme_apply("o", &scheme, &secret("id:sec"), &base()).expect("supported")
        else {
            panic!("expected client credentials");
        };
        assert_eq!(cache.token_url.as_str(), "http://127.0.0.1:9/api/token");
        assert_eq!(cache.scopes, vec!["read".to_owned()]);
    }

    #[test]
    fn basic_needs_user_and_password() {
        let scheme = json!({"type": "http", "scheme": "basic"});
        assert!(scheme_apply("b", &scheme, &secret("nopassword"), &base()).is_err());
        let Apply::Header(name, value) =
            scheme_apply("b", &scheme, &secret("u:p"), &base()).expect("basic")
        else {
            panic!("expected a header");
        };
        assert_eq!(name, AUTHORIZATION);
        assert_eq!(value.to_str().ok(), Some("Basic dTpw"));
    }

    #[test]
    fn removing_properties_also_drops_required() {
        let mut schema =
            json!({"type": "object", "properties": {"a": {}, "b": {}}, "required": ["a"]})
                .as_object()
                .cloned()
                .expect("obj");
        remove_properties(&mut schema, [String::from("a")].iter());
        assert_eq!(
            Value::Object(schema),
            json!({"type": "object", "properties": {"b": {}}})
        );
    }
}
