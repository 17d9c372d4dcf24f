"""One example request body for every API operation that takes one: what integrators copy first.
feedback_app.api.schema puts each under its operation's JSON body in the schema; a test checks
that every operation with a body has one and that each is valid for its schema."""

CUSTOMER = {"email": "ann.lee@example.com", "full_name": "Ann Lee"}

EXAMPLES = {
    "POST /api/v1/complaints/": (
        "A complaint from a shop's contact form",
        {
            "customer": CUSTOMER,
            "text": "My parcel for order A-30012 never arrived; tracking has said 'out for "
            "delivery' for four days.",
            "subject": "Parcel never arrived",
            "reference": "A-30012",
            "channel": "web",
            "idempotency_key": "shop-contact-88412",
        },
    ),
    "POST /api/v1/customers/": (
        "Find or create the profile of a person",
        {"email": "ann.lee@example.com", "phone": "+44 7700 900123", "full_name": "Ann Lee"},
    ),
    "PATCH /api/v1/customers/{id}/": (
        "Correct a profile",
        {"full_name": "Ann Lee-Smith", "preferred_channel": "sms", "region": "North"},
    ),
    "POST /api/v1/customers/{id}/identities/": (
        "Add the id the shop knows her by",
        {"kind": "external", "source": "shop", "value": "C-100245"},
    ),
    "POST /api/v1/customers/{id}/merge/": (
        "Fold this profile into another of the same person",
        {"into": 12, "reason": "Same person: confirmed on the phone"},
    ),
    "POST /api/v1/events/": (
        "An order was delivered (may trigger a survey)",
        {
            "event_type": "order.delivered",
            "occurred_at": "2026-11-30T09:15:00Z",
            "customer": CUSTOMER,
            "data": {"order": "A-30012", "store": "Leeds"},
            "event_id": "shop-delivery-30012",
        },
    ),
    "POST /api/v1/improvements/": (
        "Record what we will change",
        {
            "title": "Photo proof of delivery",
            "customer_text": "Our drivers now photograph every parcel where they leave it.",
            "planned_for": "2027-01-15",
        },
    ),
    "PATCH /api/v1/improvements/{id}/": (
        "Move the planned date",
        {"planned_for": "2027-02-01", "status": "planned"},
    ),
    "POST /api/v1/improvements/{id}/decline/": (
        "Say why not",
        {
            "reason": "The courier's system cannot take photos yet; we will ask again in spring.",
            "tell_customers": True,
        },
    ),
    "POST /api/v1/improvements/{id}/link/": (
        "Link the feedback that asked for it",
        {"topic": "delivery", "days": 90, "sentiment": "negative", "preview": True},
    ),
    "POST /api/v1/improvements/{id}/ship/": (
        "It shipped: tell everyone who asked",
        {"customer_text": "From today, drivers photograph every parcel where they leave it."},
    ),
    "POST /api/v1/questions/": (
        "Add an NPS question to a draft survey",
        {
            "survey": 3,
            "kind": "nps",
            "prompt": "How likely are you to recommend us to a friend?",
            "required": True,
        },
    ),
    "PUT /api/v1/questions/{id}/": (
        "Rewrite a question",
        {
            "kind": "single",
            "prompt": "How did your parcel arrive?",
            "required": False,
            "choices": ["In perfect condition", "Slightly damaged", "Badly damaged"],
        },
    ),
    "PATCH /api/v1/questions/{id}/": (
        "Ask it only of detractors (NPS 0-6 on question 11)",
        {"show_if": {"question": 11, "min": 0, "max": 6}},
    ),
    "POST /api/v1/responses/": (
        "A survey answered in the shop's app",
        {
            "survey": 3,
            "answers": [{"question": 11, "value": 4}, {"question": 12, "value": "Quick, thanks"}],
            "customer": CUSTOMER,
            "channel": "api",
            "submitted_at": "2026-11-30T10:02:00Z",
            "idempotency_key": "app-survey-77120",
        },
    ),
    "POST /api/v1/surveys/": (
        "A survey after delivery",
        {
            "name": "After delivery",
            "purpose": "after_delivery",
            "intro": "Two questions about your delivery.",
            "thank_you": "Thank you: we read every answer.",
            "public_link_enabled": False,
        },
    ),
    "PATCH /api/v1/surveys/{id}/": (
        "Rename a draft",
        {"name": "After delivery (winter)"},
    ),
    "POST /api/v1/tickets/": (
        "Open a case by hand",
        {
            "customer": CUSTOMER,
            "subject": "Called about a missing parcel",
            "reference": "A-30012",
            "priority": 3,
            "note": "She called the shop; wants it by Friday.",
        },
    ),
    "POST /api/v1/tickets/{id}/apologise/": (
        "Apologise",
        {
            "expected_state": "new",
            "subject": "We are sorry about your parcel",
            "body": "Dear Ann, I am sorry your parcel has not reached you.",
        },
    ),
    "POST /api/v1/tickets/{id}/approve-restitution/": (
        "Approve a refund above the agent's limit",
        {"restitution": 5, "decision": "approve", "reason": "Third failed delivery"},
    ),
    "POST /api/v1/tickets/{id}/assign/": (
        "Give the ticket to a person",
        {"assignee": "sam", "team": "Deliveries"},
    ),
    "POST /api/v1/tickets/{id}/close/": (
        "Close without the steps",
        {"expected_state": "new", "reason": "Duplicate of another case"},
    ),
    "POST /api/v1/tickets/{id}/notes/": (
        "A note for colleagues",
        {"text": "Courier confirms the parcel is at the depot."},
    ),
    "POST /api/v1/tickets/{id}/offer-restitution/": (
        "Offer a refund of the delivery charge",
        {
            "expected_state": "reassured",
            "subject": "A refund of your delivery charge",
            "body": "We have refunded the delivery charge of 4.99 GBP.",
            "kind": "refund",
            "amount": "4.99",
            "currency": "GBP",
        },
    ),
    "POST /api/v1/tickets/{id}/reassure/": (
        "Say what will stop it happening again",
        {
            "expected_state": "apologised",
            "subject": "What we are changing",
            "body": "Our drivers will photograph every parcel where they leave it.",
            "cause": "The driver left the parcel at the wrong address.",
            "corrective_action": "Photo proof of delivery on every drop.",
            "new_improvement_title": "Photo proof of delivery",
        },
    ),
    "POST /api/v1/tickets/{id}/reopen/": (
        "Reopen: the customer wrote again",
        {"expected_state": "resolved", "reason": "The replacement did not arrive either"},
    ),
    "POST /api/v1/tickets/{id}/reply/": (
        "Reply in the conversation",
        {"subject": "Your parcel", "body": "It left the depot this morning; due by 6pm."},
    ),
    "POST /api/v1/tickets/{id}/resolve/": (
        "Resolve after the restitution",
        {"expected_state": "restitution_offered", "note": "Refund sent, parcel delivered"},
    ),
    "POST /api/v1/tickets/{id}/skip/": (
        "Skip a step, with the reason",
        {
            "expected_state": "apologised",
            "step": "reassure",
            "reason": "A one-off: the courier's van broke down",
        },
    ),
    "POST /api/v1/tickets/{id}/withdraw-restitution/": (
        "Withdraw an offer made in error",
        {"restitution": 5, "reason": "Offered twice by mistake"},
    ),
    "POST /api/v1/trigger-rules/": (
        "Ask three days after delivery",
        {"event_type": "order.delivered", "survey": 3, "delay": "P3D", "active": True},
    ),
    "PUT /api/v1/trigger-rules/{id}/": (
        "Ask two days after delivery instead",
        {"event_type": "order.delivered", "survey": 3, "delay": "P2D", "channel": "email"},
    ),
    "PATCH /api/v1/trigger-rules/{id}/": (
        "Pause a rule",
        {"active": False},
    ),
    "POST /api/v1/webhooks/": (
        "Tell the CRM when a ticket opens or a detractor answers",
        {
            "name": "CRM",
            "url": "https://crm.example.com/hooks/feedback",
            "events": ["ticket.opened", "feedback.detractor"],
            "format": "json",
        },
    ),
    "PATCH /api/v1/webhooks/{id}/": ("Pause an endpoint", {"active": False}),
}
