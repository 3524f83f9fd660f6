"""Todo API: a small in-memory FastAPI backend, restmcp's bundled example.

It keeps every task in process memory (nothing is persisted) and exists to give
restmcp one realistic app that covers the shapes an API can take: path, query,
header and cookie parameters, JSON bodies, form and multipart bodies, a path
parameter and a body property with the same name, recursive models, array and
plain-text responses, and 201/204 status codes.

Run it:  uvicorn todo_app.main:app --app-dir examples/todo --port 8000
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Iterator
from datetime import date, datetime, timezone
from enum import Enum
from typing import Annotated, Optional

from fastapi import (
    Cookie,
    Depends,
    FastAPI,
    File,
    Form,
    Header,
    HTTPException,
    Path,
    Query,
    Response,
    UploadFile,
)
from fastapi.responses import PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI(
    title="Todo API",
    version="1.0.0",
    description=(
        "A small in-memory todo backend: tasks with priorities, tags, due dates, "
        "subtasks and file attachments. Every task endpoint works on one user's "
        "task list: a user's own login token (POST /login), or a trusted service's "
        "token (SERVICE_AUTH_TOKEN) plus the user's id in X-User-ID. Without "
        "SERVICE_AUTH_TOKEN the backend runs in open demo mode (X-User-ID, "
        "default `local`). "
        "Data lives in process memory and is lost on restart."
    ),
)


# --- Models -----------------------------------------------------------------


class Priority(str, Enum):
    """How urgent a task is."""

    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"


class Status(str, Enum):
    """Where a task is in its life."""

    todo = "todo"
    in_progress = "in_progress"
    done = "done"


class TaskCreate(BaseModel):
    """The fields a client sets when it creates or replaces a task."""

    title: str = Field(min_length=1, max_length=200, examples=["Buy milk"])
    description: Optional[str] = None
    priority: Priority = Priority.medium
    due_date: Optional[date] = None
    tags: list[str] = Field(default_factory=list)
    estimate_hours: Optional[float] = Field(None, ge=0, le=1000)


class TaskUpdate(BaseModel):
    """A partial update: only the fields sent are changed."""

    title: Optional[str] = Field(None, min_length=1, max_length=200)
    description: Optional[str] = None
    priority: Optional[Priority] = None
    status: Optional[Status] = None
    due_date: Optional[date] = None
    tags: Optional[list[str]] = None
    estimate_hours: Optional[float] = Field(None, ge=0, le=1000)


class Attachment(BaseModel):
    """Metadata of a file uploaded to a task (the content itself is not kept)."""

    task_id: int
    filename: str
    content_type: Optional[str] = None
    size: int = Field(description="Size in bytes.")
    sha256: str = Field(description="Hex SHA-256 of the content.")
    note: Optional[str] = None


class Task(TaskCreate):
    """A stored task, with its subtasks and attachments."""

    model_config = ConfigDict(validate_assignment=True)

    id: int
    status: Status
    created_at: datetime
    owner: str
    subtasks: list[Task] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)


class TagRename(BaseModel):
    """The body of a tag rename."""

    name: str = Field(min_length=1, description="The new tag name.")


class TagRenameResult(BaseModel):
    """What a tag rename did."""

    old: str
    new: str
    renamed: int = Field(description="How many tasks carried the old tag.")


class Stats(BaseModel):
    """Task counts for one user, subtasks included."""

    total: int
    by_status: dict[str, int]
    by_priority: dict[str, int]


Task.model_rebuild()


# --- In-memory store --------------------------------------------------------

_lock = threading.Lock()
_store: dict[str, dict[int, Task]] = {}  # user -> top-level tasks by id
_logins: dict[str, str] = {}  # login token -> user
_bearer = HTTPBearer(auto_error=False)
_next_id = 1


def reset() -> None:
    """Forget every task and restart ids at 1 (for tests)."""
    global _next_id
    with _lock:
        _store.clear()
        _logins.clear()
        _next_id = 1


def _new_task(user: str, data: TaskCreate) -> Task:
    """Build a task with a fresh id; the caller holds the lock."""
    global _next_id
    task = Task(
        **data.model_dump(),
        id=_next_id,
        status=Status.todo,
        created_at=datetime.now(timezone.utc),
        owner=user,
    )
    _next_id += 1
    return task


def _walk(tasks: list[Task]) -> Iterator[Task]:
    """Yield the tasks and, depth first, all their subtasks."""
    for task in tasks:
        yield task
        yield from _walk(task.subtasks)


def _all_tasks(user: str) -> list[Task]:
    """Every task of a user, subtasks included, in creation order."""
    return sorted(_walk(list(_store.get(user, {}).values())), key=lambda t: t.id)


def _get_or_404(user: str, task_id: int) -> Task:
    """The user's task (or subtask) with this id; the caller holds the lock."""
    for task in _walk(list(_store.get(user, {}).values())):
        if task.id == task_id:
            return task
    raise HTTPException(status_code=404, detail=f"Task {task_id} not found")


