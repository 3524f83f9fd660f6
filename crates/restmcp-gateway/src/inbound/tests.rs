//! Tests of inbound auth: OAuth claim checks and key handling against a
//! local issuer with keys made in the test, and the HTTP answers of the
//! middleware. (Token-file parsing is tested in `tokens.rs`; that the caller
//! reaches the MCP handler, in `transport.rs`.)

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair,
};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::*;

// --- Keys and tokens made in the test ----------------------------------------

enum TestKey {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

impl TestKey {
    fn rsa() -> Self {
        Self::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation"))
    }

    fn ec() -> Self {
        Self::Ec(EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("EC key"))
    }

    fn alg(&self) -> &'static str {
        match self {
            Self::Rsa(_) => "RS256",
            Self::Ec(_) => "ES256",
        }
    }

    /// The public JWK, as an issuer publishes it.
    fn jwk(&self, kid: &str) -> Value {
        match self {
            Self::Rsa(key) => {
                let public = key.public_key();
                json!({
                    "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                    "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
                    "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
                })
            }
            Self::Ec(key) => {
                // Uncompressed point: 0x04 || x || y.
                let point = key.public_key().as_ref();
                json!({
                    "kty": "EC", "kid": kid, "crv": "P-256",
                    "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
                    "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
                })
            }
        }
    }

