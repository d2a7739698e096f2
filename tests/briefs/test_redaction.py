"""Do no harm: private people's names are withheld from what a brief quotes, officials' names are kept."""
from __future__ import annotations

import pytest

from advocacy.article import Article, Entity, ThemeScore, article_id
from advocacy.briefs.errors import BriefError
from advocacy.briefs.evidence import Citations, select_evidence
from advocacy.briefs.redaction import (RedactionPolicy, count_redactions, is_public, policy_from_settings, redact,
                                       redact_article_text, redact_texts)
from advocacy.index import SearchFilters
from advocacy.index.sqlite import SqliteStore
from tests.briefs.articles import paragraph_passages


def person(slug, name, *mentions):
    return Entity(f"person:{slug}", name, "person", list(mentions) or [name], count=len(mentions) or 1)


AMINATA = person("aminata-diallo", "Aminata Diallo", "Aminata Diallo", "Diallo")
BENALI = person("karim-benali", "Karim Benali", "Karim Benali", "Benali")
LAFTIT = person("abdelouafi-laftit", "Abdelouafi Laftit")
ORGANISATIONS = ["Oujda Migrants Collective", "AMDH", "GADEM"]


def redacted(text, *people, language="en", policy=None, context=None):
    return redact(text, people=people, language=language, context=context, organisations=ORGANISATIONS,
                  policy=policy)


# --- English ---------------------------------------------------------------------------------------------

def test_a_migrant_named_with_age_and_origin_becomes_a_description():
    result = redacted("Aminata Diallo, 24, from Guinea, said she was turned away at the emergency desk.", AMINATA)
    assert result.text == "A 24-year-old woman from Guinea said she was turned away at the emergency desk."
    assert result.count == 1 and result.people == ["person:aminata-diallo"]


def test_a_later_surname_alone_is_withheld_too():
    text = ("Aminata Diallo, 24, from Guinea, waited six hours. Diallo said the guard asked for her papers. "
            "Aminata went home.")
    result = redacted(text, AMINATA)
    assert "Diallo" not in result.text and "Aminata" not in result.text
    assert result.text == ("A 24-year-old woman from Guinea waited six hours. [Name withheld] said the guard "
                           "asked for her papers. [Name withheld] went home.")
    assert result.count == 3


def test_a_passage_without_the_description_gets_the_marker_and_the_role_is_read_from_the_article():
    article_text = ("Aminata Diallo, a 24-year-old refugee from Guinea, arrived in Oujda in March.\n\n"
                    "Diallo says the clinic refused her twice.")
    result = redacted("Diallo says the clinic refused her twice.", AMINATA, context=article_text)
    assert result.text == "[Name withheld] says the clinic refused her twice."
    first = redacted("Aminata Diallo, a 24-year-old refugee from Guinea, arrived in Oujda in March.", AMINATA)
    assert first.text == "A 24-year-old refugee from Guinea arrived in Oujda in March."


def test_spokespeople_and_ministers_keep_their_names():
    text = ("\"Refusals are rising,\" said Karim Benali, spokesperson for the Oujda Migrants Collective. "
            "Benali added that the interior minister, Abdelouafi Laftit, had not answered.")
    result = redacted(text, BENALI, LAFTIT)
    assert result.text == text and result.count == 0
    assert is_public(LAFTIT, "Minister Abdelouafi Laftit visited the camp.")


def test_a_lawyer_speaking_for_an_organisation_is_public_a_lawyer_alone_is_not():
    tazi = person("amina-tazi", "Amina Tazi")
    assert redacted("Amina Tazi, a lawyer with the AMDH, said detainees had no interpreter.", tazi).count == 0
    assert redacted("Amina Tazi, a lawyer, said she had lost her papers.", tazi).count == 1


def test_a_person_given_no_role_is_withheld_when_in_doubt():
    sow = person("mamadou-sow", "Mamadou Sow", "Mamadou Sow", "Sow")
    result = redacted("Mamadou Sow said the bus left without him. Sow walked to Nador.", sow)
    assert result.text == "[Name withheld] said the bus left without him. [Name withheld] walked to Nador."


def test_the_allow_list_keeps_a_name():
    text = "Aminata Diallo, 24, from Guinea, asked to be named. Diallo leads a women's group."
    result = redacted(text, AMINATA, policy=RedactionPolicy(allow=("aminata diallo",)))
    assert result.text == text and result.count == 0


