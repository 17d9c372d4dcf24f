"""The staff side in English, German, French and Spanish.

Staff pages follow the staff member's choice in the navigation's language menu, else the
browser's Accept-Language; the API and the admin stay English (a contract for integrations and
the operators' back office). No word on a staff page is left out of the catalogs, and each main
page rendered in German, French and Spanish has no English sentence left but data."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from recovery.services.workflow import ticket_apologise
from tests.customers.test_languages import SHIPPED, lang_of, sentences, unmarked
from tests.factories import delivered_invitation, open_ticket

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)

STAFF_TEMPLATES = sorted(
    {
        *ROOT.glob("templates/*/staff/*.html"),
        *ROOT.glob("templates/staff/*.html"),
        *ROOT.glob("templates/registration/*.html"),
        *(ROOT / "templates" / name for name in ("403.html", "500.html", "_messages.html")),
    }
)
# Names that read the same in every language we ship, and code a reader types as it is.
NAMES = {"API", "CSV", "NPS", "CSAT", "CES", "SLA", "ms"}


def staff_unmarked(source: str) -> list[str]:
    source = re.sub(r"<code\b.*?</code>", " ", source, flags=re.S)
    return [word for word in unmarked(source) if word not in NAMES]


@pytest.mark.parametrize("path", STAFF_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_staff_templates_have_no_unmarked_words(path):
    assert staff_unmarked(path.read_text()) == []


def test_staff_pages_follow_the_menu_then_the_browser_while_the_api_and_admin_stay_english(
    client, manager
):
    client.force_login(manager)
    page = client.get(reverse("staff:home"), HTTP_ACCEPT_LANGUAGE="de")
    html = page.content.decode()
    assert lang_of(html) == "de" and page["Content-Language"] == "de"
    assert "Warteschlange" in html and "Abmelden" in html
    menu = html[html.index('data-testid="staff-language"') :][:2000]
    for code, name in settings.LANGUAGES:
        assert f'value="{code}" lang="{code}"' in menu and name in menu
    chosen = client.post(reverse("set_language"), {"language": "fr", "next": "/staff/"})
    assert chosen.status_code == 302 and chosen["Location"] == "/staff/"
    refused = client.post(reverse("surveys:create"), {}, HTTP_ACCEPT_LANGUAGE="de")
    assert lang_of(refused.content.decode()) == "fr"
    assert "Ce champ est obligatoire." in refused.content.decode()  # Django's own words too
    api = client.get("/api/v1/tickets/?page=x", HTTP_ACCEPT_LANGUAGE="es")
    assert api["Content-Language"] == "en"
    admin = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es")
    assert admin["Content-Language"] == "en"


def test_the_queue_and_a_ticket_speak_german(client, manager):
    ticket = open_ticket()
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    queue = client.get(reverse("recovery:queue")).content.decode()
    assert "Wiedergutmachung" in queue or "Warteschlange" in queue
    assert "Neu" in queue  # the ticket's state, from the model's choices
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "Nächster Schritt" in page and "1. Entschuldigen" in page


def staff_pages(manager):
    """The main staff pages, each with something on it: (name, URL)."""
    invitation = delivered_invitation()
    ticket = open_ticket(email="bo@example.com", full_name="Bo Berg")
    ticket_apologise(ticket=ticket, actor=manager, subject="Sorry", body="Sorry.")
    survey = invitation.survey
    return [
        ("home", reverse("staff:home")),
        ("queue", reverse("recovery:queue")),
        ("ticket", ticket.get_absolute_url()),
        ("customers", reverse("customers:list")),
        ("customer", ticket.customer.get_absolute_url()),
        ("feedback", reverse("surveys:feedback")),
        ("surveys", reverse("surveys:list")),
        ("survey", survey.get_absolute_url()),
        ("survey funnel", survey.get_absolute_url() + "?tab=funnel"),
        ("rules", reverse("surveys:rules")),
        ("imports", reverse("surveys:imports")),
        ("improvements", reverse("recovery:improvements")),
        ("notices", reverse("recovery:notices")),
        ("settings", reverse("recovery:settings")),
        ("approvals", reverse("recovery:approvals")),
        ("overview", reverse("recovery:dashboard", args=["overview"])),
        ("loop report", reverse("recovery:loop-report")),
        ("webhooks", reverse("webhooks:list")),
        ("sign in", reverse("login")),
    ]


# Data shown as it was given: names, the survey's own texts, what was sent as it was sent, and
# records kept as they were written when they happened (timeline entries, triage's reasons).
STAFF_DATA = {
    "The parcel never arrived",  # the ticket's subject, as the customer put it
    "How likely are you to recommend us to a friend?",
    "We delivered your order and would like to know how it went.",
}


@pytest.mark.parametrize("code", SHIPPED)
def test_no_english_sentence_is_left_on_a_staff_page(client, manager, code):
    client.force_login(manager)
    pages = staff_pages(manager)
    as_given = given_data()
    for name, url in pages:
        if name == "sign in":
            client.logout()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        english = sentences(without_code(client.get(url).content.decode()))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
        other = client.get(url).content.decode()
        assert lang_of(other) == code, name
        left = {s for s in english & sentences(without_code(other)) if not as_given(s)}
        left -= STAFF_DATA
        assert not left, f"{name} in {code}: {sorted(left)}"


def without_code(html: str) -> str:
    """The page without what a reader types as it is (an address of the API, a setting)."""
    return re.sub(r"<code\b.*?</code>", " ", html, flags=re.S)


def given_data():
    """Whether a sentence is data shown as given: what the customer will read, drafted in the
    customer's language (English for Bo and Ann here) whatever language the agent works in;
    names, addresses and links, as they are. The data is read once, after the pages' world is
    made."""
    from feedback_app.customers.models import Message
    from recovery.models import CannedMessage
    from surveys.models import Question, Survey

    subjects = set(CannedMessage.objects.values_list("subject", flat=True))
    subjects |= set(CannedMessage.objects.values_list("name", flat=True))
    subjects |= set(Survey.objects.values_list("name", flat=True))
    prompts = set(Question.objects.values_list("prompt", flat=True))
    sent = " ".join(
        " ".join(body.split()) for body in Message.objects.values_list("body_text", flat=True)
    )

    def as_given(sentence: str) -> bool:
        return (
            "http" in sentence
            or "@" in sentence
            or sentence.startswith("Dear ")
            or sentence in subjects
            or sentence in sent
            or any(prompt in sentence for prompt in prompts)
        )

    return as_given


# Triage's reasons are stored in English; staff read them in their language.
TEXTS = [
    ("The parcel never arrived and nobody answers. I want a refund now or I will cancel!", ()),
    ("Great service, but the box was damaged and the glass cut my hand.", ()),
    ("Not bad at all, thank you \U0001f600", ()),
    ("Wow, great, another week of waiting. Where is my order?", ()),
    ("Das Paket ist nie angekommen und niemand antwortet mir.", (("nps", 2),)),
    ("", (("nps", 9), ("csat", 2))),
    ("", (("csat", 1),)),
    ("", (("ces", 4), ("csat", 3))),
    ("", ()),
    ("x" * 30_000, ()),
]


@pytest.mark.parametrize("code", SHIPPED)
def test_every_reason_triage_gives_reads_in_the_staff_members_language(code):
    from django.utils import translation

    from surveys.triage.engine import triage
    from surveys.triage.reasons import in_language

    reasons = {r for text, scores in TEXTS for r in triage(text, scores=scores).reasons}
    reasons |= set(triage("The order came late", kind="complaint").reasons)
    assert len(reasons) > 15
    with translation.override(code):
        said = {reason: in_language(reason) for reason in reasons}
    untranslated = [reason for reason, read in said.items() if read == reason]
    assert not untranslated
    # The customer's own words stay as they wrote them; a reason from no message, as stored.
    with translation.override("de"):
        assert in_language("Money at stake: “refund”") == "Geld steht auf dem Spiel: “refund”"
        assert in_language("Severity 3 (high), negative") == "Schweregrad 3 (hoch), negativ"
        assert in_language("Something else") == "Something else"


def test_what_is_recorded_stays_english_while_pages_speak_the_readers_language():
    from decimal import Decimal

    from django.utils import translation

    from recovery.models import Restitution

    given = Restitution(kind="voucher", amount=Decimal("15.00"), currency="GBP")
    with translation.override("de"):
        assert given.summary == "Gutschein über 15.00 GBP"  # the approvals page, in German
        assert given.recorded_summary == "Voucher of 15.00 GBP"  # the log and the notices


def test_every_other_staff_page_opens_in_each_language(client, manager):
    """The forms and detail pages the sentence check above does not read: each renders, in the
    language asked for, with nothing left to fail in a translation (a placeholder, a plural)."""
    from recovery.dashboards.views import TITLES
    from recovery.models import CannedMessage, ExperienceStandard
    from recovery.services.improvements import improvement_save
    from surveys.services.complaints import complaint_submit
    from tests.factories import CustomerWithEmailFactory

    invitation = delivered_invitation()
    survey, question = invitation.survey, invitation.survey.questions.first()
    ticket = open_ticket()
    customer = ticket.customer
    other = CustomerWithEmailFactory()
    complaint = complaint_submit(
        full_name="Bo", email="bo@example.com", text="Late.", channel="web"
    ).complaint
    improvement = improvement_save(actor=manager, title="Sturdier boxes")
    standard = ExperienceStandard.objects.create(promise="We answer within a day", target=90)
    pages = [
        reverse("recovery:create"),
        reverse("recovery:canned-edit", args=[CannedMessage.objects.first().pk]),
        reverse("recovery:improvement", args=[improvement.pk]),
        reverse("recovery:improvement-edit", args=[improvement.pk]),
        reverse("recovery:improvement-create"),
        reverse("recovery:standard-create"),
        reverse("recovery:standard-edit", args=[standard.pk]),
        reverse("recovery:mystery-visit"),
        *(reverse("recovery:dashboard", args=[name]) for name in TITLES),
        reverse("surveys:create"),
        reverse("surveys:edit", args=[survey.pk]),
        reverse("surveys:question", args=[question.pk]),
        reverse("surveys:translations", args=[survey.pk]),
        reverse("surveys:rule-create"),
        survey.get_absolute_url() + "?tab=invitations",
        survey.get_absolute_url() + "?tab=responses",
        reverse("surveys:complaint", args=[complaint.pk]),
        reverse("customers:merge", args=[customer.pk]) + f"?other={other.pk}",
        reverse("customers:erase", args=[customer.pk]),
        reverse("webhooks:create"),
        reverse("password_reset"),
    ]
    client.force_login(manager)
    for code in SHIPPED:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
        for url in pages:
            page = client.get(url)
            assert page.status_code == 200, (code, url)
            assert lang_of(page.content.decode()) == code, (code, url)
