"""Scale of the embedded index: synthetic articles loaded into SqliteStore, then searched and counted.

    .venv/bin/python benchmarks/scale.py [--sizes 10000,100000] [--repeat 3] [--seed 7] [--keep DIR]
                                         [--time-limit MINUTES]

For each size it prints the bulk-load rate, the size on disk, keyword and hybrid query latency (p50/p95),
the latency of the two media-exposure reports (attention over time by month, share of voice), and the
process's peak memory, next to the targets the embedded store must meet at one million articles:
keyword p95 <= 50 ms, hybrid p95 <= 150 ms, analytics p95 <= 200 ms, peak RSS <= 2 GB.

What is measured
----------------
* The real store, through its public API: ``SqliteStore(path).upsert_many(batch)`` for the articles,
  ``store.search(...)`` for queries, and for the reports what ``advocacy stats`` calls:
  ``store.attention_report(query, by="month")`` with :func:`spikes`, and ``store.matching(query)`` with
  ``store.share_of_voice(query)``. The store answers these from its word index (index/words.py) when it is
  up to date, as it is after each batch here.
* Loading: ``upsert_many`` commits one transaction per batch of 256 articles, as ``advocacy index`` does.
  The rate counts the time spent in ``upsert_many`` only, which includes bringing the word index up to date
  and building and extending the approximate passage index (index/vectors.py) once the store passes 200,000
  passages. A second process makes the articles a few batches ahead (:class:`BatchSource`); the
  wall-clock rate, which includes any wait for it, is printed too.
* Semantic recall: up to 2.5 million passages, the top 10 of a semantic search through the approximate
  index is compared with the exact scan's, for the 30 queries, after the other figures (the exact scan holds
  every vector in memory, which would distort the peak RSS).
* Sizes are reached one after the other in the same store: the 100,000-article figures are measured on the
  store that held the first 10,000, after 90,000 more were added. Sizes on disk include the WAL files.
* Queries: 30 searches written as advocacy staff write them, in English, French and Arabic, with words,
  phrases, OR, NOT, prefixes and the theme:, lang:, country:, entity:, population: and after: fields. Each
  kind of measurement first runs every query once as a warm-up, which is reported apart and left out of
  the percentiles (the first hybrid search loads the approximate index, and the vectors it does not hold yet,
  into memory); then ``--repeat``
  passes over the queries are timed. The reports run for the same queries and for the whole store (no
  query). Latencies are wall-clock on a warm operating-system page cache.
* Peak RSS is this process's high-water mark during the load and the queries of one size (Linux lets the
  mark be reset between sizes; elsewhere it is the mark since the start). The embedding model never loads
  in this process: the query vectors are computed once in a separate process, whose own peak is printed
  apart. A search command embedding its query in the same process would add that model's memory.

Synthetic articles
------------------
Each article starts from one demo article (advocacy/demo/site/*/*.md: its language, title and themes) and
is 600-900 words long: paragraphs of demo sentences of the same language, with their numbers replaced and
about one word in twelve swapped for a word of a Zipfian vocabulary, mixed with filler sentences drawn
from that vocabulary. The vocabulary of each language ranks the demo corpus's words by frequency and
continues with generated words (Latin or Arabic letters) up to 250,000 ranks, sampled with exponent 1.0, so
the full-text index grows with the corpus as a real one does instead of staying at a few thousand terms.
Articles come from 4 demo outlets and 150 generated ones in 16 countries (40 % English, 40 % French, 20 %
Arabic), are dated over 2022-2024 with a dozen news bursts (1.5 % undated), and carry themes, organisations,
places and populations from the gazetteer (nlp/gazetteer.toml), people, figures, quotes and, for 6 % of
them, syndicated copies. Passages are cut by the enricher's own ``split_passages`` (about 10 per article).

Passage vectors are derived, not computed: embedding some ten million passages for a million articles
would take days on a laptop. Every demo sentence and title (about 1,000 texts) is embedded once with the
packaged model (all-MiniLM-L6-v2, 384 dimensions, ``advocacy.nlp.Encoder``); a passage's vector is the
mean of the vectors of the demo sentences it contains plus Gaussian noise of about 0.6 of that mean's
length, normalised to unit length, so passages that share sentences or topics are close, as real ones are.
Query vectors are never synthetic: they are the model's embeddings of each query's words, as written
(``advocacy.pipeline.query_wording``), exactly as ``advocacy search`` embeds them.
"""
from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import random
import re
import resource
import sqlite3
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "advocacy" / "demo" / "site"
GAZETTEER = REPO / "nlp" / "gazetteer.toml"
MODEL = "all-MiniLM-L6-v2"

# Targets of the embedded store at one million articles (issue 5, item 8).
TARGET_SIZE = 1_000_000
TARGET_KEYWORD_MS = 50.0
TARGET_HYBRID_MS = 150.0
TARGET_ANALYTICS_MS = 200.0
TARGET_RSS_MB = 2048.0

BATCH = 256                    # articles per upsert_many, as `advocacy index` writes them
RECALL_MAX_PASSAGES = 2_500_000  # the exact scan behind the recall figure needs all vectors in memory
LANGUAGE_MIX = {"en": 0.4, "fr": 0.4, "ar": 0.2}
VOCABULARY_RANKS = 250_000
ZIPF_EXPONENT = 1.0
SWAP_RATE = 1 / 12             # share of a demo sentence's words replaced by vocabulary words
FILLER_RATE = 0.35             # share of a paragraph's sentences that are vocabulary filler
WORDS = (600, 900)
NOISE = 0.6                    # length of a passage vector's noise, relative to its signal
FIRST_DAY = datetime(2022, 1, 1, tzinfo=timezone.utc)
DAYS = 3 * 365 + 1
UNDATED = 0.015
SYNDICATED = 0.06