def test_a_health_detail_beside_a_private_name_is_withheld_even_with_redaction_off():
    off = RedactionPolicy(enabled=False)
    pregnant = "Aminata Diallo, who is pregnant, was refused care. Diallo was later hospitalised."
    result = redacted(pregnant, AMINATA, policy=off)
    assert "Diallo" not in result.text and result.count == 2
    # Off, a private name with no health detail stays; the allow-list lifts even the health rule.
    assert redacted("Aminata Diallo waited six hours.", AMINATA, policy=off).count == 0
    allowed = RedactionPolicy(enabled=False, allow=("Aminata Diallo",))
    assert redacted(pregnant, AMINATA, policy=allowed).text == pregnant


def test_a_health_detail_does_not_hide_an_official():
    text = "Abdelouafi Laftit, the interior minister, said tuberculosis cases were treated free of charge."
    assert redacted(text, LAFTIT, policy=RedactionPolicy(enabled=False)).text == text


def test_text_without_people_is_unchanged():
    text = "Refugees living in Rabat say public hospitals have turned them away. The HIV clinic is full."
    assert redact(text, people=[], language="en").text == text
    assert redacted(text, AMINATA).text == text and redacted(text, AMINATA).count == 0


# --- French ----------------------------------------------------------------------------------------------

def test_french_migrant_with_age_and_origin_becomes_a_description():
    text = ("Aminata Diallo, 24 ans, originaire de Guinée, raconte qu'elle a été refoulée. "
            "Diallo a attendu six heures.")
    result = redacted(text, AMINATA, language="fr")
    assert result.text == ("Une femme de 24 ans originaire de Guinée raconte qu'elle a été refoulée. "
                           "[Nom masqué] a attendu six heures.")
    assert result.count == 2


def test_french_elided_names_are_withheld():
    text = "Le frère d'Aminata Diallo, 24 ans, dit qu'Aminata a peur. Le récit d'Aminata est confirmé."
    result = redacted(text, AMINATA, language="fr")
    assert "Aminata" not in result.text and "Diallo" not in result.text
    assert result.text.startswith("Le frère d'une personne de 24 ans dit qu'[nom masqué] a peur.")


def test_a_role_in_a_relative_clause_belongs_to_someone_else():
    text = "Aminata Diallo, whose lawyer is the director of the AMDH clinic, is still waiting."
    assert redacted(text, AMINATA).count == 1


def test_french_spokesperson_minister_and_association_member_are_kept():
    rachidi = person("hicham-rachidi", "Hicham Rachidi", "Hicham Rachidi", "Rachidi")
    naji = person("omar-naji", "Omar Naji")
    text = ("« Les refus augmentent », a déclaré Hicham Rachidi, secrétaire général du GADEM. Selon Omar Naji, "
            "de l'AMDH, le ministre de l'Intérieur Abdelouafi Laftit n'a pas répondu. Rachidi demande une enquête.")
    result = redacted(text, rachidi, naji, LAFTIT, language="fr")
    assert result.text == text and result.count == 0


def test_french_health_detail_and_private_migrant():
    traore = person("awa-traore", "Awa Traoré", "Mme Awa Traoré", "Traoré")
    moussa = person("moussa", "Moussa")
    text = ("Mme Awa Traoré, enceinte de sept mois, a été hospitalisée. Traoré n'avait pas de papiers. "
            "Moussa, un migrant malien de 19 ans, l'accompagnait.")
    result = redacted(text, traore, moussa, language="fr", policy=RedactionPolicy(enabled=False))
    assert "Traoré" not in result.text and "Moussa" not in result.text
    assert result.text == ("[Nom masqué], enceinte de sept mois, a été hospitalisée. [Nom masqué] n'avait pas "
                           "de papiers. Un migrant malien de 19 ans l'accompagnait.")


def test_arabic_names_from_the_people_finder_are_withheld_officials_kept():
    minister = person("laftit-ar", "عبد الوافي لفتيت")
    fatima = person("fatima-ar", "فاطمة كمارا")
    text = "قال الوزير عبد الوافي لفتيت إن القانون يطبق. وقالت فاطمة كمارا إنها حامل."
    result = redact(text, people=[minister, fatima], language="ar")
    assert result.text == "قال الوزير عبد الوافي لفتيت إن القانون يطبق. وقالت [الاسم محجوب] إنها حامل."


# --- policy and placement in briefs ----------------------------------------------------------------------

def test_policy_from_settings():
    assert policy_from_settings(redact=True, allow=[]) == RedactionPolicy()
    assert policy_from_settings(redact=False, allow="Aminata Diallo, Karim Benali").allow == (
        "Aminata Diallo", "Karim Benali")
    with pytest.raises(BriefError, match="briefs.redaction_allow"):
        policy_from_settings(redact=True, allow=[3])


