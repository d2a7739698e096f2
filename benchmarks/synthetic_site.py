"""A generated news web for crawler benchmarks: four fictional outlets on 127.0.0.1, one port each.

Every article is generated from a seed by combining templated sentences, so the same seed always gives
the same site, word for word. About 85% of the articles are about refugees' and migrants' access to
health, education, housing and justice in Moroccan and Malian cities; the rest are about sport, the
economy or the weather and use no migration vocabulary at all. Half of the outlets write in English,
half in French.

Each outlet serves what a crawler expects from a real news site:

* ``/robots.txt`` with a ``Sitemap:`` line;
* ``/sitemap.xml``, a sitemap index, and ``/sitemaps/articles-N.xml`` files of at most 1,000 URLs that
  list every article;
* ``/feed.xml``, an RSS 2.0 feed of the 50 latest articles;
* ``/``, a home page linking to the 30 latest articles, and one listing page per section;
* the articles, in one of four URL styles, with navigation, share buttons, related links, a newsletter
  box, a cookie banner and a footer around 350 to 700 words of text, plus ``og:type=article``,
  ``article:published_time``, JSON-LD and a canonical link.

All pages are rendered to memory when the servers start, so serving costs almost nothing next to the
crawler under test.

    >>> with SyntheticSite(pages=2000) as site:
    ...     Path("sources.toml").write_text(site.sources_toml())
    ...     site.expected()          # {"articles": 2000, "on_topic": 1700, "off_topic": 300}

With ``virtual_hosts=True`` the outlets live at ``http://<key>.synthetic.test/`` instead, behind one
server on a free port that answers as an HTTP proxy (:attr:`SyntheticSite.proxy_url`). That suits
crawlers that cannot tell outlets apart by port.

Run ``python benchmarks/synthetic_site.py --pages 200 --sources sources.toml`` to browse the site.
"""
from __future__ import annotations

import argparse
import base64
import email.utils
import html
import json
import random
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlsplit

__all__ = ["SyntheticSite", "SyntheticArticle", "SyntheticOutlet", "DEFAULT_PAGES", "DEFAULT_SEED"]

DEFAULT_PAGES = 2000
DEFAULT_SEED = 20240611
OFF_TOPIC_SHARE = 0.15
FEED_SIZE = 50
HOME_SIZE = 30
SITEMAP_SIZE = 1000
MIN_WORDS, MAX_WORDS = 350, 700
VIRTUAL_DOMAIN = "synthetic.test"

# The newest article is dated here; older ones go back in steps of a little over two hours.
_NEWEST = datetime(2025, 5, 30, 17, 45, tzinfo=timezone.utc)
_STEP_MINUTES = 131

THEMES = ("health", "education", "housing", "justice")
OFF_TOPICS = ("sport", "economy", "weather")


# --------------------------------------------------------------------------------------------------
# The outlets
# --------------------------------------------------------------------------------------------------


@dataclass
class SyntheticOutlet:
    key: str
    name: str
    language: str
    country: str
    reach: int
    url_style: str          # dated | section | id | news
    tagline: str
    base_url: str | None = None

    @property
    def homepage(self) -> str:
        return self._absolute("/")

    @property
    def feed_url(self) -> str:
        return self._absolute("/feed.xml")

    @property
    def sitemap_url(self) -> str:
        return self._absolute("/sitemap.xml")

    @property
    def robots_url(self) -> str:
        return self._absolute("/robots.txt")

    def _absolute(self, path: str) -> str:
        if self.base_url is None:
            raise RuntimeError("start the synthetic site first: its URLs depend on the ports it gets")
        return self.base_url + path


def _outlets() -> list[SyntheticOutlet]:
    return [
        SyntheticOutlet("atlas-morning-post", "The Atlas Morning Post", "en", "MA", 180_000, "dated",
                        "News from Rabat, Casablanca and beyond"),
        SyntheticOutlet("echo-du-tensift", "L'Écho du Tensift", "fr", "MA", 320_000, "section",
                        "Le quotidien de Marrakech et du Sud"),
        SyntheticOutlet("tribune-du-djoliba", "La Tribune du Djoliba", "fr", "ML", 150_000, "id",
                        "L'actualité du Mali, chaque jour"),
        SyntheticOutlet("sahel-ledger", "The Sahel Ledger", "en", "ML", 90_000, "news",
                        "Reporting from Bamako and the regions"),
    ]


@dataclass
class SyntheticArticle:
    """One generated article. ``url`` is known once the site is started."""

    index: int                  # 0 is the newest article of the whole site
    outlet: str
    number: int                 # 1-based number within its outlet, oldest first
    language: str
    country: str
    on_topic: bool
    subject: str                # a theme (health, …) or an off-topic subject (sport, …)
    city: str
    title: str
    author: str
    published: datetime
    paragraphs: tuple[str, ...]
    slug: str
    path: str = ""
    url: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def words(self) -> int:
        return sum(len(paragraph.split()) for paragraph in self.paragraphs)

    @property
    def teaser(self) -> str:
        return _first_sentence(self.paragraphs[0])


# --------------------------------------------------------------------------------------------------
# Vocabulary. Place names are real; every person, organisation, team and figure is invented.
# --------------------------------------------------------------------------------------------------

_CITIES = {
    "MA": {"en": ["Rabat", "Casablanca", "Tangier", "Oujda", "Fez", "Marrakech", "Agadir", "Nador", "Tetouan",
                  "Meknes", "Kenitra", "Laayoune"],
           "fr": ["Rabat", "Casablanca", "Tanger", "Oujda", "Fès", "Marrakech", "Agadir", "Nador", "Tétouan",
                  "Meknès", "Kénitra", "Laâyoune"]},
    "ML": {"en": ["Bamako", "Gao", "Kayes", "Mopti", "Segou", "Sikasso", "Timbuktu", "Koulikoro", "Menaka", "San"],
           "fr": ["Bamako", "Gao", "Kayes", "Mopti", "Ségou", "Sikasso", "Tombouctou", "Koulikoro", "Ménaka",
                  "San"]},
}

# Per country and language. English districts follow "the"; French ones carry their own article.
_COUNTRY_VOCAB: dict[str, dict[str, dict[str, list[str]]]] = {
    "MA": {
        "en": {
            "country": ["Morocco"], "country_in": ["in Morocco"],
            "district": ["old medina", "northern outskirts", "district near the bus station", "industrial zone",
                         "southern neighbourhoods", "hillside settlements"],
            "org": ["Association Main Tendue", "the Tensift Solidarity Network", "Collectif Passerelles Atlas",
                    "the Oasis Legal Clinic", "Association Horizons Partagés", "the Anfa Neighbourhood Fund"],
            "school_langs": ["Arabic and French"], "local_lang": ["Darija"],
            "dry_wind": ["chergui"], "crops": ["wheat and barley"],
        },
        "fr": {
            "country": ["le Maroc"], "country_in": ["au Maroc"],
            "district": ["la vieille médina", "la périphérie nord", "le quartier de la gare routière",
                         "la zone industrielle", "les quartiers sud", "les quartiers accrochés aux collines"],
            "org": ["l'association Main Tendue", "le Réseau Solidarité Tensift", "le collectif Passerelles Atlas",
                    "la Clinique juridique Oasis", "l'association Horizons Partagés", "le Fonds de quartier d'Anfa"],
            "school_langs": ["l'arabe et le français"], "local_lang": ["darija"],
            "dry_wind_du": ["du chergui"], "dry_wind_le": ["le chergui"], "crops": ["blé et d'orge"],
        },
    },
    "ML": {
        "en": {
            "country": ["Mali"], "country_in": ["in Mali"],
            "district": ["riverside quarter", "district near the bus station", "market district",
                         "northern outskirts", "new housing estates", "southern neighbourhoods"],
            "org": ["the Djoliba Mutual Aid Committee", "Association Kanu Sahel", "Collectif Ensemble pour Bamako",
                    "the Niger Bend Legal Aid Office", "Association Benkadi Santé", "the Sahel Open Doors Trust"],
            "school_langs": ["French and Bambara"], "local_lang": ["Bambara"],
            "dry_wind": ["harmattan"], "crops": ["millet and sorghum"],
        },
        "fr": {
            "country": ["le Mali"], "country_in": ["au Mali"],
            "district": ["le quartier du bord du fleuve", "le quartier de la gare routière",
                         "le quartier du grand marché", "la périphérie nord", "les nouveaux lotissements",
                         "les quartiers sud"],
            "org": ["le Comité d'entraide du Djoliba", "l'association Kanu Sahel", "le collectif Ensemble pour Bamako",
                    "le Bureau d'aide juridique de la Boucle du Niger", "l'association Benkadi Santé",
                    "le Fonds Portes ouvertes du Sahel"],
            "school_langs": ["le français et le bambara"], "local_lang": ["bambara"],
            "dry_wind_du": ["de l'harmattan"], "dry_wind_le": ["l'harmattan"], "crops": ["mil et de sorgho"],
        },
    },
}

_FIRST_NAMES = {
    "f": ["Awa", "Mariam", "Oumou", "Fatoumata", "Kadiatou", "Rokia", "Bintou", "Assétou", "Karima", "Nadia",
          "Leila", "Hajar", "Zineb", "Salma", "Imane", "Khadija", "Aïcha", "Sanaa"],
    "m": ["Youssef", "Hicham", "Ibrahim", "Moussa", "Siaka", "Issa", "Omar", "Samba", "Ousmane", "Mehdi",
          "Seydou", "Karim", "Adama", "Bakary", "Rachid", "Anas", "Hamza", "Modibo"],
}
_LAST_NAMES = ["Diarra", "Coulibaly", "Sangaré", "Bennani", "El Idrissi", "Alaoui", "Konaté", "Sissoko", "Berrada",
               "Tazi", "Dembélé", "Kanté", "Maïga", "Cissé", "Doumbia", "Amrani", "Chraibi", "Ouattara", "Sidibé",
               "Benjelloun", "Lahlou", "Tounkara", "Fofana", "Haidara", "Mansouri", "Ziani", "Sow", "Berthé"]

# Words that vary with the language only. Entries "masculine|feminine" agree with the person quoted.
_VOCAB: dict[str, dict[str, list[str]]] = {
    "en": {
        "group": ["refugees", "asylum seekers", "migrants", "migrant workers", "refugee families",
                  "migrant families", "young migrants", "migrant women", "refugee students",
                  "migrants from West and Central Africa", "newly arrived migrants", "refugee parents"],
        "origin": ["Guinea", "Côte d'Ivoire", "Cameroon", "Senegal", "Sudan", "the Central African Republic",
                   "Burkina Faso", "Nigeria", "Niger", "the Democratic Republic of the Congo", "Syria", "Yemen"],
        "official": ["a regional health director", "the deputy mayor", "a ministry spokesperson",
                     "the provincial education delegate", "a prefecture official",
                     "the head of the local court registry"],
        "role": ["a nurse at a community health centre", "a volunteer lawyer", "a primary school teacher",
                 "a social worker", "a community mediator", "a midwife who volunteers at a night clinic",
                 "a researcher who studies urban poverty", "a member of a neighbourhood committee"],
        "month": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"],
        "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        "ordinal": ["fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"],
        "score": ["2-1", "1-0", "3-2", "2-0", "3-1", "4-2"],
        "competition": ["the first division", "the national league", "the second division"],
        "team_pattern": ["{c} City", "Union {c}", "Racing {c}", "Étoile {c}", "Olympic {c}", "{c} Athletic"],
        "sport_role": ["the club's sporting director", "a former international", "the team captain",
                       "a youth coach"],
        "economy_role": ["an economist at a local university", "the head of the traders' association",
                         "a grain wholesaler", "a bank analyst"],
        "weather_role": ["a forecaster at the national weather service", "a farmer from the region",
                         "a civil protection officer", "a climatologist"],
    },
    "fr": {
        # Masculine plural throughout, so that adjectives in the templates always agree.
        "group": ["réfugiés", "demandeurs d'asile", "migrants", "travailleurs migrants", "jeunes migrants",
                  "migrants subsahariens", "étudiants réfugiés", "migrants originaires d'Afrique de l'Ouest",
                  "migrants récemment arrivés", "parents réfugiés", "exilés", "migrants sans papiers"],
        "origin_de": ["de Guinée", "de Côte d'Ivoire", "du Cameroun", "du Sénégal", "du Soudan", "de Centrafrique",
                      "du Burkina Faso", "du Nigeria", "du Niger", "de République démocratique du Congo",
                      "de Syrie", "du Yémen"],
        "official": ["le directeur régional de la santé", "l'adjoint au maire", "un porte-parole du ministère",
                     "le délégué provincial de l'éducation", "un responsable de la préfecture",
                     "le greffier en chef du tribunal"],
        "role": ["infirmier dans un centre de santé communautaire|infirmière dans un centre de santé communautaire",
                 "avocat bénévole|avocate bénévole", "instituteur|institutrice",
                 "travailleur social|travailleuse sociale", "médiateur communautaire|médiatrice communautaire",
                 "bénévole dans une permanence de nuit|bénévole dans une permanence de nuit",
                 "chercheur spécialiste de la pauvreté urbaine|chercheuse spécialiste de la pauvreté urbaine",
                 "membre d'un comité de quartier|membre d'un comité de quartier"],
        "month": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                  "octobre", "novembre", "décembre"],
        "weekday": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
        "ordinal": ["cinquième", "sixième", "septième", "huitième", "neuvième", "dixième", "onzième",
                    "douzième"],
        "score": ["2-1", "1-0", "3-2", "2-0", "3-1", "4-2"],
        "competition": ["la première division", "le championnat national", "la deuxième division"],
        "team_pattern": ["Racing {c}", "Union {c}", "Étoile {c}", "Olympique {c}", "{c} FC", "Jeunesse {c}"],
        "sport_role": ["directeur sportif du club|directrice sportive du club",
                       "ancien international|ancienne internationale",
                       "capitaine de l'équipe|capitaine de l'équipe",
                       "entraîneur des jeunes|entraîneuse des jeunes"],
        "economy_role": ["économiste à l'université|économiste à l'université",
                         "président de l'association des commerçants|présidente de l'association des commerçants",
                         "grossiste en céréales|grossiste en céréales",
                         "analyste bancaire|analyste bancaire"],
        "weather_role": ["prévisionniste aux services météorologiques|prévisionniste aux services météorologiques",
                         "agriculteur de la région|agricultrice de la région",
                         "officier de la protection civile|officière de la protection civile",
                         "climatologue|climatologue"],
    },
}

