"""The README's examples, run as a reader would run them: its curl requests against the API (through Django's test
client) and its manage.py commands, on the seeded registry with the bundled samples loaded. The examples are read
from README.md each time, so an edit to either side that breaks them fails here."""

import io
import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from registry.models import CapabilityThreshold

README = Path(__file__).resolve().parent.parent / "README.md"
SERVED = "http://127.0.0.1:8000"

pytestmark = pytest.mark.django_db


def _commands(language: str) -> list[str]:
    """Each command of the README's code blocks in `language`, continuation lines joined, prompts and comments
    dropped."""
    commands = []
    for block in re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            line = line.removeprefix("$ ").strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def _manage_lines() -> list[str]:
    """The README's manage.py commands that name no placeholder (URL, PATH, CORPUS.jsonl) or optional part."""
    lines = [line for line in _commands("sh") + _commands("console") if re.match(r"\S*python manage\.py ", line)]
    return [
        line for line in lines if "[" not in line and not re.search(r"\s[A-Z]{3,}(\.\w+)?(\s|$)", line.split("#")[0])
    ]


def _manage(line: str) -> str:
    line = re.sub(r"^\w+=\$\((.*)\)$", r"\1", line.strip())  # TOKEN=$(python manage.py …): the command inside
    words = shlex.split(line, comments=True)
    out, err = io.StringIO(), io.StringIO()
    call_command(*words[words.index("manage.py") + 1 :], stdout=out, stderr=err)
    return out.getvalue()


def _curl(line: str, *, token: str, client: Client):
    """A curl command line sent through the test client: -X, -H, -d and -o as curl reads them."""
    words = shlex.split(line.replace("$TOKEN", token), comments=True)[1:]
    method, headers, data, url = "GET", {}, "", None
    while words:
        word = words.pop(0)
        if word == "-X":
            method = words.pop(0)
        elif word == "-H":
            name, value = words.pop(0).split(":", 1)
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data = words.pop(0)
            method = "POST" if method == "GET" else method
        elif word == "-o":
            words.pop(0)
        else:
            url = word
    content_type = headers.pop("Content-Type", "application/x-www-form-urlencoded")
    return client.generic(method, url.removeprefix(SERVED), data, content_type=content_type, headers=headers)


@pytest.fixture
def seeded(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "readme-admin-pw-1")
    for command in ("seed_registry", "seed_sources", "load_samples", "ensure_admin"):
        call_command(command, stdout=io.StringIO())


def test_the_readme_curl_examples_answer_with_results(seeded):
    token_lines = [line for line in _manage_lines() if "create_api_token" in line]
    assert token_lines, "the README shows how to make an API token"
    token = _manage(token_lines[0]).strip()
    examples = [line for line in _commands("sh") if line.startswith("curl ") and SERVED in line]
    assert len(examples) >= 5
    # The README's approve example names threshold 42: a reviewer names the one they checked, here one in review.
    in_review = CapabilityThreshold.objects.filter(review_status="in_review", instrument__isnull=False).first()
    failures = []
    for line in examples:
        line = re.sub(r"/thresholds/\d+/", f"/thresholds/{in_review.pk}/", line)
        response = _curl(line, token=token, client=Client())
        if not 200 <= response.status_code < 300:
            failures.append(f"{line}\n  -> {response.status_code} {response.content[:300]!r}")
        elif "format=csv" in line:
            if len(response.content.decode().splitlines()) < 2:
                failures.append(f"{line}\n  -> a CSV with no rows")
        elif not _has_results(response.json()):
            failures.append(f"{line}\n  -> nothing: {response.content[:300]!r}")
    assert not failures, "README examples that fail:\n" + "\n".join(failures)


def _has_results(body) -> bool:
    if isinstance(body, dict) and "results" in body:
        return bool(body["results"])
    return bool(body)


def test_the_readme_manage_py_examples_run_and_print_what_it_shows(seeded):
    lines = _manage_lines()
    assert any("evaluate_model" in line and _shown_output(line) for line in lines)  # with the output it shows
    failures = []
    for line in lines:
        try:
            output = _manage(line)
        except Exception as error:
            failures.append(f"{line}\n  -> {type(error).__name__}: {error}")
            continue
        if not output.strip():
            failures.append(f"{line}\n  -> printed nothing")
        for shown in _shown_output(line):
            if " ".join(shown.split()) not in " ".join(output.split()):
                failures.append(f"{line}\n  -> does not print the README's line: {shown}")
    assert not failures, "README examples that fail:\n" + "\n".join(failures)


def _shown_output(command: str) -> list[str]:
    """The output lines the README shows under `$ command` in a console block, up to a `...`."""
    for block in re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        lines = block.splitlines()
        if lines and lines[0].removeprefix("$ ").strip() == command:
            shown = []
            for line in lines[1:]:
                if line.startswith(("$ ", "...")):
                    break
                shown.append(line)
            return shown
    return []
