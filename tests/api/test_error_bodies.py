"""Errors under /api/ answer in JSON, even those no view handled (a crash, an unknown path)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_server_error_under_the_api_is_json(api_client, manager, monkeypatch):
    api_client.force_authenticate(manager)
    api_client.raise_request_exception = False

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("rest_framework.views.APIView.initial", crash)
    response = api_client.get("/api/v1/tickets/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "Server error" in response.json()["detail"] and "boom" not in response.content.decode()


def test_a_server_error_on_a_page_is_the_html_page(client, manager, monkeypatch):
    client.force_login(manager)
    client.raise_request_exception = False
    monkeypatch.setattr(
        "django.views.generic.base.View.dispatch",
        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")),
    )
    response = client.get(reverse("public-home"))
    assert response.status_code == 500 and response["Content-Type"].startswith("text/html")


def test_an_unknown_api_path_is_json(api_client, manager):
    api_client.force_authenticate(manager)
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_page_is_the_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
