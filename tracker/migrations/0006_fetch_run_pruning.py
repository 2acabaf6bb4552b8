"""Beat's daily sweep that prunes old fetch runs (TRACKER_FETCH_RUNS_KEEP, TRACKER_FETCH_RUNS_KEEP_DAYS)."""

from django.db import migrations

NAME = "Prune old fetch runs"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="days")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "tracker.tasks.prune_fetch_runs", "interval": interval}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("tracker", "0005_stored_search_vector")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
