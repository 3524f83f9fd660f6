"""Real-world documents generate projects that import and pass their own
contract tests (every tool registered with its arguments, every pydantic
model building its JSON schema, the error taxonomy): Stripe's (form bodies,
hundreds of operations, recursive schemas) and a Kubernetes one (the
recursive JSONSchemaProps). Needs ../shared/corpus beside the repository,
like the Rust corpus tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import PYTHON, ROOT, VARIANTS, generate, run

CORPUS = ROOT.parent / "shared" / "corpus"
DOCUMENTS = {
    "stripe": "stripe/spec3.json",
    "kubernetes": "kubernetes/pkg__openapiconv__testdata_generated_from_k8s__v3_apiextensions.k8s.io.v1.json",
}
# A model that refers to itself, proving recursion survived generation.
RECURSIVE = {
    "stripe": None,
    "kubernetes": "IoK8sApiextensionsApiserverPkgApisApiextensionsV1JSONSchemaProps",
}


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_corpus_project_imports_and_passes_its_contract_tests(name: str, tmp_path: Path) -> None:
    document = CORPUS / DOCUMENTS[name]
    assert document.is_file(), f"{document} is missing: the corpus must be beside the repository"
    project = tmp_path / name
    result = generate(str(document), project, *VARIANTS["none"], "--base-url", "http://127.0.0.1:9")
    count = int(re.search(r"for (\d+) tools", result.stderr).group(1))
    tools = [p for p in (project / "src" / "tools").glob("*.py") if p.stem != "__init__"]
    assert len(tools) == count > 10

    models = (project / "src" / "schemas" / "models.py").read_text()
    if RECURSIVE[name]:
        cls = RECURSIVE[name]
        body = models.split(f"class {cls}(BaseModel):", 1)[1].split("\nclass ", 1)[0]
        assert f": {cls} | None" in body, "the recursive field lost its self-reference"
    if name == "stripe":
        forms = [p for p in tools if "application/x-www-form-urlencoded" in p.read_text()]
        assert len(forms) > 100, "Stripe's form-encoded bodies"

    # ruff check is clean here too (ruff format is not: see the README's Limits).
    lint = run([str(PYTHON), "-m", "ruff", "check", "--no-cache", "--quiet", "."], cwd=project)
    assert lint.code == 0, lint.stdout[-4000:] + lint.stderr
    compiled = run([str(PYTHON), "-m", "compileall", "-q", "src", "tests"], cwd=project)
    assert compiled.code == 0, compiled.stdout + compiled.stderr
    tests = run(
        [str(PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/contract"],
        cwd=project,
        timeout=300,
    )
    assert tests.code == 0, tests.stdout[-6000:] + tests.stderr[-2000:]
    summary = tests.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"3 passed in [\d.]+s", summary), summary