# Places and barriers that depend on the theme; French ones read after "à" or "dans".
_THEME_VOCAB: dict[str, dict[str, list[str]]] = {
    "en": {
        "facility.health": ["the provincial hospital", "the regional hospital", "the neighbourhood health centre",
                            "the university hospital", "a community health post", "the maternity unit"],
        "facility.education": ["the public primary school", "the local secondary school",
                               "a vocational training centre", "the neighbourhood middle school"],
        "facility.housing": ["a reception shelter", "a women's shelter", "a former hostel"],
        "facility.justice": ["the court of first instance", "the court of appeal", "the administrative court",
                             "the juvenile court"],
    },
    "fr": {
        "facility.health": ["à l'hôpital provincial", "à l'hôpital régional", "au centre de santé du quartier",
                            "au centre hospitalier universitaire", "au poste de santé communautaire",
                            "à la maternité"],
        "facility.education": ["à l'école primaire publique", "au collège du quartier", "au lycée",
                               "dans un centre de formation professionnelle"],
        "facility.housing": ["dans un centre d'accueil", "dans un foyer pour femmes", "dans un ancien internat"],
        "facility.justice": ["au tribunal de première instance", "à la cour d'appel", "au tribunal administratif",
                             "au tribunal pour enfants"],
    },
}

# --------------------------------------------------------------------------------------------------
# Sentence templates. {slot} is filled from the article's context or drawn afresh; {slot_cap} is the
# same value with a capital letter.
# --------------------------------------------------------------------------------------------------

_ON_TOPIC: dict[str, dict[str, list[str]]] = {
    "en": {
        "generic": [
            "{group_cap} in {city} describe a daily routine shaped by paperwork, short-term jobs and the constant "
            "search for a stable address.",
            "Since {month}, {org} has registered {n_mid} new requests for assistance in {city} alone, most of them "
            "from {group_any}.",
            "Many of the families interviewed arrived {country_in} after long journeys across the desert, and some "
            "have waited more than a year for a decision on their asylum claims.",
            "Local associations point out that refugees and migrants pay the same taxes on food and transport as "
            "everyone else, yet remain largely invisible in municipal planning.",
            "The national strategy on immigration and asylum promised equal access to public services, but workers "
            "on the ground say its implementation remains uneven.",
            "In the {district}, volunteers keep a handwritten register of newcomers, noting their languages, their "
            "skills and what they need most urgently.",
            "According to {org}, women and children made up almost {pct} percent of the migrants it supported in "
            "{city} last year.",
            "Some asylum seekers hold a receipt from the UN refugee agency that many civil servants do not "
            "recognise, which forces them to explain their status at every counter.",
            "Aid workers say that informal networks of neighbours, mosques and churches still fill gaps that public "
            "institutions leave open.",
            "The economic slowdown hit migrant workers in construction and agriculture first, with day rates "
            "falling in several markets around {city}.",
            "A coordination meeting between the authorities and civil society in {month} produced a list of "
            "commitments that associations now want to see applied.",
            "For {group_any}, a single missing document can block a whole chain of services, from a bank account "
            "to a school certificate.",
            "Researchers who followed {n_small} households over two years found that a stable income was the "
            "strongest predictor of whether refugee children stayed in school.",
            "Several municipalities have opened one-stop desks where migrants can ask questions in French, English "
            "or {local_lang}, though the opening hours are short.",
            "Translation remains a quiet but decisive problem: few public offices in {city} employ staff who speak "
            "the languages of recent arrivals.",
            "Community leaders insist that the arrival of refugees has also brought new shops, new skills and new "
            "customers to the {district}.",
            "Funding cuts announced by international donors early in {year} forced several programmes for "
            "displaced people to scale down their activities.",
            "{org_cap} estimates that fewer than one in {n_small} eligible migrants knows how to file a complaint "
            "when a service is refused.",
            "Neighbourhood committees in {city} have started inviting refugee representatives to their monthly "
            "meetings, a small change that residents describe as overdue.",
            "The rainy season adds pressure every year, as families living in precarious shelters need repairs "
            "and medicines at the same time.",
        ],
        "quote": [
            "\"We are not asking for privileges, only for the same door to open for everyone,\" said {person}, "
            "{role}.",
            "\"Every week someone comes to us after being turned away somewhere else,\" explained {person}, {role}.",
            "{person}, {role}, summed up the situation in one sentence: \"The rules exist, but nobody explains "
            "them to the people concerned.\"",
            "\"When a family has to choose between rent and medicine, the children always lose,\" {person} told "
            "our reporter.",
            "\"We have seen real progress in {city}, but it depends too much on the goodwill of individual "
            "officials,\" said {person}.",
            "Asked about the complaints, {official} said that instructions had been sent to all services and that "
            "each refusal would be examined case by case.",
            "\"I learned the words for pain and fever before I learned how to say good morning,\" said a young "
            "woman from {origin} who asked not to be named.",
            "{official_cap} acknowledged \"real difficulties\" but said that budgets were limited and that "
            "citizens also faced long delays.",
            "\"Our volunteers do what they can, but we cannot replace a public service,\" said {person}, who has "
            "worked with {org} for {n_few} years.",
            "A father of three from {origin} said he had visited the same office {n_few} times before anyone "
            "accepted his file.",
        ],
        "figure": [
            "In {prev_year}, {org} recorded {n_big} consultations, referrals and legal orientations across the "
            "region of {city}.",
            "Official figures put the number of registered refugees and asylum seekers {country_in} at around "
            "{n_big}, a figure associations consider an underestimate.",
            "About {pct} percent of the people surveyed by {org} said they had been refused a service at least "
            "once because of their status.",
            "The waiting time for a first appointment has risen from {n_few} weeks to almost {n_small} weeks, "
            "according to data shared by local partners.",
            "A survey of {n_mid} migrant households in {city} found that {pct} percent spent more than half of "
            "their income on rent.",
            "The budget allocated to the programme this year amounts to {money}, roughly the same as in "
            "{prev_year} despite rising needs.",
        ],
        "health": [
            "At {facility} in {city}, {group} are supposed to receive the same care as nationals, but reception "
            "staff often ask for documents they cannot provide.",
            "Pregnant women among {group_any} are the most exposed, since a missed prenatal visit can turn a "
            "routine delivery into an emergency.",
            "{org_cap} runs a mobile clinic that visits the {district} twice a week, offering consultations, "
            "vaccinations and basic medicines.",
            "Doctors note a rise in chronic illnesses such as diabetes and hypertension among migrants who have "
            "lived for years without regular follow-up.",
            "Mental health remains the least funded area, even though many refugees carry trauma from violence on "
            "the road or in their home countries.",
            "The health ministry's circular on access to primary care for migrants is pinned to the wall of some "
            "clinics, yet few patients have heard of it.",
            "Costs are a recurring obstacle: a single blood test can cost more than what a day labourer earns in "
            "a week.",
            "Interpreters trained by {org} now accompany asylum seekers to hospital appointments, reducing the "
            "number of missed follow-ups.",
            "Vaccination campaigns reached {pct} percent of migrant children in the {district}, according to the "
            "regional health directorate.",
            "Nurses at {facility} say that patients without papers tend to come late, when a simple infection has "
            "already become serious.",
            "Tuberculosis screening for refugees living in crowded housing was expanded after several cases were "
            "detected in {month}.",
            "Health insurance exists on paper for registered refugees, but enrolment requires a residence card "
            "that many are still waiting for.",
        ],
        "education": [
            "Enrolling refugee children at {facility} in {city} requires a birth certificate and a transfer "
            "record, documents that families rarely carried when they fled.",
            "Teachers report that migrant pupils catch up quickly once they master the language of instruction, "
            "often within a single school year.",
            "{org_cap} offers remedial classes on Saturday mornings to {n_mid} children whose schooling was "
            "interrupted during the journey.",
            "The education ministry allowed schools to accept migrant pupils without complete files, but the "
            "instruction is not applied everywhere.",
            "Secondary school is where many refugee teenagers drop out, pushed into work to support younger "
            "brothers and sisters.",
            "Adult literacy courses for migrant women in the {district} have a waiting list of more than {n_mid} "
            "names.",
            "Recognition of diplomas obtained abroad remains a maze for asylum seekers who were students or "
            "teachers in their home countries.",
            "School canteens play an outsized role: for some refugee children, the midday meal is the only "
            "complete meal of the day.",
            "A vocational training centre in {city} reserved {n_small} places for young migrants in carpentry, "
            "plumbing and solar panel installation.",
            "Head teachers say that classes are already overcrowded and that welcoming newcomers without extra "
            "staff is difficult.",
            "Scholarships for refugee students at the university remain rare, and most depend on a single private "
            "foundation.",
            "Parents among {group_any} worry that their children will lose their first language as they learn "
            "{school_langs} at school.",
        ],
        "housing": [
            "Finding a room in {city} is the first battle for {group}, as many landlords refuse tenants who cannot "
            "show a residence permit.",
            "Rents in the {district} have risen by almost {pct} percent in two years, pushing migrant families "
            "into shared rooms of eight or ten people.",
            "{org_cap} runs {facility} with {n_small} beds for women and children, which has been full since "
            "{month}.",
            "Evictions without notice are common, and tenants without a written lease have little chance of "
            "challenging them.",
            "Some refugees have settled in unfinished buildings on the edge of {city}, without running water or a "
            "legal electricity connection.",
            "A rental guarantee scheme financed by the municipality helped {n_mid} families sign their first "
            "official lease last year.",
            "Overcrowding worries health workers, who link it to respiratory infections and skin diseases among "
            "migrant children.",
            "Social housing programmes remain closed to non-nationals, even to recognised refugees who have lived "
            "{country_in} for a decade.",
            "Informal brokers charge asylum seekers a fee just to show them a flat, and sometimes disappear with "
            "the deposit.",
            "Residents of the {district} say relations with migrant neighbours are generally calm, although "
            "disputes over rent and noise do occur.",
            "Temporary shelters opened after the {prev_year} demolitions were meant to last a few months but are "
            "still in use.",
            "Associations are asking that the planned rehousing programme in {city} include the migrant families "
            "who lived in the demolished areas.",
        ],
        "justice": [
            "Filing a complaint at the police station in {city} is still a daunting step for {group}, many of whom "
            "fear being asked about their papers.",
            "Legal aid lawyers working with {org} handled {n_mid} cases last year, from labour disputes to the "
            "registration of births.",
            "Birth registration is a major concern: children born {country_in} to undocumented parents risk "
            "having no legal identity at all.",
            "Hearings at {facility} often take place without an interpreter, leaving defendants who speak only "
            "English or Wolof unable to follow the proceedings.",
            "Migrant domestic workers who go unpaid for months rarely turn to the labour inspectorate, fearing "
            "they will lose their accommodation too.",
            "{org_cap} trained {n_small} paralegals from refugee communities to accompany victims of violence "
            "through the judicial process.",
            "A ruling by the court of first instance in {city} in {month} recognised the right of an asylum "
            "seeker to challenge an arbitrary detention.",
            "Lawyers say that the administrative detention of migrants is poorly supervised by judges and that "
            "release often depends on informal negotiations.",
            "Victims of human trafficking are supposed to be protected by a specific law, but few cases reach a "
            "verdict.",
            "The prosecutor's office in {city} has appointed a focal point for complaints involving foreign "
            "nationals, a step welcomed by associations.",
            "Access to justice also means access to information: many migrants do not know that legal aid exists "
            "or that it is free.",
            "Several asylum seekers described being turned away from the civil registry when they tried to "
            "declare a marriage or a death.",
        ],
    },
    "fr": {
        "generic": [
            "À {city}, les {group} décrivent un quotidien rythmé par les démarches administratives, les petits "
            "boulots et la recherche permanente d'une adresse stable.",
            "Depuis {month}, {org} a enregistré {n_mid} nouvelles demandes d'aide rien qu'à {city}, émanant pour "
            "la plupart des {group_any}.",
            "Beaucoup des familles rencontrées sont arrivées {country_in} après un long périple à travers le "
            "désert, et certaines attendent depuis plus d'un an une réponse à leur demande d'asile.",
            "Les associations locales rappellent que les réfugiés et les migrants paient les mêmes taxes sur "
            "l'alimentation et les transports que tout le monde, mais restent invisibles dans la planification "
            "municipale.",
            "La stratégie nationale d'immigration et d'asile promettait un accès égal aux services publics, mais "
            "sur le terrain, les intervenants jugent sa mise en œuvre inégale.",
            "Dans {district}, des bénévoles tiennent un registre manuscrit des nouveaux arrivants, où ils notent "
            "leurs langues, leurs compétences et leurs besoins les plus urgents.",
            "Selon {org}, les femmes et les enfants représentaient près de {pct} % des migrants accompagnés à "
            "{city} l'an dernier.",
            "Certains demandeurs d'asile détiennent un récépissé de l'agence des Nations unies pour les réfugiés "
            "que de nombreux fonctionnaires ne reconnaissent pas, ce qui les oblige à expliquer leur statut à "
            "chaque guichet.",
            "Les travailleurs sociaux soulignent que les réseaux informels de voisins, de mosquées et d'églises "
            "comblent encore des vides laissés par les institutions publiques.",
            "Le ralentissement économique a d'abord frappé les travailleurs migrants du bâtiment et de "
            "l'agriculture, dont les salaires journaliers ont baissé sur plusieurs marchés autour de {city}.",
            "Une réunion de coordination entre les autorités et la société civile, en {month}, a débouché sur une "
            "liste d'engagements dont les associations attendent désormais l'application.",
            "Pour les {group_any}, un seul document manquant peut bloquer toute une chaîne de services, du compte "
            "bancaire au certificat de scolarité.",
            "Des chercheurs qui ont suivi {n_small} ménages pendant deux ans ont constaté que la stabilité des "
            "revenus était le meilleur indicateur du maintien des enfants réfugiés à l'école.",
            "Plusieurs communes ont ouvert des guichets uniques où les migrants peuvent poser leurs questions en "
            "français, en anglais ou en {local_lang}, même si les horaires restent courts.",
            "La traduction reste un problème discret mais décisif : peu de bureaux publics à {city} emploient des "
            "agents qui parlent les langues des nouveaux arrivants.",
            "Les responsables communautaires insistent sur le fait que l'arrivée des réfugiés a aussi apporté de "
            "nouveaux commerces, de nouveaux savoir-faire et de nouveaux clients dans {district}.",
            "Les coupes budgétaires annoncées par les bailleurs internationaux au début de {year} ont contraint "
            "plusieurs programmes destinés aux personnes déplacées à réduire leurs activités.",
            "{org_cap} estime que moins d'un migrant sur {n_small} sait comment déposer une plainte lorsqu'un "
            "service lui est refusé.",
            "À {city}, des comités de quartier ont commencé à inviter des représentants des réfugiés à leurs "
            "réunions mensuelles, un petit changement que les habitants jugent tardif.",
            "La saison des pluies ajoute chaque année une pression supplémentaire, car les familles qui vivent "
            "dans des abris précaires ont besoin à la fois de réparations et de médicaments.",
        ],
        "quote": [
            "« Nous ne demandons pas de privilèges, seulement que la même porte s'ouvre pour tout le monde », "
            "affirme {person}, {role}.",
            "« Chaque semaine, quelqu'un arrive chez nous après avoir été éconduit ailleurs », explique {person}, "
            "{role}.",
            "{person}, {role}, résume la situation en une phrase : « Les règles existent, mais personne ne les "
            "explique aux personnes concernées. »",
            "« Quand une famille doit choisir entre le loyer et les médicaments, ce sont toujours les enfants qui "
            "perdent », confie {person} à notre reporter.",
            "« Il y a eu de vrais progrès à {city}, mais tout dépend encore trop de la bonne volonté de certains "
            "fonctionnaires », estime {person}.",
            "Interrogé sur ces plaintes, {official} assure que des instructions ont été envoyées à tous les "
            "services et que chaque refus sera examiné au cas par cas.",
            "« J'ai appris les mots douleur et fièvre avant d'apprendre à dire bonjour », raconte une jeune femme "
            "originaire {origin_de} qui a souhaité garder l'anonymat.",
            "{official_cap} reconnaît « de réelles difficultés », mais rappelle que les budgets sont limités et "
            "que les citoyens subissent eux aussi de longs délais.",
            "« Nos bénévoles font ce qu'ils peuvent, mais nous ne pouvons pas remplacer un service public », "
            "souligne {person}, qui travaille avec {org} depuis {n_few} ans.",
            "Un père de trois enfants originaire {origin_de} raconte s'être rendu {n_few} fois au même bureau "
            "avant que quelqu'un accepte son dossier.",
        ],
        "figure": [
            "En {prev_year}, {org} a enregistré {n_big} consultations, orientations et accompagnements juridiques "
            "dans la région de {city}.",
            "Les chiffres officiels font état d'environ {n_big} réfugiés et demandeurs d'asile enregistrés "
            "{country_in}, un nombre que les associations jugent sous-estimé.",
            "Environ {pct} % des personnes interrogées par {org} disent s'être vu refuser un service au moins une "
            "fois en raison de leur statut.",
            "Le délai d'attente pour un premier rendez-vous est passé de {n_few} semaines à près de {n_small} "
            "semaines, selon les données transmises par les partenaires locaux.",
            "Une enquête menée auprès de {n_mid} ménages migrants à {city} montre que {pct} % d'entre eux "
            "consacrent plus de la moitié de leurs revenus au loyer.",
            "Le budget alloué au programme cette année s'élève à {money}, à peu près autant qu'en {prev_year} "
            "malgré des besoins croissants.",
        ],
        "health": [
            "{facility_cap} de {city}, les {group} devraient être soignés comme les nationaux, mais le personnel "
            "d'accueil réclame souvent des documents qu'ils ne peuvent pas fournir.",
            "Les femmes enceintes sont les plus exposées parmi les {group_any}, car une visite prénatale manquée "
            "peut transformer un accouchement ordinaire en urgence.",
            "{org_cap} fait circuler une clinique mobile qui passe deux fois par semaine dans {district}, avec des "
            "consultations, des vaccinations et des médicaments de base.",
            "Les médecins constatent une hausse des maladies chroniques comme le diabète et l'hypertension chez "
            "des migrants qui ont vécu des années sans suivi régulier.",
            "La santé mentale reste le parent pauvre du financement, alors que de nombreux réfugiés portent les "
            "traumatismes des violences subies sur la route ou dans leur pays.",
            "La circulaire du ministère de la Santé sur l'accès des migrants aux soins de base est affichée dans "
            "certains dispensaires, mais rares sont les patients qui en ont entendu parler.",
            "Le coût reste un obstacle récurrent : une simple analyse de sang peut coûter plus que ce qu'un "
            "journalier gagne en une semaine.",
            "Des interprètes formés par {org} accompagnent désormais les demandeurs d'asile à leurs rendez-vous à "
            "l'hôpital, ce qui réduit le nombre de suivis manqués.",
            "Les campagnes de vaccination ont touché {pct} % des enfants migrants dans {district}, selon la "
            "direction régionale de la santé.",
            "Le personnel soignant constate que les patients sans papiers arrivent tard, quand une infection "
            "banale est déjà devenue grave.",
            "Le dépistage de la tuberculose chez les réfugiés vivant dans des logements surpeuplés a été élargi "
            "après la détection de plusieurs cas en {month}.",
            "Une couverture maladie existe sur le papier pour les réfugiés reconnus, mais l'inscription exige une "
            "carte de séjour que beaucoup attendent encore.",
        ],
        "education": [
            "Inscrire un enfant réfugié {facility} de {city} suppose un acte de naissance et un certificat de "
            "radiation, des documents que les familles ont rarement emportés dans leur fuite.",
            "Les enseignants observent que les élèves migrants rattrapent vite leur retard dès qu'ils maîtrisent "
            "la langue d'enseignement, souvent en une seule année scolaire.",
            "{org_cap} propose le samedi matin des cours de soutien à {n_mid} enfants dont la scolarité a été "
            "interrompue pendant le voyage.",
            "Le ministère de l'Éducation a autorisé les écoles à accueillir des élèves migrants sans dossier "
            "complet, mais la consigne n'est pas appliquée partout.",
            "C'est au collège et au lycée que beaucoup d'adolescents réfugiés décrochent, poussés à travailler "
            "pour aider leurs frères et sœurs plus jeunes.",
            "Les cours d'alphabétisation ouverts aux femmes migrantes dans {district} ont une liste d'attente de "
            "plus de {n_mid} noms.",
            "La reconnaissance des diplômes obtenus à l'étranger reste un casse-tête pour les demandeurs d'asile "
            "qui étaient étudiants ou enseignants dans leur pays.",
            "Les cantines scolaires jouent un rôle démesuré : pour certains enfants réfugiés, le repas de midi est "
            "le seul repas complet de la journée.",
            "Un centre de formation professionnelle de {city} a réservé {n_small} places à de jeunes migrants en "
            "menuiserie, en plomberie et en installation de panneaux solaires.",
            "Les directeurs d'école rappellent que les classes sont déjà surchargées et qu'accueillir de nouveaux "
            "élèves sans personnel supplémentaire est difficile.",
            "Les bourses pour les étudiants réfugiés à l'université restent rares, et la plupart dépendent d'une "
            "seule fondation privée.",
            "Parmi les {group_any}, des parents craignent que leurs enfants perdent leur langue maternelle en "
            "apprenant {school_langs} à l'école.",
        ],
        "housing": [
            "Trouver une chambre à {city} est le premier combat des {group}, car de nombreux propriétaires "
            "refusent les locataires qui ne peuvent pas présenter de titre de séjour.",
            "Les loyers dans {district} ont augmenté de près de {pct} % en deux ans, poussant des familles "
            "migrantes à s'entasser à huit ou dix par chambre.",
            "{org_cap} héberge {n_small} femmes et enfants {facility}, complet depuis {month}.",
            "Les expulsions sans préavis sont fréquentes, et les locataires sans bail écrit ont peu de chances de "
            "les contester.",
            "Des réfugiés se sont installés dans des immeubles inachevés en bordure de {city}, sans eau courante "
            "ni branchement électrique légal.",
            "Un fonds de garantie locative financé par la commune a permis à {n_mid} familles de signer leur "
            "premier bail officiel l'an dernier.",
            "La promiscuité inquiète les soignants, qui y voient la cause d'infections respiratoires et de "
            "maladies de peau chez les enfants migrants.",
            "Les programmes de logement social restent fermés aux étrangers, même aux réfugiés reconnus qui vivent "
            "{country_in} depuis dix ans.",
            "Des intermédiaires informels font payer aux demandeurs d'asile la simple visite d'un appartement, et "
            "disparaissent parfois avec la caution.",
            "Les habitants décrivent des relations plutôt calmes avec leurs voisins migrants, même si des disputes "
            "liées au loyer ou au bruit surviennent.",
            "Les abris temporaires ouverts après les démolitions de {prev_year} devaient servir quelques mois, mais "
            "ils sont toujours occupés.",
            "Les associations demandent que le programme de relogement prévu à {city} inclue les familles "
            "migrantes qui vivaient dans les zones démolies.",
        ],
        "justice": [
            "Déposer plainte au commissariat de {city} reste une démarche intimidante pour les {group}, dont "
            "beaucoup craignent d'être interrogés sur leurs papiers.",
            "Les avocats de l'aide juridique qui travaillent avec {org} ont traité {n_mid} dossiers l'an dernier, "
            "des litiges du travail à l'enregistrement des naissances.",
            "L'enregistrement des naissances est une préoccupation majeure : les enfants nés {country_in} de "
            "parents migrants sans papiers risquent de n'avoir aucune identité juridique.",
            "Les audiences se tiennent souvent sans interprète {facility}, si bien que les prévenus qui ne parlent "
            "que l'anglais ou le wolof ne peuvent pas suivre les débats.",
            "Les travailleuses domestiques migrantes impayées depuis des mois saisissent rarement l'inspection du "
            "travail, de peur de perdre aussi leur logement.",
            "{org_cap} a formé {n_small} parajuristes issus des communautés réfugiées pour accompagner les "
            "victimes de violences tout au long de la procédure.",
            "Un jugement du tribunal de première instance de {city}, rendu en {month}, a reconnu le droit d'un "
            "demandeur d'asile à contester une détention arbitraire.",
            "Selon les avocats, la rétention administrative des migrants est mal contrôlée par les juges, et la "
            "libération dépend souvent de négociations informelles.",
            "Les victimes de la traite des êtres humains sont censées être protégées par une loi spécifique, mais "
            "peu d'affaires aboutissent à un verdict.",
            "Le parquet de {city} a désigné un point focal pour les plaintes impliquant des étrangers, une mesure "
            "saluée par les associations.",
            "L'accès à la justice passe aussi par l'information : beaucoup de migrants ignorent que l'aide "
            "juridictionnelle existe et qu'elle est gratuite.",
            "Plusieurs demandeurs d'asile racontent avoir été renvoyés du bureau d'état civil lorsqu'ils voulaient "
            "déclarer un mariage ou un décès.",
        ],
    },
}

