"""End-to-end tests of `restmcp serve`: real MCP clients (the `mcp` SDK) talk
to the real binary over stdio and Streamable HTTP, which calls real FastAPI
backends under uvicorn."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import secrets
import signal
import string
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from harness import (
    BACKENDS_DIR,
    FAULT_RETRIES,
    FAULT_TIMEOUT,
    MODES,
    PYTHON,
    ROOT,
    TODO_DIR,
    Backend,
    FaultCounter,
    Gateway,
    error_of,
    free_port,
    http_client,
    ok,
    parse_log,
    processes_with,
    restmcp_bin,
    start_backend,
    start_gateway,
    stdio_mcp_client,
    stop_process,
    text_of,
)
from mcp import MCPError

TODO_TOOLS = {
    "create_task", "list_tasks", "get_task", "update_task", "patch_task", "delete_task",
    "complete_task", "add_subtask", "search_tasks", "import_tasks_form", "upload_attachment",
    "rename_tag", "export_tasks", "get_stats", "health",
}

TRANSPORTS = ("stdio", "http", "http-stateless")


# --- Connecting to the todo example in each transport -------------------------


class TodoConnection:
    """Opens an MCP client on the todo example and says where its backend is."""

    def __init__(self, transport: str, request: pytest.FixtureRequest, log_dir: Path,
                 tmp_path: Path) -> None:
        self.transport = transport
        self.marker: str | None = None
        if transport == "stdio":
            # A uniquely named --app-dir (a symlink to examples/todo) marks every
            # process of this run in /proc, so leftovers can be found afterwards.
            self.marker = f"e2e-{uuid.uuid4().hex}"
            self.app_dir = tmp_path / self.marker
            self.app_dir.symlink_to(TODO_DIR, target_is_directory=True)
            self.errlog = log_dir / f"stdio-{self.marker}.restmcp.log"
        else:
            name = "todo_gateway" if transport == "http" else "todo_gateway_stateless"
            self.gateway: Gateway = request.getfixturevalue(name)
            self.backend: Backend = request.getfixturevalue("todo_backend")
            self.errlog = self.gateway.log

    @contextlib.asynccontextmanager
    async def connect(self, mode: str) -> AsyncIterator[tuple[Any, str]]:
        if self.transport != "stdio":
            async with http_client(self.gateway.url, mode) as client:
                yield client, self.backend.url
            return
        args = ["serve", "--app", "todo_app.main:app", "--app-dir", str(self.app_dir),
                "--python", str(PYTHON)]
        async with stdio_mcp_client(args, mode, self.errlog) as client:
            # Without a handshake (2026-07-28) the client returns before restmcp
            # has started the app: wait for its log line.
            deadline = time.monotonic() + 30
            while not (started := [r for r in parse_log(self.errlog)
                                   if r.get("message") == "app started under uvicorn"]):
                assert time.monotonic() < deadline, (
                    f"no 'app started' log line:\n{self.errlog.read_text()}")
                await anyio.sleep(0.05)
            yield client, started[-1]["base_url"].rstrip("/")


@pytest.fixture
def todo_connection(request: pytest.FixtureRequest, transport: str, log_dir: Path,
                    tmp_path: Path) -> TodoConnection:
    return TodoConnection(transport, request, log_dir, tmp_path)


async def call(client: Any, name: str, args: dict[str, Any]) -> Any:
    return await client.call_tool(name, args)


async def exercise_every_tool(client: Any, base: str, user: str) -> None:
    """Lists the tools, then calls all 15 with valid arguments, comparing each
    JSON answer with a direct call to the backend."""
    listed = (await client.list_tools()).tools
    by_name = {t.name: t for t in listed}
    assert len(listed) == 15, sorted(by_name)
    assert set(by_name) == TODO_TOOLS
    for tool in listed:
        assert tool.input_schema.get("type") == "object", tool.name
    assert "result" in by_name["list_tasks"].output_schema["properties"]
    assert "id" in by_name["create_task"].output_schema["properties"]
    assert by_name["export_tasks"].output_schema is None
    assert set(by_name["rename_tag"].input_schema["properties"]) >= {"name__path", "name__body"}

    u = {"X-User-ID": user}
    async with httpx.AsyncClient(base_url=base, headers=u, timeout=10) as direct:

        async def backend_get(path: str, **kw: Any) -> Any:
            r = await direct.get(path, **kw)
            r.raise_for_status()
            return r.json()

        # health
        assert ok(await call(client, "health", {})) == await backend_get("/health")

        # create_task: every body field, and a header argument
        created = ok(await call(client, "create_task", {
            **u, "title": "Write e2e tests", "description": "for restmcp serve",
            "priority": "high", "due_date": "2030-01-02", "tags": ["e2e", "rust"],
            "estimate_hours": 2.5,
        }))
        task_id = created["id"]
        assert created["title"] == "Write e2e tests"
        assert created["owner"] == user
        assert created["due_date"] == "2030-01-02"
        assert created["estimate_hours"] == 2.5
        assert created == await backend_get(f"/tasks/{task_id}")

        second = ok(await call(client, "create_task", {**u, "title": "Second task", "priority": "low"}))
        assert second == await backend_get(f"/tasks/{second['id']}")

        # get_task
        got = ok(await call(client, "get_task", {**u, "task_id": task_id}))
        assert got == await backend_get(f"/tasks/{task_id}")

        # list_tasks: a non-object answer is wrapped as {"result": [...]}
        listed_tasks = ok(await call(client, "list_tasks", {**u}))
        assert listed_tasks == {"result": await backend_get("/tasks")}
        assert [t["id"] for t in listed_tasks["result"]] == [task_id, second["id"]]
        # query parameters and a cookie parameter
        filtered = ok(await call(client, "list_tasks", {**u, "priority": "low", "limit": 5, "offset": 0}))
        assert filtered == {"result": await backend_get("/tasks", params={"priority": "low", "limit": 5})}
        assert [t["id"] for t in filtered["result"]] == [second["id"]]
        newest = ok(await call(client, "list_tasks", {**u, "session_hint": "newest"}))
        assert [t["id"] for t in newest["result"]] == [second["id"], task_id]
        async with httpx.AsyncClient(base_url=base, headers=u, timeout=10,
                                     cookies={"session_hint": "newest"}) as with_cookie:
            assert newest == {"result": (await with_cookie.get("/tasks")).json()}

        # update_task (PUT)
        updated = ok(await call(client, "update_task", {
            **u, "task_id": task_id, "title": "Write more e2e tests", "priority": "urgent",
            "tags": ["e2e", "rust"],
        }))
        assert updated["title"] == "Write more e2e tests"
        assert updated["priority"] == "urgent"
        assert updated == await backend_get(f"/tasks/{task_id}")

        # patch_task (PATCH)
        patched = ok(await call(client, "patch_task", {**u, "task_id": task_id, "status": "in_progress"}))
        assert patched["status"] == "in_progress"
        assert patched["title"] == "Write more e2e tests"
        assert patched == await backend_get(f"/tasks/{task_id}")

        # add_subtask
        parent = ok(await call(client, "add_subtask", {**u, "task_id": task_id, "title": "Subtask e2e", "tags": ["e2e"]}))
        assert [s["title"] for s in parent["subtasks"]] == ["Subtask e2e"]
        assert parent == await backend_get(f"/tasks/{task_id}")

        # complete_task
        done = ok(await call(client, "complete_task", {**u, "task_id": task_id}))
        assert done["status"] == "done"
        assert done == await backend_get(f"/tasks/{task_id}")

        # search_tasks: a required query and an array query parameter
        found = ok(await call(client, "search_tasks", {**u, "q": "E2E", "tag": ["e2e"]}))
        assert found == {"result": await backend_get("/search", params=[("q", "E2E"), ("tag", "e2e")])}
        assert {t["title"] for t in found["result"]} == {"Write more e2e tests", "Subtask e2e"}

        # import_tasks_form (application/x-www-form-urlencoded)
        imported = ok(await call(client, "import_tasks_form", {**u, "title": "From a form", "priority": "low"}))
        assert imported["title"] == "From a form"
        assert imported["priority"] == "low"
        assert imported == await backend_get(f"/tasks/{imported['id']}")

        # upload_attachment (multipart, file as base64)
        data = b"hello attachment\n" + os.urandom(64)
        attachment = ok(await call(client, "upload_attachment", {
            **u, "task_id": task_id, "file": base64.b64encode(data).decode(), "note": "a note",
        }))
        assert attachment["size"] == len(data)
        assert attachment["sha256"] == hashlib.sha256(data).hexdigest()
        assert attachment["note"] == "a note"
        assert attachment["task_id"] == task_id
        assert (await backend_get(f"/tasks/{task_id}"))["attachments"] == [attachment]

        # rename_tag: path `name` and body `name` as name__path / name__body
        renamed = ok(await call(client, "rename_tag", {**u, "name__path": "rust", "name__body": "rustlang"}))
        assert renamed == {"old": "rust", "new": "rustlang", "renamed": 1}
        assert (await backend_get(f"/tasks/{task_id}"))["tags"] == ["e2e", "rustlang"]
        # the same request sent directly is now a no-op with the same shape
        again = await direct.put("/tags/rust", json={"name": "rustlang"})
        assert again.json() == {**renamed, "renamed": 0}

        # export_tasks: plain text, no structured content
        exported = await call(client, "export_tasks", {**u})
        assert not exported.is_error
        assert exported.structured_content is None
        direct_export = (await direct.get("/export")).text
        assert text_of(exported) == direct_export
        assert "[x] Write more e2e tests" in direct_export

        # get_stats
        stats = ok(await call(client, "get_stats", {**u}))
        assert stats == await backend_get("/stats")
        assert stats["total"] == 4

        # delete_task, last: 204 → success without content
        deleted = await call(client, "delete_task", {**u, "task_id": task_id})
        assert not deleted.is_error, deleted
        assert "204" in text_of(deleted)
        assert (await direct.get(f"/tasks/{task_id}")).status_code == 404
        missing = error_of(await call(client, "get_task", {**u, "task_id": task_id}))
        assert missing["error_type"] == "not_found_error"


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_every_tool_of_the_example(transport: str, mode: str,
                                         todo_connection: TodoConnection) -> None:
    user = f"e2e-{transport}-{mode}-{uuid.uuid4().hex[:8]}"
    async with todo_connection.connect(mode) as (client, base):
        if todo_connection.marker:
            alive = processes_with(todo_connection.marker)
            assert len(alive) >= 2, f"expected restmcp and its uvicorn child, found {alive}"
        await exercise_every_tool(client, base, user)

    audit = [r for r in parse_log(todo_connection.errlog)
             if r.get("message") == "tool call" and r.get("user_id") == user]
    assert {r["tool"] for r in audit} >= TODO_TOOLS - {"health"}

    if todo_connection.marker:
        # The client has exited: neither restmcp nor the app it started may remain.
        deadline = time.monotonic() + 5
        while (left := processes_with(todo_connection.marker)) and time.monotonic() < deadline:
            await anyio.sleep(0.1)
        assert not left, f"processes left behind after the stdio client exited: {left}"


# --- restmcp stops the app it started, however it ends -------------------------


@pytest.mark.parametrize("how", ["stdin-closed", "sigterm", "sigkill"])
def test_app_started_by_restmcp_never_outlives_it(how: str, tmp_path: Path, log_dir: Path) -> None:
    marker = f"e2e-{uuid.uuid4().hex}"
    app_dir = tmp_path / marker
    app_dir.symlink_to(TODO_DIR, target_is_directory=True)
    log = log_dir / f"lifecycle-{how}-{marker}.restmcp.log"
    with open(log, "ab") as err:
        proc = subprocess.Popen(
            [str(restmcp_bin()), "serve", "--app", "todo_app.main:app", "--app-dir", str(app_dir),
             "--python", str(PYTHON)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err,
        )
    try:
        deadline = time.monotonic() + 30
        while not any(r.get("message") == "serving" for r in parse_log(log)):
            assert proc.poll() is None, f"restmcp exited early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"restmcp never served:\n{log.read_text()}"
            time.sleep(0.05)
        children = {pid for pid in processes_with(marker) if pid != proc.pid}
        assert children, "the uvicorn child of restmcp was not found"

        if how == "stdin-closed":
            proc.stdin.close()
        elif how == "sigterm":
            proc.send_signal(signal.SIGTERM)
        else:
            proc.kill()
        if how != "sigkill":
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pytest.fail(f"restmcp did not exit within 5 s after {how}")
        deadline = time.monotonic() + 5
        while (left := processes_with(marker)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left, f"left behind after {how}: {left}"
    finally:
        stop_process(proc)


# --- Invalid arguments never reach the backend ---------------------------------


@pytest.mark.anyio
async def test_invalid_arguments_are_refused_before_the_backend(
        fault_gateway: Gateway, faults: FaultCounter) -> None:
    async with http_client(fault_gateway.url, "legacy") as client:
        cases = [
            ({"note_id": 1, "text": "no title"}, "title"),
            ({"note_id": "seven", "title": "x"}, "note_id"),
            ({"note_id": 1, "title": "x", "colour": "red"}, "colour"),
        ]
        for args, argument in cases:
            err = error_of(await client.call_tool("create_note", args))
            assert err["error_type"] == "validation_error", err
            named = [f["argument"] for f in err["details"]["fields"]]
            assert argument in named, err
            assert all(f["problem"] for f in err["details"]["fields"]), err
            assert argument in err["message"], err
            assert "Nothing was sent" in err["message"], err
            assert err["suggestions"], err
            assert "status_code" not in err
        assert faults.count("create_note") == 0, "an invalid call reached the backend"

        # The same tool with valid arguments does reach it (the counter works).
        assert ok(await client.call_tool("create_note", {"note_id": 1, "title": "x"})) == {
            "note_id": 1, "title": "x", "text": None}
        assert faults.count("create_note") == 1


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_invalid_arguments_on_the_example(todo_gateway: Gateway, mode: str) -> None:
    async with http_client(todo_gateway.url, mode) as client:
        cases = [
            ("create_task", {"description": "no title"}, "title"),
            ("get_task", {"task_id": "seven"}, "task_id"),
            ("get_task", {"task_id": 0}, "task_id"),
            ("list_tasks", {"colour": "red"}, "colour"),
            ("create_task", {"title": "x", "priority": "whenever"}, "priority"),
        ]
        for tool, args, argument in cases:
            err = error_of(await client.call_tool(tool, args))
            assert err["error_type"] == "validation_error", err
            assert argument in [f["argument"] for f in err["details"]["fields"]], err
            assert err["suggestions"], err


# --- Each fault becomes its error type -------------------------------------------

# tool, arguments, error_type, status_code (None: none), words in the message,
# requests the backend must have seen.
FAULTS = [
    ("unauthorized", {}, "authentication_error", 401, ["401", "Token expired"], 1),
    ("forbidden", {}, "authorization_error", 403, ["403", "Not allowed to read reports"], 1),
    ("get_item", {"item_id": 42}, "not_found_error", 404, ["404", "Item 42 not found"], 1),
    ("create_conflict", {"name": "widget"}, "conflict_error", 409,
     ["409", "Item 'widget' already exists"], 1),
    ("create_title", {"title": "Hello"}, "validation_error", 422, ["422", "Title already used"], 1),
    ("rate_limited_post", {}, "rate_limit_error", 429, ["429", "Quota exhausted"], 1),
    ("server_error", {}, "backend_error", 500, ["500", "Database exploded"], 1),
    ("unavailable_post", {}, "backend_error", 503, ["503", "Maintenance"], 1),
    ("garbage", {}, "backend_error", 200, ["JSON"], 1),
    ("huge", {}, "response_too_large_error", 200, ["1048576", "--max-response-bytes"], 1),
    ("slow_get", {}, "timeout_error", None, [f"{FAULT_TIMEOUT} s"], 1 + FAULT_RETRIES),
    ("slow_post", {}, "timeout_error", None, [f"{FAULT_TIMEOUT} s"], 1),
    ("drip", {}, "timeout_error", None, [f"{FAULT_TIMEOUT} s"], 1 + FAULT_RETRIES),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("tool", "args", "error_type", "status", "words", "sent"), FAULTS,
                         ids=[f[0] for f in FAULTS])
async def test_fault_becomes_its_error_type(
        fault_gateway: Gateway, faults: FaultCounter, tool: str, args: dict, error_type: str,
        status: int | None, words: list[str], sent: int) -> None:
    async with http_client(fault_gateway.url, "legacy") as client:
        result = await client.call_tool(tool, args)
    err = error_of(result)
    assert err["error_type"] == error_type, err
    assert set(err) >= {"error_type", "message", "details", "suggestions"}, err
    assert tool in err["message"], err
    for word in words:
        assert word in err["message"], f"{word!r} not in {err['message']!r}"
    assert err["suggestions"] and all(isinstance(s, str) and s for s in err["suggestions"]), err
    assert err.get("status_code") == status, err
    # The text copy says the same for clients that read only text.
    assert text_of(result).startswith(f"{error_type}: "), text_of(result)
    await anyio.sleep(0.3)  # a request still in flight would be counted by now
    assert faults.count(tool) == sent, f"{tool}: backend saw {faults.count(tool)} requests"

    details = err["details"]
    if tool == "get_item":
        assert any("item_id=42" in s for s in err["suggestions"]), err
        assert any("list_items" in s for s in err["suggestions"]), err
    if tool == "create_title":
        assert {"argument": "title", "problem": "Title already used"} in details["fields"], err
    if tool == "rate_limited_post":
        assert details["retry_after_seconds"] == 5, err
        assert any("5 seconds" in s for s in err["suggestions"]), err
    if tool == "unavailable_post":
        assert any("change was made" in s for s in err["suggestions"]), err
    if tool == "slow_post":
        assert any("may have made the change" in s for s in err["suggestions"]), err
    if error_type == "timeout_error":
        assert details["timeout_seconds"] == FAULT_TIMEOUT, err
        assert details["attempts"] == sent, err
    if tool == "huge":
        assert details["limit_bytes"] == 1048576, err
        assert len(json.dumps(err)) < 20_000, "the cut answer must not be passed on whole"
    if tool in ("server_error", "unauthorized", "forbidden", "create_conflict"):
        assert details["backend_response"]["detail"] in err["message"], err


@pytest.mark.anyio
async def test_long_retry_after_on_a_get_is_reported_not_awaited(
        fault_gateway: Gateway, faults: FaultCounter) -> None:
    """A Retry-After above restmcp's cap (30 s) is reported instead of waited for."""
    async with http_client(fault_gateway.url, "legacy") as client:
        started = time.monotonic()
        err = error_of(await client.call_tool("rate_limited_long", {}))
        elapsed = time.monotonic() - started
    assert err["error_type"] == "rate_limit_error", err
    assert err["details"]["retry_after_seconds"] == 120, err
    assert any("120 seconds" in s for s in err["suggestions"]), err
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert faults.count("rate_limited_long") == 1


