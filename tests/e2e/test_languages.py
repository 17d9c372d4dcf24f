"""Customers in their own language, in a real browser: a phone set to English, German, French
or Spanish gets the customer pages in it; the switcher changes it; a survey link speaks the
customer's own language."""

import pytest
from playwright.sync_api import expect

from feedback_app.customers.services.profile import customer_update
from surveys.models import Complaint
from tests.e2e.conftest import axe_violations
from tests.factories import delivered_invitation, translate_survey

# What a person sees in each language: the phone's language, then the words on the pages.
JOURNEY = {
    "en": ("en-GB", "Tell us what went wrong", "Your name", "What happened?", "Send",
           "Thank you, Ann Lee. We have your message."),
    "de": ("de-DE", "Sagen Sie uns, was schiefgelaufen ist", "Ihr Name", "Was ist passiert?",
           "Senden", "Danke, Ann Lee. Ihre Nachricht ist bei uns."),
    "fr": ("fr-FR", "Dites-nous ce qui n\u2019a pas marché", "Votre nom",
           "Que s\u2019est-il passé ?", "Envoyer", "Merci, Ann Lee. Nous avons votre message."),
    "es": ("es-ES", "Cuéntenos qué ha fallado", "Su nombre", "¿Qué ha pasado?", "Enviar",
           "Gracias, Ann Lee. Hemos recibido su mensaje."),
}  # fmt: skip


def phone(browser, live_server, locale):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale=locale,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("code", list(JOURNEY))
def test_a_customer_complains_in_the_language_of_their_phone(browser, live_server, code):
    locale, link, name, happened, send, thanks = JOURNEY[code]
    context, page = phone(browser, live_server, locale)
    try:
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", code)
        page.get_by_role("link", name=link).click()
        assert axe_violations(page) == []  # the page's language is declared and valid
        page.get_by_label(name).fill("Ann Lee")
        page.locator("input[type=email]").fill("ann@example.com")
        page.get_by_label(happened).fill("The parcel came broken.")
        page.get_by_role("button", name=send, exact=True).click()
        expect(page.get_by_role("heading", name=thanks)).to_be_visible()
        assert Complaint.objects.get().customer.language == code  # our answers will speak it
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_a_survey_link_speaks_the_customers_language_and_the_switcher_changes_it(
    browser, live_server
):
    invitation = delivered_invitation()
    translate_survey(invitation.survey, "de", "es")  # a survey written in both
    customer_update(customer=invitation.customer, language="de")
    context, page = phone(browser, live_server, "en-GB")  # an English phone: the link wins
    try:
        page.goto(invitation.get_absolute_url())
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(
            page.get_by_role("heading", name="Ann, wie zufrieden waren Sie mit uns?")
        ).to_be_visible()
        expect(page.get_by_text("Überhaupt nicht wahrscheinlich")).to_be_visible()
        expect(page.get_by_text("It has not arrived (de)")).to_be_visible()
        page.get_by_role("button", name="Español").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", name="Ann, ¿qué tal lo hicimos?")).to_be_visible()
        page.get_by_text("3", exact=True).first.click()
        page.get_by_label("Anything else you want to tell us? (es)").fill("Llegó tarde.")
        page.get_by_role("button", name="Enviar mis respuestas").click()
        expect(page.get_by_role("heading", name="Lo sentimos")).to_be_visible()
    finally:
        context.close()
