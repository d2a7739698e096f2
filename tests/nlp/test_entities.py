import pytest

from advocacy.nlp.entities import EntityFinder, load_gazetteer, parse_gazetteer
from advocacy.nlp.errors import TaxonomyError


@pytest.fixture(scope="module")
def finder():
    return EntityFinder(load_gazetteer())


def _ids(entities):
    return {entity.id for entity in entities}


def _by_id(entities):
    return {entity.id: entity for entity in entities}


# --- one canonical id whatever the language -----------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("UNHCR staff registered new arrivals in Rabat on Monday.", "org:unhcr"),
    ("Le HCR a enregistré de nouveaux arrivants à Rabat lundi.", "org:unhcr"),
    ("Selon le Haut-Commissariat aux réfugiés, les arrivées ont doublé.", "org:unhcr"),
    ("سجلت المفوضية السامية للأمم المتحدة لشؤون اللاجئين وافدين جددا في الرباط.", "org:unhcr"),
    ("The IOM chartered a flight from Casablanca to Bamako.", "org:iom"),
    ("L'OIM a affrété un vol de Casablanca vers Bamako.", "org:iom"),
    ("نظمت المنظمة الدولية للهجرة رحلة من الدار البيضاء إلى باماكو.", "org:iom"),
    ("Police dismantled a camp near Oujda at dawn.", "place:oujda"),
    ("فككت السلطات مخيما قرب وجدة فجر اليوم.", "place:oujda"),
    ("Des migrants ont été déplacés de force depuis Tanger.", "place:tanger"),
    ("Migrants were forcibly moved from Tangier to the south.", "place:tanger"),
    ("نقلت السلطات المهاجرين قسرا من طنجة نحو الجنوب.", "place:tanger"),
])
def test_aliases_in_three_languages_resolve_to_one_id(finder, text, expected):
    assert expected in _ids(finder.find(text))


def test_the_same_organisation_in_several_languages_is_one_entity(finder):
    text = ("Le HCR et l'UNHCR sont la même agence. "
            "المفوضية السامية للأمم المتحدة لشؤون اللاجئين هي أيضا نفس الوكالة.")
    unhcr = [e for e in finder.find(text) if e.id == "org:unhcr"]
    assert len(unhcr) == 1
    assert unhcr[0].name == "UNHCR"
    assert unhcr[0].type == "organisation"
    assert unhcr[0].count == 3
    assert set(unhcr[0].mentions) == {"HCR", "UNHCR", "المفوضية السامية للأمم المتحدة لشؤون اللاجئين"}


def test_tanger_spellings_are_one_place(finder):
    found = _by_id(finder.find("Tanger, Tangier or طنجة: the port city is a hub for departures to Spain."))
    tanger = found["place:tanger"]
    assert tanger.type == "place"
    assert tanger.count == 3
    assert set(tanger.mentions) == {"Tanger", "Tangier", "طنجة"}


def test_counts_and_mentions_of_a_french_article(finder):
    text = ("Le HCR et l’OIM ont rencontré lundi des demandeurs d’asile à Oujda. "
            "Selon le HCR, plus de 300 personnes attendent un rendez-vous à Oujda, "
            "tandis que l’OIM prépare des retours volontaires vers Bamako.")
    found = _by_id(finder.find(text))
    assert found["org:unhcr"].count == 2
    assert found["org:unhcr"].mentions == ["HCR"]
    assert found["org:iom"].count == 2
    assert found["org:iom"].mentions == ["OIM"]
    assert found["place:oujda"].count == 2
    assert found["place:oujda"].mentions == ["Oujda"]
    assert found["place:bamako"].count == 1
    assert found["pop:asylum_seekers"].count == 1
    assert found["pop:asylum_seekers"].type == "population"


def test_entities_are_sorted_by_count_then_id(finder):
    text = "Oujda, Oujda, Oujda. Le HCR, le HCR. L'OIM. Tanger."
    entities = finder.find(text)
    assert [(e.id, e.count) for e in entities] == [
        ("place:oujda", 3), ("org:unhcr", 2), ("org:iom", 1), ("place:tanger", 1)]


