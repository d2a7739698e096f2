"""What the routes share: the settings, a store opened for one request, the search filters, the query
embedding model, and the role requirements as annotated types."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from advocacy.config import Settings
from advocacy.web.accounts import User
from advocacy.web.auth import require_role
from advocacy.web.errors import Unavailable

Viewer = Annotated[User, Depends(require_role("viewer"))]
Analyst = Annotated[User, Depends(require_role("analyst"))]
Admin = Annotated[User, Depends(require_role("admin"))]


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


@contextmanager
def opened_store(request: Request):
    """The index, for the length of one request. Opening costs about a millisecond, and a store's SQLite
    connection belongs to the thread that opened it, so each request (run in its own worker thread)
    opens its own rather than sharing one."""
    from advocacy.index import open_store

    store = open_store(settings_of(request).store_url)
    try:
        yield store
    finally:
        store.close()


def search_filters(theme: list[str], lang: list[str], outlet: list[str], country: list[str],
                   since: date | None, until: date | None):
    from advocacy.index import SearchFilters

    return SearchFilters(themes=list(theme), languages=list(lang), outlets=list(outlet),
                         countries=[code.upper() for code in country],
                         since=since.isoformat() if since else None, until=until.isoformat() if until else None)


class SharedEncoder:
    """The query embedding model for the whole app, loaded on the first search by meaning (seconds, and
    hundreds of megabytes: once is enough). It has the Encoder's ``encode`` so the pipeline can use it."""

    def __init__(self, settings: Settings, encoder=None):
        self.settings, self._encoder, self._lock = settings, encoder, threading.Lock()

    def encode(self, texts):
        from advocacy.nlp.errors import NlpError
        from advocacy.pipeline import query_encoder

        # One query at a time: the Encoder keeps a cache of recent texts that is not made for threads, and a
        # query's embedding takes milliseconds once the model is loaded.
        with self._lock:
            try:
                if self._encoder is None:
                    self._encoder = query_encoder(self.settings)
                return self._encoder.encode(texts)
            except NlpError as exc:
                raise Unavailable(f"search by meaning is unavailable ({exc}); search with mode=keyword") from None


def encoder_of(request: Request) -> SharedEncoder:
    return request.app.state.encoder
