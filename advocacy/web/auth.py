"""Who is asking, and may they: the FastAPI dependencies shared by the HTML pages and the REST API.

A request is signed in by one of two credentials:

* the session cookie (``advocacy_session``) that :func:`sign_in` sets: HttpOnly, SameSite=Lax, Secure
  when the page was served over https (directly, or through a reverse proxy on the same machine that
  sends ``X-Forwarded-Proto``), valid for ``web.session_days``;
* an API token, sent as ``Authorization: Bearer am_…`` (see ``advocacy tokens add``). A bearer token wins
  over a cookie sent alongside it.

Contract for page authors
-------------------------
Protect a page or a form handler with a dependency; it returns the signed-in :class:`User`::

    @router.get("/search")
    def search_page(request: Request, user: User = Depends(require_role("viewer"))): ...

Not signed in: pages are redirected (303) to ``/login?next=<the page>``, the API answers 401. Role too
low: 403 (for pages a short HTML page, the API a JSON error). Where signing in is optional, take
``user: User | None = Depends(current_user)``; it checks no CSRF token, so a route that changes
something must use :func:`require_role` (or await :func:`check_csrf` itself).

Every form that changes something (POST, PUT, PATCH, DELETE) must carry the session's CSRF token, or
:func:`require_role` refuses it with 403::

    <input type="hidden" name="csrf_token" value="{{ csrf_token }}">    (csrf_token(request) in the view)

JavaScript sends it as the ``X-CSRF-Token`` header instead. Requests signed with an API token need none:
a browser never adds that header by itself, so another site cannot forge one.

Signing in and out, in plain ``def`` routes (sign_in takes about 0.1 s by design, and FastAPI runs plain
functions in worker threads, so the server stays responsive)::

    @router.post("/login")
    def login(request: Request, username: str = Form(...), password: str = Form(...), next: str = Form("/")):
        response = RedirectResponse(safe_next(next), status_code=303)
        try:
            sign_in(request, response, username, password)
        except SignInError as exc:        # TooManyAttempts is one too: str(exc) says when to try again
            return show_login_form(error=str(exc))
        return response

    @router.post("/logout")
    def logout(request: Request, user: User = Depends(require_role("viewer"))):
        response = RedirectResponse("/login", status_code=303)
        sign_out(request, response)
        return response

The login form itself has no session to take a CSRF token from; the SameSite=Lax cookie and the
rate limit on failures cover it. ``safe_next`` keeps ``next`` on this site, so a crafted link cannot
send a user elsewhere after signing in.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from advocacy.web.accounts import ROLES, Accounts, User
from advocacy.web.errors import CsrfError, Forbidden, NotSignedIn
from advocacy.web.passwords import same_secret

SESSION_COOKIE = "advocacy_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Declared so that /openapi.json shows both ways of signing in; the checking is done by current_user.
_bearer = HTTPBearer(auto_error=False, description="An API token made with `advocacy tokens add` or /api/tokens.")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="The session cookie set by signing in.")


@dataclass(frozen=True)
class Identity:
    user: User | None
    via: str                  # "session", "token", or "" when not signed in
    csrf_token: str = ""
    problem: str = ""         # why a credential that was sent was not accepted


def accounts_of(request: Request) -> Accounts:
    return request.app.state.accounts


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def _identify(request: Request) -> Identity:
    accounts = accounts_of(request)
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        user = accounts.user_for_token(credential.strip())
        return Identity(user, "token") if user else Identity(None, "", problem="the API token is unknown or revoked")
    secret = request.cookies.get(SESSION_COOKIE)
    session = accounts.session(secret)
    if session:
        return Identity(session.user, "session", session.csrf_token)
    return Identity(None, "", problem="your session has ended; sign in again" if secret else "")


def identity(request: Request) -> Identity:
    """How the request is signed in, worked out once per request."""
    found = getattr(request.state, "identity", None)
    if found is None:
        found = request.state.identity = _identify(request)
    return found


def current_user(request: Request) -> User | None:
    """The signed-in user, or None. Usable as a dependency and as a plain function."""
    return identity(request).user


def csrf_token(request: Request) -> str:
    """The token forms of this session must send back (empty when not signed in with a cookie)."""
    return identity(request).csrf_token


async def check_csrf(request: Request) -> None:
    """Refuse a change made with the session cookie unless it carries the session's CSRF token."""
    found = identity(request)
    if request.method not in UNSAFE_METHODS or found.via != "session":
        return
    given = request.headers.get(CSRF_HEADER, "")
    content_type = request.headers.get("content-type", "")
    if not given and content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        # Starlette keeps the parsed form, so the route can still read it.
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else ""
    if not given or not same_secret(given, found.csrf_token):
        raise CsrfError(f"this change came without the page's security token ({CSRF_FIELD} field or {CSRF_HEADER} "
                        "header); reload the page and try again")


def require_role(role: str):
    """A dependency that returns the signed-in user if their role is ``role`` or above, checks the CSRF
    token of cookie-signed changes, and otherwise raises NotSignedIn (401 / redirect) or Forbidden (403)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")

    async def signed_in_as(request: Request, _token: HTTPAuthorizationCredentials | None = Security(_bearer),
                           _session: str | None = Security(_cookie)) -> User:
        found = await run_in_threadpool(identity, request)
        if found.user is None:
            raise NotSignedIn(found.problem or "sign in first, or send an API token as 'Authorization: Bearer …'")
        if not found.user.has_role(role):
            raise Forbidden(f"this needs the {role} role; {found.user.username} is a {found.user.role}")
        await check_csrf(request)
        return found.user

    signed_in_as.__name__ = f"require_{role}"
    return signed_in_as


def sign_in(request: Request, response: Response, username: str, password: str) -> User:
    """Check the password and start a session, setting its cookie on ``response``. Raises SignInError
    (wrong username or password, disabled account) or its subclass TooManyAttempts."""
    accounts = accounts_of(request)
    user = accounts.authenticate(username, password, address=client_address(request))
    # A session that existed before signing in is never reused: that would let a planted cookie ride along.
    accounts.end_session(request.cookies.get(SESSION_COOKIE))
    secret, session = accounts.start_session(user.username)
    response.set_cookie(SESSION_COOKIE, secret, max_age=accounts.session_seconds, path="/", httponly=True,
                        samesite="lax", secure=is_https(request))
    request.state.identity = Identity(user, "session", session.csrf_token)
    return user


def sign_out(request: Request, response: Response) -> None:
    """End the request's session (if any) and clear its cookie on ``response``."""
    accounts_of(request).end_session(request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request))
    request.state.identity = Identity(None, "")


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default``: the place to go after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target
