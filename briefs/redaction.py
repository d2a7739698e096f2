"""Do no harm: the names of private individuals are withheld from what a brief quotes.

A person the nlp stage found (an ``Entity`` of type ``person``) is *public* when the article presents them
in a role: an office or a title before or after the name ("the interior minister, Abdelouafi Laftit",
"Karim Benali, spokesperson for …", "Amina Tazi, a lawyer with the AMDH", "X, de l'AMDH"). Everyone else
is *private*: migrants, refugees, patients, mothers, victims, students, people given only an age or a
nationality, and people the article gives no role at all. When the cues disagree the person is private.

Every surface form of a private person (full name, name with honorific, first name alone, surname alone)
is replaced throughout the text. An occurrence followed by an age or an origin becomes a neutral
description ("Aminata, 24, from Guinea" → "a 24-year-old woman from Guinea"); any other becomes
"[name withheld]" ("[nom masqué]" in French). Names on the allow-list are never redacted. With redaction
switched off, a private person named in a text that also carries a health detail (pregnancy, HIV,
tuberculosis, trauma, …) is still redacted: only the allow-list lifts that.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from advocacy.article import Article, Entity
from advocacy.briefs.errors import BriefError
from advocacy.text import fold

MARKERS = {"en": "[name withheld]", "fr": "[nom masqué]", "ar": "[الاسم محجوب]"}

_HONORIFIC = r"(?:(?:Mr|Mrs|Ms|Dr|Pr|Prof|M|Mme|Mlle|Me|Monsieur|Madame)\.?\s+)"

# Offices and titles: a person introduced by one of these speaks for an institution.
_OFFICE = (
    "minister|ministre|secretary(?:-general)?|secrétaire(?: générale?)?|president|présidente?|"
    "chair(?:man|woman|person)?|"
    "director(?:-general)?|directeur|directrice|head|chief|chef|spokesperson|spokesman|spokeswoman|porte-parole|"
    "coordinator|coordinateur|coordinatrice|representative|représentante?|delegate|déléguée?|official|officer|"
    "responsable|governor|gouverneur|wali|mayor|maire|ambassador|ambassadeur|ambassadrice|commissioner|"
    "commissaire|prosecutor|procureure?|judge|juge|MP|deputy|députée?|senator|sénatrice|sénateur|founder|"
    "fondateur|fondatrice|manager|gérante?|administrator|administrat(?:eur|rice)|rapporteur|rapporteuse|"
    "researcher|chercheur|chercheuse|professor|professeure?|member of parliament|parliamentarian|"
    "parlementaire|vice-president|vice-présidente?|adviser|advisor|conseill(?:er|ère)|inspector|inspecteur|"
    "inspectrice|superintendent|police chief|préfète?|préfet|caïd|pacha|chargée? (?:de|d['’]|des|du)"
)
# Professions that make a person public only when the article ties them to an organisation.
_PROFESSION = (
    "lawyer|attorney|avocate?|doctor|médecin|physician|nurse|infirmière?|infirmier|activist|militante?|"
    "social worker|travailleuse sociale|travailleur social|teacher|enseignante?|psychologist|psychologue|"
    "volunteer|bénévole|member|membre|staff member|worker|employee|employée?|expert|experte|analyst|analyste"
)
# Words that describe a private person.
_STATUS = (
    "migrants?|refugees?|asylum[- ]seekers?|patients?|mothers?|fathers?|victims?|students?|pupils?|children|child|"
    "women|woman|men|man|girls?|boys?|teenagers?|survivors?|detainees?|residents?|young (?:woman|man)|wife|husband|"
    "migrantes?|réfugiée?s?|exilée?s?|demandeu(?:r|se)s? d['’]asile|patientes?|mères?|pères?|victimes?|"
    "étudiante?s?|élèves?|enfants?|femmes?|hommes?|jeunes? (?:femme|homme|fille|garçon)|filles?|garçons?|"
    "adolescente?s?|survivante?s?|détenue?s?|rescapée?s?|sans-papiers|habitante?s?|épouse|mari"
)
_NATIONALITY = (
    "Guinean|Malian|Senegalese|Ivorian|Cameroonian|Congolese|Nigerian|Nigerien|Sudanese|South Sudanese|Syrian|"
    "Burkinabe|Gambian|Ghanaian|Liberian|Sierra Leonean|Chadian|Eritrean|Ethiopian|Somali|Yemeni|Beninese|"
    "Togolese|Mauritanian|Algerian|Tunisian|Libyan|Moroccan|Central African|Afghan|Palestinian|"
    "guinéen(?:ne)?|malien(?:ne)?|sénégalaise?|ivoirien(?:ne)?|camerounaise?|congolaise?|nigériane?|"
    "nigérienne?|soudanaise?|syrien(?:ne)?|burkinabé|gambien(?:ne)?|ghanéen(?:ne)?|libérien(?:ne)?|"
    "sierra-léonaise?|tchadien(?:ne)?|érythréen(?:ne)?|éthiopien(?:ne)?|somalienne?|yéménite|béninoise?|"
    "togolaise?|mauritanien(?:ne)?|algérien(?:ne)?|tunisien(?:ne)?|libyen(?:ne)?|marocaine?|centrafricaine?|"
    "afghane?|palestinien(?:ne)?|subsaharien(?:ne)?|sub-Saharan"
)
_HEALTH = re.compile(
    r"\b(?:pregnan(?:t|cy)|HIV(?:-positive)?|AIDS|tuberculosis|TB|trauma(?:tised|tized|tic)?|PTSD|mental health|"
    r"mental illness|depression|illness|disease|sick|hospitali[sz]ed|miscarriage|diabetes|cancer|disabled|"
    r"disability|injured|wounded|gave birth|childbirth|chronic|enceinte|grossesse|VIH|sida|séropositi(?:f|ve)|"
    r"tuberculose|traumatisée?s?|traumatisme|santé mentale|dépression|maladie|malade|hospitalisée?s?|"
    r"fausse couche|diabète|handicap(?:ée?)?|blessée?s?|accouché|accouchement)\b"
    r"|حامل|فيروس نقص المناعة|السل|صدمة|الصحة النفسية|مرض|مريض|مريضة",
    re.I)
_AR_OFFICES = {fold(word) for word in (
    "الوزير الوزيرة وزير وزيرة رئيس رئيسة الرئيس الرئيسة المدير المديرة مدير مديرة المتحدث المتحدثة الناطق "
    "الناطقة المنسق المنسقة ممثل ممثلة السفير السفيرة الوالي العامل النائب النائبة الكاتب "
    "المسؤول المسؤولة مسؤول مسؤولة القاضي القاضية"
).split()}

_AR_PROFESSIONS = {fold(word) for word in "المحامي المحامية محامي محامية الطبيب الطبيبة طبيب طبيبة".split()}
# Words that name a body a professional can speak for: network, association, organisation, commission.
_AR_BODIES = [fold(word) for word in "شبكة جمعية منظمة هيئة المفوضية".split()]

_LINK = r"(?:of|for|at|with|from|in|to|the|de|du|des|d['’]|la|le|l['’]|au|aux|à|chez|auprès|pour)"
_ORG_PREPOSITION = (r"(?:of|for|at|with|from|de|du|des|d['’]|auprès (?:de|du|des|d['’])|au sein (?:de|du|des|d['’])"
                    r"|chez|pour)")
_DETERMINER = r"(?:the|a|an|le|la|l['’]|les|un|une)"
_OFFICE_RX = re.compile(rf"\b(?:{_OFFICE})\b", re.I)
_PROFESSION_RX = re.compile(rf"\b(?:{_PROFESSION})\b", re.I)
_STATUS_RX = re.compile(rf"\b(?:{_STATUS})\b", re.I)
_NATIONALITY_RX = re.compile(rf"\b(?:{_NATIONALITY})\b", re.I)
_AGE_RX = re.compile(r"\b\d{1,2}(?:-year-old|\s*(?:years? old|ans)\b)|\baged? \d{1,2}\b|\bâgée? de \d{1,2}\b"
                     r"|^\s*[,(]\s*\d{1,2}\s*[,)]",
                     re.I)
_SENTENCE_END = re.compile(r"[.!?؟]\s|\n")

# Pieces of an apposition that give a neutral description: ", 24", ", from Guinea", ", a refugee", " (24)".
_SEPARATOR = re.compile(r"\s*,\s*|\s+\(\s*")
_CAPITALISED = r"[A-ZÀ-ÝĀ-Ž][\w'’-]+(?:[ -](?:de |du |d['’])?[A-ZÀ-ÝĀ-Ž][\w'’-]+)*"
_ORIGIN = rf"(?:from|originaire (?:de|du|des|d['’])|venue? (?:de|du|des|d['’]))\s*(?:the\s+)?(?P<origin>{_CAPITALISED})"
_CHUNKS = (
    re.compile(r"(?:aged\s+|âgée?\s+de\s+)?(?P<age>\d{1,2})(?:\s*(?:ans|years?(?:\s+old)?))?(?=\s*[,)]|\s+\w)", re.I),
    re.compile(_ORIGIN, re.I),
    re.compile(rf"{_DETERMINER}\s+(?:(?P<age>\d{{1,2}})-year-old\s+)?(?:(?:young|jeune)\s+)?"
               rf"(?:(?P<nat>{_NATIONALITY})\s+)?(?P<status>{_STATUS})(?:\s+(?P<nat2>{_NATIONALITY}))?"
               rf"(?:\s+(?:of|de)\s+(?P<age2>\d{{1,2}})(?:\s+ans|\s+years?))?(?:\s+{_ORIGIN})?\b", re.I),
)
# Words that tell a person's gender when they are about that person: pronouns, titles and, in French, the
# agreement of words describing them. Relatives ("her brother", "sa mère") are left out: they are about
# someone else. When the cues are absent or tied, the description stays neutral.
_GENDER_CUES = {
    "en": (re.compile(r"\b(?:she|her|hers|herself|Mrs|Ms)\b", re.I),
           re.compile(r"\b(?:he|him|his|himself|Mr)\b", re.I)),
    "fr": (re.compile(r"\b(?:elle|Mme|Mlle|Madame|âgée|arrivée|venue|née|partie|réfugiée|migrante|étudiante|"
                      r"patiente|enceinte|exilée|détenue|blessée|refoulée|expulsée|hospitalisée)\b", re.I),
           re.compile(r"\b(?:il|Monsieur|âgé|arrivé|venu|né|parti|réfugié|migrant|étudiant|patient|exilé|détenu|"
                      r"blessé|refoulé|expulsé|hospitalisé)\b", re.I)),
}
_FEMININE_NOUNS = re.compile(r"^(?:mothers?|women|woman|girls?|wife|young woman|mères?|femmes?|filles?|épouse|"
                             r"jeunes? (?:femme|fille)|\w+(?:ée|ante|enne|aise|aine|oise)s?)$", re.I)
_MASCULINE_NOUNS = re.compile(r"^(?:fathers?|men|man|boys?|husband|young man|pères?|hommes?|garçons?|mari|"
                              r"jeunes? (?:homme|garçon)|\w+(?:é|ant|ien|éen|ais|ain|ois)s?)$", re.I)


@dataclass
class RedactionPolicy:
    """What to withhold. ``enabled`` False keeps every name except private people named next to a health
    detail; ``allow`` lists names never redacted, whatever the text says about them."""
    enabled: bool = True
    allow: tuple[str, ...] = ()

    def allows(self, person: Entity) -> bool:
        allowed = {fold(name).strip() for name in self.allow}
        return any(fold(form).strip() in allowed for form in [person.name, *person.mentions])


def policy_from_settings(*, redact: bool, allow: Iterable[str] | str) -> RedactionPolicy:
    """The policy of the ``[briefs]`` settings ``redact_private_names`` and ``redaction_allow``; an allow-list
    from an environment variable is one string of comma-separated names."""
    if isinstance(allow, str):
        allow = [name for name in allow.split(",")]
    names = list(allow)
    if not all(isinstance(name, str) for name in names):
        raise BriefError(f"briefs.redaction_allow must be a list of names, not {allow!r}")
    return RedactionPolicy(enabled=bool(redact), allow=tuple(n.strip() for n in names if n.strip()))


def count_redactions(sections: Iterable) -> int:
    """Names withheld across a brief's sections (``ThemeSection`` objects, or their evidence lists)."""
    total = 0
    for section in sections:
        for item in getattr(section, "evidence", section):
            total += getattr(item, "redactions", 0)
    return total


