"""Forms of the subscription pages."""

from django import forms

from registry.models import Challenge, Instrument, Jurisdiction


class PreferencesForm(forms.Form):
    challenges = forms.ModelMultipleChoiceField(
        Challenge.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: all three.",
    )
    jurisdictions = forms.ModelMultipleChoiceField(
        Jurisdiction.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every jurisdiction.",
    )
    instruments = forms.ModelMultipleChoiceField(
        Instrument.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Optional: choose instruments to hear only about them in the registry news (thresholds, status, "
        "effective dates).",
    )


class SubscribeForm(PreferencesForm):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    field_order = ["email", "challenges", "jurisdictions", "instruments"]
