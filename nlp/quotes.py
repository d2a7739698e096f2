"""Quotations in article text and who said them, so that briefs can cite people in their own words.

A brief may only print a quote that can be checked word for word against the source, so every
:class:`Quote` keeps ``text`` exactly as written (``article_text[start:end]``), without its quotation marks
and without the comma that English and French put before the closing mark when an attribution follows
(“We were turned away,” she said → ``We were turned away``).

Quotation marks
    “…”, «…» (with or without the no-break spaces of French typography), ‘…’, straight "…" and straight
    '…' (told apart from apostrophes by what touches them), in any of the three languages. Straight double
    quotes pair up in order within a paragraph. Quoted words inside a quote belong to it and are not
    reported apart.
What is left out
    Scare quotes and names: a quote of fewer than four words (“so-called”, «Hespress») unless it is part of
    a split quote, and titles, either introduced as such ("a report entitled", "intitulé", "بعنوان", "تحت
    شعار") or written in English title case with no attribution.
Split quotes
    “We came for care,” she said, “and left with nothing.” is reported as two quotes with the same speaker
    and the same ``sentence`` (the whole construction). Merging the parts would put words in ``text`` that
    the speaker never said, and the text would no longer be a substring of the article.
Speakers
    Found from speech verbs and "according to"-like phrases in the sentence, before or after the quote
    (“…,” says X / X said: “…” / “…,” X told Reuters / According to X, “…” / « … », explique X / « … », a
    déclaré X / X a affirmé : « … » / Selon X, « … » / قال X إن "…" / وأضاف X: «…» / صرح X بأن «…» / حسب X).
    The speaker is written as in the text: the name or description nearest the verb, with a description or
    name in apposition ("Amina Tazi, a lawyer", "Aïcha, mère de trois enfants", "المندوب الإقليمي للصحة"),
    without asides ("speaking on condition of anonymity", "فضل عدم ذكر اسمه").
    A pronoun ("he said", "a-t-elle ajouté"), a form without a subject ("Et d'ajouter", "adding that",
    "وأضافت:", "مضيفة أن") or a phrase such as "ce dernier" or "المتحدث ذاته" takes the most recent person
    named in the same or the two previous sentences: the speaker of an earlier quote, the subject of a speech
    verb even in reported speech ("Moussa Keïta said the programme relied on trust"), or someone introduced
    at the start of a sentence ("Hamadoun Cissé, 52 ans, …", "Un jeune de 25 ans, rentré de Libye, …").
    With none, the speaker is "". A quote with no attribution that opens the sentence right after another
    quote of the same paragraph continues that quote's speaker (“A,” said X. “B.”); any other quote without
    an attribution has speaker "".
Not handled
    Quotes spanning paragraphs (opened again at each paragraph in the English manner), Arabic guillemets
    typed in visual order (»…«), gender agreement between a pronoun and its antecedent, and speakers named
    only in an earlier paragraph more than two sentences away.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from advocacy.article import Quote
from advocacy.nlp.figures import Sentences

_LATIN = "A-Za-zÀ-ÖØ-öø-ÿŒœ"
_ARABIC = "\u0621-\u064a\u0671-\u06d3"
_WS = "[ \t\u00a0\u202f\u2009]"
_SPACES = " \t\n\u00a0\u202f\u2009"
_NOT_LATIN_BEFORE = f"(?<![{_LATIN}])"
_NOT_LATIN_AFTER = f"(?![{_LATIN}])"
_NOT_ARABIC_BEFORE = f"(?<![{_ARABIC}])"
_NOT_ARABIC_AFTER = f"(?![{_ARABIC}])"

# --- speech verbs ---------------------------------------------------------------------------------------

_EN_VERBS = (
    "said|says|say|told|tells|added|adds|explained|explains|stated|states|noted|notes|recalled|recalls|"
    "insisted|insists|warned|warns|stressed|stresses|asked|asks|wrote|writes|declared|declares|argued|argues|"
    "claimed|claims|confirmed|confirms|admitted|admits|continued|continues|recounted|recounts|remembered|"
    "remembers|pointed out|points out|emphasi[sz]ed|emphasi[sz]es|complained|complains|lamented|laments|"
    "urged|urges|replied|replies|answered|answers|acknowledged|acknowledges|observed|observes|commented|"
    "comments|concluded|concludes|testified|testifies|whispered|shouted|cried|sighed|announced|announces|"
    "described|describes"
)
_FR_PRESENT = (
    "dit|disent|déclare|explique|affirme|ajoute|souligne|confie|raconte|indique|précise|assure|estime|"
    "regrette|déplore|dénonce|insiste|poursuit|poursuivent|rappelle|martèle|lance|témoigne|note|observe|"
    "reconnaît|reconnait|commente|conclut|résume|prévient|avertit|lâche|soupire|confirme|répond|répète|"
    "interroge|demande|tranche|nuance|relève|signale|glisse|avoue|admet|renchérit|ironise|plaide|écrit|"
    "détaille|constate|juge|alerte|fait savoir|décrit|salue|sourit|souffle|analyse|évoque|annonce|réagit|"
    "tempête|s['’]indigne|s['’]inquiète|s['’]insurge|s['’]exclame|s['’]emporte|s['’]alarme|se réjouit|"
    "se désole|"
    # the imperfect of reported speech: "regrettait pour sa part"
    "disait|déclarait|expliquait|affirmait|ajoutait|soulignait|confiait|racontait|indiquait|estimait|"
    "regrettait|déplorait|dénonçait|assurait|précisait|notait|rappelait|insistait|reconnaissait"
)
_FR_PARTICIPLES = (
    "dit|déclaré|expliqué|affirmé|ajouté|souligné|confié|raconté|indiqué|précisé|assuré|estimé|regretté|"
    "déploré|dénoncé|insisté|poursuivi|rappelé|martelé|lancé|témoigné|noté|observé|reconnu|commenté|conclu|"
    "résumé|prévenu|averti|lâché|soupiré|confirmé|répondu|répété|demandé|relevé|signalé|fait savoir|avoué|"
    "admis|plaidé|écrit|détaillé|constaté|jugé|alerté|réagi|salué|décrit|souri|soufflé|analysé|évoqué|"
    "annoncé"
)
# Inverted subject pronouns turn the verb into an attribution without a name: "ajoute-t-il", "a-t-elle dit".
_FR_INVERTED = r"-t-(?:il|elle|on)|-(?:il|elle|ils|elles)"
_FR_ADVERBS = r"(?:encore|aussi|également|alors|ensuite|déjà|notamment|enfin)"
_FR_VERB = (
    rf"(?:a|ont|avait|avaient|aurait)(?P<fr_pp_pronoun>{_FR_INVERTED})?{_WS}+(?:{_FR_ADVERBS}{_WS}+)?"
    rf"(?:{_FR_PARTICIPLES})(?:e|s|es)?"
    rf"|(?:s['’]est|se sont)(?P<fr_refl_pronoun>{_FR_INVERTED})?{_WS}+"
    rf"(?:indigné|inquiété|insurgé|exclamé|emporté|interrogé)(?:e|s|es)?"
    rf"|(?:{_FR_PRESENT})(?:nt)?(?P<fr_pronoun>{_FR_INVERTED})?"
)
# "Et d'ajouter : « … »", "adding that “…”", "مضيفا أن": forms without a subject, which like a pronoun
# stand for someone named just before.
_EN_SUBJECTLESS = "adding|noting|warning|stressing|insisting|explaining|arguing|saying"
_FR_SUBJECTLESS = (
    rf"(?:(?:et|avant){_WS}+)?d['’](?:ajouter|expliquer|affirmer|insister|indiquer|assurer|estimer|avertir)"
    rf"|(?:et|avant){_WS}+de{_WS}+(?:préciser|souligner|conclure|poursuivre|rappeler|déplorer|dénoncer|"
    rf"lancer|marteler|regretter|nuancer|témoigner)"
    rf"|ajoutant|précisant|soulignant|estimant|expliquant|rappelant|affirmant|insistant|assurant"
)
_AR_SUBJECTLESS = (
    rf"{_NOT_ARABIC_BEFORE}[وف]?(?:مضيف|مؤكد|موضح|مشير|محذر|مستدرك|قائل|معتبر|مبرز|مشدد|لافت|منبه|مردف)"
    rf"(?:ا|اً|ة|ين)?{_NOT_ARABIC_AFTER}"
)
_AR_PAST = (
    "قال|حكى|حكت|[أا]ضاف|صرح|[أا]كد|[أا]وضح|[أا]شار|اعتبر|شدد|[أا]فاد|ذكر|[أا]علن|تابع|استطرد|[أا]ردف|[أا]برز|"
    "لفت|نبه|حذر|كشف|روى|روت|وصف|اعترف|طالب|دعا|دعت|علق|ختم|استرسل|عبر|[أا]وضحت"
)
_AR_PRESENT = (
    "قول|حكي|ضيف|صرح|ؤكد|وضح|شير|عتبر|شدد|فيد|ذكر|علن|تابع|ستطرد|ردف|برز|لفت|نبه|حذر|كشف|روي|صف|عترف|"
    "طالب|دعو|علق|ختم|سترسل"
)
_AR_VERB = rf"{_NOT_ARABIC_BEFORE}[وف]?(?:(?:{_AR_PAST})(?:ت|وا)?|[يت](?:{_AR_PRESENT})(?:ون)?){_NOT_ARABIC_AFTER}"
# Phrases after which the speaker is named: "according to X", "selon X", "حسب X".
_EN_SOURCE = r"according\s+to"
_FR_SOURCE = rf"selon|d['’]après|de{_WS}+l['’]avis{_WS}+de"
_AR_SOURCE = (
    rf"{_NOT_ARABIC_BEFORE}(?:و?ب?حسب|وفق(?:ا|اً)?{_WS}*(?:لـ?|ل)?|على{_WS}+حد{_WS}+(?:تعبير|قول)|على{_WS}+لسان|"
    rf"نقلا{_WS}+عن|نقلاً{_WS}+عن)"
)


def _vocabulary(language: str) -> re.Pattern:
    parts = []
    if language in ("", "en"):
        parts += [rf"(?P<en_source>{_NOT_LATIN_BEFORE}{_EN_SOURCE}{_NOT_LATIN_AFTER})",
                  rf"(?P<en_subjectless>{_NOT_LATIN_BEFORE}(?:{_EN_SUBJECTLESS}){_NOT_LATIN_AFTER})",
                  rf"(?P<en_verb>{_NOT_LATIN_BEFORE}(?:{_EN_VERBS}){_NOT_LATIN_AFTER})"]
    if language in ("", "fr"):
        parts += [rf"(?P<fr_source>{_NOT_LATIN_BEFORE}(?:{_FR_SOURCE}){_NOT_LATIN_AFTER})",
                  rf"(?P<fr_subjectless>{_NOT_LATIN_BEFORE}(?:{_FR_SUBJECTLESS}){_NOT_LATIN_AFTER})",
                  rf"(?P<fr_verb>{_NOT_LATIN_BEFORE}(?:{_FR_VERB}){_NOT_LATIN_AFTER})"]
    if language in ("", "ar"):
        parts += [rf"(?P<ar_source>{_AR_SOURCE})", rf"(?P<ar_subjectless>{_AR_SUBJECTLESS})",
                  rf"(?P<ar_verb>{_AR_VERB})"]
    if not parts:  # another language: try them all rather than find nothing
        return _vocabulary("")
    return re.compile("|".join(parts), re.I)


_VOCABULARIES = {language: _vocabulary(language) for language in ("", "en", "fr", "ar")}

# --- speakers ---------------------------------------------------------------------------------------------

_PRONOUNS = {"he", "she", "they", "it", "we", "i", "il", "elle", "ils", "elles", "on", "nous", "je",
             "هو", "هي", "هم", "هن"}
# Phrases that point back to someone already named: "ce dernier", "the latter", "المتحدث ذاته".
_ANAPHORA = re.compile(
    rf"^(?:(?:ce|cette){_WS}+derni(?:er|ère)|celui-ci|celle-ci|l['’]intéressée?|the{_WS}+latter|"
    rf"the{_WS}+same{_WS}+(?:source|official|person)|(?:هذا|هذه){_WS}+الأخير(?:ة)?|الأخير(?:ة)?|"
    rf"\S+{_WS}+(?:ذاته|ذاتها|نفسه|نفسها))$", re.I)
# Where a speaker named after the verb stops ("said Amina Tazi on Tuesday", "a déclaré X lors de").
_SPEAKER_STOP = re.compile(
    rf"{_NOT_LATIN_BEFORE}(?:on|during|yesterday|today|tonight|last|earlier|later|after|before|while|when|"
    rf"as|adding|who|which|whose|where|in{_WS}+(?:a|an|his|her|their){_WS}+(?:statement|interview|"
    rf"press|speech|message|letter|report)|to{_WS}+(?:reporters|journalists|the{_WS}+press)|hier|"
    rf"aujourd['’]hui|lors|qui|dont|où|à|en{_WS}+(?:marge|conférence|réponse)|dans{_WS}+(?:un|une|son|sa){_WS}+)"
    rf"{_NOT_LATIN_AFTER}", re.I)
# Time words that may stand between a French verb and its subject: "a déclaré mardi le ministre".
_LEADING_TIME = re.compile(
    rf"^(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|hier|aujourd['’]hui|yesterday|today)"
    rf"(?:{_WS}+(?:matin|soir|après-midi|dernier))?,?{_WS}+)+", re.I)
_ARABIC_SPEAKER_STOP = re.compile(
    rf"{_NOT_ARABIC_BEFORE}(?:[إأا]ن(?:ه|ها|هم)?|ب[أا]ن(?:ه|ها|هم)?|في{_WS}+(?:تصريح|حديث|اتصال|كلمة|ندوة|"
    rf"لقاء|مقابلة|حوار|بلاغ|بيان)|خلال|على{_WS}+هامش|لـ|للصحافة|لوسائل|لجريدة|لموقع|لوكالة|لصحيفة|لقناة|"
    rf"أمس|اليوم|يوم|مضيفا|مضيفة)(?![{_ARABIC}])"
    # an aside after a comma: "مسؤول، فضل عدم ذكر اسمه، إن"
    rf"|[،,]{_WS}*(?:فضّ?ل|رفض|طلب|الذي|التي|الذين|وهو|وهي|وهم)(?![{_ARABIC}])")
# Where the words an Arabic verb introduces begin: its speaker and any aside come before.
_ARABIC_CLAUSE_END = re.compile(
    rf"{_NOT_ARABIC_BEFORE}(?:[إأا]ن(?:ه|ها|هم)?|ب[أا]ن(?:ه|ها|هم)?)(?![{_ARABIC}])|[:.؟!?\"«»“”\n]")
# Words that start a clause rather than a description after a comma: "said Tazi, who…", "X, adding…".
_NOT_APPOSITION = re.compile(
    rf"^(?:who|which|whose|that|where|when|while|adding|and|but|as|before|after|qui|que|dont|où|ajoutant|"
    rf"et|mais|avant|après){_NOT_LATIN_AFTER}", re.I)
# Where the subject of a verb starts inside a longer clause: "The ministry did not reply but a spokesman…".
_CLAUSE_BREAK = re.compile(
    rf"{_NOT_LATIN_BEFORE}(?:but|while|whereas|however|because|mais|tandis{_WS}+que|alors{_WS}+que|car|donc|"
    rf"puis){_NOT_LATIN_AFTER}{_WS}*|[:;—–]{_WS}*", re.I)
_LEADING_LINK = re.compile(rf"^(?:and|but|yet|so|also|et|mais|puis|alors|aussi|or){_NOT_LATIN_AFTER}{_WS}*",
                           re.I)
_TRAILING_ADVERB = re.compile(
    rf"{_WS}+(?:also|later|then|previously|again|recently|earlier|further|once|aussi|également|encore|"
    rf"ensuite|alors|déjà|lui-même|elle-même|quant{_WS}+à{_WS}+lui|quant{_WS}+à{_WS}+elle)\Z", re.I)
_NAME_PARTICLES = {"de", "du", "des", "d'", "d’", "el", "al", "ben", "bin", "ibn", "van", "von", "la", "le",
                   "da", "di", "ould", "ag", "bint", "ait", "aït"}
_NOT_NAME_START = {"on", "in", "at", "for", "with", "during", "after", "before", "since", "by", "from",
                   "according", "en", "dans", "pour", "avec", "selon", "après", "avant", "depuis", "lors",
                   "interrogé", "interrogée", "contacté", "contactée", "joint", "jointe", "the", "le", "la",
                   "les", "a", "an", "un", "une"}
# Asides between a subject and its verb: "X, speaking on condition of anonymity, said", "X, joint par…".
_PARENTHETICAL = re.compile(
    rf"^(?:who|which|whose|qui|que|dont|[a-z]+ing|contacted|reached|interviewed|joint|jointe|contacté|"
    rf"contactée|interrogé|interrogée|sollicité|sollicitée){_NOT_LATIN_AFTER}")
# How a noun phrase that can be a subject starts: a determiner, a capital or Arabic script.
_DETERMINED = re.compile(
    rf"^(?:(?:the|a|an|his|her|its|their|our|this|that|le|la|les|l['’]|un|une|des|du|son|sa|ses|leur|"
    rf"leurs|notre|nos|ce|cet|cette|ces){_NOT_LATIN_AFTER}|l['’]|(?-i:[A-ZÀ-Ö])|[{_ARABIC}])", re.I)
_MAX_SPEAKER_WORDS = 14


def _is_name(words: list[str]) -> bool:
    """Capitalised words, as in "Dr Abdellah Amzil" or "Karim El Idrissi", not "On Tuesday"."""
    if not 1 <= len(words) <= 6 or words[0].lower().rstrip(".") in _NOT_NAME_START:
        return False
    return all(w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words) and words[0][:1].isupper()


def _is_description(words: list[str]) -> bool:
    """A lower-case phrase that describes someone: "a lawyer", "mère de trois enfants", "head of…"."""
    return bool(words) and len(words) <= 10 and not _NOT_APPOSITION.match(" ".join(words)) and (
        words[0][:1].islower() or bool(re.match(f"[{_ARABIC}]", words[0])))


def _trim(text: str, start: int, end: int, chars: str = _SPACES + ",،") -> tuple[int, int]:
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


def _subject_before(text: str, start: int, end: int) -> str:
    """The speaker written before a verb: the subject nearest the verb within ``start``..``end``."""
    start, end = _trim(text, start, end, _SPACES)
    while True:  # "Tazi later said", "la ministre a ensuite": the adverb is not part of the speaker
        adverb = _TRAILING_ADVERB.search(text, start, end)
        if not adverb:
            break
        start, end = _trim(text, start, adverb.start(), _SPACES)
    # "Amina Tazi, a lawyer, said": a part closed by a comma is an apposition to what precedes it.
    closed = text[start:end].endswith((",", "،"))
    breaks = list(_CLAUSE_BREAK.finditer(text, start, end))
    if breaks:
        start = breaks[-1].end()
    link = _LEADING_LINK.match(text[start:end])
    if link:
        start += link.end()
    start, end = _trim(text, start, end)
    if start >= end:
        return ""
    # Comma-separated parts, nearest the verb last: "On Tuesday, Amina Tazi, a lawyer," → name + description.
    cuts = [start] + [start + m.end() for m in re.finditer(r"[,،]", text[start:end])]
    parts = [_trim(text, a, b) for a, b in zip(cuts, cuts[1:] + [end])]
    parts = [(a, b) for a, b in parts if a < b]
    while len(parts) > 1 and _PARENTHETICAL.match(text[parts[-1][0]:parts[-1][1]]):
        parts.pop()
        closed = True
    last_start, last_end = parts[-1]
    if len(parts) >= 2:
        name_start, name_end = parts[-2]
        last = text[last_start:last_end].split()
        if closed and _is_name(text[name_start:name_end].split()) and last[0][:1].islower():
            # "Amina Tazi, a lawyer," → both; a description too long to be only that → the name alone.
            if _is_description(last):
                last_start = name_start
            else:
                last_start, last_end = name_start, name_end
        elif not _DETERMINED.match(text[last_start:last_end]):
            # "Le président, présent dans la tribune, a salué", "X, appelle au calme et annonce": words
            # without a determiner are an aside or another verb, not the subject; the part before is.
            last_start, last_end = name_start, name_end
    speaker = text[last_start:last_end]
    return speaker if len(speaker.split()) <= _MAX_SPEAKER_WORDS else ""


_NAME_END = re.compile(r"[,.;:!?()\"«»“”\n]|" + _SPEAKER_STOP.pattern, re.I)
_ARABIC_NAME_END = re.compile(rf"[:.؟!?\"«»“”\n]|{_ARABIC_SPEAKER_STOP.pattern}")
_TITLE_BEFORE_DOT = re.compile(r"(?:^|\s)(?:[A-Z]|Dr|Mr|Mrs|Ms|Pr|Prof|St)\Z")


def _named_after(text: str, start: int, end: int) -> str:
    """The speaker written after a verb or "according to", in English or French: the name up to the first
    punctuation, with a description or name in apposition when one runs to the end of the sentence
    ("said Amina Tazi, a lawyer", "said the association's president, Khadija Naciri")."""
    start, _ = _trim(text, start, end, _SPACES)
    leading = _LEADING_TIME.match(text[start:end])
    if leading:
        start += leading.end()
    stop = _NAME_END.search(text, start, end)
    # An abbreviation or an initial is not the end of a name: "Dr. Amzil", "M. Tazi".
    while stop and stop.group() == "." and _TITLE_BEFORE_DOT.search(text[start:stop.start()]):
        stop = _NAME_END.search(text, stop.end(), end)
    core_end = stop.start() if stop else end
    core_start, core_end = _trim(text, start, core_end)
    if core_start >= core_end:
        return ""
    speaker_end = core_end
    if stop and stop.group() in (",", "،"):
        rest_start, rest_end = _trim(text, stop.end(), end)
        rest_stop = re.search(r"[,،.;:!?؟()\"«»“”\n]", text[rest_start:rest_end])
        if rest_stop is None or text[rest_start + rest_stop.start()] in ".;!?؟\n":
            rest_end = rest_start + rest_stop.start() if rest_stop else rest_end
            apposition = text[rest_start:rest_end].split()
            if _is_description(apposition) or _is_name(apposition):
                speaker_end = rest_end
    speaker = text[core_start:speaker_end]
    return speaker if len(speaker.split()) <= _MAX_SPEAKER_WORDS else ""


def _named_after_arabic(text: str, start: int, end: int) -> str:
    """The speaker after an Arabic verb: everything up to "إن"/"أن"/":" or the end, a description in
    apposition included ("عبد الله أمزيل، المندوب الإقليمي للصحة")."""
    stop = _ARABIC_NAME_END.search(text, start, end)
    speaker_start, speaker_end = _trim(text, start, stop.start() if stop else end)
    speaker = text[speaker_start:speaker_end]
    return speaker if len(speaker.split()) <= _MAX_SPEAKER_WORDS else ""


def _needs_antecedent(speaker: str) -> bool:
    return speaker.strip().lower() in _PRONOUNS or bool(_ANAPHORA.match(speaker.strip()))


# --- quotation marks --------------------------------------------------------------------------------------

_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=[ \t]*\n\s*\n|\s*\Z)", re.S)
_PAIRED = [
    re.compile(r"«[^«»]*»"),
    re.compile(r"“[^“”]*”"),
    # An apostrophe inside a word (don’t, l’OIM) is not a closing mark.
    re.compile(rf"‘(?:[^‘’]|’(?=[{_LATIN}]))*’(?![{_LATIN}])"),
    # Straight single quotes, told apart from apostrophes by what touches them: 'We…' but not Morocco's.
    re.compile(r"(?<![\w'’])'(?=\S)(?:[^'\n]|(?<=\w)'(?=\w))+?(?<=\S)'(?!\w)"),
]
_TITLE_CUE = re.compile(
    rf"{_NOT_LATIN_BEFORE}(?:titled|entitled|called|named|dubbed|headlined|themed|the{_WS}+theme|"
    rf"the{_WS}+slogan|intitulée?s?|baptisée?s?|nommée?s?|appelée?s?|dénommée?s?|sous{_WS}+le{_WS}+"
    rf"(?:thème|titre|slogan|signe)|le{_WS}+thème|le{_WS}+slogan|بعنوان|تحت{_WS}+عنوان|تحت{_WS}+شعار|"
    rf"شعار|تحت{_WS}+اسم|المعنونة?|الموسومة?)(?:{_WS}|:)*\Z", re.I)
_MIN_WORDS = 4
# How far from a quote its attribution is looked for, in characters: far more than any real attribution
# needs, and a limit on the work one quote costs in a text without full stops.
_REACH = 500


@dataclass
class _Marks:
    open: int    # offset of the opening mark
    close: int   # offset just past the closing mark
    start: int   # the quoted words, trimmed
    end: int
    words: int


def _quotation_marks(text: str) -> list[_Marks]:
    """Outermost quotations, in text order, each within one paragraph. Straight double quotes pair up
    in order within the paragraph, since the same mark opens and closes."""
    found: list[tuple[int, int]] = []
    for paragraph in _PARAGRAPH.finditer(text):
        a, b = paragraph.span()
        for pattern in _PAIRED:
            found += [m.span() for m in pattern.finditer(text, a, b)]
        straight = [i for i in range(a, b) if text[i] == '"']
        found += [(straight[i], straight[i + 1] + 1) for i in range(0, len(straight) - 1, 2)]
    found.sort(key=lambda span: (span[0], -span[1]))
    marks: list[_Marks] = []
    for open_, close in found:
        if marks and open_ < marks[-1].close:
            continue  # nested in (or tangled with) the previous quotation
        start, end = _trim(text, open_ + 1, close - 1, _SPACES)
        # The comma before the closing mark belongs to the attribution that follows, not to the speaker.
        if end > start and text[end - 1] in ",،":
            start, end = _trim(text, start, end - 1, _SPACES)
        if start < end:
            marks.append(_Marks(open_, close, start, end, len(text[start:end].split())))
    return marks


def _is_title(text: str, mark: _Marks, sentence_start: int) -> bool:
    if _TITLE_CUE.search(text, max(sentence_start, mark.open - 40), mark.open):
        return True
    words = re.findall(rf"[{_LATIN}][{_LATIN}'’-]*", text[mark.start:mark.end])
    long_words = [w for w in words if len(w) >= 4]
    return (len(long_words) >= 2 and sum(w[0].isupper() for w in long_words) >= 0.8 * len(long_words)
            and text[mark.end - 1] not in ".!?")


# --- attributions -----------------------------------------------------------------------------------------

@dataclass
class _Attribution:
    speaker: str
    position: int   # where the verb or "according to" is
    strong: bool    # introduced by a colon or "that"/"que"/"إن": it names the speaker of what follows


def _words(text: str) -> int:
    return len(text.split())


def _kind(match: re.Match) -> str:
    return match.lastgroup or ""


def _inverted_pronoun(match: re.Match) -> str:
    """"elle" for "a-t-elle ajouté", "il" for "explique-t-il", "" for a verb without one."""
    groups = match.groupdict()
    inverted = groups.get("fr_pronoun") or groups.get("fr_pp_pronoun") or groups.get("fr_refl_pronoun")
    return inverted.rsplit("-", 1)[-1] if inverted else ""


def _speaker_at(text: str, match: re.Match, start: int, end: int) -> str:
    """The speaker that the speech verb ``match`` names within the clause ``start``..``end``: its subject
    before it, or for an inverted verb, "according to" and Arabic verbs, the words after it. "" for a verb
    without a subject; a pronoun as written."""
    kind = _kind(match)
    if kind.endswith("subjectless"):
        return ""
    if kind.startswith("ar"):
        return _named_after_arabic(text, match.end(), end)
    if kind.endswith("source"):
        return _named_after(text, match.end(), end)
    if _inverted_pronoun(match):
        return _inverted_pronoun(match)
    if text[start:match.start()].strip(_SPACES + ",،—–-"):
        return _subject_before(text, start, match.start())
    return _named_after(text, match.end(), end)  # inverted: "said Moussa", "explique Aïcha"


def _attribution_before(text: str, vocabulary: re.Pattern, start: int, open_: int) -> _Attribution | None:
    """An attribution between ``start`` (sentence start or the previous quote) and the opening mark."""
    context = text[start:open_]
    strong = bool(re.search(rf"(?::|{_NOT_LATIN_BEFORE}(?:that|que|qu['’])|[إأ]ن|ب[أا]ن)[{_SPACES}]*\Z", context))
    chosen = None
    for match in vocabulary.finditer(text, start, open_):
        kind = _kind(match)
        tail = text[match.end():open_]
        if re.search(r"[.!?؟;]\s", tail):
            continue
        arabic = kind.startswith("ar")
        if _words(tail) <= (16 if arabic or kind.endswith("source") else 6):
            chosen = match
            # An Arabic sentence opens on its verb ("وقال مسؤول، فضل عدم ذكر اسمه، إن"): the first verb
            # names the speaker, later ones belong to asides. In English and French the nearest one does.
            if arabic:
                break
    if chosen is None:
        return None
    return _Attribution(_speaker_at(text, chosen, start, open_), chosen.start(), strong)


_CLAUSE_GOES_ON = re.compile(
    rf"[.,;!?]|(?:on|in|at|during|last|yesterday|today|earlier|later|lors|hier|lundi|mardi|mercredi|jeudi|"
    rf"vendredi|samedi|dimanche){_NOT_LATIN_AFTER}", re.I)


def _ends_attribution(text: str, verb: re.Match, end: int) -> bool:
    """Whether the clause ends with its verb ("Moussa said.", "Tazi told AFP on Monday."), as an
    attribution does, rather than going on ("The ministry said it would investigate")."""
    rest = text[verb.end():end].strip(_SPACES)
    if not rest or _CLAUSE_GOES_ON.match(rest):
        return True
    if verb.group().lower() in ("told", "tells", "asked", "asks"):
        return _words(re.split(r"[.,;!?]", rest)[0]) <= 3
    return False


def _attribution_after(text: str, vocabulary: re.Pattern, close: int, end: int, *,
                       comma_before: bool) -> _Attribution | None:
    """An attribution between the closing mark and ``end`` (sentence end or the next quote)."""
    lead = re.match(rf"[{_SPACES}]*([,،]|[—–-](?=\s))?[{_SPACES}]*", text[close:end])
    begin = close + lead.end()
    match = vocabulary.search(text, begin, end)
    if match is None:
        return None
    kind = _kind(match)
    between = text[begin:match.start()]
    if re.search(r"[;:!?؟\n]", between):
        return None
    if kind.startswith("ar"):
        if _words(between) > 2:
            return None
        return _Attribution(_speaker_at(text, match, begin, end), match.start(), False)
    # No comma and a capital letter: a new sentence, which attributes only if its clause is just that
    # ("“We want papers.” Moussa said.").
    new_sentence = not (comma_before or lead.group(1)) and not text[begin:begin + 1].islower()
    if between.strip():
        if _words(between) > 8 or (new_sentence and not _ends_attribution(text, match, end)):
            return None
    elif new_sentence:
        return None
    return _Attribution(_speaker_at(text, match, begin, end), match.start(), False)


def _names(attribution: _Attribution | None) -> bool:
    return attribution is not None and bool(attribution.speaker) and not _needs_antecedent(attribution.speaker)


def _prefer(before: _Attribution | None, after: _Attribution | None) -> _Attribution | None:
    """An introduction with a colon or "that" wins; otherwise the side that names someone, the words after
    the quote first ("…,” said X" is the usual form)."""
    if before is not None and before.strong:
        return before
    if _names(after) or (after is not None and not _names(before)):
        return after
    return before


def _gap_is_attribution(text: str, vocabulary: re.Pattern, before: _Marks, after: _Marks) -> bool:
    """Whether only an attribution stands between two parts of one sentence: “A,” she said, “B.”"""
    gap = text[before.close:after.open]
    comma_inside = text[before.end:before.close].lstrip(_SPACES)[:1] in (",", "،")
    if not (comma_inside or re.match(rf"[{_SPACES}]*[,،]", gap)):
        return False  # “A.” She added: “B.” is two sentences, not one quote cut in two
    if _words(gap) > 10 or re.search(r"[.!?؟;]", gap) or "\n" in gap:
        return False
    return bool(re.search(rf"[,،:][{_SPACES}]*\Z", gap)) and vocabulary.search(gap) is not None


# A person introduced at the start of a sentence, by name or as an anonymous witness, before an aside:
# "Hamadoun Cissé, 52 ans, père de sept enfants, regarde…", "Un jeune de 25 ans, rentré de Libye, compte…",
# or whose point of view the sentence gives: "Pour Issa Konaté, chaque semaine compte."
_INTRODUCED = re.compile(
    rf"(?:(?:Pour|For){_WS}+(?=(?:[A-ZÀ-Ö][{_LATIN}'’.-]*{_WS}+){{1,3}}[A-ZÀ-Ö][{_LATIN}'’-]+,))?"
    rf"((?:[A-ZÀ-Ö][{_LATIN}'’.-]*{_WS}+){{1,4}}[A-ZÀ-Ö][{_LATIN}'’-]+"
    rf"|(?:Un|Une|A|An){_WS}+[^,.;:!?\"«»“”\n]{{3,60}}),")


def _antecedents(text: str, vocabulary: re.Pattern, sentences: Sentences, marks: list[_Marks],
                 start: int, end: int) -> list[tuple[int, str]]:
    """(position, speaker) of the people named between ``start`` and ``end`` outside quotes: subjects of
    speech verbs, quoted or not ("Moussa Keïta said the programme relied on trust"), and people introduced
    at the start of a sentence."""
    found = []
    asides: list[tuple[int, int]] = []  # between an Arabic verb and the "إن" that follows its speaker
    for match in vocabulary.finditer(text, start, end):
        if any(m.open <= match.start() < m.close for m in marks):
            continue
        if any(a <= match.start() < b for a, b in asides):
            continue  # "وقال مسؤول، فضل عدم ذكر اسمه، إن": "ذكر" has no speaker of its own
        if _kind(match).startswith("ar"):
            particle = _ARABIC_CLAUSE_END.search(text, match.end(), end)
            asides.append((match.end(), particle.start() if particle else end))
        clause_start, clause_end = sentences.around(match.start())
        clause_start = max([clause_start] + [m.close for m in marks if m.close <= match.start()])
        clause_end = min([clause_end, end] + [m.open for m in marks if m.open >= match.end()])
        speaker = _speaker_at(text, match, clause_start, clause_end)
        if speaker and not _needs_antecedent(speaker):
            found.append((match.start(), speaker))
    for sentence_start, sentence_end in sentences.spans[sentences.index(start):sentences.index(end) + 1]:
        if start <= sentence_start < end:
            introduced = _INTRODUCED.match(text, sentence_start, sentence_end)
            words = introduced.group(1).split() if introduced else []
            if words and (_is_name(words) or (words[0] in ("Un", "Une", "A", "An") and len(words) <= 8)):
                found.append((sentence_start, introduced.group(1)))
    return found


def _first_visible(text: str, offset: int) -> int:
    """The first non-space offset from ``offset`` (or ``offset`` at the end of the text)."""
    while offset < len(text) and text[offset] in _SPACES:
        offset += 1
    return offset


def find_quotes(text: str, *, language: str = "") -> list[Quote]:
    """The quotations of ``text`` in reading order, each with its speaker when the article names one.

    ``language`` ("en", "fr", "ar") limits the speech verbs looked for to that language's; "" (unknown, or
    an article that mixes languages) looks for all three.
    """
    vocabulary = _VOCABULARIES.get(language, _VOCABULARIES[""])
    sentences = Sentences(text)
    candidates = _quotation_marks(text)

    def sentence_start(offset: int) -> int:
        return sentences.around(offset)[0]

    kept = [m.words >= _MIN_WORDS for m in candidates]
    # A short part of a split quote stays with the longer part it continues.
    for index in range(len(candidates)):
        if kept[index]:
            continue
        for other in (index - 1, index + 1):
            if 0 <= other < len(candidates) and candidates[other].words >= _MIN_WORDS:
                pair = sorted((index, other))
                if _gap_is_attribution(text, vocabulary, candidates[pair[0]], candidates[pair[1]]):
                    kept[index] = True
    marks = [m for m, keep in zip(candidates, kept) if keep]

    attributions: list[_Attribution | None] = []
    for index, mark in enumerate(marks):
        # "X explained:\n\n“…”" — a colon at the end of the previous line still introduces the quote.
        previous_char = text[:mark.open].rstrip(_SPACES)[-1:]
        if previous_char == ":":
            bound = sentence_start(len(text[:mark.open].rstrip(_SPACES)) - 1)
        else:
            bound = sentence_start(mark.open)
        if index and marks[index - 1].close > bound:
            bound = marks[index - 1].close
        bound = max(bound, mark.open - _REACH)
        following_end = sentences.around(min(len(text) - 1, _first_visible(text, mark.close)))[1]
        if index + 1 < len(marks):
            following_end = min(following_end, marks[index + 1].open)
        following_end = max(min(following_end, mark.close + _REACH), mark.close)
        before = _attribution_before(text, vocabulary, bound, mark.open)
        after = _attribution_after(text, vocabulary, mark.close, following_end,
                                   comma_before=text[mark.end:mark.close].lstrip(_SPACES)[:1] in (",", "،"))
        attributions.append(_prefer(before, after))

    # Chains of split quotes share one speaker and one sentence.
    chains: list[list[int]] = []
    for index in range(len(marks)):
        if index and _gap_is_attribution(text, vocabulary, marks[index - 1], marks[index]):
            chains[-1].append(index)
        else:
            chains.append([index])

    quotes: list[Quote] = []
    named: list[tuple[int, str]] = []  # (position, speaker) of the quotes' speakers so far
    previous: tuple[int, str] | None = None  # (sentence end, speaker) of the last quote reported
    for chain in chains:
        found = [attributions[i] for i in chain if attributions[i] is not None]
        spoken = next((a for a in found if a.speaker and not _needs_antecedent(a.speaker)), None) \
            or (found[0] if found else None)
        first, last = marks[chain[0]], marks[chain[-1]]
        low = min([first.open] + [a.position for a in found])
        high = max([last.close] + [a.position + 1 for a in found])
        sentence = sentences.around(low, high)
        if spoken is None and any(_is_title(text, marks[i], sentence[0]) for i in chain):
            continue
        if spoken is not None and _TITLE_CUE.search(text, max(sentence[0], first.open - 40), first.open):
            continue
        speaker = spoken.speaker if spoken else ""
        if spoken is not None and (not speaker or _needs_antecedent(speaker)):
            # The window opens two sentences before the one where the quote or its attribution begins.
            window = sentences.spans[max(sentences.index(low) - 2, 0)][0] if sentences.spans else 0
            window = max(window, low - _REACH * 3)
            candidates_before = [(p, s) for p, s in named if p >= window]
            candidates_before += _antecedents(text, vocabulary, sentences, marks, window, spoken.position)
            speaker = max(candidates_before, key=lambda c: c[0])[1] if candidates_before else ""
        elif spoken is None and previous and sentence[0] == first.open \
                and not text[previous[0]:first.open].strip(" \t\u00a0\u202f"):
            # “A,” said X. “B.” — a quote that opens the very next sentence of the same paragraph,
            # with no attribution of its own, goes on with the same speaker.
            speaker = previous[1]
        if speaker:
            named.append((high, speaker))
        previous = (sentence[1], speaker)
        for i in chain:
            mark = marks[i]
            quotes.append(Quote(text[mark.start:mark.end], speaker, text[sentence[0]:sentence[1]],
                                mark.start, mark.end))
    return quotes
