"""The tracker's one safe HTTP fetcher: public http(s) addresses only, bounded in time and size, polite to hosts.

Every source is fetched through `fetch()`; no other module opens connections to the outside world.
"""

import functools
import ipaddress
import math
import socket
import ssl
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from urllib.robotparser import RobotFileParser

import certifi
import httpcore
import httpx
from django.conf import settings
from django.core.cache import cache

KINDS = ("rss", "atom", "federal_register", "html", "pdf")
MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_CACHE_SECONDS = 24 * 60 * 60
# A Retry-After of weeks is a misconfigured server, not a request to stop for weeks.
MAX_BACKOFF_SECONDS = 24 * 60 * 60

# Real feeds are often served as text/plain or octet-stream; the feed parser sniffs the body anyway.
_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/xml",
        "text/xml",
        "application/rdf+xml",
        "text/plain",
        "application/octet-stream",
    }
)
_CONTENT_TYPES = {
    "rss": _FEED_TYPES,
    "atom": _FEED_TYPES,
    "federal_register": frozenset({"application/json"}),
    "html": frozenset({"text/html", "application/xhtml+xml"}),
    "pdf": frozenset({"application/pdf", "application/octet-stream"}),
}
_UNTYPED_KINDS = frozenset({"rss", "atom", "pdf"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address) for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, not in is_private
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    def __init__(
        self, message: str, *, transient: bool = False, retry_after: float | None = None, status: int | None = None
    ):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.retry_after = retry_after
        self.status = status


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    content: bytes
    content_type: str
    charset: str | None
    headers: dict[str, str]
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch(url: str, *, kind: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
    """GET url as a document of the given kind; a 304 comes back as a result, every other failure as FetchError."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    result = _get(
        url,
        kind=kind,
        headers=headers,
        max_bytes=settings.TRACKER_FETCH_MAX_BYTES,
        max_decompressed=settings.TRACKER_FETCH_MAX_DECOMPRESSED_BYTES,
        deadline=time.monotonic() + settings.TRACKER_FETCH_DEADLINE,
    )
    if result.not_modified:
        # Servers may leave the validators off a 304; the caller's stored ones still hold.
        result = replace(result, etag=result.etag or etag, last_modified=result.last_modified or last_modified)
    return result


@functools.lru_cache(maxsize=4)
def _ssl_context(cafile: str) -> ssl.SSLContext:
    """Loading the certificate bundle takes tens of milliseconds: do it once, not on every fetch."""
    return ssl.create_default_context(cafile=cafile)


def _get(
    url: str, *, kind: str | None, headers: dict, max_bytes: int, max_decompressed: int, deadline: float
) -> FetchResult:
    """Follow redirects by hand, checking every hop; kind None (robots.txt) accepts any content type."""
    client_headers = {"User-Agent": settings.TRACKER_USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    transport = _DeadlineTransport(verify=_ssl_context(certifi.where()), deadline=deadline)
    with httpx.Client(headers=client_headers, follow_redirects=False, trust_env=False, transport=transport) as client:
        for _ in range(MAX_REDIRECTS + 1):
            target = _parse(url)
            _wait_for_backoff(target)
            address = _checked_address(target)
            if kind == "html":
                _check_robots(target, deadline=deadline)
            with _transport_errors(url, deadline=deadline):
                response = _send(client, target, address=address, headers=headers, deadline=deadline)
                try:
                    if response.status_code not in _REDIRECTS:
                        return _result(
                            url,
                            response,
                            kind=kind,
                            max_bytes=max_bytes,
                            max_decompressed=max_decompressed,
                            deadline=deadline,
                        )
                    location = response.headers.get("location")
                finally:
                    response.close()
            if not location:
                raise FetchError(f"{url} redirects without a Location header", status=response.status_code)
            try:
                url = str(target.join(location))
            except httpx.InvalidURL:
                raise FetchError(f"{url} redirects to an invalid URL {location!r}") from None
    raise FetchError(f"gave up after {MAX_REDIRECTS} redirects, the last to {url}")


def _parse(url: str) -> httpx.URL:
    try:
        target = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise FetchError(f"refused: {url!r} is not a valid URL") from None
    if target.scheme not in ("http", "https"):
        raise FetchError(f"refused: {url} is not an http or https URL")
    if not target.host:
        raise FetchError(f"refused: {url} has no host name")
    return target


def _send(client: httpx.Client, target: httpx.URL, *, address: str, headers: dict, deadline: float) -> httpx.Response:
    """Connect to the address that was checked, never to a second lookup of the name; TLS still checks the name."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(
            f"gave up on {target} at the {settings.TRACKER_FETCH_DEADLINE}-second deadline", transient=True
        )
    connect = min(settings.TRACKER_FETCH_CONNECT_TIMEOUT, remaining)
    read = min(settings.TRACKER_FETCH_READ_TIMEOUT, remaining)
    request = client.build_request(
        "GET",
        target.copy_with(host=address),
        headers={**headers, "Host": target.netloc.decode("ascii")},
        timeout=httpx.Timeout(connect=connect, read=read, write=read, pool=connect),
        extensions={"sni_hostname": target.raw_host.decode("ascii")} if target.scheme == "https" else {},
    )
    return client.send(request, stream=True)


def _checked_address(target: httpx.URL) -> str:
    """Resolve the host once and refuse it if any of its addresses is one we must not reach."""
    host = target.raw_host.decode("ascii")
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(
            f"could not resolve {host}: {error.strerror}", transient=error.errno == socket.EAI_AGAIN
        ) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        if reason := _refusal(address):
            where = f"{host} is" if address == host else f"{host} resolves to {address},"
            raise FetchError(f"refused: {where} {reason}")
    return addresses[0]


def _refusal(address: str) -> str | None:
    """Why this address must not be fetched from, or None; loopback and private ranges only when allowed.

    A tunnel address (6to4, NAT64, Teredo) reaches the IPv4 address inside it, so that address is judged too."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        for tunnel, inner in _embedded_ipv4(ip):
            if reason := _refusal(str(inner)):
                return f"a {tunnel} address for {inner}, {reason}"
    if ip in _METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        reason = "a loopback address"
    elif ip.is_reserved:
        return "a reserved address"
    elif ip.is_private or ip in _SHARED_ADDRESS_SPACE:
        reason = "a private address"
    elif not ip.is_global:
        return "a reserved address"
    else:
        return None
    return None if settings.TRACKER_FETCH_ALLOW_PRIVATE else reason


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    if ip.sixtofour:
        return [("6to4", ip.sixtofour)]
    if ip in _NAT64:
        return [("NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))]
    if ip.teredo:
        server, client = ip.teredo
        return [("Teredo", client), ("Teredo", server)]
    return []


class _DeadlineStream(httpcore.NetworkStream):
    """A socket whose every read and write waits no later than the deadline. The read timeout alone restarts
    with each packet: a server trickling one header line every 2 seconds held a fetch for 154 s."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float):
        self._stream, self._deadline = stream, deadline

    def _timeout(self, timeout: float | None) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise httpcore.ReadTimeout("the fetch deadline has passed")
        return remaining if timeout is None else min(timeout, remaining)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._timeout(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._timeout(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> "_DeadlineStream":
        stream = self._stream.start_tls(ssl_context, server_hostname, self._timeout(timeout))
        return _DeadlineStream(stream, self._deadline)

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    def __init__(self, deadline: float):
        self._deadline = deadline

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        remaining = max(self._deadline - time.monotonic(), 0.001)
        timeout = remaining if timeout is None else min(timeout, remaining)
        stream = super().connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport over connections that keep to one deadline for the whole exchange, headers included."""

    def __init__(self, *, verify: ssl.SSLContext, deadline: float):
        super().__init__(verify=verify, trust_env=False)
        # httpx has no setting for the network backend: swap in a pool built as its own is, with ours.
        self._pool = httpcore.ConnectionPool(ssl_context=verify, network_backend=_DeadlineBackend(deadline))


@contextmanager
def _transport_errors(url: str, *, deadline: float):
    try:
        yield
    except httpx.TimeoutException as error:
        if time.monotonic() >= deadline - 0.05:
            message = f"gave up on {url} at the {settings.TRACKER_FETCH_DEADLINE}-second deadline"
            raise FetchError(message, transient=True) from error
        raise FetchError(f"timed out fetching {url} ({type(error).__name__})", transient=True) from error
    except httpx.TransportError as error:
        raise FetchError(f"could not fetch {url}: {error or type(error).__name__}", transient=True) from error


def _result(
    url: str, response: httpx.Response, *, kind: str | None, max_bytes: int, max_decompressed: int, deadline: float
) -> FetchResult:
    status = response.status_code
    if status in (429, 503):
        retry_after = _retry_after(response.headers.get("retry-after"))
        if retry_after:
            _back_off(response.request.headers["host"], retry_after)
        raise FetchError(
            f"HTTP {status} {response.reason_phrase} from {url}", transient=True, retry_after=retry_after, status=status
        )
    if status >= 500:
        raise FetchError(f"HTTP {status} {response.reason_phrase} from {url}", transient=True, status=status)
    if status >= 400:
        raise FetchError(f"HTTP {status} {response.reason_phrase} from {url}", status=status)
    if status != 304 and not 200 <= status < 300:
        raise FetchError(f"unexpected HTTP {status} {response.reason_phrase} from {url}", status=status)
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    content = b""
    if status != 304:
        if kind is not None:
            _check_content_type(url, content_type, kind=kind)
        content = _read(url, response, max_bytes=max_bytes, max_decompressed=max_decompressed, deadline=deadline)
    return FetchResult(
        url=url,
        status=status,
        content=content,
        content_type=content_type,
        charset=response.charset_encoding,
        headers=dict(response.headers.items()),
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
    )


def _check_content_type(url: str, content_type: str, *, kind: str) -> None:
    if not content_type and kind in _UNTYPED_KINDS:
        return
    if content_type not in _CONTENT_TYPES[kind]:
        received = content_type or "no Content-Type"
        raise FetchError(f"{url} is {received}, which is not accepted for kind {kind!r}")


def _read(url: str, response: httpx.Response, *, max_bytes: int, max_decompressed: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"refused: {url} is {int(declared):,} bytes, over the download cap of {max_bytes:,} bytes")
    chunks, size = [], 0
    for chunk in response.iter_raw():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"refused: {url} sent more than the download cap of {max_bytes:,} bytes")
        if time.monotonic() > deadline:
            raise FetchError(
                f"gave up on {url} at the {settings.TRACKER_FETCH_DEADLINE}-second deadline", transient=True
            )
        chunks.append(chunk)
    body = b"".join(chunks)
    encodings = [coding.strip().lower() for coding in response.headers.get("content-encoding", "").split(",")]
    for coding in reversed([coding for coding in encodings if coding not in ("", "identity")]):
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise FetchError(f"{url} is sent with Content-Encoding {coding!r}, which the fetcher cannot decode")
        body = _inflate(url, body, limit=max_decompressed)
    if len(body) > max_decompressed:
        raise FetchError(f"refused: {url} is over the decompressed-size cap of {max_decompressed:,} bytes")
    return body


def _inflate(url: str, data: bytes, *, limit: int) -> bytes:
    """Decompress at most limit + 1 bytes, so a small gzip bomb never grows in memory past the cap."""
    # A gzip or zlib header is detected; some servers send "deflate" as a raw stream with neither.
    for wbits in (zlib.MAX_WBITS | 32, -zlib.MAX_WBITS):
        try:
            body = zlib.decompressobj(wbits).decompress(data, limit + 1)
        except zlib.error:
            continue
        if len(body) > limit:
            raise FetchError(f"refused: {url} decompresses to more than the decompressed-size cap of {limit:,} bytes")
        return body
    raise FetchError(f"{url} has a compressed body that does not decompress")


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), capped; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_BACKOFF_SECONDS)


def _backoff_key(host: str) -> str:
    return f"fetch:backoff:{host}"


def _back_off(host: str, seconds: float) -> None:
    cache.set(_backoff_key(host), time.time() + seconds, timeout=math.ceil(seconds))


def _wait_for_backoff(target: httpx.URL) -> None:
    host = target.netloc.decode("ascii")
    until = cache.get(_backoff_key(host))
    if until is not None and (remaining := until - time.time()) > 0:
        raise FetchError(
            f"{host} asked us to wait; not fetching {target} for another {math.ceil(remaining)} s",
            transient=True,
            retry_after=remaining,
        )


def _check_robots(target: httpx.URL, *, deadline: float) -> None:
    origin = f"{target.scheme}://{target.netloc.decode('ascii')}"
    key = f"fetch:robots:{origin}"
    rules = cache.get(key)
    if rules is None:
        try:
            robots = _get(
                f"{origin}/robots.txt",
                kind=None,
                headers={},
                max_bytes=ROBOTS_MAX_BYTES,
                max_decompressed=ROBOTS_MAX_BYTES,
                deadline=deadline,
            )
            rules = robots.content.decode("utf-8", errors="replace")
        except FetchError as error:
            if error.transient:
                return  # allowed this time, and asked again next time
            rules = ""  # a missing or broken robots.txt allows everything
        cache.set(key, rules, timeout=ROBOTS_CACHE_SECONDS)
    parser = RobotFileParser()
    parser.parse(rules.splitlines())
    if not parser.can_fetch(settings.TRACKER_USER_AGENT, str(target)):
        host = target.netloc.decode("ascii")
        raise FetchError(f"robots.txt of {host} disallows {target.raw_path.decode('ascii')}")
