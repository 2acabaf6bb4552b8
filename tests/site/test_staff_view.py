"""Staff who may view unreviewed thresholds see candidates found in documents, some with no instrument yet: every
page that lists thresholds must show them without failing."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address",
    [
        "/",
        "/thresholds/",
        "/instruments/",
        "/chart/",
        "/chart.svg",
        "/chart.csv",
        "/changes/",
        "/challenges/",
        "/evaluate/?training_compute_flop=3e25",
        "/feeds/changes.atom",
    ],
)
def test_a_candidate_with_no_instrument_breaks_no_page_for_staff(admin_client, address):
    factories.threshold(("training_compute_flop", ">", 1e25), name="Approved figure")
    candidate = factories.threshold(
        ("training_compute_flop", ">", 2e25), instrument_=None, review_status="candidate", name="Found in a notice"
    )
    assert admin_client.get(address).status_code == 200
    assert admin_client.get(candidate.get_absolute_url()).status_code == 200
