"""Fixtures of the end-to-end suite: the example todo backend and the fault
backend under uvicorn, `restmcp serve` over HTTP in front of each, a shared
log folder holding every restmcp stderr of the session, and cleanup that
leaves no process behind."""

from __future__ import annotations

import secrets
import string
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    _binary,  # noqa: F401 (a fixture)
    anyio_backend,  # noqa: F401 (a fixture)
    log_dir,  # noqa: F401 (a fixture)
    BACKENDS_DIR,
    FAULT_RETRIES,
    FAULT_RETRY_DELAY,
    FAULT_TIMEOUT,
    TODO_DIR,
    Backend,
    FaultCounter,
    Gateway,
    free_port,
    restmcp_bin,
    start_backend,
    start_gateway,
)

@pytest.fixture(scope="session")
def secret_value() -> str:
    """The backend credential: `Bearer <40 random characters>`."""
    alphabet = string.ascii_letters + string.digits
    return "Bearer " + "".join(secrets.choice(alphabet) for _ in range(40))


@pytest.fixture(scope="session")
def todo_backend(log_dir: Path) -> Iterator[Backend]:
    backend = start_backend(
        "todo_app.main:app", TODO_DIR, free_port(), log_dir / "todo.uvicorn.log", health="/health"
    )
    yield backend
    backend.stop()


def _todo_gateway(todo_backend: Backend, log: Path, *extra: str) -> Gateway:
    return start_gateway(
        [f"{todo_backend.url}/openapi.json", "--base-url", todo_backend.url, *extra], log
    )


@pytest.fixture(scope="session")
def todo_gateway(todo_backend: Backend, log_dir: Path) -> Iterator[Gateway]:
    """restmcp over Streamable HTTP with sessions, in front of the todo backend."""
    gateway = _todo_gateway(todo_backend, log_dir / "todo-http.restmcp.log")
    yield gateway
    gateway.stop()


@pytest.fixture(scope="session")
def todo_gateway_stateless(todo_backend: Backend, log_dir: Path) -> Iterator[Gateway]:
    """restmcp over Streamable HTTP, --stateless, in front of the todo backend."""
    gateway = _todo_gateway(todo_backend, log_dir / "todo-stateless.restmcp.log", "--stateless")
    yield gateway
    gateway.stop()


@pytest.fixture(scope="session")
def fault_backend(log_dir: Path, secret_value: str) -> Iterator[Backend]:
    backend = start_backend(
        "faults:app",
        BACKENDS_DIR,
        free_port(),
        log_dir / "faults.uvicorn.log",
        env={"E2E_EXPECTED_AUTH": secret_value},
    )
    yield backend
    backend.stop()


@pytest.fixture(scope="session")
def fault_gateway(fault_backend: Backend, log_dir: Path, secret_value: str) -> Iterator[Gateway]:
    """restmcp in front of the fault backend: short timeout and retry delay, and
    the credential passed with --backend-header Authorization=E2E_TOKEN."""
    gateway = start_gateway(
        [
            f"{fault_backend.url}/openapi.json",
            "--base-url", fault_backend.url,
            "--timeout", str(FAULT_TIMEOUT),
            "--retries", str(FAULT_RETRIES),
            "--retry-delay", str(FAULT_RETRY_DELAY),
            "--backend-header", "Authorization=E2E_TOKEN",
        ],
        log_dir / "faults.restmcp.log",
        env={"E2E_TOKEN": secret_value},
    )
    yield gateway
    gateway.stop()


@pytest.fixture
def faults(fault_backend: Backend) -> FaultCounter:
    """The fault backend's counters, reset before the test."""
    counter = FaultCounter(fault_backend.url)
    counter.reset()
    return counter
