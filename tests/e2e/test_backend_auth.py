"""Backend credentials end to end (issue 4, outbound): real restmcp processes,
the Python MCP SDK as the client, real uvicorn backends.

- Pattern 4 (service token + caller id) against the example backend running
  with SERVICE_AUTH_TOKEN: isolation between callers, forged identities,
  a wrong service token, a short one, a call without a caller id.
- Pattern 1 inject mode; patterns 2 and 3 and the document's security
  schemes (apiKey header/query/cookie, basic, bearer, OAuth2 client
  credentials) against a backend that checks each one.
- At the end, no secret used here appears in any restmcp log or error text.
"""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from harness import (
    BACKENDS_DIR,
    TODO_DIR,
    Backend,
    error_of,
    free_port,
    ok,
    parse_log,
    restmcp_bin,
    start_backend,
    start_gateway,
    stdio_mcp_client,
    text_of,
)

pytestmark = pytest.mark.anyio

SERVICE_TOKEN = secrets.token_urlsafe(32)
WRONG_SERVICE_TOKEN = secrets.token_urlsafe(32)
API_KEY = "key-" + secrets.token_urlsafe(20)
BASIC = "svc-user:" + secrets.token_urlsafe(20)
BEARER = "jwt-" + secrets.token_urlsafe(30)
CLIENT = "client-id:" + secrets.token_urlsafe(20)
SESSION = "sess-" + secrets.token_urlsafe(20)
ALICE_TOKEN = "alice-" + secrets.token_urlsafe(20)
# Inbound: what MCP callers present to restmcp over HTTP.
CALLER_TOKENS = {"alice": secrets.token_urlsafe(32), "bob": secrets.token_urlsafe(32)}
SECRETS = [SERVICE_TOKEN, WRONG_SERVICE_TOKEN, API_KEY, BASIC, BASIC.split(":", 1)[1], BEARER,
           CLIENT, CLIENT.split(":", 1)[1], SESSION, ALICE_TOKEN, *CALLER_TOKENS.values()]

# Every error text the tests saw, checked for secrets at the end.
SEEN_TEXTS: list[str] = []


@pytest.fixture(scope="module")
def service_backend(log_dir: Path) -> Iterator[Backend]:
    """The example backend in pattern 4: it trusts SERVICE_AUTH_TOKEN plus X-User-ID."""
    backend = start_backend(
        "todo_app.main:app", TODO_DIR, free_port(), log_dir / "todo-service.uvicorn.log",
        env={"SERVICE_AUTH_TOKEN": SERVICE_TOKEN}, health="/health",
    )
    yield backend
    backend.stop()


@pytest.fixture(scope="module")
def secured_backend(log_dir: Path) -> Iterator[Backend]:
    backend = start_backend(
        "secured:app", BACKENDS_DIR, free_port(), log_dir / "secured.uvicorn.log",
        env={
            "SECURED_API_KEY": API_KEY, "SECURED_BASIC": BASIC, "SECURED_BEARER": BEARER,
            "SECURED_CLIENT": CLIENT, "SECURED_SESSION": SESSION,
            "SECURED_USER_TOKENS": f"alice={ALICE_TOKEN}",
        },
        health="/openapi.json",
    )
    yield backend
    backend.stop()


def service_args(backend: Backend, *extra: str) -> list[str]:
    return ["serve", f"{backend.url}/openapi.json", "--base-url", backend.url,
            "--service-auth", *extra]


def record(result: Any) -> Any:
    SEEN_TEXTS.append(text_of(result))
    SEEN_TEXTS.append(str(result.structured_content))
    return result


