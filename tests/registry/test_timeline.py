"""An instrument's status is its timeline's last step: edit the timeline, and the status follows."""

import datetime

import pytest
from django.urls import reverse

from registry.models import Instrument
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator(django_user_model):
    return django_user_model.objects.create_superuser("curator", "curator@example.org", "pw-curator-1")


def _form_data(page) -> dict:
    """What the browser would post back from an admin change page: the form and its inlines, as shown."""
    data = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def test_adding_a_vetoed_step_in_the_admin_makes_the_bill_vetoed(client, curator):
    bill = factories.instrument(kind="bill", status="proposed", effective_on=None)
    bill.record_status(on=datetime.date(2024, 2, 7))
    client.force_login(curator)
    url = reverse("admin:registry_instrument_change", args=[bill.pk])
    page = client.get(url)
    assert 'name="status"' not in page.content.decode()
    data = _form_data(page)
    prefix = next(
        inline.formset.prefix for inline in page.context["inline_admin_formsets"] if "timeline" in inline.formset.prefix
    )
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data |= {
        f"{prefix}-TOTAL_FORMS": str(total + 1),
        f"{prefix}-{total}-date": "2024-09-29",
        f"{prefix}-{total}-status": "vetoed",
        f"{prefix}-{total}-note": "Vetoed by the governor",
        f"{prefix}-{total}-instrument": str(bill.pk),
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    bill.refresh_from_db()
    assert (bill.status, bill.ended_on) == ("vetoed", datetime.date(2024, 9, 29))


def test_setting_a_status_the_timeline_does_not_have_changes_nothing():
    act = factories.instrument(status="adopted", effective_on=datetime.date(2027, 1, 1))
    act.record_status(on=datetime.date(2025, 6, 1))
    act.status = "in_force"
    act.save()
    act.refresh_from_db()
    assert act.status == "adopted"
    assert not act.is_in_force(datetime.date(2026, 1, 1))


def test_removing_the_last_step_takes_the_status_back():
    bill = factories.instrument(kind="bill", status="proposed", effective_on=None)
    bill.record_status(on=datetime.date(2024, 2, 7))
    bill.change_status("vetoed", on=datetime.date(2024, 9, 29))
    assert (bill.status, bill.ended_on) == ("vetoed", datetime.date(2024, 9, 29))
    bill.timeline.get(status="vetoed").delete()
    bill.refresh_from_db()
    assert (bill.status, bill.ended_on) == ("proposed", None)


def test_an_instrument_added_in_the_admin_starts_its_timeline_on_its_own_date(client, curator):
    jurisdiction = factories.jurisdiction("US-CA", "California")
    client.force_login(curator)
    response = client.post(
        reverse("admin:registry_instrument_add"),
        {
            "title": "An old vetoed bill", "short_name": "Old Bill", "slug": "old-bill", "kind": "bill",
            "issuer": "A legislature", "jurisdiction": jurisdiction.pk, "source_url": "https://example.org/b",
            "status": "vetoed", "ended_on": "2024-09-29", "summary": "A bill.", "confidence": "verified",
            "timeline-TOTAL_FORMS": "0", "timeline-INITIAL_FORMS": "0",
            "thresholds-TOTAL_FORMS": "0", "thresholds-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    bill = Instrument.objects.get(slug="old-bill")
    assert [(e.date, e.status) for e in bill.timeline.all()] == [(datetime.date(2024, 9, 29), "vetoed")]
    assert (bill.status, bill.ended_on) == ("vetoed", datetime.date(2024, 9, 29))
