"""`advocacy alerts`: saved searches whose news reach a real SMTP server on 127.0.0.1 and an Atom feed that
feedparser reads, on a small index written for the purpose."""
import json
from functools import partial

import numpy as np
import pytest
from click.testing import CliRunner

feedparser = pytest.importorskip("feedparser")

from advocacy.alerts import add_alert, run_alerts  # noqa: E402
from tests.smtp_server import accept_only, free_port, smtp  # noqa: E402,F401  (smtp is a fixture)
from advocacy.article import Article, Passage, ThemeScore, article_id  # noqa: E402
from advocacy.cli import main  # noqa: E402
from advocacy.config import load_settings  # noqa: E402
from advocacy.index.sqlite import SqliteStore  # noqa: E402

HEALTH_QUERY = "theme:health AND (réfugiés OR refugees)"
COMMS, FIELD = "comms@ngo.example", "field@ngo.example"

# slug: (outlet, language, day, themes, title, text)
CORPUS = {
    "doctors": ("atlas", "en", "2024-01-03", ["health"], "Volunteer doctors treat refugees",
                "Volunteer doctors gave free consultations to refugees in Rabat, the UNHCR said."),
    "medecins": ("echo", "fr", "2024-01-10", ["health"], "Des médecins bénévoles soignent les réfugiés",
                 "À Oujda, la santé des réfugiés s'améliore grâce aux consultations gratuites."),
    "evictions": ("echo", "fr", "2024-02-20", ["housing"], "Des familles expulsées à Oujda",
                  "Des familles de migrants ont été expulsées de leurs logements."),
    "derby": ("atlas", "en", "2024-02-21", [], "Casablanca derby ends goalless",
              "The Casablanca derby ended without a goal on Sunday night."),
}
LATER = {
    "clinic": ("atlas", "en", "2024-03-01", ["health"], "A mobile clinic for refugee women",
               "The IOM runs a mobile clinic for refugees and migrant women in Tangier."),
    "harvest": ("atlas", "en", "2024-03-02", [], "Olive harvest begins in Taounate",
                "Farmers in Taounate started the olive harvest this week."),
}


def build(slug):
    outlet, language, day, themes, title, text = {**CORPUS, **LATER}[slug]
    url = f"https://{outlet}.test/{slug}"
    return Article(id=article_id(url), url=url, outlet=outlet, outlet_name=outlet.title(), country="MA",
                   language=language, title=title, text=text, published_at=f"{day}T09:00:00+00:00", stage="indexed",
                   themes=[ThemeScore(t, 0.9) for t in themes], passages=[Passage(0, text, 0, len(text))])


def index(data_dir, *slugs, vectors=None):
    store = SqliteStore(data_dir / "index.db")
    for slug in slugs:
        store.upsert(build(slug), None if vectors is None else vectors[slug].reshape(1, -1))
    store.close()


@pytest.fixture
def data_dir(tmp_path):
    directory = tmp_path / "data"
    index(directory, *CORPUS)
    return directory


def write_config(tmp_path, **alerts):
    path = tmp_path / "advocacy.toml"
    # JSON strings and numbers are valid TOML values.
    path.write_text("[alerts]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in alerts.items()),
                    encoding="utf-8")
    return path


def mail_config(tmp_path, port, **more):
    return write_config(tmp_path, smtp_host="127.0.0.1", smtp_port=port, sender="alerts@ngo.example",
                        smtp_timeout=5, **more)


def cli(config, data_dir, *args):
    return CliRunner().invoke(main, ["--config", str(config), "--data-dir", str(data_dir), *args],
                              catch_exceptions=False)


def listed(run):
    return {search["name"]: search for search in json.loads(run("alerts", "list", "--json").output)}


