"""The safe fetcher against a local server: bodies, caps, redirects, backoff, robots.txt and address refusals."""

import datetime
import gzip
import ipaddress
import socket
import time
from email.utils import format_datetime
from pathlib import Path

import certifi
import pytest
from django.core.cache import cache

from tests.httpserver import FixtureServer
from tracker.fetching import FetchError, fetch

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "http"
FEED = (FIXTURES / "feed.rss").read_bytes()
PAGE = (FIXTURES / "page.html").read_bytes()
ROBOTS = (FIXTURES / "robots.txt").read_bytes()
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _is_loopback(host) -> bool:
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return (ip.ipv4_mapped or ip).is_loopback if ip.version == 6 else ip.is_loopback


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """No test may reach past this machine: connecting anywhere but loopback, or a real DNS lookup, fails it."""
    attempts = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            attempts.append(address)
            raise AssertionError(f"a test tried to connect to {address}")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in (None, "localhost"):
            try:
                ipaddress.ip_address(name.split("%")[0])
            except ValueError:
                attempts.append(name)
                raise AssertionError(f"a test tried to look up {name} in DNS") from None
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield
    assert attempts == [], f"tests must stay on loopback, but tried {attempts}"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Host backoff and robots.txt verdicts live in the cache; each test starts without them."""
    cache.clear()
    yield
    cache.clear()


def _fetch_error(url, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url, **kwargs)
    return caught.value


def _fake_dns(monkeypatch, answers: dict[str, list[str]]) -> list[str]:
    """Answer made-up names with the given addresses; returns the names looked up, in order."""
    lookups = []
    guarded = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return guarded(host, port, *args, **kwargs)
        lookups.append(host)
        return [info for address in answers[host] for info in guarded(address, port, *args, **kwargs)]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def test_it_returns_the_body_and_content_type(http_server, allow_private):
    http_server.route("/feed.rss", headers={**RSS, "ETag": '"v1"'}, body=FEED)
    result = fetch(http_server.url("/feed.rss"), kind="rss")
    assert result.status == 200
    assert not result.not_modified
    assert result.content == FEED
    assert result.content_type == "application/rss+xml"
    assert result.charset == "utf-8"
    assert result.etag == '"v1"'
    assert result.headers["content-type"] == "application/rss+xml; charset=utf-8"


def test_it_sends_its_user_agent(http_server, allow_private, settings):
    http_server.route("/feed.rss", headers=RSS, body=FEED)
    fetch(http_server.url("/feed.rss"), kind="rss")
    [(_, headers)] = http_server.requests
    assert headers["User-Agent"] == settings.TRACKER_USER_AGENT


def test_it_sends_if_none_match_and_returns_not_modified(http_server, allow_private):
    def handler(request_headers):
        if request_headers.get("If-None-Match") == '"v2"':
            return 304, {"ETag": '"v2"'}, b""
        return 200, {**RSS, "ETag": '"v2"'}, FEED

    http_server.route("/feed.rss", handler=handler)
    result = fetch(http_server.url("/feed.rss"), kind="rss", etag='"v2"')
    assert result.status == 304
    assert result.not_modified
    assert result.content == b""
    assert result.etag == '"v2"'
    [(_, headers)] = http_server.requests
    assert headers["If-None-Match"] == '"v2"'


def test_it_sends_if_modified_since_and_returns_not_modified(http_server, allow_private):
    stamp = "Mon, 16 Nov 2026 14:30:00 GMT"

    def handler(request_headers):
        if request_headers.get("If-Modified-Since") == stamp:
            return 304, {}, b""
        return 200, {**RSS, "Last-Modified": stamp}, FEED

    http_server.route("/feed.rss", handler=handler)
    result = fetch(http_server.url("/feed.rss"), kind="rss", last_modified=stamp)
    assert result.not_modified
    assert result.content == b""
    assert result.last_modified == stamp
    [(_, headers)] = http_server.requests
    assert headers["If-Modified-Since"] == stamp


def test_it_decodes_a_gzip_body(http_server, allow_private):
    http_server.route("/feed.rss", headers={**RSS, "Content-Encoding": "gzip"}, body=gzip.compress(FEED))
    result = fetch(http_server.url("/feed.rss"), kind="rss")
    assert result.content == FEED
    [(_, headers)] = http_server.requests
    assert "gzip" in headers["Accept-Encoding"]


def test_it_refuses_a_gzip_bomb_by_the_decompressed_cap(http_server, allow_private, settings):
    settings.TRACKER_FETCH_MAX_DECOMPRESSED_BYTES = 1_000_000
    bomb = gzip.compress(b"\0" * 20_000_000)
    assert len(bomb) < 50_000
    http_server.route("/feed.rss", headers={**RSS, "Content-Encoding": "gzip"}, body=bomb)
    error = _fetch_error(http_server.url("/feed.rss"), kind="rss")
    assert "decompressed-size cap of 1,000,000 bytes" in error.message
    assert not error.transient


def test_it_refuses_a_body_whose_content_length_is_over_the_cap(http_server, allow_private, settings):
    settings.TRACKER_FETCH_MAX_BYTES = 10_000
    http_server.route("/report.pdf", headers={"Content-Type": "application/pdf"}, body=b"%PDF" + b"x" * 20_000)
    error = _fetch_error(http_server.url("/report.pdf"), kind="pdf")
    assert "20,004 bytes, over the download cap of 10,000 bytes" in error.message
    assert not error.transient


def test_it_refuses_a_body_that_streams_past_the_cap(http_server, allow_private, settings):
    settings.TRACKER_FETCH_MAX_BYTES = 10_000
    headers = {"Content-Type": "application/pdf", "Content-Length": None}
    http_server.route("/report.pdf", headers=headers, body=b"%PDF" + b"x" * 200_000)
    error = _fetch_error(http_server.url("/report.pdf"), kind="pdf")
    assert "sent more than the download cap of 10,000 bytes" in error.message
    assert not error.transient


def test_it_follows_five_redirects_and_reports_the_final_url(http_server, allow_private):
    for hop in range(5):
        http_server.route(f"/hop{hop}", status=302, headers={"Location": f"hop{hop + 1}"})
    http_server.route("/hop5", status=301, headers={"Location": http_server.url("/feed.rss")})
    http_server.route("/feed.rss", headers=RSS, body=FEED)
    result = fetch(http_server.url("/hop1"), kind="rss")
    assert result.url == http_server.url("/feed.rss")
    assert result.content == FEED


def test_it_refuses_a_sixth_redirect(http_server, allow_private):
    for hop in range(6):
        http_server.route(f"/hop{hop}", status=302, headers={"Location": f"/hop{hop + 1}"})
    http_server.route("/hop6", headers=RSS, body=FEED)
    error = _fetch_error(http_server.url("/hop0"), kind="rss")
    assert error.message == f"gave up after 5 redirects, the last to {http_server.url('/hop6')}"
    assert http_server.hits("/hop6") == 0


def test_it_refuses_a_redirect_to_the_metadata_address_even_when_private_is_allowed(http_server, allow_private):
    http_server.route("/feed.rss", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    error = _fetch_error(http_server.url("/feed.rss"), kind="rss")
    assert error.message == "refused: 169.254.169.254 is a cloud metadata address"
    assert not error.transient


def test_it_refuses_a_content_type_the_kind_does_not_accept(http_server, allow_private):
    http_server.route("/feed.rss", headers=HTML, body=PAGE)
    url = http_server.url("/feed.rss")
    error = _fetch_error(url, kind="rss")
    assert error.message == f"{url} is text/html, which is not accepted for kind 'rss'"
    assert not error.transient


def test_it_accepts_a_feed_without_a_content_type_but_not_a_page(http_server, allow_private):
    http_server.route("/feed.rss", body=FEED)
    assert fetch(http_server.url("/feed.rss"), kind="rss").content == FEED
    error = _fetch_error(http_server.url("/feed.rss"), kind="html")
    assert "no Content-Type, which is not accepted for kind 'html'" in error.message


def test_a_429_with_retry_after_backs_off_the_host_without_sending_another_request(http_server, allow_private):
    http_server.route("/feed.rss", status=429, headers={"Retry-After": "120"})
    error = _fetch_error(http_server.url("/feed.rss"), kind="rss")
    assert error.transient
    assert error.status == 429
    assert error.retry_after == 120
    again = _fetch_error(http_server.url("/other-feed.rss"), kind="rss")
    assert again.transient
    assert 110 < again.retry_after <= 120
    assert "asked us to wait" in again.message
    assert len(http_server.requests) == 1
    assert http_server.hits("/other-feed.rss") == 0


def test_a_503_with_a_retry_after_date_backs_off_the_host(http_server, allow_private):
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=90)
    http_server.route("/feed.rss", status=503, headers={"Retry-After": format_datetime(later, usegmt=True)})
    error = _fetch_error(http_server.url("/feed.rss"), kind="rss")
    assert error.transient
    assert 85 < error.retry_after <= 90
    _fetch_error(http_server.url("/feed.rss"), kind="rss")
    assert http_server.hits("/feed.rss") == 1


def test_a_server_error_is_transient(http_server, allow_private):
    http_server.route("/feed.rss", status=500)
    error = _fetch_error(http_server.url("/feed.rss"), kind="rss")
    assert error.transient
    assert error.status == 500
    assert error.message == f"HTTP 500 Internal Server Error from {http_server.url('/feed.rss')}"


def test_a_missing_page_is_not_transient(http_server, allow_private):
    error = _fetch_error(http_server.url("/gone.rss"), kind="rss")
    assert not error.transient
    assert error.status == 404
    assert error.message == f"HTTP 404 Not Found from {http_server.url('/gone.rss')}"


def test_a_read_timeout_is_transient(http_server, allow_private, settings):
    settings.TRACKER_FETCH_READ_TIMEOUT = 0.2
    http_server.route("/feed.rss", headers=RSS, body=FEED, delay=1.0)
    error = _fetch_error(http_server.url("/feed.rss"), kind="rss")
    assert error.transient
    assert error.message.startswith(f"timed out fetching {http_server.url('/feed.rss')}")


def test_the_deadline_covers_the_whole_fetch_including_redirects(http_server, allow_private, settings):
    settings.TRACKER_FETCH_DEADLINE = 0.5
    http_server.route("/feed.rss", status=302, headers={"Location": "/slow.rss"}, delay=0.3)
    http_server.route("/slow.rss", headers=RSS, body=FEED, delay=3.0)
    started = time.monotonic()
    error = _fetch_error(http_server.url("/feed.rss"), kind="rss")
    assert error.transient
    assert time.monotonic() - started < 1.5


def test_the_deadline_covers_headers_that_trickle_in(http_server, allow_private, settings):
    # Each header line comes well within the read timeout; only the deadline can end this.
    settings.TRACKER_FETCH_DEADLINE, settings.TRACKER_FETCH_READ_TIMEOUT = 2, 1
    http_server.route("/feed.rss", trickle=0.3)
    started = time.monotonic()
    error = _fetch_error(http_server.url("/feed.rss"), kind="rss")
    assert time.monotonic() - started < 2 + 0.5
    assert error.message == f"gave up on {http_server.url('/feed.rss')} at the 2-second deadline"
    assert error.transient


def test_robots_txt_disallow_refuses_an_html_fetch(http_server, allow_private):
    http_server.route("/robots.txt", headers={"Content-Type": "text/plain"}, body=ROBOTS)
    http_server.route("/drafts/framework.html", headers=HTML, body=PAGE)
    error = _fetch_error(http_server.url("/drafts/framework.html"), kind="html")
    assert error.message == f"robots.txt of 127.0.0.1:{http_server.port} disallows /drafts/framework.html"
    assert not error.transient
    assert http_server.hits("/drafts/framework.html") == 0


def test_robots_txt_does_not_apply_to_feeds(http_server, allow_private):
    http_server.route("/robots.txt", headers={"Content-Type": "text/plain"}, body=ROBOTS)
    http_server.route("/drafts/feed.rss", headers=RSS, body=FEED)
    assert fetch(http_server.url("/drafts/feed.rss"), kind="rss").content == FEED
    assert http_server.hits("/robots.txt") == 0


def test_a_missing_robots_txt_allows_every_page(http_server, allow_private):
    http_server.route("/drafts/framework.html", headers=HTML, body=PAGE)
    assert fetch(http_server.url("/drafts/framework.html"), kind="html").content == PAGE
    assert http_server.hits("/robots.txt") == 1


def test_robots_txt_is_read_once_per_host(http_server, allow_private):
    http_server.route("/robots.txt", headers={"Content-Type": "text/plain"}, body=ROBOTS)
    http_server.route("/framework.html", headers=HTML, body=PAGE)
    fetch(http_server.url("/framework.html"), kind="html")
    fetch(http_server.url("/framework.html"), kind="html")
    assert http_server.hits("/robots.txt") == 1
    assert http_server.hits("/framework.html") == 2


def test_it_refuses_loopback_by_default(http_server):
    http_server.route("/feed.rss", headers=RSS, body=FEED)
    error = _fetch_error(http_server.url("/feed.rss"), kind="rss")
    assert error.message == "refused: 127.0.0.1 is a loopback address"
    assert not error.transient
    assert http_server.requests == []


def test_it_refuses_localhost(http_server):
    http_server.route("/feed.rss", headers=RSS, body=FEED)
    error = _fetch_error(f"http://localhost:{http_server.port}/feed.rss", kind="rss")
    assert error.message.startswith("refused: localhost resolves to ")
    assert error.message.endswith(", a loopback address")
    assert http_server.requests == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a cloud metadata address"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "refused: fd00:ec2::254 is a cloud metadata address"),
        ("http://100.100.100.200/latest/meta-data/", "refused: 100.100.100.200 is a cloud metadata address"),
        ("http://[::ffff:169.254.169.254]/", "refused: ::ffff:169.254.169.254 is a cloud metadata address"),
        ("http://169.254.10.20/", "refused: 169.254.10.20 is a link-local address"),
        ("http://[fe80::1]/", "refused: fe80::1 is a link-local address"),
    ],
)
def test_it_refuses_metadata_and_link_local_addresses_even_when_private_is_allowed(url, message, allow_private):
    error = _fetch_error(url, kind="html")
    assert error.message == message
    assert not error.transient


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("2002:a00:5::1", "a 6to4 address for 10.0.0.5, a private address"),
        ("2002:7f00:1::1", "a 6to4 address for 127.0.0.1, a loopback address"),
        ("64:ff9b::a00:5", "a NAT64 address for 10.0.0.5, a private address"),
        # Teredo stores the client's address inverted: f5ff:fffa is 10.0.0.5.
        ("2001:0:4136:e378:8000:63bf:f5ff:fffa", "a Teredo address for 10.0.0.5, a private address"),
    ],
)
def test_it_refuses_tunnel_addresses_that_embed_a_private_ipv4_address(monkeypatch, address, reason):
    _fake_dns(monkeypatch, {"feeds.policy.example": [address]})
    error = _fetch_error("https://feeds.policy.example/feed.rss", kind="rss")
    assert error.message == f"refused: feeds.policy.example resolves to {address}, {reason}"


def test_it_refuses_a_6to4_address_for_the_metadata_service_even_when_private_is_allowed(monkeypatch, allow_private):
    _fake_dns(monkeypatch, {"feeds.policy.example": ["2002:a9fe:a9fe::1"]})
    error = _fetch_error("https://feeds.policy.example/feed.rss", kind="rss")
    assert error.message == (
        "refused: feeds.policy.example resolves to 2002:a9fe:a9fe::1, "
        "a 6to4 address for 169.254.169.254, a cloud metadata address"
    )


def test_it_refuses_an_ipv4_mapped_loopback_address(http_server):
    http_server.route("/feed.rss", headers=RSS, body=FEED)
    error = _fetch_error(f"http://[::ffff:127.0.0.1]:{http_server.port}/feed.rss", kind="rss")
    assert error.message == "refused: ::ffff:127.0.0.1 is a loopback address"


@pytest.mark.parametrize(
    ("address", "reason"),
    [("10.0.0.5", "a private address"), ("fd12:3456::1", "a private address"), ("100.64.0.9", "a private address")],
)
def test_it_refuses_a_name_when_any_of_its_addresses_is_private(monkeypatch, address, reason):
    # The public address is never contacted: the refusal comes first, and the guard would fail the test.
    _fake_dns(monkeypatch, {"feeds.policy.example": ["93.184.215.14", address]})
    error = _fetch_error("https://feeds.policy.example/feed.rss", kind="rss")
    assert error.message == f"refused: feeds.policy.example resolves to {address}, {reason}"
    assert not error.transient


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://ftp.policy.example/feed.rss", "javascript:alert(1)", "http:///feed.rss"]
)
def test_it_refuses_urls_that_are_not_http_or_https(url):
    error = _fetch_error(url, kind="rss")
    assert error.message.startswith("refused: ")
    assert not error.transient


def test_it_connects_to_the_address_it_checked(http_server, allow_private, monkeypatch):
    http_server.route("/feed.rss", headers=RSS, body=FEED)
    lookups = _fake_dns(monkeypatch, {"mirror.policy.example": ["127.0.0.1"]})
    result = fetch(f"http://mirror.policy.example:{http_server.port}/feed.rss", kind="rss")
    assert result.content == FEED
    assert result.url == f"http://mirror.policy.example:{http_server.port}/feed.rss"
    assert lookups == ["mirror.policy.example"]
    [(_, headers)] = http_server.requests
    assert headers["Host"] == f"mirror.policy.example:{http_server.port}"


def test_https_is_verified_against_the_host_name_not_the_address(allow_private, monkeypatch):
    # The test certificate names only mirror.policy.example and is the only authority trusted here.
    monkeypatch.setattr(certifi, "where", lambda: str(FIXTURES / "tls-cert.pem"))
    _fake_dns(monkeypatch, {"mirror.policy.example": ["127.0.0.1"], "other.policy.example": ["127.0.0.1"]})
    with FixtureServer(tls=(str(FIXTURES / "tls-cert.pem"), str(FIXTURES / "tls-key.pem"))) as server:
        server.route("/feed.rss", headers=RSS, body=FEED)
        result = fetch(f"https://mirror.policy.example:{server.port}/feed.rss", kind="rss")
        error = _fetch_error(f"https://other.policy.example:{server.port}/feed.rss", kind="rss")
    assert result.content == FEED
    assert "certificate verify failed" in error.message
    assert "other.policy.example" in error.message
