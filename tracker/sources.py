"""The default sources (tracker/seed/sources.yaml) and the inactive sources that hold manual imports."""

from pathlib import Path

import yaml

from registry.models import Jurisdiction
from tracker.models import Source, SourceKind

SOURCES_FILE = Path(__file__).resolve().parent / "seed" / "sources.yaml"


def seed_sources(*, path: Path = SOURCES_FILE) -> tuple[int, int]:
    """Add the default sources that are missing (by name); a source a person edited is left alone."""
    created = existing = 0
    for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
        jurisdiction = Jurisdiction.objects.filter(code=raw.get("jurisdiction") or "").first()
        _, made = Source.objects.get_or_create(
            name=raw["name"],
            defaults={
                "kind": SourceKind(raw["kind"]),
                "url": raw["url"],
                "publisher": raw.get("publisher", ""),
                "jurisdiction": jurisdiction,
                "keywords": raw.get("keywords", ""),
                "poll_minutes": raw.get("poll_minutes", 60),
            },
        )
        created, existing = created + made, existing + (not made)
    return created, existing


def manual_source(*, kind: str, url: str | None = None) -> Source:
    """The source a one-off pull or a local file is filed under: inactive, so it is never polled by itself."""
    if url:
        source, _ = Source.objects.get_or_create(
            kind=kind, url=url, defaults={"name": f"Tried by hand: {url}"[:200], "active": False}
        )
        return source
    source, _ = Source.objects.get_or_create(
        kind=kind,
        url=f"https://localhost/local-files/{kind}",
        defaults={"name": f"Local files ({SourceKind(kind).label})", "active": False},
    )
    return source


def sample_source(*, name: str, kind: str, jurisdiction: str = "") -> Source:
    """The inactive source a bundled sample file is filed under, with the jurisdiction (a code) of the publisher it
    stands for, so its documents are found by jurisdiction like pulled ones."""
    source, _ = Source.objects.get_or_create(
        kind=kind,
        url=f"https://localhost/samples/{name}",
        defaults={
            "name": f"Sample: {name}"[:200],
            "active": False,
            "jurisdiction": Jurisdiction.objects.filter(code=jurisdiction).first() if jurisdiction else None,
        },
    )
    return source
