"""Every customer in their own language: English, German, French and Spanish.

Pages opened from a customer's own link speak the customer's stored language (unless they
chose another with the switcher); public pages follow the switcher, else the browser's
Accept-Language; messages go in the customer's language. No customer-facing text is left
unmarked, and no shipped language has an empty or fuzzy entry."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core import mail
from django.urls import reverse

from feedback_app.customers.models import Message
from feedback_app.customers.services.profile import customer_update
from feedback_app.customers.services.resolve import customer_resolve
from recovery.services.workflow import ticket_apologise
from tests.factories import delivered_invitation, open_ticket, translate_survey

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)
SHIPPED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

# --- every customer-facing string is marked, and translated --------------------------------------

CUSTOMER_TEMPLATES = sorted(
    {
        *ROOT.glob("templates/*/public/*.html"),
        *ROOT.glob("templates/public/*.html"),
        *ROOT.glob("templates/*/email/*"),
        *(ROOT / "templates" / name for name in ("base.html", "404.html", "_error_summary.html")),
        ROOT / "templates" / "_pagination.html",
    }
)
_TRANSLATED = re.compile(
    r"{%\s*block body_class\s*%}.*?{%\s*endblock\s*%}"  # CSS classes, not words
    r"|{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}|{#.*?#}|{%.*?%}|{{.*?}}",
    re.S,
)
_WORDS_IN_ATTRIBUTES = re.compile(
    r'\b(?:aria-label|title|placeholder|alt)="([^"{]*[A-Za-z][^"{]*)"', re.I
)


def unmarked(source: str) -> list[str]:
    """Words a customer would read that are outside translate tags."""
    found = [m.group(1) for m in _WORDS_IN_ATTRIBUTES.finditer(_TRANSLATED.sub("", source))]
    text = _TRANSLATED.sub(" ", source)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    found += re.findall(r"[A-Za-z][A-Za-z'\u2019-]+", text)
    return found


@pytest.mark.parametrize("path", CUSTOMER_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_customer_templates_have_no_unmarked_words(path):
    assert unmarked(path.read_text()) == []


def test_the_unmarked_words_check_finds_them():
    assert unmarked('<p>Hello {{ name }}</p><a aria-label="Pages">') == ["Pages", "Hello"]
    assert (
        unmarked('<p>{% translate "Hi" %} {% blocktranslate %}A {{ b }}{% endblocktranslate %}</p>')
        == []
    )


def catalog(code):
    with open(ROOT / "locale" / code / "LC_MESSAGES" / "django.po", "rb") as po:
        return read_po(po, locale=code)


_PLACEHOLDER = re.compile(r"%\(\w+\)s|%%|<[^>]+>")


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_language_has_every_entry_translated_with_its_placeholders(code):
    messages = [m for m in catalog(code) if m.id]
    assert len(messages) > 200
    for message in messages:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert "fuzzy" not in message.flags, message.id
        assert len(strings) == (2 if message.pluralizable else 1), message.id
        for string, source in zip(strings, ids, strict=True):
            assert string.strip(), f"{code}: empty translation of {message.id!r}"
            # The same slots and markup, so nothing is lost or breaks when filled in.
            assert sorted(_PLACEHOLDER.findall(string)) == sorted(_PLACEHOLDER.findall(source)), (
                f"{code}: {message.id!r} -> {string!r}"
            )


@pytest.mark.parametrize("code", SHIPPED)
def test_the_catalogs_are_compiled_from_the_po_files(code):
    from django.utils import translation

    with translation.override(code):
        assert translation.gettext("Send my answers") == catalog(code)["Send my answers"].string


# --- which language a page speaks ------------------------------------------------------------


class _Text(HTMLParser):
    """The words of a page a person reads (no scripts, no styles)."""

    def __init__(self):
        super().__init__()
        self.chunks, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style", "title")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(" ".join(data.split()))


def sentences(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    return {chunk for chunk in parser.chunks if len(re.findall(r"[A-Za-z]{2,}", chunk)) >= 3}


def lang_of(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def test_a_public_page_follows_the_browser_then_the_switcher(client):
    page = client.get(reverse("complaint"), HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.5")
    html = page.content.decode()
    assert lang_of(html) == "fr" and page["Content-Language"] == "fr"
    assert "Dites-nous ce qui n\u2019a pas marché" in html and "Adresse e-mail" in html
    switched = client.post(
        reverse("set_language"), {"language": "es", "next": reverse("complaint")}
    )
    assert switched.status_code == 302 and switched["Location"] == reverse("complaint")
    html = client.get(reverse("complaint"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert lang_of(html) == "es" and "Cuéntenos qué ha fallado" in html
    # A language we do not ship is ignored; English is the fallback.
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    other = client.get(reverse("public-home"), HTTP_ACCEPT_LANGUAGE="pt-BR")
    assert lang_of(other.content.decode()) == "en"


def test_the_switcher_is_on_every_customer_page_and_names_each_language_in_itself(client):
    html = client.get(reverse("complaint")).content.decode()
    switcher = html[html.index('data-testid="languages"') :][:1500]
    for code, name in settings.LANGUAGES:
        assert f'value="{code}" lang="{code}"' in switcher and name in switcher
    assert 'aria-current="true">English' in switcher


def test_a_link_page_speaks_the_customers_language_unless_they_choose_another(client):
    invitation = delivered_invitation()
    translate_survey(invitation.survey, "de", "fr")
    customer_update(customer=invitation.customer, language="de")
    url = invitation.get_absolute_url()
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert lang_of(html) == "de"
    assert "Ann, wie zufrieden waren Sie mit uns?" in html
    assert "Überhaupt nicht wahrscheinlich" in html and "Meine Antworten senden" in html
    client.post(reverse("set_language"), {"language": "fr", "next": url})
    html = client.get(url).content.decode()
    assert lang_of(html) == "fr" and "Envoyer mes réponses" in html


def test_the_case_page_in_french_says_where_the_case_stands_in_french(client, manager):
    from recovery.services.messages import case_url

    ticket = open_ticket()
    customer_update(customer=ticket.customer, language="fr")
    ticket_apologise(ticket=ticket, actor=manager, subject="Désolés", body="Pardon.")
    html = client.get(case_url(ticket)).content.decode()
    assert lang_of(html) == "fr"
    assert "Nous cherchons ce qui n\u2019a pas marché" in html and "Écrivez-nous" in html


# Data the pages show as given (names, the survey's own questions): not ours to translate here.
DATA = {
    "How likely are you to recommend us to a friend?",
    "Did your parcel arrive on the day we promised?",
    "Anything else you want to tell us?",
    "We delivered your order and would like to know how it went.",
    "No, it was late",
    "It has not arrived",
}


def customer_pages(manager, code):
    """Each customer page: (name, URL). Bo's case speaks `code`, so what we sent him is in it."""
    invitation = delivered_invitation()
    translate_survey(invitation.survey, code)
    ticket = open_ticket(email="bo@example.com", full_name="Bo Berg")
    customer_update(customer=ticket.customer, language=code)
    ticket_apologise(ticket=ticket, actor=manager, subject="Sorry", body="Sorry.")
    from recovery.services.messages import case_url

    customer = invitation.customer
    return [
        ("home", reverse("public-home")),
        ("complaint", reverse("complaint")),
        ("we-did", reverse("we-did")),
        ("survey", invitation.get_absolute_url()),
        ("case", case_url(ticket).removeprefix(settings.SITE_URL)),
        ("preferences", reverse("preferences", args=[customer.token])),
        ("unsubscribe", reverse("unsubscribe", args=[customer.token])),
        ("link not valid", reverse("case", args=["not-a-token"])),
    ]


