"""The search query language, parsed once and translated for each backend.

Staff write queries the way they already do in other news monitors::

    (theme:health OR theme:housing) AND réfugiés -Nador
    "free consultations" NOT lang:fr
    outlet:"Le Matin" after:2024-01-01 migrant*

Grammar (operators in capitals only, so "not" and "or" stay ordinary words; NOT binds tighter than AND,
AND tighter than OR; juxtaposed items are joined by AND)::

    query    := or_expr?
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := unary (["AND"] unary)*
    unary    := ("NOT" | "-")* primary           -- "-" only when glued to what it negates: -word
    primary  := "(" or_expr ")" | word | word* | "phrase" | name:value | name:"quoted value"

Field names: theme, lang (or language), outlet, country, after, before, entity, population.
``“…”`` and ``«…»`` count as quotes, because French and Arabic keyboards produce them.

Text is compared after :func:`normalise_text`, and each word also matches its light stem (:func:`stem`),
so the index must store two columns built with :func:`index_text`: the normalised words, and their stems
in the document's language. Positions in error messages count characters from 0, so a user interface can
put a caret under ``query[error.position]``.
"""
from __future__ import annotations

import datetime as _dt
import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Union

from advocacy.index.errors import QueryError
from advocacy.text import translator, fold

__all__ = [
    "FIELDS", "INDEX_TOKENIZER", "QUERY_LANGUAGES", "And", "Field", "MatchAll", "Not", "Or", "Phrase",
    "QuerySyntaxError", "Term", "candidate_entity_ids", "index_text", "normalise_text", "parse", "ranking_fts",
    "requires_text", "restrictions", "stem", "stems", "text_terms", "to_elasticsearch", "to_sqlite", "words",
]

# The FTS5 tokenizer for a table filled by index_text(): the text arrives already folded, split and stemmed,
# so the tokenizer only has to cut at the spaces; Porter must not run on top of our stems.
INDEX_TOKENIZER = "unicode61 remove_diacritics 2"

FIELDS = ("theme", "lang", "outlet", "country", "after", "before", "entity", "population")
_FIELD_ALIASES = {"language": "lang"}
_EXAMPLES = {
    "theme": "theme:health", "lang": "lang:fr", "outlet": 'outlet:"Le Matin"', "country": "country:MA",
    "after": "after:2024-01-01", "before": "before:2024-06-30", "entity": "entity:UNHCR",
    "population": "population:asylum_seekers",
}

# Beyond these, a query stops being something a person wrote, and the SQL and FTS5 parsers have fixed
# stack depths (FTS5 gives up after roughly thirty nested groups).
MAX_NESTING = 20
MAX_ITEMS = 200
_FTS_MAX_PARENS = 16


class QuerySyntaxError(QueryError, ValueError):
    """A query that cannot be understood; ``position`` is where (0-based) and the message says why.

    It is also a :class:`~advocacy.index.errors.QueryError`, so callers that already report the index
    stage's query errors report these too.
    """

    def __init__(self, reason: str, position: int):
        self.reason = reason
        self.position = position
        self.query: str | None = None    # set by parse(), for explain()
        super().__init__(f"position {position}: {reason}")

    def explain(self) -> str:
        """One line for a person: the query, where in it the problem is, and what the problem is."""
        if self.query is None:
            return str(self)
        # Tabs and newlines become spaces of the same length, so the position still points at the same place.
        shown = re.sub(r"\s", " ", self.query)
        if self.position >= len(shown):
            where = "at the end"
        else:
            following = shown[self.position:self.position + 20].rstrip()
            where = f"at position {self.position} (“{following}{'…' if len(shown) > self.position + 20 else ''}”)"
        return f"cannot read the query “{shown}” {where}: {self.reason}"


# -- normalisation and stemming ---------------------------------------------------------------------------

_EXTRA_FOLDING = str.maketrans({
    # Hamza on a seat is spelt both ways in the press (مسؤول / مسئول): keep only the hamza.
    "ؤ": "ء", "ئ": "ء",
    # Ligatures that NFKD leaves alone but that writers also spell out (cœur / coeur).
    "œ": "oe", "æ": "ae",
    **{arabic: str(digit) for digit, arabic in enumerate("٠١٢٣٤٥٦٧٨٩")},
    **{persian: str(digit) for digit, persian in enumerate("۰۱۲۳۴۵۶۷۸۹")},
})
_extra_folding = translator(_EXTRA_FOLDING)
_WORD = re.compile(r"[^\W_]+")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")


def normalise_text(text: str) -> str:
    """The form in which both the index and queries compare text.

    Case, Latin accents and Arabic spelling variants are folded (:func:`advocacy.text.fold`: alef forms,
    ta marbuta, alef maqsura, harakat and tatweel), hamza seats are unified, œ/æ are spelt out and
    Arabic-Indic digits become 0-9. Anything indexed must pass through this very function.
    """
    return _extra_folding(fold(text))