# Written as staff type them: words, phrases, OR, NOT / -, prefixes, parentheses and fields.
QUERIES = (
    # English
    "refugees health",
    '"free consultations"',
    "hospital OR clinic",
    "theme:health AND (réfugiés OR refugees)",
    "migrants NOT Nador",
    "asylum seekers legal aid lang:en",
    "school enrolment migrant children",
    "(eviction OR evictions) theme:housing",
    '"residence permit" after:2023-06-01',
    "theme:education lang:en after:2024-01-01 students",
    "mental health migrants -Oujda",
    "entity:UNHCR doctors",
    "population:asylum_seekers detention",
    "migrant* shelter winter",
    # French
    '"demandeurs d\'asile"',
    "réfugiés santé",
    "(hébergement OR logement) theme:housing lang:fr",
    "(scolarisation OR inscription) enfants migrants",
    '"titre de séjour" after:2023-01-01',
    "migrants NOT Bamako",
    "expulsion OR déguerpissement",
    "theme:justice lang:fr traite",
    "formation professionnelle jeunes country:ML",
    "santé mentale -Kayes",
    "entity:OIM clinique",
    # Arabic
    "اللاجئين الصحة",
    "المهاجرين OR اللاجئين",
    '"المنظمة الدولية للهجرة"',
    "السكن theme:housing lang:ar",
    "مهاجر* التعليم after:2024-01-01",
    "وجدة NOT الناظور",
)
REPORT_QUERIES = ("", *QUERIES)   # the reports also run over the whole store, as a dashboard opens

_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")
_NUMBER = re.compile(r"\d+")
_QUOTE = re.compile(r"[«“\"]\s?([^«»“”\"]{12,300}?)\s?[»”\"]")
_TOKEN = re.compile(r"[^\W\d_]+", re.U)


# ---------------------------------------------------------------------------------------------------------
# Demo material


@dataclass
class Seed:
    """A demo article: what a synthetic article borrows its language, title, themes and sentences from."""
    slug: str
    language: str
    title: str
    themes: list[str]
    on_topic: bool
    sentences: list[int]          # indexes into Material.sentences


@dataclass
class Material:
    sentences: list[str] = field(default_factory=list)
    sentence_language: list[str] = field(default_factory=list)
    seeds: list[Seed] = field(default_factory=list)

    def texts_to_embed(self) -> list[str]:
        return [*self.sentences, *(seed.title for seed in self.seeds)]


def load_material() -> Material:
    outlets = tomllib.loads((SITE / "outlets.toml").read_text(encoding="utf-8"))["outlet"]
    language_of = {outlet["key"]: outlet["language"] for outlet in outlets}
    material = Material()
    for path in sorted(SITE.glob("*/*.md")):
        language = language_of.get(path.parent.name)
        if language is None:
            continue
        _, header, body = path.read_text(encoding="utf-8").split("+++", 2)
        meta = tomllib.loads(header)
        indexes = []
        for paragraph in re.split(r"\n\s*\n", body):
            for sentence in _SENTENCE_END.split(paragraph.strip()):
                sentence = sentence.strip()
                if len(sentence) > 20:
                    indexes.append(len(material.sentences))
                    material.sentences.append(sentence)
                    material.sentence_language.append(language)
        material.seeds.append(Seed(meta.get("slug", path.stem), language, meta["title"],
                                   list(meta.get("themes", [])), bool(meta.get("on_topic", True)), indexes))
    if not material.seeds:
        sys.exit(f"no demo texts under {SITE}")
    return material


def load_gazetteer() -> dict[str, list[dict]]:
    data = tomllib.loads(GAZETTEER.read_text(encoding="utf-8"))
    return {kind: data.get(kind, []) for kind in ("organisation", "place", "population")}


# ---------------------------------------------------------------------------------------------------------
# Embeddings, in a process of their own so that the model's memory stays out of the store's figures


def _embed(texts: list[str], queries: list[str]) -> tuple[np.ndarray, np.ndarray, float, float]:
    from advocacy.nlp import Encoder
    from advocacy.pipeline import query_wording

    started = time.perf_counter()
    encoder = Encoder(MODEL)
    text_vectors = encoder.encode(texts)
    query_vectors = encoder.encode([query_wording(query) for query in queries])
    return text_vectors, query_vectors, time.perf_counter() - started, peak_rss_mb()


def embed_elsewhere(texts: list[str], queries: list[str]):
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_embed, (texts, queries))


# ---------------------------------------------------------------------------------------------------------
# Synthetic articles


class Vocabulary:
    """Words of one language ranked as a Zipfian law samples them: the demo corpus's own words by frequency,
    then generated words."""

    def __init__(self, corpus_words: list[str], language: str, rng: random.Random, ranks: int = VOCABULARY_RANKS):
        counts: dict[str, int] = {}
        for word in corpus_words:
            counts[word] = counts.get(word, 0) + 1
        known = sorted(counts, key=lambda w: (-counts[w], w))
        seen = set(known)
        generated = []
        make = _arabic_word if language == "ar" else _latin_word
        while len(known) + len(generated) < ranks:
            word = make(rng, language)
            if word not in seen:
                seen.add(word)
                generated.append(word)
        self.words = np.array(known + generated, dtype=object)
        weights = 1.0 / np.arange(1, len(self.words) + 1) ** ZIPF_EXPONENT
        self.cdf = np.cumsum(weights / weights.sum())

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        return list(self.words[np.minimum(np.searchsorted(self.cdf, rng.random(n)), len(self.words) - 1)])