def article_with(text, *entities, language="en"):
    url = f"https://tribune.test/news/{abs(hash(text))}.html"
    passages = paragraph_passages(text)
    return Article(id=article_id(url), url=url, canonical_url=url, outlet="tribune", outlet_name="The Rabat Tribune",
                   country="MA", title="Refused at the hospital", text=text, published_at="2024-05-02T08:30:00+00:00",
                   published_at_source="page-metadata", fetched_at="2024-05-20T10:00:00+00:00", language=language,
                   content_hash=f"hash-{abs(hash(text))}", archive={"file": "crawl.warc.gz", "offset": 1},
                   themes=[ThemeScore("health", 0.9, passages=[1])], entities=list(entities), passages=passages,
                   stage="indexed")


HOSPITAL_STORY = ("Hospitals in Oujda turn migrants away, the Oujda Migrants Collective says.\n\n"
                  "Aminata Diallo, 24, from Guinea, said she was refused care while pregnant. Diallo waited six "
                  "hours. Karim Benali, spokesperson for the Oujda Migrants Collective, said refusals were rising.")


def test_redact_article_text_and_redact_texts_use_the_articles_people():
    article = article_with(HOSPITAL_STORY, AMINATA, BENALI,
                           Entity("org:omc", "Oujda Migrants Collective", "organisation",
                                  ["Oujda Migrants Collective"]))
    result = redact_article_text(article.passages[1].text, article)
    assert result.text.startswith("A 24-year-old woman from Guinea said she was refused care")
    assert "Karim Benali, spokesperson" in result.text and result.count == 2
    texts, count = redact_texts(["Diallo waited six hours.", "Aminata Diallo"], article)
    assert texts == ["[Name withheld] waited six hours.", "[Name withheld]"] and count == 2


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "index.sqlite")
    store.upsert(article_with(HOSPITAL_STORY, AMINATA, BENALI))
    yield store
    store.close()


def test_every_excerpt_a_brief_selects_is_redacted_and_counted(store):
    _, [item] = select_evidence(store, theme="health", filters=SearchFilters(), per_theme=3, citations=Citations())
    assert "Aminata" not in item.passage and "Diallo" not in item.passage
    assert "Karim Benali" in item.passage and item.redactions == 2
    assert item.verbatim == HOSPITAL_STORY.split("\n\n")[1]
    assert count_redactions([[item]]) == 2

    _, [kept] = select_evidence(store, theme="health", filters=SearchFilters(), per_theme=3, citations=Citations(),
                                redaction=RedactionPolicy(allow=("Aminata Diallo",)))
    assert kept.passage == kept.verbatim and kept.redactions == 0


def test_a_title_before_someone_else_is_not_borrowed():
    text = "Minister Abdelouafi Laftit and Aminata Diallo met in Oujda."
    result = redacted(text, LAFTIT, AMINATA)
    assert result.text == "Minister Abdelouafi Laftit and [name withheld] met in Oujda."


# -- the brief command ----------------------------------------------------------------------------------------

STORY = ("Evictions in Oujda left 40 families without shelter last week, associations said.\n\n"
         "\"We slept in the park for three nights,\" said Moussa Keita, 29, from Mali. "
         "Keita and his neighbours had paid their rent until March.")


def test_the_brief_withholds_private_names_by_default_and_says_how_many(tmp_path):
    from click.testing import CliRunner

    from advocacy.article import Entity
    from advocacy.cli import main
    from advocacy.index.sqlite import SqliteStore
    from tests.briefs.test_verification import figure, make_article, quote

    said = STORY.split("\n\n")[1].split(" Keita and")[0]
    article = make_article("r1", "tribune", "The Rabat Tribune", STORY,
                           quotes=[quote(STORY, "We slept in the park for three nights,", "Moussa Keita", said)],
                           figures=[figure(STORY, "40 families", 40.0, "families", STORY.split("\n\n")[0])])
    article.entities = [Entity("person:moussa-keita", "Moussa Keita", "person", count=2,
                               mentions=["Moussa Keita", "Keita"])]
    store = SqliteStore(tmp_path / "index.db")
    store.upsert(article)
    store.close()

    def brief(env=None):
        result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "brief", "policy-paper", "--theme", "health",
                                           "--out", str(tmp_path / "paper.md")], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout, (tmp_path / "paper.md").read_text(encoding="utf-8")

    output, paper = brief()
    assert "Withheld" in output and "names of private individuals" in output
    assert "Keita" not in paper and "Moussa" not in paper
    assert "We slept in the park for three nights" in paper  # the quote stays, its speaker does not
    output, paper = brief(env={"ADVOCACY_BRIEFS_REDACTION_ALLOW": "Moussa Keita"})
    assert "Withheld" not in output and "Moussa Keita" in paper


# --- places and roles the people finder or the role reading used to miss ----------------------------------------

