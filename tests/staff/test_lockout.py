"""Staff login is protected against guessing passwords (django-axes)."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import PASSWORD, staff_user

pytestmark = pytest.mark.django_db
WITH_AXES = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]


@override_settings(AUTHENTICATION_BACKENDS=WITH_AXES, AXES_FAILURE_LIMIT=3)
def test_too_many_wrong_passwords_lock_the_login(client):
    staff_user("agent", username="alex")
    for _ in range(2):
        response = client.post(reverse("login"), {"username": "alex", "password": "wrong"})
        assert (
            response.status_code == 200
            and "Please enter a correct username and password" in response.content.decode()
        )
    locked = client.post(reverse("login"), {"username": "alex", "password": "wrong"})
    assert locked.status_code == 429 and "Signing in is paused" in locked.content.decode()
    # even the right password is refused while the lockout lasts
    again = client.post(reverse("login"), {"username": "alex", "password": PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(AUTHENTICATION_BACKENDS=WITH_AXES, AXES_FAILURE_LIMIT=3)
def test_a_right_password_in_time_signs_in(client):
    staff_user("agent", username="alex")
    client.post(reverse("login"), {"username": "alex", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alex", "password": PASSWORD})
    assert response.status_code == 302