def words(text: str) -> list[str]:
    """The normalised words of ``text``, cut where the FTS5 unicode61 tokenizer would cut them."""
    return _WORD.findall(normalise_text(text))


_VOWELS = frozenset("aeiouy")
# Words the English rules would bend into another common word (news -> new, evening -> even).
_EN_KEEP = frozenset({
    "always", "anomaly", "assembly", "during", "evening", "family", "monopoly", "news", "nothing", "perhaps",
    "series", "something", "anything", "everything", "supply", "wedding",
})


def _undouble(word: str) -> str:
    # running -> runn -> run, but falling keeps "fall" and passing keeps "pass".
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in _VOWELS and word[-1] not in "lsz":
        return word[:-1]
    return word


def _stem_en(word: str) -> str:
    if len(word) <= 3 or word in _EN_KEEP:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("es") and word[:-2].endswith(("sh", "ch", "x", "ss", "zz")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word in _EN_KEEP:
        return word                           # families -> family, not "fami"
    if word.endswith("ied") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ily") and len(word) > 5:
        word = word[:-3] + "y"
    else:
        for suffix, shortest in (("ing", 3), ("ed", 3), ("ly", 4)):
            if word.endswith(suffix):
                base = word[:-len(suffix)]
                # "bring", "need" and "only" are not inflections: too little would remain.
                if len(base) >= shortest and _VOWELS.intersection(base):
                    word = _undouble(base)
                break
    # house/housing/housed all meet at "hous"; short words keep their e (care, free).
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _stem_fr(word: str) -> str:
    if len(word) <= 3:
        return word
    if word.endswith("eaux"):
        word = word[:-1]                      # bureaux -> bureau
    elif word.endswith("aux") and len(word) > 5:
        word = word[:-3] + "al"               # hôpitaux -> hopital
    elif word.endswith(("eux", "oux")):
        word = word[:-1]                      # jeux -> jeu
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if word.endswith("ment") and len(word) >= 8:
        word = word[:-4]                      # rapidement -> rapide; "moment", "comment" are too short
    # Feminine and participle endings: réfugié, réfugiée(s), réfugiés all become "refugi".
    for _ in range(2):
        if word.endswith("e") and len(word) > 4:
            word = word[:-1]
    return word


# Article, with the conjunctions and prepositions that fuse with it. A bare ب/ل/ك/و/ف is not removed:
# too many words begin with those letters (لاجئ, وزارة, بيت).
_AR_PREFIXES = ("وبال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال")
_AR_SUFFIXES = (("ات", 3), ("ون", 4), ("ين", 4), ("ه", 3))


def _stem_ar(word: str) -> str:
    for prefix in _AR_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            word = word[len(prefix):]
            break
    for suffix, shortest in _AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest:
            word = word[:-len(suffix)]
            break
    return word


def stem(word: str, language: str) -> str:
    """A light stem of one word, so that singular and plural, masculine and feminine meet.

    Deliberately light: it strips a handful of endings and makes no attempt at a dictionary form, so two
    forms of a word usually meet and two different words rarely do (the price is some misses, such as
    "freed"/"free").

    * English: plurals -s/-es/-ies, -ing, -ed, -ly, then a final -e (houses, housing, housed -> "hous").
    * French: plurals -s/-x (-aux -> -al), -ment, then up to two final -e (réfugiées, réfugiés -> "refugi").
    * Arabic script, whatever ``language`` says: the article with a fused و ف ب ك ل, then one of the
      endings ات ون ين ة (اللاجئون, لاجئين, لاجئة -> لاجء). "للاجئين" is the exception: ل + ال before a
      word starting with ل cannot be told apart from لل + word without a dictionary, so it becomes
      "اجءين" and does not meet the others.
    * Any other language, digits and words of three letters or fewer are left alone.
    """
    return _stem_normalised(normalise_text(word), (language or "").lower()[:2])


# Indexing stems every word of every article; news vocabulary repeats, so most calls are cache hits.
@lru_cache(maxsize=262_144)
def _stem_normalised(word: str, language: str) -> str:
    if not word or not word.isalpha():
        return word
    if _ARABIC.search(word):
        return _stem_ar(word)
    if language == "en":
        return _stem_en(word)
    if language == "fr":
        return _stem_fr(word)
    return word


def index_text(text: str, language: str) -> tuple[str, str]:
    """(exact column, stemmed column) for an FTS5 table queried through :func:`to_sqlite`.

    Both hold the same number of words in the same order, so a phrase matches in either column.
    """
    tokens = words(text)
    language = (language or "").lower()[:2]
    return " ".join(tokens), " ".join([_stem_normalised(token, language) for token in tokens])


# The languages whose stems a query word is looked up under.
QUERY_LANGUAGES = ("en", "fr")


def stems(word: str) -> list[str]:
    """The stems a query word is looked up under: the query does not know the language of the articles it
    will meet, so it offers every stem."""
    return list(dict.fromkeys(stem(word, language) for language in QUERY_LANGUAGES))


# -- the tree ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    text: str                 # one normalised word
    prefix: bool = False      # written word*: any word starting with text
    # As the user typed it (accents and all), for embedding the query; not part of what it means.
    written: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]    # normalised, in order, adjacent in the text
    prefix: bool = False      # the last word ended with *: "asylum seek*"
    written: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class Field:
    name: str                 # one of FIELDS
    value: str                # checked and tidied: lang lower case, country upper case, dates YYYY[-MM[-DD]]


