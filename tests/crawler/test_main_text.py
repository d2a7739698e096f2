import gzip

import pytest

from advocacy.crawler.extract_files import extract_files, file_id, find_html_files
from advocacy.crawler.main_text import extract_main_text, reconcile

ENGLISH = [
    "Volunteer doctors opened their private clinics to refugees in Rabat this week, offering free consultations "
    "and surgeries to patients referred by the refugee agency and by local associations.",
    "The scheme started with twelve clinics in the capital and should reach Casablanca and Tangier by the end of "
    "the year, according to the national council of physicians, which coordinates the volunteers.",
    "Patients who had waited months for an operation were seen within days. Many had been turned away before "
    "because they could not pay the deposit that private hospitals ask for on admission.",
    "Associations welcomed the initiative but warned that volunteer work cannot replace access to public "
    "hospitals, which the law grants to every person living in the country, whatever their status.",
]
FRENCH = [
    "À Bamako, les écoles publiques ont accueilli cette année plus de deux mille enfants réfugiés, venus pour la "
    "plupart des régions du centre du pays où les affrontements se poursuivent depuis des mois.",
    "Les directeurs d'établissement déplorent le manque de tables-bancs et d'enseignants formés à l'accueil "
    "d'élèves qui ont souvent perdu une ou deux années de scolarité pendant leur déplacement.",
    "Le ministère de l'Éducation promet des classes passerelles dès la rentrée prochaine, financées en partie "
    "par l'Unicef, afin que chaque enfant puisse rejoindre le niveau correspondant à son âge.",
]
ARABIC = [
    "افتتحت جمعية محلية في مدينة وجدة مركزا جديدا لاستقبال المهاجرين القادمين من الحدود الشرقية، يقدم الإيواء "
    "المؤقت والوجبات والرعاية الصحية الأولية للنساء والأطفال.",
    "وقال مدير المركز إن الطاقة الاستيعابية لا تتجاوز مئة سرير، وإن الطلب يفوق ذلك بكثير خلال فصل الشتاء حين "
    "تنخفض درجات الحرارة إلى ما دون الصفر في الليل.",
    "ودعت منظمات حقوقية السلطات إلى تمكين المهاجرين من الولوج إلى المستشفيات العمومية دون شروط، كما ينص على "
    "ذلك القانون، وإلى توفير مترجمين في أقسام المستعجلات.",
]


MORE_PROSE = [
    "The council said it would publish every quarter the number of patients treated and the kinds of care "
    "given, so that the ministry can plan the next steps together with the associations.",
    "Several doctors said they had joined after seeing patients reach emergency rooms with illnesses left "
    "untreated for years, at a much higher cost for the patients and for the hospitals.",
]
HEADLINE = "Doctors open their clinics to refugees"


def as_html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


def article_page(*, headline: str, paragraphs: list[str] | None = None, body: str = "", lang: str = "en", head: str = "",
                 before: str = "", inside: str = "", after: str = "") -> str:
    body = body or as_html(paragraphs or [])
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{head}<title>{headline} | The Tribune</title></head><body>'
            '<nav><a href="/">Home</a> <a href="/health/">Health</a> <a href="/education/">Education</a></nav>'
            f'<main><article>{before}<div class="article-body"><h1>{headline}</h1>{body}{inside}</div>{after}'
            '</article></main>'
            '<footer><p>© 2026 The Tribune. All rights reserved.</p><a href="/contact/">Contact us</a></footer>'
            '</body></html>')


SHARE_BAR = ('<div class="share-bar"><a href="https://facebook.test/share">Share on Facebook</a> '
             '<a href="https://x.test/share">Share on X</a> <a href="mailto:?subject=x">Email</a></div>')
NEWSLETTER = ('<div class="newsletter-signup"><h3>Sign up for our newsletter</h3>'
              '<p>Get the morning briefing in your inbox.</p>'
              '<form><input type="email" placeholder="Your email"><button>Subscribe</button></form></div>')
# Teasers of other stories inside the article's own container: a plain trafilatura run keeps them.
LATEST_STORIES = ('<div class="latest-box"><h3>Our latest stories</h3>'
                  '<div class="item"><h4><a href="/a/">Fes: rent assistance for refugee families</a></h4>'
                  '<p>The city doubles its housing fund</p></div>'
                  '<div class="item"><h4><a href="/b/">Tangier: maternal health for migrant women</a></h4>'
                  '<p>A new clinic opens near the port</p></div>'
                  '<div class="item"><h4><a href="/c/">Oujda: emergency care at the regional hospital</a></h4>'
                  '<p>Waiting times fall by half</p></div></div>')


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def test_article_paragraphs_and_subheadings_are_kept_and_the_headline_is_not_repeated():
    html = article_page(headline=HEADLINE, body=as_html(ENGLISH[:2]) + "<h2>Months of waiting</h2>" + as_html(
        ENGLISH[2:]))
    assert lines_of(extract_main_text(html, url="https://tribune.test/doctors")) == [
        *ENGLISH[:2], "Months of waiting", *ENGLISH[2:]]


