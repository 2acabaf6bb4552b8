"""Fetch runs count and list the items they left out, and beat prunes old runs daily (TRACKER_FETCH_RUNS_KEEP,
TRACKER_FETCH_RUNS_KEEP_DAYS). Documents and sightings only hold http(s) addresses: a stored document whose address
is anything else (a `javascript:` Federal Register html_url) is first pointed at its Federal Register page, or
else at its source's address; such a sighting's address is cleared."""

import re

from django.db import migrations, models
from django.db.models import Q

NAME = "Prune old fetch runs"
WEB_URL = Q(url__istartswith="http://") | Q(url__istartswith="https://")


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="days")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "tracker.tasks.prune_fetch_runs", "interval": interval}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


def repair_addresses(apps, schema_editor):
    Document = apps.get_model("tracker", "Document")
    for document in Document.objects.exclude(WEB_URL).select_related("source"):
        number = document.extra.get("document_number") if isinstance(document.extra, dict) else None
        if document.kind == "federal_register" and isinstance(number, str) and re.fullmatch(r"[\w-]+", number):
            document.url = f"https://www.federalregister.gov/d/{number}"
        else:
            document.url = document.source.url
        document.save(update_fields=["url"])
    apps.get_model("tracker", "Sighting").objects.exclude(Q(url="") | WEB_URL).update(url="")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0005_stored_search_vector"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_schedule, remove_schedule),
        migrations.AddField(
            model_name="fetchrun",
            name="items_rejected",
            field=models.PositiveIntegerField(default=0, help_text="Items left out as unusable."),
        ),
        migrations.AddField(
            model_name="fetchrun",
            name="rejections",
            field=models.TextField(blank=True, help_text="Why the first of them were left out."),
        ),
        migrations.RunPython(repair_addresses, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(condition=WEB_URL, name="document_url_is_web_address"),
        ),
        migrations.AddConstraint(
            model_name="sighting",
            constraint=models.CheckConstraint(condition=Q(url="") | WEB_URL, name="sighting_url_is_web_address"),
        ),
    ]
