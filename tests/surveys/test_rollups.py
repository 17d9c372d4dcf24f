"""The dashboards' day tables stay equal to a rebuild from the stored feedback, whatever happens."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from feedback_app.customers.services.profile import customer_update
from feedback_app.customers.services.resolve import customer_resolve
from surveys.models import Complaint, FeedbackDay, Response, TopicDay
from surveys.services.complaints import complaint_submit
from surveys.services.responses import response_submit
from surveys.services.rollups import feedback_delete, grain_name, rollups_rebuild
from surveys.services.triage import complaint_triage, response_triage
from tests.concurrency import at_once
from tests.factories import delivery_survey

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Every non-empty row of both tables, by key."""
    tables = {}
    for model in (FeedbackDay, TopicDay):
        counted = [f.name for f in model._meta.fields if f.attname not in (*model.KEY, "id")]
        for row in model.objects.values():
            counts = {name: row[name] for name in counted}
            if any(counts.values()):
                tables[(model.__name__, *(row[k] for k in model.KEY))] = counts
    return tables


@pytest.fixture
def feedback():
    now = timezone.now()
    survey = delivery_survey()
    nps, _choice, text = survey.questions.order_by("position")
    ann = customer_resolve(email="ann@example.com").customer
    customer_update(customer=ann, region="North", value_tier="gold", age_band="35_44")
    bob = customer_resolve(email="bob@example.com").customer
    responses = [
        response_submit(
            survey=survey,
            customer=who,
            channel=channel,
            submitted_at=now - timedelta(days=days),
            answers={nps.pk: score, text.pk: words},
        ).response
        for who, channel, days, score, words in (
            (ann, "web", 3, 10, "Lovely driver, on time"),
            (ann, "email", 3, 2, "The parcel never arrived and nobody called"),
            (bob, "web", 40, 7, "Fine"),
            (None, "web", 1, 9, "Good"),
        )
    ]
    complaint = complaint_submit(
        text="My refund is late and the app crashed", channel="email", email="bob@example.com"
    ).complaint
    return {"survey": survey, "ann": ann, "responses": responses, "complaint": complaint}


def test_arrival_counts_items_and_scores_at_once(feedback):
    everything = FeedbackDay.objects.filter(grain="").aggregate(
        items=Sum("items"), responses=Sum("responses"), nps=Sum("nps_n"), promoters=Sum("promoters")
    )
    assert everything == {"items": 5, "responses": 4, "nps": 4, "promoters": 2}
    kept = snapshot()
    rollups_rebuild()
    assert snapshot() == kept


def test_triage_retriage_and_deletion_match_a_rebuild(feedback):
    for response in feedback["responses"]:
        response_triage(response_id=response.pk)
    complaint_triage(complaint_id=feedback["complaint"].pk)
    assert FeedbackDay.objects.filter(grain="").aggregate(n=Sum("negative"))["n"] >= 2
    assert TopicDay.objects.filter(grain="").exists()
    kept = snapshot()
    rollups_rebuild()
    assert snapshot() == kept

    # Retriage after what was stored changed: the item moves between sentiments and topics.
    first = feedback["responses"][0]
    Response.objects.filter(pk=first.pk).update(sentiment="negative", severity=4)
    first.topics.clear()
    Complaint.objects.filter(pk=feedback["complaint"].pk).update(sentiment="positive")
    rollups_rebuild()  # the tables as they would be had that been the triage result
    response_triage(response_id=first.pk)
    complaint_triage(complaint_id=feedback["complaint"].pk)
    moved = snapshot()
    rollups_rebuild()
    assert snapshot() == moved

    # A deleted response takes out everything it added.
    feedback_delete(items=[feedback["responses"][3]])
    remaining = snapshot()
    rollups_rebuild()
    assert snapshot() == remaining
    assert FeedbackDay.objects.filter(grain="").aggregate(n=Sum("items"))["n"] == 4


def test_deleting_in_the_admin_takes_the_items_out_of_the_day_tables(feedback, admin_client):
    total = FeedbackDay.objects.filter(grain="").aggregate(n=Sum("items"))["n"]
    response = feedback["responses"][3]
    admin_client.post(
        reverse("admin:surveys_response_changelist"),
        {"action": "delete_selected", "_selected_action": [response.pk], "post": "yes"},
    )
    admin_client.post(
        reverse("admin:surveys_complaint_delete", args=[feedback["complaint"].pk]), {"post": "yes"}
    )
    assert FeedbackDay.objects.filter(grain="").aggregate(n=Sum("items"))["n"] == total - 2
    remaining = snapshot()
    rollups_rebuild()
    assert snapshot() == remaining


def test_segments_are_those_of_the_day_the_feedback_arrived(feedback):
    customer_update(customer=feedback["ann"], region="South")
    north = FeedbackDay.objects.filter(grain="region", region="North").aggregate(n=Sum("items"))
    assert north["n"] == 2
    response = feedback["responses"][0]
    response_triage(response_id=response.pk)  # triage later does not move it either
    assert FeedbackDay.objects.filter(grain="region", region="South").count() == 0
    assert Response.objects.get(pk=response.pk).region == "North"


def test_every_grain_counts_every_item_once(feedback):
    for grain in FeedbackDay.objects.values_list("grain", flat=True).distinct():
        assert FeedbackDay.objects.filter(grain=grain).aggregate(n=Sum("items"))["n"] == 5, grain


def test_grain_names():
    assert grain_name([]) == ""
    assert grain_name(["region", "survey"]) == "survey+region"
    assert grain_name(["value_tier", "age_band"]) == "age_band+value_tier"
    with pytest.raises(ValueError, match="no grain"):
        grain_name(["survey", "region", "age_band"])
    with pytest.raises(ValueError, match="not a breakdown"):
        grain_name(["colour"])


def test_rebuild_command(feedback, capsys):
    FeedbackDay.objects.all().delete()
    call_command("rebuild_rollups")
    assert "feedback rows" in capsys.readouterr().out
    assert FeedbackDay.objects.filter(grain="").aggregate(n=Sum("items"))["n"] == 5


@pytest.mark.django_db(transaction=True)
def test_the_same_item_triaged_twice_at_once_is_counted_once():
    complaint = complaint_submit(
        text="The parcel never arrived.", channel="email", email="ann@example.com"
    ).complaint
    Complaint.objects.filter(pk=complaint.pk).update(sentiment="", severity=None, triaged_at=None)
    rollups_rebuild()
    results = at_once(*[lambda: complaint_triage(complaint_id=complaint.pk)] * 2)
    assert not [r for r in results if isinstance(r, Exception)]
    assert FeedbackDay.objects.filter(grain="").aggregate(n=Sum("negative"))["n"] == 1
    kept = snapshot()
    rollups_rebuild()
    assert snapshot() == kept
