"""Turn fetched bytes (RSS/Atom feeds, Federal Register API JSON, HTML pages, PDFs) into plain items.

Nothing here touches the network or the database: `parse()` takes the body the fetcher read and returns items,
or raises ParseError when the body is not what the source should serve (a failed fetch, never "no news").
"""

import codecs
import datetime
import html
import io
import json
import re
import time
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXParseException

import feedparser
import pypdf
import trafilatura
from django.conf import settings

MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_PDF_PAGES = 200
# A PDF with less text than this (in all, or per page read) is taken for a scan that needs OCR.
MIN_PDF_TEXT_CHARS = 200
MIN_PDF_CHARS_PER_PAGE = 25
# A page showing less text than this, with a challenge's wording, is taken for a bot check.
SHORT_PAGE_CHARS = 600

FR_EXTRA_FIELDS = (
    "citation",
    "action",
    "dates",
    "effective_on",
    "comments_close_on",
    "signing_date",
    "executive_order_number",
    "docket_ids",
    "raw_text_url",
    "body_html_url",
    "public_inspection_pdf_url",
)


@dataclass(frozen=True)
class ParsedItem:
    external_id: str
    url: str
    title: str
    text: str
    summary: str = ""
    published: datetime.datetime | None = None
    updated: datetime.datetime | None = None
    authors: tuple[str, ...] = ()
    needs_ocr: bool = False
    extra: dict = field(default_factory=dict)
    # The last day of a public comment period (the Federal Register gives it for proposed rules and requests).
    comments_close_on: datetime.date | None = None


@dataclass(frozen=True)
class ParseResult:
    items: list[ParsedItem]
    next_url: str | None = None
    title: str = ""
    # Why each item left out was unusable: the others are kept, the run counts and shows these.
    rejected: tuple[str, ...] = ()


class ParseError(Exception):
    """The body is not usable content (an error page, a bot check, a broken file): count it as a failed fetch."""


class BadItem(Exception):
    """One item of a listing is unusable; the rest of the listing still counts."""


def parse(kind: str, content: bytes, *, url: str, content_type: str = "", charset: str | None = None) -> ParseResult:
    parsers = {
        "rss": _parse_feed,
        "atom": _parse_feed,
        "federal_register": _parse_federal_register,
        "html": _parse_html,
        "pdf": _parse_pdf,
    }
    if kind not in parsers:
        raise ValueError(f"unknown source kind {kind!r}")
    if not content or not content.strip():
        raise ParseError("the response body is empty")
    if content.startswith(b"\x1f\x8b"):
        raise ParseError("the response body is still gzip-compressed")
    result = parsers[kind](content, url=url, content_type=content_type, charset=charset)
    return _capped(
        result, item_chars=settings.TRACKER_PARSE_MAX_ITEM_CHARS, total_chars=settings.TRACKER_PARSE_MAX_CHARS
    )


def _capped(result: ParseResult, *, item_chars: int, total_chars: int) -> ParseResult:
    """Keep at most item_chars of text (and of summary) per item and total_chars over the whole response: items
    past the total are left out as rejected."""
    items, rejected, budget = [], list(result.rejected), total_chars
    for item in result.items:
        if budget <= 0:
            rejected.append(f"{item.external_id[:200]}: over the {total_chars:,}-character cap for one response")
            continue
        text, summary = item.text[: min(item_chars, budget)], item.summary[:item_chars]
        if len(text) < len(item.text):
            item = replace(item, text=text, extra={**item.extra, "text_cut_at_chars": len(text)})
        if len(summary) < len(item.summary):
            item = replace(item, summary=summary)
        budget -= len(text) + len(summary)
        items.append(item)
    return replace(result, items=items, rejected=tuple(rejected))


# Text helpers ---------------------------------------------------------------------------------------------------

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Tags that end a paragraph of the plain text.
# fmt: off
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "tr", "ul",
})
# fmt: on
_HIDDEN_TAGS = frozenset(("script", "style", "noscript", "template", "head"))