def test_a_place_taken_for_a_person_is_not_withheld():
    khartoum = person("khartoum", "Khartoum")
    text = '"In Khartoum I was a student. In Morocco I wanted to learn a trade," he said.'
    assert redacted(text, khartoum).text == text
    sania = person("sania-ramel", "Sania Ramel")
    text = "Dans l'atelier du centre de formation du quartier Sania Ramel, des stagiaires soudent des tuyaux."
    assert redacted(text, sania, language="fr").text == text
    # Spoken to, not lived in: "à" before a name does not make it a place.
    text = "J'ai parlé à Aminata Diallo, 24 ans, réfugiée guinéenne."
    assert "Aminata" not in redacted(text, AMINATA, language="fr").text


def test_a_person_named_in_a_place_and_elsewhere_is_still_withheld():
    text = "Aminata Diallo, 24, from Guinea, lives in Oujda. In Diallo's street, nobody has papers."
    assert "Diallo" not in redacted(text, AMINATA).text


def test_an_agency_officer_described_by_a_relative_clause_keeps_the_name():
    youssef = person("youssef-benkirane", "Youssef Benkirane")
    text = ('"Each of these students is a future engineer," said Youssef Benkirane, who follows education '
            "programmes at UNHCR's office in Rabat.")
    assert redact(text, people=[youssef], organisations=["UNHCR"]).text == text
    # A relative clause about someone else's role still gives the person no role.
    text = "Youssef Benkirane, whose lawyer works for UNHCR, was detained."
    assert "Benkirane" not in redact(text, people=[youssef], organisations=["UNHCR"]).text


def test_french_officers_charged_with_a_programme_and_lawyers_for_the_parties_keep_their_names():
    sophie = person("sophie-raharison", "Sophie Raharison")
    text = "« Ils reprennent le contrôle de leur vie », estime Sophie Raharison, chargée de l'éducation au bureau du HCR."
    assert redact(text, people=[sophie], language="fr", organisations=["HCR"]).text == text
    houda = person("houda-lamrani", "Houda Lamrani")
    text = "« C'est une avancée majeure », salue Me Houda Lamrani, avocate de huit des parties civiles."
    assert redact(text, people=[houda], language="fr").text == text
    text = "« C'est une avancée », salue Houda Lamrani, avocate de huit des parties civiles."
    assert redact(text, people=[houda], language="fr").text == text
    # A lawyer with neither clients nor organisation stays private, as before.
    text = "Houda Lamrani, avocate, dit avoir été refoulée à l'hôpital."
    assert "Lamrani" not in redact(text, people=[houda], language="fr").text


def test_an_office_before_the_name_counts_even_when_a_relative_clause_follows():
    haidara = person("ibrahim-haidara", "Ibrahim Haïdara")
    text = ("« C'est une injustice qui se répare ici », explique le juge Ibrahim Haïdara, qui a présidé les "
            "audiences.")
    assert redacted(text, haidara, language="fr").count == 0
    okafor = person("mary-okafor", "Mary Okafor")
    assert redacted("\"We sat for five days,\" said Judge Mary Okafor, who chaired the hearings.", okafor).count == 0
    # The relative clause still tells a private person apart, whatever precedes the name.
    assert redacted("Mary Okafor, who is a refugee from Nigeria, said the hearing was short.", okafor).count == 1
    assert redacted("Sa voisine, Awa Keïta, qui est enceinte, attend depuis mars.",
                    person("awa-keita", "Awa Keïta"), language="fr").count == 1


def test_arabic_roles_after_the_name_and_lawyers_of_a_network_are_public():
    amal = person("amal-benali", "أمل بنعلي")
    kept = "وقالت أمل بنعلي، المسؤولة عن برنامج الهجرة لدى أوكسفام بالمغرب، إن العمل مستمر."
    assert redacted(kept, amal, language="ar").count == 0
    lawyer = "وقال المحامي أمل بنعلي، الذي يؤازر المهاجرين في إطار شبكة تضامن سوس، إن الشبكة رفعت 11 دعوى."
    assert redacted(lawyer, amal, language="ar").count == 0
    alone = "وقال المحامي أمل بنعلي إن موكله ما زال محتجزا."
    assert redacted(alone, amal, language="ar").count == 1


def test_a_nationality_or_a_place_taken_for_a_person_is_not_withheld():
    from advocacy.briefs.redaction import redact_article_text

    text = "Un Ivoirien de 27 ans, aujourd'hui électricien à Tanger, raconte son parcours."
    url = "http://echo.test/ivoirien"
    article = Article(id=article_id(url), url=url, outlet="echo", outlet_name="L'Écho", country="MA", title="T",
                      text=text, language="fr", entities=[
                          person("ivoirien", "Ivoirien"), person("tanger", "Tanger"),
                          Entity("place:tangier", "Tangier", "place", ["Tanger"], 1)])
    assert redact_article_text(text, article).text == text
