"""The pages' words in English and French: one catalogue per language, a key per string.

A page's language is the one the person chose with the FR/EN switch (a cookie), else the first of their
browser's languages (Accept-Language) that the pages speak, else ``web.language``. Articles keep their own
language whatever the interface speaks.

Strings may hold ``{name}`` fields, filled by :func:`translator`'s keyword arguments. A key missing from a
catalogue falls back to English, then to the key itself, so a page never fails for want of a word; a test
checks that both catalogues have every key the pages use.
"""
from __future__ import annotations

from advocacy.config import ConfigError

LANGUAGES = ("en", "fr")
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
LANGUAGE_COOKIE = "advocacy_language"


def check_language(value: str, key: str = "web.language") -> str:
    if value not in LANGUAGES:
        raise ConfigError(f"{key} must be one of {', '.join(LANGUAGES)}, not {value!r}")
    return value


def from_accept_language(header: str) -> str | None:
    """The first language of an Accept-Language header that the pages speak, by the header's weights."""
    ranked = []
    for order, part in enumerate(header.split(",")[:20]):
        tag, _, parameters = part.strip().partition(";")
        weight = 1.0
        if parameters.strip().startswith("q="):
            try:
                weight = float(parameters.strip()[2:])
            except ValueError:
                weight = 0.0
        language = tag.strip().lower()[:2]
        if language in LANGUAGES and weight > 0:
            ranked.append((-weight, order, language))
    return min(ranked)[2] if ranked else None