@dataclass
class Redacted:
    text: str
    count: int = 0                                     # occurrences replaced
    people: list[str] = field(default_factory=list)    # ids of the people withheld


def people_of(article: Article) -> list[Entity]:
    """The article's people, less the names the people finder also took for someone that are not anyone's:
    a place or organisation the article names ("une société de Tanger") or a nationality ("un Guinéen")."""
    elsewhere = {fold(form) for e in article.entities if e.type in ("place", "organisation")
                 for form in (e.name, *e.mentions)}

    def nobody(form: str) -> bool:
        return fold(form) in elsewhere or bool(_NATIONALITY_RX.fullmatch(form.strip()))

    return [e for e in article.entities
            if e.type == "person" and not all(nobody(form) for form in (e.name, *e.mentions))]


def redact_article_text(text: str, article: Article, *, policy: RedactionPolicy | None = None,
                        health: bool | None = None) -> Redacted:
    """``text`` (a passage or a quote of ``article``) with its private people withheld. Who is public is
    decided from the whole article, so a role stated in an earlier paragraph counts."""
    return redact(text, people=people_of(article), language=article.language, context=article.text,
                  organisations=[m for e in article.entities if e.type == "organisation"
                                 for m in [e.name, *e.mentions]], policy=policy, health=health)


def redact_texts(texts: Iterable[str], article: Article, *,
                 policy: RedactionPolicy | None = None) -> tuple[list[str], int]:
    """Several pieces of one article placed together (a quote, its sentence, its speaker), redacted alike,
    with the number of names withheld. The health rule looks at all the pieces at once."""
    texts = list(texts)
    joined = "\n".join(texts)
    health = bool(_HEALTH.search(joined))
    results = [redact_article_text(t, article, policy=policy, health=health) for t in texts]
    return [r.text for r in results], sum(r.count for r in results)