def test_share_newsletter_teasers_and_footer_are_dropped():
    html = article_page(headline=HEADLINE, paragraphs=ENGLISH, before=SHARE_BAR, inside=LATEST_STORIES,
                        after=NEWSLETTER + SHARE_BAR)
    text = extract_main_text(html)
    assert lines_of(text) == ENGLISH
    for boilerplate in ("Share on", "newsletter", "Subscribe", "latest stories", "Fes: rent", "housing fund",
                        "©", "Contact us", "Home"):
        assert boilerplate not in text


def test_french_accents_survive_str_and_declared_utf8_bytes():
    html = article_page(headline="Les écoles de Bamako accueillent les enfants réfugiés", paragraphs=FRENCH,
                        lang="fr", head='<meta charset="utf-8">')
    assert lines_of(extract_main_text(html)) == FRENCH
    assert lines_of(extract_main_text(html.encode("utf-8"))) == FRENCH


def test_french_page_in_windows_1252_without_declaration():
    html = article_page(headline="Les écoles de Bamako accueillent les enfants réfugiés", paragraphs=FRENCH,
                        lang="fr")
    assert lines_of(extract_main_text(html.encode("cp1252"))) == FRENCH


def test_arabic_page_in_windows_1256_bytes_with_meta_charset():
    html = article_page(headline="مركز جديد لاستقبال المهاجرين في وجدة", paragraphs=ARABIC, lang="ar",
                        head='<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">',
                        after=SHARE_BAR)
    page = html.replace("<html ", '<html dir="rtl" ').encode("cp1256")
    assert lines_of(extract_main_text(page)) == ARABIC


def test_utf8_byte_order_mark_is_not_part_of_the_text():
    html = article_page(headline=HEADLINE, paragraphs=ENGLISH)
    assert lines_of(extract_main_text(b"\xef\xbb\xbf" + html.encode("utf-8"))) == ENGLISH


def test_an_article_body_split_between_ads_is_extracted_whole():
    paragraphs = ENGLISH + MORE_PROSE
    parts = "".join(f'<div class="grid"><div class="article-body">{as_html(pair)}</div></div>'
                    '<div class="ad"><p>Advertisement</p></div>' for pair in zip(paragraphs[::2], paragraphs[1::2]))
    html = (f'<html><head><title>{HEADLINE}</title></head><body><main><h1>{HEADLINE}</h1>'
            f'<div class="chunks">{parts}</div></main></body></html>')
    assert lines_of(extract_main_text(html)) == paragraphs


@pytest.mark.parametrize("html", ["", "   ", b"", "<html><body></body></html>", "not html at all",
                                  b"\x00\x01\x02garbage\xff\xfe"])
def test_nothing_to_extract_gives_empty_text(html):
    assert extract_main_text(html) == ""


def test_reconcile_keeps_confirmed_lines_and_prose_and_drops_unconfirmed_short_lines():
    prose = "x" * 120
    long_prose = "y" * 250
    candidates = ["Share this", "First confirmed paragraph", "Subheading", prose, "Last confirmed paragraph",
                  "Newsletter", long_prose]
    confirmed = ["First confirmed paragraph", "Last confirmed paragraph"]
    assert reconcile(candidates, confirmed) == [
        "First confirmed paragraph", prose, "Last confirmed paragraph", long_prose]
    assert reconcile(candidates, []) == candidates


def write_pages(directory):
    pages = {"plain": article_page(headline="Doctors", paragraphs=ENGLISH),
             "french": article_page(headline="Écoles", paragraphs=FRENCH, lang="fr")}
    (directory / "plain.html").write_text(pages["plain"], encoding="utf-8")
    nested = directory / "2026" / "05"
    nested.mkdir(parents=True)
    (nested / "french.html.gz").write_bytes(gzip.compress(pages["french"].encode("utf-8")))
    (nested / "broken.htm.gz").write_bytes(b"this is not gzip data")
    (directory / "notes.txt").write_text("not a page", encoding="utf-8")
    return directory


def test_find_html_files_and_ids(tmp_path):
    write_pages(tmp_path)
    files = find_html_files([tmp_path])
    assert [path.name for path in files] == ["broken.htm.gz", "french.html.gz", "plain.html"]
    assert files == sorted(files)
    assert [file_id(path) for path in files] == ["broken", "french", "plain"]
    assert find_html_files([tmp_path / "plain.html", tmp_path]) == files


def test_missing_path_is_reported_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.html"):
        find_html_files([tmp_path / "nowhere.html"])
    with pytest.raises(FileNotFoundError):
        extract_files([tmp_path / "nowhere"])


def test_a_named_file_that_is_not_html_is_refused(tmp_path):
    write_pages(tmp_path)
    with pytest.raises(ValueError, match="notes.txt"):
        find_html_files([tmp_path / "notes.txt"])


@pytest.mark.parametrize("workers", [1, 2])
def test_extract_files_reads_plain_and_gzip_pages_and_survives_a_broken_one(tmp_path, workers):
    write_pages(tmp_path)
    progress = []
    texts = extract_files([tmp_path], workers=workers, progress=lambda done, total: progress.append((done, total)))
    assert texts.keys() == {"plain", "french", "broken"}
    assert lines_of(texts["plain"]) == ENGLISH
    assert lines_of(texts["french"]) == FRENCH
    assert texts["broken"] == ""
    assert progress == [(1, 3), (2, 3), (3, 3)]
