"""The projects `restmcp generate` writes for the example backend's spec, in
the six variants of issue 5: each is checked the way its owner would — the
security review's own commands, installed into a venv of its own
(`pip install --no-build-isolation --no-index -e .[dev]`), `ruff check`,
`ruff format --check`, `python -m compileall`, and its own pytest suite
against the live example backend with the integration tests running."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from harness import Backend
from support import VARIANTS, clean_env, generate, make_venv, run

# What SECURITY_REVIEW.md states for each check: the command and its output.
CHECK = re.compile(
    r"^## \d+\. (?P<title>.+?): (?P<verdict>PASS|FAIL)\n.*?"
    r"```sh\n(?P<command>.+?)\n```\n\nResult at generation time:\n\n```text\n(?P<result>.*?)```",
    re.DOTALL | re.MULTILINE,
)


def review_checks(project: Path) -> list[dict[str, str]]:
    text = (project / "SECURITY_REVIEW.md").read_text()
    return [m.groupdict() for m in CHECK.finditer(text)]


def env_prefix(project: Path) -> str:
    """`TODO_API_MCP_`, read from the project's .env.example."""
    m = re.search(
        r"^([A-Z0-9_]+_)BACKEND_URL=", (project / ".env.example").read_text(), re.MULTILINE
    )
    assert m, ".env.example names no BACKEND_URL setting"
    return m.group(1)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_generated_project(
    variant: str,
    spec_url: str,
    todo_backend: Backend,
    service_backend: Backend,
    service_token: str,
    tmp_path: Path,
) -> None:
    project = tmp_path / variant
    result = generate(spec_url, project, *VARIANTS[variant])
    structure = "simple" if variant == "simple" else "modular"
    assert f"structure: {structure}" in result.stderr

    # The security review's verification commands give what it states.
    checks = review_checks(project)
    assert len(checks) >= 8, f"SECURITY_REVIEW.md has only {len(checks)} checks"
    for check in checks:
        assert check["verdict"] == "PASS", check
        got = run(["bash", "-c", check["command"]], cwd=project)
        assert got.stdout.strip() == check["result"].strip(), (
            f"{variant}: `{check['command']}` printed\n{got.stdout}\n"
            f"but SECURITY_REVIEW.md states\n{check['result']}"
        )
    if variant == "service":
        titles = {c["title"]: c for c in checks}
        constant_time = titles["Constant-time token comparison"]["result"]
        assert "backend_patch/service_auth.py:" in constant_time
        assert "hmac.compare_digest" in constant_time

    python = make_venv(tmp_path / f"venv-{variant}")
    env = clean_env()
    install = run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-build-isolation",
            "--no-index",
            "-e",
            ".[dev]",
        ],
        cwd=project,
        env=env,
    )
    assert install.code == 0, f"pip install failed:\n{install.stdout}\n{install.stderr}"

    for cmd in (
        ["ruff", "check", "--no-cache", "."],
        ["ruff", "format", "--no-cache", "--check", "."],
    ):
        ruff = run([str(python), "-m", *cmd], cwd=project, env=env)
        assert ruff.code == 0, f"{variant}: {' '.join(cmd)}\n{ruff.stdout}{ruff.stderr}"
    compiled = run([str(python), "-m", "compileall", "-q", "."], cwd=project, env=env)
    assert compiled.code == 0 and not compiled.stdout.strip(), compiled.stdout + compiled.stderr

    prefix = env_prefix(project)
    backend = service_backend if variant == "service" else todo_backend
    test_env = clean_env(**{f"{prefix}BACKEND_URL": backend.url})
    if variant == "service":
        # The backend really enforces pattern 4: the user header alone is refused.
        refused = httpx.get(f"{backend.url}/tasks", headers={"X-User-ID": "u"}, timeout=10)
        assert refused.status_code == 401, refused.status_code
        test_env["SERVICE_AUTH_TOKEN"] = service_token
        # Negative control: with a wrong token of the right length the backend
        # refuses the generated server, so the integration tests fail.
        wrong = clean_env(**{f"{prefix}BACKEND_URL": backend.url, "SERVICE_AUTH_TOKEN": "w" * 43})
        refused_run = run(
            [
                str(python),
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-x",
                "tests/integration/test_list_tasks.py",
            ],
            cwd=project,
            env=wrong,
        )
        assert refused_run.code == 1, refused_run.stdout[-3000:]
        assert "authentication_error" in refused_run.stdout, refused_run.stdout[-3000:]
    junit = tmp_path / f"{variant}-junit.xml"
    tests = run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"],
        cwd=project,
        env=test_env,
        timeout=300,
    )
    summary = tests.stdout.strip().splitlines()[-1] if tests.stdout.strip() else ""
    assert tests.code == 0, f"{variant}: the project's tests failed:\n{tests.stdout[-6000:]}"
    assert re.fullmatch(r"\d+ passed in [\d.]+s", summary), f"summary: {summary!r}"

    cases = ET.parse(junit).getroot().iter("testcase")
    outcomes: dict[str, str] = {}
    for case in cases:
        kinds = [child.tag for child in case if child.tag in ("skipped", "failure", "error")]
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = kinds[0] if kinds else "passed"
    assert outcomes and set(outcomes.values()) == {"passed"}, outcomes
    assert int(summary.split()[0]) == len(outcomes)

    if structure == "simple":
        integration = [
            k for k in outcomes if k.endswith("::test_every_tool_answers_from_the_backend")
        ]
        assert len(integration) == 1, sorted(outcomes)
    else:
        tools = sorted(
            p.stem for p in (project / "src" / "tools").glob("*.py") if p.stem != "__init__"
        )
        assert len(tools) == 15, tools
        integration = [k for k in outcomes if "integration" in k]
        for tool in tools:
            assert any(f"test_{tool}::" in k or f"test_{tool}." in k for k in integration), (
                f"no passing integration test for {tool}: {sorted(integration)}"
            )
        assert len(integration) > len(tools)  # one per tool, plus the workflows