def redact(text: str, *, people: Iterable[Entity], language: str = "en", context: str | None = None,
           organisations: Iterable[str] = (), policy: RedactionPolicy | None = None,
           health: bool | None = None) -> Redacted:
    """Withhold the private people among ``people`` from ``text``. ``context`` is the text their roles are
    read from (the article; ``text`` itself by default); ``organisations`` are names that make a person
    named with them their representative; ``health`` says whether a health detail is placed with ``text``
    (found in ``text`` itself by default)."""
    policy = policy or RedactionPolicy()
    context = context if context is not None else text
    people = [p for p in people if p.type == "person"]
    if not people:
        return Redacted(text)
    organisations = [o for o in organisations if o.strip()]
    health = bool(_HEALTH.search(text)) if health is None else health
    withheld = []
    for person in people:
        if policy.allows(person):
            continue
        if not policy.enabled and not health:
            continue
        if is_public(person, context, language=language, organisations=organisations):
            continue
        if is_place(person, context):
            continue
        withheld.append(person)
    if not withheld:
        return Redacted(text)
    return _replace(text, withheld, kept=[p for p in people if p not in withheld], language=language)


# --- who is public -----------------------------------------------------------------------------------------

def surface_forms(person: Entity, *, others: Iterable[Entity] = ()) -> list[str]:
    """Every way ``person`` may be written, longest first: the mentions, the name, and the name's first and
    last words alone (unless another person's name also has that word)."""
    forms = {person.name, *person.mentions}
    words = [w for w in re.split(r"\s+", person.name) if len(w) >= 3 and w[:1].isupper()]
    taken = {w for other in others for w in re.split(r"\s+", other.name)}
    for word in (words[:1] + words[-1:]) if len(words) > 1 else []:
        if word not in taken:
            forms.add(word)
    forms = {re.sub(rf"^{_HONORIFIC}", "", f).strip() for f in forms} | forms
    return sorted((f for f in forms if f.strip()), key=len, reverse=True)


