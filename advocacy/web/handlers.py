"""How errors become answers. The API always answers ``{"error": code, "message": text}`` with a status
that says whose problem it is (4xx: the request, 503: the server's index, ledger or configuration); the
pages get a redirect to /login or a short HTML page. Bad input never produces a traceback or a 500."""
from __future__ import annotations

import html
import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from advocacy.web.errors import (AccountError, Conflict, Forbidden, InvalidInput, NotFound, NotSignedIn,
                                 SignInError, TooManyAttempts, Unavailable, WebError)

log = logging.getLogger("advocacy.web")


def _table() -> list[tuple[type[BaseException], int, str]]:
    """(exception, status, code), most specific first. Built when the app is, not on import."""
    from advocacy.briefs.errors import BriefError
    from advocacy.config import ConfigError
    from advocacy.crawler.errors import CrawlerError
    from advocacy.index.errors import IndexError_, QueryError, SavedSearchError
    from advocacy.ledger import LedgerError
    from advocacy.nlp.errors import NlpError

    return [
        (QueryError, 400, "bad_query"),
        (SavedSearchError, 400, "bad_saved_search"),
        (TooManyAttempts, 429, "too_many_attempts"),
        (SignInError, 401, "sign_in_failed"),
        (NotSignedIn, 401, "not_signed_in"),
        (Forbidden, 403, "forbidden"),
        (NotFound, 404, "not_found"),
        (Conflict, 409, "conflict"),
        (AccountError, 400, "bad_account"),
        (InvalidInput, 400, "bad_request"),
        (Unavailable, 503, "unavailable"),
        (BriefError, 400, "bad_brief"),
        (NlpError, 400, "bad_request"),
        (IndexError_, 503, "index_unavailable"),
        (LedgerError, 503, "ledger_unavailable"),
        (ConfigError, 503, "configuration"),
        (CrawlerError, 503, "sources_unavailable"),
        (WebError, 500, "server_error"),
    ]


def is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def error_response(status: int, code: str, message: str, *, headers: dict | None = None, **extra) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status, headers=headers)


def _page(request: Request, status: int, message: str, headers: dict | None = None) -> HTMLResponse:
    """The error as a page of the site (its menu, the reader's language, a way back), or as a bare page when
    the site's own parts are what failed (the accounts database, say)."""
    try:
        from advocacy.web.i18n import language_of, translator
        from advocacy.web.pages import render

        t = translator(language_of(request))
        title = t(f"error.{status}")
        if title == f"error.{status}":            # no title of its own in the catalogue
            title = t("error.other")
        if status == 404 and message == "Not Found":
            message = t("error.no_page")
        return render(request, "message.html", status=status, headers=headers, title=title, message=message,
                      back="/search")
    except Exception:       # noqa: BLE001 - an error page must not fail in turn
        log.exception("the error page for %s %s could not be drawn", request.method, request.url.path)
    return HTMLResponse(f"<!doctype html><title>Advocacy Monitor</title><p>{html.escape(message)}</p>",
                        status_code=status, headers=headers)



def _message(exc: BaseException) -> str:
    explain = getattr(exc, "explain", None)
    return explain() if callable(explain) else str(exc)


def install_handlers(app: FastAPI) -> None:
    table = _table()

    async def domain_error(request: Request, exc: Exception) -> Response:
        status, code = next(((s, c) for kind, s, c in table if isinstance(exc, kind)), (500, "server_error"))
        if status >= 500 and code == "server_error":
            log.error("unexpected error on %s %s: %s", request.method, request.url.path, exc)
        if not is_api(request):
            if isinstance(exc, NotSignedIn):
                if request.method not in ("GET", "HEAD"):
                    # A form sent after the session ended: coming back to it means reloading its page first.
                    return RedirectResponse("/login", status_code=303)
                wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(wanted, safe='')}", status_code=303)
            return _page(request, status, _message(exc))
        headers = {}
        if isinstance(exc, TooManyAttempts):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, NotSignedIn):
            headers["WWW-Authenticate"] = "Bearer"
        extra = {"position": exc.position} if isinstance(getattr(exc, "position", None), int) else {}
        return error_response(status, code, _message(exc), headers=headers, **extra)

    for kind, _, _ in table:
        app.add_exception_handler(kind, domain_error)

    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path"))
            problems.append({"where": where or "request", "problem": str(error.get("msg", "invalid"))})
        message = "; ".join(f"{p['where']}: {p['problem']}" for p in problems) or "the request cannot be read"
        if not is_api(request):
            return _page(request, 400, message)
        return error_response(400, "invalid_request", message, problems=problems)

    app.add_exception_handler(RequestValidationError, invalid_request)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if not is_api(request):
            return _page(request, exc.status_code, str(exc.detail), headers)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no API route {request.url.path}; /openapi.json lists them"
        return error_response(exc.status_code, code, message, headers=headers)

    app.add_exception_handler(HTTPException, http_error)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        message = "something went wrong on the server; the administrator will find the details in its log"
        return error_response(500, "server_error", message) if is_api(request) else _page(request, 500, message)

    app.add_exception_handler(Exception, unexpected)
