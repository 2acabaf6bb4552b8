"""The challenges page: the three challenges explained, each with its latest documents and its thresholds."""

import datetime

import pytest
from django.utils import timezone

from registry.models import Challenge
from tests import factories as registry_factories
from tests.site.phone import open_on_a_phone
from tests.tracker import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _challenges():
    """The three challenges a migration makes: a transactional test elsewhere in the suite may have emptied them."""
    Challenge.ensure_all()


def _page(client, user=None) -> str:
    if user:
        client.force_login(user)
    response = client.get("/challenges/")
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, code: str) -> str:
    return html.split(f'<section class="challenge" id="{code}"')[1].split("</section>")[0]


def _tagged_threshold(code: str, **fields):
    threshold = registry_factories.threshold(("training_compute_flop", ">", 1e26), **fields)
    threshold.challenges.set([code])
    return threshold


def test_each_of_the_three_challenges_has_a_heading_and_an_explanation(client):
    html = _page(client)

    assert html.count("<h1>") == 1
    for heading, words in [
        ("Alignment", "pursue what they meant"),
        ("Human misuse", "in the wrong hands"),
        ("Natural selection", "Competition still pushes"),
    ]:
        assert f">{heading}</h2>" in html
        assert words in html


def test_a_challenge_lists_its_five_latest_documents_and_links_to_all_of_them(client):
    now = timezone.now()
    for n in range(7):
        factories.document(
            title=f"Misuse notice {n}",
            first_seen_at=now - datetime.timedelta(days=n),
            tags=[("human_misuse", "Cloned voices were used to order payments.")],
        )

    misuse = _section(_page(client), "human_misuse")

    assert [f"Misuse notice {n}" in misuse for n in range(7)] == [True] * 5 + [False] * 2
    assert misuse.index("Misuse notice 0") < misuse.index("Misuse notice 4")
    assert 'href="/documents/?challenge=human_misuse"' in misuse
    assert "Misuse notice" not in _section(_page(client), "alignment")


def test_a_challenge_lists_the_approved_thresholds_tagged_with_it(client):
    threshold = _tagged_threshold("natural_selection", name="Large developer by revenue")
    _tagged_threshold("alignment", name="Frontier training run")

    selection = _section(_page(client), "natural_selection")

    assert "Large developer by revenue" in selection
    assert f'href="{threshold.get_absolute_url()}"' in selection
    assert "more than 10^26 FLOP of training compute" in selection
    assert "Frontier training run" not in selection


def test_thresholds_not_yet_reviewed_are_hidden_from_the_public_and_shown_to_staff(client, admin_user):
    _tagged_threshold("alignment", name="Unreviewed compute figure", review_status="candidate")

    assert "Unreviewed compute figure" not in _page(client)
    assert "Unreviewed compute figure" in _page(client, admin_user)


def test_each_challenge_offers_its_atom_feed(client):
    html = _page(client)

    for challenge in Challenge.objects.all():
        path = f"/feeds/documents/challenge/{challenge.code}.atom"
        title = f"New documents about {challenge.name.lower()}"
        assert f'<link rel="alternate" type="application/atom+xml" title="{title}" href="{path}">' in html
        assert f'<a href="{path}">' in _section(html, challenge.code)


def test_the_page_reads_the_same_few_queries_however_much_there_is(client, django_assert_max_num_queries):
    for n in range(30):
        factories.document(title=f"Notice {n}", first_seen_at=timezone.now(), tags=[("alignment", "A.")])
        _tagged_threshold(["alignment", "human_misuse", "natural_selection"][n % 3])

    # challenges, thresholds, their challenges, their conditions, 3 x documents
    with django_assert_max_num_queries(7):
        html = _page(client)

    assert html.count('<td class="figure">') == 30


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_page_fits_a_phone_without_errors(page, live_server):
    factories.document(
        title="A notice with an extraordinarily long title about frontier model safety evaluations and reporting",
        first_seen_at=timezone.now(),
        tags=[("alignment", "A.")],
    )
    _tagged_threshold("alignment", name="Frontier model (compute, cost and annual revenue of the developer)")

    seen = open_on_a_phone(page, "/challenges/")

    assert seen == {"status": 200, "errors": [], "failed": [], "overflow": 0}