def _remove(tasks: list[Task], task_id: int) -> bool:
    """Remove a subtask with this id anywhere below these tasks."""
    for task in tasks:
        for i, sub in enumerate(task.subtasks):
            if sub.id == task_id:
                del task.subtasks[i]
                return True
        if _remove(task.subtasks, task_id):
            return True
    return False


# --- Shared parameters ------------------------------------------------------

UserId = Annotated[
    Optional[str],
    Header(
        alias="X-User-ID",
        description=(
            "Whose task list to use; each user sees only their own tasks. Sent by a "
            "trusted service together with the service token, or (when the backend "
            "runs without SERVICE_AUTH_TOKEN, in open demo mode) by anyone; ignored "
            "for a user's own login token."
        ),
    ),
]


def get_current_user_or_service(
    credentials: Annotated[
        Optional[HTTPAuthorizationCredentials], Depends(_bearer)
    ] = None,
    x_user_id: UserId = None,
) -> str:
    """The user a request acts for.

    - `Authorization: Bearer <SERVICE_AUTH_TOKEN>` (a trusted service such as
      restmcp, compared in constant time): the user named in `X-User-ID`,
      which is then required.
    - `Authorization: Bearer <token from POST /login>`: that user; `X-User-ID`
      is ignored, so a user cannot act as someone else.
    - Neither: refused when SERVICE_AUTH_TOKEN is set; otherwise (open demo
      mode) the `X-User-ID` header, default `local`.
    """
    service_token = os.environ.get("SERVICE_AUTH_TOKEN", "")
    if credentials is not None:
        presented = credentials.credentials.encode()
        if service_token and hmac.compare_digest(presented, service_token.encode()):
            if not x_user_id:
                raise HTTPException(
                    status_code=401,
                    detail="A service call must name the user in the X-User-ID header",
                )
            return x_user_id
        for token, user in list(_logins.items()):
            if hmac.compare_digest(presented, token.encode()):
                return user
        raise HTTPException(
            status_code=401,
            detail="Invalid bearer token: log in again (POST /login) or check the service token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if service_token:
        raise HTTPException(
            status_code=401,
            detail="Not authenticated: send a bearer token (POST /login, or the service token with X-User-ID)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return x_user_id or "local"


CurrentUser = Annotated[str, Depends(get_current_user_or_service)]
TaskId = Annotated[int, Path(ge=1, description="The task's id.")]


# --- Endpoints --------------------------------------------------------------


@app.post("/tasks", status_code=201, tags=["tasks"])
def create_task(*, body: TaskCreate, x_user_id: CurrentUser) -> Task:
    """Create a task."""
    with _lock:
        task = _new_task(x_user_id, body)
        _store.setdefault(x_user_id, {})[task.id] = task
        return task


@app.get("/tasks", tags=["tasks"])
def list_tasks(
    *,
    status: Annotated[Optional[Status], Query(description="Only tasks with this status.")] = None,
    priority: Annotated[
        Optional[Priority], Query(description="Only tasks with this priority.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many tasks.")] = 50,
    offset: Annotated[int, Query(ge=0, description="Skip this many tasks first.")] = 0,
    x_user_id: CurrentUser,
    session_hint: Annotated[
        Optional[str],
        Cookie(description="Display hint; `newest` lists the newest tasks first."),
    ] = None,
) -> list[Task]:
    """List top-level tasks, oldest first, optionally filtered by status and priority."""
    with _lock:
        tasks = sorted(_store.get(x_user_id, {}).values(), key=lambda t: t.id)
    if session_hint == "newest":
        tasks.reverse()
    if status is not None:
        tasks = [t for t in tasks if t.status == status]
    if priority is not None:
        tasks = [t for t in tasks if t.priority == priority]
    return tasks[offset : offset + limit]


@app.get("/tasks/{task_id}", tags=["tasks"])
def get_task(*, task_id: TaskId, x_user_id: CurrentUser) -> Task:
    """Get one task (or subtask) by id."""
    with _lock:
        return _get_or_404(x_user_id, task_id)


@app.put("/tasks/{task_id}", tags=["tasks"])
def update_task(*, task_id: TaskId, body: TaskCreate, x_user_id: CurrentUser) -> Task:
    """Replace a task's editable fields; status, subtasks and attachments are kept."""
    with _lock:
        task = _get_or_404(x_user_id, task_id)
        for field, value in body.model_dump().items():
            setattr(task, field, value)
        return task


@app.patch("/tasks/{task_id}", tags=["tasks"])
def patch_task(*, task_id: TaskId, body: TaskUpdate, x_user_id: CurrentUser) -> Task:
    """Change only the fields sent; a null leaves a required field as it was."""
    nullable = {"description", "due_date", "estimate_hours"}
    with _lock:
        task = _get_or_404(x_user_id, task_id)
        for field, value in body.model_dump(exclude_unset=True).items():
            if value is not None or field in nullable:
                setattr(task, field, value)
        return task


@app.delete("/tasks/{task_id}", status_code=204, tags=["tasks"])
def delete_task(*, task_id: TaskId, x_user_id: CurrentUser) -> Response:
    """Delete a task with its subtasks."""
    with _lock:
        tasks = _store.get(x_user_id, {})
        if tasks.pop(task_id, None) is None and not _remove(list(tasks.values()), task_id):
            raise HTTPException(status_code=404, detail=f"Task {task_id} not found")
    return Response(status_code=204)


@app.post("/tasks/{task_id}/complete", tags=["tasks"])
def complete_task(*, task_id: TaskId, x_user_id: CurrentUser) -> Task:
    """Mark a task done."""
    with _lock:
        task = _get_or_404(x_user_id, task_id)
        task.status = Status.done
        return task


@app.post("/tasks/{task_id}/subtasks", status_code=201, tags=["tasks"])
def add_subtask(*, task_id: TaskId, body: TaskCreate, x_user_id: CurrentUser) -> Task:
    """Add a subtask under a task; returns the parent with its subtasks."""
    with _lock:
        parent = _get_or_404(x_user_id, task_id)
        parent.subtasks = [*parent.subtasks, _new_task(x_user_id, body)]
        return parent


@app.get("/search", tags=["tasks"])
def search_tasks(
    *,
    q: Annotated[
        str, Query(min_length=1, description="Text to find in titles and descriptions.")
    ],
    tag: Annotated[list[str], Query(description="Only tasks with all these tags.")] = [],
    x_user_id: CurrentUser,
) -> list[Task]:
    """Search all tasks, subtasks included, by text (case-insensitive) and tags."""
    needle = q.casefold()
    with _lock:
        tasks = _all_tasks(x_user_id)
    return [
        t
        for t in tasks
        if (needle in t.title.casefold() or needle in (t.description or "").casefold())
        and all(x in t.tags for x in tag)
    ]


@app.post("/tasks/import-form", status_code=201, tags=["tasks"])
def import_tasks_form(
    *,
    title: Annotated[str, Form(min_length=1, max_length=200)],
    priority: Annotated[Priority, Form()] = Priority.medium,
    x_user_id: CurrentUser,
) -> Task:
    """Create a task from an HTML form (application/x-www-form-urlencoded)."""
    return create_task(body=TaskCreate(title=title, priority=priority), x_user_id=x_user_id)


@app.post("/tasks/{task_id}/attachments", tags=["attachments"])
async def upload_attachment(
    *,
    task_id: TaskId,
    file: Annotated[UploadFile, File(description="The file to attach.")],
    note: Annotated[Optional[str], Form(description="A note about the file.")] = None,
    x_user_id: CurrentUser,
) -> Attachment:
    """Attach a file to a task (multipart); only its metadata and hash are kept."""
    data = await file.read()
    with _lock:
        task = _get_or_404(x_user_id, task_id)
        attachment = Attachment(
            task_id=task_id,
            filename=file.filename or "upload",
            content_type=file.content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            note=note,
        )
        task.attachments = [*task.attachments, attachment]
    return attachment


@app.put("/tags/{name}", tags=["tags"])
def rename_tag(
    *,
    name: Annotated[str, Path(description="The tag to rename.")],
    body: TagRename,
    x_user_id: CurrentUser,
) -> TagRenameResult:
    """Rename a tag on every task (path `name` is the old tag, body `name` the new one)."""
    renamed = 0
    with _lock:
        for task in _all_tasks(x_user_id):
            if name in task.tags:
                renamed += 1
                tags = [body.name if t == name else t for t in task.tags]
                task.tags = list(dict.fromkeys(tags))  # drop a duplicate, keep order
    return TagRenameResult(old=name, new=body.name, renamed=renamed)


@app.get("/export", response_class=PlainTextResponse, tags=["tasks"])
def export_tasks(*, x_user_id: CurrentUser) -> str:
    """Export tasks as plain text, one `[x] title` / `[ ] title` line each, subtasks indented."""

    def lines(tasks: list[Task], depth: int) -> Iterator[str]:
        for task in sorted(tasks, key=lambda t: t.id):
            mark = "x" if task.status == Status.done else " "
            yield f"{'  ' * depth}[{mark}] {task.title}"
            yield from lines(task.subtasks, depth + 1)

    with _lock:
        text = "\n".join(lines(list(_store.get(x_user_id, {}).values()), 0))
    return text + "\n" if text else ""


@app.get("/stats", tags=["tasks"])
def get_stats(*, x_user_id: CurrentUser) -> Stats:
    """Count tasks by status and by priority, subtasks included."""
    with _lock:
        tasks = _all_tasks(x_user_id)
    by_status = {s.value: 0 for s in Status}
    by_priority = {p.value: 0 for p in Priority}
    for task in tasks:
        by_status[task.status.value] += 1
        by_priority[task.priority.value] += 1
    return Stats(total=len(tasks), by_status=by_status, by_priority=by_priority)


class Login(BaseModel):
    """A demo user's name and password."""

    username: str = Field(min_length=1, max_length=64)
    password: str


class LoginToken(BaseModel):
    """A bearer token for the logged-in user."""

    access_token: str
    token_type: str = "bearer"


@app.post("/login", tags=["auth"], include_in_schema=False)
def login(body: Login) -> LoginToken:
    """Log a demo user in (password: the username followed by `-password`)."""
    expected = f"{body.username}-password".encode()
    if not hmac.compare_digest(body.password.encode(), expected):
        raise HTTPException(status_code=401, detail="Wrong username or password")
    token = secrets.token_urlsafe(32)
    with _lock:
        _logins[token] = body.username
    return LoginToken(access_token=token)


@app.get("/health", tags=["meta"])
def health() -> dict[str, str]:
    """Liveness check."""
    return {"status": "ok"}