@pytest.mark.anyio
async def test_connection_error_and_readyz_when_backend_is_down(
        fault_backend: Backend, log_dir: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gateway = start_gateway(
        [f"{fault_backend.url}/openapi.json", "--base-url", dead, "--retries", "1",
         "--retry-delay", "0.1", "--timeout", "2"],
        log_dir / "dead.restmcp.log",
    )
    try:
        assert httpx.get(f"{gateway.root}/healthz", timeout=5).status_code == 200
        assert httpx.get(f"{gateway.root}/readyz", timeout=5).status_code == 503
        async with http_client(gateway.url, "legacy") as client:
            err = error_of(await client.call_tool("ping", {}))
        assert err["error_type"] == "connection_error", err
        assert "could not reach the backend" in err["message"], err
        assert dead in err["message"], err
        assert err["details"]["attempts"] == 2, err
        assert err["suggestions"], err
        audit = [r for r in gateway.log_records() if r.get("message") == "tool call"]
        assert audit and audit[-1]["tool"] == "ping"
        assert audit[-1]["error_type"] == "connection_error"
        assert audit[-1]["attempt"] == 2
    finally:
        gateway.stop()


@pytest.mark.anyio
async def test_gateway_keeps_serving_after_faults(
        fault_gateway: Gateway, todo_gateway: Gateway, faults: FaultCounter) -> None:
    async with http_client(fault_gateway.url, "2026-07-28") as client:
        assert ok(await client.call_tool("ping", {})) == {"pong": "yes"}
        assert len((await client.list_tools()).tools) == 25
    assert faults.count("ping") == 1
    assert fault_gateway.proc.poll() is None
    assert httpx.get(f"{fault_gateway.root}/readyz", timeout=5).status_code == 200


@pytest.mark.anyio
async def test_a_slow_call_does_not_hold_up_other_clients(
        fault_gateway: Gateway, faults: FaultCounter) -> None:
    async def slow() -> None:
        async with http_client(fault_gateway.url, "legacy") as client:
            error_of(await client.call_tool("slow_post", {}))

    async with anyio.create_task_group() as tg:
        tg.start_soon(slow)
        await anyio.sleep(0.3)  # slow_post is now waiting on the backend
        async with http_client(fault_gateway.url, "2026-07-28") as other:
            started = time.monotonic()
            assert ok(await other.call_tool("ping", {})) == {"pong": "yes"}
            assert time.monotonic() - started < 1.0
        assert faults.count("slow_post") == 1


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("transport", ["http", "stdio"])
async def test_cancelling_a_call_aborts_the_backend_request(
        fault_backend: Backend, faults: FaultCounter, log_dir: Path, transport: str,
        mode: str) -> None:
    """Cancelling `call_tool` in the client makes the SDK send notifications/cancelled
    (legacy, and stdio in both modes) or abort the call's POST (2026-07-28 over HTTP).
    restmcp must then drop its backend request, which the backend sees as a disconnect.
    Its own gateway has --timeout 20, so only the cancellation can explain a
    disconnect within 2 s (the endpoint would otherwise run for 8 s)."""
    args = [f"{fault_backend.url}/openapi.json", "--base-url", fault_backend.url,
            "--timeout", "20"]
    log = log_dir / f"cancel-{transport}-{mode}.restmcp.log"
    gateway: Gateway | None = None
    try:
        if transport == "http":
            gateway = start_gateway(args, log)
            connect = http_client(gateway.url, mode)
        else:
            connect = stdio_mcp_client(["serve", *args], mode, log)
        async with connect as client:
            returned: list[Any] = []

            async def call_slow() -> None:
                returned.append(await client.call_tool("slow_cancellable", {}))

            async with anyio.create_task_group() as tg:
                tg.start_soon(call_slow)
                deadline = time.monotonic() + 10
                while await faults.outcome("slow_cancellable") != "started":
                    assert time.monotonic() < deadline, "the call never reached the backend"
                    await anyio.sleep(0.05)
                cancelled_at = time.monotonic()
                tg.cancel_scope.cancel()
            assert not returned, f"the call returned instead of being cancelled: {returned}"

            while (outcome := await faults.outcome("slow_cancellable")) == "started":
                if time.monotonic() - cancelled_at > 2:
                    break
                await anyio.sleep(0.05)
            waited = time.monotonic() - cancelled_at
            assert outcome == "disconnected", (
                f"the backend request was not aborted: {outcome!r} {waited:.1f} s after the cancel")
            assert waited < 2, f"the backend saw the disconnect only {waited:.1f} s after the cancel"

            # The same session still serves calls.
            assert ok(await client.call_tool("ping", {})) == {"pong": "yes"}
        assert faults.count("slow_cancellable") == 1, "the cancelled call was sent again"
        assert any(r.get("message") == "call cancelled by the client; backend request aborted"
                   and r.get("tool") == "slow_cancellable" for r in parse_log(log)), log.read_text()
    finally:
        if gateway is not None:
            gateway.stop()


# --- Retries ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_get_503_then_200_is_retried(fault_gateway: Gateway, faults: FaultCounter) -> None:
    async with http_client(fault_gateway.url, "legacy") as client:
        assert ok(await client.call_tool("flaky", {})) == {"ok": True, "attempt": 2}
    assert faults.count("flaky") == 2


@pytest.mark.anyio
async def test_get_429_waits_for_retry_after(fault_gateway: Gateway, faults: FaultCounter) -> None:
    async with http_client(fault_gateway.url, "legacy") as client:
        started = time.monotonic()
        result = await client.call_tool("rate_limited", {})
        elapsed = time.monotonic() - started
    assert ok(result) == {"ok": True, "attempt": 2}
    assert faults.count("rate_limited") == 2
    # --retry-delay is 0.2 s: only the backend's Retry-After: 1 explains a 1 s wait.
    assert elapsed >= 0.95, f"retried after {elapsed:.2f} s, before Retry-After: 1"
    assert elapsed < 5


@pytest.mark.anyio
@pytest.mark.parametrize("tool", ["slow_post", "unavailable_post"])
async def test_post_is_never_sent_twice(fault_gateway: Gateway, faults: FaultCounter,
                                        tool: str) -> None:
    async with http_client(fault_gateway.url, "legacy") as client:
        err = error_of(await client.call_tool(tool, {}))
    assert err["error_type"] in ("timeout_error", "backend_error")
    # Wait longer than any retry backoff would: nothing more may arrive.
    await anyio.sleep(1.0)
    assert faults.count(tool) == 1


@pytest.mark.anyio
async def test_connection_refused_then_backend_comes_up(
        fault_backend: Backend, log_dir: Path) -> None:
    port = free_port()
    gateway = start_gateway(
        [f"{fault_backend.url}/openapi.json", "--base-url", f"http://127.0.0.1:{port}",
         "--retries", "3", "--retry-delay", "1", "--timeout", "5"],
        log_dir / "refused-then-up.restmcp.log",
    )
    late: Backend | None = None
    try:
        async with http_client(gateway.url, "legacy") as client:
            async def bring_up() -> None:
                nonlocal late
                await anyio.sleep(0.5)
                late = start_backend("faults:app", BACKENDS_DIR, port,
                                     log_dir / "late-faults.uvicorn.log", wait=False)

            started = time.monotonic()
            async with anyio.create_task_group() as tg:
                tg.start_soon(bring_up)
                # A POST: connection refused means it never arrived, so it is retried too.
                result = await client.call_tool("create_note", {"note_id": 3, "title": "late"})
            elapsed = time.monotonic() - started
        assert ok(result) == {"note_id": 3, "title": "late", "text": None}
        assert elapsed > 0.5
        assert late is not None
        assert FaultCounter(late.url).count("create_note") == 1
        audit = [r for r in gateway.log_records()
                 if r.get("message") == "tool call" and r.get("tool") == "create_note"]
        assert audit and audit[-1]["attempt"] >= 2 and audit[-1]["status_code"] == 200, audit
    finally:
        gateway.stop()
        if late is not None:
            late.stop()


# --- Path arguments stay inside their segment --------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_path_traversal_stays_in_its_segment(fault_gateway: Gateway, faults: FaultCounter,
                                                   mode: str) -> None:
    async with http_client(fault_gateway.url, mode) as client:
        echoed = ok(await client.call_tool("echo_file", {"name": "../../admin"}))
        assert echoed["raw_path"] == "/files/..%2F..%2Fadmin", echoed
        assert echoed["name"] == "../../admin"
        odd = "a b?c#d/e%41"
        echoed = ok(await client.call_tool("echo_file", {"name": odd}))
        assert echoed["name"] == odd, echoed
        assert "?" not in echoed["raw_path"] and "#" not in echoed["raw_path"], echoed
        assert echoed["raw_path"].count("/") == 2, echoed


