"""`shortened`: what Truncator gives, without its walk when the text already fits."""

import pytest
from django.utils.text import Truncator

from feedback_app.core.formatting import shortened


@pytest.mark.parametrize(
    "text",
    [
        "",
        "The parcel never arrived.",
        "x" * 120,
        "x" * 121,
        "e\u0301" * 70,  # decomposed: NFC makes it 70 characters, which fit
        "\u00e9" * 119 + "e\u0301",
        "word " * 40,
    ],
)
def test_the_same_as_truncator(text):
    assert shortened(text, 120) == Truncator(text).chars(120)
