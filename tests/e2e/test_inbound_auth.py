"""End-to-end tests of inbound auth on the HTTP transport: the real binary in
front of the todo example, called by the real MCP client with bearer tokens
(a token file, the $RESTMCP_AUTH_TOKENS mapping) and with OAuth access tokens
(JWTs signed in the test by RSA and EC keys whose JWKS a local issuer on
127.0.0.1 serves). Ends by checking that no token or key reached a log."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from harness import MODES, Backend, Gateway, free_port, ok, restmcp_bin, start_gateway
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

# Every secret this file hands out; none may appear in a restmcp log.
SECRETS: list[str] = []
LOG_PREFIX = "inbound-"

INITIALIZE = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {},
               "clientInfo": {"name": "e2e", "version": "0"}},
}


def secret(value: str) -> str:
    SECRETS.append(value)
    return value


@contextlib.asynccontextmanager
async def mcp_client(url: str, mode: str, token: str) -> AsyncIterator[Client]:
    """The MCP SDK's client with `Authorization: Bearer <token>` on every request."""
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"},
                                  timeout=httpx2.Timeout(30, read=60)) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode,
                          read_timeout_seconds=60) as client:
            yield client


async def list_and_call(url: str, mode: str, token: str) -> None:
    async with mcp_client(url, mode, token) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert {"create_task", "list_tasks", "health"} <= tools
        assert ok(await client.call_tool("health", {})) == {"status": "ok"}


def post(url: str, token: str | None) -> httpx.Response:
    """A raw MCP initialize, with the given bearer token (or none)."""
    headers = {"Accept": "application/json, text/event-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(url, json=INITIALIZE, headers=headers, timeout=10)


def challenge(response: httpx.Response) -> dict[str, str]:
    """The parameters of a `WWW-Authenticate: Bearer k="v", ...` header."""
    value = response.headers.get("www-authenticate", "")
    assert value.startswith("Bearer "), f"no Bearer challenge: {value!r}"
    return dict(re.findall(r'(\w+)="([^"]*)"', value))


# --- Static bearer tokens -----------------------------------------------------


@pytest.fixture(scope="module")
def token_gateway(todo_backend: Backend, log_dir: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, str, str]]:
    """restmcp with a token file: alice's token in plain, bob's as a SHA-256."""
    alice = secret(secrets.token_urlsafe(32))
    bob = secret(secrets.token_urlsafe(32))
    path = tmp_path_factory.mktemp("tokens") / "tokens.txt"
    path.write_text(
        "# caller  token\n"
        f"alice {alice}\n"
        f"bob   sha256:{hashlib.sha256(bob.encode()).hexdigest()}\n"
    )
    path.chmod(0o600)
    gateway = start_gateway(
        [f"{todo_backend.url}/openapi.json", "--base-url", todo_backend.url,
         "--auth-tokens-file", str(path)],
        log_dir / f"{LOG_PREFIX}tokens.restmcp.log",
    )
    yield gateway, alice, bob
    gateway.stop()


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_static_tokens_let_callers_in(token_gateway: tuple[Gateway, str, str],
                                            mode: str) -> None:
    gateway, alice, bob = token_gateway
    await list_and_call(gateway.url, mode, alice)
    await list_and_call(gateway.url, mode, bob)  # stored as sha256:...


def test_static_tokens_keep_others_out(token_gateway: tuple[Gateway, str, str]) -> None:
    gateway, alice, _ = token_gateway
    missing = post(gateway.url, None)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="restmcp"'
    assert "mcp-session-id" not in missing.headers

    wrong = secret(secrets.token_urlsafe(32))
    for token in (wrong, alice[:-1], alice + "x", f"sha256:{hashlib.sha256(alice.encode()).hexdigest()}"):
        r = post(gateway.url, token)
        assert r.status_code == 401, token
        params = challenge(r)
        assert params["realm"] == "restmcp" and params["error"] == "invalid_token"
        assert "resource_metadata" not in params
        assert token not in r.text and token not in r.headers["www-authenticate"]

    basic = httpx.post(gateway.url, json=INITIALIZE, auth=("alice", alice), timeout=10)
    assert basic.status_code == 401

    assert post(gateway.url, alice).status_code == 200
    # Health, readiness: open. No OAuth metadata in token mode.
    assert httpx.get(f"{gateway.root}/healthz", timeout=10).status_code == 200
    assert httpx.get(f"{gateway.root}/readyz", timeout=10).status_code == 200
    assert httpx.get(f"{gateway.root}/.well-known/oauth-protected-resource",
                     timeout=10).status_code == 404