_ON_TOPIC_TITLES: dict[str, dict[str, list[str]]] = {
    "en": {
        "health": ["In {city}, {group} still struggle to see a doctor",
                   "{city}: a mobile clinic fills the gaps in care for {group}",
                   "Migrants' access to hospitals in {city} remains uneven, aid groups say",
                   "Mental health care for refugees in {city} runs short of funding",
                   "Pregnant asylum seekers in {city} face costly barriers to care",
                   "{city}: interpreters help {group} keep their hospital appointments"],
        "education": ["In {city}, refugee children wait for a school place",
                      "{city}: remedial classes help migrant pupils catch up",
                      "Missing papers keep {group} out of classrooms in {city}",
                      "Young migrants in {city} turn to vocational training",
                      "Literacy classes for migrant women in {city} draw long queues",
                      "{city}: school canteens carry the weight for refugee children"],
        "housing": ["In {city}, {group} face a closed rental market",
                    "{city}: migrant families squeezed by soaring rents",
                    "Evictions leave refugee families in {city} without shelter",
                    "A rental guarantee opens doors for migrants in {city}",
                    "Asylum seekers in {city} fall prey to housing brokers",
                    "{city}: temporary shelters for {group} become permanent"],
        "justice": ["In {city}, {group} hesitate to file complaints",
                    "{city}: legal aid lawyers take on migrants' labour cases",
                    "Birth registration remains out of reach for migrant families in {city}",
                    "Hearings without interpreters leave migrants in {city} in the dark",
                    "Trafficking victims in {city} wait for justice",
                    "{city}: paralegals from refugee communities guide victims through court"],
    },
    "fr": {
        "health": ["À {city}, les {group} peinent toujours à voir un médecin",
                   "{city} : une clinique mobile comble les manques de soins pour les {group}",
                   "Accès des migrants à l'hôpital : à {city}, les associations dénoncent des inégalités",
                   "À {city}, la prise en charge psychologique des réfugiés manque de moyens",
                   "Soins prénatals : des obstacles coûteux pour les demandeuses d'asile de {city}",
                   "{city} : des interprètes aident les {group} à ne plus manquer leurs rendez-vous"],
        "education": ["À {city}, des enfants réfugiés attendent une place à l'école",
                      "{city} : des cours de soutien pour aider les élèves migrants",
                      "Faute de papiers, des {group} privés d'école à {city}",
                      "À {city}, les jeunes migrants misent sur la formation professionnelle",
                      "Alphabétisation : les femmes migrantes de {city} se pressent aux cours",
                      "{city} : la cantine scolaire, un repère pour les enfants réfugiés"],
        "housing": ["À {city}, le marché locatif se ferme aux {group}",
                    "{city} : les familles migrantes étranglées par la flambée des loyers",
                    "Expulsions : des familles réfugiées à la rue à {city}",
                    "Une garantie locative ouvre des portes aux migrants de {city}",
                    "À {city}, des demandeurs d'asile victimes d'intermédiaires peu scrupuleux",
                    "{city} : les abris temporaires des {group} deviennent durables"],
        "justice": ["À {city}, les {group} hésitent à porter plainte",
                    "{city} : des avocats bénévoles défendent les travailleurs migrants",
                    "Enregistrement des naissances : un casse-tête pour les familles migrantes de {city}",
                    "Audiences sans interprète : à {city}, des migrants perdus face à la justice",
                    "Traite des êtres humains : à {city}, les victimes attendent justice",
                    "{city} : des parajuristes réfugiés accompagnent les victimes au tribunal"],
    },
}

