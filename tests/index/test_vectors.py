"""The approximate passage index of the embedded store: built past a size, kept up to date, never wrong about
what it returns. The size thresholds are lowered so that a few hundred articles cross them."""
import numpy as np
import pytest

from advocacy.article import Article, Passage, ThemeScore, article_id
from advocacy.index import SearchFilters
from advocacy.index import vectors as passage_vectors
from advocacy.index.sqlite import SqliteStore

DIMENSIONS = 32
TOPICS = 12


@pytest.fixture(autouse=True)
def small_thresholds(monkeypatch):
    monkeypatch.setattr(passage_vectors, "ANN_MIN_PASSAGES", 600)
    monkeypatch.setattr(passage_vectors, "ANN_UPDATE_PASSAGES", 200)


def unit(rows):
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


rng = np.random.default_rng(11)
CENTRES = unit(rng.standard_normal((TOPICS, DIMENSIONS)))


def make(number: int, *, topic: int | None = None, language: str = "en"):
    topic = number % TOPICS if topic is None else topic
    url = f"http://atlas.test/story-{number}"
    texts = [f"Story {number} part {part} about topic {topic}." for part in range(4)]
    text = " ".join(texts)
    starts = [text.index(t) for t in texts]
    article = Article(id=article_id(url), url=url, outlet="atlas", outlet_name="Atlas", country="MA", title=f"Story {number}",
                      text=text, language=language, published_at="2024-05-02T08:00:00+00:00", stage="indexed",
                      themes=[ThemeScore("health", 0.9)],
                      passages=[Passage(i, t, s, s + len(t)) for i, (t, s) in enumerate(zip(texts, starts))])
    noise = np.random.default_rng(number).standard_normal((4, DIMENSIONS)).astype(np.float32)
    return article, unit(CENTRES[topic] + 0.35 * noise)


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "index.db")
    for start in range(0, 300, 50):
        store.upsert_many(make(n, language="fr" if n % 3 == 0 else "en") for n in range(start, start + 50))
    yield store
    store.close()


def semantic(store, vector, **options):
    return [hit.id for hit in store.search("", mode="semantic", vector=vector, limit=10, **options).hits]


def test_a_large_store_answers_from_the_approximate_index_as_the_exact_scan_does(store, tmp_path):
    assert (tmp_path / "index.db.ann").is_file()
    index = store._passage_index
    assert len(index.pending().docs) < 1200          # most passages are in the approximate index
    queries = unit(CENTRES + 0.2 * rng.standard_normal(CENTRES.shape))
    approximate = [semantic(store, q) for q in queries]
    index.approximate = False
    exact = [semantic(store, q) for q in queries]
    assert len(index.pending().docs) == 1200
    overlap = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approximate, exact)])
    assert overlap >= 0.9


def test_articles_written_after_the_last_update_are_found(store):
    article, vectors = make(1000, topic=3)
    target = unit(vectors[2] + 0.01)
    store.upsert(article, vectors)
    assert semantic(store, target)[0] == article.id
    assert store.search("", mode="semantic", vector=target, limit=1).hits[0].passage_index == 2


def test_deleted_and_reindexed_articles_are_never_answered_from_stale_vectors(store):
    gone, gone_vectors = make(7)
    assert semantic(store, gone_vectors[0])[0] == gone.id
    assert store.delete(gone.id)
    assert gone.id not in semantic(store, gone_vectors[0])
    moved, old_vectors = make(8)
    _, new_vectors = make(8, topic=(8 % TOPICS) + 1)
    store.upsert(moved, new_vectors)
    assert semantic(store, new_vectors[0])[0] == moved.id
    hits = store.search("", mode="semantic", vector=old_vectors[0], limit=20).hits
    assert all(hit.id != moved.id or hit.score < 0.9 for hit in hits)   # scored on its new vectors


def test_filters_and_the_similarity_floor_hold_with_the_approximate_index(store):
    query = CENTRES[0]
    french = store.search("lang:fr", mode="semantic", vector=query, limit=10).hits
    assert french and all(hit.language == "fr" for hit in french)
    close = store.search("", mode="semantic", vector=query, limit=50, min_similarity=0.8).hits
    assert close and all(hit.score >= 0.8 for hit in close)
    only_one = store.search("", filters=SearchFilters(languages=["fr"]), mode="semantic",
                            vector=make(9)[1][0], limit=300).hits
    assert len(only_one) == 100                          # every French article, found through the filter


def test_a_lost_index_file_costs_speed_not_answers(store, tmp_path):
    query = CENTRES[5]
    before = semantic(store, query)
    (tmp_path / "index.db.ann").unlink()
    reopened = SqliteStore(tmp_path / "index.db")
    assert semantic(reopened, query)[:5] == before[:5]
    assert reopened.update_vector_index() == "built"
    assert semantic(reopened, query)[:5] == before[:5]
    (tmp_path / "index.db.ann").write_bytes(b"not an index")
    assert semantic(SqliteStore(tmp_path / "index.db"), query)[:5] == before[:5]
    reopened.close()


def test_a_small_store_has_no_approximate_index(tmp_path):
    store = SqliteStore(tmp_path / "index.db")
    store.upsert_many(make(n) for n in range(40))
    assert not (tmp_path / "index.db.ann").exists()
    assert len(semantic(store, CENTRES[1])) == 10
    store.close()


def test_a_store_kept_open_finds_what_another_connection_writes(store, tmp_path):
    # A server keeps its stores open while crawls index: a store that has answered once must not keep
    # answering from the passages it read then.
    article, vectors = make(2000, topic=7)
    target = unit(vectors[1] + 0.01)
    assert article.id not in semantic(store, target)
    writer = SqliteStore(tmp_path / "index.db")
    writer.upsert(article, vectors)
    writer.close()
    assert semantic(store, target)[0] == article.id


def test_open_stores_share_one_copy_of_the_approximate_index(store, tmp_path):
    other = SqliteStore(tmp_path / "index.db")
    shared = store._passage_index._load()
    assert shared is not None and other._passage_index._load() is shared
    # Extending works on a copy of its own: a search under way in another thread keeps a whole index.
    size = shared.ntotal
    other.upsert_many(make(n) for n in range(3000, 3060))
    other.update_vector_index()
    assert shared.ntotal == size
    assert store._passage_index._load().ntotal == size + 240
    other.close()


def test_small_and_large_pending_matrices_score_alike(monkeypatch):
    pytest.importorskip("torch")
    matrix = np.random.default_rng(3).standard_normal((500, DIMENSIONS)).astype(np.float16)
    vector = unit(np.random.default_rng(4).standard_normal(DIMENSIONS))
    with_numpy = passage_vectors.similarities(matrix, vector)
    monkeypatch.setattr(passage_vectors, "_NUMPY_ROWS", 0)
    with_torch = passage_vectors.similarities(matrix, vector)
    assert with_numpy.dtype == with_torch.dtype == np.float32
    assert np.allclose(with_numpy, with_torch, atol=0.02)