_LATIN_SYLLABLES = [c + v for c in "bcdfghjklmnprstvz" for v in ("a", "e", "i", "o", "u", "ou", "ai", "é", "è")]
_ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def _latin_word(rng: random.Random, language: str) -> str:
    syllables = [s for s in _LATIN_SYLLABLES if language == "fr" or s[-1] not in "éè"]
    word = "".join(rng.choice(syllables) for _ in range(rng.choice((2, 2, 3, 3, 3, 4))))
    return word + rng.choice(("", "", "s", "n", "r", "t", "ment" if language == "fr" else "ing"))


def _arabic_word(rng: random.Random, language: str) -> str:
    word = "".join(rng.choice(_ARABIC_LETTERS) for _ in range(rng.choice((3, 4, 4, 5, 5, 6))))
    return rng.choice(("", "", "ال", "و", "ب")) + word + rng.choice(("", "", "ة", "ات", "ين"))


COUNTRIES = {  # country: (languages of its outlets, number of outlets)
    "MA": (("fr", "ar", "en"), 30), "ML": (("fr",), 16), "SN": (("fr",), 12), "DZ": (("fr", "ar"), 12),
    "TN": (("fr", "ar"), 10), "MR": (("ar", "fr"), 6), "NE": (("fr",), 6), "BF": (("fr",), 6),
    "CI": (("fr",), 6), "FR": (("fr",), 8), "ES": (("en",), 4), "GB": (("en",), 8), "US": (("en",), 6),
    "LY": (("ar",), 6), "EG": (("ar", "en"), 6), "NG": (("en",), 4),
}
_OUTLET_WORDS = {
    "en": (("The", ""), ("Daily", "Times", "Observer", "Herald", "Post", "Chronicle", "Monitor", "Review")),
    "fr": (("Le", "La"), ("Matin", "Quotidien", "Courrier", "Républicain", "Gazette", "Tribune", "Écho", "Soir")),
    "ar": (("",), ("الصباح", "الأخبار", "المساء", "الوطن", "الشروق", "الحدث", "الأيام", "البيان")),
}
_PEOPLE = {
    "en": (("John", "Sarah", "David", "Grace", "Peter", "Mary", "James", "Ruth", "Samuel", "Esther", "Paul", "Ann"),
           ("Okafor", "Smith", "Mensah", "Brown", "Adeyemi", "Taylor", "Owusu", "Walker", "Banda", "Hughes")),
    "fr": (("Fatoumata", "Moussa", "Aminata", "Ibrahim", "Claire", "Youssef", "Awa", "Mamadou", "Nadia", "Karim",
            "Mariam", "Oumar", "Sophie", "Hamid"),
           ("Traoré", "Diallo", "Coulibaly", "Keïta", "Bennani", "El Idrissi", "Martin", "Touré", "Sangaré",
            "Alaoui", "Dembélé", "Ouattara")),
    "ar": (("محمد", "فاطمة", "يوسف", "خديجة", "عبد الله", "نعيمة", "كريم", "سعاد", "أحمد", "ليلى"),
           ("العلوي", "بنعلي", "الإدريسي", "الزياني", "المراكشي", "البوشيخي", "التازي", "الفاسي")),
}


@dataclass
class Outlet:
    key: str
    name: str
    language: str
    country: str
    domain: str


def make_outlets(rng: random.Random) -> list[Outlet]:
    demo = tomllib.loads((SITE / "outlets.toml").read_text(encoding="utf-8"))["outlet"]
    outlets = [Outlet(o["key"], o["name"], o["language"], o["country"], f"{o['key']}.example")
               for o in demo]
    cities = {"MA": "Rabat", "ML": "Bamako", "SN": "Dakar", "DZ": "Alger", "TN": "Tunis", "MR": "Nouakchott",
              "NE": "Niamey", "BF": "Ouaga", "CI": "Abidjan", "FR": "Paris", "ES": "Madrid", "GB": "London",
              "US": "New York", "LY": "Tripoli", "EG": "Cairo", "NG": "Lagos"}
    for country, (languages, count) in COUNTRIES.items():
        for number in range(count):
            language = languages[number % len(languages)]
            article, nouns = _OUTLET_WORDS[language]
            name = " ".join(w for w in (rng.choice(article), nouns[number % len(nouns)], cities[country]) if w)
            key = f"{country.lower()}-{language}-{number:02d}"
            outlets.append(Outlet(key, f"{name} {number + 1}" if number >= len(nouns) else name, language,
                                  country, f"{key}.example"))
    return outlets


