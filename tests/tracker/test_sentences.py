"""One sentence splitter for tagging and figure finding: offsets into the text, legal abbreviations kept inside."""

from tracker.sentences import Sentences, spans


def sentences_of(text: str) -> list[str]:
    return [text[start:end] for start, end in spans(text)]


def test_it_keeps_legal_abbreviations_inside_a_sentence():
    text = "The U.S. office cited Art. 5 and No. 14110, e.g. for clusters. A second rule follows."

    assert sentences_of(text) == [
        "The U.S. office cited Art. 5 and No. 14110, e.g. for clusters.",
        "A second rule follows.",
    ]


def test_it_keeps_an_exponent_broken_off_by_a_full_stop_inside_the_sentence():
    text = "Runs above 10. 25 operations must be notified. Others need not be."

    assert sentences_of(text) == ["Runs above 10. 25 operations must be notified.", "Others need not be."]


def test_it_ends_a_sentence_after_a_number_that_is_not_a_broken_exponent():
    text = "The office has 10. Another 25 join in May."

    assert sentences_of(text) == ["The office has 10.", "Another 25 join in May."]


def test_it_joins_a_wrapped_line_and_ends_a_sentence_at_a_paragraph_or_list_item():
    text = "Heading\n\nA rule that wraps\nonto a second line.\n- first item\n- second item"

    assert sentences_of(text) == [
        "Heading",
        "A rule that wraps\nonto a second line.",
        "- first item",
        "- second item",
    ]


def test_its_offsets_point_into_the_text():
    text = "  First one.   Second one!\n\nThird?  "

    assert spans(text) == [(2, 12), (15, 26), (28, 34)]
    assert spans("   ") == []


def test_it_cuts_a_window_around_a_span_in_a_very_long_sentence():
    text = "word " * 400 + "target " + "word " * 400
    start = text.index("target")

    offset, sentence = Sentences(text).around(start, start + 6, longest=100)

    assert "target" in sentence
    assert len(sentence) <= 100
    assert text[offset:].startswith(sentence)