# --- Unknown tool --------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_unknown_tool_is_a_protocol_error(todo_gateway: Gateway, mode: str) -> None:
    async with http_client(todo_gateway.url, mode) as client:
        with pytest.raises(MCPError) as caught:
            await client.call_tool("no_such_tool", {})
        assert "no_such_tool" in str(caught.value)
        with pytest.raises(MCPError) as caught:
            await client.call_tool("get_tasks", {"task_id": 1})
        assert "get_task" in str(caught.value), "a near miss should name the real tool"
        # The session is still usable.
        assert ok(await client.call_tool("health", {})) == {"status": "ok"}


# --- Health endpoints ------------------------------------------------------------------


def test_healthz_and_readyz(todo_gateway: Gateway, todo_gateway_stateless: Gateway) -> None:
    for gateway in (todo_gateway, todo_gateway_stateless):
        healthz = httpx.get(f"{gateway.root}/healthz", timeout=5)
        assert healthz.status_code == 200
        readyz = httpx.get(f"{gateway.root}/readyz", timeout=5)
        assert readyz.status_code == 200, readyz.text


@pytest.mark.anyio
@pytest.mark.parametrize("log_format", ["json", "pretty"])
async def test_secret_never_logged_even_at_debug_level(
        fault_backend: Backend, log_dir: Path, log_format: str) -> None:
    """With RUST_LOG=debug restmcp logs whole MCP messages; the credential must
    still not appear, neither whole (`Bearer <token>`) nor as its token part.
    (Uses its own secret, so the session-wide check below stays independent.)"""
    alphabet = string.ascii_letters + string.digits
    token = "".join(secrets.choice(alphabet) for _ in range(40))
    log = log_dir / f"debug-{log_format}.restmcp.log"
    gateway = start_gateway(
        [f"{fault_backend.url}/openapi.json", "--base-url", fault_backend.url,
         "--timeout", "1.5", "--retries", "1", "--retry-delay", "0.1",
         "--backend-header", "Authorization=E2E_DEBUG_TOKEN", "--log-format", log_format],
        log,
        env={"E2E_DEBUG_TOKEN": f"Bearer {token}", "RUST_LOG": "debug"},
    )
    try:
        async with http_client(gateway.url, "legacy") as client:
            # The backend repeats the token part in a 200 and the whole value in a 500.
            assert ok(await client.call_tool("echo_token", {})) == {"seen": token}
            error_of(await client.call_tool("leak", {}))
            error_of(await client.call_tool("unauthorized", {}))
    finally:
        gateway.stop()
    text = log.read_text(errors="replace")
    assert "tool call" in text, "the debug log was not captured"
    leaks = [line[:300] for line in text.splitlines() if token in line]
    assert not leaks, f"the credential's token appears in the {log_format} debug log:\n" + "\n".join(leaks)


