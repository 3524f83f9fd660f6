"""A backend whose operations each demand one kind of credential, for the
outbound auth tests: the OpenAPI security schemes restmcp fills (apiKey in
header, query and cookie; HTTP basic and bearer; OAuth2 client credentials)
and the seed's patterns 2 and 3 (a session cookie, a bearer token).

Every accepted call answers which credential it saw (never its value). The
OAuth2 token endpoint counts fetches; `/_test/*` (kept out of the schema)
lets the tests read the counts and revoke issued tokens.

Secrets come from the environment: SECURED_API_KEY, SECURED_BASIC
(`user:password`), SECURED_BEARER, SECURED_CLIENT (`id:secret`),
SECURED_SESSION, SECURED_USER_TOKENS (`caller=token,...`),
SECURED_TOKEN_TTL (seconds, default 3600).
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
import threading
import time
from typing import Annotated, Optional

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    OAuth2,
)

app = FastAPI(title="Secured test backend", version="1.0.0")

_lock = threading.Lock()
_issued: dict[str, float] = {}  # access token -> expiry (monotonic)
_fetches = 0


def _env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise HTTPException(status_code=500, detail=f"{name} is not configured")
    return value


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _refuse(kind: str) -> HTTPException:
    return HTTPException(status_code=401, detail=f"{kind}: missing or wrong credential")


header_key = APIKeyHeader(name="X-Api-Key", auto_error=False)
query_key = APIKeyQuery(name="api_key", auto_error=False)
cookie_key = APIKeyCookie(name="api_cookie", auto_error=False)
basic = HTTPBasic(auto_error=False)
bearer = HTTPBearer(auto_error=False)
client_credentials = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl="/oauth/token", scopes={"tasks:read": "Read things"}
        )
    ),
    auto_error=False,
)


@app.get("/by-header-key")
def by_header_key(key: Annotated[Optional[str], Depends(header_key)]) -> dict[str, str]:
    if key is None or not _same(key, _env("SECURED_API_KEY")):
        raise _refuse("X-Api-Key")
    return {"saw": "header key"}


@app.get("/by-query-key")
def by_query_key(key: Annotated[Optional[str], Depends(query_key)]) -> dict[str, str]:
    if key is None or not _same(key, _env("SECURED_API_KEY")):
        raise _refuse("api_key query")
    return {"saw": "query key"}


@app.get("/by-cookie-key")
def by_cookie_key(key: Annotated[Optional[str], Depends(cookie_key)]) -> dict[str, str]:
    if key is None or not _same(key, _env("SECURED_API_KEY")):
        raise _refuse("api_cookie")
    return {"saw": "cookie key"}


@app.get("/by-basic")
def by_basic(creds: Annotated[Optional[HTTPBasicCredentials], Depends(basic)]) -> dict[str, str]:
    user, _, password = _env("SECURED_BASIC").partition(":")
    if creds is None or not (_same(creds.username, user) and _same(creds.password, password)):
        raise _refuse("basic")
    return {"saw": "basic", "user": creds.username}


@app.get("/by-bearer")
def by_bearer(
    creds: Annotated[Optional[HTTPAuthorizationCredentials], Depends(bearer)],
) -> dict[str, str]:
    if creds is None:
        raise _refuse("bearer")
    if _same(creds.credentials, os.environ.get("SECURED_BEARER", "\0")):
        return {"saw": "bearer"}
    for pair in os.environ.get("SECURED_USER_TOKENS", "").split(","):
        caller, _, token = pair.partition("=")
        if token and _same(creds.credentials, token):
            return {"saw": "bearer", "caller": caller}
    raise _refuse("bearer")


@app.get("/by-client-credentials")
def by_client_credentials(
    authorization: Annotated[Optional[str], Depends(client_credentials)],
) -> dict[str, str]:
    token = (authorization or "").removeprefix("Bearer ")
    with _lock:
        expiry = _issued.get(token)
    if expiry is None or expiry < time.monotonic():
        raise _refuse("oauth2 access token")
    return {"saw": "client credentials"}


@app.get(
    "/by-key-and-client-credentials",
    # One requirement naming both schemes. The credentials are read from the
    # request directly: declared as dependencies, FastAPI would list the two
    # schemes as alternatives.
    openapi_extra={"security": [{"APIKeyQuery": [], "OAuth2": []}]},
)
def by_key_and_client_credentials(request: Request) -> dict[str, str]:
    """Both at once; a key sent twice is refused, so a resend must not add
    it again."""
    keys = request.query_params.getlist("api_key")
    if len(keys) != 1:
        raise HTTPException(status_code=400, detail="api_key given more than once (or not at all)")
    if not _same(keys[0], _env("SECURED_API_KEY")):
        raise _refuse("api_key query")
    answer = by_client_credentials(request.headers.get("authorization"))
    return answer | {"and": "query key"}


@app.get("/by-session")
def by_session(request: Request) -> dict[str, str]:
    session = request.cookies.get("session", "")
    if not session or not _same(session, _env("SECURED_SESSION")):
        raise _refuse("session cookie")
    return {"saw": "session"}


@app.post("/oauth/token", include_in_schema=False)
def token(request: Request, grant_type: Annotated[str, Form()]) -> dict[str, object]:
    global _fetches
    if grant_type != "client_credentials":
        raise HTTPException(status_code=400, detail={"error": "unsupported_grant_type"})
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        presented = base64.b64decode(encoded).decode() if scheme.lower() == "basic" else ""
    except ValueError:
        presented = ""
    if not _same(presented, _env("SECURED_CLIENT")):
        raise HTTPException(status_code=401, detail={"error": "invalid_client"})
    ttl = int(os.environ.get("SECURED_TOKEN_TTL", "3600"))
    access = secrets.token_urlsafe(24)
    with _lock:
        _fetches += 1
        _issued[access] = time.monotonic() + ttl
    return {"access_token": access, "token_type": "Bearer", "expires_in": ttl}


@app.get("/_test/counts", include_in_schema=False)
def counts() -> dict[str, int]:
    with _lock:
        return {"token_fetches": _fetches}


@app.post("/_test/revoke", include_in_schema=False)
def revoke() -> dict[str, int]:
    with _lock:
        n = len(_issued)
        _issued.clear()
    return {"revoked": n}
