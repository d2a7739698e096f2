"""Key figures in article text: counts of people, sums of money and percentages, each with its exact place.

A brief may only print a figure that can be checked word for word against the source, so every
:class:`Figure` keeps ``text`` exactly as written (``article_text[start:end]``) and, beside it, the value and
unit a reader would compare: ``"2,5 millions d'euros"`` is 2 500 000 EUR, ``"٣٢٦ مهاجرا"`` is 326 migrants.

What counts as a figure
    A number written in digits (ASCII or Arabic-Indic), with what a reader needs to understand it: a
    qualifier before it ("more than", "plus de", "أكثر من"), a currency before or after it, a scale word
    ("million", "milliards", "مليون"), a percent sign or phrase, or the counted noun after it ("326
    migrants", "35 specialists", "200 لاجئ"). A number with none of those is still a figure, with unit "".
What is left out
    Years (a bare four-digit number from 1900 to 2099 with no unit, or one after "in", "en", "عام"...),
    dates, times of day, phone numbers, references to laws, articles, pages and the like ("loi 27-14",
    "article 7", "القانون 02.03"), ordinals ("1er", "2nd"), and digits that belong to a word or a code
    ("COVID-19", "G5").

Ambiguities resolved here
    A comma or full stop followed by exactly three digits groups thousands ("1,500", "12.500"); otherwise it
    is a decimal mark ("2,5", "1.2"). In French (``language="fr"``) a lone comma group is read as a decimal
    mark instead, since French writes "12,500" for twelve and a half. A plain space groups thousands only
    between a group of one to three digits and a group of exactly three ("50 000", "2 500"). "dollars" is
    taken for US dollars. Written without vowel marks, "أسرة" may be "families" or "beds"; it is read as
    families, the common sense in this domain ("أسرّة", with the shadda, is beds).

Not handled
    Numbers written in words ("three hundred", "مئتي"), ranges as one figure ("de 1,5 à 3 millions de FCFA"
    gives "1,5" alone and "3 millions de FCFA"), negative numbers, and a counted noun written before its
    number ("عدد المهاجرين 326").
"""
from __future__ import annotations

import bisect
import re

from advocacy.article import Figure

_DIGITS = "0-9\u0660-\u0669\u06f0-\u06f9"
_D = f"[{_DIGITS}]"
_TO_ASCII = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LATIN = "A-Za-zÀ-ÖØ-öø-ÿŒœ"
_ARABIC = "\u0621-\u064a\u0671-\u06d3"
_HARAKAT = "[\u064b-\u0652]*"
# Spaces that may sit inside a figure: French typography puts a (narrow) no-break space before "%".
_WS = "[ \t\u00a0\u202f\u2009]"
_NOT_LATIN_AFTER = f"(?![{_LATIN}])"
_NOT_LETTER_AFTER = f"(?![{_LATIN}{_ARABIC}])"

_NUMBER = re.compile(rf"""
    (?<![{_LATIN}{_DIGITS}_/:.,\u066b\u066c])   # not the tail of a word, a code, a ratio or a longer number
    (?<![{_LATIN}{_DIGITS}]-)                    # nor the second half of "COVID-19" or "02-03"
    (?:
        {_D}{{1,3}}(?P<sep>[,.\u066c\u00a0\u202f\u2009 ]){_D}{{3}}(?!{_D})(?:(?P=sep){_D}{{3}}(?!{_D}))*
        (?P<grouped_decimal>[.,\u066b]{_D}+)?
      | {_D}+(?:[.,\u066b]{_D}+)?
    )
    (?!{_D}|[/:]{_D}|[.,]{_D}|-[{_LATIN}{_DIGITS}])
""", re.X)

# --- what may stand before a number -------------------------------------------------------------------

_QUALIFIERS_LATIN = [
    "more than", "over", "well over", "just over", "nearly", "almost", "about", "around", "approximately",
    "roughly", "some", "at least", "up to", "as many as", "fewer than", "less than", "close to",
    "an estimated", "just under",
    "plus de", "plus d'", "plus d’", "un peu plus de", "près de", "pres de", "environ", "quelque",
    "au moins", "pas moins de", "moins de", "jusqu'à", "jusqu’à", "autour de", "un peu moins de",
    "presque", "quasiment", "approximativement", "près d'", "près d’",
]
_QUALIFIERS_ARABIC = [
    "أكثر من", "اكثر من", "أزيد من", "ازيد من", "ما يزيد عن", "ما يزيد على", "ما يفوق", "يفوق", "حوالي",
    "حوالى", "نحو", "قرابة", "زهاء", "ما يقارب", "ما يناهز", "يناهز", "أقل من", "اقل من", "ما لا يقل عن",
    "ما مجموعه",
]


