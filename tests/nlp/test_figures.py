import pytest

from advocacy.nlp.figures import find_figures, sentence_spans

EN_ARTICLE = (
    "OUJDA — Over 200 refugees have been treated at the regional hospital since January, and a Rabat eye "
    "clinic provided US$50,000 worth of care, the UNHCR office said on 20 June 2021.\n\n"
    "In all, 164 refugees were treated on World Refugee Day 2021 by 35 specialists. Under law 02-03 and "
    "article 7 of the 2011 constitution, primary care is free; the hotline (+212 537 76 76 76) opens at 9:30. "
    "About 35 % of the patients were children, and the ministry has pledged 1.2 million dollars and 40 beds."
)

FR_ARTICLE = (
    "Tanger, le 20 juin 2021. L'association a accompagné 326 migrants vulnerables en deux ans, avec un budget "
    "de 50 000 dollars. Une consultation coûte 2 500 FCFA à Bamako, soit 12,5 % du salaire minimum.\n\n"
    "La loi 27-14 et l'article 7 de la loi n° 02.03 s'appliquent depuis le 1er juin ; plus de 2,5 millions "
    "d'euros ont été promis pour 1\u202f200 personnes."
)

AR_ARTICLE = (
    "استفاد ٣٢٦ مهاجرا من خدمات المركز الصحي بوجدة منذ عام 2019، وأكثر من 200 لاجئ من العلاج المجاني. "
    "وبلغت كلفة البرنامج ١٫٥ مليون درهم، أي ما يعادل 35 في المائة من الميزانية.\n\n"
    "ويستند البرنامج إلى القانون رقم 02.03 والمادة 7 منه، وقد انطلق يوم 20 يونيو 2021."
)


def summary(text, **options):
    figures = find_figures(text, **options)
    for figure in figures:
        assert text[figure.start:figure.end] == figure.text
        assert figure.sentence in text
        assert figure.text in figure.sentence
    for before, after in zip(figures, figures[1:]):
        assert before.end <= after.start
    return [(f.text, f.value, f.unit) for f in figures]


def test_english_article():
    assert summary(EN_ARTICLE, language="en") == [
        ("Over 200 refugees", 200, "refugees"),
        ("US$50,000", 50000, "USD"),
        ("164 refugees", 164, "refugees"),
        ("35 specialists", 35, "specialists"),
        ("About 35 %", 35, "%"),
        ("1.2 million dollars", 1_200_000, "USD"),
        ("40 beds", 40, "beds"),
    ]


def test_french_article():
    assert summary(FR_ARTICLE, language="fr") == [
        ("326 migrants", 326, "migrants"),
        ("50 000 dollars", 50000, "USD"),
        ("2 500 FCFA", 2500, "XOF"),
        ("12,5 %", 12.5, "%"),
        ("plus de 2,5 millions d'euros", 2_500_000, "EUR"),
        ("1\u202f200 personnes", 1200, "people"),
    ]


def test_arabic_article():
    assert summary(AR_ARTICLE, language="ar") == [
        ("٣٢٦ مهاجرا", 326, "migrants"),
        ("أكثر من 200 لاجئ", 200, "refugees"),
        ("١٫٥ مليون درهم", 1_500_000, "MAD"),
        ("35 في المائة", 35, "%"),
    ]


def test_the_sentence_is_the_one_holding_the_figure():
    figures = {f.text: f for f in find_figures(EN_ARTICLE)}
    assert figures["35 specialists"].sentence == (
        "In all, 164 refugees were treated on World Refugee Day 2021 by 35 specialists.")
    assert figures["US$50,000"].sentence.startswith("OUJDA — Over 200 refugees")
    assert figures["US$50,000"].sentence.endswith("on 20 June 2021.")
    arabic = {f.text: f for f in find_figures(AR_ARTICLE)}
    assert arabic["٣٢٦ مهاجرا"].sentence == (
        "استفاد ٣٢٦ مهاجرا من خدمات المركز الصحي بوجدة منذ عام 2019، وأكثر من 200 لاجئ من العلاج المجاني.")


@pytest.mark.parametrize("text", [
    "The clinic opened on 20 June 2021.",
    "Le centre a ouvert le 20 juin 2021.",
    "The report is dated June 20, 2021.",
    "Published 2021-06-20 and updated 21/06/2021.",
    "افتتح المركز يوم 20 يونيو 2021.",
    "In 2021, the situation worsened.",
    "It was World Refugee Day 2021.",
    "The 1951 Convention protects them.",
    "De 2019 à 2021, la situation a empiré.",
    "The doors open at 10:30 and close at 3 p.m.",
    "Les portes ouvrent à 14h30 ou à 9 h.",
    "Call +212 537 12 34 56 or 06 12 34 56 78 or 0537-123456.",
    "Law 02-03 governs entry and stay.",
    "La loi 27-14 et la loi n° 02.03 s'appliquent.",
    "Article 7 and articles 12 and 13 apply.",
    "ينص القانون 02.03 والمادة 7 على ذلك.",
    "Le 1er juin, pour la 2e fois.",
    "The 2nd and 21st meetings.",
    "COVID-19 hit the G5 Sahel countries.",
    "Open 24/7, page 12.",
], ids=lambda text: text[:24])
def test_dates_years_times_phones_references_and_ordinals_are_not_figures(text):
    assert summary(text) == []


