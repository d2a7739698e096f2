"""A small index, an app over it, and signed-in clients of each role (by API token)."""
import numpy as np
import pytest
from fastapi.testclient import TestClient

from advocacy.article import Article, Entity, Figure, Passage, Quote, ThemeScore, article_id
from advocacy.config import load_settings
from advocacy.index.sqlite import SqliteStore
from advocacy.web import create_app

UNHCR = Entity("org:unhcr", "UNHCR", "organisation", ["HCR"], 2)
OUJDA = Entity("place:oujda", "Oujda", "place", ["Oujda"], 1)
PASSWORD = "a long enough passphrase"
DIMENSION = 8

# slug: (outlet, name, language, day, themes, entities, carried_by, title, text)
CORPUS = {
    "doctors": ("atlas", "The Atlas Tribune", "en", "2024-01-03", ["health"], [UNHCR], ["echo"],
                "Volunteer doctors treat refugees",
                "Volunteer doctors gave free consultations to 340 refugees in Rabat, the UNHCR said. "
                "\"Nobody should be turned away\", said Karim Benali, spokesperson for the clinic."),
    "medecins": ("echo", "L'Écho du Détroit", "fr", "2024-01-10", ["health"], [UNHCR, OUJDA], [],
                 "Des médecins bénévoles soignent les réfugiés",
                 "À Oujda, la santé des réfugiées s'améliore grâce aux consultations gratuites du HCR."),
    "clinic": ("atlas", "The Atlas Tribune", "en", "2024-02-14", ["health"], [], [],
               "A mobile clinic for migrant women", "The IOM runs a mobile clinic for migrant women in Tangier."),
    "evictions": ("echo", "L'Écho du Détroit", "fr", "2024-02-20", ["housing"], [OUJDA], [],
                  "Des familles expulsées à Oujda",
                  "Des familles de migrants ont été expulsées de leurs logements."),
    "school": ("atlas", "The Atlas Tribune", "en", None, ["education"], [], [],
               "Refugee pupils return to class", "Refugee children went back to school in Rabat."),
}


def vector_for(slug: str) -> np.ndarray:
    vector = np.zeros(DIMENSION, dtype=np.float32)
    vector[list(CORPUS).index(slug)] = 1.0
    return vector


def build(slug: str, stage: str = "indexed") -> Article:
    outlet, name, language, day, themes, entities, carried_by, title, text = CORPUS[slug]
    url = f"http://{outlet}.test/{slug}"
    figures, quotes = [], []
    if "340 refugees" in text:
        start = text.index("340 refugees")
        figures.append(Figure("340 refugees", 340.0, "refugees", text.split(". ")[0] + ".", start, start + 12))
        start = text.index("Nobody")
        quotes.append(Quote("Nobody should be turned away", "Karim Benali", text[start - 1:], start, start + 28))
    return Article(id=article_id(url), url=url, outlet=outlet, outlet_name=name, country="MA", language=language,
                   title=title, text=text, published_at=f"{day}T09:00:00+00:00" if day else None,
                   published_at_source="page-metadata" if day else "none", fetched_at="2024-03-01T10:00:00+00:00",
                   stage=stage, themes=[ThemeScore(t, 0.9, reason=f"about {t}") for t in themes],
                   entities=list(entities), carried_by=list(carried_by), figures=figures, quotes=quotes,
                   archive={"file": f"crawl-{outlet}.warc.gz", "offset": 1200},
                   passages=[Passage(0, text, 0, len(text))])


def fill_index(data_dir) -> None:
    store = SqliteStore(data_dir / "index.db")
    for slug in CORPUS:
        store.upsert(build(slug), vectors=vector_for(slug)[None, :])
    store.close()


class ClinicEncoder:
    """Stands in for the embedding model: every query means what the clinic story says."""
    calls = 0

    def encode(self, texts):
        ClinicEncoder.calls += 1
        return np.stack([vector_for("clinic") for _ in texts])


def make_settings(data_dir):
    return load_settings(environ={}).with_data_dir(data_dir)


def make_app(settings, encoder=None):
    app = create_app(settings, encoder=encoder or ClinicEncoder())
    # Cheaper hashes keep the suite quick; the cost parameter is stored with each hash anyway.
    app.state.accounts.scrypt_n = 2 ** 10
    return app


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """An app over the small index, with a user and an API token per role. Read-only tests share it."""
    data_dir = tmp_path_factory.mktemp("web")
    fill_index(data_dir)
    app = make_app(make_settings(data_dir))
    accounts = app.state.accounts
    clients = {}
    for role in ("viewer", "analyst", "admin"):
        accounts.add_user(f"{role}1", PASSWORD, role=role)
        secret, _ = accounts.add_token(f"{role}1", "tests")
        clients[role] = TestClient(app, headers={"Authorization": f"Bearer {secret}"})
    clients["anonymous"] = TestClient(app)
    return app, clients


@pytest.fixture
def fresh(tmp_path):
    """An app of its own over the small index, for tests that change accounts or data."""
    fill_index(tmp_path)
    return make_app(make_settings(tmp_path))


def token_client(app, username: str, role: str = "viewer") -> TestClient:
    app.state.accounts.add_user(username, PASSWORD, role=role)
    secret, _ = app.state.accounts.add_token(username, "tests")
    return TestClient(app, headers={"Authorization": f"Bearer {secret}"})