class Generator:
    """Synthetic enriched articles, with their passage vectors, one after the other from a seed."""

    def __init__(self, material: Material, text_vectors: np.ndarray, *, seed: int):
        from advocacy.nlp.passages import split_passages

        self.split_passages = split_passages
        self.material = material
        self.vectors = text_vectors
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.gazetteer = load_gazetteer()
        self.outlets = make_outlets(self.rng)
        self.by_language: dict[str, list[Outlet]] = {}
        for outlet in self.outlets:
            self.by_language.setdefault(outlet.language, []).append(outlet)
        # A few outlets publish most of the stories, as in any press landscape.
        self.outlet_weights = {language: [1.0 / (rank + 1) ** 0.8 for rank in range(len(outlets))]
                               for language, outlets in self.by_language.items()}
        # The index holds what the relevance filter kept: off-topic demo articles lend sentences, not stories.
        self.seeds = {language: [s for s in material.seeds if s.language == language and s.sentences and s.on_topic]
                      for language in LANGUAGE_MIX}
        self.pools = {language: [i for i, lang in enumerate(material.sentence_language) if lang == language]
                      for language in LANGUAGE_MIX}
        self.split_words = [sentence.split() for sentence in material.sentences]
        self.vocabularies = {}
        for language in LANGUAGE_MIX:
            corpus_words = [w.lower() for i in self.pools[language] for w in _TOKEN.findall(material.sentences[i])]
            self.vocabularies[language] = Vocabulary(corpus_words, language, self.rng)
        self.title_vector = {id(seed): self.vectors[len(material.sentences) + i]
                             for i, seed in enumerate(material.seeds)}
        organisations = self.gazetteer["organisation"]
        self.org_weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(organisations))]
        self.places_by_country: dict[str, list[dict]] = {}
        for place in self.gazetteer["place"]:
            self.places_by_country.setdefault(place.get("country", ""), []).append(place)
        self.places = self.gazetteer["place"]
        # News bursts: a dozen 10-day windows that take 15 % of the stories.
        self.bursts = sorted(self.rng.randrange(DAYS - 10) for _ in range(12))

    # -- fields ----------------------------------------------------------------------------------------------

    def _date(self) -> str | None:
        rng = self.rng
        if rng.random() < UNDATED:
            return None
        day = (rng.choice(self.bursts) + rng.randrange(10)) if rng.random() < 0.15 else rng.randrange(DAYS)
        moment = FIRST_DAY + timedelta(days=day, seconds=rng.randrange(6 * 3600, 23 * 3600))
        return moment.isoformat(timespec="seconds")

    def _swap(self, words: list[str], language: str) -> str:
        rng = self.rng
        count = sum(1 for _ in words if rng.random() < SWAP_RATE)
        if count:
            words = list(words)
            replacements = self.vocabularies[language].sample(self.np_rng, count)
            for replacement in replacements:
                words[rng.randrange(len(words))] = replacement
        return _NUMBER.sub(lambda m: str(rng.randint(2, 9999)), " ".join(words))

    def _filler(self, language: str) -> str:
        words = self.vocabularies[language].sample(self.np_rng, self.rng.randint(8, 25))
        first = words[0][:1].upper() + words[0][1:]
        return " ".join([first, *words[1:]]) + "."

    def _body(self, seed: Seed, language: str):
        """(text, [(start, end, sentence index)] of the demo sentences placed in it)."""
        rng, pool = self.rng, self.pools[language]
        wanted = rng.randint(*WORDS)
        paragraphs, placed, words, offset = [], [], 0, 0
        while words < wanted:
            pieces = []
            for _ in range(rng.randint(3, 5)):
                if rng.random() < FILLER_RATE:
                    sentence, index = self._filler(language), None
                else:
                    index = rng.choice(seed.sentences) if rng.random() < 0.6 else rng.choice(pool)
                    sentence = self._swap(self.split_words[index], language)
                pieces.append((sentence, index))
            paragraph_start = offset
            for sentence, index in pieces:
                if index is not None:
                    placed.append((offset, offset + len(sentence), index))
                offset += len(sentence) + 1
                words += sentence.count(" ") + 1
            paragraphs.append(" ".join(sentence for sentence, _ in pieces))
            offset = paragraph_start + len(paragraphs[-1]) + 2
        return "\n\n".join(paragraphs), placed

    def _entities(self, outlet: Outlet, seed: Seed):
        from advocacy.article import Entity

        rng = self.rng
        entities: dict[str, Entity] = {}

        def add(entry: dict, kind: str, names: list[str]) -> None:
            mentions = rng.sample(names, min(len(names), rng.choice((1, 1, 2))))
            entities[entry["id"]] = Entity(id=entry["id"], name=entry["name"], type=kind, mentions=mentions,
                                           count=1 + int(rng.expovariate(0.6)))

        for entry in rng.choices(self.gazetteer["organisation"], self.org_weights, k=rng.randint(1, 4)):
            add(entry, "organisation", entry.get("aliases") or [entry["name"]])
        local = self.places_by_country.get(outlet.country) or self.places
        for _ in range(rng.randint(1, 3)):
            entry = rng.choice(local if rng.random() < 0.7 else self.places)
            add(entry, "place", entry.get("aliases") or [entry["name"]])
        for entry in rng.sample(self.gazetteer["population"], rng.randint(1, 2)):
            terms = [t.rstrip("*") for t in entry.get("terms", {}).get(seed.language, [])] or [entry["name"]]
            add(entry, "population", terms)
        first, last = _PEOPLE[outlet.language]
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            name = f"{rng.choice(first)} {rng.choice(last)}"
            person = "person:" + "-".join(re.findall(r"\w+", name.lower()))
            entities[person] = Entity(id=person, name=name, type="person", mentions=[name], count=rng.randint(1, 4))
        return list(entities.values())

    def _themes(self, seed: Seed, passages: int):
        from advocacy.article import ThemeScore

        rng = self.rng
        names = list(seed.themes)
        if names and rng.random() < 0.3:
            other = rng.choice(("health", "education", "housing", "justice"))
            if other not in names:
                names.append(other)
        themes = []
        for rank, theme in enumerate(names):
            score = round(rng.uniform(0.75, 0.99) if rank == 0 else rng.uniform(0.45, 0.8), 3)
            terms = {word: rng.randint(1, 6) for word in rng.sample(("care", "school", "rent", "court", "clinic",
                                                                     "visa", "shelter", "lawyer", "hospital"), 3)}
            themes.append(ThemeScore(theme=theme, score=score, matched_terms=terms,
                                     passages=sorted(rng.sample(range(passages), min(passages, 2))),
                                     reason="terms: " + ", ".join(terms)))
        return themes

    def _figures_and_quotes(self, text: str):
        from advocacy.article import Figure, Quote

        figures, quotes = [], []
        for match in _NUMBER.finditer(text):
            if len(figures) >= 4:
                break
            start = text.rfind(". ", 0, match.start())
            start = start + 2 if start >= 0 else 0
            end = text.find(".", match.end())
            sentence = text[start:end + 1 if end >= 0 else len(text)]
            figures.append(Figure(text=match.group(), value=float(match.group()), unit="", sentence=sentence,
                                  start=match.start(), end=match.end()))
        for match in _QUOTE.finditer(text):
            if len(quotes) >= 2:
                break
            quotes.append(Quote(text=match.group(1), speaker="", sentence=match.group(0),
                                start=match.start(1), end=match.end(1)))
        return figures, quotes

    def _passage_vectors(self, passages, placed, seed: Seed) -> np.ndarray:
        vectors = np.empty((len(passages), self.vectors.shape[1]), dtype=np.float32)
        for row, passage in enumerate(passages):
            inside = [index for start, end, index in placed if start >= passage.start and end <= passage.end]
            signal = self.vectors[inside].mean(axis=0) if inside else self.title_vector[id(seed)]
            vectors[row] = signal
        lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
        noise = self.np_rng.standard_normal(vectors.shape).astype(np.float32)
        noise *= NOISE * lengths / math.sqrt(vectors.shape[1])
        vectors += noise
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors

    # -- the article -----------------------------------------------------------------------------------------

    def article(self, number: int):
        from advocacy.article import Article, article_id, content_hash

        rng = self.rng
        language = rng.choices(list(LANGUAGE_MIX), list(LANGUAGE_MIX.values()))[0]
        outlet = rng.choices(self.by_language[language], self.outlet_weights[language])[0]
        seed = rng.choice(self.seeds[language])
        title = self._swap(seed.title.split(), language)
        text, placed = self._body(seed, language)
        published = self._date()
        month = published[:7].replace("-", "/") if published else "undated"
        url = f"https://{outlet.domain}/{month}/{seed.slug}-{number}"
        passages = self.split_passages(text)
        figures, quotes = self._figures_and_quotes(text)
        carried = []
        if rng.random() < SYNDICATED:
            carried = [o.key for o in rng.sample(self.by_language[language], rng.randint(1, 3)) if o is not outlet]
        first, last = _PEOPLE[language]
        article = Article(
            id=article_id(url), url=url, outlet=outlet.key, title=title, text=text, canonical_url=url,
            outlet_name=outlet.name, country=outlet.country, discovered_via=rng.choice(("feed", "sitemap", "crawl")),
            authors=[f"{rng.choice(first)} {rng.choice(last)}"] if rng.random() < 0.7 else [],
            published_at=published, published_at_source="page-metadata" if published else "none",
            fetched_at=published or "2025-01-01T00:00:00+00:00", language=language,
            content_hash=content_hash(text),
            relevance={"score": round(rng.uniform(0.5, 1.0), 3), "terms": ["migrants"], "relevant": True},
            archive={"file": f"crawl-{number // 5000:05d}.warc.gz", "offset": number * 9173},
            carried_by=carried, themes=self._themes(seed, len(passages)), entities=self._entities(outlet, seed),
            passages=passages, figures=figures, quotes=quotes, stage="enriched")
        return article, self._passage_vectors(passages, placed, seed)