def _alternation(words) -> str:
    """Longest first, so that "un peu plus de" wins over "plus de"; spaces match any space in the text."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", f"{_WS}+") for w in ordered)


_QUALIFIER = re.compile(
    rf"(?:(?<![{_LATIN}])(?:{_alternation(_QUALIFIERS_LATIN)})|(?:{_alternation(_QUALIFIERS_ARABIC)}))"
    rf"(?:(?<=['’])|{_WS}+)\Z", re.I)
_CURRENCY_BEFORE = re.compile(
    rf"(?<![{_LATIN}])(?:US{_WS}?\$|U\.S\.{_WS}?\$|\$|€|£|(?:USD|EUR|MAD|XOF|GBP)(?={_WS}))(?:{_WS})?\Z")
# Years among counts: "in 2020 migrants were..." is a year, "2000 migrants" a count.
_YEAR_CUE = re.compile(
    rf"(?:(?<![{_LATIN}])(?:in|since|until|till|by|before|after|early|late|mid|year|years|during|through|"
    rf"en|depuis|dès|jusqu['’]en|d['’]ici|avant|après|année|l['’]an|fin|début|courant)|"
    rf"(?:[وبل]?(?:ال)?(?:عام|سنة)|منذ|في|حتى|خلال|مطلع|أواخر|أوائل|بداية|نهاية|قبل|بعد))"
    rf"{_WS}+\Z", re.I)

# --- what may follow a number -------------------------------------------------------------------------

_SCALES = {
    "thousand": 1e3, "mille": 1e3, "ألف": 1e3, "الف": 1e3, "آلاف": 1e3, "k": 1e3,
    "million": 1e6, "millions": 1e6, "مليون": 1e6, "ملايين": 1e6, "m": 1e6,
    "milliard": 1e9, "milliards": 1e9, "billion": 1e9, "billions": 1e9, "bn": 1e9, "مليار": 1e9,
    "مليارات": 1e9,
}
_SCALE = re.compile(
    rf"{_WS}*(?P<word>thousand|mille|millions?|milliards?|billions?|مليون|ملايين|مليارات|مليار|ألف|الف|آلاف)"
    rf"{_NOT_LETTER_AFTER}", re.I)
# "$1.2m", "€3bn": only right after a number that a currency sign already made a sum of money.
_SHORT_SCALE = re.compile(rf"(?P<word>bn|m|k){_NOT_LATIN_AFTER}", re.I)
_OF = re.compile(rf"{_WS}+(?:de|of){_WS}+|{_WS}+d['’]", re.I)

_PERCENT = re.compile(
    rf"{_WS}{{0,2}}(?:%|٪|per{_WS}?cent{_NOT_LATIN_AFTER}|pour{_WS}?cent{_NOT_LATIN_AFTER}|"
    rf"في{_WS}+الما[ئي]ة|في{_WS}+المئة|بالما[ئي]ة|بالمئة)", re.I)

_CURRENCY_WORDS = [
    # (pattern, ISO code)
    (rf"US{_WS}+dollars?|dollars?(?:{_WS}+(?:américains?|americains?|US))?|\$", "USD"),
    (r"euros?|€", "EUR"),
    (r"£|pounds?(?: sterling)?", "GBP"),
    (rf"dirhams?(?:{_WS}+marocains)?|DHS?|Dhs?|dh|MAD", "MAD"),
    (rf"FCFA|F{_WS}?CFA|francs?{_WS}+CFA|CFA{_WS}+francs?|CFA|XOF|فرنك{_WS}+سيفا", "XOF"),
    (rf"francs?{_WS}+guinéens|GNF", "GNF"),
    (rf"dinars?{_WS}+algériens|DZD", "DZD"),
    (rf"dinars?{_WS}+tunisiens|TND", "TND"),
    (r"ouguiyas?|MRU", "MRU"),
    (r"USD", "USD"), (r"EUR", "EUR"), (r"GBP", "GBP"),
    (rf"دولار(?:ا|ات)?(?:{_WS}+(?:أمريكي|أميركي|امريكي)(?:ا)?)?", "USD"),
    (r"يورو|أورو|اورو", "EUR"),
    (r"درهما|دراهم|درهم", "MAD"),
]
_CURRENCY_AFTER = re.compile(
    rf"{_WS}{{0,2}}(?:" + "|".join(f"(?P<c{i}>{pattern})" for i, (pattern, _) in enumerate(_CURRENCY_WORDS))
    + rf"){_HARAKAT}{_NOT_LETTER_AFTER}", re.I)

_NOUNS_LATIN = [
    # (pattern, normalised unit); English and French surface forms share the English unit.
    (r"migrants?|migrantes?", "migrants"),
    (r"refugees?|réfugié(?:e|s|es)?|refugie(?:e|s|es)?", "refugees"),
    (rf"asylum[- ]seekers?|demandeu(?:r|rs|se|ses){_WS}+d['’]asile", "asylum seekers"),
    (rf"asylum{_WS}+(?:applications?|claims?|requests?)|demandes?{_WS}+d['’]asile", "asylum applications"),
    (r"children|child|enfants?", "children"),
    (r"minors?|mineur(?:e|s|es)?", "minors"),
    (r"women|woman|femmes?", "women"),
    (r"men|man|hommes?", "men"),
    (r"girls?|filles?", "girls"),
    (r"boys?|garçons?", "boys"),
    (r"babies|baby|newborns?|bébés?|nourrissons?", "babies"),
    (r"people|persons?|individuals?|personnes?|individus?", "people"),
    (r"families|family|familles?", "families"),
    (r"households?|ménages?|foyers?", "households"),
    (r"beds?|lits?", "beds"),
    (r"doctors?|physicians?|médecins?|medecins?", "doctors"),
    (r"specialists?|spécialistes?|specialistes?", "specialists"),
    (r"nurses?|infirmi(?:er|ers|ère|ères)", "nurses"),
    (r"patients?", "patients"),
    (r"volunteers?|bénévoles?", "volunteers"),
    (r"students?|pupils?|élèves?|étudiant(?:e|s|es)?", "students"),
    (r"workers?|travailleu(?:r|rs|se|ses)", "workers"),
    (r"deaths?|dead|morts?|décès", "deaths"),
    (r"bodies|corps", "bodies"),
    (r"survivors?|survivant(?:e|s|es)?", "survivors"),
    (r"victims?|victimes?", "victims"),
    (r"cases?|cas", "cases"),
    (r"consultations?", "consultations"),
    (r"beneficiaries|bénéficiaires?", "beneficiaries"),
    (r"detainees?|détenu(?:e|s|es)?", "detainees"),
    (r"deportees?|expulsé(?:e|s|es)?", "deportees"),
    (r"returnees?|rapatrié(?:e|s|es)?", "returnees"),
    (r"nationalities|nationalités?", "nationalities"),
    (r"countries|country|pays", "countries"),
    (r"boats?|embarcations?|bateaux|pateras?|pirogues?", "boats"),
    (r"complaints?|plaintes?", "complaints"),
    (r"lawsuits?", "lawsuits"),
    (r"files|dossiers?", "files"),
]
_NOUNS_ARABIC = [
    (r"مهاجر(?:ا|ين|ون|ة|ات)?", "migrants"),
    (r"لاجئ(?:ا|ين|ون|ة|ات)?|لاجئً", "refugees"),
    (rf"طالب(?:ي|و)?{_WS}+(?:ال)?لجوء", "asylum seekers"),
    (rf"طلب(?:ا|ات)?{_WS}+(?:ال)?لجوء", "asylum applications"),
    (r"أطفال|اطفال|طفل(?:ا|ة)?", "children"),
    (r"قاصر(?:ا|ين|ون|ات)?", "minors"),
    (r"امرأة|إمرأة|نساء|سيدة|سيدات", "women"),
    (r"رجال|رجل(?:ا)?", "men"),
    (r"أشخاص|اشخاص|شخص(?:ا)?|أفراد|افراد|فرد(?:ا)?|نسمة", "people"),
    (r"أسرّة|سرير(?:ا)?", "beds"),  # before families: with the shadda, "أسرّة" is beds
    (r"أسرة|اسرة|أسر|اسر|عائلة|عائلات", "families"),
    (r"أطباء|اطباء|طبيب(?:ا|ة)?", "doctors"),
    (r"[أا]خصائي(?:ا|ين|ون)?|اختصاصي(?:ا|ين|ون)?", "specialists"),
    (r"ممرض(?:ا|ة|ين|ون|ات)?", "nurses"),
    (r"مرضى|مريض(?:ا|ة)?", "patients"),
    (r"متطوع(?:ا|ين|ون)?", "volunteers"),
    (r"تلاميذ|تلميذ(?:ا|ة)?", "students"),
    (r"حالات|حالة", "cases"),
    (r"ضحايا|ضحية", "victims"),
    (r"جثث|جثة", "bodies"),
    (r"مستفيد(?:ا|ين|ون|ة)?", "beneficiaries"),
    (r"دول|دولة|بلدان|بلدا", "countries"),
    (r"جنسيات|جنسية", "nationalities"),
    (r"قوارب|قارب(?:ا)?", "boats"),
    (r"شكايات|شكاية|شكاوى|شكوى", "complaints"),
    (r"دعاوى|دعوى", "lawsuits"),
    (r"ملفات|ملف(?:ا)?", "files"),
]
_NOUN_UNITS = [unit for _, unit in _NOUNS_LATIN] + [unit for _, unit in _NOUNS_ARABIC]
_NOUN_GROUPS = "|".join(f"(?P<n{i}>{pattern})" for i, (pattern, _) in enumerate(_NOUNS_LATIN + _NOUNS_ARABIC))

# Words allowed between a number and its noun: "200 sub-Saharan migrants", "3 000 jeunes migrants", and
# "14 migrant workers", where the last noun is what was counted. They are few on purpose: letting any word
# through would turn "35 days after the refugees" into a count of refugees.
_ADJECTIVES = (
    "migrant|refugee|asylum-seeker|"
    "new|other|more|additional|young|vulnerable|irregular|undocumented|displaced|registered|stranded|"
    "detained|injured|wounded|sick|pregnant|elderly|unaccompanied|foreign|sub-saharan|subsaharan|african|"
    "nouveaux|nouvelles|autres|jeunes|petits|petites|pauvres|anciens|anciennes"
)
_ADJECTIVE = rf"(?:(?i:{_ADJECTIVES})|(?-i:[A-Z][a-zà-ÿ]+(?:-[A-Za-zà-ÿ]+)*)){_NOT_LATIN_AFTER}"
_NOUN = re.compile(
    rf"(?P<sep>{_WS}+(?:من{_WS}+(?:ال)?)?)(?:{_ADJECTIVE}{_WS}+){{0,2}}(?:{_NOUN_GROUPS}){_HARAKAT}"
    rf"{_NOT_LETTER_AFTER}", re.I)
# After "millions de", "millions of", "millions d'" the noun follows with nothing more to skip.
_NOUN_AFTER_JOIN = re.compile(
    rf"(?P<sep>)(?:{_ADJECTIVE}{_WS}+){{0,2}}(?:{_NOUN_GROUPS}){_HARAKAT}{_NOT_LETTER_AFTER}", re.I)
# Capitalised words that are not adjectives even though they look like a nationality.
_NOT_ADJECTIVES = {"The", "In", "On", "At", "By", "Of", "And", "Or", "For", "From", "To", "With", "Le", "La",
                   "Les", "Des", "De", "Du", "En", "Et", "Au", "Aux", "Par", "Pour", "Sur", "Dans"}

# --- what is not a figure -----------------------------------------------------------------------------

_MONTHS_EN = ("January|February|March|April|May|June|July|August|September|October|November|December|"
              "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec")
_MONTHS_FR = ("janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|"
              "décembre|decembre|janv|févr|fevr|avr|juil|sept|oct|nov|déc|dec")
_MONTHS_AR = ("كانون الثاني|كانون الأول|تشرين الأول|تشرين الثاني|يناير|فبراير|مارس|أبريل|ابريل|إبريل|مايو|"
              "ماي|يونيو|يونيه|يوليوز|يوليو|غشت|أغسطس|اغسطس|شتنبر|سبتمبر|أكتوبر|اكتوبر|نونبر|نوفمبر|"
              "دجنبر|ديسمبر|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|جانفي|فيفري|أفريل|جوان|جويلية|أوت")
_MONTH = (rf"(?:(?:{_MONTHS_EN})\.?|(?i:{_MONTHS_FR})\.?|(?:{_MONTHS_AR})(?:/(?:{_MONTHS_AR}))?)"
          rf"{_NOT_LETTER_AFTER}")
_DAY = rf"(?<!{_D}){_D}{{1,2}}(?:er|re|st|nd|rd|th|ᵉʳ)?(?!{_D})"
_YEAR = rf"{_D}{{4}}(?!{_D})"
_DATES = [
    rf"{_DAY}(?:{_WS}*[-–/]{_WS}*{_DAY})?{_WS}+(?:de{_WS}+)?{_MONTH}(?:,?{_WS}+{_YEAR})?",  # 20 juin 2021
    rf"{_MONTH}{_WS}+{_DAY}(?:,?{_WS}+{_YEAR})?",                                        # June 20, 2021
    rf"{_MONTH}{_WS}+{_YEAR}",                                                            # juin 2021
    rf"(?<!{_D}){_D}{{4}}[-/.]{_D}{{1,2}}[-/.]{_D}{{1,2}}(?!{_D})",                       # 2021-06-20
    rf"(?<!{_D}){_D}{{1,2}}[-/.]{_D}{{1,2}}[-/.]{_D}{{2,4}}(?!{_D})",                     # 20/06/2021
]
_TIMES = [
    rf"(?<!{_D}){_D}{{1,2}}{_WS}?[:h]{_WS}?{_D}{{2}}(?!{_D})",                             # 10:30, 10 h 30
    rf"(?<!{_D}){_D}{{1,2}}{_WS}?h{_NOT_LATIN_AFTER}",                                     # 14h, 14 h
    rf"(?<!{_D}){_D}{{1,2}}(?:[:.]{_D}{{2}})?{_WS}?(?i:[ap]\.m\.|[ap]m){_NOT_LATIN_AFTER}",  # 3 p.m.
    rf"(?:ال)?ساعة{_WS}+{_D}{{1,2}}(?:[:.]{_D}{{2}})?",                                    # الساعة 10
]
_PHONES = [
    rf"(?:\+|(?<!{_D})00){_D}{{2,3}}(?:[ .\-]?\(?{_D}{{1,4}}\)?){{2,6}}",   # +212 5 37 12 34 56
    rf"(?<!{_D})0{_D}(?:[ .\-]?{_D}{{2}}){{4}}(?!{_D})",                    # 06 12 34 56 78
    rf"(?<!{_D})0{_D}{{2,3}}[ .\-]?{_D}{{6,7}}(?!{_D})",                    # 0537-123456
]
_REFERENCE_NUMBER = rf"{_D}+(?:[-./]{_D}+)*(?:[a-z]{_NOT_LATIN_AFTER})?"
_REFERENCE_MARK = rf"(?:n°|nº|no\.?|n\.|number|numéro|numero|رقم|#)"
# Plural words name lists ("articles 7 et 8"), so every number of the list goes.
_REFERENCE_WORDS_PLURAL = ("articles|sections|chapters|paragraphs|pages|pp\\.|laws|lois|alinéas|chapitres|"
                           "paragraphes|décrets|resolutions|résolutions")
_REFERENCE_WORDS = ("law|act|bill|article|art\\.|section|chapter|paragraph|para\\.|page|p\\.|clause|decree|"
                    "dahir|circular|resolution|rule|regulation|annex|loi|alinéa|chapitre|paragraphe|décret|"
                    "circulaire|arrêté|résolution|annexe|projet de loi|tome|volume|vol\\.|numéro|number")
_REFERENCE_WORDS_AR = "قانون|ماد[ةت]|مواد|فصل|فصول|مرسوم|ظهير|صفح[ةت]|دورية|قرار|بند|فقرة"
_REFERENCES = [
    rf"(?<![{_LATIN}])(?i:{_REFERENCE_WORDS_PLURAL}){_WS}*(?:{_REFERENCE_MARK}{_WS}*)?{_REFERENCE_NUMBER}"
    rf"(?:{_WS}*(?:,|and|et|or|ou|to|à|-|–|&){_WS}*{_REFERENCE_NUMBER})*",
    rf"(?<![{_LATIN}])(?i:{_REFERENCE_WORDS})(?:(?<=\.)|{_NOT_LATIN_AFTER}){_WS}*"
    rf"(?:(?i:{_REFERENCE_MARK}){_WS}*)?{_REFERENCE_NUMBER}",
    rf"(?<![{_LATIN}])(?:N°|Nº|n°|nº|No\.|No(?={_WS}*{_D})|#){_WS}*{_REFERENCE_NUMBER}",
    rf"(?<![{_ARABIC}])[وفبلك]?(?:ال|لل)?(?:{_REFERENCE_WORDS_AR})(?![{_ARABIC}]){_WS}*"
    rf"(?:(?:رقم|عدد){_WS}*)?{_REFERENCE_NUMBER}",
]
_NOT_FIGURES = re.compile("|".join(f"(?:{p})" for p in _DATES + _TIMES + _PHONES + _REFERENCES))
_ANY_DIGIT = re.compile(_D)


def _not_figure_spans(text: str) -> list[tuple[int, int]]:
    """The spans of ``_NOT_FIGURES`` in ``text``, as ``finditer`` over the whole text gives them.

    Trying the long alternation at every character is most of what finding figures costs. Every one of its
    matches holds a digit and none crosses a line end (no part of it matches a newline, and the look-arounds
    at its edges test for digits and letters), so only lines with a digit are searched, each on its own."""
    spans: list[tuple[int, int]] = []
    start, size = 0, len(text)
    while start <= size:
        end = text.find("\n", start)
        if end < 0:
            end = size
        if _ANY_DIGIT.search(text, start, end):
            spans.extend(match.span() for match in _NOT_FIGURES.finditer(text, start, end))
        start = end + 1
    return spans

# --- sentences ----------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?؟…]+(?:[ \u00a0\u202f]?»|[”\"'’)\]])*(?=\s)|\n")
_NEXT_CHARS = re.compile(r"[ \t\u00a0\u202f]*(.?)")
# Closing marks and lower-case letters continue a sentence: ". », confie-t-il", "“…?” she asked".
_CONTINUES = set("»”’),;:")
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "pr", "prof", "st", "no", "nos", "vol", "p", "pp", "art", "fig", "jr", "sr",
    "mme", "mlle", "mm", "me", "cf", "vs", "gen", "gov", "sen", "rep", "col", "lt", "maj", "capt", "sgt",
    "jan", "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "dept", "inc",
    "ltd", "av", "bd", "env", "min", "max", "m",
}


def _ends_sentence(text: str, match: re.Match) -> bool:
    following = _NEXT_CHARS.match(text, match.end()).group(1)
    if following in _CONTINUES or following.islower():
        return False
    marks = match.group().rstrip(" \u00a0\u202f»”\"'’)]")
    if marks == ".":
        word = re.search(r"([^\W\d_]+)\Z", text[max(0, match.start() - 20):match.start()])
        if word and ((len(word.group(1)) == 1 and word.group(1).isupper())
                     or word.group(1).lower() in _ABBREVIATIONS):
            return False
    return True


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, without surrounding whitespace.

    Shared with :mod:`advocacy.nlp.quotes` so that figures and quotes report their context the same way.
    A line break always ends a sentence (headlines and list items have no full stop); a full stop after
    an abbreviation or an initial ("Dr.", "M.", "U.S.") does not.
    """
    spans: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))

    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.group() == "\n":
            add(start, match.start())
        elif _ends_sentence(text, match):
            add(start, match.end())
        else:
            continue
        start = match.end()
    add(start, len(text))
    return spans


