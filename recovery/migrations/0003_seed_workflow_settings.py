"""Starting values that managers then adjust in the app: SLA targets, approval limits and canned
messages for each step."""

from decimal import Decimal

from django.db import migrations

SLA = {4: (2, 8), 3: (4, 24), 2: (8, 40), 1: (16, 80)}  # priority: (apology hours, resolution hours)
LIMITS = {"GBP": Decimal("50.00"), "EUR": Decimal("60.00"), "USD": Decimal("65.00")}

APOLOGY = """Dear {{ first_name|default:"customer" }},

I am sorry. {{ issue }}{% if reference %} (order {{ reference }}){% endif %} is not what you should have had from us, and it was our mistake, not yours.

I am looking into it myself and will write again shortly with what we are doing about it.

{{ agent_name }}
{{ company_name }} customer care"""

APOLOGY_DELIVERY = """Dear {{ first_name|default:"customer" }},

I am sorry your delivery{% if reference %} for order {{ reference }}{% endif %} went wrong. {{ issue }} You were counting on it, and we let you down.

I am tracing what happened with our delivery partner now and will write again shortly.

{{ agent_name }}
{{ company_name }} customer care"""

APOLOGY_BILLING = """Dear {{ first_name|default:"customer" }},

I am sorry for the trouble with your payment{% if reference %} for order {{ reference }}{% endif %}. {{ issue }} Nobody should have to chase us for their own money.

I have asked our payments team to check it today and will write again shortly.

{{ agent_name }}
{{ company_name }} customer care"""

REASSURANCE = """Dear {{ first_name|default:"customer" }},

We have found what went wrong: {{ cause }}

So that it does not happen again: {{ corrective_action }}

Thank you for telling us; it is how we find these things.

{{ agent_name }}
{{ company_name }} customer care"""

RESTITUTION = """Dear {{ first_name|default:"customer" }},

To make up for the trouble, we are giving you {{ restitution }}.{% if note %} {{ note }}{% endif %}

{{ agent_name }}
{{ company_name }} customer care"""


def seed(apps, schema_editor):
    SlaTarget = apps.get_model("recovery", "SlaTarget")
    ApprovalLimit = apps.get_model("recovery", "ApprovalLimit")
    CannedMessage = apps.get_model("recovery", "CannedMessage")
    Topic = apps.get_model("surveys", "Topic")
    for priority, (apology, resolution) in SLA.items():
        SlaTarget.objects.get_or_create(
            priority=priority, defaults={"apology_hours": apology, "resolution_hours": resolution}
        )
    for currency, limit in LIMITS.items():
        ApprovalLimit.objects.get_or_create(currency=currency, defaults={"agent_limit": limit})
    messages = [
        ("Apology", "apology", None, "We are sorry, {{ first_name|default:'and we will put it right' }}", APOLOGY),
        ("Apology: delivery", "apology", "delivery", "Sorry about your delivery", APOLOGY_DELIVERY),
        ("Apology: billing", "apology", "billing", "Sorry about your payment", APOLOGY_BILLING),
        ("Reassurance", "reassurance", None, "What went wrong, and what we changed", REASSURANCE),
        ("Restitution", "restitution", None, "Something to make up for it", RESTITUTION),
    ]
    for name, step, topic, subject, body in messages:
        CannedMessage.objects.get_or_create(
            name=name,
            defaults={
                "step": step,
                "topic": Topic.objects.filter(name=topic).first() if topic else None,
                "subject": subject,
                "body": body,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("recovery", "0002_workflow_models"), ("surveys", "0005_seed_topics")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
