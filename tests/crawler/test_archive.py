import pytest

from advocacy.crawler.archive import ArchiveError, RawPage, WarcArchive


def test_pages_are_read_back_exactly(tmp_path):
    archive = WarcArchive(tmp_path)
    body = "<html>Réfugiés — اللاجئون</html>".encode("utf-8")
    first = archive.write(RawPage("http://x.test/a", 200, {"Content-Type": "text/html; charset=utf-8",
                                                           "Content-Encoding": "gzip"}, body))
    second = archive.write(RawPage("http://x.test/b", 200, {}, b"second"))
    archive.close()
    page = archive.read(first)
    assert page.url == "http://x.test/a" and page.body == body and page.status == 200
    assert "Content-Encoding" not in page.headers
    assert archive.read(second).body == b"second"


def test_a_truncated_tail_does_not_harm_earlier_records(tmp_path):
    archive = WarcArchive(tmp_path)
    kept = archive.write(RawPage("http://x.test/a", 200, {}, b"kept"))
    archive.close()
    with open(tmp_path / kept["file"], "ab") as handle:  # a crawl killed in the middle of a write
        handle.write(b"\x1f\x8b\x08\x00garbage")
    assert archive.read(kept).body == b"kept"


def test_missing_file_and_bad_offset_are_explained(tmp_path):
    archive = WarcArchive(tmp_path)
    with pytest.raises(ArchiveError, match="missing"):
        archive.read({"file": "nope.warc.gz", "offset": 0})
    location = archive.write(RawPage("http://x.test/a", 200, {}, b"x"))
    archive.close()
    with pytest.raises(ArchiveError):
        archive.read({"file": location["file"], "offset": 5})


def test_every_offset_inside_a_record_is_an_archive_error_or_the_record(tmp_path):
    # Offsets come from the ledger; a damaged ledger must give a clear error, whatever the bytes there decode to.
    archive = WarcArchive(tmp_path)
    location = archive.write(RawPage("http://x.test/a", 200, {"Content-Type": "text/html"}, b"<p>x</p>" * 50))
    archive.close()
    size = (tmp_path / location["file"]).stat().st_size
    for offset in range(1, size + 2):
        try:
            page = archive.read({"file": location["file"], "offset": offset})
        except ArchiveError:
            continue
        assert page.body == b"<p>x</p>" * 50