@dataclass(frozen=True)
class And:
    parts: tuple


@dataclass(frozen=True)
class Or:
    parts: tuple


@dataclass(frozen=True)
class Not:
    part: object


class _MatchAllType:
    """The empty query: every article."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MatchAll"

    def __reduce__(self):
        return (_MatchAllType, ())


MatchAll = _MatchAllType()

Node = Union[Term, Phrase, Field, And, Or, Not, _MatchAllType]


def _combine(kind: type, parts: Iterable) -> object | None:
    """``kind`` (And or Or) of ``parts``, flattened, without repeats; a single part stands alone."""
    flat: list = []
    for part in parts:
        if part is None:
            continue  # a word that held no letters ("🙂", "*") constrains nothing
        for piece in (part.parts if isinstance(part, kind) else (part,)):
            if piece not in flat:
                flat.append(piece)
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def _not(part: object | None) -> object | None:
    if part is None:
        return None
    return part.part if isinstance(part, Not) else Not(part)


def _only_excludes(node: object) -> bool:
    if isinstance(node, Not):
        return True
    if isinstance(node, (And, Or)):
        return all(_only_excludes(part) for part in node.parts)
    return False


# -- reading the query ------------------------------------------------------------------------------------

# Opening quote -> the characters accepted as its closing quote. A plain " may be closed by a curly one
# and vice versa: word processors turn one end of a pasted query curly and not the other.
_ANY_DOUBLE = frozenset('"“”')
_QUOTES = {'"': _ANY_DOUBLE, "“": _ANY_DOUBLE, "”": _ANY_DOUBLE, "„": _ANY_DOUBLE, "«": frozenset("»")}
_FIELD = re.compile(r"([A-Za-z][A-Za-z_]*):(.*)", re.DOTALL)
_OPERATORS = ("AND", "OR", "NOT")


@dataclass
class _Token:
    kind: str                  # "(", ")", "AND", "OR", "NOT", "TEXT", "FIELD"
    position: int
    text: str = ""             # TEXT: what was written; FIELD: the value
    name: str = ""             # FIELD: canonical field name
    quoted: bool = False
    minus: bool = False        # NOT written as a glued "-"


def _read_quoted(query: str, start: int) -> tuple[str, int]:
    """Text between the quote at ``start`` and its closing quote, and the index after the closing quote."""
    closers = _QUOTES[query[start]]
    for index in range(start + 1, len(query)):
        if query[index] in closers:
            return query[start + 1:index], index + 1
    raise QuerySyntaxError(f"unclosed quote opened at position {start}", len(query))


def _unknown_field(name: str, position: int) -> QuerySyntaxError:
    message = f'unknown field "{name}" (known: {", ".join(FIELDS)})'
    close = difflib.get_close_matches(name.lower(), FIELDS, n=1, cutoff=0.6)
    if close:
        message += f'; did you mean "{close[0]}"?'
    return QuerySyntaxError(message, position)


def _tokenise(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    index, end = 0, len(query)
    while index < end:
        char = query[index]
        if char.isspace():
            index += 1
        elif char in "()":
            tokens.append(_Token(char, index))
            index += 1
        elif char in _QUOTES:
            text, after = _read_quoted(query, index)
            tokens.append(_Token("TEXT", index, text, quoted=True))
            index = after
        elif char == "-" and index + 1 < end and not query[index + 1].isspace() and query[index + 1] != ")":
            tokens.append(_Token("NOT", index, minus=True))
            index += 1
        else:
            stop = index
            while stop < end and not query[stop].isspace() and query[stop] not in "()" and query[stop] not in _QUOTES:
                stop += 1
            chunk = query[index:stop]
            if chunk in _OPERATORS:
                tokens.append(_Token(chunk, index))
                index = stop
                continue
            field = _FIELD.fullmatch(chunk)
            # "http://…" is an address someone pasted, not a field.
            if field is None or field.group(2).startswith("//"):
                tokens.append(_Token("TEXT", index, chunk))
                index = stop
                continue
            written, value = field.group(1), field.group(2)
            name = _FIELD_ALIASES.get(written.lower(), written.lower())
            value_at = index + len(written) + 1
            quoted_value = not value and stop < end and query[stop] in _QUOTES
            if name not in FIELDS:
                if value or quoted_value:
                    raise _unknown_field(written, index)
                # "Rabat: migrants evicted" pasted from a headline: the colon is punctuation.
                tokens.append(_Token("TEXT", index, chunk))
                index = stop
                continue
            if quoted_value:
                value_at = stop + 1
                value, stop = _read_quoted(query, stop)
            tokens.append(_Token("FIELD", index, _field_value(name, written, value, value_at, quoted_value),
                                 name=name, quoted=quoted_value))
            index = stop
    return tokens


_DATE = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?", re.ASCII)
_LANGUAGE_NAMES = {"english": "en", "anglais": "en", "french": "fr", "francais": "fr", "arabic": "ar",
                   "arabe": "ar", "العربيه": "ar"}


def _field_value(name: str, written: str, value: str, position: int, quoted: bool) -> str:
    value = " ".join(value.split())
    if not value:
        raise QuerySyntaxError(f"{written}: needs a value right after the colon, e.g. {_EXAMPLES[name]}",
                               position)
    if value.endswith("*") and not quoted:
        raise QuerySyntaxError(f"{written}: takes a whole value; * works only on words, e.g. migrant*",
                               position + len(value) - 1)
    if name in ("after", "before"):
        return _date_value(written, value, position)
    if name == "lang":
        code = _LANGUAGE_NAMES.get(fold(value), value.lower())
        if not re.fullmatch(r"[a-z]{2,3}", code):
            raise QuerySyntaxError(f'{written}: expects a language code like en, fr or ar, not "{value}"', position)
        return code
    if name == "country":
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise QuerySyntaxError(f'{written}: expects a two-letter country code like MA or ML, not "{value}"',
                                   position)
        return value.upper()
    if name == "theme":
        return value.lower()
    if name == "population" and not _slug(value.removeprefix("pop:")):
        raise QuerySyntaxError(f'{written}: expects a group such as asylum_seekers or refugees, not "{value}"',
                               position)
    return value


def _date_value(written: str, value: str, position: int) -> str:
    expected = f'{written}: expects a date like 2024-01-31, not "{value}"'
    match = _DATE.fullmatch(value.translate(_EXTRA_FOLDING))   # Arabic-Indic digits count too
    if match is None:
        raise QuerySyntaxError(expected, position)
    year, month, day = match.groups()
    try:
        _dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise QuerySyntaxError(expected + " (there is no such day)", position) from None
    # Zero-padded, because the index compares dates as text.
    return "-".join(part.zfill(2) for part in (year, month, day) if part)


class _Parser:
    def __init__(self, query: str, tokens: list[_Token]):
        self.query = query
        self.tokens = tokens
        self.at = 0
        self.items = 0
        self.negations: dict[int, int] = {}   # id(Not node) -> where its NOT was written

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def _ends_operand(self, token: _Token | None) -> bool:
        return token is None or token.kind in (")", "AND", "OR")

    def parse(self) -> object:
        if not self.tokens:
            return MatchAll
        node = self.or_expr(0)
        token = self.peek()
        if token is not None:
            raise QuerySyntaxError('")" closes nothing: there is no "(" before it', token.position)
        if node is None:
            return MatchAll
        if _only_excludes(node):
            first = node if isinstance(node, Not) else node.parts[0]
            while isinstance(first, (And, Or)):
                first = first.parts[0]
            raise QuerySyntaxError(
                "NOT only says what to leave out; add what to look for, e.g. refugees NOT lang:ar",
                self.negations.get(id(first), 0))
        return node

    def or_expr(self, depth: int) -> object | None:
        parts = [self.and_expr(depth)]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            if self._ends_operand(self.peek()):
                raise QuerySyntaxError("OR needs something on both sides, e.g. refugees OR migrants", token.position)
            parts.append(self.and_expr(depth))
        return _combine(Or, parts)

    def and_expr(self, depth: int) -> object | None:
        token = self.peek()
        if token is not None and token.kind in ("AND", "OR"):
            raise QuerySyntaxError(f"{token.kind} needs something on both sides, e.g. refugees {token.kind} "
                                   f"migrants", token.position)
        parts = [self.unary(depth)]
        while (token := self.peek()) is not None and token.kind not in (")", "OR"):
            if token.kind == "AND":
                self.take()
                if self._ends_operand(self.peek()):
                    raise QuerySyntaxError("AND needs something on both sides, e.g. refugees AND health",
                                           token.position)
            parts.append(self.unary(depth))   # no AND written: juxtaposed items must all match
        return _combine(And, parts)

    def unary(self, depth: int) -> object | None:
        negations: list[_Token] = []
        while (token := self.peek()) is not None and token.kind == "NOT":
            negations.append(self.take())
        if negations and self._ends_operand(self.peek()):
            last = negations[-1]
            if last.minus:
                raise QuerySyntaxError('"-" must be glued to what it leaves out, e.g. -Nador', last.position)
            raise QuerySyntaxError("NOT needs something after it, e.g. refugees NOT Nador", last.position)
        node = self.primary(depth)
        for negation in reversed(negations):
            node = _not(node)
            if isinstance(node, Not):
                self.negations[id(node)] = negation.position
        return node

    def primary(self, depth: int) -> object | None:
        if self.peek() is None:
            raise QuerySyntaxError("the query ends where a word or filter was expected", len(self.query))
        token = self.take()
        if token.kind == "(":
            if depth >= MAX_NESTING:
                raise QuerySyntaxError(f"parentheses nested more than {MAX_NESTING} deep", token.position)
            following = self.peek()
            if following is None:
                raise QuerySyntaxError(f"unclosed parenthesis opened at position {token.position}", len(self.query))
            if following.kind == ")":
                raise QuerySyntaxError("empty parentheses: put words or filters inside, or remove them",
                                       token.position)
            node = self.or_expr(depth + 1)
            closing = self.peek()
            if closing is None:
                raise QuerySyntaxError(f"unclosed parenthesis opened at position {token.position}", len(self.query))
            self.take()
            return node
        if token.kind == ")":
            raise QuerySyntaxError('")" closes nothing: there is no "(" before it', token.position)
        self._count(token)
        if token.kind == "FIELD":
            return Field(token.name, token.text)
        return self._text(token)

    def _count(self, token: _Token) -> None:
        self.items += 1
        if self.items > MAX_ITEMS:
            raise QuerySyntaxError(f"too long: a query may hold at most {MAX_ITEMS} words and filters",
                                   token.position)

    def _text(self, token: _Token) -> object | None:
        written = token.text.rstrip()
        prefix = written.endswith("*")
        tokens = words(written)
        if not tokens:
            return None
        written = " ".join(written.rstrip("*").split())
        if len(tokens) == 1:
            return Term(tokens[0], prefix, written)
        # l'école, COVID-19, sub-saharan: the index sees adjacent words, so the query asks for them adjacent.
        return Phrase(tuple(tokens), prefix, written)


def parse(query: str) -> object:
    """The tree of ``query``; :data:`MatchAll` when it holds nothing to search for.

    Raises :class:`QuerySyntaxError`, and nothing else, for any string.
    """
    if not isinstance(query, str):
        raise QuerySyntaxError(f"a query is text, not {type(query).__name__}", 0)
    # A lone surrogate (possible in a str, impossible in UTF-8) would break the database driver later;
    # one replacement character per surrogate keeps every position where the user sees it.
    query = query.encode("utf-8", "replace").decode("utf-8")
    try:
        return _Parser(query, _tokenise(query)).parse()
    except QuerySyntaxError as error:
        error.query = query
        raise


# -- what the query looks for ---------------------------------------------------------------------------

def positive_leaves(node: object) -> list[Term | Phrase]:
    """The words and phrases the query asks for, in order, without those it excludes (under a NOT)."""
    found: list = []

    def walk(item: object, negated: bool) -> None:
        if isinstance(item, Not):
            walk(item.part, not negated)
        elif isinstance(item, (And, Or)):
            for part in item.parts:
                walk(part, negated)
        elif not negated and isinstance(item, (Term, Phrase)) and item not in found:
            found.append(item)

    walk(node, False)
    return found


def text_terms(node: object, *, wildcards: bool = True, as_written: bool = False) -> list[str]:
    """The words and phrases the query asks for (not those it excludes), normalised, in order.

    For highlighting (a prefix term keeps its ``*``, as :class:`advocacy.text.TermMatcher` expects) and
    for the semantic half of hybrid search (pass ``wildcards=False, as_written=True``: an embedding model
    reads "réfugiés" better than its folded form "refugies").
    """
    found: list[str] = []
    for item in positive_leaves(node):
        text = item.text if isinstance(item, Term) else " ".join(item.words)
        if as_written and item.written:
            text = item.written
        if item.prefix and wildcards:
            text += "*"
        if text not in found:
            found.append(text)
    return found


def requires_text(node: object) -> bool:
    """Whether every article the query matches contains one of the words or phrases it asks for, so that
    ranking by those words (:func:`ranking_fts`) leaves no match out. False for ``refugees OR theme:x``."""
    if isinstance(node, (Term, Phrase)):
        return True
    if isinstance(node, And):
        return any(requires_text(part) for part in node.parts)
    if isinstance(node, Or):
        return all(requires_text(part) for part in node.parts)
    return False


def restrictions(node: object) -> object:
    """The query as a search by meaning applies it: the words it asks for are left to the query's
    embedding, while its fields, and everything it leaves out, still apply.

    ``theme:health AND (réfugiés OR refugees)`` becomes ``theme:health``; ``refugees -Nador lang:fr``
    becomes ``-Nador lang:fr``; ``refugees OR theme:x`` becomes :data:`MatchAll`. A NOT keeps what it
    negates as written, words included: what a query leaves out, it leaves out in every mode.
    """
    if isinstance(node, (Term, Phrase)):
        return MatchAll
    if isinstance(node, And):
        kept = [part for part in (restrictions(p) for p in node.parts) if part is not MatchAll]
        return _combine(And, kept) or MatchAll
    if isinstance(node, Or):
        relaxed = [restrictions(part) for part in node.parts]
        return MatchAll if MatchAll in relaxed else _combine(Or, relaxed)
    return node


# -- SQLite -----------------------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENTITY_KINDS = ("org", "place", "pop")


def _slug(value: str, joiner: str = "_") -> str:
    return joiner.join(re.findall(r"[a-z0-9]+", normalise_text(value)))


def candidate_entity_ids(value: str) -> list[str]:
    """Entity ids ``value`` may stand for when no store resolves names: itself when it is an id
    ("org:unhcr"), else the same slug under each kind ("UNHCR" -> org:unhcr, place:unhcr, pop:unhcr,
    person:unhcr). Names unlike their id ("HCR", "المفوضية") need the store's resolver."""
    value = value.strip()
    if ":" in value:
        return [value.lower()]
    underscored, hyphenated = _slug(value), _slug(value, "-")
    if not underscored:
        return []
    return [f"{kind}:{underscored}" for kind in _ENTITY_KINDS] + [f"person:{hyphenated}"]