# --- Secrets and audit (last: it reads every restmcp log of the session) ---------------


@pytest.mark.anyio
async def test_secret_never_logged_or_shown_and_calls_audited(
        fault_gateway: Gateway, faults: FaultCounter, secret_value: str, log_dir: Path) -> None:
    token = secret_value.split(" ", 1)[1]
    async with http_client(fault_gateway.url, "legacy") as client:
        # The header reaches the backend...
        assert ok(await client.call_tool("secure", {})) == {"authorized": True}
        # ...and a backend error that repeats it is redacted in the tool result.
        leaked = await client.call_tool("leak", {})
        err = error_of(leaked)
        assert err["error_type"] == "backend_error"
        shown = json.dumps(err) + text_of(leaked)
        assert token not in shown, "the backend credential is shown to the MCP client"
        assert "[REDACTED]" in err["message"], err
        error_of(await client.call_tool("unauthorized", {}))
        error_of(await client.call_tool("create_note", {"note_id": "x", "title": "t"}))
        error_of(await client.call_tool("slow_post", {}))

    logs = sorted(log_dir.glob("*.restmcp.log"))
    assert fault_gateway.log in logs
    for log in logs:
        assert token not in log.read_text(errors="replace"), f"the credential appears in {log.name}"

    audit = [r for r in fault_gateway.log_records() if r.get("message") == "tool call"]
    by_tool = {}
    for record in audit:
        by_tool.setdefault(record["tool"], []).append(record)
    assert {"secure", "leak", "unauthorized", "create_note", "slow_post"} <= set(by_tool)
    secure = by_tool["secure"][-1]
    assert re.fullmatch(r"[0-9a-f]{16}", secure["request_id"]), secure
    assert secure["method"] == "GET" and secure["endpoint"] == "/secure"
    assert secure["status_code"] == 200 and secure["attempt"] == 1
    assert isinstance(secure["duration_ms"], (int, float)) and secure["duration_ms"] >= 0
    assert "error_type" not in secure or secure["error_type"] is None
    assert by_tool["leak"][-1]["error_type"] == "backend_error"
    assert by_tool["leak"][-1]["status_code"] == 500
    assert by_tool["unauthorized"][-1]["error_type"] == "authentication_error"
    invalid = by_tool["create_note"][-1]
    assert invalid["error_type"] == "validation_error" and invalid["attempt"] == 0
    assert by_tool["slow_post"][-1]["error_type"] == "timeout_error"
    assert len({r["request_id"] for r in audit}) == len(audit), "request ids must be unique"


