import pytest

from advocacy.nlp.quotes import find_quotes

EN_ARTICLE = (
    "OUJDA — Dozens of sub-Saharan migrants were turned away from the regional hospital last week.\n\n"
    "\"We were told to come back with a residence card,\" said Moussa, a 24-year-old from Guinea.\n\n"
    "Dr Abdellah Amzil said: “Primary care is free for everyone, whatever their status.” "
    "“We are recruiting more doctors,” he added. The hospital has 40 beds for a region of two million.\n\n"
    "“We came here for care,” she said, “and we left with nothing.” “The emergency ward refuses anyone "
    "without papers,” the provincial health delegate told Reuters. The so-called “voluntary return” scheme "
    "has been criticised.\n\n"
    "According to Amina Tazi, a lawyer, “the law is simply not applied in hospitals.” A report entitled "
    "“Locked out of care in Oujda” was published in June."
)

FR_ARTICLE = (
    "À Tanger, une trentaine de familles subsahariennes ont été expulsées de leurs logements.\n\n"
    "« Nous dormons dehors depuis mardi », confie Aïcha, mère de trois enfants. "
    "«\u00a0Personne ne nous a prévenus avant l'arrivée de la police\u00a0», a-t-elle ajouté.\n\n"
    "Le délégué provincial de la santé a affirmé : « Aucun migrant ne sera refoulé des urgences. » "
    "« Nous avons ouvert quarante lits supplémentaires », a déclaré Karim El Idrissi, président de "
    "l'association. « Les expulsions violent la loi 02-03 », selon Amina Tazi. "
    "“Les familles n'ont nulle part où aller”, explique le coordinateur de Caritas.\n\n"
    "L'association parle d'un « drame » et a lancé une campagne intitulée « Un toit pour chaque famille "
    "migrante »."
)

AR_ARTICLE = (
    "وقال عبد الله أمزيل، المندوب الإقليمي للصحة، إن \"العلاج الأولي مجاني للجميع بغض النظر عن وضعيتهم\". "
    "وأضاف: «نعمل على توفير أسرة إضافية في المستشفى الجهوي».\n\n"
    "وصرحت أمينة التازي لـ\"هسبريس\" بأن «المهاجرين يخشون التوجه إلى المستشفيات العمومية». "
    "وأضافت المتحدثة ذاتها: “لا يزال الطريق طويلا أمام احترام الحقوق”.\n\n"
    "وحسب كريم الإدريسي، «تم ترحيل عشرات الأسر من الحي دون سابق إنذار». "
    "ونظمت الجمعية حملة تحت شعار \"الصحة حق للجميع بدون استثناء\"."
)


def summary(text, **options):
    quotes = find_quotes(text, **options)
    for quote in quotes:
        assert text[quote.start:quote.end] == quote.text
        assert quote.sentence in text
        assert quote.text in quote.sentence
    for before, after in zip(quotes, quotes[1:]):
        assert before.end <= after.start
    return [(q.text, q.speaker) for q in quotes]


def test_english_article():
    assert summary(EN_ARTICLE, language="en") == [
        ("We were told to come back with a residence card", "Moussa, a 24-year-old from Guinea"),
        ("Primary care is free for everyone, whatever their status.", "Dr Abdellah Amzil"),
        ("We are recruiting more doctors", "Dr Abdellah Amzil"),            # "he added"
        ("We came here for care", "Dr Abdellah Amzil"),                     # "she said": nearest named speaker
        ("and we left with nothing.", "Dr Abdellah Amzil"),                 # second part of the same quote
        ("The emergency ward refuses anyone without papers", "the provincial health delegate"),
        ("the law is simply not applied in hospitals.", "Amina Tazi, a lawyer"),
    ]


def test_french_article():
    assert summary(FR_ARTICLE, language="fr") == [
        ("Nous dormons dehors depuis mardi", "Aïcha, mère de trois enfants"),
        ("Personne ne nous a prévenus avant l'arrivée de la police", "Aïcha, mère de trois enfants"),
        ("Aucun migrant ne sera refoulé des urgences.", "Le délégué provincial de la santé"),
        ("Nous avons ouvert quarante lits supplémentaires", "Karim El Idrissi, président de l'association"),
        ("Les expulsions violent la loi 02-03", "Amina Tazi"),
        ("Les familles n'ont nulle part où aller", "le coordinateur de Caritas"),
    ]


