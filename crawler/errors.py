"""Exceptions of the collect stage."""


class CrawlerError(Exception):
    """Base class of the collect stage's errors."""


class SourcesError(CrawlerError):
    """The sources file is missing or malformed; the message names the outlet and key at fault."""


class ArchiveError(CrawlerError):
    """A raw page could not be read back from the archive (missing file, bad offset, damaged record)."""
