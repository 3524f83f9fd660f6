"""Fault backend for restmcp's end-to-end tests: one endpoint per failure mode.

Every endpoint counts the requests it receives (by endpoint name, which is also
the tool name restmcp derives from the function name). The test hooks
`GET /_count/{name}`, `GET /_counts`, `GET /_outcome/{name}` and `POST /_reset`
are left out of the OpenAPI document, so they never become tools.

Environment: E2E_EXPECTED_AUTH is the exact `Authorization` value `GET /secure`
accepts (the tests hand restmcp the same value through --backend-header).

Run it:  uvicorn faults:app --app-dir tests/e2e/backends --port 8001
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections import Counter
from typing import Optional

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel

app = FastAPI(title="Fault API", version="1.0.0", description="Injects one fault per endpoint.")

_lock = threading.Lock()
_counts: Counter[str] = Counter()

# About 600 KB of JSON: under the 1 MiB limit, over what fits twice in one
# client message.
_LARGE = json.dumps({"items": ["y" * 1000 for _ in range(600)]}).encode()

# A JSON document of about 5 MB, built once.
_HUGE = json.dumps({"items": ["x" * 1000 for _ in range(5000)]}).encode()

# How long the slow endpoints take: far longer than the tests' --timeout (1.5 s).
SLOW_SECONDS = 4.0

# How long `slow_cancellable` runs unless its client goes away first.
CANCELLABLE_SECONDS = 8.0

# endpoint name → "started", then "disconnected" or "completed".
_outcomes: dict[str, str] = {}


def _hit(name: str) -> int:
    """Counts one request to `name`; returns how many it has had, this one included."""
    with _lock:
        _counts[name] += 1
        return _counts[name]


# --- Test hooks (not in the schema) -------------------------------------------


@app.get("/_count/{name}", include_in_schema=False)
def count(name: str) -> dict:
    with _lock:
        return {"name": name, "count": _counts[name]}


@app.get("/_counts", include_in_schema=False)
def counts() -> dict[str, int]:
    with _lock:
        return dict(_counts)


@app.get("/_outcome/{name}", include_in_schema=False)
def outcome(name: str) -> dict:
    with _lock:
        return {"name": name, "outcome": _outcomes.get(name)}


@app.post("/_reset", include_in_schema=False)
def reset() -> dict[str, bool]:
    with _lock:
        _counts.clear()
        _outcomes.clear()
    return {"reset": True}


# --- Models ---------------------------------------------------------------------


class NoteIn(BaseModel):
    """A note's body."""

    title: str
    text: Optional[str] = None


class NamedThing(BaseModel):
    """Something with a name."""

    name: str


class TitleIn(BaseModel):
    """Something with a title."""

    title: str


# --- Healthy endpoints ---------------------------------------------------------


@app.get("/ping")
def ping() -> dict[str, str]:
    """Always answers."""
    _hit("ping")
    return {"pong": "yes"}


@app.post("/notes/{note_id}")
def create_note(note_id: int, body: NoteIn) -> dict:
    """Store a note (it is only counted); used to show invalid arguments never arrive."""
    _hit("create_note")
    return {"note_id": note_id, "title": body.title, "text": body.text}


@app.get("/files/{name:path}")
def echo_file(name: str, request: Request) -> dict[str, str]:
    """Echo the raw request path exactly as the server received it."""
    _hit("echo_file")
    return {
        "raw_path": request.scope["raw_path"].decode("latin-1"),
        "path": request.scope["path"],
        "name": name,
    }


@app.get("/secure")
def secure(request: Request) -> dict[str, bool]:
    """Needs `Authorization` equal to E2E_EXPECTED_AUTH."""
    _hit("secure")
    expected = os.environ.get("E2E_EXPECTED_AUTH")
    if not expected or request.headers.get("authorization") != expected:
        return JSONResponse(status_code=401, content={"detail": "Missing or wrong bearer token"})
    return {"authorized": True}


@app.get("/leak")
def leak(request: Request) -> JSONResponse:
    """A 500 whose error body repeats the Authorization header it received."""
    _hit("leak")
    received = request.headers.get("authorization", "")
    return JSONResponse(
        status_code=500,
        content={"detail": f"upstream refused credentials {received}", "echo": received},
    )


@app.get("/echo_token")
def echo_token(request: Request) -> dict[str, str]:
    """A 200 that repeats the credential it received, without its `Bearer ` scheme."""
    _hit("echo_token")
    received = request.headers.get("authorization", "")
    return {"seen": received.split(" ", 1)[-1]}


# --- One fault each -------------------------------------------------------------


@app.get("/unauthorized")
def unauthorized() -> dict:
    """Always 401."""
    _hit("unauthorized")
    return JSONResponse(status_code=401, content={"detail": "Token expired"})