# ---------------------------------------------------------------------------------------------------------
# Measuring


def peak_rss_mb() -> float:
    """High-water mark of this process's resident memory, in MB, since the start or the last reset."""
    try:
        match = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
        if match:
            return int(match.group(1)) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Restart the high-water mark from the current resident size (Linux 4.0 and later)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def disk_usage(directory: Path) -> tuple[int, dict[str, int]]:
    """Bytes in the store's directory, in all, and per file or subdirectory (the word index is one)."""
    sizes = {}
    for path in sorted(directory.iterdir()):
        if path.is_file():
            sizes[path.name] = path.stat().st_size
        elif path.is_dir():
            sizes[path.name + "/"] = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return sum(sizes.values()), sizes


def percentile(samples: list[float], q: float) -> float:
    return float(np.percentile(samples, q)) if samples else float("nan")


@dataclass
class Timings:
    warmup: list[float] = field(default_factory=list)
    samples: list[float] = field(default_factory=list)

    def p(self, q: float) -> float:
        return percentile(self.samples, q)


def time_queries(run, queries, *, repeat: int) -> Timings:
    """Milliseconds per call of ``run(i, query)``: one warm-up pass, then ``repeat`` timed passes."""
    timings = Timings()
    for i, query in enumerate(queries):
        started = time.perf_counter()
        run(i, query)
        timings.warmup.append((time.perf_counter() - started) * 1000)
    for _ in range(repeat):
        for i, query in enumerate(queries):
            started = time.perf_counter()
            run(i, query)
            timings.samples.append((time.perf_counter() - started) * 1000)
    return timings


def attention_report(store, query: str):
    """What `advocacy stats attention QUERY --by month` computes."""
    from advocacy.index.analytics import spikes

    figures = store.attention_report(query, by="month")
    return figures["matching"], figures["series"], spikes(figures["series"]), figures["undated"]