# Off-topic sentences must not use a single word of the migration vocabulary (not even "border",
# "transit", "visa" or "humanitarian"); tests/benchmarks/test_synthetic_site.py checks it.
_OFF_TOPIC: dict[str, dict[str, list[str]]] = {
    "en": {
        "sport": [
            "{team} beat {team2} {score} on {weekday} evening in front of a packed stadium in {city}.",
            "The home side dominated possession from the first whistle but had to wait until the second half to "
            "open the scoring.",
            "{player} scored twice and was named player of the match, taking his tally to a {ordinal} goal of the "
            "season.",
            "The coach praised his defenders for their discipline and said the squad was finally playing with "
            "confidence.",
            "With {n_few} rounds left, the title race in {competition} remains wide open between four clubs.",
            "Supporters began queuing outside the ticket office in the early afternoon, some of them wearing the "
            "club's vintage shirts.",
            "The visitors had chances of their own, including a header that struck the crossbar shortly before "
            "the break.",
            "A young goalkeeper from the academy made his debut and kept a clean sheet, drawing applause from the "
            "stands.",
            "The federation confirmed that the renovated pitch will host the national team's next friendly in "
            "{month}.",
            "Injuries have hit the squad hard this season, with three starters still recovering from knee and "
            "ankle problems.",
            "In basketball, the women's team of {city} secured a place in the national final after a tense "
            "overtime win.",
            "The annual marathon attracted {n_big} runners this year, a record for the event, on a course lined "
            "with spectators.",
            "The winner of the men's race crossed the line in just over two hours and eleven minutes despite a "
            "warm morning.",
            "Club officials announced plans to build a new training centre with two artificial pitches and a "
            "fitness hall.",
            "The referee's decision to award a late penalty sparked protests from the visiting bench, and the "
            "assistant coach was sent off.",
            "Television audiences for the league have grown steadily, and broadcasters are negotiating a new "
            "rights deal.",
            "Local cyclists dominated the mountain stage of the national tour, climbing through olive groves and "
            "pine forests.",
            "The handball team, promoted last year, is now third in the standings after an unbeaten run of "
            "{n_few} games.",
            "Youth tournaments organised during the school holidays brought together more than {n_mid} children "
            "from neighbouring districts.",
            "Tickets for the derby sold out within hours, and the club has asked fans to arrive early to avoid "
            "congestion at the turnstiles.",
            "The league's top scorer was left on the bench for the first hour, a choice the coach defended after "
            "the final whistle.",
            "A minute's applause was held before kick-off in memory of a former club president.",
            "The athletics federation opened a new indoor track in {city}, the first of its kind in the region.",
            "Women's football keeps growing, with {n_mid} registered players this season against barely half that "
            "number three years ago.",
            "The away fans, who travelled by coach through the night, sang until the last minute despite the "
            "defeat.",
            "The volleyball club of {city} lost in straight sets but remains in the running for the play-offs.",
            "Ticket prices were cut by a third for students and pensioners, and attendance rose immediately.",
            "A goal-line clearance in stoppage time preserved the narrow lead and sent the bench into celebration.",
            "The club's new signing, a midfielder recruited in the summer window, impressed with the range of his "
            "distribution.",
            "Groundskeepers worked through the night to drain the pitch after a downpour threatened to postpone "
            "the match.",
        ],
        "economy": [
            "The central bank kept its main rate unchanged at its latest meeting, citing easing inflation and a "
            "steady recovery in credit.",
            "Consumer prices rose by {pct_small} percent over twelve months, driven mainly by fresh vegetables and "
            "transport costs.",
            "The cereal harvest in the region of {city} is expected to exceed last year's by about {pct} percent "
            "thanks to timely rains.",
            "Exporters of citrus fruit and tomatoes reported strong orders from European supermarkets during the "
            "winter season.",
            "The chamber of commerce in {city} counted {n_mid} new small businesses registered in the first "
            "quarter.",
            "Cotton producers welcomed the announced purchase price, which they say covers the rising cost of "
            "fertiliser.",
            "Gold output from industrial mines increased slightly, while artisanal sites remained difficult to "
            "monitor.",
            "The port recorded a rise in container traffic, helped by new shipping lines to Asian markets.",
            "Small traders in the central market of {city} complain that electricity bills now absorb a large "
            "share of their margins.",
            "A new industrial zone on the outskirts of {city} is due to host textile, food processing and car "
            "parts plants.",
            "Tourism revenue reached a record level last year, with hotels in {city} reporting occupancy rates "
            "above {pct} percent.",
            "Economists warn that the trade deficit remains high because of energy imports, despite strong sales "
            "of fertilisers and cars.",
            "The budget bill foresees higher spending on roads, irrigation and rural electrification over the next "
            "three years.",
            "Microfinance institutions have expanded their lending to women entrepreneurs in the textile and food "
            "sectors.",
            "The price of a bag of rice has stabilised after several months of increases, according to a survey of "
            "retailers in {city}.",
            "The telecom regulator announced that mobile internet coverage now reaches {pct} percent of rural "
            "villages.",
            "Bank lending to small and medium enterprises grew modestly, while interest rates on housing loans "
            "edged down.",
            "Farmers' cooperatives are investing in cold storage to reduce losses on mangoes, onions and "
            "potatoes.",
            "The stock exchange index closed the week higher, lifted by banking and construction shares.",
            "Officials expect growth of around {growth} percent this year, provided that the farming season lives "
            "up to expectations.",
            "Olive oil prices climbed again this season after a modest harvest in the main producing areas.",
            "A new solar power plant near {city} is expected to supply the equivalent of {n_big} households.",
            "Construction firms report a backlog of orders for schools, clinics and municipal buildings.",
            "The average price of a kilogram of tomatoes fell by almost half in {month}, to the relief of shoppers.",
            "Car sales rose by {pct} percent in the first half of the year, driven by demand for small family "
            "models.",
            "The mining sector remains the largest contributor to export earnings.",
            "A survey of {n_mid} small firms in {city} found that late payments are their main financial worry.",
            "Rail operators plan to add evening trains between {city} and the capital from {month}.",
            "Mobile money now accounts for a growing share of retail payments in urban markets.",
            "The livestock market in {city} was busy ahead of the holiday, with sheep prices slightly above last "
            "year's.",
        ],
        "weather": [
            "Temperatures are expected to climb above {temp} degrees in {city} this week, and the weather service "
            "has issued a heat advisory.",
            "Forecasters advise residents to avoid going out between noon and four in the afternoon and to drink "
            "water regularly.",
            "Heavy showers are expected over the hills on {weekday}, with a risk of flash floods in the valleys.",
            "The rainy season started earlier than usual, to the relief of farmers who had already prepared their "
            "fields.",
            "Strong winds carrying dust reduced visibility on several roads around {city} on {weekday} morning.",
            "Meteorologists recorded {rain} millimetres of rain in twenty-four hours, one of the highest totals "
            "for the month of {month}.",
            "Nights will remain mild in the north, while the interior will see sharp contrasts between day and "
            "night.",
            "Morning temperatures dropped sharply in the highlands, a welcome change after weeks of intense heat.",
            "The dams serving {city} are now filled to {pct} percent of their capacity after the latest rains.",
            "A cold spell is forecast for the weekend, with frost possible on the plateaus and early morning fog "
            "in the plains.",
            "The {dry_wind} season brings dry air and fine dust, and doctors recommend that people with asthma "
            "stay indoors on the worst days.",
            "Fishermen on the lakes and along the river were advised to stay ashore as strong winds are expected.",
            "Seasonal forecasts point to rainfall close to normal in the south, but below average in the north.",
            "Thunderstorms knocked down trees and damaged roofs in several neighbourhoods, but no injuries were "
            "reported.",
            "The weather service has installed {n_small} new automatic stations to sharpen its local forecasts.",
            "Farmers in the region of {city} say the late rains came just in time for the sowing of {crops}.",
            "Humidity will rise sharply along the river in the coming days, making the heat feel even more "
            "oppressive.",
            "The civil protection service has cleared drainage channels in low-lying districts ahead of the "
            "storms.",
            "After a week of clear skies, clouds will return from the west on {weekday}, bringing light rain to "
            "the capital.",
            "Climatologists note that heatwaves have become longer and more frequent over the past two decades.",
            "The weather service expects the first autumn rains by the middle of {month}.",
            "Sandstorms are likely on the plateaus south of {city}, and drivers are urged to reduce their speed.",
            "Maximum temperatures will drop by five to eight degrees after the passage of a cold front.",
            "Hail damaged fruit trees in several orchards, and farmers are assessing the losses.",
            "The night of {weekday} was the coldest of the season, with {temp_low} degrees recorded at dawn.",
            "Weather stations in the hills recorded gusts of more than {wind} kilometres per hour.",
            "Water utilities called on residents to save water until the reservoirs recover.",
            "Light drizzle is expected in the morning, followed by sunny spells in the afternoon.",
            "The rainfall deficit since the start of the season stands at about {pct} percent in the eastern "
            "districts.",
            "School authorities in {city} shortened the school day during the hottest week of the year.",
        ],
        "shared": [
            "\"We have worked hard for this moment, and the results are finally showing,\" said {person}, "
            "{off_role}.",
            "\"People here are used to it, but this year feels different,\" {person} told our correspondent in "
            "{city}.",
            "{person}, {off_role}, said the coming weeks would be decisive.",
            "\"Nothing is settled yet, and we must stay focused,\" said {person}.",
            "Residents interviewed in the {district} were divided, some optimistic, others cautious about the "
            "months ahead.",
            "Further details are expected at a press conference scheduled for {weekday}.",
            "The figures will be updated in the next monthly bulletin, due at the end of {month}.",
            "Local radio stations devoted much of their morning programmes to the subject, with listeners calling "
            "in from across {country}.",
            "Observers say the trend should become clearer by the end of the quarter.",
            "Our newsroom will follow the story in the coming days.",
            "Officials did not respond to requests for further comment before publication.",
            "Several readers wrote to the editors to share their own experience of the week.",
            "The topic also dominated conversations in cafés and markets across {city}.",
            "A full summary of the figures is available from the regional statistics office.",
        ],
    },
    "fr": {
        "sport": [
            "{team} a battu {team2} {score} {weekday} soir devant un stade comble à {city}.",
            "Les locaux ont dominé la possession dès le coup d'envoi, mais ont dû attendre la seconde période pour "
            "ouvrir le score.",
            "Auteur d'un doublé, {player} a été élu homme du match et signe ainsi son {ordinal} but de la saison.",
            "L'entraîneur a salué la discipline de ses défenseurs et estimé que le groupe jouait enfin avec "
            "confiance.",
            "À {n_few} journées de la fin, la course au titre dans {competition} reste ouverte entre quatre clubs.",
            "Les supporters ont commencé à faire la queue devant les guichets dès le début de l'après-midi, "
            "certains vêtus des maillots historiques du club.",
            "Les visiteurs ont eu leurs occasions, dont une tête sur la transversale peu avant la pause.",
            "Un jeune gardien issu du centre de formation a fait ses débuts et préservé sa cage inviolée, sous les "
            "applaudissements des tribunes.",
            "La fédération a confirmé que la pelouse rénovée accueillera le prochain match amical de l'équipe "
            "nationale en {month}.",
            "Les blessures ont durement touché l'effectif cette saison : trois titulaires soignent encore des "
            "problèmes au genou ou à la cheville.",
            "En basket-ball, l'équipe féminine de {city} s'est qualifiée pour la finale nationale après une "
            "victoire arrachée en prolongation.",
            "Le marathon annuel a réuni {n_big} coureurs cette année, un record pour l'épreuve, sur un parcours "
            "bordé de spectateurs.",
            "Le vainqueur de la course masculine a franchi la ligne en un peu plus de deux heures et onze minutes "
            "malgré une matinée chaude.",
            "Les dirigeants du club ont annoncé la construction d'un nouveau centre d'entraînement avec deux "
            "terrains synthétiques et une salle de musculation.",
            "La décision de l'arbitre d'accorder un penalty en fin de match a provoqué la colère du banc adverse, "
            "et l'entraîneur adjoint a été exclu.",
            "Les audiences télévisées du championnat progressent régulièrement, et les diffuseurs négocient un "
            "nouveau contrat de droits.",
            "Les cyclistes locaux ont dominé l'étape de montagne du tour national, au milieu des oliveraies et des "
            "forêts de pins.",
            "Promue l'an dernier, l'équipe de handball occupe désormais la troisième place du classement après "
            "une série de {n_few} matches sans défaite.",
            "Les tournois de jeunes organisés pendant les vacances scolaires ont réuni plus de {n_mid} enfants "
            "venus des quartiers voisins.",
            "Les billets pour le derby se sont arrachés en quelques heures, et le club demande aux supporters "
            "d'arriver tôt pour éviter la cohue aux entrées.",
            "Le meilleur buteur du championnat a commencé sur le banc, un choix que l'entraîneur a justifié après "
            "le coup de sifflet final.",
            "Une minute d'applaudissements a été observée avant le coup d'envoi en mémoire d'un ancien président "
            "du club.",
            "La fédération d'athlétisme a inauguré une nouvelle piste couverte à {city}, la première du genre dans "
            "la région.",
            "Le football féminin poursuit son essor, avec {n_mid} licenciées cette saison contre à peine la moitié "
            "il y a trois ans.",
            "Les supporters visiteurs, venus en car après une nuit de route, ont chanté jusqu'à la dernière minute "
            "malgré la défaite.",
            "Le club de volley-ball de {city} s'est incliné en trois sets mais reste en course pour les barrages.",
            "Le prix des billets a été réduit d'un tiers pour les étudiants et les retraités, et l'affluence a "
            "aussitôt augmenté.",
            "Un sauvetage sur la ligne dans le temps additionnel a préservé l'avantage et fait exulter le banc.",
            "La nouvelle recrue, un milieu de terrain arrivé pendant le mercato d'été, a impressionné par la "
            "qualité de ses transmissions.",
            "Les jardiniers ont travaillé toute la nuit pour drainer la pelouse après une averse qui menaçait de "
            "faire reporter le match.",
        ],
        "economy": [
            "La banque centrale a maintenu son taux directeur inchangé lors de sa dernière réunion, invoquant le "
            "reflux de l'inflation et la reprise régulière du crédit.",
            "Les prix à la consommation ont augmenté de {pct_small} % sur douze mois, tirés surtout par les "
            "légumes frais et les coûts de transport.",
            "La récolte céréalière de la région de {city} devrait dépasser celle de l'an dernier d'environ {pct} %, "
            "grâce à des pluies arrivées au bon moment.",
            "Les exportateurs d'agrumes et de tomates font état de commandes soutenues des supermarchés européens "
            "pendant la saison d'hiver.",
            "La chambre de commerce de {city} a recensé {n_mid} nouvelles petites entreprises immatriculées au "
            "premier trimestre.",
            "Les producteurs de coton ont salué le prix d'achat annoncé, qui couvre selon eux la hausse du coût "
            "des engrais.",
            "La production d'or des mines industrielles a légèrement progressé, tandis que les sites artisanaux "
            "restent difficiles à contrôler.",
            "Le port a enregistré une hausse du trafic de conteneurs, portée par de nouvelles lignes maritimes "
            "vers les marchés asiatiques.",
            "Les petits commerçants du marché central de {city} se plaignent de factures d'électricité qui "
            "absorbent une part croissante de leurs marges.",
            "Une nouvelle zone industrielle en périphérie de {city} doit accueillir des usines de textile, "
            "d'agroalimentaire et de pièces automobiles.",
            "Les recettes touristiques ont atteint un niveau record l'an dernier, et les hôtels de {city} "
            "affichent des taux d'occupation supérieurs à {pct} %.",
            "Les économistes préviennent que le déficit commercial reste élevé à cause des importations "
            "d'énergie, malgré de bonnes ventes d'engrais et de voitures.",
            "Le projet de loi de finances prévoit davantage de dépenses pour les routes, l'irrigation et "
            "l'électrification rurale au cours des trois prochaines années.",
            "Les institutions de microfinance ont élargi leurs prêts aux femmes entrepreneures des secteurs du "
            "textile et de l'alimentation.",
            "Le prix du sac de riz s'est stabilisé après plusieurs mois de hausse, selon un relevé effectué auprès "
            "des détaillants de {city}.",
            "Le régulateur des télécommunications annonce que l'internet mobile couvre désormais {pct} % des "
            "villages ruraux.",
            "Les crédits bancaires aux petites et moyennes entreprises ont modestement progressé, tandis que les "
            "taux des prêts immobiliers ont légèrement baissé.",
            "Les coopératives agricoles investissent dans des chambres froides pour réduire les pertes sur les "
            "mangues, les oignons et les pommes de terre.",
            "L'indice de la Bourse a terminé la semaine en hausse, porté par les valeurs bancaires et celles du "
            "bâtiment.",
            "Les autorités tablent sur une croissance d'environ {growth} % cette année, à condition que la "
            "campagne agricole tienne ses promesses.",
            "Les prix de l'huile d'olive ont encore augmenté cette saison après une récolte modeste dans les "
            "principales zones productrices.",
            "Une nouvelle centrale solaire près de {city} devrait alimenter l'équivalent de {n_big} foyers.",
            "Les entreprises du bâtiment font état d'un carnet de commandes bien rempli pour des écoles, des "
            "dispensaires et des bâtiments municipaux.",
            "Le prix moyen du kilo de tomates a presque diminué de moitié en {month}, au soulagement des "
            "consommateurs.",
            "Les ventes de voitures ont progressé de {pct} % au premier semestre, portées par la demande de petits "
            "modèles familiaux.",
            "Le secteur minier reste le premier contributeur aux recettes d'exportation.",
            "Une enquête auprès de {n_mid} petites entreprises de {city} montre que les retards de paiement sont "
            "leur principale inquiétude financière.",
            "L'opérateur ferroviaire prévoit d'ajouter des trains en soirée entre {city} et la capitale dès "
            "{month}.",
            "Les paiements par téléphone mobile représentent une part croissante des achats dans les marchés "
            "urbains.",
            "Le marché au bétail de {city} était animé à l'approche de la fête, avec des prix des moutons "
            "légèrement supérieurs à ceux de l'an dernier.",
        ],
        "weather": [
            "Les températures devraient dépasser {temp} degrés à {city} cette semaine, et les services "
            "météorologiques ont émis une alerte à la chaleur.",
            "Les prévisionnistes conseillent aux habitants d'éviter de sortir entre midi et seize heures et de "
            "boire de l'eau régulièrement.",
            "De fortes averses sont attendues sur les reliefs {weekday}, avec un risque de crues soudaines dans "
            "les vallées.",
            "La saison des pluies a commencé plus tôt que d'habitude, au grand soulagement des agriculteurs qui "
            "avaient déjà préparé leurs champs.",
            "Des vents violents chargés de poussière ont réduit la visibilité sur plusieurs routes autour de "
            "{city} {weekday} matin.",
            "Les météorologues ont relevé {rain} millimètres de pluie en vingt-quatre heures, l'un des cumuls les "
            "plus élevés pour cette période de l'année.",
            "Les nuits resteront douces dans le nord, tandis que l'intérieur connaîtra de fortes amplitudes entre "
            "le jour et la nuit.",
            "Les températures matinales ont nettement baissé sur les hauteurs, un changement bienvenu après des "
            "semaines de chaleur intense.",
            "Les barrages qui alimentent {city} sont désormais remplis à {pct} % de leur capacité après les "
            "dernières pluies.",
            "Une vague de froid est annoncée pour le week-end, avec des gelées possibles sur les plateaux et du "
            "brouillard matinal dans les plaines.",
            "La saison {dry_wind_du} apporte un air sec et des poussières fines, et les médecins recommandent aux "
            "asthmatiques de rester à l'intérieur les pires jours.",
            "Les pêcheurs des lacs et du fleuve ont été invités à rester à terre, car des vents forts sont "
            "attendus.",
            "Les prévisions saisonnières annoncent des pluies proches de la normale dans le sud, mais inférieures "
            "à la moyenne dans le nord.",
            "Des orages ont déraciné des arbres et endommagé des toitures dans plusieurs quartiers, sans faire de "
            "blessés.",
            "Les services météorologiques ont installé {n_small} nouvelles stations automatiques pour affiner "
            "leurs prévisions locales.",
            "Dans la région de {city}, les agriculteurs estiment que les pluies tardives sont arrivées juste à "
            "temps pour les semis de {crops}.",
            "L'humidité va fortement augmenter le long du fleuve dans les prochains jours, ce qui rendra la "
            "chaleur encore plus pénible.",
            "La protection civile a curé les canaux de drainage des quartiers bas en prévision des orages.",
            "Après une semaine de ciel dégagé, les nuages reviendront par l'ouest {weekday}, apportant de faibles "
            "pluies sur la capitale.",
            "Les climatologues relèvent que les vagues de chaleur sont devenues plus longues et plus fréquentes au "
            "cours des deux dernières décennies.",
            "Les services météorologiques attendent les premières pluies d'automne vers la mi-{month}.",
            "Des tempêtes de sable sont probables sur les plateaux au sud de {city}, et les automobilistes sont "
            "invités à réduire leur vitesse.",
            "Les maximales baisseront de cinq à huit degrés après le passage d'un front froid.",
            "La grêle a endommagé des arbres fruitiers dans plusieurs vergers, et les agriculteurs évaluent les "
            "pertes.",
            "La nuit de {weekday} a été la plus froide de la saison, avec {temp_low} degrés relevés à l'aube.",
            "Les stations situées sur les hauteurs ont enregistré des rafales de plus de {wind} kilomètres par "
            "heure.",
            "Les régies de distribution d'eau appellent les habitants à économiser l'eau en attendant la remontée "
            "des réserves.",
            "Une légère bruine est attendue le matin, suivie d'éclaircies l'après-midi.",
            "Le déficit pluviométrique depuis le début de la saison atteint environ {pct} % dans les districts de "
            "l'est.",
            "À {city}, les autorités scolaires ont raccourci la journée de classe pendant la semaine la plus "
            "chaude de l'année.",
        ],
        "shared": [
            "« Nous avons beaucoup travaillé pour ce moment, et les résultats commencent enfin à se voir », "
            "affirme {person}, {off_role}.",
            "« Les gens ici ont l'habitude, mais cette année est différente », confie {person} à notre "
            "correspondant à {city}.",
            "Pour {person}, {off_role}, les prochaines semaines seront décisives.",
            "« Rien n'est encore joué, il faut rester concentrés », estime {person}.",
            "Les habitants interrogés dans {district} se montrent partagés, certains optimistes, d'autres prudents "
            "pour les mois à venir.",
            "De plus amples détails sont attendus lors d'une conférence de presse prévue {weekday}.",
            "Les chiffres seront actualisés dans le prochain bulletin mensuel, attendu fin {month}.",
            "Les radios locales ont consacré une grande partie de leurs matinales au sujet, avec des auditeurs "
            "appelant de tout le pays.",
            "Selon les observateurs, la tendance devrait se préciser d'ici à la fin du trimestre.",
            "Notre rédaction suivra le dossier dans les prochains jours.",
            "Les responsables n'ont pas répondu à nos demandes de précisions avant la publication.",
            "Plusieurs lecteurs ont écrit à la rédaction pour partager leur propre expérience de la semaine.",
            "Le sujet a aussi alimenté les conversations dans les cafés et sur les marchés de {city}.",
            "Un résumé complet des chiffres est disponible auprès de la direction régionale de la statistique.",
        ],
    },
}

