"""Recovery in the customer's language: canned messages and "you said, we did" notices have a
text per language, kept side by side by managers; a text a language lacks goes out whole in
English, and the people who keep it are told."""

import pytest
from django.core import mail
from django.urls import reverse

from feedback_app.customers.models import Message
from feedback_app.customers.services.profile import customer_update
from feedback_app.customers.services.resolve import customer_resolve
from feedback_app.customers.sms import MemoryGateway
from recovery import canned
from recovery.models import CannedMessage, Ticket
from recovery.services.improvements import improvement_link, improvement_save, improvement_ship
from recovery.services.workflow import ticket_apologise, ticket_close
from surveys.services.complaints import complaint_submit

pytestmark = pytest.mark.django_db
APOLOGY_FR = {
    "subject": "Toutes nos excuses",
    "body": "Bonjour {{ first_name }},\n\n{{ issue }}\n\nNous sommes vraiment désolés.",
}


def default_apology() -> CannedMessage:
    return CannedMessage.objects.get(step="apology", topic=None)


def test_a_french_customer_who_prefers_texts_answers_complains_and_is_apologised_to_in_french(
    manager, client, django_capture_on_commit_callbacks
):
    """The issue's "done when": she answers a survey from its text's short link, complains, and
    gets the apology in French, by text message, with her case's line in French."""
    from tests.factories import delivered_invitation

    chloe = customer_resolve(
        email="chloe@example.com", phone="+33612345678", full_name="Chloé Martin"
    ).customer
    customer_update(customer=chloe, language="fr", preferred_channel="sms")
    with django_capture_on_commit_callbacks(execute=True):  # the survey has French
        invitation = delivered_invitation(
            languages=["fr"], email="chloe@example.com", full_name="Chloé Martin"
        )
    text = MemoryGateway.outbox[-1]["body"]
    assert "bonjour Chloé, comment s\u2019est passée la commande A-1001 ?" in text
    short = text.split("Une minute : ")[1].split()[0]
    page = client.get(short.removeprefix("http://127.0.0.1:8000"), follow=True)
    html = page.content.decode()
    assert '<html lang="fr">' in html and "Envoyer mes réponses" in html
    nps = invitation.survey.questions.get(kind="nps")
    thanks = client.post(invitation.get_absolute_url(), {f"q{nps.pk}": "8"}, follow=True)
    assert ">Merci<" in thanks.content.decode()

    apology = default_apology()
    apology.translations = {"fr": APOLOGY_FR}
    apology.save()
    with django_capture_on_commit_callbacks(execute=True):
        complaint_submit(
            text="Le colis est arrivé écrasé. Je suis très déçue.",
            channel="web",
            email="chloe@example.com",
            phone="+33612345678",
            full_name="Chloé Martin",
            language="fr",
        )
    ticket = Ticket.objects.get(customer=chloe)
    subject, body = canned.draft(ticket, "apology", agent=manager)
    assert subject == "Toutes nos excuses"
    assert body == (
        "Bonjour Chloé,\n\nVous nous avez écrit : « Le colis est arrivé écrasé. "
        "Je suis très déçue. »\n\nNous sommes vraiment désolés."
    )
    assert canned.language_note(ticket, "apology") == ""
    MemoryGateway.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_apologise(ticket=ticket, actor=manager, subject=subject, body=body)
    message = Message.objects.get(purpose="ticket.apology")
    assert message.channel == "sms" and message.status == "sent"
    text = MemoryGateway.outbox[-1]["body"]
    assert text.startswith("Bonjour Chloé,") and "Nous sommes vraiment désolés." in text
    assert f"Dossier {ticket.case_number} : http" in text