class Sentences:
    """The sentences of a text (see :func:`sentence_spans`), looked up by character offset."""

    def __init__(self, text: str):
        self.spans = sentence_spans(text)
        self._starts = [start for start, _ in self.spans]

    def index(self, offset: int) -> int:
        """Index of the sentence holding ``offset``; an offset between sentences goes with the one before."""
        return max(bisect.bisect_right(self._starts, offset) - 1, 0)

    def around(self, start: int, end: int | None = None) -> tuple[int, int]:
        """(start, end) of the sentence or run of sentences covering ``start``..``end``."""
        end = start + 1 if end is None else end
        if not self.spans:
            return start, end
        first = self.index(start)
        last = max(self.index(max(end - 1, start)), first)
        return min(self.spans[first][0], start), max(self.spans[last][1], end)


# --- figures ------------------------------------------------------------------------------------------

def _parse_number(raw: str, separator: str | None, grouped_decimal: str | None, language: str) -> float:
    raw = raw.translate(_TO_ASCII)
    if separator is not None:
        groups = raw[:len(raw) - len(grouped_decimal or "")].split(separator)
        if separator == "," and language == "fr" and len(groups) == 2 and not grouped_decimal:
            return float(f"{groups[0]}.{groups[1]}")
        decimal = (grouped_decimal or "")[1:].translate(_TO_ASCII)
        return float("".join(groups) + (f".{decimal}" if decimal else ""))
    return float(raw.replace(",", ".").replace("\u066b", "."))


