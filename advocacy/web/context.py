"""What the routes share: the settings, the open stores requests borrow, the search filters, the query
embedding model, and the role requirements as annotated types."""
from __future__ import annotations

import sys
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


class StorePool:
    """Stores kept open between requests. Opening one costs a millisecond or two (the schema check, the word
    index's files), a good part of a simple request; so a request borrows an open store and gives it back.

    At most ``size`` stores exist; a request finding them all busy waits for one. More would not answer
    sooner (the work is bound by the CPUs, and threads beyond a few only fight over Python's lock) but would
    each hold their own caches. A store that failed in the middle of a request is closed, and a fresh one
    opened for the next. Stores see what other processes write: SQLite at each statement, the word index
    and the approximate passage index when their files change."""

    def __init__(self, url: str, *, size: int = 8):
        self.url, self.size = url, size
        self._idle: list = []
        self._lock = threading.Lock()
        self._free = threading.BoundedSemaphore(size)
        self._closed = False

    @contextmanager
    def borrowed(self):
        from advocacy.index import open_store

        with self._free:
            with self._lock:
                store = self._idle.pop() if self._idle else None
            if store is None:
                store = open_store(self.url, any_thread=True)
            try:
                yield store
            except BaseException:
                store.close()
                raise
            with self._lock:
                if not self._closed:
                    self._idle.append(store)
                    return
            store.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for store in idle:
            store.close()


def opened_store(request: Request):
    """An open store for the length of one request (see :class:`StorePool`)."""
    return request.app.state.stores.borrowed()


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

        # One query at a time: the Encoder keeps a cache of recent texts that is not made for threads, and a
        # query's embedding takes milliseconds once the model is loaded.
        with self._lock:
            try:
                return self._loaded().encode(texts)
            except NlpError as exc:
                raise Unavailable(f"search by meaning is unavailable ({exc}); search with mode=keyword") from None

    def _loaded(self):
        from advocacy.pipeline import query_encoder

        if self._encoder is None:
            self._encoder = query_encoder(self.settings)
            torch = sys.modules.get("torch")
            if torch is not None:
                # A query is a few words: one thread embeds it in milliseconds, where torch's default of one
                # busy-waiting thread per core takes the CPUs from the requests (and the other server processes).
                torch.set_num_threads(1)
        return self._encoder

    def load_in_background(self) -> threading.Thread:
        """Load the model in a thread of its own, so that the first search by meaning of a server whose
        searches use it does not wait seconds for it (nor does the first one each worker process gets).
        A model that cannot be loaded is reported by the searches that need it, as before."""
        from advocacy.nlp.errors import NlpError

        def load():
            with self._lock:
                try:
                    self._loaded().encode(["warm up"])
                except NlpError:
                    pass

        thread = threading.Thread(target=load, name="load-query-model", daemon=True)
        thread.start()
        return thread


def encoder_of(request: Request) -> SharedEncoder:
    return request.app.state.encoder