@app.get("/forbidden")
def forbidden() -> dict:
    """Always 403."""
    _hit("forbidden")
    return JSONResponse(status_code=403, content={"detail": "Not allowed to read reports"})


@app.get("/items/{item_id}")
def get_item(item_id: int) -> dict:
    """Always 404."""
    _hit("get_item")
    return JSONResponse(status_code=404, content={"detail": f"Item {item_id} not found"})


@app.get("/items")
def list_items() -> list[dict]:
    """The collection `get_item` belongs to (for the 404 suggestion)."""
    _hit("list_items")
    return []


@app.post("/conflict")
def create_conflict(body: NamedThing) -> dict:
    """Always 409."""
    _hit("create_conflict")
    return JSONResponse(status_code=409, content={"detail": f"Item '{body.name}' already exists"})


@app.post("/titles")
def create_title(body: TitleIn) -> dict:
    """A 422 in FastAPI's shape for a request that was valid by the schema."""
    _hit("create_title")
    return JSONResponse(
        status_code=422,
        content={
            "detail": [{"loc": ["body", "title"], "msg": "Title already used", "type": "value_error"}]
        },
    )


@app.get("/rate_limited")
def rate_limited() -> dict:
    """429 with Retry-After: 1 on the first request, then 200."""
    n = _hit("rate_limited")
    if n == 1:
        return JSONResponse(
            status_code=429, content={"detail": "Slow down"}, headers={"Retry-After": "1"}
        )
    return {"ok": True, "attempt": n}


@app.post("/rate_limited_post")
def rate_limited_post() -> dict:
    """Always 429 with Retry-After: 5 (a POST: never retried)."""
    _hit("rate_limited_post")
    return JSONResponse(
        status_code=429, content={"detail": "Quota exhausted"}, headers={"Retry-After": "5"}
    )


@app.get("/rate_limited_long")
def rate_limited_long() -> dict:
    """Always 429 with Retry-After: 120, longer than restmcp waits (a GET)."""
    _hit("rate_limited_long")
    return JSONResponse(
        status_code=429, content={"detail": "Come back later"}, headers={"Retry-After": "120"}
    )


@app.get("/server_error")
def server_error() -> dict:
    """Always 500."""
    _hit("server_error")
    return JSONResponse(status_code=500, content={"detail": "Database exploded"})


@app.get("/flaky")
def flaky() -> dict:
    """503 on the first request, then 200."""
    n = _hit("flaky")
    if n == 1:
        return JSONResponse(status_code=503, content={"detail": "Warming up"})
    return {"ok": True, "attempt": n}


@app.post("/unavailable_post")
def unavailable_post() -> dict:
    """Always 503 (a POST: restmcp must send it exactly once)."""
    _hit("unavailable_post")
    return JSONResponse(status_code=503, content={"detail": "Maintenance"})


@app.get("/slow")
async def slow_get() -> dict:
    """Answers long after the timeout."""
    _hit("slow_get")
    await asyncio.sleep(SLOW_SECONDS)
    return {"late": True}


@app.post("/slow")
async def slow_post() -> dict:
    """Answers long after the timeout (a POST: restmcp must send it exactly once)."""
    _hit("slow_post")
    await asyncio.sleep(SLOW_SECONDS)
    return {"late": True}


@app.get("/slow_cancellable")
async def slow_cancellable(request: Request) -> dict:
    """Runs for 8 s unless the client disconnects first; records which happened."""
    _hit("slow_cancellable")
    with _lock:
        _outcomes["slow_cancellable"] = "started"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CANCELLABLE_SECONDS
    while loop.time() < deadline:
        if await request.is_disconnected():
            with _lock:
                _outcomes["slow_cancellable"] = "disconnected"
            return {"disconnected": True}
        await asyncio.sleep(0.05)
    with _lock:
        _outcomes["slow_cancellable"] = "completed"
    return {"completed": True}


@app.get("/garbage")
def garbage() -> Response:
    """Says JSON, is not JSON."""
    _hit("garbage")
    return Response(content=b"{this is <not> json", media_type="application/json")


@app.get("/huge")
def huge() -> Response:
    """About 5 MB of valid JSON."""
    _hit("huge")
    return Response(content=_HUGE, media_type="application/json")


@app.get("/large")
def large() -> Response:
    """About 600 KB of valid JSON (allowed, but large)."""
    _hit("large")
    return Response(content=_LARGE, media_type="application/json")


@app.get("/drip")
def drip() -> StreamingResponse:
    """Headers at once, then a JSON body in small chunks, slower than the timeout in all."""
    _hit("drip")

    async def chunks():
        yield b'{"numbers": ['
        for i in range(40):
            await asyncio.sleep(0.1)
            yield f"{i},".encode()
        yield b"40]}"

    return StreamingResponse(chunks(), media_type="application/json")
