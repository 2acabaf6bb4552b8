"""Processing a document: tags with evidence, corrections that win, threshold figures linked or made candidates."""

import pytest

from registry.models import CapabilityThreshold
from tests import factories as registry_factories
from tests.tracker import factories
from tracker import processing, tagging
from tracker.ingesting import upsert_item
from tracker.models import Document, DocumentTag, ProcessStatus, TagOrigin

pytestmark = pytest.mark.django_db

EVALUATION = (
    "The institute tested the frontier model before release for deception, sabotage of its own oversight and "
    "attempts to copy its weights to outside servers. Evaluators found that the model could recognise when it was "
    "being tested. The developer must keep a safety case against loss of control for every training run above "
    "10^26 integer or floating-point operations."
)
CANDIDATE = (
    "Under the proposal, any developer of a model trained with more than 5 × 10^24 operations would have to run "
    "dangerous-capability evaluations for autonomous replication and report them to the safety office."
)


def _document(text, **fields):
    document, _ = upsert_item(source=factories.source(**fields), item=factories.item(text=text))
    return document


def _process(document):
    claimed = processing.claim_attempt(document_id=document.pk)
    processing.process_document(document=claimed)
    document.refresh_from_db()
    return document


def test_processing_tags_the_document_with_evidence_from_its_text():
    document = _process(_document(EVALUATION))
    assert document.process_status == ProcessStatus.DONE
    tag = document.tags.get(category="alignment", origin=TagOrigin.MACHINE)
    assert tag.labelled
    assert tag.tagger_version
    assert tag.evidence
    for passage in tag.evidence:
        assert document.text[passage["start"] : passage["end"]] == passage["text"]


def test_a_figure_matching_an_approved_threshold_is_linked_to_it():
    known = registry_factories.threshold(("training_compute_flop", ">", 1e26))
    document = _process(_document(EVALUATION))
    mention = document.mentions.get(metric="training_compute_flop")
    assert mention.value == 1e26
    assert mention.threshold == known
    assert "10^26" in mention.sentence


def test_an_unknown_figure_becomes_one_candidate_waiting_for_review():
    document = _process(_document(CANDIDATE))
    mention = document.mentions.get()
    candidate = mention.threshold
    assert candidate.review_status == "candidate"
    assert candidate.origin == "document"
    assert candidate.instrument is None
    assert [(c.metric, c.operator, c.value) for c in candidate.conditions.all()] == [
        ("training_compute_flop", "gt", 5e24)
    ]
    assert candidate in CapabilityThreshold.objects.awaiting_review()


def test_reprocessing_and_a_second_document_never_duplicate_a_candidate():
    first = _process(_document(CANDIDATE))
    Document.objects.filter(pk=first.pk).update(process_status=ProcessStatus.PENDING, process_attempts=0)
    _process(first)
    other = _process(_document(CANDIDATE + " A second agency repeats the figure.", url="https://other.example.org/f"))
    assert CapabilityThreshold.objects.filter(origin="document").count() == 1
    assert other.mentions.get().threshold == first.mentions.get().threshold


def test_a_persons_correction_wins_and_survives_retagging(admin_user):
    document = _process(_document(EVALUATION))
    DocumentTag.objects.create(
        document=document, category_id="natural_selection", origin=TagOrigin.PERSON, labelled=True, tagged_by=admin_user
    )
    DocumentTag.objects.create(
        document=document, category_id="alignment", origin=TagOrigin.PERSON, labelled=False, tagged_by=admin_user
    )
    processing.tag_documents(documents=[document])
    assert "alignment" not in document.labels
    assert "natural_selection" in document.labels
    assert document not in Document.objects.about("alignment")
    assert document in Document.objects.about("natural_selection")


def test_a_document_that_kills_its_worker_each_time_is_parked_instead_of_looping():
    document = _document(EVALUATION)
    for _ in range(processing.MAX_ATTEMPTS):
        # Each attempt is counted before the work starts; here the worker dies before finishing.
        assert processing.claim_attempt(document_id=document.pk) is not None
    assert processing.claim_attempt(document_id=document.pk) is None
    document.refresh_from_db()
    assert document.process_status == ProcessStatus.PARKED
    assert document.process_error == "stopped a worker repeatedly"
    assert document in Document.objects.parked()


def _tagged_by_an_older_model(count):
    source = factories.source()
    documents = [
        _process(upsert_item(source=source, item=factories.item(f"report-{n}", text=f"{EVALUATION} Report {n}."))[0])
        for n in range(count)
    ]
    DocumentTag.objects.filter(origin=TagOrigin.MACHINE).update(tagger_version="wl2-20250101-0ldm0de1")
    return documents


def test_retagging_takes_a_bounded_batch_of_what_an_older_model_tagged():
    _tagged_by_an_older_model(3)

    assert processing.retag_stale_documents(limit=2) == 2
    assert Document.objects.tagged_by_another_model(tagging.tagger_version()).count() == 1
    assert processing.retag_stale_documents(limit=2) == 1
    assert processing.retag_stale_documents(limit=2) == 0
    assert set(DocumentTag.objects.values_list("tagger_version", flat=True)) == {tagging.tagger_version()}


def test_retagging_leaves_a_persons_correction_as_it_is(admin_user):
    [document] = _tagged_by_an_older_model(1)
    DocumentTag.objects.create(
        document=document, category_id="alignment", origin=TagOrigin.PERSON, labelled=False, tagged_by=admin_user,
        note="Only a press release.",
    )  # fmt: skip

    processing.retag_stale_documents()

    correction = document.tags.get(origin=TagOrigin.PERSON)
    assert (correction.labelled, correction.note, correction.tagged_by) == (False, "Only a press release.", admin_user)
    assert document.tags.get(origin=TagOrigin.MACHINE, category="alignment").tagger_version == tagging.tagger_version()
    assert "alignment" not in document.labels
