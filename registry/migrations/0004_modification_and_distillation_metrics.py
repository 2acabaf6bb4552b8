"""Fine-tuning, modification and distillation figures get metrics of their own (they are not the model's whole
training), the seeded thresholds that state them move onto those metrics, and stored figures lose float noise."""

from django.db import migrations, models

# (threshold slug, old metric, new metric): the seeded conditions that were about a fine-tune or a distillation.
MOVED = [
    ("ca-sb1047-fine-tuned-covered-model", "training_compute_flop", "modification_compute_flop"),
    ("ca-sb1047-fine-tuned-covered-model", "training_cost_usd", "modification_cost_usd"),
    ("ny-raise-2025-distilled-model", "training_cost_usd", "distillation_cost_usd"),
]


def _rounded(value):
    return value if not value else float(f"{value:.6g}")


def forward(apps, schema_editor):
    condition = apps.get_model("registry", "ThresholdCondition")
    for slug, old, new in MOVED:
        condition.objects.filter(threshold__slug=slug, metric=old).update(metric=new)
    for row in condition.objects.all():
        if row.value != _rounded(row.value):
            condition.objects.filter(pk=row.pk).update(value=_rounded(row.value))
    model = apps.get_model("registry", "AIModel")
    for row in model.objects.all():
        figures = {"parameters": _rounded(row.parameters), "training_compute_flop": _rounded(row.training_compute_flop)}
        if figures != {"parameters": row.parameters, "training_compute_flop": row.training_compute_flop}:
            model.objects.filter(pk=row.pk).update(**figures)


def backward(apps, schema_editor):
    condition = apps.get_model("registry", "ThresholdCondition")
    for slug, old, new in MOVED:
        condition.objects.filter(threshold__slug=slug, metric=new).update(metric=old)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_threshold_instrument_optional_for_candidates"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="thresholdcondition",
            name="condition_metric_known",
        ),
        migrations.AlterField(
            model_name="historicalthresholdcondition",
            name="metric",
            field=models.CharField(
                choices=[
                    ("training_compute_flop", "Training compute"),
                    ("training_cost_usd", "Training compute cost"),
                    ("developer_revenue_usd", "Developer annual revenue"),
                    ("cluster_ops_per_second", "Cluster capacity"),
                    ("parameters", "Parameters"),
                    ("bio_sequence_data", "Trained mainly on biological sequence data"),
                    ("capability_level", "Capability level"),
                    ("modification_compute_flop", "Fine-tuning or other modification compute"),
                    ("modification_cost_usd", "Fine-tuning or other modification compute cost"),
                    ("modification_compute_ratio", "Modification compute relative to the original model's"),
                    ("distillation_cost_usd", "Distillation compute cost"),
                    ("fatalities", "Harm: fatalities"),
                    ("damage_usd", "Harm: damage"),
                ],
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="thresholdcondition",
            name="metric",
            field=models.CharField(
                choices=[
                    ("training_compute_flop", "Training compute"),
                    ("training_cost_usd", "Training compute cost"),
                    ("developer_revenue_usd", "Developer annual revenue"),
                    ("cluster_ops_per_second", "Cluster capacity"),
                    ("parameters", "Parameters"),
                    ("bio_sequence_data", "Trained mainly on biological sequence data"),
                    ("capability_level", "Capability level"),
                    ("modification_compute_flop", "Fine-tuning or other modification compute"),
                    ("modification_cost_usd", "Fine-tuning or other modification compute cost"),
                    ("modification_compute_ratio", "Modification compute relative to the original model's"),
                    ("distillation_cost_usd", "Distillation compute cost"),
                    ("fatalities", "Harm: fatalities"),
                    ("damage_usd", "Harm: damage"),
                ],
                max_length=30,
            ),
        ),
        migrations.AddConstraint(
            model_name="thresholdcondition",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "metric__in",
                        [
                            "training_compute_flop",
                            "training_cost_usd",
                            "developer_revenue_usd",
                            "cluster_ops_per_second",
                            "parameters",
                            "bio_sequence_data",
                            "capability_level",
                            "modification_compute_flop",
                            "modification_cost_usd",
                            "modification_compute_ratio",
                            "distillation_cost_usd",
                            "fatalities",
                            "damage_usd",
                        ],
                    )
                ),
                name="condition_metric_known",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
