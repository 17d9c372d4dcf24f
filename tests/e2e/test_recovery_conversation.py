"""The recovery conversation as the customer (on a phone) and the agent live it: a complaint
with a photo, the acknowledgement with its reference, an apology about the right problem, the
customer's answers by e-mail and on the case page, the agent's reply, restitution, resolution
and the "did we make it right?" follow-up; and a fix shipped inside the quiet period, told
exactly once after it."""

import mailbox
import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from feedback_app.customers.models import Message
from recovery.models import ImprovementNotice, State, Ticket
from recovery.services.follow_up import recovery_sweep
from recovery.services.improvements import improvement_link, improvement_save
from recovery.services.workflow import ticket_close
from surveys.services.complaints import complaint_submit
from tests.factories import PASSWORD, earlier_solicitation, staff_user

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 500
LAMP = "The lamp in order A-20576 arrived smashed. The box was crushed on one side."


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def link_in(text: str, marker: str) -> str:
    return path_of(re.search(rf"(https?://\S*{marker}\S*)", text).group(1))


@pytest.mark.django_db(transaction=True)
def test_complaint_to_follow_up_both_ways(phone_page, page, tmp_path):
    staff_user("agent", username="alex", first_name="Alex", email="alex@care.example")

    # The customer complains on her phone, with a photo.
    phone_page.goto("/complaint/")
    phone_page.get_by_label("Your name").fill("Ann Lee")
    phone_page.get_by_label("E-mail address").fill("ann@example.com")
    phone_page.get_by_label("Order or reference number (if you have one)").fill("A-20576")
    phone_page.get_by_label("What happened?").fill(LAMP)
    phone_page.get_by_label("Photos (if they help)").set_input_files(
        files=[{"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    phone_page.get_by_role("button", name="Send").click()
    reference = phone_page.get_by_test_id("case-number")
    expect(reference).to_have_text(re.compile(r"C-[0-9A-Z]{7}"))
    case_number = reference.inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

    # She is acknowledged at once, with the reference, her case link and when to expect us.
    (ack,) = mail.outbox
    assert ack.subject == f"We have your message: reference {case_number}"
    assert "at the latest" in ack.body
    case_link = link_in(ack.body, "/case/")

    # The agent's apology is about her delivery, in her own words; never our ticket subject.
    sign_in(page, "alex")
    page.get_by_role("link", name="Queue", exact=True).click()
    page.get_by_role("link", name=re.compile("The lamp in order A-20576")).click()
    expect(page.get_by_role("link", name="lamp.jpg")).to_be_visible()  # her photo, for staff
    apology = page.get_by_role("region", name="1. Apologise")
    expect(apology.get_by_label("Subject")).to_have_value("Sorry about your delivery")
    body = apology.get_by_label("Message to the customer")
    expect(body).to_contain_text("I am sorry your delivery for order A-20576 went wrong.")
    expect(body).to_contain_text(f"You told us: \u201c{LAMP}\u201d")
    apology.get_by_role("button", name="Send apology").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Apologised")
    sent = mail.outbox[-1]
    assert sent.subject == "Sorry about your delivery" and case_number in sent.body

    # She answers the apology by e-mail; the mailbox is read and her answer joins the case.
    answer = EmailMessage()
    answer["From"] = "Ann Lee <ann@example.com>"
    answer["To"] = "care@localhost"
    answer["Subject"] = "Re: Sorry about your delivery"
    answer["Message-ID"] = make_msgid()
    answer["In-Reply-To"] = Message.objects.get(purpose="ticket.apology").message_id
    answer.set_content("Thank you. The shade is cracked too.\n\n> I am sorry your delivery")
    box = mailbox.Maildir(str(tmp_path / "inbox"), create=True)
    box.add(answer)
    call_command("fetch_complaints", str(tmp_path / "inbox"))

    # And on her case page: where it stands, what was said, and a photo of the label.
    phone_page.goto(case_link)
    expect(phone_page.get_by_test_id("case-state")).to_have_text(
        "We are finding out what went wrong"
    )
    conversation = phone_page.get_by_test_id("case-conversation")
    expect(conversation).to_contain_text("Sorry about your delivery")
    expect(conversation).to_contain_text("The shade is cracked too.")
    phone_page.get_by_label("Your message").fill("Here is the label from the box.")
    phone_page.get_by_label("Add photos (or a PDF)").set_input_files(
        files=[{"name": "label.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    phone_page.get_by_role("button", name="Send").click()
    expect(phone_page.get_by_text("Your message is with our team")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

    # The agent sees both, with the photo, and replies outside the three steps.
    page.reload()
    expect(page.get_by_test_id("customer-waiting")).to_be_visible()
    talk = page.get_by_test_id("conversation")
    expect(talk.get_by_test_id("entry-in")).to_have_count(2)
    expect(talk).to_contain_text("The shade is cracked too.")
    expect(talk.get_by_role("link", name="label.jpg")).to_be_visible()
    talk.get_by_label("Reply to the customer").fill("Thank you, Ann. A new lamp is on its way.")
    talk.get_by_role("button", name="Send reply").click()
    expect(page.get_by_test_id("customer-waiting")).to_have_count(0)
    assert mail.outbox[-1].body.startswith("Thank you, Ann. A new lamp is on its way.")

    # Reassurance, restitution (a replacement), resolution.
    reassure = page.get_by_role("region", name="2. Reassure: what caused it and what we changed")
    reassure.get_by_role("textbox", name="What caused it").fill(
        "the lamp was packed without its corner protectors."
    )
    reassure.get_by_label("What was done so it will not happen again").fill(
        "every lamp is now packed in a fitted box."
    )
    reassure.get_by_label("…or propose a new improvement").fill("Fitted boxes for lamps")
    reassure.get_by_role("button", name="Send reassurance").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Reassured")
    offer = page.get_by_role("region", name="3. Give something back")
    offer.get_by_label("Kind").select_option("replacement")
    offer.get_by_label("Item").fill("a new lamp, sent today")
    offer.get_by_role("button", name="Offer").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Restitution offered")
    page.get_by_role("button", name="Mark resolved").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Resolved")
    expect(page.get_by_test_id("ticket-timeline")).to_contain_text("Did we make it right?")

    # The follow-up, sent now instead of tomorrow; she answers yes on her phone.
    page.get_by_role("button", name="Send the follow-up now").click()
    expect(page.get_by_test_id("ticket-state")).to_have_text("Follow-up sent")
    follow_up = mail.outbox[-1]
    phone_page.goto(link_in(follow_up.body, "/s/"))
    phone_page.get_by_label("Yes", exact=True).check()
    phone_page.get_by_role("button", name="Send my answers").click()
    expect(phone_page.get_by_role("heading", name="Thank you")).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.state == State.CLOSED and ticket.recovered is True
    kinds = list(ticket.events.values_list("kind", flat=True))
    for kind in ("acknowledged", "apologised", "customer_wrote", "replied", "reassured"):
        assert kind in kinds


@pytest.mark.django_db(transaction=True)
def test_a_fix_shipped_in_the_quiet_period_is_told_once_after_it(page, settings):
    settings.CONTACT_QUIET_PERIOD_DAYS = 14
    manager = staff_user("manager", username="morgan", first_name="Morgan")
    complaint = complaint_submit(
        text="Nobody told me my parcel would be late", channel="api", email="ann@example.com"
    ).complaint
    ticket_close(ticket=Ticket.objects.get(), actor=manager, reason="Apologised by phone")
    earlier_solicitation(complaint.customer, days_ago=3)
    improvement = improvement_save(actor=manager, title="Late parcel alerts")
    improvement_link(improvement=improvement, actor=manager, complaints=[complaint.pk])
    mail.outbox.clear()

    sign_in(page, "morgan")
    page.goto(f"/staff/recovery/improvements/{improvement.pk}/")
    page.get_by_label("What changed, as customers will read it").fill(
        "We now text you the moment a parcel is running late."
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Ship and tell 1 customer").click()
    expect(page.get_by_text("Shipped: 0 customers told now; 1 customer told later")).to_be_visible()
    expect(page.get_by_role("cell", name="waiting")).to_be_visible()
    assert mail.outbox == []

    notice = ImprovementNotice.objects.get()
    for days in (5, 10):  # still inside the quiet period: nothing
        recovery_sweep(now=timezone.now() + timedelta(days=days))
    assert mail.outbox == []
    after = notice.next_try_at + timedelta(minutes=1)
    recovery_sweep(now=after)
    recovery_sweep(now=after + timedelta(minutes=1))
    recovery_sweep(now=after + timedelta(days=30))
    assert [m.subject for m in mail.outbox] == ["You said, we did: Late parcel alerts"]
    page.reload()
    expect(page.get_by_role("cell", name="sent")).to_be_visible()
