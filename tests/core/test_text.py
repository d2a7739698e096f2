from advocacy.text import TermMatcher, detect_language, fold, weighted_score


def test_fold_ignores_case_accents_and_arabic_variants():
    assert fold("Santé PUBLIQUE") == "sante publique"
    assert fold("مُسْتَشْفَى") == fold("مستشفي")
    assert fold("إدارة") == fold("ادارة") == "اداره"


def test_wildcards_phrases_and_word_boundaries():
    matcher = TermMatcher(["hospital*", "asylum seeker*", "demandeur* d'asile", "care"])
    found = matcher.count("Hospitals turned away two asylum seekers; demandeurs d’asile; daycare")
    assert found == {"hospital*": 1, "asylum seeker*": 1, "demandeur* d'asile": 1}


def test_arabic_terms_tolerate_attached_prefixes():
    matcher = TermMatcher(["لاجئ*", "المفوضية", "مستشفى"])
    found = matcher.count("وللاجئين حق العلاج في المستشفى، حسب بيان للمفوضية")
    assert found == {"لاجئ*": 1, "مستشفى": 1, "المفوضية": 1}


def test_repeats_add_less_than_new_terms():
    weights = {"a": 2.0, "b": 2.0}
    assert weighted_score({"a": 1, "b": 1}, weights) > weighted_score({"a": 4}, weights)


def test_language_detection_for_the_three_languages():
    assert detect_language("The clinic treated refugees free of charge last week in Rabat.") == "en"
    assert detect_language("La clinique a soigné gratuitement des réfugiés la semaine dernière.") == "fr"
    assert detect_language("عالجت العيادة اللاجئين مجانا الأسبوع الماضي في الرباط") == "ar"
    assert detect_language("2024 — 326", hint="fr-FR") == "fr"  # nothing to read: the page says
    assert detect_language("2024 — 326") == ""
