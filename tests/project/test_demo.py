"""The demo loader gives a living app and adds nothing twice."""

import pytest
from django.apps import apps
from django.core.management import call_command

from feedback_app.customers.models import Customer, CustomerMerge
from feedback_app.demo.surveys import POLITE
from recovery.models import TicketItem
from surveys.funnel import survey_funnel
from surveys.models import Response, Survey


def counts():
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


@pytest.mark.django_db
def test_demo_loads_once_and_a_second_run_adds_nothing(capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    first = counts()
    out = capsys.readouterr().out
    assert "username manager" in out and "password" in out
    assert Customer.objects.filter(merged_into__isnull=True).count() >= 300
    assert CustomerMerge.objects.count() == 1
    # several channels of identity are represented
    kinds = set(Customer.objects.values_list("identities__kind", flat=True))
    assert {"email", "phone", "external"} <= kinds
    # Complaints put politely, with middling scores, are read as complaints and open cases.
    polite = Response.objects.filter(answers__text__in=POLITE).distinct()
    assert polite.count() >= 5
    assert set(polite.values_list("sentiment", flat=True)) == {"negative"}
    assert TicketItem.objects.filter(response__in=polite).count() == polite.count()
    # The delivery survey asks what went wrong only of detractors, what they liked only of
    # promoters; each path has answers, and no answer sits on a question its path hides.
    answered = Response.objects.filter(survey__name="After delivery")
    wrong = answered.filter(answers__question__prompt="What went wrong?")
    liked = answered.filter(answers__question__prompt="What did you like most?")
    assert wrong.count() >= 10 and liked.count() >= 10
    assert set(wrong.values_list("nps", flat=True)) <= set(range(7))
    assert set(liked.values_list("nps", flat=True)) <= {9, 10}
    # Enough history for the funnel to say something: both arms of the subject-line split,
    # pages opened and left half-way.
    funnel = survey_funnel(Survey.objects.get(name="After delivery"))
    total = funnel.total
    assert total.sent > total.completed >= 20 and total.clicked > total.completed
    (split,) = funnel.splits
    assert split.a.sent >= 20 and split.b.sent >= 20 and split.verdict
    assert funnel.stopped and funnel.by_hour and funnel.reasons

    call_command("load_demo")
    second = counts()
    changed = {
        k: (first[k], second[k])
        for k in first
        if first[k] != second[k] and not k.startswith("sessions.")
    }
    assert changed == {}