def test_a_canned_message_without_the_customers_language_is_drafted_whole_in_english(
    manager, client
):
    hans = customer_resolve(email="hans@example.com", full_name="Hans Vogel").customer
    customer_update(customer=hans, language="de")
    from recovery.services.tickets import ticket_create

    ticket = ticket_create(customer=hans, subject="Kaputt")
    apology = default_apology()
    apology.translations = {"fr": APOLOGY_FR}  # French only
    apology.save()
    subject, body = canned.draft(ticket, "apology", agent=manager)
    assert body.startswith("Dear Hans,") and "I am sorry." in body  # not a word of French
    assert subject == "We are sorry, Hans"
    note = canned.language_note(ticket, "apology")
    assert "Hans Vogel reads Deutsch" in note and "the draft is in English" in note
    client.force_login(manager)
    page = client.get(reverse("recovery:ticket", args=[ticket.pk])).content.decode()
    assert 'data-testid="draft-language"' in page


def test_managers_keep_a_canned_message_in_each_language_side_by_side(client, manager, agent):
    apology = default_apology()
    url = reverse("recovery:canned-edit", args=[apology.pk])
    client.force_login(agent)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    page = client.get(url).content.decode()
    for language in ("Deutsch", "Français", "Español"):
        assert f">{language}</h2>" in page
    assert 'name="body__fr"' in page and 'lang="fr"' in page
    data = {
        "name": apology.name,
        "step": "apology",
        "topic": "",
        "subject": apology.subject,
        "body": apology.body,
        "active": "on",
        "subject__fr": "Toutes nos excuses",
        "body__fr": "Nous sommes désolés.",
        "subject__de": "  ",
    }
    assert client.post(url, data).status_code == 302
    apology.refresh_from_db()
    assert apology.translations == {
        "fr": {"subject": "Toutes nos excuses", "body": "Nous sommes désolés."}
    }
    settings_page = client.get(reverse("recovery:settings")).content.decode()
    row = settings_page[settings_page.index(url) :][:600]
    assert "no Deutsch, Español" in row


@pytest.fixture
def asked_in_two_languages(manager):
    """An improvement asked for by a French and a German customer."""
    improvement = improvement_save(
        actor=manager,
        title="Sturdier boxes",
        customer_text="Parcels now travel in double-walled boxes.",
        translations={
            "fr": {"title": "Des cartons plus solides", "customer_text": "Double cannelure."}
        },
    )
    tickets = []
    for email, language in (("chloe@example.com", "fr"), ("hans@example.com", "de")):
        who = customer_update(
            customer=customer_resolve(email=email, full_name="X Y").customer, language=language
        )
        from recovery.services.tickets import ticket_create

        ticket = ticket_create(customer=who, subject="Crushed box")
        # closed: an open case holds back notices like any solicitation
        tickets.append(ticket_close(ticket=ticket, actor=manager, reason="sorted", recovered=True))
    improvement_link(improvement=improvement, actor=manager, tickets=[t.pk for t in tickets])
    return improvement


def test_you_said_we_did_goes_in_french_where_written_and_whole_in_english_otherwise(
    manager, asked_in_two_languages, django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks(execute=True):
        improvement_ship(improvement=asked_in_two_languages, actor=manager)
    by_address = {m.to[0]: m for m in mail.outbox}
    french = by_address["chloe@example.com"]
    assert french.subject == "Vous avez dit, nous l\u2019avons fait : Des cartons plus solides"
    assert "Double cannelure." in french.body and "Merci d\u2019avoir pris le temps" in french.body
    german = by_address["hans@example.com"]  # no German text: all of it in English
    assert german.subject == "You said, we did: Sturdier boxes"
    assert "double-walled" in german.body and "Thank you for taking the time" in german.body
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("we-did")).content.decode()
    assert "Des cartons plus solides" in page and "Sturdier boxes" not in page
    client.cookies["django_language"] = "es"
    assert "Sturdier boxes" in client.get(reverse("we-did")).content.decode()
    client.force_login(manager)
    detail = reverse("recovery:improvement", args=[asked_in_two_languages.pk])
    client.cookies["django_language"] = "en"  # the manager works in English
    assert "Not written in Deutsch, Español yet" in client.get(detail).content.decode()