    fn sign_raw(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let rng = SystemRandom::new();
        let signature = match self {
            Self::Rsa(key) => {
                let mut out = vec![0; key.public_modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut out)
                    .expect("RSA signing");
                out
            }
            Self::Ec(key) => key
                .sign(&rng, input.as_bytes())
                .expect("EC signing")
                .as_ref()
                .to_vec(),
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn sign(&self, kid: &str, claims: &Value) -> String {
        self.sign_raw(
            &json!({"alg": self.alg(), "typ": "JWT", "kid": kid}),
            claims,
        )
    }
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

// --- A local issuer ----------------------------------------------------------

struct Issuer {
    url: String,
    jwks: Mutex<Value>,
    fetches: AtomicUsize,
    discovery: bool,
    down: AtomicBool,
}

impl Issuer {
    async fn start(keys: Vec<Value>, discovery: bool) -> Arc<Self> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let issuer = Arc::new(Self {
            url: format!("http://{addr}"),
            jwks: Mutex::new(json!({ "keys": keys })),
            fetches: AtomicUsize::new(0),
            discovery,
            down: AtomicBool::new(false),
        });
        let router = Router::new()
            .route(
                "/jwks",
                get(|State(issuer): State<Arc<Issuer>>| async move {
                    issuer.fetches.fetch_add(1, Ordering::SeqCst);
                    if issuer.down.load(Ordering::SeqCst) {
                        return Err(axum::http::StatusCode::SERVICE_UNAVAILABLE);
                    }
                    Ok(issuer.jwks.lock().expect("jwks lock").to_string())
                }),
            )
            .route(
                "/.well-known/oauth-authorization-server",
                get(|State(issuer): State<Arc<Issuer>>| async move {
                    if issuer.discovery {
                        Ok(json!({"issuer": issuer.url, "jwks_uri": format!("{}/jwks", issuer.url)})
                            .to_string())
                    } else {
                        Err(axum::http::StatusCode::NOT_FOUND)
                    }
                }),
            )
            .with_state(Arc::clone(&issuer));
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        issuer
    }

    fn publish(&self, keys: Vec<Value>) {
        *self.jwks.lock().expect("jwks lock") = json!({ "keys": keys });
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

const RESOURCE: &str = "http://127.0.0.1:9/mcp";

fn config(issuer: &Issuer) -> OAuthConfig {
    let mut config = OAuthConfig::new(issuer.url.clone(), RESOURCE);
    config.jwks_url = Some(format!("{}/jwks", issuer.url).parse().expect("url"));
    config
}

fn claims(issuer: &Issuer) -> Value {
    json!({
        "iss": issuer.url, "aud": RESOURCE, "sub": "user-7",
        "iat": now(), "exp": now() + 300, "scope": "tasks:read tasks:write",
    })
}

fn with(mut base: Value, changes: Value) -> Value {
    if let (Some(base), Some(changes)) = (base.as_object_mut(), changes.as_object()) {
        for (k, v) in changes {
            if v.is_null() {
                base.remove(k);
            } else {
                base.insert(k.clone(), v.clone());
            }
        }
    }
    base
}

fn reason(outcome: Result<Caller, Rejection>) -> Reason {
    match outcome {
        Err(Rejection::InvalidToken(reason)) => reason,
        other => panic!("expected invalid_token, got {other:?}"),
    }
}

// --- Claims ------------------------------------------------------------------

#[tokio::test]
async fn rs256_and_es256_tokens_name_the_caller() {
    let rsa = TestKey::rsa();
    let ec = TestKey::ec();
    let issuer = Issuer::start(vec![rsa.jwk("r1"), ec.jwk("e1")], false).await;
    let verifier = OAuthVerifier::connect(config(&issuer))
        .await
        .expect("verifier");
    for (key, kid) in [(&rsa, "r1"), (&ec, "e1")] {
        let token = key.sign(kid, &claims(&issuer));
        let caller = verifier.verify(&token).await.expect("valid token");
        assert_eq!(caller.id, "user-7");
        assert_eq!(caller.token.as_deref(), Some(token.as_str()));
        assert_eq!(caller.scopes, ["tasks:read", "tasks:write"]);
    }
    // An audience array that includes the resource is accepted.
    let token = rsa.sign(
        "r1",
        &with(claims(&issuer), json!({"aud": ["other", RESOURCE]})),
    );
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(issuer.fetches(), 1);
}

#[tokio::test]
async fn claims_are_checked() {
    let rsa = TestKey::rsa();
    let issuer = Issuer::start(vec![rsa.jwk("r1")], false).await;
    let verifier = OAuthVerifier::connect(config(&issuer))
        .await
        .expect("verifier");
    let base = claims(&issuer);
    let cases = [
        (json!({"exp": now() - 3600}), Reason::Expired),
        (json!({"nbf": now() + 3600}), Reason::NotYetValid),
        (
            json!({"aud": "https://elsewhere.example/mcp"}),
            Reason::WrongAudience,
        ),
        (json!({"aud": null}), Reason::MissingClaim),
        (json!({"iss": "https://evil.example"}), Reason::WrongIssuer),
        (json!({"iss": null}), Reason::MissingClaim),
        (json!({"exp": null}), Reason::MissingClaim),
        (json!({"sub": null}), Reason::NoIdentity),
        (json!({"sub": ""}), Reason::NoIdentity),
    ];
    for (change, expected) in cases {
        let token = rsa.sign("r1", &with(base.clone(), change.clone()));
        assert_eq!(reason(verifier.verify(&token).await), expected, "{change}");
    }
    // Within the 60 s leeway: accepted.
    let token = rsa.sign("r1", &with(base.clone(), json!({"exp": now() - 20})));
    assert!(verifier.verify(&token).await.is_ok());
}

#[tokio::test]
async fn forged_and_unsigned_tokens_are_refused() {
    let rsa = TestKey::rsa();
    let impostor = TestKey::rsa();
    let issuer = Issuer::start(vec![rsa.jwk("r1")], false).await;
    let verifier = OAuthVerifier::connect(config(&issuer))
        .await
        .expect("verifier");
    let claims = claims(&issuer);
    // Signed by another key under the published kid.
    let forged = impostor.sign("r1", &claims);
    assert_eq!(reason(verifier.verify(&forged).await), Reason::BadSignature);
    // A valid token with its payload swapped.
    let valid = rsa.sign("r1", &claims);
    let mut parts: Vec<&str> = valid.split('.').collect();
    let evil = URL_SAFE_NO_PAD.encode(with(claims.clone(), json!({"sub": "admin"})).to_string());
    parts[1] = &evil;
    assert_eq!(
        reason(verifier.verify(&parts.join(".")).await),
        Reason::BadSignature
    );
    // alg none, and HS256 keyed with anything: never.
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let none = format!(
        "{}.{payload}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"r1"}"#)
    );
    assert!(matches!(
        verifier.verify(&none).await,
        Err(Rejection::InvalidToken(_))
    ));
    let hs = format!(
        "{}.{payload}.c2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","kid":"r1"}"#)
    );
    assert_eq!(
        reason(verifier.verify(&hs).await),
        Reason::UnsupportedAlgorithm
    );
    // An ES256 header on the RSA key's kid.
    let mixed = TestKey::ec().sign("r1", &claims);
    assert_eq!(
        reason(verifier.verify(&mixed).await),
        Reason::UnsupportedAlgorithm
    );
    assert_eq!(
        reason(verifier.verify("not-a-jwt").await),
        Reason::Malformed
    );
}

#[tokio::test]
async fn scopes_and_identity_claim() {
    let ec = TestKey::ec();
    let issuer = Issuer::start(vec![ec.jwk("e1")], false).await;
    let mut settings = config(&issuer);
    settings.scopes = vec!["tasks:read".into(), "tasks:write".into()];
    settings.identity_claim = "email".into();
    let verifier = OAuthVerifier::connect(settings).await.expect("verifier");
    let base = with(claims(&issuer), json!({"email": "ada@example.com"}));
    let caller = verifier
        .verify(&ec.sign("e1", &base))
        .await
        .expect("valid token");
    assert_eq!(caller.id, "ada@example.com");
    // `scp` as an array.
    let scp = with(
        base.clone(),
        json!({"scope": null, "scp": ["tasks:write", "tasks:read"]}),
    );
    assert!(verifier.verify(&ec.sign("e1", &scp)).await.is_ok());
    // One scope missing: 403, naming what is required.
    let partial = with(base.clone(), json!({"scope": "tasks:read"}));
    assert_eq!(
        verifier.verify(&ec.sign("e1", &partial)).await,
        Err(Rejection::InsufficientScope {
            required: vec!["tasks:read".into(), "tasks:write".into()]
        })
    );
    // No email claim: no identity, even though `sub` is there.
    let anonymous = with(base, json!({"email": null}));
    assert_eq!(
        reason(verifier.verify(&ec.sign("e1", &anonymous)).await),
        Reason::NoIdentity
    );
}

// --- Keys: discovery, rotation, refresh limits -------------------------------

#[tokio::test]
async fn rotation_is_picked_up_and_unknown_kids_cannot_flood_the_issuer() {
    let old = TestKey::rsa();
    let new = TestKey::ec();
    let issuer = Issuer::start(vec![old.jwk("old")], true).await;
    // No JWKS URL: discovered from the issuer's RFC 8414 metadata.
    let verifier = OAuthVerifier::connect(OAuthConfig::new(issuer.url.clone(), RESOURCE))
        .await
        .expect("verifier");
    assert_eq!(verifier.jwks_url().as_str(), format!("{}/jwks", issuer.url));
    assert_eq!(issuer.fetches(), 1);

    issuer.publish(vec![old.jwk("old"), new.jwk("new")]);
    let token = new.sign("new", &claims(&issuer));
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(issuer.fetches(), 2, "one refresh for the new kid");
    assert!(verifier.verify(&token).await.is_ok());

    for i in 0..25 {
        let bogus = new.sign(&format!("bogus-{i}"), &claims(&issuer));
        assert_eq!(reason(verifier.verify(&bogus).await), Reason::UnknownKey);
    }
    assert_eq!(
        issuer.fetches(),
        2,
        "unknown kids within the refresh interval fetch nothing"
    );
    assert_eq!(verifier.jwks_fetches(), 2);
}

#[tokio::test]
async fn an_issuer_that_is_down_is_asked_once_per_interval() {
    let rsa = TestKey::rsa();
    let issuer = Issuer::start(vec![rsa.jwk("r1")], false).await;
    let verifier = OAuthVerifier::connect(config(&issuer))
        .await
        .expect("verifier");
    issuer.down.store(true, Ordering::SeqCst);
    let unknown = rsa.sign("r2", &claims(&issuer));
    assert_eq!(
        reason(verifier.verify(&unknown).await),
        Reason::KeysUnavailable
    );
    assert_eq!(issuer.fetches(), 2);
    for _ in 0..10 {
        assert_eq!(reason(verifier.verify(&unknown).await), Reason::UnknownKey);
    }
    // Known keys keep working while the issuer is down.
    assert!(
        verifier
            .verify(&rsa.sign("r1", &claims(&issuer)))
            .await
            .is_ok()
    );
    assert_eq!(issuer.fetches(), 2);
}

#[tokio::test]
async fn start_up_refuses_bad_settings() {
    let issuer = Issuer::start(vec![], false).await;
    // No discovery document, no JWKS URL.
    let error = OAuthVerifier::connect(OAuthConfig::new(issuer.url.clone(), RESOURCE))
        .await
        .expect_err("nothing to discover");
    assert!(error.to_string().contains("--oauth-jwks-url"), "{error}");
    // A JWKS without a usable key.
    let error = OAuthVerifier::connect(config(&issuer))
        .await
        .expect_err("no keys");
    assert!(error.to_string().contains("no RS256 or ES256"), "{error}");
    // Plain http off loopback.
    let error = OAuthVerifier::connect(OAuthConfig::new("http://auth.example.com", RESOURCE))
        .await
        .expect_err("plain http");
    assert!(error.to_string().contains("https"), "{error}");
    let error = OAuthVerifier::connect(OAuthConfig::new(issuer.url.clone(), "mcp"))
        .await
        .expect_err("relative resource");
    assert!(error.to_string().contains("--oauth-resource"), "{error}");
}

#[tokio::test]
async fn metadata_document_and_its_url() {
    let rsa = TestKey::rsa();
    let issuer = Issuer::start(vec![rsa.jwk("r1")], false).await;
    let mut settings = config(&issuer);
    settings.resource = "https://mcp.example.com/api/mcp".into();
    settings.scopes = vec!["tasks:read".into()];
    let verifier = OAuthVerifier::connect(settings).await.expect("verifier");
    assert_eq!(
        verifier.metadata_url(),
        "https://mcp.example.com/.well-known/oauth-protected-resource/api/mcp"
    );
    assert_eq!(
        verifier.metadata(),
        json!({
            "resource": "https://mcp.example.com/api/mcp",
            "authorization_servers": [issuer.url],
            "scopes_supported": ["tasks:read"],
            "bearer_methods_supported": ["header"],
            "resource_name": "restmcp",
        })
    );
}

// --- The middleware's answers ------------------------------------------------

async fn guarded(auth: Arc<InboundAuth>) -> String {
    let router = Router::new()
        .route(
            "/mcp",
            get(|request: axum::extract::Request| async move {
                request
                    .extensions()
                    .get::<Caller>()
                    .map_or_else(|| "nobody".to_owned(), |c| format!("caller={}", c.id))
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&auth),
            require_caller,
        ))
        .merge(metadata_routes(&auth, "/mcp"))
        .route("/healthz", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn token_mode_answers() {
    let token = "alice-token-0123456789abcdefghijklmnop";
    let tokens = StaticTokens::parse(
        &format!("alice {token}"),
        &TokenSource::Env("RESTMCP_AUTH_TOKENS".into()),
    )
    .expect("mapping");
    let base = guarded(Arc::new(InboundAuth::tokens(tokens))).await;
    let http = reqwest::Client::new();
    let url = format!("{base}/mcp");

    let missing = http.get(&url).send().await.expect("request");
    assert_eq!(missing.status(), 401);
    assert_eq!(challenge(&missing), r#"Bearer realm="restmcp""#);

    let wrong = http
        .get(&url)
        .bearer_auth("wrong-token-0123456789abcdefghijklmnopq")
        .send()
        .await
        .expect("request");
    assert_eq!(wrong.status(), 401);
    let text = challenge(&wrong);
    assert!(text.contains(r#"error="invalid_token""#), "{text}");
    assert!(!text.contains("resource_metadata"), "{text}");
    let body = wrong.text().await.expect("body");
    assert!(!body.contains("wrong-token"), "{body}");

    let basic = http
        .get(&url)
        .basic_auth("alice", Some(token))
        .send()
        .await
        .expect("request");
    assert_eq!(basic.status(), 401);

    let right = http
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(right.status(), 200);
    assert_eq!(right.text().await.expect("body"), "caller=alice");

    // Open routes stay open; no metadata in token mode.
    let health = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(health.status(), 200);
    let metadata = http
        .get(format!("{base}/.well-known/oauth-protected-resource"))
        .send()
        .await
        .expect("request");
    assert_eq!(metadata.status(), 404);
}

#[tokio::test]
async fn oauth_mode_answers() {
    let rsa = TestKey::rsa();
    let issuer = Issuer::start(vec![rsa.jwk("r1")], false).await;
    let mut settings = config(&issuer);
    settings.scopes = vec!["tasks:read".into()];
    let verifier = OAuthVerifier::connect(settings).await.expect("verifier");
    let base = guarded(Arc::new(InboundAuth::oauth(verifier))).await;
    let http = reqwest::Client::new();
    let url = format!("{base}/mcp");
    let metadata_url = "http://127.0.0.1:9/.well-known/oauth-protected-resource/mcp";

    let missing = http.get(&url).send().await.expect("request");
    assert_eq!(missing.status(), 401);
    assert_eq!(
        challenge(&missing),
        format!(r#"Bearer realm="restmcp", resource_metadata="{metadata_url}""#)
    );

    let expired = rsa.sign("r1", &with(claims(&issuer), json!({"exp": now() - 3600})));
    let response = http
        .get(&url)
        .bearer_auth(&expired)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    let text = challenge(&response);
    assert!(
        text.contains(r#"error="invalid_token", error_description="The access token has expired""#),
        "{text}"
    );
    assert!(text.contains("resource_metadata="), "{text}");

    let no_scope = rsa.sign("r1", &with(claims(&issuer), json!({"scope": "other"})));
    let response = http
        .get(&url)
        .bearer_auth(&no_scope)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    let text = challenge(&response);
    assert!(
        text.contains(r#"error="insufficient_scope""#) && text.contains(r#"scope="tasks:read""#),
        "{text}"
    );

    let good = rsa.sign("r1", &claims(&issuer));
    let response = http
        .get(&url)
        .bearer_auth(&good)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("body"), "caller=user-7");

    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let response = http
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{path}");
        let document: Value = response.json().await.expect("json");
        assert_eq!(document["resource"], RESOURCE);
        assert_eq!(document["authorization_servers"], json!([issuer.url]));
    }
}