def test_arabic_article():
    assert summary(AR_ARTICLE, language="ar") == [
        ("العلاج الأولي مجاني للجميع بغض النظر عن وضعيتهم", "عبد الله أمزيل، المندوب الإقليمي للصحة"),
        ("نعمل على توفير أسرة إضافية في المستشفى الجهوي", "عبد الله أمزيل، المندوب الإقليمي للصحة"),
        ("المهاجرين يخشون التوجه إلى المستشفيات العمومية", "أمينة التازي"),
        ("لا يزال الطريق طويلا أمام احترام الحقوق", "أمينة التازي"),
        ("تم ترحيل عشرات الأسر من الحي دون سابق إنذار", "كريم الإدريسي"),
    ]


def test_unknown_language_finds_the_same_quotes():
    for article in (EN_ARTICLE, FR_ARTICLE, AR_ARTICLE):
        assert summary(article) == summary(article, language={EN_ARTICLE: "en", FR_ARTICLE: "fr",
                                                              AR_ARTICLE: "ar"}[article])


def test_a_split_quote_is_two_parts_with_one_speaker_and_one_sentence():
    text = "“We came here for care,” said Fatou Diallo, “and we left with nothing.” The ward was closed."
    first, second = find_quotes(text)
    assert (first.text, second.text) == ("We came here for care", "and we left with nothing.")
    assert first.speaker == second.speaker == "Fatou Diallo"
    assert first.sentence == second.sentence == (
        "“We came here for care,” said Fatou Diallo, “and we left with nothing.”")


def test_a_short_part_of_a_split_quote_is_kept():
    text = "« Jamais », a répondu Amina Tazi, « nous n'accepterons ces expulsions. »"
    assert summary(text) == [("Jamais", "Amina Tazi"), ("nous n'accepterons ces expulsions.", "Amina Tazi")]


def test_sentence_covers_the_quote_and_its_attribution():
    quotes = find_quotes(EN_ARTICLE)
    assert quotes[0].sentence == (
        "\"We were told to come back with a residence card,\" said Moussa, a 24-year-old from Guinea.")
    assert quotes[1].sentence == (
        "Dr Abdellah Amzil said: “Primary care is free for everyone, whatever their status.”")
    french = find_quotes(FR_ARTICLE)
    assert french[0].sentence == "« Nous dormons dehors depuis mardi », confie Aïcha, mère de trois enfants."


@pytest.mark.parametrize("text, expected", [
    ("“The waiting list is now six months long,” says Dr Abdellah Amzil.",
     ("The waiting list is now six months long", "Dr Abdellah Amzil")),
    ("“The waiting list is now six months long,” said Dr. Amzil on Tuesday.",
     ("The waiting list is now six months long", "Dr. Amzil")),
    ("Amina Tazi, a lawyer, told Hespress: “Nobody has answered our letters.”",
     ("Nobody has answered our letters.", "Amina Tazi, a lawyer")),
    ("The ministry did not reply, but a spokesman later said: “All cases are being reviewed.”",
     ("All cases are being reviewed.", "a spokesman")),
    ("“Where are we supposed to go?” asked Mariama, who sleeps in the park.",
     ("Where are we supposed to go?", "Mariama")),
    ("“We want our papers now.” Moussa said.", ("We want our papers now.", "Moussa")),
    ("« Nous manquons de médecins spécialistes », a déclaré mardi le ministre de la Santé.",
     ("Nous manquons de médecins spécialistes", "le ministre de la Santé")),
    ("Le délégué provincial, Abdellah Amzil, a affirmé : « Aucun migrant ne sera refoulé. »",
     ("Aucun migrant ne sera refoulé.", "Abdellah Amzil")),
    ("Selon Karim El Idrissi, président de l'association, « la situation est intenable à Oujda ».",
     ("la situation est intenable à Oujda", "Karim El Idrissi, président de l'association")),
    ("« Le centre accueille des familles entières », explique Sara Benali, chargée de mission à l'OIM.",
     ("Le centre accueille des familles entières", "Sara Benali, chargée de mission à l'OIM")),
    ('"العلاج حق للجميع مهما كانت الوضعية"، يقول عبد الله أمزيل، المندوب الإقليمي للصحة.',
     ("العلاج حق للجميع مهما كانت الوضعية", "عبد الله أمزيل، المندوب الإقليمي للصحة")),
    ("صرح رئيس الجمعية بأن «عشرات المهاجرين ينامون في العراء كل ليلة».",
     ("عشرات المهاجرين ينامون في العراء كل ليلة", "رئيس الجمعية")),
    ("وقالت أمينة التازي، في تصريح للصحافة، إن «القانون لا يطبق في المستشفيات».",
     ("القانون لا يطبق في المستشفيات", "أمينة التازي")),
    ("Moussa explained:\n\n“We walked for three days without any water.”",
     ("We walked for three days without any water.", "Moussa")),
    ("Amina Tazi told Hespress: 'We are in contact with the families every day.'",
     ("We are in contact with the families every day.", "Amina Tazi")),
], ids=lambda value: value[:40] if isinstance(value, str) else None)
def test_attribution_styles(text, expected):
    assert summary(text) == [expected]


