from datetime import datetime, timezone

from advocacy.crawler.extract import choose_date, date_from_url, extract_article

BODY = " ".join(["Volunteer doctors opened their private clinics to refugees in Rabat this week, offering free "
                 "consultations and surgeries to patients referred by the refugee agency."] * 4)


def page(*, head="", body_extra="", paragraphs=3, lang="en"):
    paras = "".join(f"<p>{BODY} Paragraph {n}.</p>" for n in range(paragraphs))
    return (f'<html lang="{lang}"><head><title>Doctors help refugees | The Tribune</title>{head}</head><body>'
            f'<nav><a href="/">Home</a> <a href="/tag/health/">Health</a></nav>'
            f'<article><h1>Doctors help refugees</h1><p class="byline">By Samira Bennani</p>{paras}</article>'
            f'<aside><h2>Related</h2><a href="/x">Other story</a></aside>{body_extra}'
            f'<footer>© The Tribune. Contact us.</footer></body></html>')


NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


def test_article_text_title_and_metadata_date():
    html = page(head='<meta property="og:type" content="article">'
                     '<meta property="article:published_time" content="2024-05-02T08:30:00Z">'
                     '<link rel="canonical" href="/2024/05/doctors.html">')
    result = extract_article(html, url="http://t.test/2024/05/doctors.html?utm_source=rss", fetched_at=NOW)
    assert result.is_article
    assert result.title == "Doctors help refugees"
    assert "free consultations" in result.text and "Related" not in result.text and "©" not in result.text
    assert result.published_at == "2024-05-02T08:30:00+00:00"
    assert result.published_at_source == "page-metadata"
    assert result.canonical_url == "http://t.test/2024/05/doctors.html"
    assert result.language == "en"


def test_date_falls_back_to_feed_then_url():
    feed_date = datetime(2024, 5, 3, 9, 0, tzinfo=timezone.utc)
    result = extract_article(page(), url="http://t.test/2024/05/doctors.html", feed_date=feed_date, fetched_at=NOW)
    assert (result.published_at, result.published_at_source) == ("2024-05-03T09:00:00+00:00", "feed")
    result = extract_article(page(), url="http://t.test/2024/05/doctors.html", fetched_at=NOW)
    assert (result.published_at[:10], result.published_at_source) == ("2024-05-01", "url")


def test_future_dates_are_not_trusted():
    future = datetime(2027, 1, 1, tzinfo=timezone.utc)
    chosen, source = choose_date(page=future, feed=None, sitemap=None, url=None, fetched_at=NOW)
    assert (chosen, source) == (None, "none")
    chosen, source = choose_date(page=future, feed=None, sitemap=None, url=datetime(2026, 11, 1, tzinfo=timezone.utc),
                                 fetched_at=NOW)
    assert source == "url"


def test_dates_in_urls():
    assert date_from_url("http://x.test/2024/05/17/story/") == datetime(2024, 5, 17, tzinfo=timezone.utc)
    assert date_from_url("http://x.test/2024/13/story") is None
    assert date_from_url("http://x.test/news/story") is None


def test_short_pages_and_listings_are_not_articles():
    contact = "<html><body><h1>Contact</h1><p>Write to us at the address below.</p></body></html>"
    result = extract_article(contact, url="http://t.test/contact/", fetched_at=NOW)
    assert not result.is_article and "too short" in result.why_not_article
    listing = extract_article(page(paragraphs=4), url="http://t.test/tag/health/", fetched_at=NOW)
    assert not listing.is_article and "listing" in listing.why_not_article


def test_language_comes_from_the_text_not_the_lang_attribute():
    french = (" ".join(["Des médecins bénévoles ont ouvert leurs cliniques aux réfugiés de Rabat, offrant des "
                        "consultations gratuites aux patients orientés par l'agence."] * 4))
    html = f'<html lang="en"><body><article><h1>Des médecins</h1>' + f"<p>{french}</p>" * 3 + "</article></body></html>"
    assert extract_article(html, url="http://t.test/2024/05/x.html", fetched_at=NOW).language == "fr"


def test_garbage_is_not_an_article():
    assert not extract_article("", url="http://t.test/x", fetched_at=NOW).is_article
    assert not extract_article("\x00\x01 binary", url="http://t.test/x", fetched_at=NOW).is_article