def test_no_entities_in_unrelated_text(finder):
    assert finder.find("Wydad beat Raja two goals to one in Sunday's derby.") == []
    assert finder.find("") == []


# --- population groups -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Asylum seekers waited for hours outside the office.",
    "Two asylum-seekers from Sudan were registered.",
    "Des demandeurs d'asile attendent depuis des mois.",
    "Des demandeurs d’asile attendent depuis des mois.",  # typographic apostrophe
    "Trois demandeuses d'asile ivoiriennes ont témoigné.",
    "تحدثت الجمعية إلى طالبي اللجوء في الرباط.",
    "استقبلت الجمعية طالب لجوء من السودان.",
])
def test_asylum_seekers_are_found_in_every_language(finder, text):
    found = _by_id(finder.find(text))
    assert found["pop:asylum_seekers"].count == 1
    assert found["pop:asylum_seekers"].name == "Asylum seekers"


def test_asylum_is_not_an_asylum_seeker(finder):
    assert "pop:asylum_seekers" not in _ids(finder.find("Morocco's new asylum law is still awaited."))


# --- acronyms are case-sensitive -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Il a eu peur quand la police est arrivée.",
    "Elle a eu un rendez-vous à la préfecture de Rabat.",
    "Ils n'ont pas eu de réponse du consulat.",
])
def test_the_french_participle_eu_is_not_the_european_union(finder, text):
    assert "org:eu" not in _ids(finder.find(text))


def test_the_acronym_eu_in_capitals_is_the_european_union(finder):
    found = _by_id(finder.find("The EU funds border control in Morocco. L'UE finance aussi des centres d'accueil."))
    assert found["org:eu"].count == 2
    assert set(found["org:eu"].mentions) == {"EU", "UE"}


def test_lower_case_who_is_not_the_world_health_organization(finder):
    assert "org:who" not in _ids(finder.find("Migrants who were injured at the fence were treated."))
    assert "org:who" in _ids(finder.find("WHO praised the vaccination campaign for migrants in Mali."))


def test_an_acronym_inside_a_longer_word_is_not_matched(finder):
    ids = _ids(finder.find("The UNHCRX database and the HCRs forms were unrelated codes."))
    assert "org:unhcr" not in ids


# --- Arabic attached prefixes -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("قدمت المنظمة الدولية للهجرة مساعدات للمفوضية في المدينة.", "org:unhcr"),
    ("وقالت المفوضية إن الوضع صعب.", "org:unhcr"),
    ("وصل المهاجرون إلى وجدة ثم غادروا بوجدة القديمة.", "place:oujda"),
    ("يعيش المهاجرون في طنجة ووجدة.", "place:oujda"),
])
def test_arabic_prefixes_before_an_alias_are_accepted(finder, text, expected):
    assert expected in _ids(finder.find(text))


def test_prefixed_arabic_mentions_are_counted(finder):
    text = "التقى ممثل للمفوضية بالمهاجرين في وجدة، ثم عاد إلى وجدة. وأكدت المفوضية ذلك."
    found = _by_id(finder.find(text))
    assert found["org:unhcr"].count == 2
    assert found["place:oujda"].count == 2


# --- gazetteer files --------------------------------------------------------------------------------------

GAZETTEER = """
[[organisation]]
id = "org:amdh"
name = "AMDH"
aliases = ["AMDH", "Association marocaine des droits humains", "الجمعية المغربية لحقوق الإنسان"]

[[place]]
id = "place:gao"
name = "Gao"
kind = "city"
country = "ML"
aliases = ["Gao", "غاو"]

[[place]]
id = "place:kidal"
name = "Kidal"

[[population]]
id = "pop:returnees"
name = "Returnees"
terms = { en = ["returnee*"], fr = ["rapatrié*"] }
"""