def share_of_voice_report(store, query: str):
    """What `advocacy stats share-of-voice QUERY` computes."""
    return store.matching(query), store.share_of_voice(query, limit=20)


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "missed"


def megabytes(size: float) -> str:
    return f"{size / 1024:.2f} GB" if size >= 1024 else f"{size:.1f} MB"


def fmt_ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def batches_of(generator: Generator, sizes: list[int]):
    """The generator's articles in batches of BATCH, the last batch of each size cut at that size."""
    number = 0
    for size in sizes:
        while number < size:
            batch = [generator.article(n) for n in range(number, min(size, number + BATCH))]
            yield batch
            number += len(batch)


def _produce(text_vectors: np.ndarray, seed: int, sizes: list[int], batches) -> None:
    for batch in batches_of(Generator(load_material(), text_vectors, seed=seed), sizes):
        batches.put(batch)
    batches.put(None)


class InlineSource:
    """Batches made in this process, as they are needed: for small loads (benchmarks/brief.py)."""

    def __init__(self, generator: Generator, *, sizes: list[int]):
        self._batches = batches_of(generator, sizes)

    def next(self) -> list:
        return next(self._batches)


class BatchSource:
    """The synthetic articles, made in order by a second process a few batches ahead, so that loading
    a million of them takes what the store takes rather than that plus the generator's time. The corpus is
    the same as a single process would make: one generator, one seed, the same sequence. Batches end at
    every size, as ``advocacy index`` would have committed them."""

    def __init__(self, text_vectors: np.ndarray, *, seed: int, sizes: list[int]):
        context = multiprocessing.get_context("spawn")
        self.batches = context.Queue(maxsize=4)
        self.process = context.Process(target=_produce, args=(text_vectors, seed, sizes, self.batches),
                                       daemon=True)
        self.process.start()

    def next(self) -> list:
        batch = self.batches.get()
        if batch is None:
            raise RuntimeError("the article generator stopped early")
        return batch

    def close(self) -> None:
        self.process.terminate()
        self.process.join()


def load(store, source: BatchSource, start: int, stop: int, *, deadline: float | None) -> dict:
    """Upsert articles number ``start`` to ``stop - 1`` in batches, as `advocacy index` does; returns counts
    and times (seconds). Upsert time includes the upkeep of the word index and the approximate passage
    index; "generating" is the time spent waiting for the next batch."""
    generating = upserting = 0.0
    passages = 0
    words = 0
    last_report = time.perf_counter()
    began = last_report
    number = start
    while number < stop:
        t0 = time.perf_counter()
        batch = source.next()
        t1 = time.perf_counter()
        store.upsert_many(batch)
        t2 = time.perf_counter()
        generating += t1 - t0
        upserting += t2 - t1
        passages += sum(len(article.passages) for article, _ in batch)
        words += sum(article.text.count(" ") + 1 for article, _ in batch)
        number += len(batch)
        if t2 - last_report >= 15:
            last_report = t2
            done = number - start
            rate = done / (t2 - began)
            print(f"  … {number:,} articles ({done / (stop - start):.0%} of this step), {rate:,.0f} articles/s, "
                  f"about {(stop - number) / rate / 60:.1f} min to go", file=sys.stderr, flush=True)
        if deadline is not None and t2 > deadline:
            break
    return {"loaded": number - start, "reached": number, "generating": generating, "upserting": upserting,
            "passages": passages, "words": words, "wall": time.perf_counter() - began}


def semantic_recall(store, query_vectors: np.ndarray, *, limit: int = 10) -> float | None:
    """Share of the exact semantic top ``limit`` that the approximate index also returns, over the queries;
    None when the store is small enough to be searched exactly anyway. Holds every vector in memory once."""
    index = store._passage_index
    if index._load() is None:
        return None
    found = []
    for approximate in (True, False):
        index.approximate = approximate
        found.append([{hit.id for hit in store.search("", mode="semantic", vector=vector, limit=limit).hits}
                      for vector in query_vectors])
    index.approximate = True
    return float(np.mean([len(a & e) / max(1, len(e)) for a, e in zip(*found)]))


def measure(store, directory: Path, query_vectors: np.ndarray, *, repeat: int) -> dict:
    keyword_totals = []

    def step(name: str) -> None:
        print(f"  … {name}", file=sys.stderr, flush=True)

    def keyword(i: int, query: str) -> None:
        keyword_totals.append(store.search(query, mode="keyword", limit=10).total)

    def hybrid(i: int, query: str) -> None:
        store.search(query, mode="hybrid", vector=query_vectors[i], limit=10)

    results = {}
    step("keyword queries")
    results["keyword"] = time_queries(keyword, QUERIES, repeat=repeat)
    step("hybrid queries")
    results["hybrid"] = time_queries(hybrid, QUERIES, repeat=repeat)
    step("attention by month")
    results["attention"] = time_queries(lambda i, q: attention_report(store, q), REPORT_QUERIES, repeat=repeat)
    step("share of voice")
    results["share_of_voice"] = time_queries(lambda i, q: share_of_voice_report(store, q), REPORT_QUERIES,
                                             repeat=repeat)
    results["matches"] = keyword_totals[:len(QUERIES)]
    results["disk"] = disk_usage(directory)
    results["waiting"] = store._passage_index.pending_count()
    return results