GITHUB_SPEC = ROOT.parent / "shared" / "corpus" / "github" / "api.github.com.json"


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_large_tool_lists_are_paged_in_catalog_order(mode: str, log_dir: Path) -> None:
    """GitHub's 1,223 operations: tools/list pages with nextCursor, the
    pages together are exactly `restmcp tools --json` in order, a bad cursor
    is a JSON-RPC error, and a listed tool can be called by name."""
    assert GITHUB_SPEC.exists(), f"needs the shared corpus at {GITHUB_SPEC}"
    expected = json.loads(
        subprocess.run(
            [str(restmcp_bin()), "tools", str(GITHUB_SPEC), "--json"],
            cwd=ROOT, check=True, capture_output=True, timeout=120,
        ).stdout
    )
    # Nothing listens on this base URL: calls end in connection_error, which
    # is enough to show the tool is found and served.
    dead = f"http://127.0.0.1:{free_port()}"
    gateway = start_gateway(
        [str(GITHUB_SPEC), "--base-url", dead, "--retries", "0"],
        log_dir / f"github-{mode}.log", timeout=120,
    )
    try:
        async with http_client(gateway.url, mode) as client:
            names: list[str] = []
            pages = 0
            cursor = None
            while True:
                page = await client.list_tools(cursor=cursor)
                pages += 1
                names.extend(tool.name for tool in page.tools)
                cursor = page.next_cursor
                if not cursor:
                    break
                assert pages < 50, "the cursor never ends"
            assert pages > 1, "1,223 tools came back in one page"
            assert names == [tool["name"] for tool in expected]
            with pytest.raises(MCPError):
                await client.list_tools(cursor="not-a-cursor")
            last = expected[-1]
            result = await client.call_tool(last["name"], {})
            error = error_of(result)
            # Either its required arguments are named, or the call got as far
            # as the (absent) backend.
            assert error["error_type"] in {"validation_error", "connection_error"}, error
    finally:
        gateway.stop()


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_large_answers_arrive_whole_in_structured_content(
    mode: str, fault_gateway: Gateway, faults: FaultCounter
) -> None:
    """A 600 KB answer (under --max-response-bytes) reaches the client: the
    whole document in structuredContent, a cut text copy saying so, so the
    message stays under what clients accept."""
    async with http_client(fault_gateway.url, mode) as client:
        result = await client.call_tool("large", {})
    assert not result.is_error, text_of(result)
    items = result.structured_content["items"]
    assert len(items) == 600 and all(item == "y" * 1000 for item in items)
    text = text_of(result)
    assert len(text) < 10_000, len(text)
    assert "structuredContent" in text
    assert faults.count("large") == 1
