"""Signing in and out, and the FR/EN switch."""
from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from advocacy.web.accounts import User
from advocacy.web.auth import check_csrf, current_user, identity, is_https, safe_next, sign_in, sign_out
from advocacy.web.context import Viewer
from advocacy.web.errors import SignInError, TooManyAttempts
from advocacy.web.i18n import LANGUAGE_COOKIE, LANGUAGES, language_of, translator
from advocacy.web.pages import protect, render

router = APIRouter(include_in_schema=False)


def _login_form(request: Request, *, next: str, username: str = "", error: str = "", status: int = 200,
                headers: dict | None = None):
    return render(request, "login.html", status=status, headers=headers, next=safe_next(next), username=username,
                  error=error)


@router.get("/login")
def login_page(request: Request, next: str = "/", user: User | None = Depends(current_user)):
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_form(request, next=next)


@router.post("/login")
def login(request: Request, username: str = Form("", max_length=200), password: str = Form("", max_length=2000),
          next: str = Form("/", max_length=2000)):
    t = translator(language_of(request))
    if not username.strip() or not password:
        return _login_form(request, next=next, username=username, error=t("login.missing"), status=400)
    response = RedirectResponse(safe_next(next), status_code=303)
    try:
        sign_in(request, response, username, password)
    except TooManyAttempts as exc:
        minutes = max(1, math.ceil(exc.retry_after / 60))
        return _login_form(request, next=next, username=username, status=429,
                           error=t("login.too_many", minutes=minutes), headers={"Retry-After": str(exc.retry_after)})
    except SignInError as exc:
        # Accounts says "disabled" only once the password was right, so telling it here reveals nothing more.
        wrong = t("login.disabled") if "disabled" in str(exc) else t("login.wrong")
        return _login_form(request, next=next, username=username, error=wrong, status=401)
    return response


@router.post("/logout")
def logout(request: Request, user: Viewer):
    response = RedirectResponse("/login", status_code=303)
    sign_out(request, response)
    return response


@router.post("/language")
async def choose_language(request: Request, language: str = Form("en", max_length=10),
                          next: str = Form("/", max_length=2000)):
    # A preference only, but a signed-in form still carries its token like every other.
    await run_in_threadpool(identity, request)
    await check_csrf(request)
    response = RedirectResponse(safe_next(next), status_code=303)
    if language in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, path="/", samesite="lax",
                            secure=is_https(request))
    return protect(response)
