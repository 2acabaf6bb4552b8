"""Create the three challenges: one vocabulary for every app."""

from django.db import migrations


def create_challenges(apps, schema_editor):
    from registry.vocabulary import CHALLENGE_DEFINITIONS, ChallengeCode

    Challenge = apps.get_model("registry", "Challenge")
    for code in ChallengeCode:
        Challenge.objects.update_or_create(
            code=code.value, defaults={"name": code.label, "definition": CHALLENGE_DEFINITIONS[code]}
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(create_challenges, migrations.RunPython.noop)]
