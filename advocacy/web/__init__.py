"""The web application and REST API: ``create_app(settings)`` builds it, ``advocacy serve`` runs it.

Nothing happens on import; the accounts database is opened (and created) when an app is built, and the
embedding model is loaded on the first search by meaning.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from advocacy.config import Settings

__all__ = ["create_app"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("advocacy-monitor")
    except PackageNotFoundError:
        return "0+unknown"


def create_app(settings: "Settings", *, encoder=None) -> "FastAPI":
    """The application for ``settings``. ``encoder`` replaces the configured embedding model for searches
    by meaning (tests pass a small stand-in)."""
    import threading

    from fastapi import FastAPI, Request

    from advocacy.web import api, pages
    from advocacy.web.accounts import Accounts
    from advocacy.web.context import SharedEncoder
    from advocacy.web.handlers import install_handlers
    from advocacy.web.schemas import HealthOut
    from advocacy.web.settings import check_web_settings

    check_web_settings(settings)
    version = _version()
    app = FastAPI(title="Advocacy Monitor", version=version, openapi_url="/openapi.json", docs_url=None,
                  redoc_url=None, description="Search the news about refugees' and migrants' rights, read the "
                  "figures, keep saved searches and write cited briefs. Sign in with the session cookie of the "
                  "web pages, or send an API token (`advocacy tokens add`) as `Authorization: Bearer …`.")
    app.state.settings = settings
    app.state.accounts = Accounts.from_settings(settings)
    app.state.encoder = SharedEncoder(settings, encoder)
    app.state.corrections_lock = threading.Lock()
    install_handlers(app)

    @app.middleware("http")
    async def protective_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path.startswith("/api/"):
            # Answers hold the organisation's work: no shared cache, proxy or back button should keep them.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.get("/healthz", response_model=HealthOut, tags=["server"])
    def healthz():
        """Whether the server answers (no sign-in needed; says nothing about the data)."""
        return HealthOut(status="ok", version=version)

    app.include_router(api.router)
    pages.install(app)
    return app
