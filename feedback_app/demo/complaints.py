"""Demo complaints over the last month, from every channel; triage opens their tickets."""

import random
from datetime import timedelta

from django.utils import timezone

from feedback_app.customers.models import Customer
from surveys.models import Complaint
from surveys.services.complaints import complaint_submit

TEXTS = [
    (
        "Parcel never arrived",
        "My parcel for order {ref} never arrived and the tracking has said 'out for delivery' for 4 days.",
    ),
    (
        "Broken on arrival",
        "The lamp in order {ref} arrived smashed. The box was crushed on one side.",
    ),
    (
        "Charged twice",
        "I was charged twice for order {ref}. Please refund the second payment as soon as possible.",
    ),
    (
        "",
        "I have been on hold for 45 minutes three times this week and nobody answers. Order {ref}.",
    ),
    ("Wrong item", "I ordered a blue jumper in medium and got a red one in small. Order {ref}."),
    ("", "Your driver was rude and left my parcel in the rain. Everything inside is soaked."),
    (
        "Allergy",
        "The snack box in order {ref} contained nuts although I chose the nut-free option. My son had an allergic reaction.",
    ),
    (
        "Return label",
        "The return label you sent does not work at the post office. Second time I am writing about {ref}.",
    ),
    ("", "The website crashed at checkout and now I cannot see whether order {ref} went through."),
    (
        "Refund still missing",
        "Still waiting for my refund for {ref}, three weeks now. If it does not arrive I will never order again.",
    ),
    ("", "Staff at the Mill Lane store were lovely but the item I reserved was not there."),
    ("Late again", "Late again. This is the third time a delivery from you has been late."),
    ("Refund", "Any update on my refund for {ref}? It has been three weeks."),
    ("", "I'd be grateful if you could look into order {ref}: the chairs arrived without screws."),
]
CHANNELS = ["web", "email", "phone", "api", "import"]


def load_complaints(customers: list[Customer], seed: int = 11) -> int:
    if Complaint.objects.filter(idempotency_key__startswith="demo-").exists():
        return Complaint.objects.count()
    rng = random.Random(seed)
    now = timezone.now()
    with_email = [
        c for c in customers if not c.is_merged and c.identities.filter(kind="email").exists()
    ]
    for n in range(60):
        customer = rng.choice(with_email)
        subject, text = rng.choice(TEXTS)
        reference = f"A-{30000 + n}"
        complaint_submit(
            text=text.format(ref=reference),
            subject=subject,
            reference=reference if "{ref}" in text else "",
            channel=rng.choice(CHANNELS),
            email=customer.identities.filter(kind="email").first().normalized,
            received_at=now - timedelta(days=rng.uniform(0, 30)),
            idempotency_key=f"demo-complaint-{n}",
        )
    return Complaint.objects.count()
