"""How the web shows what the domain refused: one way, for every form."""

from django import forms

from feedback_app.core.errors import DomainError


def form_error(form: forms.Form, exc: DomainError) -> None:
    """Put the refusal on the field it names when the form has that field, else on the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files in one input (photos, PDFs). What they are is checked by their content in
    the service that stores them; the `accept` list only helps the phone's picker."""

    ACCEPT = "image/jpeg,image/png,image/heic,image/heif,application/pdf"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": self.ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []
