import sqlite3

import numpy as np
import pytest

from advocacy.article import Article, article_id, content_hash
from advocacy.crawler.stories import band_keys, signature
from advocacy.ledger import Ledger, LedgerError

STORY = ("Volunteer doctors opened their private clinics to refugees in Rabat this week, offering free "
         "consultations and surgeries to patients referred by the refugee agency, which covers transport.")


def make(url, text="Refugees were treated for free at the clinic in Rabat.", outlet="x"):
    return Article(id=article_id(url), url=url, outlet=outlet, title="T", text=text, content_hash=content_hash(text))


def test_articles_are_stored_once(tmp_path):
    with Ledger(tmp_path / "ledger.db") as ledger:
        article = make("http://x.org/a")
        assert ledger.add_article(article)
        assert not ledger.add_article(article)
        assert ledger.counts()["articles"] == 1
        assert ledger.get(article.id).title == "T"


def test_duplicates_are_found_by_id_text_and_fingerprint(tmp_path):
    with Ledger(tmp_path / "ledger.db") as ledger:
        original = make("http://x.org/a", text=STORY)
        sig = signature(STORY)
        ledger.add_article(original, signature=sig, band_keys=band_keys(sig))
        assert ledger.find_duplicate(ids=[original.id], content_hash="other") == original.id
        assert ledger.find_duplicate(ids=["none"], content_hash=original.content_hash) == original.id
        copy = "Republished with permission from The Rabat Tribune. " + STORY
        near = signature(copy)
        assert ledger.find_duplicate(ids=["none"], content_hash="other", signature=near,
                                     band_keys=band_keys(near)) == original.id
        other = signature("Heavy rain flooded several streets of Tangier on Monday and the council opened two "
                          "emergency centres while asking drivers to avoid the coastal road until evening.")
        assert ledger.find_duplicate(ids=["none"], content_hash="other", signature=other,
                                     band_keys=band_keys(other)) is None


def test_a_ledger_from_the_first_schema_is_upgraded_in_place(tmp_path):
    path = tmp_path / "ledger.db"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE articles (id TEXT PRIMARY KEY, stage TEXT NOT NULL, outlet TEXT NOT NULL, url TEXT NOT NULL,
            content_hash TEXT NOT NULL, band0 INTEGER, simhash INTEGER, record TEXT NOT NULL, vectors BLOB,
            vector_dim INTEGER, updated_at TEXT NOT NULL);
        CREATE TABLE pages (url_id TEXT PRIMARY KEY, url TEXT NOT NULL, outlet TEXT NOT NULL, status TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '', article_id TEXT, archive_file TEXT, archive_offset INTEGER,
            http_status INTEGER, attempts INTEGER NOT NULL DEFAULT 1, fetched_at TEXT NOT NULL);
    """)
    old = make("http://x.org/old")
    db.execute("INSERT INTO articles (id, stage, outlet, url, content_hash, record, updated_at) VALUES (?,?,?,?,?,?,?)",
               (old.id, "collected", "x", old.url, old.content_hash, __import__("json").dumps(old.to_dict()), "t"))
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        assert ledger.get(old.id).url == old.url
        ledger.record_page("http://x.org/new", outlet="x", status="fetched", discovered_via="feed")
        assert ledger.pending_pages()[0]["discovered_via"] == "feed"
        assert ledger.add_article(make("http://x.org/new"), signature=signature(STORY),
                                  band_keys=band_keys(signature(STORY)))


def test_a_new_copy_of_an_indexed_story_sends_it_back_to_be_reindexed(tmp_path):
    with Ledger(tmp_path / "ledger.db") as ledger:
        original = make("http://x.org/a")
        ledger.add_article(original)
        ledger.set_stage([original.id], "indexed")
        ledger.add_duplicate_url(original.id, "http://y.org/copy", outlet="y")
        ledger.add_duplicate_url(original.id, "http://y.org/copy", outlet="y")
        stored = ledger.get(original.id)
        assert stored.duplicates == ["http://y.org/copy"] and stored.carried_by == ["y"]
        assert stored.stage == "enriched"


def test_stages_advance_with_vectors(tmp_path):
    with Ledger(tmp_path / "ledger.db") as ledger:
        for n in range(3):
            ledger.add_article(make(f"http://x.org/{n}", text=f"story {n}"))
        batch = ledger.behind("collected", limit=2)
        assert len(batch) == 2
        article, _ = batch[0]
        article.stage = "enriched"
        ledger.save(article, vectors=np.ones((2, 4), dtype=np.float32))
        assert ledger.counts()["by_stage"] == {"collected": 2, "enriched": 1, "indexed": 0}
        assert ledger.get_vectors(article.id).shape == (2, 4)


def test_a_failed_transaction_leaves_nothing(tmp_path):
    with Ledger(tmp_path / "ledger.db") as ledger:
        with pytest.raises(RuntimeError):
            with ledger.transaction():
                ledger.add_article(make("http://x.org/a"))
                raise RuntimeError("killed")
        assert ledger.counts()["articles"] == 0


def test_page_decisions_are_recorded_and_failures_retried(tmp_path):
    with Ledger(tmp_path / "ledger.db") as ledger:
        ledger.record_page("http://x.org/a?utm_source=rss", outlet="x", status="failed", reason="HTTP 503")
        assert not ledger.is_settled("http://x.org/a")
        ledger.record_page("http://x.org/a", outlet="x", status="off_topic")
        assert ledger.is_settled("https://x.org/a/")
        with pytest.raises(ValueError, match="unknown page status"):
            ledger.record_page("http://x.org/b", outlet="x", status="maybe")


def test_a_file_that_is_not_a_ledger_is_refused(tmp_path):
    bogus = tmp_path / "ledger.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LedgerError, match="not a usable ledger"):
        Ledger(bogus)


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "ledger.db"
    Ledger(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    db.commit()
    db.close()
    with pytest.raises(LedgerError, match="newer"):
        Ledger(path)