def report(size: int, requested: int, loading: dict, totals: dict, results: dict, rss: float) -> dict:
    """Print one size's figures; returns them for the summary."""
    partial = size < requested
    print(f"\n== {size:,} articles" + (f" (stopped short of {requested:,}: time limit)" if partial else "") + " ==")
    rate = loading["loaded"] / loading["upserting"] if loading["upserting"] else float("nan")
    wall_rate = loading["loaded"] / loading["wall"] if loading["wall"] else float("nan")
    if not loading["loaded"]:
        print("bulk load          not measured (--measure: the index was loaded by an earlier run)")
    else:
        print(f"bulk load          {rate:,.0f} docs/s   (upsert only: {loading['loaded']:,} articles in "
              f"{loading['upserting']:,.1f} s; {wall_rate:,.0f} docs/s wall-clock, articles made alongside; "
              f"{loading['words'] / max(loading['loaded'], 1):,.0f} words and "
              f"{loading['passages'] / max(loading['loaded'], 1):.1f} passages per article)")
    if partial:
        print(f"                   the full {requested:,} would take about "
              f"{totals['upserting'] * requested / size / 60:,.0f} min of upserts "
              f"(at the average rate so far)")
    total, files = results["disk"]
    print(f"size on disk       {megabytes(total / 2**20)}   ("
          + ", ".join(f"{name} {megabytes(n / 2**20)}" for name, n in files.items())
          + f"; {total / size / 1024:,.1f} kB per article)")
    label = "target at 1M" if size < TARGET_SIZE else "target"
    key, hyb, att, sov = (results[k] for k in ("keyword", "hybrid", "attention", "share_of_voice"))
    analytics_p95 = max(att.p(95), sov.p(95))
    lines = [
        ("keyword query", key, TARGET_KEYWORD_MS, key.p(95)),
        ("hybrid query", hyb, TARGET_HYBRID_MS, hyb.p(95)),
    ]
    for name, timings, target, value in lines:
        print(f"{name:<18} p50 {fmt_ms(timings.p(50))}   p95 {fmt_ms(timings.p(95))}   "
              f"({label}: p95 <= {target:.0f} ms: {verdict(value, target)})")
    print(f"analytics          p50 {fmt_ms(percentile(att.samples + sov.samples, 50))}   p95 {fmt_ms(analytics_p95)}   "
          f"({label}: p95 <= {TARGET_ANALYTICS_MS:.0f} ms: {verdict(analytics_p95, TARGET_ANALYTICS_MS)}; "
          f"the worse report's p95)")
    print(f"  attention/month  p50 {fmt_ms(att.p(50))}   p95 {fmt_ms(att.p(95))}   max {fmt_ms(max(att.samples))}")
    print(f"  share of voice   p50 {fmt_ms(sov.p(50))}   p95 {fmt_ms(sov.p(95))}   max {fmt_ms(max(sov.samples))}")
    print(f"peak RSS           {megabytes(rss)}   ({label}: <= {TARGET_RSS_MB / 1024:.0f} GB: "
          f"{verdict(rss, TARGET_RSS_MB)})")
    print(f"warm-up (excluded) keyword first pass p50 {fmt_ms(percentile(key.warmup, 50))} max "
          f"{fmt_ms(max(key.warmup))}; hybrid first query {fmt_ms(hyb.warmup[0])} (loads the vector index), "
          f"then p50 {fmt_ms(percentile(hyb.warmup[1:], 50))}; reports first pass max "
          f"{fmt_ms(max(att.warmup + sov.warmup))}")
    print(f"vector upkeep      {results['waiting']:,} passages not yet in the approximate index, scanned exactly "
          f"by each semantic query")
    matches = results["matches"]
    print(f"matches per query  median {int(np.median(matches)):,}, min {min(matches):,}, max {max(matches):,} "
          f"({len(matches)} queries)")
    return {"size": size, "rate": rate, "disk": total, "keyword": (key.p(50), key.p(95)),
            "hybrid": (hyb.p(50), hyb.p(95)), "analytics": (percentile(att.samples + sov.samples, 50), analytics_p95),
            "rss": rss}


def summary(rows: list[dict]) -> None:
    print("\n== summary (targets at 1,000,000 articles) ==")
    header = f"{'articles':>10}  {'load docs/s':>11}  {'disk':>9}  {'keyword p50/p95':>17}  " \
             f"{'hybrid p50/p95':>17}  {'analytics p50/p95':>19}  {'peak RSS':>9}"
    print(header)
    print(f"{'target':>10}  {'':>11}  {'':>9}  {'p95 <= 50 ms':>17}  {'p95 <= 150 ms':>17}  "
          f"{'p95 <= 200 ms':>19}  {'<= 2 GB':>9}")
    for row in rows:
        def pair(values, target):
            mark = "" if values[1] <= target else " ✗"
            return f"{values[0]:.0f}/{values[1]:.0f} ms{mark}"
        print(f"{row['size']:>10,}  {row['rate']:>11,.0f}  {megabytes(row['disk'] / 2**20):>9}  "
              f"{pair(row['keyword'], TARGET_KEYWORD_MS):>17}  {pair(row['hybrid'], TARGET_HYBRID_MS):>17}  "
              f"{pair(row['analytics'], TARGET_ANALYTICS_MS):>19}  "
              f"{megabytes(row['rss']) + ('' if row['rss'] <= TARGET_RSS_MB else ' ✗'):>9}")
    print("✗ marks a figure above its 1M target.")


