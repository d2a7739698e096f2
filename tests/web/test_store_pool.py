"""The stores a server keeps open between requests, and the account connections it reuses."""
import threading

import pytest

from advocacy.web.accounts import Accounts
from advocacy.web.context import StorePool
from tests.web.conftest import PASSWORD, fill_index


@pytest.fixture
def url(tmp_path):
    fill_index(tmp_path)
    return f"sqlite:///{tmp_path / 'index.db'}"


def test_a_store_given_back_serves_the_next_request_from_any_thread(url):
    pool = StorePool(url, size=2)
    with pool.borrowed() as first:
        total = first.count()
    seen = []

    def request():
        with pool.borrowed() as store:
            seen.append((store, store.count()))

    thread = threading.Thread(target=request)
    thread.start()
    thread.join()
    assert seen == [(first, total)]
    pool.close()


def test_a_store_that_failed_is_closed_and_replaced(url):
    pool = StorePool(url, size=2)
    with pytest.raises(RuntimeError):
        with pool.borrowed() as broken:
            raise RuntimeError("the request failed half way")
    with pytest.raises(Exception):
        broken.count()                      # closed
    with pool.borrowed() as store:
        assert store is not broken and store.count() > 0
    pool.close()


def test_requests_beyond_the_size_wait_for_a_store(url):
    pool = StorePool(url, size=1)
    holding, waited = threading.Event(), threading.Event()
    release = threading.Event()

    def first():
        with pool.borrowed():
            holding.set()
            release.wait(5)

    def second():
        holding.wait(5)
        with pool.borrowed():
            waited.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(5)
    assert not waited.wait(0.3)              # the only store is busy
    release.set()
    assert waited.wait(5)
    for thread in threads:
        thread.join()
    pool.close()


def test_closing_the_pool_closes_the_idle_stores_and_those_given_back_later(url):
    pool = StorePool(url, size=2)
    with pool.borrowed() as busy:
        with pool.borrowed() as idle:
            pass
        pool.close()
        assert busy.count() > 0                 # still serving its request
    assert busy is not idle
    for store in (idle, busy):
        with pytest.raises(Exception):
            store.count()


def test_reused_account_connections_see_a_revocation_at_once(tmp_path):
    server = Accounts(tmp_path / "accounts.db", scrypt_n=2 ** 10)
    server.add_user("amina", PASSWORD, role="analyst")
    secret, token = server.add_token("amina", "sheet")
    assert server.user_for_token(secret).username == "amina"
    # Revoked by `advocacy tokens revoke`, another process with its own connections.
    Accounts(tmp_path / "accounts.db").revoke_token(token.id)
    assert server.user_for_token(secret) is None
    server.close()
    assert server.user_for_token(secret) is None          # closing only drops the kept connections


class CountingEncoder:
    def __init__(self):
        self.texts = []

    def encode(self, texts):
        import numpy as np

        self.texts += list(texts)
        return np.zeros((len(texts), 8), dtype=np.float32)


@pytest.mark.parametrize("mode, loads", [("hybrid", True), ("semantic", True), ("keyword", False)])
def test_a_server_searching_by_meaning_loads_its_model_when_it_starts(tmp_path, monkeypatch, mode, loads):
    from fastapi.testclient import TestClient

    from advocacy.web.context import SharedEncoder
    from tests.web.conftest import make_app, make_settings

    started = []
    real = SharedEncoder.load_in_background
    monkeypatch.setattr(SharedEncoder, "load_in_background", lambda self: started.append(real(self)) or started[-1])
    encoder = CountingEncoder()
    settings = make_settings(tmp_path)
    settings.table["web"]["search_mode"] = mode
    with TestClient(make_app(settings, encoder=encoder)) as client:
        assert client.get("/healthz").status_code == 200
        for thread in started:
            thread.join(10)
    assert bool(started) is loads and (encoder.texts == ["warm up"]) is loads
