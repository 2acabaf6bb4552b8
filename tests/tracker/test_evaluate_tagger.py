"""`manage.py evaluate_tagger` as a user runs it: figures on a small corpus, and a clear refusal of bad input."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.tracker.test_tagging import BIOWEAPON_UPLIFT, DEEPFAKE_FRAUD, FRONTIER_EVALUATION, PROCUREMENT, RACE_AND_JOBS

PARTNERSHIPS = (
    "The competition authority is examining whether the largest cloud providers use exclusive deals with AI model "
    "developers to entrench their market power. It fears that a few dominant firms could foreclose rivals and reduce "
    "competition in foundation models. Antitrust remedies are under consideration."
)
# The tagger labels these texts alignment, human_misuse, natural_selection, none, alignment and human_misuse (a
# dangerous-capability evaluation), and natural_selection; the hand labels differ on three of them, so by hand:
#   alignment:         1 true positive, 1 false positive,  1 false negative -> P 0.5, R 0.5, F1 0.5
#   human_misuse:      1 true positive, 1 false positive,  0 false negatives -> P 0.5, R 1.0, F1 2/3
#   natural_selection: 2 true positives, 0 false positives, 1 false negative -> P 1.0, R 2/3, F1 0.8
#   macro F1 = (0.5 + 2/3 + 0.8) / 3 = 0.6556
CORPUS = [
    {"title": "Pre-release evaluation", "text": FRONTIER_EVALUATION, "labels": ["alignment"]},
    {"title": "Voice-clone fraud", "text": DEEPFAKE_FRAUD, "labels": ["human_misuse", "natural_selection"]},
    {"title": "Race and jobs", "text": RACE_AND_JOBS, "labels": ["natural_selection"]},
    {"title": "Buying software", "text": PROCUREMENT, "labels": ["alignment"]},
    {"title": "Lab report", "text": BIOWEAPON_UPLIFT, "labels": []},
    {"text": PARTNERSHIPS, "labels": ["natural_selection"]},
]


def _write(tmp_path, lines) -> str:
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return str(path)


def _run(*args) -> str:
    out = io.StringIO()
    call_command("evaluate_tagger", *args, stdout=out)
    return out.getvalue()


def test_json_gives_per_category_figures_macro_f1_and_speed(tmp_path):
    figures = json.loads(_run(_write(tmp_path, CORPUS), "--json"))

    assert set(figures) == {"categories", "macro_f1", "docs", "docs_per_second"}
    assert figures["categories"] == {
        "alignment": {"precision": 0.5, "recall": 0.5, "f1": 0.5},
        "human_misuse": {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3, abs=1e-4)},
        "natural_selection": {"precision": 1.0, "recall": pytest.approx(2 / 3, abs=1e-4), "f1": 0.8},
    }
    assert figures["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0.8) / 3, abs=1e-4)
    assert figures["docs"] == 6
    assert figures["docs_per_second"] > 0


def test_the_table_shows_each_category_and_the_macro_f1(tmp_path):
    table = _run(_write(tmp_path, CORPUS))

    assert "natural_selection" in table and "1.000     0.667     0.800" in table
    assert "macro F1" in table and "0.656" in table
    assert "6 documents" in table


def test_it_refuses_a_line_that_is_not_json_naming_the_line(tmp_path):
    path = _write(tmp_path, [CORPUS[0], "{not json", CORPUS[2]])

    with pytest.raises(CommandError, match=r"line 2: not valid JSON"):
        _run(path)


def test_it_refuses_a_line_without_labels_naming_the_line(tmp_path):
    path = _write(tmp_path, [CORPUS[0], CORPUS[1], {"title": "No labels", "text": "Some text."}])

    with pytest.raises(CommandError, match=r"line 3: needs a string 'text' and a list 'labels'"):
        _run(path)


def test_it_refuses_an_unknown_label_naming_the_line(tmp_path):
    path = _write(tmp_path, [{"text": "Some text.", "labels": ["alignment", "climate"]}])

    with pytest.raises(CommandError, match=r"line 1: unknown label 'climate'"):
        _run(path)


def test_it_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        _run(str(tmp_path / "missing.jsonl"))
