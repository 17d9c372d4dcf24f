"""The API's serializer fields: DRF's, but a value must already be of the type the schema
documents. DRF turns 0 into "0" for a text field and 0 or "yes" into false or true for a
yes-or-no one; a client that sends those has a bug we should tell it about, and the schema
(string, boolean) should be the whole truth. Serializers use these through `ModelSerializer`
below and by name (`fields.CharField`)."""

import threading

from django.db import models
from rest_framework import serializers


class CharField(serializers.CharField):
    default_error_messages = {"invalid": "Send text (a JSON string)."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class BooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Send true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class ChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str | int) or isinstance(data, bool):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: CharField,
        models.BooleanField: BooleanField,
    }
    serializer_choice_field = ChoiceField


class FieldsMadeOnce:
    """For a serializer that checks a body on every write of a busy endpoint: its fields made
    once per thread and bound to each new serializer, instead of DRF's deep copy of every
    declared field each time one is made (a third of an accepted complaint's time in Python).

    Only for serializers whose fields keep nothing of one body for the next: plain fields and
    nested serializers of them, validated by `is_valid()` on the outer one (a field reads its
    serializer through `parent`, which is bound anew each time)."""

    _made = threading.local()

    def get_fields(self):
        made = self._made.__dict__.setdefault("fields", {})
        if type(self) not in made:
            made[type(self)] = super().get_fields()
        fields = made[type(self)]
        for field in fields.values():
            # As declared, so binding it again finds it as DRF's copy would be.
            field.source = field._kwargs.get("source")
        return fields
