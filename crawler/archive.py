"""Raw responses kept in WARC files, so that extraction can be redone without fetching again.

Each crawl appends to its own ``crawl-<time>-<pid>.warc.gz``; a record is located by (file, offset).
A crawl killed mid-write leaves at most one truncated record at the end of its file, which no ledger
entry points to, so nothing readable is ever damaged.
"""
from __future__ import annotations

import io
import os
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from advocacy.crawler.errors import ArchiveError

# Scrapy hands over bodies already decoded; these headers would make readers decode them again.
_TRANSPORT_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass
class RawPage:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes


class WarcArchive:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._file = None
        self._writer = None
        self._name = ""

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        self._name = f"crawl-{stamp}-{os.getpid()}.warc.gz"
        self._file = open(self.directory / self._name, "ab")
        self._writer = WARCWriter(self._file, gzip=True)

    def write(self, page: RawPage) -> dict[str, object]:
        """Append ``page``; return its location ``{"file": name, "offset": n}``."""
        if self._writer is None:
            self._open()
        headers = [(k, v) for k, v in page.headers.items() if k.lower() not in _TRANSPORT_HEADERS]
        headers.append(("Content-Length", str(len(page.body))))
        http_headers = StatusAndHeaders(f"{page.status} OK", headers, protocol="HTTP/1.1")
        record = self._writer.create_warc_record(page.url, "response", payload=io.BytesIO(page.body),
                                                 http_headers=http_headers)
        offset = self._file.tell()
        self._writer.write_record(record)
        self._file.flush()
        return {"file": self._name, "offset": offset}

    def read(self, location: dict[str, object]) -> RawPage:
        path = self.directory / str(location.get("file", ""))
        if not path.is_file():
            raise ArchiveError(f"archive file {path} is missing")
        try:
            with open(path, "rb") as handle:
                handle.seek(int(location["offset"]))
                for record in ArchiveIterator(handle):
                    # An offset into the middle of a record can still decode as one, without an HTTP part.
                    if record.rec_type != "response" or record.http_headers is None:
                        break
                    status = int(record.http_headers.get_statuscode() or 0)
                    return RawPage(url=record.rec_headers.get_header("WARC-Target-URI"), status=status,
                                   headers=dict(record.http_headers.headers), body=record.content_stream().read())
        except (ArchiveLoadFailed, OSError, ValueError, KeyError, EOFError, zlib.error) as exc:
            raise ArchiveError(f"cannot read {path} at offset {location.get('offset')}: {exc}") from None
        raise ArchiveError(f"no response record in {path} at offset {location.get('offset')}")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = self._writer = None
