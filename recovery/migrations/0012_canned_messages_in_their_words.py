"""The seeded apologies quote the customer's own words instead of our ticket subject, and two
more topics get an apology of their own. A template a manager has edited is left as it is."""

import importlib

from django.db import migrations

SIGN_OFF = """{{ agent_name }}
{{ company_name }} customer care"""
QUOTE = """{% if their_words %} You told us: \u201c{{ their_words }}\u201d{% endif %}"""

APOLOGY = f"""Dear {{{{ first_name|default:"customer" }}}},

I am sorry.{QUOTE} That is not what you should have had from us{{% if reference %}} with order {{{{ reference }}}}{{% endif %}}, and it was our mistake, not yours.

I am looking into it myself and will write again shortly with what we are doing about it.

{SIGN_OFF}"""

APOLOGY_DELIVERY = f"""Dear {{{{ first_name|default:"customer" }}}},

I am sorry your delivery{{% if reference %}} for order {{{{ reference }}}}{{% endif %}} went wrong.{QUOTE} You were counting on it, and we let you down.

I am tracing what happened with our delivery partner now and will write again shortly.

{SIGN_OFF}"""

APOLOGY_BILLING = f"""Dear {{{{ first_name|default:"customer" }}}},

I am sorry for the trouble with your payment{{% if reference %}} for order {{{{ reference }}}}{{% endif %}}.{QUOTE} Nobody should have to chase us for their own money.

I have asked our payments team to check it today and will write again shortly.

{SIGN_OFF}"""

APOLOGY_QUALITY = f"""Dear {{{{ first_name|default:"customer" }}}},

I am sorry that what you received{{% if reference %}} with order {{{{ reference }}}}{{% endif %}} was not right.{QUOTE} You paid for something that works, and that is what you should have had.

I am finding out how this got past our checks and will write again shortly.

{SIGN_OFF}"""

APOLOGY_STAFF = f"""Dear {{{{ first_name|default:"customer" }}}},

I am sorry for how you were treated.{QUOTE} That is not how anyone here should speak to a customer, and I do not make excuses for it.

I am raising it with the team's manager today and will write again shortly.

{SIGN_OFF}"""

UPDATED = {
    "Apology": ("APOLOGY", APOLOGY),
    "Apology: delivery": ("APOLOGY_DELIVERY", APOLOGY_DELIVERY),
    "Apology: billing": ("APOLOGY_BILLING", APOLOGY_BILLING),
}
ADDED = [
    ("Apology: product quality", "product quality", "Sorry about what you received", APOLOGY_QUALITY),
    ("Apology: staff", "staff", "Sorry for how you were treated", APOLOGY_STAFF),
]


def seed(apps, schema_editor):
    CannedMessage = apps.get_model("recovery", "CannedMessage")
    Topic = apps.get_model("surveys", "Topic")
    before = importlib.import_module("recovery.migrations.0003_seed_workflow_settings")
    for name, (old_name, body) in UPDATED.items():
        CannedMessage.objects.filter(name=name, body=getattr(before, old_name)).update(body=body)
    for name, topic, subject, body in ADDED:
        CannedMessage.objects.get_or_create(
            name=name,
            defaults={
                "step": "apology",
                "topic": Topic.objects.filter(name=topic).first(),
                "subject": subject,
                "body": body,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("recovery", "0011_ticket_main_topic")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