def _currency_code(match: re.Match) -> str:
    for index, (_, code) in enumerate(_CURRENCY_WORDS):
        if match.group(f"c{index}") is not None:
            return code
    return ""


def _prefix_code(token: str) -> str:
    token = token.strip().upper()
    if "$" in token:
        return "USD"
    return {"€": "EUR", "£": "GBP"}.get(token, token)


def _overlaps(spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> bool:
    """Whether ``start``..``end`` overlaps one of ``spans`` (sorted, not overlapping each other)."""
    index = bisect.bisect_left(starts, end) - 1
    return any(spans[i][1] > start for i in (index, index - 1) if i >= 0)


def _noun_after(text: str, position: int, *, joined: bool = False) -> re.Match | None:
    match = (_NOUN_AFTER_JOIN if joined else _NOUN).match(text, position)
    if match is None:
        return None
    between = text[match.end("sep"):match.start(match.lastgroup)]
    if any(word in _NOT_ADJECTIVES for word in between.split()):
        return None
    return match


def find_figures(text: str, *, language: str = "") -> list[Figure]:
    """The figures of ``text`` in reading order, none overlapping another.

    ``language`` ("en", "fr", "ar" or "" when unknown) only settles whether a lone comma group such as
    "12,500" is a thousands separator (English, unknown) or a decimal mark (French).
    """
    excluded = _not_figure_spans(text)
    excluded_starts = [start for start, _ in excluded]
    sentences = Sentences(text)
    sentence_texts: dict[tuple[int, int], str] = {}
    figures: list[Figure] = []
    for number in _NUMBER.finditer(text):
        num_start, num_end = number.span()
        raw = number.group()
        if _overlaps(excluded, excluded_starts, num_start, num_end):
            continue
        ascii_raw = raw.translate(_TO_ASCII)
        if len(ascii_raw) > 1 and ascii_raw[0] == "0" and ascii_raw[1].isdigit():
            continue  # "02", "007": a code or a reference, not a quantity
        value = _parse_number(raw, number.group("sep"), number.group("grouped_decimal"), language)
        start, end, unit = num_start, num_end, ""

        prefix = _CURRENCY_BEFORE.search(text, max(0, num_start - 8), num_start)
        if prefix:
            start, unit = prefix.start(), _prefix_code(prefix.group())

        scale = _SCALE.match(text, end) or (_SHORT_SCALE.match(text, end) if prefix else None)
        if scale:
            value *= _SCALES[scale.group("word").lower()]
            end = scale.end()

        counted = False
        percent = None if prefix else _PERCENT.match(text, end)
        if percent:
            unit, end = "%", percent.end()
        elif not prefix:
            currency = _CURRENCY_AFTER.match(text, end)
            if currency is None and scale:
                joined = _OF.match(text, end)
                currency = _CURRENCY_AFTER.match(text, joined.end()) if joined else None
            if currency:
                unit, end = _currency_code(currency), currency.end()
            else:
                noun = _noun_after(text, end)
                if noun is None and scale:
                    joined = _OF.match(text, end)
                    noun = _noun_after(text, joined.end(), joined=True) if joined else None
                if noun:
                    unit = _NOUN_UNITS[int(noun.lastgroup[1:])]
                    end, counted = noun.end(), True

        following = text[num_end:num_end + 1]
        if end == num_end and following.isalpha() and not re.match(f"[{_ARABIC}]", following):
            continue  # "1er", "2nd", "3e", "20ème", "50m" without a currency
        # A year, unless money, a percentage or a count says otherwise ("2000 migrants", "2000 dirhams").
        if (len(ascii_raw) == 4 and ascii_raw.isdigit() and 1900 <= value <= 2099 and not scale
                and (unit == "" or counted)):
            if not counted or _YEAR_CUE.search(text, max(0, num_start - 20), num_start):
                continue
        qualifier = _QUALIFIER.search(text, max(0, start - 30), start)
        if qualifier:
            start = qualifier.start()
        if figures and start < figures[-1].end:
            continue
        span = sentences.around(num_start)
        if span not in sentence_texts:
            sentence_texts[span] = text[span[0]:span[1]]
        figures.append(Figure(text[start:end], value, unit, sentence_texts[span], start, end))
    return figures

