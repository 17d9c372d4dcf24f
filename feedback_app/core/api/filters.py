"""How the API's list filters read their parameters: ids and booleans one way, everywhere.

- A filter on a related record (`?customer=12`) takes a whole number and answers with what
  matches, which is nothing for an id that does not exist: the same as any other value that
  matches nothing, rather than django-filter's 400 "Select a valid choice" (which told a caller
  whether an id exists, and contradicted the schema: any integer is valid there).
- A yes-or-no filter (`?active=true`) takes true/false (or 1/0) and refuses anything else with a
  400, where django-filter's default ignored `?active=banana` and answered everything.
"""

import django_filters
from django import forms
from django.db import models
from django_filters import rest_framework as drf_filters
from drf_spectacular.utils import extend_schema_field

MAX_ID = 2**63 - 1  # a 64-bit id: larger numbers match nothing and must not reach the database


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    TRUE, FALSE = ("true", "1"), ("false", "0")

    def to_python(self, value):
        if value in (None, ""):
            return None
        if str(value).lower() in self.TRUE:
            return True
        if str(value).lower() in self.FALSE:
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")


class StrictBooleanFilter(drf_filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)  # the value as sent, for the field to judge
        super().__init__(*args, **kwargs)


class ApiFilterSet(drf_filters.FilterSet):
    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


class FilterBackend(drf_filters.DjangoFilterBackend):
    """DRF's django-filter backend with ApiFilterSet under every view's `filterset_fields`."""

    filterset_base = ApiFilterSet
