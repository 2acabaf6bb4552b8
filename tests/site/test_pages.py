"""Every page of the site in headless Chromium at a phone's width: it answers 200, logs no console error, fails no
request, breaks no rule of the Content-Security-Policy, scrolls only vertically, and axe-core finds no serious or
critical accessibility violation on it.

axe-core comes from npm (package.json, `npm ci` in `make install`) and is evaluated in the page by the test, never
served by the app. Set SCREENSHOTS=1 to save each page, 390 px wide, to var/screenshots/ (the README's pictures)."""

import datetime
import os
import pprint
from pathlib import Path

import pytest
from django.conf import settings

from registry.models import CapabilityThreshold
from registry.seeding import seed_registry
from tests.tracker import factories
from tracker.models import DocumentVersion, ThresholdMention

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}

# Addresses with {threshold}, {instrument} and {document} filled in from the data the test makes.
PAGES = [
    pytest.param("/", id="home"),
    pytest.param("/thresholds/", id="thresholds"),
    pytest.param("/thresholds/{threshold}/", id="threshold"),
    pytest.param("/instruments/", id="instruments"),
    pytest.param("/instruments/{instrument}/", id="instrument"),
    pytest.param("/evaluate/", id="evaluator"),
    pytest.param("/evaluate/?training_compute_flop=3e25", id="evaluator-answer"),
    pytest.param("/chart/", id="chart"),
    pytest.param("/documents/", id="documents"),
    pytest.param("/documents/{document}/", id="document"),
    pytest.param("/changes/", id="changes"),
    pytest.param("/challenges/", id="challenges"),
    pytest.param("/comment-periods/", id="comment-periods"),
    pytest.param("/subscriptions/", id="subscribe"),
    pytest.param("/api/docs/", id="api-docs"),
    pytest.param("/api/redoc/", id="api-redoc"),
]

# Collects the page's Content-Security-Policy violations from its first script on.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective}: ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        message = f"no axe-core at {AXE}: run `npm ci` (make install does)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text()


@pytest.fixture
def phone(browser, live_server):
    """A page 390 px wide that records console errors, uncaught exceptions, failed requests and error responses."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda message: message.type == "error" and page.problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: page.problems.append(f"exception: {error}"))
    page.on("requestfailed", lambda request: page.problems.append(f"failed: {request.url} {request.failure}"))
    page.on(
        "response",
        lambda response: response.status >= 400 and page.problems.append(f"HTTP {response.status}: {response.url}"),
    )
    yield page
    context.close()


def realistic_data():
    """The bundled registry and a few documents with tags, a version history and threshold figures; answers the
    values the addresses in PAGES need."""
    seed_registry()
    compute = CapabilityThreshold.objects.approved().filter(conditions__metric="training_compute_flop").first()
    eu = compute.instrument.jurisdiction
    now = datetime.datetime.now(tz=datetime.UTC)
    evidence = "Developers must test whether a model could help someone plan a biological attack."
    document = factories.document(
        title="Consultation on reporting duties for very large training runs",
        first_seen_at=now - datetime.timedelta(days=1),
        jurisdiction=eu,
        text=f"{evidence} Models trained with more than 10^25 floating-point operations are in scope.",
        tags=[("human_misuse", evidence)],
    )
    DocumentVersion.objects.create(
        document=document, number=1, title=document.title, text=evidence, content_hash="first-version"
    )
    DocumentVersion.objects.create(
        document=document, number=2, title=document.title, text=document.text, content_hash=document.content_hash
    )
    figure = "10^25 floating-point operations"
    start = document.text.index(figure)
    ThresholdMention.objects.create(
        document=document,
        metric="training_compute_flop",
        operator="gt",
        value=1e25,
        text=figure,
        start=start,
        end=start + len(figure),
        sentence=document.text[len(evidence) + 1 :],
        threshold=compute,
    )
    factories.document(
        title="Guidance on deceptive behaviour in evaluations",
        first_seen_at=now - datetime.timedelta(days=3),
        tags=[("alignment", "The guidance asks labs to look for deceptive behaviour during evaluations.")],
    )
    return {"threshold": compute.slug, "instrument": compute.instrument.slug, "document": document.pk}


@pytest.mark.parametrize("address", PAGES)
def test_the_page_passes_the_quality_gates_at_phone_width(address, phone, axe_source, request):
    path = address.format(**realistic_data())
    response = phone.goto(path, wait_until="networkidle")
    assert response.status == 200
    if path.startswith("/api/"):  # the docs render after fetching the schema
        phone.wait_for_selector("text=AI Governance Tracker API", timeout=20_000)
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        phone.screenshot(path=SCREENSHOTS / f"{request.node.callspec.id}.png", full_page=True)

    # Every gate is checked, so that one run lists all that a page gets wrong.
    phone.evaluate(axe_source)
    results = phone.evaluate("axe.run(document, {resultTypes: ['violations']})")
    failures = {
        "console errors and failed requests": phone.problems,
        "Content-Security-Policy violations": phone.evaluate("window.__cspViolations"),
        "wider than the phone": max(0, phone.evaluate("document.documentElement.scrollWidth") - PHONE["width"]),
        "serious accessibility violations": [
            f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']][:5]}"
            for violation in results["violations"]
            if violation["impact"] in ("serious", "critical")
        ],
    }
    failed = {gate: found for gate, found in failures.items() if found}
    assert failed == {}, pprint.pformat(failed, width=200)


# Each kind of Django admin page, {pk} being one of the bundled thresholds.
ADMIN_PAGES = [
    pytest.param("/admin/", id="index"),
    pytest.param("/admin/registry/capabilitythreshold/", id="changelist"),
    pytest.param("/admin/registry/capabilitythreshold/?review_status__exact=approved&q=compute", id="filtered"),
    pytest.param("/admin/registry/capabilitythreshold/add/", id="add-form"),
    pytest.param("/admin/registry/capabilitythreshold/{pk}/change/", id="change-form"),
    pytest.param("/admin/registry/capabilitythreshold/{pk}/history/", id="history"),
    pytest.param("/admin/registry/capabilitythreshold/{pk}/delete/", id="delete"),
    pytest.param("/admin/password_change/", id="password-change"),
]


@pytest.mark.parametrize("address", ADMIN_PAGES)
def test_the_admin_page_runs_under_the_policy_without_errors(address, phone, admin_user):
    seed_registry()
    pk = CapabilityThreshold.objects.approved().first().pk
    phone.goto("/admin/login/", wait_until="networkidle")
    assert phone.problems == [] and phone.evaluate("window.__cspViolations") == []
    phone.fill("input[name=username]", "admin")
    phone.fill("input[name=password]", "password")
    phone.click("input[type=submit]")
    phone.wait_for_load_state("networkidle")

    response = phone.goto(address.format(pk=pk), wait_until="networkidle")
    assert response.status == 200
    assert {"console": phone.problems, "policy": phone.evaluate("window.__cspViolations")} == {
        "console": [],
        "policy": [],
    }
