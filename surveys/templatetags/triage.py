"""Triage's stored reasons, read in the reader's language."""

from django import template

from surveys.triage.reasons import in_language

register = template.Library()
register.filter("reason", in_language)