_OFF_TOPIC_TITLES: dict[str, dict[str, list[str]]] = {
    "en": {
        "sport": ["{team} edge {team2} in a tense derby", "{city} marathon sets a new participation record",
                  "{team}: the coach keeps faith in his young squad", "Late penalty hands {team} victory over {team2}",
                  "Basketball: {city} reach the national final", "{team} extend their unbeaten run to {n_few} games"],
        "economy": ["Inflation eases as vegetable prices fall", "{city}: new industrial zone to host textile plants",
                    "Cereal harvest expected to rise around {city}", "Central bank holds its key rate steady",
                    "Tourism revenue hits a record in {city}", "Traders in {city} feel the pinch of electricity bills"],
        "weather": ["Heat advisory issued for {city} as temperatures soar", "Heavy rain expected over the weekend",
                    "{dry_wind_cap} brings dust and dry air to {city}",
                    "Late rains give farmers near {city} a reprieve",
                    "Storms damage roofs in several districts of {city}",
                    "Dams near {city} fill up after the latest rains"],
    },
    "fr": {
        "sport": ["{team} s'impose face à {team2} dans un derby tendu",
                  "Le marathon de {city} bat son record de participation",
                  "{team} : l'entraîneur garde confiance en son jeune effectif",
                  "Un penalty tardif offre la victoire à {team} contre {team2}",
                  "Basket-ball : {city} en finale nationale", "{team} enchaîne {n_few} matches sans défaite"],
        "economy": ["L'inflation ralentit avec la baisse des prix des légumes",
                    "{city} : une nouvelle zone industrielle pour le textile",
                    "La récolte céréalière attendue en hausse autour de {city}",
                    "La banque centrale maintient son taux directeur", "Recettes touristiques record à {city}",
                    "À {city}, les commerçants étranglés par les factures d'électricité"],
        "weather": ["Alerte à la chaleur à {city}, les températures s'envolent",
                    "De fortes pluies attendues ce week-end",
                    "{dry_wind_le_cap} souffle poussière et air sec sur {city}",
                    "Des pluies tardives soulagent les agriculteurs autour de {city}",
                    "Orages : des toitures endommagées dans plusieurs quartiers de {city}",
                    "Les barrages de {city} se remplissent après les dernières pluies"],
    },
}

