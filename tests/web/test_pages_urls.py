"""The check that keeps sources added in the browser from pointing the crawler inside the server's network."""
import pytest

from advocacy.web.errors import InvalidInput
from advocacy.web.pages_urls import check_public_url

NAMES = {"news.example": ["93.184.216.34"], "inside.example": ["10.1.2.3"],
         "mixed.example": ["93.184.216.34", "192.168.1.10"], "v6.example": ["2606:4700::6810:84e5"],
         "metadata.example": ["169.254.169.254"]}


def resolver(host, port):
    if host not in NAMES:
        raise OSError("no such host")
    return NAMES[host]


def refused(url, **options):
    with pytest.raises(InvalidInput) as caught:
        check_public_url(url, resolve=resolver, **options)
    return str(caught.value)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/feed", "http://127.8.9.10:8080/", "http://[::1]/", "http://10.0.0.5/rss",
    "http://192.168.1.1/", "http://172.16.4.4/", "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[fe80::1]/", "http://[fc00::1]/",
    "http://2130706433/", "http://0x7f000001/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/",
    "http://0.0.0.0/", "http://100.64.0.1/", "http://224.0.0.1/",
    "http://localhost/", "http://LOCALHOST:8000/", "http://api.localhost/", "http://localhost./",
    "http://inside.example/", "http://mixed.example/", "http://metadata.example/",
    "http://user:pass@127.0.0.1/", "https://10.0.0.1:443/feed",
])
def test_addresses_inside_the_server_network_are_refused(url):
    message = refused(url)
    assert "private network" in message or "server itself" in message


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://93.184.216.34/", "gopher://x/",
                                 "data:text/html,hi", "//news.example/", "news.example/feed", "", "http://",
                                 "http://news.example:99999/", "http://news.example/a b"])
def test_only_http_and_https_addresses_are_accepted(url):
    refused(url)


def test_an_unknown_host_is_refused_as_unverifiable():
    assert "cannot be found" in refused("http://nowhere.example/")


@pytest.mark.parametrize("url", ["http://news.example/feed", "https://news.example/", "http://93.184.216.34/rss",
                                 "https://v6.example/sitemap.xml", "http://[2606:4700::6810:84e5]/"])
def test_public_addresses_pass(url):
    assert check_public_url(f"  {url} ", resolve=resolver) == url


def test_an_admin_may_allow_private_targets_but_never_other_schemes():
    assert check_public_url("http://10.0.0.5/rss", allow_private=True, resolve=resolver) == "http://10.0.0.5/rss"
    assert check_public_url("http://localhost:8080/", allow_private=True, resolve=resolver)
    refused("file:///etc/passwd", allow_private=True)
