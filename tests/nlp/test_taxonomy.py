import pytest

from advocacy.nlp.errors import NlpError, TaxonomyError
from advocacy.nlp.taxonomy import load_taxonomy, parse_taxonomy

# themes.toml: strong terms weigh 3, weak terms 1.
STRONG_WEIGHT = 3.0
WEAK_WEIGHT = 1.0

EXPECTED_SUBTHEMES = {
    "health": ["access_to_care", "maternal_child_health", "mental_health", "health_coverage_fees",
               "epidemics_vaccination"],
    "education": ["school_enrolment", "language_classes", "higher_education", "vocational_training"],
    "housing": ["shelter", "eviction", "informal_camps", "rent_conditions"],
    "justice": ["legal_status_regularisation", "asylum_procedure", "detention_expulsion", "courts_legal_aid",
                "trafficking", "civil_documents", "discrimination_violence"],
}

VALID_THEME = """
[detention]
label = { en = "Detention", fr = "Rétention", ar = "الاحتجاز" }
description.en = "Migrants held in detention centres and police stations before deportation."
description.fr = "Migrants retenus dans des centres de rétention avant leur expulsion."
[detention.terms]
strong.en = ["detention centre*", "detained"]
strong.fr = ["centre* de rétention"]
weak.fr = ["commissariat*"]
"""


def _by_key(themes):
    return {theme.key: theme for theme in themes}


# --- the taxonomy shipped with Advocacy Monitor ------------------------------------------------------------

def test_builtin_taxonomy_has_the_four_themes_with_their_subthemes(builtin_themes):
    themes = _by_key(builtin_themes)
    assert list(themes) == ["health", "education", "housing", "justice"]
    for key, subthemes in EXPECTED_SUBTHEMES.items():
        assert [s.key for s in themes[key].subthemes] == subthemes


def test_builtin_labels_and_descriptions_exist_in_three_languages(builtin_themes):
    for theme in builtin_themes:
        assert set(theme.label) == {"en", "fr", "ar"}, theme.key
        assert set(theme.description) == {"en", "fr", "ar"}, theme.key
        assert all(text.strip() for text in theme.label.values())
        assert all(len(text) > 100 for text in theme.description.values()), theme.key
        for sub in theme.subthemes:
            assert set(sub.label) == {"en", "fr", "ar"}, (theme.key, sub.key)
            assert set(sub.description) == {"en", "fr", "ar"}, (theme.key, sub.key)
            assert sub.terms, (theme.key, sub.key)


def test_builtin_labels_read_in_each_language(builtin_themes):
    themes = _by_key(builtin_themes)
    assert themes["health"].label_in("fr") == "Santé"
    assert themes["housing"].label_in("ar") == "السكن"
    assert themes["education"].label_in("en") == "Education"
    # An unknown language falls back to English.
    assert themes["justice"].label_in("es") == "Justice"


def test_builtin_lexicon_has_strong_and_weak_terms_in_all_languages(builtin_themes):
    health = _by_key(builtin_themes)["health"]
    assert health.weights["hospital"] == STRONG_WEIGHT
    assert health.weights["hôpital"] == STRONG_WEIGHT
    assert health.weights["مستشفى*"] == STRONG_WEIGHT
    assert health.weights["health"] == WEAK_WEIGHT
    assert health.weights["santé"] == WEAK_WEIGHT
    assert "hospital" not in _by_key(builtin_themes)["education"].weights


# --- custom taxonomies --------------------------------------------------------------------------------------

def test_custom_one_theme_taxonomy_loads_from_a_file(tmp_path):
    path = tmp_path / "my-themes.toml"
    path.write_text(VALID_THEME, encoding="utf-8")

    themes = load_taxonomy(path)

    assert len(themes) == 1
    theme = themes[0]
    assert theme.key == "detention"
    assert theme.label == {"en": "Detention", "fr": "Rétention", "ar": "الاحتجاز"}
    assert theme.label_in("fr") == "Rétention"
    assert set(theme.description) == {"en", "fr"}
    assert theme.weights == {"detention centre*": STRONG_WEIGHT, "detained": STRONG_WEIGHT,
                             "centre* de rétention": STRONG_WEIGHT, "commissariat*": WEAK_WEIGHT}
    assert theme.subthemes == []


def test_a_term_listed_as_weak_and_strong_counts_as_strong():
    themes = parse_taxonomy('[x.terms]\nweak.en = ["camp*"]\nstrong.fr = ["camp*"]\n')
    assert themes[0].weights == {"camp*": STRONG_WEIGHT}