# ---------------------------------------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes takes whole numbers separated by commas, e.g. 10000,100000; "
                                         f"not {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("--sizes needs at least one positive number, e.g. 10000")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Load synthetic articles into the embedded SQLite index and print load rate, size on "
                    "disk, query and report latency and peak memory per size, against the 1M targets.",
        epilog="Example: .venv/bin/python benchmarks/scale.py --sizes 10000,100000 --keep /tmp/scale-index")
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("10000,100000"),
                        help="article counts to measure at, reached one after the other (default 10000,100000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the queries per size (default 3)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the synthetic corpus (default 7)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the index in DIR (new or empty) and keep it; default: a temporary directory")
    parser.add_argument("--measure", type=Path, metavar="DIR",
                        help="load nothing: measure the index an earlier --keep run left in DIR, at its size "
                             "(to see what a change to the store does without loading a million articles again)")
    parser.add_argument("--time-limit", type=float, metavar="MINUTES",
                        help="stop loading after this many minutes in all, measure at the size reached and "
                             "print how long the full load would take")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    from advocacy.index.sqlite import SqliteStore

    if args.measure and args.keep:
        parser.error("--measure reads an index kept earlier; it cannot be combined with --keep")
    if args.measure and not (args.measure / "index.db").is_file():
        parser.error(f"{args.measure} holds no index.db: name a directory an earlier --keep run filled")
    if args.keep:
        directory = args.keep
        directory.mkdir(parents=True, exist_ok=True)
        if any(directory.iterdir()):
            parser.error(f"{directory} is not empty: name a new or empty directory for --keep")

    started = time.perf_counter()
    deadline = started + args.time_limit * 60 if args.time_limit else None
    material = load_material()
    texts = material.texts_to_embed()
    print(f"embedding {len(texts):,} demo sentences and titles and {len(QUERIES)} queries with {MODEL} "
          f"in a separate process…", file=sys.stderr, flush=True)
    text_vectors, query_vectors, embed_seconds, encoder_rss = embed_elsewhere(texts, list(QUERIES))
    generator = Generator(material, np.asarray(text_vectors, dtype=np.float32), seed=args.seed)

    if args.measure:
        context, directory = None, args.measure
    elif args.keep:
        context = None
    else:
        context = tempfile.TemporaryDirectory(prefix="advocacy-scale-")
        directory = Path(context.name)

    print(f"Advocacy Monitor scale benchmark: embedded SQLite store (SQLite {sqlite3.sqlite_version}, "
          f"NumPy {np.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    print(f"index: {directory / 'index.db'}" + ("" if args.keep or args.measure else " (temporary)")
          + (" (kept by an earlier run: measured as it is, nothing loaded)" if args.measure else ""))
    print(f"corpus: synthetic, seed {args.seed}; {len(material.sentences):,} demo sentences, "
          f"{len(generator.outlets)} outlets, vocabulary of {VOCABULARY_RANKS:,} words per language (Zipf "
          f"{ZIPF_EXPONENT}); passage vectors derived from real {MODEL} embeddings of the demo sentences")
    print(f"queries: {len(QUERIES)} (EN/FR/AR), embedded with {MODEL} in {embed_seconds:.1f} s by a separate "
          f"process (its peak RSS {megabytes(encoder_rss)}, not counted below); reports: attention by month "
          f"and share of voice for those queries and for the whole store; {args.repeat} timed "
          f"pass{'es' if args.repeat > 1 else ''} each")
    can_reset = reset_peak_rss()
    if not can_reset:
        print("note: the peak RSS cannot be reset here, so each size reports the mark since the start")

    rows = []
    source = None if args.measure else BatchSource(np.asarray(text_vectors, dtype=np.float32), seed=args.seed,
                                                    sizes=args.sizes)
    try:
        store = SqliteStore(directory / "index.db")
        try:
            current = 0
            totals = {"upserting": 0.0}
            if args.measure:
                current = store.count()
                args.sizes = [current]
                # As this version's store would have left it after its last batch (an index kept by an
                # earlier version may hold more passages waiting for the approximate index than it allows).
                waiting = store._passage_index.pending_count()
                if store._passage_index.update():
                    print(f"approximate index: brought up to date first ({waiting:,} passages were waiting, "
                          f"more than this version lets wait)", flush=True)
            for size in args.sizes:
                if can_reset:
                    reset_peak_rss()
                if source is not None:
                    print(f"loading articles {current + 1:,} to {size:,}…", file=sys.stderr, flush=True)
                loading = (load(store, source, current, size, deadline=deadline) if source is not None else
                           {"loaded": 0, "reached": current, "generating": 0.0, "upserting": 0.0, "passages": 0,
                            "words": 0, "wall": 0.0})
                totals["upserting"] += loading["upserting"]
                current = loading["reached"]
                print(f"measuring at {current:,} articles…", file=sys.stderr, flush=True)
                results = measure(store, directory, query_vectors, repeat=args.repeat)
                rows.append(report(current, size, loading, totals, results, peak_rss_mb()))
                stored_passages = store.connection.execute("SELECT MAX(rowid) FROM passages").fetchone()[0] or 0
                if stored_passages <= RECALL_MAX_PASSAGES:
                    recall = semantic_recall(store, query_vectors)
                    rows[-1]["recall"] = recall
                    print("semantic recall@10 " + ("exact search (no approximate index at this size)" if recall is None
                          else f"{recall:.3f} of the exact scan's top 10, over {len(QUERIES)} queries (measured "
                               "after the figures above: the exact scan holds every vector in memory)"))
                if current < size:
                    break
        finally:
            store.close()
        if source is not None:
            source.close()
        summary(rows)
        print(f"\ntotal time {(time.perf_counter() - started) / 60:.1f} min")
    finally:
        if context is not None:
            context.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