def _population_id(value: str) -> str:
    value = value.strip()
    if value.lower().startswith("pop:"):
        return value.lower()
    return "pop:" + _slug(value)


def _entity_ids(value: str, resolve_entity: Callable[[str], Iterable[str]] | None) -> list[str]:
    resolved = list(resolve_entity(value)) if resolve_entity is not None else []
    return list(dict.fromkeys([*resolved, *candidate_entity_ids(value)]))


def _paren_depth(expression: str) -> int:
    # Safe to count blindly: quoted FTS5 strings built here hold only letters and digits.
    deepest = level = 0
    for char in expression:
        if char == "(":
            level += 1
            deepest = max(deepest, level)
        elif char == ")":
            level -= 1
    return deepest


def _column_names(spec: str) -> list[str]:
    names = spec.split()
    if not names or not all(_IDENTIFIER.fullmatch(name) for name in names):
        raise ValueError(f"{spec!r} is not a plain column name, nor several separated by spaces")
    return names


def _column_filter(names: list[str]) -> str:
    return names[0] if len(names) == 1 else "{" + " ".join(names) + "}"


class _Fts5:
    """FTS5 expressions for text-only sub-trees (None when a sub-tree cannot be one expression).

    ``exact`` and ``stemmed`` each name one column, or several separated by spaces (a title and a text
    column, say), which a word may match in any of."""

    def __init__(self, exact: str, stemmed: str):
        exact_names, stemmed_names = _column_names(exact), _column_names(stemmed)
        self.exact, self.stemmed = _column_filter(exact_names), _column_filter(stemmed_names)
        self.either = _column_filter(exact_names + stemmed_names)
        self._memo: dict[int, str | None] = {}

    def leaf(self, node: Term | Phrase) -> str:
        if isinstance(node, Term):
            if node.prefix:
                return f'{self.either} : "{node.text}"*'
            forms = stems(node.text)
            alternatives = f'"{forms[0]}"' if len(forms) == 1 else "(" + " OR ".join(f'"{s}"' for s in forms) + ")"
            return f'({self.exact} : "{node.text}" OR {self.stemmed} : {alternatives})'
        star = "*" if node.prefix else ""
        exact = f'{self.exact} : "{" ".join(node.words)}"{star}'
        # A prefix word is matched as written: its stem would cut the prefix shorter still.
        head, last = node.words[:-1], node.words[-1]
        variants = list(dict.fromkeys(
            " ".join([*(stem(w, language) for w in head), last if node.prefix else stem(last, language)])
            for language in QUERY_LANGUAGES))
        stemmed = " OR ".join(f'"{v}"{star}' for v in variants)
        return f"({exact} OR {self.stemmed} : " + (f"({stemmed}))" if len(variants) > 1 else f"{stemmed})")

    def __call__(self, node: object) -> str | None:
        key = id(node)
        if key not in self._memo:
            expression = self._build(node)
            if expression is not None and _paren_depth(expression) > _FTS_MAX_PARENS:
                expression = None  # SQL will combine smaller MATCHes instead
            self._memo[key] = expression
        return self._memo[key]

    def _build(self, node: object) -> str | None:
        if isinstance(node, (Term, Phrase)):
            return self.leaf(node)
        if isinstance(node, Or):
            parts = [self(part) for part in node.parts]
            return None if None in parts else "(" + " OR ".join(parts) + ")"
        if isinstance(node, And):
            wanted = [part for part in node.parts if not isinstance(part, Not)]
            unwanted = [part.part for part in node.parts if isinstance(part, Not)]
            return self.conjunction(wanted, unwanted)
        return None  # fields, and a NOT with nothing to subtract from

    def conjunction(self, wanted: list, unwanted: list) -> str | None:
        # FTS5's NOT is binary (a NOT b), so exclusions need at least one wanted part.
        if not wanted:
            return None
        positive = [self(part) for part in wanted]
        negative = [self(part) for part in unwanted]
        if None in positive or None in negative:
            return None
        expression = positive[0] if len(positive) == 1 else "(" + " AND ".join(positive) + ")"
        if negative:
            excluded = negative[0] if len(negative) == 1 else "(" + " OR ".join(negative) + ")"
            expression = f"({expression} NOT {excluded})"
        return expression


