"""Exceptions of the enrich stage."""


class NlpError(Exception):
    """Base class of the enrich stage's errors."""


class TaxonomyError(NlpError):
    """The theme taxonomy or the gazetteer file is malformed; the message names the entry at fault."""


class ModelError(NlpError):
    """The embedding model cannot be loaded; the message says which name was tried and what to install."""