def _occurrences(forms: list[str], text: str) -> list[tuple[int, int]]:
    if not forms:
        return []
    # An apostrophe before a name is a French elision ("d'Aminata"), which does not protect it.
    pattern = re.compile(rf"(?<![\w-]){_HONORIFIC}?(?:{'|'.join(re.escape(f) for f in forms)})(?!\w)")
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    before = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    after = _SENTENCE_END.search(text, end)
    return before, after.start() + 1 if after else len(text)


# Before a name, words that make it a place the people finder took for a person ("In Khartoum I was a
# student", "le quartier Sania Ramel").
_PLACE_BEFORE = re.compile(r"(?:\b(?:in|near|outside)|\b(?:quartier|ville|région|province|commune|localité|village"
                           r"|camp|cercle|wilaya|préfecture)(?:\s+(?:de|du|des|d['’]))?|\b(?:au|en))\s*$", re.I)
# "Me Houda Lamrani": the title French lawyers carry when they act as such.
_LAWYER_TITLE = re.compile(r"^(?:Me|Maître)\s", re.I)
# A lawyer acting for clients in a case speaks in a professional capacity, organisation or not.
_COUNSEL = re.compile(r"\b(?:lawyer|attorney|avocate?)\s+(?:for|representing|of|de|des|du|d['’])\s+(?:[\w'’-]+\s+){0,3}?"
                      r"(?:parties civiles|partie civile|plaignante?s?|familles?|victimes|plaintiffs?|famil(?:y|ies)|"
                      r"victims|defendants?|accusée?s?|prévenue?s?)\b", re.I)