@pytest.mark.parametrize("code", SHIPPED)
def test_no_english_sentence_is_left_on_a_customer_page(client, manager, code):
    """Each page in English and in the language: a sentence that reads the same in both (not
    one of the data above) was never translated."""
    for name, url in customer_pages(manager, code):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        english = sentences(client.get(url).content.decode())
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
        other = client.get(url).content.decode()
        assert lang_of(other) == code, name
        # What we wrote to the customer shows as it was sent (with its links): data too.
        left = {s for s in english & sentences(other) if "http" not in s} - DATA
        assert not left, f"{name} in {code}: {sorted(left)}"


# --- messages go in the customer's language ----------------------------------------------------


def test_an_invitation_to_a_german_customer_is_german_by_email_and_by_text(
    django_capture_on_commit_callbacks, settings
):
    from feedback_app.customers.sms import MemoryGateway
    from surveys.services.invitations import invitation_remind

    settings.COMPANY_NAME = "Acme"
    ann = customer_resolve(
        email="ann@example.com", phone="+4915112345678", full_name="Ann Lee"
    ).customer
    customer_update(customer=ann, language="de")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = delivered_invitation(languages=["de"])  # the survey has German: all of it
    sent = mail.outbox[-1]
    assert sent.subject == "Ann, wie zufrieden waren Sie mit A-1001?"
    assert sent.body.startswith("Guten Tag Ann,") and "Kundenservice von Acme" in sent.body
    assert "Überhaupt nicht wahrscheinlich" in sent.body  # the scale's ends, in the e-mail
    assert '<html lang="de">' in sent.alternatives[0][0]
    customer_update(customer=ann, preferred_channel="sms")
    invitation.__class__.objects.filter(pk=invitation.pk).update(reminded_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_remind(invitation_id=invitation.pk)
    text = MemoryGateway.outbox[-1]["body"]
    assert text.startswith("Acme: Hallo Ann, eine letzte Erinnerung: Wie zufrieden waren Sie")
    assert text.endswith("Antworten Sie STOP zum Abmelden")


def test_an_acknowledgement_and_an_apology_to_a_french_customer_are_french(
    manager, django_capture_on_commit_callbacks
):
    from surveys.services.complaints import complaint_submit

    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_submit(
            full_name="Chloé Martin",
            email="chloe@example.com",
            text="Le colis est arrivé cassé.",
            reference="A-2002",
            channel="web",
            language="fr",
        ).complaint
    assert complaint.customer.language == "fr"  # learnt from the page she wrote on
    ack = mail.outbox[-1]
    assert ack.subject == f"Nous avons votre message : référence {complaint.case_number}"
    assert ack.body.startswith("Bonjour Chloé,")
    assert "Votre référence est" in ack.body and "Vous pouvez aussi simplement" in ack.body
    from recovery.models import Ticket

    ticket = Ticket.objects.get(customer=complaint.customer)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_apologise(ticket=ticket, actor=manager, subject="Pardon", body="Nous regrettons.")
    apology = Message.objects.get(purpose="ticket.apology")
    assert "Voyez où en est votre dossier, ou écrivez-nous" in apology.body_text


def test_money_is_written_as_the_customers_language_writes_it(manager):
    from recovery.canned import restitution_words
    from recovery.services.tickets import ticket_create

    assert restitution_words("refund", "20.00", "GBP") == "a refund of £20.00"
    ticket = ticket_create(
        customer=customer_update(
            customer=customer_resolve(email="d@example.com").customer, language="de"
        ),
        subject="Kaputt",
    )
    from recovery.canned import step_slots
    from recovery.models import CannedMessage

    fields = {"kind": "voucher", "amount": "1234.5", "currency": "EUR"}
    # The restitution message has no German yet: its draft is English, and so is what fills it.
    slots = step_slots(ticket, "restitution", fields)
    assert slots["restitution"] == "a voucher for €1,234.50"
    restitution = CannedMessage.objects.get(step="restitution", topic=None)
    restitution.translations = {"de": {"subject": "Für Sie", "body": "{{ restitution }}"}}
    restitution.save()
    slots = step_slots(ticket, "restitution", fields)
    assert slots["restitution"] == "einen Gutschein über 1.234,50\xa0€"
    slots = step_slots(ticket, "restitution", {"kind": "voucher", "amount": "5", "currency": "x"})
    assert slots["restitution"] == "einen Gutschein über 5 X"  # not a currency: as written
    # The agent drafts from another restitution message, which has German while the step's
    # default has not: what is given is said in the language of the message chosen.
    restitution.translations = {}
    restitution.save()
    chosen = CannedMessage.objects.create(
        name="Voucher, in German too",
        step="restitution",
        subject="For you",
        body="{{ restitution }}",
        translations={"de": {"subject": "Für Sie", "body": "{{ restitution }}"}},
    )
    assert step_slots(ticket, "restitution", fields)["restitution"] == "a voucher for €1,234.50"
    slots = step_slots(ticket, "restitution", {**fields, "template": str(chosen.pk)})
    assert slots["restitution"] == "einen Gutschein über 1.234,50\xa0€"


def test_on_their_preferences_page_customers_choose_the_language_we_write_in(client):
    from tests.factories import CustomerWithEmailFactory

    customer = CustomerWithEmailFactory()
    url = reverse("preferences", args=[customer.token])
    page = client.get(url).content.decode()
    assert "The language we write to you in" in page and '<option value="es">Español' in page
    data = {"language": "es", "email_contact": "on", "email_solicitations": "on"}
    saved = client.post(url, data).content.decode()
    customer.refresh_from_db()
    assert customer.language == "es"
    assert '<html lang="es">' in saved and "Gracias, sus preferencias están guardadas" in saved
    entry = customer.timeline.get(kind="customer.updated")
    assert entry.title == "Profile updated: language" and entry.channel == "web"
    assert client.post(url, dict(data, language="xx")).status_code == 400  # not one of ours
    customer.refresh_from_db()
    assert customer.language == "es"
