"""Helpers of the generator suite: running `restmcp`, reading trees, and
giving a generated project a venv of its own that sees the shared .venv."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from harness import PYTHON, ROOT, restmcp_bin

# The six variants the issue names: simple, and modular with each auth pattern.
VARIANTS: dict[str, list[str]] = {
    "simple": ["--structure", "simple"],
    "none": ["--structure", "modular", "--auth", "none"],
    "user-id": ["--structure", "modular", "--auth", "user-id"],
    "session": ["--structure", "modular", "--auth", "session"],
    "jwt": ["--structure", "modular", "--auth", "jwt"],
    "service": ["--structure", "modular", "--auth", "service"],
}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run(
    cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 180
) -> Run:
    proc = subprocess.run(
        cmd,
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def restmcp(*args: str) -> Run:
    return run([str(restmcp_bin()), *args], cwd=ROOT)


def generate(spec: str, out: Path, *args: str, force: bool = False) -> Run:
    """`restmcp generate SPEC --out OUT ARGS`; asserts success."""
    result = restmcp("generate", spec, "--out", str(out), *args, *(["--force"] if force else []))
    assert result.code == 0, f"generate failed ({result.code}):\n{result.stderr}"
    return result


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` (relative path → bytes)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for path, data in sorted(files.items()):
        h.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def shared_site_packages() -> str:
    """The shared .venv's site-packages, which a project venv sees through a .pth."""
    out = subprocess.run(
        [str(PYTHON), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def make_venv(venv: Path) -> Path:
    """A venv of its own whose site-packages chains to the shared .venv's
    (a .pth file), so `pip install --no-index` resolves every dependency from
    what scripts/bootstrap installed, and nothing else: `--system-site-packages`
    would expose the base interpreter's packages instead of the shared venv's.
    Returns its python."""
    subprocess.run([str(PYTHON), "-m", "venv", "--without-pip", str(venv)], check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    purelib = venv / "lib" / version / "site-packages"
    purelib.mkdir(parents=True, exist_ok=True)
    (purelib / "_restmcp_shared.pth").write_text(shared_site_packages() + "\n")
    return venv / "bin" / "python"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a generated project's tools: ours without venv,
    Python path, or any generated project's settings and secrets."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "SERVICE_AUTH_TOKEN")
        and not k.startswith("TODO_API_MCP_")
    }
    env.update(extra)
    return env