def normalise_text(text: str) -> str:
    """Collapse whitespace inside paragraphs and separate paragraphs by one blank line."""
    text = _CONTROL_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n"))
    paragraphs = (" ".join(part.split()) for part in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


def one_line(text: str) -> str:
    return " ".join(_CONTROL_CHARS.sub("", text).split())


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded once, paragraphs kept."""
    if "<" not in markup and "&" not in markup:
        return normalise_text(markup)
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return normalise_text("".join(extractor.parts))


class _HeadScanner(HTMLParser):
    """Reads the <title>, <base href> and <link rel=canonical> of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.base, self.canonical = "", "", ""
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "title" and not self.title:
            self.in_title = True
        elif tag == "base" and not self.base:
            self.base = attrs.get("href", "").strip()
        elif tag == "link" and "canonical" in attrs.get("rel", "").lower().split() and not self.canonical:
            self.canonical = attrs.get("href", "").strip()

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data


def _scan_head(markup: str) -> _HeadScanner:
    scanner = _HeadScanner()
    end = re.search(r"</head\s*>", markup, re.I)
    scanner.feed(markup[: end.end()] if end else markup)
    scanner.close()
    scanner.title = one_line(scanner.title)
    return scanner


def _http_url(href: str, base: str) -> str:
    """`href` made absolute against `base`, or "" unless it is an http(s) address."""
    if not href:
        return ""
    try:
        absolute = urljoin(base, href.strip())
        parts = urlsplit(absolute)
    except ValueError:  # "http://[oops/": an unclosed IPv6 bracket
        return ""
    return absolute if parts.scheme in ("http", "https") and parts.netloc else ""


# Decoding ---------------------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# As browsers do, labels for Latin-1 and ASCII mean windows-1252.
_ENCODING_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252"}
_DECLARED_CHARSET = re.compile(rb"""<\?xml[^>]*?encoding=["']([\w.:-]+)|<meta[^>]*?charset=["']?([\w.:-]+)""", re.I)


def charset_from_content_type(content_type: str) -> str | None:
    match = re.search(r"""charset\s*=\s*["']?([\w.:-]+)""", content_type or "", re.I)
    return match.group(1) if match else None


def decode(content: bytes, *, content_type: str = "", charset: str | None = None) -> str:
    """Bytes to text: BOM, then the given charset, then the one the document declares, then UTF-8, then
    windows-1252 (the usual truth behind a wrong UTF-8 label), and at worst UTF-8 with replacement characters."""
    candidates = [encoding for bom, encoding in _BOMS if content.startswith(bom)][:1]
    declared = _DECLARED_CHARSET.search(content[:4096])
    candidates += [charset, charset_from_content_type(content_type), declared and (declared[1] or declared[2]), "utf-8"]
    for candidate in candidates:
        if not candidate:
            continue
        name = candidate.decode("ascii") if isinstance(candidate, bytes) else candidate
        try:
            return content.decode(_ENCODING_ALIASES.get(name.lower(), name))
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        return content.decode("utf-8", errors="replace")


# Dates ------------------------------------------------------------------------------------------------------------


def _from_struct(value: time.struct_time | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        return datetime.datetime(*value[:5], min(value[5], 59), tzinfo=datetime.UTC)
    except (TypeError, ValueError):
        return None


def _from_iso(value) -> datetime.datetime | None:
    """A date or datetime string as aware UTC; a bare date is midnight UTC."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=datetime.UTC)
    return parsed.astimezone(datetime.UTC)


def _to_utc(value) -> datetime.datetime | None:
    if not isinstance(value, datetime.datetime):
        return None
    return value.replace(tzinfo=datetime.UTC) if value.tzinfo is None else value.astimezone(datetime.UTC)


# Bot checks -------------------------------------------------------------------------------------------------------

_BOT_TITLE = re.compile(
    r"^\s*(just a moment|attention required|access denied|checking your browser|please wait|security check"
    r"|verify(ing)? (that )?you are (a )?human|are you a (ro)?bot|ddos-guard|bot verification|captcha)",
    re.I,
)
_BOT_WORDS = re.compile(
    r"checking your browser|enable javascript and cookies|verify (that )?you are (a )?human|captcha|access denied"
    r"|attention required|just a moment|cf-chl|challenge-platform|are you a robot",
    re.I,
)


def _bot_check(markup: str) -> str | None:
    """Why the page looks like an anti-bot challenge rather than content, or None.

    The wording alone is not enough (a real page may say "captcha" in a form): a challenge also shows almost
    no text."""
    title = _scan_head(markup).title
    match = _BOT_TITLE.search(title) or _BOT_WORDS.search(markup)
    if not match or len(html_to_text(markup)) >= SHORT_PAGE_CHARS:
        return None
    return f'titled "{title}"' if _BOT_TITLE.search(title) else f'saying "{match.group(0)}"'


def _raise_if_bot_check(markup: str, what: str) -> None:
    if reason := _bot_check(markup):
        raise ParseError(f"got a bot check page ({reason}) instead of the {what}")


def _looks_like_html(content: bytes) -> bool:
    head = content[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<head" in head or b"<body" in head


# Feeds ------------------------------------------------------------------------------------------------------------

_ARXIV_VERSIONED = re.compile(r"^(https?://arxiv\.org/abs/.+?)v(\d+)$")
_EMAIL_WITH_NAME = re.compile(r"^\S+@\S+\s+\((.+)\)$")
_LEFTOVER_TAG = re.compile(r"</?(?:p|br|div|span|a|em|strong|ul|ol|li|h[1-6])(?:\s[^>]*)?/?>", re.I)
_CLOSED_ENTRY = re.compile(rb"</(?:\w+:)?(?:item|entry)\s*>", re.I)
# Bozo reasons about the label, not the markup: the parse itself is sound.
_HARMLESS_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def _feed_text(detail) -> str:
    """Plain text of a feed text construct; plain-text values are still unescaped once (double-escaped titles)."""
    if not detail:
        return ""
    value = detail.get("value") or ""
    if "html" not in (detail.get("type") or ""):
        return normalise_text(html.unescape(value))
    text = html_to_text(value)
    # Some publishers escape their HTML twice: what was stripped once still shows tags.
    return html_to_text(text) if _LEFTOVER_TAG.search(text) else text


def _entry_url(entry, base: str) -> str:
    links = entry.get("links") or []
    # The first alternate, not entry.link (the last one): arXiv lists the abstract page before the PDF.
    hrefs = [link.get("href") for link in links if link.get("rel", "alternate") == "alternate"]
    for href in [*hrefs, entry.get("link")]:
        if url := _http_url(href or "", base):
            return url
    # A guid is an address only when the feed says it is a permalink (isPermaLink absent or true), and then it must
    # be absolute: an id such as "b1" made absolute against the feed's address is a page that does not exist.
    if entry.get("guidislink"):
        return _http_url(entry.get("id") or "", "")
    return ""


def _authors(element) -> tuple[str, ...]:
    names = []
    for author in element.get("authors") or []:
        name = one_line(author.get("name") or "")
        if match := _EMAIL_WITH_NAME.match(name):
            name = match.group(1)
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _feed_item(entry, base: str, feed_authors: tuple[str, ...]) -> ParsedItem:
    url = _entry_url(entry, base)
    if not url:
        link = (entry.get("link") or "").strip()
        if link:
            raise BadItem(f"its address {link[:200]!r} is not an http or https URL")
        raise BadItem("it has no http or https address")
    extra = {}
    external_id = one_line(entry.get("id") or "") or url
    if match := _ARXIV_VERSIONED.match(external_id):
        # Each arXiv version is the same paper: one id, and a new version is an update.
        external_id, extra["arxiv_version"] = match.group(1), int(match.group(2))
    title = _feed_text(entry.get("title_detail")) or one_line(entry.get("title") or "")
    summary = _feed_text(entry.get("summary_detail"))
    contents = entry.get("content") or []
    text = (_feed_text(contents[0]) if contents else "") or summary or title
    if categories := [tag["term"] for tag in entry.get("tags") or [] if tag.get("term")]:
        extra["categories"] = categories
    # dict.get: FeedParserDict would otherwise answer `updated_parsed` with the published date.
    published = _from_struct(dict.get(entry, "published_parsed"))
    updated = _from_struct(dict.get(entry, "updated_parsed"))
    return ParsedItem(
        external_id=external_id,
        url=url,
        title=" ".join(title.split()),
        text=text,
        summary=summary,
        published=published or updated,
        updated=updated,
        authors=_authors(entry) or feed_authors,
        extra=extra,
    )


def _refuse_error_entries(entries) -> None:
    for entry in entries:
        title = one_line(entry.get("title") or "")
        if title.lower() == "this feed has ended":
            replacement = entry.get("link") or ""
            raise ParseError(
                "the publisher has ended this feed" + (f"; it points to {replacement}" if replacement else "")
            )
        if "/api/errors" in (entry.get("id") or "") or (title.lower() == "error" and len(entries) == 1):
            detail = one_line(html_to_text(entry.get("summary") or "")) or title
            raise ParseError(f"the feed returned an error entry: {detail}")


# A DOCTYPE with its internal subset, in the prolog; a "]>" inside an entity's value ends it early, and the rest of
# the declaration is then caught by the check for entity declarations that follows.
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(?:\[.*?\]\s*)?>", re.S)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z]")
_ENTITY_DECLARATION = tuple(
    "<!ENTITY".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)


def _without_doctype(content: bytes) -> bytes:
    """The feed without its DOCTYPE. Entities declared there would be expanded, by expat or else by feedparser's
    loose parser: a 10 KB entity named 30,000 times turned a 160 KB feed into 300 million characters."""
    first = _FIRST_ELEMENT.search(content)
    end = first.start() if first else len(content)
    content = _DOCTYPE.sub(b"", content[:end], count=1) + content[end:]
    if any(declaration in content for declaration in _ENTITY_DECLARATION):
        raise ParseError("the feed declares XML entities, which are refused (they can expand without bound)")
    return content


def _parse_feed(content: bytes, *, url: str, content_type: str, charset: str | None) -> ParseResult:
    content = _without_doctype(content)
    headers = {"content-location": url}
    if charset and not charset_from_content_type(content_type):
        content_type = f"{content_type or 'application/xml'}; charset={charset}"
    if content_type:
        headers["content-type"] = content_type
    # A stream, not bytes: feedparser would try bytes as a local file name first.
    data = feedparser.parse(io.BytesIO(content), response_headers=headers)
    entries = list(data.entries)
    problem = data.get("bozo_exception") if data.bozo else None
    if not data.version and not entries:
        if _looks_like_html(content):
            markup = decode(content, content_type=content_type, charset=charset)
            _raise_if_bot_check(markup, what="feed")
            title = _scan_head(markup).title
            raise ParseError("not a feed: got an HTML page" + (f' titled "{title}"' if title else ""))
        raise ParseError(f"not a feed: {problem or 'no RSS or Atom found'}")
    if isinstance(problem, SAXParseException) and not _wide_encoding(data):
        # A cut-off download: the entry still open at the cut is incomplete, keep only the closed ones.
        entries = entries[: len(_CLOSED_ENTRY.findall(content))]
    _refuse_error_entries(entries)
    feed_authors = _authors(data.feed)
    items, rejected = [], []
    for entry in entries:
        try:
            items.append(_feed_item(entry, url, feed_authors))
        except BadItem as error:
            name = one_line(entry.get("id") or "") or one_line(entry.get("title") or "") or "an entry"
            rejected.append(f"{name[:200]}: {error}")
    if not items:
        if entries:
            raise ParseError(f"none of the feed's {len(entries)} entries has a usable link" + _because(problem))
        if error := data.feed.get("error"):
            raise ParseError(f"the feed reports an error: {one_line(str(error))}")
        if problem and not isinstance(problem, _HARMLESS_BOZO):
            raise ParseError("malformed feed with no usable entries" + _because(problem))
    return ParseResult(items=items, title=one_line(_feed_text(data.feed.get("title_detail"))), rejected=tuple(rejected))


def _wide_encoding(data) -> bool:
    return (data.get("encoding") or "").lower().replace("-", "").startswith(("utf16", "utf32"))


def _because(problem) -> str:
    return f" ({one_line(str(problem))})" if problem else ""


# Federal Register -------------------------------------------------------------------------------------------------


def _fr_error(data: dict) -> str | None:
    errors = data.get("errors")
    if isinstance(errors, dict):
        return "; ".join(f"{name} {one_line(str(problem))}" for name, problem in errors.items()) or "unknown error"
    if errors:
        return one_line(str(errors))
    status = data.get("status")
    if (isinstance(status, int) and status >= 400) or (data.get("message") and "results" not in data):
        return f"{one_line(str(data.get('message') or 'no message'))} (status {status or 'unknown'})"
    return None


def _fr_excerpts(value) -> str:
    if isinstance(value, list):
        value = "\n\n".join(str(part) for part in value)
    return html_to_text(value) if isinstance(value, str) else ""


def _fr_string(record: dict, key: str) -> str:
    """A text field of an API record: a number is taken as its digits, any other non-text value rejects the item."""
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise BadItem(f"{key} is a JSON {type(value).__name__}, not text")


def _fr_item(document: dict) -> ParsedItem:
    number = one_line(_fr_string(document, "document_number"))
    if not number:
        raise BadItem("it has no document_number")
    title = one_line(_fr_string(document, "title"))
    abstract = html_to_text(_fr_string(document, "abstract"))
    body = next((document[key] for key in ("raw_text", "body") if isinstance(document.get(key), str)), "")
    if body:
        text = html_to_text(body)
    else:
        text = "\n\n".join(part for part in (abstract, _fr_excerpts(document.get("excerpts"))) if part)
    agencies = document.get("agencies") or []
    if not isinstance(agencies, list):
        raise BadItem(f"agencies is a JSON {type(agencies).__name__}, not a list")
    names = [
        one_line(_fr_string(agency, "name") or _fr_string(agency, "raw_name"))
        for agency in agencies
        if isinstance(agency, dict)
    ]
    extra = {
        "document_number": number,
        "type": _fr_string(document, "type"),
        "agencies": [name for name in names if name],
        "pdf_url": _fr_string(document, "pdf_url"),
    }
    extra.update({key: document[key] for key in FR_EXTRA_FIELDS if document.get(key) not in (None, "", [])})
    return ParsedItem(
        external_id=number,
        url=_fr_string(document, "html_url") or f"https://www.federalregister.gov/d/{number}",
        title=title or number,
        text=text or title,
        summary=abstract,
        published=_fr_date(document),
        extra=extra,
        comments_close_on=_fr_day(document, "comments_close_on"),
    )


def _fr_day(document: dict, key: str) -> datetime.date | None:
    """A calendar date field (YYYY-MM-DD); one that is not a date is left out and the item kept, since the document is
    worth more than its deadline."""
    value = document.get(key)
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _fr_date(document: dict) -> datetime.datetime | None:
    """The publication date; one that is there but is no date rejects the item (a fetch time in its place would sort
    junk as the newest document)."""
    value = document.get("publication_date")
    if value in (None, ""):
        return None
    published = _from_iso(value)
    if published is None:
        raise BadItem(f"publication_date {str(value)[:40]!r} is not a date")
    return published


def _parse_federal_register(content: bytes, *, url: str, content_type: str, charset: str | None) -> ParseResult:
    body = decode(content, content_type=content_type, charset=charset)
    try:
        data = json.loads(body)
    except RecursionError:
        raise ParseError("the Federal Register API response is nested too deeply to be a result page") from None
    except ValueError as error:
        if _looks_like_html(content):
            _raise_if_bot_check(body, what="Federal Register API response")
            raise ParseError("the Federal Register API answered with an HTML page, not JSON") from None
        raise ParseError(f"the Federal Register API response is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise ParseError("the Federal Register API response is not a JSON object")
    if message := _fr_error(data):
        raise ParseError(f"Federal Register API error: {message}")
    if "results" in data or "count" in data:
        documents = data.get("results") or []
    elif "document_number" in data:
        documents = [data]
    else:
        raise ParseError("the Federal Register API response has neither results nor a document")
    if not isinstance(documents, list):
        raise ParseError("the Federal Register API response's results are not a list")
    items, rejected = [], []
    for position, document in enumerate(documents, start=1):
        try:
            if not isinstance(document, dict):
                raise BadItem(f"it is a JSON {type(document).__name__}, not an object")
            items.append(_fr_item(document))
        except (BadItem, TypeError, ValueError, OverflowError) as error:
            number = document.get("document_number") if isinstance(document, dict) else None
            name = f"{one_line(number)} (result {position})" if isinstance(number, str) else f"result {position}"
            rejected.append(f"{name}: {error}")
    next_url = data.get("next_page_url")
    return ParseResult(
        items=items,
        next_url=next_url if isinstance(next_url, str) and next_url else None,
        title=one_line(str(data.get("description") or "")),
        rejected=tuple(rejected),
    )


# HTML pages -------------------------------------------------------------------------------------------------------


def _canonical(head: _HeadScanner, url: str) -> str:
    """The page's canonical address, unless it is missing or merely the site's home page."""
    canonical = _http_url(head.canonical, _http_url(head.base, url) or url)
    if not canonical:
        return url
    # A canonical pointing every page at the home page would merge all pages into one document.
    if urlsplit(canonical).path.strip("/") == "" and urlsplit(url).path.strip("/") != "":
        return url
    return canonical


def _parse_html(content: bytes, *, url: str, content_type: str, charset: str | None) -> ParseResult:
    markup = decode(content, content_type=content_type, charset=charset)
    _raise_if_bot_check(markup, what="page")
    head = _scan_head(markup)
    try:
        document = trafilatura.bare_extraction(
            markup, url=url, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception as error:  # hostile markup can break the extractor in many ways
        raise ParseError(f"could not extract the page's text ({type(error).__name__}: {error})") from None
    lines = (document.text or "").splitlines() if document else []
    text = normalise_text("\n\n".join(lines))
    if not text:
        raise ParseError("no main text found on the page")
    canonical = _canonical(head, url)
    title = one_line(document.title or "") or head.title or canonical
    authors = tuple(name for name in (one_line(part) for part in (document.author or "").split(";")) if name)
    extra = {"fetched_url": url} if canonical != url else {}
    if document.sitename:
        extra["site"] = document.sitename
    item = ParsedItem(
        external_id=canonical,
        url=canonical,
        title=title,
        text=text,
        summary=one_line(document.description or ""),
        published=_from_iso(document.date),
        authors=authors,
        extra=extra,
    )
    return ParseResult(items=[item], title=head.title or title)


# PDFs -------------------------------------------------------------------------------------------------------------

_FILE_LIKE_TITLE = re.compile(r"^(microsoft word - |untitled)|\.(docx?|pdf|indd|tex)$", re.I)


def _pdf_paragraphs(page_text: str) -> str:
    """Rejoin a page's lines into paragraphs: a line clearly shorter than the longest ones ends a paragraph."""
    lines = [line.strip() for line in page_text.splitlines()]
    width = max((len(line) for line in lines), default=0)
    paragraphs, current = [], ""
    for line in lines:
        if line:
            current = current + line if current.endswith("-") else f"{current} {line}".strip()
        if current and (not line or len(line) < 0.75 * width):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _open_pdf(content: bytes) -> pypdf.PdfReader:
    reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted:
        try:
            unlocked = reader.decrypt("")
        except pypdf.errors.DependencyError:
            raise ParseError("the PDF is encrypted (AES) and cannot be decrypted here") from None
        if not unlocked:
            raise ParseError("the PDF is password-protected")
    return reader


def _parse_pdf(content: bytes, *, url: str, content_type: str, charset: str | None) -> ParseResult:
    if len(content) > MAX_PDF_BYTES:
        raise ParseError(f"the PDF is {len(content) / 1024 / 1024:.1f} MB, over the {MAX_PDF_BYTES // 2**20} MB limit")
    if b"%PDF-" not in content[:1024]:
        if _looks_like_html(content):
            _raise_if_bot_check(decode(content, content_type=content_type, charset=charset), what="PDF")
            raise ParseError("not a PDF: got an HTML page")
        raise ParseError(f"not a PDF: the file starts with {content[:16]!r}")
    unreadable = []
    try:
        reader = _open_pdf(content)
        page_count = len(reader.pages)
        pages = []
        for number, page in enumerate(reader.pages[:MAX_PDF_PAGES], start=1):
            try:
                pages.append(_pdf_paragraphs(page.extract_text() or ""))
            except Exception:  # one damaged page should not cost the rest of the document
                unreadable.append(number)
        metadata = reader.metadata or {}
    except ParseError:
        raise
    except Exception as error:  # pypdf raises many kinds of errors on damaged files
        raise ParseError(f"unreadable PDF ({type(error).__name__}: {error})") from None
    if not page_count:
        raise ParseError("the PDF has no pages")
    text = normalise_text("\n\n".join(pages))
    pages_read = min(page_count, MAX_PDF_PAGES)
    needs_ocr = len(text) < max(MIN_PDF_TEXT_CHARS, MIN_PDF_CHARS_PER_PAGE * pages_read)
    extra = {"pages": page_count, "pdf_url": url}
    if page_count > MAX_PDF_PAGES:
        extra["truncated_after_page"] = MAX_PDF_PAGES
    if unreadable:
        extra["unreadable_pages"] = unreadable
    meta_title = one_line(_meta(metadata, "title"))
    if not meta_title or _FILE_LIKE_TITLE.search(meta_title):
        meta_title = next((line[:200] for line in text.split("\n\n") if line), "")
    author = _meta(metadata, "author")
    item = ParsedItem(
        external_id=url,
        url=url,
        title=meta_title or urlsplit(url).path.rsplit("/", 1)[-1] or url,
        text=text,
        summary=one_line(_meta(metadata, "subject")),
        published=_pdf_date(metadata, "creation_date"),
        updated=_pdf_date(metadata, "modification_date"),
        authors=tuple(name for name in (one_line(part) for part in author.split(";")) if name),
        needs_ocr=needs_ocr,
        extra=extra,
    )
    return ParseResult(items=[item], title=item.title)


def _meta(metadata, name: str) -> str:
    try:
        value = getattr(metadata, name, None)
    except Exception:  # metadata values in damaged files may not decode
        return ""
    return value if isinstance(value, str) else ""


def _pdf_date(metadata, name: str) -> datetime.datetime | None:
    try:
        return _to_utc(getattr(metadata, name, None))
    except Exception:  # pypdf raises on malformed D:... date strings
        return None
