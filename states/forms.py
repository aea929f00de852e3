"""Forms of the states app's pages, `PortalForm`s rendered with `templates/includes/field.html`.

They parse what the browser sends into the shape the services take (the same as the API's JSON); the
services decide what is valid, and their errors, keyed like the API's, are put back next to the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.forms import PortalForm
from portal.core.languages import LANGUAGE_NAMES
from states.models import Contact


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes whose values the services check (with the API's messages)."""

    def valid_value(self, value):
        return True


def _text(label, *, max_length, help_text="", input_type="text", autocomplete=None):
    # No max_length validator: the services say what is too long, with the same message everywhere.
    attrs = {"maxlength": max_length}
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    widget = forms.TextInput(attrs=attrs)
    widget.input_type = input_type
    return forms.CharField(label=label, required=False, widget=widget, help_text=help_text, strip=False)


def _date(label, help_text=""):
    return forms.CharField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text=help_text
    )


class ContactForm(PortalForm):
    """A point of contact or issue champion of a State, as its officials (or the Committee) write it;
    `states.contacts` checks it."""

    kind = forms.CharField(
        label=_("Kind of contact"), required=False, widget=forms.Select(choices=[("", "—"), *Contact.Kind.choices])
    )
    name = _text(_("Name"), max_length=200, autocomplete="off")
    agency = _text(_("Ministry or agency"), max_length=200)
    role = _text(_("Function"), max_length=200, help_text=_("The person's function in that agency."))
    email = _text(_("E-mail"), max_length=254, input_type="email", autocomplete="off")
    phone = _text(
        _("Telephone"),
        max_length=40,
        input_type="tel",
        help_text=_("With the country code, e.g. +1 876 555 0100 ext. 12."),
    )
    languages = LenientMultipleChoiceField(
        label=_("Languages"),
        required=False,
        choices=list(LANGUAGE_NAMES.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages the contact works in."),
    )
    valid_from = _date(_("In office from"))
    valid_until = _date(_("In office until"), help_text=_("Leave empty while the person is in office."))

    @classmethod
    def initial_from(cls, data: dict) -> dict:
        initial = dict(data)
        for name in ("valid_from", "valid_until"):
            initial[name] = data[name].isoformat() if data.get(name) else ""
        return initial

    def contact_data(self) -> dict:
        """The contact as the services (and the API's JSON) take it."""
        cleaned = self.cleaned_data
        data = {name: cleaned.get(name) or "" for name in ("kind", "name", "agency", "role", "email", "phone")}
        data["languages"] = list(cleaned.get("languages") or [])
        for name in ("valid_from", "valid_until"):
            data[name] = (cleaned.get(name) or "").strip() or None
        return data

    def add_service_errors(self, errors):
        """Put the services' errors next to the fields they are about (the others above the form)."""
        for key, problems in (errors or {}).items():
            for message in problems if isinstance(problems, list) else [problems]:
                self.add_error(key if key in self.fields else None, str(message))
