"""The generated server and the gateway behave the same: the generated
modular project (auth none) is started over stdio, and so is `restmcp
serve`, each by the Python `mcp` client; both get the same sequence of calls
touching every tool, each against a fresh example backend (same code, same
empty state, so ids line up), and the results' data must be equal —
timestamps the backend stamps at creation aside. Then both get the same
invalid calls, which each must refuse alike without calling the backend."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import (
    TODO_DIR,
    Backend,
    free_port,
    start_backend,
    stdio_mcp_client,
    stop_process,
)
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from support import PYTHON, VARIANTS, clean_env, generate

USER = {"X-User-ID": "alice"}
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("health", {}),
    (
        "create_task",
        {
            **USER,
            "title": "Buy milk",
            "priority": "high",
            "tags": ["home"],
            "estimate_hours": 1.5,
            "due_date": "2030-01-02",
        },
    ),
    ("create_task", {**USER, "title": "Write report"}),
    ("list_tasks", USER),
    ("list_tasks", {**USER, "status": "todo", "limit": 1}),
    ("get_task", {**USER, "task_id": 1}),
    ("update_task", {**USER, "task_id": 2, "title": "Write the report", "priority": "low"}),
    ("patch_task", {**USER, "task_id": 1, "status": "in_progress"}),
    # an explicit null clears a field (task 1 had estimate_hours 1.5)
    ("patch_task", {**USER, "task_id": 1, "estimate_hours": None}),
    ("complete_task", {**USER, "task_id": 2}),
    ("add_subtask", {**USER, "task_id": 1, "title": "Check the fridge"}),
    ("search_tasks", {**USER, "q": "milk"}),
    ("import_tasks_form", {**USER, "title": "From a form", "priority": "medium"}),
    ("upload_attachment", {**USER, "task_id": 1, "file": "aGVsbG8=", "note": "receipt"}),
    ("rename_tag", {**USER, "name__path": "home", "name__body": "house"}),
    ("export_tasks", USER),
    ("get_stats", USER),
    ("delete_task", {**USER, "task_id": 2}),
    ("get_task", {**USER, "task_id": 2}),  # gone: not_found_error from both
]

# Invalid arguments, each to be refused before the backend is called, and the
# arguments (as the tool's input schema names them) its error must name. The
# mutating ones would change the backend's tasks if they reached it: FastAPI
# would coerce "2" and "1", and ignore `bogus`.
INVALID: list[tuple[str, dict[str, Any], set[str]]] = [
    # wrong type
    ("create_task", {**USER, "title": "x", "estimate_hours": "2"}, {"estimate_hours"}),
    ("delete_task", {**USER, "task_id": "1"}, {"task_id"}),
    ("patch_task", {**USER, "task_id": 1.5, "status": "done"}, {"task_id"}),
    # missing required, unknown argument, not in the enum, out of range
    ("create_task", USER, {"title"}),
    ("create_task", {**USER, "title": "x", "bogus": 1}, {"bogus"}),
    ("create_task", {**USER, "title": "x", "priority": "huge"}, {"priority"}),
    ("list_tasks", {**USER, "limit": 0}, {"limit"}),
    # out of range on a nullable number (`float | None` with bounds)
    ("create_task", {**USER, "title": "x", "estimate_hours": 5000}, {"estimate_hours"}),
    # inside a list; several at once
    ("create_task", {**USER, "title": "x", "tags": ["a", 3]}, {"tags/1"}),
    ("update_task", {**USER, "task_id": "2", "title": "", "x": 1}, {"task_id", "title", "x"}),
]

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def normalize(value: Any, seen: list[str]) -> Any:
    """The value with creation timestamps replaced (and counted in `seen`)."""
    if isinstance(value, dict):
        return {k: normalize(v, seen) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v, seen) for v in value]
    if isinstance(value, str) and TIMESTAMP.match(value):
        seen.append(value)
        return "<timestamp>"
    return value


def data_of(result: Any, seen: list[str]) -> dict[str, Any]:
    texts = []
    for block in result.content:
        text = getattr(block, "text", None)
        try:
            texts.append(json.loads(text) if text is not None else None)
        except json.JSONDecodeError:
            texts.append(text)
    return normalize(
        {"is_error": result.is_error, "structured": result.structured_content, "content": texts},
        seen,
    )


async def run_calls(client: Client) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    names = sorted(t.name for t in (await client.list_tools()).tools)
    seen: list[str] = []
    results = [data_of(await client.call_tool(name, args), seen) for name, args in CALLS]
    return names, results, seen


async def run_invalid(client: Client, backend: Backend) -> list[dict[str, Any]]:
    """The INVALID calls' structured errors; the backend's tasks must be
    unchanged by them (and there must be tasks to change)."""
    async with httpx.AsyncClient(base_url=backend.url, headers=USER, timeout=10) as http:
        before = (await http.get("/tasks")).json()
        errors = []
        for name, args, _ in INVALID:
            result = await client.call_tool(name, args)
            assert result.is_error, (name, args, result)
            errors.append(result.structured_content)
        after = (await http.get("/tasks")).json()
    assert before and after == before, "an invalid call reached the backend"
    return errors


@pytest.fixture
def two_backends(log_dir: Path) -> Iterator[tuple[Backend, Backend]]:
    env = {"SERVICE_AUTH_TOKEN": ""}
    started = []
    try:
        for name in ("diff-gateway", "diff-generated"):
            started.append(
                start_backend(
                    "todo_app.main:app",
                    TODO_DIR,
                    free_port(),
                    log_dir / f"{name}.log",
                    env=env,
                    health="/health",
                )
            )
        yield started[0], started[1]
    finally:
        for backend in started:
            backend.stop()


@pytest.mark.anyio
async def test_generated_server_matches_the_gateway(
    spec_url: str, two_backends: tuple[Backend, Backend], tmp_path: Path, log_dir: Path
) -> None:
    project = tmp_path / "none"
    generate(spec_url, project, *VARIANTS["none"])
    for_gateway, for_generated = two_backends

    args = ["serve", f"{for_gateway.url}/openapi.json", "--base-url", for_gateway.url]
    async with stdio_mcp_client(args, "legacy", log_dir / "diff-gateway.restmcp.log") as client:
        gw_names, gw_results, gw_seen = await run_calls(client)
        gw_invalid = await run_invalid(client, for_gateway)

    # The generated server, as a client would launch it: `python -m src.server`
    # in the project folder (the shared venv has its dependencies).
    params = StdioServerParameters(
        command=str(PYTHON),
        args=["-m", "src.server"],
        cwd=str(project),
        env={"TODO_API_MCP_BACKEND_URL": for_generated.url},
    )
    with (log_dir / "diff-generated.stderr.log").open("a") as errlog:
        async with Client(
            stdio_client(params, errlog=errlog), mode="legacy", read_timeout_seconds=60
        ) as client:
            gen_names, gen_results, gen_seen = await run_calls(client)
            gen_invalid = await run_invalid(client, for_generated)

    assert len(gw_names) == 15
    assert gen_names == gw_names
    assert {name for name, _ in CALLS} == set(gw_names), "every tool is called"
    for (name, args), gw, gen in zip(CALLS, gw_results, gen_results, strict=True):
        assert gen["is_error"] == gw["is_error"], (name, args, gw, gen)
        assert gen["structured"] == gw["structured"], (name, args, gw, gen)
        assert gen["content"] == gw["content"], (name, args, gw, gen)
    # The comparison is not vacuous: real data, timestamps set aside, one error.
    assert len(gw_seen) == len(gen_seen) > 10
    assert gw_results[1]["structured"]["title"] == "Buy milk"
    assert [r["is_error"] for r in gw_results].count(True) == 1
    assert gw_results[-1]["structured"]["error_type"] == "not_found_error"

    # Invalid arguments: the same error type and the same arguments named, one
    # problem each, in the gateway's wording; where both word the problems
    # alike (missing, unknown), the whole error is equal.
    alike = ("is required but missing", "is not an argument of this tool")
    for (name, args, fields), gw, gen in zip(INVALID, gw_invalid, gen_invalid, strict=True):
        for error in (gw, gen):
            assert error["error_type"] == "validation_error", (name, args, error)
            named = [f["argument"] for f in error["details"]["fields"]]
            assert sorted(named) == sorted(fields), (name, args, error)
            assert error["message"].startswith(f"Invalid arguments for `{name}`: "), error
            assert error["message"].endswith(". Nothing was sent to the backend."), error
            assert error["suggestions"][-1] == gw["suggestions"][-1], error
        if all(f["problem"].startswith(alike) for f in gw["details"]["fields"]):
            without_status = {k: v for k, v in gen.items() if k != "status_code"}
            assert without_status == gw, (name, gw, gen)
            assert gen["status_code"] is None


def start_http_server(project: Path, backend_url: str, log: Path) -> tuple[subprocess.Popen, str]:
    """`python -m src.server` of a `--transport http` project on a free
    127.0.0.1 port; returns once the MCP endpoint answers."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(PYTHON), "-m", "src.server"],
            cwd=project,
            env={**clean_env(), "TODO_API_MCP_BACKEND_URL": backend_url,
                 "TODO_API_MCP_PORT": str(port)},
            stdin=subprocess.DEVNULL, stdout=out, stderr=out,
        )
    url = f"http://127.0.0.1:{port}/mcp"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url, timeout=1)
            return proc, url
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_process(proc)
                raise RuntimeError(f"generated server did not start:\n{log.read_text()}") from None
            time.sleep(0.1)


@pytest.mark.anyio
async def test_generated_server_over_streamable_http(
    spec_url: str, todo_backend: Backend, tmp_path: Path, log_dir: Path
) -> None:
    """`--transport http`: the generated server listens on Streamable HTTP
    (127.0.0.1, a port chosen here) and an SDK client lists and calls it."""
    project = tmp_path / "http"
    generate(spec_url, project, *VARIANTS["none"], "--transport", "http")
    proc, url = start_http_server(project, todo_backend.url, log_dir / "generated-http.stderr.log")
    try:
        async with Client(url, mode="legacy", read_timeout_seconds=60) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            made = await client.call_tool("create_task", {**USER, "title": "over http"})
    finally:
        stop_process(proc)
    assert "create_task" in names and len(names) == 15
    assert not made.is_error, made
    assert made.structured_content["title"] == "over http"
    assert made.structured_content["owner"] == "alice"