def test_a_new_sentence_after_a_quote_is_not_its_attribution():
    text = "“We want our papers now.” The ministry said it would look into the matter."
    assert summary(text) == [("We want our papers now.", "")]


def test_a_pronoun_takes_the_named_speaker_of_the_two_previous_sentences():
    text = ("Aïcha Diallo, a nurse, said: “We treat everyone who comes to the door.” The clinic opened in 2019. "
            "“Some nights we see forty patients,” she said.")
    assert summary(text)[-1] == ("Some nights we see forty patients", "Aïcha Diallo, a nurse")


def test_a_pronoun_without_a_recent_named_speaker_stays_unknown():
    distant = ("Aïcha Diallo, a nurse, said: “We treat everyone who comes to the door.” The clinic opened in "
               "2019. It has four rooms. It has no doctor. “Some nights we see forty patients,” she said.")
    assert summary(distant)[-1] == ("Some nights we see forty patients", "")
    alone = "“Some nights we see forty patients,” she said."
    assert summary(alone) == [("Some nights we see forty patients", "")]
    arabic = "وأضافت: «نستقبل كل ليلة عشرات المرضى دون أوراق»."
    assert summary(arabic) == [("نستقبل كل ليلة عشرات المرضى دون أوراق", "")]


def test_a_pronoun_takes_the_subject_of_reported_speech():
    text = ("Moussa Keïta, an IOM project officer in Bamako, said the programme relied on trust. "
            "\"Migrants need to know that seeking care will not put them at risk,\" he said.")
    assert summary(text) == [("Migrants need to know that seeking care will not put them at risk",
                              "Moussa Keïta, an IOM project officer in Bamako")]


def test_a_pronoun_takes_a_witness_introduced_at_the_start_of_a_sentence():
    french = ("Un jeune de 25 ans, rentré de Libye il y a un an, compte ouvrir un élevage de poulets. "
              "« Là-bas, j'ai travaillé dans des fermes sans être payé », affirme-t-il.")
    assert summary(french) == [("Là-bas, j'ai travaillé dans des fermes sans être payé", "Un jeune de 25 ans")]
    named = ("Hamadoun Cissé, 52 ans, père de sept enfants, regarde les restes de son abri. "
             "« On nous a prévenus la veille, au soir », dit-il.")
    assert summary(named) == [("On nous a prévenus la veille, au soir", "Hamadoun Cissé")]


def test_forms_without_a_subject_take_the_speaker_named_before():
    arabic = ('وقالت المحامية خديجة الرامي إن "كثيراً من الأسر تجهل هذا الأجل القانوني"، '
              'مضيفة أن "الطفل يدفع ثمن خوف والديه".')
    assert summary(arabic) == [("كثيراً من الأسر تجهل هذا الأجل القانوني", "المحامية خديجة الرامي"),
                               ("الطفل يدفع ثمن خوف والديه", "المحامية خديجة الرامي")]
    english = ("Moussa said the hospital sent him away, adding that “the doctors did not even look at me.”")
    assert summary(english) == [("the doctors did not even look at me.", "Moussa")]
    french = ("Le délégué a reconnu des retards. Et d'ajouter : « Le budget a été doublé cette année. »")
    assert summary(french) == [("Le budget a été doublé cette année.", "Le délégué")]


