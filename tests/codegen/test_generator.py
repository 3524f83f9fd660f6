"""What `restmcp generate` and `add-tool` promise about the files
themselves: the same input gives byte-identical trees, `--force` never
loses an edit, and `add-tool` touches nothing but its own files and
src/server.py (which stays ruff clean and registers the new tool)."""

from __future__ import annotations

import json
from pathlib import Path

from support import PYTHON, VARIANTS, digest, generate, restmcp, run, tree

EDIT = "\n\n# A line the team added by hand.\n"


def test_generation_is_deterministic(spec_url: str, tmp_path: Path) -> None:
    for variant in ("simple", "service"):
        first, second = tmp_path / f"{variant}-1", tmp_path / f"{variant}-2"
        generate(spec_url, first, *VARIANTS[variant])
        generate(spec_url, second, *VARIANTS[variant])
        a, b = tree(first), tree(second)
        assert len(a) > 10
        assert sorted(a) == sorted(b)
        differing = [p for p in a if a[p] != b[p]]
        assert not differing, f"{variant}: files differ between two runs: {differing}"
        assert digest(a) == digest(b)
        # Regenerating in place with --force changes nothing either.
        generate(spec_url, first, *VARIANTS[variant], force=True)
        assert tree(first) == a


def test_a_non_empty_folder_needs_force(spec_url: str, tmp_path: Path) -> None:
    out = tmp_path / "p"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    result = restmcp("generate", spec_url, "--out", str(out), *VARIANTS["none"])
    assert result.code != 0
    assert "--force" in result.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_force_keeps_edited_files_and_reports_them(spec_url: str, tmp_path: Path) -> None:
    out = tmp_path / "p"
    generate(spec_url, out, *VARIANTS["none"])
    before = tree(out)
    edited = out / "src" / "tools" / "get_task.py"
    edited.write_text(edited.read_text() + EDIT)
    (out / "src" / "tools" / "health.py").unlink()  # a deleted file comes back

    result = generate(spec_url, out, *VARIANTS["none"], force=True)
    assert "kept: src/tools/get_task.py" in result.stderr, result.stderr
    assert result.stderr.count("kept: ") == 1, result.stderr
    assert edited.read_text().endswith(EDIT)
    after = tree(out)
    assert set(after) == set(before)
    changed = sorted(p for p in before if before[p] != after[p])
    assert changed == ["src/tools/get_task.py"], changed

    # The edit survives a second --force too (the manifest still knows the original).
    result = generate(spec_url, out, *VARIANTS["none"], force=True)
    assert "kept: src/tools/get_task.py" in result.stderr
    assert edited.read_text().endswith(EDIT)


def test_add_tool_touches_nothing_else(spec_url: str, tmp_path: Path) -> None:
    out = tmp_path / "p"
    generate(
        spec_url, out, *VARIANTS["service"], "--exclude-operation", "get_task_tasks__task_id__get"
    )
    assert not (out / "src" / "tools" / "get_task.py").exists()
    # The team's own edits, which add-tool must leave alone.
    for rel in ("src/client.py", "README.md", "tests/conftest.py"):
        path = out / rel
        path.write_text(path.read_text() + EDIT)
    before = tree(out)

    result = restmcp(
        "add-tool", spec_url, "--project", str(out), "--operation", "get_task_tasks__task_id__get"
    )
    assert result.code == 0, result.stderr
    assert "added tool `get_task`" in result.stderr
    after = tree(out)

    created = sorted(set(after) - set(before))
    assert created == ["src/tools/get_task.py", "tests/integration/test_get_task.py"]
    assert set(before) <= set(after)
    changed = sorted(p for p in before if before[p] != after[p])
    assert changed == [".restmcp-manifest.json", "src/server.py"], changed
    for rel in ("src/client.py", "README.md", "tests/conftest.py"):
        assert after[rel].decode().endswith(EDIT)

    # server.py gained exactly the import and the registration, nothing was removed.
    old = before["src/server.py"].decode().splitlines()
    new = after["src/server.py"].decode().splitlines()
    assert all(line in new for line in old)
    added = [line for line in new if line not in old or new.count(line) > old.count(line)]
    assert "from src.tools.get_task import get_task" in added
    assert "    get_task," in added

    # The new tool file is what generate would have written for it.
    full = tmp_path / "full"
    generate(spec_url, full, *VARIANTS["service"])
    assert after["src/tools/get_task.py"] == (full / "src/tools/get_task.py").read_bytes()

    manifest = json.loads(after[".restmcp-manifest.json"])
    assert "src/tools/get_task.py" in manifest["files"]

    # Still ruff clean, and the server registers the tool.
    for cmd in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        ruff = run([str(PYTHON), "-m", "ruff", *cmd], cwd=out)
        assert ruff.code == 0, ruff.stdout + ruff.stderr
    script = (
        "import asyncio, json; from src.server import mcp; "
        "print(json.dumps(sorted(t.name for t in asyncio.run(mcp.list_tools()))))"
    )
    listed = run([str(PYTHON), "-c", script], cwd=out)
    assert listed.code == 0, listed.stderr
    names = json.loads(listed.stdout.strip().splitlines()[-1])
    assert "get_task" in names and len(names) == 15, names

    # A second add-tool of the same operation is refused, changing nothing.
    again = restmcp(
        "add-tool", spec_url, "--project", str(out), "--operation", "get_task_tasks__task_id__get"
    )
    assert again.code != 0
    assert tree(out) == after


def test_templates_override_by_file_name(spec_url: str, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "README.md.jinja").write_text(
        "# {{ name }}: our own README ({{ tool_count }} tools)\n"
    )
    out = tmp_path / "p"
    generate(spec_url, out, *VARIANTS["none"], "--templates", str(templates))
    assert (out / "README.md").read_text() == "# todo-api-mcp: our own README (15 tools)\n"
    default = tmp_path / "default"
    generate(spec_url, default, *VARIANTS["none"])
    assert (default / "README.md").read_text() != (out / "README.md").read_text()
    assert (default / "src/server.py").read_bytes() == (out / "src/server.py").read_bytes()