# In a relative clause about the person ("who works for UNHCR", "qui travaille au HCR"), their own work.
_OWN_WORK = re.compile(r"\b(?:works?|worked|follows|heads|leads|runs|coordinates|manages|oversees|travaille|dirige|"
                       r"coordonne|suit|gère|représente|supervise)\b", re.I)


def is_place(person: Entity, context: str) -> bool:
    """True when every mention of ``person`` reads as a place: after "in", "à", "le quartier"…"""
    found = _occurrences(surface_forms(person), context)
    return bool(found) and all(_PLACE_BEFORE.search(context[max(0, start - 40):start]) for start, _ in found)


def is_public(person: Entity, context: str, *, language: str = "en", organisations: Iterable[str] = ()) -> bool:
    """True when some mention of ``person`` in ``context`` gives them an office or ties their profession to
    an organisation, and none describes them as a private individual."""
    organisations = list(organisations)
    public = private = False
    for start, end in _occurrences(surface_forms(person), context):
        first, last = _sentence_span(context, start, end)
        before, after = context[max(first, start - 90):start], context[end:min(last, end + 120)]
        verdict = _verdict(before, after, language=language, organisations=organisations)
        if verdict is None and _LAWYER_TITLE.match(context[start:end]):
            verdict = "public"
        public |= verdict == "public"
        private |= verdict == "private"
    return public and not private


def _verdict(before: str, after: str, *, language: str, organisations: list[str]) -> str | None:
    """"public", "private" or None for one mention, from the words just before and just after it."""
    if language == "ar":
        # An office just before the name ("الوزير X") or opening the apposition after it ("X، المسؤولة عن …").
        words = [fold(w) for w in re.findall(r"\w+", before)[-3:]]
        apposition = re.match(r"\s*[،,]\s*(.*)", after, re.S)
        following = [fold(w) for w in re.findall(r"\w+", apposition.group(1))[:2]] if apposition else []
        if any(w in _AR_OFFICES for w in [*words, *following]):
            return "public"
        # A lawyer, doctor… is public when the sentence ties them to an organisation, as in the other languages.
        if any(w in _AR_PROFESSIONS for w in [*words, *following]):
            clause = fold(after)
            if any(fold(name) in clause for name in organisations) or any(w in clause for w in _AR_BODIES):
                return "public"
        return None
    # After the name: an apposition (", spokesperson for …", ", 24, a refugee from …", " (AMDH)").
    apposition = re.match(r"\s*(?:,|\(|–|—|-)\s*(.*)", after, re.S)
    clause = re.split(r"[,;:)]", apposition.group(1), maxsplit=1)[0] if apposition else ""
    if apposition and re.match(r"(?:who|whose|which|qui|dont|que|qu['’])\b", clause, re.I):
        # A relative clause ("whose lawyer", "dont le directeur") gives someone else's role, except when
        # it says where the person works ("who follows education programmes at UNHCR"); the words before
        # the name may still give theirs ("le juge X, qui a présidé les audiences").
        if _STATUS_RX.search(clause) or _AGE_RX.search(clause):
            return "private"
        if (re.match(r"(?:who|qui)\b", clause, re.I) and _OWN_WORK.search(clause)
                and _tied_to_organisation(clause, organisations)):
            return "public"
    elif apposition:
        head = " ".join(clause.split()[:6])
        if re.match(r"\s*\d{1,2}\b", apposition.group(1)) or _AGE_RX.search(head):
            return "private"
        office, profession = _OFFICE_RX.search(head), _PROFESSION_RX.search(head)
        status, nationality = _STATUS_RX.search(head), _NATIONALITY_RX.search(head)
        tied = _tied_to_organisation(clause, organisations) or _COUNSEL.search(head)
        role = office or (profession if tied else None)
        described = min((m.start() for m in (status, nationality) if m), default=None)
        if role and (described is None or role.start() < described):
            return "public"
        if described is not None or profession:
            return "private"
        if _tied_to_organisation(apposition.group(1)[:80], organisations, leading=True):
            return "public"
        if re.match(rf"\s*{_ORIGIN}", apposition.group(1)):
            return "private"
    # Before the name: "the interior minister, X", "le ministre de l'Intérieur X", "a Guinean mother, X".
    tail = re.split(r"[.;:!?«»\"“”]", before)[-1]
    words = [re.sub(r"^(?:[dl]|qu)['’]", "", w, flags=re.I) or w for w in re.findall(r"[\w'’-]+", tail)]
    for index in range(len(words) - 1, max(len(words) - 8, -1), -1):
        word = words[index]
        between = words[index + 1:]
        if not all(w[:1].isupper() or re.fullmatch(_LINK, w, re.I) for w in between):
            break
        if _OFFICE_RX.fullmatch(word):
            return "public"
        if _STATUS_RX.fullmatch(word) or _NATIONALITY_RX.fullmatch(word):
            return "private"
        if _PROFESSION_RX.fullmatch(word):
            return "public" if any(w.isupper() and len(w) > 1 for w in between) else "private"
    if re.search(r"\b(?:a|an|un|une)\s+\d{1,2}-year-old\s*(?:\w+\s*)?,?\s*$", tail, re.I):
        return "private"
    return None