@pytest.mark.anyio
async def test_token_mapping_from_the_environment(todo_backend: Backend, log_dir: Path) -> None:
    carol = secret(secrets.token_urlsafe(32))
    dave = secret(secrets.token_urlsafe(32))
    gateway = start_gateway(
        [f"{todo_backend.url}/openapi.json", "--base-url", todo_backend.url, "--stateless"],
        log_dir / f"{LOG_PREFIX}tokens-env.restmcp.log",
        env={"RESTMCP_AUTH_TOKENS": f"carol {carol},dave {dave}"},
    )
    try:
        await list_and_call(gateway.url, "legacy", dave)
        assert post(gateway.url, carol[::-1]).status_code == 401
    finally:
        gateway.stop()


def test_short_tokens_and_stdio_are_refused(todo_backend: Backend, log_dir: Path) -> None:
    short = secret("x" * 31)
    log = log_dir / f"{LOG_PREFIX}refused.restmcp.log"
    with pytest.raises(RuntimeError) as refused:
        start_gateway([f"{todo_backend.url}/openapi.json", "--base-url", todo_backend.url],
                      log, env={"RESTMCP_AUTH_TOKENS": f"eve {short}"})
    assert "restmcp token" in str(refused.value)
    assert short not in str(refused.value)

    stdio = subprocess.run(
        [str(restmcp_bin()), "serve", f"{todo_backend.url}/openapi.json",
         "--auth-tokens-file", "/nonexistent/tokens.txt"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
    )
    assert stdio.returncode != 0
    assert "--transport http only" in stdio.stderr and "--user-id" in stdio.stderr


# --- OAuth: a local issuer ----------------------------------------------------


class Issuer:
    """An authorization server's public side: RFC 8414 metadata and a JWKS,
    on 127.0.0.1, counting JWKS fetches."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.jwks_fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path == "/jwks":
                    issuer.jwks_fetches += 1
                    body = {"keys": issuer.keys}
                elif self.path == "/.well-known/oauth-authorization-server":
                    body = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks",
                            "token_endpoint": f"{issuer.url}/token"}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Key:
    """A signing key made in the test, and its public JWK."""

    def __init__(self, kind: str, kid: str) -> None:
        self.kid = kid
        if kind == "RS256":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())
            jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.alg = kind
        self.jwk = {**jwk, "kid": kid, "use": "sig", "alg": kind}
        pem = self.private.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode()
        SECRETS.append(pem)
        # The key's body lines, each of which must not show up either.
        SECRETS.extend(line for line in pem.splitlines() if "PRIVATE KEY" not in line and len(line) > 40)

    def token(self, claims: dict[str, Any], kid: str | None = None) -> str:
        return secret(jwt.encode(claims, self.private, algorithm=self.alg,
                                 headers={"kid": kid or self.kid}))


class OAuthSetup:
    def __init__(self, gateway: Gateway, issuer: Issuer, resource: str,
                 rsa_key: Key, ec_key: Key) -> None:
        self.gateway, self.issuer, self.resource = gateway, issuer, resource
        self.rsa, self.ec = rsa_key, ec_key

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": self.issuer.url, "aud": self.resource, "sub": f"user-{uuid.uuid4().hex[:6]}",
                  "iat": now, "exp": now + 300, "scope": "tasks:read profile"}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}


def start_oauth_gateway(todo_backend: Backend, log: Path, issuer: Issuer,
                        *extra: str) -> tuple[Gateway, str]:
    port = free_port()
    resource = f"http://127.0.0.1:{port}/mcp"
    gateway = start_gateway(
        [f"{todo_backend.url}/openapi.json", "--base-url", todo_backend.url,
         "--oauth-issuer", issuer.url, "--oauth-resource", resource, *extra],
        log, port=port,
    )
    return gateway, resource


@pytest.fixture(scope="module")
def oauth(todo_backend: Backend, log_dir: Path) -> Iterator[OAuthSetup]:
    """restmcp as an OAuth resource server requiring `tasks:read`; the JWKS
    is discovered from the issuer's metadata."""
    issuer = Issuer()
    rsa_key, ec_key = Key("RS256", "rsa-1"), Key("ES256", "ec-1")
    issuer.keys = [rsa_key.jwk, ec_key.jwk]
    gateway, resource = start_oauth_gateway(
        todo_backend, log_dir / f"{LOG_PREFIX}oauth.restmcp.log", issuer,
        "--oauth-scope", "tasks:read",
    )
    yield OAuthSetup(gateway, issuer, resource, rsa_key, ec_key)
    gateway.stop()
    issuer.stop()


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_valid_access_tokens_are_accepted(oauth: OAuthSetup, mode: str) -> None:
    await list_and_call(oauth.gateway.url, mode, oauth.rsa.token(oauth.claims()))
    await list_and_call(oauth.gateway.url, mode, oauth.ec.token(oauth.claims(scope=None, scp=["tasks:read"])))
    assert oauth.issuer.jwks_fetches == 1, "the keys were fetched once, at start-up"


def test_invalid_access_tokens_are_refused(oauth: OAuthSetup) -> None:
    now = int(time.time())
    forger = Key("RS256", "rsa-1")  # the published kid, another key
    cases = {
        "expired": oauth.rsa.token(oauth.claims(exp=now - 3600, iat=now - 7200)),
        "wrong audience": oauth.rsa.token(oauth.claims(aud="http://127.0.0.1:1/other")),
        "wrong issuer": oauth.ec.token(oauth.claims(iss="http://127.0.0.1:1")),
        "bad signature": forger.token(oauth.claims()),
        "unknown kid": oauth.rsa.token(oauth.claims(), kid="nobody-knows-me"),
        "not a JWT": secret(secrets.token_urlsafe(40)),
    }
    for case, token in cases.items():
        r = post(oauth.gateway.url, token)
        assert r.status_code == 401, case
        params = challenge(r)
        assert params["error"] == "invalid_token", case
        assert params["resource_metadata"].startswith("http://127.0.0.1:"), case
        assert token not in r.text and token not in r.headers["www-authenticate"]

    r = post(oauth.gateway.url, oauth.rsa.token(oauth.claims(scope="profile")))
    assert r.status_code == 403
    params = challenge(r)
    assert params["error"] == "insufficient_scope" and params["scope"] == "tasks:read"

    missing = post(oauth.gateway.url, None)
    assert missing.status_code == 401
    assert set(challenge(missing)) == {"realm", "resource_metadata"}
    # Start-up, plus at most one refresh for the unknown kid.
    assert oauth.issuer.jwks_fetches <= 2


def test_metadata_is_served_and_referenced(oauth: OAuthSetup) -> None:
    url = challenge(post(oauth.gateway.url, None))["resource_metadata"]
    assert url == oauth.resource.replace("/mcp", "/.well-known/oauth-protected-resource/mcp")
    for where in (url, f"{oauth.gateway.root}/.well-known/oauth-protected-resource"):
        r = httpx.get(where, timeout=10)
        assert r.status_code == 200, where
        assert r.json() == {
            "resource": oauth.resource,
            "authorization_servers": [oauth.issuer.url],
            "scopes_supported": ["tasks:read"],
            "bearer_methods_supported": ["header"],
            "resource_name": "restmcp",
        }


@pytest.mark.anyio
async def test_key_rotation_and_unknown_kid_flood(todo_backend: Backend, log_dir: Path) -> None:
    """A key added to the JWKS is picked up by one refresh; a flood of unknown
    kids right after does not reach the issuer again."""
    issuer = Issuer()
    old, new = Key("RS256", "old"), Key("ES256", "new")
    issuer.keys = [old.jwk]
    gateway, resource = start_oauth_gateway(
        todo_backend, log_dir / f"{LOG_PREFIX}rotation.restmcp.log", issuer,
        "--oauth-jwks-url", f"{issuer.url}/jwks", "--oauth-identity-claim", "email",
    )
    try:
        now = int(time.time())
        claims = {"iss": issuer.url, "aud": [resource, "other"], "email": "ada@example.com",
                  "exp": now + 300, "nbf": now - 5}
        await list_and_call(gateway.url, "legacy", old.token(claims))
        assert issuer.jwks_fetches == 1

        issuer.keys = [old.jwk, new.jwk]
        await list_and_call(gateway.url, "2026-07-28", new.token(claims))
        assert issuer.jwks_fetches == 2

        for i in range(30):
            assert post(gateway.url, new.token(claims, kid=f"bogus-{i}")).status_code == 401
        assert post(gateway.url, old.token(claims)).status_code == 200
        assert issuer.jwks_fetches == 2, "unknown kids must not hammer the issuer"
    finally:
        gateway.stop()
        issuer.stop()


# --- Last: nothing secret in any log -------------------------------------------


def test_logs_hold_no_secret(log_dir: Path, oauth: OAuthSetup,
                             token_gateway: tuple[Gateway, str, str]) -> None:
    logs = sorted(log_dir.glob(f"{LOG_PREFIX}*.restmcp.log"))
    assert len(logs) >= 5, logs
    text = "\n".join(path.read_text(errors="replace") for path in logs)
    # The logs did record the failures (by reason), so the check means something.
    assert '"reason":"bad_signature"' in text and '"reason":"unknown_token"' in text
    assert len(SECRETS) > 20
    leaked = [s[:6] + "…" for s in SECRETS if s in text]
    assert not leaked, f"secrets found in restmcp logs: {leaked}"
