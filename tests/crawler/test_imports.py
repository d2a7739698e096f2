import pytest

from advocacy.crawler.archive import RawPage, WarcArchive
from advocacy.crawler.collect import CollectContext
from advocacy.crawler.imports import (ImportError_, import_pdf, import_warc, importable_files, outlet_for,
                                      read_pdf, read_url_list)
from advocacy.crawler.relevance import RelevanceFilter
from advocacy.crawler.sources import parse_sources
from advocacy.ledger import Ledger

ARTICLE = ("<html><head><title>Clinic</title><meta property='og:type' content='article'></head><body><article>"
           "<h1>Migrants turned away from Oujda hospital</h1>"
           + "<p>Several migrants and asylum seekers were refused treatment at the regional hospital in Oujda last "
             "week, associations said, because they could not show a residence permit to the admissions desk.</p>" * 4
           + "</article></body></html>")
FOOTBALL = ("<html><head><meta property='og:type' content='article'></head><body><article><h1>Derby</h1>"
            + "<p>The home side won the derby two goals to one after a late header in front of a full stadium on "
              "Sunday evening, lifting the club to second place in the league table.</p>" * 4
            + "</article></body></html>")


def minimal_pdf(lines: list[str], *, title: str = "", created: str = "") -> bytes:
    """A small valid PDF whose text pypdf can extract (Helvetica, one line per Tj)."""
    def escape(text):
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = "BT /F1 11 Tf 14 TL 50 780 Td " + " ".join(f"({escape(line)}) Tj T*" for line in lines) + " ET"
    stream_bytes = stream.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream_bytes) + stream_bytes + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Title ({escape(title)}) /CreationDate (D:{created}) >>".encode("latin-1"),
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture
def context(tmp_path):
    outlets = {o.key: o for o in parse_sources('[[outlet]]\nkey = "oriental"\nname = "Oriental Post"\n'
                                               'homepage = "https://oriental-post.test/"\n')}
    ledger = Ledger(tmp_path / "ledger.db")
    archive = WarcArchive(tmp_path / "archive")
    yield CollectContext(outlets=outlets, ledger=ledger, archive=archive,
                         relevance=RelevanceFilter.from_file(None, threshold=2.0))
    archive.close()
    ledger.close()


def test_a_warc_from_elsewhere_is_collected_like_a_crawl(tmp_path, context):
    source = WarcArchive(tmp_path / "elsewhere")
    html = {"Content-Type": "text/html; charset=utf-8"}
    source.write(RawPage("https://oriental-post.test/2024/05/hospital.html", 200, html, ARTICLE.encode()))
    source.write(RawPage("https://sports.test/derby.html", 200, html, FOOTBALL.encode()))
    source.write(RawPage("https://oriental-post.test/logo.png", 200, {"Content-Type": "image/png"}, b"\x89PNG"))
    source.write(RawPage("https://oriental-post.test/gone", 404, html, b"<html>gone</html>"))
    source.close()
    (warc,) = (tmp_path / "elsewhere").iterdir()
    outcomes = import_warc(warc, context)
    assert [o.status for o in outcomes] == ["stored", "off_topic"]
    stored = context.ledger.get(outcomes[0].article_id)
    assert stored.outlet == "oriental" and stored.discovered_via == "import"
    assert "sports.test" in context.outlets  # an unknown host becomes an outlet of its own
    assert import_warc(warc, context) == []  # settled pages are not imported twice


def test_a_file_that_is_not_a_warc(tmp_path, context):
    bogus = tmp_path / "bogus.warc.gz"
    bogus.write_bytes(b"definitely not a warc")
    with pytest.raises(ImportError_, match="not a readable WARC"):
        import_warc(bogus, context)


def test_url_lists(tmp_path):
    csv_file = tmp_path / "links.csv"
    csv_file.write_text("title,URL\nA,https://a.test/1\nB,ftp://a.test/2\nC,https://a.test/1\nD,https://b.test/3\n")
    assert read_url_list(csv_file) == ["https://a.test/1", "https://b.test/3"]
    plain = tmp_path / "links.txt"
    plain.write_text("# reading list\nhttps://a.test/1\n\nnot a url\nhttp://c.test/x\n")
    assert read_url_list(plain) == ["https://a.test/1", "http://c.test/x"]
    headerless = tmp_path / "bare.csv"
    headerless.write_text("https://a.test/9,x\n")
    assert read_url_list(headerless) == ["https://a.test/9"]


def test_pdf_reports_become_articles(tmp_path, context):
    lines = ["Access to health care for migrants in the Oriental region"] + [
        "Migrants and refugees in Oujda and Nador face barriers to hospital care, including fees and the lack of",
        "a residence permit. Asylum seekers registered with UNHCR report being turned away from clinics."] * 3
    report = tmp_path / "report.pdf"
    report.write_bytes(minimal_pdf(lines, title="Health access report", created="20250314120000"))
    document = read_pdf(report.read_bytes())
    assert document.title == "Health access report" and "residence permit" in document.text
    assert document.published_at.date().isoformat() == "2025-03-14"
    outcome = import_pdf(report, context, url="https://ngo.test/reports/health.pdf")
    assert outcome.status == "stored"
    article = context.ledger.get(outcome.article_id)
    assert article.published_at_source == "document-metadata" and article.language == "en"
    assert article.outlet == "ngo.test" and context.archive.read(article.archive).body == report.read_bytes()
    again = import_pdf(report, context, url="https://mirror.test/health.pdf")
    assert again.status == "duplicate" and again.article_id == article.id


def test_unreadable_or_empty_pdfs(tmp_path, context):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 nothing else")
    with pytest.raises(ImportError_, match="broken.pdf"):
        import_pdf(broken, context)
    scanned = tmp_path / "scan.pdf"
    scanned.write_bytes(minimal_pdf(["Page 1"]))
    assert import_pdf(scanned, context).status == "not_article"


def test_which_files_are_imported(tmp_path):
    (tmp_path / "a.warc.gz").write_bytes(b"")
    (tmp_path / "b.pdf").write_bytes(b"")
    (tmp_path / "notes.docx").write_bytes(b"")
    assert [p.name for p in importable_files([tmp_path])] == ["a.warc.gz", "b.pdf"]
    with pytest.raises(ImportError_, match="cannot import this kind of file"):
        importable_files([tmp_path / "notes.docx"])
    with pytest.raises(ImportError_, match="does not exist"):
        importable_files([tmp_path / "missing.pdf"])


def test_outlet_for_unknown_hosts():
    outlet = outlet_for("https://www.example.ma/x", {})
    assert outlet.key == "example.ma" and outlet.owns("https://example.ma/y")
