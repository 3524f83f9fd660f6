"""Process plumbing for the end-to-end tests: free ports, uvicorn backends,
`restmcp serve` over HTTP, MCP clients in each transport and mode, and a
/proc scan for leftover processes. Imported by conftest.py and the tests."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
PYTHON = ROOT / ".venv" / "bin" / "python"
TODO_DIR = ROOT / "examples" / "todo"
BACKENDS_DIR = E2E_DIR / "backends"

MODES = ("legacy", "2026-07-28")

# The fault gateway's settings: short, so that faults resolve quickly.
FAULT_TIMEOUT = 1.5
FAULT_RETRIES = 2
FAULT_RETRY_DELAY = 0.2


def restmcp_bin() -> Path:
    """The binary under test: $RESTMCP_BIN, else target/debug/restmcp. Fails loudly."""
    path = Path(os.environ.get("RESTMCP_BIN") or ROOT / "target" / "debug" / "restmcp")
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise RuntimeError(
            f"restmcp binary not found at {path}: build it with "
            "`CARGO_INCREMENTAL=0 cargo build -p restmcp-cli` or set RESTMCP_BIN"
        )
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """terminate → wait → kill → wait; never raises, never leaves a zombie."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=grace)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()


def wait_http(url: str, proc: subprocess.Popen | None = None, timeout: float = 30.0) -> None:
    """Polls `url` until it answers below 500."""
    deadline = time.monotonic() + timeout
    last: Exception | str = "no attempt"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited ({proc.returncode}) before {url} answered")
        try:
            r = httpx.get(url, timeout=2.0)
            if r.status_code < 500:
                return
            last = f"HTTP {r.status_code}"
        except httpx.HTTPError as e:
            last = e
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s (last: {last})")


@dataclass
class Backend:
    """A uvicorn process serving a FastAPI app on 127.0.0.1."""

    proc: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.proc)


def start_backend(
    target: str,
    app_dir: Path,
    port: int,
    log: Path,
    env: dict[str, str] | None = None,
    wait: bool = True,
    health: str = "/openapi.json",
) -> Backend:
    """Starts `uvicorn TARGET --app-dir APP_DIR` on `port`; waits for `health` unless told not to."""
    log_file = open(log, "ab")
    proc = subprocess.Popen(
        [str(PYTHON), "-m", "uvicorn", target, "--app-dir", str(app_dir),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    log_file.close()
    backend = Backend(proc, port, log)
    if wait:
        try:
            wait_http(backend.url + health, proc)
        except Exception:
            backend.stop()
            raise RuntimeError(f"backend {target} did not start:\n{log.read_text(errors='replace')}")
    return backend


@dataclass
class Gateway:
    """A `restmcp serve --transport http` process."""

    proc: subprocess.Popen
    url: str  # the MCP endpoint, e.g. http://127.0.0.1:PORT/mcp
    log: Path
    args: list[str] = field(default_factory=list)

    @property
    def root(self) -> str:
        return self.url.rsplit("/", 1)[0]

    def log_records(self) -> list[dict[str, Any]]:
        return parse_log(self.log)

    def stop(self) -> None:
        stop_process(self.proc)


def parse_log(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a log file (other lines are skipped)."""
    records = []
    for line in path.read_text(errors="replace").splitlines():
        line = line.strip()
        if line.startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):
                records.append(json.loads(line))
    return records


def start_gateway(args: list[str], log: Path, env: dict[str, str] | None = None,
                  timeout: float = 30.0, port: int = 0) -> Gateway:
    """Runs `restmcp serve ARGS --transport http --port PORT` (default 0: a free
    one) and reads the bound URL from its "listening" log line."""
    cmd = [str(restmcp_bin()), "serve", *args, "--transport", "http", "--port", str(port)]
    log_file = open(log, "ab")
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log_file,
        env={**os.environ, **(env or {})},
    )
    log_file.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in parse_log(log):
            if record.get("message") == "listening" and record.get("url"):
                return Gateway(proc, record["url"], log, args)
        # --log-format pretty: `... listening url="http://127.0.0.1:PORT/mcp" ...`
        pretty = re.search(r'listening url="?(http://[^"\s]+)', log.read_text(errors="replace"))
        if pretty:
            return Gateway(proc, pretty.group(1), log, args)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    stop_process(proc)
    raise RuntimeError(
        f"restmcp serve did not report a listening URL (exit {proc.returncode}); "
        f"command {cmd}\n--- stderr ---\n{log.read_text(errors='replace')}"
    )


@contextlib.asynccontextmanager
async def http_client(url: str, mode: str) -> AsyncIterator[Client]:
    async with Client(url, mode=mode, read_timeout_seconds=60) as client:
        yield client


@contextlib.asynccontextmanager
async def stdio_mcp_client(args: list[str], mode: str, errlog: Path,
                           env: dict[str, str] | None = None) -> AsyncIterator[Client]:
    """`restmcp serve ARGS` (stdio) launched by the MCP client itself; its
    stderr goes to `errlog`. `env` is added to the SDK's minimal default
    environment (the SDK does not pass the whole environment on)."""
    params = StdioServerParameters(command=str(restmcp_bin()), args=args, cwd=str(ROOT), env=env)
    with open(errlog, "a") as err:
        async with Client(stdio_client(params, errlog=err), mode=mode,
                          read_timeout_seconds=60) as client:
            yield client


def processes_with(marker: str) -> dict[int, str]:
    """pid → command line of every live process whose command line contains `marker`."""
    found = {}
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            raw = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state == "Z":  # a zombie is already dead
            continue
        cmdline = raw.replace(b"\0", b" ").decode(errors="replace")
        if marker in cmdline:
            found[int(entry.name)] = cmdline[:300]
    return found


def error_of(result: Any) -> dict[str, Any]:
    """The structured error of a failed call (asserting it failed)."""
    assert result.is_error, f"expected an error, got {result}"
    sc = result.structured_content
    assert isinstance(sc, dict), f"error without structured content: {result}"
    return sc


def ok(result: Any) -> Any:
    """Asserts a call succeeded; returns its structured content."""
    assert not result.is_error, f"call failed: {result.structured_content or result.content}"
    return result.structured_content


def text_of(result: Any) -> str:
    return "".join(getattr(block, "text", "") or "" for block in result.content)


class FaultCounter:
    """Reads and resets the fault backend's per-endpoint request counters and outcomes."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def reset(self) -> None:
        httpx.post(f"{self.base_url}/_reset", timeout=5).raise_for_status()

    def count(self, name: str) -> int:
        r = httpx.get(f"{self.base_url}/_count/{name}", timeout=5)
        r.raise_for_status()
        return r.json()["count"]

    async def outcome(self, name: str) -> str | None:
        """What `name` last recorded ("started", "disconnected", "completed"),
        asynchronously: it is polled while a call is in flight."""
        async with httpx.AsyncClient(timeout=5) as http:
            r = await http.get(f"{self.base_url}/_outcome/{name}")
        r.raise_for_status()
        return r.json()["outcome"]


# --- Fixtures both suites use (their conftests import them) ----------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session", autouse=True)
def _binary() -> Path:
    """Fail the whole session at once when the binary is missing."""
    return restmcp_bin()


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every restmcp stderr of the session is written here (`*.restmcp.log`),
    with the backends' logs."""
    return tmp_path_factory.mktemp("restmcp-logs")
