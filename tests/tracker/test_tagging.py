"""The tagger as a reader of policy text would judge it: which challenges a text earns, and the passages why."""

import json
import re
import socket

from registry.vocabulary import ChallengeCode
from tracker import tagging
from tracker.tagging import MAX_CHARS, MODEL_PATH, labels, tag, tagger_version, thresholds

ALIGNMENT, MISUSE, SELECTION = ChallengeCode.ALIGNMENT, ChallengeCode.HUMAN_MISUSE, ChallengeCode.NATURAL_SELECTION

FRONTIER_EVALUATION = (
    "Before release, the institute evaluated the frontier model for self-replication: could it copy its own weights "
    "to a new server without help? Testers also probed for deception, asking whether the model would lie to its "
    "evaluators about its goals when it believed it was unobserved. The developer will not deploy the model until "
    "the evaluation shows it stays below the capability threshold set in its safety framework."
)
BIOWEAPON_UPLIFT = (
    "The lab measured whether its AI assistant gives meaningful uplift to a novice trying to build a biological "
    "weapon. Red-teamers with a background in virology tried to extract steps for culturing a dangerous pathogen. "
    "Requests about bioweapons are now refused and flagged for misuse monitoring."
)
DEEPFAKE_FRAUD = (
    "Criminals used a cloned voice of the company's chief executive to order an urgent wire transfer. The deepfake "
    "call was convincing enough that the finance team paid out two million euros before the fraud was discovered. "
    "Police warn that such scams are spreading as voice-cloning tools become cheap."
)
RACE_AND_JOBS = (
    "The two countries are locked in a race for AI dominance, each pouring subsidies into national champions so as "
    "not to fall behind its rival. Economists warn that the same rush to automate is already displacing workers in "
    "call centres and back offices. Unions are asking for retraining funds before more jobs disappear."
)
PROCUREMENT = (
    "Departments buying software that includes artificial intelligence must follow the standard tender procedure. "
    "Each contract must name a responsible officer, state who owns the data, and allow the department to leave the "
    "service at the end of the term. Purchases above the threshold need sign-off from the finance committee."
)
DATA_PROTECTION = (
    "Organisations that train AI models on customer records must complete a data protection impact assessment. "
    "They must keep a record of processing, name a lawful basis, and delete personal data once it is no longer "
    "needed. Data subjects may ask for a copy of the data held about them."
)
PASSING_MENTION = (
    "The ministry will fund AI tools that help farmers plan irrigation and forecast yields. Grants of up to fifty "
    "thousand euros are open to cooperatives in rural regions. Like any technology, AI brings risks, such as bias, "
    "fraud, privacy breaches and energy use, which grantees should keep in mind. Applications close in March."
)


def _by_category(text, title=""):
    return {t.category: t for t in tag(text, title=title)}


def test_it_labels_an_evaluation_for_self_replication_and_deception_as_alignment():
    found = _by_category(FRONTIER_EVALUATION)[ALIGNMENT]

    assert found.labelled
    assert found.evidence
    for evidence in found.evidence:
        assert FRONTIER_EVALUATION[evidence.start : evidence.end] == evidence.text


def test_it_quotes_whole_sentences_as_evidence():
    found = _by_category(FRONTIER_EVALUATION)[ALIGNMENT]

    assert any(e.text.startswith("Testers also probed for deception") for e in found.evidence)
    assert all(re.search(r"[.?!]$", e.text) for e in found.evidence)


def test_it_quotes_a_sentence_wrapped_over_two_lines_whole():
    wrapped = FRONTIER_EVALUATION.replace("whether the model would lie", "whether the model\nwould lie")

    found = _by_category(wrapped)[ALIGNMENT]

    assert any(
        e.text.startswith("Testers also probed") and e.text.endswith("it was unobserved.") for e in found.evidence
    )


def test_it_labels_bioweapon_uplift_as_human_misuse():
    assert labels(BIOWEAPON_UPLIFT) >= {MISUSE}


def test_it_labels_deepfake_fraud_as_human_misuse():
    assert labels(DEEPFAKE_FRAUD) == {MISUSE}


def test_it_labels_a_race_between_nations_and_job_displacement_as_natural_selection():
    assert labels(RACE_AND_JOBS) == {SELECTION}


def test_a_text_about_two_challenges_gets_both_labels():
    assert labels(f"{DEEPFAKE_FRAUD}\n\n{RACE_AND_JOBS}") == {MISUSE, SELECTION}


def test_routine_procurement_gets_no_label():
    assert labels(PROCUREMENT) == set()


def test_data_protection_housekeeping_gets_no_label():
    assert labels(DATA_PROTECTION) == set()