# Interface words of the outlets.
_UI = {
    "en": {
        "home": "Home", "latest": "Latest news", "sections": {
            "health": ("Health", "health"), "education": ("Education", "education"),
            "housing": ("Housing", "housing"), "justice": ("Justice", "justice"),
            "sport": ("Sport", "sport"), "economy": ("Economy", "economy"), "weather": ("Weather", "weather")},
        "section_prefix": "/section/", "by": "By", "published": "Published", "at": "at",
        "share": "Share this article", "read_also": "Read also:", "related": "Related stories",
        "most_read": "Most read", "newsletter": "Our morning briefing, straight to your inbox",
        "email": "Email address", "subscribe": "Sign up", "comments": "Comments",
        "comments_text": "Comments are open to registered readers. Please keep the discussion civil.",
        "cookies": "This site uses cookies to measure its audience and remember your preferences.",
        "accept": "Accept all", "settings": "Settings", "about": "About us", "contact": "Contact",
        "legal": "Legal notice", "advertise": "Advertise", "privacy": "Privacy", "search": "Search",
        "photo": "Photo: {name} archives", "tags": "Topics", "advert": "Advertisement",
        "notice": "{name} is a fictional outlet generated for crawler benchmarks; its articles report no real "
                  "events.",
        "not_found": "Page not found", "not_found_text": "The page you asked for does not exist.",
        "rights": "All rights reserved.", "skip": "Skip to content", "print": "Print",
    },
    "fr": {
        "home": "Accueil", "latest": "À la une", "sections": {
            "health": ("Santé", "sante"), "education": ("Éducation", "education"),
            "housing": ("Logement", "logement"), "justice": ("Justice", "justice"),
            "sport": ("Sport", "sport"), "economy": ("Économie", "economie"), "weather": ("Météo", "meteo")},
        "section_prefix": "/rubrique/", "by": "Par", "published": "Publié le", "at": "à",
        "share": "Partager cet article", "read_also": "Lire aussi :", "related": "Sur le même sujet",
        "most_read": "Les plus lus", "newsletter": "Notre lettre du matin, directement dans votre boîte",
        "email": "Adresse e-mail", "subscribe": "S'inscrire", "comments": "Commentaires",
        "comments_text": "Les commentaires sont réservés aux lecteurs inscrits. Merci de rester courtois.",
        "cookies": "Ce site utilise des cookies pour mesurer son audience et mémoriser vos préférences.",
        "accept": "Tout accepter", "settings": "Paramétrer", "about": "Qui sommes-nous", "contact": "Contact",
        "legal": "Mentions légales", "advertise": "Publicité", "privacy": "Confidentialité", "search": "Rechercher",
        "photo": "Photo : archives de {name}", "tags": "Thèmes", "advert": "Publicité",
        "notice": "{name} est un média fictif généré pour des mesures de performance de robots d'indexation ; "
                  "ses articles ne relatent aucun fait réel.",
        "not_found": "Page introuvable", "not_found_text": "La page demandée n'existe pas.",
        "rights": "Tous droits réservés.", "skip": "Aller au contenu", "print": "Imprimer",
    },
}

_STYLE = (
    "body{margin:0;font-family:Georgia,serif;color:#1b1b1b}header.site-header{border-bottom:1px solid #ddd;"
    "padding:.8rem 1.5rem}.logo{font-size:1.8rem;font-weight:bold;text-decoration:none;color:inherit}"
    "nav.main-nav ul{display:flex;gap:1rem;list-style:none;padding:0}main{max-width:48rem;margin:auto;"
    "padding:1rem}.kicker{text-transform:uppercase;color:#a00}.byline{color:#555}.share a{margin-right:.5rem}"
    "aside,section.newsletter,section.comments{border-top:1px solid #ddd;margin-top:1.5rem}"
    "footer.site-footer{background:#222;color:#ddd;padding:1rem 1.5rem}footer a{color:#ddd}"
    "#cookie-banner{position:fixed;bottom:0;left:0;right:0;background:#fff8dc;padding:.5rem 1.5rem}"
)

# --------------------------------------------------------------------------------------------------
# Text generation
# --------------------------------------------------------------------------------------------------

# Interchangeable wordings, applied to a template before its slots are filled: the same template reads
# differently from one article to the next, as two reporters would phrase one fact. Without them, two
# articles on one subject would share enough three-word sequences to pass for near-duplicates.
_VARIANTS: dict[str, list[tuple[str, list[str]]]] = {
    "en": [
        (r"\boften\b", ["often", "frequently", "regularly"]),
        (r"\brarely\b", ["rarely", "seldom"]),
        (r"\balmost\b(?= \{)", ["almost", "nearly", "close to"]),
        (r"\babout\b(?= \{)", ["about", "around", "roughly", "some"]),
        (r"\bmore than\b(?= \{)", ["more than", "over", "upwards of"]),
        (r"\bseveral\b", ["several", "a number of", "various"]),
        (r"\bdifficult\b", ["difficult", "hard", "complicated"]),
        (r"\bcommon\b", ["common", "frequent", "widespread"]),
        (r"\brising\b", ["rising", "growing", "mounting"]),
        (r"\bmajor\b", ["major", "serious", "pressing"]),
        (r"\bproblem\b", ["problem", "issue"]),
        (r"\blast year\b(?!')", ["last year", "in the past year", "over the previous twelve months"]),
        (r"\bnow\b", ["now", "currently"]),
        (r"\bsaid\b", ["said", "explained", "noted", "added", "stressed"]),
        (r"\bsay(?= that)", ["say", "report", "point out"]),
        (r"\brecorded\b", ["recorded", "registered", "logged"]),
        (r"\bexpected(?= to)", ["expected", "forecast", "set"]),
        (r"\bquickly\b", ["quickly", "rapidly", "fast"]),
        (r"\bsharply\b", ["sharply", "markedly", "steeply"]),
        (r"\bslightly\b", ["slightly", "marginally", "modestly"]),
        (r"\bremains\b", ["remains", "is still"]),
        (r"\bmunicipality\b", ["municipality", "town hall", "city council"]),
        (r"\bresidents\b", ["residents", "inhabitants", "locals"]),
        (r"\bbecause of\b", ["because of", "due to", "owing to"]),
        (r"\bdespite\b", ["despite", "in spite of"]),
        (r"\balthough\b", ["although", "though", "even if"]),
        (r"(?<=, )but\b", ["but", "yet"]),
        (r"\bassociations\b", ["associations", "NGOs", "charities", "civil society groups"]),
        (r"\bfamilies\b", ["families", "households"]),
        (r"\bdocuments\b", ["documents", "papers"]),
        (r"\bbasic\b", ["basic", "essential"]),
        (r"\bhave started\b", ["have started", "have begun"]),
        (r"\bmany(?= (?:refugees|migrants|landlords|civil|families|patients))", ["many", "numerous", "a great many"]),
        (r"\bin front of\b", ["in front of", "before"]),
        (r"\bfans\b", ["fans", "supporters"]),
        (r"\bstrong winds\b", ["strong winds", "high winds", "gusty winds"]),
        (r"\bregion\b", ["region", "area"]),
        (r"\bannounced plans\b", ["announced plans", "unveiled plans", "presented plans"]),
    ],
    "fr": [
        (r"\bsouvent\b", ["souvent", "fréquemment", "régulièrement"]),
        (r"\bprès de\b(?= \{)", ["près de", "quelque", "pratiquement"]),
        (r"(?<!d')\benviron\b(?= \{)", ["environ", "quelque"]),
        (r"\bassociations\b", ["associations", "ONG"]),
        (r"\bdifficile\b", ["difficile", "compliqué"]),
        (r"\bfréquentes\b", ["fréquentes", "courantes"]),
        (r"\bhausse\b", ["hausse", "augmentation", "progression"]),
        (r"\bdésormais\b", ["désormais", "aujourd'hui", "maintenant"]),
        (r"\baffirme\b", ["affirme", "assure", "déclare"]),
        (r"\bexplique\b", ["explique", "précise", "raconte"]),
        (r"\bestime\b", ["estime", "juge", "considère"]),
        (r"\bsouligne\b", ["souligne", "insiste", "rappelle"]),
        (r"(?<![\w'])selon\b", ["selon", "d'après"]),
        (r"\bvite\b", ["vite", "rapidement"]),
        (r"\bnettement\b", ["nettement", "sensiblement"]),
        (r"\blégèrement\b", ["légèrement", "un peu"]),
        (r"\bproblème\b", ["problème", "enjeu"]),
        (r"\bhabitants\b", ["habitants", "riverains", "résidents"]),
        (r"\bcommune\b", ["commune", "municipalité", "mairie"]),
        (r"\ba enregistré\b", ["a enregistré", "a recensé", "a comptabilisé"]),
        (r"(?<=, )mais\b", ["mais", "pourtant", "toutefois"]),
        (r"\bl'an dernier\b", ["l'an dernier", "l'année dernière", "l'an passé"]),
        (r"\bparfois\b", ["parfois", "quelquefois"]),
        (r"\bbeaucoup de\b", ["beaucoup de", "nombre de", "bien des"]),
        (r"\bdemandent\b", ["demandent", "réclament"]),
        (r"\bsupporters\b", ["supporters", "fans"]),
    ],
}
_COMPILED_VARIANTS = {language: [(re.compile(pattern), options) for pattern, options in entries]
                      for language, entries in _VARIANTS.items()}
_VARIANTS_IN: dict[tuple[str, str], list[tuple[re.Pattern[str], list[str]]]] = {}


def _variants_in(template: str, language: str) -> list[tuple[re.Pattern[str], list[str]]]:
    key = (template, language)
    found = _VARIANTS_IN.get(key)
    if found is None:
        found = _VARIANTS_IN[key] = [(pattern, options) for pattern, options in _COMPILED_VARIANTS[language]
                                     if pattern.search(template)]
    return found

_SLOT = re.compile(r"\{(\w+)\}")
_SENTENCE_END = re.compile(r"[.!?…](?:[\"»”’)]*)(?=\s|$)")


def _first_sentence(paragraph: str) -> str:
    match = _SENTENCE_END.search(paragraph)
    return paragraph[: match.end()] if match else paragraph


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _grouped(number: int, language: str) -> str:
    text = f"{number:,}"
    return text.replace(",", "\u202f") if language == "fr" else text


