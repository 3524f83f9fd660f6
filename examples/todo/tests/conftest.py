"""Test setup: import the app from examples/todo and start every test from an empty store."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402

from todo_app.main import app, reset  # noqa: E402


@pytest.fixture(autouse=True)
def _empty_store() -> Iterator[None]:
    """Forget every task before each test."""
    reset()
    yield
    reset()


@pytest.fixture
def client() -> TestClient:
    """A client that calls the app in process."""
    return TestClient(app)
