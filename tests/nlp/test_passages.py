import re

import pytest

from advocacy.nlp.passages import split_passages

EN_ARTICLE = (
    "RABAT — Dozens of sub-Saharan migrants were turned away from the regional hospital in Oujda last week, "
    "according to a local association.\n\n"
    "\"We were told to come back with a residence card,\" said Moussa, a 24-year-old from Guinea.\n\n"
    "The Ministry of Health says primary care is free for everyone, whatever their status."
)

FR_ARTICLE = (
    "  À Tanger, une trentaine de familles subsahariennes ont été expulsées de leurs logements.\n\n\n"
    "« Nous dormons dehors depuis mardi », confie Aïcha, mère de trois enfants.\n \n"
    "Le HCR et l'OIM disent suivre la situation de près."
)

AR_ARTICLE = (
    "أعلنت المفوضية السامية للأمم المتحدة لشؤون اللاجئين عن برنامج جديد لفائدة اللاجئين في وجدة.\n\n"
    "وقال مسؤول في الجمعية: هل يحصل الأطفال على حقهم في التعليم؟ لا يزال الطريق طويلا.\n\n"
    "ويعيش في المدينة مئات المهاجرين القادمين من مالي وغينيا."
)


def _paragraph(seed: str, length: int) -> str:
    """A paragraph of exactly ``length`` characters ending with a full stop."""
    return ((seed + " ") * length)[:length - 2] + "s."


@pytest.mark.parametrize("text", [EN_ARTICLE, FR_ARTICLE, AR_ARTICLE], ids=["en", "fr", "ar"])
@pytest.mark.parametrize("target", [40, 120, 600])
def test_offsets_point_exactly_into_the_text(text, target):
    passages = split_passages(text, target_chars=target)
    assert passages
    for number, passage in enumerate(passages):
        assert passage.index == number
        assert text[passage.start:passage.end] == passage.text
        assert passage.text == passage.text.strip()
    # In order, without overlap, and nothing but whitespace left out between or around them.
    for before, after in zip(passages, passages[1:]):
        assert before.end <= after.start
        assert text[before.end:after.start].strip() == ""
    assert text[:passages[0].start].strip() == ""
    assert text[passages[-1].end:].strip() == ""


def test_short_paragraphs_are_merged_up_to_the_target():
    paragraphs = [
        "Migrants in Oujda say the regional hospital asked them for papers before any treatment.",
        "A Guinean woman gave birth outside the maternity ward after being turned away at night.",
        "The association says it has written to the Ministry of Health about eleven such cases.",
        "The ministry did not reply to our questions before publication of this article today.",
    ]
    text = "\n\n".join(paragraphs)
    lengths = [len(p) for p in paragraphs]
    # Two paragraphs and their separator fit in the target, three do not.
    target = lengths[0] + 2 + lengths[1] + 10
    assert lengths[0] + 2 + lengths[1] + 2 + lengths[2] > target

    passages = split_passages(text, target_chars=target)

    assert [p.text for p in passages] == ["\n\n".join(paragraphs[:2]), "\n\n".join(paragraphs[2:])]
    assert all(len(p.text) <= target for p in passages)


def test_each_paragraph_stands_alone_when_two_do_not_fit():
    paragraphs = [_paragraph("Les migrants", 150), _paragraph("Le HCR", 150), _paragraph("L'OIM", 150)]
    text = "\n\n".join(paragraphs)
    passages = split_passages(text, target_chars=200)
    assert [p.text for p in passages] == paragraphs


def test_the_whole_text_is_one_passage_when_it_fits():
    passages = split_passages(EN_ARTICLE, target_chars=600)
    assert len(passages) == 1
    assert (passages[0].start, passages[0].end) == (0, len(EN_ARTICLE))


def test_an_over_long_paragraph_is_cut_at_sentence_ends():
    sentences = [
        f"Le {day} mars, l'association a recensé {n} migrants expulsés de leur logement à Tanger."
        for day, n in zip(range(1, 13), range(20, 32))
    ]
    paragraph = " ".join(sentences)  # one paragraph of about 1,000 characters
    target = 300
    assert len(paragraph) > 1.5 * target

    passages = split_passages(paragraph, target_chars=target)

    assert len(passages) >= 3
    assert " ".join(p.text for p in passages) == paragraph
    for passage in passages:
        assert paragraph[passage.start:passage.end] == passage.text
        assert passage.text.startswith("Le ")        # a sentence start
        assert passage.text.endswith("Tanger.")      # a sentence end, never mid-sentence
    for passage in passages[:-1]:
        # Cut at the first sentence end past the target, so at most one sentence longer.
        assert target <= len(passage.text) < target + max(len(s) for s in sentences) + 1


def test_a_paragraph_up_to_one_and_a_half_targets_is_not_cut():
    sentences = [f"Sentence number {n} about asylum seekers in Rabat." for n in range(8)]
    paragraph = " ".join(sentences)
    target = int(len(paragraph) / 1.4)  # the paragraph is 1.4 targets long
    passages = split_passages(paragraph, target_chars=target)
    assert [p.text for p in passages] == [paragraph]


def test_arabic_question_mark_ends_a_sentence():
    sentences = [f"هل يحق للمهاجرين في وجدة الحصول على العلاج المجاني في المستشفى العمومي رقم {n}؟"
                 for n in range(10)]
    paragraph = " ".join(sentences)
    target = 200
    assert len(paragraph) > 1.5 * target

    passages = split_passages(paragraph, target_chars=target)

    assert len(passages) > 1
    for passage in passages:
        assert paragraph[passage.start:passage.end] == passage.text
        assert passage.text.endswith("؟")
        assert passage.text.startswith("هل")


def test_an_over_long_paragraph_without_sentence_ends_is_kept_whole():
    paragraph = "migrants " * 200
    paragraph = paragraph.strip()
    passages = split_passages(paragraph, target_chars=100)
    assert [p.text for p in passages] == [paragraph]


def test_cut_paragraphs_and_short_paragraphs_mix_with_exact_offsets():
    long_paragraph = " ".join(
        f"Selon l'OIM, {n} migrants maliens ont été rapatriés depuis Rabat cette semaine." for n in range(15))
    text = f"Titre de rubrique.\n\n{long_paragraph}\n\nFin de l'article."
    passages = split_passages(text, target_chars=250)
    assert len(passages) >= 4
    assert [p.index for p in passages] == list(range(len(passages)))
    for passage in passages:
        assert text[passage.start:passage.end] == passage.text
    covered = re.sub(r"\s+", " ", " ".join(p.text for p in passages))
    assert covered == re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n", " \n \t\n "])
def test_empty_or_blank_text_gives_no_passages(text):
    assert split_passages(text) == []


@pytest.mark.parametrize("text", [
    "Migrants in Oujda were refused care at the hospital.\n",
    "Des migrants ont été refoulés de l'hôpital de Oujda.  ",
    "Premier paragraphe sur le HCR.\n\nDeuxième paragraphe sur l'OIM.\n",
], ids=["single-newline", "trailing-spaces", "last-of-two"])
def test_last_paragraph_followed_by_trailing_whitespace_is_kept(text):
    passages = split_passages(text)
    assert " ".join(p.text for p in passages).split() == text.split()