def bodies(message):
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def parse_feed(path):
    feed = feedparser.parse(path.read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


# -- add, list, remove ----------------------------------------------------------------------------------------

def test_add_list_and_remove(tmp_path, data_dir):
    run = partial(cli, write_config(tmp_path), data_dir)
    added = run("alerts", "add", "health", HEALTH_QUERY, "--email", COMMS, "--email", f" {FIELD} ", "--email", COMMS)
    assert added.exit_code == 0, added.output
    assert f"digests to {COMMS}, {FIELD}." in added.output
    assert "No mail server is configured yet" in added.output             # said at once, not at the first run
    assert run("alerts", "add", "care", "medical care", "--mode", "hybrid").exit_code == 0

    searches = listed(run)
    assert list(searches) == ["care", "health"]
    assert searches["health"]["emails"] == [COMMS, FIELD] and searches["health"]["mode"] == "keyword"
    assert searches["health"]["delivered_until"] is None and searches["care"]["emails"] == []
    assert searches["health"]["feed"] == str(data_dir / "feeds" / "health.xml")
    table = run("alerts", "list").output
    assert "health  (keyword)  " + HEALTH_QUERY in table and "no email: feed only" in table

    taken = run("alerts", "add", "health", "refugees")
    assert taken.exit_code == 1 and "exists already" in taken.output
    removed = run("alerts", "remove", "care")
    assert removed.exit_code == 0 and list(listed(run)) == ["health"]
    missing = run("alerts", "remove", "care")
    assert missing.exit_code == 1 and "no saved search named 'care'" in missing.output


@pytest.mark.parametrize("args, message", [
    (["broken", "(refugees AND"], "cannot read the query “(refugees AND” at position 10"),
    (["broken", 'theme:health "unclosed'], "unclosed quote"),
    (["broken", "refugees", "--email", "comms.ngo.example"], "'comms.ngo.example' is not an email address"),
    (["broken", "refugees", "--email", COMMS, "--email", "field@ngo"], "ngo is not a domain name"),
    (["Santé", "refugees"], "cannot name a saved search"),
    (["../../etc/passwd", "refugees"], "cannot name a saved search"),
])
def test_a_bad_search_is_refused_at_add_in_one_line(tmp_path, data_dir, args, message):
    run = partial(cli, write_config(tmp_path), data_dir)
    refused = run("alerts", "add", *args)
    assert refused.exit_code == 1
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in refused.output
    assert listed(run) == {}


# -- run ------------------------------------------------------------------------------------------------------

def test_the_digest_and_feed_carry_what_is_new_and_only_that(tmp_path, data_dir, smtp):
    controller, mailbox = smtp()
    run = partial(cli, mail_config(tmp_path, controller.port), data_dir)
    run("alerts", "add", "health", HEALTH_QUERY, "--email", COMMS, "--email", FIELD)
    run("alerts", "add", "housing", "theme:housing")            # a feed, no email

    first = run("alerts", "run")
    assert first.exit_code == 0, first.output
    assert f"health: 2 new articles\n  digest sent to {COMMS}, {FIELD}" in first.output
    health_feed, housing_feed = data_dir / "feeds" / "health.xml", data_dir / "feeds" / "housing.xml"
    assert f"feed {health_feed}" in first.output and f"feed {housing_feed}" in first.output

    assert len(mailbox.envelopes) == 1                         # one digest per search with news and recipients
    assert mailbox.envelopes[0].mail_from == "alerts@ngo.example"
    assert mailbox.envelopes[0].rcpt_tos == [COMMS, FIELD]
    digest = mailbox.received(0)
    assert digest["Subject"] == "health: 2 new articles"
    text, html = bodies(digest)
    for slug in ("doctors", "medecins"):
        assert build(slug).title in text and build(slug).url in html
    assert build("evictions").title not in text
    assert "Everything indexed so far" in text and "<mark>" in html

    feed = parse_feed(health_feed)
    assert feed.feed.title == "Advocacy Monitor: health"
    assert [entry.title for entry in feed.entries] == [build("medecins").title, build("doctors").title]  # newest first
    entry = feed.entries[0]
    assert entry.link == build("medecins").url and entry.published.startswith("2024-01-10")
    assert "réfugiés" in entry.summary and "**" not in entry.summary
    assert [e.title for e in parse_feed(housing_feed).entries] == [build("evictions").title]
    marks = listed(run)
    assert marks["health"]["delivered_until"] and marks["health"]["last_error"] == ""

    # Nothing indexed since: nothing sent, feeds left as they were.
    feed_bytes = health_feed.read_bytes()
    second = run("alerts", "run")
    assert second.exit_code == 0 and second.output.count("nothing new") == 2
    assert len(mailbox.envelopes) == 1 and health_feed.read_bytes() == feed_bytes

    # A matching article and an unrelated one are indexed: the next digest holds the first alone.
    index(data_dir, "clinic", "harvest")
    third = run("alerts", "run")
    assert third.exit_code == 0, third.output
    assert "health: 1 new article\n" in third.output and "housing: nothing new" in third.output
    assert len(mailbox.envelopes) == 2
    digest = mailbox.received(1)
    assert digest["Subject"] == "health: 1 new article"
    text, _ = bodies(digest)
    assert build("clinic").title in text and "Indexed since" in text
    assert build("doctors").title not in text and build("harvest").title not in text
    assert [e.title for e in parse_feed(health_feed).entries] == [
        build("clinic").title, build("medecins").title, build("doctors").title]


def test_a_failed_delivery_keeps_the_mark_and_the_next_run_sends_it(tmp_path, data_dir, smtp):
    port = free_port()                                          # nothing listens there yet
    run = partial(cli, mail_config(tmp_path, port), data_dir)
    run("alerts", "add", "health", HEALTH_QUERY, "--email", COMMS)
    run("alerts", "add", "housing", "theme:housing")

    failed = run("alerts", "run")
    assert failed.exit_code == 1
    assert f"digest not sent: cannot reach the mail server 127.0.0.1:{port}: connection refused" in failed.output
    assert "1 digest not delivered (health); the next run sends it" in failed.output
    marks = listed(run)
    assert marks["health"]["delivered_until"] is None
    assert marks["health"]["last_error"].startswith("cannot reach the mail server")
    assert marks["housing"]["delivered_until"]                   # the feed-only search was delivered
    assert "last run could not deliver: cannot reach" in run("alerts", "list").output
    assert len(parse_feed(data_dir / "feeds" / "health.xml").entries) == 2

    _, mailbox = smtp(port=port)                                # the mail server is back
    retried = run("alerts", "run")
    assert retried.exit_code == 0, retried.output
    assert len(mailbox.envelopes) == 1 and mailbox.received(0)["Subject"] == "health: 2 new articles"
    marks = listed(run)
    assert marks["health"]["delivered_until"] and marks["health"]["last_error"] == ""
    assert len(parse_feed(data_dir / "feeds" / "health.xml").entries) == 2   # the same two, not repeated


def test_without_a_mail_server_only_feeds_are_delivered(tmp_path, data_dir):
    run = partial(cli, write_config(tmp_path), data_dir)
    run("alerts", "add", "health", HEALTH_QUERY, "--email", COMMS)
    run("alerts", "add", "housing", "theme:housing")
    result = run("alerts", "run")
    assert result.exit_code == 1
    assert "digest not sent: no mail server is configured: set alerts.smtp_host and alerts.sender" in result.output
    marks = listed(run)
    assert marks["health"]["delivered_until"] is None and marks["housing"]["delivered_until"]


def test_a_partly_refused_digest_counts_as_sent(tmp_path, data_dir, smtp):
    controller, mailbox = smtp(refuse={FIELD})
    run = partial(cli, mail_config(tmp_path, controller.port), data_dir)
    run("alerts", "add", "health", HEALTH_QUERY, "--email", COMMS, "--email", FIELD)
    result = run("alerts", "run")
    # Sending it again would give comms@ a second copy: the mark moves on, the refusal is reported.
    assert result.exit_code == 0, result.output
    assert "the mail server refused recipient field@ngo.example; the others accepted" in result.output
    assert mailbox.envelopes[0].rcpt_tos == [COMMS]
    assert listed(run)["health"]["delivered_until"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_the_login_password_comes_from_the_named_environment_variable(tmp_path, data_dir, smtp, monkeypatch):
    accept = accept_only("digest", "s3cret")

    # Plain-text AUTH is allowed here only because the test server is on loopback.
    controller, mailbox = smtp(authenticator=accept, auth_require_tls=False, auth_required=True)
    run = partial(cli, mail_config(tmp_path, controller.port, smtp_username="digest",
                                   smtp_password_env="ALERTS_TEST_SMTP_PASSWORD"), data_dir)
    run("alerts", "add", "health", HEALTH_QUERY, "--email", COMMS)
    monkeypatch.delenv("ALERTS_TEST_SMTP_PASSWORD", raising=False)
    unset = run("alerts", "run")
    assert unset.exit_code == 1 and "environment variable ALERTS_TEST_SMTP_PASSWORD" in unset.output
    monkeypatch.setenv("ALERTS_TEST_SMTP_PASSWORD", "s3cret")
    assert run("alerts", "run").exit_code == 0 and len(mailbox.envelopes) == 1


def test_a_dry_run_sends_writes_and_marks_nothing(tmp_path, data_dir, smtp):
    controller, mailbox = smtp()
    run = partial(cli, mail_config(tmp_path, controller.port), data_dir)
    run("alerts", "add", "health", HEALTH_QUERY, "--email", COMMS)
    dry = run("alerts", "run", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert build("doctors").title in dry.output and f"would go to {COMMS}" in dry.output
    assert "Dry run: nothing was sent, written or marked." in dry.output
    assert mailbox.envelopes == [] and not (data_dir / "feeds").exists()
    assert listed(run)["health"]["delivered_until"] is None


def test_run_one_search_by_name(tmp_path, data_dir):
    run = partial(cli, write_config(tmp_path), data_dir)
    run("alerts", "add", "health", HEALTH_QUERY)
    run("alerts", "add", "housing", "theme:housing")
    one = run("alerts", "run", "housing")
    assert one.exit_code == 0 and "housing: 1 new article" in one.output and "health" not in one.output
    marks = listed(run)
    assert marks["housing"]["delivered_until"] and marks["health"]["delivered_until"] is None
    unknown = run("alerts", "run", "nope")
    assert unknown.exit_code == 1 and "no saved search named 'nope'" in unknown.output


def test_a_bad_mail_setting_names_the_key(tmp_path, data_dir):
    run = partial(cli, write_config(tmp_path, smtp_security="tls"), data_dir)
    result = run("alerts", "run")
    assert result.exit_code == 1 and "alerts.smtp_security must be one of none, starttls, ssl" in result.output


# -- by meaning -----------------------------------------------------------------------------------------------

def unit(*values):
    vector = np.array(values + (0.0,) * (4 - len(values)), dtype=np.float32)
    return vector / np.linalg.norm(vector)


class PointingEncoder:
    """Embeds every query in one known direction, so that similarities are known without a model."""

    def __init__(self, direction):
        self.direction = direction

    def encode(self, texts):
        return np.stack([self.direction] * len(texts))


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_semantic_and_hybrid_searches_alert_on_close_articles_only(tmp_path, mode):
    data_dir = tmp_path / "data"
    directions = {"doctors": unit(1.0, 0.0), "evictions": unit(0.0, 1.0), "clinic": unit(0.9, 0.1),
                  "harvest": unit(0.1, 0.9)}
    index(data_dir, "doctors", "evictions", vectors=directions)
    settings = load_settings(write_config(tmp_path), environ={}).with_data_dir(data_dir)
    add_alert(settings, "care", "medical care", mode=mode)       # words found in no article: by meaning only
    encoder = PointingEncoder(unit(1.0, 0.05))

    first, = run_alerts(settings, encoder=encoder)
    assert (first.new, [hit.id for hit in first.hits]) == (1, [build("doctors").id])
    index(data_dir, "clinic", "harvest", vectors=directions)
    second, = run_alerts(settings, encoder=encoder)
    assert (second.new, [hit.id for hit in second.hits]) == (1, [build("clinic").id])
    assert run_alerts(settings, encoder=encoder)[0].new == 0