def test_a_passing_mention_in_a_list_of_harms_does_not_earn_a_label():
    assert labels(PASSING_MENTION) == set()


def test_a_text_that_is_not_about_ai_gets_no_label():
    text = "Thieves cloned the bank's cards and ran a fraud ring. The scam cost customers millions in stolen savings."

    assert labels(text) == set()


def test_it_returns_one_tag_per_category_with_scores_between_zero_and_one():
    tags = tag(RACE_AND_JOBS)

    assert [t.category for t in tags] == list(ChallengeCode.values)
    assert all(0.0 <= t.score <= 1.0 for t in tags)
    assert all(t.labelled == (t.score >= thresholds()[t.category]) for t in tags)


def test_it_gives_at_most_three_passages_strongest_first():
    evidence = _by_category(f"{FRONTIER_EVALUATION} {BIOWEAPON_UPLIFT}")[ALIGNMENT].evidence

    assert 1 <= len(evidence) <= 3
    assert "self-replication" in evidence[0].text or "capability threshold" in evidence[0].text


def test_a_title_raises_the_score_but_is_never_evidence():
    text = "The fund will pay for research on making AI systems do what their developers intend."
    title = "Alignment research grants and interpretability"

    with_title, without = _by_category(text, title)[ALIGNMENT], _by_category(text)[ALIGNMENT]

    assert with_title.score > without.score
    assert all(text[e.start : e.end] == e.text for e in with_title.evidence)


def test_the_same_input_gives_the_same_tags():
    assert tag(RACE_AND_JOBS, title="Jobs") == tag(RACE_AND_JOBS, title="Jobs")


def test_tagger_version_is_the_model_files_version():
    assert tagger_version() == json.loads(MODEL_PATH.read_text())["version"]
    assert re.fullmatch(r"wl2-\d{8}-[0-9a-f]{8}", tagger_version())


def test_empty_text_gets_no_label_and_no_evidence():
    assert all(not t.labelled and t.score == 0 and t.evidence == () for t in tag(""))


def test_evidence_is_the_sentences_that_make_the_score():
    text = f"{PROCUREMENT} {DEEPFAKE_FRAUD.split('. ')[0]}. The tender closes at the end of the month."

    found = _by_category(text)[MISUSE]

    assert found.evidence[0].text.startswith("Criminals used a cloned voice")
    assert all(text[e.start : e.end] == e.text for e in found.evidence)


def test_loading_the_model_and_tagging_touch_no_network(monkeypatch):
    attempts = []
    connect, resolve = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(sock, address):
        if sock.family != socket.AF_UNIX and address[0] not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(address)
            raise OSError(f"network blocked in this test: {address}")
        return connect(sock, address)

    def guarded_resolve(host, *args, **kwargs):
        if host not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(host)
            raise OSError(f"name lookup blocked in this test: {host}")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_resolve)
    tagging.embedder.cache_clear()
    tagging.model.cache_clear()
    tagging._word_ids.cache_clear()

    assert labels(FRONTIER_EVALUATION) == {ALIGNMENT}
    assert attempts == []


def test_a_text_of_only_numbers_gets_no_tag():
    tags = tag("2024 2025 2026\n10 000 000, 3.5 %; 42 - 17 = 25 (§ 4.2).\n" * 50)

    assert all(not t.labelled and t.score == 0 and t.evidence == () for t in tags)


def test_a_text_of_only_markup_gets_no_tag():
    tags = tag('<div class="main"><p><br/></p><span id="x1">&nbsp;</span></div>\n' * 50)

    assert all(not t.labelled and t.score == 0 and t.evidence == () for t in tags)


def test_a_text_in_another_language_is_read_without_error_and_earns_no_tag():
    french = (
        "Le ministère versera des aides aux coopératives agricoles qui achètent des logiciels de prévision des "
        "récoltes. Les dossiers doivent être déposés avant la fin du mois de mars, avec un devis et un plan de "
        "financement. Les petites exploitations des régions de montagne seront servies en priorité."
    )

    assert labels(french) == set()


def test_a_ten_megabyte_text_is_tagged_on_its_first_characters():
    filler = " The committee met again and approved the minutes of its previous meeting."
    text = FRONTIER_EVALUATION + filler * (10_000_000 // len(filler))

    tags = tag(text)

    assert tags == tag(text[:MAX_CHARS])
    assert labels(text) == {ALIGNMENT}
    assert all(e.end <= MAX_CHARS and text[e.start : e.end] == e.text for t in tags for e in t.evidence)


def test_a_text_with_broken_characters_is_read_without_error():
    broken = FRONTIER_EVALUATION.replace("deception", "decep\ud800tion\x00")

    assert labels(broken) == {ALIGNMENT}
