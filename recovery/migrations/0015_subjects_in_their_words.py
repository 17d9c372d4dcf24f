"""Tickets opened from a survey answer were titled "Unhappy answer to <survey>": the queue now
shows the first line of what the customer wrote. Tickets whose customer wrote nothing keep it."""

from django.db import migrations


def retitle(apps, schema_editor):
    Ticket = apps.get_model("recovery", "Ticket")
    TicketItem = apps.get_model("recovery", "TicketItem")
    Answer = apps.get_model("surveys", "Answer")
    for ticket in Ticket.objects.filter(subject__startswith="Unhappy answer to \u201c").iterator():
        item = (
            TicketItem.objects.filter(ticket=ticket, response__isnull=False)
            .order_by("added_at", "id")
            .first()
        )
        if item is None:
            continue
        words = " ".join(
            Answer.objects.filter(response_id=item.response_id)
            .exclude(text="")
            .order_by("id")
            .values_list("text", flat=True)
        )
        line = next((part.strip() for part in words.splitlines() if part.strip()), "")
        if line:
            subject = line if len(line) <= 120 else line[:119] + "\u2026"
            Ticket.objects.filter(pk=ticket.pk).update(subject=subject)


class Migration(migrations.Migration):
    dependencies = [("recovery", "0014_conversation"), ("surveys", "0016_schedule_mailbox_poll")]

    operations = [migrations.RunPython(retitle, migrations.RunPython.noop)]
