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

REQUEST_THREADS = 8


class ProtectiveHeaders:
    """Headers every answer carries: no MIME sniffing, no framing, no referrer to other sites, and no caching
    of API answers. Plain ASGI rather than an @app.middleware function, which costs every request an extra
    task and a streamed copy of the body."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from starlette.datastructures import MutableHeaders

        api = scope["path"].startswith("/api/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if api:
                    # Answers hold the organisation's work: no shared cache, proxy or back button should keep them.
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
    from contextlib import asynccontextmanager

    from fastapi import FastAPI

    from advocacy.web import api, pages
    from advocacy.web.accounts import Accounts
    from advocacy.web.context import SharedEncoder, StorePool
    from advocacy.web.handlers import install_handlers
    from advocacy.web.schemas import HealthOut
    from advocacy.web.settings import check_web_settings

    check_web_settings(settings)
    version = _version()

    @asynccontextmanager
    async def lifespan(app):
        import anyio.to_thread

        # Routes run in worker threads; past a few, more threads only take turns at Python's lock, and each
        # switch costs. Requests beyond this many wait for a thread instead (see StorePool).
        anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        if settings.get("web", "search_mode") != "keyword":
            app.state.encoder.load_in_background()
        yield
        app.state.stores.close()
        app.state.accounts.close()

    app = FastAPI(title="Advocacy Monitor", version=version, openapi_url="/openapi.json", docs_url=None,
                  lifespan=lifespan,
                  redoc_url=None, description="Search the news about refugees' and migrants' rights, read the "
                  "figures, keep saved searches and write cited briefs. Sign in with the session cookie of the "
                  "web pages, or send an API token (`advocacy tokens add`) as `Authorization: Bearer …`.")
    app.state.settings = settings
    app.state.accounts = Accounts.from_settings(settings)
    app.state.stores = StorePool(settings.store_url)
    app.state.encoder = SharedEncoder(settings, encoder)
    app.state.corrections_lock = threading.Lock()
    install_handlers(app)

    app.add_middleware(ProtectiveHeaders)

    @app.get("/healthz", response_model=HealthOut, tags=["server"])
    def healthz():
        """Whether the server answers (no sign-in needed; says nothing about the data)."""
        return HealthOut(status="ok", version=version)

    app.include_router(api.router)
    pages.install(app)
    return app