def test_asides_are_not_speakers():
    english = ("A civil status official in Oujda, speaking on condition of anonymity, said the office was "
               "\"open to all births on Moroccan soil\".")
    assert summary(english) == [("open to all births on Moroccan soil", "A civil status official in Oujda")]
    arabic = ('وقال مسؤول بالسلطة المحلية، فضّل عدم ذكر اسمه، إن العملية جاءت '
              '"استجابة لشكايات متكررة من السكان".')
    assert summary(arabic) == [("استجابة لشكايات متكررة من السكان", "مسؤول بالسلطة المحلية")]
    french = ("Le président de la Fédération, présent dans la tribune, a salué « une finale disputée dans un "
              "excellent esprit ».")
    assert summary(french) == [("une finale disputée dans un excellent esprit", "Le président de la Fédération")]


def test_a_name_in_apposition_after_an_inverted_verb_is_kept():
    text = "\"A uniform can cost 600 dirhams per child,\" said the association's president, Khadija Naciri."
    assert summary(text) == [("A uniform can cost 600 dirhams per child",
                              "the association's president, Khadija Naciri")]


def test_a_quote_opening_the_next_sentence_continues_the_previous_speaker():
    text = ("\"Most people here sleep under plastic sheets,\" said Fatima Bouazza. "
            "\"We cannot house everyone, so we take the most vulnerable.\"\n\n"
            "\"Nobody came to help us this winter, nobody at all.\"")
    assert summary(text) == [
        ("Most people here sleep under plastic sheets", "Fatima Bouazza"),
        ("We cannot house everyone, so we take the most vulnerable.", "Fatima Bouazza"),
        ("Nobody came to help us this winter, nobody at all.", ""),   # a new paragraph: not continued
    ]


def test_language_limits_the_speech_verbs_looked_for():
    text = "« Nous manquons de médecins spécialistes », a déclaré le ministre de la Santé."
    assert summary(text, language="fr") == [("Nous manquons de médecins spécialistes", "le ministre de la Santé")]
    assert summary(text, language="en") == [("Nous manquons de médecins spécialistes", "")]


def test_a_quote_without_attribution_has_no_speaker():
    text = "On the wall, someone had written “we are human beings too, not numbers”."
    assert summary(text) == [("we are human beings too, not numbers", "")]


@pytest.mark.parametrize("text", [
    "The so-called “voluntary return” scheme was criticised.",
    "Il a qualifié la situation de « drame humanitaire ».",
    "تحدث عن \"العودة الطوعية\" للمهاجرين.",
    "A report entitled “Locked out of care in Oujda” was published.",
    "Une campagne intitulée « Un toit pour chaque famille migrante » a été lancée.",
    "ونظمت الجمعية حملة تحت شعار \"الصحة حق للجميع بدون استثناء\".",
    "The documentary “Crossing The Sea Of Fear Together” was shown.",
], ids=lambda text: text[:30])
def test_scare_quotes_and_titles_are_ignored(text):
    assert find_quotes(text) == []


def test_quoted_words_inside_a_quote_are_part_of_it():
    text = "« On nous a dit “revenez demain” trois jours de suite », raconte Moussa."
    assert summary(text) == [("On nous a dit “revenez demain” trois jours de suite", "Moussa")]


def test_apostrophes_do_not_open_or_close_quotes():
    text = ("Morocco's health ministry said: “We don’t refuse anyone at the hospital’s door.” "
            "The migrants' lawyers disagree.")
    assert summary(text) == [("We don’t refuse anyone at the hospital’s door.", "Morocco's health ministry")]


def test_no_text_no_quotes():
    assert find_quotes("") == []
    assert find_quotes("Aucune citation ici.") == []