class _SqliteTranslator:
    def __init__(self, fts: _Fts5, table: str, resolve_entity):
        if not _IDENTIFIER.fullmatch(table):
            raise ValueError(f"{table!r} is not a plain table name")
        self.fts, self.table, self.resolve_entity = fts, table, resolve_entity

    def match(self, expression: str) -> tuple[str, list]:
        return f"d.rowid IN (SELECT rowid FROM {self.table} WHERE {self.table} MATCH ?)", [expression]

    def __call__(self, node: object) -> tuple[str, list]:
        if node is MatchAll:
            return "1", []
        expression = self.fts(node)
        if expression is not None:
            return self.match(expression)
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Not):
            inner, params = self(node.part)
            return f"NOT ({inner})", params
        if isinstance(node, And):
            return self.conjunction(node)
        if isinstance(node, Or):
            return self.disjunction(node)
        raise TypeError(f"not a query node: {node!r}")

    def _join(self, operator: str, pieces: list[tuple[str, list]]) -> tuple[str, list]:
        if len(pieces) == 1:
            return pieces[0]
        params: list = []
        for _, piece_params in pieces:
            params.extend(piece_params)
        return f" {operator} ".join(f"({sql})" for sql, _ in pieces), params

    def conjunction(self, node: And) -> tuple[str, list]:
        # Text parts go into one MATCH where possible, so bm25 sees the words together.
        text_parts = [p for p in node.parts if not isinstance(p, Not) and self.fts(p) is not None]
        excluded = [p for p in node.parts if isinstance(p, Not) and self.fts(p.part) is not None]
        pieces: list[tuple[str, list]] = []
        consumed: set[int] = set()
        combined = self.fts.conjunction(text_parts, [p.part for p in excluded]) if text_parts else None
        if combined is not None and _paren_depth(combined) <= _FTS_MAX_PARENS:
            pieces.append(self.match(combined))
            consumed.update(id(p) for p in (*text_parts, *excluded))
        elif len(excluded) > 1:
            subtracted = "(" + " OR ".join(self.fts(p.part) for p in excluded) + ")"
            if _paren_depth(subtracted) <= _FTS_MAX_PARENS:
                sql, params = self.match(subtracted)
                pieces.append((f"NOT ({sql})", params))
                consumed.update(id(p) for p in excluded)
        for part in node.parts:
            if id(part) not in consumed:
                pieces.append(self(part))
        return self._join("AND", pieces)

    def disjunction(self, node: Or) -> tuple[str, list]:
        text_parts = [p for p in node.parts if self.fts(p) is not None]
        pieces: list[tuple[str, list]] = []
        consumed: set[int] = set()
        if len(text_parts) > 1:
            combined = "(" + " OR ".join(self.fts(p) for p in text_parts) + ")"
            if _paren_depth(combined) <= _FTS_MAX_PARENS:
                pieces.append(self.match(combined))
                consumed.update(id(p) for p in text_parts)
        for part in node.parts:
            if id(part) not in consumed:
                pieces.append(self(part))
        return self._join("OR", pieces)

    def field(self, node: Field) -> tuple[str, list]:
        name, value = node.name, node.value
        if name == "theme":
            return "d.rowid IN (SELECT doc FROM doc_themes WHERE theme=?)", [value]
        if name == "lang":
            return "d.language=?", [value]
        if name == "outlet":
            # SQLite's lower() folds ASCII only: "L'Écho du Détroit" must keep its É as written.
            return "(d.outlet=? OR lower(d.outlet_name)=lower(?))", [value, value]
        if name == "country":
            return "d.country=upper(?)", [value]
        # Undated articles are neither after nor before a date; IS NOT NULL keeps NOT from turning NULL
        # into "unknown", which would drop them from "NOT after:…" as well.
        if name == "after":
            return "(d.published_at IS NOT NULL AND d.published_at >= ?)", [value]
        if name == "before":
            # "~" sorts after any time of day, so the whole last day is included.
            return "(d.published_at IS NOT NULL AND d.published_at <= ? || '~')", [value]
        ids = [_population_id(value)] if name == "population" else _entity_ids(value, self.resolve_entity)
        if not ids:
            return "0", []
        return f"d.rowid IN (SELECT doc FROM doc_entities WHERE entity IN ({','.join('?' * len(ids))}))", ids