@pytest.mark.parametrize("text, expected", [
    ("a gift of 50\u202f000 dollars", ("50\u202f000 dollars", 50000, "USD")),
    ("a gift of 50\u00a0000 euros", ("50\u00a0000 euros", 50000, "EUR")),
    ("an aid of 1.500 DH", ("1.500 DH", 1500, "MAD")),
    ("an aid of 400DH", ("400DH", 400, "MAD")),
    ("they paid 10 000 dirhams", ("10 000 dirhams", 10000, "MAD")),
    ("it cost MAD 2 500", ("MAD 2 500", 2500, "MAD")),
    ("it cost $1.2m", ("$1.2m", 1_200_000, "USD")),
    ("a fund of €3bn", ("€3bn", 3_000_000_000, "EUR")),
    ("a fund of 3 milliards de francs CFA", ("3 milliards de francs CFA", 3_000_000_000, "XOF")),
    ("a grant of 1,234,567.89 US dollars", ("1,234,567.89 US dollars", 1_234_567.89, "USD")),
    ("بتكلفة 3,5 مليار دولار", ("3,5 مليار دولار", 3_500_000_000, "USD")),
    ("ما قيمته 1٬200 درهم", ("1٬200 درهم", 1200, "MAD")),
    ("40 per cent of them", ("40 per cent", 40, "%")),
    ("40 pour cent d'entre eux", ("40 pour cent", 40, "%")),
    ("نسبة ٢٥٪ منهم", ("٢٥٪", 25, "%")),
], ids=lambda value: value if isinstance(value, str) else None)
def test_separators_scales_currencies_and_percentages(text, expected):
    assert summary(text) == [expected]


@pytest.mark.parametrize("text, expected", [
    ("nearly 1.2 million Syrian refugees", ("nearly 1.2 million Syrian refugees", 1_200_000, "refugees")),
    ("some 300 sub-Saharan migrants", ("some 300 sub-Saharan migrants", 300, "migrants")),
    ("au moins 3 000 jeunes migrants", ("au moins 3 000 jeunes migrants", 3000, "migrants")),
    ("plus de 2,5 millions de réfugiés", ("plus de 2,5 millions de réfugiés", 2_500_000, "refugees")),
    ("at least 12 unaccompanied children", ("at least 12 unaccompanied children", 12, "children")),
    ("45 femmes enceintes", ("45 femmes", 45, "women")),
    ("17 familles", ("17 familles", 17, "families")),
    ("8 médecins", ("8 médecins", 8, "doctors")),
    ("2 doctors", ("2 doctors", 2, "doctors")),
    ("قرابة 500 من المهاجرين", ("قرابة 500 من المهاجرين", 500, "migrants")),
    ("استقبل 40 طفلا", ("40 طفلا", 40, "children")),
    ("و12 امرأة", ("12 امرأة", 12, "women")),
    ("حوالي 1200 شخص", ("حوالي 1200 شخص", 1200, "people")),
    ("ما يزيد عن 60 أسرة", ("ما يزيد عن 60 أسرة", 60, "families")),
    ("أضيف 30 سريرا", ("30 سريرا", 30, "beds")),
], ids=lambda value: value if isinstance(value, str) else None)
def test_counted_nouns_and_qualifiers(text, expected):
    assert summary(text) == [expected]


def test_words_between_number_and_noun_are_limited_to_adjectives():
    # "days" is not an adjective: the refugees are not what was counted.
    assert summary("It took 35 days after the refugees arrived.") == [("35", 35, "")]
    assert summary("Between 200 and 300 migrants.") == [("200", 200, ""), ("300 migrants", 300, "migrants")]


def test_a_year_shaped_number_is_a_count_when_a_noun_follows_without_a_year_word():
    assert summary("More than 2000 migrants crossed.") == [("More than 2000 migrants", 2000, "migrants")]
    assert summary("Il a reçu 2000 dirhams.") == [("2000 dirhams", 2000, "MAD")]
    assert summary("In 2020 migrants were turned away.") == []
    assert summary("منذ عام 2019 لاجئ") == []


def test_a_lone_comma_group_is_a_decimal_mark_in_french_only():
    assert summary("12,500 tonnes", language="fr") == [("12,500", 12.5, "")]
    assert summary("12,500 tonnes", language="en") == [("12,500", 12500, "")]
    assert summary("12,500 tonnes") == [("12,500", 12500, "")]
    # Two groups cannot be a decimal, whatever the language.
    assert summary("1,234,567 euros", language="fr") == [("1,234,567 euros", 1_234_567, "EUR")]


def test_arabic_indic_digits_are_converted():
    assert summary("٣٢٦ مهاجرا و١٬٥٠٠ لاجئ") == [("٣٢٦ مهاجرا", 326, "migrants"), ("١٬٥٠٠ لاجئ", 1500, "refugees")]


def test_bare_numbers_have_no_unit():
    assert summary("He was 24 years old and had waited 3 weeks.") == [("24", 24, ""), ("3", 3, "")]


def test_no_text_no_figures():
    assert find_figures("") == []
    assert find_figures("Aucun chiffre ici.") == []


def test_sentence_spans_keep_abbreviations_and_closing_marks():
    text = "Dr. Amzil met M. Tazi in the U.S. on Monday. « Nous dormons dehors. », confie Aïcha.\nTitre"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Dr. Amzil met M. Tazi in the U.S. on Monday.",
        "« Nous dormons dehors. », confie Aïcha.",
        "Titre",
    ]
