"""Fixtures of the generator suite: the example todo backend under uvicorn
(open, and enforcing pattern 4 with a per-run SERVICE_AUTH_TOKEN), the
spec it serves. Process plumbing comes from tests/e2e/harness.py, the
suite's helpers from support.py."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    _binary,  # noqa: F401 (a fixture)
    anyio_backend,  # noqa: F401 (a fixture)
    log_dir,  # noqa: F401 (a fixture)
    TODO_DIR,
    Backend,
    free_port,
    restmcp_bin,
    start_backend,
)


@pytest.fixture(scope="session")
def todo_backend(log_dir: Path) -> Iterator[Backend]:
    """The example backend in open demo mode (no SERVICE_AUTH_TOKEN)."""
    env = {"SERVICE_AUTH_TOKEN": ""}
    backend = start_backend(
        "todo_app.main:app", TODO_DIR, free_port(), log_dir / "todo.log", env=env, health="/health"
    )
    yield backend
    backend.stop()


class Secret(str):
    """A string that never shows itself in a repr (pytest prints fixture
    values in failure reports)."""

    def __repr__(self) -> str:
        return "'<secret>'"


@pytest.fixture(scope="session")
def service_token() -> Secret:
    """Pattern 4's shared secret for this run (never printed)."""
    return Secret(secrets.token_urlsafe(32))


@pytest.fixture(scope="session")
def service_backend(log_dir: Path, service_token: str) -> Iterator[Backend]:
    """A second example backend that enforces pattern 4: `Authorization:
    Bearer <token>` plus X-User-ID."""
    backend = start_backend(
        "todo_app.main:app",
        TODO_DIR,
        free_port(),
        log_dir / "todo-service.log",
        env={"SERVICE_AUTH_TOKEN": service_token},
        health="/health",
    )
    yield backend
    backend.stop()


@pytest.fixture(scope="session")
def spec_url(todo_backend: Backend) -> str:
    return f"{todo_backend.url}/openapi.json"
