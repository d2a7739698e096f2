"""Decoding pages whose servers and markup lie about, or say nothing of, their character encoding."""
from __future__ import annotations

import random

import pytest

from advocacy.crawler.charset import decode_html

FRENCH = ("<html lang=\"fr\"><head><title>Des réfugiés privés de soins</title></head><body><article>"
          "<p>À Rabat, les réfugiés et les demandeurs d’asile n’ont pas reçu les soins promis à l’hôpital. "
          "L’État a été interpellé par les associations : « l’accès à la santé est un droit », rappelle une "
          "sœur bénévole. Élèves, mères et travailleurs attendent une réponse.</p></article></body></html>")
FRENCH_WORDS = ("réfugiés", "reçu", "l’hôpital", "L’État", "« l’accès à la santé est un droit »", "sœur", "Élèves")

ARABIC_TEXT = ("أفادت جمعيات محلية في مدينة وجدة بأن عددا متزايدا من المهاجرين واللاجئين يجدون صعوبة كبيرة في "
               "الحصول على العلاج داخل المستشفيات العمومية، رغم أن القانون يضمن لهم الحق في الرعاية الصحية. "
               "وتطالب المنظمات الحقوقية بتوفير مترجمين في أقسام المستعجلات؟")
ARABIC_WORDS = ("المهاجرين", "واللاجئين", "المستشفيات", "الصحية", "العمومية،", "المستعجلات؟")


def arabic_page(head: str = "") -> str:
    return (f"<html lang=\"ar\" dir=\"rtl\"><head>{head}<title>مهاجرون بلا علاج</title></head>"
            f"<body><article><p>{ARABIC_TEXT}</p></article></body></html>")


def assert_clean(text: str) -> None:
    """No replacement characters and none of the usual signatures of a wrong code page."""
    for sign in ("\ufffd", "Ã", "Â", "â€", "Ø§", "Ù"):
        assert sign not in text, f"{sign!r} in {text[:200]!r}"


def test_french_cp1252_without_any_declaration():
    text, encoding = decode_html(FRENCH.encode("cp1252"))
    assert encoding == "cp1252"
    assert text == FRENCH
    assert_clean(text)


def test_french_cp1252_behind_a_header_that_says_utf8():
    text, encoding = decode_html(FRENCH.encode("cp1252"), content_type="text/html; charset=utf-8")
    assert encoding == "cp1252"
    assert all(word in text for word in FRENCH_WORDS)
    assert_clean(text)


def test_utf8_with_bom_wins_over_a_header_that_says_iso_8859_1():
    body = b"\xef\xbb\xbf" + FRENCH.encode("utf-8")
    text, encoding = decode_html(body, content_type="text/html; charset=ISO-8859-1")
    assert encoding == "utf-8"
    assert text == FRENCH  # the BOM itself is not part of the text
    assert_clean(text)


def test_utf8_without_bom_declared_latin1_is_not_turned_into_mojibake():
    text, encoding = decode_html(FRENCH.encode("utf-8"), content_type="text/html; charset=iso-8859-1")
    assert encoding == "utf-8"
    assert text == FRENCH


def test_arabic_cp1256_declared_in_meta_only():
    page = arabic_page('<meta charset="windows-1256">')
    text, encoding = decode_html(page.encode("cp1256"), content_type="text/html")
    assert encoding == "cp1256"
    assert text == page
    assert_clean(text)


def test_arabic_cp1256_declared_with_meta_http_equiv():
    page = arabic_page('<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">')
    text, encoding = decode_html(page.encode("cp1256"))
    assert (text, encoding) == (page, "cp1256")


def test_arabic_cp1256_behind_a_wrong_utf8_header():
    page = arabic_page()
    text, encoding = decode_html(page.encode("cp1256"), content_type="text/html; charset=utf-8")
    assert encoding == "cp1256"
    assert all(word in text for word in ARABIC_WORDS)
    assert_clean(text)


def test_arabic_cp1256_declared_latin1_is_not_read_as_accented_latin():
    page = arabic_page('<meta charset="iso-8859-1">')
    text, encoding = decode_html(page.encode("cp1256"), content_type="text/html; charset=iso-8859-1")
    assert encoding == "cp1256"
    assert text == page


def test_header_wins_over_a_stale_meta_when_both_decode_cleanly():
    # Windows-1256 keeps the French lower-case accented letters where Windows-1252 has them, so this page
    # reads the same in both and only the order of evidence decides.
    page = FRENCH.replace("<head>", '<head><meta charset="windows-1256">')
    for capital, plain in (("É", "E"), ("À", "A")):
        page = page.replace(capital, plain)
    text, encoding = decode_html(page.encode("cp1252"), content_type="text/html; charset=windows-1252")
    assert (text, encoding) == (page, "cp1252")


def test_correct_cp1256_header_is_believed():
    page = arabic_page()
    assert decode_html(page.encode("cp1256"), content_type="text/html; charset=windows-1256") == (page, "cp1256")


def test_mostly_utf8_page_with_one_stray_byte_keeps_its_accents():
    body = FRENCH.encode("utf-8").replace("sœur".encode("utf-8"), b"s\x9cur")
    text, encoding = decode_html(body, content_type="text/html; charset=utf-8")
    assert encoding == "utf-8"
    assert "réfugiés" in text and "l’hôpital" in text and "Ã" not in text
    assert text.count("\ufffd") == 1


def test_plain_ascii():
    page = "<html><body><p>Refugees were turned away from the hospital.</p></body></html>"
    text, encoding = decode_html(page.encode("ascii"), content_type="text/html")
    assert text == page
    assert encoding in ("utf-8", "ascii", "cp1252")


def test_empty_body():
    assert decode_html(b"") == ("", "utf-8")
    assert decode_html(b"", content_type="text/html; charset=windows-1256")[0] == ""


NONSENSE_CONTENT_TYPES = [None, "", "text/html", "text/html; charset=", "text/html; charset=\"x-klingon\"",
                          "text/html; charset=utf-16", ";;;charset=\x00\xff", "text/html; charset=utf-8"]


@pytest.mark.parametrize("content_type", NONSENSE_CONTENT_TYPES)
def test_never_raises_on_binary_or_nonsense(content_type):
    noise = random.Random(7).randbytes(4096)
    for body in (b"\x89PNG\r\n\x1a\n" + noise, noise, b"\xef\xbb\xbf" + noise, b"\xff\xfe" + noise[:-1]):
        text, encoding = decode_html(body, content_type=content_type)
        assert isinstance(text, str) and isinstance(encoding, str) and encoding


def test_utf16_declared_over_ascii_markup_is_ignored():
    page = '<html><head><meta charset="utf-16"></head><body><p>Réfugiés</p></body></html>'
    assert decode_html(page.encode("utf-8")) == (page, "utf-8")
