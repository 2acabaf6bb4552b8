"""`manage.py train_tagger` as a maintainer runs it: cross-validated figures printed, a model file that tags."""

import io
import json
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.vocabulary import ChallengeCode
from tests.tracker import factories
from tracker.ingesting import upsert_item
from tracker.models import DocumentTag, TagOrigin
from tracker.tagging import Model

ALIGNMENT = [
    "The lab tested whether its newest model would try to switch off its own monitoring when given an open task.",
    "Researchers study how to make a capable AI system follow its developers' intent even under pressure.",
    "A safety case must show that the model cannot copy its weights or deceive the people who evaluate it.",
    "Interpretability work looks inside the network to find goals the system hides from its overseers.",
]
MISUSE = [
    "Criminals used a cloned voice to trick a bank clerk into paying a fake invoice of two million euros.",
    "The chatbot refused to explain how to grow a dangerous virus after red-teamers asked for weapon recipes.",
    "Election officials traced a wave of fake videos of candidates to an AI tool run by a foreign agency.",
    "Export rules now stop advanced chips from reaching armed groups that want to build autonomous weapons.",
]
SELECTION = [
    "Two nations race to deploy AI first and cut safety rules so their firms do not fall behind rivals.",
    "Call centres replaced half their staff with AI agents, and economists expect more jobs to disappear.",
    "AI agents now trade with each other in markets faster than any human regulator can follow.",
    "As firms hand decisions to automated systems, people slowly lose any say over how institutions work.",
]
NONE = [
    "The council resurfaced the road by the school and will repaint the crossing in the spring.",
    "Farmers may apply for grants to buy software that forecasts rainfall for their fields.",
    "The library extends its opening hours on weekends from next month.",
    "Suppliers must send invoices within thirty days and name a contact person for each order.",
]


def _corpus(tmp_path) -> str:
    labelled = ((ALIGNMENT, ["alignment"]), (MISUSE, ["human_misuse"]), (SELECTION, ["natural_selection"]), (NONE, []))
    rows = [{"title": "", "text": text, "labels": labels} for texts, labels in labelled for text in texts]
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return str(path)


def _train(*args) -> str:
    out = io.StringIO()
    call_command("train_tagger", *args, stdout=out)
    return out.getvalue()


def test_it_prints_cross_validated_figures_per_category_and_writes_the_model(tmp_path):
    output = tmp_path / "model.json"

    printed = _train(_corpus(tmp_path), "--folds", "2", "--output", str(output))

    assert printed.startswith("2-fold cross-validation (nested), 16 documents\n")
    for code in ChallengeCode.values:
        assert f"\n{code:<20}" in printed
    assert "macro F1" in printed
    stored = json.loads(output.read_text())
    assert f"Wrote model {stored['version']} to {output}" in printed
    assert stored["data"]["documents"] == 16 and len(stored["data"]["sha256"]) == 64
    assert stored["trained_at"] and stored["cross_validation"]["folds"] == 2
    assert set(stored["cross_validation"]["categories"]) == set(ChallengeCode.values)


def test_the_model_it_writes_tags_texts(tmp_path):
    output = tmp_path / "model.json"
    _train(_corpus(tmp_path), "--folds", "2", "--output", str(output))

    tags = Model.load(output).tag("A thief used a cloned voice of the boss to get the bank to pay a fake invoice.")

    assert [t.category for t in tags] == list(ChallengeCode.values)
    assert all(0 <= t.score <= 1 for t in tags)


def test_the_same_training_gives_the_same_version_and_other_data_another(tmp_path):
    first, second, third = tmp_path / "1.json", tmp_path / "2.json", tmp_path / "3.json"
    corpus = _corpus(tmp_path)
    _train(corpus, "--folds", "2", "--output", str(first))
    _train(corpus, "--folds", "2", "--output", str(second))
    _train(corpus, corpus, "--folds", "2", "--output", str(third))

    versions = [json.loads(path.read_text())["version"] for path in (first, second, third)]

    assert versions[0] == versions[1] != versions[2]


@pytest.mark.django_db
def test_with_corrections_a_persons_labels_join_the_training_data(tmp_path):
    document, _ = upsert_item(
        source=factories.source(), item=factories.item(text="A firm used AI to fake a rival's product reviews.")
    )
    DocumentTag.objects.create(
        document=document, category_id="human_misuse", origin=TagOrigin.PERSON, labelled=True, score=1
    )
    output = tmp_path / "model.json"

    printed = _train(_corpus(tmp_path), "--with-corrections", "--folds", "2", "--output", str(output))

    assert "17 documents" in printed
    assert json.loads(output.read_text())["data"]["documents"] == 17


def test_it_refuses_a_single_fold(tmp_path):
    with pytest.raises(CommandError, match="--folds must be at least 2"):
        _train(_corpus(tmp_path), "--folds", "1", "--output", str(tmp_path / "model.json"))


def test_it_refuses_a_missing_corpus_and_writes_nothing(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        _train(str(tmp_path / "missing.jsonl"), "--output", str(tmp_path / "model.json"))
    assert not (tmp_path / "model.json").exists()


def test_a_model_trained_to_read_tf_idf_terms_stores_them_and_tags_with_them(tmp_path):
    output = tmp_path / "model.json"
    _train(_corpus(tmp_path), "--folds", "2", "--parts", "embedding,terms,rules", "--output", str(output))

    model = Model.load(output)
    text = "AI agents race to replace jobs in markets."

    assert "ai" in model.term_index and json.loads(output.read_text())["parts"] == ["embedding", "terms", "rules"]
    assert Model.load(output).tag(text) != replace(model, term_index={}).tag(text)


def test_it_refuses_an_unknown_part(tmp_path):
    with pytest.raises(CommandError, match="--parts must name some of embedding, terms, rules"):
        _train(_corpus(tmp_path), "--parts", "embedding,bigrams", "--output", str(tmp_path / "model.json"))