def _tied_to_organisation(clause: str, organisations: list[str], *, leading: bool = False) -> bool:
    """Whether ``clause`` names an organisation after a preposition ("of the AMDH", "de l'AMDH", "at UNHCR")
    — at its very start when ``leading`` — by a known organisation name or an acronym."""
    names = "|".join(re.escape(o) for o in sorted(organisations, key=len, reverse=True))
    target = rf"(?:{names}|[A-Z][A-Z0-9&-]{{1,}}\b)" if names else r"[A-Z][A-Z0-9&-]{1,}\b"
    if leading:
        pattern = rf"^\s*(?:{_ORG_PREPOSITION}\s*)?(?:{_DETERMINER}\s*)?{target}"
    else:
        pattern = rf"\b{_ORG_PREPOSITION}\s*(?:{_DETERMINER}\s*)?(?:[\w'’-]+\s+){{0,3}}?{target}"
    return bool(re.search(pattern, clause))


# --- replacing ---------------------------------------------------------------------------------------------

def _replace(text: str, withheld: list[Entity], *, kept: list[Entity], language: str) -> Redacted:
    marker = MARKERS.get(language, MARKERS["en"])
    spans = []
    for person in withheld:
        forms = surface_forms(person, others=kept)
        spans.extend((start, end, person) for start, end in _occurrences(forms, text))
    spans.sort(key=lambda s: (s[0], -s[1]))
    pieces, position, count, seen = [], 0, 0, []
    for start, end, person in spans:
        if start < position:
            continue
        replacement = marker
        if language in ("en", "fr"):
            described = _description(text, start, end, language=language)
            if described:
                replacement, end = described
        if _starts_sentence(text, start):
            replacement = _capitalise(replacement)
        pieces.append(text[position:start])
        pieces.append(replacement)
        position, count = end, count + 1
        if person.id not in seen:
            seen.append(person.id)
    pieces.append(text[position:])
    return Redacted("".join(pieces), count, seen)