def _decimal(value: float, language: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if language == "fr" else text


def slugify(text: str, limit: int = 70) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", bare).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "article"


class _Writer:
    """Fills templates for one article. Article-level slots stay fixed; the others are drawn per use."""

    def __init__(self, rng: random.Random, language: str, country: str, subject: str, year: int):
        self.rng, self.language, self.subject, self.year = rng, language, subject, year
        # One story in ten is about a city of the other country.
        if rng.random() < 0.1:
            country = "ML" if country == "MA" else "MA"
        self.country = country
        cities = _CITIES[country][language]
        self.vocab = {**_VOCAB[language], **_COUNTRY_VOCAB[country][language]}
        self.city = rng.choice(cities)
        self.cities = cities
        gender = rng.choice("fm")
        self.fixed: dict[str, str] = {
            "city": self.city,
            "group": rng.choice(self.vocab["group"]),
            "org": rng.choice(self.vocab["org"]),
            "person": self._name(gender),
            "role": self._gendered(rng.choice(self.vocab["role"]), gender),
            "official": rng.choice(self.vocab["official"]),
            "district": rng.choice(self.vocab["district"]),
            "year": str(year),
            "prev_year": str(year - 1),
        }
        if subject in OFF_TOPICS:
            self.fixed["off_role"] = self._gendered(rng.choice(self.vocab[f"{subject}_role"]), gender)
            team_cities = rng.sample(cities, 2)
            patterns = rng.sample(self.vocab["team_pattern"], 2)
            self.fixed["team"] = patterns[0].format(c=team_cities[0])
            self.fixed["team2"] = patterns[1].format(c=team_cities[1])
            self.fixed["player"] = self._name("m")
        if subject in THEMES:
            self.fixed["facility"] = rng.choice(_THEME_VOCAB[language][f"facility.{subject}"])
        self.author = self._name(rng.choice("fm"))

    def _name(self, gender: str) -> str:
        return f"{self.rng.choice(_FIRST_NAMES[gender])} {self.rng.choice(_LAST_NAMES)}"

    @staticmethod
    def _gendered(entry: str, gender: str) -> str:
        masculine, _, feminine = entry.partition("|")
        return feminine if gender == "f" and feminine else masculine

    def value(self, slot: str) -> str:
        if slot.endswith("_cap"):
            return _cap(self.value(slot[:-4]))
        if slot in self.fixed:
            return self.fixed[slot]
        rng, language = self.rng, self.language
        if slot.startswith("facility_"):
            theme = slot.removeprefix("facility_")
            if theme == self.subject:
                return self.fixed["facility"]
            return rng.choice(_THEME_VOCAB[language][f"facility.{theme}"])
        if slot == "group_any":
            return rng.choice(self.vocab["group"])
        if slot == "org_any":
            return rng.choice(self.vocab["org"])
        if slot == "n_few":
            return str(rng.randint(2, 9))
        if slot == "n_small":
            return str(rng.randint(10, 60))
        if slot == "n_mid":
            return str(rng.randint(60, 950))
        if slot == "n_big":
            return _grouped(rng.randrange(1_200, 48_000, 10), language)
        if slot == "pct":
            return str(rng.randint(12, 88))
        if slot == "pct_small":
            return _decimal(rng.uniform(0.8, 4.9), language)
        if slot == "growth":
            return _decimal(rng.uniform(2.1, 4.8), language)
        if slot == "temp":
            return str(rng.randint(38, 47))
        if slot == "rain":
            return str(rng.randint(30, 95))
        if slot == "temp_low":
            return str(rng.randint(1, 9))
        if slot == "wind":
            return str(rng.randint(60, 110))
        if slot == "money":
            if self.country == "MA":
                amount = rng.randint(3, 90)
                return f"{amount} millions de dirhams" if language == "fr" else f"{amount} million dirhams"
            amount = _grouped(rng.randrange(100, 2_500, 50), language)
            return f"{amount} millions de francs CFA" if language == "fr" else f"{amount} million CFA francs"
        if slot in self.vocab:
            return rng.choice(self.vocab[slot])
        raise KeyError(f"unknown template slot {{{slot}}}")

    def fill(self, template: str, *, vary: bool = False) -> str:
        if vary:
            for pattern, options in _variants_in(template, self.language):
                template = pattern.sub(lambda _: self.rng.choice(options), template)
        return _SLOT.sub(lambda match: self.value(match.group(1)), template)


def _compose(writer: _Writer, pools: list[tuple[list[str], float]], leads: list[str],
             words_between: tuple[int, int]) -> tuple[str, ...]:
    """Paragraphs of 2 to 4 sentences, until a word target drawn from ``words_between`` is reached.

    Templates are drawn without replacement, from pools chosen by weight; a pool that runs dry is refilled
    only once every pool has."""
    rng = writer.rng
    target = rng.randint(*words_between)
    weights = [weight for _, weight in pools]

    def refill() -> list[list[str]]:
        fresh = [list(pool) for pool, _ in pools]
        for pool in fresh:
            rng.shuffle(pool)
        return fresh

    remaining = refill()
    lead = rng.choice(leads)
    for pool in remaining:
        if lead in pool:
            pool.remove(lead)
    current = [writer.fill(lead, vary=True)]
    words = len(current[0].split())
    paragraphs: list[str] = []
    size = rng.randint(2, 3)
    while words < target:
        if len(current) >= size:
            paragraphs.append(" ".join(current))
            current, size = [], rng.randint(2, 4)
        if not any(remaining):
            remaining = refill()
        live = [weight if pool else 0.0 for weight, pool in zip(weights, remaining)]
        pool = remaining[rng.choices(range(len(remaining)), weights=live)[0]]
        sentence = writer.fill(pool.pop(), vary=True)
        current.append(sentence)
        words += len(sentence.split())
    if current:
        paragraphs.append(" ".join(current))
    return tuple(paragraphs)


def _generate(index: int, outlet: SyntheticOutlet, number: int, on_topic: bool, seed: int) -> SyntheticArticle:
    rng = random.Random(f"{seed}:{index}")
    language = outlet.language
    published = _NEWEST - timedelta(minutes=index * _STEP_MINUTES + rng.randint(0, _STEP_MINUTES // 2))
    if on_topic:
        subject = rng.choice(THEMES)
        second = rng.choice([theme for theme in THEMES if theme != subject])
        writer = _Writer(rng, language, outlet.country, subject, published.year)
        texts = _ON_TOPIC[language]

        def themed(theme: str) -> list[str]:
            # Each theme's sentences name places of that theme, even when quoted in another theme's story.
            return [template.replace("{facility}", f"{{facility_{theme}}}") for template in texts[theme]]

        main = themed(subject)
        pools = [(main, 0.30), (themed(second), 0.10), (texts["generic"], 0.30), (texts["quote"], 0.15),
                 (texts["figure"], 0.15)]
        title = writer.fill(rng.choice(_ON_TOPIC_TITLES[language][subject]))
        paragraphs = _compose(writer, pools, [main[0], texts["generic"][0], main[2]], (MIN_WORDS + 10, 620))
    else:
        subject = rng.choice(OFF_TOPICS)
        writer = _Writer(rng, language, outlet.country, subject, published.year)
        texts = _OFF_TOPIC[language]
        pools = [(texts[subject], 0.72), (texts["shared"], 0.28)]
        title = writer.fill(rng.choice(_OFF_TOPIC_TITLES[language][subject]))
        paragraphs = _compose(writer, pools, texts[subject][:3], (MIN_WORDS + 10, 480))
    return SyntheticArticle(
        index=index, outlet=outlet.key, number=number, language=language, country=outlet.country,
        on_topic=on_topic, subject=subject, city=writer.city, title=_cap(title), author=writer.author,
        published=published, paragraphs=paragraphs, slug=f"{slugify(title)}-{number}",
    )


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _rfc822(moment: datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def _display_date(moment: datetime, language: str) -> str:
    months = _VOCAB[language]["month"]
    if language == "fr":
        return f"{moment.day} {months[moment.month - 1]} {moment.year} à {moment:%Hh%M}"
    return f"{moment.day} {months[moment.month - 1]} {moment.year} at {moment:%H:%M}"


@dataclass
class _Route:
    status: int
    content_type: str
    body: bytes
    kind: str


_HTML = "text/html; charset=utf-8"
_XML = "application/xml; charset=utf-8"
# Every /media/N.jpg answers with this 16×9 beige placeholder, since article extractors fetch the og:image.
_PLACEHOLDER_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+"
    "JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7"
    "Ozv/wAARCAAJABADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQID"
    "AAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlq"
    "c3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3"
    "+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEI"
    "FEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImK"
    "kpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDs"
    "qKKK5TY//9k=")
_IMAGE = re.compile(r"/media/\d+\.jpg")


class _OutletSite:
    """All pages of one outlet, rendered once its base URL is known."""

    def __init__(self, outlet: SyntheticOutlet, articles: list[SyntheticArticle], sitemap_size: int):
        self.outlet = outlet
        self.ui = _UI[outlet.language]
        self.articles = sorted(articles, key=lambda a: a.published, reverse=True)   # newest first
        self.sitemap_size = sitemap_size
        self.routes: dict[str, _Route] = {}
        self.not_found = _Route(404, _HTML, b"", "not-found")
        self.image = _Route(200, "image/jpeg", _PLACEHOLDER_JPEG, "image")
        for article in self.articles:
            article.path = self._path(article)

    # URLs ------------------------------------------------------------------------------------------

    def _section(self, subject: str) -> tuple[str, str]:
        name, slug = self.ui["sections"][subject]
        return name, f"{self.ui['section_prefix']}{slug}/"

    def _path(self, article: SyntheticArticle) -> str:
        style, day = self.outlet.url_style, article.published
        if style == "dated":
            return f"/{day:%Y/%m/%d}/{article.slug}/"
        if style == "section":
            return f"/{self.ui['sections'][article.subject][1]}/{article.slug}.html"
        if style == "id":
            return f"/article/{article.number}/{article.slug.rsplit('-', 1)[0]}"
        return f"/news/{day:%Y/%m}/{article.slug}.html"

    def absolute(self, path: str) -> str:
        return (self.outlet.base_url or "") + path

    # Building --------------------------------------------------------------------------------------

    def build(self, base_url: str) -> None:
        self.outlet.base_url = base_url.rstrip("/")
        routes: dict[str, _Route] = {
            "/": _Route(200, _HTML, self._render_listing(None), "home"),
            "/robots.txt": _Route(200, "text/plain; charset=utf-8", self._render_robots(), "robots"),
            "/feed.xml": _Route(200, "application/rss+xml; charset=utf-8", self._render_rss(), "feed"),
            "/sitemap.xml": _Route(200, _XML, self._render_sitemap_index(), "sitemap"),
        }
        for subject in (*THEMES, *OFF_TOPICS):
            routes[self._section(subject)[1]] = _Route(200, _HTML, self._render_listing(subject), "section")
        for number, chunk in enumerate(self._sitemap_chunks(), 1):
            routes[f"/sitemaps/articles-{number}.xml"] = _Route(200, _XML, self._render_sitemap(chunk), "sitemap")
        for position, article in enumerate(self.articles):
            article.url = self.absolute(article.path)
            routes[article.path] = _Route(200, _HTML, self._render_article(article, position), "article")
        self.routes = routes
        self.not_found = _Route(404, _HTML, self._render_not_found(), "not-found")

    def resolve(self, target: str) -> _Route:
        path = urlsplit(target).path or "/"
        route = self.routes.get(path)
        if route is not None:
            return route
        if _IMAGE.fullmatch(path):
            return self.image
        return self.not_found

    def _sitemap_chunks(self) -> list[list[SyntheticArticle]]:
        size = self.sitemap_size
        return [self.articles[start:start + size] for start in range(0, len(self.articles), size)] or [[]]

    # Pages -----------------------------------------------------------------------------------------

    def _layout(self, *, title: str, description: str, body: str, head: str = "") -> bytes:
        outlet, ui = self.outlet, self.ui
        nav = [f'<li><a href="/">{_e(ui["home"])}</a></li>']
        nav += [f'<li><a href="{self._section(s)[1]}">{_e(self._section(s)[0])}</a></li>'
                for s in (*THEMES, *OFF_TOPICS)]
        nav_items = "\n".join(nav)
        year = _NEWEST.year
        feed = _e(self.absolute("/feed.xml"))
        page = f"""<!DOCTYPE html>
<html lang="{outlet.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<meta name="description" content="{_e(description)}">
{head}<link rel="alternate" type="application/rss+xml" title="{_e(outlet.name)}" href="{feed}">
<link rel="icon" href="/favicon.ico">
<style>{_STYLE}</style>
</head>
<body>
<a class="skip-link" href="#content">{_e(ui['skip'])}</a>
<div class="topbar"><span class="today">{_e(outlet.tagline)}</span>
<form class="search-form" action="/search" method="get">
<input type="search" name="q" placeholder="{_e(ui['search'])}"><button type="submit">{_e(ui['search'])}</button>
</form></div>
<header class="site-header">
<a class="logo" href="/">{_e(outlet.name)}</a>
<nav class="main-nav" aria-label="main"><ul>
{nav_items}
</ul></nav>
</header>
<div class="ad-slot leaderboard" aria-hidden="true">{_e(ui['advert'])}</div>
<main id="content">
{body}
</main>
<footer class="site-footer">
<nav class="footer-links"><ul>
<li><a href="/about/">{_e(ui['about'])}</a></li>
<li><a href="/contact/">{_e(ui['contact'])}</a></li>
<li><a href="/legal/">{_e(ui['legal'])}</a></li>
<li><a href="/privacy/">{_e(ui['privacy'])}</a></li>
<li><a href="/advertise/">{_e(ui['advertise'])}</a></li>
<li><a href="/feed.xml">RSS</a></li>
</ul></nav>
<p class="notice">{_e(ui['notice'].format(name=outlet.name))}</p>
<p class="copyright">&copy; {year} {_e(outlet.name)}. {_e(ui['rights'])}</p>
</footer>
<div id="cookie-banner" role="dialog"><p>{_e(ui['cookies'])}</p>
<button type="button">{_e(ui['accept'])}</button> <button type="button">{_e(ui['settings'])}</button></div>
<script>window.dataLayer=window.dataLayer||[];window.dataLayer.push({{"page":"{_e(outlet.key)}"}});</script>
</body>
</html>
"""
        return page.encode("utf-8")

    def _teaser(self, article: SyntheticArticle) -> str:
        section = self._section(article.subject)
        return (f'<article class="teaser">\n<h2><a href="{article.path}">{_e(article.title)}</a></h2>\n'
                f'<p>{_e(article.teaser)}</p>\n<p class="meta"><time datetime="{_iso(article.published)}">'
                f'{_e(_display_date(article.published, article.language))}</time> · '
                f'<a href="{section[1]}">{_e(section[0])}</a></p>\n</article>')

    def _render_listing(self, subject: str | None) -> bytes:
        ui = self.ui
        if subject is None:
            chosen, heading = self.articles[:HOME_SIZE], ui["latest"]
            title, canonical = f"{self.outlet.name} - {self.outlet.tagline}", self.absolute("/")
        else:
            name, path = self._section(subject)
            chosen = [a for a in self.articles if a.subject == subject][:HOME_SIZE]
            heading, title, canonical = name, f"{name} | {self.outlet.name}", self.absolute(path)
        teasers = "\n".join(self._teaser(article) for article in chosen)
        body = f'<h1 class="page-title">{_e(heading)}</h1>\n<section class="river">\n{teasers}\n</section>'
        head = (f'<link rel="canonical" href="{_e(canonical)}">\n<meta property="og:type" content="website">\n'
                f'<meta property="og:site_name" content="{_e(self.outlet.name)}">\n')
        return self._layout(title=title, description=self.outlet.tagline, body=body, head=head)

    def _render_article(self, article: SyntheticArticle, position: int) -> bytes:
        ui, outlet = self.ui, self.outlet
        url = self.absolute(article.path)
        section_name, section_path = self._section(article.subject)
        neighbours = [a for a in self.articles if a is not article]
        rng = random.Random(f"links:{article.outlet}:{article.number}")
        related = [a for a in neighbours if a.subject == article.subject]
        related = related[max(0, position - 3):position + 3][:5] or neighbours[:5]
        most_read = rng.sample(neighbours, min(5, len(neighbours)))
        published = _iso(article.published)
        modified = _iso(article.published + timedelta(minutes=rng.randint(5, 240)))
        tags = [section_name, article.city]
        locale = f"{article.language}_{article.country}"
        ld = json.dumps({
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
            "datePublished": published, "dateModified": modified, "inLanguage": article.language,
            "author": {"@type": "Person", "name": article.author},
            "publisher": {"@type": "Organization", "name": outlet.name},
            "mainEntityOfPage": url, "articleSection": section_name,
        }, ensure_ascii=False).replace("</", "<\\/")
        head = f"""<link rel="canonical" href="{_e(url)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{_e(article.title)}">
<meta property="og:description" content="{_e(article.teaser)}">
<meta property="og:url" content="{_e(url)}">
<meta property="og:site_name" content="{_e(outlet.name)}">
<meta property="og:locale" content="{locale}">
<meta property="og:image" content="{_e(self.absolute(f'/media/{article.number}.jpg'))}">
<meta property="article:published_time" content="{published}">
<meta property="article:modified_time" content="{modified}">
<meta property="article:section" content="{_e(section_name)}">
<meta property="article:author" content="{_e(article.author)}">
<meta name="author" content="{_e(article.author)}">
<meta name="twitter:card" content="summary_large_image">
<script type="application/ld+json">{ld}</script>
"""
        paragraphs = [f"<p>{_e(p)}</p>" for p in article.paragraphs]
        if related and len(paragraphs) > 3:
            paragraphs.insert(len(paragraphs) // 2,
                              f'<aside class="read-also"><strong>{_e(ui["read_also"])}</strong> '
                              f'<a href="{related[0].path}">{_e(related[0].title)}</a></aside>')
        content = "\n".join(paragraphs)
        share_url = quote(url, safe="")
        networks = [("facebook", "Facebook", f"https://www.facebook.com/sharer/sharer.php?u={share_url}"),
                    ("x", "X", f"https://twitter.com/intent/tweet?url={share_url}"),
                    ("whatsapp", "WhatsApp", f"https://wa.me/?text={share_url}"),
                    ("linkedin", "LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={share_url}"),
                    ("email", "E-mail", f"mailto:?subject={quote(article.title)}&amp;body={share_url}")]
        share = (f'<div class="share" aria-label="{_e(ui["share"])}"><span>{_e(ui["share"])}</span>\n'
                 + "".join(f'<a class="share-{name}" href="{href}">{label}</a>\n' for name, label, href in networks)
                 + f'<button type="button" class="share-print">{_e(ui["print"])}</button></div>')
        related_items = "\n".join(f'<li><a href="{a.path}">{_e(a.title)}</a></li>' for a in related)
        most_read_items = "\n".join(f'<li><a href="{a.path}">{_e(a.title)}</a></li>' for a in most_read)
        tag_items = " ".join(f'<a rel="tag" href="/tag/{slugify(tag)}/">{_e(tag)}</a>' for tag in tags)
        body = f"""<nav class="breadcrumb"><a href="/">{_e(ui['home'])}</a> ›
<a href="{section_path}">{_e(section_name)}</a></nav>
<article class="post single">
<header class="entry-header">
<a class="kicker" href="{section_path}">{_e(section_name)}</a>
<h1 class="entry-title">{_e(article.title)}</h1>
<p class="byline">{_e(ui['by'])} <a rel="author" href="/author/{slugify(article.author)}/">{_e(article.author)}</a> ·
{_e(ui['published'])} <time datetime="{published}">{_e(_display_date(article.published, article.language))}</time></p>
</header>
{share}
<figure class="featured-image">
<img src="/media/{article.number}.jpg" alt="{_e(article.city)}" width="1200" height="675">
<figcaption>{_e(article.city)}. {_e(ui['photo'].format(name=outlet.name))}</figcaption></figure>
<div class="entry-content">
{content}
</div>
<footer class="entry-footer"><p class="tags">{_e(ui['tags'])}: {tag_items}</p></footer>
</article>
{share}
<aside class="related"><h2>{_e(ui['related'])}</h2><ul>
{related_items}
</ul></aside>
<aside class="most-read"><h2>{_e(ui['most_read'])}</h2><ol>
{most_read_items}
</ol></aside>
<section class="newsletter"><h2>{_e(ui['newsletter'])}</h2>
<form action="/newsletter" method="post">
<input type="email" name="email" placeholder="{_e(ui['email'])}"><button type="submit">{_e(ui['subscribe'])}</button>
</form></section>
<section class="comments"><h3>{_e(ui['comments'])}</h3><p>{_e(ui['comments_text'])}</p></section>"""
        return self._layout(title=f"{article.title} | {outlet.name}", description=article.teaser, body=body,
                            head=head)

    def _render_not_found(self) -> bytes:
        ui = self.ui
        body = (f'<h1>{_e(ui["not_found"])}</h1>\n<p>{_e(ui["not_found_text"])}</p>\n'
                f'<p><a href="/">{_e(ui["home"])}</a></p>')
        return self._layout(title=f"{ui['not_found']} | {self.outlet.name}", description=ui["not_found"], body=body)

    def _render_robots(self) -> bytes:
        return (f"# robots.txt for {self.outlet.name}\n"
                "User-agent: *\n"
                "Disallow: /search\n"
                "Disallow: /admin/\n"
                "Disallow: /newsletter\n"
                "\n"
                f"Sitemap: {self.absolute('/sitemap.xml')}\n").encode("utf-8")

    def _render_rss(self) -> bytes:
        outlet = self.outlet
        items = []
        for article in self.articles[:FEED_SIZE]:
            section = self._section(article.subject)[0]
            items.append(
                "<item>\n"
                f"<title>{_e(article.title)}</title>\n"
                f"<link>{_e(self.absolute(article.path))}</link>\n"
                f'<guid isPermaLink="true">{_e(self.absolute(article.path))}</guid>\n'
                f"<pubDate>{_rfc822(article.published)}</pubDate>\n"
                f"<dc:creator>{_e(article.author)}</dc:creator>\n"
                f"<category>{_e(section)}</category>\n"
                f"<description>{_e(article.teaser)}</description>\n"
                "</item>")
        newest = self.articles[0].published if self.articles else _NEWEST
        item_text = "\n".join(items)
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{_e(outlet.name)}</title>
<link>{_e(self.absolute('/'))}</link>
<atom:link href="{_e(self.absolute('/feed.xml'))}" rel="self" type="application/rss+xml"/>
<description>{_e(outlet.tagline)}</description>
<language>{outlet.language}</language>
<lastBuildDate>{_rfc822(newest)}</lastBuildDate>
{item_text}
</channel>
</rss>
""".encode("utf-8")

    def _render_sitemap_index(self) -> bytes:
        entries = []
        for number, chunk in enumerate(self._sitemap_chunks(), 1):
            lastmod = f"<lastmod>{_iso(chunk[0].published)}</lastmod>" if chunk else ""
            entries.append(f"<sitemap><loc>{_e(self.absolute(f'/sitemaps/articles-{number}.xml'))}</loc>"
                           f"{lastmod}</sitemap>")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                + "\n".join(entries) + "\n</sitemapindex>\n").encode("utf-8")

    def _render_sitemap(self, chunk: list[SyntheticArticle]) -> bytes:
        entries = "\n".join(f"<url><loc>{_e(self.absolute(a.path))}</loc><lastmod>{_iso(a.published)}</lastmod>"
                            "<changefreq>never</changefreq></url>" for a in chunk)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                f"{entries}\n</urlset>\n").encode("utf-8")


# --------------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256     # a crawler opens many connections at once; a short backlog drops SYNs

    def __init__(self, resolve: Callable[["_Handler"], tuple[str, _Route]],
                 count: Callable[[str, str, str], None]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.resolve = resolve
        self.count = count

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass     # clients hanging up mid-response are routine under load


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    disable_nagle_algorithm = True   # headers and body go out in separate writes; no 40 ms ACK stalls

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, with_body: bool) -> None:
        outlet_key, route = self.server.resolve(self)
        self.server.count(outlet_key, route.kind, self.path)
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.body)))
        self.send_header("Cache-Control", "max-age=300")
        self.end_headers()
        if with_body:
            self.wfile.write(route.body)


_UNKNOWN_HOST = _Route(404, "text/plain; charset=utf-8", b"unknown host\n", "unknown-host")


class SyntheticSite:
    """Four generated outlets on 127.0.0.1. Texts are generated here; pages are rendered on :meth:`start`."""

    def __init__(self, pages: int = DEFAULT_PAGES, *, seed: int = DEFAULT_SEED, virtual_hosts: bool = False,
                 sitemap_size: int = SITEMAP_SIZE):
        if pages < 1:
            raise ValueError("the site needs at least one article")
        if sitemap_size < 1:
            raise ValueError("sitemap_size must be positive")
        self.pages, self.seed, self.virtual_hosts = pages, seed, virtual_hosts
        self.outlets = _outlets()
        off_topic = set(random.Random(f"{seed}:off-topic").sample(range(pages), round(pages * OFF_TOPIC_SHARE)))
        numbers = Counter[str]()
        per_outlet_total = Counter(self.outlets[i % len(self.outlets)].key for i in range(pages))
        articles: list[SyntheticArticle] = []
        for index in range(pages):
            outlet = self.outlets[index % len(self.outlets)]
            numbers[outlet.key] += 1
            # Numbers grow with age reversed: the oldest article of an outlet is number 1.
            number = per_outlet_total[outlet.key] - numbers[outlet.key] + 1
            articles.append(_generate(index, outlet, number, index not in off_topic, seed))
        self.articles = articles
        self._sites = {o.key: _OutletSite(o, [a for a in articles if a.outlet == o.key], sitemap_size)
                       for o in self.outlets}
        self._servers: list[tuple[_Server, threading.Thread]] = []
        self._hosts: dict[str, _OutletSite] = {}
        self._hits: Counter[tuple[str, str]] = Counter()
        self._missing: Counter[str] = Counter()
        self._hits_lock = threading.Lock()
        self.proxy_url: str | None = None
        self._by_address: dict[tuple[str | None, int | None, str], SyntheticArticle] | None = None

    # Life cycle ------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return bool(self._servers)

    def start(self) -> "SyntheticSite":
        if self._servers:
            raise RuntimeError("the synthetic site is already running")
        try:
            if self.virtual_hosts:
                for outlet in self.outlets:
                    host = f"{outlet.key}.{VIRTUAL_DOMAIN}"
                    self._sites[outlet.key].build(f"http://{host}")
                    self._hosts[host] = self._sites[outlet.key]
                server = _Server(self._resolve_virtual, self._count)
                self.proxy_url = f"http://127.0.0.1:{server.server_address[1]}"
                self._serve(server, "synthetic-site-proxy")
            else:
                for outlet in self.outlets:
                    site = self._sites[outlet.key]
                    server = _Server(self._resolver_for(site), self._count)
                    site.build(f"http://127.0.0.1:{server.server_address[1]}")
                    self._serve(server, f"synthetic-site-{outlet.key}")
        except BaseException:
            self.stop()
            raise
        return self

    def _serve(self, server: _Server, name: str) -> None:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=name,
                                  daemon=True)
        thread.start()
        self._servers.append((server, thread))

    def stop(self) -> None:
        servers, self._servers = self._servers, []
        for server, thread in servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self.proxy_url = None
        self._by_address = None
        self._hosts.clear()
        for outlet in self.outlets:
            outlet.base_url = None

    def __enter__(self) -> "SyntheticSite":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # Requests --------------------------------------------------------------------------------------

    @staticmethod
    def _resolver_for(site: _OutletSite) -> Callable[[_Handler], tuple[str, _Route]]:
        def resolve(handler: _Handler) -> tuple[str, _Route]:
            return site.outlet.key, site.resolve(handler.path)
        return resolve

    def _resolve_virtual(self, handler: _Handler) -> tuple[str, _Route]:
        # A proxy is asked for absolute URIs ("GET http://host/path"); a direct client sends a Host header.
        target = urlsplit(handler.path)
        host = (target.hostname or (handler.headers.get("Host") or "").split(":")[0]).lower()
        site = self._hosts.get(host)
        if site is None:
            return "", _UNKNOWN_HOST
        return site.outlet.key, site.resolve(handler.path)

    def _count(self, outlet_key: str, kind: str, path: str) -> None:
        with self._hits_lock:
            self._hits[(outlet_key, kind)] += 1
            if kind in ("not-found", "unknown-host") and (path in self._missing or len(self._missing) < 1000):
                self._missing[path] += 1

    def hits(self) -> dict[str, int]:
        """Requests answered since the start (or the last :meth:`reset_hits`), by kind of page."""
        with self._hits_lock:
            totals: Counter[str] = Counter()
            for (_, kind), count in self._hits.items():
                totals[kind] += count
            return dict(totals)

    def missing(self, limit: int = 10) -> list[tuple[str, int]]:
        """The paths most often asked for in vain, with their counts."""
        with self._hits_lock:
            return self._missing.most_common(limit)

    def reset_hits(self) -> None:
        with self._hits_lock:
            self._hits.clear()
            self._missing.clear()

    # What the crawler gets -------------------------------------------------------------------------

    def _require_running(self) -> None:
        if not self._servers:
            raise RuntimeError("start the synthetic site first: its URLs depend on the ports it gets")

    def sources_toml(self) -> str:
        """A sources file for the advocacy crawler, valid while this site runs."""
        self._require_running()
        where = (f"reached through the HTTP proxy {self.proxy_url}" if self.virtual_hosts
                 else "one port per outlet; the ports change on every start")
        blocks = [f"# Synthetic benchmark site: {self.pages} generated articles, seed {self.seed}; {where}.\n"]
        for outlet in self.outlets:
            blocks.append("\n".join([
                "[[outlet]]",
                f"key = {_toml(outlet.key)}",
                f"name = {_toml(outlet.name)}",
                f"homepage = {_toml(outlet.homepage)}",
                f"country = {_toml(outlet.country)}",
                f"languages = [{_toml(outlet.language)}]",
                'type = "national"',
                f"reach = {outlet.reach}",
                f"feeds = [{_toml(outlet.feed_url)}]",
                f"sitemaps = [{_toml(outlet.sitemap_url)}]",
            ]) + "\n")
        return "\n".join(blocks)

    def expected(self) -> dict[str, int]:
        """What a perfect crawl finds: every article, and how many are (not) about refugees and migrants."""
        on_topic = sum(1 for article in self.articles if article.on_topic)
        return {"articles": len(self.articles), "on_topic": on_topic, "off_topic": len(self.articles) - on_topic}

    def article_at(self, url: str) -> SyntheticArticle | None:
        """The article served at ``url`` (host, port and path must match; the query is ignored)."""
        if self._by_address is None:
            self._require_running()
            self._by_address = {}
            for article in self.articles:
                parts = urlsplit(article.url or "")
                self._by_address[(parts.hostname, parts.port, parts.path)] = article
        parts = urlsplit(url)
        return self._by_address.get((parts.hostname, parts.port, parts.path or "/"))


def _toml(value: str) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def main(argv: list[str] | None = None) -> None:
    """Serve the synthetic site until interrupted."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--virtual-hosts", action="store_true", help="serve <key>.synthetic.test through a proxy")
    parser.add_argument("--sources", type=Path, help="write the matching sources file here")
    args = parser.parse_args(argv)
    with SyntheticSite(args.pages, seed=args.seed, virtual_hosts=args.virtual_hosts) as site:
        if args.sources:
            args.sources.write_text(site.sources_toml(), encoding="utf-8")
        if site.proxy_url:
            print(f"proxy: {site.proxy_url}")
        for outlet in site.outlets:
            print(f"{outlet.key:22} {outlet.homepage}", flush=True)
        print(json.dumps(site.expected()), flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