def test_a_plain_string_label_or_description_is_read_as_english():
    themes = parse_taxonomy('[shelter]\nlabel = "Shelter"\ndescription = "Where migrants sleep."\n'
                            '[shelter.terms]\nstrong.en = ["shelter*"]\n')
    assert themes[0].label == {"en": "Shelter"}
    assert themes[0].description == {"en": "Where migrants sleep."}


def test_subthemes_of_a_custom_theme_are_read():
    text = VALID_THEME + """
[detention.subthemes.alternatives]
label = { en = "Alternatives to detention", fr = "Alternatives à la rétention" }
terms.en = ["alternative* to detention"]
terms.fr = ["alternative* à la rétention", "assignation à résidence"]
"""
    (theme,) = parse_taxonomy(text)
    (sub,) = theme.subthemes
    assert sub.key == "alternatives"
    assert sub.label["fr"] == "Alternatives à la rétention"
    assert sub.terms == ["alternative* to detention", "alternative* à la rétention", "assignation à résidence"]


# --- malformed files ----------------------------------------------------------------------------------------

def test_invalid_toml_is_reported_with_the_file_name(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[health\nlabel = "Health"\n', encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid TOML") as error:
        load_taxonomy(path)
    assert str(path) in str(error.value)


def test_a_theme_without_terms_is_named():
    text = VALID_THEME + '\n[housing]\nlabel = { en = "Housing" }\ndescription.en = "Where migrants live."\n'
    with pytest.raises(TaxonomyError, match=r"\[housing\].*no terms"):
        parse_taxonomy(text, origin="themes.toml")


def test_a_theme_whose_term_lists_are_all_empty_is_refused():
    with pytest.raises(TaxonomyError, match=r"\[education\].*no terms"):
        parse_taxonomy('[education.terms]\nstrong.en = []\nweak.fr = []\n')


@pytest.mark.parametrize("terms, where", [
    ('strong.en = "hospital"', r"\[health\]\.terms\.strong\.en must be a list of strings"),
    ('weak.fr = ["hôpital", 3]', r"\[health\]\.terms\.weak\.fr must be a list of strings"),
    ('strong = ["hospital"]', r"\[health\]\.terms\.strong must be a table of language"),
], ids=["string-instead-of-list", "non-string-term", "list-without-language"])
def test_malformed_term_lists_name_the_theme_and_key(terms, where):
    with pytest.raises(TaxonomyError, match=where):
        parse_taxonomy(f"[health.terms]\n{terms}\n", origin="themes.toml")


def test_malformed_subtheme_terms_name_the_subtheme():
    text = VALID_THEME + '\n[detention.subthemes.alternatives]\nterms.en = "alternatives to detention"\n'
    with pytest.raises(TaxonomyError, match=r"\[detention\]\.subthemes\.alternatives\.terms\.en must be a list"):
        parse_taxonomy(text)


@pytest.mark.parametrize("line, key", [
    ("description = { en = 3 }", "description"),
    ('description = { en = "Texte", fr = ["pas", "un texte"] }', "description"),
    ('label = ["Justice", "Justice"]', "label"),
])
def test_description_and_label_must_be_tables_of_strings(line, key):
    text = f'[justice]\n{line}\n[justice.terms]\nstrong.en = ["lawyer*"]\n'
    with pytest.raises(TaxonomyError, match=rf"\[justice\]: '{key}' must be a table of language"):
        parse_taxonomy(text, origin="themes.toml")


def test_a_top_level_value_that_is_not_a_table_is_refused():
    with pytest.raises(TaxonomyError, match=r"\[version\]: each theme must be a table"):
        parse_taxonomy("version = 2\n" + VALID_THEME)


def test_an_empty_file_has_no_themes():
    with pytest.raises(TaxonomyError, match="no themes defined"):
        parse_taxonomy("# nothing yet\n")


def test_a_missing_file_is_reported(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(TaxonomyError, match="does not exist"):
        load_taxonomy(missing)


def test_taxonomy_errors_are_nlp_errors():
    assert issubclass(TaxonomyError, NlpError)


@pytest.mark.parametrize("text", [
    '[health]\nterms = ["hospital", "clinic*"]\n',
    '[health]\nsubthemes = ["access_to_care"]\n[health.terms]\nstrong.en = ["hospital"]\n',
], ids=["terms-as-list", "subthemes-as-list"])
def test_terms_or_subthemes_of_the_wrong_type_raise_a_taxonomy_error(text):
    with pytest.raises(TaxonomyError, match=r"\[health\]"):
        parse_taxonomy(text, origin="themes.toml")