def _description(text: str, start: int, end: int, *, language: str) -> tuple[str, int] | None:
    """A neutral description for the name at ``text[start:end]`` made from the apposition after it, and the
    end of what it replaces; None when the apposition gives no age, origin or status."""
    facts, position = {}, end
    while True:
        separator = _SEPARATOR.match(text, position)
        if not separator:
            break
        for chunk in _CHUNKS:
            found = chunk.match(text, separator.end())
            if found:
                for key, value in found.groupdict().items():
                    if value and key.rstrip("2") not in facts:
                        facts[key.rstrip("2")] = value
                position = found.end()
                if text[separator.start():separator.end()].strip() == "(":
                    closing = re.match(r"\s*\)", text[position:])
                    if closing:
                        position += closing.end()
                break
        else:
            break
    if not facts:
        return None
    # The comma that closed the apposition goes with it: "Aminata, 24, from Guinea, said" → "… said".
    closing = re.match(r",(?=\s+[a-zà-ÿ])", text[position:])
    opened = text[end:end + 2].lstrip()[:1] == ","
    if closing and opened and not re.match(r",\s+(?:and|et|but|mais|who|qui)\b", text[position:]):
        position += 1
    gender = _gender(text, start, position, facts, language=language)
    return _describe(facts, gender, language=language), position


def _gender(text: str, start: int, end: int, facts: dict[str, str], *, language: str) -> str:
    """"f", "m" or "" (unknown) for the person named at ``text[start:end]``, from the description and the
    words around it up to the end of the next sentence."""
    for described in (facts.get("status", ""), facts.get("nat", "") if language == "fr" else ""):
        if described and _FEMININE_NOUNS.match(described) and not (language == "en" and described.endswith("ant")):
            return "f"
        if described and _MASCULINE_NOUNS.match(described) and language == "fr":
            return "m"
        if described and re.fullmatch(r"fathers?|men|man|boys?|husband|young man", described, re.I):
            return "m"
    first, last = _sentence_span(text, start, end)
    following = _SENTENCE_END.search(text, last)
    window = text[first:start] + " " + text[end:following.start() if following else len(text)]
    feminine_rx, masculine_rx = _GENDER_CUES.get(language, _GENDER_CUES["en"])
    feminine, masculine = len(feminine_rx.findall(window)), len(masculine_rx.findall(window))
    return "f" if feminine > masculine else "m" if masculine > feminine else ""


_EN_NOUN = {"f": "woman", "m": "man", "": "person"}
_FR_NOUN = {"f": "une femme", "m": "un homme", "": "une personne"}


def _describe(facts: dict[str, str], gender: str, *, language: str) -> str:
    age, origin, nationality = facts.get("age"), facts.get("origin"), facts.get("nat")
    status = (facts.get("status") or "").lower()
    if language == "fr":
        noun = _FR_NOUN[gender]
        if status and not re.fullmatch(r"femmes?|hommes?", status):
            article = "une" if gender == "f" or status.endswith("e") else "un"
            noun = f"{article} {status}"
        parts = [noun]
        if nationality:
            parts.append(nationality.lower())
        if age:
            parts.append(f"de {age} ans")
        if origin:
            parts.append(f"originaire {_french_of(origin)}")
        return " ".join(parts)
    noun = status or _EN_NOUN[gender]
    words = [f"{age}-year-old"] if age else []
    if nationality:
        words.append(nationality[:1].upper() + nationality[1:])
    words.append(noun)
    phrase = " ".join(words)
    article = "an" if re.match(r"[aeiouAEIOU]|8|11-|18", phrase) else "a"
    return f"{article} {phrase}" + (f" from {origin}" if origin else "")


def _french_of(place: str) -> str:
    if re.match(r"[AEIOUÉÈÀÂÎÔÛY]", place):
        return f"d'{place}"
    return f"de {place}"


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" «\"“‘(")
    return not before or before[-1] in ".!?\n"


def _capitalise(value: str) -> str:
    if value.startswith("["):
        return "[" + value[1:2].upper() + value[2:]
    return value[:1].upper() + value[1:]


def redact_placed_items(items: Iterable, load: Callable[[str], Article | None], *,
                        policy: RedactionPolicy | None = None) -> int:
    """Withhold private names in quotes and figures already verified against their source (their ``text``,
    ``sentence`` and ``speaker`` are replaced in place; verification must come first, on the words as
    published). Returns the number of names withheld."""
    total = 0
    articles: dict[str, Article | None] = {}
    for item in items:
        article_id = item.source.article_id
        if article_id not in articles:
            articles[article_id] = load(article_id)
        article = articles[article_id]
        if article is None:
            continue
        (item.text, item.sentence, item.speaker), count = redact_texts(
            [item.text, item.sentence, getattr(item, "speaker", "")], article, policy=policy)
        total += count
    return total