def language_of(request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return (from_accept_language(request.headers.get("accept-language", ""))
            or request.app.state.settings.get("web", "language"))


def translator(language: str):
    """``t(key, **fields)``: the string for ``key`` in ``language``."""
    catalogue, fallback = CATALOGUES.get(language, {}), CATALOGUES["en"]

    def t(key: str, **fields) -> str:
        text = catalogue.get(key) or fallback.get(key) or key
        return text.format(**fields) if fields else text

    return t


# -- the catalogues ----------------------------------------------------------------------------------------
# Plain text only: pages escape every string, so markup here would show as written.

_EN = {
    # layout
    "nav.skip": "Skip to the content", "nav.label": "Main", "nav.language": "Language",
    "nav.search": "Search", "nav.dashboard": "Dashboard", "nav.alerts": "Alerts", "nav.briefs": "Briefs",
    "nav.sources": "Sources", "nav.users": "Users", "nav.signed_in_as": "Signed in as", "nav.logout": "Sign out",
    "footer.text": "Advocacy Monitor: news about refugees' and migrants' rights, with the evidence behind it.",
    "role.viewer": "viewer", "role.analyst": "analyst", "role.admin": "administrator",
    "error.400": "The request cannot be read", "error.401": "Please sign in", "error.403": "Not allowed",
    "error.404": "Not found", "error.405": "Not possible here", "error.409": "Already there",
    "error.429": "Too many attempts", "error.500": "Something went wrong", "error.503": "Unavailable for now",
    "error.other": "Something went wrong", "error.no_page": "There is no page at this address.",
    "common.back": "Back", "common.actions": "Actions", "common.delete": "Delete",
    "notice.corrected": "Your correction is recorded. Search results show it after the next indexing run "
                        "(advocacy index).",
    "notice.basket_added": "Added to your evidence basket.", "notice.basket_removed": "The basket is updated.",
    "notice.alert_saved": "The saved search is created. Its feed appears after its first run.",
    "notice.alert_deleted": "The saved search and its feed are deleted.",
    "notice.source_added": "The outlet is added. The next crawl follows it; check its feeds with "
                           "advocacy sources check.",
    "notice.user_added": "The user is created.", "notice.user_changed": "The user is updated.",
    "notice.user_removed": "The user is removed, with their sessions and API tokens.",
    # sign-in
    "login.title": "Sign in", "login.username": "Username", "login.password": "Password", "login.submit": "Sign in",
    "login.missing": "Enter your username and your password.",
    "login.wrong": "Wrong username or password.",
    "login.disabled": "This account is disabled; ask an administrator to enable it.",
    "login.too_many": "Too many attempts: try again in {minutes} minute(s).",
    "login.forgot": "Forgot your password? An administrator can set a new one (advocacy users set-password).",
    # reading the address
    "problem.query_too_long": "The query is longer than {limit} characters and was left out.",
    "problem.date": "“{value}” is not a date and was left out; write dates as 2024-01-31.",
    "problem.period": "The start of the period comes after its end, so nothing can match.",
    "problem.mode": "“{value}” is not a search mode; the default mode is used.",
    # search
    "search.title": "Search", "search.query": "Search the news", "search.submit": "Search",
    "search.help_title": "How to write a query", "search.filters": "Filters", "search.apply": "Apply the filters",
    "search.clear": "Clear everything", "search.total": "{count} matching article(s)",
    "search.csv": "Download these results (CSV)", "search.to_dashboard": "See the figures on the dashboard",
    "search.save_alert": "Save as an alert", "search.facets": "Narrow down", "search.results": "Results",
    "search.nothing": "No article matches. Try fewer words, another spelling, or fewer filters.",
    "search.pages": "Pages of results", "search.previous": "Previous", "search.next": "Next",
    "help.and": "both words (AND is also implied between words)", "help.or": "either word",
    "help.not": "leave out articles with a word, or matching a field",
    "help.phrase": "the exact phrase", "help.wildcard": "words starting with migrant",
    "help.group": "parentheses group; operators are written in capitals",
    "help.fields": "fields: theme, lang, country, outlet, entity, population, after, before",
    "help.modes": "Modes: “keyword” finds the words; “semantic” finds articles with the same meaning in any "
                  "language; “hybrid” combines both.",
    "filter.theme": "Themes", "filter.language": "Language", "filter.outlet": "Outlets", "filter.country": "Country",
    "filter.period": "Period", "filter.since": "From", "filter.until": "Until", "filter.mode": "Search mode",
    "filter.by": "Count by",
    "facet.theme": "Themes", "facet.language": "Languages", "facet.outlet": "Outlets", "facet.country": "Countries",
    "mode.hybrid": "words and meaning", "mode.keyword": "words only", "mode.semantic": "meaning only",
    "language.ar": "Arabic", "language.en": "English", "language.fr": "French", "language.es": "Spanish",
    "country.MA": "Morocco", "country.ML": "Mali",
    "period.day": "day", "period.week": "week", "period.month": "month",
    # article
    "article.back": "Back to the search", "article.untitled": "(untitled)", "article.undated": "undated",
    "article.not_found": "No indexed article has the id {id}; find articles with the search.",
    "article.outlet": "Outlet", "article.published": "Published", "article.fetched": "Retrieved",
    "article.authors": "Authors", "article.language": "Language", "article.source": "Source",
    "article.archive": "Archived copy", "article.offset": "at byte", "article.no_archive": "not archived",
    "article.id": "Id", "article.not_a_link": "Not a web address, so not shown as a link",
    "article.text": "Text of the article", "article.themes": "Themes", "article.confirmed": "confirmed",
    "article.why": "Why:", "article.no_themes": "No theme assigned.",
    "article.note": "Note for your correction", "article.note_placeholder": "why (optional)",
    "article.confirm": "Confirm", "article.reject": "Reject", "article.also_about": "Also about",
    "article.entities": "Who and where", "article.figures": "Key figures", "article.quotes": "Quotes",
    "article.unnamed_speaker": "speaker not named", "article.carried_by": "Also carried by",
    "article.only_this_outlet": "Only this outlet.", "article.copies": "Copies", "article.similar": "Similar articles",
    "article.none": "None found.",
    "date_source.page-metadata": "from the page", "date_source.feed": "from the feed",
    "date_source.sitemap": "from the sitemap", "date_source.url": "from the address",
    "entity.organisation": "Organisations", "entity.place": "Places", "entity.person": "People",
    "entity.population": "Populations",
    # basket
    "basket.title": "Evidence basket", "basket.add": "Add to the basket", "basket.in": "In the basket",
    "basket.remove": "Remove", "basket.clear": "Empty the basket",
    "basket.confirm_clear": "Empty the whole basket?",
    "basket.empty": "Empty. Add articles from the search or an article page.",
    "basket.help": "The articles you set aside for this brief. Ticked in the form, each is cited: first under "
                   "the themes and arguments it fits, otherwise among the further evidence at the end.",
    # dashboard
    "dashboard.title": "Dashboard", "dashboard.query": "Coverage of (empty: everything)", "dashboard.show": "Show",
    "dashboard.to_search": "Read these articles in the search", "dashboard.attention": "Attention over time",
    "dashboard.outlets": "Top outlets", "dashboard.themes": "Themes", "dashboard.share_of_voice": "Share of voice",
    "dashboard.nothing": "Nothing to chart for this selection.", "dashboard.csv": "Table (CSV)",
    "dashboard.png": "Chart (PNG)", "dashboard.chart_alt": "Chart: {title}; the table beside it holds the figures.",
    "dashboard.no_chart": "No such chart; the dashboard has {charts}.",
    "column.articles": "articles", "column.share": "share", "column.share_of_all": "share of all articles",
    "column.spike": "spike", "column.outlet": "outlet", "column.carried": "carried", "column.reach": "reach",
    "column.organisation": "organisation", "column.mentions": "mentions", "column.share_of_voice": "share of voice",
    "column.share_of_voice_percent": "% of articles naming an organisation", "column.theme": "theme",
    # alerts
    "alerts.title": "Alerts", "alerts.lead": "Saved searches. Each run finds the articles indexed since the "
                                             "last one, writes them to the search's Atom feed and emails them.",
    "alerts.name": "Name", "alerts.query": "Query", "alerts.mode": "Mode", "alerts.emails": "Email recipients",
    "alerts.last_run": "Last run", "alerts.feed": "Feed", "alerts.never": "never", "alerts.atom": "Atom feed",
    "alerts.published_feed": "published feed", "alerts.no_feed_yet": "The feed is written at the first run.",
    "alerts.preview": "Preview what is new", "alerts.run": "Run now",
    "alerts.confirm_delete": "Delete the saved search {name} and its feed?",
    "alerts.none": "No saved searches yet.", "alerts.new": "New saved search",
    "alerts.name_help": "Lower-case letters, digits, - and _; it names the feed (e.g. health-oujda).",
    "alerts.emails_help": "One address per line, or separated by commas; leave empty for the feed only.",
    "alerts.no_mail_server": "No mail server is configured yet (alerts.smtp_host), so only the feed is written.",
    "alerts.save": "Save the search", "alerts.query_needed": "Write the query to save.",
    "alerts.unknown": "No saved search is named {name}.",
    "alerts.preview_of": "What is new in {name} (preview)", "alerts.run_of": "Run of {name}",
    "alerts.new_count": "{count} new article(s).", "alerts.sent": "Emailed to {recipients}.",
    "alerts.feed_written": "The feed is updated.",
    "alerts.preview_note": "Nothing was sent and the next run will find these again.",
    # briefs
    "briefs.title": "Briefs", "briefs.lead": "Write a cited brief from the indexed evidence: quotes and figures "
                                             "are checked against their articles, private people's names are "
                                             "withheld.",
    "briefs.analysts_only": "Writing briefs needs the analyst role; ask an administrator.",
    "briefs.template": "Kind of brief", "briefs.brief_title": "Title",
    "briefs.title_placeholder": "e.g. Migrants' access to health care in Oujda",
    "briefs.themes": "Themes", "briefs.themes_help": "None ticked: every theme.",
    "briefs.any_country": "any", "briefs.citations": "Citations", "briefs.format": "Format",
    "briefs.inputs": "Your position, arguments, asks and recommendations (YAML)",
    "briefs.inputs_help": "Lines starting with # are comments and change nothing. The brief never invents a "
                          "claim: what it argues comes from here.",
    "briefs.inputs_help_1": "Remove the # of the lines you fill in. Every part is optional.",
    "briefs.inputs_help_2": "Each argument needs a claim and a theme or a query that finds its evidence.",
    "briefs.reading_list": "Reading list from your evidence basket",
    "briefs.reading_list_note": "the articles ticked in the form are cited; an argument whose theme or query "
                                "fits one quotes it first",
    "briefs.cite": "Cite from your evidence basket",
    "briefs.cite_help": "Every ticked article is cited, whatever the filters: first in the sections and arguments "
                        "it fits (by its theme, or found by an argument's query), otherwise in a closing section "
                        "of further evidence.",
    "briefs.generate": "Generate and download", "briefs.busy": "Writing the brief…",
    "template.policy-paper": "Policy paper", "template.position-paper": "Position paper",
    "template.media-digest": "Media digest",
    "citations.numbered": "numbered [1]", "citations.author-date": "author-date (Le Matin 2024)",
    "format.docx": "Word (DOCX)", "format.pdf": "PDF", "format.html": "Web page (HTML)", "format.md": "Markdown",
    # sources
    "sources.title": "Sources", "sources.lead": "The outlets followed and what the crawls saw of their feeds. A "
                                                "feed whose newest item is older than {days} days is flagged silent.",
    "sources.outlet": "Outlet", "sources.health": "Health", "sources.feeds": "Feeds and sitemaps",
    "sources.reach": "{reach} readers", "sources.reach_unknown": "reach unknown",
    "sources.not_verified": "not verified", "sources.silent": "silent feed",
    "sources.silent_since": "silent for more than {days} days", "sources.kind_feed": "feed",
    "sources.kind_sitemap": "sitemap", "sources.last_success": "last success", "sources.items": "{count} items",
    "sources.newest": "newest item", "sources.failures": "{count} failure(s) in a row",
    "sources.no_feeds": "No feed or sitemap.", "sources.none": "No outlets yet.",
    "sources.add": "Add an outlet", "sources.writes_to": "Written to {file}.",
    "sources.no_file": "No sources file is configured, and the built-in starter list is never edited: set "
                       "[sources] file in the configuration.",
    "sources.key": "Key", "sources.name": "Name", "sources.homepage": "Home page", "sources.languages": "Languages",
    "sources.type": "Type", "sources.reach_label": "Readers a month", "sources.feeds_label": "RSS or Atom feeds "
                                                                                            "(one per line)",
    "sources.sitemaps_label": "News sitemaps (one per line)",
    "sources.allow_private": "Allow addresses on this server's own network (intranet sources)",
    "sources.private_refused": "Addresses on the server's own machine or private network are refused.",
    "sources.add_button": "Add the outlet",
    "sources.bad_key": "The key is a short id: lower-case letters, digits, - and _ (e.g. hespress-fr).",
    "sources.bad_country": "The country is a two-letter code such as MA or ML.",
    "sources.bad_languages": "Languages are two-letter codes separated by commas, e.g. fr, ar.",
    "sources.bad_type": "The type is one of {types}.", "sources.bad_reach": "Readers a month is a whole number.",
    "sources.too_many": "At most {limit} feeds and {limit} sitemaps.",
    "outlet_type.national": "national", "outlet_type.regional": "regional",
    "outlet_type.international": "international", "outlet_type.ngo-un": "NGO or UN", "outlet_type.blog": "blog",
    "health.ok": "answering", "health.warning": "some feeds failing", "health.failing": "failing",
    "health.unknown": "not polled yet",
    "endpoint.ok": "answering", "endpoint.failing": "failing", "endpoint.never_polled": "never polled",
    # users
    "users.title": "Users", "users.lead": "Viewers search and read; analysts also correct themes, keep alerts, "
                                          "add sources and write briefs; administrators also manage users. There "
                                          "is always at least one enabled administrator.",
    "users.username": "Username", "users.display_name": "Display name", "users.role": "Role", "users.state": "State",
    "users.you": "you", "users.role_of": "Role of {name}", "users.change_role": "Change",
    "users.enabled": "enabled", "users.disabled": "disabled", "users.enable": "Enable", "users.disable": "Disable",
    "users.remove": "Remove", "users.confirm_remove": "Remove {name} with their API tokens?",
    "users.add": "Add a user", "users.password": "Password", "users.password_again": "Password again",
    "users.password_help": "At least 10 characters; a few unrelated words make a strong one.",
    "users.add_button": "Create the user", "users.passwords_differ": "The two passwords differ.",
}

_FR = {
    "nav.skip": "Aller au contenu", "nav.label": "Principale", "nav.language": "Langue",
    "nav.search": "Recherche", "nav.dashboard": "Tableau de bord", "nav.alerts": "Alertes", "nav.briefs": "Notes",
    "nav.sources": "Sources", "nav.users": "Utilisateurs", "nav.signed_in_as": "Connecté·e :",
    "nav.logout": "Se déconnecter",
    "footer.text": "Advocacy Monitor : l'actualité des droits des personnes réfugiées et migrantes, preuves à "
                   "l'appui.",
    "role.viewer": "lecteur", "role.analyst": "analyste", "role.admin": "administrateur",
    "error.400": "La demande est illisible", "error.401": "Connectez-vous", "error.403": "Non autorisé",
    "error.404": "Introuvable", "error.405": "Impossible ici", "error.409": "Existe déjà",
    "error.429": "Trop de tentatives", "error.500": "Une erreur est survenue", "error.503": "Indisponible pour l'instant",
    "error.other": "Une erreur est survenue", "error.no_page": "Il n'y a pas de page à cette adresse.",
    "common.back": "Retour", "common.actions": "Actions", "common.delete": "Supprimer",
    "notice.corrected": "Votre correction est enregistrée. Les résultats de recherche en tiennent compte après "
                        "la prochaine indexation (advocacy index).",
    "notice.basket_added": "Ajouté à votre panier de preuves.", "notice.basket_removed": "Le panier est à jour.",
    "notice.alert_saved": "La recherche est enregistrée. Son flux apparaît après sa première exécution.",
    "notice.alert_deleted": "La recherche enregistrée et son flux sont supprimés.",
    "notice.source_added": "Le média est ajouté. Le prochain passage du robot le suit ; vérifiez ses flux avec "
                           "advocacy sources check.",
    "notice.user_added": "L'utilisateur est créé.", "notice.user_changed": "L'utilisateur est modifié.",
    "notice.user_removed": "L'utilisateur est supprimé, avec ses sessions et ses jetons d'API.",
    "login.title": "Connexion", "login.username": "Identifiant", "login.password": "Mot de passe",
    "login.submit": "Se connecter", "login.missing": "Saisissez votre identifiant et votre mot de passe.",
    "login.wrong": "Identifiant ou mot de passe incorrect.",
    "login.disabled": "Ce compte est désactivé ; demandez à un administrateur de le réactiver.",
    "login.too_many": "Trop de tentatives : réessayez dans {minutes} minute(s).",
    "login.forgot": "Mot de passe oublié ? Un administrateur peut en définir un nouveau (advocacy users "
                    "set-password).",
    "problem.query_too_long": "La requête dépasse {limit} caractères ; elle a été ignorée.",
    "problem.date": "« {value} » n'est pas une date ; elle a été ignorée. Écrivez les dates ainsi : 2024-01-31.",
    "problem.period": "Le début de la période est après sa fin : rien ne peut correspondre.",
    "problem.mode": "« {value} » n'est pas un mode de recherche ; le mode par défaut est utilisé.",
    "search.title": "Recherche", "search.query": "Rechercher dans l'actualité", "search.submit": "Rechercher",
    "search.help_title": "Comment écrire une requête", "search.filters": "Filtres",
    "search.apply": "Appliquer les filtres", "search.clear": "Tout effacer",
    "search.total": "{count} article(s) trouvé(s)", "search.csv": "Télécharger ces résultats (CSV)",
    "search.to_dashboard": "Voir les chiffres dans le tableau de bord", "search.save_alert": "Enregistrer en alerte",
    "search.facets": "Affiner", "search.results": "Résultats",
    "search.nothing": "Aucun article ne correspond. Essayez moins de mots, une autre orthographe ou moins de "
                      "filtres.",
    "search.pages": "Pages de résultats", "search.previous": "Précédente", "search.next": "Suivante",
    "help.and": "les deux mots (AND est aussi sous-entendu entre les mots)", "help.or": "l'un ou l'autre mot",
    "help.not": "exclure les articles contenant un mot ou correspondant à un champ",
    "help.phrase": "l'expression exacte", "help.wildcard": "les mots commençant par migrant",
    "help.group": "les parenthèses regroupent ; les opérateurs s'écrivent en majuscules",
    "help.fields": "champs : theme, lang, country, outlet, entity, population, after, before",
    "help.modes": "Modes : « mots seulement » trouve les mots ; « sens seulement » trouve les articles de même "
                  "sens dans toutes les langues ; « mots et sens » combine les deux.",
    "filter.theme": "Thèmes", "filter.language": "Langue", "filter.outlet": "Médias", "filter.country": "Pays",
    "filter.period": "Période", "filter.since": "Du", "filter.until": "Au", "filter.mode": "Mode de recherche",
    "filter.by": "Compter par",
    "facet.theme": "Thèmes", "facet.language": "Langues", "facet.outlet": "Médias", "facet.country": "Pays",
    "mode.hybrid": "mots et sens", "mode.keyword": "mots seulement", "mode.semantic": "sens seulement",
    "language.ar": "arabe", "language.en": "anglais", "language.fr": "français", "language.es": "espagnol",
    "country.MA": "Maroc", "country.ML": "Mali",
    "period.day": "jour", "period.week": "semaine", "period.month": "mois",
    "article.back": "Retour à la recherche", "article.untitled": "(sans titre)", "article.undated": "non daté",
    "article.not_found": "Aucun article indexé n'a l'identifiant {id} ; trouvez les articles avec la recherche.",
    "article.outlet": "Média", "article.published": "Publié le", "article.fetched": "Récupéré le",
    "article.authors": "Auteurs", "article.language": "Langue", "article.source": "Source",
    "article.archive": "Copie archivée", "article.offset": "à l'octet", "article.no_archive": "non archivé",
    "article.id": "Identifiant", "article.not_a_link": "Pas une adresse web : elle n'est pas affichée en lien",
    "article.text": "Texte de l'article", "article.themes": "Thèmes", "article.confirmed": "confirmé",
    "article.why": "Pourquoi :", "article.no_themes": "Aucun thème attribué.",
    "article.note": "Note sur votre correction", "article.note_placeholder": "pourquoi (facultatif)",
    "article.confirm": "Confirmer", "article.reject": "Rejeter", "article.also_about": "Traite aussi de",
    "article.entities": "Qui et où", "article.figures": "Chiffres clés", "article.quotes": "Citations",
    "article.unnamed_speaker": "auteur non nommé", "article.carried_by": "Repris aussi par",
    "article.only_this_outlet": "Ce média seulement.", "article.copies": "Copies",
    "article.similar": "Articles semblables", "article.none": "Aucun.",
    "date_source.page-metadata": "d'après la page", "date_source.feed": "d'après le flux",
    "date_source.sitemap": "d'après le plan du site", "date_source.url": "d'après l'adresse",
    "entity.organisation": "Organisations", "entity.place": "Lieux", "entity.person": "Personnes",
    "entity.population": "Populations",
    "basket.title": "Panier de preuves", "basket.add": "Ajouter au panier", "basket.in": "Dans le panier",
    "basket.remove": "Retirer", "basket.clear": "Vider le panier", "basket.confirm_clear": "Vider tout le panier ?",
    "basket.empty": "Vide. Ajoutez des articles depuis la recherche ou la page d'un article.",
    "basket.help": "Les articles mis de côté pour cette note. Cochés dans le formulaire, ils sont tous cités : "
                   "d'abord sous les thèmes et les arguments auxquels ils correspondent, sinon parmi les preuves "
                   "complémentaires, à la fin.",
    "dashboard.title": "Tableau de bord", "dashboard.query": "Couverture de (vide : tout)",
    "dashboard.show": "Afficher", "dashboard.to_search": "Lire ces articles dans la recherche",
    "dashboard.attention": "Attention dans le temps", "dashboard.outlets": "Principaux médias",
    "dashboard.themes": "Thèmes", "dashboard.share_of_voice": "Part de voix",
    "dashboard.nothing": "Rien à représenter pour cette sélection.", "dashboard.csv": "Tableau (CSV)",
    "dashboard.png": "Graphique (PNG)",
    "dashboard.chart_alt": "Graphique : {title} ; le tableau à côté en donne les chiffres.",
    "dashboard.no_chart": "Ce graphique n'existe pas ; le tableau de bord a {charts}.",
    "column.articles": "articles", "column.share": "part", "column.share_of_all": "part de tous les articles",
    "column.spike": "pic", "column.outlet": "média", "column.carried": "reprises", "column.reach": "audience",
    "column.organisation": "organisation", "column.mentions": "mentions", "column.share_of_voice": "part de voix",
    "column.share_of_voice_percent": "% des articles citant une organisation", "column.theme": "thème",
    "alerts.title": "Alertes", "alerts.lead": "Recherches enregistrées. Chaque exécution trouve les articles "
                                              "indexés depuis la précédente, les ajoute au flux Atom de la "
                                              "recherche et les envoie par courriel.",
    "alerts.name": "Nom", "alerts.query": "Requête", "alerts.mode": "Mode", "alerts.emails": "Destinataires",
    "alerts.last_run": "Dernière exécution", "alerts.feed": "Flux", "alerts.never": "jamais",
    "alerts.atom": "Flux Atom", "alerts.published_feed": "flux publié",
    "alerts.no_feed_yet": "Le flux est écrit à la première exécution.",
    "alerts.preview": "Voir les nouveautés", "alerts.run": "Exécuter maintenant",
    "alerts.confirm_delete": "Supprimer la recherche {name} et son flux ?",
    "alerts.none": "Aucune recherche enregistrée pour l'instant.", "alerts.new": "Nouvelle recherche enregistrée",
    "alerts.name_help": "Minuscules, chiffres, - et _ ; il nomme le flux (par ex. sante-oujda).",
    "alerts.emails_help": "Une adresse par ligne, ou séparées par des virgules ; vide pour le flux seul.",
    "alerts.no_mail_server": "Aucun serveur de courriel n'est configuré (alerts.smtp_host) : seul le flux est "
                             "écrit.",
    "alerts.save": "Enregistrer la recherche", "alerts.query_needed": "Écrivez la requête à enregistrer.",
    "alerts.unknown": "Aucune recherche enregistrée ne s'appelle {name}.",
    "alerts.preview_of": "Nouveautés de {name} (aperçu)", "alerts.run_of": "Exécution de {name}",
    "alerts.new_count": "{count} nouvel(s) article(s).", "alerts.sent": "Envoyé à {recipients}.",
    "alerts.feed_written": "Le flux est mis à jour.",
    "alerts.preview_note": "Rien n'a été envoyé et la prochaine exécution les retrouvera.",
    "briefs.title": "Notes", "briefs.lead": "Rédigez une note sourcée à partir des preuves indexées : citations et "
                                            "chiffres sont vérifiés dans leurs articles, les noms des particuliers "
                                            "sont masqués.",
    "briefs.analysts_only": "La rédaction de notes demande le rôle d'analyste ; demandez à un administrateur.",
    "briefs.template": "Type de note", "briefs.brief_title": "Titre",
    "briefs.title_placeholder": "par ex. L'accès aux soins des personnes migrantes à Oujda",
    "briefs.themes": "Thèmes", "briefs.themes_help": "Aucun coché : tous les thèmes.",
    "briefs.any_country": "tous", "briefs.citations": "Citations", "briefs.format": "Format",
    "briefs.inputs": "Votre position, vos arguments, demandes et recommandations (YAML)",
    "briefs.inputs_help": "Les lignes commençant par # sont des commentaires et ne changent rien. La note "
                          "n'invente aucune affirmation : ce qu'elle soutient vient d'ici.",
    "briefs.inputs_help_1": "Retirez le # des lignes que vous remplissez. Chaque partie est facultative.",
    "briefs.inputs_help_2": "Chaque argument a une affirmation et un thème ou une requête qui trouve ses preuves.",
    "briefs.reading_list": "Liste de lecture de votre panier de preuves",
    "briefs.reading_list_note": "les articles cochés dans le formulaire sont cités ; un argument dont le thème ou "
                                "la requête correspond à l'un d'eux le cite en premier",
    "briefs.cite": "Citer depuis votre panier de preuves",
    "briefs.cite_help": "Chaque article coché est cité, quels que soient les filtres : d'abord dans les sections et "
                        "les arguments auxquels il correspond (par son thème, ou trouvé par la requête d'un "
                        "argument), sinon dans une dernière section de preuves complémentaires.",
    "briefs.generate": "Générer et télécharger", "briefs.busy": "Rédaction de la note…",
    "template.policy-paper": "Note de politique", "template.position-paper": "Note de position",
    "template.media-digest": "Revue de presse",
    "citations.numbered": "numérotées [1]", "citations.author-date": "auteur-date (Le Matin 2024)",
    "format.docx": "Word (DOCX)", "format.pdf": "PDF", "format.html": "Page web (HTML)", "format.md": "Markdown",
    "sources.title": "Sources", "sources.lead": "Les médias suivis et ce que le robot a vu de leurs flux. Un flux "
                                                "dont l'élément le plus récent a plus de {days} jours est signalé "
                                                "muet.",
    "sources.outlet": "Média", "sources.health": "État", "sources.feeds": "Flux et plans de site",
    "sources.reach": "{reach} lecteurs", "sources.reach_unknown": "audience inconnue",
    "sources.not_verified": "non vérifié", "sources.silent": "flux muet",
    "sources.silent_since": "muet depuis plus de {days} jours", "sources.kind_feed": "flux",
    "sources.kind_sitemap": "plan du site", "sources.last_success": "dernier succès",
    "sources.items": "{count} éléments", "sources.newest": "élément le plus récent",
    "sources.failures": "{count} échec(s) d'affilée", "sources.no_feeds": "Aucun flux ni plan de site.",
    "sources.none": "Aucun média pour l'instant.", "sources.add": "Ajouter un média",
    "sources.writes_to": "Écrit dans {file}.",
    "sources.no_file": "Aucun fichier de sources n'est configuré, et la liste de départ intégrée n'est jamais "
                       "modifiée : définissez [sources] file dans la configuration.",
    "sources.key": "Clé", "sources.name": "Nom", "sources.homepage": "Page d'accueil", "sources.languages": "Langues",
    "sources.type": "Type", "sources.reach_label": "Lecteurs par mois",
    "sources.feeds_label": "Flux RSS ou Atom (un par ligne)",
    "sources.sitemaps_label": "Plans de site d'actualité (un par ligne)",
    "sources.allow_private": "Autoriser les adresses du réseau de ce serveur (sources intranet)",
    "sources.private_refused": "Les adresses de la machine du serveur ou de son réseau privé sont refusées.",
    "sources.add_button": "Ajouter le média",
    "sources.bad_key": "La clé est un identifiant court : minuscules, chiffres, - et _ (par ex. hespress-fr).",
    "sources.bad_country": "Le pays est un code de deux lettres comme MA ou ML.",
    "sources.bad_languages": "Les langues sont des codes de deux lettres séparés par des virgules, par ex. fr, ar.",
    "sources.bad_type": "Le type est l'un de {types}.",
    "sources.bad_reach": "Les lecteurs par mois sont un nombre entier.",
    "sources.too_many": "Au plus {limit} flux et {limit} plans de site.",
    "outlet_type.national": "national", "outlet_type.regional": "régional",
    "outlet_type.international": "international", "outlet_type.ngo-un": "ONG ou ONU", "outlet_type.blog": "blog",
    "health.ok": "répond", "health.warning": "certains flux échouent", "health.failing": "en échec",
    "health.unknown": "pas encore interrogé",
    "endpoint.ok": "répond", "endpoint.failing": "en échec", "endpoint.never_polled": "jamais interrogé",
    "users.title": "Utilisateurs", "users.lead": "Les lecteurs cherchent et lisent ; les analystes corrigent aussi "
                                                 "les thèmes, gèrent les alertes, ajoutent des sources et rédigent "
                                                 "des notes ; les administrateurs gèrent aussi les utilisateurs. Il "
                                                 "reste toujours au moins un administrateur actif.",
    "users.username": "Identifiant", "users.display_name": "Nom affiché", "users.role": "Rôle",
    "users.state": "État", "users.you": "vous", "users.role_of": "Rôle de {name}", "users.change_role": "Changer",
    "users.enabled": "actif", "users.disabled": "désactivé", "users.enable": "Réactiver",
    "users.disable": "Désactiver", "users.remove": "Supprimer",
    "users.confirm_remove": "Supprimer {name} et ses jetons d'API ?", "users.add": "Ajouter un utilisateur",
    "users.password": "Mot de passe", "users.password_again": "Mot de passe (à nouveau)",
    "users.password_help": "Au moins 10 caractères ; quelques mots sans rapport font un mot de passe solide.",
    "users.add_button": "Créer l'utilisateur", "users.passwords_differ": "Les deux mots de passe diffèrent.",
}

CATALOGUES = {"en": _EN, "fr": _FR}
