"""The evaluator's form on the site: what is known of a model, as a person types it, read into a ModelProfile."""

from django import forms

from registry.evaluation import ModelProfile, ProfileError, build_profile
from registry.formatting import FIGURE_EXAMPLES, parse_figure
from registry.models import AIModel, CapabilityThreshold
from registry.vocabulary import Domain, MadeBy, Metric

MAX_FIGURE = 1e40  # as the API: no model's figure comes near it


class FigureField(forms.CharField):
    """A figure such as 3e25, 3×10^25, 10^26 or 30,000,000 (registry.formatting.parse_figure reads it)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)
        self.widget.attrs.update({"maxlength": "80", "autocomplete": "off", "spellcheck": "false"})

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            figure = parse_figure(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        if figure > MAX_FIGURE:
            raise forms.ValidationError(f"{text[:40]} is larger than any model's figure could be.")
        return figure


# A domain can only be ruled out as a whole; a level reached is a threshold's own (and implies the lower ones).
RULED_OUT = (("", "Not known"), ("not_reached", "Ruled out by evaluations"))
YES_NO = (("", "Not known"), ("yes", "Yes"), ("no", "No"))


class ProfileForm(forms.Form):
    model = forms.ChoiceField(
        required=False,
        label="Start from a reference model",
        help_text="Its training compute and parameters are used unless you give them below.",
    )
    training_compute_flop = FigureField(label="Training compute (FLOP)", help_text=f"e.g. {FIGURE_EXAMPLES}")
    training_cost_usd = FigureField(label="Training compute cost (USD)")
    developer_revenue_usd = FigureField(label="Developer annual revenue (USD)")
    parameters = FigureField(label="Parameters")
    cluster_ops_per_second = FigureField(label="Training cluster capacity (operations per second)")
    bio_sequence_data = forms.ChoiceField(
        choices=YES_NO, required=False, label="Trained mainly on biological sequence data"
    )
    made_by = forms.ChoiceField(
        choices=[("", "Not known"), *MadeBy.choices], required=False, label="How the model was made"
    )
    original_model = forms.ChoiceField(
        required=False,
        label="Made from this reference model",
        help_text="For a fine-tune or a distillation: its training compute is the original's.",
    )
    original_compute_flop = FigureField(label="Training compute of the original model (FLOP)")
    modification_compute_flop = FigureField(label="Fine-tuning or other modification compute (FLOP)")
    modification_cost_usd = FigureField(label="Fine-tuning or other modification compute cost (USD)")
    distillation_cost_usd = FigureField(label="Distillation compute cost (USD)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = [("", "None")] + [
            (name, name) for name in AIModel.objects.with_compute().order_by("name").values_list("name", flat=True)
        ]
        self.fields["model"].choices = names
        self.fields["original_model"].choices = names
        for domain in Domain:
            self.fields[f"finding_{domain.value}"] = forms.ChoiceField(
                choices=RULED_OUT, required=False, label=domain.label
            )
        levels = (
            CapabilityThreshold.objects.for_evaluation()
            .filter(conditions__metric=Metric.CAPABILITY_LEVEL)
            .order_by("instrument__short_name", "instrument__title", "name")
            .values_list("slug", "instrument__short_name", "instrument__title", "name")
            .distinct()
        )
        self.fields["reached"] = forms.MultipleChoiceField(
            choices=[(slug, f"{short or title}: {name}") for slug, short, title, name in levels],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Capability levels the model reached",
            help_text="A level reached counts every lower level of the same framework and domain as reached too.",
        )

    def fieldsets(self):
        """(legend, bound fields) in the order the page shows them."""
        groups = [
            ("A reference model", ["model"]),
            (
                "Figures",
                ["training_compute_flop", "training_cost_usd", "developer_revenue_usd", "parameters",
                 "cluster_ops_per_second"],
            ),
            (
                "How the model was made",
                ["made_by", "original_model", "original_compute_flop", "modification_compute_flop",
                 "modification_cost_usd", "distillation_cost_usd", "bio_sequence_data"],
            ),
            ("Capability findings: domains ruled out", [f"finding_{domain.value}" for domain in Domain]),
            ("Capability findings: levels reached", ["reached"]),
        ]  # fmt: skip
        return [(legend, [self[name] for name in names]) for legend, names in groups]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        findings = {domain.value: False for domain in Domain if data.get(f"finding_{domain.value}")}
        findings |= dict.fromkeys(data.get("reached", []), True)
        known = {name: data.get(name) for name in self.base_fields if name not in ("model", "original_model")}
        known["bio_sequence_data"] = {"yes": True, "no": False}.get(known["bio_sequence_data"])
        known["made_by"] = known["made_by"] or None
        try:
            self.profile = build_profile(
                model=data.get("model") or None,
                original_model=data.get("original_model") or None,
                capability_findings=findings,
                **known,
            )
        except ProfileError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, str(error))
        return data

    profile: ModelProfile
