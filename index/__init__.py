"""Index: one store contract, backends chosen by URL; the embedded default is SQLite FTS5."""
from advocacy.index.errors import IndexError_, QueryError, SavedSearchError, StoreError, StoreUrlError
from advocacy.index.store import BACKENDS, Hit, SavedSearch, SearchFilters, SearchResult, Store, open_store

__all__ = ["BACKENDS", "Hit", "IndexError_", "QueryError", "SavedSearch", "SavedSearchError", "SearchFilters",
           "SearchResult", "Store", "StoreError", "StoreUrlError", "open_store"]
