from datetime import timedelta

import pytest

from feedback_app.staff.templatetags.formatting import duration


@pytest.mark.parametrize(
    "value,expected",
    [
        (timedelta(0), "at once"),
        (timedelta(days=2), "2 days"),
        (timedelta(days=1, hours=6), "1 day 6 hours"),
        (timedelta(minutes=45), "45 minutes"),
        (timedelta(seconds=20), "under a minute"),
        (None, ""),
    ],
)
def test_duration(value, expected):
    assert duration(value) == expected
