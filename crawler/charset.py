"""Turning the bytes of an HTML page into text when servers and pages lie about their encoding.

The outlets we follow publish in French, English and Arabic, and many of them run old CMSs that send
``charset=utf-8`` in front of Windows-1256 bytes, or no charset at all in front of Windows-1252 ones. A
wrong guess does not fail loudly: it yields "rÃ©fugiÃ©s" or a page of "\ufffd" that the relevance filter
then rejects as off-topic. So a declaration is believed only while the text it produces looks like text.
"""
from __future__ import annotations

import codecs
import re
from functools import lru_cache

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

# The encodings our outlets actually use when they do not use UTF-8, in the order ties are broken.
FALLBACK_ENCODINGS = ("cp1252", "cp1256")

# Judging plausibility on a prefix keeps a 5 MB page cheap; a misreading shows up in the first lines.
_SAMPLE_CHARS = 200_000
_WORD = re.compile(r"[^\W\d_]+")
_C1_CONTROLS = re.compile("[\u0080-\u009f]")


def _cp1252_chars(first: int, last: int) -> str:
    return "".join(bytes([b]).decode("cp1252", "ignore") for b in range(first, last + 1))


# UTF-8 read as Windows-1252: a lead byte (Â, Ã, â€…) shown as a letter, followed by a continuation byte
# shown as punctuation or a symbol, as in "Ã©" for "é" or "â€™" for "’".
_UTF8_AS_CP1252 = re.compile(f"[{re.escape(_cp1252_chars(0xC2, 0xEF))}][{re.escape(_cp1252_chars(0x80, 0xBF))}]")


def _script(char: str) -> str:
    code = ord(char)
    if code < 0x250 or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    if 0x600 <= code <= 0x6FF or 0x750 <= code <= 0x77F or 0x8A0 <= code <= 0x8FF or 0xFB50 <= code <= 0xFDFF \
            or 0xFE70 <= code <= 0xFEFF:
        return "arabic"
    return "other"


def _odd_word(word: str) -> bool:
    """A word no language writes: scripts mixed inside it, or a Latin word made mostly of accented letters
    (Arabic letters shown through a Latin code page: "ÇááÇÌÆíä")."""
    scripts = {_script(c) for c in word}
    if len(scripts) > 1:
        return True
    if scripts == {"latin"}:
        accented = sum(1 for c in word if ord(c) > 0x7F)
        return accented >= 2 and accented * 2 >= len(word)
    return False


def misreading_signs(text: str) -> tuple[int, int]:
    """(signs that ``text`` was decoded with the wrong charset, words it had a chance to show them in)."""
    sample = text[:_SAMPLE_CHARS]
    words = [w for w in _WORD.findall(sample) if not w.isascii()]
    signs = sum(1 for w in words if _odd_word(w))
    signs += len(_UTF8_AS_CP1252.findall(sample)) + len(_C1_CONTROLS.findall(sample)) + sample.count("\ufffd")
    return signs, len(words)


def _looks_misread(text: str) -> bool:
    signs, words = misreading_signs(text)
    # A few odd words happen in genuine text (a name, "été"); a misreading spoils most of them.
    return signs >= 3 and signs >= 0.2 * max(words, 1)


@lru_cache(maxsize=64)
def _is_single_byte(codec: str) -> bool:
    if codec.startswith(("utf", "mbcs")):
        return False
    try:
        # A multi-byte codec pairs some of these bytes into one character or rejects a lone one.
        high = bytes(range(0x80, 0x100))
        return len(high.decode(codec, "replace")) == len(high) and all(
            len(bytes([b]).decode(codec, "replace")) == 1 for b in high)
    except (LookupError, UnicodeError, TypeError):
        return False


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(resolve_encoding(name) or name).name
    except LookupError:
        return None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeError, LookupError):
        return None


def _ascii_markup(body: bytes) -> bool:
    start = body.lstrip()[:2]
    return len(start) == 2 and start[0:1] == b"<" and start[1] != 0


def _believable(body: bytes, codec: str) -> str | None:
    """The text ``body`` gives in the declared ``codec``, or None when the declaration must be a lie."""
    if codec.startswith(("utf-16", "utf-32")) and _ascii_markup(body):
        # Without a BOM such a declaration over ASCII markup is a template copied from elsewhere.
        return None
    text = _strict(body, codec)
    if text is None:
        return None
    if _is_single_byte(codec) and not body.isascii() and _strict(body, "utf-8") is not None:
        # Non-ASCII bytes that happen to form valid UTF-8 are, in practice, always UTF-8.
        return None
    return None if _looks_misread(text) else text


def _detect(body: bytes) -> tuple[str, str]:
    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    if b"\x00" in body:
        # No legacy single-byte page contains NUL: this is binary, and replacement characters say so
        # better than a plausible-looking Arabic or Latin reading of noise.
        return body.decode("utf-8", "replace"), "utf-8"
    # The three readings compete on how odd they look; a page that is UTF-8 but for a stray byte keeps its
    # one replacement character rather than turning every accent into "Ã©".
    best_text, best_codec = body.decode("utf-8", "replace"), "utf-8"
    best_signs = misreading_signs(best_text)[0]
    for codec in FALLBACK_ENCODINGS:
        candidate = body.decode(codec, "replace")
        signs = misreading_signs(candidate)[0]
        if signs < best_signs:
            best_text, best_codec, best_signs = candidate, codec, signs
    return best_text, best_codec


def decode_html(body: bytes, *, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding name used). Order of evidence: BOM; then the HTTP header charset and the
    ``<meta charset>``/``<meta http-equiv>`` declaration, each kept only if it decodes cleanly and does not
    give typical mojibake; then detection among utf-8, cp1256 (Arabic) and cp1252 (French).
    Never raises; the worst case is UTF-8 with replacement characters."""
    try:
        if not body:
            return "", "utf-8"
        encoding, bom = read_bom(body)
        if encoding:
            return body[len(bom):].decode(encoding, "replace"), codecs.lookup(encoding).name
        declared: list[str] = []
        try:
            header = http_content_type_encoding(content_type) if content_type else None
        except Exception:  # a header is whatever the server sent; it must not stop the page
            header = None
        for name in (header, html_body_declared_encoding(body)):
            codec = _codec(name)
            if codec and codec not in declared:
                declared.append(codec)
        for codec in declared:
            text = _believable(body, codec)
            if text is not None:
                return text, codec
        return _detect(body)
    except Exception:  # the promise is text, whatever arrives
        return bytes(body or b"").decode("utf-8", "replace"), "utf-8"
