"""How the web shows what the domain refused: one way, for every form."""

from django import forms

from feedback_app.core.errors import DomainError


def form_error(form: forms.Form, exc: DomainError) -> None:
    """Put the refusal on the field it names when the form has that field, else on the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
