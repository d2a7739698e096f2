"""Signing in as the pages will: session cookies, CSRF, bearer tokens, roles, redirects."""
import pytest
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import PlainTextResponse, RedirectResponse
from fastapi.testclient import TestClient

from advocacy.web.accounts import User
from advocacy.web.auth import SESSION_COOKIE, csrf_token, current_user, require_role, safe_next, sign_in, sign_out
from advocacy.web.errors import SignInError

from .conftest import PASSWORD, fill_index, make_app, make_settings, token_client


def page_routes() -> APIRouter:
    """Pages written the way auth.py's docstring tells page authors to write them."""
    router = APIRouter()

    # Beside the application's own /login and /logout pages, which answer with forms, not plain text.
    @router.post("/standin/login")
    def login(request: Request, username: str = Form(...), password: str = Form(...), next: str = Form("/")):
        response = RedirectResponse(safe_next(next), status_code=303)
        try:
            sign_in(request, response, username, password)
        except SignInError as exc:
            return PlainTextResponse(str(exc), status_code=401)
        return response

    @router.post("/standin/logout")
    def logout(request: Request, user: User = Depends(require_role("viewer"))):
        response = RedirectResponse("/login", status_code=303)
        sign_out(request, response)
        return response

    @router.get("/whoami")
    def whoami(request: Request, user: User | None = Depends(current_user)):
        return {"user": user.username if user else None, "csrf": csrf_token(request)}

    @router.get("/desk")
    def desk(user: User = Depends(require_role("analyst"))):
        return {"user": user.username}

    @router.post("/desk/note")
    def note(text: str = Form(...), user: User = Depends(require_role("analyst"))):
        return {"saved": text}

    return router


@pytest.fixture
def app(tmp_path):
    fill_index(tmp_path)
    app = make_app(make_settings(tmp_path))
    app.include_router(page_routes())
    app.state.accounts.add_user("amina", PASSWORD, role="analyst")
    app.state.accounts.add_user("omar", PASSWORD, role="viewer")
    return app


def signed_in(app, username="amina", **client_options) -> TestClient:
    client = TestClient(app, follow_redirects=False, **client_options)
    answer = client.post("/standin/login", data={"username": username, "password": PASSWORD, "next": "/desk"})
    assert answer.status_code == 303 and answer.headers["location"] == "/desk", answer.text
    return client


def test_signing_in_sets_a_protected_session_cookie(app):
    client = TestClient(app, follow_redirects=False)
    answer = client.post("/standin/login", data={"username": "amina", "password": PASSWORD})
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie                      # plain http: a Secure cookie would never come back
    assert client.get("/whoami").json()["user"] == "amina"
    assert client.get("/desk").json() == {"user": "amina"}


def test_over_https_the_cookie_is_secure(app):
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    answer = client.post("/standin/login", data={"username": "amina", "password": PASSWORD})
    assert "Secure" in answer.headers["set-cookie"]


def test_a_failed_sign_in_sets_nothing_and_says_why(app):
    client = TestClient(app, follow_redirects=False)
    answer = client.post("/standin/login", data={"username": "amina", "password": "not the password"})
    assert answer.status_code == 401 and answer.text == "wrong username or password"
    assert "set-cookie" not in answer.headers and client.get("/whoami").json()["user"] is None


def test_too_many_failures_are_reported_with_the_wait(app):
    client = TestClient(app, follow_redirects=False)
    for _ in range(5):
        client.post("/standin/login", data={"username": "amina", "password": "not the password"})
    answer = client.post("/standin/login", data={"username": "amina", "password": PASSWORD})
    assert answer.status_code == 401 and "try again in 15 minutes" in answer.text


def test_pages_redirect_to_login_and_the_api_answers_401(app):
    client = TestClient(app, follow_redirects=False)
    page = client.get("/desk?tab=2")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fdesk%3Ftab%3D2"
    api = client.get("/api/search", params={"q": "refugees"})
    assert api.status_code == 401 and api.json()["error"] == "not_signed_in"
    assert api.headers["www-authenticate"] == "Bearer"


def test_a_role_too_low_is_403_for_pages_and_api(app):
    client = signed_in(app, "omar")
    page = client.get("/desk")
    assert page.status_code == 403 and "needs the analyst role" in page.text
    api = client.post("/api/saved-searches", json={"name": "x", "query": "refugees"},
                      headers={"X-CSRF-Token": client.get("/whoami").json()["csrf"]})
    assert api.status_code == 403 and api.json()["error"] == "forbidden"
    assert "omar is a viewer" in api.json()["message"]


def test_cookie_changes_need_the_csrf_token(app):
    client = signed_in(app)
    token = client.get("/whoami").json()["csrf"]
    assert token
    refused = client.post("/desk/note", data={"text": "hello"})
    assert refused.status_code == 403 and "security token" in refused.text
    wrong = client.post("/desk/note", data={"text": "hello", "csrf_token": token[:-2] + "xx"})
    assert wrong.status_code == 403
    accepted = client.post("/desk/note", data={"text": "hello", "csrf_token": token})
    assert accepted.status_code == 200 and accepted.json() == {"saved": "hello"}   # the form is still readable

    body = {"name": "health-oujda", "query": "theme:health AND Oujda"}
    api = client.post("/api/saved-searches", json=body)
    assert api.status_code == 403 and api.json()["error"] == "forbidden" and "X-CSRF-Token" in api.json()["message"]
    assert client.post("/api/saved-searches", json=body, headers={"X-CSRF-Token": token}).status_code == 201
    assert client.get("/api/saved-searches").status_code == 200       # reading needs no token


def test_bearer_tokens_need_no_csrf_and_stop_when_revoked(app):
    client = token_client(app, "script", role="analyst")
    saved = client.post("/api/saved-searches", json={"name": "housing", "query": "theme:housing"})
    assert saved.status_code == 201
    token_id = client.get("/api/tokens").json()[0]["id"]
    assert client.delete(f"/api/tokens/{token_id}").status_code == 204
    refused = client.get("/api/saved-searches")
    assert refused.status_code == 401 and "unknown or revoked" in refused.json()["message"]


def test_a_session_expires(app):
    client = signed_in(app)
    accounts = app.state.accounts
    start = accounts.clock
    accounts.clock = lambda: start() + accounts.session_seconds + 1
    answer = client.get("/api/saved-searches")
    assert answer.status_code == 401 and "session has ended" in answer.json()["message"]
    assert client.get("/desk").status_code == 303


def test_signing_out_ends_the_session_everywhere(app):
    client = signed_in(app)
    cookie = client.cookies[SESSION_COOKIE]
    token = client.get("/whoami").json()["csrf"]
    assert client.post("/standin/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/whoami").json()["user"] is None
    replay = TestClient(app, cookies={SESSION_COOKIE: cookie})
    assert replay.get("/api/saved-searches").status_code == 401


def test_signing_in_never_keeps_a_session_that_existed_before(app):
    client = signed_in(app)
    before = client.cookies[SESSION_COOKIE]
    client.post("/standin/login", data={"username": "amina", "password": PASSWORD})
    assert client.cookies[SESSION_COOKIE] != before
    assert TestClient(app, cookies={SESSION_COOKIE: before}).get("/whoami").json()["user"] is None


@pytest.mark.parametrize("target, expected", [
    ("/search?q=x", "/search?q=x"), ("https://evil.example/", "/"), ("//evil.example/", "/"),
    ("/\\evil.example", "/"), ("", "/"), (None, "/"), ("javascript:alert(1)", "/"),
])
def test_safe_next_keeps_redirects_on_this_site(target, expected):
    assert safe_next(target) == expected


def test_require_role_refuses_an_unknown_role():
    with pytest.raises(ValueError, match="unknown role"):
        require_role("editor")
