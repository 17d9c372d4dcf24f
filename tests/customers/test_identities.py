"""How identities are normalised, so one person is recognised across channels."""

import pytest

from feedback_app.core.errors import DomainError
from feedback_app.customers.identities import normalize, normalize_email, normalize_phone


@pytest.mark.parametrize(
    "given",
    [
        "ann.lee@example.com",
        "Ann.Lee@Example.COM",
        "  ann.lee@example.com ",
        "Ann Lee <ANN.LEE@example.com>",
    ],
)
def test_email_case_spaces_and_display_name_do_not_matter(given):
    assert normalize_email(given) == "ann.lee@example.com"


@pytest.mark.parametrize("given", ["", "ann", "ann@", "@example.com", "ann lee@example.com"])
def test_malformed_email_is_refused_naming_the_field(given):
    with pytest.raises(DomainError) as caught:
        normalize_email(given)
    assert caught.value.field == "email"


@pytest.mark.parametrize(
    "given",
    ["020 7946 0958", "+44 20 7946 0958", "0044 20 7946 0958", "(020) 7946-0958", "+442079460958"],
)
def test_phone_written_any_way_is_one_number(given, settings):
    settings.PHONE_DEFAULT_REGION = "GB"
    assert normalize_phone(given) == "+442079460958"


def test_phone_region_comes_from_settings(settings):
    settings.PHONE_DEFAULT_REGION = "US"
    assert normalize_phone("(415) 555-2671") == "+14155552671"


@pytest.mark.parametrize("given", ["", "abc", "12", "+44"])
def test_not_a_phone_number_is_refused(given):
    with pytest.raises(DomainError) as caught:
        normalize_phone(given)
    assert caught.value.field == "phone"


def test_external_id_needs_its_system():
    assert normalize("external", " C-1042 ", "shop") == "C-1042"
    with pytest.raises(DomainError):
        normalize("external", "C-1042", "")


def test_hostile_lengths_are_refused():
    with pytest.raises(DomainError):
        normalize("email", "a" * 5000 + "@example.com")
    with pytest.raises(DomainError):
        normalize("fax", "123")
