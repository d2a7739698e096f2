"""Exceptions of the index stage."""


class IndexError_(Exception):
    """Base class of the index stage's errors (named so as not to shadow the built-in IndexError)."""


class StoreUrlError(IndexError_):
    """The store URL names no known backend; the message lists the accepted schemes."""


class QueryError(IndexError_):
    """A search query cannot be understood; the message says where the problem is."""


class SavedSearchError(IndexError_):
    """A saved search cannot be stored as given (its name, mode or an email address); the message says what to
    change."""


class StoreError(IndexError_):
    """The store is unusable (corrupt file, newer schema, unreachable server)."""