def to_sqlite(node: object, *, column_exact: str = "text_exact", column_stemmed: str = "text_stemmed",
              table: str = "docs_fts",
              resolve_entity: Callable[[str], Iterable[str]] | None = None) -> tuple[str, list]:
    """A boolean SQL expression over ``docs AS d``, with its parameters.

    Text becomes ``d.rowid IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?)``: one MATCH for each
    text-only sub-tree (adjacent words share one), in which a word matches its normalised form in
    ``column_exact`` or any of its stems in ``column_stemmed`` (each may name several columns separated by
    spaces, "title_exact text_exact"). ``resolve_entity(value)`` may return the
    ids a name or alias stands for (from the gazetteer); :func:`candidate_entity_ids` are always tried.
    """
    translate = _SqliteTranslator(_Fts5(column_exact, column_stemmed), table, resolve_entity)
    return translate(node)


def ranking_fts(node: object, *, column_exact: str = "text_exact",
                column_stemmed: str = "text_stemmed") -> str | None:
    """One FTS5 expression OR-ing the words and phrases the query asks for, for bm25() and snippet().

    It selects too much on its own (it ignores AND, NOT and filters): join it to the rows that
    :func:`to_sqlite` selects. None when the query asks for no text.
    """
    fts = _Fts5(column_exact, column_stemmed)
    leaves: list[str] = []

    def walk(item: object, negated: bool) -> None:
        if isinstance(item, Not):
            walk(item.part, not negated)
        elif isinstance(item, (And, Or)):
            for part in item.parts:
                walk(part, negated)
        elif not negated and isinstance(item, (Term, Phrase)):
            leaf = fts.leaf(item)
            if leaf not in leaves:
                leaves.append(leaf)

    walk(node, False)
    return " OR ".join(leaves) if leaves else None


