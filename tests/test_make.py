"""The Makefile's commands, read with `make -n` (which prints them and runs nothing)."""

import itertools
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _site_url_seen_by(make_args: list[str], env: dict) -> str:
    """The SITE_URL the server started by `make run` would put in its emails' links."""
    printed = subprocess.run(
        ["make", "-n", "run", *make_args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    serve = shlex.split(next(line for line in printed.splitlines() if "runserver" in line))
    assignments = dict(word.split("=", 1) for word in itertools.takewhile(lambda word: "=" in word, serve))
    show = "from django.conf import settings; print(settings.SITE_URL)"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", show],
        cwd=ROOT, env={**env, **assignments}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_make_run_on_another_port_links_emails_to_that_port(tmp_path):
    # Run from `make test`, the outer make's variables would reach this one through MAKEFLAGS.
    ours = ("SITE_URL", "DATABASE_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    env = {key: value for key, value in os.environ.items() if key not in ours}
    env["VAR_DIR"] = str(tmp_path)
    assert _site_url_seen_by(["PORT=8123"], env) == "http://127.0.0.1:8123"
    assert _site_url_seen_by(["PORT=8123"], {**env, "SITE_URL": "https://tracker.example.org"}) == (
        "https://tracker.example.org"
    )
