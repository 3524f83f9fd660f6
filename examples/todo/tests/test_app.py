"""Tests of the example Todo API: every endpoint, its errors, and the OpenAPI shapes restmcp relies on."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from todo_app.main import app


def make(client: TestClient, title: str, user: str | None = None, **fields: Any) -> dict[str, Any]:
    """Create a task and return its JSON."""
    headers = {"X-User-ID": user} if user else {}
    r = client.post("/tasks", json={"title": title, **fields}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


# --- Tasks ------------------------------------------------------------------


def test_create_returns_201_and_the_task(client: TestClient) -> None:
    r = client.post(
        "/tasks",
        json={"title": "Buy milk", "priority": "high", "due_date": "2030-01-02", "tags": ["home"]},
    )
    assert r.status_code == 201
    task = r.json()
    assert task["id"] == 1
    assert task["title"] == "Buy milk"
    assert task["priority"] == "high"
    assert task["status"] == "todo"
    assert task["due_date"] == "2030-01-02"
    assert task["tags"] == ["home"]
    assert task["owner"] == "local"
    assert task["subtasks"] == [] and task["attachments"] == []
    assert "created_at" in task
    assert make(client, "Second")["id"] == 2


def test_create_defaults(client: TestClient) -> None:
    task = make(client, "Plain")
    assert task["priority"] == "medium"
    assert task["description"] is None
    assert task["estimate_hours"] is None


def test_validation_errors_are_422(client: TestClient) -> None:
    assert client.post("/tasks", json={"title": ""}).status_code == 422
    assert client.post("/tasks", json={}).status_code == 422
    assert client.post("/tasks", json={"title": "x", "priority": "someday"}).status_code == 422
    assert client.post("/tasks", json={"title": "x", "estimate_hours": -1}).status_code == 422
    assert client.get("/tasks", params={"limit": 0}).status_code == 422
    assert client.get("/tasks", params={"limit": 501}).status_code == 422
    assert client.get("/tasks", params={"offset": -1}).status_code == 422
    assert client.get("/tasks/0").status_code == 422
    assert client.get("/tasks/abc").status_code == 422


def test_list_is_an_array_with_filters_and_paging(client: TestClient) -> None:
    make(client, "a", priority="low")
    make(client, "b", priority="high")
    make(client, "c", priority="high")
    client.post("/tasks/2/complete")

    all_tasks = client.get("/tasks").json()
    assert isinstance(all_tasks, list)
    assert [t["title"] for t in all_tasks] == ["a", "b", "c"]
    assert [t["title"] for t in client.get("/tasks", params={"priority": "high"}).json()] == [
        "b",
        "c",
    ]
    assert [t["title"] for t in client.get("/tasks", params={"status": "done"}).json()] == ["b"]
    assert [t["title"] for t in client.get("/tasks", params={"status": "todo"}).json()] == [
        "a",
        "c",
    ]
    paged = client.get("/tasks", params={"limit": 1, "offset": 1}).json()
    assert [t["title"] for t in paged] == ["b"]
    assert client.get("/tasks", params={"status": "nope"}).status_code == 422


def test_list_cookie_hint_orders_newest_first(client: TestClient) -> None:
    make(client, "old")
    make(client, "new")
    client.cookies.set("session_hint", "newest")
    assert [t["title"] for t in client.get("/tasks").json()] == ["new", "old"]


def test_get_and_404_message(client: TestClient) -> None:
    make(client, "Find me")
    r = client.get("/tasks/1")
    assert r.status_code == 200
    assert r.json()["title"] == "Find me"
    r = client.get("/tasks/7")
    assert r.status_code == 404
    assert r.json() == {"detail": "Task 7 not found"}


def test_put_replaces_editable_fields_and_keeps_status(client: TestClient) -> None:
    make(client, "Old", tags=["a"], description="d")
    client.post("/tasks/1/complete")
    r = client.put("/tasks/1", json={"title": "New", "priority": "urgent"})
    assert r.status_code == 200
    task = r.json()
    assert task["title"] == "New"
    assert task["priority"] == "urgent"
    assert task["tags"] == []  # a PUT replaces, so omitted fields go back to defaults
    assert task["description"] is None
    assert task["status"] == "done"
    assert client.get("/tasks/1").json()["title"] == "New"
    assert client.put("/tasks/9", json={"title": "x"}).status_code == 404
    assert client.put("/tasks/1", json={"title": ""}).status_code == 422


def test_patch_changes_only_sent_fields(client: TestClient) -> None:
    make(client, "Keep", description="desc", tags=["t"], estimate_hours=2)
    r = client.patch("/tasks/1", json={"status": "in_progress", "estimate_hours": None})
    assert r.status_code == 200
    task = r.json()
    assert task["status"] == "in_progress"
    assert task["estimate_hours"] is None
    assert task["title"] == "Keep"
    assert task["description"] == "desc"
    assert task["tags"] == ["t"]
    # a null for a required field is ignored rather than breaking the task
    assert client.patch("/tasks/1", json={"title": None}).json()["title"] == "Keep"
    assert client.patch("/tasks/1", json={"title": ""}).status_code == 422
    assert client.patch("/tasks/1", json={"status": "later"}).status_code == 422
    assert client.patch("/tasks/5", json={}).status_code == 404


def test_delete_is_204_then_404(client: TestClient) -> None:
    make(client, "Gone soon")
    r = client.delete("/tasks/1")
    assert r.status_code == 204
    assert r.content == b""
    assert client.get("/tasks/1").status_code == 404
    assert client.delete("/tasks/1").status_code == 404
    assert client.get("/tasks").json() == []


def test_complete_sets_done(client: TestClient) -> None:
    make(client, "Finish")
    r = client.post("/tasks/1/complete")
    assert r.status_code == 200
    assert r.json()["status"] == "done"
    assert client.get("/tasks/1").json()["status"] == "done"
    assert client.post("/tasks/2/complete").status_code == 404


# --- Subtasks ---------------------------------------------------------------


def test_subtasks_nest_recursively(client: TestClient) -> None:
    make(client, "Parent")
    r = client.post("/tasks/1/subtasks", json={"title": "Child"})
    assert r.status_code == 201
    parent = r.json()
    assert parent["id"] == 1
    assert [s["title"] for s in parent["subtasks"]] == ["Child"]
    child_id = parent["subtasks"][0]["id"]
    assert child_id == 2

    grand = client.post(f"/tasks/{child_id}/subtasks", json={"title": "Grandchild"}).json()
    assert grand["id"] == child_id
    nested = client.get("/tasks/1").json()
    assert nested["subtasks"][0]["subtasks"][0]["title"] == "Grandchild"

    # subtasks are addressable, but not listed at the top level
    assert client.post(f"/tasks/{child_id}/complete").json()["status"] == "done"
    assert client.get("/tasks/1").json()["subtasks"][0]["status"] == "done"
    assert [t["id"] for t in client.get("/tasks").json()] == [1]

    assert client.delete(f"/tasks/{child_id}").status_code == 204
    assert client.get("/tasks/1").json()["subtasks"] == []
    assert client.post("/tasks/99/subtasks", json={"title": "x"}).status_code == 404


# --- Search, form, upload, tags ---------------------------------------------


def test_search_by_text_and_tags(client: TestClient) -> None:
    make(client, "Buy milk", tags=["home", "shop"])
    make(client, "Buy nails", tags=["shop"])
    make(client, "Call mom", description="about the MILK", tags=["home"])

    def titles(params: Any) -> list[str]:
        r = client.get("/search", params=params)
        assert r.status_code == 200, r.text
        return [t["title"] for t in r.json()]

    assert titles({"q": "buy"}) == ["Buy milk", "Buy nails"]
    assert titles({"q": "milk"}) == ["Buy milk", "Call mom"]
    assert titles({"q": "milk", "tag": "shop"}) == ["Buy milk"]
    assert titles([("q", "buy"), ("tag", "shop"), ("tag", "home")]) == ["Buy milk"]
    assert titles({"q": "zzz"}) == []
    assert client.get("/search", params={"q": ""}).status_code == 422
    assert client.get("/search").status_code == 422


def test_search_finds_subtasks(client: TestClient) -> None:
    make(client, "Parent")
    client.post("/tasks/1/subtasks", json={"title": "hidden needle"})
    assert [t["id"] for t in client.get("/search", params={"q": "needle"}).json()] == [2]


def test_import_form(client: TestClient) -> None:
    r = client.post("/tasks/import-form", data={"title": "From a form", "priority": "low"})
    assert r.status_code == 201
    assert r.json()["title"] == "From a form"
    assert r.json()["priority"] == "low"
    r = client.post("/tasks/import-form", data={"title": "Default priority"})
    assert r.json()["priority"] == "medium"
    assert client.post("/tasks/import-form", data={}).status_code == 422
    assert client.post("/tasks/import-form", data={"title": "x", "priority": "meh"}).status_code == 422
    assert len(client.get("/tasks").json()) == 2


def test_upload_attachment_hashes_the_file(client: TestClient) -> None:
    make(client, "With file")
    content = b"hello attachment\n"
    r = client.post(
        "/tasks/1/attachments",
        files={"file": ("notes.txt", content, "text/plain")},
        data={"note": "first draft"},
    )
    assert r.status_code == 200, r.text
    att = r.json()
    assert att == {
        "task_id": 1,
        "filename": "notes.txt",
        "content_type": "text/plain",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "note": "first draft",
    }
    stored = client.get("/tasks/1").json()["attachments"]
    assert stored == [att]

    r = client.post("/tasks/1/attachments", files={"file": ("b.bin", b"", "application/octet-stream")})
    assert r.json()["size"] == 0
    assert r.json()["note"] is None
    assert len(client.get("/tasks/1").json()["attachments"]) == 2
    assert client.post("/tasks/1/attachments", data={"note": "no file"}).status_code == 422
    assert (
        client.post("/tasks/3/attachments", files={"file": ("a", b"x", "text/plain")}).status_code
        == 404
    )


def test_rename_tag_path_name_is_old_body_name_is_new(client: TestClient) -> None:
    make(client, "a", tags=["work", "x"])
    make(client, "b", tags=["work", "later"])
    make(client, "c", tags=["home"])
    r = client.put("/tags/work", json={"name": "later"})
    assert r.status_code == 200
    assert r.json() == {"old": "work", "new": "later", "renamed": 2}
    tags = {t["title"]: t["tags"] for t in client.get("/tasks").json()}
    assert tags == {"a": ["later", "x"], "b": ["later"], "c": ["home"]}
    assert client.put("/tags/missing", json={"name": "y"}).json()["renamed"] == 0
    assert client.put("/tags/home", json={}).status_code == 422


# --- Export, stats, health, users -------------------------------------------


def test_export_is_plain_text(client: TestClient) -> None:
    make(client, "Done one")
    make(client, "Open one")
    client.post("/tasks/1/complete")
    client.post("/tasks/2/subtasks", json={"title": "Sub"})
    r = client.get("/export")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text == "[x] Done one\n[ ] Open one\n  [ ] Sub\n"


def test_export_empty(client: TestClient) -> None:
    r = client.get("/export")
    assert r.status_code == 200
    assert r.text == ""


def test_stats_counts(client: TestClient) -> None:
    make(client, "a", priority="high")
    make(client, "b", priority="high")
    make(client, "c", priority="low")
    client.post("/tasks/1/complete")
    client.patch("/tasks/2", json={"status": "in_progress"})
    client.post("/tasks/3/subtasks", json={"title": "sub", "priority": "urgent"})
    stats = client.get("/stats").json()
    assert stats == {
        "total": 4,
        "by_status": {"todo": 2, "in_progress": 1, "done": 1},
        "by_priority": {"low": 1, "medium": 0, "high": 2, "urgent": 1},
    }


def test_health(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_users_are_isolated(client: TestClient) -> None:
    alice = make(client, "Alice's", user="alice")
    make(client, "Bob's", user="bob")
    make(client, "Local's")
    assert alice["owner"] == "alice"

    def titles(user: str) -> list[str]:
        return [t["title"] for t in client.get("/tasks", headers={"X-User-ID": user}).json()]

    assert titles("alice") == ["Alice's"]
    assert titles("bob") == ["Bob's"]
    assert titles("local") == ["Local's"]
    assert [t["title"] for t in client.get("/tasks").json()] == ["Local's"]
    task_id = alice["id"]
    assert client.get(f"/tasks/{task_id}", headers={"X-User-ID": "bob"}).status_code == 404
    assert client.delete(f"/tasks/{task_id}", headers={"X-User-ID": "bob"}).status_code == 404
    assert client.get(f"/tasks/{task_id}", headers={"X-User-ID": "alice"}).status_code == 200
    assert client.get("/stats", headers={"X-User-ID": "bob"}).json()["total"] == 1


# --- OpenAPI shapes restmcp relies on ---------------------------------------


def test_openapi_uses_fastapi_default_operation_ids() -> None:
    doc = app.openapi()
    ids = {op["operationId"] for path in doc["paths"].values() for op in path.values()}
    assert ids == {
        "create_task_tasks_post",
        "list_tasks_tasks_get",
        "get_task_tasks__task_id__get",
        "update_task_tasks__task_id__put",
        "patch_task_tasks__task_id__patch",
        "delete_task_tasks__task_id__delete",
        "complete_task_tasks__task_id__complete_post",
        "add_subtask_tasks__task_id__subtasks_post",
        "search_tasks_search_get",
        "import_tasks_form_tasks_import_form_post",
        "upload_attachment_tasks__task_id__attachments_post",
        "rename_tag_tags__name__put",
        "export_tasks_export_get",
        "get_stats_stats_get",
        "health_health_get",
    }


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow one local $ref."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    return doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_openapi_rename_tag_has_path_and_body_name() -> None:
    doc = app.openapi()
    op = doc["paths"]["/tags/{name}"]["put"]
    path_params = [p["name"] for p in op["parameters"] if p["in"] == "path"]
    assert path_params == ["name"]
    body = _resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
    assert "name" in body["properties"]
    assert body["required"] == ["name"]


def test_openapi_parameter_locations_and_bodies() -> None:
    doc = app.openapi()
    list_op = doc["paths"]["/tasks"]["get"]
    where = {p["name"]: p["in"] for p in list_op["parameters"]}
    assert where == {
        "status": "query",
        "priority": "query",
        "limit": "query",
        "offset": "query",
        "X-User-ID": "header",
        "session_hint": "cookie",
    }
    assert list_op["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"

    task = doc["components"]["schemas"]["Task"]
    assert task["properties"]["subtasks"]["items"] == {"$ref": "#/components/schemas/Task"}

    form = doc["paths"]["/tasks/import-form"]["post"]["requestBody"]["content"]
    assert list(form) == ["application/x-www-form-urlencoded"]
    upload = doc["paths"]["/tasks/{task_id}/attachments"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    export = doc["paths"]["/export"]["get"]["responses"]["200"]["content"]
    assert list(export) == ["text/plain"]
    assert "201" in doc["paths"]["/tasks"]["post"]["responses"]
    assert "204" in doc["paths"]["/tasks/{task_id}"]["delete"]["responses"]
    assert doc["paths"]["/search"]["get"]["parameters"][1]["schema"]["type"] == "array"


# --- Pattern 4: a trusted service plus the user's id; user logins ----------

SERVICE_TOKEN = "example-service-token-0123456789abcdef"


def test_service_token_acts_for_the_named_user(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_AUTH_TOKEN", SERVICE_TOKEN)
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    made = client.post("/tasks", json={"title": "Alice's"}, headers={**service, "X-User-ID": "alice"})
    assert made.status_code == 201, made.text
    assert made.json()["owner"] == "alice"
    as_bob = client.get("/tasks", headers={**service, "X-User-ID": "bob"})
    assert as_bob.status_code == 200 and as_bob.json() == []
    missing_user = client.get("/tasks", headers=service)
    assert missing_user.status_code == 401
    assert "X-User-ID" in missing_user.json()["detail"]


def test_with_a_service_token_configured_nothing_is_open(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_AUTH_TOKEN", SERVICE_TOKEN)
    assert client.get("/tasks").status_code == 401
    assert client.get("/tasks", headers={"X-User-ID": "alice"}).status_code == 401
    wrong = client.get("/tasks", headers={"Authorization": "Bearer " + "x" * 40, "X-User-ID": "alice"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_a_login_token_cannot_act_as_someone_else(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_AUTH_TOKEN", SERVICE_TOKEN)
    assert client.post("/login", json={"username": "carol", "password": "nope"}).status_code == 401
    token = client.post("/login", json={"username": "carol", "password": "carol-password"}).json()[
        "access_token"
    ]
    own = {"Authorization": f"Bearer {token}"}
    assert client.post("/tasks", json={"title": "Carol's"}, headers=own).json()["owner"] == "carol"
    # X-User-ID is ignored for a user's own token.
    spoofed = client.get("/tasks", headers={**own, "X-User-ID": "alice"})
    assert [t["owner"] for t in spoofed.json()] == ["carol"]


def test_service_auth_is_declared_in_the_schema() -> None:
    doc = app.openapi()
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
    assert doc["paths"]["/tasks"]["get"]["security"] == [{"HTTPBearer": []}]
    assert "/login" not in doc["paths"]
