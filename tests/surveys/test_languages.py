"""A survey in the customer's language, whole or not at all: managers translate it side by
side; a customer whose language it has in full gets it (and our words around it) in that
language; anyone else gets all of it in the survey's own language. Answers keep the options as
written in the survey's language."""

import pytest
from django.core import mail
from django.urls import reverse

from feedback_app.customers.services.profile import customer_update
from surveys.models import Answer
from tests.factories import delivered_invitation

pytestmark = pytest.mark.django_db
GERMAN = {
    "language": "de",
    "intro": "Wir haben Ihre Bestellung geliefert und möchten wissen, wie es lief.",
    "thank_you": "Danke für Ihre Rückmeldung.",
    "prompts": [
        "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?",
        "Kam Ihr Paket am versprochenen Tag?",
        "Möchten Sie uns noch etwas sagen?",
    ],
    "choices": "Ja\nNein, es kam zu spät\nEs ist nicht angekommen",
}


def translate(client, survey, german=GERMAN, **overrides):
    questions = list(survey.questions.order_by("position"))
    data = {
        "language": german["language"],
        "intro": german["intro"],
        "thank_you": german["thank_you"],
        **{f"q{q.pk}__prompt": p for q, p in zip(questions, german["prompts"], strict=False)},
        f"q{questions[1].pk}__choices": german["choices"],
        **overrides,
    }
    return client.post(reverse("surveys:translations", args=[survey.pk]), data)


def test_a_german_customer_answers_the_survey_in_german_and_the_answer_keeps_its_value(
    client, manager, django_capture_on_commit_callbacks
):
    invitation = delivered_invitation()
    customer_update(customer=invitation.customer, language="de")
    client.force_login(manager)
    assert translate(client, invitation.survey).status_code == 302
    client.logout()
    html = client.get(invitation.get_absolute_url()).content.decode()
    assert '<html lang="de">' in html
    assert "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?" in html
    assert "Wir haben Ihre Bestellung geliefert" in html and "Meine Antworten senden" in html
    assert 'value="No, it was late"' in html and "Nein, es kam zu spät</label>" in html
    questions = list(invitation.survey.questions.order_by("position"))
    with django_capture_on_commit_callbacks(execute=True):
        thanks = client.post(
            invitation.get_absolute_url(),
            {f"q{questions[0].pk}": "9", f"q{questions[1].pk}": "No, it was late"},
        )
    assert "Danke für Ihre Rückmeldung." in thanks.content.decode()
    assert Answer.objects.get(question=questions[1]).choices == ["No, it was late"]


def test_a_survey_missing_one_text_in_german_is_all_english_for_a_german_customer(
    client, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = delivered_invitation()  # sent
    customer_update(customer=invitation.customer, language="de")
    client.force_login(manager)
    partial = dict(GERMAN, prompts=GERMAN["prompts"][:2])  # the third question left out
    translate(client, invitation.survey, partial)
    page = client.get(invitation.survey.get_absolute_url()).content.decode()
    assert 'data-testid="missing-languages"' in page and "Deutsch, Français, Español" in page
    client.logout()
    html = client.get(invitation.get_absolute_url()).content.decode()
    assert '<html lang="en">' in html  # never half in German
    assert "How likely are you to recommend us" in html and "Wie wahrscheinlich" not in html
    assert "Send my answers" in html
    from surveys.services.invitations import invitation_remind

    invitation.__class__.objects.filter(pk=invitation.pk).update(reminded_at=None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_remind(invitation_id=invitation.pk)
    assert mail.outbox and mail.outbox[-1].subject.startswith("A reminder: how did we do")


def test_the_invitation_to_a_german_customer_is_german_with_the_survey_translated(
    client, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = delivered_invitation()  # sent
    client.force_login(manager)
    translate(client, invitation.survey)
    customer_update(customer=invitation.customer, language="de")
    from surveys.services.invitations import invitation_remind

    invitation.__class__.objects.filter(pk=invitation.pk).update(reminded_at=None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_remind(invitation_id=invitation.pk)
    sent = mail.outbox[-1]
    assert sent.subject == "Eine Erinnerung: Wie zufrieden waren Sie mit A-1001?"
    assert "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?" in sent.body


def test_managers_translate_side_by_side_and_options_must_all_be_given(client, manager, agent):
    invitation = delivered_invitation()
    survey = invitation.survey
    url = reverse("surveys:translations", args=[survey.pk])
    client.force_login(agent)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    page = client.get(url, {"language": "fr"}).content.decode()
    assert 'aria-current="page" href="?language=fr">Français' in page
    assert "How likely are you to recommend us to a friend?" in page and 'lang="fr"' in page
    refused = translate(client, survey, dict(GERMAN, choices="Ja\nNein"))
    assert refused.status_code == 400 and "has 3 options" in refused.content.decode()
    survey.refresh_from_db()
    assert "de" not in survey.translations  # nothing half-saved


def test_a_survey_written_in_french_reaches_an_english_customer_in_french(client, manager):
    invitation = delivered_invitation()
    from surveys.services.building import survey_update

    survey_update(survey=invitation.survey, language="fr")
    html = client.get(invitation.get_absolute_url()).content.decode()
    assert '<html lang="fr">' in html and "Envoyer mes réponses" in html


def test_a_one_click_answer_is_named_as_the_page_shows_it(client):
    from surveys.models import Question
    from surveys.services.invitations import invitation_create
    from tests.factories import (
        CustomerWithEmailFactory,
        QuestionFactory,
        SurveyFactory,
        translate_survey,
    )

    survey = SurveyFactory()
    QuestionFactory(
        survey=survey, kind=Question.Kind.SINGLE, prompt="Did we put it right?",
        choices=["Yes", "No"],
    )  # fmt: skip
    translate_survey(survey, "fr")
    customer = CustomerWithEmailFactory()
    customer_update(customer=customer, language="fr")
    invitation = invitation_create(survey=survey, customer=customer)
    html = client.get(invitation.get_absolute_url(), {"choice": "2"}).content.decode()
    assert "Votre réponse <strong>No (fr)</strong>" in html  # shown as the page shows it
    assert 'value="No" checked' in html  # kept as written in the survey's language
