"""Celery beat's schedules, kept in the database so they can be edited in the admin."""

from django.db import migrations

SCHEDULES = [
    # (name, task, every N minutes)
    ("Dispatch due sources", "tracker.tasks.dispatch_due_sources", 1),
    ("Re-queue documents left pending", "tracker.tasks.sweep_pending_documents", 10),
]


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("tracker", "0002_search_index"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