# -- Elasticsearch ----------------------------------------------------------------------------------------

_TEXT_FIELDS = ["text", "text.stemmed"]


def _es_text(node: Term | Phrase) -> dict:
    # Elasticsearch stems with the analyser of text.stemmed, so it gets the word, not our stems; the
    # indexer is expected to send normalise_text()'d text (or use an equivalent analyser).
    if isinstance(node, Term):
        if node.prefix:
            return {"prefix": {"text": {"value": node.text}}}
        return {"multi_match": {"query": node.text, "fields": list(_TEXT_FIELDS)}}
    phrase = " ".join(node.words)
    if node.prefix:
        return {"match_phrase_prefix": {"text": {"query": phrase}}}
    return {"multi_match": {"query": phrase, "type": "phrase", "fields": list(_TEXT_FIELDS)}}


def _es_date_bound(value: str) -> str:
    # Round a partial date up to the end of its year, month or day, as the SQLite "~" does.
    unit = {1: "y", 2: "M", 3: "d"}[len(value.split("-"))]
    return f"{value}||/{unit}"


def _es_field(node: Field, resolve_entity) -> dict:
    name, value = node.name, node.value
    if name == "theme":
        return {"term": {"theme": value}}
    if name == "lang":
        return {"term": {"language": value}}
    if name == "outlet":
        return {"bool": {"should": [{"term": {"outlet": value}},
                                    {"term": {"outlet_name": {"value": value, "case_insensitive": True}}}],
                         "minimum_should_match": 1}}
    if name == "country":
        return {"term": {"country": value.upper()}}
    if name == "after":
        return {"range": {"published_at": {"gte": value}}}
    if name == "before":
        return {"range": {"published_at": {"lte": _es_date_bound(value)}}}
    ids = [_population_id(value)] if name == "population" else _entity_ids(value, resolve_entity)
    if not ids:
        return {"bool": {"must_not": [{"match_all": {}}]}}
    return {"terms": {"entities": ids}}