def test_custom_gazetteer_entries_and_attributes():
    entries = {e.id: e for e in parse_gazetteer(GAZETTEER, origin="mine.toml")}
    assert list(entries) == ["org:amdh", "place:gao", "place:kidal", "pop:returnees"]
    assert entries["org:amdh"].type == "organisation"
    assert entries["place:gao"].attributes == {"kind": "city", "country": "ML"}
    # An entry without aliases is found by its name.
    assert entries["place:kidal"].aliases == ["Kidal"]
    # Population terms of all languages become aliases.
    assert entries["pop:returnees"].aliases == ["returnee*", "rapatrié*"]


def test_custom_gazetteer_finds_its_entries(tmp_path):
    path = tmp_path / "gazetteer.toml"
    path.write_text(GAZETTEER, encoding="utf-8")
    finder = EntityFinder(load_gazetteer(path))
    text = "L'AMDH a rencontré à Gao des rapatriés venus d'Algérie; d'autres rapatriées sont à Kidal et à غاو."
    found = _by_id(finder.find(text))
    assert set(found) == {"org:amdh", "place:gao", "place:kidal", "pop:returnees"}
    assert found["place:gao"].count == 2
    assert found["pop:returnees"].count == 2
    assert found["pop:returnees"].type == "population"


@pytest.mark.parametrize("text, message", [
    ('[[organisation]]\nname = "GADEM"\naliases = ["GADEM"]\n', r"mine\.toml, organisation #1: 'id' is required"),
    ('[[place]]\nid = "place:gao"\n\n[[place]]\nid = ""\nname = "Kidal"\n', r"place #2: 'id' is required"),
    ('[[place]]\nid = "place:gao"\n\n[[place]]\nid = "place:gao"\nname = "Gao again"\n',
     r"place #2: id 'place:gao' is used twice"),
    ('[[organisation]]\nid = "org:x"\n\n[[place]]\nid = "org:x"\n', r"place #1: id 'org:x' is used twice"),
    ('[[place]\nid = "place:gao"\n', r"mine\.toml is not valid TOML"),
], ids=["missing-id", "empty-id", "duplicate-id", "duplicate-across-sections", "invalid-toml"])
def test_gazetteer_errors_name_the_entry(text, message):
    with pytest.raises(TaxonomyError, match=message):
        parse_gazetteer(text, origin="mine.toml")


def test_missing_gazetteer_file_is_reported(tmp_path):
    with pytest.raises(TaxonomyError, match="does not exist"):
        load_gazetteer(tmp_path / "missing.toml")


def test_builtin_gazetteer_ids_are_unique_and_typed():
    entries = load_gazetteer()
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
    prefixes = {"organisation": "org:", "place": "place:", "population": "pop:"}
    for entry in entries:
        assert entry.id.startswith(prefixes[entry.type]), entry.id
        assert entry.aliases, entry.id


# --- known defects ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, surface", [
    ("Des demandeurs d'asile attendent à Rabat.", "demandeurs d'asile"),
    ("Asylum seekers wait in Rabat.", "Asylum seekers"),
], ids=["fr-inner-wildcard", "en-plural"])
def test_mentions_are_surface_forms_as_written(finder, text, surface):
    mentions = _by_id(finder.find(text))["pop:asylum_seekers"].mentions
    assert mentions == [surface]


@pytest.mark.parametrize("text, alias", [
    ('[[place]]\nid = "place:oujda"\nname = "Oujda"\naliases = "Oujda"\n', "Oujda"),
    ('[[population]]\nid = "pop:asylum_seekers"\nterms = { en = "asylum seeker*" }\n', "asylum seeker*"),
], ids=["aliases-string", "terms-string"])
def test_a_string_instead_of_a_list_is_refused_or_read_as_one_alias(text, alias):
    try:
        entries = parse_gazetteer(text, origin="mine.toml")
    except TaxonomyError:
        return
    assert entries[0].aliases == [alias]


def test_a_section_written_as_a_single_table_raises_a_taxonomy_error():
    with pytest.raises(TaxonomyError, match="organisation"):
        parse_gazetteer('[organisation]\nid = "org:gadem"\naliases = ["GADEM"]\n', origin="mine.toml")
