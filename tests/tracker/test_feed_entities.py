"""Entity declarations in feeds: a small feed must not expand into hundreds of megabytes of text, and the text kept
from one response is capped."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.parsing import ParseError, parse

ROOT = Path(__file__).resolve().parents[2]
FEED_URL = "https://feeds.example.net/ai/news.xml"


def _feed(prolog: str, description: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n{prolog}\n<rss version="2.0"><channel><title>Office news</title>'
        "<link>https://office.example.gov/</link><item><guid>n-1</guid><title>Office sets out testing rules</title>"
        f"<link>https://office.example.gov/n-1</link><description>{description}</description></item>"
        "</channel></rss>"
    ).encode()


# A 10 KB entity named 30,000 times in a 160 KB feed: 300 million characters once expanded.
EXPANSION_FEED = _feed('<!DOCTYPE rss [\n<!ENTITY big "' + "policy " * 1430 + '">\n]>', "&big;" * 30000)

_MEASURE = """
import json, sys, time, tracemalloc
from tracker.parsing import parse
feed = sys.stdin.buffer.read()
def lengths():
    try:
        return [len(item.text) for item in parse("rss", feed, url="https://feeds.example.net/ai/news.xml").items]
    except Exception as error:
        return f"{type(error).__name__}: {error}"
start = time.monotonic()
outcome = lengths()
seconds = time.monotonic() - start
# Again under tracemalloc, which slows Python down several times: its peak is what the parse allocated.
tracemalloc.start()
lengths()
traced = tracemalloc.get_traced_memory()[1]
# VmHWM, the process's peak resident memory: unlike ru_maxrss it does not carry over pytest's own across exec.
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
rss = int(status["VmHWM"].split()[0]) * 1024
print(json.dumps({"outcome": outcome, "seconds": seconds, "traced": traced, "rss": rss}))
"""


def test_an_entity_expansion_feed_stays_small_in_time_and_memory():
    """In a fresh process, so the peak is this parse's alone; before the DOCTYPE was dropped it took 38 s and
    3.5 GB, which the timeout below turns into a failure."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "config.settings"}
    finished = subprocess.run(
        [sys.executable, "-c", _MEASURE],
        input=EXPANSION_FEED,
        capture_output=True,
        cwd=ROOT,
        env=environment,
        timeout=20,
        check=True,
    )
    measured = json.loads(finished.stdout)
    assert measured["outcome"] == [len("&big") * 30000]  # the references are left as text, never expanded
    assert measured["traced"] < 20 * 2**20
    assert measured["rss"] < 200 * 2**20
    assert measured["seconds"] < 5


def test_a_harmless_doctype_no_longer_stops_a_feed():
    feed = _feed(
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/rss-0.91.dtd" '
        '[\n<!ENTITY nbsp "&#160;">\n]>',
        "Drafts are open&nbsp;for comment.",
    )
    [item] = parse("rss", feed, url=FEED_URL).items
    assert item.text == "Drafts are open for comment."


def test_an_entity_declaration_left_after_the_doctype_is_refused():
    # "]>" inside the entity's value ends the DOCTYPE early; the declaration after it must not slip through.
    feed = _feed('<!DOCTYPE rss [\n<!ENTITY trick "]>">\n<!ENTITY big "' + "x" * 100 + '">\n]>', "&big;")
    with pytest.raises(ParseError, match="the feed declares XML entities"):
        parse("rss", feed, url=FEED_URL)


def test_entity_declarations_in_a_utf16_feed_are_refused():
    feed = EXPANSION_FEED.decode().replace('version="1.0"', 'version="1.0" encoding="utf-16"').encode("utf-16")
    with pytest.raises(ParseError, match="the feed declares XML entities"):
        parse("rss", feed, url=FEED_URL)


def test_text_is_capped_per_item_and_per_response(settings):
    # Each item's summary is its 1,799-character description too: the first item takes 2,000 of the 2,500.
    settings.TRACKER_PARSE_MAX_ITEM_CHARS, settings.TRACKER_PARSE_MAX_CHARS = 1000, 2500
    items = "".join(
        f"<item><guid>https://office.example.gov/n-{n}</guid><title>Notice {n}</title><link>https://office.example.gov/n-{n}</link>"
        f"<description>{'rules ' * 300}</description></item>"
        for n in range(1, 4)
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    result = parse("rss", feed, url=FEED_URL)
    assert [(item.title, len(item.text)) for item in result.items] == [("Notice 1", 1000), ("Notice 2", 500)]
    assert result.items[0].extra["text_cut_at_chars"] == 1000
    assert result.rejected == ("https://office.example.gov/n-3: over the 2,500-character cap for one response",)