async def test_pattern4_isolates_callers_and_ignores_forged_ids(
    service_backend: Backend, log_dir: Path
) -> None:
    env = {"SERVICE_AUTH_TOKEN": SERVICE_TOKEN}
    err = log_dir / "pattern4.restmcp.log"
    async with (
        stdio_mcp_client([*service_args(service_backend), "--user-id", "alice"], "legacy", err, env) as alice,
        stdio_mcp_client([*service_args(service_backend), "--user-id", "bob"], "legacy", err, env) as bob,
    ):
        tools = {t.name: t for t in (await alice.list_tools()).tools}
        for tool in tools.values():
            props = tool.input_schema.get("properties", {})
            assert "x_user_id" not in props, f"{tool.name} still lets the model set X-User-ID"

        mine = ok(record(await alice.call_tool("create_task", {"title": "alice's secret plan"})))
        assert mine["owner"] == "alice"
        theirs = ok(record(await bob.call_tool("create_task", {"title": "bob's list"})))
        assert theirs["owner"] == "bob"

        bob_sees = ok(record(await bob.call_tool("list_tasks", {})))
        titles = [t["title"] for t in bob_sees["result"]]
        assert titles == ["bob's list"]
        alice_sees = ok(record(await alice.call_tool("list_tasks", {})))
        assert [t["title"] for t in alice_sees["result"]] == ["alice's secret plan"]

        for name, args in [
            ("get_task", {"task_id": mine["id"]}),
            ("update_task", {"task_id": mine["id"], "title": "hijacked"}),
            ("delete_task", {"task_id": mine["id"]}),
            ("complete_task", {"task_id": mine["id"]}),
        ]:
            error = error_of(record(await bob.call_tool(name, args)))
            assert error["error_type"] in {"not_found_error", "authorization_error"}, (name, error)

        # A forged identity argument is refused outright, never sent.
        for forged in ({"x_user_id": "alice"}, {"X-User-ID": "alice"}, {"user_id": "alice"}):
            error = error_of(record(await bob.call_tool("list_tasks", forged)))
            assert error["error_type"] == "validation_error", error
        still = ok(record(await alice.call_tool("get_task", {"task_id": mine["id"]})))
        assert still["title"] == "alice's secret plan"

    audit = [r for r in parse_log(err) if r.get("target") == "restmcp::audit"]
    assert {r.get("user_id") for r in audit} == {"alice", "bob"}


async def test_pattern4_over_http_each_token_is_its_own_user(
    service_backend: Backend, log_dir: Path, tmp_path: Path
) -> None:
    """Two MCP callers with their own bearer tokens, over Streamable HTTP:
    the caller id comes from the token, and the backend keeps them apart."""
    tokens = tmp_path / "callers"
    tokens.write_text("".join(f"{who} {token}\n" for who, token in CALLER_TOKENS.items()))
    tokens.chmod(0o600)
    gateway = start_gateway(
        [f"{service_backend.url}/openapi.json", "--base-url", service_backend.url,
         "--service-auth", "--auth-tokens-file", str(tokens)],
        log_dir / "pattern4-http.restmcp.log",
        env={"SERVICE_AUTH_TOKEN": SERVICE_TOKEN},
    )
    try:
        async with (
            _as(gateway.url, CALLER_TOKENS["alice"]) as alice,
            _as(gateway.url, CALLER_TOKENS["bob"]) as bob,
        ):
            mine = ok(record(await alice.call_tool("create_task", {"title": "alice over http"})))
            assert mine["owner"] == "alice"
            assert ok(record(await bob.call_tool("create_task", {"title": "bob over http"})))["owner"] == "bob"
            seen = ok(record(await bob.call_tool("list_tasks", {})))["result"]
            assert "alice over http" not in [t["title"] for t in seen]
            error = error_of(record(await bob.call_tool("delete_task", {"task_id": mine["id"]})))
            assert error["error_type"] == "not_found_error"
            forged = error_of(record(await bob.call_tool("get_task", {"task_id": mine["id"], "x_user_id": "alice"})))
            assert forged["error_type"] == "validation_error"
        refused = httpx.post(gateway.url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                             headers={"Accept": "application/json, text/event-stream",
                                      "Authorization": "Bearer " + "n" * 43})
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].lower().startswith("bearer")
    finally:
        gateway.stop()
    audit = [r for r in gateway.log_records() if r.get("target") == "restmcp::audit"]
    assert {r.get("user_id") for r in audit} == {"alice", "bob"}


def _as(url: str, token: str) -> Client:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    return Client(streamable_http_client(url, http_client=http), mode="legacy", read_timeout_seconds=60)


async def test_pattern4_without_a_caller_fails_closed(
    service_backend: Backend, log_dir: Path
) -> None:
    before = _task_count(service_backend, "local")
    err = log_dir / "pattern4-nocaller.restmcp.log"
    env = {"SERVICE_AUTH_TOKEN": SERVICE_TOKEN}
    async with stdio_mcp_client(service_args(service_backend), "legacy", err, env) as client:
        error = error_of(record(await client.call_tool("create_task", {"title": "nobody's"})))
    assert error["error_type"] == "authentication_error"
    assert "no caller id" in error["message"] and "--user-id" in " ".join(error["suggestions"])
    assert _task_count(service_backend, "local") == before


