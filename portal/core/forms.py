"""What every form of the portal's pages shares: Bootstrap's classes on its widgets, the error state
and the ids that tie a widget to its help text and errors, and lists of choices read once.

Every page form inherits `PortalForm` (or mixes `PortalFormMixin` into one of Django's forms) and is
rendered field by field with `templates/includes/field.html`, so that every field of every page looks
and reads the same to screen readers: help text at `<id>-help`, errors at `<id>-error`.
"""

from django import forms


def _widget_class(widget) -> str | None:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.HiddenInput):
        return None
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class StyledFormMixin:
    """Bootstrap's classes and the error state on the widgets; no query (filter sets of the API use it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = _widget_class(field.widget)
            if css and css not in field.widget.attrs.get("class", "").split():
                field.widget.attrs["class"] = f"{css} {field.widget.attrs.get('class', '')}".strip()
            if isinstance(field.widget, forms.Textarea) or type(field.widget) is forms.TextInput:
                # What people type reads in its own direction (Arabic in a French page, and back).
                field.widget.attrs.setdefault("dir", "auto")
            self._describe(name, field)

    def _describe(self, name, field):
        auto_id = self[name].auto_id
        described = [f"{auto_id}-help"] if field.help_text else []
        attrs = field.widget.attrs
        classes = [c for c in attrs.get("class", "").split() if c != "is-invalid"]
        attrs.pop("aria-invalid", None)
        if self.is_bound and self._errors and name in self._errors:
            classes.append("is-invalid")
            attrs["aria-invalid"] = "true"
            described.append(f"{auto_id}-error")
        if classes:
            attrs["class"] = " ".join(classes)
        if described:
            attrs["aria-describedby"] = " ".join(described)
        else:
            attrs.pop("aria-describedby", None)

    def full_clean(self):
        super().full_clean()
        self._flag_invalid()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._flag_invalid()

    def _flag_invalid(self):
        """Flag the widgets of fields with errors (Bootstrap's is-invalid, aria-invalid) and point them
        at their errors, after cleaning and after each error a view adds. Only fields not flagged yet
        are touched: a section form has hundreds of fields, and a service may refuse many at once."""
        if self._errors is None:
            return
        flagged = self.__dict__.setdefault("_flagged", set())
        for name in self._errors.keys() - flagged:
            if name in self.fields:
                self._describe(name, self.fields[name])
                flagged.add(name)


class PortalFormMixin(StyledFormMixin):
    """A page form: styled, and each list of model choices read once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                # Read the list once, for the widget: iterating the field's choices queries each time,
                # and list() would ask the iterator its length first, one COUNT more.
                field.widget.choices = list(iter(field.choices))


class PortalForm(PortalFormMixin, forms.Form):
    pass


def mixed(mixin, form_class):
    """`form_class` with `mixin` in front: for the form class django-filter builds for each filter set
    (a new class every time, with the filters' fields; so no cache here)."""
    return type(form_class.__name__, (mixin, form_class), {})
