"""Sentence boundaries of document text, shared by tagging and figure finding. Sentences are character offsets into
the text (evidence passages and figures point back into it), found once per text and looked up by offset."""

import bisect
import re

# Words a full stop follows without ending the sentence: abbreviations and initials (U.S., e.g., J.).
_ABBREVIATION = re.compile(
    r"(?i:no|nos|art|arts|sec|secs|para|paras|ch|chap|pt|pts|vol|cl|subsec|reg|regs|fig|figs|eq|pp?|ibid|cf|al"
    r"|approx|ca|vs?|mr|mrs|ms|dr|prof|st|jr|sr|inc|ltd|co|corp|llc|dept|govt?|min|max|sen|rep|gen|pub|stat|fed"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
    r"|(?:[A-Za-z]\.)*[A-Za-z]"
)
# A full stop or other end mark, with the quotes or brackets that close on it, then a space; or a line break.
_BREAK = re.compile(r"[.!?]+[\"')\]”’]*(?=\s)|\n")
_WORD_BEFORE_STOP = re.compile(r"[\w.]+\Z")
_NEXT_VISIBLE = re.compile(r"\s*(\S)")
# "10. 25": a PDF's superscript exponent, set apart from its base by a stray full stop.
_BROKEN_EXPONENT = re.compile(r"\s(?:[12]\d|30)(?![\d.,]?\d)")
_LIST_ITEM = re.compile(r"[ \t]*(?:[•▪◦*\-–—]|\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)])\s")
_BLANK_LINE = re.compile(r"[ \t]*(?:\n|\Z)")


def spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the sentences of `text`, trimmed of surrounding space; none for blank text."""
    found, start = [], 0
    for end in [*_breaks(text), len(text)]:
        _add_trimmed(found, text, start, end)
        start = end
    return found


def _add_trimmed(found: list, text: str, first: int, last: int) -> None:
    """Appends (first, last) narrowed past surrounding space, unless nothing but space is left."""
    while first < last and text[first].isspace():
        first += 1
    while last > first and text[last - 1].isspace():
        last -= 1
    if first < last:
        found.append((first, last))


def pieces(text: str, start: int, end: int, longest: int) -> list[tuple[int, int]]:
    """text[start:end] cut at spaces into trimmed pieces of at most `longest` characters (tables, run-on lists)."""
    found = []
    while start < end:
        cut = end if end - start <= longest else text.rfind(" ", start + 1, start + longest)
        cut = cut if cut > start else min(end, start + longest)
        _add_trimmed(found, text, start, cut)
        start = cut
    return found


class Sentences:
    """Sentence boundaries of one text, found on first use and looked up by offset."""

    def __init__(self, text: str):
        self.text = text
        self._breaks: list[int] | None = None

    def around(self, start: int, end: int, *, longest: int) -> tuple[int, str]:
        """The offset and trimmed text of the sentence holding text[start:end]; a sentence longer than `longest`
        is cut to a window around the span."""
        if self._breaks is None:
            self._breaks = _breaks(self.text)
        index = bisect.bisect_right(self._breaks, start)
        first = self._breaks[index - 1] if index else 0
        index = bisect.bisect_left(self._breaks, end)
        last = self._breaks[index] if index < len(self._breaks) else len(self.text)
        if last - first > longest:
            margin = max(0, longest - (end - start)) // 2
            if start - margin > first:
                first = self.text.find(" ", start - margin, start) + 1 or start - margin
            if end + margin < last:
                cut = self.text.rfind(" ", end, end + margin)
                last = cut if cut != -1 else end + margin
        raw = self.text[first:last]
        stripped = raw.lstrip()
        return first + len(raw) - len(stripped), stripped.rstrip()


def _breaks(text: str) -> list[int]:
    """Offsets where one sentence ends and the next may begin."""
    breaks = []
    for mark in _BREAK.finditer(text):
        if mark.group() == "\n":
            if _line_break_ends_sentence(text, mark.start()):
                breaks.append(mark.start())
        elif _stop_ends_sentence(text, mark):
            breaks.append(mark.end())
    return breaks


def _stop_ends_sentence(text: str, mark: re.Match) -> bool:
    following = _NEXT_VISIBLE.match(text, mark.end())
    if following and following.group(1).islower():
        return False  # "approx. five", "e.g. the"
    if mark.group().rstrip("\"')]”’") != ".":
        return True
    word = _WORD_BEFORE_STOP.search(text, max(0, mark.start() - 20), mark.start())
    if not word:
        return True
    if word.group() == "10" and _BROKEN_EXPONENT.match(text, mark.end()):
        return False
    return not _ABBREVIATION.fullmatch(word.group().lstrip("."))


def _line_break_ends_sentence(text: str, index: int) -> bool:
    """Paragraphs, headings followed by a list and list items end sentences; lines wrapped inside one do not."""
    line = text[text.rfind("\n", 0, index) + 1 : index].rstrip()
    if not line or line[-1] in ".!?:;":
        return True
    return bool(_BLANK_LINE.match(text, index + 1) or _LIST_ITEM.match(text, index + 1))
