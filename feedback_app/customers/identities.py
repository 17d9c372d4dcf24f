"""How identities are written down, so the same person is recognised on every channel.

E-mail addresses compare without case and without a display name ("Ann <ANN@x.com>" is
ann@x.com); phone numbers compare in E.164 ("020 7946 0958" and "+44 20 7946 0958" are one
number); external ids compare as given, per issuing system.
"""

from email.utils import parseaddr

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from feedback_app.core.errors import DomainError

MAX_IDENTITY_LENGTH = 320
MAX_SOURCE_LENGTH = 50  # Identity.source


def normalize_email(value: str) -> str:
    _name, address = parseaddr(value or "")
    address = address.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise DomainError(
            _("%(value)s is not an e-mail address.") % {"value": repr(value)}, field="email"
        ) from None
    return address


def normalize_phone(value: str, region: str | None = None) -> str:
    raw = (value or "").strip()
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise DomainError(
            _("%(value)s is not a phone number.") % {"value": repr(value)}, field="phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_external(value: str, source: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > MAX_IDENTITY_LENGTH:
        raise DomainError("An external id must have 1 to 320 characters.", field="external_id")
    if not (source or "").strip():
        raise DomainError("An external id needs the system that issued it.", field="source")
    if len(source) > MAX_SOURCE_LENGTH:
        raise DomainError(
            f"An issuing system's name has at most {MAX_SOURCE_LENGTH} characters.", field="source"
        )
    return value


def normalize(kind: str, value: str, source: str = "") -> str:
    """Normalise one identity value of `kind` ("email", "phone" or "external")."""
    if value is not None and len(value) > MAX_IDENTITY_LENGTH:
        raise DomainError(f"The {kind} is too long.", field=kind)
    if kind == "email":
        return normalize_email(value)
    if kind == "phone":
        return normalize_phone(value)
    if kind == "external":
        return normalize_external(value, source)
    raise DomainError(f"Unknown kind of identity {kind!r}.", field="kind")