def to_elasticsearch(node: object, *,
                     resolve_entity: Callable[[str], Iterable[str]] | None = None) -> dict:
    """The same query as an Elasticsearch ``bool`` query (put it under ``"query"``).

    Fields are expected as keywords (theme, language, outlet, outlet_name, country, entities), a date
    (published_at) and text with a stemmed sub-field (text, text.stemmed). Filters inside an AND go to
    ``filter``, where they do not sway the score.
    """

    def translate(item: object) -> dict:
        if item is MatchAll:
            return {"match_all": {}}
        if isinstance(item, (Term, Phrase)):
            return _es_text(item)
        if isinstance(item, Field):
            return _es_field(item, resolve_entity)
        if isinstance(item, Not):
            return {"bool": {"must_not": [translate(item.part)]}}
        if isinstance(item, Or):
            return {"bool": {"should": [translate(p) for p in item.parts], "minimum_should_match": 1}}
        if isinstance(item, And):
            clauses: dict[str, list] = {}
            for part in item.parts:
                if isinstance(part, Not):
                    clauses.setdefault("must_not", []).append(translate(part.part))
                elif isinstance(part, Field):
                    clauses.setdefault("filter", []).append(translate(part))
                else:
                    clauses.setdefault("must", []).append(translate(part))
            return {"bool": clauses}
        raise TypeError(f"not a query node: {item!r}")

    query = translate(node)
    return query if "bool" in query else {"bool": {"must": [query]}}