async def test_wrong_service_token_names_the_variable_not_the_value(
    service_backend: Backend, log_dir: Path
) -> None:
    err = log_dir / "pattern4-wrong.restmcp.log"
    env = {"SERVICE_AUTH_TOKEN": WRONG_SERVICE_TOKEN}
    async with stdio_mcp_client([*service_args(service_backend), "--user-id", "alice"], "legacy", err, env) as client:
        result = record(await client.call_tool("list_tasks", {}))
    error = error_of(result)
    assert error["error_type"] == "authentication_error"
    assert "SERVICE_AUTH_TOKEN" in error["message"]
    assert WRONG_SERVICE_TOKEN not in text_of(result) and SERVICE_TOKEN not in text_of(result)


def test_short_service_token_is_refused_at_start_up(service_backend: Backend) -> None:
    short = secrets.token_urlsafe(32)[:31]
    done = subprocess.run(
        [str(restmcp_bin()), *service_args(service_backend), "--user-id", "alice"],
        env={"SERVICE_AUTH_TOKEN": short, "PATH": "/usr/bin:/bin"},
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    SEEN_TEXTS.append(done.stderr)
    assert done.returncode == 1, done.stderr
    assert "31 characters" in done.stderr and "restmcp token" in done.stderr
    assert short not in done.stderr and short not in done.stdout


async def test_inject_mode_fills_the_user_parameter(
    todo_backend: Backend, log_dir: Path
) -> None:
    args = ["serve", f"{todo_backend.url}/openapi.json", "--base-url", todo_backend.url,
            "--inject-user-id", "X-User-ID", "--user-id", "carol-inject"]
    async with stdio_mcp_client(args, "legacy", log_dir / "inject.restmcp.log") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert "x_user_id" not in tools["create_task"].input_schema["properties"]
        made = ok(record(await client.call_tool("create_task", {"title": "injected"})))
    assert made["owner"] == "carol-inject"
    direct = httpx.get(f"{todo_backend.url}/tasks", headers={"X-User-ID": "carol-inject"}).json()
    assert [t["title"] for t in direct] == ["injected"]


async def test_security_schemes_are_filled_per_operation(
    secured_backend: Backend, log_dir: Path
) -> None:
    env = {"T_API_KEY": API_KEY, "T_BASIC": BASIC, "T_CLIENT": CLIENT}
    args = ["serve", f"{secured_backend.url}/openapi.json", "--base-url", secured_backend.url,
            "--security", "APIKeyHeader=env:T_API_KEY", "--security", "APIKeyQuery=T_API_KEY",
            "--security", "APIKeyCookie=env:T_API_KEY", "--security", "HTTPBasic=env:T_BASIC",
            "--security", "OAuth2=env:T_CLIENT"]
    fetches_before = _fetches(secured_backend)
    async with stdio_mcp_client(args, "legacy", log_dir / "schemes.restmcp.log", env) as client:
        expected = {
            "by_header_key": "header key", "by_query_key": "query key",
            "by_cookie_key": "cookie key", "by_basic": "basic",
        }
        for tool, saw in expected.items():
            assert ok(record(await client.call_tool(tool, {})))["saw"] == saw, tool
        for _ in range(5):
            answer = ok(record(await client.call_tool("by_client_credentials", {})))
            assert answer["saw"] == "client credentials"
        assert _fetches(secured_backend) - fetches_before == 1, "one token for its whole lifetime"

        # The backend forgets its tokens: restmcp refetches once and succeeds.
        httpx.post(f"{secured_backend.url}/_test/revoke").raise_for_status()
        answer = ok(record(await client.call_tool("by_client_credentials", {})))
        assert answer["saw"] == "client credentials"
        assert _fetches(secured_backend) - fetches_before == 2

        # Two schemes in one requirement; after a revoke the resend renews
        # only the token (the backend refuses a query key sent twice).
        both = ok(record(await client.call_tool("by_key_and_client_credentials", {})))
        assert both == {"saw": "client credentials", "and": "query key"}
        httpx.post(f"{secured_backend.url}/_test/revoke").raise_for_status()
        both = ok(record(await client.call_tool("by_key_and_client_credentials", {})))
        assert both == {"saw": "client credentials", "and": "query key"}
        assert _fetches(secured_backend) - fetches_before == 3

        # No credential configured for HTTPBearer: the backend's 401 comes back classified.
        error = error_of(record(await client.call_tool("by_bearer", {})))
        assert error["error_type"] == "authentication_error"


async def test_session_cookie_and_bearer_patterns(
    secured_backend: Backend, log_dir: Path, tmp_path: Path
) -> None:
    env = {"T_SESSION": SESSION, "T_BEARER": BEARER}
    base = ["serve", f"{secured_backend.url}/openapi.json", "--base-url", secured_backend.url]
    err = log_dir / "patterns23.restmcp.log"
    async with stdio_mcp_client([*base, "--session-cookie", "session=env:T_SESSION",
                                 "--backend-bearer", "env:T_BEARER"], "legacy", err, env) as client:
        assert ok(record(await client.call_tool("by_session", {})))["saw"] == "session"
        assert ok(record(await client.call_tool("by_bearer", {})))["saw"] == "bearer"

    token_map = tmp_path / "backend-tokens"
    token_map.write_text(f"# caller token\nalice {ALICE_TOKEN}\n")
    mapped = [*base, "--backend-bearer-map", f"file:{token_map}"]
    async with stdio_mcp_client([*mapped, "--user-id", "alice"], "legacy", err) as alice:
        assert ok(record(await alice.call_tool("by_bearer", {})))["caller"] == "alice"
    async with stdio_mcp_client([*mapped, "--user-id", "mallory"], "legacy", err) as mallory:
        error = error_of(record(await mallory.call_tool("by_bearer", {})))
    assert error["error_type"] == "authentication_error" and "mallory" in error["message"]


async def test_inbound_token_is_forwarded_only_with_passthrough(
    secured_backend: Backend, log_dir: Path, tmp_path: Path
) -> None:
    """The caller's own MCP token never reaches the backend unless
    --passthrough-token is set (and then restmcp warns at start-up)."""
    callers = tmp_path / "callers"
    callers.write_text(f"alice {ALICE_TOKEN}\n")
    callers.chmod(0o600)
    base = [f"{secured_backend.url}/openapi.json", "--base-url", secured_backend.url,
            "--auth-tokens-file", str(callers)]
    for passthrough in (False, True):
        log = log_dir / f"passthrough-{passthrough}.restmcp.log"
        gateway = start_gateway([*base, *(["--passthrough-token"] if passthrough else [])], log)
        try:
            async with _as(gateway.url, ALICE_TOKEN) as alice:
                result = record(await alice.call_tool("by_bearer", {}))
        finally:
            gateway.stop()
        warned = any("passthrough" in str(r.get("message", "")) and r.get("level") == "WARN"
                     for r in gateway.log_records())
        if passthrough:
            assert ok(result)["caller"] == "alice"
            assert warned, "no start-up warning for --passthrough-token"
        else:
            assert error_of(result)["error_type"] == "authentication_error"
            assert not warned


def test_config_file_cannot_hold_a_literal_secret(tmp_path: Path, todo_backend: Backend) -> None:
    config = tmp_path / "restmcp.toml"
    config.write_text(f'source = "{todo_backend.url}/openapi.json"\nbackend-bearer = "{BEARER}"\n')
    done = subprocess.run(
        [str(restmcp_bin()), "serve", "--config", str(config)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    SEEN_TEXTS.append(done.stderr)
    assert done.returncode == 1
    assert "env:NAME" in done.stderr and BEARER not in done.stderr


def test_no_secret_reaches_any_log_or_error(log_dir: Path) -> None:
    """Runs last in this module: every restmcp log of the session, and every
    error text the tests above saw."""
    logs = {p.name: p.read_text(errors="replace") for p in log_dir.glob("*.restmcp.log")}
    assert logs, "no restmcp logs were captured"
    for secret in SECRETS:
        for name, text in logs.items():
            assert secret not in text, f"a secret leaked into {name}"
        for text in SEEN_TEXTS:
            assert secret not in text, "a secret leaked into an error or result text"


def _task_count(backend: Backend, user: str) -> int:
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}", "X-User-ID": user}
    response = httpx.get(f"{backend.url}/stats", headers=headers)
    response.raise_for_status()
    return int(response.json()["total"])


def _fetches(backend: Backend) -> int:
    return int(httpx.get(f"{backend.url}/_test/counts").json()["token_fetches"])
